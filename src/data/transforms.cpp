// Per-batch transforms on CPU tensors. Random choices: one Philox draw per
// example from the global generator, so manual_seed makes them repeatable.
#include "wick/data/transforms.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "core/core.h"
#include "wick/random.h"

namespace wick::data {

namespace {

void check_images(const char* op, const Tensor& x) {
  WICK_CHECK(x.defined(), op, ": undefined input tensor");
  WICK_CHECK(x.is_cpu(), op, ": transforms run on CPU batches, got ", x.describe(),
             "; apply the transform before moving the batch to the device");
  WICK_CHECK(x.dim() == 4, op, ": expected a batch of images [N, C, H, W], got ", x.describe(),
             x.dim() == 3 ? "; add the batch dimension with unsqueeze(0)" : "");
  WICK_CHECK(is_floating(x.dtype()), op, ": expected a float32 or float64 batch, got ", x.describe());
}

using Draws = std::vector<std::array<uint32_t, 2>>;

// One Philox block per example from the global generator (two 32-bit words used).
Draws draws(int64_t count) {
  GeneratorState s = wick::detail::reserve_random(static_cast<uint64_t>(count));
  Draws out(static_cast<size_t>(count));
  uint32_t r[4];
  for (int64_t i = 0; i < count; ++i) {
    wick::detail::philox(s.seed, s.offset + static_cast<uint64_t>(i), r);
    out[static_cast<size_t>(i)] = {r[0], r[1]};
  }
  return out;
}

template <typename T>
void normalize_typed(const Tensor& in, const Tensor& out, const std::vector<double>& mean, const std::vector<double>& sd) {
  const int64_t n = in.size(0), c = in.size(1), inner = in.numel() / std::max<int64_t>(n * c, 1);
  const T* src = in.data_ptr<T>();
  T* dst = out.data_ptr<T>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < c; ++ch) {
      const size_t k = mean.size() == 1 ? 0 : static_cast<size_t>(ch);
      // (x - m) / s as torchvision computes it (sub then div), not x * a + b.
      const T m = static_cast<T>(mean[k]), s = static_cast<T>(sd[k]);
      const T* a = src + (i * c + ch) * inner;
      T* b = dst + (i * c + ch) * inner;
      for (int64_t j = 0; j < inner; ++j) b[j] = (a[j] - m) / s;
    }
}

template <typename T>
void crop_typed(const Tensor& in, const Tensor& out, int64_t pad, const std::vector<double>& fill, const Draws& r) {
  const int64_t n = in.size(0), c = in.size(1), h = in.size(2), w = in.size(3);
  const int64_t oh = out.size(2), ow = out.size(3);
  const uint64_t span_y = static_cast<uint64_t>(h + 2 * pad - oh + 1), span_x = static_cast<uint64_t>(w + 2 * pad - ow + 1);
  const T* src = in.data_ptr<T>();
  T* dst = out.data_ptr<T>();
  for (int64_t i = 0; i < n; ++i) {
    const auto& v = r[static_cast<size_t>(i)];
    const int64_t top = static_cast<int64_t>(v[0] % span_y) - pad;
    const int64_t left = static_cast<int64_t>(v[1] % span_x) - pad;
    for (int64_t ch = 0; ch < c; ++ch) {
      const T* plane = src + (i * c + ch) * h * w;
      T* o = dst + (i * c + ch) * oh * ow;
      const T pad_value = static_cast<T>(fill[fill.size() == 1 ? 0 : static_cast<size_t>(ch)]);
      for (int64_t y = 0; y < oh; ++y) {
        const int64_t sy = y + top;
        T* row = o + y * ow;
        if (sy < 0 || sy >= h) { std::fill(row, row + ow, pad_value); continue; }
        for (int64_t x = 0; x < ow; ++x) {
          const int64_t sx = x + left;
          row[x] = sx < 0 || sx >= w ? pad_value : plane[sy * w + sx];
        }
      }
    }
  }
}

template <typename T>
void flip_typed(const Tensor& in, const Tensor& out, double p, const Draws& r) {
  const int64_t n = in.size(0), c = in.size(1), h = in.size(2), w = in.size(3);
  const T* src = in.data_ptr<T>();
  T* dst = out.data_ptr<T>();
  for (int64_t i = 0; i < n; ++i) {
    // u in [0, 1) from 32 bits; flip when u < p, as torch.rand(1) < p.
    const bool flip = static_cast<double>(r[static_cast<size_t>(i)][0]) * 0x1p-32 < p;
    for (int64_t row = 0; row < c * h; ++row) {
      const T* a = src + (i * c * h + row) * w;
      T* b = dst + (i * c * h + row) * w;
      if (flip)
        for (int64_t x = 0; x < w; ++x) b[x] = a[w - 1 - x];
      else
        std::memcpy(b, a, static_cast<size_t>(w) * sizeof(T));
    }
  }
}

}  // namespace

Normalize::Normalize(std::vector<double> mean, std::vector<double> std) : mean_(std::move(mean)), std_(std::move(std)) {
  WICK_CHECK(!mean_.empty() && mean_.size() == std_.size(), "Normalize: mean and std need the same number of values ",
             "(one per channel, or one for all), got ", mean_.size(), " and ", std_.size());
  // NaN or inf would turn every pixel into NaN (or 0) without a word.
  for (double m : mean_) WICK_CHECK(std::isfinite(m), "Normalize: mean must be finite, got ", m);
  for (double s : std_)
    WICK_CHECK(s != 0 && std::isfinite(s), "Normalize: std must be finite and nonzero (it divides), got ", s);
}

Tensor Normalize::operator()(const Tensor& x) const {
  WICK_CHECK(x.defined() && x.is_cpu() && x.dim() >= 2 && is_floating(x.dtype()),
             "Normalize: expected a floating CPU batch [N, C, ...], got ", x.defined() ? x.describe() : "undefined");
  WICK_CHECK(mean_.size() == 1 || static_cast<int64_t>(mean_.size()) == x.size(1), "Normalize: ", mean_.size(),
             " mean/std values for ", x.size(1), " channels (dim 1 of ", x.describe(), ")");
  Tensor in = core::contiguous(x.detach());
  Tensor out = core::make_tensor(in.sizes(), in.dtype(), Device::cpu());
  if (in.dtype() == kFloat32) normalize_typed<float>(in, out, mean_, std_);
  else normalize_typed<double>(in, out, mean_, std_);
  return out;
}

RandomCrop::RandomCrop(int64_t height, int64_t width, RandomCropOptions options)
    : height_(height), width_(width), padding_(options.padding), fill_(std::move(options.fill)) {
  WICK_CHECK(height > 0 && width > 0, "RandomCrop: size must be positive, got ", height, "x", width);
  // Any image plus padding must stay far from int64's range (the fit check
  // adds 2 * padding to the image size); 2^30 on each side is already absurd.
  WICK_CHECK(padding_ >= 0 && padding_ <= (int64_t{1} << 30), "RandomCrop: padding must be in [0, 2^30], got ",
             padding_);
  WICK_CHECK(!fill_.empty(), "RandomCrop: fill needs one value (for every channel) or one per channel, got none");
  for (double f : fill_) WICK_CHECK(std::isfinite(f), "RandomCrop: fill must be finite, got ", f);
}

Tensor RandomCrop::operator()(const Tensor& x) const {
  check_images("RandomCrop", x);
  WICK_CHECK(height_ <= x.size(2) + 2 * padding_ && width_ <= x.size(3) + 2 * padding_, "RandomCrop: a ", height_, "x",
             width_, " crop does not fit images of ", x.size(2), "x", x.size(3), " padded by ", padding_);
  WICK_CHECK(fill_.size() == 1 || static_cast<int64_t>(fill_.size()) == x.size(1), "RandomCrop: ", fill_.size(),
             " fill values for ", x.size(1), " channels (dim 1 of ", x.describe(), "); give one value or one per channel");
  Tensor in = core::contiguous(x.detach());
  Tensor out = core::make_tensor({in.size(0), in.size(1), height_, width_}, in.dtype(), Device::cpu());
  Draws r = draws(in.size(0));
  if (in.dtype() == kFloat32) crop_typed<float>(in, out, padding_, fill_, r);
  else crop_typed<double>(in, out, padding_, fill_, r);
  return out;
}

RandomHorizontalFlip::RandomHorizontalFlip(double p) : p_(p) {
  WICK_CHECK(p >= 0 && p <= 1, "RandomHorizontalFlip: p must be in [0, 1], got ", p);
}

Tensor RandomHorizontalFlip::operator()(const Tensor& x) const {
  check_images("RandomHorizontalFlip", x);
  Tensor in = core::contiguous(x.detach());
  Tensor out = core::make_tensor(in.sizes(), in.dtype(), Device::cpu());
  Draws r = draws(in.size(0));
  if (in.dtype() == kFloat32) flip_typed<float>(in, out, p_, r);
  else flip_typed<double>(in, out, p_, r);
  return out;
}

Tensor Compose::operator()(const Tensor& x) const {
  Tensor y = x;
  for (const Transform& t : transforms_) {
    WICK_CHECK(static_cast<bool>(t), "Compose: one of the transforms is empty");
    y = t(y);
  }
  return y;
}

}  // namespace wick::data
