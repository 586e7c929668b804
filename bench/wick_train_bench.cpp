// The three MNIST training tasks of issue 6, and a small CNN, run through
// wick's public API exactly as bench/reference/torch_train.py and
// libtorch_train.cpp run them in PyTorch and LibTorch, so bench/compare can
// put the numbers side by side.
//
//   wick_train_bench --task softmax|binary|mlp|cnn [--data data/mnist] [--epochs N] [--seed S]
//
// cnn: Conv2d(1,16,3,p=1), ReLU, MaxPool2d(2), Conv2d(16,32,3,p=1), ReLU,
// MaxPool2d(2), Flatten, Linear(32*7*7,10); Adam lr 1e-3; 1 epoch by default.
// Its inputs are the same normalized pixels as [B, 1, 28, 28], and its test
// evaluation goes in chunks of 128 images (the training batch) in all three
// programs. The whole test set in one forward would need over 1 GB of
// wick's convolution windows; and chunks of 1000 or 250 images made
// PyTorch's 10000-image eval take 5-10 s on the 2-vCPU VM, against ~1 s at
// 128 (1 thread, measured 2026-11-28): glibc's malloc hands each forward's
// activations back to the kernel and the next forward gets fresh pages,
// which this VM's free page reporting makes dear (docs/PERFORMANCE.md,
// 2026-11-28, issue 4). LibTorch's heap does the same even at 128 (eval
// 6-7 s; 0.9 s with MALLOC_TRIM_THRESHOLD_ and MALLOC_MMAP_THRESHOLD_
// raised): bench/compare leaves the references' malloc as it is, so that
// cost is in LibTorch's cnn eval and total, not in its epochs. wick's
// caching allocator does not see it (about 1 s at 128, 250 or 1000).
//
// Threads: wick::set_num_threads(--threads, default WICK_NUM_THREADS or
// OMP_NUM_THREADS), one knob for the backend's pool and its GEMMs, and the
// only threads wick runs: the DataLoader builds batches inline
// (num_workers = 0) unless --workers 1 asks for a background thread. On the
// 2-core VM a third thread (pool worker + loader worker + the loop) slowed
// every task, and handing a freshly gathered batch to another core costs about
// as much as gathering it (docs/PERFORMANCE.md, "Two threads").
//
// The protocol, the same math in all three programs (each takes its natural
// fastest path to it):
//   load:  training and test images read once. wick keeps the pixels as uint8
//          (data::MNIST keep_uint8) and normalizes while it gathers each batch,
//          x * (1 / (255 * 0.3081)) - 0.1307 / 0.3081, the same values as
//          PyTorch's (x / 255 - 0.1307) / 0.3081 on float32 [N, 784] to a
//          float rounding; targets int64 (binary: float [N,1] of y == 0).
//          The test set is gathered once, normalized, for the evaluation.
//          Timed as load_s.
//   epoch: a fresh shuffle, batches of 128 (last one partial), forward, loss,
//          zero_grad, backward, step. Each epoch timed separately.
//   eval:  the whole test set in one no-grad forward, model in eval mode
//          (cnn: chunks of 128 images, the correct counts summed).
// One line "RESULT {json}" on stdout carries the numbers.
#include <sys/resource.h>

#include <wick/wick.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace wick;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

constexpr double kMean = 0.1307, kStd = 0.3081;

// MNIST batches as the tasks want them: [B, 784] normalized (cnn: the same
// values as [B, 1, 28, 28]), and for the binary task float [B, 1] targets of
// y == 0.
class Mnist784 : public data::Dataset {
 public:
  Mnist784(const std::string& root, data::Split split, bool binary, bool image = false)
      : set_(root, split, {.keep_uint8 = true, .mean = kMean, .std = kStd}), binary_(binary), image_(image) {}
  int64_t size() const override { return set_.size(); }
  data::Example get(int64_t i) const override {
    data::Batch b = get_batch({i});
    return {b.inputs.select(0, 0), b.targets.select(0, 0)};
  }
  data::Batch get_batch(const std::vector<int64_t>& indices) const override {
    data::Batch b = set_.get_batch(indices);
    b.inputs = image_ ? b.inputs.reshape({b.inputs.size(0), 1, 28, 28}) : b.inputs.reshape({b.inputs.size(0), 784});
    if (binary_) b.targets = b.targets.eq(0.0).to(kFloat32).unsqueeze(1);
    return b;
  }
  data::Batch all() const {
    std::vector<int64_t> idx(static_cast<size_t>(size()));
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<int64_t>(i);
    return get_batch(idx);
  }

 private:
  data::MNIST set_;
  bool binary_, image_;
};

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

static int run(int argc, char** argv) {
  std::string task = "softmax", root = "data/mnist";
  int epochs = -1, threads = 0, workers = 0;
  bool load_only = false;
  bool loader_only = false;  // epochs that only assemble batches: the data side of an epoch
  uint64_t seed = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--task") task = v;
    else if (k == "--data") root = v;
    else if (k == "--epochs") epochs = std::stoi(v);
    else if (k == "--seed") seed = std::stoull(v);
    else if (k == "--threads") threads = std::stoi(v);
    else if (k == "--workers") workers = std::stoi(v);
    else if (k == "--load-only") load_only = v == "float";
    else if (k == "--loader-only") loader_only = v == "1";
    else {
      std::cerr << "usage: wick_train_bench --task softmax|binary|mlp|cnn [--data DIR] [--epochs N] [--seed S] [--threads T] [--workers 0|1] [--load-only float] [--loader-only 1]\n";
      return 2;
    }
  }
  if (task != "softmax" && task != "binary" && task != "mlp" && task != "cnn") {
    std::cerr << "wick_train_bench: unknown task '" << task << "' (softmax, binary, mlp or cnn)\n";
    return 2;
  }
  if (epochs < 0) epochs = task == "softmax" ? 5 : task == "cnn" ? 1 : 3;
  const bool binary = task == "binary";
  const bool cnn = task == "cnn";

  if (threads > 0) set_num_threads(threads);
  if (load_only) {
    // Issue 4's measure: both splits into normalized float32 tensors, the
    // same result as the references' load (torch: from_numpy, /255, -mean,
    // /std); wick normalizes while it converts the pixels, in one pass.
    const auto t0 = Clock::now();
    int64_t rows = 0;
    for (data::Split sp : {data::Split::Train, data::Split::Test}) {
      Tensor x = data::MNIST(root, sp, {.mean = kMean, .std = kStd}).images().reshape({-1, 784});
      rows += x.size(0);
    }
    std::printf("LOAD {\"framework\": \"wick\", \"float_load_s\": %.6f, \"rows\": %lld}\n", seconds_since(t0),
                static_cast<long long>(rows));
    return 0;
  }
  const auto t_start = Clock::now();
  Mnist784 train(root, data::Split::Train, binary, cnn);
  data::Batch test = Mnist784(root, data::Split::Test, binary, cnn).all();
  const double load_s = seconds_since(t_start);

  manual_seed(seed);
  nn::Sequential model;
  if (task == "softmax") model.push_back(nn::Linear(784, 10));
  else if (binary) model.push_back(nn::Linear(784, 1));
  else if (cnn)
    model.push_back(nn::Conv2d(1, 16, 3, {.padding = 1}))
        .push_back(nn::ReLU())
        .push_back(nn::MaxPool2d(2))
        .push_back(nn::Conv2d(16, 32, 3, {.padding = 1}))
        .push_back(nn::ReLU())
        .push_back(nn::MaxPool2d(2))
        .push_back(nn::Flatten())
        .push_back(nn::Linear(32 * 7 * 7, 10));
  else
    model.push_back(nn::Linear(784, 256))
        .push_back(nn::BatchNorm1d(256))
        .push_back(nn::ReLU())
        .push_back(nn::Dropout(0.2))
        .push_back(nn::Linear(256, 10));
  std::unique_ptr<optim::Optimizer> opt;
  if (task == "mlp" || cnn) opt = std::make_unique<optim::Adam>(model.parameters(), optim::AdamOptions{.lr = 1e-3});
  else opt = std::make_unique<optim::SGD>(model.parameters(), optim::SGDOptions{.lr = 0.01, .momentum = 0.9});

  data::DataLoader loader(train, {.batch_size = 128, .shuffle = true, .seed = seed,
                                  .num_workers = workers});

  std::vector<double> epoch_s;
  const auto t_train = Clock::now();
  for (int e = 0; e < epochs; ++e) {
    const auto t0 = Clock::now();
    model.train();
    for (auto [x, y] : loader) {
      if (loader_only) continue;
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
    if (cnn) {
      const int64_t n = test.inputs.size(0), chunk = 128;
      double correct = 0;
      for (int64_t i = 0; i < n; i += chunk) {
        const int64_t len = std::min(chunk, n - i);
        Tensor out = model(test.inputs.narrow(0, i, len));
        correct += argmax(out, 1).eq(test.targets.narrow(0, i, len)).to(kFloat32).sum().item();
      }
      acc = correct / static_cast<double>(n);
    } else {
      Tensor out = model(test.inputs);
      Tensor correct = binary ? out.gt(0.0).to(kFloat32).eq(test.targets) : argmax(out, 1).eq(test.targets);
      acc = correct.to(kFloat32).mean().item();
    }
  }
  const double eval_s = seconds_since(t_eval);
  const double total_s = seconds_since(t_start);

  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const std::string nthreads = std::to_string(get_num_threads());
  std::printf(
      "RESULT {\"framework\": \"wick\", \"task\": \"%s\", \"threads\": \"%s\", \"load_s\": %.6f, "
      "\"epoch_s\": %s, \"train_s\": %.6f, \"eval_s\": %.6f, \"total_s\": %.6f, \"acc\": %.6f, "
      "\"maxrss_mb\": %.1f}\n",
      task.c_str(), nthreads.c_str(), load_s, json_list(epoch_s).c_str(), train_s, eval_s, total_s, acc,
      ru.ru_maxrss / 1024.0);
  return 0;
}

// A missing data folder or a value std::stoi cannot read is one line on
// stderr and exit 1, not std::terminate's abort.
int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::logic_error& e) {  // std::stoi's invalid_argument / out_of_range
    std::cerr << "wick_train_bench: error: a flag's value is not a number in range (" << e.what()
              << "); e.g. --epochs 5 --threads 1\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "wick_train_bench: error: " << e.what() << "\n";
    return 1;
  }
}
