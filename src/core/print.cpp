// Printing in PyTorch's style: tensor([[1.0000, 2.0000], ...], dtype=float64).
#include <cmath>
#include <cstdio>
#include <ostream>

#include "core/core.h"

namespace wick {

namespace {

std::string format_value(double v, DType t, bool all_int) {
  char buf[64];
  if (t == kBool) return v != 0 ? "True" : "False";
  if (!is_floating(t)) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  } else if (std::isnan(v)) {
    return "nan";
  } else if (std::isinf(v)) {
    return v > 0 ? "inf" : "-inf";
  } else if (all_int) {
    std::snprintf(buf, sizeof buf, "%.0f.", v);
  } else if (v != 0 && (std::fabs(v) >= 1e8 || std::fabs(v) < 1e-4)) {
    std::snprintf(buf, sizeof buf, "%.4e", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.4f", v);
  }
  return buf;
}

void print_rec(std::ostream& os, const std::vector<std::string>& cells, const Shape& sizes, size_t dim,
               int64_t& pos, size_t width, int indent) {
  if (sizes.empty()) {
    os << cells[pos++];
    return;
  }
  os << '[';
  for (int64_t i = 0; i < sizes[dim]; ++i) {
    if (dim + 1 == sizes.size()) {
      if (i) os << ", ";
      const std::string& c = cells[pos++];
      os << std::string(width - c.size(), ' ') << c;
    } else {
      if (i) {
        os << ',' << std::string(sizes.size() - dim - 1, '\n') << std::string(indent + dim + 1, ' ');
      }
      print_rec(os, cells, sizes, dim + 1, pos, width, indent);
    }
  }
  os << ']';
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  if (!t.defined()) return os << "tensor(undefined)";
  // Large tensors: summary only, as printing a million values helps nobody.
  if (t.numel() > 1000) {
    os << "tensor(<" << t.describe() << ">)";
    return os;
  }
  std::vector<double> values = t.to_vector<double>();
  bool all_int = true;
  for (double v : values)
    if (std::isfinite(v) && std::floor(v) != v) all_int = false;
  std::vector<std::string> cells;
  size_t width = 0;
  for (double v : values) {
    cells.push_back(format_value(v, t.dtype(), all_int));
    width = std::max(width, cells.back().size());
  }
  os << "tensor(";
  int64_t pos = 0;
  print_rec(os, cells, t.sizes(), 0, pos, width, 7);
  if (t.numel() == 0) os << ", size=" << shape_str(t.sizes());
  if (t.dtype() != kFloat32 && t.dtype() != kInt64 && t.dtype() != kBool) os << ", dtype=" << dtype_name(t.dtype());
  if (!t.is_cpu()) os << ", device='" << t.device().str() << "'";
  if (t.requires_grad()) os << (t.grad_fn_name().empty() ? ", requires_grad=True" : ", grad_fn=<" + t.grad_fn_name() + ">");
  return os << ')';
}

}  // namespace wick
