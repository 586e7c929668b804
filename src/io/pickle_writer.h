#pragma once
// Private to src/io: the few pickle opcodes save_pytorch needs to write a
// state_dict as torch.save does, protocol 2. Only opcodes that PyTorch's
// restricted loader (torch.load(weights_only=True), the default since
// PyTorch 2.6) accepts are used; in particular strings are BINUNICODE and
// no memo is written.
#include <cstdint>
#include <string>

namespace wick::pickle {

class Writer {
 public:
  Writer();  // writes PROTO 2
  void global(const std::string& module, const std::string& name);
  void mark();
  void empty_tuple();
  void tuple();  // TUPLE: the values since the last mark()
  void string(const std::string& s);
  void integer(int64_t i);
  void boolean(bool b);
  void reduce();      // callable, argument tuple -> result
  void persistent_id();  // BINPERSID
  void setitems();    // dict, mark, key, value, ... -> dict
  std::string finish();  // STOP; returns the bytes

 private:
  void op(uint8_t code) { out_.push_back(static_cast<char>(code)); }
  void le(uint64_t v, int n);
  std::string out_;
};

}  // namespace wick::pickle
