// The three MNIST training tasks of issue 6, run through wick's public API
// exactly as bench/reference/torch_train.py and libtorch_train.cpp run them in
// PyTorch and LibTorch, so bench/compare can put the numbers side by side.
//
//   wick_train_bench --task softmax|binary|mlp [--data data/mnist] [--epochs N] [--seed S]
//
// Threads: wick has no public thread-count call. Its own kernels use OpenMP
// (omp_get_max_threads, so OMP_NUM_THREADS) and OpenBLAS (pthread build) reads
// OPENBLAS_NUM_THREADS; bench/compare sets both.
//
// The protocol, the same in all three programs:
//   load:  training and test images read once, float32 [N, 784], /255, then
//          (x - 0.1307) / 0.3081 in place; targets int64 (binary: float [N,1]
//          of y == 0). Timed as load_s.
//   epoch: a fresh shuffle, batches of 128 (last one partial), forward, loss,
//          zero_grad, backward, step. Each epoch timed separately.
//   eval:  the whole test set in one no-grad forward, model in eval mode.
// One line "RESULT {json}" on stdout carries the numbers.
#include <sys/resource.h>

#include <wick/wick.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

using namespace wick;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct Split {
  Tensor x, y;
};

// float32 [N, 784] normalized, in one buffer: MNIST's own float copy is
// reshaped (a view) and normalized in place, so no second 188 MB buffer exists.
Split load(const std::string& root, data::Split which, bool binary) {
  Split s;
  {
    data::MNIST set(root, which);
    s.x = set.images();
    s.y = set.targets();
  }
  s.x = s.x.reshape({s.x.size(0), 784});
  s.x.sub_(0.1307).div_(0.3081);
  if (binary) s.y = s.y.eq(0.0).to(kFloat32).unsqueeze(1);
  return s;
}

std::string json_list(const std::vector<double>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%.6f", i ? ", " : "", v[i]);
    out += buf;
  }
  return out + "]";
}

}  // namespace

int main(int argc, char** argv) {
  std::string task = "softmax", root = "data/mnist";
  int epochs = -1;
  uint64_t seed = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--task") task = v;
    else if (k == "--data") root = v;
    else if (k == "--epochs") epochs = std::stoi(v);
    else if (k == "--seed") seed = std::stoull(v);
    else {
      std::cerr << "usage: wick_train_bench --task softmax|binary|mlp [--data DIR] [--epochs N] [--seed S]\n";
      return 2;
    }
  }
  if (task != "softmax" && task != "binary" && task != "mlp") {
    std::cerr << "wick_train_bench: unknown task '" << task << "' (softmax, binary or mlp)\n";
    return 2;
  }
  if (epochs < 0) epochs = task == "softmax" ? 5 : 3;
  const bool binary = task == "binary";

  const auto t_start = Clock::now();
  Split train = load(root, data::Split::Train, binary);
  Split test = load(root, data::Split::Test, binary);
  const double load_s = seconds_since(t_start);

  manual_seed(seed);
  nn::Sequential model;
  if (task == "softmax") model.push_back(nn::Linear(784, 10));
  else if (binary) model.push_back(nn::Linear(784, 1));
  else
    model.push_back(nn::Linear(784, 256))
        .push_back(nn::BatchNorm1d(256))
        .push_back(nn::ReLU())
        .push_back(nn::Dropout(0.2))
        .push_back(nn::Linear(256, 10));
  std::unique_ptr<optim::Optimizer> opt;
  if (task == "mlp") opt = std::make_unique<optim::Adam>(model.parameters(), optim::AdamOptions{.lr = 1e-3});
  else opt = std::make_unique<optim::SGD>(model.parameters(), optim::SGDOptions{.lr = 0.01, .momentum = 0.9});

  data::TensorDataset dataset(train.x, train.y);
  data::DataLoader loader(dataset, {.batch_size = 128, .shuffle = true, .seed = seed});

  std::vector<double> epoch_s;
  const auto t_train = Clock::now();
  for (int e = 0; e < epochs; ++e) {
    const auto t0 = Clock::now();
    model.train();
    for (auto [x, y] : loader) {
      Tensor out = model(x);
      Tensor loss = binary ? nn::functional::binary_cross_entropy_with_logits(out, y)
                           : nn::functional::cross_entropy(out, y);
      opt->zero_grad();
      loss.backward();
      opt->step();
    }
    epoch_s.push_back(seconds_since(t0));
  }
  const double train_s = seconds_since(t_train);

  const auto t_eval = Clock::now();
  double acc;
  {
    model.eval();
    NoGradGuard no_grad;
    Tensor out = model(test.x);
    Tensor correct = binary ? out.gt(0.0).to(kFloat32).eq(test.y) : argmax(out, 1).eq(test.y);
    acc = correct.to(kFloat32).mean().item();
  }
  const double eval_s = seconds_since(t_eval);
  const double total_s = seconds_since(t_start);

  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const char* omp = std::getenv("OMP_NUM_THREADS");
  std::printf(
      "RESULT {\"framework\": \"wick\", \"task\": \"%s\", \"threads\": \"%s\", \"load_s\": %.6f, "
      "\"epoch_s\": %s, \"train_s\": %.6f, \"eval_s\": %.6f, \"total_s\": %.6f, \"acc\": %.6f, "
      "\"maxrss_mb\": %.1f}\n",
      task.c_str(), omp ? omp : "default", load_s, json_list(epoch_s).c_str(), train_s, eval_s, total_s, acc,
      ru.ru_maxrss / 1024.0);
  return 0;
}
