#!/usr/bin/env bash
# Builds wick and runs the demo: for now a tour of tensors, devices and
# autograd (examples/demo_tensors.cpp). Works from any directory.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

wick_setup
wick_configure
# Only the demo and what it links: the test suite takes longer to build.
wick_build demo_tensors
echo "== run demo_tensors"
"$WICK_BUILD_DIR/demo_tensors"
