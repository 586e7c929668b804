#pragma once
// The flags of a `wick train` run as config.json keeps them ("args"), read
// back for `wick train --resume`, and the one place that checks a set of
// train flags, whether they came from the command line or from that file.
// config.json comes from disk and may be damaged or edited by hand, so the
// reader accepts exactly the types args_json() writes (integers for counts,
// numbers for rates, strings, booleans) and says which key is wrong; the
// values then go through the same validation as the command line's.
#include <string>
#include <vector>

#include "commands.h"

namespace wick::cli {

// What --resume takes from config.json: the flags, and the command lines that
// started and resumed the run (kept, with the new one appended).
struct SavedRun {
  TrainOptions options{};              // "args"
  std::string command{};               // "command" ("" when absent)
  std::vector<std::string> resumed{};  // "resumed" (empty when absent)
};

// Throws wick::FormatError naming `path` and the key when the JSON text is
// not a run config; the caller then validates the options.
SavedRun read_run_config(const std::string& json_text, const std::string& path);

constexpr int64_t kMaxEpochs = 1000000;

// Throws UsageError naming the flag and its allowed values.
void validate_train_options(const TrainOptions& o);

}  // namespace wick::cli
