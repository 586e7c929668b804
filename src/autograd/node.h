#pragma once
// Graph nodes of the dynamic autograd graph. A node is made by each recorded
// op; its edges point at the nodes that made its inputs (or at a leaf's
// accumulator). The engine walks them in reverse.
#include <functional>
#include <memory>
#include <vector>

#include "wick/tensor.h"

namespace wick::autograd {

class Node;

struct Edge {
  std::shared_ptr<Node> fn;  // null: that input needs no gradient
  uint32_t input_nr = 0;     // which output of `fn` the input was
};

using TensorList = std::vector<Tensor>;

class Node {
 public:
  virtual ~Node() = default;
  // grads: one per output of this node (undefined = zero). Returns one
  // gradient per input edge (undefined = zero).
  virtual TensorList apply(TensorList&& grads) = 0;
  virtual const char* name() const = 0;
  // Frees saved tensors once backward is done (unless retain_graph).
  virtual void release() {}

  std::vector<Edge> next;
  uint64_t sequence = 0;  // creation order: later nodes run first
  uint32_t num_outputs = 1;
  // Non-leaf outputs whose .grad() the user asked to keep (retain_grad).
  std::vector<std::weak_ptr<TensorImpl>> retained;
};

// A tensor saved for backward, with the version it had when saved: reading it
// after an in-place change is an error instead of a wrong gradient.
class SavedTensor {
 public:
  SavedTensor() = default;
  // Outputs of the recording node are saved without their history, so the
  // node does not keep itself alive through them.
  SavedTensor(const Tensor& t, bool is_output);
  Tensor get(const char* node_name) const;
  bool defined() const { return tensor_.defined(); }

 private:
  Tensor tensor_;
  uint32_t version_ = 0;
};

using BackwardFn = std::function<TensorList(const TensorList& grads)>;

// The node type of almost every op: the backward formula is a lambda written
// next to the forward, as flashlight does.
class FunctionNode final : public Node {
 public:
  FunctionNode(const char* name, BackwardFn fn, bool saves) : name_(name), fn_(std::move(fn)), saves_(saves) {}
  TensorList apply(TensorList&& grads) override;
  const char* name() const override { return name_; }
  void release() override;

 private:
  const char* name_;
  BackwardFn fn_;
  bool saves_;
  bool released_ = false;
};

// Leaves' gradients accumulate into .grad().
class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<TensorImpl> leaf) : leaf_(std::move(leaf)) {}
  TensorList apply(TensorList&& grads) override;
  const char* name() const override { return "AccumulateGrad"; }
  std::weak_ptr<TensorImpl> leaf() const { return leaf_; }

 private:
  // Weak: the leaf owns its accumulator's lifetime, not the other way round.
  std::weak_ptr<TensorImpl> leaf_;
};

// True when grad mode is on and some input requires grad.
bool needs_grad(std::initializer_list<const Tensor*> inputs);
inline bool needs_grad(const Tensor& a) { return needs_grad({&a}); }
inline bool needs_grad(const Tensor& a, const Tensor& b) { return needs_grad({&a, &b}); }

// Records a node for `outputs` computed from `inputs`. `saves`: whether the
// backward lambda holds saved tensors (then a second backward without
// retain_graph is an error). Outputs become non-leaves requiring grad.
void record(const char* name, std::initializer_list<const Tensor*> inputs, std::initializer_list<Tensor*> outputs,
            BackwardFn fn, bool saves = true);
// The edge a gradient for `t` flows along.
Edge edge_of(const Tensor& t);
uint64_t next_sequence();

}  // namespace wick::autograd
