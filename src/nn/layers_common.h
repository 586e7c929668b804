#pragma once
// Helpers shared by the layer sources (activation, dropout, batchnorm,
// layernorm, init): Python-style printing for extra_repr() and the route of
// the activations that are single backend kernels (GELU, SiLU, ELU, ...).
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "autograd/elementwise_helpers.h"
#include "backend/backend.h"
#include "core/core.h"
#include "wick/creation.h"
#include "wick/elementwise.h"
#include "wick/tensor.h"

namespace wick::nn::detail {

// A double as Python's repr() prints it (1e-05, 0.1, 1.0, 0.0001, 1e+20), so
// extra_repr() matches PyTorch's printout character for character.
inline std::string python_float(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string s(buf, res.ptr);
  if (s == "inf") return "inf";
  if (s == "-inf") return "-inf";
  if (s.find("nan") != std::string::npos) return "nan";
  bool neg = s[0] == '-';
  if (neg) s.erase(0, 1);
  size_t e = s.find('e');
  std::string digits;
  for (size_t i = 0; i < e; ++i)
    if (s[i] != '.') digits += s[i];
  int exp10 = std::atoi(s.c_str() + e + 1);
  std::string out;
  if (exp10 >= -4 && exp10 < 16) {
    int point = exp10 + 1;  // digits before the decimal point
    if (point <= 0) {
      out = "0." + std::string(static_cast<size_t>(-point), '0') + digits;
    } else if (static_cast<size_t>(point) >= digits.size()) {
      out = digits + std::string(static_cast<size_t>(point) - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, static_cast<size_t>(point)) + "." + digits.substr(static_cast<size_t>(point));
    }
  } else {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out.append(".").append(digits, 1);  // not "." + ...: GCC 12 -Wrestrict false alarm
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp10 < 0 ? '-' : '+', std::abs(exp10));
    out += eb;
  }
  if (neg) out.insert(out.begin(), '-');
  return out;
}

inline const char* python_bool(bool b) { return b ? "True" : "False"; }

// "(3, 4)" / "(64,)": a shape as a Python tuple.
inline std::string python_tuple(const Shape& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + (s.size() == 1 ? ",)" : ")");
}

// An activation y = op(x) as one backend kernel (backend::UnaryOp::GeluErf,
// Silu, ...), so a CUDA tensor stays on its device, recording `node` whose
// gradient is backward(g, x) from the saved input x: wick::sigmoid's route
// (autograd::unary_float), except that integer inputs are refused, as
// PyTorch's activation modules do, instead of promoted.
template <typename Backward>
Tensor activation(const char* op, const char* node, const Tensor& x, backend::UnaryOp fop, double alpha,
                  double beta, Backward backward) {
  core::check_defined(op, x);
  core::check_floating(op, x);
  return autograd::unary_float(op, node, fop, x, autograd::kSavesInput, backward, alpha, beta);
}

// g * df(x) as one fused kernel (backend::BinaryOp::GeluErfBackward, ...).
// When g itself requires grad (a backward with create_graph), it is
// g * df(x) with df(x) = the kernel applied to ones, so that the gradient
// keeps its path to g as the host loops' g * df(x) did.
inline Tensor fused_grad(const char* name, backend::BinaryOp op, const Tensor& g, const Tensor& x) {
  if (autograd::needs_grad(g)) return g * core::binary(name, op, ones_like(x), x);
  return core::binary(name, op, g, x);
}

}  // namespace wick::nn::detail
