// MNIST / Fashion-MNIST: IDX files (plain or .gz), validated, converted in one
// pass to float32 / 255 (or kept as uint8 and converted per batch).
#include "wick/data/mnist.h"

#include <cmath>
#include <cstring>
#include <filesystem>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

#include "backend/cpu/loops.h"
#include "core/core.h"
#include "data/file_util.h"

namespace wick::data {

using wick::detail::concat;

namespace {

struct Idx {
  explicit Idx(const std::string& path) : bytes(path) {}
  detail::FileBytes bytes;
  Shape dims;
  size_t header = 0;  // payload offset
  const uint8_t* payload() const { return bytes.data() + header; }
};

uint32_t be32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[2]) << 8 | p[3];
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
}

// Fills `idx` (constructed on `path`) after validating its header.
void parse_idx(Idx& idx, const std::string& path, int expected_dims) {
  const size_t n = idx.bytes.size();
  const uint8_t* bytes = idx.bytes.data();
  const std::string want = expected_dims > 0 ? hex32(0x800u + static_cast<uint32_t>(expected_dims)) : "0x000008DD";
  if (n < 4)
    throw FormatError(concat(path, ": not an IDX file: ", n, " bytes is shorter than the 4-byte magic number (expected ",
                             want, "); the file is truncated, fetch it again"));
  const uint32_t magic = be32(bytes);
  const int nd = bytes[3];
  if (bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 0x08 || nd == 0 ||
      (expected_dims > 0 && nd != expected_dims))
    throw FormatError(concat(path, ": wrong IDX magic number ", hex32(magic), ", expected ", want,
                             expected_dims == 3   ? " (unsigned bytes, 3 dims: an images file)"
                             : expected_dims == 1 ? " (unsigned bytes, 1 dim: a labels file)"
                                                  : " (unsigned bytes, DD dims)",
                             "; is this the right file?"));
  idx.header = 4 + 4 * static_cast<size_t>(nd);
  if (n < idx.header)
    throw FormatError(concat(path, ": truncated IDX header: expected at least ", idx.header, " bytes for ", nd,
                             " dims, got ", n, " bytes; fetch the file again"));
  uint64_t expected = idx.header;
  uint64_t product = 1;
  constexpr uint64_t kMaxBytes = uint64_t{1} << 40;  // 1 TiB: far past any dataset
  for (int d = 0; d < nd; ++d) {
    uint32_t v = be32(bytes + 4 + 4 * d);
    if (v == 0) throw FormatError(concat(path, ": IDX header has dimension ", d, " of size 0"));
    idx.dims.push_back(v);
    // Checked before multiplying: 64 bits wrap, and a wrapped product (to 0,
    // or to the file's real size) would let a lying header through.
    if (product > kMaxBytes / v)
      throw FormatError(concat(path, ": IDX header dims ", shape_str(idx.dims), (d + 1 < nd ? "..." : ""),
                               " describe an absurdly large file (over 2^40 bytes); the header is corrupt"));
    product *= v;
  }
  expected += product;
  if (expected != n)
    throw FormatError(concat(path, ": size disagrees with its IDX header: dims ", shape_str(idx.dims), " need ", expected,
                             " bytes (", idx.header, " header + ", product, " data), the file has ", n, " bytes",
                             n < expected ? " (truncated? fetch it again)" : " (trailing bytes)"));
}

}  // namespace

Tensor read_idx(const std::string& path, int expected_dims) {
  Idx idx(path);
  parse_idx(idx, path, expected_dims);
  Tensor t = core::make_tensor(idx.dims, kUInt8, Device::cpu());
  std::memcpy(t.raw_data(), idx.payload(), idx.bytes.size() - idx.header);
  return t;
}

namespace {

// One image row of uint8 pixels to float: src / 255 exactly (as the float32
// load does) when `normalize` is off, else src * scale + shift.
void convert_row(const uint8_t* src, float* dst, int64_t n, bool normalize, float scale, float shift) {
  int64_t j = 0;
#if defined(__AVX2__) && defined(__FMA__)
  const __m256 sc = _mm256_set1_ps(scale), sh = _mm256_set1_ps(shift), d = _mm256_set1_ps(255.0f);
  for (; j + 16 <= n; j += 16) {
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + j));
    const __m256 lo = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(b));
    const __m256 hi = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_unpackhi_epi64(b, b)));
    _mm256_storeu_ps(dst + j, normalize ? _mm256_fmadd_ps(lo, sc, sh) : _mm256_div_ps(lo, d));
    _mm256_storeu_ps(dst + j + 8, normalize ? _mm256_fmadd_ps(hi, sc, sh) : _mm256_div_ps(hi, d));
  }
#endif
  for (; j < n; ++j)
    dst[j] = normalize ? std::fma(static_cast<float>(src[j]), scale, shift) : static_cast<float>(src[j]) / 255.0f;
}

// A whole set of uint8 pixels to float32: / 255, the same floats as
// torchvision's ToTensor (a division, not a multiply by 1/255), or normalized
// as get_batch() does. Split over the pool: the output is 188 MB of fresh
// pages for MNIST's training set, and on a VM each first touch of a page can
// trap to the host, so two cores touching halves of it finish sooner than one.
void to_floats(const uint8_t* src, float* dst, int64_t count, bool normalize, float scale, float shift) {
  backend::cpu::parallel_for(count, int64_t{1} << 20, [&](int64_t b, int64_t e) {
    convert_row(src + b, dst + b, e - b, normalize, scale, shift);
  });
}

}  // namespace

MNIST::MNIST(const std::string& root, Split split, const MNISTOptions& options)
    : MNIST("MNIST", root, split, options, {"0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
                                             "6 - six", "7 - seven", "8 - eight", "9 - nine"}) {}

FashionMNIST::FashionMNIST(const std::string& root, Split split, const MNISTOptions& options)
    : MNIST("FashionMNIST", root, split, options,
            {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}) {}

MNIST::MNIST(const std::string& name, const std::string& root, Split split, const MNISTOptions& options,
             std::vector<std::string> classes)
    : split_(split), keep_uint8_(options.keep_uint8), classes_(std::move(classes)) {
  WICK_CHECK(options.std > 0 && std::isfinite(options.std), name, ": MNISTOptions.std must be positive and finite, got ",
             options.std);
  WICK_CHECK(std::isfinite(options.mean), name, ": MNISTOptions.mean must be finite, got ", options.mean);
  // (x / 255 - mean) / std as one multiply-add: x * scale_ + shift_.
  normalize_ = options.mean != 0.0 || options.std != 1.0;
  scale_ = static_cast<float>(1.0 / (255.0 * options.std));
  shift_ = static_cast<float>(-options.mean / options.std);
  namespace fs = std::filesystem;
  const std::string fetch_name = name == "MNIST" ? "mnist" : "fashion-mnist";
  const std::string fix = concat("get the files with `wick data fetch ", fetch_name, " --dir ", root,
                                 "` or `scripts/fetch-data.sh ", fetch_name, "`");
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    throw Error(concat(name, ": data folder ", root,
                       fs::exists(root, ec) ? " exists but is not a folder" : " does not exist", "; ", fix));
  const std::vector<std::string> dirs = {root, (fs::path(root) / name / "raw").string()};
  const std::string prefix = split == Split::Train ? "train" : "t10k";
  auto locate = [&](const std::string& file) {
    std::string p = detail::find_file(dirs, file);
    if (p.empty()) throw Error(concat(name, ": ", file, " (or ", file, ".gz) not found in ", root, "; ", fix));
    return p;
  };
  const std::string images_path = locate(prefix + "-images-idx3-ubyte");
  const std::string labels_path = locate(prefix + "-labels-idx1-ubyte");

  Idx labels(labels_path);
  parse_idx(labels, labels_path, 1);
  Idx images(images_path);
  parse_idx(images, images_path, 3);
  const int64_t n = images.dims[0];
  if (labels.dims[0] != n)
    throw FormatError(concat(name, ": ", images_path, " holds ", n, " images but ", labels_path, " holds ",
                             labels.dims[0], " labels; the files belong to different sets"));
  const int64_t h = images.dims[1], w = images.dims[2];

  targets_ = core::make_tensor({n}, kInt64, Device::cpu());
  int64_t* t = targets_.data_ptr<int64_t>();
  const uint8_t* lp = labels.payload();
  for (int64_t i = 0; i < n; ++i) {
    if (lp[i] >= classes_.size())
      throw FormatError(concat(labels_path, ": label ", int(lp[i]), " at index ", i, " is not a class of ", name,
                               " (0..", classes_.size() - 1, ")"));
    t[i] = lp[i];
  }

  const int64_t count = n * h * w;
  const uint8_t* src = images.payload();
  if (keep_uint8_) {
    images_ = core::make_tensor({n, 1, h, w}, kUInt8, Device::cpu());
    std::memcpy(images_.raw_data(), src, static_cast<size_t>(count));
  } else {
    images_ = core::make_tensor({n, 1, h, w}, kFloat32, Device::cpu());
    to_floats(src, images_.data_ptr<float>(), count, normalize_, scale_, shift_);
  }
}

Tensor MNIST::images() const {
  if (!keep_uint8_) return images_;
  Tensor out = core::make_tensor(images_.sizes(), kFloat32, Device::cpu());
  const uint8_t* src = images_.data_ptr<uint8_t>();
  to_floats(src, out.data_ptr<float>(), images_.numel(), normalize_, scale_, shift_);
  return out;
}

Tensor MNIST::uint8_images() const {
  WICK_CHECK(keep_uint8_, "MNIST::uint8_images: the pixels were converted to float32 at load; construct with "
                          "{.keep_uint8 = true} to keep them as uint8, or use images()");
  return images_;
}

Example MNIST::get(int64_t index) const {
  check_index("MNIST::get", index);
  Batch b = get_batch({index});
  return {b.inputs.select(0, 0), b.targets.select(0, 0)};
}

Batch MNIST::get_batch(const std::vector<int64_t>& indices) const {
  const auto b = static_cast<int64_t>(indices.size());
  const int64_t h = images_.size(2), w = images_.size(3), row = h * w;
  for (int64_t i : indices) check_index("MNIST::get_batch", i);
  Tensor x = core::make_tensor({b, 1, h, w}, kFloat32, Device::cpu());
  Tensor y = core::make_tensor({b}, kInt64, Device::cpu());
  float* xp = x.data_ptr<float>();
  int64_t* yp = y.data_ptr<int64_t>();
  const int64_t* tp = targets_.data_ptr<int64_t>();
  // The labels first, in a loop of their own: each is a likely cache miss
  // (random entries of a 480 KB array), and here the misses overlap; read
  // beside each row's conversion, every one stalled the loop in turn (perf,
  // softmax epoch: 87 % of get_batch's own samples, 9 % of the epoch).
  for (int64_t k = 0; k < b; ++k) yp[k] = tp[indices[static_cast<size_t>(k)]];
  constexpr int64_t kAhead = 4;  // rows requested from memory before they are read
  for (int64_t k = 0; k < b; ++k) {
    const int64_t i = indices[static_cast<size_t>(k)];
    if (keep_uint8_) {
      // Random rows defeat the hardware prefetcher: ask for a later row now.
      if (k + kAhead < b) {
        const char* next = reinterpret_cast<const char*>(images_.data_ptr<uint8_t>() +
                                                         indices[static_cast<size_t>(k + kAhead)] * row);
        for (int64_t off = 0; off < row; off += 64) __builtin_prefetch(next + off);
      }
      convert_row(images_.data_ptr<uint8_t>() + i * row, xp + k * row, row, normalize_, scale_, shift_);
    } else {
      std::memcpy(xp + k * row, images_.data_ptr<float>() + i * row, static_cast<size_t>(row) * sizeof(float));
    }
  }
  return {x, y};
}

}  // namespace wick::data
