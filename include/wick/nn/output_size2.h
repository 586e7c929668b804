#pragma once
// OutputSize2: the (height, width) an adaptive pool produces. As PyTorch's
// output_size: one number for both sides (`7`), or two (`{7, 5}`), where a
// side may be std::nullopt, PyTorch's None: that side keeps the input's size
// (`{std::nullopt, 7}` pools only the width down to 7).
#include <cstdint>
#include <optional>
#include <string>

#include "wick/nn/size2.h"

namespace wick::nn {

struct OutputSize2 {
  std::optional<int64_t> h, w;
  // Given as one number: printed back that way, as PyTorch prints what it
  // was given ("7", not "(7, 7)"; Size2::one).
  bool one = false;
  OutputSize2(int64_t both) : h(both), w(both), one(true) {}  // NOLINT: implicit, as PyTorch's int-or-tuple
  OutputSize2(std::optional<int64_t> h, std::optional<int64_t> w) : h(h), w(w) {}
  OutputSize2(Size2 s) : h(s.h), w(s.w), one(s.one) {}  // NOLINT: a Size2 is an output size without None
  // As PyTorch prints it: "7", "(1, 1)", "(None, 7)".
  std::string given() const {
    if (one && h) return std::to_string(*h);
    // Appended piece by piece (GCC 12's -Wrestrict false alarm, as Size2::str).
    std::string s(1, '(');
    s.append(side(h)).append(", ").append(side(w)).append(1, ')');
    return s;
  }

 private:
  static std::string side(const std::optional<int64_t>& v) { return v ? std::to_string(*v) : std::string("None"); }
};

}  // namespace wick::nn
