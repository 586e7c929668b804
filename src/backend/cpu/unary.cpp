// Unary elementwise kernels: out = f(in), out dtype = in dtype except for
// LogicalNot / IsFinite (bool out).
#include <cmath>
#include <limits>

#include "backend/cpu/fast_math.h"
#include "backend/cpu/kernels.h"
#include "backend/cpu/loops.h"
#include "backend/scalar_cast.h"

namespace wick::backend::cpu {
namespace {

// The row loop: contiguous, broadcast-input and strided variants, so that the
// contiguous one is a plain indexed loop the compiler vectorizes. Flattened:
// f and everything it calls is inlined into the loops (the inliner would
// otherwise leave a big f, such as GELU's, out of line in one of the three
// loops or all, and the loop would make one scalar call per element).
template <typename O, typename I, typename F>
void run_unary(const Layout<2>& L, int64_t grain, F f) {
  const int64_t so = L.inner_stride(0), si = L.inner_stride(1);
  run(L, grain, [&](char* const* p, int64_t n) __attribute__((flatten)) {
    O* o = reinterpret_cast<O*>(p[0]);
    const I* x = reinterpret_cast<const I*>(p[1]);
    if (so == 1 && si == 1) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i]);
    } else if (si == 0) {
      const O v = f(*x);
      for (int64_t i = 0; i < n; ++i) o[i * so] = v;
    } else {
      for (int64_t i = 0; i < n; ++i) o[i * so] = f(x[i * si]);
    }
  });
}

template <typename T>
T int_pow(T base, int64_t exp) {
  T result = 1;
  while (exp > 0) {
    if (exp & 1) result = static_cast<T>(result * base);
    base = static_cast<T>(base * base);
    exp >>= 1;
  }
  return result;
}

// erfinv in double (float32 rounds this): Winitzki's closed form (about
// 2e-3 relative) refined by Halley steps on f(y) = erf(y) - x, cubically
// convergent, so three steps reach double precision. Near |x| = 1 the
// residual is taken as erfc(y) - (1 - x) instead, where 1 - x is exact and
// erf(y) - x would cancel.
double erfinv_double(double x) {
  if (!(std::fabs(x) < 1)) {
    if (std::fabs(x) == 1) return std::copysign(std::numeric_limits<double>::infinity(), x);
    return std::numeric_limits<double>::quiet_NaN();  // |x| > 1 or NaN
  }
  if (x == 0) return x;  // keeps -0
  const double ax = std::fabs(x), kA = 0.147, kTwoOverPiA = 2 / (M_PI * kA);
  const double l = std::log1p(-ax * ax);  // log(1 - x^2)
  const double t = kTwoOverPiA + l / 2;
  double y = std::sqrt(std::sqrt(t * t - l / kA) - t);
  for (int i = 0; i < 3; ++i) {
    const double f = ax < 0.5 ? std::erf(y) - ax : (1 - ax) - std::erfc(y);
    const double r = f / (M_2_SQRTPI * std::exp(-y * y));  // f / f'
    y -= r / (1 + y * r);  // Halley: f'' / f' = -2y
  }
  return std::copysign(y, x);
}

// Arithmetic on bool tensors runs in int64 and converts back (!= 0), which is
// what PyTorch's bool semantics amount to for the ops that accept bool.
template <typename T>
using Compute = std::conditional_t<std::is_same_v<T, bool>, int64_t, T>;

template <typename T>
void unary_typed(UnaryOp op, const Layout<2>& L, double alpha, double beta) {
  using C = Compute<T>;
  auto go = [&](int64_t grain, auto f) {
    run_unary<T, T>(L, grain, [f](T x) { return convert<T>(f(static_cast<C>(x))); });
  };
  // Float-only ops (core never sends ints); ints go through double so the
  // template still instantiates.
  auto go_float = [&](auto f) {
    go(kGrainExpensive, [f](C x) {
      if constexpr (kIsFloat<C>) return f(x);
      else return static_cast<C>(f(static_cast<double>(x)));
    });
  };
  const C a = scalar_wrap<C>(alpha), b = scalar_wrap<C>(beta);
  switch (op) {
    case UnaryOp::Neg: go(kGrainCheap, [](C x) { return static_cast<C>(-x); }); break;
    case UnaryOp::Abs:
      if constexpr (kIsFloat<C>) go(kGrainCheap, [](C x) { return std::fabs(x); });  // -0.0 -> 0.0
      else if constexpr (std::is_unsigned_v<C>) go(kGrainCheap, [](C x) { return x; });
      else go(kGrainCheap, [](C x) { return x < 0 ? static_cast<C>(-x) : x; });
      break;
    case UnaryOp::Sign: go(kGrainCheap, [](C x) { return static_cast<C>((C(0) < x) - (x < C(0))); }); break;
    case UnaryOp::Relu: go(kGrainCheap, [](C x) { return x < C(0) ? C(0) : x; }); break;  // NaN stays
    case UnaryOp::Square: go(kGrainCheap, [](C x) { return static_cast<C>(x * x); }); break;
    case UnaryOp::AddScalar: go(kGrainCheap, [a](C x) { return static_cast<C>(x + a); }); break;
    case UnaryOp::MulScalar: go(kGrainCheap, [a](C x) { return static_cast<C>(x * a); }); break;
    case UnaryOp::RSubScalar: go(kGrainCheap, [a](C x) { return static_cast<C>(a - x); }); break;
    case UnaryOp::Affine: go(kGrainCheap, [a, b](C x) { return static_cast<C>(x * a + b); }); break;
    case UnaryOp::Clamp: {
      const bool has_lo = !std::isnan(alpha), has_hi = !std::isnan(beta);
      const C lo = has_lo ? scalar_saturate<C>(alpha) : C(0), hi = has_hi ? scalar_saturate<C>(beta) : C(0);
      // Comparisons with a NaN input fail, so NaN passes through unchanged.
      if (has_lo && has_hi) go(kGrainCheap, [lo, hi](C x) { return x < lo ? lo : (x > hi ? hi : x); });
      else if (has_lo) go(kGrainCheap, [lo](C x) { return x < lo ? lo : x; });
      else if (has_hi) go(kGrainCheap, [hi](C x) { return x > hi ? hi : x; });
      else go(kGrainCheap, [](C x) { return x; });
      break;
    }
    case UnaryOp::PowScalar:
      if constexpr (kIsFloat<C>) {
        if (alpha == 2) go(kGrainCheap, [](C x) { return x * x; });
        else if (alpha == 1) go(kGrainCheap, [](C x) { return x; });
        else if (alpha == 0.5) go(kGrainExpensive, [](C x) { return std::sqrt(x); });
        else if (alpha == -1) go(kGrainCheap, [](C x) { return C(1) / x; });
        else go(kGrainExpensive, [a](C x) { return std::pow(x, a); });
      } else {
        const int64_t e = static_cast<int64_t>(alpha);
        go(kGrainCheap, [e](C x) { return int_pow<C>(x, e); });
      }
      break;
    case UnaryOp::RPowScalar: go_float([alpha](auto x) { return static_cast<decltype(x)>(std::pow(alpha, x)); }); break;
    case UnaryOp::RDivScalar: go_float([alpha](auto x) { return static_cast<decltype(x)>(alpha / x); }); break;
    case UnaryOp::Reciprocal: go_float([](auto x) { return static_cast<decltype(x)>(1) / x; }); break;
    case UnaryOp::Exp: go_float([](auto x) { return fast_exp(x); }); break;
    case UnaryOp::Log: go_float([](auto x) { return std::log(x); }); break;
    case UnaryOp::Log1p: go_float([](auto x) { return std::log1p(x); }); break;
    case UnaryOp::Sqrt: go_float([](auto x) { return std::sqrt(x); }); break;
    case UnaryOp::Sigmoid: go_float([](auto x) { return fast_sigmoid(x); }); break;
    case UnaryOp::Tanh: go_float([](auto x) { return fast_tanh(x); }); break;
    // The smooth activations (fast_math.h). Their scalars are cast to the
    // compute type, as PyTorch compares beta * x with threshold in x's dtype.
    case UnaryOp::GeluErf: go_float([](auto x) { return gelu_erf(x); }); break;
    case UnaryOp::Silu: go_float([](auto x) { return silu(x); }); break;
    case UnaryOp::Mish: go_float([](auto x) { return mish(x); }); break;
    case UnaryOp::Elu:
      go_float([alpha](auto x) { return elu(x, static_cast<decltype(x)>(alpha)); });
      break;
    case UnaryOp::EluDerivative:
      go_float([alpha](auto x) { return elu_grad(x, static_cast<decltype(x)>(alpha)); });
      break;
    case UnaryOp::Softplus:
      go_float([alpha, beta](auto x) {
        using F = decltype(x);
        return softplus(x, static_cast<F>(alpha), static_cast<F>(beta));
      });
      break;
    case UnaryOp::SoftplusDerivative:
      go_float([alpha, beta](auto x) {
        using F = decltype(x);
        return softplus_grad(x, static_cast<F>(alpha), static_cast<F>(beta));
      });
      break;
    // Math functions (autograd/math.cpp). Float32: expm1 is fast_math.h's
    // vectorized form; floor/ceil/trunc/nearbyint/sqrt compile to vector
    // instructions; the transcendental rest are glibc's float functions
    // (sinf, erff, ...: scalar calls, correctly rounded or within 1-2 ulp).
    // Float64: libm throughout.
    case UnaryOp::Sin: go_float([](auto x) { return std::sin(x); }); break;
    case UnaryOp::Cos: go_float([](auto x) { return std::cos(x); }); break;
    case UnaryOp::Tan: go_float([](auto x) { return std::tan(x); }); break;
    case UnaryOp::Atan: go_float([](auto x) { return std::atan(x); }); break;
    case UnaryOp::Sinh: go_float([](auto x) { return std::sinh(x); }); break;
    case UnaryOp::Cosh: go_float([](auto x) { return std::cosh(x); }); break;
    // fast_expm1's x + x^2 q turns -0 into +0 (ELU relies on that); expm1(-0) is -0.
    case UnaryOp::Expm1: go_float([](auto x) { return x == 0 ? x : fast_expm1(x); }); break;
    case UnaryOp::Exp2: go_float([](auto x) { return std::exp2(x); }); break;
    case UnaryOp::Log2: go_float([](auto x) { return std::log2(x); }); break;
    case UnaryOp::Log10: go_float([](auto x) { return std::log10(x); }); break;
    // 1 / sqrt, two roundings (<= 1.5 ulp); -0 gives -inf as PyTorch's.
    case UnaryOp::Rsqrt: go_float([](auto x) { return static_cast<decltype(x)>(1) / std::sqrt(x); }); break;
    case UnaryOp::Erf: go_float([](auto x) { return std::erf(x); }); break;
    case UnaryOp::Erfc: go_float([](auto x) { return std::erfc(x); }); break;
    case UnaryOp::Erfinv:
      go_float([](auto x) { return static_cast<decltype(x)>(erfinv_double(static_cast<double>(x))); });
      break;
    case UnaryOp::Floor: go_float([](auto x) { return std::floor(x); }); break;
    case UnaryOp::Ceil: go_float([](auto x) { return std::ceil(x); }); break;
    case UnaryOp::Trunc: go_float([](auto x) { return std::trunc(x); }); break;
    case UnaryOp::Frac: go_float([](auto x) { return x - std::trunc(x); }); break;
    case UnaryOp::Round:
      if (alpha == 0) {
        go_float([](auto x) { return std::nearbyint(x); });  // half to even (default rounding mode)
      } else {
        // torch.round(x, decimals): the same operations as PyTorch's kernel,
        // with 10^|decimals| in the tensor's dtype.
        const bool neg = alpha < 0;
        const double scale = std::pow(10.0, std::fabs(alpha));
        go_float([neg, scale](auto x) {
          const auto s = static_cast<decltype(x)>(scale);
          return neg ? std::nearbyint(x / s) * s : std::nearbyint(x * s) / s;
        });
      }
      break;
    case UnaryOp::LogicalNot:
    case UnaryOp::IsFinite: break;  // bool out: handled by the caller
  }
}

}  // namespace

void unary(UnaryOp op, const View& out, const View& in, double alpha, double beta) {
  const View* views[2] = {&out, &in};
  const Layout<2> L = Layout<2>::from_views(views);
  if (L.numel == 0) return;
  if (op == UnaryOp::LogicalNot || op == UnaryOp::IsFinite) {
    dispatch(in.dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      if (op == UnaryOp::LogicalNot) {
        run_unary<bool, T>(L, kGrainCheap, [](T x) { return x == T(0); });
      } else if constexpr (kIsFloat<T>) {
        run_unary<bool, T>(L, kGrainCheap, [](T x) { return std::isfinite(x); });
      } else {
        run_unary<bool, T>(L, kGrainCheap, [](T) { return true; });
      }
    });
    return;
  }
  dispatch(in.dtype, [&](auto tag) { unary_typed<typename decltype(tag)::type>(op, L, alpha, beta); });
}

}  // namespace wick::backend::cpu
