// SequentialLR and ChainedScheduler, as PyTorch 1.13's (lr_scheduler.py).
#include "wick/optim/schedule_sequential.h"

#include <algorithm>
#include <string>

#include "schedule_state.h"
#include "wick/creation.h"
#include "wick/error.h"

namespace wick::optim {

namespace {

constexpr const char* kChildPrefix = "_schedulers.";

void check_children(const char* name, const Optimizer& opt, const std::vector<std::shared_ptr<LRScheduler>>& s) {
  WICK_CHECK(!s.empty(), name, ": schedulers is empty; give at least one schedule");
  for (size_t i = 0; i < s.size(); ++i) {
    WICK_CHECK(s[i] != nullptr, name, ": schedulers[", i, "] is null");
    WICK_CHECK(&s[i]->optimizer() == &opt, name, ": schedulers[", i, "] drives another optimizer (an ",
               s[i]->optimizer().name(), " other than the ", opt.name(), " ",
               std::string(name) == "SequentialLR" ? "given to SequentialLR" : "of schedulers[0]",
               "); build every schedule on the same optimizer");
  }
}

Optimizer& first_optimizer(const std::vector<std::shared_ptr<LRScheduler>>& s) {
  WICK_CHECK(!s.empty() && s[0] != nullptr, "ChainedScheduler: schedulers is empty; give at least one schedule");
  return s[0]->optimizer();
}

// The state of each inner schedule ("_schedulers.<i>.<key>") and the rest.
struct SplitState {
  TensorDict own;
  std::vector<TensorDict> children;
};

SplitState split_state(const std::string& op, const TensorDict& sd, size_t n) {
  SplitState out;
  out.children.resize(n);
  std::vector<std::string> problems;
  for (const auto& [key, t] : sd) {
    if (key.rfind(kChildPrefix, 0) != 0) {
      out.own.insert(key, t);
      continue;
    }
    const std::string rest = key.substr(std::string(kChildPrefix).size());
    const size_t dot = rest.find('.');
    size_t idx = n;
    if (dot != std::string::npos && dot > 0 && rest.find_first_not_of("0123456789") == dot && dot < 10)
      idx = std::stoul(rest.substr(0, dot));
    if (idx >= n) {
      problems.push_back("unexpected key " + key);
      continue;
    }
    out.children[idx].insert(rest.substr(dot + 1), t);
  }
  for (size_t i = 0; i < n; ++i)
    if (out.children[i].empty()) problems.push_back("no state for _schedulers." + std::to_string(i));
  if (!problems.empty()) {
    std::string msg = op + ": cannot load this state (was it saved from another scheduler?): ";
    for (size_t i = 0; i < problems.size(); ++i) msg += (i ? ", " : "") + problems[i];
    throw Error(msg);
  }
  return out;
}

// Loads every inner schedule's state, or none: a failure puts back the ones
// already loaded.
void load_children(const std::vector<std::shared_ptr<LRScheduler>>& s, const std::vector<TensorDict>& states) {
  std::vector<TensorDict> before;
  for (const auto& c : s) before.push_back(c->state_dict());
  size_t i = 0;
  try {
    for (; i < s.size(); ++i) s[i]->load_state_dict(states[i]);
  } catch (...) {
    for (size_t j = 0; j < i; ++j) s[j]->load_state_dict(before[j]);
    throw;
  }
}

void add_children(TensorDict& out, const std::vector<std::shared_ptr<LRScheduler>>& s) {
  for (size_t i = 0; i < s.size(); ++i)
    for (const auto& [k, v] : s[i]->state_dict()) out.insert(kChildPrefix + std::to_string(i) + "." + k, v);
}

}  // namespace

// --------------------------------------------------------------- SequentialLR

SequentialLR::SequentialLR(Optimizer& opt, std::vector<std::shared_ptr<LRScheduler>> schedulers,
                           std::vector<int64_t> milestones)
    : LRScheduler(opt, "SequentialLR"), schedulers_(std::move(schedulers)), milestones_(std::move(milestones)) {
  check_children("SequentialLR", opt_, schedulers_);
  WICK_CHECK(milestones_.size() + 1 == schedulers_.size(), "SequentialLR: milestones must hold ",
             schedulers_.size() - 1, " epochs for ", schedulers_.size(),
             " schedulers (one fewer: the epoch at which each next one takes over), got ", milestones_.size());
  for (size_t i = 0; i < milestones_.size(); ++i) {
    WICK_CHECK(milestones_[i] > 0, "SequentialLR: milestones must be epochs > 0, got ", milestones_[i], " at index ",
               i);
    WICK_CHECK(i == 0 || milestones_[i] > milestones_[i - 1], "SequentialLR: milestones must be strictly increasing, got ",
               milestones_[i - 1], " then ", milestones_[i], " at index ", i);
  }
  last_epoch_ = 0;
  set_optimizer_lr(initial_lr());
  for (const auto& s : schedulers_) --s->last_epoch_;
  // PyTorch's _initial_step() again (its base_lrs stay as built).
  schedulers_[0]->step_count_ = 0;
  schedulers_[0]->step();
  last_lr_ = schedulers_[0]->last_lr_;
}

void SequentialLR::step() {
  ++last_epoch_;
  const auto idx = std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin();
  LRScheduler& s = *schedulers_[static_cast<size_t>(idx)];
  // PyTorch 1.13 restarts the next schedule with the deprecated step(0).
  if (idx > 0 && milestones_[static_cast<size_t>(idx) - 1] == last_epoch_)
    s.step(0);
  else
    s.step();
  last_lr_ = s.last_lr_;
}

void SequentialLR::step_to(int64_t epoch) {
  throw Error("SequentialLR: step(" + std::to_string(epoch) +
              ") is not supported (PyTorch's SequentialLR.step takes no epoch); call step()");
}

TensorDict SequentialLR::state_dict() const {
  TensorDict out;
  out.insert("last_epoch", detail::state_scalar(static_cast<double>(last_epoch_)));
  out.insert("_last_lr", tensor({last_lr_}, {.dtype = kFloat64}));
  add_children(out, schedulers_);
  return out;
}

void SequentialLR::load_state_dict(const TensorDict& sd) {
  const std::string op = name_ + ".load_state_dict";
  SplitState parts = split_state(op, sd, schedulers_.size());
  double last_epoch = 0, last_lr = 0;
  detail::load_fields(op, parts.own, {{"last_epoch", &last_epoch}, {"_last_lr", &last_lr}});
  load_children(schedulers_, parts.children);
  last_epoch_ = static_cast<int64_t>(last_epoch);
  last_lr_ = last_lr;
}

// ----------------------------------------------------------- ChainedScheduler

ChainedScheduler::ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers)
    : LRScheduler(first_optimizer(schedulers), "ChainedScheduler"), schedulers_(std::move(schedulers)) {
  check_children("ChainedScheduler", opt_, schedulers_);
  last_epoch_ = 0;
  last_lr_ = opt_.lr();
}

void ChainedScheduler::step() {
  for (const auto& s : schedulers_) s->step();
  ++last_epoch_;
  last_lr_ = opt_.lr();
}

void ChainedScheduler::step_to(int64_t epoch) {
  throw Error("ChainedScheduler: step(" + std::to_string(epoch) +
              ") is not supported (PyTorch's ChainedScheduler.step takes no epoch); call step()");
}

TensorDict ChainedScheduler::state_dict() const {
  TensorDict out;
  out.insert("_last_lr", tensor({last_lr_}, {.dtype = kFloat64}));
  add_children(out, schedulers_);
  return out;
}

void ChainedScheduler::load_state_dict(const TensorDict& sd) {
  const std::string op = name_ + ".load_state_dict";
  SplitState parts = split_state(op, sd, schedulers_.size());
  double last_lr = 0;
  detail::load_fields(op, parts.own, {{"_last_lr", &last_lr}});
  load_children(schedulers_, parts.children);
  last_lr_ = last_lr;
  last_epoch_ = schedulers_[0]->last_epoch();
}

}  // namespace wick::optim
