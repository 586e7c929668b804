// The machine's floor for bench/compare: peak single-precision GEMM rate
// (OpenBLAS cblas_sgemm) and memory copy bandwidth, measured here, now, with
// a given thread count. Best of several repetitions: the floor is what the
// hardware can do, so noise from other processes should not lower it.
//
//   floor [--threads N]     prints one line "FLOOR {json}"
//
// sgemm: the peak is the best rate of square 1024 and the larger task GEMMs;
// also reported: the GEMMs of the MNIST tasks at batch 128
// (the rate a per-batch training step could reach at best).
// copy: 256 MiB memcpy split over the threads; bytes counted = read + write
// (STREAM's convention). read: a 256 MiB sum (read-only streaming).
#include <cblas.h>
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double best_seconds(int reps, const auto& fn) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    auto t0 = Clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return best;
}

// C[m,n] = A[m,k] B[k,n], row-major; GFLOP/s of the best run.
double sgemm_gflops(int m, int n, int k, bool trans_a, int reps, double min_seconds) {
  std::vector<float> a(size_t(m) * k, 0.5f), b(size_t(k) * n, 0.25f), c(size_t(m) * n);
  // Repeat inside one timing so tiny GEMMs are measured over >= min_seconds.
  int inner = 1;
  const double flops = 2.0 * m * n * k;
  auto once = [&] {
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a.data(),
                trans_a ? m : k, b.data(), n, 0.0f, c.data(), n);
  };
  once();
  auto t0 = Clock::now();
  once();
  double one = std::chrono::duration<double>(Clock::now() - t0).count();
  inner = std::max(1, int(min_seconds / std::max(one, 1e-7)));
  double s = best_seconds(reps, [&] {
    for (int i = 0; i < inner; ++i) once();
  });
  return flops * inner / s / 1e9;
}

// The core's raw FMA rate: 12 independent accumulator chains of the widest
// vector the CPU has (AVX-512 where present, else AVX2), nothing from memory.
// OpenBLAS 0.3.21 picks its AVX2 (Haswell) kernels on AMD cores even when
// they run 512-bit FMAs at full rate, so this can be ~2x sgemm_peak.
__attribute__((target("avx512f"))) double fma_chain_512(long iters) {
  __m512 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps(float(i));
  const __m512 m = _mm512_set1_ps(0.999999f), a = _mm512_set1_ps(1e-7f);
  for (long it = 0; it < iters; ++it)
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_fmadd_ps(acc[i], m, a);
  float out[16];
  __m512 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm512_add_ps(s, acc[i]);
  _mm512_storeu_ps(out, s);
  return out[0] + 2.0 * 16 * 12 * iters;  // flops, plus a use of the result
}

__attribute__((target("avx2,fma"))) double fma_chain_256(long iters) {
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(float(i));
  const __m256 m = _mm256_set1_ps(0.999999f), a = _mm256_set1_ps(1e-7f);
  for (long it = 0; it < iters; ++it)
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], m, a);
  float out[8];
  __m256 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, acc[i]);
  _mm256_storeu_ps(out, s);
  return out[0] + 2.0 * 8 * 12 * iters;
}

void parallel_for(int threads, size_t n, const auto& body) {
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] { body(n * t / threads, n * (t + 1) / threads); });
  for (auto& th : pool) th.join();
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::string(argv[i]) == "--threads") threads = std::atoi(argv[i + 1]);
  openblas_set_num_threads(threads);

  const double peak = sgemm_gflops(1024, 1024, 1024, false, 7, 0.2);
  // Task shapes at batch 128: forward x[128,784] W^T -> [128,out] and the
  // weight gradient g^T[out,128] x[128,784] (written as A^T B).
  const double fwd256 = sgemm_gflops(128, 256, 784, false, 5, 0.1);
  const double wgrad256 = sgemm_gflops(256, 784, 128, true, 5, 0.1);
  const double fwd10 = sgemm_gflops(128, 10, 784, false, 5, 0.1);
  const double wgrad10 = sgemm_gflops(10, 784, 128, true, 5, 0.1);

  const bool avx512 = __builtin_cpu_supports("avx512f");
  const long iters = 20'000'000;
  std::vector<double> fl(threads);
  const double fma_s = best_seconds(5, [&] {
    parallel_for(threads, threads, [&](size_t lo, size_t) {
      fl[lo] = avx512 ? fma_chain_512(iters) : fma_chain_256(iters);
    });
  });
  const double fma_peak = threads * (avx512 ? 2.0 * 16 * 12 : 2.0 * 8 * 12) * iters / fma_s / 1e9;
  const size_t bytes = size_t(256) << 20;
  std::vector<char> src(bytes, 1), dst(bytes, 0);
  const double copy_s = best_seconds(5, [&] {
    parallel_for(threads, bytes, [&](size_t lo, size_t hi) { std::memcpy(dst.data() + lo, src.data() + lo, hi - lo); });
  });
  const float* f = reinterpret_cast<const float*>(src.data());
  std::vector<double> partial(threads);
  const double read_s = best_seconds(5, [&] {
    parallel_for(threads, bytes / 4, [&](size_t lo, size_t hi) {
      float acc[8] = {};
      for (size_t i = lo; i + 8 <= hi; i += 8)
        for (int j = 0; j < 8; ++j) acc[j] += f[i + j];
      double s = 0;
      for (float v : acc) s += v;
      partial[lo * threads / (bytes / 4)] = s;
    });
  });
  double sink = 0;
  for (double p : partial) sink += p;

  std::printf(
      "FLOOR {\"threads\": %d, \"sgemm_peak_gflops\": %.2f, \"sgemm_128x784x256_gflops\": %.2f, "
      "\"sgemm_wgrad_256x784x128_gflops\": %.2f, \"sgemm_128x784x10_gflops\": %.2f, "
      "\"sgemm_wgrad_10x784x128_gflops\": %.2f, \"copy_gbs\": %.2f, \"read_gbs\": %.2f, "
      "\"fma_peak_gflops\": %.2f, \"fma_width\": %d, \"sink\": %g}\n",
      threads, std::max({peak, fwd256, wgrad256}), fwd256, wgrad256, fwd10, wgrad10, 2.0 * bytes / copy_s / 1e9,
      bytes / read_s / 1e9, fma_peak, avx512 ? 512 : 256, sink + fl[0] * 0);
  return 0;
}
