#!/usr/bin/env bash
# The sanitizer build: clang with ASan and UBSan (and libFuzzer's coverage).
# Builds every fuzz target and the unit tests there, runs the unit tests
# under the sanitizers, then each fuzz target for FUZZ_SECONDS (default 15)
# from its seed corpus (tests/fuzz/corpus/TARGET/, the regression seeds of
# earlier findings among them). A finding fails the run and leaves the input
# under build/fuzz/findings/; keep it in the corpus once fixed.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
seconds="${FUZZ_SECONDS:-15}"
build="$root/build/fuzz"
targets=(parquet_reader csv_tokenizer jsonl_parser expression pipeline_yaml invocation_codec http_request copy_binary)
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DSLUICE_FUZZ=ON -DSLUICE_TESTS=ON >/dev/null
# Only what runs here: the unit tests and the fuzz targets, not the CLI
# (whose sources the release build and the e2e cases cover).
cmake --build "$build" -j "$(nproc)" --target sluice_tests "${targets[@]/%/_fuzzer}"
# LibTorch, XGBoost and OpenBLAS are not instrumented: leaks in their static
# state are theirs; every other ASan and UBSan report fails the run.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:detect_odr_violation=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
echo "== unit tests under ASan and UBSan"
(cd "$build" && ctest --output-on-failure -j "$(nproc)" | tail -n 3)
mkdir -p "$build/findings"
for target in "${targets[@]}"; do
  corpus="$build/corpus/$target"
  mkdir -p "$corpus"
  cp -n "$root"/tests/fuzz/corpus/"$target"/* "$corpus/" 2>/dev/null || true
  echo "== ${target}_fuzzer, ${seconds} s"
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_odr_violation=0" \
    "$build/${target}_fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 \
    -max_len=65536 -artifact_prefix="$build/findings/${target}-" -print_final_stats=1 "$corpus" 2>&1 |
    grep -E "^(stat::number_of_executed_units|stat::new_units_added|==[0-9]+==ERROR|SUMMARY|.*Test unit written)" || true
  if ls "$build/findings/${target}-"* >/dev/null 2>&1; then
    echo "fuzz: ${target}_fuzzer found a crash: $(ls "$build/findings/${target}-"*)"
    exit 1
  fi
done
echo "fuzz: ${#targets[@]} targets ran ${seconds} s each with no finding"
