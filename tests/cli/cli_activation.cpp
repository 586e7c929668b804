// `wick train --activation NAME` (mlp, cnn): the hidden layers' nonlinearity,
// kept in config.json and in the checkpoint's model description, so eval,
// summary and --resume rebuild the same net; default descriptions (ReLU)
// stay as they were; bad names and models are usage errors; a description
// naming an unknown activation is refused by name.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "cli_fixtures.h"
#include "wick/io/safetensors.h"

namespace wick::clitest {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<std::string> train_args(const std::string& out, const std::vector<std::string>& model) {
  std::vector<std::string> a = {"train",   "--data",  "mnist", "--data-dir", data_root(), "--limit", "300",
                                "--epochs", "1",      "--batch-size", "50", "--optimizer", "adam", "--lr",
                                "0.003",   "--threads", "1",   "--out",      out};
  a.insert(a.end(), model.begin(), model.end());
  return a;
}

TEST(CliActivation, GeluMlpIsStoredAndRebuiltFromTheCheckpoint) {
  const std::string run = temp_dir("act") + "/gelu";
  Result r = run_wick(train_args(run, {"--model", "mlp", "--hidden", "32", "--activation", "gelu"}));
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  auto cfg = json::parse(read_text(run + "/config.json"));
  EXPECT_EQ(cfg["args"]["activation"], "gelu");
  EXPECT_EQ(cfg["model"]["activation"], "gelu");
  const std::string ckpt = run + "/best.safetensors";
  EXPECT_EQ(json::parse(load_metadata(ckpt).at("wick.model"))["activation"], "gelu");
  // summary and eval build the model from the description alone.
  Result s = run_wick({"summary", ckpt});
  ASSERT_EQ(s.rc, 0) << s.err;
  EXPECT_NE(s.out.find("2 (GELU)"), std::string::npos) << s.out;
  EXPECT_EQ(s.out.find("ReLU"), std::string::npos) << s.out;
  Result e = run_wick({"eval", ckpt, "--data", "mnist", "--data-dir", data_root(), "--threads", "1"});
  EXPECT_EQ(e.rc, 0) << e.err;
}

TEST(CliActivation, EachNameGivesItsLayerInMlpAndCnn) {
  const std::pair<const char*, const char*> names[] = {{"relu", "ReLU"}, {"leaky_relu", "LeakyReLU"},
                                                      {"elu", "ELU"},   {"gelu", "GELU"},
                                                      {"silu", "SiLU"}, {"mish", "Mish"},
                                                      {"tanh", "Tanh"}};
  for (const auto& [flag, layer] : names) {
    SCOPED_TRACE(flag);
    // mlp: Flatten, Linear, act, Linear, act, Linear.
    Result m = run_wick({"summary", "--data", "mnist", "--model", "mlp", "--hidden", "8,8", "--activation", flag});
    ASSERT_EQ(m.rc, 0) << m.err;
    EXPECT_NE(m.out.find("2 (" + std::string(layer) + ")"), std::string::npos) << m.out;
    EXPECT_NE(m.out.find("4 (" + std::string(layer) + ")"), std::string::npos) << m.out;
    // cnn: Conv2d, act, MaxPool2d, then Flatten, Linear, act, Linear.
    Result c = run_wick({"summary", "--data", "mnist", "--model", "cnn", "--channels", "4", "--hidden", "8",
                         "--activation", flag});
    ASSERT_EQ(c.rc, 0) << c.err;
    EXPECT_NE(c.out.find("1 (" + std::string(layer) + ")"), std::string::npos) << c.out;
    EXPECT_NE(c.out.find("5 (" + std::string(layer) + ")"), std::string::npos) << c.out;
  }
}

// Without the flag the description has no "activation" (ReLU, as every
// checkpoint written before the flag); with it, --resume keeps it.
TEST(CliActivation, DefaultIsReluAndResumeKeepsTheActivation) {
  const std::string dir = temp_dir("act-resume");
  Result d = run_wick(train_args(dir + "/relu", {"--model", "mlp", "--hidden", "16"}));
  ASSERT_EQ(d.rc, 0) << d.err;
  auto cfg = json::parse(read_text(dir + "/relu/config.json"));
  EXPECT_FALSE(cfg["args"].contains("activation"));
  EXPECT_FALSE(cfg["model"].contains("activation"));

  Result t = run_wick(train_args(dir + "/tanh", {"--model", "cnn", "--channels", "4", "--activation", "tanh"}));
  ASSERT_EQ(t.rc, 0) << t.err;
  Result rest = run_wick({"train", "--resume", dir + "/tanh", "--epochs", "2"});
  ASSERT_EQ(rest.rc, 0) << rest.out << rest.err;
  EXPECT_EQ(json::parse(load_metadata(dir + "/tanh/last.safetensors").at("wick.model"))["activation"], "tanh");
  EXPECT_EQ(lines(read_text(dir + "/tanh/metrics.csv")).size(), 3u);  // header + 2 epochs
}

TEST(CliActivation, BadNamesAndModelsAreUsageErrors) {
  const std::string root = temp_dir("act-usage");
  struct Case {
    std::vector<std::string> flags;
    std::vector<std::string> mentions;
  };
  const std::vector<Case> cases = {
      {{"--model", "mlp", "--activation", "swish"},
       {"--activation swish", "unknown activation", "relu, leaky_relu, elu, gelu, silu, mish or tanh"}},
      {{"--model", "mlp", "--activation", "ReLU"}, {"--activation ReLU", "unknown activation"}},
      {{"--activation", "gelu"}, {"--activation", "apply to --model mlp or cnn", "not softmax"}},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].mentions[0]);
    const std::string out = root + "/run" + std::to_string(i);
    std::vector<std::string> train = {"train", "--data", "mnist", "--data-dir", data_root(), "--out", out};
    train.insert(train.end(), cases[i].flags.begin(), cases[i].flags.end());
    Result r = run_wick(train);
    EXPECT_EQ(r.rc, 2) << r.err;
    for (const std::string& m : cases[i].mentions) EXPECT_NE(r.err.find(m), std::string::npos) << m << " in " << r.err;
    EXPECT_FALSE(fs::exists(out));
  }
}

TEST(CliActivation, UnknownActivationInACheckpointIsRefusedByName) {
  const std::string run = temp_dir("act-damaged") + "/run";
  ASSERT_EQ(run_wick(train_args(run, {"--model", "mlp", "--hidden", "8", "--activation", "silu"})).rc, 0);
  const std::string ckpt = run + "/best.safetensors";
  Metadata meta = load_metadata(ckpt);
  json spec = json::parse(meta.at("wick.model"));
  spec["activation"] = "swish";
  meta["wick.model"] = spec.dump();
  const std::string bad = run + "/bad.safetensors";
  save(load(ckpt), bad, meta);
  Result e = run_wick({"eval", bad, "--data", "mnist", "--data-dir", data_root()});
  EXPECT_EQ(e.rc, 1) << e.err;
  for (const char* m : {"bad.safetensors", "unknown activation 'swish'", "edited or is damaged"})
    EXPECT_NE(e.err.find(m), std::string::npos) << m << " in " << e.err;
}

}  // namespace
}  // namespace wick::clitest
