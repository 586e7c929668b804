// Padding2 (wick/nn/padding2.h): the strings PyTorch's Conv2d accepts, and
// how its repr prints each form.
#include "wick/nn/padding2.h"

#include "wick/error.h"

namespace wick::nn {

Padding2 Padding2::parse(std::string_view mode) {
  if (mode == "same") return same();
  if (mode == "valid") return valid();
  // PyTorch: "Invalid padding string 'foo', should be one of {'valid', 'same'}".
  throw Error(detail::concat("padding: invalid padding string \"", mode,
                             "\"; use \"same\", \"valid\" or numbers (padding = 1 or padding = {1, 2})"));
}

std::string Padding2::str() const {
  switch (mode_) {
    case Mode::Same: return "same";
    case Mode::Valid: return "valid";
    case Mode::Explicit: break;
  }
  return size_.str();
}

}  // namespace wick::nn
