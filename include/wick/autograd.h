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

// Anomaly detection, as torch.autograd.detect_anomaly: while a guard is alive
// in this thread, backward checks the gradients each node returns and throws
// a wick::Error at the first NaN or Inf, naming the node ("LogBackward"), the
// forward op it belongs to and the shapes of its gradients. Off by default:
// the engine reads the switch once per backward() call, so it costs nothing
// per node when off; when on, each gradient is scanned (slow, for debugging).
//
//   { wick::detect_anomaly guard; loss.backward(); }
bool is_anomaly_enabled();
void set_anomaly_enabled(bool enabled);

class DetectAnomalyGuard {
 public:
  DetectAnomalyGuard() : prev_(is_anomaly_enabled()) { set_anomaly_enabled(true); }
  ~DetectAnomalyGuard() { set_anomaly_enabled(prev_); }
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool prev_;
};
// PyTorch's spelling: `wick::detect_anomaly guard;`.
using detect_anomaly = DetectAnomalyGuard;

namespace autograd {
// Runs backward from several roots at once (grad_outputs may hold undefined
// tensors for scalar roots, meaning ones).
void backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_outputs = {},
              bool retain_graph = false);
// Returns d(outputs)/d(inputs) without touching .grad(). An input the outputs
// do not depend on gets zeros (PyTorch raises unless allow_unused=True, and
// then returns None; zeros is what materialize_grads=True gives there).
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, bool retain_graph = false);
}  // namespace autograd

}  // namespace wick
