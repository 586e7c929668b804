#pragma once
// The gradient-check registry's building blocks: GradCase (one named case),
// InputGen (random float64 leaves, laid out contiguously or not, with values
// kept away from an op's kinks and ties) and build_grad_cases(), whose cases
// live in grad_cases_*.h by op family.
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "autograd/gradcheck.h"
#include "wick/wick.h"

namespace wick::testing {

using Inputs = std::vector<Tensor>;
using MakeFn = std::function<Inputs(struct InputGen&)>;

struct GradCase {
  std::string op;    // the op under test, as listed in kOpNames
  std::string what;  // shapes and variant, for failure messages
  MakeFn make;       // draws the inputs (float64 leaves plus indices/masks)
  GradFn f;
  bool noncontig = true;  // also run on non-contiguous inputs
};

inline int64_t numel_of(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

inline std::string sh(const Shape& s) { return shape_str(s); }

// Draws the values of one run. With noncontig set, every float input comes
// back as a non-contiguous view (transposed storage, or every other element)
// holding the same logical values.
struct InputGen {
  bool noncontig = false;

  static std::vector<double> draw_normal(int64_t n) {
    return randn({n}, {.dtype = kFloat64}).to_vector<double>();
  }
  static std::vector<double> draw_uniform(int64_t n, double lo, double hi) {
    std::vector<double> v = rand({n}, {.dtype = kFloat64}).to_vector<double>();
    for (double& x : v) x = lo + (hi - lo) * x;
    return v;
  }

  // A float64 leaf requiring grad with values `v` in row-major order.
  Tensor leaf(const std::vector<double>& v, const Shape& shape) const {
    Tensor c = shape.empty() ? tensor(v.at(0), {.dtype = kFloat64})
                             : from_vector<double>(v, shape, {.dtype = kFloat64});
    Tensor t = c;
    if (noncontig && c.numel() > 1) {
      if (c.dim() >= 2 && c.size(-1) > 1 && c.size(-2) > 1) {
        // Stored column-major in the last two dims.
        t = c.transpose(-1, -2).contiguous().transpose(-1, -2);
      } else {
        // Every other element of a buffer twice as long.
        Shape wide = shape;
        wide.push_back(2);
        t = c.unsqueeze(-1).expand(wide).contiguous().select(-1, 0);
      }
    }
    Tensor x = t.detach();
    x.requires_grad_();
    return x;
  }

  Tensor normal(const Shape& s) const { return leaf(draw_normal(numel_of(s)), s); }
  Tensor uniform(const Shape& s, double lo, double hi) const {
    return leaf(draw_uniform(numel_of(s), lo, hi), s);
  }
  // N(0, 1) values at least `margin` from every kink (where the op is not
  // differentiable, or a central difference would straddle a corner).
  Tensor away(const Shape& s, const std::vector<double>& kinks, double margin = 0.2) const {
    std::vector<double> v = draw_normal(numel_of(s));
    for (double& x : v)
      for (double k : kinks)
        if (std::abs(x - k) < margin) x = k + (x >= k ? margin : -margin) + (x - k);
    return leaf(v, s);
  }
  // Values (p + offset) * 0.3 - 1 for a random permutation p: no two are
  // closer than 0.3, so max/min have no ties; two tensors drawn with offsets 0
  // and 0.5 never tie with each other either.
  Tensor distinct(const Shape& s, double offset = 0) const {
    std::vector<int64_t> p = randperm(numel_of(s)).to_vector<int64_t>();
    std::vector<double> v(p.size());
    for (size_t i = 0; i < p.size(); ++i) v[i] = (static_cast<double>(p[i]) + offset) * 0.3 - 1;
    return leaf(v, s);
  }
  // Uniform values of both signs with exactly `zeros` of them set to 0.
  Tensor with_zeros(const Shape& s, int zeros) const {
    std::vector<double> v = draw_uniform(numel_of(s), 0.5, 1.5);
    std::vector<int64_t> p = randperm(numel_of(s)).to_vector<int64_t>();
    for (size_t i = 0; i < v.size(); ++i) v[i] *= (i % 2 ? -1 : 1);
    for (int z = 0; z < zeros && z < static_cast<int>(p.size()); ++z) v[p[z]] = 0;
    return leaf(v, s);
  }

  // ---- inputs without gradient ----
  // A float64 operand that does not require grad: its op must still send the
  // gradient to the other operand (and skip this one).
  static Tensor constant(const Shape& s) { return randn(s, {.dtype = kFloat64}); }
  // Half the positions true, at random: a mask that came out all true or all
  // false would leave one side of where/masked_fill unchecked.
  static Tensor mask(const Shape& s) {
    const int64_t n = numel_of(s);
    return randperm(n).reshape(s).lt(static_cast<double>(n) / 2);
  }
  static Tensor index(int64_t high, const Shape& s) { return randint(0, high, s); }
  // A 2-D index for scatter along `dim` whose entries are distinct along
  // `dim` (one random permutation of 0..range-1 per line): with a repeated
  // target, scatter keeps an unspecified writer and has no defined gradient.
  static Tensor unique_index(int64_t dim, int64_t range, const Shape& s) {
    std::vector<int64_t> v(static_cast<size_t>(numel_of(s)));
    const int64_t lines = s[1 - dim], len = s[dim];
    for (int64_t l = 0; l < lines; ++l) {
      std::vector<int64_t> p = randperm(range).to_vector<int64_t>();
      for (int64_t j = 0; j < len; ++j) v[dim == 0 ? j * s[1] + l : l * s[1] + j] = p[j];
    }
    return from_vector<int64_t>(v, s);
  }
};

// Collects the cases, drawing sizes from the global generator.
class CaseList {
 public:
  std::vector<GradCase> cases;

  // A size in 1..5 (lo..5 when a size 1 would make the case degenerate).
  static int64_t r(int64_t lo = 1) { return randint(lo, 6, {1}).item<int64_t>(); }

  void add(std::string op, std::string what, MakeFn make, GradFn f, bool noncontig = true) {
    cases.push_back({std::move(op), std::move(what), std::move(make), std::move(f), noncontig});
  }

  // Makers for the common input kinds.
  static MakeFn normals(std::vector<Shape> shapes) {
    return [shapes](InputGen& g) {
      Inputs v;
      for (const Shape& s : shapes) v.push_back(g.normal(s));
      return v;
    };
  }
  static MakeFn uniforms(std::vector<Shape> shapes, double lo, double hi) {
    return [shapes, lo, hi](InputGen& g) {
      Inputs v;
      for (const Shape& s : shapes) v.push_back(g.uniform(s, lo, hi));
      return v;
    };
  }
};

}  // namespace wick::testing

// Each defines one inline add_*_cases(CaseList&).

#include "autograd/grad_cases_elementwise.h"
#include "autograd/grad_cases_reduction.h"
#include "autograd/grad_cases_linalg.h"
#include "autograd/grad_cases_views.h"

namespace wick::testing {

inline std::vector<GradCase> build_grad_cases() {
  CaseList L;
  add_elementwise_cases(L);
  add_reduction_cases(L);
  add_linalg_indexing_cases(L);
  add_view_cases(L);
  return std::move(L.cases);
}

}  // namespace wick::testing
