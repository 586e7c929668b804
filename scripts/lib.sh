# shellcheck shell=bash
# Shared steps of scripts/test.sh and scripts/demo.sh; source it, don't run it.
# Callers have `set -euo pipefail` on.
#
# Environment knobs:
#   WICK_BUILD_DIR   build directory (default: build, under the repo root)
#   WICK_JOBS        parallel build/test jobs (default: nproc)
#   WICK_SKIP_SETUP  1 = don't run scripts/setup.sh (non-Debian machines)

# The repo root, whatever the caller's cwd: everything below is relative to it.
WICK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WICK_BUILD_DIR=${WICK_BUILD_DIR:-build}
WICK_JOBS=${WICK_JOBS:-$(nproc)}
cd "$WICK_ROOT" || exit 1

wick_setup() {
  if [[ "${WICK_SKIP_SETUP:-0}" == 1 ]]; then
    echo "== setup: skipped (WICK_SKIP_SETUP=1)"
    return
  fi
  echo "== setup"
  bash scripts/setup.sh
}

wick_configure() {
  echo "== configure ($WICK_BUILD_DIR, Release with assertions)"
  # Release keeps assert() on: the top CMakeLists strips -DNDEBUG.
  cmake -S . -B "$WICK_BUILD_DIR" -DCMAKE_BUILD_TYPE=Release
}

# wick_build [target...]: builds everything, or only the named targets.
wick_build() {
  echo "== build (-j$WICK_JOBS)"
  local targets=()
  local t
  for t in "$@"; do targets+=(--target "$t"); done
  cmake --build "$WICK_BUILD_DIR" -j "$WICK_JOBS" "${targets[@]}"
}
