#include "autograd/node.h"

#include <atomic>

#include "core/core.h"
#include "wick/autograd.h"

namespace wick::autograd {

namespace {
thread_local bool g_grad_enabled = true;
std::atomic<uint64_t> g_sequence{0};
}  // namespace

uint64_t next_sequence() { return g_sequence.fetch_add(1, std::memory_order_relaxed); }

SavedTensor::SavedTensor(const Tensor& t, bool is_output) {
  if (!t.defined()) return;
  tensor_ = is_output ? core::make_view(t, t.sizes(), t.strides(), t.storage_offset()) : t;
  version_ = t.version();
}

Tensor SavedTensor::get(const char* node_name) const {
  if (tensor_.defined() && tensor_.version() != version_) [[unlikely]]
    throw Error(detail::concat(
        "one of the tensors needed for gradient computation has been modified by an inplace operation: ",
        node_name, " saved a ", tensor_.describe(), " at version ", version_, ", and it is now at version ",
        tensor_.version(), ". Use an out-of-place op (y = y + 1 instead of y.add_(1)) or .clone() the tensor "
        "before modifying it"));
  return tensor_;
}

TensorList FunctionNode::apply(TensorList&& grads) {
  if (released_) [[unlikely]]
    throw Error(detail::concat(
        "backward through ", name_, " a second time: its saved tensors were freed by the first backward(). "
        "Pass retain_graph=true to the first backward() if you need to run backward twice"));
  return fn_(grads);
}

void FunctionNode::release() {
  if (!saves_) return;
  fn_ = nullptr;
  released_ = true;
}

TensorList AccumulateGrad::apply(TensorList&& grads) {
  auto leaf = leaf_.lock();
  if (!leaf || !grads[0].defined()) return {};
  Tensor g = grads[0];
  if (g.dtype() != leaf->dtype) g = core::to_dtype(g, leaf->dtype);
  WICK_CHECK(g.sizes() == leaf->sizes, "internal: gradient of shape ", shape_str(g.sizes()),
             " for a leaf of shape ", shape_str(leaf->sizes));
  if (!leaf->grad) {
    // A fresh, contiguous tensor that nothing else references: the user may
    // modify .grad() in place (optimizers do).
    bool owned = g.impl().use_count() <= 2 && g.is_contiguous() && g.storage_offset() == 0 &&
                 g.impl()->storage.use_count() == 1 && !g.requires_grad();
    leaf->grad = owned ? g.impl() : core::clone(g).impl();
  } else {
    Tensor acc(leaf->grad);
    core::binary_into("grad accumulation", backend::BinaryOp::Add, acc, acc, g);
  }
  return {};
}

bool needs_grad(std::initializer_list<const Tensor*> inputs) {
  if (!g_grad_enabled) return false;
  for (const Tensor* t : inputs)
    if (t->defined() && t->requires_grad()) return true;
  return false;
}

Edge edge_of(const Tensor& t) {
  if (!t.defined() || !t.requires_grad()) return {};
  TensorImpl& impl = t.impl_ref();
  if (impl.grad_fn) return {impl.grad_fn, impl.output_nr};
  std::shared_ptr<Node> acc = impl.grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(t.impl());
    impl.grad_accumulator = acc;
  }
  return {acc, 0};
}

void record(const char* name, std::initializer_list<const Tensor*> inputs, std::initializer_list<Tensor*> outputs,
            BackwardFn fn, bool saves) {
  auto node = std::make_shared<FunctionNode>(name, std::move(fn), saves);
  node->sequence = next_sequence();
  node->next.reserve(inputs.size());
  for (const Tensor* t : inputs) node->next.push_back(edge_of(*t));
  node->num_outputs = static_cast<uint32_t>(outputs.size());
  uint32_t nr = 0;
  for (Tensor* out : outputs) {
    TensorImpl& impl = out->impl_ref();
    impl.requires_grad = true;
    impl.grad_fn = node;
    impl.output_nr = nr++;
  }
}

}  // namespace wick::autograd

namespace wick {
bool is_grad_enabled() { return autograd::g_grad_enabled; }
void set_grad_enabled(bool enabled) { autograd::g_grad_enabled = enabled; }
}  // namespace wick
