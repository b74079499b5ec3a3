# The two commands a newcomer needs are `make run` and `make test`; `make help`
# lists every target from the `## target:` lines below. `make` alone runs `all`.
BIN      := bin/disputes
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS  := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
# The race detector needs cgo; use it where a C compiler is present.
RACE     := $(shell command -v gcc >/dev/null 2>&1 && echo -race)

.PHONY: all help build run test test-short test-faults fuzz-smoke lint fmt generate clean docker bench bench-smoke screenshots

## all: lint, then test (what `make` alone runs)
all: lint test

## help: list the targets and what they do
help:
	@awk 'sub(/^## /, "") { t = ""; if (match($$0, /^[a-z-]+: /)) { t = substr($$0, 1, RLENGTH - 1); $$0 = substr($$0, RLENGTH + 1) }; printf "%-14s%s\n", t, $$0 }' $(firstword $(MAKEFILE_LIST))

## build: the binary, bin/disputes, with its version and commit
build:
	go build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/disputes

## run: build and serve on the embedded SQLite database with demo data and tokens; webhooks
## may go to plain-http loopback receivers (development switches; see README.md)
run: build
	DISPUTES_WEBHOOK_ALLOW_HTTP=true DISPUTES_WEBHOOK_ALLOW_PRIVATE=true ./$(BIN) serve --demo

## test: every test, on SQLite and on PostgreSQL (see scripts/with-postgres.sh), then /docs in
## headless Chromium and the generated TypeScript client (scripts/test-web.sh; skipped without
## Node.js or Chromium, except under CI=true)
test:
	./scripts/with-postgres.sh go test $(RACE) -count=1 -timeout 20m ./...
	./scripts/test-web.sh

## test-faults: kill the service, crash and stop PostgreSQL under load, also with three instances and webhooks; nothing acknowledged may be lost, every event must reach its webhook (FAULTS_DURATION per scenario, default 45s)
test-faults:
	./scripts/test-faults.sh $(FAULTS_DURATION)

## fuzz-smoke: every fuzz target for a few seconds (FUZZTIME, default 5s)
fuzz-smoke:
	./scripts/fuzz-smoke.sh

## test-short: the tests without PostgreSQL
test-short:
	go test -count=1 ./...

## lint: gofmt, go vet, staticcheck, go mod tidy -diff (fails when go.mod or go.sum are not
## tidy), and Spectral (with the OWASP rules) and Redocly on api/openapi.yaml (skipped without
## Node.js, except under CI=true)
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	go tool staticcheck ./...
	go mod tidy -diff
	./scripts/lint-openapi.sh

## fmt: gofmt every Go file
fmt:
	gofmt -w $$(git ls-files '*.go')

## generate: regenerate generated files (the state diagram, the API's Go types from api/openapi.yaml; with Node.js, the Redoc bundle /docs serves)
generate:
	go run ./scripts/gen-diagram > docs/state-machine.md
	go tool oapi-codegen -config api/oapi-codegen.yaml -o pkg/httpapi/apigen/apigen.gen.go api/openapi.yaml
	./scripts/update-redoc.sh

## bench: the service against PostgreSQL's own limit at 10 thousand and 1 million disputes (see docs/performance.md)
bench:
	./scripts/bench.sh

## bench-smoke: the same, small and short, to check that it runs
bench-smoke:
	BENCH_SIZES="1000 3000" BENCH_DURATION=2s ./scripts/bench.sh

## screenshots: the console's pages as its browser test sees them, written to docs/console (needs chromium)
screenshots:
	CONSOLE_SCREENSHOTS=$(CURDIR)/docs/console go test -count=1 -run TestConsoleInBrowser ./pkg/console/

## clean: remove bin and data (the embedded database, evidence files, the development secret)
clean:
	rm -rf bin data

## docker: build the container image
docker:
	docker build --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) -t disputes:$(VERSION) .
