#pragma once
// Turns `--data mnist|fashion-mnist|cifar10|PATH.csv` into normalized input
// tensors and targets in the convention of the model's loss:
//   classification: int64 [N] class ids (cross_entropy)
//   binary:         float32 [N, 1] in {0, 1} (BCE with logits on one output)
//   regression:     float32 [N, 1], standardized (MSE)
// The statistics and mappings used go into the ModelSpec, so evaluation
// applies exactly what training did.
#include <memory>
#include <string>
#include <vector>

#include "model_spec.h"
#include "wick/data/dataset.h"
#include "wick/data/mnist.h"
#include "wick/tensor.h"

namespace wick::cli {

struct DataRequest {
  std::string data;               // mnist | fashion-mnist | cifar10 | PATH.csv
  std::string data_dir = "data";  // parent of <name>/ (or the files themselves)
  std::string target;             // CSV target column
  int64_t binary = -1;            // --binary CLASS (image datasets)
  std::string model = "softmax";  // decides the task of a CSV
  uint64_t seed = 0;              // CSV train/test split
  double test_fraction = 0.2;     // CSV: share held out as the test set
};

struct PreparedData {
  ModelSpec spec;  // everything but kind/hidden/batchnorm/dropout
  Tensor train_x, train_y, test_x, test_y;
  bool images = false;
  std::string train_source, test_source;  // shown in the report
  // MNIST / Fashion-MNIST: train_x holds the uint8 pixels of train_images,
  // whose batches come out normalized (no float copy of the training set).
  std::shared_ptr<const data::MNIST> train_images;
};

// The training examples of `d` (the first train_x.size(0) of them) as the
// DataLoader's dataset: rows of train_x / train_y, or for MNIST-family data
// normalized while each batch is gathered from the uint8 pixels.
class TrainSet : public data::Dataset {
 public:
  explicit TrainSet(const PreparedData& d);
  int64_t size() const override { return x_.size(0); }
  data::Example get(int64_t index) const override;
  data::Batch get_batch(const std::vector<int64_t>& indices) const override;

 private:
  Tensor x_, y_;
  std::shared_ptr<const data::MNIST> images_;
};

bool is_builtin_dataset(const std::string& name);

// Checks what can be checked without reading files (flag combinations);
// throws UsageError.
void validate_request(const DataRequest& req);

// Loads and prepares train and test sets; wick::Error for missing or
// malformed files.
PreparedData prepare_training_data(const DataRequest& req);

// The evaluation set of `data` prepared as `spec` says (same normalization,
// class mapping, features, binary target). For a CSV the whole file.
struct EvalData {
  Tensor x, y;
  bool images = false;
  std::string source;
};
EvalData prepare_eval_data(const ModelSpec& spec, const std::string& data, const std::string& data_dir);

// (x - mean) / std per channel (dim 1) as the spec says.
Tensor normalize_inputs(const Tensor& x, const ModelSpec& spec);
// The inverse, for showing images.
Tensor denormalize_inputs(const Tensor& x, const ModelSpec& spec);

}  // namespace wick::cli
