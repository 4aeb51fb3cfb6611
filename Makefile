# lineup: one binary, one Makefile. `make help` lists the targets.

GO      ?= go
GOFMT   ?= $(shell $(GO) env GOROOT)/bin/gofmt
BIN     ?= bin/lineup
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
PKG     := github.com/lineup-dev/lineup
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -s -w -X $(PKG)/collector/snapshot.version=$(VERSION) -X $(PKG)/collector/snapshot.revision=$(REVISION)

CONTENT ?= content
OUT     ?= public
# The site: ECharts from npm (package.json pins it); BASE_URL, when set (the
# Pages workflow sets it), adds sitemap.xml; ADDR is where `make serve` listens.
ECHARTS  ?= node_modules/echarts/dist/echarts.min.js
BASE_URL ?=
ADDR     ?= 127.0.0.1:8080
NPM_STAMP := node_modules/.lineup-npm-ci
ROOT    ?= data
CONFIG  ?= sweep.yaml

.PHONY: help build site test vet fmt clean release collect bench launch status

help: ## list the targets
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

# Built as the release is: static (CGO_ENABLED=0), so that a binary built
# on one node runs on another whatever its C library.
build: ## build bin/lineup
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/lineup

.PHONY: npm serve

# npm ci runs when node_modules is missing or older than package-lock.json.
$(NPM_STAMP): package-lock.json package.json
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

npm: $(NPM_STAMP) ## install the pinned ECharts into node_modules (npm ci) when missing or stale

site: build $(NPM_STAMP) ## render the snapshots in content/ into public/ (BASE_URL=https://... adds sitemap.xml)
	$(BIN) site -content $(CONTENT) -out $(OUT) -echarts $(ECHARTS)$(if $(BASE_URL), -base-url $(BASE_URL))

serve: site ## build the site and serve public/ on 127.0.0.1:8080 (ADDR=host:port)
	$(BIN) serve -dir $(OUT) -addr $(ADDR)

launch: build ## submit the sweep CONFIG to SLURM; re-run until everything is done (DRY=1 previews)
	$(BIN) launch -config $(CONFIG)$(if $(DRY), -dry-run)

status: build ## show the state of every run of the sweep CONFIG
	$(BIN) status -config $(CONFIG)

collect: build ## collect the results tree ROOT (default data) into a new snapshot in content/snapshots
	$(BIN) collect -root $(ROOT) -out $(CONTENT)/snapshots

bench: ## collector speed: lineup collect vs cat on a synthetic tree, and re-collect vs cold (BENCH_ARGS="-runs 10000")
	bash collector/bench.sh $(BENCH_ARGS)

test: $(NPM_STAMP) ## gofmt check, go vet and every test with the race detector
	@unformatted=$$($(GOFMT) -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed (make fmt):"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -race -timeout 15m ./...

fmt: ## gofmt every Go file
	$(GOFMT) -w $$(git ls-files '*.go')

PLATFORMS ?= linux/amd64 linux/arm64

release: ## static binaries for linux/amd64 and linux/arm64 in dist/, version stamped
	@mkdir -p dist
	@set -e; for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; out=dist/lineup-$(VERSION)-$$os-$$arch; \
		echo "building $$out"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $$out ./cmd/lineup; \
	done
	cd dist && sha256sum lineup-$(VERSION)-* > SHA256SUMS-$(VERSION)

clean: ## remove build output
	rm -rf bin public dist
