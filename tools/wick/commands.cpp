// `wick eval`, `wick predict`, `wick summary`, `wick data fetch` and the
// helpers the subcommands share (device, threads).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "checkpoint.h"
#include "commands.h"
#include "common.h"
#include "data_prep.h"
#include "evaluate.h"
#include "train_state.h"
#include "wick/creation.h"
#include "wick/data/csv.h"
#include "wick/data/fetch.h"
#include "wick/data/mnist.h"
#include "wick/io/safetensors.h"
#include "wick/npy.h"
#include "wick/nn/summary.h"
#include "wick/threads.h"


namespace wick::cli {

namespace fs = std::filesystem;
using wick::detail::concat;

std::string resolve_device(const std::string& spec) {
  if (spec == "auto") return Device::cuda_if_available().str();
  Device d;
  try {
    d = Device(spec);
  } catch (const Error& e) {
    usage_error("--device ", spec, ": unknown device; choose cpu, cuda, cuda:N or auto");
  }
  try {
    check_device_available(d);
  } catch (const Error& e) {
    usage_error("--device ", spec, ": ", e.what(), " (or pass --device cpu / --device auto)");
  }
  return d.str();
}

// wick::set_num_threads sizes the CPU backend's pool and OpenBLAS's. The
// pool reads WICK_NUM_THREADS when it is first built: setting it first means
// the pool starts at the right size instead of being resized (a resize right
// after start-up hung once in Pool::resize's join, see the CLI report).
void set_threads(int n) {
  if (n < 0) usage_error("--threads ", n, ": must be >= 0 (0: all cores)");
  if (n > wick::max_num_threads())
    usage_error("--threads ", n, ": more threads than this machine can use; pass 1 to ", wick::max_num_threads(),
                " (4 per hardware thread), or 0 for one per core");
  if (n == 0) return;
  ::setenv("WICK_NUM_THREADS", std::to_string(n).c_str(), 1);
  if (wick::get_num_threads() != n) wick::set_num_threads(n);
}

int current_threads() { return wick::get_num_threads(); }

namespace {

// The records of a CSV file as data::CSV reads them, fields trimmed of the
// spaces around them.
std::vector<data::CsvRecord> read_csv_records(const std::string& path) {
  std::vector<data::CsvRecord> records = data::read_csv_records(path);
  for (data::CsvRecord& rec : records)
    for (std::string& f : rec.fields) {
      const size_t b = f.find_first_not_of(" \t"), e = f.find_last_not_of(" \t");
      f = b == std::string::npos ? "" : f.substr(b, e - b + 1);
    }
  return records;
}

// Predict's CSV: a header row; the model's feature columns are picked by
// name (others, such as the target, are ignored). For image models every
// column is a pixel.
Tensor read_predict_csv(const std::string& path, const ModelSpec& spec) {
  const std::vector<data::CsvRecord> records = read_csv_records(path);
  WICK_CHECK(!records.empty(), path, ": empty file (expected a header row)");
  const std::vector<std::string>& header = records[0].fields;
  std::vector<size_t> cols;
  if (!spec.features.empty()) {
    for (const std::string& f : spec.features) {
      auto it = std::find(header.begin(), header.end(), f);
      WICK_CHECK(it != header.end(), path, ": no column '", f, "' (the model's features are ",
                 [&] { std::string s; for (auto& x : spec.features) s += (s.empty() ? "" : ", ") + x; return s; }(), ")");
      cols.push_back(static_cast<size_t>(it - header.begin()));
    }
  } else {
    WICK_CHECK(static_cast<int64_t>(header.size()) == spec.in_features(), path, ": ", header.size(),
               " columns, but the model takes ", spec.in_features(), " pixel values per row");
    for (size_t i = 0; i < header.size(); ++i) cols.push_back(i);
  }
  std::vector<float> values;
  for (size_t r = 1; r < records.size(); ++r) {
    const std::vector<std::string>& f = records[r].fields;
    WICK_CHECK(f.size() == header.size(), path, ": line ", records[r].line, " has ", f.size(),
               " fields, the header has ", header.size());
    for (size_t c : cols) {
      // As data::CSV: from_chars (no hex, "inf" or "nan"), a leading '+' allowed.
      const char* b = f[c].data();
      const char* e = b + f[c].size();
      if (b != e && *b == '+' && b + 1 != e && b[1] != '-') ++b;
      double v = 0;
      const auto [end, ec] = std::from_chars(b, e, v);
      WICK_CHECK(b != e && ec == std::errc() && end == e && std::isfinite(v), path, ": line ", records[r].line,
                 ", column '", header[c], "': '", f[c], "' is not a number");
      values.push_back(static_cast<float>(v));
    }
  }
  const auto rows = static_cast<int64_t>(records.size()) - 1;
  WICK_CHECK(rows > 0, path, ": no data rows after the header");
  Tensor x = from_vector(values, {rows, static_cast<int64_t>(cols.size())});
  if (spec.features.empty() && x.max().item() > 1.0) x = x / 255.0;  // 0..255 pixels
  return x;
}

// The shapes one example may come in: the model's input shape, its
// flattened form, and for one-channel images [H, W] (as IDX files and most
// NumPy arrays hold them).
std::vector<Shape> example_shapes(const ModelSpec& spec) {
  Shape one(spec.input_shape.begin(), spec.input_shape.end());
  std::vector<Shape> out = {one};
  if (one.size() == 3 && one[0] == 1) out.push_back({one[1], one[2]});
  if (one.size() > 1) out.push_back({spec.in_features()});
  return out;
}

Tensor read_predict_input(const std::string& path, const ModelSpec& spec) {
  if (!fs::exists(path)) throw Error(path + ": no such input file");
  if (fs::is_directory(path)) throw Error(path + ": is a folder; give an input file");
  std::string ext = fs::path(path).extension().string();
  std::string name = fs::path(path).filename().string();
  const bool images = spec.features.empty();
  Tensor x;
  if (ext == ".csv") {
    x = read_predict_csv(path, spec);
  } else if (ext == ".npy") {
    x = load_npy(path);
    // Integer arrays fed to an image model are pixels 0..255, whatever the
    // integer width; everything else (floats; any array for a CSV model,
    // whose features are raw values) is taken as it is.
    if (images && is_integral(x.dtype()) && x.numel() > 0) {
      const double lo = x.min().item(), hi = x.max().item();
      WICK_CHECK(lo >= 0 && hi <= 255, path, ": integer pixel values must be 0..255, found ", format_double(lo), "..",
                 format_double(hi), "; save floats in [0, 1] instead");
      x = x.to(kFloat32) / 255.0;
    } else {
      x = x.to(kFloat32);
    }
  } else if (name.find("idx") != std::string::npos || ext == ".gz") {
    Tensor raw = data::read_idx(path);
    WICK_CHECK(raw.dim() >= 2, path, ": an IDX file of ", raw.dim(), " dims (labels?); predict needs images [N, H, W]");
    x = raw.to(kFloat32) / 255.0;
  } else {
    throw Error(path + ": unknown input format; give an IDX images file (*-idx3-ubyte[.gz]), a .npy array or a .csv");
  }
  // One example, or a batch of them: the dims must match, not just the
  // number of values (14x56 pixels are 784 too, but not a 28x28 image).
  Shape want = {-1};
  want.insert(want.end(), spec.input_shape.begin(), spec.input_shape.end());
  const std::vector<Shape> shapes = example_shapes(spec);
  const Shape got = x.sizes();
  for (const Shape& s : shapes) {
    if (got == s) return x.contiguous().reshape(want);
    if (!got.empty() && Shape(got.begin() + 1, got.end()) == s) {
      WICK_CHECK(got[0] > 0, path, ": no examples (shape ", shape_str(got), ")");
      return x.contiguous().reshape(want);
    }
  }
  std::string accepted;
  for (size_t i = 0; i < shapes.size(); ++i)
    accepted += (i == 0 ? "" : i + 1 < shapes.size() ? ", " : " or ") + ("[N, " + shape_str(shapes[i]).substr(1));
  throw Error(concat(path, ": inputs of shape ", shape_str(got), " do not fit the model's input ",
                     shape_str(shapes[0]), "; give ", accepted, " (or one example, without the N)"));
}

}  // namespace

int run_eval(const EvalOptions& o) {
  if (o.batch_size && *o.batch_size < 1) usage_error("--batch-size ", *o.batch_size, ": must be at least 1");
  std::string device = resolve_device(o.device);
  set_threads(o.threads);
  Loaded m = load_checkpoint(o.checkpoint, device);
  std::string data = o.data.empty() ? (m.spec.dataset == "csv" ? "" : m.spec.dataset) : o.data;
  if (data.empty()) usage_error("--data PATH.csv is required: the checkpoint was trained on a CSV");
  EvalData d = prepare_eval_data(m.spec, data, o.data_dir);
  EvalResult r = evaluate(m.model, d.x, d.y, m.spec, Device(device), o.batch_size.value_or(eval_batch_size(m.spec)));
  std::cout << "checkpoint: " << o.checkpoint << " (" << m.spec.kind << ", " << task_name(m.spec.task) << ")\n"
            << "data: " << d.source << "\n"
            << format_eval(r, m.spec);
  return 0;
}

int run_predict(const PredictOptions& o) {
  if (o.batch_size && *o.batch_size < 1) usage_error("--batch-size ", *o.batch_size, ": must be at least 1");
  std::string device = resolve_device(o.device);
  set_threads(o.threads);
  Loaded m = load_checkpoint(o.checkpoint, device);
  Tensor raw = read_predict_input(o.input, m.spec);
  Tensor out = predict_outputs(m.model, normalize_inputs(raw, m.spec), m.spec, Device(device),
                               o.batch_size.value_or(eval_batch_size(m.spec)));
  std::ostringstream os;
  const int64_t n = out.size(0), k = out.size(1);
  std::vector<float> v = out.contiguous().to_vector<float>();
  char buf[64];
  // Names come from the training data and may hold commas or quotes:
  // csv_field quotes the whole field (RFC 4180), e.g. "p(neg, x)".
  if (m.spec.task == TaskKind::Regression) {
    os << "row," << csv_field(m.spec.target.empty() ? "value" : m.spec.target) << "\n";
    for (int64_t i = 0; i < n; ++i) {
      std::snprintf(buf, sizeof buf, "%.9g", v[i]);
      os << i << ',' << buf << '\n';
    }
  } else {
    const auto& names = m.spec.class_names;  // one per output (checked by read_spec)
    os << "row,class,label";
    for (int64_t c = 0; c < k; ++c) os << ',' << csv_field("p(" + names[c] + ")");
    os << '\n';
    for (int64_t i = 0; i < n; ++i) {
      const float* row = v.data() + i * k;
      int64_t best = std::max_element(row, row + k) - row;
      os << i << ',' << best << ',' << csv_field(names[best]);
      // %g keeps small probabilities (1e-9 is not 0.000000).
      for (int64_t c = 0; c < k; ++c) {
        std::snprintf(buf, sizeof buf, ",%.6g", row[c]);
        os << buf;
      }
      os << '\n';
    }
  }
  if (o.out.empty()) {
    std::cout << os.str();
  } else {
    write_file_atomic(o.out, os.str());
    std::cerr << "wrote " << n << " predictions to " << o.out << "\n";
  }
  return 0;
}

int run_summary(const SummaryOptions& o) {
  ModelSpec spec;
  if (!o.checkpoint.empty()) {
    spec = read_spec(o.checkpoint);
  } else {
    const ModelFlags flags = model_flags(o);
    validate_model_flags(flags);
    DataRequest req{.data = o.data, .data_dir = o.data_dir, .target = o.target, .binary = o.binary, .model = o.model};
    validate_request(req);
    if (is_builtin_dataset(o.data)) {
      // Shapes are known: no need for the files.
      spec.input_shape = o.data == "cifar10" ? std::vector<int64_t>{3, 32, 32} : std::vector<int64_t>{1, 28, 28};
      spec.num_outputs = o.binary >= 0 ? 1 : 10;
    } else {
      spec = prepare_training_data(req).spec;
    }
    apply_model_flags(spec, flags);
  }
  nn::Sequential model = spec.build();
  Shape in(spec.input_shape.begin(), spec.input_shape.end());
  std::cout << nn::summary(model, in);
  return 0;
}

int run_fetch(const std::string& name, const std::string& dir) {
  std::string canon = name == "fashion_mnist" ? "fashion-mnist" : name;
  // Checked before "fetching ..." is printed: a typo is a usage error.
  if (!is_builtin_dataset(canon)) usage_error("data fetch ", name, ": unknown dataset; choose mnist, fashion-mnist or cifar10");
  std::string target = (fs::path(dir) / canon).string();
  std::cout << "fetching " << canon << " into " << target << " ..." << std::endl;
  data::FetchResult r = data::fetch(canon, target);
  std::cout << (r.already_present ? "already present, checksums verified: " : "done, checksums verified: ") << r.dir
            << " (source: " << r.source << ")\n";
  return 0;
}

}  // namespace wick::cli
