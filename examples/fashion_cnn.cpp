// A compact modern CNN on Fashion-MNIST, with the pieces PyTorch code of the
// last few years uses: padding="same", a depthwise-separable block (a
// grouped 3x3 convolution, one filter per channel, then a 1x1 convolution),
// BatchNorm2d, Dropout2d, a global average pool instead of a wide Linear
// head, and random crops and flips of each training batch.
//
// PyTorch:
//   model = nn.Sequential(
//       nn.Conv2d(1, 16, 3, padding="same"), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),  # [N, 16, 14, 14]
//       nn.Conv2d(16, 16, 3, padding="same", groups=16), nn.Conv2d(16, 32, 1),                # depthwise, pointwise
//       nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),                                        # [N, 32, 7, 7]
//       nn.Dropout2d(0.1),
//       nn.Conv2d(32, 64, 3, padding="same"), nn.BatchNorm2d(64), nn.ReLU(),
//       nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))                             # [N, 64, 1, 1] -> 10
//   augment = T.Compose([T.RandomCrop(28, padding=2), T.RandomHorizontalFlip()])  # before Normalize
//   opt = torch.optim.Adam(model.parameters(), lr=3e-3)
//
// The batches here are normalized first, so the crop pads with the value
// black becomes, (0 - mean) / std, which is what torchvision's pad-then-
// normalize gives. tests/reference/fashion_cnn.py trains the same recipe in
// PyTorch for the bar below.
#include <wick/wick.h>

#include <chrono>
#include <iostream>

using namespace wick;

int main(int argc, char** argv) {
  std::string root = argc > 1 ? argv[1] : "data/fashion-mnist";
  manual_seed(argc > 2 ? std::stoull(argv[2]) : 0);  // fashion_cnn [DATA_DIR] [SEED]
  constexpr double kMean = 0.2860, kStd = 0.3530;  // Fashion-MNIST's training pixels
  data::FashionMNIST train(root, data::Split::Train, {.keep_uint8 = true, .mean = kMean, .std = kStd});
  data::FashionMNIST test(root, data::Split::Test);

  nn::Sequential model(nn::Conv2d(1, 16, 3, {.padding = "same"}), nn::BatchNorm2d(16), nn::ReLU(), nn::MaxPool2d(2),
                       nn::Conv2d(16, 16, 3, {.padding = "same", .groups = 16}), nn::Conv2d(16, 32, 1),
                       nn::BatchNorm2d(32), nn::ReLU(), nn::MaxPool2d(2),  //
                       nn::Dropout2d(0.1),                                 //
                       nn::Conv2d(32, 64, 3, {.padding = "same"}), nn::BatchNorm2d(64), nn::ReLU(),
                       nn::AdaptiveAvgPool2d(1), nn::Flatten(), nn::Linear(64, 10));
  std::cout << nn::summary(model, {1, 28, 28}) << "\n";

  const data::Transform augment = data::Compose(
      {data::RandomCrop(28, {.padding = 2, .fill = {-kMean / kStd}}), data::RandomHorizontalFlip()});
  data::DataLoader loader(train, {.batch_size = 128, .shuffle = true, .transform = augment});
  optim::Adam opt(model.parameters(), {.lr = 3e-3});

  const auto start = std::chrono::steady_clock::now();
  model.train();
  for (auto [x, y] : loader) {  // x: [128, 1, 28, 28], normalized, cropped, flipped
    Tensor loss = nn::functional::cross_entropy(model(x), y);
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  model.eval();  // BatchNorm's running statistics, no Dropout2d
  NoGradGuard no_grad;
  const Tensor images = (test.images() - kMean) / kStd, labels = test.targets();
  int64_t correct = 0;
  for (int64_t i = 0; i < test.size(); i += 1000) {
    const int64_t n = std::min<int64_t>(1000, test.size() - i);
    auto [values, predicted] = model(images.narrow(0, i, n)).max(1);
    correct += predicted.eq(labels.narrow(0, i, n)).sum().item<int64_t>();
  }
  const double acc = static_cast<double>(correct) / static_cast<double>(test.size());
  std::cout << "1 epoch in " << seconds << " s, test accuracy " << acc << "\n";
  // The bar: 0.70. One epoch of this recipe is noisy, in PyTorch too
  // (tests/reference/fashion_cnn.py, seeds 0-2: 0.7826, 0.7213, 0.7749 in
  // 17-19 s; wick seeds 0-2: 0.7912, 0.7812, 0.7924 in 9-10 s, 2 threads of
  // the 2-core dev VM, 2026-11-28).
  return acc >= 0.70 ? 0 : 1;
}
