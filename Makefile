# AEGrid's entry points. Each target says what it runs; the real work lives in scripts/ and the Swift package.
#   make demo    the main job on data the repo ships
#   make test    the whole test suite, in the BLAS build and in the pure-Swift fallback build
#   make bench   BLAS against fallback, side by side (release builds); BENCH="gemm --quick" picks sections
#   make compare the seed's Keras grids against `aegrid search` on the same data (Python venv, minutes; not in test)
#   make build   release build of `aegrid` and `aegrid-bench` (BLAS; Swift runtime linked statically)
#   make clean   remove build folders
#   make slurm-local  the Slurm array job file (docs/slurm), unchanged, in a local loop over its array ids, then merge
#   make test-slurm       docs/slurm's recipe on a throwaway one-node Slurm cluster: array, cancelled task, resubmission,
#                         merges bitwise equal to one run (installs slurmctld/slurmd/slurm-client if missing; in test)
#   make test-kubernetes  docs/kubernetes's pod command as N pid-1 processes, one SIGKILLed and restarted (in test)
#   make test-report      a real digits search's report.html rendered in headless Chromium: no console error, every
#                         section, no empty plot, a screenshot that is not blank (.build/report-check/; in test;
#                         installs chromium-headless-shell if missing)
#   make report-screenshot  test-report, then copies two of its screenshots to docs/ (the README's pictures)
#   make fuzz        every parser's libFuzzer target for FUZZ_SECONDS each (default 60); crashes in .build-fuzz/crashes
#   make test-fuzz   the same for 5 seconds per target, as a smoke test (in test)
SHELL := /bin/bash
SWIFT ?= swift
FALLBACK := --disable-default-traits --scratch-path .build-fallback
# Tests train networks: they run as release builds with testing enabled, which is 10-100x faster than debug.
TESTFLAGS := -c release -Xswiftc -enable-testing
# The binaries users run link the Swift runtime and Foundation statically: start-up drops from ~12 ms to ~7 ms (it
# is paid once per search, per shard and per `aegrid` call), and the binary runs on nodes without a Swift toolchain.
RELEASE := -c release --static-swift-stdlib

.PHONY: all bootstrap build test test-datasets check-static-build test-blas test-fallback check-fallback-links test-python test-slurm \
	test-kubernetes test-report report-screenshot bench compare demo clean slurm-local fuzz test-fuzz

all: build

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	$(SWIFT) build $(RELEASE)

test: bootstrap check-static-build test-blas test-fallback check-fallback-links test-python test-slurm test-kubernetes \
	test-report test-fuzz

# `make build` compiles every plain target against the static SDK, which has no XCTest; TestSupport is the one plain
# target under Tests/, so a debug build of it (about 10 s) is the check that `make build` still compiles.
check-static-build: bootstrap
	@echo "== TestSupport against the static SDK (what make build compiles) =="
	$(SWIFT) build --static-swift-stdlib --target TestSupport --scratch-path .build-static-check

# IDXReaderTests reads Debian's Fashion-MNIST files byte for byte against gzip; installed here so that it runs in
# every `make test` instead of skipping on a machine without them.
test-datasets: bootstrap
	@scripts/bootstrap.sh dataset-fashion-mnist

test-blas: bootstrap test-datasets
	@echo "== tests, BLAS build (.build) =="
	$(SWIFT) build $(TESTFLAGS) --build-tests
	$(SWIFT) test $(TESTFLAGS) --skip-build

test-fallback: bootstrap test-datasets
	@echo "== tests, pure-Swift fallback build (.build-fallback) =="
	$(SWIFT) build $(TESTFLAGS) $(FALLBACK) --build-tests
	$(SWIFT) test $(TESTFLAGS) $(FALLBACK) --skip-build

# A model saved by the Swift tests, loaded by the reference `safetensors` package; reconstruction checked with numpy.
test-python: bootstrap
	@echo "== safetensors check from Python =="
	@scripts/bootstrap-python.sh
	$(SWIFT) build $(TESTFLAGS) --build-tests
	rm -rf .build/python-check
	AEGRID_PYTHON_CHECK_DIR=.build/python-check $(SWIFT) test $(TESTFLAGS) --skip-build --filter ModelFileTests/testExportForPythonCheck
	python3 scripts/check_safetensors.py .build/python-check

# Both use the test build's aegrid (.build, the same flags as test-blas: no second build of the package).
test-slurm: bootstrap
	@echo "== Slurm: docs/slurm on a one-node cluster (scripts/slurm-cluster.sh) =="
	$(SWIFT) build $(TESTFLAGS) --product aegrid
	AEGRID=$(CURDIR)/.build/release/aegrid scripts/test-slurm.sh

test-kubernetes: bootstrap
	@echo "== Kubernetes: docs/kubernetes's pods as pid-1 processes on one results folder =="
	$(SWIFT) build $(TESTFLAGS) --product aegrid
	AEGRID=$(CURDIR)/.build/release/aegrid scripts/test-kubernetes.sh

# The test build's aegrid again; Chromium from Debian (chromium-headless-shell: no X, no GPU needed).
test-report: bootstrap
	@echo "== report.html in headless Chromium (scripts/test-report.sh) =="
	@scripts/bootstrap.sh chromium-headless-shell
	$(SWIFT) build $(TESTFLAGS) --product aegrid
	AEGRID=$(CURDIR)/.build/release/aegrid scripts/test-report.sh

report-screenshot: test-report
	cp .build/report-check/digits-top.png docs/report.png
	cp .build/report-check/digits-section-slices.png docs/report-slices.png

# libFuzzer + AddressSanitizer builds of every parser (scripts/fuzz.sh: CSV/TSV, npy, IDX, gzip, JSON lines, a
# results log's framing, grids in JSON and YAML, safetensors, the results manifest, a results log as the reports draw
# it), each run from its seed corpus in Fuzz/corpus/.
FUZZ_SECONDS ?= 60
fuzz: bootstrap
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

test-fuzz: bootstrap
	@echo "== fuzz smoke test: every parser's target for 5 s (make fuzz runs them longer) =="
	FUZZ_SECONDS=5 scripts/fuzz.sh

check-fallback-links:
	@scripts/check-fallback-links.sh .build-fallback/release

bench: bootstrap
	@scripts/bench.sh $(BENCH)

compare: bootstrap
	@scripts/compare.sh

demo: bootstrap
	@scripts/demo.sh

clean:
	rm -rf .build .build-fallback .build-bench-* .build-fuzz .build-static-check

# The seed's grid 1 as an 8-task Slurm array on this machine (OUT=dir to choose where; rerunning resumes).
slurm-local: bootstrap
	$(SWIFT) build $(RELEASE) --product aegrid
	AEGRID=$(CURDIR)/.build/release/aegrid TRAIN=examples/seed/X_train.npy TEST=examples/seed/X_test.npy \
	GRID=examples/seed/grid1.json OUT=$(or $(OUT),.build/slurm-local) scripts/slurm-local.sh
