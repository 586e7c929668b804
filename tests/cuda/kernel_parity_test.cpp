// CUDA parity, kernel by kernel: every Backend method on fresh random inputs
// (broadcast, non-contiguous, odd and empty sizes), outputs poisoned
// differently on the two devices first, so an element a CUDA kernel leaves
// unwritten shows up as a mismatch.
#include "cuda/parity.h"

namespace wick::cuda_parity {
namespace {

using backend::BinaryOp;
using backend::ReduceOp;
using backend::UnaryOp;
using core::kernel_view;

backend::Backend& cpu_b() { return backend::get(DeviceType::CPU); }
backend::Backend& gpu_b() { return backend::get(DeviceType::CUDA); }

// Shapes: odd sizes (not multiples of a block), one past a block, empty.
const Shape kShapes[] = {{7}, {3, 5}, {2, 3, 4}, {257}, {33, 65}, {0}, {4, 0, 3}};

TEST_F(CudaParity, FillEveryDtypeStridedView) {
  for (DType dt : kAllDtypes) {
    auto [c, g] = poisoned({6, 5}, dt, gpu());
    Tensor cv = c.t().slice(0, 1, 5), gv = g.t().slice(0, 1, 5);  // non-contiguous part
    cpu_b().fill(kernel_view(cv), 3);
    gpu_b().fill(kernel_view(gv), 3);
    EXPECT_TRUE(close(c, g)) << dtype_name(dt);
  }
}

TEST_F(CudaParity, CopyEveryDtypePairContiguousStridedBroadcast) {
  for (DType from : kAllDtypes) {
    for (DType to : kAllDtypes) {
      Pair in = random_pair({5, 7}, from, gpu(), -300, 300);
      for (int layout = 0; layout < 3; ++layout) {
        Pair src = layout == 0 ? in : layout == 1 ? in.map([](const Tensor& t) { return t.t(); })
                                                  : in.map([](const Tensor& t) { return t.slice(0, 0, 1).expand({7, 7}); });
        auto [c, g] = poisoned(src.c.sizes(), to, gpu());
        cpu_b().copy(kernel_view(c), kernel_view(src.c));
        gpu_b().copy(kernel_view(g), kernel_view(src.g));
        EXPECT_TRUE(close(c, g)) << dtype_name(from) << " -> " << dtype_name(to) << " layout " << layout;
      }
    }
  }
}

struct UnaryCase {
  UnaryOp op;
  double lo, hi, alpha, beta;
  bool ints;  // also defined on integer tensors
};

TEST_F(CudaParity, UnaryEveryOp) {
  const double nan = std::nan("");
  const UnaryCase cases[] = {
      {UnaryOp::Neg, -3, 3, 0, 0, true},       {UnaryOp::Exp, -5, 5, 0, 0, false},
      {UnaryOp::Log, 0.01, 5, 0, 0, false},    {UnaryOp::Log1p, -0.5, 5, 0, 0, false},
      {UnaryOp::Sqrt, 0, 9, 0, 0, false},      {UnaryOp::Abs, -3, 3, 0, 0, true},
      {UnaryOp::Sigmoid, -8, 8, 0, 0, false},  {UnaryOp::Tanh, -4, 4, 0, 0, false},
      {UnaryOp::Relu, -3, 3, 0, 0, true},      {UnaryOp::Sign, -3, 3, 0, 0, true},
      {UnaryOp::Clamp, -3, 3, -1, 1.5, true},  {UnaryOp::Clamp, -3, 3, nan, 1.5, true},
      {UnaryOp::Clamp, -3, 3, -0.5, nan, true}, {UnaryOp::PowScalar, 0.1, 3, 3, 0, true},
      {UnaryOp::PowScalar, 0.1, 3, 2, 0, true}, {UnaryOp::PowScalar, 0.1, 3, 0.5, 0, false},
      {UnaryOp::PowScalar, 0.1, 3, -1, 0, false}, {UnaryOp::PowScalar, 0.1, 3, 1.7, 0, false},
      {UnaryOp::RPowScalar, -2, 2, 1.5, 0, false}, {UnaryOp::AddScalar, -3, 3, 2.5, 0, true},
      {UnaryOp::MulScalar, -3, 3, -1.5, 0, true}, {UnaryOp::RSubScalar, -3, 3, 4, 0, true},
      {UnaryOp::RDivScalar, 0.5, 3, 2, 0, false}, {UnaryOp::Affine, -3, 3, 0.5, -1, true},
      {UnaryOp::Square, -3, 3, 0, 0, true},    {UnaryOp::Reciprocal, 0.5, 3, 0, 0, false},
      // The smooth activations, over ranges that cross each branch (ELU's 0,
      // Softplus's threshold, GELU's erf/erfc split) and reach exp's overflow.
      {UnaryOp::GeluErf, -12, 12, 0, 0, false},        {UnaryOp::Silu, -100, 100, 0, 0, false},
      {UnaryOp::Mish, -100, 100, 0, 0, false},         {UnaryOp::Elu, -5, 5, 0.7, 0, false},
      {UnaryOp::EluDerivative, -5, 5, 0.7, 0, false},  {UnaryOp::Softplus, -30, 30, 2, 5, false},
      {UnaryOp::Softplus, -30, 30, -1, 20, false},     {UnaryOp::SoftplusDerivative, -30, 30, 2, 5, false},
      {UnaryOp::SoftplusDerivative, -30, 30, 0.5, 10, false},
      // The math functions (float-only: core sends integers as float32 or copies them).
      {UnaryOp::Sin, -20, 20, 0, 0, false},    {UnaryOp::Cos, -20, 20, 0, 0, false},
      {UnaryOp::Tan, -1.5, 1.5, 0, 0, false},  {UnaryOp::Atan, -50, 50, 0, 0, false},
      {UnaryOp::Sinh, -80, 80, 0, 0, false},   {UnaryOp::Cosh, -80, 80, 0, 0, false},
      {UnaryOp::Expm1, -2, 2, 0, 0, false},    {UnaryOp::Exp2, -100, 100, 0, 0, false},
      {UnaryOp::Log2, 0, 100, 0, 0, false},    {UnaryOp::Log10, 0, 100, 0, 0, false},
      {UnaryOp::Rsqrt, 0.01, 100, 0, 0, false}, {UnaryOp::Erf, -4, 4, 0, 0, false},
      {UnaryOp::Erfc, -3, 9, 0, 0, false},     {UnaryOp::Erfinv, -1, 1, 0, 0, false},
      {UnaryOp::Floor, -50, 50, 0, 0, false},  {UnaryOp::Ceil, -50, 50, 0, 0, false},
      {UnaryOp::Trunc, -50, 50, 0, 0, false},  {UnaryOp::Frac, -50, 50, 0, 0, false},
      {UnaryOp::Round, -50, 50, 0, 0, false},  {UnaryOp::Round, -50, 50, 2, 0, false},
      {UnaryOp::Round, -5000, 5000, -2, 0, false},
  };
  for (const UnaryCase& u : cases) {
    for (DType dt : {kFloat32, kFloat64, kInt64}) {
      if (dt == kInt64 && !u.ints) continue;
      for (const Shape& s : kShapes) {
        Pair in = random_pair(s, dt, gpu(), u.lo, u.hi);
        if (s.size() == 2) in = in.map([](const Tensor& t) { return t.t(); });  // strided input
        auto [c, g] = poisoned(in.c.sizes(), dt, gpu());
        cpu_b().unary(u.op, kernel_view(c), kernel_view(in.c), u.alpha, u.beta);
        gpu_b().unary(u.op, kernel_view(g), kernel_view(in.g), u.alpha, u.beta);
        EXPECT_TRUE(close(c, g)) << "unary op " << int(u.op) << " " << dtype_name(dt) << " " << in.c.describe();
      }
    }
  }
  // Bool results: logical_not on every dtype, isfinite with inf/nan present.
  for (DType dt : kAllDtypes) {
    Pair in = random_pair({9, 4}, dt, gpu());
    for (UnaryOp op : {UnaryOp::LogicalNot, UnaryOp::IsFinite}) {
      auto [c, g] = poisoned({9, 4}, kBool, gpu());
      cpu_b().unary(op, kernel_view(c), kernel_view(in.c), 0, 0);
      gpu_b().unary(op, kernel_view(g), kernel_view(in.g), 0, 0);
      EXPECT_TRUE(close(c, g)) << dtype_name(dt);
    }
  }
  // Half-way points (round to even), signed zeros and the special values through the math ops.
  Pair halves = pair_of(tensor({0.5, 1.5, 2.5, -0.5, -2.5, -0.0, INFINITY, -INFINITY, NAN, 1e30}), gpu());
  for (UnaryOp op : {UnaryOp::Round, UnaryOp::Floor, UnaryOp::Ceil, UnaryOp::Trunc, UnaryOp::Frac, UnaryOp::Rsqrt,
                     UnaryOp::Expm1, UnaryOp::Erfinv, UnaryOp::Log2}) {
    auto [hc, hg] = poisoned({10}, kFloat32, gpu());
    cpu_b().unary(op, kernel_view(hc), kernel_view(halves.c), 0, 0);
    gpu_b().unary(op, kernel_view(hg), kernel_view(halves.g), 0, 0);
    EXPECT_TRUE(close(hc, hg)) << "unary op " << int(op) << " on special values";
  }
  Pair special = pair_of(tensor({1.0, INFINITY, -INFINITY, NAN, 0.0}), gpu());
  auto [c, g] = poisoned({5}, kBool, gpu());
  cpu_b().unary(UnaryOp::IsFinite, kernel_view(c), kernel_view(special.c), 0, 0);
  gpu_b().unary(UnaryOp::IsFinite, kernel_view(g), kernel_view(special.g), 0, 0);
  EXPECT_TRUE(close(c, g));
}

// The smooth activations' fused backward (float-only; their forward and the
// ELU / Softplus derivatives are in UnaryEveryOp), strided and odd-sized,
// with inputs that reach exp's overflow.
TEST_F(CudaParity, ActivationBackwardOps) {
  for (BinaryOp op : {BinaryOp::GeluErfBackward, BinaryOp::SiluBackward, BinaryOp::MishBackward}) {
    for (DType dt : {kFloat32, kFloat64}) {
      for (const Shape& s : kShapes) {
        Pair grad = random_pair(s, dt, gpu(), -3, 3), x = random_pair(s, dt, gpu(), -40, 40);
        if (s.size() == 2) x = x.map([](const Tensor& t) { return t.t().contiguous().t(); });  // strided input
        auto [c, g] = poisoned(s, dt, gpu());
        cpu_b().binary(op, kernel_view(c), kernel_view(grad.c), kernel_view(x.c));
        gpu_b().binary(op, kernel_view(g), kernel_view(grad.g), kernel_view(x.g));
        EXPECT_TRUE(close(c, g)) << "binary op " << int(op) << " " << dtype_name(dt) << " " << shape_str(s);
      }
    }
  }
}

bool is_predicate(BinaryOp op) {
  return op >= BinaryOp::Eq && op <= BinaryOp::LogicalXor;
}

TEST_F(CudaParity, BinaryEveryOpBroadcastStrided) {
  const BinaryOp ops[] = {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div, BinaryOp::Pow,
                          BinaryOp::Maximum, BinaryOp::Minimum, BinaryOp::Eq, BinaryOp::Ne, BinaryOp::Lt,
                          BinaryOp::Le, BinaryOp::Gt, BinaryOp::Ge, BinaryOp::LogicalAnd, BinaryOp::LogicalOr,
                          BinaryOp::LogicalXor, BinaryOp::ReluBackward, BinaryOp::SigmoidBackward,
                          BinaryOp::TanhBackward, BinaryOp::Atan2, BinaryOp::Fmod, BinaryOp::Remainder};
  // (a shape, b shape): equal, broadcast row, broadcast column, scalar, empty.
  const std::pair<Shape, Shape> shapes[] = {{{5, 33}, {5, 33}}, {{5, 33}, {1, 33}}, {{5, 33}, {5, 1}},
                                            {{5, 33}, {}},       {{0, 3}, {1, 3}},   {{2, 3, 4}, {3, 1}}};
  for (BinaryOp op : ops) {
    for (DType dt : {kFloat32, kFloat64, kInt64, kBool}) {
      if (dt == kBool && !is_predicate(op) && op != BinaryOp::Add && op != BinaryOp::Mul) continue;
      for (const auto& [sa, sb] : shapes) {
        const double lo = op == BinaryOp::Pow ? 0.1 : -3, hi = 3;
        Pair a = random_pair(sa, dt, gpu(), lo, hi), b = random_pair(sb, dt, gpu(), lo, hi);
        if (op == BinaryOp::Pow && dt == kInt64) b = pair_of(randint(0, 4, sb), gpu());
        const Shape out = core::broadcast_shapes("test", sa, sb);
        Pair va = a.map([&](const Tensor& t) { return t.expand(out); });
        Pair vb = b.map([&](const Tensor& t) { return t.expand(out); });
        if (out.size() == 2 && sa == sb) {  // strided: transposed operands into a transposed output
          va = a.map([](const Tensor& t) { return t.t().contiguous().t(); });
          vb = b.map([](const Tensor& t) { return t.t().contiguous().t(); });
        }
        auto [c, g] = poisoned(out, is_predicate(op) ? kBool : dt, gpu());
        cpu_b().binary(op, kernel_view(c), kernel_view(va.c, out), kernel_view(vb.c, out));
        gpu_b().binary(op, kernel_view(g), kernel_view(va.g, out), kernel_view(vb.g, out));
        EXPECT_TRUE(close(c, g)) << "binary op " << int(op) << " " << dtype_name(dt) << " " << shape_str(sa) << " "
                                 << shape_str(sb);
      }
    }
  }
}

TEST_F(CudaParity, WhereBroadcast) {
  for (DType dt : kAllDtypes) {
    Pair cond = random_pair({4, 1}, kBool, gpu());
    Pair a = random_pair({4, 6}, dt, gpu()), b = random_pair({6}, dt, gpu());
    const Shape out = {4, 6};
    auto [c, g] = poisoned(out, dt, gpu());
    cpu_b().where(kernel_view(c), kernel_view(cond.c, out), kernel_view(a.c, out), kernel_view(b.c, out));
    gpu_b().where(kernel_view(g), kernel_view(cond.g, out), kernel_view(a.g, out), kernel_view(b.g, out));
    EXPECT_TRUE(close(c, g)) << dtype_name(dt);
  }
}

TEST_F(CudaParity, ReduceEveryOpAnyDims) {
  const std::vector<std::vector<bool>> masks = {{true, false, false}, {false, true, false}, {false, false, true},
                                                {true, false, true},  {true, true, true},   {false, true, true}};
  const Shape shapes[] = {{3, 5, 7}, {130, 3, 2}, {2, 300, 9}, {4, 0, 3}, {1, 1, 1}};
  for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Prod, ReduceOp::Max, ReduceOp::Min}) {
    for (DType dt : kAllDtypes) {
      for (const Shape& s : shapes) {
        for (const auto& mask : masks) {
          Shape keep = s;
          bool empty_reduced = false;
          for (int d = 0; d < 3; ++d)
            if (mask[d]) {
              empty_reduced = empty_reduced || s[d] == 0;
              keep[d] = 1;
            }
          if ((op == ReduceOp::Max || op == ReduceOp::Min) && empty_reduced) continue;  // core rejects
          const double lo = op == ReduceOp::Prod ? 0.9 : -3, hi = op == ReduceOp::Prod ? 1.1 : 3;
          Pair in = random_pair(s, dt, gpu(), lo, hi);
          in = in.map([](const Tensor& t) { return t.transpose(0, 2).contiguous().transpose(0, 2); });
          DType out_dt = dt;
          if (op == ReduceOp::Sum && (dt == kBool || dt == kUInt8)) out_dt = kInt64;
          const double scale = op == ReduceOp::Sum && is_floating(dt) ? 0.25 : 1;
          auto [c, g] = poisoned(keep, out_dt, gpu());
          cpu_b().reduce(op, kernel_view(c), kernel_view(in.c), scale);
          gpu_b().reduce(op, kernel_view(g), kernel_view(in.g), scale);
          EXPECT_TRUE(close(c, g, dt == kFloat32 ? 1e-6 : -1))
              << "reduce op " << int(op) << " " << dtype_name(dt) << " " << shape_str(s) << " -> " << shape_str(keep);
        }
      }
    }
  }
}

TEST_F(CudaParity, ArgReduceEveryDimWithTiesAndNaN) {
  for (DType dt : {kFloat32, kFloat64, kInt64, kUInt8}) {
    for (int dim = 0; dim < 2; ++dim) {
      Pair in = random_pair({37, 41}, dt, gpu(), -3, 3);
      if (is_floating(dt)) {  // ties and a NaN
        Tensor h = in.c.to(kFloat64);
        std::vector<double> v = h.to_vector<double>();
        for (size_t i = 0; i < v.size(); i += 7) v[i] = std::round(v[i]);
        v[100] = NAN;
        in = pair_of(from_vector(v, {37, 41}).to(dt), gpu());
      }
      for (ReduceOp op : {ReduceOp::Max, ReduceOp::Min}) {
        Shape keep = {37, 41};
        keep[dim] = 1;
        auto [vc, vg] = poisoned(keep, dt, gpu());
        auto [ic, ig] = poisoned(keep, kInt64, gpu());
        cpu_b().arg_reduce(op, kernel_view(vc), kernel_view(ic), kernel_view(in.c), dim);
        gpu_b().arg_reduce(op, kernel_view(vg), kernel_view(ig), kernel_view(in.g), dim);
        EXPECT_TRUE(close(vc, vg)) << dtype_name(dt) << " dim " << dim;
        EXPECT_TRUE(close(ic, ig)) << dtype_name(dt) << " dim " << dim;
      }
    }
  }
}

TEST_F(CudaParity, SoftmaxForwardBackwardAnyDim) {
  const Shape shapes[] = {{5, 10}, {3, 1000}, {2, 3, 33}, {1, 1}, {64, 7}};
  for (DType dt : kFloatDtypes) {
    for (const Shape& s : shapes) {
      for (int dim = 0; dim < static_cast<int>(s.size()); ++dim) {
        for (bool log : {false, true}) {
          Pair in = random_pair(s, dt, gpu(), -10, 10);
          Pair strided = in.map([](const Tensor& t) { return t.transpose(0, 1).contiguous().transpose(0, 1); });
          auto [c, g] = poisoned(s, dt, gpu());
          cpu_b().softmax(kernel_view(c), kernel_view(strided.c), dim, log);
          gpu_b().softmax(kernel_view(g), kernel_view(strided.g), dim, log);
          EXPECT_TRUE(close(c, g)) << shape_str(s) << " dim " << dim << " log " << log;
          Pair grad = random_pair(s, dt, gpu());
          auto [gc, gg] = poisoned(s, dt, gpu());
          cpu_b().softmax_backward(kernel_view(gc), kernel_view(grad.c), kernel_view(c), dim, log);
          gpu_b().softmax_backward(kernel_view(gg), kernel_view(grad.g), kernel_view(c.to(gpu())), dim, log);
          EXPECT_TRUE(close(gc, gg)) << "backward " << shape_str(s) << " dim " << dim << " log " << log;
        }
      }
    }
  }
  // Rows of -inf and with NaN.
  Pair special = pair_of(tensor({{-INFINITY, -INFINITY}, {1.0, NAN}, {1000.0, -1000.0}}), gpu());
  for (bool log : {false, true}) {
    auto [c, g] = poisoned({3, 2}, kFloat32, gpu());
    cpu_b().softmax(kernel_view(c), kernel_view(special.c), 1, log);
    gpu_b().softmax(kernel_view(g), kernel_view(special.g), 1, log);
    EXPECT_TRUE(close(c, g));
  }
}

TEST_F(CudaParity, GemmTransposesBatchesAndEmpty) {
  struct Case {
    int64_t b, m, n, k;
  };
  const Case cases[] = {{1, 5, 7, 3}, {1, 64, 33, 129}, {3, 17, 9, 31}, {1, 4, 4, 0}, {1, 1, 10, 784}, {2, 1, 1, 1}};
  for (DType dt : kFloatDtypes) {
    for (const Case& cs : cases) {
      for (bool ta : {false, true}) {
        for (bool tb : {false, true}) {
          Shape sa = ta ? Shape{cs.k, cs.m} : Shape{cs.m, cs.k};
          Shape sb = tb ? Shape{cs.n, cs.k} : Shape{cs.k, cs.n};
          if (cs.b > 1) {
            sa.insert(sa.begin(), cs.b);
            sb.insert(sb.begin(), cs.b);
          }
          Pair a = random_pair(sa, dt, gpu()), b = random_pair(sb, dt, gpu());
          Tensor c = core::matmul_raw("test", a.c, b.c, ta, tb);
          Tensor g = core::matmul_raw("test", a.g, b.g, ta, tb);
          // Long dot products: float32 rounding grows with k (both sides round).
          EXPECT_TRUE(close(c, g, dt == kFloat32 ? 1e-5 * std::max<double>(1, std::sqrt(cs.k)) : 1e-12))
              << "m " << cs.m << " n " << cs.n << " k " << cs.k << " batch " << cs.b << " ta " << ta << " tb " << tb;
        }
      }
    }
  }
  // A broadcast batch (stride 0) on one side.
  Pair a = random_pair({1, 6, 5}, kFloat64, gpu()), b = random_pair({4, 5, 3}, kFloat64, gpu());
  Pair ea = a.map([](const Tensor& t) { return t.expand({4, 6, 5}); });
  EXPECT_TRUE(close(core::matmul_raw("test", ea.c, b.c, false, false), core::matmul_raw("test", ea.g, b.g, false, false)));
}

TEST_F(CudaParity, IndexSelectGatherScatterIndexAdd) {
  for (DType dt : kAllDtypes) {
    Pair in = random_pair({6, 9}, dt, gpu());
    Pair strided = in.map([](const Tensor& t) { return t.t(); });  // [9, 6], non-contiguous
    for (int dim = 0; dim < 2; ++dim) {
      const int64_t size = strided.c.size(dim);
      Pair idx = pair_of(randint(0, size, {11}), gpu());
      Shape out = strided.c.sizes();
      out[dim] = 11;
      auto [c, g] = poisoned(out, dt, gpu());
      cpu_b().index_select(kernel_view(c), kernel_view(strided.c), dim, kernel_view(idx.c));
      gpu_b().index_select(kernel_view(g), kernel_view(strided.g), dim, kernel_view(idx.g));
      EXPECT_TRUE(close(c, g)) << "index_select " << dtype_name(dt) << " dim " << dim;

      Shape gshape = strided.c.sizes();
      gshape[dim] = 4;
      Pair gidx = pair_of(randint(0, size, gshape), gpu());
      auto [gc, gg] = poisoned(gshape, dt, gpu());
      cpu_b().gather(kernel_view(gc), kernel_view(strided.c), dim, kernel_view(gidx.c));
      gpu_b().gather(kernel_view(gg), kernel_view(strided.g), dim, kernel_view(gidx.g));
      EXPECT_TRUE(close(gc, gg)) << "gather " << dtype_name(dt) << " dim " << dim;

      // scatter_add and index_add with repeated indices; plain scatter with a
      // permutation (unique targets: with repeats the winner is unspecified).
      Pair src = random_pair(gshape, dt, gpu());
      for (bool acc : {true, false}) {
        Pair sidx = gidx;
        if (!acc) {
          Tensor perm = randperm(size).narrow(0, 0, 4);
          Shape ps(2, 1);
          ps[dim] = 4;
          Shape es = gshape;
          sidx = pair_of(perm.reshape(ps).expand(es).contiguous(), gpu());
        }
        Tensor sc = in.c.t().contiguous(), sg = sc.to(gpu());
        cpu_b().scatter(kernel_view(sc), dim, kernel_view(sidx.c), kernel_view(src.c), acc);
        gpu_b().scatter(kernel_view(sg), dim, kernel_view(sidx.g), kernel_view(src.g), acc);
        EXPECT_TRUE(close(sc, sg)) << "scatter acc " << acc << " " << dtype_name(dt) << " dim " << dim;
      }
      Shape ashape = strided.c.sizes();
      ashape[dim] = 11;
      Pair asrc = random_pair(ashape, dt, gpu());
      Tensor ac = in.c.t().contiguous(), ag = ac.to(gpu());
      cpu_b().index_add(kernel_view(ac), dim, kernel_view(idx.c), kernel_view(asrc.c));
      gpu_b().index_add(kernel_view(ag), dim, kernel_view(idx.g), kernel_view(asrc.g));
      EXPECT_TRUE(close(ac, ag)) << "index_add " << dtype_name(dt) << " dim " << dim;
    }
  }
}

TEST_F(CudaParity, RandomDrawsTheCpuStream) {
  for (auto op : {backend::RandomOp::Uniform, backend::RandomOp::Normal, backend::RandomOp::RandInt,
                  backend::RandomOp::Bernoulli}) {
    for (DType dt : kAllDtypes) {
      if (op == backend::RandomOp::Normal && !is_floating(dt)) continue;
      const double a = op == backend::RandomOp::RandInt ? -3 : op == backend::RandomOp::Bernoulli ? 0.3 : -1;
      const double b = op == backend::RandomOp::RandInt ? 7 : 2;
      auto [c, g] = poisoned({1001}, dt, gpu());
      cpu_b().random(op, kernel_view(c), a, b, 12345, 678);
      gpu_b().random(op, kernel_view(g), a, b, 12345, 678);
      EXPECT_TRUE(close(c, g)) << "random op " << int(op) << " " << dtype_name(dt);
    }
  }
  // Through the public API: the same seed gives the same tensor on both.
  manual_seed(7);
  Tensor c = randn({3, 333});
  manual_seed(7);
  Tensor g = randn({3, 333}, {.device = gpu()});
  EXPECT_TRUE(close(c, g));
}

TEST(CudaSupports, EveryBackendMethodAndNothingElse) {
  backend::Backend* b = backend::find(DeviceType::CUDA);
  if (!b) GTEST_SKIP() << "this build has no CUDA backend";
  for (const char* op : {"fill", "copy", "unary", "binary", "where", "reduce", "arg_reduce", "index_select", "gather",
                         "scatter", "index_add", "random"})
    for (DType dt : kAllDtypes) EXPECT_TRUE(b->supports(op, dt)) << op << " " << dtype_name(dt);
  for (const char* op : {"gemm", "softmax", "softmax_backward"}) {
    EXPECT_TRUE(b->supports(op, kFloat32)) << op;
    EXPECT_TRUE(b->supports(op, kFloat64)) << op;
    EXPECT_FALSE(b->supports(op, kInt64)) << op;
  }
  EXPECT_FALSE(b->supports("conv2d", kFloat32));
  EXPECT_STREQ(b->name(), "cuda");
}

}  // namespace
}  // namespace wick::cuda_parity
