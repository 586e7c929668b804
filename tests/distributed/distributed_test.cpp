// wick::distributed and nn::DistributedDataParallel.
//
// In this process (not started by mpirun) the world is one process: the
// collectives check their arguments and leave the values alone. The
// multi-process tests start tests/distributed/mpi_worker.cpp under
// `mpirun -np 2 --oversubscribe`, and skip when wick was built without MPI or
// mpirun is missing.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/expect_error.h"
#include "wick/creation.h"
#include "wick/distributed.h"
#include "wick/io/safetensors.h"
#include "wick/nn/data_parallel.h"
#include "wick/nn/linear.h"

using namespace wick;
namespace dist = wick::distributed;
namespace fs = std::filesystem;
using wick::testing::error_message;
using wick::testing::message_has;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Why it would skip, or "" when mpirun can run the worker.
std::string mpi_unavailable() {
  if (!dist::built_with_mpi()) return "wick was built without MPI (install libopenmpi-dev: scripts/setup.sh)";
  if (std::string(WICK_MPIEXEC).empty() || !fs::exists(WICK_MPIEXEC)) return "mpirun not found";
  return "";
}

struct WorkerRun {
  int rc = -1;
  std::string log;
};

// Runs `mpirun -np <np> --oversubscribe worker args` (np 0: the worker alone).
// The environment goes on the command line, not into this process, so the
// other tests' children never see it.
WorkerRun run_worker(int np, const std::string& args, const std::string& tag) {
  // The pid: two suites (a local run and a CI clone) may run at once.
  const std::string log =
      (fs::temp_directory_path() / ("wick_mpi_" + tag + "." + std::to_string(::getpid()) + ".log")).string();
  std::string asan = std::getenv("ASAN_OPTIONS") ? std::getenv("ASAN_OPTIONS") : "";
  // OpenMPI leaves its runtime's allocations to the exit (not leaks of
  // wick's), which LeakSanitizer would report in an ASan build.
  asan += (asan.empty() ? "" : ":") + std::string("detect_leaks=0");
  std::string cmd = "env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=" + asan + " ";
  cmd += "timeout 120 ";  // a hang (ranks out of step) fails the test instead of the suite
  if (np > 0) cmd += std::string(WICK_MPIEXEC) + " -np " + std::to_string(np) + " --oversubscribe --bind-to none ";
  cmd += std::string(WICK_MPI_WORKER) + " " + args + " > " + log + " 2>&1";
  const int status = std::system(cmd.c_str());
  WorkerRun r;
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.log = slurp(log);
  fs::remove(log);
  return r;
}

}  // namespace

// ---- a world of one process ----

TEST(Distributed, WorldOfOneWithoutMpirun) {
  ASSERT_FALSE(dist::launched_by_mpi()) << "run this test binary without mpirun";
  dist::init();
  dist::init();  // idempotent
  EXPECT_TRUE(dist::is_initialized());
  EXPECT_EQ(dist::rank(), 0);
  EXPECT_EQ(dist::world_size(), 1);
  EXPECT_TRUE(dist::is_main());
#ifdef WICK_TEST_HAS_MPI
  EXPECT_TRUE(dist::built_with_mpi());
#else
  EXPECT_FALSE(dist::built_with_mpi());
#endif
}

TEST(Distributed, CollectivesOverOneProcessKeepValues) {
  for (DType dt : {kFloat32, kFloat64, kInt64}) {
    for (auto op : {dist::ReduceOp::Sum, dist::ReduceOp::Average, dist::ReduceOp::Max}) {
      Tensor t = tensor({3.0, -1.0, 7.0}, {.dtype = dt});
      dist::all_reduce(t, op);
      EXPECT_EQ(t.to(kFloat64).to_vector<double>(), (std::vector<double>{3, -1, 7})) << dtype_name(dt);
    }
  }
  Tensor b = tensor({true, false});
  dist::broadcast(b, 0);
  EXPECT_EQ(b.to(kInt64).to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
  Tensor empty_t = zeros({0});
  dist::all_reduce(empty_t);
  dist::barrier();
}

TEST(Distributed, ErrorsNameTheOpTheTensorAndTheFix) {
  Tensor u8 = zeros({4}, {.dtype = kUInt8});
  EXPECT_TRUE(message_has(error_message([&] { dist::all_reduce(u8); }),
                          {"distributed::all_reduce", "uint8", "float32, float64 and int64", "t.to(kFloat32)"}));
  Tensor flags = zeros({2}, {.dtype = kBool});
  EXPECT_TRUE(message_has(error_message([&] { dist::all_reduce(flags, dist::ReduceOp::Max); }), {"bool"}));
  Tensor strided = zeros({3, 4}).t();
  EXPECT_TRUE(message_has(error_message([&] { dist::all_reduce(strided); }),
                          {"distributed::all_reduce", "non-contiguous", "[4, 3]", "contiguous()"}));
  EXPECT_TRUE(message_has(error_message([&] { dist::broadcast(strided, 0); }), {"distributed::broadcast", "contiguous"}));
  Tensor undefined;
  EXPECT_TRUE(message_has(error_message([&] { dist::all_reduce(undefined); }), {"all_reduce", "undefined"}));
  Tensor ok = zeros({2});
  EXPECT_TRUE(message_has(error_message([&] { dist::broadcast(ok, 1); }), {"distributed::broadcast", "root 1", "0..0"}));
  EXPECT_TRUE(message_has(error_message([&] { dist::broadcast(ok, -1); }), {"root -1"}));
}

TEST(Distributed, InitRefusesMpirunInABuildWithoutMpi) {
  if (dist::built_with_mpi()) GTEST_SKIP() << "an MPI build: under mpirun init() starts MPI (the mpirun tests cover it)";
  ::setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
  const std::string msg = error_message([] { dist::init(); });
  ::unsetenv("OMPI_COMM_WORLD_SIZE");
  EXPECT_TRUE(message_has(msg, {"distributed::init", "one of 2", "built without MPI", "libopenmpi-dev",
                                "scripts/setup.sh", "rebuild"}));
  ::setenv("PMI_SIZE", "1", 1);  // one process under mpirun trains as one
  EXPECT_TRUE(dist::launched_by_mpi());
  EXPECT_NO_THROW(dist::init());
  ::unsetenv("PMI_SIZE");
  EXPECT_EQ(dist::world_size(), 1);
}

TEST(Distributed, AbortOverOneProcessExitsWithTheCode) {
  // threadsafe: the child re-runs this test alone. A plain fork would
  // inherit no pool threads, and exit()'s destructors would wait for them.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(dist::abort(3), ::testing::ExitedWithCode(3), "");
}

TEST(DistributedDataParallel, WorldOfOneChangesNothing) {
  nn::Linear fc(3, 2);
  const Tensor w0 = fc.weight.detach().clone();
  nn::DistributedDataParallel ddp(fc);
  EXPECT_EQ(&ddp.module(), &fc);
  Tensor out = ddp(ones({4, 3}));
  EXPECT_EQ(out.sizes(), (Shape{4, 2}));
  out.sum().backward();
  const Tensor g0 = fc.weight.grad().clone();
  ddp.sync_gradients();
  ddp.broadcast_state();
  EXPECT_EQ(fc.weight.to_vector<float>(), w0.to_vector<float>());
  EXPECT_EQ(fc.weight.grad().to_vector<float>(), g0.to_vector<float>());
}

// ---- two processes under mpirun ----

TEST(DistributedMpirun, CollectivesAndDataParallelOnTwoRanks) {
  if (std::string why = mpi_unavailable(); !why.empty()) GTEST_SKIP() << why;
  WorkerRun r = run_worker(2, "collectives", "collectives");
  EXPECT_EQ(r.rc, 0) << r.log;
}

// A rank that fails must end the job, not leave the others in a collective:
// without MPI_Abort rank 0 would wait in its barrier for ever (`timeout`
// turns that into exit code 124).
TEST(DistributedMpirun, AbortOnOneRankEndsTheJob) {
  if (std::string why = mpi_unavailable(); !why.empty()) GTEST_SKIP() << why;
  WorkerRun r = run_worker(2, "abort", "abort");
  EXPECT_NE(r.rc, 0) << r.log;
  EXPECT_NE(r.rc, 124) << "the job hung after rank 1's abort\n" << r.log;
  EXPECT_EQ(r.log.find("passed the barrier"), std::string::npos) << r.log;
}

// 2 ranks x batch B with the sharded loader take the same steps as one
// process with batch 2B: each step's two shards are the halves of the single
// process's batch, and the average of the two mean losses' gradients is the
// gradient of the mean over both.
TEST(DistributedMpirun, TwoRanksEqualOneProcessWithTwiceTheBatch) {
  if (std::string why = mpi_unavailable(); !why.empty()) GTEST_SKIP() << why;
  const fs::path dir = fs::temp_directory_path() / "wick_mpi_equivalence";
  fs::create_directories(dir);
  const std::string two = (dir / "two.safetensors").string(), one = (dir / "one.safetensors").string();
  WorkerRun r2 = run_worker(2, "train 12 16 " + two, "train2");
  ASSERT_EQ(r2.rc, 0) << r2.log;
  WorkerRun r1 = run_worker(0, "train 12 32 " + one, "train1");
  ASSERT_EQ(r1.rc, 0) << r1.log;
  TensorDict a = load(two), b = load(one);
  ASSERT_EQ(a.size(), b.size());
  double worst = 0, moved = 0;
  for (const auto& [name, t] : b) {
    worst = std::max(worst, a.at(name).sub(t).abs().max().item());
    moved = std::max(moved, t.abs().max().item());
  }
  EXPECT_LT(worst, 1e-5) << "largest parameter difference between 2 x 16 and 1 x 32";
  EXPECT_GT(moved, 0.0);
  std::printf("[          ] 2 ranks x 16 vs 1 x 32, 12 SGD steps: max |difference| %.3g\n", worst);
  fs::remove_all(dir);
}
