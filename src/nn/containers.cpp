#include "wick/nn/containers.h"

#include <algorithm>

namespace wick::nn {

namespace detail {

Tensor ModuleContainer::forward(const Tensor&) {
  throw Error(name() + " has no forward(): it only holds modules (as in PyTorch, where calling it raises "
              "NotImplementedError). Call its modules from your own module's forward, e.g. "
              "for (nn::Module& layer : layers) x = layer(x); or use nn::Sequential to run modules in order");
}

void ModuleContainer::add(const std::string& key, std::unique_ptr<Module> module, const ChildOps* ops) {
  Module* raw = module.get();
  ops->adopt(*this, key, std::move(module));
  entries_.push_back({key, raw, ops});
}

std::vector<ModuleContainer::Pending> ModuleContainer::take_all() {
  std::vector<Pending> items;
  items.reserve(entries_.size());
  for (const Entry& e : entries_) items.push_back({e.key, e.ops->move_out(*e.module), e.ops});
  return items;
}

void ModuleContainer::rebuild(std::vector<Pending> items) {
  const bool training = is_training();
  entries_.clear();
  // Module offers no way to drop or rename a child, so the registrations are
  // replaced wholesale; the children (moved into `items`) are not affected.
  Module::operator=(Module());
  Module::train(training);  // no children yet: sets only this module's flag
  for (Pending& p : items) add(p.key, std::move(p.module), p.ops);
}

void ModuleContainer::relink() {
  std::vector<Module*> kids = children();
  for (size_t i = 0; i < entries_.size(); ++i) entries_[i].module = kids[i];
}

}  // namespace detail

// ---- ModuleList ----

void ModuleList::check_module(const Module* m, const char* op) const {
  WICK_CHECK(m != nullptr, "ModuleList::", op, ": the module pointer is null");
  WICK_CHECK(m != this, "ModuleList::", op, ": a ModuleList cannot contain itself");
}

size_t ModuleList::wrap(int64_t index, const char* op, bool allow_end) const {
  const int64_t n = static_cast<int64_t>(size());
  const int64_t hi = allow_end ? n : n - 1;
  WICK_CHECK(hi >= 0, "ModuleList", op, ": index ", index, " is out of range: the ModuleList is empty");
  WICK_CHECK(index >= -n && index <= hi, "ModuleList", op, ": index ", index, " is out of range for a ModuleList of ",
             n, " modules; valid indices are ", -n, " .. ", hi, " (negative counts from the end)");
  return static_cast<size_t>(index < 0 ? index + n : index);
}

Module& ModuleList::operator[](int64_t index) const { return *entries_[wrap(index, "[]", false)].module; }

ModuleList& ModuleList::extend(const ModuleList& other) {
  // Copies first: `other` may be this list.
  std::vector<Pending> copies;
  for (const Entry& e : other.entries_) copies.push_back({"", e.ops->copy(*e.module), e.ops});
  for (Pending& p : copies) add(std::to_string(size()), std::move(p.module), p.ops);
  return *this;
}

ModuleList& ModuleList::extend(ModuleList&& other) {
  if (&other == this) return extend(static_cast<const ModuleList&>(other));
  for (Pending& p : other.take_all()) add(std::to_string(size()), std::move(p.module), p.ops);
  other.rebuild({});
  return *this;
}

void ModuleList::insert_erased(int64_t index, std::unique_ptr<Module> module, const ChildOps* ops) {
  const size_t at = wrap(index, ".insert", true);
  if (at == size()) {  // appending: nothing to renumber
    add(std::to_string(at), std::move(module), ops);
    return;
  }
  std::vector<Pending> items = take_all();
  items.insert(items.begin() + static_cast<std::ptrdiff_t>(at), Pending{"", std::move(module), ops});
  for (size_t i = 0; i < items.size(); ++i) items[i].key = std::to_string(i);
  rebuild(std::move(items));
}

ModuleList& ModuleList::erase(int64_t index) {
  const size_t at = wrap(index, ".erase", false);
  std::vector<Pending> items = take_all();
  items.erase(items.begin() + static_cast<std::ptrdiff_t>(at));
  for (size_t i = 0; i < items.size(); ++i) items[i].key = std::to_string(i);
  rebuild(std::move(items));
  return *this;
}

// ---- ModuleDict ----

namespace {
std::string key_list(const std::vector<std::string>& keys) {
  if (keys.empty()) return "none (the ModuleDict is empty)";
  std::string s;
  for (const std::string& k : keys) s += (s.empty() ? "\"" : ", \"") + k + "\"";
  return s;
}
}  // namespace

void ModuleDict::insert_erased(const std::string& key, std::unique_ptr<Module> module, const ChildOps* ops) {
  WICK_CHECK(!key.empty() && key.find('.') == std::string::npos, "ModuleDict.insert: invalid key \"", key,
             "\": keys must be non-empty and contain no '.' (the dot separates names in state_dict keys)");
  WICK_CHECK(module != nullptr, "ModuleDict.insert(\"", key, "\"): the module pointer is null");
  WICK_CHECK(module.get() != this, "ModuleDict.insert(\"", key, "\"): a ModuleDict cannot contain itself");
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.key == key; });
  if (it == entries_.end()) {
    add(key, std::move(module), ops);
    return;
  }
  const size_t at = static_cast<size_t>(it - entries_.begin());
  std::vector<Pending> items = take_all();
  items[at] = Pending{key, std::move(module), ops};
  rebuild(std::move(items));
}

ModuleDict& ModuleDict::update(const ModuleDict& other) {
  std::vector<Pending> copies;  // first: `other` may be this dict
  for (const Entry& e : other.entries_) copies.push_back({e.key, e.ops->copy(*e.module), e.ops});
  for (Pending& p : copies) insert_erased(p.key, std::move(p.module), p.ops);
  return *this;
}

bool ModuleDict::contains(const std::string& key) const {
  return std::any_of(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.key == key; });
}

Module& ModuleDict::at(const std::string& key) const {
  for (const Entry& e : entries_)
    if (e.key == key) return *e.module;
  throw Error("ModuleDict: no module under key \"" + key + "\"; the keys are " + key_list(keys()));
}

ModuleDict& ModuleDict::erase(const std::string& key) {
  WICK_CHECK(contains(key), "ModuleDict.erase: no module under key \"", key, "\"; the keys are ", key_list(keys()));
  std::vector<Pending> items = take_all();
  items.erase(std::find_if(items.begin(), items.end(), [&](const Pending& p) { return p.key == key; }));
  rebuild(std::move(items));
  return *this;
}

void ModuleDict::clear() { rebuild({}); }

std::vector<std::string> ModuleDict::keys() const {
  std::vector<std::string> out;
  for (const Entry& e : entries_) out.push_back(e.key);
  return out;
}

}  // namespace wick::nn
