// The seed notes' tour, in C++: multinomial logistic regression on MNIST with
// devices, train/eval, max(dim) predictions, deep copies, host edits and
// checkpoints. This program is the nn issue's contract: it compiles unchanged.
#include <wick/wick.h>
#include <iostream>
using namespace wick;

int main(int argc, char** argv) {
  std::string root = argc > 1 ? argv[1] : "data/mnist";
  manual_seed(0);
  Device device = Device::cuda_if_available();          // model and tensors must share a device

  data::MNIST train(root, data::Split::Train);           // images float32 [N,1,28,28] in [0,1]
  data::MNIST test(root, data::Split::Test);             // targets int64 [N]
  auto normalize = [](const Tensor& t) { return (t - 0.1307) / 0.3081; };

  nn::Sequential model(nn::Flatten(), nn::Linear(784, 10));   // multinomial logistic regression
  model.to(device);                                      // modules move in place
  std::cout << nn::summary(model, {1, 28, 28});          // Keras-style table, 7,850 parameters

  optim::SGD opt(model.parameters(), {.lr = 0.01, .momentum = 0.9});
  data::DataLoader loader(train, {.batch_size = 128, .shuffle = true});
  Tensor x_test = normalize(test.images()).to(device);   // tensors move by copy: keep the result
  Tensor y_test = test.targets().to(device);

  double acc = 0;
  for (int epoch = 1; epoch <= 5; ++epoch) {
    model.train();
    for (auto [x, y] : loader) {
      Tensor loss = nn::functional::cross_entropy(model(normalize(x).to(device)), y.to(device));
      opt.zero_grad();
      loss.backward();
      opt.step();
    }
    model.eval();
    NoGradGuard no_grad;
    auto [values, predicted] = model(x_test).max(1);
    acc = (predicted == y_test).to(kFloat32).mean().item();
    std::cout << "epoch " << epoch << " test accuracy " << acc << "\n";
  }

  nn::Sequential copy = model.clone();                   // deep copy: independent parameters
  Tensor w = copy.named_parameters().at("1.weight");
  Tensor host = w.detach().cpu();                        // edit on the host ...
  host.mul_(0.5);
  { NoGradGuard g; w.copy_(host); }                      // ... and copy back to the device
  save(model.state_dict(), "softmax.safetensors");
  model.load_state_dict(load("softmax.safetensors"));
  return acc >= 0.92 ? 0 : 1;
}
