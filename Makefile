# Two commands do everything from a fresh clone: `make run` and `make test`.
SHELL := /bin/bash
GO    ?= go
BUILD := build
WASM  := $(BUILD)/edgeauth.wasm
# SQLITE_ENABLE_QPSG keeps prepared statements' query plans stable instead of
# re-preparing on every execution; measured worthwhile on the todo list query.
export CGO_CFLAGS ?= -O2 -DSQLITE_ENABLE_QPSG

EDGEAUTH_SRC := $(shell find edgeauth wasmhost/meter -name '*.go' -not -name '*_test.go') go.mod go.sum
# Every test that needs the module uses this one build of it: the Go tests
# through edgeauth/edgeauthtest, the JS runners through tests/node/module.mjs.
export EDGEAUTH_MODULE := $(abspath $(WASM))
# The conformance corpus's loader and judge (tests/conformance) as a WASI
# module, so that the JS runners judge by the Go code itself.
JUDGE := $(BUILD)/judge.wasm
JUDGE_SRC := $(shell find tests/conformance tests/cmd/judge -name '*.go' -not -name '*_test.go') $(EDGEAUTH_SRC)
export CONFORMANCE_JUDGE := $(abspath $(JUDGE))
# npm ci's marker: jose (an independent verifier) and workerd (an edge host).
JS_STAMP := tests/js/node_modules/.package-lock.json
# The hosts of the conformance matrix, the reference first; each one's
# harness writes build/conformance/<host>.json.
CONFORMANCE_HOSTS := wazero node workerd

.PHONY: all run build wasm test test-go test-race test-js matrix fuzz bench clean

all: build

# The module: a WASI reactor (exports _initialize + ABI v1), one file for every host,
# metered so that a call that loops forever traps on any host (ABI.md, "Runaway calls").
wasm: $(WASM)
$(WASM): $(EDGEAUTH_SRC)
	@mkdir -p $(BUILD)
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -ldflags='-s -w' -o $(BUILD)/edgeauth.unmetered.wasm ./edgeauth/wasm
	$(GO) run ./wasmhost/meter/cmd/wasmmeter $(BUILD)/edgeauth.unmetered.wasm $@

$(JUDGE): $(JUDGE_SRC)
	@mkdir -p $(BUILD)
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -o $@ ./tests/cmd/judge

build: $(WASM)
	$(GO) build -o $(BUILD)/origin ./origin/cmd/origin

run: build
	./$(BUILD)/origin serve

# Each target names what it needs, so `make -j2 test` runs them in any order
# the dependencies allow: matrix reads the records test-go (wazero) and
# test-js (every other host) write.
test: test-go test-race test-js matrix

$(JS_STAMP): tests/js/package.json tests/js/package-lock.json
	npm ci --prefix tests/js --no-audit --no-fund

# After every Go test: the conformance summary lines (hidden by go test
# unless -v), and a bounded fuzz run with an oracle (an accepted token carries
# exactly what was signed).
test-go: $(WASM) $(JS_STAMP) postgres
	$(GO) vet ./...
	$(GO) test -count=1 ./...
	@set -o pipefail; $(GO) test -count=1 -v -run '^TestConformance' ./tests/conformance | grep -E '^(conformance:|--- FAIL|FAIL|ok)'
	$(GO) test -run '^$$' -fuzz '^FuzzOracle$$' -fuzztime 15s ./tests/conformance

# The instance pool, the control plane and the store's connections are where
# data races would hide.
test-race: postgres
	$(GO) test -count=1 -race ./wasmhost/... ./origin/controlplane/... ./origin/sqlite/... ./origin/postgres/... ./origin/sqlstore/... ./origin/reload/... ./origin/metrics/... ./origin/todocache/...

# The WASI shim, the JS host and the gate; the corpus under Node and workerd;
# the workerd gate in front of a real origin.
test-js: $(WASM) $(JUDGE) $(JS_STAMP)
	node --test edgeauth/js/ tests/node/ tests/workerd/

# hosts x vectors, from the decisions each host recorded in build/conformance/.
matrix: test-go test-js $(JUDGE)
	node tests/node/matrix.mjs $(CONFORMANCE_HOSTS)

# --- PostgreSQL for tests ----------------------------------------------------
# The PostgreSQL store suite and tests/replicas start a throwaway cluster
# themselves (origin/postgres/pgtest: initdb and postgres in a temporary
# folder, Unix socket only, run as the postgres user under root, stopped and
# removed at the end). This target only makes sure the server binaries exist,
# installing Debian's postgresql package when they do not. With
# TEST_DATABASE_URL set, the tests use that server instead and nothing is
# installed. PGTEST_REQUIRE=1 makes a missing server fail the tests instead of
# skipping them, so `make test` cannot pass without the PostgreSQL suite.
export PGTEST_REQUIRE := 1
.PHONY: postgres
postgres:
	@if [ -n "$$TEST_DATABASE_URL" ] || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then \
		exit 0; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql; \
	else \
		echo "PostgreSQL server binaries not found: run 'apt-get install postgresql' as root, or set TEST_DATABASE_URL" >&2; \
		exit 1; \
	fi
# --- end PostgreSQL ----------------------------------------------------------

# Longer fuzzing than make test's; FUZZTIME per target.
FUZZTIME ?= 30s
FUZZ_TARGETS := \
	./edgeauth:FuzzParseToken ./edgeauth:FuzzConfigure ./edgeauth:FuzzRequestJSON ./edgeauth:FuzzSignatures \
	./edgeauth/internal/jsonx:FuzzJSON ./edgeauth/internal/jsonx:FuzzPlainWord ./wasmhost:FuzzParseDecision \
	./tests/conformance:FuzzParse ./tests/conformance:FuzzCheck ./tests/conformance:FuzzOracle ./origin/httpapi:FuzzDecodeStrict \
	./origin/internal/cursor:FuzzDecode ./origin/sqlstore:FuzzRebind ./origin/tokens:FuzzNarrowScope ./origin:FuzzNormalizeEmail
fuzz: $(WASM)
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$name ($$pkg, $(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

# One table, written to build/bench/BENCHMARKS.md: native vs wasm per algorithm,
# caches, compile and start-up, memory, size, and the origin end to end beside
# the seed's Restify + jsonwebtoken + better-sqlite3 stack (~15 min). The run
# kept in the repository is committed on purpose, by copying that file over
# tests/bench/BENCHMARKS.md.
# The seed's own stack, measured beside the origin in the same run.
SEED_STAMP := tests/bench/seed/node_modules/.package-lock.json
$(SEED_STAMP): tests/bench/seed/package.json tests/bench/seed/package-lock.json
	npm ci --prefix tests/bench/seed --no-audit --no-fund

bench: build $(JS_STAMP) $(SEED_STAMP)
	$(GO) run ./tests/cmd/benchreport
	node tests/workerd/bench.mjs
	$(GO) test -run '^$$' -bench EnumerationTiming -benchtime 50x ./origin/httpapi
	$(GO) test -run '^$$' -bench BenchmarkReplicas -benchtime 3s ./tests/replicas
	$(GO) test -run '^TestLogoutScale$$' -v -timeout 30m ./tests/bench -args -scale

clean:
	rm -rf $(BUILD)
