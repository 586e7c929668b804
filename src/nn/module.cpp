#include "wick/nn/module.h"

#include <cxxabi.h>

#include <ostream>
#include <typeinfo>
#include <unordered_set>

#include "core/core.h"
#include "core/member_copy.h"
#include "nn/hooks.h"
#include "wick/autograd.h"

namespace wick::nn {

namespace {
// Registered members must lie inside the module object; modules are small,
// so an offset beyond this means the reference was not a member.
constexpr std::ptrdiff_t kMaxModuleBytes = std::ptrdiff_t{1} << 20;

// A fresh leaf with its own storage and the same requires_grad.
std::shared_ptr<TensorImpl> deep_clone(const Tensor& t) {
  Tensor c = core::clone(t);
  c.impl_ref().requires_grad = t.requires_grad();
  return c.impl();
}

// Moves a tensor's data to another device/dtype while keeping its TensorImpl,
// so handles held elsewhere (optimizers) see the move.
void relocate(const Tensor& t, Device device, DType dtype) {
  if (!t.defined() || (t.device() == device && t.dtype() == dtype)) return;
  Tensor moved = core::contiguous(core::to_dtype(core::to_device(t, device), dtype));
  TensorImpl& impl = t.impl_ref();
  impl.storage = moved.impl()->storage;
  impl.strides = moved.strides();
  impl.offset = moved.storage_offset();
  impl.dtype = dtype;
  if (impl.grad) relocate(Tensor(impl.grad), device, dtype);
}
}  // namespace

Module::Module(const Module& other) : training_(other.training_) {
  params_ = other.params_;
  buffers_ = other.buffers_;
  for (const auto* list : {&other.params_, &other.buffers_})
    for (const TensorSlot& s : *list) {
      const Tensor& src = other.slot(s);
      if (src.defined()) ::wick::detail::push_member_copy(reinterpret_cast<char*>(this) + s.offset, deep_clone(src));
    }
  for (const ChildSlot& c : other.children_) {
    ChildSlot n;
    n.name = c.name;
    n.offset = c.offset;
    if (c.owned) {
      n.owned = c.cloner(*c.owned);
      n.cloner = c.cloner;
    }
    children_.push_back(std::move(n));
  }
}

Tensor Module::forward(const Tensor&) {
  throw Error(name() + ": forward() is not implemented; override Tensor forward(const Tensor&) in your module");
}

Tensor Module::operator()(const Tensor& input) {
  Tensor out = forward(input);
  if (detail::g_forward_observer) [[unlikely]] detail::g_forward_observer(*this, input, out);
  return out;
}

std::string Module::name() const {
  int status = 0;
  const char* mangled = typeid(*this).name();
  char* demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string n = status == 0 && demangled ? demangled : mangled;
  std::free(demangled);
  for (const char* prefix : {"wick::nn::", "(anonymous namespace)::"})
    if (n.rfind(prefix, 0) == 0) n = n.substr(std::string(prefix).size());
  return n;
}

std::ptrdiff_t Module::member_offset(const char* what, const std::string& name, const void* member) const {
  std::ptrdiff_t off = reinterpret_cast<const char*>(member) - reinterpret_cast<const char*>(this);
  WICK_CHECK(off >= 0 && off < kMaxModuleBytes, what, "('", name, "'): the object must be a data member of the ",
             "module registering it (it is found again in copies by its position); store it in a member first");
  return off;
}

void Module::check_new_name(const std::string& name) const {
  WICK_CHECK(!name.empty() && name.find('.') == std::string::npos, "register: invalid name '", name,
             "' (names must be non-empty and contain no '.')");
  for (const auto* list : {&params_, &buffers_})
    for (const TensorSlot& s : *list) WICK_CHECK(s.name != name, "register: '", name, "' is already registered in ", this->name());
  for (const ChildSlot& c : children_) WICK_CHECK(c.name != name, "register: '", name, "' is already registered in ", this->name());
}

Tensor& Module::register_parameter(const std::string& name, Tensor& member, bool requires_grad) {
  check_new_name(name);
  std::ptrdiff_t off = member_offset("register_parameter", name, &member);
  if (member.defined()) {
    WICK_CHECK(is_floating(member.dtype()) || !requires_grad, "register_parameter('", name,
               "'): parameters must be floating tensors, got ", member.describe());
    // A parameter is a leaf: detach whatever history the initial value had.
    if (!member.is_leaf()) member = member.detach();
    member.impl_ref().requires_grad = requires_grad;
  }
  params_.push_back({name, off, true});
  return member;
}

Tensor& Module::register_buffer(const std::string& name, Tensor& member, bool persistent) {
  check_new_name(name);
  buffers_.push_back({name, member_offset("register_buffer", name, &member), persistent});
  return member;
}

void Module::add_member_child(const std::string& name, Module& member) {
  check_new_name(name);
  WICK_CHECK(&member != this, "register_module('", name, "'): a module cannot contain itself");
  ChildSlot c;
  c.name = name;
  c.offset = member_offset("register_module", name, &member);
  children_.push_back(std::move(c));
}

void Module::add_owned_child(const std::string& name, std::unique_ptr<Module> owned, Cloner cloner) {
  check_new_name(name);
  ChildSlot c;
  c.name = name;
  c.owned = std::move(owned);
  c.cloner = std::move(cloner);
  children_.push_back(std::move(c));
}

Tensor& Module::slot(const TensorSlot& s) const {
  return *reinterpret_cast<Tensor*>(const_cast<char*>(reinterpret_cast<const char*>(this)) + s.offset);
}

Module& Module::child(const ChildSlot& c) const {
  if (c.owned) return *c.owned;
  return *reinterpret_cast<Module*>(const_cast<char*>(reinterpret_cast<const char*>(this)) + c.offset);
}

void Module::collect(const std::string& prefix, bool params, bool recurse, bool persistent_only, TensorDict& out) const {
  for (const TensorSlot& s : params ? params_ : buffers_) {
    const Tensor& t = slot(s);
    if (t.defined() && (!persistent_only || s.persistent)) out.insert(prefix + s.name, t);
  }
  if (!recurse) return;
  for (const ChildSlot& c : children_) child(c).collect(prefix + c.name + ".", params, true, persistent_only, out);
}

namespace {
// Each tensor once (by identity: views of one impl), under its first name.
TensorDict first_names(const TensorDict& all) {
  TensorDict unique;
  std::unordered_set<const TensorImpl*> seen;
  for (const auto& [name, t] : all)
    if (seen.insert(t.impl().get()).second) unique.insert(name, t);
  return unique;
}
}  // namespace

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> v;
  for (auto& [n, t] : named_parameters(recurse)) v.push_back(t);
  return v;
}

TensorDict Module::named_parameters(bool recurse) const {
  TensorDict d;
  collect("", true, recurse, false, d);
  return first_names(d);
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  std::vector<Tensor> v;
  for (auto& [n, t] : named_buffers(recurse)) v.push_back(t);
  return v;
}

TensorDict Module::named_buffers(bool recurse) const {
  TensorDict d;
  collect("", false, recurse, false, d);
  return first_names(d);
}

std::vector<Module*> Module::children() const {
  std::vector<Module*> v;
  for (const ChildSlot& c : children_) v.push_back(&child(c));
  return v;
}

std::vector<std::pair<std::string, Module*>> Module::named_children() const {
  std::vector<std::pair<std::string, Module*>> v;
  for (const ChildSlot& c : children_) v.emplace_back(c.name, &child(c));
  return v;
}

std::vector<std::pair<std::string, Module*>> Module::named_modules() const {
  std::vector<std::pair<std::string, Module*>> v{{"", const_cast<Module*>(this)}};
  std::unordered_set<const Module*> seen{this};
  for (const ChildSlot& c : children_)
    for (auto& [n, m] : child(c).named_modules())
      if (seen.insert(m).second) v.emplace_back(n.empty() ? c.name : c.name + "." + n, m);
  return v;
}

void Module::train(bool on) {
  training_ = on;
  for (const ChildSlot& c : children_) child(c).train(on);
}

Module& Module::to(Device device) {
  check_device_available(device);
  for (auto* d : {&params_, &buffers_})
    for (const TensorSlot& s : *d) {
      const Tensor& t = slot(s);
      if (t.defined()) relocate(t, device, t.dtype());
    }
  for (const ChildSlot& c : children_) child(c).to(device);
  return *this;
}

Module& Module::to(DType dtype) {
  WICK_CHECK(is_floating(dtype), "Module::to: only floating dtypes are allowed for modules, got ", dtype_name(dtype));
  // Like PyTorch: only floating parameters and buffers change dtype
  // (num_batches_tracked stays int64).
  for (auto* d : {&params_, &buffers_})
    for (const TensorSlot& s : *d) {
      const Tensor& t = slot(s);
      if (t.defined() && is_floating(t.dtype())) relocate(t, t.device(), dtype);
    }
  for (const ChildSlot& c : children_) child(c).to(dtype);
  return *this;
}

Device Module::device() const {
  for (auto& [n, t] : named_parameters()) return t.device();
  for (auto& [n, t] : named_buffers()) return t.device();
  return Device::cpu();
}

void Module::zero_grad(bool set_to_none) {
  NoGradGuard g;
  for (Tensor& p : parameters()) {
    if (!p.grad().defined()) continue;
    if (set_to_none) p.set_grad(Tensor());
    else p.grad().zero_();
  }
}

TensorDict Module::state_dict() const {
  TensorDict all;
  // PyTorch's order: per module, parameters then buffers, then children.
  struct Walk {
    static void run(const Module& m, const std::string& prefix, TensorDict& out) {
      for (const TensorSlot& s : m.params_) {
        const Tensor& t = m.slot(s);
        if (t.defined()) out.insert(prefix + s.name, t.detach());
      }
      for (const TensorSlot& s : m.buffers_) {
        const Tensor& t = m.slot(s);
        if (t.defined() && s.persistent) out.insert(prefix + s.name, t.detach());
      }
      for (const ChildSlot& c : m.children_) run(m.child(c), prefix + c.name + ".", out);
    }
  };
  Walk::run(*this, "", all);
  return all;
}

Module::IncompatibleKeys Module::load_state_dict(const TensorDict& state, bool strict) {
  TensorDict own = state_dict();
  std::vector<std::string> missing, unexpected, mismatched;
  auto optional_key = [](const std::string& k) {
    const std::string tail = "num_batches_tracked";
    return k.size() >= tail.size() && k.compare(k.size() - tail.size(), tail.size(), tail) == 0 &&
           (k.size() == tail.size() || k[k.size() - tail.size() - 1] == '.');
  };
  for (auto& [k, t] : state)
    WICK_CHECK(t.defined(), "load_state_dict: the value of '", k, "' is an undefined tensor; drop the key or give it a value");
  for (auto& [k, t] : own) {
    if (!state.count(k)) {
      if (!optional_key(k)) missing.push_back(k);
    } else if (state.at(k).sizes() != t.sizes())
      mismatched.push_back(k + ": checkpoint " + shape_str(state.at(k).sizes()) + " vs model " + shape_str(t.sizes()));
  }
  for (auto& [k, t] : state)
    if (!own.count(k)) unexpected.push_back(k);
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
    return s;
  };
  std::string problems;
  if (!mismatched.empty()) problems += " size mismatch for " + join(mismatched) + ".";
  if (strict && !missing.empty()) problems += " Missing key(s): " + join(missing) + ".";
  if (strict && !unexpected.empty()) problems += " Unexpected key(s): " + join(unexpected) + ".";
  if (!problems.empty())
    throw Error("load_state_dict: error(s) loading the state_dict for " + name() + ":" + problems +
                (strict && (!missing.empty() || !unexpected.empty())
                     ? " Check that the checkpoint matches this architecture, or pass strict=false to load the rest"
                     : ""));
  NoGradGuard g;
  for (auto& [k, t] : own)
    if (state.count(k)) core::copy_into(t, state.at(k));
  return {missing, unexpected};
}

namespace {
void print_module(std::ostream& os, const Module& m, int indent) {
  os << m.name() << '(' << m.extra_repr();
  auto kids = m.named_children();
  if (!kids.empty()) {
    os << '\n';
    for (auto& [n, c] : kids) {
      os << std::string(indent + 2, ' ') << '(' << n << "): ";
      print_module(os, *c, indent + 2);
      os << '\n';
    }
    os << std::string(indent, ' ');
  }
  os << ')';
}
}  // namespace

std::ostream& operator<<(std::ostream& os, const Module& m) {
  print_module(os, m, 0);
  return os;
}

}  // namespace wick::nn
