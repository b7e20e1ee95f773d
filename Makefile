# Wraps CMake, as DuckDB does: `make` (release), `make debug` (ASan + UBSan),
# `make test`, `make bench`, `make demo`.
BUILD_DIR ?= build/release
DEBUG_DIR ?= build/debug
JOBS ?= $(shell nproc)
SLUICE = $(BUILD_DIR)/sluice
DEMO_ROWS ?= 1000000
DEMO_REVIEWS ?= 20000

.PHONY: all release debug deps test unit e2e interop fuzz bench demo clean format

all: release

deps:
	@scripts/install-deps

release: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_WERROR=ON >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

debug: deps
	@cmake -S . -B $(DEBUG_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSLUICE_SANITIZE=ON -DSLUICE_WERROR=ON >/dev/null
	@cmake --build $(DEBUG_DIR) -j $(JOBS)

unit: release
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

e2e: release
	@SLUICE=$(abspath $(SLUICE)) tests/e2e/run.sh

# Independent engines (DuckDB, hyparquet) check sluice's Parquet, and the
# AWS SDK its S3 against s3rver; npm installs them into
# tests/interop/node_modules on first use.
interop: release
	@cd tests/interop && { [ -d node_modules/@duckdb/node-api ] && [ -d node_modules/hyparquet-compressors ] && [ -d node_modules/s3rver ] && [ -d node_modules/@aws-sdk/client-s3 ] || npm install --no-audit --no-fund --loglevel=error; }
	@cd tests/interop && SLUICE=$(abspath $(SLUICE)) node --test

# The sanitizer build (clang, ASan + UBSan): the unit tests under it, then
# every fuzz target under libFuzzer for FUZZ_SECONDS each (15 by default).
fuzz: deps
	@tests/fuzz/run.sh

test: unit e2e interop fuzz

bench: release
	@SLUICE=$(abspath $(SLUICE)) bench/prep-vs-duckdb
	@SLUICE=$(abspath $(SLUICE)) bench/parquet-vs-duckdb
	@SLUICE=$(abspath $(SLUICE)) bench/transform-throughput
	@SLUICE=$(abspath $(SLUICE)) bench/serve-latency
	@SLUICE=$(abspath $(SLUICE)) bench/text-vs-fasttext
	@SLUICE=$(abspath $(SLUICE)) bench/bilstm-vs-pytorch
	@SLUICE=$(abspath $(SLUICE)) bench/tune-vs-optuna

demo: release
	@mkdir -p demo
	@test -f demo/taxi.csv || $(SLUICE) datagen taxi --rows $(DEMO_ROWS) --seed 7 --out demo/taxi.csv
	@$(SLUICE) run examples/taxi.yaml --set source.uri=demo/taxi.csv --set output=demo/taxi-model
	@$(SLUICE) prep examples/taxi.yaml --set source.uri=demo/taxi.csv --out demo/taxi-prepared
	@$(SLUICE) tune examples/taxi-tune.yaml
	@test -f demo/reviews.csv || $(SLUICE) datagen reviews --rows $(DEMO_REVIEWS) --seed 7 --out demo/reviews.csv
	@$(SLUICE) run examples/reviews.yaml --set source.uri=demo/reviews.csv --set output=demo/reviews-model
	@echo "== the case study's workflow as a graph of steps (examples/taxi-graph.yaml)"
	@$(SLUICE) run examples/taxi-graph.yaml
	@$(SLUICE) report latest --out demo/taxi-graph-report.html
	@$(SLUICE) cost latest
	@echo "== the same graph again: nothing changed, so every step comes from the cache"
	@$(SLUICE) run examples/taxi-graph.yaml
	@$(SLUICE) runs --limit 8

clean:
	rm -rf build

# Formats the C++ sources in place with .clang-format (Debian's clang-format).
format: deps
	@git ls-files '*.cc' '*.h' | xargs clang-format -i --style=file
