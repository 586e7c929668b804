#pragma once
// Private to src/io: a small, safe reader for the pickles inside torch.save
// files (data.pkl). It builds plain values (None, bool, int, float, str,
// tuple, list, dict) plus the three things a state_dict is made of: storage
// references (persistent ids), tensors (torch._utils._rebuild_tensor_v2 /
// _rebuild_parameter) and OrderedDicts. It never imports or calls anything:
// GLOBAL is resolved against a short allow-list and anything else is a
// FormatError, so a hostile file cannot run code the way pickle.load can.
//
// Every count, length and index read from the input is checked against the
// bytes that remain before it is used, and the value graph lives in one
// arena (containers hold plain pointers into it), so memo references that
// form a cycle cannot leak, and nothing is ever freed recursively.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace wick::pickle {

// The allow-listed callables and types a GLOBAL may name.
enum class Global : uint8_t { OrderedDict, RebuildTensorV2, RebuildParameter, StorageType };

enum class Kind : uint8_t { None, Bool, Int, Float, String, Tuple, List, Dict, Global, Storage, Tensor };

struct Value {
  Kind kind = Kind::None;
  bool boolean = false;
  int64_t integer = 0;   // Int; Storage: numel (elements)
  double number = 0;     // Float
  std::string text;      // String: the text; Global and Storage: the storage class, e.g. "FloatStorage"
  std::string key;       // Storage: its entry's name under data/
  Global global = Global::OrderedDict;
  std::vector<Value*> items;                            // Tuple, List
  std::vector<std::pair<Value*, Value*>> entries;       // Dict, in insertion order
  std::unique_ptr<std::unordered_map<std::string, size_t>> index;  // Dict: key -> position
  bool ordered = false;                                 // Dict: an OrderedDict
  // Tensor: a view of `storage`, as _rebuild_tensor_v2 describes it.
  Value* storage = nullptr;
  int64_t offset = 0;
  std::vector<int64_t> sizes, strides;
};

// "None", "an int", "a dict", "a tensor", ...: how a value is named in messages.
const char* kind_name(Kind kind);

// A printable, shortened rendering of a string from the file, in quotes.
std::string quoted(const std::string& s);

// The Dict value stored under a str key, or nullptr.
const Value* dict_get(const Value& dict, const std::string& key);

class Unpickled {
 public:
  const Value& root() const { return *root_; }

 private:
  friend class Reader;
  std::deque<Value> arena_;  // deque: growing it never moves a Value
  Value* root_ = nullptr;
};

// Parses `size` bytes of pickle. `file` names the input in messages (e.g.
// "m.pt"), which read "<file>: data.pkl: <opcode> at byte N: <problem>; <fix>".
// Throws wick::FormatError on anything outside the supported subset.
Unpickled unpickle(const uint8_t* data, size_t size, const std::string& file);

}  // namespace wick::pickle
