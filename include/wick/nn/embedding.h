#pragma once
// nn::Embedding: a lookup table of learned vectors, as torch.nn.Embedding.
//
//   nn::Embedding emb(10000, 64, {.padding_idx = 0});
//   Tensor tokens = ...;             // int64 [batch, seq]
//   Tensor vectors = emb(tokens);    // [batch, seq, 64]
//
// The gradient w.r.t. the weight is dense ([num_embeddings, embedding_dim]),
// with repeated indices accumulated and the padding_idx row left at zero.
// wick has no sparse tensors, so sparse = true is refused; the dense gradient
// holds the same values, and every optimizer takes it.
//
// Indices must be int64. (PyTorch 1.13 also takes int32, a dtype wick does
// not have; convert other index tensors with .to(wick::kInt64).)
#include <optional>
#include <string>

#include "wick/nn/module.h"

namespace wick::nn {

struct EmbeddingOptions {
  // Lookups of this index give the row's current value but never a gradient;
  // a new Embedding initialises the row to zeros. Negative counts from the
  // end (-1: the last row), as in PyTorch.
  std::optional<int64_t> padding_idx{};
  // Before each lookup, rows looked up whose norm_type-norm exceeds max_norm
  // are rescaled in place to norm max_norm (PyTorch's embedding_renorm_).
  std::optional<double> max_norm{};
  double norm_type = 2.0;
  // Divides each row's gradient by the number of times its index occurs in
  // the batch.
  bool scale_grad_by_freq = false;
  bool sparse = false;  // must stay false: see above
  Device device = Device::cpu();
  DType dtype = kFloat32;
};

class Embedding : public Module {
 public:
  // weight ~ N(0, 1), [num_embeddings, embedding_dim], padding row zeroed.
  Embedding(int64_t num_embeddings, int64_t embedding_dim, const EmbeddingOptions& options = {});
  Embedding(const Embedding&) = default;
  Embedding(Embedding&&) noexcept = default;

  // A table holding a copy of `embeddings` (2-D, floating; its dtype and
  // device are kept, options.dtype/device are ignored). freeze: the weight
  // does not require grad. Unlike the constructor, the padding row keeps its
  // given values (PyTorch does the same). PyTorch's weight shares memory with
  // the given tensor; here it is a copy, because a module owns its parameters
  // (copies of modules are deep, and to(device) moves them in place).
  static Embedding from_pretrained(const Tensor& embeddings, bool freeze = true, const EmbeddingOptions& options = {});

  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;  // "10, 3, padding_idx=0"
  void reset_parameters();

  int64_t num_embeddings, embedding_dim;
  std::optional<int64_t> padding_idx;  // normalized to 0 .. num_embeddings - 1
  std::optional<double> max_norm;
  double norm_type;
  bool scale_grad_by_freq;
  Tensor weight;

 private:
  struct Pretrained {};
  Embedding(Pretrained, const Tensor& embeddings, bool freeze, const EmbeddingOptions& options);
};

namespace functional {
// input: int64 indices of any shape [*]; weight: [num_embeddings, dim].
// Returns [*, dim]. With max_norm, `weight` is modified in place (without
// autograd) before the lookup, as torch.nn.functional.embedding does.
Tensor embedding(const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx = std::nullopt,
                 std::optional<double> max_norm = std::nullopt, double norm_type = 2.0,
                 bool scale_grad_by_freq = false, bool sparse = false);
}  // namespace functional

}  // namespace wick::nn
