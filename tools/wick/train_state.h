#pragma once
// The training checkpoint of `wick train` (last.safetensors): everything
// `--resume` needs to continue a run as if it had never stopped, in one file
// written atomically, so the weights and the state that goes with them can
// never disagree:
//   <name>               the model's state_dict (weights, BatchNorm statistics)
//   optimizer.<key>      Optimizer::state_dict() (Adam's moments, step counts)
//   scheduler.<key>      LRScheduler::state_dict() (last_epoch, last lr)
//   metadata wick.train  JSON: completed epochs, steps into the next one and
//                        its running sums, the best test metric, the global
//                        generator's state (initialization, dropout masks),
//                        the DataLoader's epoch (its shuffle order is keyed on
//                        seed and epoch) and the metrics rows so far.
// best.safetensors stays a plain state_dict; eval and predict read either
// file through model_entries().
#include <cstdint>
#include <string>
#include <vector>

#include "model_spec.h"
#include "report.h"
#include "wick/nn/module.h"
#include "wick/optim/optimizer.h"
#include "wick/optim/schedule.h"
#include "wick/random.h"
#include "wick/tensor_dict.h"

namespace wick::cli {

struct TrainProgress {
  int64_t epochs_done = 0;  // complete epochs
  // An interrupted run: steps done in epoch epochs_done + 1 and that
  // epoch's running sums (all 0 at an epoch boundary).
  int64_t step = 0, hits = 0, seen = 0;
  double loss_sum = 0;
  double best_metric = -1.0 / 0.0;
  GeneratorState rng;
  int64_t loader_epoch = 0;  // the DataLoader epoch the next begin() starts
  std::vector<EpochRow> rows;
};

void save_train_checkpoint(const std::string& path, const nn::Module& model, const optim::Optimizer& opt,
                           const optim::LRScheduler* sched, const ModelSpec& spec, const TrainProgress& p);
// Loads weights, optimizer and schedule state into the given objects (built
// as the run built them) and returns where the run stood. Throws a
// wick::Error naming the file when it holds no training state.
TrainProgress load_train_checkpoint(const std::string& path, nn::Module& model, optim::Optimizer& opt,
                                    optim::LRScheduler* sched);

// The model's own entries of a checkpoint: drops optimizer.* and scheduler.*.
TensorDict model_entries(const TensorDict& all);

}  // namespace wick::cli
