#include "wick/tensor_dict.h"

namespace wick {

namespace {
[[noreturn]] void missing(const std::string& key, const std::vector<std::pair<std::string, Tensor>>& items) {
  std::string known;
  for (size_t i = 0; i < items.size() && i < 8; ++i) known += (i ? ", " : "") + items[i].first;
  if (items.size() > 8) known += ", ...";
  throw Error("key '" + key + "' not found (" + std::to_string(items.size()) + " keys: " +
              (known.empty() ? "none" : known) + ")");
}
}  // namespace

Tensor& TensorDict::at(const std::string& key) {
  auto it = index_.find(key);
  if (it == index_.end()) missing(key, items_);
  return items_[it->second].second;
}

const Tensor& TensorDict::at(const std::string& key) const {
  auto it = index_.find(key);
  if (it == index_.end()) missing(key, items_);
  return items_[it->second].second;
}

Tensor& TensorDict::operator[](const std::string& key) {
  auto it = index_.find(key);
  if (it != index_.end()) return items_[it->second].second;
  index_[key] = items_.size();
  items_.emplace_back(key, Tensor());
  return items_.back().second;
}

void TensorDict::insert(const std::string& key, const Tensor& value) { (*this)[key] = value; }

size_t TensorDict::erase(const std::string& key) {
  auto it = index_.find(key);
  if (it == index_.end()) return 0;
  items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(it->second));
  index_.clear();
  for (size_t i = 0; i < items_.size(); ++i) index_[items_[i].first] = i;
  return 1;
}

std::vector<std::string> TensorDict::keys() const {
  std::vector<std::string> k;
  for (const auto& [name, t] : items_) k.push_back(name);
  return k;
}

}  // namespace wick
