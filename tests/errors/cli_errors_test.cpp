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
#include "wick/io/safetensors.h"
#include "wick/nn/linear.h"

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
      {"cli_predict_out_in_missing_folder",
       [] {
         return std::vector<std::string>{"predict", linear_checkpoint(), write_bytes("abc.csv", "a,b,c\n1,2,3\n"),
                                         "--out", scratch() + "/no-such-folder/p.csv"};
       },
       1, {"no-such-folder/p.csv"}},
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
