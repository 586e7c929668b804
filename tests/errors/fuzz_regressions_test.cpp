// Inputs the fuzzers found (fuzz/regressions/<target>/), replayed through the
// same code as the fuzz target (fuzz/fuzz_inputs.h). Each must end in a
// wick::Error or in success: never another exception, never a crash.
//
// Allocation findings (a tiny file that makes wick reserve gigabytes) do not
// fail on Linux's overcommit by themselves, so each input runs in a child
// process whose address space may grow by only 1 GiB (not under AddressSanitizer,
// whose shadow memory needs more); there std::bad_alloc is the symptom.
// Inputs listed in kOpen are known, open findings (docs/ERRORS.md, "Open
// findings"): they skip with the reason while the bug is there and pass once
// it is fixed.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "../../fuzz/fuzz_inputs.h"
#include "errors/catalogue.h"

#if defined(__SANITIZE_ADDRESS__)
#define WICK_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WICK_UNDER_ASAN 1
#endif
#endif

namespace wick::errors_test {
namespace {

namespace fs = std::filesystem;

const fs::path kDir = fs::path(WICK_TEST_DATA_DIR).parent_path().parent_path() / "fuzz" / "regressions";

// Known open findings: "target/file" -> why.
// (F1, gunzip trusting the gzip trailer's size, is fixed: its inputs now
// must end cleanly like every other.)
const std::map<std::string, std::string> kOpen = {};

// The idx_gz target without its compress-here mode (which needs zlib, not
// linked into wick_tests): the bytes after byte 0 are the file.
void replay_idx_gz(const uint8_t* data, size_t size) {
  if (size < 1) return;
  static constexpr int kDims[3] = {0, 1, 3};
  if (data[0] & 1) GTEST_SKIP() << "compress-here inputs replay only in scripts/fuzz.sh";
  data::read_idx(fuzz::write_scratch("input-idx.gz", data + 1, size - 1), kDims[(data[0] >> 1) % 3]);
}

void replay(const std::string& target, const std::string& bytes) {
  auto* d = reinterpret_cast<const uint8_t*>(bytes.data());
  if (target == "idx") fuzz::run_idx(d, bytes.size());
  else if (target == "idx_gz") replay_idx_gz(d, bytes.size());
  else if (target == "mnist") fuzz::run_mnist(d, bytes.size());
  else if (target == "cifar10") fuzz::run_cifar10(d, bytes.size());
  else if (target == "csv") fuzz::run_csv(d, bytes.size());
  else if (target == "npy") fuzz::run_npy(d, bytes.size());
  else if (target == "safetensors") fuzz::run_safetensors(d, bytes.size());
  else if (target == "pytorch") fuzz::run_pytorch(d, bytes.size());
  else GTEST_SKIP() << target << " inputs replay only in scripts/fuzz.sh (the target needs the CLI's sources)";
}

// 0: rejected with a wick::Error or accepted; 3: std::bad_alloc; 4: another exception.
int outcome(const std::string& target, const std::string& bytes) {
  try {
    replay(target, bytes);
  } catch (const Error&) {
  } catch (const std::bad_alloc&) {
    return 3;
  } catch (...) {
    return 4;
  }
  return 0;
}

TEST(FuzzRegressions, EveryInputEndsInAWickErrorOrSuccess) {
  if (!fs::is_directory(kDir)) GTEST_SKIP() << kDir << " not found";
  int count = 0;
  for (const auto& target_dir : fs::directory_iterator(kDir)) {
    for (const auto& file : fs::directory_iterator(target_dir.path())) {
      const std::string target = target_dir.path().filename().string();
      const std::string key = target + "/" + file.path().filename().string();
      SCOPED_TRACE(key);
      std::ifstream in(file.path(), std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      ++count;
      int rc;
#ifdef WICK_UNDER_ASAN
      // Known huge-allocation inputs take a minute under ASan (it poisons
      // shadow memory for the whole reservation) and succeed there anyway.
      if (kOpen.count(key)) {
        std::cout << "[ OPEN     ] " << key << ": " << kOpen.at(key) << " (not replayed under ASan)\n";
        continue;
      }
      rc = outcome(target, bytes);
#else
      pid_t pid = ::fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) {
        // 1 GiB on top of what the process has mapped already (thread
        // stacks, BLAS buffers), so only the input's own allocations count.
        uint64_t mapped = 0;
        std::ifstream status("/proc/self/status");
        for (std::string line; std::getline(status, line);)
          if (line.rfind("VmSize:", 0) == 0) mapped = std::stoull(line.substr(7)) * 1024;
        rlimit lim{mapped + (uint64_t{1} << 30), mapped + (uint64_t{1} << 30)};
        ::setrlimit(RLIMIT_AS, &lim);
        ::_exit(outcome(target, bytes));
      }
      int status = 0;
      ::waitpid(pid, &status, 0);
      rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
#endif
      auto open = kOpen.find(key);
      if (rc != 0 && open != kOpen.end()) {
        std::cout << "[ OPEN     ] " << key << ": " << open->second << " (outcome " << rc << ")\n";
        continue;
      }
      EXPECT_EQ(rc, 0) << key << ": 3 = std::bad_alloc, 4 = a non-wick exception, >128 = killed by a signal";
    }
  }
  EXPECT_GT(count, 0);
}

}  // namespace
}  // namespace wick::errors_test
