#pragma once
// The Dataset interface: what every dataset (built in or yours) offers the
// DataLoader. Inputs and targets are tensors of one convention whatever the
// file format: classification targets are int64 class indices, regression
// targets float32.
#include <cstdint>
#include <string>
#include <vector>

#include "wick/tensor.h"

namespace wick::data {

enum class Split { Train, Test };

// One example: input and target (target may be a 0-d tensor, e.g. a class index).
struct Example {
  Tensor input;
  Tensor target;
};

// A batch: inputs [B, ...] and targets [B, ...]. Public members, so that
// `for (auto [x, y] : loader)` binds them.
struct Batch {
  Tensor inputs;
  Tensor targets;
};

// Implement size() and get() for your own data; override get_batch() when you
// can gather a batch faster than stacking examples one by one (the built-in
// datasets do: one pass into one new contiguous tensor).
//
// get() and get_batch() must be safe to call from a DataLoader's worker thread
// (num_workers = 1) while the caller's thread trains: read-only access to your
// data is; drawing from the global random generator there is not repeatable.
class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  virtual Example get(int64_t index) const = 0;
  // Default: stack(get(i) for i in indices) for inputs and for targets.
  virtual Batch get_batch(const std::vector<int64_t>& indices) const;
  // Class names of a classification dataset, in class-index order; empty otherwise.
  virtual std::vector<std::string> classes() const { return {}; }
  int64_t num_classes() const { return static_cast<int64_t>(classes().size()); }

 protected:
  // Throws a wick::Error naming `who` unless 0 <= index < size().
  void check_index(const char* who, int64_t index) const;
};

// A view of some examples of another dataset, as torch.utils.data.Subset.
// Holds a reference: the parent dataset must outlive the Subset.
class Subset : public Dataset {
 public:
  Subset(const Dataset& dataset, std::vector<int64_t> indices);
  Subset(const Dataset&& dataset, std::vector<int64_t> indices) = delete;  // would dangle
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  Example get(int64_t index) const override;
  Batch get_batch(const std::vector<int64_t>& indices) const override;
  std::vector<std::string> classes() const override { return dataset_->classes(); }
  const Dataset& dataset() const { return *dataset_; }
  const std::vector<int64_t>& indices() const { return indices_; }

 private:
  const Dataset* dataset_;
  std::vector<int64_t> indices_;
};

// Splits `dataset` into disjoint random subsets, as torch.utils.data.random_split.
// `lengths` are either counts that sum to dataset.size(), e.g. {50000, 10000},
// or fractions that sum to 1, e.g. {0.8, 0.2} (floor(f * n) each, the
// remainder handed out one by one from the first subset on, as PyTorch).
// The same seed gives the same split; the global generator is not touched.
std::vector<Subset> random_split(const Dataset& dataset, const std::vector<double>& lengths, uint64_t seed = 0);
std::vector<Subset> random_split(const Dataset&& dataset, const std::vector<double>& lengths,
                                 uint64_t seed = 0) = delete;  // would dangle

namespace detail {
// A permutation of 0..n-1 drawn from a Philox stream keyed on (seed, stream)
// (Fisher-Yates): the same pair gives the same order on every run and machine.
// The DataLoader uses stream = epoch; random_split stream 2^64-1.
std::vector<int64_t> permutation(int64_t n, uint64_t seed, uint64_t stream = 0);
}  // namespace detail

}  // namespace wick::data
