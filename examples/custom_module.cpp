// A user-defined module: its own parameters, a buffer and child modules, with
// everything nn::Module gives — parameters(), state_dict(), train()/eval(),
// to(device) in place, and deep copies — and no reset() to write.
//
// PyTorch:
//   class Scaled(nn.Module):
//       def __init__(self):
//           super().__init__()
//           self.fc1, self.fc2 = nn.Linear(4, 8), nn.Linear(8, 2)
//           self.scale = nn.Parameter(torch.ones(2))
//           self.register_buffer("calls", torch.zeros(()))
//       def forward(self, x):
//           self.calls += 1
//           return self.fc2(torch.relu(self.fc1(x))) * self.scale
#include <wick/wick.h>

#include <iostream>

using namespace wick;

struct Scaled : nn::Module {
  nn::Linear fc1{4, 8}, fc2{8, 2};
  Tensor scale = ones({2});
  Tensor calls = zeros({});

  Scaled() {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
    register_parameter("scale", scale);
    register_buffer("calls", calls);
  }

  Tensor forward(const Tensor& x) override {
    {
      NoGradGuard g;  // bookkeeping, not part of the graph
      calls.add_(1);
    }
    return fc2(relu(fc1(x))) * scale;
  }
};

int main() {
  manual_seed(0);
  Scaled net;
  std::cout << net << "\n";
  for (auto& [name, p] : net.named_parameters()) std::cout << "  " << name << " " << shape_str(p.sizes()) << "\n";

  Scaled copy = net;  // deep: copy's parameters and buffers are its own
  Tensor x = randn({3, 4});
  Tensor loss = net(x).pow(2).mean();
  loss.backward();
  {
    NoGradGuard g;
    for (Tensor& p : net.parameters()) p.sub_(p.grad() * 0.1);
  }
  std::cout << "after one step on the original:\n"
            << "  fc1.weight equal in copy? " << (equal(net.fc1.weight, copy.fc1.weight) ? "yes" : "no") << "\n"
            << "  calls: original " << net.calls.item() << ", copy " << copy.calls.item() << "\n";

  // state_dict keys in PyTorch's order (own tensors first): scale, calls, fc1.weight, fc1.bias, fc2.weight, fc2.bias.
  for (auto& [name, t] : net.state_dict()) std::cout << "  state_dict: " << name << "\n";
  copy.load_state_dict(net.state_dict());
  std::cout << "after load_state_dict: fc1.weight equal? " << (equal(net.fc1.weight, copy.fc1.weight) ? "yes" : "no")
            << "\n";
  return equal(net.fc1.weight, copy.fc1.weight) ? 0 : 1;
}
