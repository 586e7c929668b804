// The C++ half of the PyTorch interop test (driven by interop.py):
//   1. loads the state_dicts PyTorch wrote (torch_*.safetensors) into the
//      equivalent wick models and compares their outputs on x.npy with
//      PyTorch's (torch_*_out.npy);
//   2. writes freshly initialized (and, for the MLP, BatchNorm-updated) wick
//      state_dicts and outputs (softmax, MLP, CNN) (wick_*.safetensors, wick_*_out.npy) for
//      PyTorch to load with load_state_dict(strict=True).
// Exit code 0 when every comparison holds, 1 otherwise.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <sstream>
#include <string>

#include "wick/autograd.h"
#include "wick/creation.h"
#include "wick/io/safetensors.h"
#include "wick/nn/linear.h"
#include "wick/nn/sequential.h"
#include "wick/npy.h"
#include "wick/random.h"
#if __has_include("wick/nn/batchnorm.h") && __has_include("wick/nn/dropout.h") && __has_include("wick/nn/activation.h")
#include "wick/nn/activation.h"
#include "wick/nn/batchnorm.h"
#include "wick/nn/dropout.h"
#define WICK_INTEROP_MLP 1
#endif
#if __has_include("wick/nn/conv.h") && __has_include("wick/nn/pooling.h")
#include "wick/nn/conv.h"
#include "wick/nn/pooling.h"
#define WICK_INTEROP_CNN 1
#endif

using namespace wick;

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  std::cout << (ok ? "ok   " : "FAIL ") << what << "\n";
  if (!ok) ++failures;
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  if (a.sizes() != b.sizes()) return INFINITY;
  return (a.to(kFloat64) - b.to(kFloat64)).abs().max().item();
}

nn::Sequential softmax_model() { return nn::Sequential(nn::Flatten(), nn::Linear(784, 10)); }

#ifdef WICK_INTEROP_MLP
nn::Sequential mlp_model() {
  return nn::Sequential(nn::Flatten(), nn::Linear(784, 256), nn::BatchNorm1d(256), nn::ReLU(), nn::Dropout(0.2),
                        nn::Linear(256, 10));
}
#endif

#if defined(WICK_INTEROP_MLP) && defined(WICK_INTEROP_CNN)
nn::Sequential cnn_model() {
  return nn::Sequential(nn::Conv2d(1, 8, 3, {.padding = 1}), nn::BatchNorm2d(8), nn::ReLU(), nn::MaxPool2d(2),
                        nn::Conv2d(8, 16, 3, {.stride = 2}), nn::ReLU(), nn::AvgPool2d(2), nn::Flatten(),
                        nn::Linear(144, 10));
}
#endif

// PyTorch -> wick: same keys in the same order, and the same outputs.
void load_from_torch(const std::string& dir, const std::string& name, nn::Sequential model, const Tensor& x) {
  const TensorDict sd = load(dir + "/torch_" + name + ".safetensors");
  // Same names; the order may differ (the reference writer lays data out by
  // item size, then name), which load_state_dict does not care about.
  auto sorted_keys = [](const TensorDict& d) {
    auto k = d.keys();
    std::sort(k.begin(), k.end());
    return k;
  };
  check(sorted_keys(sd) == sorted_keys(model.state_dict()), name + ": torch's keys equal wick's state_dict keys");
  for (const auto& [k, t] : model.state_dict())
    if (sd.count(k))
      check(sd.at(k).dtype() == t.dtype() && sd.at(k).sizes() == t.sizes(),
            name + ": " + k + " " + sd.at(k).describe() + " matches wick's " + t.describe());
  model.load_state_dict(sd);  // strict
  model.eval();
  NoGradGuard no_grad;
  const double diff = max_abs_diff(model(x), load_npy(dir + "/torch_" + name + "_out.npy"));
  std::ostringstream msg;
  msg << name << ": wick output with torch weights matches torch (max abs diff " << diff << ")";
  check(diff <= 1e-5, msg.str());
}

// wick -> PyTorch: the checkpoint and the output for interop.py to verify.
void save_for_torch(const std::string& dir, const std::string& name, nn::Sequential model, const Tensor& x) {
  // Training-mode passes move BatchNorm's running statistics and
  // num_batches_tracked away from their initial values.
  model.train();
  {
    NoGradGuard no_grad;
    for (int i = 0; i < 3; ++i) model(randn({16, 1, 28, 28}) * 2.0 + 0.5);
  }
  model.eval();
  save(model.state_dict(), dir + "/wick_" + name + ".safetensors", {{"writer", "wick interop_main"}});
  NoGradGuard no_grad;
  save_npy(model(x), dir + "/wick_" + name + "_out.npy");
  std::cout << "wrote wick_" << name << ".safetensors\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: interop_main <dir with x.npy and torch_*.safetensors>\n";
    return 2;
  }
  const std::string dir = argv[1];
  try {
    const Tensor x = load_npy(dir + "/x.npy");
    manual_seed(123);  // different from PyTorch's init: only the loaded weights can make outputs agree
    load_from_torch(dir, "softmax", softmax_model(), x);
#ifdef WICK_INTEROP_MLP
    load_from_torch(dir, "mlp", mlp_model(), x);
#else
    std::cout << "skip mlp: BatchNorm1d/ReLU/Dropout not available\n";
#endif
#if defined(WICK_INTEROP_MLP) && defined(WICK_INTEROP_CNN)
    load_from_torch(dir, "cnn", cnn_model(), x);
#endif
    manual_seed(7);
    save_for_torch(dir, "softmax", softmax_model(), x);
#ifdef WICK_INTEROP_MLP
    save_for_torch(dir, "mlp", mlp_model(), x);
#endif
#if defined(WICK_INTEROP_MLP) && defined(WICK_INTEROP_CNN)
    save_for_torch(dir, "cnn", cnn_model(), x);
#endif
  } catch (const std::exception& e) {
    std::cout << "FAIL " << e.what() << "\n";
    return 1;
  }
  return failures == 0 ? 0 : 1;
}
