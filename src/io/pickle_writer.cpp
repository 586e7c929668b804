// Pickle opcodes for save_pytorch (see pickle_writer.h).
#include "io/pickle_writer.h"

#include <limits>

namespace wick::pickle {

Writer::Writer() {
  op(0x80);  // PROTO 2: what torch.save writes by default
  op(2);
}

void Writer::le(uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void Writer::global(const std::string& module, const std::string& name) {
  op('c');
  out_ += module + "\n" + name + "\n";
}

void Writer::mark() { op('('); }
void Writer::empty_tuple() { op(')'); }
void Writer::tuple() { op('t'); }

void Writer::string(const std::string& s) {
  op('X');  // BINUNICODE: u32 length + UTF-8
  le(s.size(), 4);
  out_ += s;
}

void Writer::integer(int64_t i) {
  if (i >= 0 && i < 256) {
    op('K');  // BININT1
    le(static_cast<uint64_t>(i), 1);
  } else if (i >= 0 && i < 65536) {
    op('M');  // BININT2
    le(static_cast<uint64_t>(i), 2);
  } else if (i >= std::numeric_limits<int32_t>::min() && i <= std::numeric_limits<int32_t>::max()) {
    op('J');  // BININT: signed 32-bit
    le(static_cast<uint32_t>(static_cast<int32_t>(i)), 4);
  } else {
    op(0x8a);  // LONG1: 8 bytes of two's complement always suffice
    le(8, 1);
    le(static_cast<uint64_t>(i), 8);
  }
}

void Writer::boolean(bool b) { op(b ? 0x88 : 0x89); }
void Writer::reduce() { op('R'); }
void Writer::persistent_id() { op('Q'); }
void Writer::setitems() { op('u'); }

std::string Writer::finish() {
  op('.');
  return std::move(out_);
}

}  // namespace wick::pickle
