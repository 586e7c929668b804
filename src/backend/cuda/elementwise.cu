// fill, copy, unary, binary, where and random on CUDA. One grid-stride kernel
// per (op family, dtype); the op is a runtime switch inside (uniform across
// the grid, so it costs a branch, not a divergence) to keep nvcc's template
// count and compile time small.
#define WICK_HOST_DEVICE __host__ __device__
#include <cmath>

#include "backend/cuda/device_math.cuh"
#include "backend/cuda/geometry.cuh"
#include "backend/philox.h"
#include "backend/scalar_cast.h"

namespace wick::backend::cuda {
namespace {

// ---------------- fill / copy ----------------

template <typename T>
__global__ void fill_kernel(Geometry<1> g, T* out, T v) {
  GRID_STRIDE(i, g.numel) {
    int64_t off[1];
    g.offsets(i, off);
    out[off[0]] = v;
  }
}

template <typename O, typename I>
__global__ void copy_kernel(Geometry<2> g, O* out, const I* in) {
  const bool flat = g.flat();
  GRID_STRIDE(i, g.numel) {
    if (flat) {
      out[i] = convert<O>(in[i]);
    } else {
      int64_t off[2];
      g.offsets(i, off);
      out[off[0]] = convert<O>(in[off[1]]);
    }
  }
}

// ---------------- unary ----------------

template <typename C>
struct UnaryArgs {
  C a, b;             // alpha, beta in the compute type (backend/scalar_cast.h)
  double alpha;       // the raw scalar, for RPow / RDiv (computed in double, as the CPU)
  bool has_lo, has_hi;
  int64_t int_exp;    // PowScalar on integers
  double beta;        // the raw second scalar (the activations on integers, through double)
};

// ---- the smooth activations and their derivatives (F = float or double),
// with the CPU kernels' branch rules and overflow-free forms
// (backend/cpu/fast_math.h): w = e^-|x| <= 1 never overflows, and Phi(x) is
// erfc of the small side, never 1 + erf(x / sqrt2), which cancels for x << 0.
// CUDA's own expf/erfcf/log1pf are already fast, so no polynomials here. ----

template <typename F>
__device__ __forceinline__ F normal_cdf(F x) { return F(0.5) * erfc(-x * F(0.70710678118654752440)); }
template <typename F>
__device__ __forceinline__ F gelu_erf(F x) { return x * normal_cdf(x); }
template <typename F>
__device__ __forceinline__ F gelu_erf_grad(F x) {
  return normal_cdf(x) + x * F(0.39894228040143267794) * exp(F(-0.5) * x * x);
}

template <typename F>
struct Two {
  F first, second;
};

// {sigmoid(x), 1 - sigmoid(x)}, neither by cancellation.
template <typename F>
__device__ __forceinline__ Two<F> sigmoid_pair(F x) {
  const F w = exp(-fabs(x)), d = F(1) / (F(1) + w);
  return {x < F(0) ? w * d : d, x < F(0) ? d : w * d};
}
template <typename F>
__device__ __forceinline__ F silu(F x) { return x * sigmoid_pair(x).first; }
template <typename F>
__device__ __forceinline__ F silu_grad(F x) {
  const Two<F> s = sigmoid_pair(x);
  return s.first * (F(1) + x * s.second);
}

// x <= 0 as PyTorch (NaN takes the x branch).
template <typename F>
__device__ __forceinline__ F elu(F x, F alpha) { return x <= F(0) ? alpha * expm1(x) : x; }
template <typename F>
__device__ __forceinline__ F elu_grad(F x, F alpha) { return x <= F(0) ? alpha * exp(x) : F(1); }

template <typename F>
__device__ __forceinline__ F softplus(F x, F beta, F threshold) {
  const F bx = x * beta;
  return bx > threshold ? x : (fmax(bx, F(0)) + log1p(exp(-fabs(bx)))) / beta;
}
template <typename F>
__device__ __forceinline__ F softplus_grad(F x, F beta, F threshold) {
  const F bx = x * beta;
  return bx > threshold ? F(1) : F(1) / (F(1) + exp(-bx));
}

// {t, k}: t = tanh(softplus(x)) and k = sigmoid(x) / cosh^2(softplus(x)) in w = e^-|x|.
template <typename F>
__device__ __forceinline__ Two<F> mish_parts(F x) {
  const F w = exp(-fabs(x));
  const bool neg = x < F(0);
  const F n = w * (w + F(2)), p = F(1) + F(2) * w;
  const F num = neg ? n : p, den = neg ? n + F(2) : p + F(2) * w * w;
  return {num / den, F(4) * w * (F(1) + w) * (neg ? F(1) : w) / (den * den)};
}
template <typename F>
__device__ __forceinline__ F mish(F x) { return x * mish_parts(x).first; }
template <typename F>
__device__ __forceinline__ F mish_grad(F x) {
  const Two<F> m = mish_parts(x);
  return m.first + x * m.second;
}

// The activation ops of UnaryOp, in F with scalars alpha, beta.
template <typename F>
__device__ __forceinline__ F apply_activation(UnaryOp op, F x, F alpha, F beta) {
  switch (op) {
    case UnaryOp::GeluErf: return gelu_erf(x);
    case UnaryOp::Silu: return silu(x);
    case UnaryOp::Mish: return mish(x);
    case UnaryOp::Elu: return elu(x, alpha);
    case UnaryOp::EluDerivative: return elu_grad(x, alpha);
    case UnaryOp::Softplus: return softplus(x, alpha, beta);
    case UnaryOp::SoftplusDerivative: return softplus_grad(x, alpha, beta);
    default: return x;
  }
}

// The math functions of UnaryOp (Sin ... Frac), in F (float or double;
// integers come through double, as on the CPU). CUDA's own functions: sinf,
// erfinvf, rsqrtf ... are within 1-2 ulp of the CPU's libm results.
template <typename F>
__device__ __forceinline__ F apply_math(UnaryOp op, F x, double alpha) {
  constexpr bool f32 = std::is_same_v<F, float>;
  switch (op) {
    case UnaryOp::Sin: return sin(x);
    case UnaryOp::Cos: return cos(x);
    case UnaryOp::Tan: return tan(x);
    case UnaryOp::Atan: return atan(x);
    case UnaryOp::Sinh: return sinh(x);
    case UnaryOp::Cosh: return cosh(x);
    case UnaryOp::Expm1: return expm1(x);
    case UnaryOp::Exp2: return exp2(x);
    case UnaryOp::Log2: return log2(x);
    case UnaryOp::Log10: return log10(x);
    case UnaryOp::Rsqrt: return F(1) / sqrt(x);  // as the CPU: -0 gives -inf
    case UnaryOp::Erf: return erf(x);
    case UnaryOp::Erfc: return erfc(x);
    case UnaryOp::Erfinv:
      if constexpr (f32) return erfinvf(x);
      else return erfinv(x);
    case UnaryOp::Floor: return floor(x);
    case UnaryOp::Ceil: return ceil(x);
    case UnaryOp::Trunc: return trunc(x);
    case UnaryOp::Frac: return x - trunc(x);
    case UnaryOp::Round: {
      if (alpha == 0) return nearbyint(x);  // half to even
      const F s = static_cast<F>(pow(10.0, fabs(alpha)));
      return alpha < 0 ? nearbyint(x / s) * s : nearbyint(x * s) / s;
    }
    default: return x;
  }
}

template <typename C>
__device__ __forceinline__ C int_pow(C base, int64_t exp) {
  C result = 1;
  while (exp > 0) {
    if (exp & 1) result = static_cast<C>(result * base);
    base = static_cast<C>(base * base);
    exp >>= 1;
  }
  return result;
}

template <typename C>
__device__ __forceinline__ C apply_unary(UnaryOp op, C x, const UnaryArgs<C>& p) {
  if constexpr (kIsFloat<C>) {
    switch (op) {
      case UnaryOp::Neg: return -x;
      case UnaryOp::Abs: return fabs(x);
      case UnaryOp::Sign: return static_cast<C>((C(0) < x) - (x < C(0)));
      case UnaryOp::Relu: return x < C(0) ? C(0) : x;
      case UnaryOp::Square: return x * x;
      case UnaryOp::AddScalar: return x + p.a;
      case UnaryOp::MulScalar: return x * p.a;
      case UnaryOp::RSubScalar: return p.a - x;
      case UnaryOp::Affine: return x * p.a + p.b;
      case UnaryOp::Clamp:
        if (p.has_lo && x < p.a) return p.a;
        if (p.has_hi && x > p.b) return p.b;
        return x;
      case UnaryOp::PowScalar:
        if (p.alpha == 2) return x * x;
        if (p.alpha == 1) return x;
        if (p.alpha == 0.5) return sqrt(x);
        if (p.alpha == -1) return C(1) / x;
        return pow(x, p.a);
      case UnaryOp::RPowScalar: return static_cast<C>(pow(p.alpha, static_cast<double>(x)));
      case UnaryOp::RDivScalar: return static_cast<C>(p.alpha / static_cast<double>(x));
      case UnaryOp::Reciprocal: return C(1) / x;
      case UnaryOp::Exp: return exp(x);
      case UnaryOp::Log: return log(x);
      case UnaryOp::Log1p: return log1p(x);
      case UnaryOp::Sqrt: return sqrt(x);
      case UnaryOp::Sigmoid: return C(1) / (C(1) + exp(-x));
      case UnaryOp::Tanh: return tanh(x);
      case UnaryOp::GeluErf: case UnaryOp::Silu: case UnaryOp::Mish: case UnaryOp::Elu:
      case UnaryOp::EluDerivative: case UnaryOp::Softplus: case UnaryOp::SoftplusDerivative:
        return apply_activation<C>(op, x, p.a, p.b);
      default: return apply_math<C>(op, x, p.alpha);
    }
  } else {
    switch (op) {
      case UnaryOp::Neg: return static_cast<C>(-x);
      case UnaryOp::Abs:
        if constexpr (std::is_unsigned_v<C>) return x;
        else return x < 0 ? static_cast<C>(-x) : x;
      case UnaryOp::Sign: return static_cast<C>((C(0) < x) - (x < C(0)));
      case UnaryOp::Relu: return x < C(0) ? C(0) : x;
      case UnaryOp::Square: return static_cast<C>(x * x);
      case UnaryOp::AddScalar: return static_cast<C>(x + p.a);
      case UnaryOp::MulScalar: return static_cast<C>(x * p.a);
      case UnaryOp::RSubScalar: return static_cast<C>(p.a - x);
      case UnaryOp::Affine: return static_cast<C>(x * p.a + p.b);
      case UnaryOp::Clamp:
        if (p.has_lo && x < p.a) return p.a;
        if (p.has_hi && x > p.b) return p.b;
        return x;
      case UnaryOp::PowScalar: return int_pow<C>(x, p.int_exp);
      default: {
        // Float-only ops (core never sends integers): through double, as the CPU.
        const double d = static_cast<double>(x);
        double r = d;
        switch (op) {
          case UnaryOp::RPowScalar: r = pow(p.alpha, d); break;
          case UnaryOp::RDivScalar: r = p.alpha / d; break;
          case UnaryOp::Reciprocal: r = 1.0 / d; break;
          case UnaryOp::Exp: r = exp(d); break;
          case UnaryOp::Log: r = log(d); break;
          case UnaryOp::Log1p: r = log1p(d); break;
          case UnaryOp::Sqrt: r = sqrt(d); break;
          case UnaryOp::Sigmoid: r = 1.0 / (1.0 + exp(-d)); break;
          case UnaryOp::Tanh: r = tanh(d); break;
          case UnaryOp::GeluErf: case UnaryOp::Silu: case UnaryOp::Mish: case UnaryOp::Elu:
          case UnaryOp::EluDerivative: case UnaryOp::Softplus: case UnaryOp::SoftplusDerivative:
            r = apply_activation<double>(op, d, p.alpha, p.beta);
            break;
          default: r = apply_math<double>(op, d, p.alpha); break;
        }
        return static_cast<C>(r);
      }
    }
  }
}

template <typename T>
__global__ void unary_kernel(Geometry<2> g, UnaryOp op, T* out, const T* in, UnaryArgs<Compute<T>> p) {
  const bool flat = g.flat();
  GRID_STRIDE(i, g.numel) {
    int64_t off[2] = {i, i};
    if (!flat) g.offsets(i, off);
    out[off[0]] = convert<T>(apply_unary<Compute<T>>(op, static_cast<Compute<T>>(in[off[1]]), p));
  }
}

template <typename T>
__global__ void unary_bool_kernel(Geometry<2> g, bool logical_not, bool* out, const T* in) {
  GRID_STRIDE(i, g.numel) {
    int64_t off[2];
    g.offsets(i, off);
    const T x = in[off[1]];
    bool r;
    if (logical_not) r = x == T(0);
    else if constexpr (kIsFloat<T>) r = isfinite(x);
    else r = true;
    out[off[0]] = r;
  }
}

// ---------------- binary / where ----------------

template <typename C>
__device__ __forceinline__ C apply_binary(BinaryOp op, C a, C b) {
  switch (op) {
    case BinaryOp::Add: return static_cast<C>(a + b);
    case BinaryOp::Sub: return static_cast<C>(a - b);
    case BinaryOp::Mul: return static_cast<C>(a * b);
    case BinaryOp::Div:
      if constexpr (kIsFloat<C>) return a / b;
      else return b == 0 ? C(0) : static_cast<C>(a / b);
    case BinaryOp::Pow:
      if constexpr (kIsFloat<C>) {
        return pow(a, b);
      } else {
        C result = 1, base = a, e = b;
        while (e > 0) {
          if (e & 1) result = static_cast<C>(result * base);
          base = static_cast<C>(base * base);
          e = static_cast<C>(e >> 1);
        }
        return result;
      }
    case BinaryOp::Maximum: return (a > b || a != a) ? a : b;
    case BinaryOp::Minimum: return (a < b || a != a) ? a : b;
    case BinaryOp::ReluBackward: return b > C(0) ? a : C(0);
    case BinaryOp::SigmoidBackward: return static_cast<C>(a * b * (C(1) - b));
    case BinaryOp::TanhBackward: return static_cast<C>(a * (C(1) - b * b));
    case BinaryOp::GeluErfBackward:
    case BinaryOp::SiluBackward:
    case BinaryOp::MishBackward: {
      // a * df(b); integers (never sent by core) through double, as the CPU.
      using F = std::conditional_t<kIsFloat<C>, C, double>;
      const F x = static_cast<F>(b);
      const F d = op == BinaryOp::GeluErfBackward ? gelu_erf_grad(x) : op == BinaryOp::SiluBackward ? silu_grad(x)
                                                                                                     : mish_grad(x);
      return static_cast<C>(static_cast<F>(a) * d);
    }
    case BinaryOp::Atan2:  // float only (core promotes); ints through double
      if constexpr (kIsFloat<C>) return atan2(a, b);
      else return static_cast<C>(atan2(static_cast<double>(a), static_cast<double>(b)));
    case BinaryOp::Fmod:
    case BinaryOp::Remainder: {
      // As the CPU (binary.cpp): Remainder takes b's sign; an integer zero
      // divisor (refused by core) gives 0, and b == -1 avoids MIN % -1.
      C m;
      if constexpr (kIsFloat<C>) {
        m = fmod(a, b);
      } else {
        if (b == 0) return C(0);
        if constexpr (std::is_signed_v<C>) {
          if (b == -1) return C(0);
        }
        m = static_cast<C>(a % b);
      }
      if constexpr (std::is_signed_v<C>) {
        if (op == BinaryOp::Remainder && m != 0 && ((b < 0) != (m < 0))) m = static_cast<C>(m + b);
      }
      return m;
    }
    default: return a;
  }
}

template <typename T>
__device__ __forceinline__ bool apply_predicate(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::Eq: return a == b;
    case BinaryOp::Ne: return a != b;
    case BinaryOp::Lt: return a < b;
    case BinaryOp::Le: return a <= b;
    case BinaryOp::Gt: return a > b;
    case BinaryOp::Ge: return a >= b;
    case BinaryOp::LogicalAnd: return (a != T(0)) && (b != T(0));
    case BinaryOp::LogicalOr: return (a != T(0)) || (b != T(0));
    case BinaryOp::LogicalXor: return (a != T(0)) != (b != T(0));
    default: return false;
  }
}

template <typename T>
__global__ void binary_kernel(Geometry<3> g, BinaryOp op, T* out, const T* a, const T* b) {
  using C = Compute<T>;
  const bool flat = g.flat();
  GRID_STRIDE(i, g.numel) {
    int64_t off[3] = {i, i, i};
    if (!flat) g.offsets(i, off);
    out[off[0]] = convert<T>(apply_binary<C>(op, static_cast<C>(a[off[1]]), static_cast<C>(b[off[2]])));
  }
}

template <typename T>
__global__ void predicate_kernel(Geometry<3> g, BinaryOp op, bool* out, const T* a, const T* b) {
  GRID_STRIDE(i, g.numel) {
    int64_t off[3];
    g.offsets(i, off);
    out[off[0]] = apply_predicate<T>(op, a[off[1]], b[off[2]]);
  }
}

template <typename T>
__global__ void where_kernel(Geometry<4> g, T* out, const bool* cond, const T* a, const T* b) {
  GRID_STRIDE(i, g.numel) {
    int64_t off[4];
    g.offsets(i, off);
    out[off[0]] = cond[off[1]] ? a[off[2]] : b[off[3]];
  }
}

// ---------------- random (the CPU's Philox stream, element for element) ----------------

__device__ __forceinline__ double unit_double(uint32_t hi, uint32_t lo) {
  const uint64_t bits = (static_cast<uint64_t>(hi) << 32 | lo) >> 11;
  return static_cast<double>(bits) * 0x1.0p-53;
}

template <typename T>
__device__ __forceinline__ T uniform_value(double a, double b, double u) {
  const double v = a + (b - a) * u;
  if constexpr (kIsFloat<T>) {
    const T r = static_cast<T>(v), tb = static_cast<T>(b);
    if (r >= tb && b > a) {
      if constexpr (std::is_same_v<T, float>) return nextafterf(tb, -INFINITY);
      else return nextafter(tb, -INFINITY);
    }
    return r;
  } else {
    return convert<T>(v);
  }
}

template <typename T>
__global__ void random_kernel(int64_t n, RandomOp op, T* out, double a, double b, uint64_t seed, uint64_t offset) {
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  GRID_STRIDE(i, n) {
    uint32_t r[4];
    philox4x32(seed, offset + static_cast<uint64_t>(i), r);
    switch (op) {
      case RandomOp::Uniform: out[i] = uniform_value<T>(a, b, unit_double(r[0], r[1])); break;
      case RandomOp::Normal: {
        const double u1 = unit_double(r[0], r[1]), u2 = unit_double(r[2], r[3]);
        const double z = sqrt(-2.0 * log(1.0 - u1)) * cos(kTwoPi * u2);
        out[i] = convert<T>(a + b * z);
        break;
      }
      case RandomOp::RandInt: {
        const int64_t lo = static_cast<int64_t>(a);
        const uint64_t range = static_cast<uint64_t>(static_cast<int64_t>(b) - lo);
        const uint64_t bits = static_cast<uint64_t>(r[0]) << 32 | r[1];
        out[i] = convert<T>(range == 0 ? lo : lo + static_cast<int64_t>(bits % range));
        break;
      }
      case RandomOp::Bernoulli: out[i] = unit_double(r[0], r[1]) < a ? T(1) : T(0); break;
    }
  }
}

}  // namespace

void check_launch(const char* what) {
  const cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess)
    throw Error(std::string("cuda: launching the ") + what + " kernel failed: " + cudaGetErrorString(e) +
                " (is this GPU older than sm_80, or the driver older than CUDA 13?)");
}

void fill(const Ctx& c, const View& out, double value) {
  const View* v[1] = {&out};
  const Geometry<1> g = make_geometry<1>(v);
  if (g.numel == 0) return;
  dispatch(out.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_kernel<T><<<grid_for(g.numel), kBlock, 0, c.stream>>>(g, out.ptr<T>(), convert<T>(value));
  });
  check_launch("fill");
}

void copy(const Ctx& c, const View& out, const View& in) {
  const View* v[2] = {&out, &in};
  const Geometry<2> g = make_geometry<2>(v);
  if (g.numel == 0) return;
  if (out.dtype == in.dtype && g.flat()) {
    if (out.data != in.data) {
      const cudaError_t e = cudaMemcpyAsync(out.data, in.data, g.numel * element_size(out.dtype),
                                            cudaMemcpyDeviceToDevice, c.stream);
      if (e != cudaSuccess) throw Error(std::string("cuda: copy failed: ") + cudaGetErrorString(e));
    }
    return;
  }
  dispatch(out.dtype, [&](auto otag) {
    dispatch(in.dtype, [&](auto itag) {
      using O = typename decltype(otag)::type;
      using I = typename decltype(itag)::type;
      copy_kernel<O, I><<<grid_for(g.numel), kBlock, 0, c.stream>>>(g, out.ptr<O>(), in.ptr<I>());
    });
  });
  check_launch("copy");
}

void unary(const Ctx& c, UnaryOp op, const View& out, const View& in, double alpha, double beta) {
  const View* v[2] = {&out, &in};
  const Geometry<2> g = make_geometry<2>(v);
  if (g.numel == 0) return;
  if (op == UnaryOp::LogicalNot || op == UnaryOp::IsFinite) {
    dispatch(in.dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      unary_bool_kernel<T><<<grid_for(g.numel), kBlock, 0, c.stream>>>(g, op == UnaryOp::LogicalNot,
                                                                         out.ptr<bool>(), in.ptr<T>());
    });
  } else {
    dispatch(in.dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = Compute<T>;
      UnaryArgs<C> p{scalar_wrap<C>(alpha), scalar_wrap<C>(beta), alpha, alpha == alpha, beta == beta,
                     static_cast<int64_t>(alpha == alpha ? alpha : 0), beta};
      if (op == UnaryOp::Clamp) {  // bounds saturate; a NaN bound means "no bound"
        p.a = p.has_lo ? scalar_saturate<C>(alpha) : C(0);
        p.b = p.has_hi ? scalar_saturate<C>(beta) : C(0);
      }
      unary_kernel<T><<<grid_for(g.numel), kBlock, 0, c.stream>>>(g, op, out.ptr<T>(), in.ptr<T>(), p);
    });
  }
  check_launch("unary");
}

void binary(const Ctx& c, BinaryOp op, const View& out, const View& a, const View& b) {
  const View* v[3] = {&out, &a, &b};
  const Geometry<3> g = make_geometry<3>(v);
  if (g.numel == 0) return;
  const bool pred = op == BinaryOp::Eq || op == BinaryOp::Ne || op == BinaryOp::Lt || op == BinaryOp::Le ||
                    op == BinaryOp::Gt || op == BinaryOp::Ge || op == BinaryOp::LogicalAnd ||
                    op == BinaryOp::LogicalOr || op == BinaryOp::LogicalXor;
  dispatch(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (pred)
      predicate_kernel<T><<<grid_for(g.numel), kBlock, 0, c.stream>>>(g, op, out.ptr<bool>(), a.ptr<T>(), b.ptr<T>());
    else
      binary_kernel<T><<<grid_for(g.numel), kBlock, 0, c.stream>>>(g, op, out.ptr<T>(), a.ptr<T>(), b.ptr<T>());
  });
  check_launch("binary");
}

void where(const Ctx& c, const View& out, const View& cond, const View& a, const View& b) {
  const View* v[4] = {&out, &cond, &a, &b};
  const Geometry<4> g = make_geometry<4>(v);
  if (g.numel == 0) return;
  dispatch(out.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    where_kernel<T><<<grid_for(g.numel), kBlock, 0, c.stream>>>(g, out.ptr<T>(), cond.ptr<bool>(), a.ptr<T>(),
                                                                b.ptr<T>());
  });
  check_launch("where");
}

void random(const Ctx& c, RandomOp op, const View& out, double a, double b, uint64_t seed, uint64_t offset) {
  const int64_t n = out.numel();
  if (n == 0) return;
  dispatch(out.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    random_kernel<T><<<grid_for(n), kBlock, 0, c.stream>>>(n, op, out.ptr<T>(), a, b, seed, offset);
  });
  check_launch("random");
}

}  // namespace wick::backend::cuda
