// TensorDataset: rows of two tensors.
#include "wick/data/tensor_dataset.h"

#include "wick/creation.h"
#include "wick/indexing.h"

namespace wick::data {

TensorDataset::TensorDataset(Tensor inputs, Tensor targets) : inputs_(std::move(inputs)), targets_(std::move(targets)) {
  WICK_CHECK(inputs_.defined() && targets_.defined(), "TensorDataset: inputs and targets must both be defined tensors");
  WICK_CHECK(inputs_.dim() >= 1 && targets_.dim() >= 1, "TensorDataset: inputs ", inputs_.describe(), " and targets ",
             targets_.describe(), " need a first (example) dimension; use unsqueeze(0) for a single example");
  WICK_CHECK(inputs_.size(0) == targets_.size(0), "TensorDataset: inputs ", inputs_.describe(), " and targets ",
             targets_.describe(), " differ in their first dimension (number of examples): ", inputs_.size(0), " vs ",
             targets_.size(0));
  WICK_CHECK(inputs_.device() == targets_.device(), "TensorDataset: inputs are on ", inputs_.device().str(),
             " but targets on ", targets_.device().str(), "; move both to one device");
}

Example TensorDataset::get(int64_t index) const {
  check_index("TensorDataset::get", index);
  return {inputs_.select(0, index).detach(), targets_.select(0, index).detach()};
}

Batch TensorDataset::get_batch(const std::vector<int64_t>& indices) const {
  for (int64_t i : indices) check_index("TensorDataset::get_batch", i);
  Tensor index = from_vector(indices, {static_cast<int64_t>(indices.size())}, {.device = inputs_.device()});
  // detach: a batch is data, not part of the graph that made the tensors.
  return {inputs_.detach().index_select(0, index), targets_.detach().index_select(0, index)};
}

}  // namespace wick::data
