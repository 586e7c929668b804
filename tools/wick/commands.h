#pragma once
// The subcommands of `wick`. Each returns the process exit code; usage
// problems throw UsageError (exit 2), runtime problems wick::Error (exit 1).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wick::cli {

struct TrainOptions {
  std::string data, data_dir = "data", target;
  int64_t binary = -1;
  std::string model = "softmax", hidden;
  std::string channels;  // cnn: one conv block per entry ("" when not given: 16,32)
  std::string activation;  // mlp, cnn ("" when not given: relu)
  bool batchnorm = false;
  double dropout = 0;
  int64_t epochs = 5, batch_size = 128, limit = 0;
  std::string optimizer = "sgd";
  double lr = 0.01;
  double momentum = 0;
  std::optional<double> weight_decay;
  std::string schedule = "none";
  int64_t warmup = 0;  // epochs of linear warmup before the schedule (run_config.h)
  std::string device = "cpu";
  uint64_t seed = 0;
  int threads = 0, workers = 0;
  double test_fraction = 0.2;
  std::string out;
  bool overwrite = false;
  std::optional<double> clip_grad_norm;  // nn::utils::clip_grad_norm_ before each step
  std::string augment;                   // image datasets: "crop,flip" etc. (augment.h)
  bool detect_anomaly = false;           // wick::DetectAnomalyGuard around training
  std::string resume;                    // a run folder to continue
  std::vector<std::string> given_flags;  // flags given on the command line (--resume checks them)
  std::string command_line;  // for config.json
};
int run_train(const TrainOptions& o);

struct EvalOptions {
  std::string checkpoint, data, data_dir = "data", device = "cpu";
  std::optional<int64_t> batch_size;  // default: eval_batch_size(spec)
  int threads = 0;
};
int run_eval(const EvalOptions& o);

struct PredictOptions {
  std::string checkpoint, input, out, device = "cpu";
  std::optional<int64_t> batch_size;  // default: eval_batch_size(spec)
  int threads = 0;
};
int run_predict(const PredictOptions& o);

struct SummaryOptions {
  std::string checkpoint;  // either a checkpoint, or model flags + data
  std::string data = "mnist", data_dir = "data", target, model = "softmax", hidden, channels, activation;
  int64_t binary = -1;
  bool batchnorm = false;
  double dropout = 0;
};
int run_summary(const SummaryOptions& o);

int run_fetch(const std::string& name, const std::string& dir);

// Shared by the subcommands: "cpu", "cuda", "cuda:N" or "auto"; UsageError
// with the device layer's message when the build or machine lacks it.
std::string resolve_device(const std::string& spec);
// --threads N (0: leave the OpenMP/OpenBLAS defaults).
void set_threads(int n);
int current_threads();

}  // namespace wick::cli
