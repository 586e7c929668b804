// CUDA parity through the public API: differentiable ops forward and
// backward (autograd), layers, losses (incl. the fused CPU paths against
// whatever the CUDA tensors take), and optimizer steps, CPU vs cuda:0.
#include <functional>

#include "cuda/parity.h"

namespace wick::cuda_parity {
namespace {

namespace F = nn::functional;
using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

// Runs f on leaf copies of `inputs` on both devices; compares the output and
// the gradient of every floating input (backward of sum(out * w) with a random w).
void check_forward_backward(const char* name, const std::vector<Tensor>& inputs, const Fn& f, double tol = -1) {
  SCOPED_TRACE(name);
  std::vector<Tensor> c, g;
  for (const Tensor& t : inputs) {
    Tensor tc = t.detach().clone(), tg = t.detach().to(Device::cuda(0));
    if (is_floating(t.dtype())) {
      tc.requires_grad_();
      tg.requires_grad_();
    }
    c.push_back(tc);
    g.push_back(tg);
  }
  Tensor yc = f(c), yg = f(g);
  ASSERT_TRUE(yg.is_cuda()) << name << " returned " << yg.describe();
  EXPECT_TRUE(close(yc, yg, tol)) << "forward";
  if (!yc.requires_grad()) return;
  Tensor w = random_tensor(yc.sizes(), yc.dtype());
  (yc * w).sum().backward();
  (yg * w.to(Device::cuda(0))).sum().backward();
  for (size_t i = 0; i < c.size(); ++i) {
    if (!c[i].requires_grad()) continue;
    ASSERT_EQ(c[i].grad().defined(), g[i].grad().defined()) << "input " << i;
    if (c[i].grad().defined()) EXPECT_TRUE(close(c[i].grad(), g[i].grad(), tol)) << "gradient of input " << i;
  }
}

TEST_F(CudaParity, ElementwiseAndReductionsForwardBackward) {
  for (DType dt : kFloatDtypes) {
    Tensor a = random_tensor({4, 33}, dt), b = random_tensor({1, 33}, dt), p = random_tensor({4, 33}, dt, 0.2, 3);
    check_forward_backward("add/mul/div broadcast", {a, b, p}, [](auto& x) { return (x[0] + x[1]) * x[0] / x[2]; });
    check_forward_backward("exp/log/sqrt/pow", {p}, [](auto& x) { return x[0].exp() + x[0].log() + x[0].sqrt() + x[0].pow(1.7); });
    check_forward_backward("sigmoid/tanh/relu", {a}, [](auto& x) { return x[0].sigmoid() * x[0].tanh() + x[0].relu(); });
    check_forward_backward("clamp/abs/neg", {a}, [](auto& x) { return x[0].clamp(-0.5, 1.0) - x[0].abs().neg(); });
    check_forward_backward("pow tensor", {p, b}, [](auto& x) { return x[0].pow(x[1]); });
    check_forward_backward("maximum/where", {a, b}, [](auto& x) { return where(x[0].gt(x[1]), x[0], x[1] * 2.0); });
    check_forward_backward("sum dims", {a}, [](auto& x) { return x[0].sum(1, true) + x[0].sum(0); });
    check_forward_backward("mean/prod", {p}, [](auto& x) { return x[0].mean(0) + x[0].narrow(1, 0, 5).prod(1).sum(); });
    check_forward_backward("max/min dim", {a}, [](auto& x) { return x[0].max(1).values + x[0].min(0).values.sum(); });
    check_forward_backward("var", {a}, [](auto& x) { return x[0].var(); });
    check_forward_backward("non-contiguous", {a}, [](auto& x) { return x[0].t().exp() * x[0].t().slice(0, 0, 33, 2).sum(); });
    check_forward_backward("softmax/log_softmax", {a}, [](auto& x) { return F::softmax(x[0], 1) + F::log_softmax(x[0], 0); });
    check_forward_backward("matmul", {a, random_tensor({33, 7}, dt)}, [](auto& x) { return matmul(x[0], x[1]); },
                           dt == kFloat32 ? 3e-5 : -1);
    check_forward_backward("bmm", {random_tensor({3, 4, 5}, dt), random_tensor({3, 5, 6}, dt)},
                           [](auto& x) { return matmul(x[0], x[1]); });
    Tensor idx = randint(0, 4, {6});
    check_forward_backward("index_select", {a}, [idx](auto& x) { return x[0].index_select(0, idx.to(x[0].device())); });
    Tensor gidx = randint(0, 33, {4, 5});
    check_forward_backward("gather", {a}, [gidx](auto& x) { return x[0].gather(1, gidx.to(x[0].device())); });
    check_forward_backward("empty", {random_tensor({0, 3}, dt)}, [](auto& x) { return x[0].exp() * 2.0; });
  }
}

TEST_F(CudaParity, LayersForwardBackward) {
  for (DType dt : kFloatDtypes) {
    const double tol = dt == kFloat32 ? 3e-5 : -1;
    Tensor x = random_tensor({16, 20}, dt), w = random_tensor({7, 20}, dt), bias = random_tensor({7}, dt);
    check_forward_backward("linear", {x, w, bias}, [](auto& v) { return F::linear(v[0], v[1], v[2]); }, tol);
    check_forward_backward("gelu/leaky_relu", {x}, [](auto& v) { return F::gelu(v[0]) + F::leaky_relu(v[0], 0.1); });
    // Host loops for CUDA tensors too (activation_smooth.cpp); threshold 0.5
    // puts inputs on both sides of softplus's branch.
    check_forward_backward("silu/elu/softplus/mish", {x}, [](auto& v) {
      return F::silu(v[0]) + F::elu(v[0], 0.7) + F::softplus(v[0], 2.0, 0.5) + F::mish(v[0]);
    });
    Tensor gamma = random_tensor({20}, dt, 0.5, 1.5), beta = random_tensor({20}, dt);
    check_forward_backward("layer_norm", {x, gamma, beta},
                           [](auto& v) { return F::layer_norm(v[0], {20}, v[1], v[2]); }, tol);
    // Batch norm, training (batch statistics, running stats updated) and eval.
    for (bool training : {true, false}) {
      Tensor rm = random_tensor({20}, dt), rv = random_tensor({20}, dt, 0.5, 2);
      Tensor rmc = rm.clone(), rvc = rv.clone(), rmg = rm.to(gpu()), rvg = rv.to(gpu());
      check_forward_backward(training ? "batch_norm train" : "batch_norm eval", {x, gamma, beta},
                             [&](auto& v) {
                               const bool on_gpu = v[0].is_cuda();
                               return F::batch_norm(v[0], on_gpu ? rmg : rmc, on_gpu ? rvg : rvc, v[1], v[2],
                                                    training, 0.1, 1e-5);
                             }, tol);
      EXPECT_TRUE(close(rmc, rmg, tol)) << "running_mean";
      EXPECT_TRUE(close(rvc, rvg, tol)) << "running_var";
    }
    // 3-D batch norm input [N, C, L].
    Tensor x3 = random_tensor({4, 5, 6}, dt), g5 = random_tensor({5}, dt, 0.5, 1.5), b5 = random_tensor({5}, dt);
    check_forward_backward("batch_norm 3d", {x3, g5, b5},
                           [](auto& v) { return F::batch_norm(v[0], Tensor(), Tensor(), v[1], v[2], true, 0.1, 1e-5); },
                           tol);
    // Convolution and pooling: the CPU kernels against the composed form
    // (cat + index_select) that CUDA tensors take.
    Tensor img = random_tensor({3, 4, 9, 8}, dt), k = random_tensor({5, 4, 3, 2}, dt), kb = random_tensor({5}, dt);
    check_forward_backward("conv2d", {img, k, kb},
                           [](auto& v) { return F::conv2d(v[0], v[1], v[2], {2, 1}, 1, {1, 2}); }, tol);
    // Groups (each group's slice through the linear layer, joined by cat),
    // depthwise, and "same" with an odd total (one more row/column of
    // padding at the bottom/right).
    Tensor kg = random_tensor({6, 2, 3, 2}, dt), kgb = random_tensor({6}, dt);
    check_forward_backward("conv2d groups=2", {img, kg, kgb},
                           [](auto& v) { return F::conv2d(v[0], v[1], v[2], {2, 1}, {1, 0}, {1, 2}, 2); }, tol);
    Tensor kd = random_tensor({8, 1, 3, 3}, dt);
    check_forward_backward("conv2d depthwise x2", {img, kd},
                           [](auto& v) { return F::conv2d(v[0], v[1], Tensor(), 1, 1, 1, 4); }, tol);
    Tensor ks = random_tensor({4, 2, 4, 3}, dt), ksb = random_tensor({4}, dt);
    check_forward_backward("conv2d same, groups=2", {img, ks, ksb},
                           [](auto& v) { return F::conv2d(v[0], v[1], v[2], 1, "same", {1, 2}, 2); }, tol);
    check_forward_backward("unfold", {img}, [](auto& v) { return F::unfold(v[0], 3, 1, 1, 2); });
    check_forward_backward("max_pool2d", {img}, [](auto& v) { return F::max_pool2d(v[0], 3, 2, 1); });
    check_forward_backward("avg_pool2d", {img}, [](auto& v) { return F::avg_pool2d(v[0], 2); });
    // Rounding up: windows past the edge (9 rows, 8 columns), divisors that differ per window.
    check_forward_backward("max_pool2d ceil_mode", {img}, [](auto& v) { return F::max_pool2d(v[0], 2, 2, 0, 1, true); });
    check_forward_backward("avg_pool2d ceil_mode, count_include_pad=False", {img},
                           [](auto& v) { return F::avg_pool2d(v[0], 3, 2, 1, true, false); });
  }
}

TEST_F(CudaParity, DropoutMasksAreBernoulliAndScaled) {
  // CPU and CUDA dropout draw from different streams (the CPU path is a fused
  // host kernel), so compare properties, not values: every output is 0 or
  // x / (1 - p), the kept fraction is near 1 - p, and the gradient uses the mask.
  Tensor x = (rand({200, 50}) + 1.0).to(gpu()).requires_grad_();
  Tensor y = F::dropout(x, 0.3, true);
  y.sum().backward();
  const auto xv = x.detach().cpu().to_vector<float>(), yv = y.detach().cpu().to_vector<float>();
  const auto gv = x.grad().cpu().to_vector<float>();
  int kept = 0;
  for (size_t i = 0; i < xv.size(); ++i) {
    const bool k = yv[i] != 0;
    kept += k;
    if (k) EXPECT_NEAR(yv[i], xv[i] / 0.7f, 1e-5f);
    EXPECT_NEAR(gv[i], k ? 1 / 0.7f : 0.f, 1e-5f);
  }
  EXPECT_NEAR(kept / 10000.0, 0.7, 0.03);
}

TEST_F(CudaParity, Dropout2dZeroesWholeChannels) {
  // As above, properties only: each channel (9 values) is all zero or all
  // x / (1 - p), the gradient follows, and about 1 - p of 600 channels stay.
  Tensor x = (rand({20, 30, 3, 3}) + 1.0).to(gpu()).requires_grad_();
  Tensor y = F::dropout2d(x, 0.3, true);
  y.sum().backward();
  const auto xv = x.detach().cpu().to_vector<float>(), yv = y.detach().cpu().to_vector<float>();
  const auto gv = x.grad().cpu().to_vector<float>();
  int kept = 0;
  for (size_t ch = 0; ch < 600; ++ch) {
    const bool k = yv[ch * 9] != 0;
    kept += k;
    for (size_t i = ch * 9; i < ch * 9 + 9; ++i) {
      EXPECT_NEAR(yv[i], k ? xv[i] / 0.7f : 0.f, 1e-5f) << "channel " << ch;
      EXPECT_NEAR(gv[i], k ? 1 / 0.7f : 0.f, 1e-5f) << "channel " << ch;
    }
  }
  EXPECT_NEAR(kept / 600.0, 0.7, 0.08);
}

TEST_F(CudaParity, LossesForwardBackward) {
  for (DType dt : kFloatDtypes) {
    const double tol = dt == kFloat32 ? 2e-5 : -1;
    Tensor logits = random_tensor({37, 10}, dt, -4, 4);
    Tensor target = randint(0, 10, {37});
    Tensor weight = random_tensor({10}, dt, 0.5, 2);
    auto on = [](const Tensor& t, const Tensor& like) { return t.to(like.device()); };
    check_forward_backward("cross_entropy", {logits}, [&](auto& v) { return F::cross_entropy(v[0], on(target, v[0])); }, tol);
    check_forward_backward("cross_entropy weight+smoothing+ignore", {logits}, [&](auto& v) {
      Tensor t = target.clone();
      t.narrow(0, 0, 3).fill_(-100);
      return F::cross_entropy(v[0], on(t, v[0]), {.weight = on(weight, v[0]), .label_smoothing = 0.1});
    }, tol);
    Tensor target3 = randint(0, 5, {4, 6});  // drawn once: both devices get the same targets
    check_forward_backward("cross_entropy sum 3d", {random_tensor({4, 5, 6}, dt)}, [&](auto& v) {
      return F::cross_entropy(v[0], on(target3, v[0]), {.reduction = nn::Reduction::Sum});
    }, tol);
    Tensor probs_target = rand({37, 10}, {.dtype = dt});
    check_forward_backward("bce_with_logits", {logits}, [&](auto& v) {
      return F::binary_cross_entropy_with_logits(v[0], on(probs_target, v[0]),
                                                 {.pos_weight = on(weight, v[0])});
    }, tol);
    check_forward_backward("bce", {logits}, [&](auto& v) { return F::binary_cross_entropy(v[0].sigmoid(), on(probs_target, v[0])); }, tol);
    check_forward_backward("mse/l1/huber/smooth_l1", {logits, probs_target}, [](auto& v) {
      return F::mse_loss(v[0], v[1]) + F::l1_loss(v[0], v[1]) + F::huber_loss(v[0], v[1]) + F::smooth_l1_loss(v[0], v[1]);
    }, tol);
    check_forward_backward("nll_loss/kl_div", {logits}, [&](auto& v) {
      Tensor lp = F::log_softmax(v[0], 1);
      return F::nll_loss(lp, on(target, v[0])) + F::kl_div(lp, on(probs_target, v[0]));
    }, tol);
  }
}

// A few steps of an optimizer on the same parameters and gradients on both devices.
void check_optimizer(const char* name, const std::function<std::unique_ptr<optim::Optimizer>(std::vector<Tensor>)>& make) {
  SCOPED_TRACE(name);
  for (DType dt : kFloatDtypes) {
    Tensor p0 = random_tensor({13, 7}, dt), p1 = random_tensor({7}, dt);
    std::vector<Tensor> pc = {p0.clone().requires_grad_(), p1.clone().requires_grad_()};
    std::vector<Tensor> pg = {p0.to(Device::cuda(0)).requires_grad_(), p1.to(Device::cuda(0)).requires_grad_()};
    auto oc = make(pc), og = make(pg);
    for (int step = 0; step < 4; ++step) {
      for (size_t i = 0; i < pc.size(); ++i) {
        Tensor grad = random_tensor(pc[i].sizes(), dt);
        pc[i].set_grad(grad);
        pg[i].set_grad(grad.to(Device::cuda(0)));
      }
      oc->step();
      og->step();
    }
    for (size_t i = 0; i < pc.size(); ++i)
      EXPECT_TRUE(close(pc[i].detach(), pg[i].detach(), dt == kFloat32 ? 2e-5 : 1e-11)) << dtype_name(dt) << " param " << i;
  }
}

TEST_F(CudaParity, OptimizerSteps) {
  using P = std::vector<Tensor>;
  check_optimizer("sgd", [](P p) { return std::make_unique<optim::SGD>(p, optim::SGDOptions{.lr = 0.1}); });
  check_optimizer("sgd momentum nesterov wd", [](P p) {
    return std::make_unique<optim::SGD>(p, optim::SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 1e-2, .nesterov = true});
  });
  check_optimizer("adam", [](P p) { return std::make_unique<optim::Adam>(p, optim::AdamOptions{.lr = 1e-2}); });
  check_optimizer("adam amsgrad wd", [](P p) {
    return std::make_unique<optim::Adam>(p, optim::AdamOptions{.lr = 1e-2, .weight_decay = 1e-2, .amsgrad = true});
  });
  check_optimizer("adamw", [](P p) { return std::make_unique<optim::AdamW>(p, optim::AdamWOptions{.lr = 1e-2}); });
  check_optimizer("rmsprop centered momentum", [](P p) {
    return std::make_unique<optim::RMSprop>(p, optim::RMSpropOptions{.lr = 1e-2, .momentum = 0.9, .centered = true});
  });
}

TEST_F(CudaParity, TrainingStepMakesNoCudaMallocAfterWarmup) {
  manual_seed(3);
  nn::Sequential model(nn::Linear(20, 32), nn::BatchNorm1d(32), nn::ReLU(), nn::Dropout(0.2), nn::Linear(32, 5));
  model.to(gpu());
  optim::Adam opt(model.parameters(), {.lr = 1e-3});
  Tensor x = randn({64, 20}).to(gpu()), y = randint(0, 5, {64}).to(gpu());
  auto step = [&] {
    Tensor loss = F::cross_entropy(model(x), y);
    opt.zero_grad();
    loss.backward();
    opt.step();
  };
  step();
  step();
  const size_t before = memory_stats(gpu()).system_allocs;
  for (int i = 0; i < 5; ++i) step();
  EXPECT_EQ(memory_stats(gpu()).system_allocs, before) << "a steady training step called cudaMalloc";
  EXPECT_GT(memory_stats(gpu()).peak_allocated, 0u);
  EXPECT_GE(memory_stats(gpu()).reserved, memory_stats(gpu()).allocated);
}

// One cross-entropy step of `cpu_model` and of its deep copy on cuda:0: the
// losses and every parameter's gradient agree.
void check_model_step(nn::Sequential& cpu_model, const Tensor& x, const Tensor& y) {
  const Device gpu = Device::cuda(0);
  nn::Sequential gpu_model = cpu_model;  // deep copy
  gpu_model.to(gpu);
  Tensor lc = F::cross_entropy(cpu_model(x), y), lg = F::cross_entropy(gpu_model(x.to(gpu)), y.to(gpu));
  lc.backward();
  lg.backward();
  EXPECT_TRUE(close(lc, lg, 3e-5));
  auto pc = cpu_model.parameters(), pg = gpu_model.parameters();
  ASSERT_EQ(pc.size(), pg.size());
  for (size_t i = 0; i < pc.size(); ++i) EXPECT_TRUE(close(pc[i].grad(), pg[i].grad(), 3e-5)) << "parameter " << i;
}

TEST_F(CudaParity, WholeModelForwardBackwardMatchesCpu) {
  manual_seed(11);
  nn::Sequential model(nn::Flatten(), nn::Linear(12, 16), nn::BatchNorm1d(16), nn::Tanh(), nn::Linear(16, 3));
  check_model_step(model, randn({9, 3, 4}), randint(0, 3, {9}));
}

TEST_F(CudaParity, SmallCnnForwardBackwardMatchesCpu) {
  manual_seed(12);
  nn::Sequential model(nn::Conv2d(2, 4, 3, {.padding = 1}), nn::BatchNorm2d(4), nn::ReLU(), nn::MaxPool2d(2),
                       nn::Flatten(), nn::Linear(4 * 4 * 4, 3));
  check_model_step(model, randn({6, 2, 8, 8}), randint(0, 3, {6}));
}

}  // namespace
}  // namespace wick::cuda_parity
