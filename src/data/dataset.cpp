// Dataset's default batch, Subset, random_split and the seeded permutation
// that shuffling and splitting share.
#include "wick/data/dataset.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <numeric>

#include "wick/indexing.h"
#include "wick/random.h"

namespace wick::data {

void Dataset::check_index(const char* who, int64_t index) const {
  WICK_CHECK(index >= 0 && index < size(), who, ": index ", index, " is out of range for a dataset of ", size(),
             " examples (valid: 0..", size() - 1, ")");
}

Batch Dataset::get_batch(const std::vector<int64_t>& indices) const {
  WICK_CHECK(!indices.empty(), "Dataset::get_batch: no indices given");
  std::vector<Tensor> inputs, targets;
  inputs.reserve(indices.size());
  targets.reserve(indices.size());
  for (int64_t i : indices) {
    Example e = get(i);
    WICK_CHECK(e.input.defined() && e.target.defined(), "Dataset::get_batch: get(", i,
               ") returned an undefined input or target tensor; every example needs both");
    inputs.push_back(std::move(e.input));
    targets.push_back(std::move(e.target));
  }
  return {stack(inputs), stack(targets)};
}

Subset::Subset(const Dataset& dataset, std::vector<int64_t> indices) : dataset_(&dataset), indices_(std::move(indices)) {
  int64_t n = dataset.size();
  for (int64_t i : indices_)
    WICK_CHECK(i >= 0 && i < n, "Subset: index ", i, " is out of range for a dataset of ", n, " examples");
}

Example Subset::get(int64_t index) const {
  check_index("Subset::get", index);
  return dataset_->get(indices_[static_cast<size_t>(index)]);
}

Batch Subset::get_batch(const std::vector<int64_t>& indices) const {
  std::vector<int64_t> mapped;
  mapped.reserve(indices.size());
  for (int64_t i : indices) {
    check_index("Subset::get_batch", i);
    mapped.push_back(indices_[static_cast<size_t>(i)]);
  }
  return dataset_->get_batch(mapped);
}

std::vector<Subset> random_split(const Dataset& dataset, const std::vector<double>& lengths, uint64_t seed) {
  const int64_t n = dataset.size();
  WICK_CHECK(!lengths.empty(), "random_split: no lengths given");
  double total = 0;
  for (double l : lengths) {
    WICK_CHECK(std::isfinite(l) && l >= 0, "random_split: lengths must be non-negative, got ", l);
    // No count can exceed n (nor a fraction 1): checked first, since a huge
    // length would overflow int64 below (2^63 became 0, 1e300 a negative sum).
    WICK_CHECK(l <= std::max<double>(static_cast<double>(n), 1.0), "random_split: length ", std::setprecision(15), l,
               " is more than the dataset's ", n, " examples; give counts that sum to ", n,
               " or fractions that sum to 1");
    total += l;
  }
  std::vector<int64_t> counts;
  // As PyTorch: lengths summing to 1 (and not already the dataset's size) are fractions.
  bool fractions = std::abs(total - 1.0) < 1e-9 && total <= static_cast<double>(n);
  if (fractions) {
    int64_t used = 0;
    for (double f : lengths) {
      counts.push_back(static_cast<int64_t>(std::floor(f * static_cast<double>(n))));
      used += counts.back();
    }
    for (size_t i = 0; used < n; i = (i + 1) % counts.size(), ++used) ++counts[i];
  } else {
    int64_t sum = 0;
    for (double l : lengths) {
      WICK_CHECK(l == std::floor(l), "random_split: lengths must be whole counts or fractions summing to 1, got ", l);
      counts.push_back(static_cast<int64_t>(l));
      sum += counts.back();
    }
    WICK_CHECK(sum == n, "random_split: the lengths sum to ", sum, " but the dataset has ", n,
               " examples; give counts that sum to ", n, " or fractions that sum to 1");
  }
  // Its own stream, so it differs from a loader's epoch-0 order under the same seed.
  std::vector<int64_t> perm = detail::permutation(n, seed, ~uint64_t{0});
  std::vector<Subset> out;
  int64_t start = 0;
  for (int64_t c : counts) {
    out.emplace_back(dataset, std::vector<int64_t>(perm.begin() + start, perm.begin() + start + c));
    start += c;
  }
  return out;
}

namespace detail {

namespace {
uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
}  // namespace

std::vector<int64_t> permutation(int64_t n, uint64_t seed, uint64_t stream) {
  std::vector<int64_t> p(static_cast<size_t>(n));
  std::iota(p.begin(), p.end(), int64_t{0});
  // A key of its own (not the raw seed), so that the loader's stream does not
  // coincide with the global generator's stream for the same seed.
  const uint64_t key = splitmix64(splitmix64(seed ^ 0x6c6f61646572ULL) + stream);
  uint32_t r[4];
  for (int64_t i = n - 1; i > 0; --i) {
    wick::detail::philox(key, static_cast<uint64_t>(i), r);
    uint64_t x = (static_cast<uint64_t>(r[0]) << 32) | r[1];
    // Lemire-style multiply-shift onto [0, i]: no modulo bias worth noting
    // for any n a dataset has (64-bit draws).
    auto j = static_cast<int64_t>((static_cast<unsigned __int128>(x) * static_cast<uint64_t>(i + 1)) >> 64);
    std::swap(p[static_cast<size_t>(i)], p[static_cast<size_t>(j)]);
  }
  return p;
}

}  // namespace detail

}  // namespace wick::data
