#pragma once
// optim::Optimizer: the base of SGD, Adam, AdamW and RMSprop, as torch.optim.Optimizer.
//
//   optim::SGD opt(model.parameters(), {.lr = 0.01, .momentum = 0.9});
//   opt.zero_grad(); loss.backward(); opt.step();
//
// The optimizer holds handles to the parameters. A handle shares its TensorImpl
// with the module, and Module::to(device / dtype) relocates that TensorImpl in
// place, so an optimizer built before a move keeps updating the same tensors;
// its state follows the parameter's device and dtype at the next step.
//
// One parameter group (PyTorch's param_groups[0]); the hyper-parameters live in
// the subclass's options(), which may be changed between steps.
//
// Speed: on the CPU each parameter is updated by one fused loop over
// contiguous float32/float64 data, with state allocated once on the first step
// (no allocation per step afterwards). Other devices, and non-contiguous
// parameters, take a fallback composed of tensor ops (the CUDA backend issue
// adds a fused kernel there).
//
// state_dict() is a TensorDict with PyTorch-like keys, so it can be saved with
// the safetensors checkpoint writer next to the model's:
//   "state.<i>.<name>"        per-parameter state (exp_avg, momentum_buffer, ...),
//                             sharing storage with the optimizer (like
//                             Module::state_dict); "state.<i>.step" is a 0-d
//                             tensor (float32 for Adam/AdamW, int64 for RMSprop,
//                             as PyTorch 1.13 stores them)
//   "param_groups.0.<hyper>"  every hyper-parameter as a 0-d float64 tensor
//                             (booleans as 0/1; Adam's betas as a [2] tensor)
//   "param_groups.0.params"   int64 [n]: the parameter indices 0..n-1
// Parameters that have never been stepped have no "state.<i>.*" keys.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "wick/tensor.h"
#include "wick/tensor_dict.h"

namespace wick::optim {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter that has a gradient (parameters whose
  // grad() is undefined are skipped, their state untouched). Runs without
  // recording autograd history; parameters change in place and their version
  // counters advance.
  void step();
  // set_to_none: grad() becomes undefined (PyTorch's default since 2.0 and the
  // cheaper choice); otherwise existing gradients are filled with zeros.
  void zero_grad(bool set_to_none = true);

  // The learning rate of the (single) parameter group: what schedules drive.
  double lr() const { return *lr_; }
  void set_lr(double lr);

  const std::vector<Tensor>& params() const { return params_; }
  // "SGD", "Adam", ... (used in error messages).
  const std::string& name() const { return name_; }

  TensorDict state_dict() const;
  // Replaces state and hyper-parameters with those in `state` (values are
  // copied into the optimizer's own tensors, on each parameter's device and
  // dtype). Everything is checked before anything changes: unknown keys,
  // indices beyond the parameter list, shapes that differ from the parameter,
  // and a parameter count that differs are all reported together.
  void load_state_dict(const TensorDict& state);

  // What OneCycleLR cycles: SGD's and RMSprop's momentum, Adam's beta1.
  virtual double momentum() const = 0;
  virtual void set_momentum(double momentum) = 0;

 protected:
  Optimizer(std::vector<Tensor> params, std::string name, double* lr, std::vector<std::string> state_names);

  // A hyper-parameter as it appears in the state_dict ("param_groups.0.<name>").
  struct Hyper {
    const char* name;
    double* number = nullptr;
    bool* flag = nullptr;
    std::pair<double, double>* pair = nullptr;
  };
  virtual std::vector<Hyper> hyper_params() = 0;
  // Throws a wick::Error naming the bad hyper-parameter and its valid range.
  virtual void validate() const = 0;
  // Updates parameter `index` given its gradient (same shape, dtype, device).
  virtual void update(size_t index, const Tensor& param, const Tensor& grad) = 0;
  // Optimizers that count steps per parameter (Adam, RMSprop) store it as
  // "state.<i>.step" in this dtype; kBool means "no step count" (SGD).
  virtual DType step_dtype() const { return kBool; }

  // state(i, k): state tensor number k (see state_names_) of parameter i;
  // undefined until the update first needs it.
  Tensor& state(size_t index, size_t k) { return state_[index * state_names_.size() + k]; }
  // state(i, k), allocated as zeros like the parameter when undefined.
  Tensor& zeros_state(size_t index, size_t k, const Tensor& param);
  // True when the fused CPU loop can run: the parameter is a contiguous
  // float32/float64 CPU tensor (gradient and state then are too, see step()).
  static bool fusable(const Tensor& param);

  std::vector<Tensor> params_;
  std::vector<int64_t> steps_;  // per-parameter step counts, 0 = no state yet

 private:
  // Schedules may set any value PyTorch's would (OneCycleLR's linear anneal
  // ends slightly below zero); users' set_lr() calls are checked.
  friend class LRScheduler;
  friend class ReduceLROnPlateau;
  void set_lr_unchecked(double lr) { *lr_ = lr; }
  // PyTorch's param_groups[0]["initial_lr"]: set by the first schedule built
  // on this optimizer (OneCycleLR: to max_lr / div_factor); every schedule's
  // base lr. Not in state_dict(): a resumed run rebuilds its schedules.
  std::optional<double> initial_lr_;

  std::string name_;
  double* lr_;
  std::vector<std::string> state_names_;
  std::vector<Tensor> state_;
};

}  // namespace wick::optim
