#pragma once
// TensorDataset: examples are the rows (first dim) of tensors you already have,
// as torch.utils.data.TensorDataset with one input and one target tensor.
#include "wick/data/dataset.h"

namespace wick::data {

class TensorDataset : public Dataset {
 public:
  // inputs [N, ...] and targets [N, ...] must agree on N (any device and dtype;
  // batches come out on the same device and dtype).
  TensorDataset(Tensor inputs, Tensor targets);
  int64_t size() const override { return inputs_.size(0); }
  Example get(int64_t index) const override;
  // One index_select per tensor: a new contiguous batch.
  Batch get_batch(const std::vector<int64_t>& indices) const override;
  const Tensor& inputs() const { return inputs_; }
  const Tensor& targets() const { return targets_; }

 private:
  Tensor inputs_, targets_;
};

}  // namespace wick::data
