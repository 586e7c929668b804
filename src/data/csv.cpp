// CSV: RFC 4180 fields (quotes, doubled quotes, delimiters and newlines inside
// quotes), a header row, numeric features, a classification or regression target.
#include "wick/data/csv.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "core/core.h"
#include "data/file_util.h"
#include "wick/creation.h"

namespace wick::data {

using wick::detail::concat;

namespace {

struct Record {
  int64_t line;  // 1-based line where the record starts
  std::vector<std::string> fields;
};

std::vector<Record> parse_records(const std::string& text, char delim, const std::string& path) {
  std::vector<Record> records;
  size_t i = 0;
  if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;  // UTF-8 BOM (Excel)
  int64_t line = 1;
  while (i < text.size()) {
    Record rec{line, {}};
    std::string field;
    bool in_quotes = false, was_quoted = false;
    for (;; ++i) {
      if (i == text.size()) {
        if (in_quotes) throw FormatError(concat(path, " line ", rec.line, ": a quoted field is never closed"));
        break;
      }
      char c = text[i];
      if (in_quotes) {
        if (c == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') { field += '"'; ++i; }
          else in_quotes = false;
        } else {
          if (c == '\n') ++line;
          field += c;
        }
      } else if (c == '"' && std::all_of(field.begin(), field.end(), [](char ch) { return ch == ' ' || ch == '\t'; }) &&
                 !was_quoted) {
        field.clear();
        in_quotes = was_quoted = true;
      } else if (c == delim) {
        rec.fields.push_back(std::move(field));
        field.clear();
        was_quoted = false;
      } else if (c == '\n' || c == '\r') {
        if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
        ++i;
        ++line;
        break;
      } else {
        field += c;
      }
    }
    rec.fields.push_back(std::move(field));
    bool blank = rec.fields.size() == 1 &&
                 std::all_of(rec.fields[0].begin(), rec.fields[0].end(), [](char ch) { return ch == ' ' || ch == '\t'; });
    if (!blank) records.push_back(std::move(rec));
  }
  return records;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// A finite number, or nullopt. Accepts a leading '+' (from_chars does not).
std::optional<double> parse_number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  const char* b = s.data();
  const char* e = b + s.size();
  if (*b == '+') ++b;
  double v = 0;
  auto [p, ec] = std::from_chars(b, e, v);
  if (ec != std::errc() || p != e || !std::isfinite(v)) return std::nullopt;
  return v;
}

// "a, b, c" (a name that is empty or has spaces or commas is quoted, to be seen).
std::string list_names(const std::vector<std::string>& names) {
  std::string r;
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& n = names[i];
    bool quote = n.empty() || n.find_first_of(" \t,") != std::string::npos;
    r += (i ? ", " : "") + (quote ? "'" + n + "'" : n);
  }
  return r;
}

}  // namespace

CSV::CSV(const std::string& path, const CSVOptions& options) {
  WICK_CHECK(!options.target.empty(), "CSV ", path, ": no target column given; pass {.target = \"COLUMN\"}");
  std::vector<uint8_t> bytes = detail::read_file(path);
  std::string text(bytes.begin(), bytes.end());
  std::vector<Record> records = parse_records(text, options.delimiter, path);
  if (records.empty()) throw FormatError(concat(path, ": empty file; expected a header row and data rows"));

  std::vector<std::string> header;
  for (const std::string& f : records[0].fields) header.push_back(trim(f));
  for (size_t i = 0; i < header.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (header[i] == header[j])
        throw FormatError(concat(path, " line ", records[0].line, ": column name '", header[i], "' appears twice"));
  auto column = [&](const std::string& name, const char* what) -> size_t {
    auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) {
      std::string hint = header.size() == 1 && header[0].find(options.delimiter == ',' ? ';' : ',') != std::string::npos
                             ? " (the header has a single column: is the delimiter right?)"
                             : "";
      throw Error(concat("CSV ", path, ": no ", what, " column '", name, "'; the columns are ", list_names(header), hint));
    }
    return static_cast<size_t>(it - header.begin());
  };
  const size_t target_col = column(options.target, "target");
  target_name_ = options.target;
  std::vector<size_t> feature_cols;
  if (options.features.empty()) {
    for (size_t c = 0; c < header.size(); ++c)
      if (c != target_col) feature_cols.push_back(c);
  } else {
    for (const std::string& f : options.features) {
      WICK_CHECK(f != options.target, "CSV ", path, ": column '", f, "' is both the target and a feature");
      feature_cols.push_back(column(f, "feature"));
    }
  }
  for (size_t c : feature_cols) feature_names_.push_back(header[c]);

  const auto n = static_cast<int64_t>(records.size()) - 1;
  if (n == 0) throw FormatError(concat(path, ": a header row but no data rows"));
  const auto f = static_cast<int64_t>(feature_cols.size());
  inputs_ = core::make_tensor({n, f}, kFloat32, Device::cpu());
  float* x = inputs_.data_ptr<float>();
  std::vector<std::string> labels(static_cast<size_t>(n));
  for (int64_t r = 0; r < n; ++r) {
    const Record& rec = records[static_cast<size_t>(r + 1)];
    if (rec.fields.size() != header.size())
      throw FormatError(concat(path, " line ", rec.line, ": ", rec.fields.size(), " fields, but the header has ",
                               header.size(), " columns (", list_names(header), ")"));
    for (int64_t j = 0; j < f; ++j) {
      const size_t c = feature_cols[static_cast<size_t>(j)];
      std::string cell = trim(rec.fields[c]);
      if (cell.empty())
        throw FormatError(concat(path, " line ", rec.line, ", column '", header[c], "': missing value"));
      std::optional<double> v = parse_number(cell);
      if (!v)
        throw FormatError(concat(path, " line ", rec.line, ", column '", header[c], "': '", cell,
                                 "' is not a number (feature columns must be numeric)"));
      x[r * f + j] = static_cast<float>(*v);
    }
    labels[static_cast<size_t>(r)] = trim(rec.fields[target_col]);
    if (labels[static_cast<size_t>(r)].empty())
      throw FormatError(concat(path, " line ", rec.line, ", column '", target_name_, "': missing target value"));
  }
  auto line_of = [&](int64_t r) { return records[static_cast<size_t>(r + 1)].line; };

  // Task::Auto: classification for text labels or few distinct integers.
  bool all_numeric = true, all_integer = true;
  std::vector<double> values(static_cast<size_t>(n));
  for (int64_t r = 0; r < n; ++r) {
    std::optional<double> v = parse_number(labels[static_cast<size_t>(r)]);
    if (!v) { all_numeric = all_integer = false; break; }
    values[static_cast<size_t>(r)] = *v;
    if (*v != std::floor(*v)) all_integer = false;
  }
  task_ = options.task;
  if (task_ == Task::Auto) {
    bool classify = !all_numeric || !options.class_names.empty();
    if (!classify && all_integer) classify = std::set<double>(values.begin(), values.end()).size() <= 20;
    task_ = classify ? Task::Classification : Task::Regression;
  }

  if (task_ == Task::Regression) {
    targets_ = core::make_tensor({n, 1}, kFloat32, Device::cpu());
    float* y = targets_.data_ptr<float>();
    for (int64_t r = 0; r < n; ++r) {
      std::optional<double> v = parse_number(labels[static_cast<size_t>(r)]);
      if (!v)
        throw FormatError(concat(path, " line ", line_of(r), ", column '", target_name_, "': '",
                                 labels[static_cast<size_t>(r)],
                                 "' is not a number (a regression target must be numeric; use Task::Classification "
                                 "for labels)"));
      y[r] = static_cast<float>(*v);
    }
    return;
  }

  targets_ = core::make_tensor({n}, kInt64, Device::cpu());
  int64_t* y = targets_.data_ptr<int64_t>();
  if (!options.class_names.empty()) {
    class_names_ = options.class_names;
    std::map<std::string, int64_t> id;
    for (size_t k = 0; k < class_names_.size(); ++k) id.emplace(class_names_[k], static_cast<int64_t>(k));
    for (int64_t r = 0; r < n; ++r) {
      auto it = id.find(labels[static_cast<size_t>(r)]);
      if (it == id.end())
        throw FormatError(concat(path, " line ", line_of(r), ", column '", target_name_, "': label '",
                                 labels[static_cast<size_t>(r)], "' is not one of the given classes ",
                                 list_names(class_names_)));
      y[r] = it->second;
    }
  } else if (all_numeric) {
    // Numeric labels sort by value ("2" before "10"; "1" and "1.0" are one class).
    std::map<double, std::string> by_value;
    for (int64_t r = 0; r < n; ++r) by_value.emplace(values[static_cast<size_t>(r)], labels[static_cast<size_t>(r)]);
    std::map<double, int64_t> id;
    for (auto& [v, name] : by_value) {
      id.emplace(v, static_cast<int64_t>(class_names_.size()));
      class_names_.push_back(name);
    }
    for (int64_t r = 0; r < n; ++r) y[r] = id.at(values[static_cast<size_t>(r)]);
  } else {
    std::set<std::string> unique(labels.begin(), labels.end());
    class_names_.assign(unique.begin(), unique.end());
    std::map<std::string, int64_t> id;
    for (size_t k = 0; k < class_names_.size(); ++k) id.emplace(class_names_[k], static_cast<int64_t>(k));
    for (int64_t r = 0; r < n; ++r) y[r] = id.at(labels[static_cast<size_t>(r)]);
  }
}

Example CSV::get(int64_t index) const {
  check_index("CSV::get", index);
  return {inputs_.select(0, index).clone(), targets_.select(0, index).clone()};
}

Batch CSV::get_batch(const std::vector<int64_t>& indices) const {
  for (int64_t i : indices) check_index("CSV::get_batch", i);
  Tensor index = from_vector(indices, {static_cast<int64_t>(indices.size())});
  return {inputs_.index_select(0, index), targets_.index_select(0, index)};
}

}  // namespace wick::data
