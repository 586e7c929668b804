// Binary elementwise kernels and where(). Core has broadcast every operand to
// the output's shape (stride 0 on broadcast dims); out may alias a exactly
// (in-place ops), which every loop here tolerates because element i is read
// before it is written.
#include <cmath>
#include <type_traits>

#include "backend/cpu/fast_math.h"
#include "backend/cpu/kernels.h"
#include "backend/cpu/loops.h"

namespace wick::backend::cpu {
namespace {

// Flattened, as run_unary (unary.cpp): f is inlined into every loop.
template <typename O, typename T, typename F>
void run_binary(const Layout<3>& L, int64_t grain, F f) {
  const int64_t so = L.inner_stride(0), sa = L.inner_stride(1), sb = L.inner_stride(2);
  run(L, grain, [&](char* const* p, int64_t n) __attribute__((flatten)) {
    O* o = reinterpret_cast<O*>(p[0]);
    const T* a = reinterpret_cast<const T*>(p[1]);
    const T* b = reinterpret_cast<const T*>(p[2]);
    if (so == 1 && sa == 1 && sb == 1) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], b[i]);
    } else if (so == 1 && sa == 1 && sb == 0) {  // tensor op scalar
      const T bv = *b;
      for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], bv);
    } else if (so == 1 && sa == 0 && sb == 1) {  // scalar op tensor
      const T av = *a;
      for (int64_t i = 0; i < n; ++i) o[i] = f(av, b[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) o[i * so] = f(a[i * sa], b[i * sb]);
    }
  });
}

template <typename T>
T int_pow(T base, T exp) {
  T result = 1;
  while (exp > 0) {
    if (exp & 1) result = static_cast<T>(result * base);
    base = static_cast<T>(base * base);
    exp = static_cast<T>(exp >> 1);
  }
  return result;
}

template <typename T>
void binary_typed(BinaryOp op, const Layout<3>& L) {
  // Bool arithmetic runs in int64 and converts back (true + true = true).
  using C = std::conditional_t<std::is_same_v<T, bool>, int64_t, T>;
  auto arith = [&](int64_t grain, auto f) {
    run_binary<T, T>(L, grain, [f](T a, T b) { return convert<T>(f(static_cast<C>(a), static_cast<C>(b))); });
  };
  auto pred = [&](auto f) { run_binary<bool, T>(L, kGrainCheap, f); };
  // a * df(b): an activation's gradient from its saved input (fast_math.h).
  // Float-only (core never sends integers); ints go through double so the
  // template still instantiates.
  auto grad = [&](auto df) {
    arith(kGrainExpensive, [df](C g, C x) {
      if constexpr (kIsFloat<C>) return static_cast<C>(g * df(x));
      else return static_cast<C>(static_cast<double>(g) * df(static_cast<double>(x)));
    });
  };
  switch (op) {
    case BinaryOp::Add: arith(kGrainCheap, [](C a, C b) { return static_cast<C>(a + b); }); break;
    case BinaryOp::Sub: arith(kGrainCheap, [](C a, C b) { return static_cast<C>(a - b); }); break;
    case BinaryOp::Mul: arith(kGrainCheap, [](C a, C b) { return static_cast<C>(a * b); }); break;
    case BinaryOp::Div:
      // Core promotes integer division to float; ints here only keep the
      // template whole (and avoid a division trap).
      if constexpr (kIsFloat<C>) arith(kGrainCheap, [](C a, C b) { return a / b; });
      else arith(kGrainCheap, [](C a, C b) { return b == 0 ? C(0) : static_cast<C>(a / b); });
      break;
    case BinaryOp::Pow:
      if constexpr (kIsFloat<C>) arith(kGrainExpensive, [](C a, C b) { return std::pow(a, b); });
      else arith(kGrainCheap, [](C a, C b) { return int_pow<C>(a, b); });
      break;
    case BinaryOp::Maximum:  // NaN in either operand wins
      arith(kGrainCheap, [](C a, C b) { return (a > b || a != a) ? a : b; });
      break;
    case BinaryOp::Minimum:
      arith(kGrainCheap, [](C a, C b) { return (a < b || a != a) ? a : b; });
      break;
    case BinaryOp::Eq: pred([](T a, T b) { return a == b; }); break;
    case BinaryOp::Ne: pred([](T a, T b) { return a != b; }); break;
    case BinaryOp::Lt: pred([](T a, T b) { return a < b; }); break;
    case BinaryOp::Le: pred([](T a, T b) { return a <= b; }); break;
    case BinaryOp::Gt: pred([](T a, T b) { return a > b; }); break;
    case BinaryOp::Ge: pred([](T a, T b) { return a >= b; }); break;
    case BinaryOp::LogicalAnd: pred([](T a, T b) { return (a != T(0)) & (b != T(0)); }); break;
    case BinaryOp::LogicalOr: pred([](T a, T b) { return (a != T(0)) | (b != T(0)); }); break;
    case BinaryOp::LogicalXor: pred([](T a, T b) { return (a != T(0)) != (b != T(0)); }); break;
    case BinaryOp::ReluBackward: arith(kGrainCheap, [](C g, C x) { return x > C(0) ? g : C(0); }); break;
    case BinaryOp::SigmoidBackward:
      arith(kGrainCheap, [](C g, C y) { return static_cast<C>(g * y * (C(1) - y)); });
      break;
    case BinaryOp::TanhBackward:
      arith(kGrainCheap, [](C g, C y) { return static_cast<C>(g * (C(1) - y * y)); });
      break;
    case BinaryOp::GeluErfBackward: grad([](auto x) { return gelu_erf_grad(x); }); break;
    case BinaryOp::SiluBackward: grad([](auto x) { return silu_grad(x); }); break;
    case BinaryOp::MishBackward: grad([](auto x) { return mish_grad(x); }); break;
    case BinaryOp::Atan2:  // float only (core promotes); ints through double
      arith(kGrainExpensive, [](C a, C b) {
        if constexpr (kIsFloat<C>) return std::atan2(a, b);
        else return static_cast<C>(std::atan2(static_cast<double>(a), static_cast<double>(b)));
      });
      break;
    case BinaryOp::Fmod:
    case BinaryOp::Remainder: {
      // Remainder moves fmod's result (the sign of a) to b's sign, as
      // PyTorch's kernel does: fmod(-1, inf) = -1 becomes inf, -0 stays.
      const bool py = op == BinaryOp::Remainder;
      if constexpr (kIsFloat<C>) {
        arith(kGrainExpensive, [py](C a, C b) {
          C m = std::fmod(a, b);
          if (py && m != 0 && ((b < 0) != (m < 0))) m += b;
          return m;
        });
      } else {
        // Core refuses a zero divisor before it gets here; 0 keeps the
        // kernel from trapping anyway. b == -1 is 0 without the trap of
        // INT64_MIN % -1.
        arith(kGrainCheap, [py](C a, C b) {
          if (b == 0) return C(0);
          if constexpr (std::is_signed_v<C>) {
            if (b == -1) return C(0);
          }
          C m = static_cast<C>(a % b);
          if constexpr (std::is_signed_v<C>) {
            if (py && m != 0 && ((b < 0) != (m < 0))) m = static_cast<C>(m + b);
          }
          return m;
        });
      }
      break;
    }
  }
}

}  // namespace

void binary(BinaryOp op, const View& out, const View& a, const View& b) {
  const View* views[3] = {&out, &a, &b};
  const Layout<3> L = Layout<3>::from_views(views);
  if (L.numel == 0) return;
  dispatch(a.dtype, [&](auto tag) { binary_typed<typename decltype(tag)::type>(op, L); });
}

void where(const View& out, const View& cond, const View& a, const View& b) {
  const View* views[4] = {&out, &cond, &a, &b};
  const Layout<4> L = Layout<4>::from_views(views);
  if (L.numel == 0) return;
  dispatch(out.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const int64_t so = L.inner_stride(0), sc = L.inner_stride(1), sa = L.inner_stride(2),
                  sb = L.inner_stride(3);
    run(L, kGrainCheap, [&](char* const* p, int64_t n) {
      T* o = reinterpret_cast<T*>(p[0]);
      const bool* c = reinterpret_cast<const bool*>(p[1]);
      const T* x = reinterpret_cast<const T*>(p[2]);
      const T* y = reinterpret_cast<const T*>(p[3]);
      if (so == 1 && sc == 1 && sa == 1 && sb == 1) {
        for (int64_t i = 0; i < n; ++i) o[i] = c[i] ? x[i] : y[i];
      } else {
        for (int64_t i = 0; i < n; ++i) o[i * so] = c[i * sc] ? x[i * sa] : y[i * sb];
      }
    });
  });
}

}  // namespace wick::backend::cpu
