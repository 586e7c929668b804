// `wick train`, `eval`, `predict` and `summary` on generated data.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli_fixtures.h"
#include "wick/creation.h"
#include "wick/io/safetensors.h"
#include "wick/npy.h"

namespace wick::clitest {
namespace {

double last_metric(const std::string& run, int column) {
  std::vector<std::string> rows = lines(read_text(run + "/metrics.csv"));
  EXPECT_GE(rows.size(), 2u);
  return std::stod(split(rows.back(), ',').at(column));
}

// The value after "key: " in `wick eval` output.
double eval_value(const std::string& out, const std::string& key) {
  size_t at = out.find("\n" + key + ": ");
  if (at == std::string::npos) at = out.find(key + ": ");
  else ++at;
  EXPECT_NE(at, std::string::npos) << key << " not in\n" << out;
  return at == std::string::npos ? NAN : std::stod(out.substr(at + key.size() + 2));
}

TEST(CliTrain, SoftmaxRunFolderIsComplete) {
  const std::string& run = softmax_run();
  for (const char* f : {"config.json", "metrics.csv", "last.safetensors", "best.safetensors", "report.html"})
    EXPECT_TRUE(file_exists(run + "/" + f)) << f;
  std::vector<std::string> rows = lines(read_text(run + "/metrics.csv"));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], "epoch,train_loss,train_accuracy,test_loss,test_accuracy,lr,seconds,samples_per_second");
  EXPECT_EQ(split(rows[1], ',').size(), 8u);
  EXPECT_GT(last_metric(run, 4), 0.9);  // test accuracy on the separable synthetic set
  auto cfg = nlohmann::json::parse(read_text(run + "/config.json"));
  EXPECT_EQ(cfg["status"], "completed");
  EXPECT_EQ(cfg["args"]["model"], "softmax");
  EXPECT_EQ(cfg["args"]["batch_size"], 32);
  EXPECT_EQ(cfg["model"]["input_shape"], nlohmann::json::array({1, 28, 28}));
  EXPECT_NE(cfg["command"].get<std::string>().find("--model softmax"), std::string::npos);
  // No temporary files left behind.
  for (const auto& e : std::filesystem::directory_iterator(run))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
}

TEST(CliTrain, CheckpointIsAPlainStateDictWithTheModelDescription) {
  TensorDict sd = load(softmax_run() + "/best.safetensors");
  ASSERT_EQ(sd.size(), 2u);
  EXPECT_EQ(sd.at("1.weight").sizes(), (Shape{10, 784}));  // PyTorch layout, Sequential names
  EXPECT_EQ(sd.at("1.bias").sizes(), (Shape{10}));
  Metadata meta = load_metadata(softmax_run() + "/best.safetensors");
  auto spec = nlohmann::json::parse(meta.at("wick.model"));
  EXPECT_EQ(spec["kind"], "softmax");
  EXPECT_EQ(spec["normalize"]["mean"][0], 0.1307);
  EXPECT_EQ(spec["class_names"].size(), 10u);
}

TEST(CliTrain, EvalAndPredictNeedOnlyTheCheckpoint) {
  std::string dir = temp_dir("alone");
  std::filesystem::copy_file(softmax_run() + "/best.safetensors", dir + "/model.safetensors",
                             std::filesystem::copy_options::overwrite_existing);
  Result e = run_wick({"eval", dir + "/model.safetensors", "--data", "mnist", "--data-dir", data_root(), "--threads", "1"});
  ASSERT_EQ(e.rc, 0) << e.err;
  EXPECT_GT(eval_value(e.out, "accuracy"), 0.9);
  EXPECT_NE(e.out.find("confusion matrix"), std::string::npos);
  EXPECT_NE(e.out.find("precision"), std::string::npos);
  EXPECT_NE(e.out.find("macro avg"), std::string::npos);
  EXPECT_NE(e.out.find("examples: 500"), std::string::npos);

  // predict on the IDX test images: the labels file says what they are.
  Result p = run_wick({"predict", dir + "/model.safetensors", data_root() + "/mnist/t10k-images-idx3-ubyte", "--out",
                       dir + "/pred.csv"});
  ASSERT_EQ(p.rc, 0) << p.err;
  std::vector<std::string> rows = lines(read_text(dir + "/pred.csv"));
  ASSERT_EQ(rows.size(), 501u);
  EXPECT_EQ(rows[0].substr(0, 16), "row,class,label,");
  std::string labels = read_text(data_root() + "/mnist/t10k-labels-idx1-ubyte");
  int right = 0;
  for (int i = 0; i < 500; ++i) {
    std::vector<std::string> f = split(rows[i + 1], ',');
    ASSERT_EQ(f.size(), 13u);
    right += std::stoi(f[1]) == labels[8 + i];
    double total = 0;
    for (int c = 3; c < 13; ++c) total += std::stod(f[c]);
    EXPECT_NEAR(total, 1.0, 1e-4);
  }
  EXPECT_GT(right, 440);

  // predict on a .npy of raw [0,1] pixels: the same answers as from the IDX file.
  Tensor raw = from_blob_copy(read_text(data_root() + "/mnist/t10k-images-idx3-ubyte").data() + 16, kUInt8, {5, 28, 28});
  save_npy(raw.to(kFloat32) / 255.0, dir + "/five.npy");
  Result q = run_wick({"predict", dir + "/model.safetensors", dir + "/five.npy"});
  ASSERT_EQ(q.rc, 0) << q.err;
  std::vector<std::string> qrows = lines(q.out);
  ASSERT_EQ(qrows.size(), 6u);
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(split(qrows[i], ',')[1], split(rows[i], ',')[1]);
}

TEST(CliTrain, CsvRegressionRecoversCoefficients) {
  std::string dir = temp_dir("regression");
  write_regression_csv(dir + "/train.csv", 1000, 3);
  Result r = run_wick({"train", "--data", dir + "/train.csv", "--target", "y", "--model", "linear", "--optimizer", "adam",
                       "--lr", "0.05", "--epochs", "15", "--batch-size", "32", "--threads", "1", "--out", dir + "/run"});
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("r2"), std::string::npos);
  EXPECT_GT(last_metric(dir + "/run", 4), 0.99);  // test R²
  // eval on a fresh file from the same law.
  write_regression_csv(dir + "/fresh.csv", 300, 4);
  Result e = run_wick({"eval", dir + "/run/best.safetensors", "--data", dir + "/fresh.csv"});
  ASSERT_EQ(e.rc, 0) << e.err;
  EXPECT_GT(eval_value(e.out, "r2"), 0.99);
  EXPECT_LT(eval_value(e.out, "mse"), 0.01);
  // Coefficients through predict: f(0) is the intercept, f(e_i) - f(0) the slope.
  write_text(dir + "/probe.csv", "x4,x3,x2,x1\n0,0,0,0\n0,0,0,1\n0,0,1,0\n0,1,0,0\n100,0,0,0\n");
  Result p = run_wick({"predict", dir + "/run/best.safetensors", dir + "/probe.csv"});
  ASSERT_EQ(p.rc, 0) << p.err;
  std::vector<std::string> rows = lines(p.out);
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[0], "row,y");
  std::vector<double> f;
  for (int i = 1; i <= 5; ++i) f.push_back(std::stod(split(rows[i], ',')[1]));
  EXPECT_NEAR(f[0], 1.0, 0.05);
  EXPECT_NEAR(f[1] - f[0], 3.0, 0.05);
  EXPECT_NEAR(f[2] - f[0], -2.0, 0.05);
  EXPECT_NEAR(f[3] - f[0], 0.5, 0.05);
  EXPECT_NEAR((f[4] - f[0]) / 100, 0.01, 0.002);
}

TEST(CliTrain, CsvClassificationWithStringLabelsAndMlp) {
  std::string dir = temp_dir("blobs");
  write_blobs_csv(dir + "/blobs.csv", 600, 5);
  Result r = run_wick({"train", "--data", dir + "/blobs.csv", "--target", "animal", "--model", "mlp", "--hidden", "16,8",
                       "--batchnorm", "--dropout", "0.1", "--optimizer", "adamw", "--lr", "0.01", "--schedule", "cosine",
                       "--epochs", "8", "--batch-size", "32", "--threads", "1", "--out", dir + "/run"});
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_GT(last_metric(dir + "/run", 4), 0.95);
  // predict reads the feature columns by name; the label column may be absent.
  write_text(dir + "/probe.csv", "b,a\n-2,-3\n-2,3\n3,0\n");
  Result p = run_wick({"predict", dir + "/run/last.safetensors", dir + "/probe.csv"});
  ASSERT_EQ(p.rc, 0) << p.err;
  std::vector<std::string> rows = lines(p.out);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0], "row,class,label,p(cat),p(dog),p(eel)");
  EXPECT_EQ(split(rows[1], ',')[2], "cat");
  EXPECT_EQ(split(rows[2], ',')[2], "dog");
  EXPECT_EQ(split(rows[3], ',')[2], "eel");
  // The lr followed the cosine schedule: the last epoch's is below the first's.
  std::vector<std::string> m = lines(read_text(dir + "/run/metrics.csv"));
  EXPECT_LT(std::stod(split(m.back(), ',')[5]), std::stod(split(m[1], ',')[5]));
}

// RFC 4180 fields of one line: quoted fields may hold commas and "".
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') out.back() += '"', ++i;
    else if (c == '"') quoted = !quoted;
    else if (c == ',' && !quoted) out.emplace_back();
    else out.back() += c;
  }
  EXPECT_FALSE(quoted) << line;
  return out;
}

// Class and target names with commas and quotes come out as valid CSV, and
// predict reads its CSV as train does (BOM, CR line ends) (hunt 1, 9).
TEST(CliTrain, PredictCsvWithAwkwardNamesAndLineEnds) {
  std::string dir = temp_dir("awkward");
  std::string text = "a,b,\"kind, of\"\n";
  for (int i = 0; i < 200; ++i)
    text += std::to_string(i % 2 ? 3 + 0.01 * i : -3 - 0.01 * i) + "," + std::to_string(0.02 * i) + "," +
            (i % 2 ? "\"neg, x\"" : "\"say \"\"hi\"\"\"") + "\n";
  write_text(dir + "/cls.csv", text);
  Result r = run_wick({"train", "--data", dir + "/cls.csv", "--target", "kind, of", "--model", "softmax", "--epochs",
                       "3", "--batch-size", "16", "--lr", "0.1", "--threads", "1", "--out", dir + "/run"});
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  write_text(dir + "/probe.csv", "a,b\n5,0\n-5,0\n60,0\n");
  Result p = run_wick({"predict", dir + "/run/best.safetensors", dir + "/probe.csv"});
  ASSERT_EQ(p.rc, 0) << p.err;
  std::vector<std::string> rows = lines(p.out);
  ASSERT_EQ(rows.size(), 4u) << p.out;
  EXPECT_EQ(rows[0], "row,class,label,\"p(neg, x)\",\"p(say \"\"hi\"\")\"");
  std::vector<std::string> f1 = csv_fields(rows[1]), f2 = csv_fields(rows[2]), f3 = csv_fields(rows[3]);
  ASSERT_EQ(f1.size(), 5u);
  ASSERT_EQ(f2.size(), 5u);
  EXPECT_EQ(f1[2], "neg, x");
  EXPECT_EQ(f2[2], "say \"hi\"");
  // Far from the boundary the other class's probability is tiny but not 0
  // (it was printed "0.000000").
  ASSERT_EQ(f3.size(), 5u);
  EXPECT_GT(std::stod(f3[4]), 0.0) << rows[3];

  // A BOM and CR-only line ends: the same answers as the plain file.
  write_text(dir + "/probe-cr.csv", "\xEF\xBB\xBF\"a\",b\r5,0\r-5,0\r60,0\r");
  Result q = run_wick({"predict", dir + "/run/best.safetensors", dir + "/probe-cr.csv"});
  ASSERT_EQ(q.rc, 0) << q.err;
  EXPECT_EQ(q.out, p.out);

  // A regression target name with a comma.
  std::string reg = "x,\"price, eur\"\n";
  for (int i = 0; i < 50; ++i) reg += std::to_string(i) + "," + std::to_string(2 * i + 1) + "\n";
  write_text(dir + "/reg.csv", reg);
  Result rr = run_wick({"train", "--data", dir + "/reg.csv", "--target", "price, eur", "--model", "linear", "--epochs",
                        "1", "--threads", "1", "--out", dir + "/reg"});
  ASSERT_EQ(rr.rc, 0) << rr.err;
  Result rp = run_wick({"predict", dir + "/reg/best.safetensors", dir + "/reg.csv"});
  ASSERT_EQ(rp.rc, 0) << rp.err;
  EXPECT_EQ(lines(rp.out)[0], "row,\"price, eur\"");
}

// .npy inputs: integer pixels are 0..255 whatever their width, for image
// models only; one example may come as [28, 28] or [784] (hunt 10, 11).
TEST(CliTrain, PredictNpyScalingAndShapes) {
  std::string dir = temp_dir("npy");
  const std::string ckpt = softmax_run() + "/best.safetensors";
  Tensor raw = from_blob_copy(read_text(data_root() + "/mnist/t10k-images-idx3-ubyte").data() + 16, kUInt8, {5, 28, 28});
  auto predict = [&](const Tensor& t, const std::string& name) {
    save_npy(t, dir + "/" + name);
    Result r = run_wick({"predict", ckpt, dir + "/" + name});
    EXPECT_EQ(r.rc, 0) << name << ": " << r.err;
    return lines(r.out);
  };
  const std::vector<std::string> u8 = predict(raw, "u8.npy");
  ASSERT_EQ(u8.size(), 6u);
  EXPECT_EQ(predict(raw.to(kInt64), "i64.npy"), u8);
  EXPECT_EQ(predict(raw.to(kFloat32) / 255.0, "f32.npy"), u8);
  EXPECT_EQ(predict(raw.reshape({5, 784}), "flat.npy"), u8);
  const std::vector<std::string> first = {u8[0], u8[1]};
  EXPECT_EQ(predict(raw.select(0, 0).contiguous(), "one.npy"), first);
  EXPECT_EQ(predict(raw.select(0, 0).reshape({784}), "one-flat.npy"), first);
  save_npy(raw.to(kInt64) * 2, dir + "/big.npy");
  Result big = run_wick({"predict", ckpt, dir + "/big.npy"});
  EXPECT_EQ(big.rc, 1);
  EXPECT_NE(big.err.find("integer pixel values must be 0..255"), std::string::npos) << big.err;

  // A CSV model takes raw feature values: uint8 features are not pixels.
  write_blobs_csv(dir + "/blobs.csv", 300, 2);
  Result t = run_wick({"train", "--data", dir + "/blobs.csv", "--target", "animal", "--epochs", "2", "--threads", "1",
                       "--out", dir + "/blobs"});
  ASSERT_EQ(t.rc, 0) << t.err;
  Tensor feats = from_vector(std::vector<uint8_t>{0, 3, 200, 7}, {2, 2});
  save_npy(feats, dir + "/feats-u8.npy");
  save_npy(feats.to(kFloat32), dir + "/feats-f32.npy");
  Result a = run_wick({"predict", dir + "/blobs/best.safetensors", dir + "/feats-u8.npy"});
  Result b = run_wick({"predict", dir + "/blobs/best.safetensors", dir + "/feats-f32.npy"});
  ASSERT_EQ(a.rc, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
}

// A batch larger than the training set is one batch of all of it; it gave
// "diverged ... step 0 of 0" (the step count overflowed) (hunt 7).
TEST(CliTrain, BatchSizeLargerThanTheSetIsOneBatch) {
  std::string dir = temp_dir("bigbatch");
  Result r = run_wick({"train", "--data", "mnist", "--data-dir", data_root(), "--limit", "300", "--batch-size",
                       "9223372036854775807", "--epochs", "1", "--threads", "1", "--out", dir + "/run"});
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_EQ(lines(read_text(dir + "/run/metrics.csv")).size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(read_text(dir + "/run/config.json"))["args"]["batch_size"], 9223372036854775807LL);
}

TEST(CliTrain, BinaryLogisticOneVsRest) {
  std::string dir = temp_dir("binary");
  Result r = run_wick({"train", "--data", "mnist", "--data-dir", data_root(), "--binary", "3", "--model", "logistic",
                       "--epochs", "2", "--batch-size", "32", "--lr", "0.05", "--threads", "1", "--out", dir + "/run"});
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_GT(last_metric(dir + "/run", 4), 0.95);
  Result e = run_wick({"eval", dir + "/run/best.safetensors", "--data-dir", data_root()});
  ASSERT_EQ(e.rc, 0) << e.err;
  EXPECT_NE(e.out.find("not 3 - three"), std::string::npos) << e.out;
  Result p = run_wick({"predict", dir + "/run/best.safetensors", data_root() + "/mnist/t10k-images-idx3-ubyte"});
  ASSERT_EQ(p.rc, 0) << p.err;
  EXPECT_EQ(lines(p.out)[0], "row,class,label,p(not 3 - three),p(3 - three)");
}

TEST(CliTrain, GzippedDataAndOneCycleAndWorker) {
  std::string root = temp_dir("gzdata");
  write_synthetic_mnist(root + "/mnist", 500, 100, 11, /*gz=*/true);
  std::string dir = temp_dir("gzrun");
  Result r = run_wick({"train", "--data", "mnist", "--data-dir", root, "--model", "mlp", "--hidden", "32", "--optimizer",
                       "sgd", "--momentum", "0.9", "--lr", "0.1", "--schedule", "onecycle", "--workers", "1", "--epochs",
                       "2", "--batch-size", "50", "--threads", "1", "--out", dir + "/run"});
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_GT(last_metric(dir + "/run", 4), 0.9);
  // Non-terminal output: one plain line per epoch, no carriage returns.
  EXPECT_EQ(r.out.find('\r'), std::string::npos);
  EXPECT_NE(r.out.find("epoch 1/2"), std::string::npos);
  EXPECT_NE(r.out.find("epoch 2/2"), std::string::npos);
}

TEST(CliTrain, SameSeedSameRun) {
  std::string dir = temp_dir("seed");
  for (const char* name : {"a", "b"}) {
    Result r = run_wick({"train", "--data", "mnist", "--data-dir", data_root(), "--model", "mlp", "--hidden", "16",
                         "--dropout", "0.2", "--epochs", "1", "--limit", "500", "--seed", "42", "--threads", "1",
                         "--out", dir + "/" + name});
    ASSERT_EQ(r.rc, 0) << r.err;
  }
  TensorDict a = load(dir + "/a/last.safetensors"), b = load(dir + "/b/last.safetensors");
  for (const auto& [k, v] : a) EXPECT_TRUE(v.to_vector<float>() == b.at(k).to_vector<float>()) << k;
}

TEST(CliTrain, CtrlCStopsAndStillWritesLastCheckpoint) {
  std::string dir = temp_dir("interrupt");
  int pid = spawn_wick({"train", "--data", "mnist", "--data-dir", data_root(), "--model", "softmax", "--epochs", "100000",
                        "--batch-size", "8", "--threads", "1", "--out", dir + "/run"},
                       dir + "/out.txt", dir + "/err.txt");
  // Wait until training has started (config.json appears before the first step).
  wait_for_file(dir + "/run/config.json", std::chrono::milliseconds(50), 600);
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  kill(pid, SIGINT);
  int rc = wait_exit(pid);
  EXPECT_EQ(rc, 130) << read_text(dir + "/err.txt");
  EXPECT_TRUE(file_exists(dir + "/run/last.safetensors"));
  EXPECT_TRUE(file_exists(dir + "/run/report.html"));
  auto cfg = nlohmann::json::parse(read_text(dir + "/run/config.json"));
  EXPECT_EQ(cfg["status"], "interrupted");
  EXPECT_NE(read_text(dir + "/out.txt").find("interrupted"), std::string::npos);
  EXPECT_EQ(read_text(dir + "/err.txt"), "");
}

TEST(CliSummary, KerasTableFromFlagsAndFromCheckpoint) {
  Result r = run_wick({"summary", "--model", "mlp", "--hidden", "256", "--batchnorm", "--dropout", "0.2", "--data", "mnist"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("BatchNorm1d"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Dropout"), std::string::npos);
  // 784*256+256 + 2*256 + 256*10+10
  EXPECT_NE(r.out.find("204,042"), std::string::npos) << r.out;
  Result c = run_wick({"summary", softmax_run() + "/best.safetensors"});
  ASSERT_EQ(c.rc, 0) << c.err;
  EXPECT_NE(c.out.find("7,850"), std::string::npos) << c.out;
}

}  // namespace
}  // namespace wick::clitest
