# lineup: one binary, one Makefile. `make help` lists the targets.

GO      ?= go
BIN     ?= bin/lineup
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
PKG     := github.com/lineup-dev/lineup
LDFLAGS := -s -w -X $(PKG)/collector/snapshot.version=$(VERSION)

CONTENT ?= content
OUT     ?= public

.PHONY: help build site test vet fmt clean

help: ## list the targets
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

build: ## build bin/lineup
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/lineup

site: build ## render the snapshots in content/ into public/
	$(BIN) site -content $(CONTENT) -out $(OUT)

test: ## go vet and every test with the race detector
	$(GO) vet ./...
	$(GO) test -race -timeout 15m ./...

fmt: ## gofmt every Go file
	gofmt -w $$(git ls-files '*.go')

clean: ## remove build output
	rm -rf bin public dist
