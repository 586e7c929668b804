// Module structure and loading as PyTorch has them.
// A tensor or module reachable under several names (a layer registered
// twice, tied weights): parameters()/named_parameters()/named_modules() list
// it once under its first name, as PyTorch does, so an optimizer can be built
// on model.parameters() and summary counts it once; state_dict() keeps every
// name. Expected counts worked out by hand (Linear(3, 3): 9 + 3).
#include <gtest/gtest.h>

#include "wick/creation.h"
#include "wick/elementwise.h"
#include "wick/nn/batchnorm.h"
#include "wick/nn/linear.h"
#include "wick/nn/sequential.h"
#include "wick/nn/summary.h"
#include "wick/optim/sgd.h"

using namespace wick;

namespace {

struct Shared : nn::Module {
  nn::Linear fc{3, 3};
  Shared() {
    register_module("a", fc);
    register_module("b", fc);
  }
  Shared(const Shared&) = default;
  Tensor forward(const Tensor& x) override { return fc(fc(x)); }
};

struct Tied : nn::Module {
  nn::Linear enc{3, 3, {.bias = false}}, dec{3, 3, {.bias = false}};
  Tied() {
    register_module("enc", enc);
    register_module("dec", dec);
    dec.weight = enc.weight;
  }
  Tied(const Tied&) = default;
  Tensor forward(const Tensor& x) override { return dec(enc(x)); }
};

TEST(ModuleSharing, ALayerRegisteredTwiceIsListedOnce) {
  Shared m;
  EXPECT_EQ(m.parameters().size(), 2u);
  EXPECT_EQ(m.named_parameters().keys(), (std::vector<std::string>{"a.weight", "a.bias"}));
  EXPECT_EQ(m.named_modules().size(), 2u);  // the model and fc, once
  EXPECT_EQ(m.state_dict().keys(), (std::vector<std::string>{"a.weight", "a.bias", "b.weight", "b.bias"}));
  EXPECT_NO_THROW(optim::SGD(m.parameters(), {.lr = 0.1}));
  EXPECT_EQ(nn::summary(m, {3}).total_params, 12);
}

TEST(ModuleSharing, TiedWeightsAreOneParameter) {
  Tied m;
  EXPECT_EQ(m.parameters().size(), 1u);
  EXPECT_EQ(m.named_parameters().keys(), (std::vector<std::string>{"enc.weight"}));
  EXPECT_EQ(m.state_dict().size(), 2u);
  EXPECT_NO_THROW(optim::SGD(m.parameters(), {.lr = 0.1}));
  EXPECT_EQ(nn::summary(m, {3}).total_params, 9);
}

}  // namespace

namespace {

// load_state_dict returns what was missing or unexpected (PyTorch's named
// tuple); a BatchNorm num_batches_tracked may be absent (PyTorch fills it for
// a state_dict without version metadata); an undefined value names its key.
TEST(ModuleLoadStateDict, ReportsKeysAndToleratesAMissingBatchCounter) {
  nn::Sequential src(nn::Linear(3, 4), nn::BatchNorm1d(4));
  TensorDict sd = src.state_dict();
  sd.erase("1.num_batches_tracked");
  nn::Sequential dst(nn::Linear(3, 4), nn::BatchNorm1d(4));
  const auto strict = dst.load_state_dict(sd);
  EXPECT_TRUE(strict.missing_keys.empty());
  EXPECT_TRUE(strict.unexpected_keys.empty());
  EXPECT_TRUE(equal(dst.state_dict().at("0.weight"), src.state_dict().at("0.weight")));

  sd.erase("0.bias");
  sd.insert("extra", zeros({1}));
  const auto loose = dst.load_state_dict(sd, /*strict=*/false);
  EXPECT_EQ(loose.missing_keys, (std::vector<std::string>{"0.bias"}));
  EXPECT_EQ(loose.unexpected_keys, (std::vector<std::string>{"extra"}));
  EXPECT_THROW(dst.load_state_dict(sd), Error);

  sd.insert("0.bias", Tensor());
  try {
    dst.load_state_dict(sd, false);
    ADD_FAILURE() << "an undefined value was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'0.bias'"), std::string::npos) << e.what();
  }
}

}  // namespace
