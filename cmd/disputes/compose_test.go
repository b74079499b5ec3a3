package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// composeFile is the part of docker-compose.yml these checks read.
type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Environment map[string]string `yaml:"environment"`
		Ports       []string          `yaml:"ports"`
		ReadOnly    bool              `yaml:"read_only"`
		Volumes     []string          `yaml:"volumes"`
		Tmpfs       []string          `yaml:"tmpfs"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Healthcheck *struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestComposeFile checks docker-compose.yml as far as can be done without
// Docker: it parses, PostgreSQL is not published on the host's 5432 (where
// a local PostgreSQL may already listen), every published port is on
// loopback, and the service's health check runs this binary's healthcheck
// subcommand, at the path the Dockerfile installs it, against the address
// the API listens on in the container; and on a read-only file system the
// evidence files go to a named volume that the image's user may write.
func TestComposeFile(t *testing.T) {
	var c composeFile
	dec := yaml.NewDecoder(bytes.NewReader(readFile(t, "../../docker-compose.yml")))
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	svc, ok := c.Services["disputes"]
	if !ok {
		t.Fatal("no disputes service")
	}
	if _, ok := c.Services["postgres"]; !ok {
		t.Fatal("no postgres service")
	}

	t.Run("NoClashWithALocalPostgreSQL", func(t *testing.T) {
		for name, s := range c.Services {
			for _, p := range s.Ports {
				parts := strings.Split(p, ":")
				if len(parts) != 3 {
					t.Errorf("%s publishes %q: want host-ip:host-port:container-port", name, p)
					continue
				}
				if parts[1] == "5432" {
					t.Errorf("%s publishes the host's port 5432 (%q), where a local PostgreSQL may listen", name, p)
				}
				if parts[0] != "127.0.0.1" {
					t.Errorf("%s publishes %q beyond this machine", name, p)
				}
			}
		}
		if !strings.Contains(svc.Environment["DATABASE_URL"], "@postgres:5432/") {
			t.Errorf("DATABASE_URL %q does not reach the postgres service inside the compose network", svc.Environment["DATABASE_URL"])
		}
		if svc.DependsOn["postgres"].Condition != "service_healthy" {
			t.Error("disputes does not wait for a healthy postgres")
		}
	})

	t.Run("HealthcheckRunsTheBinary", func(t *testing.T) {
		dockerfile := string(readFile(t, "../../Dockerfile"))
		m := regexp.MustCompile(`(?m)^COPY --from=build /out/disputes (\S+)$`).FindStringSubmatch(dockerfile)
		if m == nil {
			t.Fatal("the Dockerfile does not say where it installs the binary")
		}
		if svc.Healthcheck == nil {
			t.Fatal("the disputes service has no health check")
		}
		test := svc.Healthcheck.Test
		// CMD, not CMD-SHELL: the distroless image has no shell.
		if len(test) < 3 || test[0] != "CMD" || test[1] != m[1] || test[2] != "healthcheck" {
			t.Fatalf("health check %q, want [CMD %s healthcheck ...]", test, m[1])
		}
		var stdout, stderr bytes.Buffer
		if code := runMain(context.Background(), append(slices.Clone(test[2:]), "--help"), env(nil), &stdout, &stderr); code != 0 {
			t.Fatalf("the binary does not know %q: exit %d, %s", test[2:], code, stderr.String())
		}
		// The check asks the address the API listens on in the container.
		addr := svc.Environment["DISPUTES_ADDR"]
		if addr == "" {
			env := regexp.MustCompile(`(?m)^ENV DISPUTES_ADDR=(\S+)$`).FindStringSubmatch(dockerfile)
			if env == nil {
				t.Fatal("neither the compose file nor the Dockerfile sets DISPUTES_ADDR")
			}
			addr = env[1]
		}
		url, err := readyzURL(addr)
		if err != nil {
			t.Fatal(err)
		}
		_, port, _ := net.SplitHostPort(addr)
		if url != "http://127.0.0.1:"+port+"/readyz" {
			t.Errorf("the health check would ask %s", url)
		}
		if !slices.Contains(svc.Ports, "127.0.0.1:"+port+":"+port) {
			t.Errorf("the API's port %s is not the one published (%q)", port, svc.Ports)
		}
	})

	t.Run("EvidenceIsKeptInAVolume", func(t *testing.T) {
		// The service runs on a read-only file system: what it writes goes
		// to the mounts below, and nothing else can be changed in it.
		if !svc.ReadOnly {
			t.Fatal("the service's file system is not read-only (read_only: true)")
		}
		dockerfile := string(readFile(t, "../../Dockerfile"))
		workdir := regexp.MustCompile(`(?m)^WORKDIR (\S+)$`).FindAllStringSubmatch(dockerfile, -1)
		if workdir == nil {
			t.Fatal("the Dockerfile sets no WORKDIR")
		}
		blobs := svc.Environment["DISPUTES_BLOB_URL"]
		if blobs == "" {
			blobs = defaultBlobURL(svc.Environment["DATABASE_URL"])
		}
		if !path.IsAbs(blobs) {
			blobs = path.Join(workdir[len(workdir)-1][1], blobs)
		}
		var mount string
		for _, v := range svc.Volumes {
			name, target, _ := strings.Cut(v, ":")
			target, _, _ = strings.Cut(target, ":")
			if _, named := c.Volumes[name]; named && (blobs == target || strings.HasPrefix(blobs, target+"/")) {
				mount = target
			}
		}
		if mount == "" {
			t.Fatalf("the evidence files (%s) are on the read-only file system: no named volume is mounted there (%q)", blobs, svc.Volumes)
		}
		// A new named volume takes the owner of the image's folder it is
		// mounted on; without the folder it would belong to root.
		if !regexp.MustCompile(`(?m)^COPY --from=build --chown=65532:65532 \S+ ` + regexp.QuoteMeta(mount) + `$`).MatchString(dockerfile) {
			t.Errorf("the Dockerfile does not make %s nonroot's (uid 65532), so the volume mounted there would not be writable", mount)
		}
		// Uploads sent with an Idempotency-Key are spooled to os.TempDir.
		if !slices.Contains(svc.Tmpfs, "/tmp") {
			t.Errorf("/tmp is read-only (tmpfs %q): keyed uploads could not be spooled", svc.Tmpfs)
		}
	})

	t.Run("READMEShowsHowToGetTokens", func(t *testing.T) {
		readme := string(readFile(t, "../../README.md"))
		bin := regexp.MustCompile(`(?m)^COPY --from=build /out/disputes (\S+)$`).FindStringSubmatch(string(readFile(t, "../../Dockerfile")))[1]
		if !strings.Contains(readme, "docker compose exec -T disputes "+bin+" token --sub") {
			t.Error("the README does not show how to mint a token under compose")
		}
	})
}
