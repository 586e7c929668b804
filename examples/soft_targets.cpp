// Soft targets: knowledge distillation with a temperature. A teacher's
// softened probabilities train a student through KL divergence; the same
// student can also take probability targets directly in cross_entropy.
//
// PyTorch:
//   T = 4.0
//   soft = F.softmax(teacher(x) / T, dim=1)
//   loss = F.kl_div(F.log_softmax(student(x) / T, dim=1), soft, reduction="batchmean") * T * T
//   # or: F.cross_entropy(student(x) / T, soft) * T * T   (differs by the constant entropy of soft)
#include <wick/wick.h>

#include <iostream>

using namespace wick;
namespace F = wick::nn::functional;

namespace {
double accuracy(nn::Module& model, const Tensor& x, const Tensor& y) {
  model.eval();
  NoGradGuard g;
  auto [v, predicted] = model(x).max(1);
  return predicted.eq(y).to(kFloat32).mean().item();
}
}  // namespace

int main(int argc, char** argv) {
  std::string root = argc > 1 ? argv[1] : "data/mnist";
  manual_seed(0);
  data::MNIST train(root, data::Split::Train);
  data::MNIST test(root, data::Split::Test);
  auto normalize = [](const Tensor& t) { return (t - 0.1307) / 0.3081; };
  Tensor x_test = normalize(test.images());
  Tensor y_test = test.targets();
  data::DataLoader loader(train, {.batch_size = 128, .shuffle = true});

  // Teacher: an MLP trained on the hard labels.
  nn::Sequential teacher(nn::Flatten(), nn::Linear(784, 256), nn::ReLU(), nn::Linear(256, 10));
  optim::Adam t_opt(teacher.parameters(), {.lr = 1e-3});
  teacher.train();
  for (auto [x, y] : loader) {
    Tensor loss = F::cross_entropy(teacher(normalize(x)), y);
    t_opt.zero_grad();
    loss.backward();
    t_opt.step();
  }
  std::cout << "teacher test accuracy " << accuracy(teacher, x_test, y_test) << "\n";

  // Student: softmax regression trained only on the teacher's soft targets.
  const double T = 4.0;
  teacher.eval();
  nn::Sequential student(nn::Flatten(), nn::Linear(784, 10));
  optim::SGD s_opt(student.parameters(), {.lr = 0.01, .momentum = 0.9});
  student.train();
  for (auto [x, y] : loader) {
    Tensor xn = normalize(x);
    Tensor soft;
    {
      NoGradGuard g;
      soft = F::softmax(teacher(xn) / T, 1);
    }
    Tensor logits = student(xn) / T;
    Tensor loss = F::kl_div(F::log_softmax(logits, 1), soft, {.reduction = "batchmean"}) * (T * T);
    s_opt.zero_grad();
    loss.backward();
    s_opt.step();
  }
  double student_acc = accuracy(student, x_test, y_test);
  std::cout << "student (soft targets only) test accuracy " << student_acc << "\n";

  // cross_entropy with probability targets has the same gradient as the KL form.
  Tensor xb = x_test.slice(0, 0, 64);
  Tensor soft = F::softmax(teacher(xb) / T, 1).detach();
  Tensor z = student(xb).detach().requires_grad_();
  Tensor kl = F::kl_div(F::log_softmax(z / T, 1), soft, {.reduction = "batchmean"});
  Tensor ce = F::cross_entropy(z / T, soft);
  Tensor g_kl = autograd::grad({kl}, {z})[0], g_ce = autograd::grad({ce}, {z})[0];
  std::cout << "KL and soft cross-entropy gradients agree: " << (allclose(g_kl, g_ce, 1e-4, 1e-6) ? "yes" : "no")
            << "\n";
  return student_acc >= 0.88 && allclose(g_kl, g_ce, 1e-4, 1e-6) ? 0 : 1;
}
