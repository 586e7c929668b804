// nn::ModuleList / nn::ModuleDict: PyTorch's state_dict key names (recorded by
// tests/reference/make_embedding_fixtures.py), loading PyTorch's values,
// copies, modes, summary rows and list/dict operations.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/expect_error.h"
#include "nn/layers_test_util.h"
#include "wick/nn/activation.h"
#include "wick/nn/containers.h"
#include "wick/nn/dropout.h"
#include "wick/nn/embedding.h"
#include "wick/nn/linear.h"
#include "wick/nn/sequential.h"
#include "wick/nn/summary.h"
#include "wick/optim/sgd.h"

namespace wick {
namespace {

using testing::close_to;

std::string data(const std::string& name) { return std::string(WICK_TEST_DATA_DIR) + "/embedding/" + name; }

// The model of make_embedding_fixtures.py, written the wick way.
struct Net : nn::Module {
  nn::Embedding emb{10, 4, {.padding_idx = 0}};
  nn::ModuleList layers{nn::Linear(4, 8), nn::Linear(8, 8)};
  nn::ModuleDict heads;
  nn::ModuleList blocks;
  Net() {
    heads.insert("cls", nn::Linear(8, 3)).insert("reg", nn::Linear(8, 1));
    blocks.append(nn::Sequential(nn::Linear(8, 8), nn::ReLU())).append(nn::ModuleList(nn::Linear(8, 8)));
    register_module("emb", emb);
    register_module("layers", layers);
    register_module("heads", heads);
    register_module("blocks", blocks);
  }
  Net(const Net&) = default;
  Tensor forward(const Tensor& tokens) override {
    Tensor h = emb(tokens.to(kInt64)).mean(1);
    for (nn::Module& layer : layers) h = relu(layer(h));
    h = blocks[0](h);
    h = blocks.at<nn::ModuleList>(1)[0](h);
    return cat({heads["cls"](h), heads["reg"](h)}, 1);
  }
};

std::vector<std::string> pytorch_keys() {
  std::ifstream in(data("containers.keys.txt"));
  std::vector<std::string> keys;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) keys.push_back(line);
  return keys;
}

TEST(ModuleList, StateDictKeysAndValuesMatchPyTorch) {
  Net net;
  const std::vector<std::string> keys = pytorch_keys();
  ASSERT_EQ(keys.size(), 13u);
  EXPECT_EQ(net.state_dict().keys(), keys);

  // PyTorch's values, loaded by PyTorch's names, give PyTorch's output.
  TensorDict sd;
  for (const std::string& k : keys) sd.insert(k, load_npy(data("containers." + k + ".npy")));
  auto result = net.load_state_dict(sd);
  EXPECT_TRUE(result.missing_keys.empty() && result.unexpected_keys.empty());
  Tensor y = net(load_npy(data("containers.x.npy")));
  EXPECT_TRUE(close_to(y, load_npy(data("containers.y.npy")), 1e-5, 1e-6));

  // And the round trip: wick's state_dict loads into a fresh model unchanged.
  Net other;
  other.load_state_dict(net.state_dict());
  EXPECT_TRUE(close_to(other(load_npy(data("containers.x.npy"))), y, 0, 0));
}

TEST(ModuleList, CloneIsDeepAndModesRecurse) {
  Net net;
  Net copy = nn::clone(net);
  EXPECT_EQ(copy.state_dict().keys(), net.state_dict().keys());
  {
    NoGradGuard g;
    copy.layers.at<nn::Linear>(1).weight.fill_(0.0);
    copy.heads.at<nn::Linear>("reg").bias.fill_(5.0);
  }
  EXPECT_NE(net.layers.at<nn::Linear>(1).weight.abs().sum().item(), 0.0);
  EXPECT_NE(net.heads.at<nn::Linear>("reg").bias.item(), 5.0);
  // The copy's containers point at the copy's children.
  for (auto& [name, m] : copy.named_modules()) {
    if (name == "layers.1") EXPECT_EQ(&copy.layers[1], m);
  }
  EXPECT_EQ(copy.layers[1].parameters()[0].data_ptr<float>(),
            copy.state_dict().at("layers.1.weight").data_ptr<float>());

  net.eval();
  for (auto& [name, m] : net.named_modules()) EXPECT_FALSE(m->is_training()) << name;
  net.train();
  for (auto& [name, m] : net.named_modules()) EXPECT_TRUE(m->is_training()) << name;
  EXPECT_EQ(net.to(kFloat64).parameters()[2].dtype(), kFloat64);  // layers.0.bias moved too
}

TEST(ModuleList, SummaryShowsChildren) {
  Net net;
  nn::Summary s = nn::summary(net, {5});
  std::vector<std::string> names;
  for (const auto& r : s.rows) names.push_back(r.name);
  EXPECT_EQ(names, (std::vector<std::string>{"emb", "layers.0", "layers.1", "blocks.0.0", "blocks.0.1", "blocks.1.0",
                                             "heads.cls", "heads.reg"}));
  EXPECT_EQ(s.rows[7].output_shape, (Shape{-1, 1}));
  EXPECT_EQ(s.rows[1].params, 4 * 8 + 8);
  EXPECT_EQ(s.total_params, 40 + 40 + 72 + 72 + 72 + 27 + 9);
}

TEST(ModuleList, ListOperations) {
  nn::ModuleList list;
  EXPECT_TRUE(list.empty());
  list.append(nn::Linear(2, 3)).push_back(nn::ReLU());
  list.append(std::make_unique<nn::Linear>(3, 4));
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[-1].name(), "Linear");
  EXPECT_EQ(&list[-3], &list[0]);

  // Parameters keep their identity across insert/erase: an optimizer made
  // before still updates the layers.
  Tensor w_last = list.at<nn::Linear>(2).weight;
  optim::SGD opt(list.parameters(), {.lr = 0.5});
  list.insert(0, nn::Dropout(0.1));
  list.insert(-1, nn::Identity());  // before the last, as Python's list.insert
  EXPECT_EQ(list.state_dict().keys(),
            (std::vector<std::string>{"1.weight", "1.bias", "4.weight", "4.bias"}));
  std::vector<std::string> types;
  for (nn::Module& m : list) types.push_back(m.name());
  EXPECT_EQ(types, (std::vector<std::string>{"Dropout", "Linear", "ReLU", "Identity", "Linear"}));
  EXPECT_EQ(list.at<nn::Linear>(4).weight.impl(), w_last.impl());
  Tensor before = w_last.clone();
  list.at<nn::Linear>(4).weight.set_grad(ones({4, 3}));
  opt.step();
  EXPECT_TRUE(close_to(list.at<nn::Linear>(4).weight, before - 0.5, 1e-6, 1e-6));

  list.erase(0).erase(-2);
  types.clear();
  for (nn::Module& m : list) types.push_back(m.name());
  EXPECT_EQ(types, (std::vector<std::string>{"Linear", "ReLU", "Linear"}));
  EXPECT_EQ(list.state_dict().keys(), (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));

  // A mode set on one child survives renumbering; the list's own flag too.
  list.eval();
  list[1].train();
  list.insert(1, nn::Identity());
  EXPECT_FALSE(list.is_training());
  EXPECT_TRUE(list[2].is_training());
  EXPECT_FALSE(list[0].is_training());

  nn::ModuleList more(nn::Linear(4, 4));
  list.extend(more);  // copies
  list.extend(nn::ModuleList(nn::Tanh(), nn::Tanh()));
  EXPECT_EQ(list.size(), 7u);
  EXPECT_NE(list.at<nn::Linear>(4).weight.impl(), more.at<nn::Linear>(0).weight.impl());
  list.extend(list);  // doubling itself, as Python's l.extend(l)
  EXPECT_EQ(list.size(), 14u);
  EXPECT_EQ(list.state_dict().keys().back(), "11.bias");

  std::ostringstream os;
  os << nn::ModuleList(nn::Linear(1, 2));
  EXPECT_EQ(os.str(), "ModuleList(\n  (0): Linear(in_features=1, out_features=2, bias=True)\n)");
}

TEST(ModuleList, Errors) {
  nn::ModuleList list(nn::Linear(2, 2));
  EXPECT_WICK_ERROR(list(zeros({1, 2})), {"ModuleList", "no forward()", "Sequential"});
  EXPECT_WICK_ERROR(list[1], {"ModuleList", "index 1", "-1 .. 0"});
  EXPECT_WICK_ERROR(list[-2], {"ModuleList", "index -2"});
  EXPECT_WICK_ERROR(list.insert(3, nn::ReLU()), {"ModuleList.insert", "index 3", "-1 .. 1"});
  EXPECT_WICK_ERROR(list.erase(5), {"ModuleList.erase", "index 5"});
  EXPECT_WICK_ERROR(nn::ModuleList()[0], {"ModuleList", "empty"});
  EXPECT_WICK_ERROR(list.at<nn::ReLU>(0), {"at<T>", "Linear"});
  EXPECT_WICK_ERROR(list.append(std::unique_ptr<nn::Linear>()), {"null"});
}

TEST(ModuleDict, DictOperations) {
  nn::ModuleDict d;
  d.insert("b", nn::Linear(2, 2)).insert("a", nn::ReLU()).insert("c", nn::Linear(2, 1));
  EXPECT_EQ(d.keys(), (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_TRUE(d.contains("a"));
  EXPECT_FALSE(d.contains("z"));
  // Replacing keeps the position (Python's d[key] = m).
  d.insert("a", nn::Linear(2, 5));
  EXPECT_EQ(d.keys(), (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_EQ(d.at<nn::Linear>("a").out_features, 5);
  EXPECT_EQ(d.state_dict().keys(),
            (std::vector<std::string>{"b.weight", "b.bias", "a.weight", "a.bias", "c.weight", "c.bias"}));
  std::vector<std::string> seen;
  for (auto [key, module] : d) seen.push_back(key + ":" + module.name());
  EXPECT_EQ(seen, (std::vector<std::string>{"b:Linear", "a:Linear", "c:Linear"}));

  d.erase("b");
  EXPECT_EQ(d.keys(), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(d.size(), 2u);

  nn::ModuleDict copy = d.clone();
  {
    NoGradGuard g;
    copy.at<nn::Linear>("c").weight.fill_(3.0);
  }
  EXPECT_NE(d.at<nn::Linear>("c").weight.sum().item(), 6.0);
  nn::ModuleDict extra;
  extra.insert("c", nn::Identity()).insert("d", nn::Tanh());
  copy.update(extra);
  EXPECT_EQ(copy.keys(), (std::vector<std::string>{"a", "c", "d"}));
  EXPECT_EQ(copy["c"].name(), "Identity");

  copy.eval();
  EXPECT_FALSE(copy["a"].is_training());
  copy.clear();
  EXPECT_TRUE(copy.empty());
  EXPECT_FALSE(copy.is_training());

  std::ostringstream os;
  os << extra;
  EXPECT_EQ(os.str(), "ModuleDict(\n  (c): Identity()\n  (d): Tanh()\n)");
}

TEST(ModuleDict, Errors) {
  nn::ModuleDict d;
  d.insert("fc", nn::Linear(2, 2));
  EXPECT_WICK_ERROR(d(zeros({1, 2})), {"ModuleDict", "no forward()"});
  EXPECT_WICK_ERROR(d.at("fx"), {"ModuleDict", "\"fx\"", "\"fc\""});
  EXPECT_WICK_ERROR(d.erase("fx"), {"erase", "\"fx\"", "\"fc\""});
  EXPECT_WICK_ERROR(d.insert("a.b", nn::ReLU()), {"ModuleDict", "a.b", "'.'"});
  EXPECT_WICK_ERROR(d.insert("", nn::ReLU()), {"ModuleDict", "non-empty"});
  EXPECT_WICK_ERROR(d.at<nn::ReLU>("fc"), {"at<T>", "Linear"});
  EXPECT_WICK_ERROR(nn::ModuleDict().at("x"), {"empty"});
}

}  // namespace
}  // namespace wick
