#include "cli_helpers.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <thread>
#include <cmath>
#include <fcntl.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace wick::clitest {

namespace fs = std::filesystem;

namespace {

std::vector<char*> make_argv(std::vector<std::string>& all) {
  std::vector<char*> argv;
  for (auto& s : all) argv.push_back(s.data());
  argv.push_back(nullptr);
  return argv;
}

int spawn_impl(const std::vector<std::string>& args, const std::string& out_file, const std::string& err_file,
               const std::string& cwd) {
  // $WICK_CLI runs the tests against another binary (e.g. one built without
  // a fix, to see the test fail); default: the wick_cli of this build.
  const char* env = std::getenv("WICK_CLI");
  std::vector<std::string> all = {env && *env ? env : WICK_CLI_PATH};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv = make_argv(all);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  pid_t pid = 0;
  int rc = posix_spawn(&pid, all[0].c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("cannot start " + all[0]);
  return pid;
}

struct Rng {
  std::mt19937_64 g;
  explicit Rng(uint64_t seed) : g(seed) {}
  double uniform(double a, double b) { return std::uniform_real_distribution<double>(a, b)(g); }
  double normal() { return std::normal_distribution<double>(0, 1)(g); }
  int integer(int n) { return std::uniform_int_distribution<int>(0, n - 1)(g); }
};

void put_be32(std::string& s, uint32_t v) {
  for (int k = 3; k >= 0; --k) s += static_cast<char>((v >> (8 * k)) & 0xff);
}

void write_bytes(const std::string& path, const std::string& bytes, bool gz) {
  if (gz) {
    gzFile f = gzopen((path + ".gz").c_str(), "wb");
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
  } else {
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
}

void write_split(const std::string& dir, const std::string& prefix, int64_t n, Rng& rng, bool gz,
                 std::vector<int>* labels_out, bool black = false) {
  std::string images, labels;
  put_be32(images, 0x803);
  put_be32(images, static_cast<uint32_t>(n));
  put_be32(images, 28);
  put_be32(images, 28);
  put_be32(labels, 0x801);
  put_be32(labels, static_cast<uint32_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    int k = rng.integer(10);
    // 3% of the labels are wrong, so there is something to misclassify.
    int label = rng.uniform(0, 1) < 0.03 ? rng.integer(10) : k;
    labels += static_cast<char>(label);
    if (labels_out) labels_out->push_back(label);
    int r0 = 2 + (k / 5) * 13, c0 = 1 + (k % 5) * 5;  // two rows of five block positions
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x) {
        bool on = y >= r0 && y < r0 + 7 && x >= c0 && x < c0 + 5;
        double v = black ? 0.0 : (on ? 200 : 20) + 25 * rng.normal();
        images += static_cast<char>(static_cast<uint8_t>(std::clamp(v, 0.0, 255.0)));
      }
  }
  write_bytes(dir + "/" + prefix + "-images-idx3-ubyte", images, gz);
  write_bytes(dir + "/" + prefix + "-labels-idx1-ubyte", labels, gz);
}

}  // namespace

Result run_wick(const std::vector<std::string>& args, const std::string& cwd) {
  static int counter = 0;
  std::string base = temp_dir("io") + "/" + std::to_string(counter++);
  int pid = spawn_impl(args, base + ".out", base + ".err", cwd);
  Result r;
  r.rc = wait_exit(pid);
  r.out = read_text(base + ".out");
  r.err = read_text(base + ".err");
  return r;
}

int spawn_wick(const std::vector<std::string>& args, const std::string& out_file, const std::string& err_file) {
  return spawn_impl(args, out_file, err_file, "");
}

int wait_exit(int pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string temp_dir(const std::string& tag) {
  static const fs::path root = [] {
    std::string tmpl = (fs::temp_directory_path() / "wick-cli-test-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    fs::path p = tmpl;
    static struct Cleanup {
      fs::path p;
      ~Cleanup() {
        if (!std::getenv("WICK_KEEP_TEST_FILES")) {
          std::error_code ec;
          fs::remove_all(p, ec);
        }
      }
    } cleanup{p};
    return p;
  }();
  fs::path p = root / tag;
  fs::create_directories(p);
  return p.string();
}

void write_synthetic_mnist(const std::string& dir, int64_t n_train, int64_t n_test, uint64_t seed, bool gz) {
  fs::create_directories(dir);
  Rng rng(seed);
  write_split(dir, "train", n_train, rng, gz, nullptr);
  write_split(dir, "t10k", n_test, rng, gz, nullptr);
}

void write_black_mnist(const std::string& dir, int64_t n_train, int64_t n_test, uint64_t seed) {
  fs::create_directories(dir);
  Rng rng(seed);
  write_split(dir, "train", n_train, rng, false, nullptr, true);
  write_split(dir, "t10k", n_test, rng, false, nullptr, true);
}

void write_regression_csv(const std::string& path, int64_t rows, uint64_t seed) {
  Rng rng(seed);
  std::ostringstream os;
  os << "x1,x2,x3,x4,y\n";
  for (int64_t i = 0; i < rows; ++i) {
    double x1 = rng.uniform(-2, 2), x2 = rng.uniform(-2, 2), x3 = rng.uniform(-2, 2), x4 = rng.uniform(-200, 200);
    double y = 3 * x1 - 2 * x2 + 0.5 * x3 + 0.01 * x4 + 1 + 0.01 * rng.normal();
    os << x1 << ',' << x2 << ',' << x3 << ',' << x4 << ',' << y << '\n';
  }
  write_text(path, os.str());
}

void write_blobs_csv(const std::string& path, int64_t rows, uint64_t seed) {
  Rng rng(seed);
  const char* names[] = {"cat", "dog", "eel"};
  const double cx[] = {-3, 3, 0}, cy[] = {-2, -2, 3};
  std::ostringstream os;
  os << "a,b,animal\n";
  for (int64_t i = 0; i < rows; ++i) {
    int k = rng.integer(3);
    os << cx[k] + 0.7 * rng.normal() << ',' << cy[k] + 0.7 * rng.normal() << ',' << names[k] << '\n';
  }
  write_text(path, os.str());
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

bool file_exists(const std::string& path) { return fs::exists(path); }

void wait_for_file(const std::string& path, std::chrono::microseconds poll, int tries) {
  for (int i = 0; i < tries && !file_exists(path); ++i) std::this_thread::sleep_for(poll);
}

std::vector<std::string> lines(const std::string& text) { return split(text, '\n'); }

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream is(s);
  while (std::getline(is, cur, sep)) out.push_back(cur);
  return out;
}

std::vector<std::string> metrics_sans_timing(const std::string& run) {
  std::vector<std::string> out;
  for (const std::string& row : lines(read_text(run + "/metrics.csv"))) {
    std::vector<std::string> f = split(row, ',');
    if (f.size() != 8) throw std::runtime_error(run + "/metrics.csv: a row without 8 columns: " + row);
    f.resize(6);
    std::string s;
    for (const std::string& x : f) s += x + ",";
    out.push_back(s);
  }
  return out;
}

}  // namespace wick::clitest
