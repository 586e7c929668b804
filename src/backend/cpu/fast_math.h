#pragma once
// Branch-free float32 exp / tanh / sigmoid that g++ auto-vectorizes (glibc's
// expf is a scalar call; its vector variants need -ffast-math). Accuracy is
// about 1-2 ulp (Cephes polynomials), well inside the 1e-5 relative tolerance
// the library is held to against PyTorch. Float64 keeps the libm functions:
// it is the dtype of gradient checks, where accuracy matters more than speed.
#include <bit>
#include <cmath>
#include <cstdint>

namespace wick::backend::cpu {

inline float fast_exp(float x) {
  // exp(89) overflows float and exp(-104) underflows to 0, so clamping there
  // keeps the exponent arithmetic in range without changing results. NaN
  // fails both comparisons and flows through to the result.
  float xc = x < -104.0f ? -104.0f : x;
  xc = xc > 89.0f ? 89.0f : xc;
  // n = round(x / ln 2) via the 1.5 * 2^23 trick (vectorizes, unlike lrintf).
  const float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  // r = x - n ln2 in two pieces (Cody-Waite) so r stays exact.
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  const float z = r * r;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * z + r + 1.0f;
  // Scale by 2^n as 2^(n/2) * 2^(n - n/2): each half is a normal float for
  // n in [-150, 128], and the final multiply rounds subnormals correctly.
  // NaN input: p is already NaN; converting a NaN n to int would be undefined
  // behaviour (UBSan's float-cast-overflow), so scale by 2^0 instead.
  const int32_t ni = static_cast<int32_t>(n == n ? n : 0.0f);
  const int32_t n1 = ni / 2, n2 = ni - n1;
  const float s1 = std::bit_cast<float>((n1 + 127) << 23);
  const float s2 = std::bit_cast<float>((n2 + 127) << 23);
  return p * s1 * s2;
}

inline float fast_sigmoid(float x) {
  // exp(-x) -> inf for x << 0 gives exactly 0, never NaN.
  return 1.0f / (1.0f + fast_exp(-x));
}

inline float fast_tanh(float x) {
  const float ax = std::fabs(x);
  // Small |x|: odd polynomial (1 - 2/(e^2x + 1) would cancel badly near 0).
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = p * z * x + x;
  // Large |x|: 1 - 2/(e^(2|x|) + 1) with the sign put back; e^(2|x|) -> inf gives 1.
  const float big = 1.0f - 2.0f / (fast_exp(2.0f * ax) + 1.0f);
  const float signed_big = x < 0.0f ? -big : big;
  return ax < 0.625f ? small : signed_big;  // NaN: ax < 0.625 fails, big is NaN
}

inline double fast_exp(double x) { return std::exp(x); }
inline double fast_sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double fast_tanh(double x) { return std::tanh(x); }

}  // namespace wick::backend::cpu
