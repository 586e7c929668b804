#pragma once
// The run folder of `wick train`:
//   config.json        flags, model description, data, device, status
//   metrics.csv        one row per epoch
//   last.safetensors   weights after the last (or interrupted) epoch, with the
//                      training state --resume continues from (train_state.h)
//   best.safetensors   weights of the epoch with the best test metric
//   report.html        curves, confusion matrix, misclassified images
// Every file is written to a temporary name and renamed into place, and
// config.json says "status": "running" until the run has finished, so a
// crashed or interrupted run never looks complete.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "evaluate.h"
#include "model_spec.h"
#include "report.h"
#include "wick/io/safetensors.h"

namespace wick::cli {

struct RunRecord {
  nlohmann::json args;
  std::string command_line;
  std::vector<std::string> resumed;  // the command lines of each --resume
  ModelSpec spec;
  std::string device;
  int threads = 0;
  int world_size = 1;  // processes under mpirun (data-parallel), else 1
  std::string train_source, test_source;
  int64_t train_examples = 0, test_examples = 0;
  double data_seconds = 0, train_seconds = 0, total_seconds = 0;
  std::vector<EpochRow> epochs;
};

class RunDir {
 public:
  // Creates the folder; with `overwrite`, removes the files an earlier run left.
  RunDir(std::string dir, bool overwrite);
  std::string path(const std::string& file) const;
  void write_config(const RunRecord& rec, const std::string& status) const;
  void write_metrics(const RunRecord& rec) const;
  // test_x: normalized test images (for the misclassified grid), or null.
  void write_report(const RunRecord& rec, const EvalResult& last_eval, const Tensor* test_x) const;

 private:
  std::string dir_;
};

Metadata checkpoint_metadata(const ModelSpec& spec, const EpochRow& row);

}  // namespace wick::cli
