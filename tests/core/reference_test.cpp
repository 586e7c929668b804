// Forward results checked against PyTorch.
//
// tests/reference/make_op_fixtures.py draws inputs from a fixed NumPy seed,
// computes every op's output with PyTorch and writes both as .npy files plus
// tests/data/ops/manifest.txt (one case per line). This test replays each case
// through wick's public API and compares shape, dtype and values. The expected
// values come only from PyTorch: to change a case, change the script and rerun
// it, never paste wick's output here.
//
// Each op family is its own TEST so that a failure says which family broke;
// every failure names the case. Reference.EveryCaseHasAHandler checks that
// every case in the manifest belongs to exactly one family, so a new case whose
// op has no entry in a table fails loudly instead of being skipped.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "wick/wick.h"

namespace {

using wick::Tensor;

const std::string kDir = std::string(WICK_TEST_DATA_DIR) + "/ops/";

struct Case {
  std::string name, op;
  std::vector<std::string> inputs, outputs;
  double rtol = 0, atol = 0;
  std::map<std::string, std::string> args;

  bool has(const std::string& k) const { return args.count(k) != 0; }
  const std::string& str(const std::string& k) const {
    auto it = args.find(k);
    if (it == args.end()) throw std::runtime_error("case " + name + ": missing argument " + k);
    return it->second;
  }
  double num(const std::string& k) const { return std::stod(str(k)); }
  double num(const std::string& k, double def) const { return has(k) ? num(k) : def; }
  int64_t int_(const std::string& k) const { return std::stoll(str(k)); }
  bool flag(const std::string& k, bool def = false) const { return has(k) ? str(k) == "1" : def; }
  std::optional<double> opt(const std::string& k) const {
    if (!has(k) || str(k) == "none") return std::nullopt;
    return num(k);
  }
  wick::Shape dims(const std::string& k) const {
    wick::Shape out;
    std::stringstream ss(str(k));
    for (std::string item; std::getline(ss, item, ',');) out.push_back(std::stoll(item));
    return out;
  }
  wick::TensorOptions options() const {
    wick::TensorOptions o;
    if (has("dtype")) {
      const std::string& d = str("dtype");
      if (d == "float32") o.dtype = wick::kFloat32;
      else if (d == "float64") o.dtype = wick::kFloat64;
      else if (d == "int64") o.dtype = wick::kInt64;
      else throw std::runtime_error("case " + name + ": unknown dtype " + d);
    }
    return o;
  }
};

std::vector<std::string> split_list(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, sep);)
    if (!item.empty()) out.push_back(item);
  return out;
}

const std::vector<Case>& manifest() {
  static const std::vector<Case> cases = [] {
    std::vector<Case> out;
    std::ifstream in(kDir + "manifest.txt");
    if (!in) throw std::runtime_error("cannot open " + kDir + "manifest.txt");
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] == '#') continue;
      std::stringstream ss(line);
      Case c;
      ss >> c.name >> c.op;
      for (std::string tok; ss >> tok;) {
        auto eq = tok.find('=');
        std::string k = tok.substr(0, eq), v = tok.substr(eq + 1);
        if (k == "in") c.inputs = split_list(v, ',');
        else if (k == "out") c.outputs = split_list(v, ',');
        else if (k == "rtol") c.rtol = std::stod(v);
        else if (k == "atol") c.atol = std::stod(v);
        else c.args[k] = v;
      }
      out.push_back(std::move(c));
    }
    return out;
  }();
  return cases;
}

// ---- views: the same specs the script applies with PyTorch ----
Tensor apply_views(Tensor t, const std::string& spec) {
  auto ints = [](const std::string& s) {
    wick::Shape out;
    for (const auto& p : split_list(s, 'x')) out.push_back(std::stoll(p));
    return out;
  };
  auto opt = [](const std::string& s) -> std::optional<int64_t> {
    if (s == "none") return std::nullopt;
    return std::stoll(s);
  };
  for (const auto& step : split_list(spec, '+')) {
    auto a = split_list(step, '/');
    const std::string& kind = a.at(0);
    if (kind == "transpose") t = t.transpose(std::stoll(a.at(1)), std::stoll(a.at(2)));
    else if (kind == "permute") t = t.permute(ints(a.at(1)));
    else if (kind == "slice") t = t.slice(std::stoll(a.at(1)), opt(a.at(2)), opt(a.at(3)), std::stoll(a.at(4)));
    else if (kind == "select") t = t.select(std::stoll(a.at(1)), std::stoll(a.at(2)));
    else if (kind == "expand") t = t.expand(ints(a.at(1)));
    else if (kind == "reshape") t = t.reshape(ints(a.at(1)));
    else throw std::runtime_error("unknown view " + kind);
  }
  return t;
}

bool has_views(const Case& c) {
  for (const auto& [k, v] : c.args)
    if (k.rfind("view", 0) == 0) return true;
  return false;
}

// ---- op tables: op name -> call into wick's public API ----
using Inputs = std::vector<Tensor>;
using Outputs = std::vector<Tensor>;
using OpFn = std::function<Outputs(const Inputs&, const Case&)>;
using Table = std::map<std::string, OpFn>;

Outputs one(Tensor t) { return {std::move(t)}; }

const Table& elementwise_table() {
  static const Table t = [] {
    Table m;
    m["add"] = [](const Inputs& x, const Case& c) { return one(wick::add(x[0], x[1], c.num("alpha", 1))); };
    m["sub"] = [](const Inputs& x, const Case& c) { return one(wick::sub(x[0], x[1], c.num("alpha", 1))); };
    m["mul"] = [](const Inputs& x, const Case&) { return one(wick::mul(x[0], x[1])); };
    m["div"] = [](const Inputs& x, const Case&) { return one(wick::div(x[0], x[1])); };
    m["pow"] = [](const Inputs& x, const Case&) { return one(wick::pow(x[0], x[1])); };
    m["maximum"] = [](const Inputs& x, const Case&) { return one(wick::maximum(x[0], x[1])); };
    m["minimum"] = [](const Inputs& x, const Case&) { return one(wick::minimum(x[0], x[1])); };
    // Scalars go through the operators, as user code writes them.
    m["add_scalar"] = [](const Inputs& x, const Case& c) { return one(x[0] + c.num("scalar")); };
    m["sub_scalar"] = [](const Inputs& x, const Case& c) { return one(x[0] - c.num("scalar")); };
    m["rsub_scalar"] = [](const Inputs& x, const Case& c) { return one(c.num("scalar") - x[0]); };
    m["mul_scalar"] = [](const Inputs& x, const Case& c) { return one(x[0] * c.num("scalar")); };
    m["div_scalar"] = [](const Inputs& x, const Case& c) { return one(x[0] / c.num("scalar")); };
    m["rdiv_scalar"] = [](const Inputs& x, const Case& c) { return one(c.num("scalar") / x[0]); };
    m["pow_scalar"] = [](const Inputs& x, const Case& c) { return one(wick::pow(x[0], c.num("scalar"))); };
    m["rpow_scalar"] = [](const Inputs& x, const Case& c) { return one(wick::pow(c.num("scalar"), x[0])); };
    using Unary = Tensor (*)(const Tensor&);
    const std::pair<const char*, Unary> unary[] = {
        {"neg", wick::neg},         {"exp", wick::exp},           {"log", wick::log},
        {"log1p", wick::log1p},     {"sqrt", wick::sqrt},         {"abs", wick::abs},
        {"sign", wick::sign},       {"sigmoid", wick::sigmoid},   {"tanh", wick::tanh},
        {"relu", wick::relu},       {"square", wick::square},     {"reciprocal", wick::reciprocal},
        {"isfinite", wick::isfinite}, {"logical_not", wick::logical_not},
    };
    for (const auto& [name, fn] : unary) {
      Unary f = fn;
      m[name] = [f](const Inputs& x, const Case&) { return one(f(x[0])); };
    }
    m["clamp"] = [](const Inputs& x, const Case& c) { return one(wick::clamp(x[0], c.opt("min"), c.opt("max"))); };
    m["where"] = [](const Inputs& x, const Case&) { return one(wick::where(x[0], x[1], x[2])); };
    m["where_scalar_b"] = [](const Inputs& x, const Case& c) { return one(wick::where(x[0], x[1], c.num("scalar"))); };
    m["where_scalar_a"] = [](const Inputs& x, const Case& c) { return one(wick::where(x[0], c.num("scalar"), x[1])); };
    m["masked_fill"] = [](const Inputs& x, const Case& c) { return one(wick::masked_fill(x[0], x[1], c.num("value"))); };
    using Binary = Tensor (*)(const Tensor&, const Tensor&);
    const std::pair<const char*, Binary> binary[] = {
        {"eq", wick::eq}, {"ne", wick::ne}, {"lt", wick::lt}, {"le", wick::le}, {"gt", wick::gt}, {"ge", wick::ge},
        {"logical_and", wick::logical_and}, {"logical_or", wick::logical_or}, {"logical_xor", wick::logical_xor},
    };
    for (const auto& [name, fn] : binary) {
      Binary f = fn;
      m[name] = [f](const Inputs& x, const Case&) { return one(f(x[0], x[1])); };
    }
    // Two-op chains: a big binary op (threaded, strided) checked through a small output.
    m["mul_then_sum"] = [](const Inputs& x, const Case&) { return one(wick::sum(wick::mul(x[0], x[1]))); };
    m["add_then_sum"] = [](const Inputs& x, const Case&) { return one(wick::sum(wick::add(x[0], x[1]))); };
    // Comparisons with a scalar use the Tensor methods.
    m["eq_scalar"] = [](const Inputs& x, const Case& c) { return one(x[0].eq(c.num("scalar"))); };
    m["ne_scalar"] = [](const Inputs& x, const Case& c) { return one(x[0].ne(c.num("scalar"))); };
    m["lt_scalar"] = [](const Inputs& x, const Case& c) { return one(x[0].lt(c.num("scalar"))); };
    m["le_scalar"] = [](const Inputs& x, const Case& c) { return one(x[0].le(c.num("scalar"))); };
    m["gt_scalar"] = [](const Inputs& x, const Case& c) { return one(x[0].gt(c.num("scalar"))); };
    m["ge_scalar"] = [](const Inputs& x, const Case& c) { return one(x[0].ge(c.num("scalar"))); };
    return m;
  }();
  return t;
}

const Table& reduction_table() {
  static const Table t = [] {
    Table m;
    m["sum"] = [](const Inputs& x, const Case& c) {
      return one(c.has("dims") ? wick::sum(x[0], c.dims("dims"), c.flag("keepdim")) : wick::sum(x[0]));
    };
    m["mean"] = [](const Inputs& x, const Case& c) {
      return one(c.has("dims") ? wick::mean(x[0], c.dims("dims"), c.flag("keepdim")) : wick::mean(x[0]));
    };
    m["prod"] = [](const Inputs& x, const Case& c) {
      return one(c.has("dim") ? wick::prod(x[0], c.int_("dim"), c.flag("keepdim")) : wick::prod(x[0]));
    };
    m["max"] = [](const Inputs& x, const Case&) { return one(wick::max(x[0])); };
    m["min"] = [](const Inputs& x, const Case&) { return one(wick::min(x[0])); };
    m["max_dim"] = [](const Inputs& x, const Case& c) {
      auto [values, indices] = wick::max(x[0], c.int_("dim"), c.flag("keepdim"));
      return Outputs{values, indices};
    };
    m["min_dim"] = [](const Inputs& x, const Case& c) {
      auto [values, indices] = wick::min(x[0], c.int_("dim"), c.flag("keepdim"));
      return Outputs{values, indices};
    };
    m["argmax"] = [](const Inputs& x, const Case& c) {
      return one(c.has("dim") ? wick::argmax(x[0], c.int_("dim"), c.flag("keepdim")) : wick::argmax(x[0]));
    };
    m["argmin"] = [](const Inputs& x, const Case& c) {
      return one(c.has("dim") ? wick::argmin(x[0], c.int_("dim"), c.flag("keepdim")) : wick::argmin(x[0]));
    };
    m["var"] = [](const Inputs& x, const Case& c) {
      bool unbiased = c.flag("unbiased", true);
      return one(c.has("dims") ? wick::var(x[0], c.dims("dims"), unbiased, c.flag("keepdim")) : x[0].var(unbiased));
    };
    m["std"] = [](const Inputs& x, const Case& c) {
      bool unbiased = c.flag("unbiased", true);
      return one(c.has("dims") ? wick::std(x[0], c.dims("dims"), unbiased, c.flag("keepdim")) : x[0].std(unbiased));
    };
    m["softmax"] = [](const Inputs& x, const Case& c) { return one(wick::softmax(x[0], c.int_("dim"))); };
    m["log_softmax"] = [](const Inputs& x, const Case& c) { return one(wick::log_softmax(x[0], c.int_("dim"))); };
    m["logsumexp"] = [](const Inputs& x, const Case& c) {
      return one(wick::logsumexp(x[0], c.int_("dim"), c.flag("keepdim")));
    };
    return m;
  }();
  return t;
}

const Table& linalg_table() {
  static const Table t = [] {
    Table m;
    m["mm"] = [](const Inputs& x, const Case&) { return one(wick::mm(x[0], x[1])); };
    m["matmul"] = [](const Inputs& x, const Case&) { return one(wick::matmul(x[0], x[1])); };
    m["bmm"] = [](const Inputs& x, const Case&) { return one(wick::bmm(x[0], x[1])); };
    m["dot"] = [](const Inputs& x, const Case&) { return one(wick::dot(x[0], x[1])); };
    m["outer"] = [](const Inputs& x, const Case&) { return one(wick::outer(x[0], x[1])); };
    m["linear"] = [](const Inputs& x, const Case&) {
      return one(wick::linear(x[0], x[1], x.size() > 2 ? x[2] : Tensor()));
    };
    return m;
  }();
  return t;
}

const Table& indexing_table() {
  static const Table t = [] {
    Table m;
    m["index_select"] = [](const Inputs& x, const Case& c) { return one(wick::index_select(x[0], c.int_("dim"), x[1])); };
    m["gather"] = [](const Inputs& x, const Case& c) { return one(wick::gather(x[0], c.int_("dim"), x[1])); };
    m["scatter"] = [](const Inputs& x, const Case& c) { return one(wick::scatter(x[0], c.int_("dim"), x[1], x[2])); };
    m["scatter_add"] = [](const Inputs& x, const Case& c) {
      return one(wick::scatter_add(x[0], c.int_("dim"), x[1], x[2]));
    };
    m["one_hot"] = [](const Inputs& x, const Case& c) { return one(wick::one_hot(x[0], c.int_("num_classes"))); };
    m["cat"] = [](const Inputs& x, const Case& c) { return one(wick::cat(x, c.int_("dim"))); };
    m["stack"] = [](const Inputs& x, const Case& c) { return one(wick::stack(x, c.int_("dim"))); };
    m["split"] = [](const Inputs& x, const Case& c) { return wick::split(x[0], c.int_("size"), c.int_("dim")); };
    m["chunk"] = [](const Inputs& x, const Case& c) { return wick::chunk(x[0], c.int_("chunks"), c.int_("dim")); };
    return m;
  }();
  return t;
}

const Table& creation_table() {
  static const Table t = [] {
    Table m;
    m["arange"] = [](const Inputs&, const Case& c) {
      return one(c.has("start") ? wick::arange(c.num("start"), c.num("end"), c.num("step", 1), c.options())
                                : wick::arange(c.num("end"), c.options()));
    };
    m["linspace"] = [](const Inputs&, const Case& c) {
      return one(wick::linspace(c.num("start"), c.num("end"), c.int_("steps"), c.options()));
    };
    m["eye"] = [](const Inputs&, const Case& c) {
      return one(c.has("m") ? wick::eye(c.int_("n"), c.int_("m"), c.options()) : wick::eye(c.int_("n"), c.options()));
    };
    return m;
  }();
  return t;
}

// Ops that only make sense on views (the Views family also runs any case of the
// tables above whose inputs carry a view spec).
const Table& view_table() {
  static const Table t = [] {
    Table m;
    m["contiguous"] = [](const Inputs& x, const Case&) { return one(x[0].contiguous()); };
    m["reshape"] = [](const Inputs& x, const Case& c) { return one(x[0].reshape(c.dims("shape"))); };
    return m;
  }();
  return t;
}

const std::vector<std::pair<std::string, const Table*>>& families() {
  static const std::vector<std::pair<std::string, const Table*>> f = {
      {"elementwise", &elementwise_table()}, {"reduction", &reduction_table()},
      {"linalg", &linalg_table()},           {"indexing", &indexing_table()},
      {"creation", &creation_table()},       {"views", &view_table()},
  };
  return f;
}

const OpFn* find_op(const std::string& op) {
  for (const auto& [name, table] : families()) {
    auto it = table->find(op);
    if (it != table->end()) return &it->second;
  }
  return nullptr;
}

// The family a case is reported under: "views" when any input is a view.
std::string family_of(const Case& c) {
  if (has_views(c)) return "views";
  for (const auto& [name, table] : families())
    if (table->count(c.op)) return name;
  return "";
}

// ---- comparison ----
template <typename T>
std::vector<T> values_of(const Tensor& t) {
  Tensor c = t.contiguous();
  const T* p = c.data_ptr<T>();
  return std::vector<T>(p, p + c.numel());
}

std::vector<double> as_double(const Tensor& t) {
  switch (t.dtype()) {
    case wick::DType::Float32: { auto v = values_of<float>(t); return {v.begin(), v.end()}; }
    case wick::DType::Float64: return values_of<double>(t);
    default: throw std::runtime_error("not a float tensor");
  }
}

std::vector<int64_t> as_int(const Tensor& t) {
  switch (t.dtype()) {
    case wick::DType::Int64: return values_of<int64_t>(t);
    case wick::DType::UInt8: { auto v = values_of<uint8_t>(t); return {v.begin(), v.end()}; }
    case wick::DType::Bool: { auto v = values_of<bool>(t); return {v.begin(), v.end()}; }
    default: throw std::runtime_error("not an integer tensor");
  }
}

// Empty string when `got` matches `want`: same shape and dtype, float values
// within |got - want| <= atol + rtol * |want| (nan matches nan, inf matches the
// same inf), integer and bool values exactly.
std::string compare(const Tensor& got, const Tensor& want, double rtol, double atol) {
  std::ostringstream os;
  os.precision(10);
  if (!got.defined()) return "result is an undefined tensor";
  if (!got.is_cpu()) return "result is not on the CPU";
  if (got.sizes() != want.sizes())
    return "shape " + wick::shape_str(got.sizes()) + ", expected " + wick::shape_str(want.sizes());
  if (got.dtype() != want.dtype())
    return std::string("dtype ") + wick::dtype_name(got.dtype()) + ", expected " + wick::dtype_name(want.dtype());
  int bad = 0;
  if (wick::is_floating(want.dtype())) {
    auto g = as_double(got), w = as_double(want);
    for (size_t i = 0; i < w.size(); ++i) {
      bool ok = (std::isnan(w[i]) && std::isnan(g[i])) || g[i] == w[i] ||
                (std::isfinite(w[i]) && std::abs(g[i] - w[i]) <= atol + rtol * std::abs(w[i]));
      if (!ok && bad++ < 4)
        os << " [" << i << "] got " << g[i] << " expected " << w[i] << ";";
    }
  } else {
    auto g = as_int(got), w = as_int(want);
    for (size_t i = 0; i < w.size(); ++i)
      if (g[i] != w[i] && bad++ < 4) os << " [" << i << "] got " << g[i] << " expected " << w[i] << ";";
  }
  if (bad == 0) return "";
  std::ostringstream msg;
  msg << bad << " of " << want.numel() << " values differ (rtol " << rtol << ", atol " << atol << "):" << os.str();
  return msg.str();
}

// Runs one case; returns "" on success, else what went wrong.
std::string run_case(const Case& c, const OpFn& fn) {
  try {
    Inputs in;
    for (size_t i = 0; i < c.inputs.size(); ++i) {
      Tensor t = wick::load_npy(kDir + c.inputs[i]);
      std::string key = "view" + std::to_string(i);
      if (c.has(key)) t = apply_views(t, c.str(key));
      in.push_back(t);
    }
    Outputs out = fn(in, c);
    if (out.size() != c.outputs.size())
      return "returned " + std::to_string(out.size()) + " tensors, expected " + std::to_string(c.outputs.size());
    std::string msg;
    for (size_t j = 0; j < out.size(); ++j) {
      Tensor want = wick::load_npy(kDir + c.outputs[j]);
      std::string m = compare(out[j], want, c.rtol, c.atol);
      if (!m.empty()) msg += (out.size() > 1 ? "output " + std::to_string(j) + ": " : "") + m + " ";
    }
    return msg;
  } catch (const std::exception& e) {
    return std::string("threw: ") + e.what();
  }
}

void run_family(const std::string& family) {
  int ran = 0, failed = 0;
  for (const Case& c : manifest()) {
    if (family_of(c) != family) continue;
    const OpFn* fn = find_op(c.op);
    if (fn == nullptr) {
      ADD_FAILURE() << "case " << c.name << ": no handler for op " << c.op;
      continue;
    }
    ++ran;
    std::string msg = run_case(c, *fn);
    if (!msg.empty()) {
      ++failed;
      ADD_FAILURE() << "case " << c.name << " (op " << c.op << "): " << msg;
    }
  }
  EXPECT_GT(ran, 0) << "no " << family << " cases in the manifest";
  std::cout << "[ reference ] " << family << ": " << ran - failed << "/" << ran << " cases match PyTorch\n";
}

TEST(Reference, Elementwise) { run_family("elementwise"); }
TEST(Reference, Reductions) { run_family("reduction"); }
TEST(Reference, Linalg) { run_family("linalg"); }
TEST(Reference, Indexing) { run_family("indexing"); }
TEST(Reference, Creation) { run_family("creation"); }
TEST(Reference, Views) { run_family("views"); }

// Every case in the manifest is claimed by exactly one family test above, and
// its files exist: the tables cannot silently skip a case.
TEST(Reference, EveryCaseHasAHandler) {
  const auto& cases = manifest();
  ASSERT_GT(cases.size(), 300u) << "manifest looks truncated";
  std::map<std::string, int> per_family;
  for (const Case& c : cases) {
    int owners = 0;
    for (const auto& [name, table] : families()) owners += static_cast<int>(table->count(c.op));
    EXPECT_EQ(owners, 1) << "case " << c.name << ": op " << c.op << " has " << owners << " handlers";
    EXPECT_FALSE(c.outputs.empty()) << "case " << c.name << " has no outputs";
    for (const auto& f : c.inputs) EXPECT_TRUE(std::ifstream(kDir + f).good()) << c.name << ": missing " << f;
    for (const auto& f : c.outputs) EXPECT_TRUE(std::ifstream(kDir + f).good()) << c.name << ": missing " << f;
    ++per_family[family_of(c)];
  }
  std::cout << "[ reference ] " << cases.size() << " PyTorch reference cases checked:";
  for (const auto& [f, n] : per_family) std::cout << " " << f << " " << n << ";";
  std::cout << "\n";
}

}  // namespace
