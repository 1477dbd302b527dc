# The two commands of the Quick start, and a few helpers.
#   make run   -- install what the node needs, build mk-shell and the example
#                 WASM modules only, start the node (ARGS="..." passes options)
#   make test  -- install everything the tests need, build, run every suite,
#                 then again under AddressSanitizer + UndefinedBehaviorSanitizer
#   make bench -- build with the benchmarks and run the core one
#   make docs  -- the API reference (doxygen): HTML and man pages in the build tree
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
ASAN  ?= build-asan
ARGS  ?=

.PHONY: all deps deps-run build build-node run test test-plain test-asan bench docs clean mcu mcu-test

all: build

deps:
	@bash scripts/install-deps.sh scripts/packages.txt

deps-run:
	@bash scripts/install-deps.sh scripts/packages-run.txt

# Everything (tests included; benchmarks only with `make bench`).
build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMK_WERROR=ON -DBUILD_TESTING=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Only what `make run` starts: mk-shell and the example modules it loads.
build-node: deps-run
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target mk-shell wasm_example_modules

run: build-node
	@bash scripts/run.sh $(BUILD) $(ARGS)

test: deps
	@bash scripts/test.sh

bench: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_BENCHMARKS=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@$(BUILD)/bench/core/actor_bench

# The API reference: HTML in $(BUILD)/docs/api/html, man pages (section 3)
# in $(BUILD)/docs/api/man, installed by `cmake --install` once built.
docs: deps-run
	@bash scripts/install-deps.sh scripts/packages-docs.txt
	@test -f $(BUILD)/CMakeCache.txt || cmake -S . -B $(BUILD) -DBUILD_TESTING=OFF >/dev/null
	@cmake --build $(BUILD) --target docs

# The bare-metal RISC-V image (docs/mcu.md): build it, or run its boot
# suite under QEMU (also part of `make test`).
mcu: deps
	@bash scripts/mcu.sh build

mcu-test: deps
	@bash scripts/mcu.sh test

clean:
	rm -rf $(BUILD) $(ASAN)
