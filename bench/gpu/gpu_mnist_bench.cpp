// MNIST training on the GPU, the dataset resident on the device: softmax
// regression (5 epochs, SGD) and the MLP with BatchNorm and Dropout (3
// epochs, Adam), the same loops as bench/gpu/torch_mnist.py. Each step picks
// its batch with index_select on the device; the host waits on the GPU once
// per epoch (the loss's item()), never per step.
//
//   gpu_mnist_bench [DATA_DIR=data/mnist] [softmax|mlp|all] [DEVICE=cuda]
//
// Prints one line per task:
//   RESULT impl=wick task=softmax device=cuda:0 epochs=5 epoch_s=0.41,0.39,... total_s=2.0 accuracy=0.9213 peak_mib=12.3
#include <wick/wick.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

using namespace wick;
namespace F = nn::functional;

namespace {

struct Data {
  Tensor x_train, y_train, x_test, y_test;
};

Data load_mnist(const std::string& root, Device device) {
  data::MNIST train(root, data::Split::Train);
  data::MNIST test(root, data::Split::Test);
  auto prep = [&](const Tensor& images) { return ((images - 0.1307) / 0.3081).reshape({-1, 784}).to(device); };
  return {prep(train.images()), train.targets().to(device), prep(test.images()), test.targets().to(device)};
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void run(const char* task, nn::Module& model, optim::Optimizer& opt, int epochs, const Data& d, Device device) {
  constexpr int64_t kBatch = 128;
  const int64_t n = d.x_train.size(0);
  std::vector<double> epoch_s;
  if (device.is_cuda()) empty_cache(device);
  const auto t_total = std::chrono::steady_clock::now();
  for (int epoch = 0; epoch < epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    model.train();
    // One host-to-device copy per epoch: the shuffled order.
    Tensor perm = randperm(n).to(device);
    Tensor loss;
    for (int64_t i = 0; i < n; i += kBatch) {
      Tensor idx = perm.narrow(0, i, std::min(kBatch, n - i));
      Tensor x = d.x_train.index_select(0, idx), y = d.y_train.index_select(0, idx);
      loss = F::cross_entropy(model.forward(x), y);
      opt.zero_grad();
      loss.backward();
      opt.step();
    }
    loss.item();  // the one synchronization of the epoch
    epoch_s.push_back(seconds_since(t0));
  }
  const double total = seconds_since(t_total);
  model.eval();
  NoGradGuard no_grad;
  const double acc = model.forward(d.x_test).argmax(1).eq(d.y_test).to(kFloat32).mean().item();
  const double peak_mib = device.is_cuda() ? memory_stats(device).peak_allocated / (1024.0 * 1024.0) : 0;
  std::printf("RESULT impl=wick task=%s device=%s epochs=%d epoch_s=", task, device.str().c_str(), epochs);
  for (size_t i = 0; i < epoch_s.size(); ++i) std::printf("%s%.3f", i ? "," : "", epoch_s[i]);
  std::printf(" total_s=%.3f accuracy=%.4f peak_mib=%.1f\n", total, acc, peak_mib);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string root = argc > 1 ? argv[1] : "data/mnist";
  const std::string which = argc > 2 ? argv[2] : "all";
  const Device device = argc > 3 ? Device(argv[3]) : Device::cuda_if_available();
  try {
    check_device_available(device);
    const Data d = load_mnist(root, device);
    if (which == "softmax" || which == "all") {
      manual_seed(0);
      nn::Sequential model(nn::Linear(784, 10));
      model.to(device);
      optim::SGD opt(model.parameters(), {.lr = 0.1});
      run("softmax", model, opt, 5, d, device);
    }
    if (which == "mlp" || which == "all") {
      manual_seed(0);
      nn::Sequential model(nn::Linear(784, 256), nn::BatchNorm1d(256), nn::ReLU(), nn::Dropout(0.2),
                           nn::Linear(256, 10));
      model.to(device);
      optim::Adam opt(model.parameters(), {.lr = 1e-3});
      run("mlp_bn_dropout", model, opt, 3, d, device);
    }
  } catch (const Error& e) {
    std::cerr << "gpu_mnist_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
