// A short tour of wick's tensors and autograd, for PyTorch users.
// Run it as build/demo_tensors after a build. Each section prints the
// PyTorch line it mirrors, then what wick does with it.
#include <wick/wick.h>

#include <cstdio>
#include <iostream>

using namespace wick;

namespace {
void section(const char* title) { std::cout << "\n== " << title << " ==\n"; }
}  // namespace

int main() {
  manual_seed(42);  // torch.manual_seed(42): every run prints the same numbers

  section("Devices");
  // device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
  Device device = Device::cuda_if_available();
  std::cout << "cuda::is_available() = " << std::boolalpha << cuda::is_available()
            << ", so the device is " << device << "\n";
  Tensor x = randn({2, 3}, {.device = device});
  std::cout << "x = randn({2, 3}) on " << x.device() << ": " << x.describe() << "\n";
  // Asking for a device this build cannot use is an error that says why.
  for (const char* name : {"cuda", "mps"}) {
    try {
      Tensor y = x.to(name);
      std::cout << "x.to(\"" << name << "\") worked: " << y.describe() << "\n";
    } catch (const Error& e) {
      std::cout << "x.to(\"" << name << "\") -> wick::Error: " << e.what() << "\n";
    }
  }

  section("to() returns a new tensor");
  // The PyTorch pitfall: t.to(...) does not change t.
  Tensor d = x.to(kFloat64);
  std::cout << "d = x.to(kFloat64): d is " << dtype_name(d.dtype()) << ", x is still "
            << dtype_name(x.dtype()) << "\n";

  section("Broadcasting");
  Tensor col = arange(3, {.dtype = kFloat32}).reshape({3, 1});  // [3, 1]
  Tensor row = tensor({10.0, 20.0, 30.0, 40.0});                // [4]
  Tensor grid = col + row;                                       // [3, 4]
  std::cout << "arange(3).reshape({3, 1}) + tensor({10, 20, 30, 40}) has shape "
            << grid.sizes() << ":\n" << grid << "\n";

  section("mul vs mm vs matmul");
  Tensor a = tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});  // [2, 3]
  Tensor b = tensor({{1.0, 0.0, -1.0}, {2.0, 1.0, 0.0}});  // [2, 3]
  std::cout << "a = " << a << "\nb = " << b << "\n";
  std::cout << "mul(a, b), elementwise, shape " << mul(a, b).sizes() << ":\n" << mul(a, b) << "\n";
  std::cout << "mm(a, b.t()), matrix product, shape " << mm(a, b.t()).sizes() << ":\n"
            << mm(a, b.t()) << "\n";
  try {
    mm(a, b);  // [2, 3] @ [2, 3]: inner sizes differ
  } catch (const Error& e) {
    std::cout << "mm(a, b) -> wick::Error: " << e.what() << "\n";
  }
  Tensor batch = randn({5, 2, 3});
  std::cout << "matmul(randn({5, 2, 3}), b.t()) broadcasts over the batch: shape "
            << matmul(batch, b.t()).sizes() << "\n";
  std::cout << "matmul(a, tensor({1, 1, 1})) is a matrix-vector product: "
            << matmul(a, tensor({1.0, 1.0, 1.0})) << "\n";

  section("max(1): values and indices");
  // _, predicted = torch.max(outputs, 1)
  Tensor logits = tensor({{0.1, 2.0, -1.0}, {3.0, 0.5, 0.2}, {-0.3, 0.0, 0.4}});
  auto [values, indices] = logits.max(1);
  std::cout << "logits =\n" << logits << "\nvalues = " << values << "\nindices = " << indices
            << " (" << dtype_name(indices.dtype()) << ")\n";

  section("Autograd: fit y = 3x + 2 by gradient descent");
  Tensor xs = randn({100, 1});
  Tensor ys = xs * 3.0 + 2.0 + randn({100, 1}) * 0.1;  // a little noise
  Tensor w = zeros({1}, {.requires_grad = true});
  Tensor bias = zeros({1}, {.requires_grad = true});
  const double lr = 0.05;
  for (int step = 0; step <= 50; ++step) {
    Tensor pred = xs * w + bias;             // [100, 1] * [1] broadcasts
    Tensor loss = (pred - ys).pow(2).mean();  // MSE
    loss.backward();
    {
      NoGradGuard no_grad;  // with torch.no_grad(): the update is not recorded
      w.sub_(w.grad(), lr);
      bias.sub_(bias.grad(), lr);
      w.grad().zero_();
      bias.grad().zero_();
    }
    if (step % 5 == 0) std::printf("step %2d  loss %.5f\n", step, loss.item());
  }
  // .item() turns a one-element tensor into a double.
  std::printf("learned w = %.3f (true 3), b = %.3f (true 2)\n", w.item(), bias.item());

  try {
    xs.item();
  } catch (const Error& e) {
    std::cout << "xs.item() on 100 elements -> wick::Error: " << e.what() << "\n";
  }
  return 0;
}
