# do86 — see README.md. `make run` and `make test` work on a fresh machine.
GO      ?= go
IMAGE   ?= demo
ARGS    ?=
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
export DO86_CORE := $(CURDIR)/third_party/v86/v86.wasm

.PHONY: setup setup-test build run test bench man clean

setup:
	./scripts/setup.sh

setup-test:
	./scripts/setup.sh --test

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o bin/do86 ./cmd/do86
	cp third_party/v86/v86.wasm bin/v86.wasm 2>/dev/null || true

run: setup build
	./bin/do86 run $(IMAGE) $(ARGS)

test: setup-test build
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 25m ./...

bench: setup build
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...
	DO86_IMAGE_DIR=$${DO86_IMAGE_DIR:-../shared/images} ./bin/do86 bench --runs 1

man: build
	./bin/do86 man man/man1

clean:
	rm -rf bin man
