#!/usr/bin/env bash
# Builds the fuzz targets with clang (libFuzzer, ASan, UBSan) and runs each
# for FUZZ_SECONDS (default 60) from its seed corpus. A finding fails the run
# and leaves the input under build/fuzz/findings/.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
seconds="${FUZZ_SECONDS:-60}"
build="$root/build/fuzz"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DSLUICE_FUZZ=ON -DSLUICE_TESTS=OFF >/dev/null
cmake --build "$build" --target parquet_reader_fuzzer -j "$(nproc)"
mkdir -p "$build/findings" "$build/corpus"
cp -n "$root"/tests/fuzz/corpus/parquet/* "$build/corpus/" 2>/dev/null || true
"$build/parquet_reader_fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=1024 \
  -timeout=10 -artifact_prefix="$build/findings/" -print_final_stats=1 "$build/corpus" 2>&1 | tail -n 12
echo "fuzz: parquet_reader_fuzzer ran ${seconds}s with no finding"
