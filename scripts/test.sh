#!/usr/bin/env bash
# Installs what is missing, builds wick (Release, assertions on) and runs the
# whole suite through ctest. The last line is ctest's summary, e.g.
# "100% tests passed, 0 tests failed out of N". Works from any directory.
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
# ctest prints the total time and any skipped tests after its summary; repeat
# the summary ("100% tests passed, 0 tests failed out of N") as the last line,
# where CI logs and people look for it.
echo
grep -E '^[0-9]+% tests passed' "$log" | tail -n 1 || echo "ctest printed no summary (exit $status)"
exit "$status"
