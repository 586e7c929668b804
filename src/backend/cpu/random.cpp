// random(): element i of the contiguous `out` is a function of
// philox4x32(seed, offset + i) alone, so the numbers do not depend on the
// thread count and match every other backend bit for bit (up to libm).
#include <cmath>
#include <limits>

#include "backend/cpu/kernels.h"
#include "backend/cpu/loops.h"
#include "backend/philox.h"

namespace wick::backend::cpu {
namespace {

// 53 random bits -> a double in [0, 1).
inline double unit_double(uint32_t hi, uint32_t lo) {
  const uint64_t bits = (static_cast<uint64_t>(hi) << 32 | lo) >> 11;
  return static_cast<double>(bits) * 0x1.0p-53;
}

template <typename T>
inline T uniform_value(double a, double b, double u) {
  const double v = a + (b - a) * u;
  if constexpr (kIsFloat<T>) {
    // Rounding (to float, or of a + (b-a)u itself) can land on b; keep [a, b).
    const T r = static_cast<T>(v), tb = static_cast<T>(b);
    if (r >= tb && b > a) return std::nextafter(tb, -std::numeric_limits<T>::infinity());
    return r;
  } else {
    return convert<T>(v);
  }
}

template <typename T>
void random_typed(RandomOp op, T* out, int64_t n, double a, double b, uint64_t seed, uint64_t offset) {
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  parallel_for(n, kGrainExpensive, [&](int64_t begin, int64_t end) {
    uint32_t r[4];
    switch (op) {
      case RandomOp::Uniform:
        for (int64_t i = begin; i < end; ++i) {
          philox4x32(seed, offset + static_cast<uint64_t>(i), r);
          out[i] = uniform_value<T>(a, b, unit_double(r[0], r[1]));
        }
        break;
      case RandomOp::Normal:
        for (int64_t i = begin; i < end; ++i) {
          philox4x32(seed, offset + static_cast<uint64_t>(i), r);
          const double u1 = unit_double(r[0], r[1]), u2 = unit_double(r[2], r[3]);
          // 1 - u1 is in (0, 1], so the log is finite.
          const double z = std::sqrt(-2.0 * std::log(1.0 - u1)) * std::cos(kTwoPi * u2);
          out[i] = convert<T>(a + b * z);
        }
        break;
      case RandomOp::RandInt: {
        const int64_t lo = static_cast<int64_t>(a);
        const uint64_t range = static_cast<uint64_t>(static_cast<int64_t>(b) - lo);
        for (int64_t i = begin; i < end; ++i) {
          philox4x32(seed, offset + static_cast<uint64_t>(i), r);
          const uint64_t bits = static_cast<uint64_t>(r[0]) << 32 | r[1];
          const int64_t v = range == 0 ? lo : lo + static_cast<int64_t>(bits % range);
          out[i] = convert<T>(v);
        }
        break;
      }
      case RandomOp::Bernoulli:
        for (int64_t i = begin; i < end; ++i) {
          philox4x32(seed, offset + static_cast<uint64_t>(i), r);
          out[i] = unit_double(r[0], r[1]) < a ? T(1) : T(0);
        }
        break;
    }
  });
}

}  // namespace

void random(RandomOp op, const View& out, double a, double b, uint64_t seed, uint64_t offset) {
  const int64_t n = out.numel();
  if (n == 0) return;
  dispatch(out.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    random_typed<T>(op, static_cast<T*>(out.data), n, a, b, seed, offset);
  });
}

}  // namespace wick::backend::cpu
