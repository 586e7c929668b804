#pragma once
// Size2: a (height, width) pair for the 2-D layers' kernel_size, stride,
// padding and dilation. As in PyTorch, one number means the same for both
// (`3` is (3, 3)); `{3, 5}` gives them separately.
#include <cstdint>
#include <string>

namespace wick::nn {

struct Size2 {
  int64_t h = 0, w = 0;
  // Given as one number: the pools print it back that way, as PyTorch
  // prints what it was given (MaxPool2d(2) shows "2", MaxPool2d((2, 2))
  // "(2, 2)"). It takes no part in comparisons.
  bool one = false;
  Size2(int64_t both) : h(both), w(both), one(true) {}  // NOLINT: implicit, as PyTorch's int-or-tuple arguments
  Size2(int64_t h, int64_t w) : h(h), w(w) {}
  bool operator==(const Size2& o) const { return h == o.h && w == o.w; }
  // "(3, 3)", as PyTorch prints a layer's tuples.
  // Appended piece by piece: "(" + std::string trips GCC 12's -Wrestrict false alarm.
  std::string str() const {
    std::string s(1, '(');
    s.append(std::to_string(h)).append(", ").append(std::to_string(w)).append(1, ')');
    return s;
  }
  // As it was given: "3" or "(3, 3)".
  std::string given() const { return one ? std::to_string(h) : str(); }
};

}  // namespace wick::nn
