// `wick train --warmup N`: the lr rises linearly from lr * 0.1 over N epochs
// (PyTorch's LinearLR), then the schedule takes over (SequentialLR). The lr
// column must hold PyTorch 1.13's values, read from the fixture file that
// tests/reference/make_schedule_fixtures.py wrote (cases cli_warmup_*), not
// from wick; --resume continues the sequence bit for bit; bad values are
// usage errors with one line.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli_fixtures.h"
#include "wick/io/safetensors.h"

namespace wick::clitest {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The "lrs" line of fixture case `name` (PyTorch's get_last_lr() after
// construction and after each step: the lr of epoch 1, 2, ...).
std::vector<double> pytorch_lrs(const std::string& name) {
  const fs::path file = fs::path(__FILE__).parent_path().parent_path() / "data" / "schedule" / "sequences.txt";
  std::istringstream in(read_text(file.string()));
  std::string line;
  bool found = false;
  while (std::getline(in, line)) {
    if (line.rfind("case " + name + " ", 0) == 0) found = true;
    if (found && line.rfind("lrs ", 0) == 0) {
      std::istringstream ss(line.substr(4));
      std::vector<double> out;
      std::string tok;
      while (ss >> tok) out.push_back(std::strtod(tok.c_str(), nullptr));
      return out;
    }
  }
  ADD_FAILURE() << "no case " << name << " in " << file;
  return {};
}

std::vector<std::string> train_args(const std::string& out, const std::string& schedule, const std::string& epochs) {
  return {"train",     "--data",     "mnist", "--data-dir", data_root(), "--model",  "softmax",
          "--limit",   "300",        "--batch-size", "50",  "--optimizer", "sgd",    "--lr",
          "0.05",      "--schedule", schedule, "--warmup",  "2",          "--epochs", epochs,
          "--threads", "1",          "--out",    out};
}

std::string g8(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.8g", v);
  return buf;
}

// The lr of each epoch: exact, from last.safetensors' training state ("%.17g").
std::vector<double> exact_lrs(const std::string& run) {
  const json state = json::parse(load_metadata(run + "/last.safetensors").at("wick.train"));
  std::vector<double> out;
  for (const json& row : state.at("rows")) out.push_back(std::strtod(row.at("lr").get<std::string>().c_str(), nullptr));
  return out;
}

// metrics.csv's lr column (8 significant digits).
std::vector<std::string> lr_column(const std::string& run) {
  std::vector<std::string> out;
  const std::vector<std::string> rows = metrics_sans_timing(run);
  for (size_t i = 1; i < rows.size(); ++i) out.push_back(split(rows[i], ',')[5]);
  return out;
}

void expect_pytorch_lrs(const std::string& run, const std::vector<double>& want) {
  const std::vector<double> got = exact_lrs(run);
  ASSERT_EQ(got.size(), want.size());
  std::vector<std::string> want_text;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i], want[i]) << "epoch " << i + 1;
    want_text.push_back(g8(want[i]));
  }
  EXPECT_EQ(lr_column(run), want_text);
}

TEST(CliWarmup, LrColumnIsPyTorchsSequentialLR) {
  const std::string dir = temp_dir("warmup");
  // cosine: SequentialLR(LinearLR(0.1, 1.0, 2), CosineAnnealingLR(T_max 1), [2]);
  // none: LinearLR(0.1, 1.0, 2) alone.
  for (const char* schedule : {"cosine", "none"}) {
    SCOPED_TRACE(schedule);
    const std::string run = dir + "/" + schedule;
    Result r = run_wick(train_args(run, schedule, "3"));
    ASSERT_EQ(r.rc, 0) << r.out << r.err;
    std::vector<double> want = pytorch_lrs(std::string("cli_warmup_") + schedule);
    want.resize(3);
    expect_pytorch_lrs(run, want);
    EXPECT_EQ(lr_column(run)[0], "0.005");  // 0.05 * 0.1, as the docs say
    auto cfg = json::parse(read_text(run + "/config.json"));
    EXPECT_EQ(cfg["args"]["warmup"], 2);
  }
  // 4 epochs: the cosine runs over the 2 after the warmup (T_max 2).
  Result r4 = run_wick(train_args(dir + "/cosine4", "cosine", "4"));
  ASSERT_EQ(r4.rc, 0) << r4.err;
  expect_pytorch_lrs(dir + "/cosine4", pytorch_lrs("cli_warmup_cosine4"));
  // Without --warmup config.json has no "warmup" (as runs before the flag).
  Result r = run_wick({"train", "--data", "mnist", "--data-dir", data_root(), "--limit", "100", "--epochs", "1",
                       "--threads", "1", "--out", dir + "/plain"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_FALSE(json::parse(read_text(dir + "/plain/config.json"))["args"].contains("warmup"));
}

// Stopped after epoch 3 of 4 and resumed: the same lr sequence (PyTorch's
// SequentialLR(LinearLR, StepLR(step_size 1)) in both: (4 - 2) / 3 and
// (3 - 2) / 3 both give step_size 1), the same bits everywhere.
TEST(CliWarmup, ResumeContinuesTheSequence) {
  const std::string dir = temp_dir("warmup-resume");
  Result full = run_wick(train_args(dir + "/full", "step", "4"));
  ASSERT_EQ(full.rc, 0) << full.err;
  Result part = run_wick(train_args(dir + "/part", "step", "3"));
  ASSERT_EQ(part.rc, 0) << part.err;
  Result rest = run_wick({"train", "--resume", dir + "/part", "--epochs", "4"});
  ASSERT_EQ(rest.rc, 0) << rest.err;
  expect_pytorch_lrs(dir + "/full", pytorch_lrs("cli_warmup_step"));
  expect_pytorch_lrs(dir + "/part", pytorch_lrs("cli_warmup_step"));
  EXPECT_EQ(metrics_sans_timing(dir + "/full"), metrics_sans_timing(dir + "/part"));
  const TensorDict a = load(dir + "/full/last.safetensors"), b = load(dir + "/part/last.safetensors");
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [k, v] : a) {
    ASSERT_TRUE(b.contains(k)) << k;
    ASSERT_EQ(v.dtype(), b.at(k).dtype()) << k;
    ASSERT_EQ(v.numel(), b.at(k).numel()) << k;
    EXPECT_EQ(std::memcmp(v.raw_data(), b.at(k).raw_data(), v.numel() * element_size(v.dtype())), 0) << k;
  }
  for (const char* key : {"scheduler.last_epoch", "scheduler._schedulers.0.last_epoch",
                          "scheduler._schedulers.1._step_count", "optimizer.param_groups.0.lr"})
    EXPECT_TRUE(a.contains(key)) << key;
  EXPECT_EQ(a.at("scheduler.last_epoch").item(), 4);
  // The saved flags come back: --warmup cannot be changed on resume.
  Result again = run_wick({"train", "--resume", dir + "/part", "--epochs", "5", "--warmup", "1"});
  EXPECT_EQ(again.rc, 2);
  EXPECT_NE(again.err.find("--warmup cannot be changed"), std::string::npos) << again.err;
}

TEST(CliWarmup, BadValuesAreUsageErrors) {
  const std::string dir = temp_dir("warmup-bad");
  auto args = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = {"train", "--data", "mnist", "--data-dir", data_root(), "--limit", "100",
                                  "--threads", "1", "--out", dir + "/run"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  const std::pair<std::vector<std::string>, std::vector<const char*>> cases[] = {
      {{"--warmup", "-1"}, {"--warmup -1", "0 or more"}},
      {{"--warmup", "2", "--schedule", "onecycle"}, {"--warmup 2", "onecycle", "warms up by itself"}},
      {{"--warmup", "3", "--epochs", "3", "--schedule", "cosine"}, {"--warmup 3", "less than --epochs 3"}},
      {{"--warmup", "1.5"}, {"--warmup", "whole number"}},
  };
  for (const auto& [extra, words] : cases) {
    SCOPED_TRACE(extra[1]);
    Result r = run_wick(args(extra));
    EXPECT_EQ(r.rc, 2) << r.err;
    EXPECT_EQ(lines(r.err).size(), 1u) << r.err;
    for (const char* w : words) EXPECT_NE(r.err.find(w), std::string::npos) << w << " in " << r.err;
    EXPECT_FALSE(fs::exists(dir + "/run")) << "a refused run left a folder";
  }
}

}  // namespace
}  // namespace wick::clitest
