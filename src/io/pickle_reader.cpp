// The safe unpickler of torch.save's data.pkl (see pickle_reader.h). Only the
// opcodes that Python's pickler emits for state_dicts and checkpoint dicts
// (protocol 2, plus the protocol 4 string/frame/memo forms) are understood;
// the rest are refused by name.
#include "io/pickle_reader.h"

#include <cstring>

#include "io/file_io.h"

namespace wick::pickle {
namespace {

// Caps that no real state_dict comes near; beyond them the input is hostile.
constexpr size_t kMaxStack = 1'000'000;  // values on the stack at once
constexpr size_t kMaxMarks = 10'000;     // nested MARKs
constexpr size_t kMaxMemo = 1'000'000;   // memo entries
constexpr size_t kMaxDims = 64;          // tensor rank
constexpr size_t kMaxGlobalName = 256;   // module or name of a GLOBAL

const char* kDefaultFix = "the file is damaged or was not written by torch.save; re-save it with "
                          "torch.save(model.state_dict(), path)";

// The names of the pickle opcodes (for messages), known or not supported.
const char* opcode_name(uint8_t op) {
  switch (op) {
    case 0x80: return "PROTO";
    case 0x95: return "FRAME";
    case '.': return "STOP";
    case 'c': return "GLOBAL";
    case 0x93: return "STACK_GLOBAL";
    case '(': return "MARK";
    case ')': return "EMPTY_TUPLE";
    case ']': return "EMPTY_LIST";
    case '}': return "EMPTY_DICT";
    case 't': return "TUPLE";
    case 0x85: return "TUPLE1";
    case 0x86: return "TUPLE2";
    case 0x87: return "TUPLE3";
    case 'l': return "LIST";
    case 'd': return "DICT";
    case 's': return "SETITEM";
    case 'u': return "SETITEMS";
    case 'a': return "APPEND";
    case 'e': return "APPENDS";
    case 'X': return "BINUNICODE";
    case 0x8c: return "SHORT_BINUNICODE";
    case 0x8d: return "BINUNICODE8";
    case 'U': return "SHORT_BINSTRING";
    case 'T': return "BINSTRING";
    case 'C': return "SHORT_BINBYTES";
    case 'B': return "BINBYTES";
    case 0x8e: return "BINBYTES8";
    case 'J': return "BININT";
    case 'K': return "BININT1";
    case 'M': return "BININT2";
    case 0x8a: return "LONG1";
    case 0x8b: return "LONG4";
    case 'G': return "BINFLOAT";
    case 'N': return "NONE";
    case 0x88: return "NEWTRUE";
    case 0x89: return "NEWFALSE";
    case 'q': return "BINPUT";
    case 'r': return "LONG_BINPUT";
    case 0x94: return "MEMOIZE";
    case 'h': return "BINGET";
    case 'j': return "LONG_BINGET";
    case 'R': return "REDUCE";
    case 'b': return "BUILD";
    case 'Q': return "BINPERSID";
    case '0': return "POP";
    case '1': return "POP_MARK";
    case '2': return "DUP";
    // Recognized so that the message names them, never executed.
    case 0x81: return "NEWOBJ";
    case 0x92: return "NEWOBJ_EX";
    case 'i': return "INST";
    case 'o': return "OBJ";
    case 'P': return "PERSID";
    case 'I': return "INT";
    case 'L': return "LONG";
    case 'F': return "FLOAT";
    case 'S': return "STRING";
    case 'V': return "UNICODE";
    case 'p': return "PUT";
    case 'g': return "GET";
    case 0x82: return "EXT1";
    case 0x83: return "EXT2";
    case 0x84: return "EXT4";
    case 0x8f: return "EMPTY_SET";
    case 0x90: return "ADDITEMS";
    case 0x91: return "FROZENSET";
    case 0x96: return "BYTEARRAY8";
    case 0x97: return "NEXT_BUFFER";
    case 0x98: return "READONLY_BUFFER";
    default: return nullptr;
  }
}

// The storage classes torch.save names, and the element size of each: the
// reader must know the bytes of every storage, even of a dtype wick lacks.
bool is_storage_class(const std::string& name) {
  static const char* const kNames[] = {
      "FloatStorage", "DoubleStorage", "LongStorage",  "ByteStorage",         "BoolStorage",
      "HalfStorage",  "BFloat16Storage", "IntStorage", "ShortStorage",        "CharStorage",
      "ComplexFloatStorage", "ComplexDoubleStorage"};
  for (const char* n : kNames)
    if (name == n) return true;
  return false;
}

}  // namespace

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::None: return "None";
    case Kind::Bool: return "a bool";
    case Kind::Int: return "an int";
    case Kind::Float: return "a float";
    case Kind::String: return "a str";
    case Kind::Tuple: return "a tuple";
    case Kind::List: return "a list";
    case Kind::Dict: return "a dict";
    case Kind::Global: return "a class or function";
    case Kind::Storage: return "a storage";
    case Kind::Tensor: return "a tensor";
  }
  return "a value";
}

std::string quoted(const std::string& s) {
  constexpr size_t kShown = 80;
  std::string out = "'";
  for (size_t i = 0; i < s.size() && i < kShown; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  if (s.size() > kShown) out += "...";
  return out + "'";
}

namespace {
// The index key of a dict key: state_dicts use str keys, optimizer states int.
bool index_key(const Value& k, std::string& out) {
  if (k.kind == Kind::String) {
    out = "s" + k.text;
    return true;
  }
  if (k.kind == Kind::Int) {
    out = "i" + std::to_string(k.integer);
    return true;
  }
  return false;
}
}  // namespace

const Value* dict_get(const Value& dict, const std::string& key) {
  if (dict.kind != Kind::Dict || !dict.index) return nullptr;
  auto it = dict.index->find("s" + key);
  return it == dict.index->end() ? nullptr : dict.entries[it->second].second;
}

class Reader {
 public:
  Reader(const uint8_t* data, size_t size, const std::string& file)
      : begin_(data), p_(data), end_(data + size), file_(file) {}

  Unpickled run() {
    while (true) {
      if (p_ == end_) {
        op_name_ = "end of data";
        bad("data.pkl ends before its STOP opcode (the file is truncated)");
      }
      op_pos_ = static_cast<size_t>(p_ - begin_);
      const uint8_t op = *p_++;
      const char* name = opcode_name(op);
      op_name_ = name ? std::string("opcode ") + name : "opcode 0x" + hex(op);
      if (!name) bad("unknown pickle opcode 0x" + hex(op));
      if (step(op)) break;
    }
    return std::move(out_);
  }

 private:
  static std::string hex(uint8_t b) {
    static const char* digits = "0123456789abcdef";
    return std::string{digits[b >> 4], digits[b & 15]};
  }

  [[noreturn]] void bad(const std::string& problem, const std::string& fix = kDefaultFix) {
    io_detail::fail(file_, "data.pkl: " + op_name_ + " at byte " + std::to_string(op_pos_) + ": " + problem, fix);
  }

  const uint8_t* take(uint64_t n) {
    if (n > static_cast<uint64_t>(end_ - p_))
      bad("needs " + std::to_string(n) + " more bytes but only " + std::to_string(end_ - p_) +
          " remain (the file is truncated or the length is corrupt)");
    const uint8_t* at = p_;
    p_ += n;
    return at;
  }
  uint64_t le(int n) {
    const uint8_t* b = take(static_cast<uint64_t>(n));
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = v << 8 | b[i];
    return v;
  }

  Value* make(Kind kind) {
    Value& v = out_.arena_.emplace_back();
    v.kind = kind;
    return &v;
  }
  size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  void push(Value* v) {
    if (stack_.size() >= kMaxStack) bad("more than " + std::to_string(kMaxStack) + " values on the stack");
    stack_.push_back(v);
  }
  Value* pop() {
    if (stack_.size() <= floor()) bad("the stack is empty");
    Value* v = stack_.back();
    stack_.pop_back();
    return v;
  }
  Value* top() {
    if (stack_.size() <= floor()) bad("the stack is empty");
    return stack_.back();
  }
  std::vector<Value*> pop_mark() {
    if (marks_.empty()) bad("no MARK to pop to");
    std::vector<Value*> items(stack_.begin() + static_cast<std::ptrdiff_t>(marks_.back()), stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }
  Value* expect(Value* v, Kind kind, const char* what) {
    if (v->kind != kind) bad(std::string(what) + " must be " + kind_name(kind) + ", not " + kind_name(v->kind));
    return v;
  }

  void push_string(uint64_t n) {
    const uint8_t* s = take(n);
    Value* v = make(Kind::String);
    v->text.assign(reinterpret_cast<const char*>(s), n);
    push(v);
  }
  void push_int(int64_t i) {
    Value* v = make(Kind::Int);
    v->integer = i;
    push(v);
  }
  void push_tuple(std::vector<Value*> items) {
    Value* v = make(Kind::Tuple);
    v->items = std::move(items);
    push(v);
  }
  void memo_put(uint64_t index) {
    if (memo_.size() >= kMaxMemo && !memo_.count(index)) bad("more than " + std::to_string(kMaxMemo) + " memo entries");
    memo_[index] = top();
  }
  void memo_get(uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) bad("memo entry " + std::to_string(index) + " was never stored");
    push(it->second);
  }

  void set_item(Value* dict, Value* k, Value* v) {
    expect(dict, Kind::Dict, "the target of SETITEM(S)");
    std::string ik;
    if (!index_key(*k, ik)) bad(std::string("a dict key is ") + kind_name(k->kind) + "; only str and int keys are supported");
    if (!dict->index) dict->index = std::make_unique<std::unordered_map<std::string, size_t>>();
    auto [it, fresh] = dict->index->emplace(ik, dict->entries.size());
    if (fresh)
      dict->entries.emplace_back(k, v);
    else
      dict->entries[it->second].second = v;  // Python: a repeated key keeps its place, takes the new value
  }

  // Reads "module\nname\n" (GLOBAL's text argument).
  std::string line() {
    const uint8_t* nl = static_cast<const uint8_t*>(std::memchr(p_, '\n', static_cast<size_t>(end_ - p_)));
    if (!nl) bad("its name is not terminated by a newline");
    if (static_cast<size_t>(nl - p_) > kMaxGlobalName)
      bad("its name is longer than " + std::to_string(kMaxGlobalName) + " bytes");
    std::string s(reinterpret_cast<const char*>(p_), static_cast<size_t>(nl - p_));
    p_ = nl + 1;
    return s;
  }

  void global(const std::string& module, const std::string& name) {
    Value* v = make(Kind::Global);
    if (module == "collections" && name == "OrderedDict") {
      v->global = Global::OrderedDict;
    } else if (module == "torch._utils" && name == "_rebuild_tensor_v2") {
      v->global = Global::RebuildTensorV2;
    } else if (module == "torch._utils" && name == "_rebuild_parameter") {
      v->global = Global::RebuildParameter;
    } else if (module == "torch" && is_storage_class(name)) {
      v->global = Global::StorageType;
      v->text = name;
    } else {
      const std::string full = quoted(module + "." + name);
      // The first thing a pickle builds is its top-level object: a class
      // here means the file holds an instance of it, e.g. torch.save(model).
      if (out_.arena_.size() == 1)
        bad("the file holds a pickled " + full + " object, not a dict of tensors (a whole nn.Module saved with "
            "torch.save(model)?)",
            "wick reads state_dicts only: in Python, torch.save(model.state_dict(), path)");
      bad("refers to the Python global " + full + ", which wick does not load (it reads tensors, dicts, lists, "
          "tuples, strings and numbers only)",
          "save only tensors and plain values, e.g. torch.save(model.state_dict(), path)");
    }
    push(v);
  }

  Value* rebuild_tensor(const std::vector<Value*>& a) {
    if (a.size() != 6 && a.size() != 7)
      bad("_rebuild_tensor_v2 takes 6 or 7 arguments, got " + std::to_string(a.size()));
    Value* t = make(Kind::Tensor);
    t->storage = expect(a[0], Kind::Storage, "the tensor's storage");
    t->offset = expect(a[1], Kind::Int, "the tensor's storage offset")->integer;
    const Value* size = expect(a[2], Kind::Tuple, "the tensor's size");
    const Value* stride = expect(a[3], Kind::Tuple, "the tensor's stride");
    if (size->items.size() > kMaxDims) bad("the tensor has " + std::to_string(size->items.size()) + " dimensions");
    if (stride->items.size() != size->items.size())
      bad("the tensor's stride has " + std::to_string(stride->items.size()) + " entries for " +
          std::to_string(size->items.size()) + " dimensions");
    if (t->offset < 0) bad("the tensor's storage offset is negative (" + std::to_string(t->offset) + ")");
    for (size_t d = 0; d < size->items.size(); ++d) {
      const int64_t n = expect(size->items[d], Kind::Int, "a size")->integer;
      const int64_t s = expect(stride->items[d], Kind::Int, "a stride")->integer;
      if (n < 0 || s < 0)
        bad("the tensor's size or stride is negative in dimension " + std::to_string(d) + " (size " +
            std::to_string(n) + ", stride " + std::to_string(s) + ")");
      t->sizes.push_back(n);
      t->strides.push_back(s);
    }
    if (a[4]->kind != Kind::Bool && a[4]->kind != Kind::Int) bad("requires_grad must be a bool");
    return t;
  }

  void reduce() {
    Value* args = expect(pop(), Kind::Tuple, "REDUCE's arguments");
    Value* f = expect(top(), Kind::Global, "REDUCE's callable");
    Value* result = nullptr;
    switch (f->global) {
      case Global::OrderedDict:
        if (!args->items.empty()) bad("OrderedDict is called with arguments; only OrderedDict() is supported");
        result = make(Kind::Dict);
        result->ordered = true;
        break;
      case Global::RebuildTensorV2:
        result = rebuild_tensor(args->items);
        break;
      case Global::RebuildParameter:
        // nn.Parameter(data, requires_grad, hooks): wick wants the data.
        if (args->items.size() != 3) bad("_rebuild_parameter takes 3 arguments, got " + std::to_string(args->items.size()));
        result = expect(args->items[0], Kind::Tensor, "a parameter's data");
        break;
      case Global::StorageType:
        bad("torch." + f->text + " is called; storages are only valid inside a persistent id");
    }
    stack_.back() = result;
  }

  // ('storage', torch.FloatStorage, '0', 'cpu', numel): the record data/0.
  void persistent_id() {
    Value* pid = expect(pop(), Kind::Tuple, "a persistent id");
    const auto& a = pid->items;
    if (a.size() != 5 || a[0]->kind != Kind::String || a[0]->text != "storage")
      bad("a persistent id must be ('storage', type, key, location, numel)");
    Value* type = expect(a[1], Kind::Global, "the storage type");
    if (type->global != Global::StorageType) bad("the storage type is not a torch.*Storage class");
    const std::string& key = expect(a[2], Kind::String, "the storage key")->text;
    expect(a[3], Kind::String, "the storage location");
    const int64_t numel = expect(a[4], Kind::Int, "the storage size")->integer;
    if (numel < 0) bad("storage " + quoted(key) + " has a negative size (" + std::to_string(numel) + ")");
    auto [it, fresh] = storages_.emplace(key, nullptr);
    if (fresh) {
      Value* s = make(Kind::Storage);
      s->text = type->text;
      s->key = key;
      s->integer = numel;
      it->second = s;
    } else if (it->second->text != type->text || it->second->integer != numel) {
      bad("storage " + quoted(key) + " is referenced as " + type->text + " of " + std::to_string(numel) +
          " elements and, earlier, as " + it->second->text + " of " + std::to_string(it->second->integer));
    }
    push(it->second);
  }

  // Executes one opcode; true at STOP.
  bool step(uint8_t op) {
    switch (op) {
      case 0x80: {  // PROTO
        const uint8_t v = static_cast<uint8_t>(le(1));
        if (v > 5) bad("pickle protocol " + std::to_string(v) + " is newer than any Python writes");
        return false;
      }
      case 0x95: {  // FRAME: a length hint only; its opcodes follow inline
        const uint64_t n = le(8);
        if (n > static_cast<uint64_t>(end_ - p_))
          bad("a frame of " + std::to_string(n) + " bytes runs past the end of data.pkl");
        return false;
      }
      case '.': out_.root_ = pop(); return true;
      case 'c': {
        const std::string module = line();
        global(module, line());
        return false;
      }
      case 0x93: {
        Value* name = expect(pop(), Kind::String, "STACK_GLOBAL's name");
        Value* module = expect(pop(), Kind::String, "STACK_GLOBAL's module");
        global(module->text, name->text);
        return false;
      }
      case '(':
        if (marks_.size() >= kMaxMarks) bad("more than " + std::to_string(kMaxMarks) + " nested MARKs");
        marks_.push_back(stack_.size());
        return false;
      case ')': push_tuple({}); return false;
      case ']': push(make(Kind::List)); return false;
      case '}': push(make(Kind::Dict)); return false;
      case 't': push_tuple(pop_mark()); return false;
      case 0x85: case 0x86: case 0x87: {
        std::vector<Value*> items(static_cast<size_t>(op - 0x84));
        for (size_t i = items.size(); i-- > 0;) items[i] = pop();
        push_tuple(std::move(items));
        return false;
      }
      case 'l': {
        Value* l = make(Kind::List);
        l->items = pop_mark();
        push(l);
        return false;
      }
      case 'd': {
        std::vector<Value*> items = pop_mark();
        if (items.size() % 2) bad("an odd number of keys and values");
        Value* d = make(Kind::Dict);
        for (size_t i = 0; i < items.size(); i += 2) set_item(d, items[i], items[i + 1]);
        push(d);
        return false;
      }
      case 's': {
        Value* v = pop();
        Value* k = pop();
        set_item(top(), k, v);
        return false;
      }
      case 'u': {
        std::vector<Value*> items = pop_mark();
        if (items.size() % 2) bad("an odd number of keys and values");
        Value* d = top();
        for (size_t i = 0; i < items.size(); i += 2) set_item(d, items[i], items[i + 1]);
        return false;
      }
      case 'a': {
        Value* v = pop();
        expect(top(), Kind::List, "the target of APPEND")->items.push_back(v);
        return false;
      }
      case 'e': {
        std::vector<Value*> items = pop_mark();
        Value* l = expect(top(), Kind::List, "the target of APPENDS");
        l->items.insert(l->items.end(), items.begin(), items.end());
        return false;
      }
      case 'X': case 'B': push_string(le(4)); return false;
      case 0x8c: case 'U': case 'C': push_string(le(1)); return false;
      case 0x8d: case 0x8e: push_string(le(8)); return false;
      case 'T': {
        const auto n = static_cast<int32_t>(le(4));
        if (n < 0) bad("a negative string length (" + std::to_string(n) + ")");
        push_string(static_cast<uint64_t>(n));
        return false;
      }
      case 'J': push_int(static_cast<int32_t>(le(4))); return false;
      case 'K': push_int(static_cast<int64_t>(le(1))); return false;
      case 'M': push_int(static_cast<int64_t>(le(2))); return false;
      case 0x8a: {  // LONG1: n bytes of two's complement, little-endian
        const int n = static_cast<int>(le(1));
        if (n > 8) bad("an integer of " + std::to_string(n) + " bytes does not fit in 64 bits");
        uint64_t u = n ? le(n) : 0;
        if (n > 0 && n < 8 && (u >> (8 * n - 1)) & 1) u |= ~uint64_t{0} << (8 * n);  // sign-extend
        push_int(static_cast<int64_t>(u));
        return false;
      }
      case 'G': {
        const uint8_t* b = take(8);
        uint64_t u = 0;
        for (int i = 0; i < 8; ++i) u = u << 8 | b[i];  // big-endian
        Value* v = make(Kind::Float);
        std::memcpy(&v->number, &u, 8);
        push(v);
        return false;
      }
      case 'N': push(make(Kind::None)); return false;
      case 0x88: case 0x89: {
        Value* v = make(Kind::Bool);
        v->boolean = op == 0x88;
        push(v);
        return false;
      }
      case 'q': memo_put(le(1)); return false;
      case 'r': memo_put(le(4)); return false;
      case 0x94: memo_put(memo_.size()); return false;
      case 'h': memo_get(le(1)); return false;
      case 'j': memo_get(le(4)); return false;
      case 'R': reduce(); return false;
      case 'b': {
        // A state_dict's OrderedDict carries its `_metadata` attribute this
        // way; wick has no use for it.
        pop();
        Value* target = top();
        if (target->kind != Kind::Dict)
          bad(std::string("sets the attributes of ") + kind_name(target->kind) + "; only dicts are supported");
        return false;
      }
      case 'Q': persistent_id(); return false;
      case '0': pop(); return false;
      case '1': pop_mark(); return false;
      case '2': push(top()); return false;
      default:
        bad("this opcode is not used by torch.save for tensors and state_dicts, so wick does not support it");
    }
  }

  const uint8_t* begin_;
  const uint8_t* p_;
  const uint8_t* end_;
  std::string file_;
  std::string op_name_;
  size_t op_pos_ = 0;
  std::vector<Value*> stack_;
  std::vector<size_t> marks_;  // stack heights at each open MARK
  std::unordered_map<uint64_t, Value*> memo_;
  std::unordered_map<std::string, Value*> storages_;  // one Value per data/<key>
  Unpickled out_;
};

Unpickled unpickle(const uint8_t* data, size_t size, const std::string& file) {
  return Reader(data, size, file).run();
}

}  // namespace wick::pickle
