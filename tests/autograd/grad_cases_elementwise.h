#pragma once
// Gradient-check cases: elementwise ops, where and masked_fill.
// Included by grad_cases.h only.

namespace wick::testing {

inline void add_elementwise_cases(CaseList& L) {
  using F2 = std::function<Tensor(const Tensor&, const Tensor&)>;
  const auto r = [] { return CaseList::r(); };

  // ---- + - * / with broadcasting both ways, 0-d operands, scalars ----
  struct Bin {
    std::string op;
    F2 fn;
    bool nonzero_rhs;  // div: keep the denominator away from 0
  };
  const std::vector<Bin> bins = {
      {"add", [](const Tensor& a, const Tensor& b) { return a + b; }, false},
      {"sub", [](const Tensor& a, const Tensor& b) { return a - b; }, false},
      {"mul", [](const Tensor& a, const Tensor& b) { return a * b; }, false},
      {"div", [](const Tensor& a, const Tensor& b) { return a / b; }, true},
  };
  for (const Bin& b : bins) {
    const int64_t m = r(), n = r(), k = r();
    const std::vector<std::pair<Shape, Shape>> pairs = {
        {{m, n}, {m, n}}, {{m, 1}, {1, n}}, {{m, n}, {n}},    {{n}, {m, n}},
        {{k, 1, n}, {m, 1}}, {{m, n}, {}},  {{}, {m, n}},     {{1}, {k, m, n}},
    };
    for (const auto& [sa, sb] : pairs) {
      const bool nz = b.nonzero_rhs;
      MakeFn make = [sa = sa, sb = sb, nz](InputGen& g) {  // init-captures: clang 14 cannot capture structured bindings
        return Inputs{g.normal(sa), nz ? g.away(sb, {0}, 0.5) : g.normal(sb)};
      };
      F2 fn = b.fn;
      L.add(b.op, sh(sa) + " " + b.op + " " + sh(sb), make,
            [fn](const Inputs& x) { return fn(x[0], x[1]); });
    }
  }
  const int64_t m = r(), n = r();
  const Shape A = {m, n};
  const MakeFn one = CaseList::normals({A}), two = CaseList::normals({A, A});
  const MakeFn two_b = CaseList::normals({A, {n}});
  const MakeFn num_den = [A](InputGen& g) { return Inputs{g.normal(A), g.away(A, {0}, 0.5)}; };
  const MakeFn den = [A](InputGen& g) { return Inputs{g.away(A, {0}, 0.5)}; };

  L.add("add", "tensor + 2.5", one, [](const Inputs& x) { return x[0] + 2.5; });
  L.add("add", "2.5 + tensor", one, [](const Inputs& x) { return 2.5 + x[0]; });
  L.add("add", "a.add(b, alpha=-0.7)", two, [](const Inputs& x) { return x[0].add(x[1], -0.7); });
  L.add("add", "add(a, b[n], alpha=2)", two_b, [](const Inputs& x) { return add(x[0], x[1], 2.0); });
  L.add("sub", "tensor - 1.5", one, [](const Inputs& x) { return x[0] - 1.5; });
  L.add("sub", "1.5 - tensor", one, [](const Inputs& x) { return 1.5 - x[0]; });
  L.add("sub", "a.sub(b, alpha=0.3)", two, [](const Inputs& x) { return x[0].sub(x[1], 0.3); });
  L.add("sub", "sub(a, b[n], alpha=-2)", two_b, [](const Inputs& x) { return sub(x[0], x[1], -2.0); });
  L.add("mul", "tensor * 3", one, [](const Inputs& x) { return x[0] * 3.0; });
  L.add("mul", "-2 * tensor", one, [](const Inputs& x) { return -2.0 * x[0]; });
  L.add("mul", "a.mul(2.5)", one, [](const Inputs& x) { return x[0].mul(2.5); });
  L.add("mul", "mul(a, b[n])", two_b, [](const Inputs& x) { return mul(x[0], x[1]); });
  // Both operands are the same tensor: the node must add its two gradients.
  L.add("mul", "x * x", one, [](const Inputs& x) { return x[0] * x[0]; });
  L.add("div", "tensor / 4", one, [](const Inputs& x) { return x[0] / 4.0; });
  L.add("div", "3 / tensor", den, [](const Inputs& x) { return 3.0 / x[0]; });
  L.add("div", "a.div(b)", num_den, [](const Inputs& x) { return x[0].div(x[1]); });
  L.add("div", "div(a, b)", num_den, [](const Inputs& x) { return div(x[0], x[1]); });

  // One operand constant (no grad), and upstream gradients that arrive
  // non-contiguous (a transpose after the op) or expanded (a sum after it).
  L.add("mul", "mul(x, constant[n])", [A, n](InputGen& g) { return Inputs{g.normal(A), InputGen::constant({n})}; },
        [](const Inputs& x) { return x[0] * x[1]; });
  L.add("div", "constant / x", [A](InputGen& g) { return Inputs{g.away(A, {0}, 0.5), InputGen::constant(A)}; },
        [](const Inputs& x) { return x[1] / x[0]; });
  L.add("sub", "constant[m,1] - x", [A, m](InputGen& g) { return Inputs{g.normal(A), InputGen::constant({m, 1})}; },
        [](const Inputs& x) { return x[1] - x[0]; });
  L.add("mul", "(a * b).t(): transposed upstream gradient", two, [](const Inputs& x) { return (x[0] * x[1]).t(); });
  L.add("exp", "exp(x).t(): transposed upstream gradient", one, [](const Inputs& x) { return exp(x[0]).t(); });
  L.add("tanh", "tanh(x).sum(0): expanded upstream gradient", one,
        [](const Inputs& x) { return tanh(x[0]).sum(0); });
  L.add("where", "where(cond, x, constant).t()",
        [A](InputGen& g) { return Inputs{g.normal(A), InputGen::constant(A), InputGen::mask(A)}; },
        [](const Inputs& x) { return where(x[2], x[0], x[1]).t(); });

  // ---- pow: tensor^scalar, tensor^tensor (positive base), scalar^tensor ----
  const MakeFn pos = CaseList::uniforms({A}, 0.5, 2.0);
  L.add("pow", "pow(positive, 2.5)", pos, [](const Inputs& x) { return pow(x[0], 2.5); });
  L.add("pow", "pow(x, 3)", one, [](const Inputs& x) { return pow(x[0], 3.0); });
  L.add("pow", "pow(positive, -1.5)", pos, [](const Inputs& x) { return pow(x[0], -1.5); });
  L.add("pow", "x.pow(2)", one, [](const Inputs& x) { return x[0].pow(2.0); });
  L.add("pow", "pow(positive, tensor)", [A](InputGen& g) { return Inputs{g.uniform(A, 0.5, 2.0), g.normal(A)}; },
        [](const Inputs& x) { return pow(x[0], x[1]); });
  L.add("pow", "pow(positive[m,1], tensor[n]) broadcast",
        [m, n](InputGen& g) { return Inputs{g.uniform({m, 1}, 0.5, 2.0), g.normal({n})}; },
        [](const Inputs& x) { return x[0].pow(x[1]); });
  L.add("pow", "pow(2, tensor)", one, [](const Inputs& x) { return pow(2.0, x[0]); });
  L.add("pow", "pow(0.7, tensor)", one, [](const Inputs& x) { return pow(0.7, x[0]); });

  // ---- maximum / minimum: the two operands never tie ----
  for (const std::string op : {"maximum", "minimum"}) {
    F2 fn = op == "maximum" ? F2([](const Tensor& a, const Tensor& b) { return maximum(a, b); })
                            : F2([](const Tensor& a, const Tensor& b) { return minimum(a, b); });
    L.add(op, sh(A) + " vs " + sh(A), [A](InputGen& g) { return Inputs{g.distinct(A), g.distinct(A, 0.5)}; },
          [fn](const Inputs& x) { return fn(x[0], x[1]); });
    L.add(op, sh({m, 1}) + " vs " + sh({1, n}),
          [m, n](InputGen& g) { return Inputs{g.distinct({m, 1}), g.distinct({1, n}, 0.5)}; },
          [fn](const Inputs& x) { return fn(x[0], x[1]); });
  }

  // ---- unary ops, as free functions and (where they exist) methods ----
  const Shape B = {r(), r(), r()};
  struct Un {
    std::string op;
    std::function<Tensor(const Tensor&)> free_fn, method;
    MakeFn make;
  };
  const MakeFn nb = CaseList::normals({B});
  const MakeFn kink0 = [B](InputGen& g) { return Inputs{g.away(B, {0})}; };
  const auto none = std::function<Tensor(const Tensor&)>();
  const std::vector<Un> uns = {
      {"neg", [](const Tensor& a) { return neg(a); }, [](const Tensor& a) { return a.neg(); }, nb},
      {"neg", [](const Tensor& a) { return -a; }, none, nb},
      {"exp", [](const Tensor& a) { return exp(a); }, [](const Tensor& a) { return a.exp(); }, nb},
      {"log", [](const Tensor& a) { return log(a); }, [](const Tensor& a) { return a.log(); },
       CaseList::uniforms({B}, 0.3, 3.0)},
      {"log1p", [](const Tensor& a) { return log1p(a); }, [](const Tensor& a) { return a.log1p(); },
       CaseList::uniforms({B}, -0.6, 3.0)},
      {"sqrt", [](const Tensor& a) { return sqrt(a); }, [](const Tensor& a) { return a.sqrt(); },
       CaseList::uniforms({B}, 0.3, 3.0)},
      {"abs", [](const Tensor& a) { return abs(a); }, [](const Tensor& a) { return a.abs(); }, kink0},
      // sign is piecewise constant: its gradient is zero, as in PyTorch.
      {"sign", [](const Tensor& a) { return sign(a); }, none, kink0},
      {"sigmoid", [](const Tensor& a) { return sigmoid(a); }, [](const Tensor& a) { return a.sigmoid(); }, nb},
      {"tanh", [](const Tensor& a) { return tanh(a); }, [](const Tensor& a) { return a.tanh(); }, nb},
      {"relu", [](const Tensor& a) { return relu(a); }, [](const Tensor& a) { return a.relu(); }, kink0},
      {"square", [](const Tensor& a) { return square(a); }, none, nb},
      {"reciprocal", [](const Tensor& a) { return reciprocal(a); }, none,
       [B](InputGen& g) { return Inputs{g.away(B, {0}, 0.4)}; }},
  };
  for (const Un& u : uns) {
    auto ff = u.free_fn;
    L.add(u.op, u.op + "(" + sh(B) + ")", u.make, [ff](const Inputs& x) { return ff(x[0]); });
    if (u.method) {
      auto mf = u.method;
      L.add(u.op, "x." + u.op + "() " + sh(B), u.make, [mf](const Inputs& x) { return mf(x[0]); });
    }
  }
  // Large arguments: the saturated regions must not turn into NaN gradients.
  L.add("exp", "exp of values in [-20, 4]", CaseList::uniforms({B}, -20, 4),
        [](const Inputs& x) { return exp(x[0]); });
  L.add("sigmoid", "sigmoid of values in [-20, 20]", CaseList::uniforms({B}, -20, 20),
        [](const Inputs& x) { return sigmoid(x[0]); });
  L.add("tanh", "tanh of values in [-10, 10]", CaseList::uniforms({B}, -10, 10),
        [](const Inputs& x) { return tanh(x[0]); });

  // ---- clamp, with inputs away from both bounds ----
  const MakeFn kinks = [B](InputGen& g) { return Inputs{g.away(B, {-0.5, 0.5})}; };
  L.add("clamp", "clamp(x, -0.5, 0.5)", kinks, [](const Inputs& x) { return clamp(x[0], -0.5, 0.5); });
  L.add("clamp", "clamp(x, -0.5, none)", kinks,
        [](const Inputs& x) { return clamp(x[0], -0.5, std::nullopt); });
  L.add("clamp", "clamp(x, none, 0.5)", kinks,
        [](const Inputs& x) { return clamp(x[0], std::nullopt, 0.5); });
  L.add("clamp", "x.clamp(-0.5, 0.5)", kinks, [](const Inputs& x) { return x[0].clamp(-0.5, 0.5); });

  // ---- where: gradient to both branches, with broadcasting ----
  L.add("where", "where(cond, a, b) " + sh(A),
        [A](InputGen& g) { return Inputs{g.normal(A), g.normal(A), InputGen::mask(A)}; },
        [](const Inputs& x) { return where(x[2], x[0], x[1]); });
  L.add("where", "where(cond[m,1], a[1,n], b[n])",
        [m, n](InputGen& g) { return Inputs{g.normal({1, n}), g.normal({n}), InputGen::mask({m, 1})}; },
        [](const Inputs& x) { return where(x[2], x[0], x[1]); });
  L.add("where", "where(cond, a, 1.5)", [A](InputGen& g) { return Inputs{g.normal(A), InputGen::mask(A)}; },
        [](const Inputs& x) { return where(x[1], x[0], 1.5); });
  L.add("where", "where(cond, -2, b)", [A](InputGen& g) { return Inputs{g.normal(A), InputGen::mask(A)}; },
        [](const Inputs& x) { return where(x[1], -2.0, x[0]); });

  // ---- masked_fill: filled positions get no gradient ----
  L.add("masked_fill", "masked_fill(x, mask, 3)",
        [A](InputGen& g) { return Inputs{g.normal(A), InputGen::mask(A)}; },
        [](const Inputs& x) { return masked_fill(x[0], x[1], 3.0); });
  L.add("masked_fill", "x.masked_fill(mask[n] broadcast, -1)",
        [A, n](InputGen& g) { return Inputs{g.normal(A), InputGen::mask({n})}; },
        [](const Inputs& x) { return x[0].masked_fill(x[1], -1.0); });
}

}  // namespace wick::testing
