#pragma once
// `wick train --augment crop,flip`: random changes to each training batch of
// an image dataset, torchvision's usual recipe (RandomCrop(size, padding=4),
// RandomHorizontalFlip()) as data::transforms.
//   crop      pad 4 pixels on every side, crop a random window of the image size
//   crop=N    the same with N pixels (1 <= N < the image's smaller side)
//   flip      mirror left-right with probability 0.5 (not for digits: a
//             mirrored 2 is not a 2; fine for clothes and CIFAR-10's classes)
// Applied in the order given, to training batches only (evaluation sees the
// images as they are). The batches arrive normalized, so the crop pads with
// black: fill = (0 - mean[c]) / std[c], what torchvision gives when it pads
// the image before Normalize.
#include <cstdint>
#include <string>
#include <vector>

#include "wick/data/transforms.h"

namespace wick::cli {

struct AugmentStep {
  enum Kind { Crop, Flip } kind;
  int64_t padding = 0;  // Crop
};

// Parses the flag's value; throws UsageError naming the entry that is wrong.
std::vector<AugmentStep> parse_augment(const std::string& text);

// The DataLoader transform for normalized image batches [N, C, H, W] with the
// dataset's per-channel mean/std. Throws UsageError when a crop's padding is
// not smaller than the images.
data::Transform make_augmentation(const std::string& text, const std::vector<int64_t>& image_shape,
                                  const std::vector<double>& mean, const std::vector<double>& std);

}  // namespace wick::cli
