#pragma once
// CSV: a table with a header row; one column is the target, the others are
// numeric features.
//
//   data::CSV train("houses.csv", {.target = "price", .task = data::Task::Regression});
//   train.inputs();   // float32 [N, F], F = number of feature columns
//   train.targets();  // float32 [N, 1] for regression, int64 [N] for classification
//
// Conventions (why):
// - Regression targets are float32 [N, 1], the shape a Linear(F, 1) model
//   outputs, so mse_loss(model(x), y) compares like with like instead of
//   broadcasting [N, 1] against [N] into [N, N] (a classic PyTorch pitfall).
// - Classification labels (strings or integers) become class ids in sorted
//   order: numerically when every label is a number ("2" before "10"; "1",
//   "1.0" and "01" are one class, and integers compare exactly, so
//   9007199254740993 is not 9007199254740992), else by byte-wise string
//   order. Sorted, not first-appearance, so a train and a test file with rows
//   in any order get the same ids. class_names()[id] is the original label:
//   save it with the model; pass it back as `.class_names` to read another
//   file with the same mapping. A mapping of numbers is matched by value as
//   above (names "1.0", "2.0" read labels 1, 2); one with any text in it is
//   matched as text. Repeated names (in .class_names or .features) are errors.
// - Task::Auto picks classification when some target is not a number, or
//   when every target is an integer and there are at most 20 distinct values;
//   else regression. task() says what was chosen. Numbers with missing-value
//   markers among them (nan, NA, N/A, null, None, inf, ...) are neither: a
//   FormatError names the first such row, since such a column is usually a
//   regression target with gaps, not a class called "nan" (pass
//   Task::Classification when those really are labels).
// - Features and regression targets are float32: a number past its range
//   (1e39) is an error, not inf; a tiny one (1e-50) rounds to 0, as in PyTorch.
// - Errors name the file, the line (1-based, counting the header as line 1)
//   and the column: a missing, non-numeric or out-of-range cell, a row with
//   the wrong number of fields, an unknown target column (listing the columns
//   there are).
// Fields may be quoted ("a, b" and "say ""hi""" as RFC 4180); spaces around
// numbers are ignored; blank lines are skipped.
#include <cstdint>
#include <string>
#include <vector>

#include "wick/data/dataset.h"

namespace wick::data {

enum class Task { Auto, Classification, Regression };

struct CSVOptions {
  std::string target;  // the target column's name (required)
  Task task = Task::Auto;
  char delimiter = ',';
  // Feature columns to use, in this order; empty: every column but the target.
  std::vector<std::string> features = {};
  // A saved label mapping (class_names() of an earlier CSV); labels not in it
  // are errors. Empty: build the mapping from this file.
  std::vector<std::string> class_names = {};
};

class CSV : public Dataset {
 public:
  CSV(const std::string& path, const CSVOptions& options);

  int64_t size() const override { return inputs_.size(0); }
  Example get(int64_t index) const override;
  Batch get_batch(const std::vector<int64_t>& indices) const override;
  std::vector<std::string> classes() const override { return class_names_; }

  const Tensor& inputs() const { return inputs_; }    // float32 [N, F]
  const Tensor& targets() const { return targets_; }  // int64 [N] or float32 [N, 1]
  Task task() const { return task_; }                 // Classification or Regression, never Auto
  const std::vector<std::string>& feature_names() const { return feature_names_; }
  const std::string& target_name() const { return target_name_; }
  // Classification: the label of each class id. Regression: empty.
  const std::vector<std::string>& class_names() const { return class_names_; }

 private:
  Tensor inputs_, targets_;
  Task task_;
  std::vector<std::string> feature_names_, class_names_;
  std::string target_name_;
};

// The records of a CSV file (plain or .gz) as CSV reads them, for tables
// without a target (inputs to predict on): a UTF-8 BOM is skipped; records
// end at \n, \r\n or a lone \r; quoted fields may hold delimiters, "" and
// line breaks; blank lines are skipped. Fields are as written (not trimmed).
struct CsvRecord {
  int64_t line;  // 1-based line where the record starts
  std::vector<std::string> fields;
};
std::vector<CsvRecord> read_csv_records(const std::string& path, char delimiter = ',');

}  // namespace wick::data
