#!/usr/bin/env bash
# End-to-end cases as data (DuckDB's idea): each folder under tests/e2e/ that
# holds a `cmd` file is one case. The runner copies the folder to a scratch
# directory, runs `cmd` there with bash ($SLUICE is the binary under test),
# and checks:
#   expect_exit    the exit code (default 0)
#   expect_output  lines that must each appear in stdout+stderr (fixed strings)
#   reject_output  lines that must not appear
# A case's `cmd` may run its own checks too; a failing check fails the case.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
: "${SLUICE:?set SLUICE to the sluice binary}"
export SLUICE
export SLUICE_SOURCE_DIR="$(cd "$here/../.." && pwd)"
filter="${1:-}"
# Each case prints its wall time, so CI's budget can be watched case by case.
suite_started=$SECONDS
passed=0
failed=0
failures=()
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

while IFS= read -r cmd_file; do
  case_dir="$(dirname "$cmd_file")"
  name="${case_dir#"$here"/}"
  [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && continue
  work="$scratch/$(echo "$name" | tr '/' '_')"
  cp -r "$case_dir" "$work"
  expected_exit=0
  [ -f "$case_dir/expect_exit" ] && expected_exit="$(tr -d '[:space:]' < "$case_dir/expect_exit")"
  started=$SECONDS
  output="$(cd "$work" && timeout 300 bash ./cmd 2>&1)"
  code=$?
  took="$((SECONDS - started)) s"
  problems=()
  [ "$code" = "$expected_exit" ] || problems+=("exit code $code, expected $expected_exit")
  if [ -f "$case_dir/expect_output" ]; then
    while IFS= read -r pattern; do
      [ -z "$pattern" ] && continue
      grep -qF -- "$pattern" <<<"$output" || problems+=("output lacks: $pattern")
    done < "$case_dir/expect_output"
  fi
  if [ -f "$case_dir/reject_output" ]; then
    while IFS= read -r pattern; do
      [ -z "$pattern" ] && continue
      grep -qF -- "$pattern" <<<"$output" && problems+=("output has: $pattern")
    done < "$case_dir/reject_output"
  fi
  if [ ${#problems[@]} -eq 0 ]; then
    passed=$((passed + 1))
    echo "ok   $name ($took)"
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "FAIL $name ($took)"
    printf '     %s\n' "${problems[@]}"
    echo "$output" | tail -n 15 | sed 's/^/     | /'
  fi
done < <(find "$here" -mindepth 2 -name cmd -type f | sort)

echo
echo "e2e: $passed passed, $failed failed in $((SECONDS - suite_started)) s"
[ "$failed" -eq 0 ]
