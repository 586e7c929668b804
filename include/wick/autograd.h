#pragma once
// Grad mode: a thread-local switch, as torch::NoGradGuard. Autograd records an
// op only when grad mode is on and some input requires grad.
#include <vector>

#include "wick/tensor.h"

namespace wick {

bool is_grad_enabled();
void set_grad_enabled(bool enabled);

// Disables gradient recording in this thread until it goes out of scope.
class NoGradGuard {
 public:
  NoGradGuard() : prev_(is_grad_enabled()) { set_grad_enabled(false); }
  ~NoGradGuard() { set_grad_enabled(prev_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

// Re-enables recording inside a NoGradGuard scope.
class EnableGradGuard {
 public:
  EnableGradGuard() : prev_(is_grad_enabled()) { set_grad_enabled(true); }
  ~EnableGradGuard() { set_grad_enabled(prev_); }
  EnableGradGuard(const EnableGradGuard&) = delete;
  EnableGradGuard& operator=(const EnableGradGuard&) = delete;

 private:
  bool prev_;
};

namespace autograd {
// Runs backward from several roots at once (grad_outputs may hold undefined
// tensors for scalar roots, meaning ones).
void backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_outputs = {},
              bool retain_graph = false);
// Returns d(outputs)/d(inputs) without touching .grad().
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, bool retain_graph = false);
}  // namespace autograd

}  // namespace wick
