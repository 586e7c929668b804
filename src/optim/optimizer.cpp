#include "wick/optim/optimizer.h"

#include <cmath>
#include <string>
#include <unordered_set>

#include "core/core.h"
#include "wick/autograd.h"
#include "wick/creation.h"

namespace wick::optim {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (size_t i = 0; i < items.size(); ++i) s += (i ? ", " : "") + items[i];
  return s;
}

// `t` on `like`'s device and dtype, contiguous, in storage of its own.
Tensor owned_copy_like(const Tensor& t, const Tensor& like) {
  Tensor moved = core::to_dtype(core::to_device(t, like.device()), like.dtype());
  return moved.is_same(t) ? core::clone(t) : core::contiguous(moved);
}

}  // namespace

Optimizer::Optimizer(std::vector<Tensor> params, std::string name, double* lr, std::vector<std::string> state_names)
    : params_(std::move(params)), name_(std::move(name)), lr_(lr), state_names_(std::move(state_names)) {
  WICK_CHECK(!params_.empty(), name_, ": got an empty parameter list; pass the parameters to optimize, e.g. ", name_,
             "(model.parameters(), ...) on a model that has parameters");
  std::unordered_set<const TensorImpl*> seen;
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor& p = params_[i];
    WICK_CHECK(p.defined(), name_, ": parameter ", i, " is an undefined tensor; pass initialized tensors");
    WICK_CHECK(is_floating(p.dtype()), name_, ": parameter ", i, " is ", p.describe(),
               "; only floating (float32/float64) tensors can be optimized");
    WICK_CHECK(p.is_leaf(), name_, ": parameter ", i, " (", p.describe(), ") is not a leaf tensor (it has grad_fn ",
               p.grad_fn_name(), "); optimize the leaf it was computed from, or pass x.detach().requires_grad_()");
    WICK_CHECK(seen.insert(p.impl().get()).second, name_, ": parameter ", i, " (", p.describe(),
               ") appears more than once in the parameter list; it would be updated twice per step");
  }
  steps_.assign(params_.size(), 0);
  state_.resize(params_.size() * state_names_.size());
}

void Optimizer::set_lr(double lr) {
  WICK_CHECK(lr >= 0, name_, ".set_lr: the learning rate must be >= 0, got ", lr);
  *lr_ = lr;
}

Tensor& Optimizer::zeros_state(size_t index, size_t k, const Tensor& param) {
  Tensor& s = state(index, k);
  if (!s.defined()) s = zeros(param.sizes(), {.dtype = param.dtype(), .device = param.device()});
  return s;
}

bool Optimizer::fusable(const Tensor& param) {
  return param.is_cpu() && param.is_contiguous();
}

void Optimizer::step() {
  NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor& p = params_[i];
    Tensor grad = p.grad();
    if (!grad.defined()) continue;
    WICK_CHECK(grad.sizes() == p.sizes() && grad.dtype() == p.dtype() && grad.device() == p.device(), name_,
               ".step: the gradient of parameter ", i, " is ", grad.describe(), " but the parameter is ",
               p.describe(), "; gradients must match their parameter");
    // State follows its parameter after Module::to(device / dtype).
    for (size_t k = 0; k < state_names_.size(); ++k) {
      Tensor& s = state(i, k);
      if (s.defined() && (s.device() != p.device() || s.dtype() != p.dtype())) s = owned_copy_like(s, p);
    }
    if (fusable(p) && !grad.is_contiguous()) grad = core::contiguous(grad);
    update(i, p, grad);
  }
}

void Optimizer::zero_grad(bool set_to_none) {
  NoGradGuard no_grad;
  for (const Tensor& p : params_) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    if (set_to_none) p.set_grad(Tensor());
    else g.zero_();
  }
}

TensorDict Optimizer::state_dict() const {
  TensorDict out;
  const DType step_type = step_dtype();
  for (size_t i = 0; i < params_.size(); ++i) {
    const std::string prefix = "state." + std::to_string(i) + ".";
    if (step_type != kBool && steps_[i] > 0)
      out.insert(prefix + "step", full({}, static_cast<double>(steps_[i]), {.dtype = step_type}));
    for (size_t k = 0; k < state_names_.size(); ++k) {
      const Tensor& s = state_[i * state_names_.size() + k];
      if (s.defined()) out.insert(prefix + state_names_[k], s.detach());
    }
  }
  for (const Hyper& h : const_cast<Optimizer*>(this)->hyper_params()) {
    const std::string key = std::string("param_groups.0.") + h.name;
    if (h.pair) out.insert(key, tensor({h.pair->first, h.pair->second}, {.dtype = kFloat64}));
    else out.insert(key, full({}, h.number ? *h.number : (*h.flag ? 1.0 : 0.0), {.dtype = kFloat64}));
  }
  out.insert("param_groups.0.params", arange(static_cast<double>(params_.size()), {.dtype = kInt64}));
  return out;
}

void Optimizer::load_state_dict(const TensorDict& sd) {
  const std::string op = name_ + ".load_state_dict";
  std::vector<std::string> unknown, problems;
  struct StateItem {
    size_t index;
    int k;  // -1: the step count
    Tensor value;
  };
  std::vector<StateItem> items;
  std::vector<std::pair<Hyper, Tensor>> hypers;
  std::vector<Hyper> known = hyper_params();
  bool saw_params = false;
  const DType step_type = step_dtype();

  for (const auto& [key, t] : sd) {
    if (!t.defined()) {
      problems.push_back(key + " is an undefined tensor");
      continue;
    }
    if (key.rfind("state.", 0) == 0) {
      const std::string rest = key.substr(6);
      const size_t dot = rest.find('.');
      size_t index = 0;
      bool ok = dot != std::string::npos && dot > 0;
      for (size_t c = 0; ok && c < dot; ++c) ok = std::isdigit(static_cast<unsigned char>(rest[c]));
      if (ok) index = std::stoul(rest.substr(0, dot));
      if (!ok) {
        unknown.push_back(key);
        continue;
      }
      if (index >= params_.size()) {
        problems.push_back(key + " refers to parameter " + std::to_string(index) + " but the optimizer has " +
                           std::to_string(params_.size()));
        continue;
      }
      const std::string field = rest.substr(dot + 1);
      if (field == "step" && step_type != kBool) {
        if (t.numel() != 1) problems.push_back(key + " must hold one number, got " + t.describe());
        else items.push_back({index, -1, t});
        continue;
      }
      int k = -1;
      for (size_t j = 0; j < state_names_.size(); ++j)
        if (state_names_[j] == field) k = static_cast<int>(j);
      if (k < 0) unknown.push_back(key);
      else if (t.sizes() != params_[index].sizes())
        problems.push_back(key + " is " + shape_str(t.sizes()) + " but parameter " + std::to_string(index) + " is " +
                           shape_str(params_[index].sizes()));
      else items.push_back({index, k, t});
    } else if (key.rfind("param_groups.0.", 0) == 0) {
      const std::string field = key.substr(15);
      if (field == "params") {
        saw_params = true;
        if (t.numel() != static_cast<int64_t>(params_.size()))
          problems.push_back("the saved parameter group holds " + std::to_string(t.numel()) +
                             " parameters but this optimizer has " + std::to_string(params_.size()));
        continue;
      }
      const Hyper* h = nullptr;
      for (const Hyper& c : known)
        if (field == c.name) h = &c;
      if (!h) unknown.push_back(key);
      else if (t.numel() != (h->pair ? 2 : 1))
        problems.push_back(key + " must hold " + (h->pair ? "2 numbers" : "one number") + ", got " + t.describe());
      else hypers.emplace_back(*h, t);
    } else {
      unknown.push_back(key);
    }
  }
  if (!unknown.empty())
    problems.push_back("unexpected key(s) " + join(unknown) + " (was this state saved from another optimizer, or "
                       "with more than one parameter group?)");
  if (!saw_params) problems.push_back("missing key param_groups.0.params");
  if (step_type != kBool) {
    std::vector<bool> has_step(params_.size()), has_state(params_.size());
    for (const StateItem& it : items) (it.k < 0 ? has_step : has_state)[it.index] = true;
    for (size_t i = 0; i < params_.size(); ++i)
      if (has_state[i] && !has_step[i]) problems.push_back("missing key state." + std::to_string(i) + ".step");
  }
  if (!problems.empty()) throw Error(op + ": cannot load this state: " + join(problems));

  // Hyper-parameters first, checked as a whole; restored if they are invalid.
  std::vector<double> saved;
  for (const Hyper& h : known) {
    saved.push_back(h.pair ? h.pair->first : h.number ? *h.number : *h.flag);
    saved.push_back(h.pair ? h.pair->second : 0);
  }
  for (auto& [h, t] : hypers) {
    std::vector<double> v = core::to_dtype(t.cpu(), kFloat64).contiguous().to_vector<double>();
    if (h.pair) *h.pair = {v[0], v[1]};
    else if (h.number) *h.number = v[0];
    else *h.flag = v[0] != 0;
  }
  try {
    validate();
  } catch (const Error& e) {
    for (size_t j = 0; j < known.size(); ++j) {
      const Hyper& h = known[j];
      if (h.pair) *h.pair = {saved[2 * j], saved[2 * j + 1]};
      else if (h.number) *h.number = saved[2 * j];
      else *h.flag = saved[2 * j] != 0;
    }
    throw Error(op + ": the saved hyper-parameters are invalid: " + e.what());
  }

  std::fill(steps_.begin(), steps_.end(), 0);
  for (Tensor& s : state_) s = Tensor();
  for (const StateItem& it : items) {
    if (it.k < 0) steps_[it.index] = static_cast<int64_t>(std::llround(it.value.item()));
    else state(it.index, static_cast<size_t>(it.k)) = owned_copy_like(it.value.detach(), params_[it.index]);
  }
}

}  // namespace wick::optim
