#pragma once
// Reads tests/data/optim/manifest.txt (made by tests/reference/make_optim_fixtures.py)
// and builds the optimizers and schedules its lines describe.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "wick/npy.h"
#include "wick/optim/optim.h"

namespace wick::testing {

inline const std::string kOptimDataDir = std::string(WICK_TEST_DATA_DIR) + "/optim/";

// One manifest line: "<kind> <name> key=value ...", values as Python literals.
struct OptimCase {
  std::string kind, name;
  std::map<std::string, std::string> kv;

  bool has(const std::string& key) const { return kv.count(key) > 0; }
  double num(const std::string& key, double fallback) const {
    auto it = kv.find(key);
    return it == kv.end() ? fallback : std::stod(it->second);
  }
  bool flag(const std::string& key, bool fallback) const {
    auto it = kv.find(key);
    return it == kv.end() ? fallback : it->second == "True";
  }
  std::string str(const std::string& key, const std::string& fallback) const {
    auto it = kv.find(key);
    if (it == kv.end()) return fallback;
    std::string s = it->second;
    if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"')) s = s.substr(1, s.size() - 2);
    return s;
  }
  std::pair<double, double> pair(const std::string& key, std::pair<double, double> fallback) const {
    auto it = kv.find(key);
    if (it == kv.end()) return fallback;
    const size_t comma = it->second.find(',');
    return {std::stod(it->second.substr(0, comma)), std::stod(it->second.substr(comma + 1))};
  }
};

inline std::vector<OptimCase> read_optim_manifest() {
  std::ifstream in(kOptimDataDir + "manifest.txt");
  EXPECT_TRUE(in) << "missing " << kOptimDataDir << "manifest.txt: run tests/reference/make_optim_fixtures.py";
  std::vector<OptimCase> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    OptimCase c;
    ss >> c.kind >> c.name;
    std::string tok;
    while (ss >> tok) {
      const size_t eq = tok.find('=');
      c.kv[tok.substr(0, eq)] = tok.substr(eq + 1);
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

// The optimizer `kind` with the options under `prefix` ("" or "o.").
inline std::unique_ptr<optim::Optimizer> make_optimizer(const std::string& kind, const OptimCase& c,
                                                        std::vector<Tensor> params, const std::string& prefix = "") {
  auto n = [&](const char* k, double d) { return c.num(prefix + k, d); };
  auto f = [&](const char* k, bool d) { return c.flag(prefix + k, d); };
  if (kind == "SGD")
    return std::make_unique<optim::SGD>(params, optim::SGDOptions{.lr = n("lr", -1),
                                                                  .momentum = n("momentum", 0),
                                                                  .dampening = n("dampening", 0),
                                                                  .weight_decay = n("weight_decay", 0),
                                                                  .nesterov = f("nesterov", false)});
  if (kind == "Adam")
    return std::make_unique<optim::Adam>(params, optim::AdamOptions{.lr = n("lr", 1e-3),
                                                                    .betas = c.pair(prefix + "betas", {0.9, 0.999}),
                                                                    .eps = n("eps", 1e-8),
                                                                    .weight_decay = n("weight_decay", 0),
                                                                    .amsgrad = f("amsgrad", false)});
  if (kind == "AdamW")
    return std::make_unique<optim::AdamW>(params, optim::AdamWOptions{.lr = n("lr", 1e-3),
                                                                      .betas = c.pair(prefix + "betas", {0.9, 0.999}),
                                                                      .eps = n("eps", 1e-8),
                                                                      .weight_decay = n("weight_decay", 1e-2),
                                                                      .amsgrad = f("amsgrad", false)});
  if (kind == "RMSprop")
    return std::make_unique<optim::RMSprop>(params, optim::RMSpropOptions{.lr = n("lr", 1e-2),
                                                                          .alpha = n("alpha", 0.99),
                                                                          .eps = n("eps", 1e-8),
                                                                          .weight_decay = n("weight_decay", 0),
                                                                          .momentum = n("momentum", 0),
                                                                          .centered = f("centered", false)});
  ADD_FAILURE() << "unknown optimizer " << kind;
  return nullptr;
}

// The schedule `kind` with the options under `prefix` ("" or "s.").
inline std::unique_ptr<optim::LRScheduler> make_scheduler(const std::string& kind, const OptimCase& c,
                                                          optim::Optimizer& opt, const std::string& prefix = "") {
  auto n = [&](const char* k, double d) { return c.num(prefix + k, d); };
  if (kind == "StepLR")
    return std::make_unique<optim::StepLR>(
        opt, optim::StepLROptions{.step_size = static_cast<int64_t>(n("step_size", 0)), .gamma = n("gamma", 0.1)});
  if (kind == "CosineAnnealingLR")
    return std::make_unique<optim::CosineAnnealingLR>(
        opt, optim::CosineAnnealingLROptions{.T_max = static_cast<int64_t>(n("T_max", 0)),
                                             .eta_min = n("eta_min", 0)});
  if (kind == "OneCycleLR")
    return std::make_unique<optim::OneCycleLR>(
        opt, optim::OneCycleLROptions{.max_lr = n("max_lr", 0),
                                      .total_steps = static_cast<int64_t>(n("total_steps", 0)),
                                      .pct_start = n("pct_start", 0.3),
                                      .anneal_strategy = c.str(prefix + "anneal_strategy", "cos"),
                                      .cycle_momentum = c.flag(prefix + "cycle_momentum", true),
                                      .base_momentum = n("base_momentum", 0.85),
                                      .max_momentum = n("max_momentum", 0.95),
                                      .div_factor = n("div_factor", 25),
                                      .final_div_factor = n("final_div_factor", 1e4),
                                      .three_phase = c.flag(prefix + "three_phase", false)});
  ADD_FAILURE() << "unknown schedule " << kind;
  return nullptr;
}

inline optim::ReduceLROnPlateauOptions plateau_options(const OptimCase& c) {
  return {.mode = c.str("mode", "min"),
          .factor = c.num("factor", 0.1),
          .patience = static_cast<int64_t>(c.num("patience", 10)),
          .threshold = c.num("threshold", 1e-4),
          .threshold_mode = c.str("threshold_mode", "rel"),
          .cooldown = static_cast<int64_t>(c.num("cooldown", 0)),
          .min_lr = c.num("min_lr", 0),
          .eps = c.num("eps", 1e-8)};
}

}  // namespace wick::testing
