#include "augment.h"

#include <algorithm>
#include <charconv>

#include "common.h"

namespace wick::cli {

std::vector<AugmentStep> parse_augment(const std::string& text) {
  std::vector<AugmentStep> steps;
  bool seen_crop = false, seen_flip = false;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    start = comma + 1;
    if (item == "flip") {
      if (seen_flip) usage_error("--augment ", text, ": flip is given twice");
      seen_flip = true;
      steps.push_back({AugmentStep::Flip});
      continue;
    }
    if (item == "crop" || item.starts_with("crop=")) {
      if (seen_crop) usage_error("--augment ", text, ": crop is given twice");
      seen_crop = true;
      int64_t padding = 4;
      if (item != "crop") {
        const char* first = item.data() + 5;
        const char* last = item.data() + item.size();
        const auto [end, ec] = std::from_chars(first, last, padding);
        if (ec != std::errc() || end != last || first == last || padding < 1)
          usage_error("--augment ", text, ": '", item, "': the crop's padding must be a positive whole number of ",
                      "pixels, e.g. crop=4");
      }
      steps.push_back({AugmentStep::Crop, padding});
      continue;
    }
    usage_error("--augment ", text, ": unknown augmentation '", item,
                "'; use crop, crop=PADDING and/or flip, separated by commas (e.g. --augment crop,flip)");
  }
  return steps;
}

data::Transform make_augmentation(const std::string& text, const std::vector<int64_t>& image_shape,
                                  const std::vector<double>& mean, const std::vector<double>& std) {
  const int64_t height = image_shape.at(1), width = image_shape.at(2);
  std::vector<data::Transform> transforms;
  for (const AugmentStep& s : parse_augment(text)) {
    if (s.kind == AugmentStep::Flip) {
      transforms.push_back(data::RandomHorizontalFlip(0.5));
      continue;
    }
    // Padding as large as the image would let a crop hold no pixel of it.
    if (s.padding >= std::min(height, width))
      usage_error("--augment crop=", s.padding, ": the padding must be smaller than the ", height, "x", width,
                  " images (the usual choice is 4; 2 for 28x28 digits)");
    std::vector<double> black(mean.size());
    for (size_t c = 0; c < mean.size(); ++c) black[c] = -mean[c] / std[c];
    transforms.push_back(data::RandomCrop(height, width, {.padding = s.padding, .fill = black}));
  }
  return data::Compose(std::move(transforms));
}

}  // namespace wick::cli
