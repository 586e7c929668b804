// Built against an installed wick (find_package(wick)); exits non-zero unless a
// few ops give the right answers. It touches GEMM (OpenBLAS), a random draw,
// autograd and error reporting, so every private dependency of the static
// library must have reached the link line.
#include <wick/wick.h>

#include <cmath>
#include <cstdio>

namespace {
int failures = 0;

void expect_near(const char* what, double got, double want) {
  const bool ok = std::abs(got - want) <= 1e-4 * (1 + std::abs(want));
  std::printf("%-28s %10.5f (want %10.5f) %s\n", what, got, want, ok ? "ok" : "WRONG");
  if (!ok) ++failures;
}
}  // namespace

int main() {
  try {
    // [[1,2],[3,4]] @ 2I + 1 = [[3,5],[7,9]]
    wick::Tensor a = wick::tensor({{1.0, 2.0}, {3.0, 4.0}});
    wick::Tensor c = wick::mm(a, wick::eye(2) * 2.0) + 1.0;
    expect_near("sum(mm(a, 2I) + 1)", c.sum().item(), 24);
    expect_near("c[1][0]", c[1][0].item(), 7);

    // A product big enough that OpenBLAS does real work.
    wick::manual_seed(0);
    wick::Tensor x = wick::randn({64, 32});
    wick::Tensor g = wick::mm(x.t(), x);  // Gram matrix: trace = sum of squares
    double trace = 0;
    for (int64_t i = 0; i < 32; ++i) trace += g[i][i].item();
    expect_near("trace(x^T x) vs sum(x*x)", trace, (x * x).sum().item());

    // d/dw sum(w * w) = 2w
    wick::Tensor w = wick::tensor({1.0, -2.0, 3.0}, {.requires_grad = true});
    (w * w).sum().backward();
    expect_near("grad of sum(w*w) at w[2]", w.grad()[2].item(), 6);

    bool threw = false;
    try {
      wick::mm(a, wick::ones({3, 3}));
    } catch (const wick::Error&) {
      threw = true;
    }
    std::printf("%-28s %s\n", "mm shape mismatch throws", threw ? "ok" : "WRONG");
    if (!threw) ++failures;
  } catch (const std::exception& e) {
    std::printf("unexpected exception: %s\n", e.what());
    return 2;
  }
  std::printf(failures == 0 ? "consumer: all checks passed\n" : "consumer: %d check(s) failed\n", failures);
  return failures == 0 ? 0 : 1;
}
