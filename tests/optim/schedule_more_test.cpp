// MultiStepLR, ExponentialLR, LinearLR, ConstantLR, PolynomialLR, LambdaLR,
// MultiplicativeLR, CosineAnnealingWarmRestarts, SequentialLR and
// ChainedScheduler against PyTorch 1.13 (tests/data/schedule/sequences.txt,
// from tests/reference/make_schedule_fixtures.py): every get_last_lr() after
// construction and each step, step(epoch) jumps (closed forms, fractional
// epochs), the state_dict() after step K (PyTorch's keys and values), and a
// scheduler rebuilt from that state continuing as PyTorch's does.
//
// All comparisons are exact: the schedules repeat PyTorch's float64
// arithmetic term for term, in its order, through the same libm (Python's
// float ** and math.cos/log are C's pow/cos/log), so there is no rounding
// left to differ by.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "core/expect_error.h"
#include "wick/creation.h"
#include "wick/optim/optim.h"

using namespace wick;

namespace {

const std::string kFile = std::string(WICK_TEST_DATA_DIR) + "/schedule/sequences.txt";

struct SchedCase {
  std::string name;
  std::map<std::string, std::string> kv;
  std::vector<double> lrs, resumed;
  std::map<std::string, double> state;
};

std::vector<double> numbers(std::istringstream& ss) {
  std::vector<double> out;
  std::string tok;
  while (ss >> tok) out.push_back(std::strtod(tok.c_str(), nullptr));
  return out;
}

std::vector<SchedCase> read_cases() {
  std::ifstream in(kFile);
  EXPECT_TRUE(in) << "missing " << kFile << ": run tests/reference/make_schedule_fixtures.py";
  std::vector<SchedCase> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    std::string tag, tok;
    ss >> tag;
    if (tag == "case") {
      SchedCase c;
      ss >> c.name >> tok;
      c.kv["kind"] = tok;
      while (ss >> tok) {
        const size_t eq = tok.find('=');
        std::string v = tok.substr(eq + 1);
        if (v.size() >= 2 && v.front() == '\'') v = v.substr(1, v.size() - 2);
        c.kv[tok.substr(0, eq)] = v;
      }
      cases.push_back(std::move(c));
    } else if (tag == "lrs") {
      cases.back().lrs = numbers(ss);
    } else if (tag == "resumed") {
      cases.back().resumed = numbers(ss);
    } else if (tag == "state") {
      while (ss >> tok) {
        const size_t eq = tok.find('=');
        cases.back().state[tok.substr(0, eq)] = std::strtod(tok.c_str() + eq + 1, nullptr);
      }
    }
  }
  return cases;
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string t;
  while (std::getline(ss, t, ',')) out.push_back(t);
  return out;
}

// The functions the fixture script names (its LAMBDAS), written alike.
optim::LRLambda lambda_named(const std::string& name) {
  if (name == "pow95") return [](int64_t e) { return std::pow(0.95, static_cast<double>(e)); };
  if (name == "warm4") return [](int64_t e) { return std::min(1.0, static_cast<double>(e + 1) / 4); };
  if (name == "invsqrt") return [](int64_t e) { return 1.0 / std::sqrt(static_cast<double>(e + 1)); };
  if (name == "const9") return [](int64_t) { return 0.9; };
  if (name == "alt") return [](int64_t e) { return e % 3 == 0 ? 0.5 : 1.1; };
  ADD_FAILURE() << "unknown lambda " << name;
  return [](int64_t) { return 1.0; };
}

// The schedule the keys under `p` ("" or "s1." ...) describe.
std::shared_ptr<optim::LRScheduler> make(const std::map<std::string, std::string>& kv, const std::string& kind,
                                         const std::string& p, optim::Optimizer& opt) {
  auto has = [&](const std::string& k) { return kv.count(p + k) > 0; };
  auto num = [&](const std::string& k, double d) { return has(k) ? std::stod(kv.at(p + k)) : d; };
  auto integer = [&](const std::string& k, int64_t d) { return has(k) ? std::stoll(kv.at(p + k)) : d; };
  auto ints = [&](const std::string& k) {
    std::vector<int64_t> out;
    for (const std::string& s : split_list(kv.at(p + k))) out.push_back(std::stoll(s));
    return out;
  };
  auto children = [&] {
    std::vector<std::shared_ptr<optim::LRScheduler>> out;
    for (int i = 0; has("s" + std::to_string(i)); ++i) {
      const std::string s = "s" + std::to_string(i);
      out.push_back(make(kv, kv.at(p + s), p + s + ".", opt));
    }
    return out;
  };
  using namespace optim;
  if (kind == "MultiStepLR")
    return std::make_shared<MultiStepLR>(opt, MultiStepLROptions{.milestones = ints("milestones"),
                                                                 .gamma = num("gamma", 0.1)});
  if (kind == "ExponentialLR") return std::make_shared<ExponentialLR>(opt, ExponentialLROptions{.gamma = num("gamma", 0)});
  if (kind == "LinearLR")
    return std::make_shared<LinearLR>(opt, LinearLROptions{.start_factor = num("start_factor", 1.0 / 3),
                                                           .end_factor = num("end_factor", 1.0),
                                                           .total_iters = integer("total_iters", 5)});
  if (kind == "ConstantLR")
    return std::make_shared<ConstantLR>(
        opt, ConstantLROptions{.factor = num("factor", 1.0 / 3), .total_iters = integer("total_iters", 5)});
  if (kind == "PolynomialLR")
    return std::make_shared<PolynomialLR>(
        opt, PolynomialLROptions{.total_iters = integer("total_iters", 5), .power = num("power", 1.0)});
  if (kind == "LambdaLR") return std::make_shared<LambdaLR>(opt, lambda_named(kv.at(p + "lr_lambda")));
  if (kind == "MultiplicativeLR") return std::make_shared<MultiplicativeLR>(opt, lambda_named(kv.at(p + "lr_lambda")));
  if (kind == "StepLR")
    return std::make_shared<StepLR>(opt, StepLROptions{.step_size = integer("step_size", 0), .gamma = num("gamma", 0.1)});
  if (kind == "CosineAnnealingLR")
    return std::make_shared<CosineAnnealingLR>(
        opt, CosineAnnealingLROptions{.T_max = integer("T_max", 0), .eta_min = num("eta_min", 0)});
  if (kind == "CosineAnnealingWarmRestarts")
    return std::make_shared<CosineAnnealingWarmRestarts>(
        opt, CosineAnnealingWarmRestartsOptions{
                 .T_0 = integer("T_0", 0), .T_mult = integer("T_mult", 1), .eta_min = num("eta_min", 0)});
  if (kind == "SequentialLR") {
    auto c = children();  // built before the composite, as in PyTorch
    return std::make_shared<SequentialLR>(opt, c, ints("milestones"));
  }
  if (kind == "ChainedScheduler") return std::make_shared<ChainedScheduler>(children());
  ADD_FAILURE() << "unknown schedule " << kind;
  return nullptr;
}

// One step: step(), or step(epochs[i]) (fractional epochs: CosineAnnealingWarmRestarts only).
void advance(optim::LRScheduler& s, const SchedCase& c, size_t i) {
  if (!c.kv.count("epochs")) return s.step();
  const std::string e = split_list(c.kv.at("epochs")).at(i);
  if (e.find('.') == std::string::npos) return s.step(std::stoll(e));
  auto* restarts = dynamic_cast<optim::CosineAnnealingWarmRestarts*>(&s);
  ASSERT_NE(restarts, nullptr) << "a fractional epoch for " << c.kv.at("kind");
  restarts->step(std::stod(e));
}

std::string bits(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void expect_same(const std::vector<double>& got, const std::vector<double>& want, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_EQ(got[i], want[i]) << what << " [" << i << "]: wick " << bits(got[i]) << ", PyTorch " << bits(want[i]);
}

std::map<std::string, double> flat(const TensorDict& sd) {
  std::map<std::string, double> out;
  for (const auto& [k, v] : sd) out[k] = v.item();
  return out;
}

Tensor param() { return zeros({2}, {.dtype = kFloat64, .requires_grad = true}); }

void check_case(const SchedCase& c) {
  const double lr = std::stod(c.kv.at("lr"));
  const size_t steps = std::stoul(c.kv.at("steps")), resume = std::stoul(c.kv.at("resume"));
  // Straight through.
  optim::SGD a({param()}, {.lr = lr});
  auto sa = make(c.kv, c.kv.at("kind"), "", a);
  ASSERT_TRUE(sa);
  std::vector<double> got = {sa->get_last_lr()[0]};
  for (size_t i = 0; i < steps; ++i) {
    advance(*sa, c, i);
    got.push_back(sa->get_last_lr()[0]);
    EXPECT_EQ(a.lr(), got.back());
  }
  expect_same(got, c.lrs, "lrs");
  // Saved after step K: PyTorch's keys and values.
  optim::SGD b({param()}, {.lr = lr});
  auto sb = make(c.kv, c.kv.at("kind"), "", b);
  for (size_t i = 0; i < resume; ++i) advance(*sb, c, i);
  const TensorDict state = sb->state_dict();
  EXPECT_EQ(flat(state), c.state);
  // Rebuilt, both states loaded, continued.
  optim::SGD r({param()}, {.lr = lr});
  auto sr = make(c.kv, c.kv.at("kind"), "", r);
  r.load_state_dict(b.state_dict());
  sr->load_state_dict(state);
  EXPECT_EQ(sr->get_last_lr(), sb->get_last_lr());
  std::vector<double> resumed;
  for (size_t i = resume; i < steps; ++i) {
    advance(*sr, c, i);
    resumed.push_back(sr->get_last_lr()[0]);
  }
  expect_same(resumed, c.resumed, "resumed");
}

TEST(ScheduleMore, MatchesPyTorchSequencesStateAndResume) {
  const std::vector<SchedCase> cases = read_cases();
  ASSERT_GE(cases.size(), 40u);
  for (const SchedCase& c : cases) {
    SCOPED_TRACE(c.name);
    try {
      check_case(c);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "threw: " << e.what();
    }
  }
}

// Every new schedule appears in the fixtures (a renamed case would silently drop one).
TEST(ScheduleMore, FixturesCoverEverySchedule) {
  std::map<std::string, int> kinds;
  for (const SchedCase& c : read_cases()) {
    ++kinds[c.kv.at("kind")];
    for (const auto& [k, v] : c.kv)
      if (k.size() == 2 && k[0] == 's') ++kinds[v];
  }
  for (const char* k : {"MultiStepLR", "ExponentialLR", "LinearLR", "ConstantLR", "PolynomialLR", "LambdaLR",
                        "MultiplicativeLR", "CosineAnnealingWarmRestarts", "SequentialLR", "ChainedScheduler"})
    EXPECT_GE(kinds[k], 3) << k;
}

TEST(ScheduleMore, RejectsBadOptions) {
  optim::SGD opt({param()}, {.lr = 0.1});
  using namespace optim;
  EXPECT_WICK_ERROR(MultiStepLR(opt, {}), {"MultiStepLR", "milestones is empty"});
  EXPECT_WICK_ERROR(MultiStepLR(opt, {.milestones = {5, 3}}), {"MultiStepLR", "strictly increasing", "5 then 3"});
  EXPECT_WICK_ERROR(MultiStepLR(opt, {.milestones = {2}, .gamma = -0.1}), {"MultiStepLR", "gamma", "-0.1", ">= 0"});
  EXPECT_WICK_ERROR(ExponentialLR(opt, {.gamma = -1}), {"ExponentialLR", "gamma", "-1", ">= 0"});
  EXPECT_WICK_ERROR(StepLR(opt, {.step_size = 2, .gamma = -0.5}), {"StepLR", "gamma", "-0.5"});
  EXPECT_WICK_ERROR(LinearLR(opt, {.start_factor = 0}), {"LinearLR", "start_factor", "(0, 1]", "got 0"});
  EXPECT_WICK_ERROR(LinearLR(opt, {.end_factor = 1.5}), {"LinearLR", "end_factor", "[0, 1]", "1.5"});
  EXPECT_WICK_ERROR(LinearLR(opt, {.total_iters = 0}), {"LinearLR", "total_iters", "positive", "got 0"});
  EXPECT_WICK_ERROR(ConstantLR(opt, {.factor = 2}), {"ConstantLR", "factor", "(0, 1]", "got 2"});
  EXPECT_WICK_ERROR(ConstantLR(opt, {.total_iters = -1}), {"ConstantLR", "total_iters", "-1"});
  EXPECT_WICK_ERROR(PolynomialLR(opt, {.total_iters = 0}), {"PolynomialLR", "total_iters", "got 0"});
  EXPECT_WICK_ERROR(PolynomialLR(opt, {.power = -1}), {"PolynomialLR", "power", ">= 0", "-1"});
  EXPECT_WICK_ERROR(LambdaLR(opt, nullptr), {"LambdaLR", "lr_lambda"});
  EXPECT_WICK_ERROR(MultiplicativeLR(opt, nullptr), {"MultiplicativeLR", "lr_lambda"});
  EXPECT_WICK_ERROR(CosineAnnealingWarmRestarts(opt, {.T_0 = 0}), {"CosineAnnealingWarmRestarts", "T_0", "got 0"});
  EXPECT_WICK_ERROR(CosineAnnealingWarmRestarts(opt, {.T_0 = 2, .T_mult = 0}),
                    {"CosineAnnealingWarmRestarts", "T_mult", ">= 1", "got 0"});
  CosineAnnealingWarmRestarts cawr(opt, {.T_0 = 2});
  EXPECT_WICK_ERROR(cawr.step(-0.5), {"CosineAnnealingWarmRestarts", "epoch >= 0", "-0.5"});
  EXPECT_EQ(cawr.last_epoch(), 0);

  auto warm = std::make_shared<LinearLR>(opt, LinearLROptions{.start_factor = 0.1, .total_iters = 2});
  auto cos = std::make_shared<CosineAnnealingLR>(opt, CosineAnnealingLROptions{.T_max = 3});
  EXPECT_WICK_ERROR(SequentialLR(opt, {warm, cos}, {}),
                    {"SequentialLR", "milestones must hold 1 epochs for 2 schedulers", "got 0"});
  EXPECT_WICK_ERROR(SequentialLR(opt, {warm, cos}, {2, 4}), {"SequentialLR", "got 2"});
  EXPECT_WICK_ERROR(SequentialLR(opt, {warm, cos, cos}, {4, 2}), {"SequentialLR", "strictly increasing", "4 then 2"});
  EXPECT_WICK_ERROR(SequentialLR(opt, {warm, cos}, {0}), {"SequentialLR", "milestones", "> 0", "got 0"});
  EXPECT_WICK_ERROR(SequentialLR(opt, {}, {}), {"SequentialLR", "schedulers is empty"});
  optim::Adam other({param()}, {.lr = 0.01});
  auto foreign = std::make_shared<ExponentialLR>(other, ExponentialLROptions{.gamma = 0.9});
  EXPECT_WICK_ERROR(SequentialLR(opt, {warm, foreign}, {2}),
                    {"SequentialLR", "schedulers[1]", "another optimizer", "Adam", "SGD"});
  EXPECT_WICK_ERROR(ChainedScheduler({warm, foreign}), {"ChainedScheduler", "schedulers[1]", "another optimizer"});
  EXPECT_WICK_ERROR(ChainedScheduler({}), {"ChainedScheduler", "empty"});
  SequentialLR seq(opt, {warm, cos}, {2});
  EXPECT_WICK_ERROR(seq.step(3), {"SequentialLR", "step(3)", "not supported"});
}

// A state from elsewhere is refused whole: nothing inside changes.
TEST(ScheduleMore, SequentialStateIsCheckedBeforeAnythingChanges) {
  optim::SGD opt({param()}, {.lr = 0.1});
  auto warm = std::make_shared<optim::LinearLR>(opt, optim::LinearLROptions{.start_factor = 0.1, .total_iters = 2});
  auto exp = std::make_shared<optim::ExponentialLR>(opt, optim::ExponentialLROptions{.gamma = 0.5});
  optim::SequentialLR seq(opt, {warm, exp}, {2});
  TensorDict good = seq.state_dict();  // LinearLR at epoch 0
  EXPECT_TRUE(good.contains("_schedulers.1._step_count"));
  EXPECT_EQ(good.size(), 10u);

  TensorDict bad = good;
  bad.erase("_schedulers.1.base_lrs");  // child 0 loads, then child 1 fails
  for (int i = 0; i < 5; ++i) seq.step();  // LinearLR now at epoch 1: a partial load would show
  const TensorDict before_warm = warm->state_dict();
  EXPECT_EQ(warm->last_epoch(), 1);
  EXPECT_WICK_ERROR(seq.load_state_dict(bad), {"ExponentialLR.load_state_dict", "missing key base_lrs"});
  EXPECT_EQ(flat(warm->state_dict()), flat(before_warm));
  EXPECT_EQ(seq.last_epoch(), 5);
  TensorDict extra = good;
  extra.insert("_schedulers.2.last_epoch", tensor(1.0, {.dtype = kFloat64}));
  EXPECT_WICK_ERROR(seq.load_state_dict(extra), {"SequentialLR.load_state_dict", "unexpected key _schedulers.2.last_epoch"});
  seq.load_state_dict(good);
  EXPECT_EQ(seq.last_epoch(), 0);
  EXPECT_EQ(warm->last_epoch(), 0);
}

TEST(ScheduleMore, LambdaStateLeavesTheFunctionOut) {
  optim::SGD opt({param()}, {.lr = 0.1});
  optim::LambdaLR s(opt, [](int64_t e) { return 1.0 / static_cast<double>(e + 1); });
  s.step();
  const TensorDict sd = s.state_dict();
  EXPECT_EQ(sd.size(), 4u);
  EXPECT_FALSE(sd.contains("lr_lambdas"));
  EXPECT_EQ(opt.lr(), 0.05);
}

// As PyTorch: the first schedule built fixes the optimizer's initial lr, and
// a second one anneals from it, not from the lr the first one set.
TEST(ScheduleMore, BaseLrIsTheOptimizersInitialLr) {
  optim::SGD opt({param()}, {.lr = 1.0});
  optim::LinearLR warm(opt, {.start_factor = 0.5, .total_iters = 2});
  EXPECT_EQ(opt.lr(), 0.5);
  optim::CosineAnnealingLR cos(opt, {.T_max = 4});
  EXPECT_EQ(cos.state_dict().at("base_lrs").item(), 1.0);
  EXPECT_EQ(cos.get_last_lr()[0], 0.5);
  cos.step(0);  // the closed form at epoch 0: the base lr
  EXPECT_EQ(opt.lr(), 1.0);
}

}  // namespace

namespace {

// The accessors: where the restarts and the composites stand.
TEST(ScheduleMore, RestartPeriodAndInnerSchedules) {
  optim::SGD opt({param()}, {.lr = 0.1});
  optim::CosineAnnealingWarmRestarts cawr(opt, {.T_0 = 2, .T_mult = 2});
  EXPECT_EQ(cawr.T_i(), 2);
  EXPECT_EQ(cawr.T_cur(), 0);
  cawr.step(5.5);  // periods 2 and 4 end at epoch 6: 3.5 epochs into the second
  EXPECT_EQ(cawr.T_i(), 4);
  EXPECT_EQ(cawr.T_cur(), 3.5);
  EXPECT_EQ(cawr.last_epoch(), 5);
  cawr.step();
  EXPECT_EQ(cawr.T_i(), 8);
  EXPECT_EQ(cawr.T_cur(), 0.5);

  optim::SGD opt2({param()}, {.lr = 0.1});
  auto a = std::make_shared<optim::ConstantLR>(opt2, optim::ConstantLROptions{.factor = 0.5, .total_iters = 1});
  auto b = std::make_shared<optim::ExponentialLR>(opt2, optim::ExponentialLROptions{.gamma = 0.5});
  optim::ChainedScheduler chain({a, b});
  ASSERT_EQ(chain.schedulers().size(), 2u);
  EXPECT_EQ(chain.schedulers()[1], b);
  chain.step();
  EXPECT_EQ(chain.last_epoch(), 1);
  EXPECT_EQ(opt2.lr(), 0.05);  // 0.05 * 2 (ConstantLR ends) * 0.5
  EXPECT_EQ(chain.get_last_lr()[0], 0.05);
  EXPECT_WICK_ERROR(chain.step(2), {"ChainedScheduler", "step(2)", "not supported"});
}

}  // namespace
