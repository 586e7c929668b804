#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang -fsanitize=fuzzer,address,
# undefined into build-fuzz/ and runs each one for SECONDS (default 30).
# Fails when any target crashes, leaks, times out or runs out of memory; the
# input that did it is left in build-fuzz/artifacts/<target>/ (turn it into a
# regression: fuzz/regressions/<target>/ + a test in tests/errors/).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     e.g. scripts/fuzz.sh 600 npy csv
#
# Also replays fuzz/regressions/<target>/* first. New interesting inputs
# accumulate in build-fuzz/corpus/<target>/ (not committed); the committed
# seeds in fuzz/corpus/<target>/ are read, never written.
# Environment: WICK_FUZZ_BUILD_DIR (default build-fuzz), WICK_JOBS (default 2),
# WICK_FUZZ_RSS_MB (default 2048: an input needing more memory is a finding).
# Needs clang, libclang-rt-dev (libFuzzer, sanitizer runtimes) and libomp-dev.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SECONDS_PER_TARGET=${1:-30}
shift || true
BUILD=${WICK_FUZZ_BUILD_DIR:-build-fuzz}
JOBS=${WICK_JOBS:-2}
RSS_MB=${WICK_FUZZ_RSS_MB:-2048}
ALL_TARGETS=(idx idx_gz mnist cifar10 csv npy safetensors model_spec)
TARGETS=("$@")
(( ${#TARGETS[@]} )) || TARGETS=("${ALL_TARGETS[@]}")

command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (apt-get install clang libclang-rt-dev libomp-dev)" >&2; exit 1; }

echo "== configure $BUILD (clang, fuzzer + address + undefined, -O1 -g)"
CC=clang CXX=clang++ cmake -S . -B "$BUILD" -DWICK_FUZZ=ON -DWICK_SANITIZE=address,undefined \
  -DWICK_BUILD_TESTS=OFF -DWICK_BUILD_EXAMPLES=OFF -DWICK_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" >/dev/null
echo "== build (-j$JOBS)"
cmake --build "$BUILD" -j "$JOBS" --target wick_fuzzers

export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# One OpenMP/BLAS thread: the parsers are serial, and threads only add noise.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

summary=()
failed=()
for t in "${TARGETS[@]}"; do
  bin="$BUILD/fuzz/fuzz_$t"
  [[ -x "$bin" ]] || { echo "fuzz.sh: unknown target '$t' (have: ${ALL_TARGETS[*]})" >&2; exit 2; }
  work="$BUILD/corpus/$t" art="$BUILD/artifacts/$t" log="$BUILD/logs/$t.log"
  mkdir -p "$work" "$art" "$(dirname "$log")"
  if compgen -G "fuzz/regressions/$t/*" >/dev/null; then
    echo "== $t: replaying fuzz/regressions/$t/"
    if ! "$bin" -rss_limit_mb="$RSS_MB" fuzz/regressions/"$t"/* >"$BUILD/logs/$t.regressions.log" 2>&1; then
      echo "   FAILED: a committed regression crashes again; see $BUILD/logs/$t.regressions.log"
      failed+=("$t (regression)")
    fi
  fi
  echo "== $t: fuzzing ${SECONDS_PER_TARGET}s"
  rc=0
  "$bin" "$work" "fuzz/corpus/$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb="$RSS_MB" \
    -artifact_prefix="$art/" -print_final_stats=1 >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  corpus=$(find "$work" -type f | wc -l)
  if (( rc == 0 )); then
    status=ok
  else
    status="CRASH (rc $rc)"
    failed+=("$t")
    grep -m3 -E 'ERROR: |runtime error|SUMMARY|uncaught|Test unit written' "$log" | sed 's/^/   /' || true
  fi
  summary+=("$(printf '%-12s %-14s %10s execs %8s/s  cov %6s  corpus %5s' "$t" "$status" "${execs:-?}" "${speed:-?}" "${cov:-?}" "$corpus")")
done

echo "== summary ($(date -u +%Y-%m-%d), ${SECONDS_PER_TARGET}s per target; logs in $BUILD/logs/)"
printf '%s\n' "${summary[@]}"
if (( ${#failed[@]} )); then
  echo "fuzz.sh: FAILED: ${failed[*]} (crashing inputs in $BUILD/artifacts/<target>/)" >&2
  exit 1
fi
echo "fuzz.sh: no crashes"
