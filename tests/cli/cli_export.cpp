// `wick export CHECKPOINT OUT.pt`: the weights in torch.save's format and,
// on stdout, the PyTorch code that loads them. The code is run by real
// PyTorch (/usr/bin/python3 with Debian's python3-torch; those checks skip
// without it) on the same inputs as `wick predict`, and the two must agree:
// classes, probabilities and regression values, for an MLP with BatchNorm,
// Dropout and GELU, a CNN, one-vs-rest logistic regression, CSV regression
// and CSV classification with string labels.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "cli_fixtures.h"
#include "wick/creation.h"
#include "wick/elementwise.h"
#include "wick/io/pytorch.h"
#include "wick/io/safetensors.h"

namespace wick::clitest {
namespace {

bool have_torch() {
  static const bool ok = std::system("/usr/bin/python3 -c 'import torch, numpy' >/dev/null 2>&1") == 0;
  return ok;
}

// Runs the exported code in PyTorch on INPUT (IDX images or a CSV read by
// the code's FEATURES) and prints one line per example: "class,p0,p1,..." or
// the regression value.
constexpr const char* kDriver = R"PY(
import csv, sys
import numpy as np
import torch
code, kind, inp = sys.argv[1:4]
ns = {"__name__": "exported"}
exec(compile(open(code).read(), code, "exec"), ns)
if kind == "idx":
    raw = open(inp, "rb").read()
    n, h, w = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
    x = torch.from_numpy(np.frombuffer(raw, np.uint8, offset=16).reshape(n, 1, h, w).astype(np.float32)) / 255.0
else:
    rows = list(csv.DictReader(open(inp)))
    x = torch.tensor([[float(r[f]) for f in ns["FEATURES"]] for r in rows], dtype=torch.float32)
res = ns["predict"](x)
if isinstance(res, tuple):
    for c, p in zip(res[0].tolist(), res[1].tolist()):
        print(",".join([str(c)] + ["%.9g" % v for v in p]))
else:
    for v in res.tolist():
        print("%.9g" % v)
)PY";

struct Exported {
  std::string pt, code;
};

Exported export_run(const std::string& ckpt, const std::string& dir) {
  Exported e{dir + "/model.pt", dir + "/model.py"};
  Result r = run_wick({"export", ckpt, e.pt});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.err.find("wrote " + e.pt), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("model = nn.Sequential("), std::string::npos) << r.out;
  write_text(e.code, r.out);
  // The .pt holds exactly the checkpoint's model weights (read back by wick:
  // no PyTorch needed for this part).
  TensorDict pt = load_pytorch(e.pt);
  TensorDict st = load(ckpt);
  for (const auto& [name, t] : pt) {
    EXPECT_TRUE(st.contains(name) && equal(t, st.at(name))) << name;
  }
  EXPECT_GT(pt.size(), 0u);
  return e;
}

// `wick predict` and the exported PyTorch code on the same input agree.
void expect_same_predictions(const std::string& ckpt, const Exported& e, const std::string& kind,
                             const std::string& input, bool regression) {
  Result p = run_wick({"predict", ckpt, input});
  ASSERT_EQ(p.rc, 0) << p.err;
  std::vector<std::string> wick_rows = lines(p.out);
  wick_rows.erase(wick_rows.begin());  // header
  const std::string dir = e.pt.substr(0, e.pt.rfind('/'));
  write_text(dir + "/driver.py", kDriver);
  const std::string cmd = "/usr/bin/python3 " + dir + "/driver.py " + e.code + " " + kind + " " + input + " > " +
                          dir + "/torch.txt 2> " + dir + "/torch.err";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << read_text(dir + "/torch.err");
  std::vector<std::string> torch_rows = lines(read_text(dir + "/torch.txt"));
  ASSERT_EQ(torch_rows.size(), wick_rows.size());
  int compared = 0;
  for (size_t i = 0; i < wick_rows.size(); ++i) {
    std::vector<std::string> w = split(wick_rows[i], ','), t = split(torch_rows[i], ',');
    if (regression) {
      const double a = std::stod(w[1]), b = std::stod(t[0]);
      EXPECT_NEAR(a, b, 1e-4 * std::max(1.0, std::fabs(b))) << "row " << i;
    } else {
      ASSERT_EQ(w.size(), t.size() + 2) << wick_rows[i] << " / " << torch_rows[i];  // row, class, label, p...
      std::vector<double> pw, pt;
      for (size_t c = 3; c < w.size(); ++c) pw.push_back(std::stod(w[c]));
      for (size_t c = 1; c < t.size(); ++c) pt.push_back(std::stod(t[c]));
      for (size_t c = 0; c < pw.size(); ++c) EXPECT_NEAR(pw[c], pt[c], 2e-5) << "row " << i << " class " << c;
      // The class, unless the two best probabilities are a rounding apart.
      std::vector<double> sorted = pt;
      std::sort(sorted.rbegin(), sorted.rend());
      if (sorted.size() < 2 || sorted[0] - sorted[1] > 1e-5) EXPECT_EQ(w[1], t[0]) << "row " << i;
    }
    ++compared;
  }
  EXPECT_GT(compared, 0);
}

std::vector<std::string> mnist_train(const std::string& out, const std::vector<std::string>& model) {
  std::vector<std::string> a = {"train",   "--data",  "mnist", "--data-dir", data_root(), "--limit", "400",
                                "--epochs", "1",      "--batch-size", "50", "--optimizer", "adam", "--lr",
                                "0.003",   "--threads", "1",   "--out",      out};
  a.insert(a.end(), model.begin(), model.end());
  return a;
}

TEST(CliExport, MlpWithBatchNormDropoutAndGeluPredictsAsInPyTorch) {
  const std::string dir = temp_dir("export-mlp");
  Result t = run_wick(mnist_train(dir + "/run", {"--model", "mlp", "--hidden", "32,16", "--batchnorm", "--dropout",
                                                 "0.2", "--activation", "gelu"}));
  ASSERT_EQ(t.rc, 0) << t.err;
  const std::string ckpt = dir + "/run/best.safetensors";
  Exported e = export_run(ckpt, dir);
  const std::string code = read_text(e.code);
  for (const char* layer : {"nn.Flatten(start_dim=1, end_dim=-1)", "nn.Linear(in_features=784, out_features=32, bias=True)",
                            "nn.BatchNorm1d(32, ", "nn.GELU(approximate='none')", "nn.Dropout(p=0.2, inplace=False)",
                            "nn.Linear(in_features=16, out_features=10, bias=True)"})
    EXPECT_NE(code.find(layer), std::string::npos) << layer << "\n" << code;
  if (!have_torch()) GTEST_SKIP() << "/usr/bin/python3 cannot import torch: the PyTorch side is not run";
  expect_same_predictions(ckpt, e, "idx", data_root() + "/mnist/t10k-images-idx3-ubyte", false);
}

TEST(CliExport, CnnAndBinaryLogisticPredictAsInPyTorch) {
  const std::string dir = temp_dir("export-cnn");
  Result c = run_wick(mnist_train(dir + "/cnn", {"--model", "cnn", "--channels", "4,8", "--hidden", "16", "--batchnorm"}));
  ASSERT_EQ(c.rc, 0) << c.err;
  Result b = run_wick(mnist_train(dir + "/bin", {"--model", "logistic", "--binary", "3"}));
  ASSERT_EQ(b.rc, 0) << b.err;
  std::filesystem::create_directories(dir + "/c");
  std::filesystem::create_directories(dir + "/b");
  Exported ec = export_run(dir + "/cnn/last.safetensors", dir + "/c");
  Exported eb = export_run(dir + "/bin/best.safetensors", dir + "/b");
  EXPECT_NE(read_text(ec.code).find("nn.Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"),
            std::string::npos);
  EXPECT_NE(read_text(eb.code).find("torch.sigmoid"), std::string::npos);
  if (!have_torch()) GTEST_SKIP() << "/usr/bin/python3 cannot import torch: the PyTorch side is not run";
  const std::string images = data_root() + "/mnist/t10k-images-idx3-ubyte";
  expect_same_predictions(dir + "/cnn/last.safetensors", ec, "idx", images, false);
  expect_same_predictions(dir + "/bin/best.safetensors", eb, "idx", images, false);
}

TEST(CliExport, CsvRegressionAndStringLabelsPredictAsInPyTorch) {
  const std::string dir = temp_dir("export-csv");
  write_regression_csv(dir + "/reg.csv", 400, 3);
  write_blobs_csv(dir + "/blobs.csv", 300, 5);
  Result r = run_wick({"train", "--data", dir + "/reg.csv", "--target", "y", "--model", "mlp", "--hidden", "8",
                       "--optimizer", "adam", "--lr", "0.01", "--epochs", "2", "--threads", "1", "--out", dir + "/reg"});
  ASSERT_EQ(r.rc, 0) << r.err;
  Result k = run_wick({"train", "--data", dir + "/blobs.csv", "--target", "animal", "--model", "softmax", "--epochs",
                       "2", "--threads", "1", "--out", dir + "/blobs"});
  ASSERT_EQ(k.rc, 0) << k.err;
  std::filesystem::create_directories(dir + "/r");
  std::filesystem::create_directories(dir + "/k");
  Exported er = export_run(dir + "/reg/best.safetensors", dir + "/r");
  Exported ek = export_run(dir + "/blobs/best.safetensors", dir + "/k");
  EXPECT_NE(read_text(er.code).find("TARGET_STD"), std::string::npos);
  EXPECT_NE(read_text(ek.code).find("CLASSES = [\"cat\", \"dog\", \"eel\"]"), std::string::npos) << read_text(ek.code);
  if (!have_torch()) GTEST_SKIP() << "/usr/bin/python3 cannot import torch: the PyTorch side is not run";
  expect_same_predictions(dir + "/reg/best.safetensors", er, "csv", dir + "/reg.csv", true);
  expect_same_predictions(dir + "/blobs/best.safetensors", ek, "csv", dir + "/blobs.csv", false);
}

TEST(CliExport, BadArgumentsAreOneClearLine) {
  const std::string dir = temp_dir("export-bad");
  const std::string ckpt = softmax_run() + "/best.safetensors";
  Result ext = run_wick({"export", ckpt, dir + "/model.safetensors"});
  EXPECT_EQ(ext.rc, 2);
  EXPECT_NE(ext.err.find("must end in .pt or .pth"), std::string::npos) << ext.err;
  EXPECT_FALSE(file_exists(dir + "/model.safetensors"));
  Result missing = run_wick({"export", dir + "/nope.safetensors", dir + "/m.pt"});
  EXPECT_EQ(missing.rc, 1);
  EXPECT_NE(missing.err.find("no such checkpoint file"), std::string::npos) << missing.err;
  // A safetensors file without wick's model description.
  save(TensorDict{{"w", zeros({2})}}, dir + "/plain.safetensors");
  Result plain = run_wick({"export", dir + "/plain.safetensors", dir + "/m.pt"});
  EXPECT_EQ(plain.rc, 1);
  EXPECT_NE(plain.err.find("plain.safetensors"), std::string::npos) << plain.err;
  EXPECT_FALSE(file_exists(dir + "/m.pt"));
  Result nodir = run_wick({"export", ckpt, dir + "/no/such/dir/m.pt"});
  EXPECT_EQ(nodir.rc, 1);
  EXPECT_NE(nodir.err.find("m.pt"), std::string::npos) << nodir.err;
}

}  // namespace
}  // namespace wick::clitest
