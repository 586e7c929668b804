#!/usr/bin/env bash
# Builds wick and its whole test suite with AddressSanitizer and
# UndefinedBehaviorSanitizer into build-asan/ and runs every ctest test. Any
# finding (heap overflow, use after free, leak, signed overflow, misaligned or
# null access, bad shift, ...) aborts the test that hit it, so the last line
# reads "100% tests passed" only when the suite is clean.
#
#   scripts/sanitize.sh [ctest args...]      e.g. scripts/sanitize.sh -R Safetensors
#
# Environment: WICK_ASAN_BUILD_DIR (default build-asan), WICK_JOBS (default
# 2), CXX (default: the system compiler; g++ and clang++ both work).
# Prints the time the build and the test run took.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BUILD=${WICK_ASAN_BUILD_DIR:-build-asan}
JOBS=${WICK_JOBS:-2}

t0=$(date +%s)
echo "== configure $BUILD (address,undefined; -O1 -g, assertions on)"
# -O1: the usual sanitizer trade-off (readable stacks, tolerable speed).
cmake -S . -B "$BUILD" -DWICK_SANITIZE=address,undefined -DWICK_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" >/dev/null
echo "== build (-j$JOBS)"
cmake --build "$BUILD" -j "$JOBS"
t1=$(date +%s)

# halt_on_error/abort_on_error: the first finding fails the test with a
# stack. detect_leaks: LeakSanitizer runs at each test program's exit.
# detect_stack_use_after_return stays off: it slows the autograd tests 3x.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1:check_initialization_order=1:strict_init_order=1:print_summary=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1:print_summary=1}
echo "== test (ASAN_OPTIONS=$ASAN_OPTIONS)"
echo "   (UBSAN_OPTIONS=$UBSAN_OPTIONS)"
rc=0
ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS" "$@" || rc=$?
t2=$(date +%s)
echo "== sanitize.sh: build $((t1 - t0)) s, tests $((t2 - t1)) s, total $((t2 - t0)) s"
exit "$rc"
