// Nonlinear regression: an MLP with Tanh learns y = sin(x) on [-pi, pi],
// the first curve fit of many PyTorch tutorials. Then `topk` finds where the
// fit is worst.
//
// PyTorch:
//   x = torch.linspace(-math.pi, math.pi, 1000).unsqueeze(1); y = torch.sin(x)
//   model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1))
//   opt = torch.optim.Adam(model.parameters(), lr=1e-2)
//   for step in range(1000):
//       loss = F.mse_loss(model(x), y); opt.zero_grad(); loss.backward(); opt.step()
//   err = (model(xt) - torch.sin(xt)).abs().squeeze(1); worst = err.topk(3)
//
// The bar, test MSE below 1e-3, comes from that recipe in PyTorch 1.13
// (tests/reference/sine_regression.py): seeds 0-2 gave 1.4e-6, 6.6e-6 and
// 2.8e-4 (Adam at 1e-2 sometimes ends on a spike).
#include <wick/wick.h>

#include <cmath>
#include <iostream>
#include <numbers>

using namespace wick;

int main() {
  manual_seed(0);
  const double pi = std::numbers::pi;
  Tensor x = linspace(-pi, pi, 1000).unsqueeze(1);  // [1000, 1]
  Tensor y = sin(x);

  nn::Sequential model;
  model.push_back(nn::Linear(1, 32)).push_back(nn::Tanh()).push_back(nn::Linear(32, 32)).push_back(nn::Tanh());
  model.push_back(nn::Linear(32, 1));
  optim::Adam opt(model.parameters(), {.lr = 1e-2});
  for (int step = 0; step < 1000; ++step) {
    Tensor loss = nn::functional::mse_loss(model(x), y);
    opt.zero_grad();
    loss.backward();
    opt.step();
    if (step % 200 == 0) std::cout << "step " << step << " loss " << loss.item() << "\n";
  }

  // Held-out points, uniform on [-pi, pi].
  NoGradGuard no_grad;
  Tensor xt = rand({500, 1}) * (2 * pi) - pi;
  Tensor pred = model(xt);
  const double mse = nn::functional::mse_loss(pred, sin(xt)).item();
  std::cout << "test MSE against sin(x): " << mse << " (bar 1e-3)\n";
  auto [err, where] = (pred - sin(xt)).abs().squeeze(1).topk(3);
  for (int64_t i = 0; i < 3; ++i) {
    const int64_t k = where[i].item<int64_t>();
    std::cout << "  worst " << i + 1 << ": x = " << xt[k][0].item() << ", |error| = " << err[i].item() << "\n";
  }
  return mse < 1e-3 ? 0 : 1;
}
