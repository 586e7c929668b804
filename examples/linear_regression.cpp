// Linear regression with autograd and SGD: recovers the slope and intercept
// of y = 3x + 2 + noise.
//
// PyTorch:
//   model = nn.Linear(1, 1); opt = torch.optim.SGD(model.parameters(), lr=0.1)
//   for step in range(200):
//       loss = F.mse_loss(model(x), y); opt.zero_grad(); loss.backward(); opt.step()
#include <wick/wick.h>

#include <cmath>
#include <iostream>

using namespace wick;

int main() {
  manual_seed(0);
  Tensor x = rand({256, 1}) * 2 - 1;
  Tensor y = x * 3 + 2 + randn({256, 1}) * 0.1;

  nn::Linear model(1, 1);
  optim::SGD opt(model.parameters(), {.lr = 0.1});
  for (int step = 0; step < 200; ++step) {
    Tensor loss = nn::functional::mse_loss(model(x), y);
    opt.zero_grad();
    loss.backward();
    opt.step();
    if (step % 50 == 0) std::cout << "step " << step << " loss " << loss.item() << "\n";
  }
  double slope = model.weight.item(), intercept = model.bias.item();
  std::cout << "slope " << slope << " (true 3), intercept " << intercept << " (true 2)\n";
  return std::abs(slope - 3) < 0.05 && std::abs(intercept - 2) < 0.05 ? 0 : 1;
}
