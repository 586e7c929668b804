#include "io/file_io.h"

#include <cerrno>
#include <cstring>

#include "wick/error.h"

namespace wick::io_detail {

void fail(const std::string& file, const std::string& problem, const std::string& fix) {
  throw FormatError(file + ": " + problem + "; " + fix);
}

void read_exact(std::FILE* f, void* dst, size_t n, const std::string& path) {
  if (n && std::fread(dst, 1, n, f) != n)
    fail(path, std::string("read error: ") + (std::ferror(f) ? std::strerror(errno) : "unexpected end of file"),
         "check that the file is not being written to while it is loaded");
}

}  // namespace wick::io_detail
