#pragma once
// The backend interface: one table of kernels per device type. A backend
// knows nothing of autograd, modules or broadcasting rules: core/ checks every
// argument (shapes, dtypes, devices) once, lays the operands out as Views of
// the output's shape (broadcast dims have stride 0), then calls a kernel here.
//
// Adding an op: add its enum value (or a method), implement it in cpu/ (and
// cuda/), report it from supports(), and add it to the parity test.
#include <cstddef>
#include <cstdint>

#include "wick/device.h"
#include "wick/dtype.h"
#include "wick/memory.h"

namespace wick::backend {

constexpr int kMaxDims = 8;

// What a kernel sees of a tensor: a data pointer (already offset), dtype,
// sizes and strides in elements. No ownership.
struct View {
  void* data = nullptr;
  DType dtype = DType::Float32;
  int ndim = 0;
  int64_t sizes[kMaxDims] = {};
  int64_t strides[kMaxDims] = {};

  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < ndim; ++i) n *= sizes[i];
    return n;
  }
  bool is_contiguous() const {
    int64_t expected = 1;
    for (int i = ndim - 1; i >= 0; --i) {
      if (sizes[i] != 1 && strides[i] != expected) return false;
      expected *= sizes[i];
    }
    return true;
  }
  template <typename T> T* ptr() const { return static_cast<T*>(data); }
};

enum class UnaryOp : uint8_t {
  Neg, Exp, Log, Log1p, Sqrt, Abs, Sigmoid, Tanh, Relu, Sign,
  LogicalNot,  // out is bool
  Clamp,       // alpha = min, beta = max; a NaN bound means "no bound"
  PowScalar,   // x ^ alpha
  RPowScalar,  // alpha ^ x
  AddScalar,   // x + alpha
  MulScalar,   // x * alpha
  RSubScalar,  // alpha - x
  RDivScalar,  // alpha / x
  Affine,      // x * alpha + beta
  Square,
  Reciprocal,
  IsFinite,    // out is bool
  // Smooth activations, with PyTorch's branch rules (comparisons in the
  // tensor's dtype); float-only (core never sends integers).
  GeluErf,     // x * Phi(x), Phi the standard normal CDF (exact GELU)
  Silu,        // x * sigmoid(x)
  Elu,         // x > 0 ? x : alpha * (e^x - 1)     (alpha = alpha)
  Softplus,    // beta x > threshold ? x : log(1 + e^(beta x)) / beta   (alpha = beta, beta = threshold)
  Mish,        // x * tanh(softplus(x))
  // The derivatives of Elu and Softplus, for their backward as grad * d(x):
  // binary() carries no scalar arguments, so these two parameterized
  // gradients are a unary op plus a Mul instead of one fused BinaryOp.
  EluDerivative,       // x > 0 ? 1 : alpha * e^x      (alpha = alpha)
  SoftplusDerivative,  // beta x > threshold ? 1 : sigmoid(beta x)   (alpha = beta, beta = threshold)
  // Math functions of PyTorch's names (autograd/math.cpp), float-only: core
  // sends integers as float32 (sin) or not at all (floor of an int64 is a copy).
  Sin, Cos, Tan, Atan, Sinh, Cosh, Expm1, Exp2, Log2, Log10, Rsqrt, Erf, Erfc, Erfinv,
  Floor, Ceil, Trunc,
  Round,         // half to even (nearbyint); with alpha = decimals != 0, torch.round(x, decimals)
  Frac,          // x - trunc(x)
};

enum class BinaryOp : uint8_t {
  Add, Sub, Mul, Div, Pow, Maximum, Minimum,
  Eq, Ne, Lt, Le, Gt, Ge,                 // out is bool
  LogicalAnd, LogicalOr, LogicalXor,      // out is bool, inputs any dtype
  // Fused gradient helpers (a = upstream grad, b = saved tensor):
  ReluBackward,     // b > 0 ? a : 0        (b = input)
  SigmoidBackward,  // a * b * (1 - b)      (b = output)
  TanhBackward,     // a * (1 - b * b)      (b = output)
  GeluErfBackward,  // a * (Phi(b) + b * phi(b))                    (b = input)
  SiluBackward,     // a * s (1 + b (1 - s)), s = sigmoid(b)        (b = input)
  MishBackward,     // a * (t + b sigmoid(b) (1 - t^2)), t = tanh(softplus(b))  (b = input)
  // Math: promoted operands of one dtype (Atan2 float only); integer
  // Fmod/Remainder by zero give 0 here (core refuses them first).
  Atan2,            // atan2(a, b)
  Fmod,             // C's fmod: the sign of a
  Remainder,        // a - b floor(a / b): the sign of b (Python's %)
};

enum class ReduceOp : uint8_t { Sum, Prod, Max, Min };

enum class RandomOp : uint8_t {
  Uniform,  // [a, b)
  Normal,   // mean a, std b
  RandInt,  // integers in [a, b)
  Bernoulli,  // 1 with probability a
};

struct GemmArgs {
  // C[b] = alpha * op(A[b]) @ op(B[b]) + beta * C[b], for b in [0, batch).
  // Row-major matrices with leading dimensions lda/ldb/ldc in elements;
  // trans_a means A is stored as [k, m] and used transposed.
  DType dtype = DType::Float32;
  bool trans_a = false, trans_b = false;
  int64_t m = 0, n = 0, k = 0;
  double alpha = 1, beta = 0;
  const void* a = nullptr; int64_t lda = 0; int64_t stride_a = 0;
  const void* b = nullptr; int64_t ldb = 0; int64_t stride_b = 0;
  void* c = nullptr; int64_t ldc = 0; int64_t stride_c = 0;
  int64_t batch = 1;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;
  // Whether `op` (a name such as "gemm", "softmax", "unary") runs for dtype here.
  virtual bool supports(const char* op, DType dtype) const = 0;
  // Devices of this type present on the machine (the CPU counts as one).
  virtual int device_count() const { return 1; }

  // ---- memory (a caching allocator: a steady training step allocates nothing new) ----
  virtual void* allocate(size_t nbytes, int device_index) = 0;
  virtual void deallocate(void* ptr, size_t nbytes, int device_index) = 0;
  virtual MemoryStats memory_stats(int device_index) const = 0;
  virtual void empty_cache() = 0;
  // Raw copies between this device and the host (for to(), item(), copy_).
  virtual void copy_to_host(void* host_dst, const void* src, size_t nbytes, int device_index) = 0;
  virtual void copy_from_host(void* dst, const void* host_src, size_t nbytes, int device_index) = 0;
  virtual void synchronize(int device_index) = 0;

  // ---- kernels; every View has the output's ndim, broadcast dims have stride 0 ----
  virtual void fill(const View& out, double value) = 0;
  // Strided copy with dtype conversion (out and in may differ in dtype).
  virtual void copy(const View& out, const View& in) = 0;
  // out dtype equals in dtype, except LogicalNot / IsFinite (bool out).
  virtual void unary(UnaryOp op, const View& out, const View& in, double alpha, double beta) = 0;
  // a and b share a dtype; out has it too, or bool for comparisons and logical ops.
  virtual void binary(BinaryOp op, const View& out, const View& a, const View& b) = 0;
  // out = cond ? a : b; cond is bool, a/b/out share a dtype.
  virtual void where(const View& out, const View& cond, const View& a, const View& b) = 0;
  // `out` has in's ndim with size 1 on each reduced dim (keepdim layout);
  // result = op over the reduced dims, times `scale` (for mean). An empty
  // reduction gives the op's identity (0 for sum, 1 for prod); core rejects
  // empty max/min.
  virtual void reduce(ReduceOp op, const View& out, const View& in, double scale) = 0;
  // Max or Min along one dim: values (in's dtype) and int64 indices, both with
  // size 1 at `dim`. Ties give the first index; NaN wins, as in PyTorch.
  virtual void arg_reduce(ReduceOp op, const View& values, const View& indices, const View& in, int dim) = 0;
  // Numerically stable softmax / log_softmax along `dim`; out and in same shape.
  virtual void softmax(const View& out, const View& in, int dim, bool log) = 0;
  // grad_in = softmax' (or log_softmax') applied to grad_out, given the forward output.
  virtual void softmax_backward(const View& grad_in, const View& grad_out, const View& out, int dim, bool log) = 0;
  virtual void gemm(const GemmArgs& args) = 0;
  // out[..., i, ...] = in[..., index[i], ...] along dim (index: 1-D int64, in range).
  virtual void index_select(const View& out, const View& in, int dim, const View& index) = 0;
  // out[i][j] = in[index[i][j]][j] (dim 0), etc.; index int64 of out's shape.
  virtual void gather(const View& out, const View& in, int dim, const View& index) = 0;
  // self[index[i][j]][j] (op)= src[i][j] (dim 0), in place on `self`;
  // accumulate: += (scatter_add), else = (scatter). index and src share a shape.
  virtual void scatter(const View& self, int dim, const View& index, const View& src, bool accumulate) = 0;
  // index_add along dim: self[.., index[i], ..] += src[.., i, ..]
  virtual void index_add(const View& self, int dim, const View& index, const View& src) = 0;
  // The first k = values.sizes[dim] entries of in's order along `dim`
  // (ascending, or descending), k <= in.sizes[dim]: values (in's dtype) and
  // their int64 positions in `in`; values/indices equal in's shape but at
  // `dim`. The order is total and stable: NaN counts as larger than +inf,
  // equal values keep their input order (both directions), so every backend
  // gives the same indices. sort is k = n; topk is a prefix of it.
  virtual void sort(const View& values, const View& indices, const View& in, int dim, bool descending) = 0;
  // Inclusive scan along `dim` (Sum: cumsum, Prod: cumprod), from the end
  // when `reverse` (the gradient of cumsum). out and in share shape and dtype;
  // floating values accumulate in double, as PyTorch's CPU kernel does.
  virtual void cumulative(ReduceOp op, const View& out, const View& in, int dim, bool reverse) = 0;
  // Fills a contiguous `out` from the counter-based Philox stream (seed,
  // offset), so every backend draws the same numbers for the same seed.
  virtual void random(RandomOp op, const View& out, double a, double b, uint64_t seed, uint64_t offset) = 0;
};

// The backend of a device type. Throws wick::DeviceError when this build has
// none (CUDA off, MPS). Never returns null.
Backend& get(DeviceType type);
// nullptr when not built in.
Backend* find(DeviceType type);
void register_backend(DeviceType type, Backend* backend);

}  // namespace wick::backend

namespace wick::backend {
// The CPU backend (backend/cpu/), always built.
Backend* cpu_backend();
}  // namespace wick::backend
