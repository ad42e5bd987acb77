# kubectl-karpenter. `make demo` and `make test` are the two commands a new machine needs; every
# tool below is fetched from the Go module proxy at a pinned version into .tools/.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

MODULE        := github.com/karpenter-tools/kubectl-karpenter
VERSION       ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo v0.0.0-dev)
COMMIT        ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS       := -X $(MODULE)/pkg/version.Version=$(VERSION) -X $(MODULE)/pkg/version.Commit=$(COMMIT)

TOOLS_DIR     := $(CURDIR)/.tools
CONTROLLER_GEN_VERSION := v0.23.0
GOLANGCI_LINT_VERSION  := v2.15.0
BENCHSTAT_VERSION      := v0.0.0-20260908200009-22c9c6c9d4da
BENCHSTAT      := $(TOOLS_DIR)/benchstat-$(BENCHSTAT_VERSION)
CONTROLLER_GEN := $(TOOLS_DIR)/controller-gen-$(CONTROLLER_GEN_VERSION)
GOLANGCI_LINT  := $(TOOLS_DIR)/golangci-lint-$(GOLANGCI_LINT_VERSION)

# Unit, integration and end-to-end tests share one run; the control plane they start is built
# once by hack/controlplane/build.sh and cached under ~/.cache/kubectl-karpenter.
TEST_TIMEOUT  ?= 50m
# -count=1: integration and end-to-end results depend on binaries and a live control plane that
# go test's result cache cannot see, so every run runs them.
TEST_FLAGS    ?= -count=1
PKGS          ?= ./...

.PHONY: help
help: ## Show the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

##@ Build
.PHONY: build
build: ## Build kubectl-karpenter and karpenter-agent into bin/
	go build -trimpath -ldflags "$(LDFLAGS)" -o bin/ ./cmd/kubectl-karpenter ./cmd/karpenter-agent

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate deepcopy, CRDs and the embedded EC2 catalog
	$(CONTROLLER_GEN) object:headerFile=hack/boilerplate.go.txt paths=./pkg/apis/...
	$(CONTROLLER_GEN) crd paths=./pkg/apis/... output:crd:artifacts:config=manifests/crds
	go generate ./pkg/...

##@ Verify and test
.PHONY: verify
verify: $(CONTROLLER_GEN) $(GOLANGCI_LINT) ## gofmt, go vet, golangci-lint, generated files current, go mod tidy clean
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); if [[ -n $$out ]]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	$(GOLANGCI_LINT) run ./...
	CONTROLLER_GEN=$(CONTROLLER_GEN) hack/verify-generated.sh
	@go mod tidy -diff || { echo "go.mod/go.sum are not tidy: run 'go mod tidy'"; exit 1; }

.PHONY: test
test: verify cluster-binaries krew-tools test-deps ## verify, then unit + integration + end-to-end tests with -race
	go test -race -timeout $(TEST_TIMEOUT) $(TEST_FLAGS) $$(go list $(PKGS) | grep -v /test/e2e)
	@# The end-to-end suite runs alone: each test drives a whole control plane and the agent, and
	@# on two cores they would otherwise compete with the other packages for the scheduler's time.
	go test -race -timeout $(TEST_TIMEOUT) $(TEST_FLAGS) ./test/e2e/...

.PHONY: test-deps
test-deps: ## Install the Debian packages the tests drive (tmux) when missing
	hack/install-debian-deps.sh

.PHONY: bench
bench: ## Scheduling benchmarks; compare runs with benchstat
	@mkdir -p .local
	go test -run '^$$' -bench . -benchmem -count 6 ./pkg/scheduling/ | tee .local/bench.txt

.PHONY: bench-e2e
bench-e2e: cluster-binaries ## The agent's provisioning overhead: 1000 pods, A (agent) vs B (pre-created nodes)
	go test -run '^$$' -bench Provisioning1000 -benchtime 1x -timeout 30m ./test/e2e/

.PHONY: release
release: ## Build the plugin's release archives into dist/ and write their sha256 into krew.yaml
	hack/release.sh $(VERSION)

##@ Local control plane
.PHONY: krew-tools
krew-tools: ## Build krew and validate-krew-manifest for the krew tests (own module, cached)
	hack/tools/krew/build.sh >/dev/null

.PHONY: cluster-binaries
cluster-binaries: ## Build etcd, kube-apiserver, kube-scheduler, kube-controller-manager, kubectl and KWOK (cached)
	hack/controlplane/build.sh all

.PHONY: cluster-up
cluster-up: cluster-binaries ## Start the local control plane; kubeconfig in .local/kubeconfig
	hack/controlplane/up.sh

.PHONY: cluster-down
cluster-down: ## Stop the local control plane
	hack/controlplane/down.sh

.PHONY: demo
demo: build cluster-up ## The main job: control plane, CRDs, agent, a workload, nodes appearing
	hack/demo.sh

.PHONY: demo-down
demo-down: ## Stop the demo and the control plane
	hack/demo.sh down
	hack/controlplane/down.sh

##@ Tools
$(CONTROLLER_GEN):
	@mkdir -p $(TOOLS_DIR)
	GOBIN=$(TOOLS_DIR) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_GEN_VERSION)
	mv $(TOOLS_DIR)/controller-gen $@

$(GOLANGCI_LINT):
	@mkdir -p $(TOOLS_DIR)
	GOBIN=$(TOOLS_DIR) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv $(TOOLS_DIR)/golangci-lint $@

.PHONY: clean
clean: ## Remove build outputs (not the cached control plane)
	rm -rf bin .tools

$(BENCHSTAT):
	@mkdir -p $(TOOLS_DIR)
	GOBIN=$(TOOLS_DIR) go install golang.org/x/perf/cmd/benchstat@$(BENCHSTAT_VERSION)
	mv $(TOOLS_DIR)/benchstat $@

.PHONY: benchstat
benchstat: $(BENCHSTAT) ## Compare two benchmark files: make benchstat OLD=a.txt NEW=b.txt
	$(BENCHSTAT) $(OLD) $(NEW)
