#include "wick/nn/summary.h"

#include <algorithm>
#include <array>
#include <ostream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "nn/hooks.h"
#include "wick/autograd.h"
#include "wick/creation.h"

namespace wick::nn {
namespace {

// 1234567 -> "1,234,567"
std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string shape_text(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

// Puts back what summary() changes for its forward pass, also when the
// forward throws: the observer, and each module's own training flag (set
// parents first, so a child in a different mode than its parent keeps it).
class Restore {
 public:
  explicit Restore(Module& model) : observer_(std::move(detail::g_forward_observer)) {
    for (auto& [name, m] : model.named_modules()) modes_.emplace_back(m, m->is_training());
  }
  ~Restore() {
    detail::g_forward_observer = std::move(observer_);
    for (auto& [m, training] : modes_) m->train(training);
  }
  Restore(const Restore&) = delete;
  Restore& operator=(const Restore&) = delete;

 private:
  detail::ForwardObserver observer_;
  std::vector<std::pair<Module*, bool>> modes_;
};

DType default_input_dtype(const Module& model) {
  for (const Tensor& p : model.parameters())
    if (is_floating(p.dtype())) return p.dtype();
  return kFloat32;
}

}  // namespace

Summary summary(Module& model, const Shape& input_shape, std::optional<Device> device,
                std::optional<DType> input_dtype) {
  constexpr int64_t kBatch = 2;  // > 1, so layers that need a batch (BatchNorm in training) would still work
  for (int64_t d : input_shape)
    WICK_CHECK(d >= 0, "summary: input_shape ", shape_text(input_shape),
               " has a negative size; pass the shape of one sample, without the batch dim, e.g. {1, 28, 28}");
  Summary s;
  s.model_name = model.name();
  s.input_shape = input_shape;
  for (const Tensor& p : model.parameters()) {
    s.total_params += p.numel();
    (p.requires_grad() ? s.trainable_params : s.non_trainable_params) += p.numel();
  }
  for (const Tensor& b : model.buffers()) s.buffer_values += b.numel();

  std::unordered_map<const Module*, std::string> paths;
  for (auto& [name, m] : model.named_modules()) paths.emplace(m, name.empty() ? "(model)" : name);

  std::unordered_set<const Module*> seen;
  Shape batched{kBatch};
  batched.insert(batched.end(), input_shape.begin(), input_shape.end());
  Tensor x = zeros(batched, {.dtype = input_dtype.value_or(default_input_dtype(model)),
                             .device = device.value_or(model.device())});
  {
    Restore restore(model);
    model.eval();  // no BatchNorm statistic updates, no dropout draws
    NoGradGuard no_grad;
    detail::g_forward_observer = [&](Module& m, const Tensor&, const Tensor& out) {
      const bool is_leaf = m.children().empty();
      const int64_t own = [&] {
        int64_t n = 0;
        for (const Tensor& p : m.parameters(/*recurse=*/false)) n += p.numel();
        return n;
      }();
      if (!is_leaf && own == 0) return;  // containers: their children have rows
      auto it = paths.find(&m);
      SummaryRow row;
      row.name = it != paths.end() ? it->second : "?";
      row.type = m.name();
      row.output_shape = out.defined() ? out.sizes() : Shape{};
      if (!row.output_shape.empty() && row.output_shape[0] == kBatch) row.output_shape[0] = -1;
      row.repeated = !seen.insert(&m).second;
      row.params = row.repeated ? 0 : own;
      s.rows.push_back(std::move(row));
    };
    try {
      model(x);
    } catch (const Error& e) {
      throw Error("summary(" + s.model_name + ", input_shape=" + shape_text(input_shape) +
                  "): the forward pass on a zero batch of shape " + shape_text(batched) + " failed: " + e.what() +
                  " (input_shape is one sample's shape, without the batch dim)");
    }
  }
  return s;
}

std::ostream& operator<<(std::ostream& os, const Summary& s) {
  std::vector<std::array<std::string, 3>> cells;
  for (const SummaryRow& r : s.rows)
    cells.push_back({r.name + " (" + r.type + ")" + (r.repeated ? " [shared]" : ""), shape_text(r.output_shape),
                     with_commas(r.params)});
  const std::array<std::string, 3> header{"Layer (type)", "Output Shape", "Param #"};
  std::array<size_t, 3> width{28, 24, 10};
  for (const auto& row : cells)
    for (size_t c = 0; c < 3; ++c) width[c] = std::max(width[c], row[c].size() + 3);
  const size_t total = 1 + width[0] + width[1] + width[2];
  auto line = [&](const std::array<std::string, 3>& row) {
    std::string text = " ";
    for (size_t c = 0; c < 3; ++c) text += row[c] + std::string(c < 2 ? width[c] - row[c].size() : 0, ' ');
    os << text << '\n';
  };
  os << "Model: \"" << s.model_name << "\"\n" << std::string(total, '_') << '\n';
  line(header);
  os << std::string(total, '=') << '\n';
  for (const auto& row : cells) line(row);
  os << std::string(total, '=') << '\n';
  os << "Total params: " << with_commas(s.total_params) << '\n';
  os << "Trainable params: " << with_commas(s.trainable_params) << '\n';
  os << "Non-trainable params: " << with_commas(s.non_trainable_params) << '\n';
  if (s.buffer_values > 0)
    os << "Buffers (not parameters: running statistics etc.): " << with_commas(s.buffer_values) << " values\n";
  os << std::string(total, '_') << '\n';
  return os;
}

}  // namespace wick::nn
