// Gradient checks on inputs big enough to reach the kernels' vectorized loops
// (odd sizes leave loop tails) and their multi-threaded paths, which the
// per-element check in gradcheck_test.cpp (sizes 1..5) never does. Each input
// is checked along one random direction (directional_gradcheck).
#include <gtest/gtest.h>

#include "autograd/gradcheck.h"

namespace wick::testing {
namespace {

using Inputs = std::vector<Tensor>;

Tensor leaf(const Shape& s, double lo = 0, double hi = 0) {
  Tensor t = lo == hi ? randn(s, {.dtype = kFloat64}) : rand(s, {.dtype = kFloat64}) * (hi - lo) + lo;
  t = t.detach();
  t.requires_grad_();
  return t;
}

// Non-contiguous (column-major) leaf with the same kind of values.
Tensor leaf_t(const Shape& s) {
  Shape swapped = s;
  std::swap(swapped[swapped.size() - 1], swapped[swapped.size() - 2]);
  Tensor t = randn(swapped, {.dtype = kFloat64}).transpose(-1, -2);
  t.requires_grad_();
  return t;
}

struct LargeCase {
  std::string name;
  std::function<Inputs()> make;
  GradFn f;
};

// float64 sums of ~1e5 terms: the numeric side is good to ~1e-5 absolute; a
// single wrong gradient element moves <g, v> by about |v| ~ 1, far above.
constexpr GradcheckOptions kLarge{.eps = 1e-6, .atol = 1e-4, .rtol = 1e-8};

TEST(GradCheckLarge, DirectionalDerivativesMatch) {
  const int64_t M = 301, N = 203, K = 67;  // odd: vector loops have tails
  std::vector<LargeCase> cases = {
      {"add [M,N] + [N]", [&] { return Inputs{leaf({M, N}), leaf({N})}; },
       [](const Inputs& x) { return x[0] + x[1]; }},
      {"mul [M,1] * [1,N]", [&] { return Inputs{leaf({M, 1}), leaf({1, N})}; },
       [](const Inputs& x) { return x[0] * x[1]; }},
      {"div [M,N] / [M,1]", [&] { return Inputs{leaf({M, N}), leaf({M, 1}, 0.5, 2.0)}; },
       [](const Inputs& x) { return x[0] / x[1]; }},
      {"mul, transposed input", [&] { return Inputs{leaf_t({M, N}), leaf({M, N})}; },
       [](const Inputs& x) { return x[0] * x[1]; }},
      {"exp", [&] { return Inputs{leaf({M, N})}; }, [](const Inputs& x) { return exp(x[0]); }},
      {"log", [&] { return Inputs{leaf({M, N}, 0.5, 3.0)}; }, [](const Inputs& x) { return log(x[0]); }},
      {"sigmoid", [&] { return Inputs{leaf({M, N})}; }, [](const Inputs& x) { return sigmoid(x[0]); }},
      {"tanh, transposed input", [&] { return Inputs{leaf_t({M, N})}; }, [](const Inputs& x) { return tanh(x[0]); }},
      {"pow(x, 3)", [&] { return Inputs{leaf({M, N})}; }, [](const Inputs& x) { return pow(x[0], 3.0); }},
      {"sum(0)", [&] { return Inputs{leaf({M, N})}; }, [](const Inputs& x) { return x[0].sum(0); }},
      {"sum(1), transposed input", [&] { return Inputs{leaf_t({M, N})}; }, [](const Inputs& x) { return x[0].sum(1); }},
      {"mean()", [&] { return Inputs{leaf({M, N})}; }, [](const Inputs& x) { return x[0].mean(); }},
      {"var(1)", [&] { return Inputs{leaf({M, N})}; }, [](const Inputs& x) { return x[0].var(1); }},
      {"max(1).values", [&] { return Inputs{leaf({M, N})}; }, [](const Inputs& x) { return x[0].max(1).values; }},
      {"softmax(1)", [&] { return Inputs{leaf({M, N})}; }, [](const Inputs& x) { return softmax(x[0], 1); }},
      {"log_softmax(1)", [&] { return Inputs{leaf({M, N})}; }, [](const Inputs& x) { return log_softmax(x[0], 1); }},
      {"log_softmax(0)", [&] { return Inputs{leaf({M, N})}; }, [](const Inputs& x) { return log_softmax(x[0], 0); }},
      {"logsumexp(1)", [&] { return Inputs{leaf({M, N})}; }, [](const Inputs& x) { return logsumexp(x[0], 1); }},
      {"mm [M,K] @ [K,N]", [&] { return Inputs{leaf({M, K}), leaf({K, N})}; },
       [](const Inputs& x) { return mm(x[0], x[1]); }},
      {"matmul, transposed operands", [&] { return Inputs{leaf_t({M, K}), leaf_t({K, N})}; },
       [](const Inputs& x) { return matmul(x[0], x[1]); }},
      {"matmul batched [7,M,K] @ [K,N]", [&] { return Inputs{leaf({7, M, K}), leaf({K, N})}; },
       [](const Inputs& x) { return matmul(x[0], x[1]); }},
      {"linear [M,K] x [N,K] + [N]", [&] { return Inputs{leaf({M, K}), leaf({N, K}), leaf({N})}; },
       [](const Inputs& x) { return linear(x[0], x[1], x[2]); }},
      {"gather(1)", [&] { return Inputs{leaf({M, N}), randint(0, N, {M, K})}; },
       [](const Inputs& x) { return gather(x[0], 1, x[1]); }},
      {"index_select(0)", [&] { return Inputs{leaf({M, N}), randint(0, M, {K})}; },
       [](const Inputs& x) { return index_select(x[0], 0, x[1]); }},
      {"scatter_add(0)", [&] { return Inputs{leaf({K, N}), leaf({M, N}), randint(0, K, {M, N})}; },
       [](const Inputs& x) { return scatter_add(x[0], 0, x[2], x[1]); }},
      {"cat(1)", [&] { return Inputs{leaf({M, N}), leaf({M, K})}; },
       [](const Inputs& x) { return cat({x[0], x[1]}, 1); }},
      {"expand [M,1] -> [M,N]", [&] { return Inputs{leaf({M, 1})}; },
       [M, N](const Inputs& x) { return x[0].expand({M, N}); }},
      {"where", [&] { return Inputs{leaf({M, N}), leaf({M, N}), rand({M, N}).lt(0.5)}; },
       [](const Inputs& x) { return where(x[2], x[0], x[1]); }},
  };
  manual_seed(4242);
  for (const LargeCase& c : cases) {
    SCOPED_TRACE(c.name);
    try {
      Inputs in = c.make();
      GradcheckResult r = directional_gradcheck(c.name, c.f, in, kLarge);
      EXPECT_TRUE(r.ok) << r.message;
    } catch (const std::exception& e) {
      ADD_FAILURE() << c.name << ": threw: " << e.what();
    }
  }
}

// The directional check must notice one wrong element among ~60000.
TEST(GradCheckLarge, DetectsASingleWrongElement) {
  manual_seed(4243);
  const int64_t M = 301, N = 203;
  Tensor mask = zeros({M, N}, {.dtype = kFloat64});
  {
    NoGradGuard no_grad;
    mask.select(0, 150).select(0, 101).fill_(1.0);
  }
  // y = x * (1 + mask), but the masked element's factor is hidden from
  // autograd: its analytic gradient is 1 where the numeric one is 2.
  GradFn f = [mask](const Inputs& x) { return x[0] + x[0].detach() * mask; };
  GradcheckResult r = directional_gradcheck("one wrong element", f, {leaf({M, N})}, kLarge);
  EXPECT_FALSE(r.ok);
}

}  // namespace
}  // namespace wick::testing
