#pragma once
// Gradient-check cases: views and copies (reshape ... to).
// Included by grad_cases.h only.

namespace wick::testing {

inline void add_view_cases(CaseList& L) {
  const auto r = [](int64_t lo = 1) { return CaseList::r(lo); };
  using F = std::function<Tensor(const Tensor&)>;
  // View results share the input's storage; sum(y * w) still has to route
  // every output element's weight back to the element it aliases.
  const auto add1 = [&L](const std::string& op, const std::string& what, const Shape& s, F fn,
                         bool noncontig = true) {
    L.add(op, what + " on " + sh(s), CaseList::normals({s}), [fn](const Inputs& x) { return fn(x[0]); },
          noncontig);
  };
  const int64_t a = r(), b = r(2), c = r(), d = r();
  const Shape B = {a, b, c};

  add1("reshape", "reshape({b, a*c})", B, [a, b, c](const Tensor& x) { return x.reshape({b, a * c}); });
  add1("reshape", "reshape({-1})", B, [](const Tensor& x) { return x.reshape({-1}); });
  add1("reshape", "reshape({c, -1, 1})", B, [c](const Tensor& x) { return x.reshape({c, -1, 1}); });
  // view() needs strides it can reinterpret, so it runs on contiguous inputs.
  add1("view", "view({a*b, c})", B, [a, b, c](const Tensor& x) { return x.view({a * b, c}); }, false);
  add1("view", "view({-1})", B, [](const Tensor& x) { return x.view({-1}); }, false);
  add1("view", "view_as([c, b, a])", B, [a, b, c](const Tensor& x) { return x.view_as(zeros({c, b, a})); }, false);

  add1("transpose", "transpose(0, 2)", B, [](const Tensor& x) { return x.transpose(0, 2); });
  add1("transpose", "transpose(-1, -2)", B, [](const Tensor& x) { return x.transpose(-1, -2); });
  add1("permute", "permute({2, 0, 1})", B, [](const Tensor& x) { return x.permute({2, 0, 1}); });
  add1("permute", "permute({1, -1, 0})", B, [](const Tensor& x) { return x.permute({1, -1, 0}); });
  add1("t", "t()", {a, b}, [](const Tensor& x) { return x.t(); });
  add1("t", "t() of 1-D", {b}, [](const Tensor& x) { return x.t(); });

  const Shape S = {r(2), r(3)};
  add1("slice", "slice(1, 1, end)", S, [](const Tensor& x) { return x.slice(1, 1, std::nullopt); });
  add1("slice", "slice(0, all, step 2)", S,
       [](const Tensor& x) { return x.slice(0, std::nullopt, std::nullopt, 2); });
  add1("slice", "slice(1, 0, 3, step 2)", S, [](const Tensor& x) { return x.slice(1, 0, 3, 2); });
  add1("slice", "slice(-1, -2, end)", S, [](const Tensor& x) { return x.slice(-1, -2, std::nullopt); });
  add1("narrow", "narrow(1, 1, len-1)", S, [](const Tensor& x) { return x.narrow(1, 1, x.size(1) - 1); });
  add1("narrow", "narrow(0, 0, 1)", S, [](const Tensor& x) { return x.narrow(0, 0, 1); });
  add1("select", "select(0, last)", B, [](const Tensor& x) { return x.select(0, x.size(0) - 1); });
  add1("select", "select(-1, 0)", B, [](const Tensor& x) { return x.select(-1, 0); });
  add1("select", "select(1, -1)", B, [](const Tensor& x) { return x.select(1, -1); });
  add1("select", "x[0]", B, [](const Tensor& x) { return x[0]; });

  add1("unsqueeze", "unsqueeze(0)", B, [](const Tensor& x) { return x.unsqueeze(0); });
  add1("unsqueeze", "unsqueeze(-1)", B, [](const Tensor& x) { return x.unsqueeze(-1); });
  add1("unsqueeze", "unsqueeze(1)", B, [](const Tensor& x) { return x.unsqueeze(1); });
  const Shape Q = {a, 1, b, 1};
  add1("squeeze", "squeeze()", Q, [](const Tensor& x) { return x.squeeze(); });
  add1("squeeze", "squeeze(1)", Q, [](const Tensor& x) { return x.squeeze(1); });
  add1("squeeze", "squeeze(-1)", Q, [](const Tensor& x) { return x.squeeze(-1); });

  // expand: every output copy of an element sends its gradient back to it.
  const int64_t n = r(2), k = r(2);
  add1("expand", "expand({a, n})", {a, 1}, [a, n](const Tensor& x) { return x.expand({a, n}); });
  add1("expand", "expand({k, a, n}) (new leading dim)", {a, 1},
       [a, n, k](const Tensor& x) { return x.expand({k, a, n}); });
  add1("expand", "expand({-1, n})", {a, 1}, [n](const Tensor& x) { return x.expand({-1, n}); });
  add1("expand", "expand({k, n}) of 1-D", {n}, [n, k](const Tensor& x) { return x.expand({k, n}); });
  add1("expand", "expand_as([k, 1, n])", {1, n},
       [n, k](const Tensor& x) { return x.expand_as(zeros({k, 1, n})); });

  const Shape F4 = {a, b, c, d};
  add1("flatten", "flatten()", F4, [](const Tensor& x) { return x.flatten(); });
  add1("flatten", "flatten(1)", F4, [](const Tensor& x) { return x.flatten(1); });
  add1("flatten", "flatten(1, 2)", F4, [](const Tensor& x) { return x.flatten(1, 2); });
  add1("flatten", "flatten(0, -2)", F4, [](const Tensor& x) { return x.flatten(0, -2); });

  add1("contiguous", "contiguous()", B, [](const Tensor& x) { return x.contiguous(); });
  add1("contiguous", "t().contiguous()", {a, b}, [](const Tensor& x) { return x.t().contiguous(); });
  add1("contiguous", "slice(step 2).contiguous()", S,
       [](const Tensor& x) { return x.slice(1, std::nullopt, std::nullopt, 2).contiguous(); });
  add1("clone", "clone()", B, [](const Tensor& x) { return x.clone(); });
  add1("clone", "transpose(0, 1).clone()", B, [](const Tensor& x) { return x.transpose(0, 1).clone(); });

  // to() with nothing to change returns the input itself (the gradient must
  // still arrive); a float32 round trip cannot be checked in float64.
  add1("to", "to(kFloat64)", B, [](const Tensor& x) { return x.to(kFloat64); });
  add1("to", "to(cpu)", B, [](const Tensor& x) { return x.to(Device::cpu()); });
  add1("to", "to(\"cpu\", kFloat64)", B, [](const Tensor& x) { return x.to(Device("cpu"), kFloat64); });
  add1("to", "cpu()", B, [](const Tensor& x) { return x.cpu(); });
}

}  // namespace wick::testing
