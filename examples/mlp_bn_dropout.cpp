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
//   sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=3)  # stepped per epoch
//
// Why the cosine schedule: with a constant lr of 1e-3 the model ends its
// third epoch still taking large steps, and the test accuracy after 3 epochs
// sits just under 0.975 (seeds 0-4, the same recipe: PyTorch 1.13 0.9722 to
// 0.9760, mean 0.9745; wick 0.9729 to 0.9748, mean 0.9739). Decaying the lr
// to 0 over the 3 epochs settles the weights: wick 0.9744 to 0.9756, mean
// 0.9751 (PyTorch 0.9734 to 0.9760, mean 0.9749; wick's range measured before
// the dropout masks were vectorized on 2026-11-27 — seed 0 now gives 0.9757). The reference numbers come
// from tests/reference/mlp_reference.py [--schedule cosine] 0 1 2 3 4; run
// this program as `mlp_bn_dropout data/mnist SEED` to repeat wick's.
#include <wick/wick.h>

#include <iostream>

using namespace wick;

int main(int argc, char** argv) {
  std::string root = argc > 1 ? argv[1] : "data/mnist";
  manual_seed(argc > 2 ? std::stoull(argv[2]) : 0);  // mlp_bn_dropout [DATA_DIR] [SEED]
  data::MNIST train(root, data::Split::Train);
  data::MNIST test(root, data::Split::Test);
  auto normalize = [](const Tensor& t) { return (t - 0.1307) / 0.3081; };

  nn::Sequential model(nn::Flatten(), nn::Linear(784, 256), nn::BatchNorm1d(256), nn::ReLU(), nn::Dropout(0.2),
                       nn::Linear(256, 10));
  std::cout << model << "\n";
  optim::Adam opt(model.parameters(), {.lr = 1e-3});
  const int epochs = 3;
  optim::CosineAnnealingLR sched(opt, {.T_max = epochs});
  data::DataLoader loader(train, {.batch_size = 128, .shuffle = true});
  Tensor x_test = normalize(test.images());
  Tensor y_test = test.targets();

  double acc = 0;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    model.train();
    for (auto [x, y] : loader) {
      Tensor loss = nn::functional::cross_entropy(model(normalize(x)), y);
      opt.zero_grad();
      loss.backward();
      opt.step();
    }
    sched.step();
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
  // The nn issue's bar: 0.975 after 3 epochs (seed 0 gives 0.9757 here).
  return acc >= 0.975 && equal(c, d) ? 0 : 1;
}
