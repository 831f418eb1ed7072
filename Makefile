# Two commands do everything from a fresh clone: `make run` and `make test`.
SHELL := /bin/bash
GO    ?= go
BUILD := build
WASM  := $(BUILD)/edgeauth.wasm
# SQLITE_ENABLE_QPSG keeps prepared statements' query plans stable instead of
# re-preparing on every execution; measured worthwhile on the todo list query.
export CGO_CFLAGS ?= -O2 -DSQLITE_ENABLE_QPSG

EDGEAUTH_SRC := $(shell find edgeauth -name '*.go' -not -name '*_test.go') go.mod go.sum

.PHONY: all run build wasm test test-go test-race fuzz bench clean

all: build

# The module: a WASI reactor (exports _initialize + ABI v1), one file for every host.
wasm: $(WASM)
$(WASM): $(EDGEAUTH_SRC)
	@mkdir -p $(BUILD)
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -ldflags='-s -w' -o $@ ./edgeauth/wasm

build: $(WASM)
	$(GO) build -trimpath -o $(BUILD)/origin ./origin/cmd/origin

run: build
	./$(BUILD)/origin serve

test: $(WASM) test-go test-race

test-go:
	$(GO) vet ./...
	$(GO) test -count=1 ./...

# The pool and hot-reload code is where data races would hide.
test-race:
	$(GO) test -count=1 -race ./wasmhost/...

fuzz:
	@echo "fuzz targets are added with the parsers"

bench:
	@echo "benchmarks are added with the performance work"

clean:
	rm -rf $(BUILD)
