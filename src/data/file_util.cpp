// Whole-file reads with transparent gzip. zlib does the inflating; while the
// library's CMake does not link it (see WICK_HAVE_ZLIB), libz.so.1 is loaded
// at run time instead, so .gz datasets still work without a link dependency.
#include "data/file_util.h"

#include <zlib.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "wick/error.h"

#ifndef WICK_HAVE_ZLIB
#include <dlfcn.h>
#endif

namespace wick::data::detail {

namespace {

struct Zlib {
  decltype(&::inflateInit2_) init = nullptr;
  decltype(&::inflate) inflate = nullptr;
  decltype(&::inflateEnd) end = nullptr;
  decltype(&::zlibVersion) version = nullptr;
};

const Zlib& zlib() {
  static const Zlib z = [] {
    Zlib r;
#ifdef WICK_HAVE_ZLIB
    r = {&::inflateInit2_, &::inflate, &::inflateEnd, &::zlibVersion};
#else
    void* h = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h) h = dlopen("libz.so", RTLD_NOW | RTLD_LOCAL);
    if (h) {
      r.init = reinterpret_cast<decltype(r.init)>(dlsym(h, "inflateInit2_"));
      r.inflate = reinterpret_cast<decltype(r.inflate)>(dlsym(h, "inflate"));
      r.end = reinterpret_cast<decltype(r.end)>(dlsym(h, "inflateEnd"));
      r.version = reinterpret_cast<decltype(r.version)>(dlsym(h, "zlibVersion"));
    }
#endif
    return r;
  }();
  return z;
}

}  // namespace

std::vector<uint8_t> read_raw(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  // A folder opens as a stream whose size is -1: say what it is before
  // anything sizes a buffer from it.
  if (fs::is_directory(st))
    throw Error(wick::detail::concat("cannot read ", path, ": it is a folder, not a regular file; give a file's path"));
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in)
    throw Error(wick::detail::concat("cannot open ", path, fs::exists(st) ? ": permission denied or not a regular file"
                                                                            : ": no such file"));
  std::streamoff n = in.tellg();
  if (n < 0)  // a pipe or device: no size to read up to
    throw Error(wick::detail::concat("cannot read ", path, ": not a regular file (its size is unknown)"));
  std::vector<uint8_t> bytes(static_cast<size_t>(n));
  in.seekg(0);
  if (n > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), n))
    throw Error(wick::detail::concat("cannot read ", path, ": I/O error after ", in.gcount(), " of ", n, " bytes"));
  return bytes;
}

bool is_gzip(const std::vector<uint8_t>& b) { return b.size() >= 2 && b[0] == 0x1f && b[1] == 0x8b; }

std::vector<uint8_t> gunzip(const std::vector<uint8_t>& bytes, const std::string& path) {
  const Zlib& z = zlib();
  if (!z.init || !z.inflate || !z.end || !z.version)
    throw Error(wick::detail::concat("cannot decompress ", path, ": zlib (libz.so.1) is not available; install zlib1g or ",
                                     "decompress the file with `gunzip`"));
  std::vector<uint8_t> out;
  // The gzip trailer holds the size mod 2^32: a good first guess, but an
  // untrusted one (fuzzing found a 30-byte file asking for 4 GiB). Deflate
  // expands at most ~1032x, so never reserve more than that.
  if (bytes.size() >= 18) {
    const uint8_t* t = bytes.data() + bytes.size() - 4;
    const uint64_t claimed = static_cast<uint32_t>(t[0] | t[1] << 8 | t[2] << 16 | static_cast<uint32_t>(t[3]) << 24);
    out.reserve(static_cast<size_t>(std::min<uint64_t>(claimed, uint64_t{1032} * bytes.size())));
  }
  z_stream s{};
  // 16 + MAX_WBITS: gzip wrapper; concatenated members are handled below.
  if (z.init(&s, 16 + MAX_WBITS, z.version(), static_cast<int>(sizeof(z_stream))) != Z_OK)
    throw Error(wick::detail::concat("cannot decompress ", path, ": zlib failed to initialize"));
  s.next_in = const_cast<Bytef*>(bytes.data());
  s.avail_in = static_cast<uInt>(bytes.size());  // dataset archives are far below 4 GB
  std::vector<uint8_t> chunk(1 << 20);
  int rc = Z_OK;
  while (true) {
    s.next_out = chunk.data();
    s.avail_out = static_cast<uInt>(chunk.size());
    rc = z.inflate(&s, Z_NO_FLUSH);
    out.insert(out.end(), chunk.data(), chunk.data() + (chunk.size() - s.avail_out));
    // Datasets are far below this; a larger stream is a decompression bomb.
    if (out.size() > (size_t{1} << 32)) {
      z.end(&s);
      throw FormatError(wick::detail::concat(path, ": decompresses to more than 4 GiB; not a dataset file wick reads"));
    }
    if (rc == Z_STREAM_END) {
      // Zero bytes after a member are padding (tape blocks, some archivers):
      // GNU gzip and Python's gzip ignore them, so do we. Any other byte
      // starts the next member.
      if (std::all_of(s.next_in, s.next_in + s.avail_in, [](Bytef b) { return b == 0; })) break;
      // Another gzip member follows (as `cat a.gz b.gz` makes): keep going.
      z.end(&s);
      const Bytef* next = s.next_in;
      uInt left = s.avail_in;
      s = z_stream{};
      if (z.init(&s, 16 + MAX_WBITS, z.version(), static_cast<int>(sizeof(z_stream))) != Z_OK)
        throw Error(wick::detail::concat("cannot decompress ", path, ": zlib failed to initialize"));
      s.next_in = const_cast<Bytef*>(next);
      s.avail_in = left;
      continue;
    }
    if (rc != Z_OK) break;
    if (s.avail_in == 0 && s.avail_out != 0) { rc = Z_BUF_ERROR; break; }
  }
  std::string msg = s.msg ? s.msg : "";
  z.end(&s);
  if (rc != Z_STREAM_END)
    throw FormatError(wick::detail::concat(
        path, ": corrupt or truncated gzip data (", rc == Z_BUF_ERROR ? "unexpected end of file" : msg.empty() ? "zlib error" : msg,
        ", after ", out.size(), " decompressed bytes); fetch the file again"));
  return out;
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::vector<uint8_t> bytes = read_raw(path);
  if (is_gzip(bytes)) return gunzip(bytes, path);
  return bytes;
}

FileBytes::FileBytes(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd >= 0 && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 2) {
    const auto n = static_cast<size_t>(st.st_size);
    void* p = ::mmap(nullptr, n, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (p != MAP_FAILED) {
      const auto* b = static_cast<const uint8_t*>(p);
      if (b[0] == 0x1f && b[1] == 0x8b) {
        ::munmap(p, n);  // gzip: decompress below
      } else {
        map_ = p;
        map_size_ = n;
        ::close(fd);
        return;
      }
    }
  }
  if (fd >= 0) ::close(fd);
  owned_ = read_file(path);  // gzip, tiny or unmappable files, and the error messages
}

FileBytes::~FileBytes() {
  if (map_) ::munmap(map_, map_size_);
}

std::string find_file(const std::vector<std::string>& dirs, const std::string& name, bool allow_gz) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const std::string& d : dirs) {
    fs::path p = fs::path(d) / name;
    if (fs::is_regular_file(p, ec)) return p.string();
    if (allow_gz) {
      fs::path gz = fs::path(d) / (name + ".gz");
      if (fs::is_regular_file(gz, ec)) return gz.string();
    }
  }
  return "";
}

std::string shell_quote(const std::string& text) {
  std::string r = "'";
  for (char c : text) {
    if (c == '\'') r += "'\\''";
    else r += c;
  }
  return r + "'";
}

std::string bytes_str(uint64_t n) { return std::to_string(n) + " bytes"; }

}  // namespace wick::data::detail
