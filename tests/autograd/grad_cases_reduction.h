#pragma once
// Gradient-check cases: reductions and the softmax family.
// Included by grad_cases.h only.

namespace wick::testing {

inline void add_reduction_cases(CaseList& L) {
  const auto r = [](int64_t lo = 1) { return CaseList::r(lo); };
  const Shape B = {r(), r(), r()};
  const MakeFn nb = CaseList::normals({B});
  using F = std::function<Tensor(const Tensor&)>;
  const auto add1 = [&L, &B](const std::string& op, const std::string& what, const MakeFn& make, F fn) {
    L.add(op, what + " on " + sh(B), make, [fn](const Inputs& x) { return fn(x[0]); });
  };

  // ---- sum / mean: all, one dim, several dims, keepdim, negative dims ----
  add1("sum", "sum(x)", nb, [](const Tensor& a) { return sum(a); });
  add1("sum", "x.sum(0)", nb, [](const Tensor& a) { return a.sum(0); });
  add1("sum", "x.sum(1, keepdim)", nb, [](const Tensor& a) { return a.sum(1, true); });
  add1("sum", "x.sum(-1)", nb, [](const Tensor& a) { return a.sum(-1); });
  add1("sum", "sum(x, {0, 2})", nb, [](const Tensor& a) { return sum(a, {0, 2}); });
  add1("sum", "sum(x, {0, 2}, keepdim)", nb, [](const Tensor& a) { return sum(a, {0, 2}, true); });
  add1("sum", "x.sum({-1, 0})", nb, [](const Tensor& a) { return a.sum(Shape{-1, 0}); });
  add1("mean", "mean(x)", nb, [](const Tensor& a) { return mean(a); });
  add1("mean", "x.mean(0)", nb, [](const Tensor& a) { return a.mean(0); });
  add1("mean", "x.mean(1, keepdim)", nb, [](const Tensor& a) { return a.mean(1, true); });
  add1("mean", "x.mean(-1)", nb, [](const Tensor& a) { return a.mean(-1); });
  add1("mean", "mean(x, {0, 2})", nb, [](const Tensor& a) { return mean(a, {0, 2}); });
  add1("mean", "mean(x, {1, 2}, keepdim)", nb, [](const Tensor& a) { return mean(a, {1, 2}, true); });

  // ---- prod: nonzero values, then exactly one and two zeros (the gradient
  // at a zero is the product of the others; dividing by x would give NaN) ----
  const MakeFn nz = [B](InputGen& g) { return Inputs{g.with_zeros(B, 0)}; };
  add1("prod", "prod(x)", nz, [](const Tensor& a) { return prod(a); });
  add1("prod", "x.prod()", nz, [](const Tensor& a) { return a.prod(); });
  add1("prod", "prod(x, 1)", nz, [](const Tensor& a) { return prod(a, 1); });
  add1("prod", "x.prod(-1, keepdim)", nz, [](const Tensor& a) { return a.prod(-1, true); });
  const Shape P = {r(2), r(2)};
  for (int zeros : {1, 2}) {
    const MakeFn mz = [P, zeros](InputGen& g) { return Inputs{g.with_zeros(P, zeros)}; };
    const std::string z = std::to_string(zeros) + " zero(s) in " + sh(P);
    L.add("prod", "prod(x), " + z, mz, [](const Inputs& x) { return prod(x[0]); });
    L.add("prod", "prod(x, 0), " + z, mz, [](const Inputs& x) { return prod(x[0], 0); });
    L.add("prod", "prod(x, 1), " + z, mz, [](const Inputs& x) { return prod(x[0], 1); });
  }

  // ---- max / min: overall, and along a dim (the gradient goes to the
  // arg-extremum); values never tie ----
  const MakeFn dist = [B](InputGen& g) { return Inputs{g.distinct(B)}; };
  add1("max", "max(x)", dist, [](const Tensor& a) { return max(a); });
  add1("max", "x.max()", dist, [](const Tensor& a) { return a.max(); });
  add1("max", "x.max(1).values", dist, [](const Tensor& a) { return a.max(1).values; });
  add1("max", "max(x, -1, keepdim).values", dist, [](const Tensor& a) { return max(a, -1, true).values; });
  add1("max", "x.max(0).values", dist, [](const Tensor& a) { return a.max(0).values; });
  add1("min", "min(x)", dist, [](const Tensor& a) { return min(a); });
  add1("min", "x.min()", dist, [](const Tensor& a) { return a.min(); });
  add1("min", "x.min(1).values", dist, [](const Tensor& a) { return a.min(1).values; });
  add1("min", "min(x, -1, keepdim).values", dist, [](const Tensor& a) { return min(a, -1, true).values; });
  add1("min", "x.min(0).values", dist, [](const Tensor& a) { return a.min(0).values; });

  // ---- var / std: reduced sizes >= 2 (unbiased needs two samples) ----
  const Shape V = {r(2), r(2), r(2)};
  const MakeFn nv = CaseList::normals({V});
  for (const std::string op : {"var", "std"}) {
    const bool is_var = op == "var";
    auto all = [is_var](const Tensor& a, bool u) { return is_var ? a.var(u) : a.std(u); };
    auto dim = [is_var](const Tensor& a, int64_t d, bool u, bool k) { return is_var ? a.var(d, u, k) : a.std(d, u, k); };
    auto dims = [is_var](const Tensor& a, const Shape& d, bool u, bool k) {
      return is_var ? var(a, d, u, k) : std(a, d, u, k);
    };
    const std::string in = " on " + sh(V);
    L.add(op, "x." + op + "() unbiased" + in, nv, [all](const Inputs& x) { return all(x[0], true); });
    L.add(op, "x." + op + "(false) biased" + in, nv, [all](const Inputs& x) { return all(x[0], false); });
    L.add(op, "x." + op + "(1) unbiased" + in, nv, [dim](const Inputs& x) { return dim(x[0], 1, true, false); });
    L.add(op, "x." + op + "(0, biased)" + in, nv, [dim](const Inputs& x) { return dim(x[0], 0, false, false); });
    L.add(op, "x." + op + "(-1, unbiased, keepdim)" + in, nv,
          [dim](const Inputs& x) { return dim(x[0], -1, true, true); });
    L.add(op, op + "(x, {0, 2}) unbiased" + in, nv,
          [dims](const Inputs& x) { return dims(x[0], {0, 2}, true, false); });
    L.add(op, op + "(x, {1, 2}, biased, keepdim)" + in, nv,
          [dims](const Inputs& x) { return dims(x[0], {1, 2}, false, true); });
  }

  // ---- softmax family along several dims ----
  for (int64_t d : {0, 1, -1}) {
    const std::string ds = std::to_string(d);
    add1("softmax", "softmax(x, " + ds + ")", nb, [d](const Tensor& a) { return softmax(a, d); });
    add1("log_softmax", "log_softmax(x, " + ds + ")", nb, [d](const Tensor& a) { return log_softmax(a, d); });
    add1("logsumexp", "logsumexp(x, " + ds + ")", nb, [d](const Tensor& a) { return logsumexp(a, d); });
  }
  add1("softmax", "x.softmax(1)", nb, [](const Tensor& a) { return a.softmax(1); });
  add1("log_softmax", "x.log_softmax(-1)", nb, [](const Tensor& a) { return a.log_softmax(-1); });
  add1("logsumexp", "x.logsumexp(1, keepdim)", nb, [](const Tensor& a) { return a.logsumexp(1, true); });
  add1("log_softmax", "log_softmax(x, 1).transpose(0, 2): permuted upstream gradient", nb,
       [](const Tensor& a) { return log_softmax(a, 1).transpose(0, 2); });
  add1("softmax", "softmax(x, -1).sum(0): expanded upstream gradient", nb,
       [](const Tensor& a) { return softmax(a, -1).sum(0); });
  // Logits far from 0: the stable forms must keep finite, exact gradients.
  const MakeFn big = CaseList::uniforms({B}, 40, 60);
  add1("softmax", "softmax(x in [40, 60], -1)", big, [](const Tensor& a) { return softmax(a, -1); });
  add1("log_softmax", "log_softmax(x in [40, 60], -1)", big, [](const Tensor& a) { return log_softmax(a, -1); });
  add1("logsumexp", "logsumexp(x in [40, 60], -1)", big, [](const Tensor& a) { return logsumexp(a, -1); });

  // ---- sum_to: the reverse of broadcasting ----
  const int64_t m = r(), n = r(), k = r();
  L.add("sum_to", "sum_to([k,m,n] -> [m,1])", CaseList::normals({{k, m, n}}),
        [m](const Inputs& x) { return sum_to(x[0], {m, 1}); });
  L.add("sum_to", "sum_to([m,n] -> [n])", CaseList::normals({{m, n}}),
        [n](const Inputs& x) { return sum_to(x[0], {n}); });
  L.add("sum_to", "sum_to([m,n] -> [1,n])", CaseList::normals({{m, n}}),
        [n](const Inputs& x) { return sum_to(x[0], {1, n}); });
}

}  // namespace wick::testing
