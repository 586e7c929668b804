// Autograd engine behaviour: accumulation, explicit gradients, retain_graph,
// grad mode, detach, the saved-tensor version check, deep graphs and
// autograd::grad. Expected values are written out by hand (d/dx of x^2 is 2x,
// ...), never read back from the library.
#include <gtest/gtest.h>
#include <pthread.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "autograd/gradcheck.h"
#include "wick/wick.h"

namespace wick {
namespace {

Tensor dvec(const std::vector<double>& v, bool requires_grad = true) {
  return from_vector<double>(v, {static_cast<int64_t>(v.size())}, {.dtype = kFloat64, .requires_grad = requires_grad});
}

std::vector<double> values(const Tensor& t) { return t.contiguous().to_vector<double>(); }

void expect_values(const Tensor& t, const std::vector<double>& want, double tol = 1e-12) {
  ASSERT_TRUE(t.defined());
  std::vector<double> got = values(t);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "element " << i;
}

// The message of the wick::Error that `f` throws, or "" when it does not.
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool contains(const std::string& s, const std::string& part) { return lower(s).find(lower(part)) != std::string::npos; }

TEST(Autograd, GradientsAccumulateAcrossBackwardCalls) {
  Tensor x = dvec({1, 2, 3});
  (x * x).sum().backward();
  expect_values(x.grad(), {2, 4, 6});
  (x * x).sum().backward();
  expect_values(x.grad(), {4, 8, 12});
  // Zeroing in place (what an optimizer's zero_grad does) restarts the sum.
  x.grad().zero_();
  (x * 5.0).sum().backward();
  expect_values(x.grad(), {5, 5, 5});
}

TEST(Autograd, BackwardOnScalar) {
  Tensor x = dvec({0.5, -1.0});
  Tensor y = (x.exp() * 3.0).sum();
  EXPECT_EQ(y.dim(), 0);
  EXPECT_TRUE(y.requires_grad());
  EXPECT_FALSE(y.is_leaf());
  EXPECT_FALSE(y.grad_fn_name().empty());
  EXPECT_TRUE(x.grad_fn_name().empty());
  y.backward();
  expect_values(x.grad(), {3 * std::exp(0.5), 3 * std::exp(-1.0)});
}

TEST(Autograd, BackwardWithExplicitGradientOnNonScalar) {
  Tensor x = dvec({1, -2, 3});
  Tensor y = x * x;
  y.backward(dvec({1, 10, 100}, false));
  expect_values(x.grad(), {2, -40, 600});
}

TEST(Autograd, NonScalarBackwardWithoutGradientIsAClearError) {
  Tensor x = randn({2, 3}, {.dtype = kFloat64, .requires_grad = true});
  Tensor y = x * 2.0;
  std::string msg = error_of([&] { y.backward(); });
  ASSERT_FALSE(msg.empty()) << "backward() on a [2, 3] output must throw";
  EXPECT_TRUE(contains(msg, "scalar")) << msg;
  EXPECT_TRUE(contains(msg, shape_str({2, 3}))) << msg;
}

TEST(Autograd, ExplicitGradientOfWrongShapeIsAnError) {
  Tensor x = randn({2, 3}, {.dtype = kFloat64, .requires_grad = true});
  Tensor y = x * 2.0;
  EXPECT_THROW(y.backward(ones({3, 2}, {.dtype = kFloat64})), Error);
}

TEST(Autograd, RetainGraphAllowsSecondBackward) {
  Tensor x = dvec({0.0, 1.0});
  Tensor y = x.exp().sum();
  y.backward(Tensor(), /*retain_graph=*/true);
  y.backward();
  expect_values(x.grad(), {2 * std::exp(0.0), 2 * std::exp(1.0)});
}

TEST(Autograd, SecondBackwardThroughFreedGraphIsAClearError) {
  Tensor x = dvec({0.0, 1.0});
  Tensor y = (x.exp() * x).sum();
  y.backward();
  std::string msg = error_of([&] { y.backward(); });
  ASSERT_FALSE(msg.empty()) << "a second backward without retain_graph must throw";
  EXPECT_TRUE(contains(msg, "retain_graph") || contains(msg, "freed")) << msg;
}

TEST(Autograd, BackwardOnTensorWithoutGradIsAClearError) {
  Tensor x = dvec({1, 2}, false);
  Tensor y = (x * 2.0).sum();
  EXPECT_FALSE(y.requires_grad());
  std::string msg = error_of([&] { y.backward(); });
  ASSERT_FALSE(msg.empty());
  EXPECT_TRUE(contains(msg, "require")) << msg;
}

TEST(Autograd, NoGradGuardStopsRecording) {
  Tensor x = dvec({1, 2});
  EXPECT_TRUE(is_grad_enabled());
  {
    NoGradGuard guard;
    EXPECT_FALSE(is_grad_enabled());
    Tensor y = x * 2.0;
    EXPECT_FALSE(y.requires_grad());
    EXPECT_TRUE(y.is_leaf());
    {
      EnableGradGuard enable;
      EXPECT_TRUE((x * 2.0).requires_grad());
    }
    EXPECT_FALSE((x * 2.0).requires_grad());
  }
  EXPECT_TRUE(is_grad_enabled());
  EXPECT_TRUE((x * 2.0).requires_grad());
}

TEST(Autograd, NoGradGuardIsThreadLocal) {
  Tensor x = dvec({1, 2});
  NoGradGuard guard;
  bool other_enabled = false, other_records = false;
  std::thread other([&] {
    other_enabled = is_grad_enabled();
    other_records = (x * 2.0).requires_grad();
  });
  other.join();
  EXPECT_TRUE(other_enabled);
  EXPECT_TRUE(other_records);
  EXPECT_FALSE((x * 2.0).requires_grad());
}

TEST(Autograd, DetachSharesStorageWithoutHistory) {
  Tensor x = dvec({1, 2, 3});
  Tensor y = x * 2.0;
  Tensor d = y.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_TRUE(d.is_leaf());
  EXPECT_EQ(d.data_ptr<double>(), y.data_ptr<double>());
  d.fill_(7.0);
  expect_values(y, {7, 7, 7});
  // The detached factor is a constant: d/dx (c * x) = c = x, not 2x.
  (x.detach() * x).sum().backward();
  expect_values(x.grad(), {1, 2, 3});
}

TEST(Autograd, ModifyingASavedOutputInPlaceIsDetected) {
  Tensor x = dvec({0.5, 1.5});
  // wick may refuse the add_ itself (its storage is saved for backward) or,
  // as PyTorch, the backward that would read the stale value; either way it
  // must throw, never return exp's gradient computed from exp(x) + 1.
  std::string msg = error_of([&] {
    Tensor y = x.exp();  // exp saves its result for backward
    y.add_(1.0);
    y.sum().backward();
  });
  ASSERT_FALSE(msg.empty()) << "modifying exp's saved result must not give a silent wrong gradient";
  EXPECT_TRUE(contains(msg, "inplace") || contains(msg, "in place")) << msg;

  // Modified without recording (the guard skips the in-place check), the
  // version counter is what catches it, at backward.
  msg = error_of([&] {
    Tensor y = x.exp();
    {
      NoGradGuard guard;
      y.add_(1.0);
    }
    y.sum().backward();
  });
  ASSERT_FALSE(msg.empty()) << "backward through a modified saved tensor must throw";
  EXPECT_TRUE(contains(msg, "modified by an inplace operation")) << msg;
  EXPECT_TRUE(contains(msg, "version")) << msg;
  EXPECT_TRUE(contains(msg, "exp")) << msg;  // names the op that saved it
  EXPECT_FALSE(x.grad().defined());
}

TEST(Autograd, InPlaceOnAnUnsavedResultIsDifferentiable) {
  Tensor x = dvec({0.5, -1.0});
  Tensor y = x * 2.0;  // multiplying by a constant saves nothing of y
  y.add_(1.0);
  y.mul_(3.0);
  (y * y).sum().backward();
  // y = 3(2x + 1), d/dx sum(y^2) = 2y * 6 = 36(2x + 1).
  expect_values(x.grad(), {36 * 2.0, 36 * -1.0}, 1e-10);
}

// exp, sqrt, sigmoid, tanh and reciprocal save their output only (log and
// log1p their input only), as PyTorch does: the other may change in place.
TEST(Autograd, ExpSavesItsOutputSoItsInputMayChangeInPlace) {
  Tensor w = dvec({0.5, -1.0});
  Tensor y = w * 2.0;
  Tensor z = y.exp();
  y.add_(1.0);
  z.sum().backward();
  expect_values(w.grad(), {2 * std::exp(1.0), 2 * std::exp(-2.0)}, 1e-12);
  Tensor v = dvec({0.5, -1.0});
  Tensor e = (v * 2.0).exp();
  // The saved output itself may not change (refused at the call; PyTorch
  // refuses at backward).
  EXPECT_FALSE(error_of([&] { e.add_(1.0); }).empty());
}

TEST(Autograd, ModifyingASavedInputInPlaceIsDetected) {
  Tensor x = dvec({0.5, 1.5});
  Tensor w = dvec({2, 3}, false);
  Tensor y = (x * w).sum();  // mul saves w to compute x's gradient
  const uint32_t before = w.version();
  w.add_(1.0);
  EXPECT_GT(w.version(), before);
  std::string msg = error_of([&] { y.backward(); });
  ASSERT_FALSE(msg.empty()) << "w changed after mul saved it: backward must refuse";
  EXPECT_TRUE(contains(msg, "modified by an inplace operation")) << msg;
}

TEST(Autograd, InPlaceOnLeafRequiringGradNeedsNoGrad) {
  Tensor x = dvec({1, 2});
  // As PyTorch: the update would be invisible to autograd.
  EXPECT_THROW(x.add_(1.0), Error);
  {
    NoGradGuard guard;  // what an optimizer step does
    x.add_(1.0);
  }
  expect_values(x.detach(), {2, 3});
  EXPECT_TRUE(x.requires_grad());
}

// `out[0].copy_(w)` with out a plain tensor: the history would go on the
// view only and w's gradient through `out` would be lost (PyTorch rebases
// out's history; wick refuses). Into a tensor that owns its memory, or under
// NoGradGuard, the write is fine.
TEST(Autograd, WritingAGradTensorIntoAViewOfAPlainTensorIsRefused) {
  Tensor w = dvec({1, 2});
  Tensor out = zeros({2, 2}, {.dtype = kFloat64});
  EXPECT_THROW(out[0].copy_(w), Error);
  EXPECT_THROW(out[1].add_(w), Error);
  EXPECT_THROW(out.slice(0, 0, 1) = w, Error);
  EXPECT_FALSE(out.requires_grad());
  Tensor own = zeros({2}, {.dtype = kFloat64});
  own.copy_(w);
  (own * own).sum().backward();
  expect_values(w.grad(), {2, 4});
  {
    NoGradGuard guard;
    out[0].copy_(w);
  }
  expect_values(out.reshape({4}), {1, 2, 0, 0});
}

TEST(Autograd, RequiresGradOnIntegerTensorThrows) {
  Tensor i = arange(5);
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_THROW(i.requires_grad_(), Error);
  EXPECT_THROW(ones({2}, {.dtype = kBool}).requires_grad_(), Error);
  EXPECT_THROW(zeros({2}, {.dtype = kInt64, .requires_grad = true}), Error);
}

TEST(Autograd, NoGradIsCreatedForTensorsThatDoNotRequireIt) {
  Tensor a = dvec({1, 2}, false);
  Tensor b = dvec({3, 4});
  (a * b).sum().backward();
  EXPECT_FALSE(a.grad().defined());
  expect_values(b.grad(), {1, 2});
}

TEST(Autograd, DiamondGraphSumsBothPaths) {
  Tensor x = dvec({0.3, -0.7});
  (x * 3.0 + x.exp()).sum().backward();
  expect_values(x.grad(), {3 + std::exp(0.3), 3 + std::exp(-0.7)});

  // A shared intermediate: y = a*a + a with a = 2x, dy/dx = (2a + 1) * 2.
  Tensor z = dvec({0.3, -0.7});
  Tensor a = z * 2.0;
  (a * a + a).sum().backward();
  expect_values(z.grad(), {(2 * 0.6 + 1) * 2, (2 * -1.4 + 1) * 2});
}

// Runs `f` on a thread with a small stack, so that a recursive backward over a
// deep graph overflows here even though the main thread's 8 MiB would hide it.
void run_on_small_stack(size_t bytes, const std::function<void()>& f) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, bytes);
  pthread_t th;
  auto body = [](void* p) -> void* {
    (*static_cast<const std::function<void()>*>(p))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&th, &attr, body, const_cast<std::function<void()>*>(&f)), 0);
  pthread_join(th, nullptr);
  pthread_attr_destroy(&attr);
}

TEST(Autograd, DeepChainBackwardIsIterative) {
  constexpr int kDepth = 10000;
  Tensor x = dvec({1.0, 2.0});
  Tensor y = x;
  for (int i = 0; i < kDepth; ++i) y = y * 0.9999;
  Tensor loss = y.sum();
  std::string error;
  // 1 MiB: an iterative engine needs a few KiB, a recursive one ~100 bytes
  // per node or more.
  run_on_small_stack(1 << 20, [&] {
    try {
      loss.backward();
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  EXPECT_EQ(error, "");
  const double want = std::pow(0.9999, kDepth);
  expect_values(x.grad(), {want, want}, 1e-9);
}

TEST(Autograd, NonLeafGradOnlyWithRetainGrad) {
  Tensor x = dvec({1, 2});
  Tensor a = x * 3.0;
  Tensor b = x * 4.0;
  b.retain_grad();
  (a * 2.0 + b * 5.0).sum().backward();
  EXPECT_FALSE(a.grad().defined());
  expect_values(b.grad(), {5, 5});
  expect_values(x.grad(), {26, 26});
}

TEST(Autograd, GradFunctionLeavesDotGradUntouched) {
  Tensor x = dvec({1, 2, 3});
  Tensor w = dvec({4, 5, 6});
  Tensor y = (x * x * w).sum();
  std::vector<Tensor> g = autograd::grad({y}, {x, w});
  ASSERT_EQ(g.size(), 2u);
  expect_values(g[0], {2 * 1 * 4, 2 * 2 * 5, 2 * 3 * 6});
  expect_values(g[1], {1, 4, 9});
  EXPECT_FALSE(x.grad().defined());
  EXPECT_FALSE(w.grad().defined());

  // A non-scalar output with its grad_output.
  Tensor z = x.exp();
  std::vector<Tensor> gz = autograd::grad({z}, {x}, {dvec({1, 0, 2}, false)});
  expect_values(gz[0], {std::exp(1.0), 0, 2 * std::exp(3.0)}, 1e-10);
  EXPECT_FALSE(x.grad().defined());
}

TEST(Autograd, BackwardFromSeveralRoots) {
  Tensor x = dvec({1, 2});
  Tensor a = (x * 2.0).sum();
  Tensor b = x * x;
  autograd::backward({a, b}, {Tensor(), dvec({1, 1}, false)});
  expect_values(x.grad(), {2 + 2, 2 + 4});
}

TEST(Autograd, RequiresGradPropagates) {
  Tensor a = dvec({1, 2}, false);
  Tensor b = dvec({3, 4});
  EXPECT_FALSE((a * 2.0).requires_grad());
  EXPECT_TRUE((a + b).requires_grad());
  EXPECT_TRUE((a * 2.0 + b).requires_grad());
  EXPECT_EQ((a + b).grad_fn_name().empty(), false);
}

// At kinks and ties the derivative is a convention; these follow PyTorch (the
// expected values were produced by torch 1.13), so a model trains the same.
TEST(Autograd, KinkAndTieConventionsMatchPyTorch) {
  auto grad_of = [](const std::function<Tensor(const Tensor&)>& f, const std::vector<double>& v) {
    Tensor x = dvec(v);
    f(x).sum().backward();
    return x.grad();
  };
  expect_values(grad_of([](const Tensor& x) { return relu(x); }, {0, 1, -1}), {0, 1, 0});
  expect_values(grad_of([](const Tensor& x) { return abs(x); }, {0, 1, -1}), {0, 1, -1});
  expect_values(grad_of([](const Tensor& x) { return sign(x); }, {0, 1, -1}), {0, 0, 0});
  // clamp passes the gradient at a bound itself (min <= x <= max).
  expect_values(grad_of([](const Tensor& x) { return clamp(x, -0.5, 0.5); }, {-0.5, 0.5, 0.0, 1.0}), {1, 1, 1, 0});
  // The overall max/min split a tie evenly.
  expect_values(grad_of([](const Tensor& x) { return max(x); }, {3, 1, 3}), {0.5, 0, 0.5});
  expect_values(grad_of([](const Tensor& x) { return min(x); }, {1, 3, 1}), {0.5, 0, 0.5});
  // max(dim) sends it all to the index it returned.
  Tensor x = dvec({3, 1, 3});
  MaxResult mr = x.max(0);
  mr.values.backward();
  std::vector<double> want(3, 0.0);
  want[static_cast<size_t>(mr.indices.item<int64_t>())] = 1;
  expect_values(x.grad(), want);
  // maximum/minimum split a tie between the operands.
  Tensor a = dvec({1, 2}), b = dvec({1, 3});
  maximum(a, b).sum().backward();
  expect_values(a.grad(), {0.5, 0});
  expect_values(b.grad(), {0.5, 1});
  Tensor c = dvec({1, 2}), d = dvec({1, 3});
  minimum(c, d).sum().backward();
  expect_values(c.grad(), {0.5, 1});
  expect_values(d.grad(), {0.5, 0});
  expect_values(grad_of([](const Tensor& v) { return v.prod(); }, {0, 2, 3}), {6, 0, 0});
}

// pow at a zero base, where the textbook formulas meet 0 * log(0) and
// 0 * 0^-1; PyTorch (torch 1.13) masks those to 0, the one-sided limits.
TEST(Autograd, PowAtZeroBaseMatchesPyTorch) {
  auto grad_of = [](const std::function<Tensor(const Tensor&)>& f, const std::vector<double>& v) {
    Tensor x = dvec(v);
    f(x).sum().backward();
    return x.grad();
  };
  Tensor base = dvec({0, 0}), expo = dvec({2, 0});
  pow(base, expo).sum().backward();
  {
    SCOPED_TRACE("pow(tensor [0, 0], tensor [2, 0]): base gradient");
    expect_values(base.grad(), {0, 0});
  }
  {
    SCOPED_TRACE("pow(tensor [0, 0], tensor [2, 0]): exponent gradient");
    expect_values(expo.grad(), {0, 0});
  }
  {
    SCOPED_TRACE("pow(0.0, tensor [2, 0.5])");
    expect_values(grad_of([](const Tensor& e) { return pow(0.0, e); }, {2, 0.5}), {0, 0});
  }
  {
    SCOPED_TRACE("pow(tensor [0], 2.0) and pow(tensor [0], 0.0)");
    expect_values(grad_of([](const Tensor& v) { return v.pow(2.0); }, {0}), {0});
    expect_values(grad_of([](const Tensor& v) { return v.pow(0.0); }, {0}), {0});
  }
}

TEST(Autograd, EmptyTensorGetsAnEmptyGradient) {
  Tensor x = zeros({0, 3}, {.dtype = kFloat64, .requires_grad = true});
  x.sum().backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_EQ(x.grad().sizes(), (Shape{0, 3}));
}

TEST(Autograd, Float32GradientsAreFloat32) {
  Tensor x = randn({2, 3}, {.requires_grad = true});
  ASSERT_EQ(x.dtype(), kFloat32);
  (x * x).sum().backward();
  EXPECT_EQ(x.grad().dtype(), kFloat32);
  EXPECT_EQ(x.grad().sizes(), x.sizes());
  EXPECT_FALSE(x.grad().requires_grad());
}

TEST(Autograd, RequiresGradFalseAndDetachInPlaceStopRecording) {
  Tensor x = dvec({1, 2});
  x.requires_grad_(false);
  EXPECT_FALSE((x * 2.0).requires_grad());
  Tensor y = dvec({1, 2}) * 2.0;
  ASSERT_FALSE(y.is_leaf());
  y.detach_();
  EXPECT_TRUE(y.is_leaf());
  EXPECT_FALSE(y.requires_grad());
}

// Backward passes on independent graphs may run in different threads (a data
// loader thread, a evaluation thread): the engine keeps no shared state.
TEST(Autograd, IndependentGraphsBackwardInParallel) {
  constexpr int kIters = 200;
  std::vector<std::string> errors(2);
  auto work = [&](int id) {
    try {
      for (int i = 0; i < kIters; ++i) {
        Tensor x = dvec({1.0 + id, 2.0 + id});
        (x * x * 3.0).sum().backward();
        std::vector<double> g = values(x.grad());
        if (g[0] != 6 * (1.0 + id) || g[1] != 6 * (2.0 + id)) errors[id] = "wrong gradient";
      }
    } catch (const std::exception& e) {
      errors[id] = e.what();
    }
  };
  std::thread t0(work, 0), t1(work, 1);
  t0.join();
  t1.join();
  EXPECT_EQ(errors[0], "");
  EXPECT_EQ(errors[1], "");
}

// The gradient checker must fail loudly on a wrong gradient: x * x.detach()
// has analytic gradient x but numeric gradient 2x.
TEST(GradcheckHelper, DetectsAWrongGradient) {
  manual_seed(7);
  Tensor x = randn({3, 2}, {.dtype = kFloat64}) + 2.0;
  x = x.detach();
  x.requires_grad_();
  testing::GradcheckResult r =
      testing::gradcheck("x * x.detach()", [](const std::vector<Tensor>& in) { return in[0] * in[0].detach(); }, {x});
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(contains(r.message, "input 0")) << r.message;
  EXPECT_TRUE(contains(r.message, "worst at")) << r.message;
}

TEST(GradcheckHelper, AcceptsACorrectGradient) {
  manual_seed(8);
  Tensor x = randn({3, 2}, {.dtype = kFloat64, .requires_grad = true});
  testing::GradcheckResult r =
      testing::gradcheck("x * x", [](const std::vector<Tensor>& in) { return in[0] * in[0]; }, {x});
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.checked_elements, 6);
}

// A small network end to end: linear -> tanh -> linear -> log_softmax ->
// pick the target class -> mean, as a classifier's loss.
TEST(GradcheckHelper, SmallClassifierLoss) {
  manual_seed(9);
  auto leaf = [](const Shape& s) { return randn(s, {.dtype = kFloat64, .requires_grad = true}); };
  std::vector<Tensor> in = {leaf({4, 3}), leaf({5, 3}), leaf({5}), leaf({2, 5}), leaf({2}), randint(0, 2, {4, 1})};
  testing::GradcheckResult r = testing::gradcheck(
      "mlp loss",
      [](const std::vector<Tensor>& p) {
        Tensor h = tanh(linear(p[0], p[1], p[2]));
        Tensor logp = log_softmax(linear(h, p[3], p[4]), 1);
        return -logp.gather(1, p[5]).mean();
      },
      in);
  EXPECT_TRUE(r.ok) << r.message;
}

}  // namespace
}  // namespace wick
