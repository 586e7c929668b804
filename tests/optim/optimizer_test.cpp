// Optimizer behaviour beyond the PyTorch trajectories: state_dict round trips
// (bit-identical continuation), modules moved after the optimizer was built,
// zero_grad, skipped parameters, in-place updates without reallocation, and
// the error messages.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>

#include "core/expect_error.h"
#include "wick/autograd.h"
#include "wick/creation.h"
#include "wick/io/safetensors.h"
#include "wick/nn/linear.h"
#include "wick/optim/optim.h"
#include "wick/random.h"

using namespace wick;

namespace {

using Factory = std::function<std::unique_ptr<optim::Optimizer>(std::vector<Tensor>)>;

struct Named {
  const char* name;
  Factory make;
};

// Each optimizer with every state tensor it can have in use.
std::vector<Named> full_featured() {
  return {
      {"sgd", [](std::vector<Tensor> p) {
         return std::make_unique<optim::SGD>(p, optim::SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01,
                                                                  .nesterov = true});
       }},
      {"sgd_damp", [](std::vector<Tensor> p) {
         return std::make_unique<optim::SGD>(p, optim::SGDOptions{.lr = 0.1, .momentum = 0.8, .dampening = 0.3});
       }},
      {"adam", [](std::vector<Tensor> p) {
         return std::make_unique<optim::Adam>(p, optim::AdamOptions{.lr = 0.01, .weight_decay = 0.1, .amsgrad = true});
       }},
      {"adamw", [](std::vector<Tensor> p) {
         return std::make_unique<optim::AdamW>(p, optim::AdamWOptions{.lr = 0.01, .amsgrad = true});
       }},
      {"rmsprop", [](std::vector<Tensor> p) {
         return std::make_unique<optim::RMSprop>(
             p, optim::RMSpropOptions{.lr = 0.01, .weight_decay = 0.1, .momentum = 0.9, .centered = true});
       }},
  };
}

std::vector<Tensor> make_params(DType dt = kFloat64) {
  manual_seed(7);
  return {randn({4, 3}, {.dtype = dt, .requires_grad = true}), randn({3}, {.dtype = dt, .requires_grad = true})};
}

// Deterministic gradients that differ per step and per parameter.
void set_grads(const std::vector<Tensor>& params, int step) {
  for (size_t i = 0; i < params.size(); ++i) {
    Tensor g = full(params[i].sizes(), 0.0, {.dtype = params[i].dtype()});
    auto n = g.numel();
    Tensor vals = arange(static_cast<double>(n), {.dtype = params[i].dtype()}).reshape(params[i].sizes());
    g.copy_((vals - 1.5 * static_cast<double>(i)) * (0.3 + 0.7 * static_cast<double>(step % 3)) - 0.1 * step);
    params[i].set_grad(g);
  }
}

std::vector<Tensor> clone_params(const std::vector<Tensor>& ps) {
  std::vector<Tensor> out;
  for (const Tensor& p : ps) out.push_back(p.detach().clone().requires_grad_());
  return out;
}

TEST(Optimizer, StateDictRoundTripContinuesBitIdentically) {
  for (const Named& n : full_featured()) {
    SCOPED_TRACE(n.name);
    // 5 steps straight.
    std::vector<Tensor> straight = make_params();
    auto a = n.make(straight);
    for (int s = 0; s < 5; ++s) {
      set_grads(straight, s);
      a->step();
    }
    // 3 steps, save, load into a fresh optimizer (built with other
    // hyper-parameters, which the state replaces), 2 more.
    std::vector<Tensor> first = make_params();
    auto b = n.make(first);
    for (int s = 0; s < 3; ++s) {
      set_grads(first, s);
      b->step();
    }
    // Through a safetensors checkpoint, as a resumed run would read it.
    const std::string path = ::testing::TempDir() + "wick_optim_" + n.name + ".safetensors";
    save(b->state_dict(), path);
    TensorDict saved = load(path);
    std::remove(path.c_str());
    std::vector<Tensor> resumed = clone_params(first);
    std::unique_ptr<optim::Optimizer> c;
    if (std::string(n.name).rfind("sgd", 0) == 0) c = std::make_unique<optim::SGD>(resumed, optim::SGDOptions{.lr = 5});
    else if (std::string(n.name) == "adam") c = std::make_unique<optim::Adam>(resumed);
    else if (std::string(n.name) == "adamw") c = std::make_unique<optim::AdamW>(resumed);
    else c = std::make_unique<optim::RMSprop>(resumed);
    c->load_state_dict(saved);
    for (int s = 3; s < 5; ++s) {
      set_grads(resumed, s);
      c->step();
    }
    for (size_t i = 0; i < straight.size(); ++i)
      EXPECT_EQ(resumed[i].to_vector<double>(), straight[i].to_vector<double>()) << "parameter " << i;
    // The loaded optimizer has its own state: stepping it left `b` alone.
    EXPECT_EQ(b->state_dict().keys(), c->state_dict().keys());
  }
}

TEST(Optimizer, StateDictKeysFollowPyTorch) {
  std::vector<Tensor> ps = make_params();
  optim::Adam adam(ps, {.lr = 0.01, .amsgrad = true});
  TensorDict before = adam.state_dict();
  EXPECT_FALSE(before.contains("state.0.step"));  // no state before the first step
  EXPECT_EQ(before.at("param_groups.0.lr").dim(), 0);
  EXPECT_EQ(before.at("param_groups.0.lr").dtype(), kFloat64);
  EXPECT_EQ(before.at("param_groups.0.lr").item(), 0.01);
  EXPECT_EQ(before.at("param_groups.0.betas").to_vector<double>(), (std::vector<double>{0.9, 0.999}));
  EXPECT_EQ(before.at("param_groups.0.amsgrad").item(), 1.0);
  EXPECT_EQ(before.at("param_groups.0.params").to_vector<int64_t>(), (std::vector<int64_t>{0, 1}));
  set_grads(ps, 0);
  adam.step();
  adam.step();
  TensorDict sd = adam.state_dict();
  for (const char* k : {"state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq", "state.0.max_exp_avg_sq",
                        "state.1.step", "state.1.exp_avg"})
    EXPECT_TRUE(sd.contains(k)) << k;
  EXPECT_EQ(sd.at("state.0.step").dim(), 0);
  EXPECT_EQ(sd.at("state.0.step").dtype(), kFloat32);  // as PyTorch 1.13's Adam
  EXPECT_EQ(sd.at("state.0.step").item(), 2.0);
  EXPECT_EQ(sd.at("state.0.exp_avg").sizes(), (Shape{4, 3}));

  optim::SGD plain(make_params(), {.lr = 0.1});
  set_grads(plain.params(), 0);
  plain.step();
  for (auto& [k, t] : plain.state_dict()) EXPECT_EQ(k.rfind("state.", 0), std::string::npos) << k;

  optim::RMSprop rms(make_params(), {.momentum = 0.5});
  set_grads(rms.params(), 0);
  rms.step();
  TensorDict r = rms.state_dict();
  EXPECT_EQ(r.at("state.1.step").dtype(), kInt64);
  EXPECT_TRUE(r.contains("state.1.momentum_buffer"));
  EXPECT_FALSE(r.contains("state.1.grad_avg"));
}

TEST(Optimizer, UpdatesInPlaceWithoutReallocating) {
  for (const Named& n : full_featured()) {
    SCOPED_TRACE(n.name);
    for (DType dt : {kFloat32, kFloat64}) {
      std::vector<Tensor> ps = make_params(dt);
      auto opt = n.make(ps);
      const void* data = ps[0].raw_data();
      set_grads(ps, 0);
      opt->step();
      TensorDict s1 = opt->state_dict();
      const uint32_t v1 = ps[0].version();
      set_grads(ps, 1);
      opt->step();
      TensorDict s2 = opt->state_dict();
      EXPECT_EQ(ps[0].raw_data(), data);
      EXPECT_GT(ps[0].version(), v1);
      EXPECT_FALSE(ps[0].grad_fn_name().size()) << "the update must not record history";
      for (auto& [k, t] : s1)
        if (k.rfind("state.", 0) == 0 && k.find(".step") == std::string::npos) {
          EXPECT_EQ(t.raw_data(), s2.at(k).raw_data()) << k << " was reallocated";
          EXPECT_EQ(t.dtype(), dt) << k;
        }
    }
  }
}

TEST(Optimizer, FusedLoopMatchesComposedPathOnLargeParameters) {
  // Sizes past one block of the blocked loops (256) and not a multiple of any
  // vector width; the transposed copy takes the composed tensor-op path.
  for (const Named& n : full_featured()) {
    SCOPED_TRACE(n.name);
    for (DType dt : {kFloat32, kFloat64}) {
      manual_seed(11);
      Tensor fused = randn({37, 23}, {.dtype = dt}).requires_grad_();
      Tensor composed = fused.detach().t().contiguous().t().detach().requires_grad_();
      ASSERT_FALSE(composed.is_contiguous());
      auto a = n.make({fused});
      auto b = n.make({composed});
      for (int s = 0; s < 4; ++s) {
        Tensor g = randn({37, 23}, {.dtype = dt}) * (1.0 + s);
        fused.set_grad(g);
        composed.set_grad(g.clone());
        a->step();
        b->step();
      }
      auto x = fused.to(kFloat64).to_vector<double>(), y = composed.to(kFloat64).contiguous().to_vector<double>();
      const double tol = dt == kFloat32 ? 1e-5 : 1e-12;
      for (size_t j = 0; j < x.size(); ++j) ASSERT_NEAR(x[j], y[j], tol * (1 + std::abs(y[j]))) << "element " << j;
    }
  }
}

TEST(Optimizer, SkipsParametersWithoutGradient) {
  std::vector<Tensor> ps = make_params();
  optim::Adam opt(ps, {.lr = 0.1});
  Tensor before = ps[1].detach().clone();
  set_grads(ps, 0);
  ps[1].set_grad(Tensor());
  opt.step();
  EXPECT_EQ(ps[1].to_vector<double>(), before.to_vector<double>());
  TensorDict sd = opt.state_dict();
  EXPECT_TRUE(sd.contains("state.0.exp_avg"));
  EXPECT_FALSE(sd.contains("state.1.exp_avg"));
  EXPECT_FALSE(sd.contains("state.1.step"));
}

TEST(Optimizer, ZeroGradSetsToNoneOrZeros) {
  std::vector<Tensor> ps = make_params();
  optim::SGD opt(ps, {.lr = 0.1});
  set_grads(ps, 1);
  Tensor g0 = ps[0].grad();
  opt.zero_grad(false);
  ASSERT_TRUE(ps[0].grad().defined());
  EXPECT_TRUE(ps[0].grad().is_same(g0));  // the same tensor, filled with zeros
  for (double x : ps[0].grad().to_vector<double>()) EXPECT_EQ(x, 0.0);
  opt.zero_grad();
  EXPECT_FALSE(ps[0].grad().defined());
  EXPECT_FALSE(ps[1].grad().defined());
  opt.zero_grad();  // no gradients: nothing to do
  opt.step();       // nothing has a gradient: nothing changes
}

TEST(Optimizer, TrainsThroughAutograd) {
  // Minimizes ||w - 3||^2 with each optimizer; all must get close to 3 (weight
  // decay and AMSGrad in these configurations keep some short of it).
  for (const Named& n : full_featured()) {
    SCOPED_TRACE(n.name);
    Tensor w = zeros({3}, {.dtype = kFloat64, .requires_grad = true});
    auto opt = n.make({w});
    for (int s = 0; s < 3000; ++s) {
      opt->zero_grad();
      Tensor loss = ((w - 3.0) * (w - 3.0)).sum();
      loss.backward();
      opt->step();
    }
    for (double x : w.to_vector<double>()) EXPECT_NEAR(x, 3.0, 0.2);
  }
}

TEST(Optimizer, KeepsWorkingAfterModuleDtypeMove) {
  // Two identical float64 runs: one module starts in float32 and is moved to
  // float64 after the optimizer (and its state) exist; the other is float64
  // from the start. Both must update the module's own tensors the same way.
  manual_seed(3);
  nn::Linear moved(3, 2), ref(3, 2);
  ref.to(kFloat64);
  {
    NoGradGuard g;
    for (auto& [k, t] : moved.named_parameters()) t.copy_(ref.named_parameters().at(k).to(kFloat32).to(kFloat64));
    ref.load_state_dict(moved.state_dict());
  }
  optim::Adam a(moved.parameters(), {.lr = 0.01});
  optim::Adam b(ref.parameters(), {.lr = 0.01});
  auto grads = [](nn::Linear& m, int s) {
    for (Tensor p : m.parameters()) p.set_grad(full(p.sizes(), 0.5 - 0.25 * s, {.dtype = p.dtype()}));
  };
  grads(moved, 0);
  a.step();
  moved.to(kFloat64);
  EXPECT_TRUE(a.params()[0].is_same(moved.parameters()[0]));
  EXPECT_EQ(a.params()[0].dtype(), kFloat64);
  grads(ref, 0);
  b.step();
  for (int s = 1; s < 4; ++s) {
    grads(moved, s);
    grads(ref, s);
    a.step();
    b.step();
  }
  EXPECT_EQ(a.state_dict().at("state.0.exp_avg").dtype(), kFloat64);
  auto pm = moved.parameters(), pr = ref.parameters();
  for (size_t i = 0; i < pm.size(); ++i) {
    auto x = pm[i].to_vector<double>(), y = pr[i].to_vector<double>();
    for (size_t j = 0; j < x.size(); ++j) EXPECT_NEAR(x[j], y[j], 1e-6);
  }
}

TEST(Optimizer, RejectsBadConstruction) {
  using wick::testing::error_message;
  Tensor ok = zeros({2}, {.requires_grad = true});
  EXPECT_WICK_ERROR(optim::SGD({}, {.lr = 0.1}), {"SGD", "empty parameter list"});
  EXPECT_WICK_ERROR(optim::Adam(std::vector<Tensor>{}), {"Adam", "empty parameter list"});
  EXPECT_WICK_ERROR(optim::SGD({ok}, {.lr = -0.1}), {"SGD", "learning rate", "-0.1"});
  EXPECT_WICK_ERROR(optim::SGD({ok}, {.momentum = 0.9}), {"SGD", "lr is required"});
  EXPECT_WICK_ERROR(optim::Adam({ok}, {.lr = -1}), {"Adam", "learning rate", "-1"});
  EXPECT_WICK_ERROR(optim::AdamW({ok}, {.lr = -1}), {"AdamW", "learning rate"});
  EXPECT_WICK_ERROR(optim::RMSprop({ok}, {.lr = -1}), {"RMSprop", "learning rate"});
  EXPECT_WICK_ERROR(optim::Adam({ok}, {.betas = {1.0, 0.999}}), {"Adam", "beta", "index 0", "[0, 1)"});
  EXPECT_WICK_ERROR(optim::Adam({ok}, {.betas = {0.9, -0.1}}), {"Adam", "beta", "index 1"});
  EXPECT_WICK_ERROR(optim::AdamW({ok}, {.betas = {0.9, 1.5}}), {"AdamW", "beta", "index 1"});
  EXPECT_WICK_ERROR(optim::Adam({ok}, {.eps = -1}), {"Adam", "eps"});
  EXPECT_WICK_ERROR(optim::SGD({ok}, {.lr = 0.1, .weight_decay = -1}), {"SGD", "weight_decay"});
  EXPECT_WICK_ERROR(optim::SGD({ok}, {.lr = 0.1, .momentum = -1}), {"SGD", "momentum"});
  EXPECT_WICK_ERROR(optim::SGD({ok}, {.lr = 0.1, .nesterov = true}), {"SGD", "nesterov", "momentum > 0"});
  EXPECT_WICK_ERROR(optim::SGD({ok}, {.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .nesterov = true}),
                    {"SGD", "nesterov", "dampening"});
  EXPECT_WICK_ERROR(optim::RMSprop({ok}, {.alpha = -0.5}), {"RMSprop", "alpha"});
  EXPECT_WICK_ERROR(optim::SGD({ok, zeros({3}, {.dtype = kInt64})}, {.lr = 0.1}),
                    {"SGD", "parameter 1", "int64", "floating"});
  EXPECT_WICK_ERROR(optim::SGD({ok, Tensor()}, {.lr = 0.1}), {"SGD", "parameter 1", "undefined"});
  EXPECT_WICK_ERROR(optim::SGD({ok * 2.0}, {.lr = 0.1}), {"SGD", "not a leaf"});
  EXPECT_WICK_ERROR(optim::SGD({ok, ok}, {.lr = 0.1}), {"SGD", "more than once"});
  optim::SGD sgd({ok}, {.lr = 0.1});
  EXPECT_WICK_ERROR(sgd.set_lr(-2), {"SGD", "set_lr", "-2"});
  EXPECT_EQ(sgd.lr(), 0.1);
  sgd.set_lr(0.5);
  EXPECT_EQ(sgd.lr(), 0.5);
  EXPECT_EQ(sgd.options().lr, 0.5);
}

TEST(Optimizer, LoadStateDictRejectsMismatchesAtomically) {
  std::vector<Tensor> ps = make_params();
  optim::Adam adam(ps, {.lr = 0.01});
  set_grads(ps, 0);
  adam.step();
  TensorDict adam_state = adam.state_dict();

  optim::SGD sgd(make_params(), {.lr = 0.1, .momentum = 0.9});
  std::string msg = wick::testing::error_message([&] { sgd.load_state_dict(adam_state); });
  EXPECT_TRUE(wick::testing::message_has(msg, {"SGD.load_state_dict", "unexpected key", "state.0.exp_avg",
                                               "param_groups.0.betas"}));
  EXPECT_EQ(sgd.lr(), 0.1);  // nothing changed

  optim::Adam small({zeros({2}, {.dtype = kFloat64, .requires_grad = true})});
  msg = wick::testing::error_message([&] { small.load_state_dict(adam_state); });
  EXPECT_TRUE(wick::testing::message_has(msg, {"state.0.exp_avg is [4, 3] but parameter 0 is [2]", "state.1",
                                               "holds 2 parameters but this optimizer has 1"}));

  TensorDict bad = adam_state;
  bad.insert("param_groups.0.betas", tensor({0.9, 1.5}, {.dtype = kFloat64}));
  optim::Adam other(make_params(), {.lr = 0.02});
  EXPECT_WICK_ERROR(other.load_state_dict(bad), {"Adam.load_state_dict", "hyper-parameters", "index 1"});
  EXPECT_EQ(other.options().betas.second, 0.999);
  EXPECT_EQ(other.lr(), 0.02);

  TensorDict no_step = adam_state;
  no_step.erase("state.1.step");
  EXPECT_WICK_ERROR(other.load_state_dict(no_step), {"missing key state.1.step"});
}

}  // namespace
