// Catalogue rows (docs/ERRORS.md) of the `wick` command: usage errors exit 2,
// runtime errors exit 1, each with exactly one line on stderr
// ("wick: error: ...") and no stack trace.
//
// The binary is $WICK_CLI, else bin/wick next to this test binary's folder
// (build/tests/wick_tests -> build/bin/wick). wick_tests does not depend on
// the wick_cli target, so after `--target wick_tests` alone these rows skip;
// scripts/test.sh builds everything and runs them.
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "errors/catalogue.h"
#include "wick/creation.h"
#include "wick/io/safetensors.h"
#include "wick/nn/linear.h"
#include "wick/npy.h"

namespace wick::errors_test {
namespace {

namespace fs = std::filesystem;

std::string wick_binary() {
  if (const char* p = std::getenv("WICK_CLI")) return p;
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  fs::path p = self.parent_path().parent_path() / "bin" / "wick";
  return fs::exists(p, ec) ? p.string() : "";
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

struct CliResult {
  int rc = -1;
  std::string err;
};

// Runs `wick args...` under /bin/sh with `prefix` (shell commands such as a
// ulimit) before it; stdout is discarded, stderr captured.
CliResult run_cli(const std::vector<std::string>& args, const std::string& prefix = "") {
  std::string err_file = scratch() + "/stderr.txt";
  std::string cmd = prefix + " exec " + quote(wick_binary());
  for (const std::string& a : args) cmd += " " + quote(a);
  cmd += " >/dev/null 2>" + quote(err_file);
  int status = std::system(("/bin/sh -c " + quote(cmd)).c_str());
  CliResult r;
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream in(err_file);
  std::stringstream ss;
  ss << in.rdbuf();
  r.err = ss.str();
  return r;
}

std::string write_csv(const std::string& name, int rows) {
  std::string text = "a,b,y\n";
  for (int i = 0; i < rows; ++i)
    text += std::to_string(i % 7) + "," + std::to_string(i % 5) + "," + std::to_string(2 * (i % 7) - (i % 5)) + "\n";
  return write_bytes(name, text);
}

// A checkpoint as `wick train` writes it for a linear regression on columns
// a, b, c of a CSV, built directly (no training needed).
std::string linear_checkpoint() {
  std::string path = scratch() + "/linear.safetensors";
  nn::Linear l(3, 1);
  TensorDict sd;
  for (const auto& [k, v] : l.state_dict()) sd.insert("1." + k, v);
  const std::string spec = R"({"format": "wick.model.v1", "kind": "linear", "task": "regression", "input_shape": [3],
      "num_outputs": 1, "normalize": {"mean": [0, 0, 0], "std": [1, 1, 1]},
      "target_normalize": {"mean": 0, "std": 1}, "dataset": "csv", "features": ["a", "b", "c"], "target": "y"})";
  save(sd, path, {{"wick.model", spec}});
  return path;
}

// A classification checkpoint for columns a, b whose description lists
// `names` for three outputs (as an edited or damaged file would).
std::string classifier_checkpoint(const std::string& names) {
  std::string path = scratch() + "/classifier.safetensors";
  nn::Linear l(2, 3);
  TensorDict sd;
  for (const auto& [k, v] : l.state_dict()) sd.insert("1." + k, v);
  const std::string spec = R"({"format": "wick.model.v1", "kind": "softmax", "task": "classification",
      "input_shape": [2], "num_outputs": 3, "class_names": )" + names + R"(,
      "normalize": {"mean": [0, 0], "std": [1, 1]}, "dataset": "csv", "features": ["a", "b"], "target": "y"})";
  save(sd, path, {{"wick.model", spec}});
  return path;
}

// A CSV of 20 rows: columns a, b and the target y with the given values.
std::string csv_with_target(const std::string& name, const std::function<std::string(int)>& y) {
  std::string text = "a,b,y\n";
  for (int i = 0; i < 20; ++i) text += std::to_string(i) + "," + std::to_string(i % 3) + "," + y(i) + "\n";
  return write_bytes(name, text);
}

struct CliRow {
  std::string id;
  std::function<std::vector<std::string>()> args;  // may write files first
  int rc;
  std::vector<std::string> words;
  std::string prefix = "";
};

void PrintTo(const CliRow& row, std::ostream* os) { *os << row.id; }

std::vector<CliRow> rows() {
  auto train_csv = [](std::vector<std::string> extra) {
    std::vector<std::string> a = {"train", "--data", write_csv("train.csv", 60), "--target", "y", "--epochs", "1",
                                  "--threads", "1", "--out", scratch() + "/run-" + std::to_string(::rand())};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  return {
      {"cli_unknown_subcommand", [] { return std::vector<std::string>{"frobnicate"}; }, 2, {"unknown subcommand", "frobnicate"}},
      {"cli_no_subcommand", [] { return std::vector<std::string>{}; }, 2, {"subcommand"}},
      {"cli_unknown_flag", [=] { return train_csv({"--frobnicate"}); }, 2, {"--frobnicate"}},
      {"cli_flag_value_not_a_number", [=] { return train_csv({"--epochs", "many"}); }, 2, {"--epochs"}},
      {"cli_unknown_model", [=] { return train_csv({"--model", "resnet"}); }, 2, {"--model resnet"}},
      {"cli_unknown_dataset", [] { return std::vector<std::string>{"train", "--data", "imagenet"}; }, 2, {"--data imagenet"}},
      {"cli_batch_size_zero", [=] { return train_csv({"--batch-size", "0"}); }, 2, {"--batch-size 0"}},
      {"cli_negative_learning_rate", [=] { return train_csv({"--lr", "-0.1"}); }, 2, {"--lr -0.1"}},
      {"cli_too_many_threads", [=] { return train_csv({"--threads", "100000"}); }, 2, {"--threads 100000", "pass 1 to"}},
      {"cli_cuda_without_gpu", [=] { return train_csv({"--device", "cuda"}); }, 2, {"--device cuda", "CUDA"}},
      {"cli_unknown_device", [=] { return train_csv({"--device", "tpu"}); }, 2, {"--device tpu"}},
      {"cli_csv_without_target", [] { return std::vector<std::string>{"train", "--data", "x.csv"}; }, 2, {"--target"}},
      {"cli_missing_dataset_folder",
       [] {
         return std::vector<std::string>{"train", "--data", "mnist", "--data-dir", scratch() + "/no-data", "--out",
                                         scratch() + "/run-nodata"};
       },
       1, {"no-data"}},
      {"cli_csv_header_only",
       [] {
         return std::vector<std::string>{"train", "--data", write_bytes("header-only.csv", "a,b,y\n"), "--target", "y",
                                         "--out", scratch() + "/run-empty"};
       },
       1, {"header-only.csv", "no data rows"}},
      {"cli_out_is_a_file",
       [=] {
         std::vector<std::string> a = train_csv({});
         a[a.size() - 1] = write_bytes("not-a-folder", "x");
         return a;
       },
       2, {"not-a-folder", "not a folder"}},
      {"cli_output_disk_full", [=] { return train_csv({}); }, 1, {"writing", "failed (disk full?)"}, "trap '' XFSZ; ulimit -f 4;"},
      {"cli_eval_missing_checkpoint", [] { return std::vector<std::string>{"eval", scratch() + "/absent.safetensors"}; },
       1, {"absent.safetensors", "no such checkpoint"}},
      {"cli_eval_garbage_checkpoint",
       [] { return std::vector<std::string>{"eval", write_bytes("garbage.safetensors", "not a checkpoint at all")}; },
       1, {"garbage.safetensors"}},
      {"cli_eval_plain_safetensors",
       [] {
         std::string p = scratch() + "/plain.safetensors";
         save(nn::Linear(2, 1).state_dict(), p);
         return std::vector<std::string>{"eval", p};
       },
       1, {"plain.safetensors", "wick.model", "not a checkpoint written by `wick train`"}},
      {"cli_predict_truncated_npy",
       [] {
         return std::vector<std::string>{"predict", linear_checkpoint(),
                                         write_bytes("cut.npy", std::string("\x93NUMPY\x01\x00\x76", 9))};
       },
       1, {"cut.npy"}},
      {"cli_predict_csv_missing_feature",
       [] { return std::vector<std::string>{"predict", linear_checkpoint(), write_bytes("ab.csv", "a,b\n1,2\n")}; },
       1, {"ab.csv", "no column 'c'"}},
      // Reliability (issue 7): a diverging run, and --resume's refusals.
      {"cli_train_loss_diverged",
       [] {
         return std::vector<std::string>{"train", "--data", write_csv("diverge.csv", 40), "--target", "y", "--model",
                                         "linear", "--lr", "1e10", "--batch-size", "1000", "--epochs", "20",
                                         "--threads", "1", "--out", scratch() + "/run-diverge"};
       },
       1, {"the training loss is", "at epoch", "learning rate 1e+10", "lower --lr", "--clip-grad-norm"}},
      {"cli_clip_grad_norm_zero", [=] { return train_csv({"--clip-grad-norm", "0"}); }, 2, {"--clip-grad-norm 0"}},
      {"cli_augment_unknown",
       [] {
         return std::vector<std::string>{"train", "--data", "mnist", "--data-dir", scratch() + "/no-data", "--augment",
                                         "crop,rotate"};
       },
       2, {"--augment crop,rotate", "unknown augmentation 'rotate'", "crop,flip"}},
      {"cli_augment_on_csv", [=] { return train_csv({"--augment", "flip"}); }, 2, {"--augment", "not an image dataset"}},
      {"cli_activation_unknown", [=] { return train_csv({"--model", "mlp", "--activation", "swish"}); }, 2,
       {"--activation swish", "unknown activation", "gelu, silu"}},
      {"cli_resume_missing_folder",
       [] { return std::vector<std::string>{"train", "--resume", scratch() + "/no-such-run"}; },
       2, {"no-such-run", "no such run folder"}},
      {"cli_resume_changed_flag",
       [] {
         fs::create_directories(scratch() + "/a-run");
         return std::vector<std::string>{"train", "--resume", scratch() + "/a-run", "--lr", "0.5"};
       },
       2, {"--lr cannot be changed", "only --epochs"}},
      {"cli_resume_damaged_config",
       [] {
         fs::create_directories(scratch() + "/damaged-run");
         write_bytes("damaged-run/config.json",
                     R"({"args": {"data": "mnist", "data_dir": "data", "model": "softmax", "epochs": 1e300}})");
         return std::vector<std::string>{"train", "--resume", scratch() + "/damaged-run"};
       },
       1, {"config.json", "\"epochs\" must be an integer"}},
      {"cli_resume_config_without_args",
       [] {
         fs::create_directories(scratch() + "/argless-run");
         write_bytes("argless-run/config.json", R"({"status": "done"})");
         return std::vector<std::string>{"train", "--resume", scratch() + "/argless-run"};
       },
       1, {"config.json", "no \"args\" object"}},
      // Bug hunt of the command (flags CLI11 took silently, data found bad
      // only after the run folder existed, API terms in messages).
      {"cli_binary_negative",
       [] { return std::vector<std::string>{"train", "--data", "mnist", "--binary", "-1", "--model", "logistic"}; },
       2, {"--binary -1", "classes 0..9"}},
      {"cli_seed_negative", [=] { return train_csv({"--seed", "-1"}); }, 2, {"--seed", "-1 is negative"}},
      {"cli_integer_not_decimal", [=] { return train_csv({"--epochs", "010"}); }, 2, {"--epochs", "'010'", "leading zeros"}},
      {"cli_epochs_too_many", [=] { return train_csv({"--epochs", "3000000000"}); }, 2, {"--epochs 3000000000", "at most"}},
      {"cli_hidden_empty", [=] { return train_csv({"--model", "mlp", "--hidden", ""}); }, 2, {"--hidden ''", "256,128"}},
      {"cli_model_too_large",
       [] { return std::vector<std::string>{"summary", "--model", "mlp", "--hidden", "2000000000"}; },
       2, {"--hidden 2000000000", "parameters", "smaller hidden sizes"}},
      {"cli_csv_single_class",
       [=] {
         return train_csv({"--data", csv_with_target("one-class.csv", [](int) { return std::string("cat"); })});
       },
       2, {"--target y", "only one class ('cat')", "at least 2"}},
      {"cli_csv_no_feature_columns",
       [=] { return train_csv({"--data", write_bytes("only-y.csv", "y\n1\n2\n3\n4\n5\n6\n"), "--model", "linear"}); },
       1, {"only-y.csv", "no feature columns"}},
      {"cli_linear_on_labels",
       [=] {
         return train_csv({"--data", csv_with_target("labels.csv", [](int i) { return std::string(i % 2 ? "neg" : "pos"); }),
                           "--model", "linear"});
       },
       2, {"--model linear is regression", "labels", "--model softmax"}},
      {"cli_test_fraction_empty_split", [=] { return train_csv({"--test-fraction", "0.001"}); }, 2,
       {"--test-fraction 0.001", "holds out 0 of the 60 rows", "at least one row"}},
      {"cli_data_dir_is_a_file",
       [] {
         return std::vector<std::string>{"train", "--data", "mnist", "--data-dir", write_bytes("a-file", "x"), "--out",
                                         scratch() + "/run-dir-file"};
       },
       1, {"a-file", "not a folder"}},
      {"cli_data_fetch_unknown",
       [] { return std::vector<std::string>{"data", "fetch", "imagenet", "--dir", scratch()}; },
       2, {"data fetch imagenet", "unknown dataset"}},
      {"cli_predict_input_shape",
       [] {
         save_npy(zeros({2, 4}), scratch() + "/four.npy");
         return std::vector<std::string>{"predict", linear_checkpoint(), scratch() + "/four.npy"};
       },
       1, {"four.npy", "[2, 4]", "give [N, 3]"}},
      {"cli_checkpoint_class_names_mismatch",
       [] { return std::vector<std::string>{"predict", classifier_checkpoint(R"(["a", "b"])"), write_bytes("p.csv", "a,b\n1,2\n")}; },
       1, {"classifier.safetensors", "2 class names for 3 classes"}},
      {"cli_resume_data_moved",
       [] {
         fs::create_directories(scratch() + "/moved-run");
         write_bytes("moved-run/config.json", R"({"args": {"data": ")" + scratch() + R"(/moved.csv", "data_dir": "data",
             "model": "linear", "target": "y", "epochs": 2, "batch_size": 8, "optimizer": "sgd", "lr": 0.01,
             "momentum": 0, "schedule": "none", "device": "cpu", "seed": 0, "threads": 1, "workers": 0}})");
         return std::vector<std::string>{"train", "--resume", scratch() + "/moved-run"};
       },
       1, {"moved.csv", "(\"data\" in", "config.json", "does not exist"}},
      {"cli_predict_out_in_missing_folder",
       [] {
         return std::vector<std::string>{"predict", linear_checkpoint(), write_bytes("abc.csv", "a,b,c\n1,2,3\n"),
                                         "--out", scratch() + "/no-such-folder/p.csv"};
       },
       1, {"no-such-folder/p.csv"}},
      {"cli_export_not_pt",
       [] { return std::vector<std::string>{"export", linear_checkpoint(), scratch() + "/model.safetensors"}; },
       2, {"model.safetensors", "must end in .pt or .pth"}},
  };
}

class CliErrors : public ::testing::TestWithParam<CliRow> {};
TEST_P(CliErrors, OneLineAndExitCode) {
  const CliRow& row = GetParam();
  if (wick_binary().empty()) GTEST_SKIP() << "bin/wick not built (build the wick_cli target, or set WICK_CLI)";
  CliResult r = run_cli(row.args(), row.prefix);
  EXPECT_EQ(r.rc, row.rc) << r.err;
  ASSERT_FALSE(r.err.empty());
  ASSERT_EQ(r.err.back(), '\n') << r.err;
  std::string line = r.err.substr(0, r.err.size() - 1);
  EXPECT_EQ(line.find('\n'), std::string::npos) << "more than one line on stderr:\n" << r.err;
  EXPECT_EQ(line.rfind("wick: error: ", 0), 0u) << line;
  print_row(row.id, line + " [exit " + std::to_string(r.rc) + "]");
  for (const std::string& w : row.words) EXPECT_NE(line.find(w), std::string::npos) << "lacks '" << w << "': " << line;
}
INSTANTIATE_TEST_SUITE_P(Catalogue, CliErrors, ::testing::ValuesIn(rows()),
                         [](const ::testing::TestParamInfo<CliRow>& i) { return i.param.id; });

}  // namespace
}  // namespace wick::errors_test
