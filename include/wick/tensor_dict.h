#pragma once
// An ordered name -> Tensor map: state_dicts, named_parameters(). Iterates in
// insertion order (PyTorch's OrderedDict) and has the usual map interface.
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "wick/tensor.h"

namespace wick {

class TensorDict {
 public:
  using value_type = std::pair<std::string, Tensor>;
  using iterator = std::vector<value_type>::iterator;
  using const_iterator = std::vector<value_type>::const_iterator;

  TensorDict() = default;
  TensorDict(std::initializer_list<value_type> items) {
    for (const auto& [k, v] : items) insert(k, v);
  }

  // Throws wick::Error naming the key (and listing a few that exist).
  Tensor& at(const std::string& key);
  const Tensor& at(const std::string& key) const;
  // Inserts an undefined tensor when missing, as std::map.
  Tensor& operator[](const std::string& key);
  size_t count(const std::string& key) const { return index_.count(key); }
  bool contains(const std::string& key) const { return count(key) > 0; }
  // Replaces the value of an existing key in place (keeping its position).
  void insert(const std::string& key, const Tensor& value);
  size_t erase(const std::string& key);
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  void clear() {
    items_.clear();
    index_.clear();
  }
  std::vector<std::string> keys() const;

  iterator begin() { return items_.begin(); }
  iterator end() { return items_.end(); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }

 private:
  std::vector<value_type> items_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace wick
