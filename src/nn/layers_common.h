#pragma once
// Helpers shared by the layer sources (activation, dropout, batchnorm,
// layernorm, init): Python-style printing for extra_repr() and a host loop
// for the few elementwise functions the backend has no kernel for (erf).
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/core.h"
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

// y = f(x) elementwise on the host, stored in x's floating dtype, then moved
// back to x's device. f gets each element in its storage type (float or
// double: a lambda taking double computes in double; one taking auto can
// compare in the tensor's own dtype, as PyTorch's kernels branch) and
// returns a double. For functions the backend lacks (erf); not on any hot
// path.
template <typename F>
Tensor host_map(const Tensor& x, F f) {
  Tensor h = core::contiguous(x.is_cpu() ? x : core::to_device(x, Device::cpu()));
  Tensor y = core::make_tensor(h.sizes(), h.dtype(), Device::cpu());
  const int64_t n = h.numel();
  if (h.dtype() == kFloat64) {
    const double* in = h.data_ptr<double>();
    double* out = y.data_ptr<double>();
    for (int64_t i = 0; i < n; ++i) out[i] = f(in[i]);
  } else {
    WICK_CHECK(h.dtype() == kFloat32, "internal: host_map needs a float32 or float64 tensor, got ", h.describe());
    const float* in = h.data_ptr<float>();
    float* out = y.data_ptr<float>();
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(f(in[i]));
  }
  return x.is_cpu() ? y : core::to_device(y, x.device());
}

}  // namespace wick::nn::detail
