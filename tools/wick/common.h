#pragma once
// Shared pieces of the `wick` subcommands: the two kinds of failure and their
// exit codes, atomic file writes, small formatting helpers.
#include <stdexcept>
#include <string>
#include <vector>

#include "wick/error.h"

namespace wick::cli {

// A bad command line (unknown model, batch size 0, cuda without a GPU...):
// exit code 2, as CLI11's own parse errors. Everything that goes wrong while
// running (missing or malformed files) is a wick::Error: exit code 1.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <typename... Args>
[[noreturn]] void usage_error(const Args&... args) {
  throw UsageError(wick::detail::concat(args...));
}

// Writes `contents` to "<path>.tmp.<pid>" and renames it over `path`, so a
// reader never sees half a file and a crash leaves the old one in place.
void write_file_atomic(const std::string& path, const std::string& contents);
std::string read_file(const std::string& path);

// "256,128" -> {256, 128}; "" -> {}. Throws UsageError naming `flag`, the
// entry that is not a positive integer, and `example` of a good value.
std::vector<int64_t> parse_int_list(const std::string& text, const std::string& flag,
                                    const std::string& example = "256,128");

std::string format_double(double v, int digits = 6);

// One CSV field as RFC 4180 writes it: quoted, with inner quotes doubled,
// when it holds a comma, a quote or a line break; else as it is.
std::string csv_field(const std::string& s);

// The library's messages name its API (Task::Classification, strict=false,
// Device::cuda_if_available()); the command's user has flags instead. Rewrites
// those hints in a message that reaches stderr.
std::string cli_terms(std::string msg);
// Seconds since the process started steady-clock timing (monotonic).
double now_seconds();

}  // namespace wick::cli
