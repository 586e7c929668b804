// CSV: RFC 4180 fields (quotes, doubled quotes, delimiters and newlines inside
// quotes), a header row, numeric features, a classification or regression target.
#include "wick/data/csv.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string_view>

#include "core/core.h"
#include "data/file_util.h"
#include "wick/creation.h"

namespace wick::data {

using wick::detail::concat;

namespace {

using Record = CsvRecord;

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

// from_chars gives no value past double's range. 1e400 overflows (an error
// later: far outside float32); 1e-400 underflows to 0, as Python's float()
// and pandas read it.
bool overflows(const char* b, const char* e) {
  long double v = 0;
  if (std::from_chars(b, e, v).ec == std::errc()) return std::fabs(v) > 1;
  // Past long double too (1e5000): the exponent's sign says which way.
  const char* x = std::find_if(b, e, [](char c) { return c == 'e' || c == 'E'; });
  return x == e || x + 1 == e || x[1] != '-';
}

// The number in a cell: finite, or +-inf for one past double's range (1e400);
// nullopt for text, "nan" and "inf" included. Accepts a leading '+' (from_chars does not).
std::optional<double> parse_number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  const char* b = s.data();
  const char* e = b + s.size();
  if (*b == '+' && (++b == e || *b == '-')) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(b, e, v);
  if (p != e) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {
    const bool negative = *b == '-';
    if (!overflows(b, e)) return negative ? -0.0 : 0.0;
    return negative ? -HUGE_VAL : HUGE_VAL;
  }
  if (ec != std::errc() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// What a target column uses for "no value" (pandas' default na_values, and
// inf): in a column of numbers these are missing targets, not a class.
bool is_missing_marker(const std::string& s) {
  static const std::set<std::string> markers = {"nan",  "-nan", "na",  "n/a",  "#n/a", "<na>",     "null",      "none",
                                                "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity"};
  std::string lower = s;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return markers.count(lower) > 0;
}

// How numeric labels compare: by value, so "1", "1.0", "01" and "1e0" are one
// class; and a label written as an integer (optionally with ".0") by its exact
// int64 as well, so 9007199254740993 and 9007199254740992 (one double) stay
// two classes. Integers past int64, or integers written with an exponent past
// 2^53, compare as doubles.
using NumKey = std::pair<double, int64_t>;
NumKey numeric_key(const std::string& label, double v) {
  if (v != std::floor(v) || !(std::fabs(v) < 0x1p63)) return {v, 0};
  std::string_view s = label;
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  const size_t dot = s.find('.');
  if (dot != std::string_view::npos && s.find_first_not_of('0', dot + 1) == std::string_view::npos)
    s = s.substr(0, dot);  // "12.00"
  int64_t exact = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), exact);
  if (ec != std::errc() || p != s.data() + s.size()) exact = static_cast<int64_t>(v);
  return {v, exact};
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
  for (size_t i = 0; i < options.features.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      WICK_CHECK(options.features[i] != options.features[j], "CSV ", path, ": feature '", options.features[i],
                 "' is listed twice in .features; list each column once");
  // A saved mapping of numbers is matched by value, as the file that made it
  // was grouped (see csv.h); any text in it: matched as text.
  auto is_finite_number = [](const std::string& c) {
    std::optional<double> v = parse_number(c);
    return v && std::isfinite(*v);
  };
  const std::vector<std::string>& names = options.class_names;
  const bool numeric_names = !names.empty() && std::all_of(names.begin(), names.end(), is_finite_number);
  std::map<NumKey, int64_t> name_by_value;
  std::map<std::string, int64_t> name_by_text;
  for (size_t k = 0; k < names.size(); ++k) {
    const std::string& c = names[k];
    const auto id = static_cast<int64_t>(k);
    const int64_t first = numeric_names ? name_by_value.emplace(numeric_key(c, *parse_number(c)), id).first->second
                                        : name_by_text.emplace(c, id).first->second;
    const std::string& earlier = names[static_cast<size_t>(first)];
    WICK_CHECK(first == id, "CSV ", path, ": .class_names lists '", earlier, "' ",
               earlier == c ? std::string("twice") : concat("and '", c, "', the same number"),
               "; each class needs one name (pass class_names() of the CSV the model was trained on)");
  }

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

  // Features and regression targets are stored as float32: a value past its
  // range would silently become inf (and then NaN losses), so it is an error.
  auto to_float32 = [&](double v, int64_t line, const std::string& col, const std::string& cell) {
    const auto f = static_cast<float>(v);
    if (!std::isfinite(f))
      throw FormatError(concat(path, " line ", line, ", column '", col, "': '", cell,
                               "' is out of float32 range (magnitude at most 3.4028235e38); rescale the column"));
    return f;
  };

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
      x[r * f + j] = to_float32(*v, rec.line, header[c], cell);
    }
    labels[static_cast<size_t>(r)] = trim(rec.fields[target_col]);
    if (labels[static_cast<size_t>(r)].empty())
      throw FormatError(concat(path, " line ", rec.line, ", column '", target_name_, "': missing target value"));
  }
  auto line_of = [&](int64_t r) { return records[static_cast<size_t>(r + 1)].line; };

  // all_numbers: every label parses (1e400 included); all_numeric: every one
  // is also a finite double, so labels can be grouped by value.
  bool all_numbers = true, all_numeric = true, all_integer = true;
  std::vector<std::optional<double>> values(static_cast<size_t>(n));
  for (int64_t r = 0; r < n; ++r) {
    std::optional<double> v = parse_number(labels[static_cast<size_t>(r)]);
    values[static_cast<size_t>(r)] = v;
    if (!v) all_numbers = false;
    if (!v || !std::isfinite(*v)) all_numeric = all_integer = false;
    else if (*v != std::floor(*v)) all_integer = false;
  }
  auto key_of = [&](int64_t r) { return numeric_key(labels[static_cast<size_t>(r)], *values[static_cast<size_t>(r)]); };
  task_ = options.task;
  if (task_ == Task::Auto && !options.class_names.empty()) {
    task_ = Task::Classification;
  } else if (task_ == Task::Auto && !all_numbers) {
    // Numbers with a few "nan" or "NA" among them: a regression column with
    // missing values, not a class called "nan". Say so instead of guessing.
    int64_t missing = -1, numbers = 0;
    for (int64_t r = 0; r < n; ++r) {
      if (values[static_cast<size_t>(r)]) ++numbers;
      else if (!is_missing_marker(labels[static_cast<size_t>(r)])) { missing = -1; break; }
      else if (missing < 0) missing = r;
    }
    if (numbers > 0 && missing >= 0)
      throw FormatError(concat(path, " line ", line_of(missing), ", column '", target_name_,
                               "': missing target value '", labels[static_cast<size_t>(missing)],
                               "' among numbers; drop the row, or pass task=Classification if these are labels"));
    task_ = Task::Classification;
  } else if (task_ == Task::Auto) {
    // Task::Auto: classification for text labels or few distinct integers.
    bool classify = false;
    if (all_integer) {
      std::set<NumKey> distinct;
      for (int64_t r = 0; r < n && distinct.size() <= 20; ++r) distinct.insert(key_of(r));
      classify = distinct.size() <= 20;
    }
    task_ = classify ? Task::Classification : Task::Regression;
  }

  if (task_ == Task::Regression) {
    targets_ = core::make_tensor({n, 1}, kFloat32, Device::cpu());
    float* y = targets_.data_ptr<float>();
    for (int64_t r = 0; r < n; ++r) {
      const std::string& label = labels[static_cast<size_t>(r)];
      const std::optional<double>& v = values[static_cast<size_t>(r)];
      if (!v)
        throw FormatError(concat(path, " line ", line_of(r), ", column '", target_name_, "': '", label,
                                 "' is not a number (a regression target must be numeric; use Task::Classification "
                                 "for labels)"));
      y[r] = to_float32(*v, line_of(r), target_name_, label);
    }
    return;
  }

  targets_ = core::make_tensor({n}, kInt64, Device::cpu());
  int64_t* y = targets_.data_ptr<int64_t>();
  if (!options.class_names.empty()) {
    class_names_ = options.class_names;
    for (int64_t r = 0; r < n; ++r) {
      const std::string& label = labels[static_cast<size_t>(r)];
      const std::optional<double>& v = values[static_cast<size_t>(r)];
      const bool by_value = numeric_names && v && std::isfinite(*v);
      auto it = by_value ? name_by_value.find(key_of(r)) : name_by_value.end();
      auto jt = numeric_names ? name_by_text.end() : name_by_text.find(label);
      if (by_value ? it == name_by_value.end() : jt == name_by_text.end())
        throw FormatError(concat(path, " line ", line_of(r), ", column '", target_name_, "': label '", label,
                                 "' is not one of the given classes ", list_names(class_names_)));
      y[r] = by_value ? it->second : jt->second;
    }
  } else if (all_numeric) {
    // Numeric labels sort by value ("2" before "10"; "1" and "1.0" are one
    // class, named as the first row that has it).
    std::map<NumKey, int64_t> id;
    for (int64_t r = 0; r < n; ++r) id.emplace(key_of(r), r);  // key -> first row
    for (auto& [key, row] : id) {
      class_names_.push_back(labels[static_cast<size_t>(row)]);
      row = static_cast<int64_t>(class_names_.size()) - 1;
    }
    for (int64_t r = 0; r < n; ++r) y[r] = id.at(key_of(r));
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

std::vector<CsvRecord> read_csv_records(const std::string& path, char delimiter) {
  std::vector<uint8_t> bytes = detail::read_file(path);
  return parse_records(std::string(bytes.begin(), bytes.end()), delimiter, path);
}

}  // namespace wick::data
