# Two commands do everything from a fresh clone: `make run` and `make test`.
SHELL := /bin/bash
GO    ?= go
BUILD := build
WASM  := $(BUILD)/edgeauth.wasm
EMBED_WASM := origin/cmd/origin/module/edgeauth.wasm
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
wasm: $(WASM) $(EMBED_WASM)
$(WASM): $(EDGEAUTH_SRC)
	@mkdir -p $(BUILD)
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -ldflags='-s -w' -o $(BUILD)/edgeauth.unmetered.wasm ./edgeauth/wasm
	$(GO) run ./wasmhost/meter/cmd/wasmmeter $(BUILD)/edgeauth.unmetered.wasm $@

# The origin embeds the module it finds in origin/cmd/origin/module/ (see the
# README there): a copy of this build, never committed, so that a plain
# `go build` or `go install` still compiles (and then needs auth.module).
$(EMBED_WASM): $(WASM)
	cp $(WASM) $@

$(JUDGE): $(JUDGE_SRC)
	@mkdir -p $(BUILD)
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -o $@ ./tests/cmd/judge

build: $(WASM) $(EMBED_WASM) docs-ui
	$(GO) build -o $(BUILD)/origin ./origin/cmd/origin

# The API reference at GET /docs: Swagger UI at the version pinned in
# $(SWAGGER_UI)/package-lock.json (npm ci, install scripts off), copied into
# origin/httpapi/docs/, which the origin embeds (never committed; see the
# README there). Without it the page says Swagger UI is not included.
SWAGGER_UI := origin/httpapi/swaggerui
SWAGGER_UI_STAMP := $(SWAGGER_UI)/node_modules/.package-lock.json
SWAGGER_UI_FILES := swagger-ui-bundle.js swagger-ui.css swagger-ui-bundle.js.LICENSE.txt LICENSE NOTICE
DOCS_ASSETS := $(addprefix origin/httpapi/docs/,$(SWAGGER_UI_FILES) swagger-ui-dist.json)
.PHONY: docs-ui
docs-ui: $(DOCS_ASSETS)
$(SWAGGER_UI_STAMP): $(SWAGGER_UI)/package.json $(SWAGGER_UI)/package-lock.json
	npm ci --prefix $(SWAGGER_UI) --ignore-scripts --no-audit --no-fund
origin/httpapi/docs/swagger-ui-dist.json: $(SWAGGER_UI_STAMP)
	cp $(SWAGGER_UI)/node_modules/swagger-ui-dist/package.json $@
$(addprefix origin/httpapi/docs/,$(SWAGGER_UI_FILES)): origin/httpapi/docs/%: $(SWAGGER_UI_STAMP)
	cp $(SWAGGER_UI)/node_modules/swagger-ui-dist/$* $@

run: build
	./$(BUILD)/origin serve

# Each target names what it needs, so `make -j2 test` runs them in any order
# the dependencies allow: matrix reads the records test-go (wazero) and
# test-js (every other host) write.
test: test-go test-race test-js matrix

$(JS_STAMP): tests/js/package.json tests/js/package-lock.json
	npm ci --prefix tests/js --no-audit --no-fund

# make test's fuzzing: PKG:TARGET:EXECUTIONS, each a few seconds here. A
# count, not a duration (tests/fuzz.sh says why).
FUZZ_BRIEF := \
	./tests/conformance:FuzzOracle:60000x \
	./edgeauth:FuzzSignatures:60000x ./edgeauth:FuzzEd25519:12000x ./edgeauth/internal/ed25519vt:FuzzInvert:200000x ./edgeauth/internal/hmac256:FuzzHMAC:200000x \
	./edgeauth:FuzzCanonicalRequest:100000x ./edgeauth:FuzzCanonicalHeader:60000x ./edgeauth:FuzzCanonicalDecision:100000x \
	./edgeauth/internal/jsonx:FuzzReadFlat:300000x

# After every Go test: the conformance summary lines (hidden by go test
# unless -v), a bounded fuzz run with an oracle (an accepted token carries
# exactly what was signed), and short differential runs: the signature code
# (Ed25519 also with fuzzed keys), the wasm build's field inversion and
# HMAC-SHA-256 against the standard library or filippo.io/edwards25519, the
# one-pass readers of the Request, the header, the claims and the Decision
# against the general parser.
test-go: $(WASM) $(EMBED_WASM) docs-ui $(JS_STAMP) postgres
	$(GO) vet ./...
	$(GO) test -count=1 ./...
	@set -o pipefail; $(GO) test -count=1 -v -run '^TestConformance' ./tests/conformance | grep -E '^(conformance:|--- FAIL|FAIL|ok)'
	GO=$(GO) tests/fuzz.sh 5000x $(FUZZ_BRIEF)

# The instance pool, the control plane, the store's connections and the
# rate limiter's shared buckets are where data races would hide.
test-race: postgres
	$(GO) test -count=1 -race ./wasmhost/... ./origin/controlplane/... ./origin/sqlite/... ./origin/postgres/... ./origin/sqlstore/... ./origin/reload/... ./origin/metrics/... ./origin/todocache/... \
		./origin/ratelimit/... ./origin/devicecookie/...

# The WASI shim, the JS host and the gate; the corpus under Node and workerd;
# the workerd gate in front of a real origin; the API reference at /docs in
# headless Chromium.
test-js: $(WASM) $(EMBED_WASM) docs-ui $(JUDGE) $(JS_STAMP) chromium
	node --test edgeauth/js/ tests/node/ tests/workerd/ tests/browser/

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
# $(call debian-package,TEST,PACKAGE,HINT): nothing when the shell test
# TEST succeeds, else PACKAGE installed from Debian as root, else HINT and
# a failure.
define debian-package
	@if $(1); then \
		exit 0; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(2); \
	else \
		echo "$(3)" >&2; \
		exit 1; \
	fi
endef
PG_HINT := PostgreSQL server binaries not found: run 'apt-get install postgresql' as root, or set TEST_DATABASE_URL
postgres:
	$(call debian-package,[ -n "$$TEST_DATABASE_URL" ] || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1,postgresql,$(PG_HINT))
# --- end PostgreSQL ----------------------------------------------------------

# Debian's Chromium for the browser test of /docs (tests/browser, driven by
# playwright-core from tests/js), installed like PostgreSQL when missing;
# CHROMIUM_PATH names another one.
# After postgres: two apt-get runs at once (make -j2) would fight over
# dpkg's lock.
.PHONY: chromium
chromium: postgres
	@if [ -n "$$CHROMIUM_PATH" ] || [ -x /usr/bin/chromium ]; then \
		exit 0; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium fonts-liberation; \
	else \
		echo "Chromium not found: run 'apt-get install chromium' as root, or set CHROMIUM_PATH" >&2; \
		exit 1; \
	fi

# Longer fuzzing than make test's; FUZZTIME per target, a duration or a count.
FUZZTIME ?= 30s
FUZZ_TARGETS := \
	./edgeauth:FuzzParseToken ./edgeauth:FuzzConfigure ./edgeauth:FuzzUpdate ./edgeauth:FuzzRequestJSON \
	./edgeauth:FuzzCanonicalRequest ./edgeauth:FuzzCanonicalHeader ./edgeauth:FuzzCanonicalDecision \
	./edgeauth:FuzzSignatures ./edgeauth:FuzzEd25519 ./edgeauth/internal/ed25519vt:FuzzInvert ./edgeauth:FuzzBase64url ./edgeauth/internal/hmac256:FuzzHMAC \
	./edgeauth/internal/jsonx:FuzzJSON ./edgeauth/internal/jsonx:FuzzPlainWord ./edgeauth/internal/jsonx:FuzzReadFlat ./edgeauth/internal/jsonx:FuzzAppendString \
	./wasmhost:FuzzParseDecision \
	./tests/conformance:FuzzParse ./tests/conformance:FuzzCheck ./tests/conformance:FuzzOracle ./tests/bench:FuzzParseHey \
	./origin/httpapi:FuzzDecodeStrict ./origin/httpapi:FuzzRouteOrder ./origin/internal/cursor:FuzzDecode ./origin/internal/jsonlog:FuzzSameAsSlog \
	./origin/sqlstore:FuzzRebind ./origin/tokens:FuzzNarrowScope ./origin:FuzzNormalizeEmail ./origin/devicecookie:FuzzDevice
fuzz: $(WASM)
	GO=$(GO) tests/fuzz.sh $(FUZZTIME) $(FUZZ_TARGETS)

# One table, written to build/bench/BENCHMARKS.md: the performance targets
# first (the origin under hey beside a lean floor server and the seed's
# stack, full checks in wasm against a minimal native check, every request a
# miss, size and start-up), then native vs wasm per algorithm, the runaway
# bound's cost, caches, compile and start-up, memory, and the origin end to
# end under the project's own generator (~20 min). The run
# kept in the repository is committed on purpose, by copying that file over
# tests/bench/BENCHMARKS.md.
# The seed's own stack, measured beside the origin in the same run.
SEED_STAMP := tests/bench/seed/node_modules/.package-lock.json
# An npm that runs no install scripts by default (allowScripts) leaves
# better-sqlite3 without its native part: rebuild builds it (once; a no-op
# when it is there).
$(SEED_STAMP): tests/bench/seed/package.json tests/bench/seed/package-lock.json
	npm ci --prefix tests/bench/seed --no-audit --no-fund
	cd tests/bench/seed && npm rebuild better-sqlite3

# hey (Debian's package) is the external load generator of the runs beside
# the project's own; the lean floor server is what the origin is judged by.
.PHONY: hey
hey:
	$(call debian-package,command -v hey >/dev/null 2>&1,hey,hey not found: run 'apt-get install hey' as root)

bench: build hey $(JS_STAMP) $(SEED_STAMP)
	$(GO) build -o $(BUILD)/floor ./tests/bench/floor
	$(GO) run ./tests/cmd/benchreport
	node tests/workerd/bench.mjs
	$(GO) test -run '^$$' -bench EnumerationTiming -benchtime 50x ./origin/httpapi
	$(GO) test -run '^$$' -bench BenchmarkReplicas -benchtime 3s ./tests/replicas
	$(GO) test -run '^TestLogoutScale$$' -v -timeout 30m ./tests/bench -args -scale

clean:
	rm -rf $(BUILD)

# --- The http-wasm build and the other edge hosts --------------------------
# build/edgeauth-httpwasm.wasm is the same rules as an http-wasm middleware
# guest (Traefik, Dapr; edgeauth/DEPLOY.md). Its tests (tests/httpwasm, run by
# test-go) find it through EDGEAUTH_HTTPWASM_MODULE, as the others find the
# module through EDGEAUTH_MODULE. Deno and Bun come from the npm lock file
# (JS_STAMP). Each rule below adds to a target defined above.
HTTPWASM := $(BUILD)/edgeauth-httpwasm.wasm
export EDGEAUTH_HTTPWASM_MODULE := $(abspath $(HTTPWASM))
$(HTTPWASM): $(EDGEAUTH_SRC)
	@mkdir -p $(BUILD)
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -ldflags='-s -w' -o $@ ./edgeauth/httpwasm/wasm
wasm test-go: $(HTTPWASM)

# The host library's pool of guests under concurrent requests.
test-race: test-race-httpwasm
test-race-httpwasm: $(HTTPWASM)
	$(GO) test -count=1 -race -run '^TestMiddleware' ./tests/httpwasm

# The corpus under Deno and Bun, through the JS host and its WASI shim.
test-js: test-jshosts
test-jshosts: $(WASM) $(JUDGE) $(JS_STAMP)
	node --test tests/jshosts/

# The module's budget on every host (edgeauth/DEPLOY.md's host table): the JS
# hosts by tests/jshosts/bench.mjs, wazero and http-wasm by BenchmarkBudget.
bench: bench-hosts
bench-hosts: $(WASM) $(HTTPWASM) $(JS_STAMP)
	node tests/jshosts/bench.mjs
	$(GO) test -run '^$$' -bench '^BenchmarkBudget$$' ./tests/httpwasm

FUZZ_TARGETS += ./edgeauth/httpwasm:FuzzConfig

# Columns of the conformance matrix, after the reference hosts.
CONFORMANCE_HOSTS += deno bun http-wasm

.PHONY: test-race-httpwasm test-jshosts bench-hosts
# --- end http-wasm and edge hosts --------------------------------------------
