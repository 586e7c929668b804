#pragma once
// Branch-free float32 exp / tanh / sigmoid / expm1 / log1p and the smooth
// activations built on them (GELU, SiLU, ELU, Softplus, Mish: values and
// derivatives), all of which g++ auto-vectorizes (glibc's expf is a scalar
// call; its vector variants need -ffast-math) when a float comparison may
// not trap: without AVX-512's masks, GCC if-converts their clamps only under
// -fno-trapping-math, which CMakeLists.txt sets for the library. Accuracy is about 1-2 ulp
// (exp and tanh: Cephes polynomials; the rest: see each function), well
// inside the 1e-5 relative tolerance the library is held to against PyTorch.
// Float64 keeps the libm functions: it is the dtype of gradient checks, where
// accuracy matters more than speed.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

namespace wick::backend::cpu {

// Every float32 function here is forced inline: they call one another (exp
// sits under most), and once a caller stops being inlined into a kernel's
// loop, that loop runs one scalar call per element instead of vectorizing.
#define WICK_VEC_INLINE [[gnu::always_inline]] inline

// e^(x + lo), where lo is a correction far below x's ulp (the low half of a
// double-float argument, as in fast_normal_parts): it joins the reduced
// argument r, which is small enough to hold it.
WICK_VEC_INLINE float fast_exp_lo(float x, float lo) {
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
  r = r + lo;
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

WICK_VEC_INLINE float fast_exp(float x) { return fast_exp_lo(x, 0.0f); }  // r + 0 = r: bit-identical

WICK_VEC_INLINE float fast_sigmoid(float x) {
  // exp(-x) -> inf for x << 0 gives exactly 0, never NaN.
  return 1.0f / (1.0f + fast_exp(-x));
}

WICK_VEC_INLINE float fast_tanh(float x) {
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

// c0 + x (c1 + x (c2 + ...)): Horner's rule, the same operations as the
// hand-written p = p * x + c chains above.
WICK_VEC_INLINE float horner(float, float c0) { return c0; }
template <typename... C>
WICK_VEC_INLINE float horner(float x, float c0, C... rest) { return c0 + x * horner(x, rest...); }

// e^x - 1 without the cancellation of fast_exp(x) - 1 near 0: for |x| < 0.5
// the Taylor series to x^8 (the remainder is below x^9/9! / |x| = 1.1e-8
// relative), written x + x^2 q(x) so the leading term is exact; beyond that
// e^x - 1 loses nothing (|e^x - 1| >= 0.39).
WICK_VEC_INLINE float fast_expm1(float x) {
  const float q = horner(x, 0.5f, 1.0f / 6.0f, 1.0f / 24.0f, 1.0f / 120.0f, 1.0f / 720.0f, 1.0f / 5040.0f,
                         1.0f / 40320.0f);
  const float small = x + (x * x) * q;
  const float big = fast_exp(x) - 1.0f;
  return std::fabs(x) < 0.5f ? small : big;  // NaN and -inf (-1) take `big`
}

// log(1 + u) for u in [0, 1] only, which is all softplus needs (u = e^-|x|).
// With s = u / (2 + u) <= 1/3, log1p(u) = 2 atanh(s) = 2 (s + s^3/3 + s^5/5
// + ...): the odd series of atanh, summed to s^15 (what is left is below
// s^16 / 17 < 1.5e-9 relative). No 1 + u is ever rounded, so tiny u keeps
// its digits.
WICK_VEC_INLINE float fast_log1p_unit(float u) {
  const float s = u / (2.0f + u), z = s * s;
  const float p =
      horner(z, 1.0f / 3.0f, 1.0f / 5.0f, 1.0f / 7.0f, 1.0f / 9.0f, 1.0f / 11.0f, 1.0f / 13.0f, 1.0f / 15.0f);
  const float s2 = 2.0f * s;
  return s2 + s2 * (z * p);
}

// Phi(x), the standard normal CDF, and e^(-x^2/2), for exact GELU and its
// derivative. Phi(x) = erfc(-x / sqrt2) / 2, and the side of the mean that
// is small, q = Phi(-|x|), is computed directly (Phi = 1 - q for x > 0),
// never as 1 + erf(x / sqrt2), which cancels to nothing for x << 0:
//   t = |x| / sqrt2 < 0.5:  q = 1/2 - erf(t)/2, erf(t) = t P(t^2), P of
//     degree 4 fitted (least squares, reweighted toward minimax, on
//     Chebyshev nodes) to erf(t)/t: 1.4e-9 relative;
//   t >= 0.5:  q = e^(-t^2) R(t) / 2 with R(t) = erfc(t) e^(t^2) = u P(u),
//     u = 1 / (1 + t/2), P of degree 8 fitted the same way on t in [0.5, 10]
//     (the substitution of Numerical Recipes' erfcc): 1.8e-8 relative with
//     the coefficients rounded to float.
// The coefficients were fitted against mpmath's erf/erfc (40 digits).
// e^(-t^2) = e^(-x^2/2) takes x^2 as an exact double-float (fma, or Dekker's
// split without FMA hardware): rounding x^2 alone would cost |x^2/2| * 2^-24
// relative, 3e-6 at x = -10. Measured against libm's erfc in double over 2M
// x in [-13, 13]: Phi within 6 ulps, GELU within 6.6, its derivative 3.4.
// Two results of one computation (first, second), as the parts below return.
struct FloatPair {
  float first, second;
};

WICK_VEC_INLINE FloatPair fast_normal_parts(float x) {  // {Phi(x), e^(-x^2/2)}
  // Beyond +-20 Phi is 0 or 1 in float; clamping keeps x^2 finite for
  // +-inf (the callers' x * ... then gives PyTorch's inf or NaN). NaN stays.
  const float xc = x < -20.0f ? -20.0f : (x > 20.0f ? 20.0f : x);
  const float sq = xc * xc;
#if defined(__FMA__)
  const float sq_lo = std::fma(xc, xc, -sq);
#else
  // Without FMA hardware the compiler cannot contract these, so the split is exact.
  const float c = 4097.0f * xc, hi = c - (c - xc), lo = xc - hi;
  const float sq_lo = ((hi * hi - sq) + 2.0f * hi * lo) + lo * lo;
#endif
  const float e = fast_exp_lo(-0.5f * sq, -0.5f * sq_lo);
  const float t = std::fabs(xc) * 0.707106781186547524f;
  const float z = t * t;
  const float pe =
      horner(z, 1.128379107e+00f, -3.761260808e-01f, 1.128282249e-01f, -2.675718442e-02f, 4.717989359e-03f);
  const float q_small = 0.5f - 0.5f * (t * pe);
  const float u = 1.0f / (1.0f + 0.5f * t);
  const float pr = horner(u, 2.820758820e-01f, 2.825867236e-01f, 2.413609475e-01f, 2.103956938e-01f, -4.663947597e-02f,
                          3.092882633e-01f, -5.157236457e-01f, 2.984538078e-01f, -6.178860366e-02f);
  const float q_tail = 0.5f * e * (u * pr);
  const float q = t < 0.5f ? q_small : q_tail;  // NaN: q_tail, NaN
  return {xc < 0.0f ? q : 1.0f - q, e};
}

// sigmoid(x) and 1 - sigmoid(x), neither by cancellation: with w = e^-|x|
// <= 1 they are 1/(1+w) and w/(1+w), in the order x's sign says.
WICK_VEC_INLINE FloatPair fast_sigmoid_pair(float x) {  // {s, 1 - s}
  const float w = fast_exp(-std::fabs(x)), d = 1.0f / (1.0f + w), wd = w * d;
  return {x < 0.0f ? wd : d, x < 0.0f ? d : wd};
}

// Mish's t = tanh(softplus(x)) and k = sigmoid(x) (1 - t^2), from
// tanh(log(1 + e^x)) = ((1+e^x)^2 - 1) / ((1+e^x)^2 + 1) written in
// w = e^-|x| <= 1 so that nothing overflows or cancels:
//   x >= 0: t = (1 + 2w) / (1 + 2w + 2w^2),  k = 4 w^2 (1 + w) / den^2
//   x < 0:  t = n / (n + 2), n = w (w + 2),  k = 4 w (1 + w) / den^2
// (1 - t^2 = 1 / cosh^2(softplus), never 1 - t^2 computed, which loses every
// digit once t rounds to 1.)
WICK_VEC_INLINE FloatPair fast_mish_parts(float x) {  // {t, k}
  const float w = fast_exp(-std::fabs(x));
  const bool neg = x < 0.0f;
  const float n = w * (w + 2.0f), p = 1.0f + 2.0f * w;
  const float num = neg ? n : p, den = neg ? n + 2.0f : p + 2.0f * w * w;
  return {num / den, 4.0f * w * (1.0f + w) * (neg ? 1.0f : w) / (den * den)};
}

inline double fast_exp(double x) { return std::exp(x); }
inline double fast_sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double fast_tanh(double x) { return std::tanh(x); }

// ---- the smooth activations and their derivatives (UnaryOp::GeluErf ...,
// BinaryOp::GeluErfBackward ...). PyTorch's branch conditions compare in the
// tensor's dtype (beta * x and threshold in float for a float tensor), and
// every formula avoids inf/inf and inf * 0 for huge finite x. Float64 runs
// the libm formulas the host loops used to (nn/activation_smooth.cpp has the
// reasons); float32 the fast parts above, with the same results at +-inf and
// NaN. ----

// log(1 + e^v) = max(v, 0) + log1p(e^-|v|): e^-|v| <= 1 never overflows
// (and fast_sigmoid's 1 / (1 + e^-v) gives 0, not inf/inf, for v << 0).
inline double stable_softplus(double v) { return std::max(v, 0.0) + std::log1p(std::exp(-std::abs(v))); }

// Phi(x) = erfc(-x / sqrt2) / 2, not (1 + erf(x / sqrt2)) / 2 (PyTorch's
// form), which cancels to nothing in double too once x < -8 (1 + erf = 0 at
// x = -9, where Phi is 1e-19); both agree to 1e-16 absolutely elsewhere.
inline double normal_cdf(double x) { return 0.5 * std::erfc(-x * 0.70710678118654752440); }
inline double gelu_erf(double x) { return x * normal_cdf(x); }
inline double gelu_erf_grad(double x) {
  return normal_cdf(x) + x * 0.39894228040143267794 * std::exp(-0.5 * x * x);
}
WICK_VEC_INLINE float gelu_erf(float x) { return x * fast_normal_parts(x).first; }
WICK_VEC_INLINE float gelu_erf_grad(float x) {
  const auto [cdf, e] = fast_normal_parts(x);
  return cdf + x * (e * 0.398942280401432678f);
}

inline double silu(double x) { return x * fast_sigmoid(x); }
inline double silu_grad(double x) {
  const double s = fast_sigmoid(x);
  return s * (1.0 + x * (1.0 - s));
}
WICK_VEC_INLINE float silu(float x) { return x * fast_sigmoid_pair(x).first; }
WICK_VEC_INLINE float silu_grad(float x) {
  const auto [s, one_minus_s] = fast_sigmoid_pair(x);
  return s * (1.0f + x * one_minus_s);
}

// x <= 0 as PyTorch (a NaN input takes the x branch: value NaN, slope 1).
inline double fast_expm1(double x) { return std::expm1(x); }
template <typename T>
WICK_VEC_INLINE T elu(T x, T alpha) { return x <= T(0) ? alpha * fast_expm1(x) : x; }
template <typename T>
WICK_VEC_INLINE T elu_grad(T x, T alpha) { return x <= T(0) ? alpha * fast_exp(x) : T(1); }

inline double softplus_unscaled(double bx) { return stable_softplus(bx); }
WICK_VEC_INLINE float softplus_unscaled(float bx) {
  return (bx > 0.0f ? bx : 0.0f) + fast_log1p_unit(fast_exp(-std::fabs(bx)));
}
// x where beta x > threshold, else log(1 + e^(beta x)) / beta.
template <typename T>
WICK_VEC_INLINE T softplus(T x, T beta, T threshold) {
  const T bx = x * beta;
  return bx > threshold ? x : softplus_unscaled(bx) / beta;
}
template <typename T>
WICK_VEC_INLINE T softplus_grad(T x, T beta, T threshold) {
  const T bx = x * beta;
  return bx > threshold ? T(1) : fast_sigmoid(bx);
}

inline double mish(double x) { return x * std::tanh(stable_softplus(x)); }
inline double mish_grad(double x) {
  const double sp = stable_softplus(x), c = std::cosh(sp);
  return std::tanh(sp) + x * fast_sigmoid(x) / (c * c);
}
WICK_VEC_INLINE float mish(float x) { return x * fast_mish_parts(x).first; }
WICK_VEC_INLINE float mish_grad(float x) {
  const auto [t, k] = fast_mish_parts(x);
  return t + x * k;
}

#undef WICK_VEC_INLINE

}  // namespace wick::backend::cpu
