#include "io/file_io.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <system_error>

#include "wick/error.h"

namespace wick::io_detail {

void fail(const std::string& file, const std::string& problem, const std::string& fix) {
  throw FormatError(file + ": " + problem + "; " + fix);
}

File open_regular(const std::string& path, const std::string& kind, uint64_t* size) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) fail(path, std::string("cannot open for reading: ") + std::strerror(errno), "check the path and permissions");
  struct stat st {};
  if (fstat(fileno(f.get()), &st) != 0) fail(path, std::string("cannot stat: ") + std::strerror(errno), "check the path");
  if (!S_ISREG(st.st_mode)) fail(path, "not a regular file", "pass the path of a " + kind + ", not a directory");
  *size = static_cast<uint64_t>(st.st_size);
  return f;
}

void normalize_bools(uint8_t* bytes, size_t n) {
  for (size_t i = 0; i < n; ++i) bytes[i] = bytes[i] != 0;
}

void read_exact(std::FILE* f, void* dst, size_t n, const std::string& path) {
  if (n && std::fread(dst, 1, n, f) != n)
    fail(path, std::string("read error: ") + (std::ferror(f) ? std::strerror(errno) : "unexpected end of file"),
         "check that the file is not being written to while it is loaded");
}

namespace {

constexpr const char* kTempInfix = ".tmp.";

std::string parent_dir(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

[[noreturn]] void write_failed(const WriteErrors& how, const std::string& problem, int err, const std::string& fix) {
  const std::string msg = how.context + ": " + problem + ": " + std::strerror(err) + "; " + fix;
  if (how.format_error) throw FormatError(msg);
  throw Error(msg);
}

void write_all(int fd, const void* data, size_t n) {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) throw std::system_error(w < 0 ? errno : EIO, std::generic_category());
    p += w;
    n -= static_cast<size_t>(w);
  }
}

// "<base>.tmp.<digits>" -> the pid, else 0.
pid_t temp_owner(const std::string& entry, const std::string& prefix) {
  if (entry.size() <= prefix.size() || entry.compare(0, prefix.size(), prefix) != 0) return 0;
  long long pid = 0;
  for (size_t i = prefix.size(); i < entry.size(); ++i) {
    if (entry[i] < '0' || entry[i] > '9' || pid > (1LL << 40)) return 0;
    pid = pid * 10 + (entry[i] - '0');
  }
  return static_cast<pid_t>(pid);
}

// A process killed mid-save leaves its temporary file behind. Remove those of
// this path whose process no longer exists (kill(pid, 0) says ESRCH); a live
// process's file is its save in progress and is left alone. Best effort: a
// file that cannot be removed is no danger, as nothing loads a ".tmp." name.
void remove_stale_temps(const std::string& path) {
  const std::string prefix = base_name(path) + kTempInfix;
  DIR* d = ::opendir(parent_dir(path).c_str());
  if (!d) return;
  std::vector<std::string> stale;
  while (const dirent* e = ::readdir(d)) {
    const pid_t pid = temp_owner(e->d_name, prefix);
    if (pid > 0 && pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH) stale.emplace_back(e->d_name);
  }
  ::closedir(d);
  for (const std::string& name : stale) ::unlink((parent_dir(path) + "/" + name).c_str());
}

}  // namespace

std::string temp_path_for(const std::string& path) { return path + kTempInfix + std::to_string(::getpid()); }

namespace {
// Two threads of one process saving the same path would share its temporary
// name (one pid): one truncates the file the other is writing, or renames it
// away first. Saves of one path therefore take turns; other paths do not wait.
std::mutex& save_lock_for(const std::string& path) {
  static std::mutex table_mutex;
  static std::map<std::string, std::mutex> locks;
  std::error_code ec;
  std::string key = std::filesystem::weakly_canonical(path, ec).string();
  if (ec) key = path;
  std::lock_guard<std::mutex> lock(table_mutex);
  return locks[key];
}
}  // namespace

void write_file_atomic(const std::string& path, const std::vector<Piece>& pieces, const WriteErrors& how) {
  if (path.empty()) write_failed(how, "the path is empty", ENOENT, "pass a file name");
  std::lock_guard<std::mutex> turn(save_lock_for(path));
  remove_stale_temps(path);
  // Beside the target: same filesystem, so the rename is atomic.
  const std::string tmp = temp_path_for(path);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    write_failed(how, "cannot create the temporary file '" + tmp + "'", errno,
                 "check that the directory exists and is writable");
  try {
    for (const Piece& p : pieces)
      if (p.size) write_all(fd, p.data, p.size);
    // The data must be on disk before the rename makes it the file: without
    // this, a power loss after the rename can leave an empty or partial file.
    if (::fsync(fd) != 0) throw std::system_error(errno, std::generic_category());
  } catch (const std::system_error& e) {
    ::close(fd);
    ::unlink(tmp.c_str());
    write_failed(how, "writing '" + tmp + "' failed", e.code().value(), "check free disk space and file size limits");
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    write_failed(how, "closing '" + tmp + "' failed", err, "check free disk space");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    write_failed(how, "cannot rename '" + tmp + "' into place", err,
                 "check that the path is not a directory and its folder is writable");
  }
  // Makes the rename itself durable. Some filesystems cannot fsync a
  // directory (EINVAL); the file is in place either way.
  const int dfd = ::open(parent_dir(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    const int rc = ::fsync(dfd);
    const int err = errno;
    ::close(dfd);
    if (rc != 0 && err != EINVAL && err != EROFS)
      write_failed(how, "fsync of the directory '" + parent_dir(path) + "' failed", err,
                   "the file was renamed into place but may not survive a crash");
  }
}

}  // namespace wick::io_detail
