// `mpirun -np 2 wick train`: data-parallel training from the command line.
// Skips when wick was built without MPI or mpirun is missing
// (WICK_MPIEXEC comes from tests/CMakeLists.txt).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_helpers.h"
#include "wick/distributed.h"

namespace wick::clitest {
namespace {

namespace fs = std::filesystem;

TEST(CliMpi, TwoProcessesTrainOneRunFolder) {
  if (!distributed::built_with_mpi()) GTEST_SKIP() << "wick was built without MPI (scripts/setup.sh installs it)";
  if (std::string(WICK_MPIEXEC).empty() || !fs::exists(WICK_MPIEXEC)) GTEST_SKIP() << "mpirun not found";
  const std::string dir = temp_dir("mpi");
  write_blobs_csv(dir + "/blobs.csv", 600, 5);
  const char* env_cli = std::getenv("WICK_CLI");
  const std::string wick = env_cli && *env_cli ? env_cli : WICK_CLI_PATH;
  // Root in CI containers; `timeout`: a hang fails the test, not the suite;
  // LeakSanitizer off in the ranks: OpenMPI leaves its runtime's allocations
  // to the exit (set on the command line, so that no other test's child
  // inherits it).
  std::string asan = std::getenv("ASAN_OPTIONS") ? std::getenv("ASAN_OPTIONS") : "";
  asan += (asan.empty() ? "" : ":") + std::string("detect_leaks=0");
  // No --out: rank 0 alone picks runs/blobs-mlp; a second folder would mean
  // another rank wrote too.
  const std::string cmd = "cd " + dir + " && env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=" +
                          asan + " timeout 300 " + WICK_MPIEXEC + " -np 2 --oversubscribe --bind-to none " + wick +
                          " train --data blobs.csv --target animal --model mlp --hidden 16 --lr 0.05 --epochs 4"
                          " --batch-size 16 --threads 1 > out.txt 2> err.txt";
  const int status = std::system(cmd.c_str());
  const std::string out = read_text(dir + "/out.txt"), err = read_text(dir + "/err.txt");
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out << err;

  int folders = 0;
  for (const auto& e : fs::directory_iterator(dir + "/runs")) folders += e.is_directory() ? 1 : 0;
  EXPECT_EQ(folders, 1);
  const std::string run = dir + "/runs/blobs-mlp";
  ASSERT_TRUE(file_exists(run + "/metrics.csv")) << out << err;
  const std::vector<std::string> rows = lines(read_text(run + "/metrics.csv"));
  ASSERT_EQ(rows.size(), 5u) << read_text(run + "/metrics.csv");  // header + 4 epochs
  const std::vector<std::string> last = split(rows.back(), ',');
  EXPECT_GT(std::stod(last.at(4)), 0.9) << rows.back();  // test accuracy
  const nlohmann::json cfg = nlohmann::json::parse(read_text(run + "/config.json"));
  EXPECT_EQ(cfg.at("world_size"), 2);
  EXPECT_EQ(cfg.at("status"), "completed");
  // Only rank 0 prints: one start line, one line per epoch.
  EXPECT_NE(out.find("x 2 processes (mpirun)"), std::string::npos) << out;
  size_t starts = 0;
  for (size_t p = out.find("wick train:"); p != std::string::npos; p = out.find("wick train:", p + 1)) ++starts;
  EXPECT_EQ(starts, 1u) << out;
}

}  // namespace
}  // namespace wick::clitest
