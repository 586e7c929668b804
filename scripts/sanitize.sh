#!/usr/bin/env bash
# Sanitizer builds of wick and its tests.
#
#   scripts/sanitize.sh [ctest args...]             e.g. scripts/sanitize.sh -R Safetensors
#   scripts/sanitize.sh --thread [ctest args...]
#   scripts/sanitize.sh --build-only TARGET...      configure + build, no tests
#
# Default: AddressSanitizer + UndefinedBehaviorSanitizer, the whole test suite
# (examples included) in build-asan/. Any finding (heap overflow, use after
# free, leak, signed overflow, misaligned or null access, bad shift, ...)
# aborts the test that hit it, so the summary reads "100% tests passed" only
# when the suite is clean. This build has -DWICK_CUDA=OFF: it is also CI's
# CPU-only build. With clang (used when installed) it is also the fuzzing
# build: -DWICK_FUZZ=ON adds libFuzzer's coverage instrumentation and the
# fuzz/ targets, and scripts/fuzz.sh builds them here (--build-only
# wick_fuzzers), so the library is compiled once for both.
#
# --thread: ThreadSanitizer in build-tsan/, only the library and the
# concurrency tests (tests/concurrency/, ctest label "concurrency"): several
# threads running one model at once, the guarantee in docs/CONCURRENCY.md. A
# data race fails the test even when the values come out right.
#
# Environment: WICK_ASAN_BUILD_DIR (default build-asan), WICK_TSAN_BUILD_DIR
# (default build-tsan), WICK_JOBS (default 2), CXX/CC (default: clang for
# ASan when installed, the system compiler for TSan).
# Prints the time the build and the test run took.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
JOBS=${WICK_JOBS:-2}
MODE=address
targets=()  # none: everything
build_only=0
case "${1:-}" in
  --thread) MODE=thread; shift ;;
  --build-only)
    build_only=1
    shift
    for t in "$@"; do targets+=(--target "$t"); done
    set -- ;;
esac

# -O1: the usual sanitizer trade-off (readable stacks, tolerable speed).
configure=(-DWICK_CUDA=OFF -DWICK_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g")
ctest_args=()
if [[ $MODE == address ]]; then
  BUILD=${WICK_ASAN_BUILD_DIR:-build-asan}
  configure+=(-DWICK_SANITIZE=address,undefined -DWICK_BUILD_TESTS=ON -DWICK_BUILD_EXAMPLES=ON)
  if [[ -z "${CXX:-}" ]] && command -v clang++ >/dev/null; then export CC=clang CXX=clang++; fi
  if [[ "$("${CXX:-c++}" --version)" == *clang* ]]; then configure+=(-DWICK_FUZZ=ON); fi
else
  BUILD=${WICK_TSAN_BUILD_DIR:-build-tsan}
  configure+=(-DWICK_SANITIZE=thread -DWICK_BUILD_EXAMPLES=OFF)
  (( ${#targets[@]} )) || targets=(--target wick_concurrency_tests)
  ctest_args=(-L concurrency)
fi

t0=$(date +%s)
echo "== configure $BUILD ($MODE sanitizer, ${CXX:-system compiler}; -O1 -g, assertions on)"
cmake -S . -B "$BUILD" "${configure[@]}" >/dev/null
echo "== build (-j$JOBS)"
cmake --build "$BUILD" -j "$JOBS" "${targets[@]}"
t1=$(date +%s)
if (( build_only )); then exit 0; fi

# halt_on_error/abort_on_error: the first finding fails the test with a
# stack. detect_leaks: LeakSanitizer runs at each test program's exit.
# detect_stack_use_after_return stays off: it slows the autograd tests 3x.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1:check_initialization_order=1:strict_init_order=1:print_summary=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1:print_summary=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:second_deadlock_stack=1:print_summary=1}
if [[ $MODE == thread ]]; then
  # More pool threads than a CI machine's 2 cores: more interleavings.
  export WICK_NUM_THREADS=${WICK_NUM_THREADS:-4}
  echo "== test (TSAN_OPTIONS=$TSAN_OPTIONS, WICK_NUM_THREADS=$WICK_NUM_THREADS)"
else
  echo "== test (ASAN_OPTIONS=$ASAN_OPTIONS)"
  echo "   (UBSAN_OPTIONS=$UBSAN_OPTIONS)"
fi
rc=0
ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS" "${ctest_args[@]}" "$@" || rc=$?
t2=$(date +%s)
echo "== sanitize.sh ($MODE): build $((t1 - t0)) s, tests $((t2 - t1)) s, total $((t2 - t0)) s"
exit "$rc"
