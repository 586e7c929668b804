#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang -fsanitize=fuzzer,address,
# undefined and runs each one for SECONDS (default 30). They live in the
# ASan+UBSan build (build-asan/, configured by scripts/sanitize.sh, which adds
# -DWICK_FUZZ=ON under clang), so the library is compiled once for the
# sanitized test suite and the fuzzers.
# Fails when any target crashes, leaks, times out or runs out of memory; the
# input that did it is left in build-asan/artifacts/<target>/ (turn it into a
# regression: fuzz/regressions/<target>/, replayed by
# tests/errors/fuzz_regressions_test.cpp).
#
#   scripts/fuzz.sh [-j N] [SECONDS] [TARGET...]   e.g. scripts/fuzz.sh -j4 600 npy csv
#
# -j N runs N targets at once (default 1); each fuzzer is single-threaded and
# needs up to WICK_FUZZ_RSS_MB of memory, so N x that must fit in RAM.
# Also replays fuzz/regressions/<target>/* first. New interesting inputs
# accumulate in build-asan/corpus/<target>/ (not committed); the committed
# seeds in fuzz/corpus/<target>/ are read, never written.
# Environment: WICK_ASAN_BUILD_DIR (default build-asan), WICK_JOBS (build
# parallelism, default 2), WICK_FUZZ_RSS_MB (default 2048: an input needing
# more memory is a finding).
# Needs clang, libclang-rt-dev (libFuzzer, sanitizer runtimes) and libomp-dev.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PARALLEL=1
case "${1:-}" in
  -j) PARALLEL=$2; shift 2 ;;
  -j*) PARALLEL=${1#-j}; shift ;;
esac
[[ "$PARALLEL" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: -j wants a positive count, got '$PARALLEL'" >&2; exit 2; }
SECONDS_PER_TARGET=${1:-30}
shift || true
BUILD=${WICK_ASAN_BUILD_DIR:-build-asan}
RSS_MB=${WICK_FUZZ_RSS_MB:-2048}
ALL_TARGETS=(idx idx_gz mnist cifar10 csv npy safetensors pytorch model_spec run_config)
TARGETS=("$@")
(( ${#TARGETS[@]} )) || TARGETS=("${ALL_TARGETS[@]}")

command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (apt-get install clang libclang-rt-dev libomp-dev)" >&2; exit 1; }

CC=clang CXX=clang++ WICK_ASAN_BUILD_DIR=$BUILD bash scripts/sanitize.sh --build-only wick_fuzzers

export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# One OpenMP/BLAS thread: the parsers are serial, and threads only add noise.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

for t in "${TARGETS[@]}"; do
  [[ -x "$BUILD/fuzz/fuzz_$t" ]] || { echo "fuzz.sh: unknown target '$t' (have: ${ALL_TARGETS[*]})" >&2; exit 2; }
done

# Replays the committed regressions, then fuzzes one target; writes a one-line
# result to $BUILD/logs/<target>.result (first word ok or FAILED) so that
# targets run in the background can report back.
fuzz_target() {
  local t=$1 bin="$BUILD/fuzz/fuzz_$1"
  local work="$BUILD/corpus/$t" art="$BUILD/artifacts/$t" log="$BUILD/logs/$t.log"
  local result="$BUILD/logs/$t.result" status=ok rc=0
  mkdir -p "$work" "$art" "$(dirname "$log")"
  if compgen -G "fuzz/regressions/$t/*" >/dev/null; then
    if ! "$bin" -rss_limit_mb="$RSS_MB" fuzz/regressions/"$t"/* >"$BUILD/logs/$t.regressions.log" 2>&1; then
      echo "== $t: a committed regression crashes again; see $BUILD/logs/$t.regressions.log"
      status="FAILED(regression)"
    fi
  fi
  "$bin" "$work" "fuzz/corpus/$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb="$RSS_MB" \
    -artifact_prefix="$art/" -print_final_stats=1 >"$log" 2>&1 || rc=$?
  local execs speed cov corpus
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
  corpus=$(find "$work" -type f | wc -l)
  if (( rc != 0 )); then
    status="FAILED(crash,rc=$rc)"
    { echo "== $t: crashed (rc $rc), log $log"
      grep -m3 -E 'ERROR: |runtime error|SUMMARY|uncaught|Test unit written' "$log" | sed 's/^/   /' || true; }
  fi
  printf '%-12s %-22s %10s execs %8s/s  cov %6s  corpus %5s\n' "$t" "$status" "${execs:-?}" "${speed:-?}" \
    "${cov:-?}" "$corpus" >"$result"
}

echo "== fuzzing ${#TARGETS[@]} target(s), ${SECONDS_PER_TARGET}s each, $PARALLEL at a time"
running=0
for t in "${TARGETS[@]}"; do
  rm -f "$BUILD/logs/$t.result"
  if (( running >= PARALLEL )); then wait -n || true; running=$((running - 1)); fi
  echo "   start $t ($(date -u +%H:%M:%S))"
  fuzz_target "$t" &
  running=$((running + 1))
done
wait

echo "== summary ($(date -u +%Y-%m-%d), ${SECONDS_PER_TARGET}s per target; logs in $BUILD/logs/)"
failed=()
for t in "${TARGETS[@]}"; do
  if [[ -f "$BUILD/logs/$t.result" ]]; then cat "$BUILD/logs/$t.result"; else echo "$t  FAILED(no result)"; fi
  grep -q '^[^ ]* *ok ' "$BUILD/logs/$t.result" 2>/dev/null || failed+=("$t")
done
if (( ${#failed[@]} )); then
  echo "fuzz.sh: FAILED: ${failed[*]} (crashing inputs in $BUILD/artifacts/<target>/)" >&2
  exit 1
fi
echo "fuzz.sh: no crashes"
