// Normalize, RandomCrop, RandomHorizontalFlip and Compose on CPU batches.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <set>

#include "datasets/data_test_util.h"
#include "wick/data/data.h"
#include "wick/wick.h"

using namespace wick;
using namespace wick::testing;

namespace {
// x[n, c, y, x] = n * 1000 + c * 100 + y * 10 + x: every pixel says where it came from.
Tensor coded(int64_t n, int64_t c, int64_t h, int64_t w) {
  std::vector<float> v;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) v.push_back(static_cast<float>(i * 1000 + ch * 100 + y * 10 + x));
  return from_vector(v, {n, c, h, w});
}
}  // namespace

TEST(DataTransforms, NormalizePerChannel) {
  Tensor x = coded(2, 3, 2, 2);
  const std::vector<double> mean = {0.5, 100, -2}, sd = {2, 0.5, 4};
  Tensor y = data::Normalize(mean, sd)(x);
  EXPECT_EQ(y.sizes(), x.sizes());
  EXPECT_EQ(y.dtype(), kFloat32);
  std::vector<float> xv = x.to_vector<float>(), yv = y.to_vector<float>();
  for (size_t k = 0; k < xv.size(); ++k) {
    size_t c = (k / 4) % 3;
    EXPECT_FLOAT_EQ(yv[k], static_cast<float>((xv[k] - mean[c]) / sd[c])) << k;
  }
  // One value for all channels; float64 input; [N, F] tabular input.
  Tensor z = data::Normalize({0.1307}, {0.3081})(x.to(kFloat64));
  EXPECT_EQ(z.dtype(), kFloat64);
  EXPECT_DOUBLE_EQ(z.to_vector<double>()[5], (xv[5] - 0.1307) / 0.3081);
  Tensor t = data::Normalize({1, 2}, {1, 2})(tensor({{1.0, 2.0}, {3.0, 6.0}}));
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{0, 0, 2, 2}));
  // Errors.
  EXPECT_TRUE(message_has(error_message([] { data::Normalize({0.5, 0.5}, {1}); }), {"Normalize", "2 and 1"}));
  EXPECT_TRUE(message_has(error_message([] { data::Normalize({0.5}, {0}); }), {"nonzero"}));
  // NaN or inf would make every value NaN (or 0) silently.
  const double nan = std::nan(""), inf = HUGE_VAL;
  EXPECT_TRUE(message_has(error_message([&] { data::Normalize({nan}, {1}); }), {"Normalize", "mean", "finite", "nan"}));
  EXPECT_TRUE(message_has(error_message([&] { data::Normalize({0, 0}, {1, nan}); }), {"Normalize", "std", "nan"}));
  EXPECT_TRUE(message_has(error_message([&] { data::Normalize({0}, {inf}); }), {"Normalize", "std", "inf"}));
  EXPECT_TRUE(message_has(error_message([&] { data::Normalize({1, 2}, {1, 1})(x); }), {"2 mean/std values for 3 channels"}));
  EXPECT_TRUE(message_has(error_message([&] { data::Normalize({1}, {1})(zeros({2, 3}, {.dtype = kInt64})); }),
                          {"Normalize", "int64"}));
}

TEST(DataTransforms, HorizontalFlip) {
  Tensor x = coded(4, 2, 3, 5);
  EXPECT_EQ(data::RandomHorizontalFlip(0.0)(x).to_vector<float>(), x.to_vector<float>());
  Tensor f = data::RandomHorizontalFlip(1.0)(x);
  EXPECT_EQ(f.sizes(), x.sizes());
  std::vector<float> xv = x.to_vector<float>(), fv = f.to_vector<float>();
  for (int64_t row = 0; row < 4 * 2 * 3; ++row)
    for (int64_t c = 0; c < 5; ++c) EXPECT_EQ(fv[row * 5 + c], xv[row * 5 + 4 - c]);
  // p = 0.5: seeded, repeatable, and per example (some flipped, some not).
  Tensor big = coded(64, 1, 2, 3);
  manual_seed(11);
  Tensor a = data::RandomHorizontalFlip()(big);
  manual_seed(11);
  Tensor b = data::RandomHorizontalFlip()(big);
  EXPECT_EQ(a.to_vector<float>(), b.to_vector<float>());
  int flipped = 0;
  std::vector<float> av = a.to_vector<float>();
  for (int64_t i = 0; i < 64; ++i) flipped += av[i * 6] != static_cast<float>(i * 1000);
  EXPECT_GT(flipped, 10);
  EXPECT_LT(flipped, 54);
  Tensor c = data::RandomHorizontalFlip()(big);  // the generator moved on
  EXPECT_NE(c.to_vector<float>(), a.to_vector<float>());
  EXPECT_TRUE(message_has(error_message([] { data::RandomHorizontalFlip(1.5); }), {"p", "1.5"}));
  EXPECT_TRUE(message_has(error_message([&] { data::RandomHorizontalFlip()(zeros({3, 4, 4})); }), {"[N, C, H, W]"}));
}

TEST(DataTransforms, RandomCrop) {
  Tensor x = coded(16, 2, 6, 6);
  // No padding, full size: identity.
  EXPECT_EQ(data::RandomCrop(6)(x).to_vector<float>(), x.to_vector<float>());
  manual_seed(3);
  Tensor a = data::RandomCrop(4, 1)(x);
  EXPECT_EQ(a.sizes(), (Shape{16, 2, 4, 4}));
  manual_seed(3);
  EXPECT_EQ(data::RandomCrop(4, 1)(x).to_vector<float>(), a.to_vector<float>());
  // Each crop is a window of the padded image: find its offset from the
  // coded values and check the whole window (both channels share the offset).
  // Returns the number of distinct offsets.
  auto check_windows = [](const Tensor& crops, int64_t pad, std::array<float, 2> fill) {
    std::vector<float> av = crops.to_vector<float>();
    std::set<std::pair<int64_t, int64_t>> offsets;
    for (int64_t i = 0; i < 16; ++i) {
      bool found = false;
      for (int64_t top = -pad; top <= 2 + pad && !found; ++top)
        for (int64_t left = -pad; left <= 2 + pad && !found; ++left) {
          bool match = true;
          for (int64_t c = 0; c < 2 && match; ++c)
            for (int64_t y = 0; y < 4 && match; ++y)
              for (int64_t xx = 0; xx < 4 && match; ++xx) {
                int64_t sy = y + top, sx = xx + left;
                float want = sy < 0 || sy >= 6 || sx < 0 || sx >= 6 ? fill[static_cast<size_t>(c)]
                                                                   : static_cast<float>(i * 1000 + c * 100 + sy * 10 + sx);
                match = av[((i * 2 + c) * 4 + y) * 4 + xx] == want;
              }
          if (match) {
            found = true;
            offsets.insert({top, left});
          }
        }
      EXPECT_TRUE(found) << "crop " << i << " is not a window of the padded image";
    }
    return offsets.size();
  };
  EXPECT_GT(check_windows(a, 1, {0.0f, 0.0f}), 3u) << "offsets should vary per example";
  // A fill per channel (torchvision's fill; -mean/std pads a normalized batch
  // with black), and one fill for every channel.
  manual_seed(3);
  Tensor filled = data::RandomCrop(4, {.padding = 2, .fill = {-1.5, 7.0}})(x);
  EXPECT_GT(check_windows(filled, 2, {-1.5f, 7.0f}), 3u);
  EXPECT_GT(check_windows(data::RandomCrop(4, {.padding = 2, .fill = {-0.25}})(x), 2, {-0.25f, -0.25f}), 3u);
  EXPECT_TRUE(message_has(error_message([&] { data::RandomCrop(4, {.padding = 1, .fill = {1.0, 2.0, 3.0}})(x); }),
                          {"RandomCrop", "3 fill values", "2 channels"}));
  EXPECT_TRUE(message_has(error_message([] { data::RandomCrop(4, {.padding = 1, .fill = {}}); }), {"RandomCrop", "fill"}));
  EXPECT_TRUE(message_has(error_message([] { data::RandomCrop(4, {.padding = 1, .fill = {std::nan("")}}); }), {"RandomCrop", "fill", "finite"}));
  // Rectangular crop, padding only.
  EXPECT_EQ(data::RandomCrop(3, 8, 1)(x).sizes(), (Shape{16, 2, 3, 8}));
  EXPECT_TRUE(message_has(error_message([&] { data::RandomCrop(9, 1)(x); }), {"RandomCrop", "9x9", "6x6"}));
  EXPECT_TRUE(message_has(error_message([] { data::RandomCrop(4, -1); }), {"padding"}));
  // Padding so large that 2 * padding overflowed in the fit check's message.
  EXPECT_TRUE(message_has(error_message([] { data::RandomCrop(2, int64_t{1} << 62); }),
                          {"RandomCrop", "padding", "4611686018427387904"}));
  EXPECT_EQ(data::RandomCrop(4, int64_t{1} << 30)(x).sizes(), (Shape{16, 2, 4, 4}));
}

TEST(DataTransforms, ComposeAndLambdas) {
  Tensor x = coded(2, 1, 4, 4);
  data::Transform t = data::Compose({data::RandomHorizontalFlip(1.0), [](const Tensor& v) { return v * 2.0; },
                                     data::Normalize({1}, {2})});
  std::vector<float> y = t(x).to_vector<float>();
  EXPECT_EQ(y[0], (2.0f * 3 - 1) / 2);  // pixel (0, 0) came from column 3
  EXPECT_EQ(t(x).sizes(), x.sizes());
}
