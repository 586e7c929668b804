// The three MNIST training tasks of issue 6, and a small CNN, in LibTorch
// (the PyTorch C++ frontend), for bench/compare. Same protocol as
// torch_train.py and bench/wick_train_bench.cpp (see there). Built by
// bench/compare:
//   g++ -std=c++17 -O2 libtorch_train.cpp -I/usr/include/torch/csrc/api/include \
//       -ltorch -ltorch_cpu -lc10 -o build-bench/libtorch_train
//
//   libtorch_train --task softmax|binary|mlp|cnn [--data DIR] [--threads N] [--epochs E] [--seed S]
//
// cnn: Conv2d(1,16,3,p=1), ReLU, MaxPool2d(2), Conv2d(16,32,3,p=1), ReLU,
// MaxPool2d(2), Flatten, Linear(32*7*7,10); Adam lr 1e-3; 1 epoch by default;
// the same normalized pixels viewed as [N, 1, 28, 28]; the test set is
// evaluated in chunks of 128 images, as wick's and torch_train.py's (see
// bench/wick_train_bench.cpp for why not 1000).
#include <sys/resource.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

torch::Tensor read_idx(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("libtorch_train: cannot open " + path);
  f.seekg(0, std::ios::end);
  std::vector<uint8_t> raw(static_cast<size_t>(f.tellg()));
  f.seekg(0);
  f.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(raw.size()));
  if (raw.size() < 8) throw std::runtime_error("libtorch_train: truncated " + path);
  const int dims = raw.at(3);
  std::vector<int64_t> shape;
  for (int i = 0; i < dims; ++i) {
    const uint8_t* p = raw.data() + 4 + 4 * i;
    shape.push_back((int64_t(p[0]) << 24) | (p[1] << 16) | (p[2] << 8) | p[3]);
  }
  // clone(): the tensor owns its bytes once `raw` goes away.
  return torch::from_blob(raw.data() + 4 + 4 * dims, shape, torch::kUInt8).clone();
}

struct Split {
  torch::Tensor x, y;
};

Split load(const std::string& root, const std::string& prefix, bool binary) {
  torch::Tensor images = read_idx(root + "/" + prefix + "-images-idx3-ubyte");
  torch::Tensor labels = read_idx(root + "/" + prefix + "-labels-idx1-ubyte");
  Split s;
  s.x = images.reshape({images.size(0), 784}).to(torch::kFloat32);
  s.x.div_(255).sub_(0.1307).div_(0.3081);
  s.y = labels.to(torch::kInt64);
  if (binary) s.y = s.y.eq(0).to(torch::kFloat32).unsqueeze(1);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::string task = "softmax", root = "data/mnist";
  int threads = 1, epochs = -1;
  uint64_t seed = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--task") task = v;
    else if (k == "--data") root = v;
    else if (k == "--threads") threads = std::stoi(v);
    else if (k == "--epochs") epochs = std::stoi(v);
    else if (k == "--seed") seed = std::stoull(v);
    else {
      std::cerr << "usage: libtorch_train --task softmax|binary|mlp|cnn [--data DIR] [--threads N] [--epochs E]\n";
      return 2;
    }
  }
  at::set_num_threads(threads);
  if (task != "softmax" && task != "binary" && task != "mlp" && task != "cnn") {
    std::cerr << "libtorch_train: unknown task '" << task << "' (softmax, binary, mlp or cnn)\n";
    return 2;
  }
  if (epochs < 0) epochs = task == "softmax" ? 5 : task == "cnn" ? 1 : 3;
  const bool binary = task == "binary";
  const bool cnn = task == "cnn";

  const auto t_start = Clock::now();
  Split train = load(root, "train", binary);
  Split test = load(root, "t10k", binary);
  if (cnn) {
    train.x = train.x.view({-1, 1, 28, 28});
    test.x = test.x.view({-1, 1, 28, 28});
  }
  const double load_s = seconds_since(t_start);

  torch::manual_seed(seed);
  torch::nn::Sequential model;
  if (task == "softmax") model->push_back(torch::nn::Linear(784, 10));
  else if (binary) model->push_back(torch::nn::Linear(784, 1));
  else if (cnn) {
    model->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 16, 3).padding(1)));
    model->push_back(torch::nn::ReLU());
    model->push_back(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2)));
    model->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(16, 32, 3).padding(1)));
    model->push_back(torch::nn::ReLU());
    model->push_back(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2)));
    model->push_back(torch::nn::Flatten());
    model->push_back(torch::nn::Linear(32 * 7 * 7, 10));
  } else {
    model->push_back(torch::nn::Linear(784, 256));
    model->push_back(torch::nn::BatchNorm1d(256));
    model->push_back(torch::nn::ReLU());
    model->push_back(torch::nn::Dropout(0.2));
    model->push_back(torch::nn::Linear(256, 10));
  }
  std::unique_ptr<torch::optim::Optimizer> opt;
  if (task == "mlp" || cnn) opt = std::make_unique<torch::optim::Adam>(model->parameters(), torch::optim::AdamOptions(1e-3));
  else
    opt = std::make_unique<torch::optim::SGD>(model->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));

  const int64_t n = train.x.size(0);
  std::vector<double> epoch_s;
  const auto t_train = Clock::now();
  for (int e = 0; e < epochs; ++e) {
    const auto t0 = Clock::now();
    model->train();
    torch::Tensor perm = torch::randperm(n, torch::kInt64);
    for (int64_t i = 0; i < n; i += 128) {
      torch::Tensor idx = perm.slice(0, i, std::min(i + 128, n));
      torch::Tensor x = train.x.index_select(0, idx), y = train.y.index_select(0, idx);
      torch::Tensor out = model->forward(x);
      torch::Tensor loss = binary ? torch::binary_cross_entropy_with_logits(out, y) : torch::cross_entropy_loss(out, y);
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
    model->eval();
    torch::NoGradGuard no_grad;
    if (cnn) {
      const int64_t nt = test.x.size(0);
      double correct = 0;
      for (int64_t i = 0; i < nt; i += 128) {
        const int64_t len = std::min<int64_t>(128, nt - i);
        torch::Tensor out = model->forward(test.x.narrow(0, i, len));
        correct += out.argmax(1).eq(test.y.narrow(0, i, len)).sum().item<double>();
      }
      acc = correct / static_cast<double>(nt);
    } else {
      torch::Tensor out = model->forward(test.x);
      torch::Tensor correct = binary ? out.gt(0).to(torch::kFloat32).eq(test.y) : out.argmax(1).eq(test.y);
      acc = correct.to(torch::kFloat32).mean().item<double>();
    }
  }
  const double eval_s = seconds_since(t_eval);
  const double total_s = seconds_since(t_start);

  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::string list = "[";
  for (size_t i = 0; i < epoch_s.size(); ++i) list += (i ? ", " : "") + std::to_string(epoch_s[i]);
  list += "]";
  std::printf(
      "RESULT {\"framework\": \"libtorch\", \"task\": \"%s\", \"threads\": %d, \"load_s\": %.6f, \"epoch_s\": %s, "
      "\"train_s\": %.6f, \"eval_s\": %.6f, \"total_s\": %.6f, \"acc\": %.6f, \"maxrss_mb\": %.1f}\n",
      task.c_str(), threads, load_s, list.c_str(), train_s, eval_s, total_s, acc, ru.ru_maxrss / 1024.0);
  return 0;
}
