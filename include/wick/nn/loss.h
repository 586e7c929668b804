#pragma once
// Loss functions, as torch.nn's losses: each is a function in
// nn::functional and a module in nn, with the same options struct.
//
//   Tensor loss = nn::functional::cross_entropy(logits, targets, {.label_smoothing = 0.1});
//   nn::BCEWithLogitsLoss criterion({.pos_weight = pw});
//   Tensor loss = criterion(logits, labels);
//
// Options are plain structs written as designated initializers. Their fields
// carry PyTorch's argument names *in PyTorch's argument order* (C++ requires
// designated initializers in declaration order), e.g. BCEWithLogitsLoss is
// {.weight, .reduction, .pos_weight} as torch.nn.BCEWithLogitsLoss(weight,
// reduction=..., pos_weight=...).
//
// reduction: a `Reduction` that is either the enum or PyTorch's string,
// whichever reads better at the call site:
//   {.reduction = nn::Reduction::Sum}   or   {.reduction = "sum"}
// "batchmean" is accepted by kl_div only. An unknown string throws.
//
// Decisions that differ from PyTorch (on purpose):
// - Shapes must match exactly in the elementwise losses (mse, l1, huber,
//   smooth_l1, binary_cross_entropy[_with_logits], kl_div). PyTorch silently
//   broadcasts mse/l1 ([N,1] vs [N] becomes [N,N] with only a warning: the
//   classic regression bug); wick throws an error naming both shapes.
// - A target whose dtype differs from the input's is converted to the input's
//   dtype (e.g. float64 CSV targets with a float32 model give a float32 loss).
// - weight and pos_weight are constants: no gradient flows into them (as in
//   PyTorch's fused kernels). The target gets a gradient where PyTorch gives
//   one (all elementwise losses, BCE, BCEWithLogits, probability targets).
//
// Devices: every loss works on any device through composed tensor ops.
// cross_entropy with class indices [N,C] (the classification hot path) and
// binary_cross_entropy_with_logits additionally run as one fused node with a
// hand-written CPU loop on CPU tensors; on other devices they fall back to the
// composed form until the CUDA backend adds a kernel for them.
#include <cstdint>
#include <string>

#include "wick/nn/module.h"
#include "wick/tensor.h"

namespace wick::nn {

// How the per-element losses are combined. Implicitly built from the enum
// (Reduction::Mean) or from PyTorch's strings ("none", "mean", "sum",
// "batchmean").
class Reduction {
 public:
  enum Kind : uint8_t { None, Mean, Sum, BatchMean };
  constexpr Reduction(Kind kind = Mean) : kind(kind) {}  // NOLINT: implicit by design
  Reduction(const char* name);                            // NOLINT
  Reduction(const std::string& name) : Reduction(name.c_str()) {}  // NOLINT
  const char* str() const;  // "none", "mean", "sum", "batchmean"
  friend bool operator==(Reduction a, Reduction b) { return a.kind == b.kind; }

  Kind kind;
};

// ---- options (shared by the function and the module) ----

struct MSELossOptions {
  Reduction reduction = Reduction::Mean;
};
struct L1LossOptions {
  Reduction reduction = Reduction::Mean;
};
// 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta).
struct HuberLossOptions {
  Reduction reduction = Reduction::Mean;
  double delta = 1.0;  // > 0
};
// 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta; beta = 0 is l1_loss.
struct SmoothL1LossOptions {
  Reduction reduction = Reduction::Mean;
  double beta = 1.0;  // >= 0
};
struct BCELossOptions {
  Tensor weight{};  // optional; broadcast to the input's shape
  Reduction reduction = Reduction::Mean;
};
struct BCEWithLogitsLossOptions {
  Tensor weight{};  // optional; broadcast to the input's shape
  Reduction reduction = Reduction::Mean;
  // optional; weight of the positive class, broadcast along the last dim
  // ([C] for input [N, C]): pos_weight = negatives/positives balances classes.
  Tensor pos_weight{};
};
struct CrossEntropyLossOptions {
  Tensor weight{};               // optional; [C] rescaling per class
  int64_t ignore_index = -100;  // class-index targets with this value add nothing
  Reduction reduction = Reduction::Mean;
  double label_smoothing = 0.0;  // in [0, 1]
};
struct NLLLossOptions {
  Tensor weight{};
  int64_t ignore_index = -100;
  Reduction reduction = Reduction::Mean;
};
// reduction "mean" divides by the number of elements, as PyTorch (which warns
// that this is not the KL divergence); "batchmean" divides by the batch size
// input.size(0) and is the mathematically correct choice. The default stays
// "mean" to match PyTorch.
struct KLDivLossOptions {
  Reduction reduction = Reduction::Mean;
  bool log_target = false;  // target holds log-probabilities
};

namespace functional {

// (input - target)^2
Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossOptions& options = {});
// |input - target|
Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossOptions& options = {});
Tensor huber_loss(const Tensor& input, const Tensor& target, const HuberLossOptions& options = {});
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossOptions& options = {});

// input: probabilities in [0, 1] (after a sigmoid), target: same shape.
// -w (y log x + (1 - y) log(1 - x)), each log clamped at -100 as PyTorch, so
// x = 0 or 1 gives a finite loss. Values outside [0, 1] are an error: logits
// belong in binary_cross_entropy_with_logits. mean divides by numel (not by
// the sum of weights).
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BCELossOptions& options = {});
// input: logits. The stable form of sigmoid + BCE:
//   (1 - y) x + (1 + (pw - 1) y) (log(1 + exp(-|x|)) + max(-x, 0)), times w.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BCEWithLogitsLossOptions& options = {});

// input: logits [N, C], [N, C, d1, ...] or unbatched [C]. target either
//  - class indices, int64 [N] / [N, d1, ...] / [] in [0, C) or ignore_index;
//    mean divides by the sum of weight[target] over non-ignored targets;
//  - or probabilities, a float tensor of the input's shape (soft targets);
//    mean divides by the number of samples N*d1*...; ignore_index must be
//    left at its default.
// label_smoothing mixes in the uniform distribution, as PyTorch 1.13.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyLossOptions& options = {});
// input: log-probabilities (after log_softmax), target: int64 class indices.
Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossOptions& options = {});
// input: log-probabilities; target: probabilities (or log-probabilities with
// log_target). Pointwise target (log target - input).
Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivLossOptions& options = {});

}  // namespace functional

// ---- modules ----

// Base of the loss modules: called with two tensors, loss(input, target).
// Buffers (weight, pos_weight) move with to(device) and appear in
// state_dict() as in PyTorch.
class Loss : public Module {
 public:
  virtual Tensor forward(const Tensor& input, const Tensor& target) = 0;
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }
  // The one-argument form of Module is not a loss call.
  Tensor forward(const Tensor& input) override;
};

#define WICK_DECLARE_LOSS(Name, Options)                                  \
  class Name : public Loss {                                              \
   public:                                                                \
    explicit Name(const Options& options = {});                           \
    Name(const Name&) = default;                                          \
    Name(Name&&) noexcept = default;                                      \
    using Loss::forward;                                                  \
    Tensor forward(const Tensor& input, const Tensor& target) override;   \
    std::string extra_repr() const override;                              \
    Options options;                                                      \
  }

WICK_DECLARE_LOSS(MSELoss, MSELossOptions);
WICK_DECLARE_LOSS(L1Loss, L1LossOptions);
WICK_DECLARE_LOSS(HuberLoss, HuberLossOptions);
WICK_DECLARE_LOSS(SmoothL1Loss, SmoothL1LossOptions);
WICK_DECLARE_LOSS(BCELoss, BCELossOptions);
WICK_DECLARE_LOSS(BCEWithLogitsLoss, BCEWithLogitsLossOptions);
WICK_DECLARE_LOSS(CrossEntropyLoss, CrossEntropyLossOptions);
WICK_DECLARE_LOSS(NLLLoss, NLLLossOptions);
WICK_DECLARE_LOSS(KLDivLoss, KLDivLossOptions);

#undef WICK_DECLARE_LOSS

namespace detail {
// The composed (device-generic) forms of the fused losses; exposed so that
// tests can check the fused CPU kernels against them.
Tensor cross_entropy_composed(const Tensor& input, const Tensor& target, const CrossEntropyLossOptions& options);
Tensor bce_with_logits_composed(const Tensor& input, const Tensor& target, const BCEWithLogitsLossOptions& options);
}  // namespace detail

}  // namespace wick::nn
