// `wick train --model cnn`: conv blocks on the generated IDX images, a model
// that eval, predict, summary and --resume rebuild from the checkpoint alone
// with PyTorch's state_dict names, and the cnn flags' usage errors.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "cli_fixtures.h"
#include "wick/creation.h"
#include "wick/io/safetensors.h"
#include "wick/npy.h"

namespace wick::clitest {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Small and fast (a second or two on 2 cores): the default --channels
// 16,32, 600 images, one epoch.
const std::string& cnn_run() {
  static const std::string dir = [] {
    std::string d = temp_dir("runs") + "/cnn";
    Result r = run_wick({"train", "--data", "mnist", "--data-dir", data_root(), "--model", "cnn", "--limit", "600",
                         "--epochs", "1", "--batch-size", "32", "--optimizer", "adam", "--lr", "0.003", "--threads", "2",
                         "--out", d});
    EXPECT_EQ(r.rc, 0) << r.out << r.err;
    return d;
  }();
  return dir;
}

double test_accuracy(const std::string& run) {
  std::vector<std::string> rows = lines(read_text(run + "/metrics.csv"));
  EXPECT_EQ(rows.size(), 2u);
  return rows.size() < 2 ? 0 : std::stod(split(rows.back(), ',').at(4));
}

TEST(CliCnn, TrainsAndStoresTheChannelsAndPyTorchNames) {
  const std::string& run = cnn_run();
  EXPECT_GT(test_accuracy(run), 0.8);  // the synthetic blocks are easy for a conv net too
  auto cfg = json::parse(read_text(run + "/config.json"));
  EXPECT_EQ(cfg["status"], "completed");
  EXPECT_EQ(cfg["args"]["model"], "cnn");
  EXPECT_EQ(cfg["model"]["kind"], "cnn");
  EXPECT_EQ(cfg["model"]["channels"], json::array({16, 32}));
  EXPECT_EQ(cfg["model"]["hidden"], json::array());
  // nn.Sequential(Conv2d, ReLU, MaxPool2d, Conv2d, ReLU, MaxPool2d, Flatten, Linear)
  TensorDict sd = load(run + "/best.safetensors");
  ASSERT_EQ(sd.size(), 6u);
  EXPECT_EQ(sd.at("0.weight").sizes(), (Shape{16, 1, 3, 3}));
  EXPECT_EQ(sd.at("0.bias").sizes(), (Shape{16}));
  EXPECT_EQ(sd.at("3.weight").sizes(), (Shape{32, 16, 3, 3}));
  EXPECT_EQ(sd.at("3.bias").sizes(), (Shape{32}));
  EXPECT_EQ(sd.at("7.weight").sizes(), (Shape{10, 32 * 7 * 7}));
  EXPECT_EQ(sd.at("7.bias").sizes(), (Shape{10}));
  auto spec = json::parse(load_metadata(run + "/best.safetensors").at("wick.model"));
  EXPECT_EQ(spec["channels"], json::array({16, 32}));
  EXPECT_EQ(spec["input_shape"], json::array({1, 28, 28}));
}

TEST(CliCnn, EvalPredictAndSummaryNeedOnlyTheCheckpoint) {
  // Away from its run folder and its config.json.
  const std::string dir = temp_dir("cnn-alone");
  const std::string ckpt = dir + "/model.safetensors";
  fs::copy_file(cnn_run() + "/best.safetensors", ckpt, fs::copy_options::overwrite_existing);
  Result e = run_wick({"eval", ckpt, "--data", "mnist", "--data-dir", data_root(), "--threads", "2"});
  ASSERT_EQ(e.rc, 0) << e.err;
  EXPECT_NE(e.out.find("(cnn, classification)"), std::string::npos) << e.out;
  EXPECT_NE(e.out.find("examples: 500"), std::string::npos) << e.out;
  // The same model and test set as the run's last epoch: the same accuracy.
  char acc[32];
  std::snprintf(acc, sizeof acc, "accuracy: %.4f", test_accuracy(cnn_run()));
  EXPECT_NE(e.out.find(acc), std::string::npos) << acc << " not in\n" << e.out;

  // predict on IDX images [N, 28, 28] and on a .npy of flat rows [N, 784]:
  // both become [N, 1, 28, 28] for the conv layers.
  const std::string idx = data_root() + "/mnist/t10k-images-idx3-ubyte";
  Result p = run_wick({"predict", ckpt, idx, "--threads", "2"});
  ASSERT_EQ(p.rc, 0) << p.err;
  std::vector<std::string> rows = lines(p.out);
  ASSERT_EQ(rows.size(), 501u);
  const std::string labels = read_text(data_root() + "/mnist/t10k-labels-idx1-ubyte");
  int right = 0;
  for (int i = 0; i < 500; ++i) right += std::stoi(split(rows[i + 1], ',').at(1)) == labels[8 + i];
  EXPECT_GT(right, 400);
  Tensor raw = from_blob_copy(read_text(idx).data() + 16, kUInt8, {6, 28, 28});
  save_npy(raw.reshape({6, 784}), dir + "/flat.npy");
  Result q = run_wick({"predict", ckpt, dir + "/flat.npy"});
  ASSERT_EQ(q.rc, 0) << q.err;
  std::vector<std::string> qrows = lines(q.out);
  ASSERT_EQ(qrows.size(), 7u);
  for (int i = 1; i <= 6; ++i) EXPECT_EQ(split(qrows[i], ',').at(1), split(rows[i], ',').at(1)) << i;

  Result s = run_wick({"summary", ckpt});
  ASSERT_EQ(s.rc, 0) << s.err;
  EXPECT_NE(s.out.find("Conv2d"), std::string::npos) << s.out;
  EXPECT_NE(s.out.find("[-1, 32, 7, 7]"), std::string::npos) << s.out;
  EXPECT_NE(s.out.find("20,490"), std::string::npos) << s.out;  // 160 + 4,640 + 15,690
}

TEST(CliCnn, SummaryFromFlags) {
  Result r = run_wick({"summary", "--model", "cnn", "--data", "mnist"});
  ASSERT_EQ(r.rc, 0) << r.err;
  for (const char* s : {"0 (Conv2d)", "[-1, 16, 28, 28]", "2 (MaxPool2d)", "6 (Flatten)", "[-1, 1568]", "7 (Linear)",
                        "Total params: 20,490"})
    EXPECT_NE(r.out.find(s), std::string::npos) << s << " not in\n" << r.out;
  // Four blocks on 28x28 leave 1x1; BatchNorm2d after each conv; a hidden
  // Linear with BatchNorm1d and Dropout. CIFAR-10: 3 input channels.
  Result d = run_wick({"summary", "--model", "cnn", "--data", "mnist", "--channels", "4,4,4,4", "--batchnorm",
                       "--hidden", "12", "--dropout", "0.5"});
  ASSERT_EQ(d.rc, 0) << d.err;
  for (const char* s : {"1 (BatchNorm2d)", "[-1, 4, 1, 1]", "BatchNorm1d", "Dropout"})
    EXPECT_NE(d.out.find(s), std::string::npos) << s << " not in\n" << d.out;
  Result c = run_wick({"summary", "--model", "cnn", "--data", "cifar10", "--channels", "8"});
  ASSERT_EQ(c.rc, 0) << c.err;
  EXPECT_NE(c.out.find("224"), std::string::npos) << c.out;  // Conv2d(3, 8, 3): 3*9*8 + 8
  EXPECT_NE(c.out.find("[-1, 8, 16, 16]"), std::string::npos) << c.out;
}

// A cnn with BatchNorm2d, a hidden layer and Dropout stopped after epoch 1
// and resumed ends with the same bits as a run of 2 epochs.
TEST(CliCnn, ResumeIsBitIdentical) {
  const std::string dir = temp_dir("cnn-resume");
  auto args = [&](const std::string& out, const std::string& epochs) {
    return std::vector<std::string>{"train", "--data", "mnist", "--data-dir", data_root(), "--model", "cnn",
                                    "--channels", "4,8", "--batchnorm", "--hidden", "16", "--dropout", "0.2",
                                    "--optimizer", "adam", "--lr", "0.005", "--batch-size", "50", "--limit", "300",
                                    "--seed", "3", "--threads", "1", "--epochs", epochs, "--out", out};
  };
  Result full = run_wick(args(dir + "/full", "2"));
  ASSERT_EQ(full.rc, 0) << full.err;
  Result half = run_wick(args(dir + "/half", "1"));
  ASSERT_EQ(half.rc, 0) << half.err;
  Result rest = run_wick({"train", "--resume", dir + "/half", "--epochs", "2"});
  ASSERT_EQ(rest.rc, 0) << rest.out << rest.err;
  auto cfg = json::parse(read_text(dir + "/half/config.json"));
  EXPECT_EQ(cfg["args"]["channels"], "4,8");
  EXPECT_EQ(cfg["model"]["channels"], json::array({4, 8}));
  TensorDict a = load(dir + "/full/last.safetensors"), b = load(dir + "/half/last.safetensors");
  ASSERT_EQ(a.size(), b.size());
  // Conv2d, BatchNorm2d, ReLU, MaxPool2d (x2), Flatten, Linear, BatchNorm1d, ReLU, Dropout, Linear
  for (const char* key : {"0.weight", "1.running_var", "4.weight", "5.num_batches_tracked", "9.weight",
                          "10.running_mean", "13.weight"})
    EXPECT_TRUE(a.contains(key)) << key;
  for (const auto& [k, v] : a) {
    ASSERT_TRUE(b.contains(k)) << k;
    EXPECT_EQ(v.sizes(), b.at(k).sizes()) << k;
    EXPECT_TRUE(v.to(kFloat64).to_vector<double>() == b.at(k).to(kFloat64).to_vector<double>()) << k;
  }
}

void expect_usage_error(const Result& r, const std::vector<std::string>& mentions) {
  EXPECT_EQ(r.rc, 2) << r.out << r.err;
  std::vector<std::string> l = lines(r.err);
  ASSERT_EQ(l.size(), 1u) << "stderr:\n" << r.err;
  EXPECT_EQ(l[0].rfind("wick: error: ", 0), 0u) << l[0];
  for (const std::string& m : mentions) EXPECT_NE(l[0].find(m), std::string::npos) << "'" << m << "' not in: " << l[0];
}

TEST(CliCnn, UsageErrorsNameTheFlagAndTheProblem) {
  struct Case {
    std::vector<std::string> flags;
    std::vector<std::string> mentions;
  };
  const std::vector<Case> cases = {
      {{"--model", "cnn", "--channels", ""}, {"--channels ''", "e.g. --channels 16,32"}},
      {{"--model", "cnn", "--channels", "16,0"}, {"--channels 16,0", "entry 2 is '0', not a positive integer"}},
      {{"--model", "cnn", "--channels", "-8"}, {"--channels -8", "entry 1 is '-8', not a positive integer"}},
      {{"--model", "cnn", "--channels", "16,abc"}, {"--channels 16,abc", "entry 2 is 'abc'"}},
      {{"--model", "cnn", "--channels", "1.5"}, {"--channels 1.5", "entry 1 is '1.5'"}},
      {{"--model", "cnn", "--channels", "16,"}, {"--channels 16,", "entry 2 is empty"}},
      {{"--model", "cnn", "--channels", "99999999999999999999"}, {"--channels 99999999999999999999", "too large"}},
      {{"--model", "mlp", "--channels", "16"}, {"--channels applies to --model cnn", "not mlp"}},
      {{"--channels", "16"}, {"--channels applies to --model cnn", "not softmax"}},
      // 28 -> 14 -> 7 -> 3 -> 1: a fifth MaxPool2d(2) has nothing to pool.
      {{"--model", "cnn", "--channels", "8,8,8,8,8"},
       {"--channels 8,8,8,8,8", "5 pooling blocks", "28x28", "1x1 -> 0x0 at block 5", "at most 4 blocks"}},
      {{"--model", "cnn", "--dropout", "0.3"}, {"--dropout 0.3", "--model cnn", "--hidden"}},
      {{"--model", "cnn", "--channels", "100000,100000"}, {"--channels 100000,100000", "parameters, more than 1e9"}},
  };
  const std::string root = temp_dir("cnn-usage");
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].mentions[0]);
    const std::string out = root + "/run" + std::to_string(i);
    std::vector<std::string> train = {"train", "--data", "mnist", "--data-dir", data_root(), "--epochs", "1",
                                      "--threads", "1", "--out", out};
    train.insert(train.end(), cases[i].flags.begin(), cases[i].flags.end());
    expect_usage_error(run_wick(train), cases[i].mentions);
    EXPECT_FALSE(fs::exists(out));
    // summary takes the same model flags, with the same messages.
    std::vector<std::string> summary = {"summary", "--data", "mnist"};
    summary.insert(summary.end(), cases[i].flags.begin(), cases[i].flags.end());
    expect_usage_error(run_wick(summary), cases[i].mentions);
  }

  // A CSV has feature columns, not images: refused whatever else is given.
  write_blobs_csv(root + "/blobs.csv", 50, 1);
  for (const std::vector<std::string>& extra : {std::vector<std::string>{"--target", "animal"}, {}}) {
    std::vector<std::string> args = {"train", "--data", root + "/blobs.csv", "--model", "cnn", "--out", root + "/csv"};
    args.insert(args.end(), extra.begin(), extra.end());
    expect_usage_error(run_wick(args), {"--model cnn needs images", "blobs.csv", "--model mlp"});
    EXPECT_FALSE(fs::exists(root + "/csv"));
  }
  expect_usage_error(run_wick({"summary", "--data", root + "/blobs.csv", "--target", "animal", "--model", "cnn"}),
                     {"--model cnn needs images"});
}

// A checkpoint whose cnn description does not add up is refused naming the
// file, not with an error from inside the conv layers.
TEST(CliCnn, DamagedCnnDescriptionNamesTheFile) {
  const std::string dir = temp_dir("cnn-damaged");
  TensorDict sd = load(cnn_run() + "/best.safetensors");
  Metadata meta = load_metadata(cnn_run() + "/best.safetensors");
  auto write = [&](const std::string& name, const json& spec) {
    Metadata m = meta;
    m["wick.model"] = spec.dump();
    save(sd, dir + "/" + name, m);
    return dir + "/" + name;
  };
  json spec = json::parse(meta.at("wick.model"));
  json deep = spec;
  deep["channels"] = json::array({16, 32, 8, 8, 8});
  json none = spec;
  none.erase("channels");
  json flat = spec;
  flat["input_shape"] = json::array({784});
  for (const auto& [name, s, mention] :
       {std::tuple{"deep.safetensors", deep, "5 pooling blocks"}, std::tuple{"none.safetensors", none, "channels"},
        std::tuple{"flat.safetensors", flat, "[channels, height, width]"}}) {
    SCOPED_TRACE(name);
    const std::string path = write(name, s);
    for (const std::string& cmd : {"summary", "eval"}) {
      Result r = run_wick({cmd, path, "--data-dir", data_root()});
      EXPECT_EQ(r.rc, 1) << r.out << r.err;
      EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
      EXPECT_NE(r.err.find(mention), std::string::npos) << r.err;
      EXPECT_EQ(lines(r.err).size(), 1u) << r.err;
    }
  }
}

TEST(CliCnn, TrainHelpNamesTheCnnFlags) {
  Result r = run_wick({"train", "--help"});
  ASSERT_EQ(r.rc, 0);
  for (const char* s : {"--channels", "cnn", "MaxPool2d(2)", "BatchNorm2d"})
    EXPECT_NE(r.out.find(s), std::string::npos) << s << " not in\n" << r.out;
}

}  // namespace
}  // namespace wick::clitest
