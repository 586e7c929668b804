#pragma once
// MNIST and Fashion-MNIST from their IDX files, as torchvision.datasets.MNIST,
// but with one convention: images float32 [N, 1, 28, 28] in [0, 1], targets
// int64 [N].
//
// `root` is the folder holding the four files (each plain or .gz):
//   train-images-idx3-ubyte  train-labels-idx1-ubyte
//   t10k-images-idx3-ubyte   t10k-labels-idx1-ubyte
// (torchvision's layout root/MNIST/raw/ or root/FashionMNIST/raw/ is found too).
// Get them with `wick data fetch mnist` or scripts/fetch-data.sh.
#include <string>
#include <vector>

#include "wick/data/dataset.h"

namespace wick::data {

struct MNISTOptions {
  // Keep the pixels as uint8 (47 MB instead of 188 MB for the training set)
  // and convert to float32 / 255 per batch in get_batch().
  bool keep_uint8 = false;
  // Everything handed out (batches, get(), images()) is normalized,
  // (x / 255 - mean) / std, computed as one multiply-add while the pixels are
  // converted: at load for the float32 set, per batch with keep_uint8. No
  // separate normalize pass over the set. The defaults leave x / 255 exactly.
  double mean = 0.0, std = 1.0;
};

class MNIST : public Dataset {
 public:
  MNIST(const std::string& root, Split split = Split::Train, const MNISTOptions& options = {});

  int64_t size() const override { return targets_.size(0); }
  Example get(int64_t index) const override;       // input float32 [1, 28, 28], target int64 0-d
  Batch get_batch(const std::vector<int64_t>& indices) const override;
  std::vector<std::string> classes() const override { return classes_; }

  // float32 [N, 1, H, W]: in [0, 1], or normalized by the options' mean/std.
  // With keep_uint8 this converts the whole set on each call: use
  // uint8_images() or get_batch() instead.
  Tensor images() const;
  // The stored uint8 pixels [N, 1, H, W]; only with keep_uint8.
  Tensor uint8_images() const;
  const Tensor& targets() const { return targets_; }  // int64 [N]
  Split split() const { return split_; }

 protected:
  MNIST(const std::string& name, const std::string& root, Split split, const MNISTOptions& options,
        std::vector<std::string> classes);

 private:
  Split split_;
  bool keep_uint8_;
  Tensor images_;   // float32, or uint8 with keep_uint8
  Tensor targets_;  // int64
  std::vector<std::string> classes_;
  bool normalize_ = false;                // pixels to floats as x * scale_ + shift_,
  float scale_ = 1.0f / 255, shift_ = 0;  // else x / 255
};

// Zalando's Fashion-MNIST: the same file names and format as MNIST, ten
// clothing classes (T-shirt/top, Trouser, Pullover, ...).
class FashionMNIST : public MNIST {
 public:
  FashionMNIST(const std::string& root, Split split = Split::Train, const MNISTOptions& options = {});
};

// Reads one IDX file of unsigned bytes (type 0x08), plain or gzip-compressed,
// into a uint8 tensor of the dims its header gives. The header is validated:
// magic 0x000008DD (DD = number of dims), no zero dims, and the (decompressed)
// size must equal 4 + 4 * DD + product(dims); otherwise a wick::FormatError
// names the file, the expected and the actual size.
// `expected_dims` (when > 0) must match DD.
Tensor read_idx(const std::string& path, int expected_dims = 0);

}  // namespace wick::data
