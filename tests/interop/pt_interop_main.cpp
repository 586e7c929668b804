// The C++ half of the torch.save interop test (driven by pt_interop.py):
//   1. loads the state_dict PyTorch wrote with torch.save (torch_mlp.pt) and
//      the same weights inside a checkpoint dict (torch_ckpt.pt, key
//      "model_state_dict") into the equivalent wick MLP, and compares its
//      output on x.npy with PyTorch's (torch_mlp_out.npy);
//   2. writes a wick MLP's state_dict with save_pytorch (wick_mlp.pt), after
//      training-mode passes that move the BatchNorm statistics, and its
//      output (wick_mlp_out.npy), for PyTorch to load.
// Exit code 0 when every comparison holds, 1 otherwise.
#include <iostream>
#include <sstream>
#include <string>

#include "wick/autograd.h"
#include "wick/creation.h"
#include "wick/io/pytorch.h"
#include "wick/nn/activation.h"
#include "wick/nn/batchnorm.h"
#include "wick/nn/dropout.h"
#include "wick/nn/linear.h"
#include "wick/nn/sequential.h"
#include "wick/npy.h"
#include "wick/random.h"

using namespace wick;

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  std::cout << (ok ? "ok   " : "FAIL ") << what << "\n";
  if (!ok) ++failures;
}

// Must match mlp() in pt_interop.py.
nn::Sequential mlp_model() {
  return nn::Sequential(nn::Linear(20, 32), nn::BatchNorm1d(32), nn::ReLU(), nn::Dropout(0.2), nn::Linear(32, 5));
}

void load_from_torch(const std::string& dir, const std::string& file, const std::string& key, const Tensor& x) {
  nn::Sequential model = mlp_model();
  const TensorDict sd = load_pytorch(dir + "/" + file, Device::cpu(), key);
  check(sd.keys() == model.state_dict().keys(), file + ": keys in torch's order equal wick's state_dict keys");
  model.load_state_dict(sd);  // strict
  check(sd.at("1.num_batches_tracked").dtype() == kInt64 && sd.at("1.num_batches_tracked").item<int64_t>() == 3,
        file + ": num_batches_tracked is int64 3");
  model.eval();
  NoGradGuard no_grad;
  const Tensor want = load_npy(dir + "/torch_mlp_out.npy");
  const Tensor got = model(x);
  const double diff = got.sizes() == want.sizes() ? (got.to(kFloat64) - want.to(kFloat64)).abs().max().item() : 1e30;
  std::ostringstream msg;
  msg << file << ": wick output with torch weights matches torch (max abs diff " << diff << ")";
  check(diff <= 1e-5, msg.str());
}

void save_for_torch(const std::string& dir, const Tensor& x) {
  nn::Sequential model = mlp_model();
  model.train();
  {
    NoGradGuard no_grad;
    for (int i = 0; i < 3; ++i) model(randn({16, 20}) * 2.0 + 0.5);
  }
  model.eval();
  save_pytorch(model.state_dict(), dir + "/wick_mlp.pt");
  NoGradGuard no_grad;
  save_npy(model(x), dir + "/wick_mlp_out.npy");
  std::cout << "wrote wick_mlp.pt\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: pt_interop_main <dir with x.npy, torch_mlp.pt, torch_ckpt.pt, torch_mlp_out.npy>\n";
    return 2;
  }
  const std::string dir = argv[1];
  try {
    const Tensor x = load_npy(dir + "/x.npy");
    manual_seed(123);  // not PyTorch's init: only the loaded weights can make the outputs agree
    load_from_torch(dir, "torch_mlp.pt", "", x);
    load_from_torch(dir, "torch_ckpt.pt", "model_state_dict", x);
    manual_seed(7);
    save_for_torch(dir, x);
  } catch (const std::exception& e) {
    std::cout << "FAIL " << e.what() << "\n";
    return 1;
  }
  return failures == 0 ? 0 : 1;
}
