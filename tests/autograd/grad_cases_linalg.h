#pragma once
// Gradient-check cases: matrix products, indexing, joining and splitting.
// Included by grad_cases.h only.

namespace wick::testing {

inline void add_linalg_indexing_cases(CaseList& L) {
  const auto r = [](int64_t lo = 1) { return CaseList::r(lo); };
  using F2 = std::function<Tensor(const Tensor&, const Tensor&)>;
  const auto add2 = [&L](const std::string& op, const Shape& a, const Shape& b, F2 fn) {
    L.add(op, sh(a) + " x " + sh(b), CaseList::normals({a, b}), [fn](const Inputs& x) { return fn(x[0], x[1]); });
  };

  // ---- products ----
  const int64_t m = r(), k = r(), n = r(), b = r();
  add2("mm", {m, k}, {k, n}, [](const Tensor& x, const Tensor& y) { return mm(x, y); });
  add2("mm", {m, k}, {k, n}, [](const Tensor& x, const Tensor& y) { return x.mm(y); });
  const F2 mat = [](const Tensor& x, const Tensor& y) { return matmul(x, y); };
  add2("matmul", {k}, {k}, mat);                      // dot
  add2("matmul", {m, k}, {k}, mat);                   // matrix-vector
  add2("matmul", {k}, {k, n}, mat);                   // vector-matrix
  add2("matmul", {m, k}, {k, n}, mat);                // matrix-matrix
  add2("matmul", {2, 1, 3, 4}, {5, 4, 2}, mat);       // batch dims broadcast both ways
  add2("matmul", {b, m, k}, {k, n}, mat);             // batched @ matrix
  add2("matmul", {k, n}, {b, n, m}, mat);             // matrix @ batched
  add2("matmul", {b, m, k}, {k}, mat);                // batched @ vector
  add2("matmul", {k}, {b, k, n}, mat);                // vector @ batched
  add2("matmul", {b, m, k}, {b, k, n}, [](const Tensor& x, const Tensor& y) { return x.matmul(y); });
  add2("bmm", {b, m, k}, {b, k, n}, [](const Tensor& x, const Tensor& y) { return bmm(x, y); });
  add2("bmm", {b, m, k}, {b, k, n}, [](const Tensor& x, const Tensor& y) { return x.bmm(y); });
  add2("dot", {k}, {k}, [](const Tensor& x, const Tensor& y) { return dot(x, y); });
  add2("dot", {k}, {k}, [](const Tensor& x, const Tensor& y) { return x.dot(y); });
  add2("outer", {m}, {n}, [](const Tensor& x, const Tensor& y) { return outer(x, y); });
  // linear: weight is [out, in], as torch.nn.functional.linear.
  const int64_t in = r(), out = r();
  L.add("linear", "input [b,in], weight [out,in], bias [out]", CaseList::normals({{b, in}, {out, in}, {out}}),
        [](const Inputs& x) { return linear(x[0], x[1], x[2]); });
  L.add("linear", "input [b,in], weight [out,in], no bias", CaseList::normals({{b, in}, {out, in}}),
        [](const Inputs& x) { return linear(x[0], x[1]); });
  L.add("linear", "input [k,b,in] (3-D), bias", CaseList::normals({{k, b, in}, {out, in}, {out}}),
        [](const Inputs& x) { return linear(x[0], x[1], x[2]); });

  // Only one side requires grad; the product's gradient read transposed.
  L.add("matmul", "matmul(x [m,k], constant [k,n])",
        [m, k, n](InputGen& g) { return Inputs{g.normal({m, k}), InputGen::constant({k, n})}; },
        [](const Inputs& x) { return matmul(x[0], x[1]); });
  L.add("mm", "mm(a, b).t(): transposed upstream gradient", CaseList::normals({{m, k}, {k, n}}),
        [](const Inputs& x) { return mm(x[0], x[1]).t(); });
  L.add("linear", "linear(x, constant weight, constant bias)",
        [b, in, out](InputGen& g) {
          return Inputs{g.normal({b, in}), InputGen::constant({out, in}), InputGen::constant({out})};
        },
        [](const Inputs& x) { return linear(x[0], x[1], x[2]); });
  L.add("linear", "linear(constant input, weight, bias)",
        [b, in, out](InputGen& g) { return Inputs{InputGen::constant({b, in}), g.normal({out, in}), g.normal({out})}; },
        [](const Inputs& x) { return linear(x[0], x[1], x[2]); });

  // ---- index_select and gather (repeated indices: gradients accumulate) ----
  const Shape A = {m, n};
  const int64_t p = r(), q = r();
  L.add("index_select", "index_select(" + sh(A) + ", 0, [p] with repeats)",
        [A, m, p](InputGen& g) { return Inputs{g.normal(A), InputGen::index(m, {p + 2})}; },
        [](const Inputs& x) { return index_select(x[0], 0, x[1]); });
  L.add("index_select", "x.index_select(1, idx) on " + sh(A),
        [A, n, p](InputGen& g) { return Inputs{g.normal(A), InputGen::index(n, {p})}; },
        [](const Inputs& x) { return x[0].index_select(1, x[1]); });
  L.add("index_select", "index_select([b,m,n], -1, idx)",
        [b, m, n, p](InputGen& g) { return Inputs{g.normal({b, m, n}), InputGen::index(n, {p + 1})}; },
        [](const Inputs& x) { return index_select(x[0], -1, x[1]); });
  L.add("gather", "gather(" + sh(A) + ", 1, [m,q])",
        [A, m, n, q](InputGen& g) { return Inputs{g.normal(A), InputGen::index(n, {m, q})}; },
        [](const Inputs& x) { return gather(x[0], 1, x[1]); });
  L.add("gather", "x.gather(0, [p,n]) on " + sh(A),
        [A, m, n, p](InputGen& g) { return Inputs{g.normal(A), InputGen::index(m, {p, n})}; },
        [](const Inputs& x) { return x[0].gather(0, x[1]); });

  // ---- scatter (distinct targets) and scatter_add (repeats add up) ----
  const int64_t pm = std::min(p, m), qn = std::min(q, n);
  L.add("scatter", "scatter(" + sh(A) + ", 0, idx [p,n], src [p,n])",
        [A, m, n, pm](InputGen& g) {
          return Inputs{g.normal(A), g.normal({pm, n}), InputGen::unique_index(0, m, {pm, n})};
        },
        [](const Inputs& x) { return scatter(x[0], 0, x[2], x[1]); });
  L.add("scatter", "x.scatter(1, idx [m,q], src [m,q]) on " + sh(A),
        [A, m, n, qn](InputGen& g) {
          return Inputs{g.normal(A), g.normal({m, qn}), InputGen::unique_index(1, n, {m, qn})};
        },
        [](const Inputs& x) { return x[0].scatter(1, x[2], x[1]); });
  L.add("scatter_add", "scatter_add(" + sh(A) + ", 0, idx [p,n], src [p,n])",
        [A, m, n, p](InputGen& g) {
          return Inputs{g.normal(A), g.normal({p + 1, n}), InputGen::index(m, {p + 1, n})};
        },
        [](const Inputs& x) { return scatter_add(x[0], 0, x[2], x[1]); });
  L.add("scatter_add", "x.scatter_add(1, idx [m,q], src [m,q]) on " + sh(A),
        [A, m, n, q](InputGen& g) { return Inputs{g.normal(A), g.normal({m, q}), InputGen::index(n, {m, q})}; },
        [](const Inputs& x) { return x[0].scatter_add(1, x[2], x[1]); });

  // ---- cat / stack ----
  L.add("cat", "cat([m,n], [k,n]; 0)", CaseList::normals({{m, n}, {k, n}}),
        [](const Inputs& x) { return cat({x[0], x[1]}, 0); });
  L.add("cat", "cat([m,n], [m,k], [m,1]; 1)", CaseList::normals({{m, n}, {m, k}, {m, 1}}),
        [](const Inputs& x) { return cat({x[0], x[1], x[2]}, 1); });
  L.add("cat", "cat([b,m,n], [b,m,k]; -1)", CaseList::normals({{b, m, n}, {b, m, k}}),
        [](const Inputs& x) { return cat({x[0], x[1]}, -1); });
  L.add("cat", "cat(x, constant; 1)", [m, n, k](InputGen& g) { return Inputs{g.normal({m, n}), InputGen::constant({m, k})}; },
        [](const Inputs& x) { return cat({x[1], x[0]}, 1); });
  for (int64_t d : {0, 1, -1}) {
    L.add("stack", "stack(3 x " + sh(A) + "; " + std::to_string(d) + ")", CaseList::normals({A, A, A}),
          [d](const Inputs& x) { return stack({x[0], x[1], x[2]}, d); });
  }

  // ---- split / chunk: one piece (the others get zero gradient), and all
  // pieces put back together ----
  const Shape S = {r(), r(3)};
  const MakeFn ns = CaseList::normals({S});
  L.add("split", "split(" + sh(S) + ", 2, 1)[0]", ns, [](const Inputs& x) { return split(x[0], 2, 1)[0]; });
  L.add("split", "x.split(2, 1).back()", ns, [](const Inputs& x) { return x[0].split(2, 1).back(); });
  L.add("split", "split(x, 1, 0).back()", ns, [](const Inputs& x) { return split(x[0], 1, 0).back(); });
  L.add("split", "cat(split(x, 2, 1), 1)", ns, [](const Inputs& x) { return cat(split(x[0], 2, 1), 1); });
  L.add("chunk", "chunk(" + sh(S) + ", 2, 1)[0]", ns, [](const Inputs& x) { return chunk(x[0], 2, 1)[0]; });
  L.add("chunk", "x.chunk(3, 1).back()", ns, [](const Inputs& x) { return x[0].chunk(3, 1).back(); });
  L.add("chunk", "cat(chunk(x, 3, 1), 1)", ns, [](const Inputs& x) { return cat(chunk(x[0], 3, 1), 1); });
}

}  // namespace wick::testing
