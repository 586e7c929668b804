#!/usr/bin/env bash
# The GPU check of issue 5: parity suite, seed_tour on cuda, compute-sanitizer
# memcheck on a parity subset, and the GPU benchmarks (wick, and PyTorch when
# it imports with CUDA), then a short table. Budget: under 8 minutes.
#
#   scripts/gpu-check.sh bundle [DIR]   build here (CUDA toolkit + the project's
#                                       Debian packages) into DIR (default
#                                       build-gpu-bundle/): binaries, the
#                                       non-system shared libraries they need,
#                                       MNIST, packed as payload.tar.gz
#   scripts/gpu-check.sh run DIR        on the GPU machine (CUDA 13 driver,
#                                       cuBLAS from its CUDA toolkit or its
#                                       PyTorch; no Debian packages, no network)
#   scripts/gpu-check.sh local          build in build-gpu/ and run here
#
# Without a GPU, `run` says so in one line, runs what needs no GPU, marks the
# CUDA rows SKIP and exits 0; any real failure exits 1.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JOBS="${JOBS:-2}"
TARGETS=(wick_tests seed_tour gpu_mnist_bench)

die() { echo "gpu-check: $*" >&2; exit 1; }

configure_and_build() {  # BUILD_DIR [extra cmake args]
  local build="$1"; shift
  cmake -S "$ROOT" -B "$build" -DCMAKE_BUILD_TYPE=Release -DWICK_CUDA=ON "$@" >/dev/null ||
    die "configure failed (is the CUDA 13 toolkit at /usr/local/cuda?)"
  nice cmake --build "$build" -j"$JOBS" --target "${TARGETS[@]}" || die "build failed"
}

# Libraries the GPU machine has (or must have) itself: glibc, the driver, and
# cuBLAS (half a gigabyte: too big to carry; its CUDA toolkit or PyTorch has it).
is_system_lib() {
  case "$(basename "$1")" in
    linux-vdso*|ld-linux*|libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*|libcuda.so*|libcublas*.so*) return 0 ;;
  esac
  return 1
}

bundle() {
  local out="${1:-$ROOT/build-gpu-bundle}"
  local build="$ROOT/build-gpu-bundle-tree"
  command -v nvcc >/dev/null || [ -x /usr/local/cuda/bin/nvcc ] || die "bundle needs the CUDA toolkit (nvcc)"
  [ -f "$ROOT/data/mnist/train-images-idx3-ubyte" ] || [ -f "$ROOT/data/mnist/train-images-idx3-ubyte.gz" ] ||
    die "data/mnist is missing: run scripts/fetch-data.sh mnist first"
  # Portable host code (the GPU machine's CPU may differ); rpath to the bundled libs.
  configure_and_build "$build" -DWICK_NATIVE=OFF -DWICK_BUILD_BENCH=ON '-DCMAKE_BUILD_RPATH=$ORIGIN/../lib'
  local stage; stage="$(mktemp -d)"
  mkdir -p "$stage/bin" "$stage/lib/fallback" "$stage/data/mnist"
  cp "$build/tests/wick_tests" "$build/seed_tour" "$build/bench/gpu/gpu_mnist_bench" "$stage/bin/" ||
    die "a built binary is missing"
  strip "$stage"/bin/*
  for bin in "$stage"/bin/*; do
    ldd "$bin" | awk '/=> \//{print $3}' | while read -r lib; do
      is_system_lib "$lib" && continue
      # The C++ runtime here needs glibc 2.36; the GPU machine's own is used
      # unless it is too old for our binaries (see run_bundle).
      case "$(basename "$lib")" in
        libstdc++.so*|libgcc_s.so*) cp -nL "$lib" "$stage/lib/fallback/" ;;
        *) cp -nL "$lib" "$stage/lib/" ;;
      esac
    done
  done
  strip --strip-unneeded "$stage"/lib/*.so* "$stage"/lib/fallback/* 2>/dev/null
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    if [ -f "$ROOT/data/mnist/$f.gz" ]; then cp "$ROOT/data/mnist/$f.gz" "$stage/data/mnist/"
    else gzip -9 -c "$ROOT/data/mnist/$f" > "$stage/data/mnist/$f.gz"; fi
  done
  # What the bundle expects of the machine that runs it.
  {
    echo "built: $(date -u +%FT%TZ) on $(uname -m), $(ldd --version | head -1)"
    echo "git: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)"
    echo "cuda: $(/usr/local/cuda/bin/nvcc --version | tail -1)"
    echo "needs from the GPU machine: NVIDIA driver for CUDA 13 (libcuda.so.1), libcublas.so.13 + libcublasLt.so.13"
    echo "newest glibc symbol used: $(objdump -T "$stage"/bin/* "$stage"/lib/*.so* 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1) (fallback C++ runtime: $(objdump -T "$stage"/lib/fallback/* 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1))"
    echo "newest C++ runtime symbol used: $(objdump -T "$stage"/bin/* 2>/dev/null | grep -o 'GLIBCXX_[0-9.]*' | sort -uV | tail -1)"
    echo "bundled libs: $(cd "$stage/lib" && ls -d *.so* fallback/* | tr '\n' ' ')"
  } > "$stage/MANIFEST"
  rm -rf "$out" && mkdir -p "$out"
  tar -C "$stage" -czf "$out/payload.tar.gz" . && cp "$stage/MANIFEST" "$out/"
  rm -rf "$stage"
  local mib; mib=$(du -sm "$out" | cut -f1)
  echo "gpu-check: bundle in $out (${mib} MiB; the device tool carries at most 64 MiB)"
  cat "$out/MANIFEST"
  [ "$mib" -lt 64 ] || die "bundle is ${mib} MiB: over the 64 MiB carry limit"
}

# ---------------- run ----------------
ROWS=()
FAILED=0
row() { ROWS+=("$(printf '%-34s %-6s %s' "$1" "$2" "$3")"); [ "$2" = FAIL ] && FAILED=1; return 0; }

# Finds libcublas.so.13 on this machine: the CUDA toolkit, the system, or PyTorch's wheels.
cublas_dirs() {
  local d
  for d in /usr/local/cuda/lib64 /usr/local/cuda-13*/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/lib/x86_64-linux-gnu; do
    [ -e "$d/libcublas.so.13" ] && printf '%s:' "$d"
  done
  if command -v python3 >/dev/null; then
    python3 - <<'PY' 2>/dev/null
import glob, site, sys
roots = site.getsitepackages() + [site.getusersitepackages()]
for r in roots:
    for p in glob.glob(r + "/nvidia/**/libcublas.so.13", recursive=True):
        sys.stdout.write(p.rsplit("/", 1)[0] + ":")
PY
  fi
}

run_checks() {  # BIN_DIR DATA_DIR
  local bin="$1" data="$2" log; log="$(mktemp -d)"
  local t_start=$SECONDS gpu_name="none"
  if command -v nvidia-smi >/dev/null; then gpu_name="$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1)"; fi
  local missing; missing="$(ldd "$bin/wick_tests" 2>/dev/null | grep 'not found' | awk '{print $1}' | tr '\n' ' ')"
  if [ -n "$missing" ]; then
    echo "gpu-check: cannot run: missing shared libraries: $missing(install the CUDA 13 toolkit's cuBLAS or set LD_LIBRARY_PATH)"
    row "load binaries" FAIL "missing: $missing"
    return
  fi
  local has_gpu=0
  if "$bin/wick_tests" --gtest_filter='CudaDevices.BuiltWithCudaButNoGpu' 2>&1 | grep -q '\[  SKIPPED \] CudaDevices.BuiltWithCudaButNoGpu'; then
    has_gpu=1
  fi
  if [ $has_gpu = 0 ]; then
    if [ "$gpu_name" != "none" ] && [ -n "$gpu_name" ]; then
      # nvidia-smi sees a GPU but wick does not: a driver/runtime mismatch, a failure.
      row "CUDA device visible to wick" FAIL "nvidia-smi: ${gpu_name}; wick: $("$bin/gpu_mnist_bench" /nonexistent all cuda 2>&1 | tail -1)"
    fi
    echo "gpu-check: no usable CUDA device here (nvidia-smi: ${gpu_name}): the CUDA checks are skipped"
  fi

  # 1. Parity suite (+ devices, allocator, and the CPU device tests).
  if timeout 150 "$bin/wick_tests" --gtest_filter='CudaParity*:CudaDevices*:CudaBlockCache*:Device*' >"$log/parity.txt" 2>&1; then
    local passed skipped
    passed=$(grep -o 'PASSED  \] [0-9]*' "$log/parity.txt" | grep -o '[0-9]*$')
    skipped=$(grep -o 'SKIPPED \] [0-9]* test' "$log/parity.txt" | grep -o '[0-9]*' | head -1)
    if [ $has_gpu = 1 ]; then row "parity suite (CPU vs cuda)" PASS "${passed:-0} passed, ${skipped:-0} skipped"
    else row "parity suite (CPU vs cuda)" SKIP "no GPU: $(grep -m1 'parity suite skipped' "$log/parity.txt" | sed 's/^\[ CUDA \] //')"; fi
  else
    row "parity suite (CPU vs cuda)" FAIL "$(grep -c '^\[  FAILED  \]' "$log/parity.txt") failed lines; see below"
    grep -E '^\[  FAILED  \]|Failure|error' "$log/parity.txt" | head -20
  fi

  # 2. seed_tour on cuda (it picks cuda_if_available; its bar is 0.92).
  if [ $has_gpu = 1 ]; then
    local t0=$SECONDS
    if (cd "$log" && timeout 90 "$bin/seed_tour" "$data" >"$log/seed.txt" 2>&1); then
      row "seed_tour on cuda" PASS "accuracy $(grep 'test accuracy' "$log/seed.txt" | tail -1 | awk '{print $NF}') in $((SECONDS - t0)) s"
    else
      row "seed_tour on cuda" FAIL "exit $?; $(tail -1 "$log/seed.txt")"
    fi
  else
    row "seed_tour on cuda" SKIP "no GPU"
  fi

  # 3. compute-sanitizer memcheck on a small parity subset.
  local san=""
  for s in compute-sanitizer /usr/local/cuda/bin/compute-sanitizer /usr/local/cuda-13*/bin/compute-sanitizer; do
    command -v "$s" >/dev/null 2>&1 && { san="$(command -v "$s")"; break; }
  done
  if [ $has_gpu = 0 ]; then
    row "compute-sanitizer memcheck" SKIP "no GPU"
  elif [ -z "$san" ]; then
    row "compute-sanitizer memcheck" SKIP "compute-sanitizer not found"
  elif timeout 120 "$san" --tool memcheck --error-exitcode 9 --leak-check no "$bin/wick_tests" \
        --gtest_filter='CudaParity.Binary*:CudaParity.Reduce*:CudaParity.Softmax*:CudaParity.IndexSelect*:CudaParity.Where*' \
        >"$log/memcheck.txt" 2>&1; then
    row "compute-sanitizer memcheck" PASS "$(grep -m1 'ERROR SUMMARY' "$log/memcheck.txt")"
  else
    row "compute-sanitizer memcheck" FAIL "$(grep -m1 'ERROR SUMMARY' "$log/memcheck.txt" || tail -1 "$log/memcheck.txt")"
    grep -m10 -E 'Invalid|ERROR|Failure' "$log/memcheck.txt"
  fi

  # 4. Benchmarks: wick, then PyTorch on the same GPU when it imports with CUDA.
  if [ $has_gpu = 1 ]; then
    timeout 60 "$bin/gpu_mnist_bench" "$data" all cuda >"$log/bench.txt" 2>&1 || row "wick GPU benchmark" FAIL "$(tail -1 "$log/bench.txt")"
    if command -v python3 >/dev/null; then
      timeout 60 python3 "$ROOT/bench/gpu/torch_mnist.py" "$data" all >>"$log/bench.txt" 2>&1 ||
        echo "gpu-check: torch benchmark failed: $(tail -1 "$log/bench.txt")"
    fi
    grep -E '^(RESULT|SKIP)' "$log/bench.txt" | while read -r line; do echo "  $line"; done
    local task
    for task in softmax mlp_bn_dropout; do
      local w t
      w=$(grep "impl=wick task=$task " "$log/bench.txt" | grep -o 'total_s=[0-9.]*' | cut -d= -f2)
      t=$(grep "impl=torch task=$task " "$log/bench.txt" | grep -o 'total_s=[0-9.]*' | cut -d= -f2)
      local acc; acc=$(grep "impl=wick task=$task " "$log/bench.txt" | grep -o 'accuracy=[0-9.]*' | cut -d= -f2)
      if [ -n "$w" ] && [ -n "$t" ]; then
        row "bench $task" INFO "wick ${w} s (acc ${acc}), torch ${t} s: torch/wick = $(awk -v a="$t" -v b="$w" 'BEGIN{printf "%.2f", a/b}')"
      elif [ -n "$w" ]; then
        row "bench $task" INFO "wick ${w} s (acc ${acc}); torch: $(grep -m1 '^SKIP' "$log/bench.txt" || echo 'not run')"
      fi
    done
  else
    row "GPU benchmarks" SKIP "no GPU"
  fi

  echo
  echo "==== gpu-check summary ($(date -u +%FT%TZ), GPU: ${gpu_name}, $((SECONDS - t_start)) s) ===="
  printf '%s\n' "${ROWS[@]}"
  echo "logs: $log"
}

run_bundle() {
  local dir="${1:?usage: gpu-check.sh run BUNDLE_DIR}"
  [ -f "$dir/payload.tar.gz" ] || die "$dir/payload.tar.gz not found: make it with 'scripts/gpu-check.sh bundle $dir'"
  local x="${WICK_GPU_CHECK_WORK:-$(mktemp -d)}"
  tar -C "$x" -xzf "$dir/payload.tar.gz" || die "cannot unpack $dir/payload.tar.gz"
  echo "gpu-check: bundle unpacked in $x ($(head -1 "$x/MANIFEST"))"
  export LD_LIBRARY_PATH="$x/lib:$(cublas_dirs)${LD_LIBRARY_PATH:-}"
  # The machine's libstdc++ first; the bundled one only when that is too old.
  if ! "$x/bin/wick_tests" --gtest_list_tests >/dev/null 2>"$x/load.txt"; then
    if grep -q 'GLIBCXX\|CXXABI\|GCC_\|libstdc++\|libgcc_s' "$x/load.txt"; then
      echo "gpu-check: this machine's C++ runtime is too old ($(head -1 "$x/load.txt")): using the bundled one"
      export LD_LIBRARY_PATH="$x/lib/fallback:$LD_LIBRARY_PATH"
    fi
  fi
  run_checks "$x/bin" "$x/data/mnist"
}

run_local() {
  local build="$ROOT/build-gpu"
  configure_and_build "$build" -DWICK_BUILD_BENCH=ON
  mkdir -p "$build/gpu-check-bin"
  ln -sf "$build/tests/wick_tests" "$build/seed_tour" "$build/bench/gpu/gpu_mnist_bench" "$build/gpu-check-bin/"
  run_checks "$build/gpu-check-bin" "$ROOT/data/mnist"
}

case "${1:-}" in
  bundle) shift; bundle "$@" ;;
  run) shift; run_bundle "$@" ;;
  local) run_local ;;
  *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
exit $FAILED
