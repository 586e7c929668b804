#pragma once
// Helpers of the CUDA parity suite (issue 5, item 4): run the same op on the
// CPU and on cuda:0 and compare. Without a GPU every test of the suite skips;
// the first skip prints one line saying so.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "backend/backend.h"
#include "core/core.h"
#include "wick/wick.h"

namespace wick::cuda_parity {

inline bool gpu_present() { return wick::cuda::is_available(); }

// The skip line, once per process.
inline void announce_skip() {
  static bool said = false;
  if (said) return;
  said = true;
  const bool built = wick::backend::find(DeviceType::CUDA) != nullptr;
  std::fprintf(stderr, "[ CUDA ] parity suite skipped: %s\n",
               built ? "no GPU (this build has the CUDA backend, but no CUDA device is present)"
                     : "this build has no CUDA backend (-DWICK_CUDA=OFF or no toolkit)");
}

class CudaParity : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!gpu_present()) {
      announce_skip();
      GTEST_SKIP() << "CUDA parity suite skipped: no GPU";
    }
  }
  static Device gpu() { return Device::cuda(0); }
};

// Relative tolerance per dtype: 1e-5 (float32), 1e-12 (float64), exact otherwise.
inline double tolerance(DType dt) {
  if (dt == kFloat32) return 1e-5;
  if (dt == kFloat64) return 1e-12;
  return 0;
}

// |a - b| <= tol * max(1, |a|) element by element, same shape and dtype;
// NaN must meet NaN. `a` is the CPU result.
inline ::testing::AssertionResult close(const Tensor& cpu, const Tensor& gpu, double tol = -1) {
  if (cpu.sizes() != gpu.sizes())
    return ::testing::AssertionFailure() << "shapes differ: " << cpu.describe() << " vs " << gpu.describe();
  if (cpu.dtype() != gpu.dtype())
    return ::testing::AssertionFailure() << "dtypes differ: " << cpu.describe() << " vs " << gpu.describe();
  if (!gpu.is_cuda()) return ::testing::AssertionFailure() << "the second tensor is not on cuda: " << gpu.describe();
  if (tol < 0) tol = tolerance(cpu.dtype());
  // int64 compared exactly through int64, the rest through double.
  if (cpu.dtype() == kInt64) {
    const auto a = cpu.to_vector<int64_t>(), b = gpu.cpu().to_vector<int64_t>();
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i] != b[i])
        return ::testing::AssertionFailure() << "element " << i << ": cpu " << a[i] << ", cuda " << b[i];
    return ::testing::AssertionSuccess();
  }
  const auto a = cpu.to(kFloat64).to_vector<double>(), b = gpu.cpu().to(kFloat64).to_vector<double>();
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) || std::isnan(b[i])) {
      if (std::isnan(a[i]) && std::isnan(b[i])) continue;
      return ::testing::AssertionFailure() << "element " << i << ": cpu " << a[i] << ", cuda " << b[i];
    }
    if (a[i] == b[i]) continue;  // also equal infinities
    const double err = std::fabs(a[i] - b[i]);
    if (!(err <= tol * std::max(1.0, std::fabs(a[i]))))
      return ::testing::AssertionFailure() << "element " << i << " of " << a.size() << ": cpu " << a[i] << ", cuda "
                                           << b[i] << " (relative error " << err / std::max(1.0, std::fabs(a[i]))
                                           << " > " << tol << ") in " << cpu.describe();
  }
  return ::testing::AssertionSuccess();
}

// Fresh random values of `dt` (ints in [-5, 5), uint8 in [0, 10), bool 0/1).
inline Tensor random_tensor(const Shape& shape, DType dt, double lo = -2, double hi = 2) {
  if (dt == kFloat32 || dt == kFloat64) return rand(shape, {.dtype = dt}) * (hi - lo) + lo;
  if (dt == kBool) return randint(0, 2, shape).to(kBool);
  if (dt == kUInt8) return randint(0, 10, shape).to(kUInt8);
  return randint(-5, 5, shape);
}

// An output pair pre-filled with different poisons on the two devices: an
// element a kernel fails to write then differs between them.
inline std::pair<Tensor, Tensor> poisoned(const Shape& shape, DType dt, Device gpu) {
  Tensor c = core::make_tensor(shape, dt, Device::cpu());
  Tensor g = core::make_tensor(shape, dt, gpu);
  double pc = 1e30, pg = -3e29;
  if (dt == kBool) pc = 1, pg = 0;
  if (dt == kUInt8) pc = 201, pg = 57;
  if (dt == kInt64) pc = 123456789, pg = -987654;
  core::fill(c, pc);
  core::fill(g, pg);
  return {c, g};
}

// The same tensor on both devices; views are taken after the transfer (to()
// makes a tensor contiguous), so both sides see the same strides.
struct Pair {
  Tensor c, g;
  template <typename F>
  Pair map(F f) const {
    return {f(c), f(g)};
  }
};
inline Pair pair_of(const Tensor& cpu, Device gpu) { return {cpu, cpu.to(gpu)}; }
inline Pair random_pair(const Shape& shape, DType dt, Device gpu, double lo = -2, double hi = 2) {
  return pair_of(random_tensor(shape, dt, lo, hi), gpu);
}

inline const DType kAllDtypes[] = {kFloat32, kFloat64, kInt64, kUInt8, kBool};
inline const DType kFloatDtypes[] = {kFloat32, kFloat64};

}  // namespace wick::cuda_parity
