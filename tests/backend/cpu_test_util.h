#pragma once
// Helpers for kernel-level tests of the CPU backend: build backend::Views over
// std::vector storage with explicit sizes and strides.
#include <cstdint>
#include <initializer_list>
#include <type_traits>
#include <vector>

#include "backend/backend.h"

namespace wick::backend::testing {

inline Backend& cpu() { return *cpu_backend(); }

// Storage for a T tensor (std::vector<bool> is a bitset, so bool uses bytes).
template <typename T>
struct Buf {
  using Stored = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;
  std::vector<Stored> v;
  Buf() = default;
  explicit Buf(size_t n, T fill = T()) : v(n, static_cast<Stored>(fill)) {}
  Buf(std::initializer_list<T> xs) { for (T x : xs) v.push_back(static_cast<Stored>(x)); }
  T* data() { return reinterpret_cast<T*>(v.data()); }
  T operator[](size_t i) const { return static_cast<T>(v[i]); }
  T& at(size_t i) { return reinterpret_cast<T*>(v.data())[i]; }
  size_t size() const { return v.size(); }
};

// A View over `data` with the given sizes; strides default to contiguous.
inline View make_view(void* data, DType dtype, std::initializer_list<int64_t> sizes,
                      std::initializer_list<int64_t> strides = {}) {
  View v;
  v.data = data;
  v.dtype = dtype;
  v.ndim = static_cast<int>(sizes.size());
  int i = 0;
  for (int64_t s : sizes) v.sizes[i++] = s;
  if (strides.size() == 0) {
    int64_t st = 1;
    for (int d = v.ndim - 1; d >= 0; --d) {
      v.strides[d] = st;
      st *= v.sizes[d];
    }
  } else {
    i = 0;
    for (int64_t s : strides) v.strides[i++] = s;
  }
  return v;
}

template <typename T>
View view(Buf<T>& b, std::initializer_list<int64_t> sizes, std::initializer_list<int64_t> strides = {}) {
  return make_view(b.data(), dtype_of<T>::value, sizes, strides);
}

}  // namespace wick::backend::testing
