package main

import (
	"bytes"
	"context"
	"net"
	"os"
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
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Healthcheck *struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
	} `yaml:"services"`
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
// the API listens on in the container.
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

	t.Run("READMEShowsHowToGetTokens", func(t *testing.T) {
		readme := string(readFile(t, "../../README.md"))
		bin := regexp.MustCompile(`(?m)^COPY --from=build /out/disputes (\S+)$`).FindStringSubmatch(string(readFile(t, "../../Dockerfile")))[1]
		if !strings.Contains(readme, "docker compose exec -T disputes "+bin+" token --sub") {
			t.Error("the README does not show how to mint a token under compose")
		}
	})
}
