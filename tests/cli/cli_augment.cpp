// `wick train --augment`: random crops pad with black, flips and crops do
// change the training batches, the flag is kept in config.json, and a crop
// larger than the images is refused before any run folder exists.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_fixtures.h"

namespace wick::clitest {
namespace {

std::vector<std::string> softmax_args(const std::string& root, const std::string& out, const std::string& augment) {
  std::vector<std::string> a = {"train", "--data", "mnist", "--data-dir", root, "--model", "softmax", "--epochs", "2",
                                "--batch-size", "50", "--limit", "600", "--seed", "3", "--threads", "1", "--out", out};
  if (!augment.empty()) a.insert(a.end(), {"--augment", augment});
  return a;
}

// Black images stay black under a flip and under a crop that pads with
// black: the same training, to the bit. Padding with 0 after the batch is
// normalized (not black: -mean/std is) would change every loss.
TEST(CliAugment, BlackImagesAreUnchangedByCropAndFlip) {
  const std::string dir = temp_dir("augment-black");
  write_black_mnist(dir + "/mnist", 600, 100, 5);
  Result plain = run_wick(softmax_args(dir, dir + "/plain", ""));
  ASSERT_EQ(plain.rc, 0) << plain.err;
  Result aug = run_wick(softmax_args(dir, dir + "/aug", "crop=3,flip"));
  ASSERT_EQ(aug.rc, 0) << aug.err;
  const std::vector<std::string> a = metrics_sans_timing(dir + "/plain"), b = metrics_sans_timing(dir + "/aug");
  ASSERT_EQ(a.size(), 3u);  // header and two epochs
  EXPECT_EQ(a, b);
  const auto cfg = nlohmann::json::parse(read_text(dir + "/aug/config.json"));
  EXPECT_EQ(cfg["args"]["augment"], "crop=3,flip");
  EXPECT_FALSE(nlohmann::json::parse(read_text(dir + "/plain/config.json"))["args"].contains("augment"));
}

// On images with content each augmentation changes what the model sees.
TEST(CliAugment, CropAndFlipChangeTheTrainingBatches) {
  const std::string dir = temp_dir("augment-batches");
  std::vector<std::string> losses;
  for (const char* augment : {"", "flip", "crop", "crop=1"}) {
    const std::string out = dir + "/run-" + std::to_string(losses.size());
    Result r = run_wick(softmax_args(data_root(), out, augment));
    ASSERT_EQ(r.rc, 0) << augment << ": " << r.err;
    const std::vector<std::string> rows = metrics_sans_timing(out);
    ASSERT_EQ(rows.size(), 3u);
    losses.push_back(split(rows[1], ',')[1]);  // epoch 1's training loss
  }
  for (size_t i = 1; i < losses.size(); ++i)
    for (size_t j = 0; j < i; ++j) EXPECT_NE(losses[i], losses[j]) << "runs " << i << " and " << j;
}

TEST(CliAugment, CropAsLargeAsTheImagesIsRefused) {
  const std::string out = temp_dir("augment-large") + "/run";
  Result r = run_wick(softmax_args(data_root(), out, "crop=28"));
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("--augment crop=28: the padding must be smaller than the 28x28 images"), std::string::npos)
      << r.err;
  EXPECT_FALSE(file_exists(out + "/config.json"));
}

}  // namespace
}  // namespace wick::clitest
