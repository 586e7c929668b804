// `wick train --resume`: a run stopped after epoch 2 and resumed ends with
// the same bits as one that ran straight through (CPU), and the guards that
// stop a diverging run.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli_fixtures.h"
#include "wick/io/safetensors.h"

namespace wick::clitest {
namespace {

// Every piece of training state matters here: dropout masks and the random
// crops and flips of --augment (global generator), BatchNorm running statistics, the loader's shuffle order per
// epoch, Adam's moments and step counts, StepLR's position (step_size 1 for
// both 2 and 4 epochs, so the lr falls tenfold each epoch).
std::vector<std::string> train_args(const std::string& out, const std::string& epochs) {
  return {"train", "--data", "mnist", "--data-dir", data_root(), "--model", "mlp", "--hidden", "24",
          "--batchnorm", "--dropout", "0.3", "--optimizer", "adam", "--lr", "0.01", "--schedule", "step",
          "--batch-size", "32", "--limit", "400", "--seed", "7", "--threads", "1", "--augment", "crop=2,flip",
          "--epochs", epochs, "--out", out};
}

std::string raw(const Tensor& t) {
  return std::string(static_cast<const char*>(t.raw_data()), t.numel() * element_size(t.dtype()));
}

// Same names, dtypes, shapes and bytes.
void expect_identical(const std::string& a_path, const std::string& b_path) {
  TensorDict a = load(a_path), b = load(b_path);
  ASSERT_EQ(a.size(), b.size()) << a_path << " vs " << b_path;
  for (const auto& [k, v] : a) {
    ASSERT_TRUE(b.contains(k)) << k;
    EXPECT_EQ(v.dtype(), b.at(k).dtype()) << k;
    EXPECT_EQ(v.sizes(), b.at(k).sizes()) << k;
    EXPECT_TRUE(raw(v) == raw(b.at(k))) << "tensor " << k << " differs between " << a_path << " and " << b_path;
  }
}

TEST(CliResume, StoppedAfterEpochTwoAndResumedIsBitIdentical) {
  std::string dir = temp_dir("resume");
  Result full = run_wick(train_args(dir + "/full", "4"));
  ASSERT_EQ(full.rc, 0) << full.err;
  Result half = run_wick(train_args(dir + "/half", "2"));
  ASSERT_EQ(half.rc, 0) << half.err;
  ASSERT_EQ(metrics_sans_timing(dir + "/half").size(), 3u);
  Result rest = run_wick({"train", "--resume", dir + "/half", "--epochs", "4"});
  ASSERT_EQ(rest.rc, 0) << rest.err;

  // Weights, BatchNorm buffers, optimizer and schedule state: all the same bits.
  expect_identical(dir + "/full/last.safetensors", dir + "/half/last.safetensors");
  expect_identical(dir + "/full/best.safetensors", dir + "/half/best.safetensors");
  const TensorDict last = load(dir + "/full/last.safetensors");
  for (const char* key : {"1.weight", "2.running_mean", "2.num_batches_tracked", "optimizer.state.0.exp_avg_sq",
                          "scheduler.last_epoch"})
    EXPECT_TRUE(last.contains(key)) << key;
  std::vector<std::string> a = metrics_sans_timing(dir + "/full"), b = metrics_sans_timing(dir + "/half");
  ASSERT_EQ(a.size(), 5u);
  EXPECT_EQ(a, b);
  // The lr column shows the schedule ran on: 0.01, 0.001, 1e-4, 1e-5.
  EXPECT_EQ(split(a[4], ',')[5], "1e-05");

  auto cfg = nlohmann::json::parse(read_text(dir + "/half/config.json"));
  EXPECT_EQ(cfg["status"], "completed");
  EXPECT_EQ(cfg["args"]["epochs"], 4);
  EXPECT_EQ(cfg["resumed"].size(), 1u);
  EXPECT_NE(cfg["command"].get<std::string>().find("--epochs 2"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(read_text(dir + "/full/config.json"))["timings"]["epochs_completed"], 4);
  EXPECT_EQ(cfg["timings"]["epochs_completed"], 4);
  // eval still reads last.safetensors (its training-state entries are skipped).
  Result e = run_wick({"eval", dir + "/half/last.safetensors", "--data-dir", data_root(), "--threads", "1"});
  EXPECT_EQ(e.rc, 0) << e.err;
}

TEST(CliResume, InterruptedMidEpochAndResumedIsBitIdentical) {
  std::string dir = temp_dir("resume-int");
  auto args = [&](const std::string& out) {
    std::vector<std::string> a = train_args(dir + "/" + out, "8");
    a.insert(a.end(), {"--batch-size", "4", "--limit", "2000"});  // later flags win: 500 short steps per epoch
    return a;
  };
  Result full = run_wick(args("full"));
  ASSERT_EQ(full.rc, 0) << full.err;
  // Ctrl-C right after epoch 1's metrics appear lands somewhere in epoch 2
  // (or later); wherever it lands, the resumed run must end where the
  // uninterrupted one did, bit for bit.
  int pid = spawn_wick(args("cut"), dir + "/out.txt", dir + "/err.txt");
  wait_for_file(dir + "/cut/metrics.csv", std::chrono::microseconds(500), 20000);
  std::this_thread::sleep_for(std::chrono::milliseconds(15));  // into epoch 2
  kill(pid, SIGINT);
  const int rc = wait_exit(pid);
  if (rc == 0) GTEST_SKIP() << "the run finished before the interrupt";
  ASSERT_EQ(rc, 130) << read_text(dir + "/err.txt");
  const std::string out = read_text(dir + "/out.txt");
  EXPECT_NE(out.find("continue with --resume"), std::string::npos) << out;
  Result rest = run_wick({"train", "--resume", dir + "/cut"});
  ASSERT_EQ(rest.rc, 0) << rest.err;
  expect_identical(dir + "/full/last.safetensors", dir + "/cut/last.safetensors");
  EXPECT_EQ(metrics_sans_timing(dir + "/full"), metrics_sans_timing(dir + "/cut"));
  std::cout << "interrupted: " << out.substr(out.find("interrupted in")) << std::endl;
}

TEST(CliResume, OnlyEpochsMayBeGivenAgain) {
  std::string dir = temp_dir("resume-flags");
  Result r = run_wick(train_args(dir + "/run", "1"));
  ASSERT_EQ(r.rc, 0) << r.err;
  Result lr = run_wick({"train", "--resume", dir + "/run", "--epochs", "2", "--lr", "0.5"});
  EXPECT_EQ(lr.rc, 2);
  EXPECT_NE(lr.err.find("--lr cannot be changed"), std::string::npos) << lr.err;
  Result done = run_wick({"train", "--resume", dir + "/run"});
  EXPECT_EQ(done.rc, 2);
  EXPECT_NE(done.err.find("has completed its 1 epochs"), std::string::npos) << done.err;
  Result none = run_wick({"train", "--resume", dir + "/nothing-here"});
  EXPECT_EQ(none.rc, 2);
  EXPECT_NE(none.err.find("no such run folder"), std::string::npos) << none.err;
  Result no_data = run_wick({"train", "--epochs", "1"});
  EXPECT_EQ(no_data.rc, 2);
  EXPECT_NE(no_data.err.find("--data is required"), std::string::npos) << no_data.err;
  // Nothing above touched the run.
  EXPECT_EQ(lines(read_text(dir + "/run/metrics.csv")).size(), 2u);
}

// config.json kept "data" as typed (relative), so a resume from another
// folder did not find it; a missing file now names config.json (hunt 3).
TEST(CliResume, DataPathsAreAbsoluteAndAMissingFileNamesTheConfig) {
  std::string dir = temp_dir("resume-cwd");
  std::filesystem::create_directories(dir + "/started/csv");
  std::filesystem::create_directories(dir + "/elsewhere");
  write_regression_csv(dir + "/started/csv/lin.csv", 100, 5);
  Result r = run_wick({"train", "--data", "csv/lin.csv", "--target", "y", "--model", "linear", "--epochs", "1",
                       "--threads", "1", "--out", dir + "/run"},
                      dir + "/started");
  ASSERT_EQ(r.rc, 0) << r.err;
  auto cfg = nlohmann::json::parse(read_text(dir + "/run/config.json"));
  EXPECT_EQ(cfg["args"]["data"], dir + "/started/csv/lin.csv");
  Result again = run_wick({"train", "--resume", dir + "/run", "--epochs", "2"}, dir + "/elsewhere");
  ASSERT_EQ(again.rc, 0) << again.err;
  EXPECT_EQ(lines(read_text(dir + "/run/metrics.csv")).size(), 3u);
  std::filesystem::rename(dir + "/started/csv/lin.csv", dir + "/started/csv/moved.csv");
  Result gone = run_wick({"train", "--resume", dir + "/run", "--epochs", "3"}, dir + "/elsewhere");
  EXPECT_EQ(gone.rc, 1);
  ASSERT_EQ(lines(gone.err).size(), 1u) << gone.err;
  EXPECT_NE(gone.err.find(dir + "/started/csv/lin.csv (\"data\" in " + dir + "/run/config.json) does not exist"),
            std::string::npos)
      << gone.err;
}

// A run stopped inside epoch k + 1 (SIGTERM, handled as Ctrl-C) resumed with
// --epochs k ended at once, "completed" with the half-trained weights of
// epoch k + 1 (hunt 4). Resuming needs --epochs above the complete epochs.
TEST(CliResume, StoppedMidEpochNeedsEpochsBeyondTheCompleteOnes) {
  std::string dir = temp_dir("resume-term");
  int pid = spawn_wick({"train", "--data", "mnist", "--data-dir", data_root(), "--limit", "400", "--batch-size", "4",
                        "--epochs", "1000000", "--threads", "1", "--out", dir + "/run"},
                       dir + "/out.txt", dir + "/err.txt");
  wait_for_file(dir + "/run/metrics.csv", std::chrono::microseconds(500), 20000);
  kill(pid, SIGTERM);
  EXPECT_EQ(wait_exit(pid), 128 + SIGTERM) << read_text(dir + "/err.txt");
  EXPECT_EQ(read_text(dir + "/err.txt"), "");
  EXPECT_EQ(nlohmann::json::parse(read_text(dir + "/run/config.json"))["status"], "interrupted");
  for (const auto& e : std::filesystem::directory_iterator(dir + "/run"))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
  // The signal is seen after a step, so the run stopped inside an epoch.
  const auto state = nlohmann::json::parse(load_metadata(dir + "/run/last.safetensors").at("wick.train"));
  const int64_t done = state["epochs_done"].get<int64_t>();
  ASSERT_GE(done, 1);
  ASSERT_GT(state["step"].get<int64_t>(), 0);
  for (int64_t epochs : {done, done - 1}) {
    if (epochs < 1) continue;
    Result r = run_wick({"train", "--resume", dir + "/run", "--epochs", std::to_string(epochs)});
    EXPECT_EQ(r.rc, 2) << r.out;
    EXPECT_NE(r.err.find("pass --epochs N (more than " + std::to_string(done) + ")"), std::string::npos) << r.err;
  }
  EXPECT_EQ(nlohmann::json::parse(read_text(dir + "/run/config.json"))["status"], "interrupted");
  Result finish = run_wick({"train", "--resume", dir + "/run", "--epochs", std::to_string(done + 1)});
  ASSERT_EQ(finish.rc, 0) << finish.err;
  EXPECT_EQ(lines(read_text(dir + "/run/metrics.csv")).size(), static_cast<size_t>(done + 2));
}

// SGD with lr 1e10 on a tiny regression set, one step per epoch: epoch 1
// starts from small weights and ends finite; the weights then grow ~1e10-fold
// per step until the float32 loss overflows.
std::vector<std::string> diverging_args(const std::string& dir, const std::string& out) {
  write_regression_csv(dir + "/tiny.csv", 40, 3);
  return {"train", "--data", dir + "/tiny.csv", "--target", "y", "--model", "linear", "--optimizer", "sgd",
          "--lr", "1e10", "--batch-size", "1000", "--epochs", "20", "--threads", "1", "--out", dir + "/" + out};
}

TEST(CliGuards, NonFiniteLossStopsAndKeepsTheLastGoodCheckpoint) {
  std::string dir = temp_dir("diverge");
  Result r = run_wick(diverging_args(dir, "run"));
  EXPECT_EQ(r.rc, 1) << r.out;
  ASSERT_EQ(lines(r.err).size(), 1u) << r.err;
  for (const char* w : {"wick: error: the training loss is", "step 1 of 1", "learning rate 1e+10", "lower --lr",
                        "--clip-grad-norm", "last.safetensors keeps epoch"})
    EXPECT_NE(r.err.find(w), std::string::npos) << "lacks '" << w << "': " << r.err;
  const size_t at = r.err.find("at epoch ");
  ASSERT_NE(at, std::string::npos);
  const int bad_epoch = std::stoi(r.err.substr(at + 9));
  ASSERT_GE(bad_epoch, 2) << "the first epoch was meant to stay finite: " << r.err;
  // last.safetensors is the previous epoch's, intact and finite.
  Metadata meta = load_metadata(dir + "/run/last.safetensors");
  EXPECT_EQ(meta.at("wick.epoch"), std::to_string(bad_epoch - 1));
  TensorDict sd = load(dir + "/run/last.safetensors");
  for (const char* k : {"1.weight", "1.bias"})
    for (float v : sd.at(k).to_vector<float>()) EXPECT_TRUE(std::isfinite(v)) << k;
  auto cfg = nlohmann::json::parse(read_text(dir + "/run/config.json"));
  EXPECT_EQ(cfg["status"], "diverged");
  EXPECT_EQ(lines(read_text(dir + "/run/metrics.csv")).size(), static_cast<size_t>(bad_epoch));  // header + good epochs
}

TEST(CliGuards, ClipGradNormKeepsTheSameRunFinite) {
  std::string dir = temp_dir("clip");
  std::vector<std::string> args = diverging_args(dir, "run");
  args.insert(args.end(), {"--clip-grad-norm", "1e-12", "--detect-anomaly"});
  Result r = run_wick(args);
  ASSERT_EQ(r.rc, 0) << r.err;
  auto cfg = nlohmann::json::parse(read_text(dir + "/run/config.json"));
  EXPECT_EQ(cfg["args"]["clip_grad_norm"], 1e-12);
  EXPECT_EQ(cfg["args"]["detect_anomaly"], true);
  Result bad = run_wick({"train", "--data", "mnist", "--data-dir", data_root(), "--clip-grad-norm", "0"});
  EXPECT_EQ(bad.rc, 2);
  EXPECT_NE(bad.err.find("--clip-grad-norm 0: must be a positive number"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace wick::clitest
