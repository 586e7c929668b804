#pragma once
// nn::ModuleList and nn::ModuleDict: modules held by position or by key, as
// torch.nn.ModuleList / torch.nn.ModuleDict. They only hold: their children
// are registered ("0", "1", ... or the key), so parameters(), state_dict()
// ("layers.0.weight", as PyTorch), to(device), train()/eval(), copies and
// summary() see them, but they have no forward() of their own.
//
//   struct Net : nn::Module {
//     nn::ModuleList layers;
//     Net() {
//       for (int i = 0; i < 3; ++i) layers.append(nn::Linear(16, 16));
//       register_module("layers", layers);
//     }
//     Tensor forward(const Tensor& x) override {
//       Tensor h = x;
//       for (nn::Module& layer : layers) h = relu(layer(h));
//       return h;
//     }
//   };
//
// Like Sequential, a container owns its children: append/insert take a
// module by value (a copy, or the moved object) or as a std::unique_ptr.
// Copying a container is deep.
//
// insert, erase and replacing a ModuleDict key re-register the children
// under their new names by moving each child into a new object (Module has
// no way to rename a registered child). Parameters keep their identity, so
// an optimizer made earlier keeps working, but, as with std::vector,
// references to elements taken before are invalidated. append never moves
// the existing children. (A child type with a copy constructor but no move
// constructor is copied instead, and its parameters become new tensors.)
// As in Sequential, a child is held as the type it was given as: a derived
// module passed as std::unique_ptr<Base> would be copied as a Base.
#include <iterator>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "wick/nn/module.h"

namespace wick::nn {

namespace detail {

// What ModuleList and ModuleDict share: an ordered list of owned children,
// each with the type-erased operations that re-registering it needs.
class ModuleContainer : public Module {
 public:
  // PyTorch raises NotImplementedError; this says what to do instead.
  Tensor forward(const Tensor& input) override;
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 protected:
  ModuleContainer() = default;
  ModuleContainer(const ModuleContainer& other) : Module(other), entries_(other.entries_) { relink(); }
  ModuleContainer(ModuleContainer&& other) noexcept : Module(std::move(other)), entries_(std::move(other.entries_)) {}
  ModuleContainer& operator=(ModuleContainer&&) noexcept = default;

  // Operations on a child whose static type (T) is known only at insertion.
  struct ChildOps {
    std::unique_ptr<Module> (*move_out)(Module&);  // a new T moved from it
    void (*adopt)(ModuleContainer&, const std::string& name, std::unique_ptr<Module>);
    std::unique_ptr<Module> (*copy)(const Module&);
  };
  template <typename T>
  static const ChildOps* ops_for() {
    static_assert(std::is_base_of_v<Module, T>, "nn containers: every element must derive from nn::Module");
    static_assert(std::is_copy_constructible_v<T>, "nn containers: elements must be copyable (copies are deep)");
    static const ChildOps ops{
        [](Module& m) -> std::unique_ptr<Module> { return std::make_unique<T>(std::move(static_cast<T&>(m))); },
        // register_module<T> keeps T's copy constructor as the child's cloner.
        [](ModuleContainer& c, const std::string& name, std::unique_ptr<Module> p) {
          c.register_module(name, std::unique_ptr<T>(static_cast<T*>(p.release())));
        },
        [](const Module& m) -> std::unique_ptr<Module> { return std::make_unique<T>(static_cast<const T&>(m)); }};
    return &ops;
  }

  struct Entry {
    std::string key;
    Module* module;
    const ChildOps* ops;
  };
  struct Pending {
    std::string key;
    std::unique_ptr<Module> module;
    const ChildOps* ops;
  };

  // Registers `module` as child `key` (appended at the end).
  void add(const std::string& key, std::unique_ptr<Module> module, const ChildOps* ops);
  // The current children, each moved into a new object, in order.
  std::vector<Pending> take_all();
  // Drops every registration and registers `items` in order (own training
  // flag kept; the children keep theirs).
  void rebuild(std::vector<Pending> items);

  std::vector<Entry> entries_;

 private:
  void relink();  // after a deep copy: entries_ point at the copy's children
};

}  // namespace detail

class ModuleList : public detail::ModuleContainer {
 public:
  ModuleList() = default;
  template <typename M0, typename... Ms,
            typename = std::enable_if_t<std::is_base_of_v<Module, std::decay_t<M0>> &&
                                        !(sizeof...(Ms) == 0 && std::is_same_v<std::decay_t<M0>, ModuleList>)>>
  explicit ModuleList(M0&& first, Ms&&... modules) {
    append(std::forward<M0>(first));
    (append(std::forward<Ms>(modules)), ...);
  }
  ModuleList(const ModuleList&) = default;
  ModuleList(ModuleList&&) noexcept = default;
  ModuleList& operator=(ModuleList&&) noexcept = default;

  // Adds a copy (or the moved module) as child "<size>".
  template <typename M, typename = std::enable_if_t<std::is_base_of_v<Module, std::decay_t<M>>>>
  ModuleList& append(M&& module) {
    using T = std::decay_t<M>;
    return append(std::make_unique<T>(std::forward<M>(module)));
  }
  template <typename M>
  ModuleList& append(std::unique_ptr<M> module) {
    check_module(module.get(), "append");
    add(std::to_string(size()), std::move(module), ops_for<M>());
    return *this;
  }
  // LibTorch's spelling.
  template <typename M>
  ModuleList& push_back(M&& module) {
    return append(std::forward<M>(module));
  }
  // Appends deep copies of other's modules (or, from an rvalue, the modules themselves).
  ModuleList& extend(const ModuleList& other);
  ModuleList& extend(ModuleList&& other);

  // Python's list.insert: index in -size .. size; negative counts from the end.
  template <typename M, typename = std::enable_if_t<std::is_base_of_v<Module, std::decay_t<M>>>>
  ModuleList& insert(int64_t index, M&& module) {
    using T = std::decay_t<M>;
    return insert(index, std::make_unique<T>(std::forward<M>(module)));
  }
  template <typename M>
  ModuleList& insert(int64_t index, std::unique_ptr<M> module) {
    check_module(module.get(), "insert");
    insert_erased(index, std::move(module), ops_for<M>());
    return *this;
  }
  // Python's `del layers[i]`; negative counts from the end.
  ModuleList& erase(int64_t index);

  // Negative counts from the end, as in Python.
  Module& operator[](int64_t index) const;
  // Typed access: layers.at<Linear>(0).weight
  template <typename M>
  M& at(int64_t index) const {
    Module& m = (*this)[index];
    auto* typed = dynamic_cast<M*>(&m);
    WICK_CHECK(typed != nullptr, "ModuleList::at<T>(", index, "): element ", index, " is a ", m.name(),
               ", not the requested type");
    return *typed;
  }

  class iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = Module;
    using difference_type = std::ptrdiff_t;
    using pointer = Module*;
    using reference = Module&;
    iterator() = default;
    explicit iterator(std::vector<Entry>::const_iterator it) : it_(it) {}
    Module& operator*() const { return *it_->module; }
    Module* operator->() const { return it_->module; }
    iterator& operator++() { ++it_; return *this; }
    iterator operator++(int) { iterator old = *this; ++it_; return old; }
    iterator& operator--() { --it_; return *this; }
    difference_type operator-(const iterator& o) const { return it_ - o.it_; }
    iterator operator+(difference_type n) const { return iterator(it_ + n); }
    bool operator==(const iterator& o) const { return it_ == o.it_; }
    bool operator!=(const iterator& o) const { return it_ != o.it_; }

   private:
    std::vector<Entry>::const_iterator it_;
  };
  iterator begin() const { return iterator(entries_.begin()); }
  iterator end() const { return iterator(entries_.end()); }

  ModuleList clone() const { return ModuleList(*this); }

 private:
  void check_module(const Module* m, const char* op) const;
  size_t wrap(int64_t index, const char* op, bool allow_end) const;
  void insert_erased(int64_t index, std::unique_ptr<Module> module, const ChildOps* ops);
};

class ModuleDict : public detail::ModuleContainer {
 public:
  ModuleDict() = default;
  ModuleDict(const ModuleDict&) = default;
  ModuleDict(ModuleDict&&) noexcept = default;
  ModuleDict& operator=(ModuleDict&&) noexcept = default;

  // Python's d[key] = module: a new key goes last; an existing key keeps its
  // position and its old module is dropped. Keys: non-empty, no '.'.
  template <typename M, typename = std::enable_if_t<std::is_base_of_v<Module, std::decay_t<M>>>>
  ModuleDict& insert(const std::string& key, M&& module) {
    using T = std::decay_t<M>;
    return insert(key, std::make_unique<T>(std::forward<M>(module)));
  }
  template <typename M>
  ModuleDict& insert(const std::string& key, std::unique_ptr<M> module) {
    insert_erased(key, std::move(module), ops_for<M>());
    return *this;
  }
  // Python's update(): every item of `other`, copied, in its order.
  ModuleDict& update(const ModuleDict& other);

  bool contains(const std::string& key) const;
  // A missing key is an error that lists the keys present.
  Module& at(const std::string& key) const;
  Module& operator[](const std::string& key) const { return at(key); }
  template <typename M>
  M& at(const std::string& key) const {
    Module& m = at(key);
    auto* typed = dynamic_cast<M*>(&m);
    WICK_CHECK(typed != nullptr, "ModuleDict::at<T>(\"", key, "\"): the module is a ", m.name(),
               ", not the requested type");
    return *typed;
  }
  // Python's pop(key) without the return value; a missing key is an error.
  ModuleDict& erase(const std::string& key);
  void clear();
  std::vector<std::string> keys() const;  // insertion order

  // Iteration yields (key, module) pairs in insertion order:
  //   for (auto [key, module] : heads) ...
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::pair<const std::string&, Module&>;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(std::vector<Entry>::const_iterator it) : it_(it) {}
    value_type operator*() const { return {it_->key, *it_->module}; }
    iterator& operator++() { ++it_; return *this; }
    iterator operator++(int) { iterator old = *this; ++it_; return old; }
    bool operator==(const iterator& o) const { return it_ == o.it_; }
    bool operator!=(const iterator& o) const { return it_ != o.it_; }

   private:
    std::vector<Entry>::const_iterator it_;
  };
  iterator begin() const { return iterator(entries_.begin()); }
  iterator end() const { return iterator(entries_.end()); }

  ModuleDict clone() const { return ModuleDict(*this); }

 private:
  void insert_erased(const std::string& key, std::unique_ptr<Module> module, const ChildOps* ops);
};

}  // namespace wick::nn
