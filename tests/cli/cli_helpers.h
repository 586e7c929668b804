#pragma once
// Helpers of the `wick` command tests: run the binary, generate small
// datasets, read files.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace wick::clitest {

struct Result {
  int rc = -1;  // exit code, or 128 + signal
  std::string out, err;
};

// Runs the built `wick` ($WICK_CLI if set) with `args` in `cwd` (default:
// the current folder).
Result run_wick(const std::vector<std::string>& args, const std::string& cwd = "");
// Starts it without waiting; returns the pid. Output goes to the given files.
int spawn_wick(const std::vector<std::string>& args, const std::string& out_file, const std::string& err_file);
int wait_exit(int pid);

// A fresh empty folder under the system temp dir, removed at exit.
std::string temp_dir(const std::string& tag);

// Synthetic MNIST-like IDX files (plain, or .gz with gz=true) in `dir`: class
// k shows a bright 7x7 block at a position of its own plus noise, so a
// softmax model learns it in one epoch; 3% of the labels are random.
void write_synthetic_mnist(const std::string& dir, int64_t n_train, int64_t n_test, uint64_t seed, bool gz = false);
// The same files with every pixel black (0) and random labels.
void write_black_mnist(const std::string& dir, int64_t n_train, int64_t n_test, uint64_t seed);

// y = 3 x1 - 2 x2 + 0.5 x3 + 1 + N(0, 0.01^2) with x ~ U(-2, 2) (plus x4 on a
// very different scale, coefficient 0.01).
void write_regression_csv(const std::string& path, int64_t rows, uint64_t seed);
// Three well separated blobs in 2-D with string labels "cat", "dog", "eel".
void write_blobs_csv(const std::string& path, int64_t rows, uint64_t seed);

std::string read_text(const std::string& path);
void write_text(const std::string& path, const std::string& text);
bool file_exists(const std::string& path);
// Polls every `poll` until `path` exists, at most `tries` times (a spawned
// run has reached the point that writes it).
void wait_for_file(const std::string& path, std::chrono::microseconds poll, int tries);
std::vector<std::string> lines(const std::string& text);
// The rows of RUN/metrics.csv without the timing columns (seconds,
// samples_per_second): what two runs of the same training share.
// Throws when a row does not have the 8 columns.
std::vector<std::string> metrics_sans_timing(const std::string& run);
std::vector<std::string> split(const std::string& s, char sep);

}  // namespace wick::clitest
