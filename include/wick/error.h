#pragma once
// Every failure wick reports is a wick::Error (or a subclass). Its message names
// the operation, the shapes, dtypes and devices involved, and the likely fix.
#include <sstream>
#include <stdexcept>
#include <string>

namespace wick {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// Raised for a device that this build cannot use or that is not present.
class DeviceError : public Error {
 public:
  using Error::Error;
};

// Raised for malformed files (npy, safetensors, datasets).
class FormatError : public Error {
 public:
  using Error::Error;
};

namespace detail {
template <typename... Args>
std::string concat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
}  // namespace detail

}  // namespace wick

// WICK_CHECK(cond, parts...): throw wick::Error with the parts streamed together.
#define WICK_CHECK(cond, ...)                                         \
  do {                                                                \
    if (!(cond)) [[unlikely]]                                         \
      throw ::wick::Error(::wick::detail::concat(__VA_ARGS__));       \
  } while (0)
