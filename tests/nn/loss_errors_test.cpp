// What bad input to a loss gets: a wick::Error naming the op, the shapes,
// dtypes, values or devices involved, and the fix.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "core/expect_error.h"
#include "wick/nn/loss.h"
#include "wick/wick.h"

namespace {

using namespace wick;
namespace F = wick::nn::functional;

// A tensor that claims to live on cuda:0. Without a CUDA build no real one can
// exist, but the device checks come before any data is touched, so a
// metadata-only handle is enough to test the message.
Tensor on_other_device(const Shape& shape, DType dtype = kFloat32) {
  if (cuda::is_available()) return zeros(shape, {.dtype = dtype, .device = Device::cuda()});
  auto impl = std::make_shared<TensorImpl>();
  // Null data: ~Storage hands nothing back, so no cuda backend is needed to free it.
  impl->storage = std::make_shared<Storage>(nullptr, 0, Device::cuda());
  impl->sizes = shape;
  impl->strides.assign(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    impl->strides[d] = impl->strides[d + 1] * shape[d + 1];
  impl->numel = 1;
  for (int64_t s : shape) impl->numel *= s;
  impl->dtype = dtype;
  return Tensor(impl);
}

TEST(LossErrors, CrossEntropyFloatClassIndices) {
  Tensor z = randn({4, 3});
  EXPECT_WICK_ERROR(F::cross_entropy(z, tensor({0.0, 1.0, 2.0, 1.0})),
                    {"cross_entropy", "expected int64 class indices",
                     "for probabilities pass a float tensor of the input's shape", "[4]", "[4, 3]"});
  // The module says the same.
  EXPECT_WICK_ERROR(nn::CrossEntropyLoss()(z, tensor({0.0, 1.0, 2.0, 1.0})), {"expected int64 class indices"});
  EXPECT_WICK_ERROR(F::cross_entropy(z, tensor({0, 1, 2, 1}).to(kUInt8)), {"cross_entropy", "int64", "uint8"});
  EXPECT_WICK_ERROR(F::nll_loss(z, tensor({0.0, 1.0, 2.0, 1.0})), {"nll_loss", "expected int64 class indices"});
}

TEST(LossErrors, CrossEntropyTargetOutOfRange) {
  Tensor z = randn({4, 3});
  EXPECT_WICK_ERROR(F::cross_entropy(z, tensor({0, 1, 3, 1})), {"cross_entropy", "target 3", "3 classes", "0 .. 2"});
  EXPECT_WICK_ERROR(F::cross_entropy(z, tensor({0, -1, 2, 1})), {"cross_entropy", "target -1", "3 classes"});
  EXPECT_WICK_ERROR(nn::detail::cross_entropy_composed(z, tensor({0, 1, 7, 1}), {}), {"target 7"});
  EXPECT_WICK_ERROR(F::nll_loss(z, tensor({0, 1, 9, 1})), {"nll_loss", "target 9", "3 classes"});
  EXPECT_WICK_ERROR(F::cross_entropy(randn({2, 3, 4}), tensor({{0.0, 1, 2, 5}, {0, 0, 0, 0}}).to(kInt64)),
                    {"target 5", "3 classes"});
  // ignore_index is allowed anywhere, in or out of range.
  EXPECT_NO_THROW(F::cross_entropy(z, tensor({0, -100, 2, 1})));
  EXPECT_NO_THROW(F::cross_entropy(z, tensor({0, 7, 2, 7}), {.ignore_index = 7}));
  EXPECT_NO_THROW(F::nll_loss(log_softmax(z, 1), tensor({0, 7, 2, 7}), {.ignore_index = 7}));
}

TEST(LossErrors, CrossEntropyTargetShape) {
  EXPECT_WICK_ERROR(F::cross_entropy(randn({4, 3}), tensor({0, 1, 2, 1, 0})), {"cross_entropy", "[5]", "[4, 3]", "[4]"});
  EXPECT_WICK_ERROR(F::cross_entropy(randn({4, 3}), zeros({4, 1}, {.dtype = kInt64})), {"[4, 1]", "[4, 3]"});
  EXPECT_WICK_ERROR(F::cross_entropy(randn({2, 3, 5}), zeros({2, 4}, {.dtype = kInt64})), {"[2, 4]", "[2, 3, 5]", "[2, 5]"});
  // Probabilities of the wrong shape: float but not the input's shape.
  EXPECT_WICK_ERROR(F::cross_entropy(randn({4, 3}), rand({4, 2})), {"[4, 2]", "[4, 3]", "float tensor of the input's shape"});
  EXPECT_WICK_ERROR(F::cross_entropy(tensor(1.0), tensor(0.0).to(kInt64)), {"cross_entropy", "class dim"});
}

TEST(LossErrors, CrossEntropyOptions) {
  Tensor z = randn({4, 3});
  Tensor t = tensor({0, 1, 2, 1});
  EXPECT_WICK_ERROR(F::cross_entropy(z, t, {.weight = ones({4})}), {"cross_entropy", "weight", "[4]", "3"});
  EXPECT_WICK_ERROR(F::cross_entropy(z, t, {.label_smoothing = 1.5}), {"label_smoothing", "[0, 1]", "1.5"});
  EXPECT_WICK_ERROR(F::cross_entropy(z, softmax(randn({4, 3}), 1), {.ignore_index = 1}),
                    {"ignore_index", "probability targets"});
  EXPECT_WICK_ERROR(F::cross_entropy(z, t, {.weight = ones({3}, {.dtype = kInt64})}), {"weight", "floating"});
}

TEST(LossErrors, BceInputsMustBeProbabilities) {
  Tensor logits = tensor({-2.0, 0.5, 3.0});
  Tensor y = tensor({0.0, 1.0, 1.0});
  EXPECT_WICK_ERROR(F::binary_cross_entropy(logits, y),
                    {"binary_cross_entropy", "[0, 1]", "-2", "3", "logits", "BCEWithLogitsLoss", "sigmoid"});
  EXPECT_WICK_ERROR(nn::BCELoss()(logits, y), {"BCEWithLogitsLoss"});
  // NaN is a diverged model, not logits: the message says so.
  EXPECT_WICK_ERROR(F::binary_cross_entropy(tensor({0.5, NAN, 0.2}), y), {"binary_cross_entropy", "NaN", "learning rate"});
  EXPECT_WICK_ERROR(F::binary_cross_entropy(tensor({0.5, 1.0000001, 0.2}, {.dtype = kFloat64}), y), {"[0, 1]"});
  // The edges are valid probabilities.
  EXPECT_NO_THROW(F::binary_cross_entropy(tensor({0.0, 1.0, 0.5}), y));
  EXPECT_NO_THROW(F::binary_cross_entropy_with_logits(logits, y));
  EXPECT_WICK_ERROR(F::binary_cross_entropy(sigmoid(logits), y, {.weight = ones({2})}), {"weight", "[2]", "[3]"});
  EXPECT_WICK_ERROR(F::binary_cross_entropy_with_logits(logits, y, {.pos_weight = ones({2})}), {"pos_weight", "[2]", "[3]"});
}

TEST(LossErrors, DifferentDevices) {
  Tensor cpu_in = randn({4, 3});
  Tensor gpu_in = on_other_device({4, 3});
  Tensor gpu_t = on_other_device({4}, kInt64);
  EXPECT_WICK_ERROR(F::cross_entropy(cpu_in, gpu_t), {"cross_entropy", "cpu", "cuda", "same device"});
  EXPECT_WICK_ERROR(F::mse_loss(cpu_in, gpu_in), {"mse_loss", "cpu", "cuda"});
  EXPECT_WICK_ERROR(F::binary_cross_entropy_with_logits(gpu_in, cpu_in), {"binary_cross_entropy_with_logits", "cpu", "cuda"});
  EXPECT_WICK_ERROR(F::binary_cross_entropy(cpu_in.sigmoid(), gpu_in), {"binary_cross_entropy", "cpu", "cuda"});
  EXPECT_WICK_ERROR(F::nll_loss(cpu_in, gpu_t), {"nll_loss", "cpu", "cuda"});
  EXPECT_WICK_ERROR(F::kl_div(cpu_in, gpu_in), {"kl_div", "cpu", "cuda"});
  // A weight left on another device than the input.
  EXPECT_WICK_ERROR(F::cross_entropy(cpu_in, tensor({0, 1, 2, 1}), {.weight = on_other_device({3})}),
                    {"cross_entropy", "weight", "cuda", "cpu", ".to(device)"});
}

TEST(LossErrors, ElementwiseShapesMustMatch) {
  // PyTorch broadcasts [4, 1] against [4] into [4, 4] with only a warning.
  Tensor pred = randn({4, 1}), y = randn({4});
  EXPECT_WICK_ERROR(F::mse_loss(pred, y), {"mse_loss", "[4, 1]", "[4]", "same shape"});
  EXPECT_WICK_ERROR(F::l1_loss(pred, y), {"l1_loss", "[4, 1]", "[4]"});
  EXPECT_WICK_ERROR(F::huber_loss(pred, y), {"huber_loss", "[4, 1]", "[4]"});
  EXPECT_WICK_ERROR(F::smooth_l1_loss(pred, y), {"smooth_l1_loss", "[4, 1]", "[4]"});
  EXPECT_WICK_ERROR(F::binary_cross_entropy_with_logits(pred, y), {"binary_cross_entropy_with_logits", "[4, 1]", "[4]"});
  EXPECT_WICK_ERROR(F::binary_cross_entropy(pred.sigmoid(), y), {"binary_cross_entropy", "[4, 1]", "[4]"});
  EXPECT_WICK_ERROR(F::kl_div(pred, y), {"kl_div", "[4, 1]", "[4]"});
  EXPECT_WICK_ERROR(nn::MSELoss()(pred, y), {"mse_loss", "[4, 1]"});
}

TEST(LossErrors, OptionsAndCalls) {
  Tensor a = randn({3}), b = randn({3});
  EXPECT_WICK_ERROR(nn::Reduction("avg"), {"reduction", "avg", "mean"});
  EXPECT_WICK_ERROR(F::mse_loss(a, b, {.reduction = "batchmean"}), {"mse_loss", "batchmean", "kl_div"});
  EXPECT_WICK_ERROR(F::huber_loss(a, b, {.delta = 0}), {"huber_loss", "delta"});
  EXPECT_WICK_ERROR(F::smooth_l1_loss(a, b, {.beta = -1}), {"smooth_l1_loss", "beta"});
  EXPECT_WICK_ERROR(F::mse_loss(tensor({1, 2, 3}), b), {"mse_loss", "floating", "int64"});
  EXPECT_WICK_ERROR(F::mse_loss(Tensor(), b), {"mse_loss"});
  nn::MSELoss loss;
  nn::Module& m = loss;
  EXPECT_WICK_ERROR(m.forward(a), {"MSELoss", "loss(input, target)"});
}

}  // namespace
