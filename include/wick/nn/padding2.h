#pragma once
// Padding2: a convolution's padding as PyTorch's Conv2d takes it: numbers
// (one for both sides, `1`, or per dimension, `{1, 2}`) or one of the
// strings "same" and "valid".
//   "valid": no padding (the same as 0).
//   "same":  the output has the input's height and width. Stride must be 1.
//            The total padding along a dimension is dilation * (kernel - 1);
//            half of it (rounded down) goes on the top/left and the rest on
//            the bottom/right, so an odd total pads one more row/column at
//            the bottom/right, as PyTorch does.
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>

#include "wick/nn/size2.h"

namespace wick::nn {

class Padding2 {
 public:
  enum class Mode { Explicit, Same, Valid };

  // Implicit, as PyTorch's int-or-tuple-or-string argument: `.padding = 1`,
  // `.padding = {1, 2}`, `.padding = "same"` all read as in Python.
  Padding2(int64_t both) : size_(both) {}  // NOLINT
  Padding2(int64_t h, int64_t w) : size_(h, w) {}
  Padding2(Size2 size) : size_(size) {}  // NOLINT
  // "same" or "valid"; anything else is a wick::Error. A template so that a
  // literal 0 still means the number (it would otherwise be ambiguous with
  // a null const char*).
  template <class S>
    requires std::convertible_to<const S&, std::string_view> && (!std::integral<S>)
  Padding2(const S& mode) : Padding2(parse(std::string_view(mode))) {}  // NOLINT

  static Padding2 same() { return Padding2(Mode::Same); }
  static Padding2 valid() { return Padding2(Mode::Valid); }

  Mode mode() const { return mode_; }
  bool is_same() const { return mode_ == Mode::Same; }
  bool is_valid() const { return mode_ == Mode::Valid; }
  bool is_explicit() const { return mode_ == Mode::Explicit; }
  // The numbers when explicit; (0, 0) for "valid" and "same" (whose
  // padding depends on the kernel: see conv2d).
  Size2 size() const { return size_; }
  // True when no padding is asked for in any form PyTorch prints nothing
  // for: the numbers (0, 0). ("valid" is printed, as PyTorch does.)
  bool is_zero() const { return mode_ == Mode::Explicit && size_ == Size2(0); }
  // As PyTorch's Conv2d repr prints it: "(1, 2)", "same" or "valid".
  std::string str() const;

  bool operator==(const Padding2& o) const { return mode_ == o.mode_ && size_ == o.size_; }

 private:
  explicit Padding2(Mode mode) : mode_(mode), size_(0) {}
  static Padding2 parse(std::string_view mode);

  Mode mode_ = Mode::Explicit;
  Size2 size_ = 0;
};

}  // namespace wick::nn
