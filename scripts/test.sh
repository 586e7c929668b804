#!/usr/bin/env bash
# Installs what is missing, builds wick (Release, assertions on) and runs the
# whole suite through ctest; then the reliability stages:
#   asan  - the whole suite again with AddressSanitizer + UndefinedBehaviorSanitizer
#           and -DWICK_CUDA=OFF (scripts/sanitize.sh): also CI's CPU-only build
#   tsan  - the concurrency tests with ThreadSanitizer (scripts/sanitize.sh --thread)
#   fuzz  - every libFuzzer target for WICK_FUZZ_SECONDS (default 30) s (scripts/fuzz.sh)
# The last line is the main suite's ctest summary, e.g.
# "100% tests passed, 0 tests failed out of N"; the exit status is non-zero
# when any stage fails. Works from any directory.
#
# WICK_QUICK=1 skips the reliability stages (local runs; ignored when CI=true).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

wick_setup
wick_configure
# shellcheck disable=SC2119  # no targets: build everything
wick_build
echo "== data"
# MNIST for the examples that train on it (seed_tour, ...). Without network
# they skip, visibly, instead of failing.
bash scripts/fetch-data.sh all || echo "warning: could not fetch MNIST / Fashion-MNIST; the tests that need them will be skipped"
echo "== test"
log="$WICK_BUILD_DIR/ctest.log"
status=0
ctest --test-dir "$WICK_BUILD_DIR" --output-on-failure -j "$WICK_JOBS" 2>&1 | tee "$log" || status=$?
summary=$(grep -E '^[0-9]+% tests passed' "$log" | tail -n 1 || echo "ctest printed no summary (exit $status)")

# Each reliability stage runs even when an earlier one failed, so one CI run
# reports every broken stage; each prints its own time.
stages=()
run_stage() {
  local name=$1 t0 rc=0
  shift
  echo "== stage $name: $*"
  t0=$(date +%s)
  "$@" || rc=$?
  stages+=("$(printf '%-5s %-6s %5d s' "$name" "$([[ $rc == 0 ]] && echo ok || echo FAILED)" $(($(date +%s) - t0)))")
  if [[ $rc != 0 ]]; then status=1; fi
}
if [[ "${WICK_QUICK:-0}" == 1 && "${CI:-}" != true ]]; then
  echo "== reliability stages skipped (WICK_QUICK=1)"
else
  export WICK_JOBS
  run_stage asan bash scripts/sanitize.sh
  run_stage tsan bash scripts/sanitize.sh --thread
  run_stage fuzz bash scripts/fuzz.sh -j "$WICK_JOBS" "${WICK_FUZZ_SECONDS:-30}"
  echo "== reliability stages"
  printf '   %s\n' "${stages[@]}"
fi

# ctest prints the total time and any skipped tests after its summary, and
# the stages print more: repeat the main summary ("100% tests passed, 0 tests
# failed out of N") as the last line, where CI logs and people look for it.
echo
echo "$summary"
exit "$status"
