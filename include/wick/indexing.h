#pragma once
// Indexing, joining and splitting. Index tensors are int64, as in PyTorch.
#include <vector>

#include "wick/tensor.h"

namespace wick {

Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index);
Tensor gather(const Tensor& a, int64_t dim, const Tensor& index);
// Out-of-place: a copy of `a` with src's values written (or added) at index.
Tensor scatter(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src);
// int64 class indices [*] -> int64 [*, num_classes] (num_classes -1: max + 1).
Tensor one_hot(const Tensor& indices, int64_t num_classes = -1);

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
std::vector<Tensor> split(const Tensor& a, int64_t split_size, int64_t dim = 0);
std::vector<Tensor> chunk(const Tensor& a, int64_t chunks, int64_t dim = 0);

}  // namespace wick
