// NumPy .npy load/save. The header is validated against the file size before
// anything is allocated, so a corrupt or hostile header cannot make us
// allocate more than the file holds.
#include "wick/npy.h"


#include <bit>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "io/file_io.h"
#include "io/npy_format.h"
#include "wick/creation.h"

namespace wick {
namespace {

using npy_detail::fail;
using npy_detail::NpyHeader;

// Raw bytes are copied as they are: '<' data is native only on little-endian
// hosts. A big-endian port would need a byte swap here.
static_assert(std::endian::native == std::endian::little, "npy I/O assumes a little-endian host");

// Walks the destination in C order and gathers from the column-major source,
// one row of the last dim at a time. N is the item size, so the copy inlines.
template <size_t N>
void fortran_to_c_impl(const uint8_t* src, uint8_t* dst, const Shape& shape, int64_t numel) {
  const size_t nd = shape.size();
  std::vector<int64_t> fstride(nd), idx(nd, 0);
  int64_t s = 1;
  for (size_t k = 0; k < nd; ++k) {
    fstride[k] = s;
    s *= shape[k];
  }
  const int64_t inner = shape[nd - 1], inner_stride = fstride[nd - 1];
  int64_t base = 0;  // source offset of idx[0 .. nd-2]
  for (int64_t o = 0, outer = numel / inner; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i, dst += N) std::memcpy(dst, src + (base + i * inner_stride) * N, N);
    for (int64_t k = static_cast<int64_t>(nd) - 2; k >= 0; --k) {
      if (++idx[k] < shape[k]) {
        base += fstride[k];
        break;
      }
      base -= fstride[k] * (shape[k] - 1);
      idx[k] = 0;
    }
  }
}

void fortran_to_c(const uint8_t* src, uint8_t* dst, const Shape& shape, int64_t numel, size_t item) {
  switch (item) {
    case 1: return fortran_to_c_impl<1>(src, dst, shape, numel);
    case 4: return fortran_to_c_impl<4>(src, dst, shape, numel);
    case 8: return fortran_to_c_impl<8>(src, dst, shape, numel);
  }
}

// Fills a new tensor from the raw data bytes that `h` describes.
Tensor make_tensor(const NpyHeader& h, const uint8_t* src) {
  Tensor t = empty(h.shape, {.dtype = h.dtype});
  if (h.data_bytes == 0) return t;
  auto* dst = static_cast<uint8_t*>(t.raw_data());
  // Fortran order with at most one dim > 1 is already C order.
  int64_t big_dims = 0;
  for (int64_t d : h.shape) big_dims += d > 1;
  if (h.fortran_order && big_dims > 1) {
    fortran_to_c(src, dst, h.shape, h.numel, element_size(h.dtype));
  } else {
    std::memcpy(dst, src, h.data_bytes);
  }
  // A bool byte other than 0/1 would be undefined behaviour as a C++ bool;
  // numpy treats any nonzero byte as True, so do the same.
  if (h.dtype == kBool)
    for (size_t i = 0; i < h.data_bytes; ++i) dst[i] = dst[i] != 0;
  return t;
}

using io_detail::File;
using io_detail::read_exact;

}  // namespace

Tensor parse_npy(const void* data, size_t size, const std::string& name) {
  if (data == nullptr && size > 0) fail(name, "null data pointer with a nonzero size", "pass the buffer's address");
  static const uint8_t empty_buf[1] = {0};
  const auto* bytes = data ? static_cast<const uint8_t*>(data) : empty_buf;
  const size_t offset = npy_detail::read_preamble(bytes, size, size, name);
  const NpyHeader h = npy_detail::parse_header(bytes, offset, size, name);
  return make_tensor(h, bytes + offset);
}

Tensor load_npy(const std::string& path) {
  uint64_t size = 0;
  File f = io_detail::open_regular(path, ".npy file", &size);

  // Preamble, then header, then (only once the header checks out against the
  // file size) the data.
  std::vector<uint8_t> head(std::min<uint64_t>(size, npy_detail::kMaxPreamble));
  read_exact(f.get(), head.data(), head.size(), path);
  const size_t offset = npy_detail::read_preamble(head.data(), head.size(), size, path);
  const size_t have = head.size();
  head.resize(offset);
  if (offset > have) read_exact(f.get(), head.data() + have, offset - have, path);
  const NpyHeader h = npy_detail::parse_header(head.data(), offset, size, path);

  int64_t big_dims = 0;
  for (int64_t d : h.shape) big_dims += d > 1;
  if (h.fortran_order && big_dims > 1) {
    std::vector<uint8_t> raw(h.data_bytes);
    read_exact(f.get(), raw.data(), raw.size(), path);
    return make_tensor(h, raw.data());
  }
  // C order: read straight into the tensor, no staging copy.
  Tensor t = empty(h.shape, {.dtype = h.dtype});
  if (h.data_bytes == 0) return t;
  auto* dst = static_cast<uint8_t*>(t.raw_data());
  read_exact(f.get(), dst, h.data_bytes, path);
  if (h.dtype == kBool)
    for (size_t i = 0; i < h.data_bytes; ++i) dst[i] = dst[i] != 0;
  return t;
}

std::string serialize_npy(const Tensor& t) {
  if (!t.defined()) throw FormatError("serialize_npy: the tensor is undefined; pass a tensor that holds data");
  // detach: saving is not an op autograd should record.
  const Tensor c = t.detach().cpu().contiguous();
  std::string out = npy_detail::make_header(c.dtype(), c.sizes());
  const size_t nbytes = static_cast<size_t>(c.numel()) * element_size(c.dtype());
  if (nbytes) out.append(static_cast<const char*>(c.raw_data()), nbytes);
  return out;
}

void save_npy(const Tensor& t, const std::string& path) {
  if (!t.defined()) fail(path, "save_npy got an undefined tensor", "pass a tensor that holds data");
  const Tensor c = t.detach().cpu().contiguous();
  const std::string header = npy_detail::make_header(c.dtype(), c.sizes());
  const size_t nbytes = static_cast<size_t>(c.numel()) * element_size(c.dtype());

  // The shared atomic writer: a crash leaves either the old file or the
  // complete new one, never a half-written .npy.
  io_detail::write_file_atomic(path, {{header.data(), header.size()}, {c.raw_data(), nbytes}},
                               {.context = path, .format_error = true});
}

}  // namespace wick
