#pragma once
// CIFAR-10, binary version (https://www.cs.toronto.edu/~kriz/cifar.html,
// "CIFAR-10 binary version (suitable for C programs)").
//
// `root` holds data_batch_1.bin ... data_batch_5.bin, test_batch.bin and
// batches.meta.txt (or the folder cifar-10-batches-bin/ the archive unpacks
// to). Each record is 3073 bytes: a label byte (0..9) then 3072 pixels, the
// red, green and blue 32x32 planes (CHW). Images float32 [N, 3, 32, 32] in
// [0, 1]; targets int64 [N] (a tensor, not the Python list torchvision gives).
#include <string>
#include <vector>

#include "wick/data/dataset.h"

namespace wick::data {

class CIFAR10 : public Dataset {
 public:
  CIFAR10(const std::string& root, Split split = Split::Train);

  int64_t size() const override { return targets_.size(0); }
  Example get(int64_t index) const override;
  Batch get_batch(const std::vector<int64_t>& indices) const override;
  // From batches.meta.txt (one name per line, spaces around it, blank lines
  // and a UTF-8 BOM ignored); the standard ten names when that file is absent.
  std::vector<std::string> classes() const override { return classes_; }

  const Tensor& images() const { return images_; }    // float32 [N, 3, 32, 32]
  const Tensor& targets() const { return targets_; }  // int64 [N]

 private:
  Tensor images_, targets_;
  std::vector<std::string> classes_;
};

}  // namespace wick::data
