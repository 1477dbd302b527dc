# The two commands of the Quick start, and a few helpers.
#   make run   -- install what is missing, build, start the node
#   make test  -- install what is missing, build, run every suite, then again
#                 under AddressSanitizer + UndefinedBehaviorSanitizer
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
ASAN  ?= build-asan

.PHONY: all deps build run test test-plain test-asan bench clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMK_WERROR=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@bash scripts/run.sh $(BUILD)

test: deps
	@bash scripts/test.sh

bench: build
	@$(BUILD)/bench/core/actor_bench

clean:
	rm -rf $(BUILD) $(ASAN)
