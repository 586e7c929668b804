#pragma once
// nn::Module: the base of every layer and model, as torch.nn.Module.
//
// A module registers its parameters, buffers and child modules by name, in
// order. Members are registered by reference:
//
//   struct Net : nn::Module {
//     nn::Linear fc1{784, 256}, fc2{256, 10};
//     Tensor scale = ones({1});
//     Net() {
//       register_module("fc1", fc1);
//       register_module("fc2", fc2);
//       register_parameter("scale", scale);
//     }
//     Tensor forward(const Tensor& x) override { return fc2(relu(fc1(x))) * scale; }
//   };
//
// Copying is deep: `Net b = a;` (or `nn::clone(a)`) gives b its own
// parameters and buffers, so training one never changes the other. Copy
// assignment is deleted (it would have to replace registrations); moves are
// cheap. No reset()-style contract: the class's own copy constructor does the
// work, and registered Tensor members are cloned as they are copied.
// One difference from Python's copy.deepcopy: each module clones its own
// tensors, so weights tied across modules (dec.weight = enc.weight) are two
// tensors in the copy; tie them again after copying (b.dec.weight = b.enc.weight).
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "wick/tensor.h"
#include "wick/tensor_dict.h"

namespace wick::nn {

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module& other);             // deep copy (see above)
  Module& operator=(const Module&) = delete;
  Module(Module&&) noexcept = default;
  Module& operator=(Module&&) noexcept = default;

  // The computation. The default throws: every concrete module overrides it.
  virtual Tensor forward(const Tensor& input);
  // Calls forward(); the place where summary() observes each layer.
  Tensor operator()(const Tensor& input);

  // Type name as PyTorch prints it ("Linear", "Sequential", or the user's class).
  virtual std::string name() const;
  // The part inside the parentheses when printed: "in_features=784, ...".
  virtual std::string extra_repr() const { return ""; }

  // ---- structure ----
  // Every parameter, recursively, in registration order (children after own).
  // As in PyTorch, a tensor reachable under several names (a layer registered
  // twice, tied weights) is listed once, under its first name, so optimizers
  // update it once; state_dict() keeps every name. named_modules() likewise
  // lists a module once.
  std::vector<Tensor> parameters(bool recurse = true) const;
  TensorDict named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  TensorDict named_buffers(bool recurse = true) const;
  std::vector<Module*> children() const;
  std::vector<std::pair<std::string, Module*>> named_children() const;
  // This module and all descendants, depth first, with dotted names ("" for this).
  std::vector<std::pair<std::string, Module*>> named_modules() const;

  // ---- modes ----
  // Recurses into children. Dropout and BatchNorm read is_training().
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // ---- devices and dtypes: in place, keeping parameter identity ----
  // Unlike Tensor::to (which returns a copy), the module's own tensors move,
  // so an optimizer constructed before the move keeps working.
  Module& to(Device device);
  Module& to(DType dtype);
  Module& to(const char* device) { return to(Device(device)); }
  // The device of the first parameter or buffer (cpu when there are none).
  Device device() const;

  // Clears every parameter's .grad() (undefined when set_to_none, else zeros).
  void zero_grad(bool set_to_none = true);

  // ---- state ----
  // Parameters and persistent buffers under PyTorch's names ("0.weight",
  // "bn.running_mean", "bn.num_batches_tracked"); tensors share storage with
  // the module and carry no autograd history.
  TensorDict state_dict() const;
  // Copies values into the existing tensors (converting dtype and device).
  // strict: missing or unexpected keys are an error that lists them all;
  // shape mismatches are always an error, also listed together. Returns the
  // keys that were missing or unexpected (PyTorch's named tuple), which
  // matters with strict = false. As PyTorch does for a state_dict without
  // version metadata (every safetensors file), a missing BatchNorm
  // "num_batches_tracked" is not an error: the buffer keeps its value.
  struct IncompatibleKeys {
    std::vector<std::string> missing_keys, unexpected_keys;
  };
  IncompatibleKeys load_state_dict(const TensorDict& state, bool strict = true);

 protected:
  // `member` must be a data member of this module (it is found again in
  // copies by its offset). Parameters must be floating; requires_grad is set.
  Tensor& register_parameter(const std::string& name, Tensor& member, bool requires_grad = true);
  // Buffers are state that is not trained (running statistics). Undefined
  // buffers are skipped by state_dict(); non-persistent ones too.
  Tensor& register_buffer(const std::string& name, Tensor& member, bool persistent = true);
  // A child held as a data member.
  template <typename M>
  M& register_module(const std::string& name, M& member) {
    static_assert(std::is_base_of_v<Module, M>, "register_module: M must derive from nn::Module");
    add_member_child(name, member);
    return member;
  }
  // A child owned by this module (Sequential, dynamic lists); copies clone it
  // through its own copy constructor.
  template <typename M>
  M& register_module(const std::string& name, std::unique_ptr<M> owned) {
    static_assert(std::is_base_of_v<Module, M>, "register_module: M must derive from nn::Module");
    M& ref = *owned;
    add_owned_child(name, std::move(owned), [](const Module& m) -> std::unique_ptr<Module> {
      return std::make_unique<M>(static_cast<const M&>(m));
    });
    return ref;
  }

 private:
  struct TensorSlot {
    std::string name;
    std::ptrdiff_t offset;  // of the Tensor member, from this Module subobject
    bool persistent = true;
  };
  using Cloner = std::function<std::unique_ptr<Module>(const Module&)>;
  struct ChildSlot {
    std::string name;
    std::ptrdiff_t offset = 0;       // member child
    std::unique_ptr<Module> owned;   // or owned child
    Cloner cloner;
    ChildSlot() = default;
    ChildSlot(ChildSlot&&) noexcept = default;
    ChildSlot& operator=(ChildSlot&&) noexcept = default;
  };

  std::ptrdiff_t member_offset(const char* what, const std::string& name, const void* member) const;
  void check_new_name(const std::string& name) const;
  void add_member_child(const std::string& name, Module& member);
  void add_owned_child(const std::string& name, std::unique_ptr<Module> owned, Cloner cloner);
  Tensor& slot(const TensorSlot& s) const;
  Module& child(const ChildSlot& c) const;
  void collect(const std::string& prefix, bool params, bool recurse, bool persistent_only, TensorDict& out) const;

  std::vector<TensorSlot> params_;
  std::vector<TensorSlot> buffers_;
  std::vector<ChildSlot> children_;
  bool training_ = true;
};

// A deep copy of any module type: the same as `M copy = m;`.
template <typename M>
M clone(const M& m) {
  return M(m);
}

// PyTorch-style printout: Sequential(\n  (0): Flatten(...)\n  (1): Linear(...)\n)
std::ostream& operator<<(std::ostream& os, const Module& m);

}  // namespace wick::nn
