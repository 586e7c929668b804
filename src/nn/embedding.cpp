// Embedding: the lookup is core::index_select on the weight's rows, and the
// gradient core::index_add_into a zero table. Both exist on every backend, so
// CUDA tensors work without a kernel of their own. The node is recorded here
// rather than through wick::index_select because the padding row and
// scale_grad_by_freq reweight the gradient rows before they are added.
#include "wick/nn/embedding.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "autograd/node.h"
#include "core/core.h"
#include "nn/layers_common.h"
#include "wick/autograd.h"
#include "wick/creation.h"
#include "wick/elementwise.h"
#include "wick/reduction.h"

namespace wick::nn {
namespace {

constexpr const char* kSparseAdvice =
    "sparse=true asks for sparse gradients, which wick does not have; use sparse=false (the default): the dense "
    "gradient holds the same values and every wick optimizer takes it";

// padding_idx in -num .. num-1 -> 0 .. num-1 (PyTorch's rule).
std::optional<int64_t> normalize_padding(const char* op, std::optional<int64_t> padding_idx, int64_t num) {
  if (!padding_idx) return std::nullopt;
  int64_t p = *padding_idx;
  WICK_CHECK(p >= -num && p < num, op, ": padding_idx ", p, " is out of range for num_embeddings ", num,
             "; valid values are ", -num, " .. ", num - 1, " (negative counts from the end)");
  return p < 0 ? p + num : p;
}

// Host-side range check (CPU indices only): an index outside the table would
// read outside the weight's memory. CUDA indices are checked by the
// index_select kernel (reported at the next synchronization), as in
// wick::index_select, so a lookup does not wait for the GPU.
void check_range(const Tensor& flat, int64_t num, const Tensor& weight) {
  if (!flat.is_cpu()) return;
  const int64_t* p = flat.data_ptr<int64_t>();
  for (int64_t i = 0, n = flat.numel(); i < n; ++i)
    if (p[i] < 0 || p[i] >= num) [[unlikely]]
      throw Error(wick::detail::concat("embedding: index ", p[i], " is out of range for a table of ", num,
                                 " embeddings (weight ", weight.describe(), "); valid indices are 0 .. ", num - 1,
                                 p[i] < 0 ? " (negative indices are not allowed)" : ""));
}

// PyTorch's embedding_renorm_: each distinct row looked up whose norm exceeds
// max_norm is scaled by max_norm / (norm + 1e-7), in place and untracked.
void renorm_rows(const Tensor& weight, const Tensor& flat, double max_norm, double norm_type) {
  NoGradGuard no_grad;
  Tensor host = flat.is_cpu() ? flat : core::to_device(flat, Device::cpu());
  const int64_t* p = host.data_ptr<int64_t>();
  std::vector<int64_t> rows(p, p + host.numel());
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  if (rows.empty()) return;
  const int64_t u = static_cast<int64_t>(rows.size()), dim = weight.size(1);
  Tensor uidx = from_vector(rows, {u}, {.dtype = kInt64, .device = weight.device()});
  Tensor selected = core::index_select(weight, 0, uidx);
  Tensor norms = norm(selected, norm_type, {1}, /*keepdim=*/true);
  Tensor scale = where(norms > max_norm, max_norm / (norms + 1e-7), 1.0);
  Tensor where_to = core::contiguous(uidx.reshape({u, 1}).expand({u, dim}));
  core::scatter_into(weight, 0, where_to, core::contiguous(selected * scale), /*accumulate=*/false);
}

}  // namespace

namespace functional {

Tensor embedding(const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx,
                 std::optional<double> max_norm, double norm_type, bool scale_grad_by_freq, bool sparse) {
  core::check_defined("embedding", input, "indices");
  core::check_defined("embedding", weight, "weight");
  WICK_CHECK(!sparse, "embedding: ", kSparseAdvice);
  WICK_CHECK(weight.dim() == 2, "embedding: weight must be 2-D [num_embeddings, embedding_dim], got ",
             weight.describe());
  WICK_CHECK(is_floating(weight.dtype()), "embedding: weight must be floating (float32 or float64), got ",
             weight.describe());
  WICK_CHECK(input.dtype() == kInt64, "embedding: indices must be an int64 tensor, got ", input.describe(),
             "; convert them with .to(wick::kInt64)");
  core::check_same_device("embedding", weight, input);
  const int64_t num = weight.size(0), dim = weight.size(1);
  const std::optional<int64_t> pad = normalize_padding("embedding", padding_idx, num);
  WICK_CHECK(!max_norm || (*max_norm > 0 && std::isfinite(*max_norm)), "embedding: max_norm must be positive and ",
             "finite, got ", max_norm.value_or(0));

  // A private flat copy: the backward reads it, and must not see later
  // in-place changes to the caller's index tensor.
  Tensor flat = core::clone(input).reshape({input.numel()});
  check_range(flat, num, weight);
  if (max_norm && flat.numel() > 0) renorm_rows(weight, flat, *max_norm, norm_type);

  Shape out_shape = input.sizes();
  out_shape.push_back(dim);
  Tensor rows = flat.numel() > 0 ? core::index_select(weight, 0, flat)
                                 : core::make_tensor({0, dim}, weight.dtype(), weight.device());
  Tensor out = core::make_view(rows, out_shape, core::contiguous_strides(out_shape), 0);
  if (autograd::needs_grad(weight))
    autograd::record(
        "EmbeddingBackward", {&weight}, {&out},
        [flat, num, dim, pad, scale_grad_by_freq](const autograd::TensorList& g) -> autograd::TensorList {
          if (!g[0].defined()) return {Tensor()};
          const TensorOptions like{.dtype = g[0].dtype(), .device = g[0].device()};
          Tensor grad_rows = core::contiguous(g[0]).reshape({flat.numel(), dim});
          // Per looked-up row factor: 0 for the padding index, 1/count with
          // scale_grad_by_freq; applied before the rows are summed per index.
          Tensor factor;
          if (scale_grad_by_freq && flat.numel() > 0) {
            Tensor counts = zeros({num}, like);
            core::index_add_into(counts, 0, flat, ones({flat.numel()}, like));
            factor = 1.0 / core::index_select(counts, 0, flat);
          }
          if (pad) {
            Tensor keep = flat.ne(static_cast<double>(*pad)).to(g[0].dtype());
            factor = factor.defined() ? factor * keep : keep;
          }
          if (factor.defined()) grad_rows = core::contiguous(grad_rows * factor.reshape({flat.numel(), 1}));
          Tensor gw = zeros({num, dim}, like);
          core::index_add_into(gw, 0, flat, grad_rows);
          return {gw};
        },
        /*saves=*/false);
  return out;
}

}  // namespace functional

Embedding::Embedding(int64_t num, int64_t dim, const EmbeddingOptions& o)
    : num_embeddings(num), embedding_dim(dim), max_norm(o.max_norm), norm_type(o.norm_type),
      scale_grad_by_freq(o.scale_grad_by_freq) {
  WICK_CHECK(num > 0 && dim > 0, "Embedding: num_embeddings and embedding_dim must be positive, got ", num, " and ",
             dim);
  WICK_CHECK(!o.sparse, "Embedding: ", kSparseAdvice);
  WICK_CHECK(is_floating(o.dtype), "Embedding: dtype must be floating (float32 or float64), got ", dtype_name(o.dtype));
  padding_idx = normalize_padding("Embedding", o.padding_idx, num);
  weight = empty({num, dim}, {.dtype = o.dtype, .device = o.device});
  register_parameter("weight", weight);
  reset_parameters();
}

Embedding::Embedding(Pretrained, const Tensor& embeddings, bool freeze, const EmbeddingOptions& o)
    : num_embeddings(embeddings.size(0)), embedding_dim(embeddings.size(1)), max_norm(o.max_norm),
      norm_type(o.norm_type), scale_grad_by_freq(o.scale_grad_by_freq) {
  WICK_CHECK(!o.sparse, "Embedding.from_pretrained: ", kSparseAdvice);
  padding_idx = normalize_padding("Embedding.from_pretrained", o.padding_idx, num_embeddings);
  weight = core::clone(embeddings);
  register_parameter("weight", weight, /*requires_grad=*/!freeze);
}

Embedding Embedding::from_pretrained(const Tensor& embeddings, bool freeze, const EmbeddingOptions& options) {
  core::check_defined("Embedding.from_pretrained", embeddings, "embeddings");
  WICK_CHECK(embeddings.dim() == 2 && is_floating(embeddings.dtype()),
             "Embedding.from_pretrained: embeddings must be a 2-D floating tensor [num_embeddings, embedding_dim], ",
             "got ",
             embeddings.describe());
  WICK_CHECK(embeddings.size(0) > 0 && embeddings.size(1) > 0,
             "Embedding.from_pretrained: embeddings must not be empty, got ", embeddings.describe());
  return Embedding(Pretrained{}, embeddings, freeze, options);
}

void Embedding::reset_parameters() {
  NoGradGuard g;
  weight.copy_(randn(weight.sizes(), {.dtype = weight.dtype(), .device = weight.device()}));
  if (padding_idx) weight[*padding_idx].fill_(0.0);
}

Tensor Embedding::forward(const Tensor& input) {
  return functional::embedding(input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq);
}

std::string Embedding::extra_repr() const {
  std::string s = std::to_string(num_embeddings) + ", " + std::to_string(embedding_dim);
  if (padding_idx) s += ", padding_idx=" + std::to_string(*padding_idx);
  if (max_norm) s += ", max_norm=" + detail::python_float(*max_norm);
  if (norm_type != 2.0) s += ", norm_type=" + detail::python_float(norm_type);
  if (scale_grad_by_freq) s += ", scale_grad_by_freq=True";
  return s;
}

}  // namespace wick::nn
