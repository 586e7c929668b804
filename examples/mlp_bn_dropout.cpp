// An MLP with BatchNorm and Dropout on MNIST, and why train() and eval()
// matter: in training, Dropout zeroes random units and BatchNorm normalizes
// with the batch's own statistics (and updates its running averages); in
// eval, Dropout is the identity and BatchNorm uses the running averages, so
// the same input always gives the same output.
//
// PyTorch:
//   model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.BatchNorm1d(256),
//                         nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 10))
//   opt = torch.optim.Adam(model.parameters(), lr=1e-3)
#include <wick/wick.h>

#include <iostream>

using namespace wick;

int main(int argc, char** argv) {
  std::string root = argc > 1 ? argv[1] : "data/mnist";
  manual_seed(0);
  data::MNIST train(root, data::Split::Train);
  data::MNIST test(root, data::Split::Test);
  auto normalize = [](const Tensor& t) { return (t - 0.1307) / 0.3081; };

  nn::Sequential model(nn::Flatten(), nn::Linear(784, 256), nn::BatchNorm1d(256), nn::ReLU(), nn::Dropout(0.2),
                       nn::Linear(256, 10));
  std::cout << model << "\n";
  optim::Adam opt(model.parameters(), {.lr = 1e-3});
  data::DataLoader loader(train, {.batch_size = 128, .shuffle = true});
  Tensor x_test = normalize(test.images());
  Tensor y_test = test.targets();

  double acc = 0;
  for (int epoch = 1; epoch <= 3; ++epoch) {
    model.train();
    for (auto [x, y] : loader) {
      Tensor loss = nn::functional::cross_entropy(model(normalize(x)), y);
      opt.zero_grad();
      loss.backward();
      opt.step();
    }
    model.eval();
    NoGradGuard no_grad;
    auto [values, predicted] = model(x_test).max(1);
    acc = predicted.eq(y_test).to(kFloat32).mean().item();
    std::cout << "epoch " << epoch << " test accuracy " << acc << "\n";
  }

  // The same 8 test images, three times.
  NoGradGuard no_grad;
  Tensor x = x_test.slice(0, 0, 8);
  model.train();
  Tensor a = model(x), b = model(x);  // different dropout masks, batch statistics
  model.eval();
  Tensor c = model(x), d = model(x);  // deterministic
  std::cout << "train mode, two passes differ by " << (a - b).abs().max().item() << "\n"
            << "eval mode, two passes differ by " << (c - d).abs().max().item() << "\n"
            << "train vs eval differ by " << (a - c).abs().max().item() << "\n";
  // (Running the train-mode passes also moved BatchNorm's running averages a
  // little: evaluate before such experiments, or clone the model first.)
  // PyTorch 1.13 with this exact setup reaches 0.972 (seed 0) and 0.974
  // (seed 1) after 3 epochs (tests/reference/mlp_reference.py): 0.97 is the
  // honest bar for "trained like PyTorch"; 0.975 is seed luck at 3 epochs.
  return acc >= 0.97 && equal(c, d) ? 0 : 1;
}
