// The backward engine: collects the nodes reachable from the roots, counts
// their dependencies, then runs them newest-first once all their gradients
// have arrived. Iterative throughout, so a 10,000-op chain does not recurse.
#include <cctype>
#include <queue>
#include <unordered_map>

#include "autograd/node.h"
#include "core/core.h"
#include "wick/autograd.h"
#include "wick/creation.h"
#include "wick/elementwise.h"
#include "wick/reduction.h"

namespace wick {

namespace {
thread_local bool g_anomaly_enabled = false;
}  // namespace

bool is_anomaly_enabled() { return g_anomaly_enabled; }
void set_anomaly_enabled(bool enabled) { g_anomaly_enabled = enabled; }

}  // namespace wick

namespace wick::autograd {

namespace {

// Anomaly mode: the first node whose returned gradients hold NaN or Inf is
// named, with the forward op it belongs to (the node name less "Backward")
// and every gradient's shape, so the user knows which op to look at.
void check_gradients(const Node& n, const std::vector<Tensor>& outs) {
  for (size_t i = 0; i < outs.size(); ++i) {
    const Tensor& g = outs[i];
    if (!g.defined() || !is_floating(g.dtype()) || g.numel() == 0) continue;
    const int64_t finite = static_cast<int64_t>(isfinite(g).sum().item());
    if (finite == g.numel()) continue;
    const int64_t nans = static_cast<int64_t>(ne(g, g).sum().item());  // NaN != NaN
    std::string shapes;
    for (const Tensor& o : outs) shapes += (shapes.empty() ? "" : ", ") + (o.defined() ? shape_str(o.sizes()) : "none");
    std::string op = n.name();
    if (op.size() > 8 && op.compare(op.size() - 8, 8, "Backward") == 0) op = op.substr(0, op.size() - 8);
    for (char& c : op) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));  // LogBackward -> log
    throw Error(detail::concat("detect_anomaly: ", n.name(), " returned ", nans ? "NaN" : "Inf", " in gradient ", i,
                               " of ", outs.size(), " (", g.numel() - finite, " of ", g.numel(), " values non-finite; ",
                               "gradient shapes ", shapes, ", ", dtype_name(g.dtype()), "), the backward of forward op '",
                               op, "' (graph node #", n.sequence,
                               "); look at that op's inputs (log or sqrt of values <= 0, division by zero, 0 * inf, "
                               "overflow), or lower the learning rate"));
  }
}

struct Task {
  Node* node;
  bool operator<(const Task& o) const { return node->sequence < o.node->sequence; }
};

void add_into(Tensor& slot, Tensor&& g) {
  if (!g.defined()) return;
  if (!slot.defined()) {
    slot = std::move(g);
    return;
  }
  slot = core::binary("backward accumulation", backend::BinaryOp::Add, slot, g.dtype() == slot.dtype() ? g : core::to_dtype(g, slot.dtype()));
}

struct Target {
  Node* node;
  uint32_t input_nr;
};

void run(const std::vector<Edge>& roots, std::vector<Tensor> root_grads, bool retain_graph,
         const std::vector<Target>* capture, std::vector<Tensor>* captured) {
  NoGradGuard no_grad;  // no graph for the backward pass itself (no create_graph)
  const bool check_anomaly = is_anomaly_enabled();  // read once: nothing per node when off
  // 1. Dependencies: how many edges point at each node.
  std::unordered_map<Node*, int> deps;
  std::vector<Node*> stack;
  std::unordered_map<Node*, bool> seen;
  for (const Edge& e : roots)
    if (e.fn && !seen[e.fn.get()]) {
      seen[e.fn.get()] = true;
      stack.push_back(e.fn.get());
    }
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next) {
      if (!e.fn) continue;
      ++deps[e.fn.get()];
      if (!seen[e.fn.get()]) {
        seen[e.fn.get()] = true;
        stack.push_back(e.fn.get());
      }
    }
  }
  // 2. Seed the gradient buffers with the roots' gradients.
  std::unordered_map<Node*, std::vector<Tensor>> buffers;
  auto buffer_of = [&](Node* n) -> std::vector<Tensor>& {
    auto& b = buffers[n];
    if (b.empty()) b.resize(n->num_outputs);
    return b;
  };
  std::priority_queue<Task> ready;
  for (size_t i = 0; i < roots.size(); ++i) {
    if (!roots[i].fn) continue;
    add_into(buffer_of(roots[i].fn.get())[roots[i].input_nr], std::move(root_grads[i]));
  }
  for (const Edge& e : roots)
    if (e.fn && deps[e.fn.get()] == 0 && buffers.count(e.fn.get()) && !buffers[e.fn.get()].empty()) {
      ready.push({e.fn.get()});
      deps[e.fn.get()] = -1;  // queued
    }
  // 3. Run.
  while (!ready.empty()) {
    Node* n = ready.top().node;
    ready.pop();
    std::vector<Tensor> grads = std::move(buffers[n]);
    buffers.erase(n);
    if (grads.empty()) grads.resize(n->num_outputs);
    if (capture) {
      for (size_t i = 0; i < capture->size(); ++i)
        if ((*capture)[i].node == n) (*captured)[i] = grads[(*capture)[i].input_nr];
    }
    for (size_t i = 0; i < n->retained.size() && i < grads.size(); ++i) {
      auto impl = n->retained[i].lock();
      if (!impl || !grads[i].defined()) continue;
      impl->grad = impl->grad ? core::binary("retain_grad", backend::BinaryOp::Add, Tensor(impl->grad), grads[i]).impl()
                              : core::clone(grads[i]).impl();
    }
    std::vector<Tensor> outs;
    if (capture && dynamic_cast<AccumulateGrad*>(n)) {
      // autograd::grad leaves .grad() untouched.
    } else {
      outs = n->apply(std::move(grads));
      if (check_anomaly) check_gradients(*n, outs);
    }
    if (!retain_graph) n->release();
    for (size_t i = 0; i < n->next.size(); ++i) {
      const Edge& e = n->next[i];
      if (!e.fn) continue;
      if (i < outs.size() && outs[i].defined()) add_into(buffer_of(e.fn.get())[e.input_nr], std::move(outs[i]));
      if (--deps[e.fn.get()] == 0) {
        ready.push({e.fn.get()});
        deps[e.fn.get()] = -1;
      }
    }
  }
}

Tensor default_grad(const Tensor& root, const Tensor& given, size_t i) {
  if (given.defined()) {
    WICK_CHECK(given.sizes() == root.sizes(), "backward: gradient of shape ", shape_str(given.sizes()),
               " does not match the output's shape ", shape_str(root.sizes()), " (output ", i, ")");
    core::check_same_device("backward", root, given);
    return given;
  }
  WICK_CHECK(root.numel() == 1, "backward: grad can be implicitly created only for scalar outputs, but the output is ",
             root.describe(), "; call .sum() or .mean() first, or pass a gradient of the same shape to backward()");
  return ones_like(root);
}

}  // namespace

void backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_outputs, bool retain_graph) {
  std::vector<Edge> edges;
  std::vector<Tensor> grads;
  for (size_t i = 0; i < roots.size(); ++i) {
    const Tensor& r = roots[i];
    core::check_defined("backward", r, "output");
    WICK_CHECK(r.requires_grad(), "backward: the output ", r.describe(),
               " does not require grad and has no grad_fn: no input of the computation had requires_grad=true, "
               "or it was computed under NoGradGuard");
    edges.push_back(edge_of(r));
    grads.push_back(default_grad(r, i < grad_outputs.size() ? grad_outputs[i] : Tensor(), i));
  }
  run(edges, std::move(grads), retain_graph, nullptr, nullptr);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, bool retain_graph) {
  std::vector<Edge> edges;
  std::vector<Tensor> grads;
  for (size_t i = 0; i < outputs.size(); ++i) {
    WICK_CHECK(outputs[i].requires_grad(), "autograd::grad: output ", i, " does not require grad");
    edges.push_back(edge_of(outputs[i]));
    grads.push_back(default_grad(outputs[i], i < grad_outputs.size() ? grad_outputs[i] : Tensor(), i));
  }
  std::vector<Target> targets;
  std::vector<Edge> keep;  // keeps accumulators alive during the run
  for (const Tensor& in : inputs) {
    WICK_CHECK(in.requires_grad(), "autograd::grad: an input does not require grad: ", in.describe());
    Edge e = edge_of(in);
    keep.push_back(e);
    targets.push_back({e.fn.get(), e.input_nr});
  }
  std::vector<Tensor> result(inputs.size());
  run(edges, std::move(grads), retain_graph, &targets, &result);
  for (size_t i = 0; i < result.size(); ++i)
    if (!result[i].defined()) result[i] = zeros_like(inputs[i]);
  return result;
}

}  // namespace wick::autograd
