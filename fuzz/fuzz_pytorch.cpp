// libFuzzer target: torch.save files in memory (parse_pytorch). Byte 0 picks
// what the rest is:
//   even: a whole torch.save file (the zip container through libzip, then
//         everything behind it);
//   odd:  byte 1 = n storages (at most 32), n little-endian u16 storage sizes
//         in bytes, then data.pkl. The harness zips them as archive/data.pkl
//         and archive/data/0..n-1 (filled with a byte pattern). Mutations of
//         data.pkl inside a real file almost always break the zip CRC, so
//         this is how the unpickler and the view checks get fuzzed.
// Whatever parses must serialize and parse back to the same names, dtypes
// and shapes (a failure there aborts: it is a bug, not a bad input).
#include <cstdlib>
#include <string>
#include <vector>

#include "io/zip_archive.h"
#include "wick/error.h"
#include "wick/io/pytorch.h"

namespace {

// The archive of the odd mode, or "" when the input is too short.
std::string wrap(const uint8_t* data, size_t size) {
  if (size < 2) return "";
  const size_t n = std::min<size_t>(data[1], 32);
  if (size < 2 + 2 * n) return "";
  std::vector<std::string> storages(n), names(n);
  for (size_t i = 0; i < n; ++i) {
    const size_t bytes = data[2 + 2 * i] | static_cast<size_t>(data[3 + 2 * i]) << 8;
    storages[i].resize(bytes);
    for (size_t j = 0; j < bytes; ++j) storages[i][j] = static_cast<char>(i * 31 + j * 7);
    names[i] = "archive/data/" + std::to_string(i);
  }
  const size_t pkl = 2 + 2 * n;
  std::vector<wick::zip_detail::ZipEntry> entries{{"archive/data.pkl", data + pkl, size - pkl}};
  for (size_t i = 0; i < n; ++i) entries.push_back({names[i], storages[i].data(), storages[i].size()});
  entries.push_back({"archive/version", "3\n", 2});
  return wick::zip_detail::write_zip(entries, "fuzz");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string archive;
  if (data[0] & 1) {
    archive = wrap(data, size);
    if (archive.empty()) return 0;
    data = reinterpret_cast<const uint8_t*>(archive.data());
    size = archive.size();
  } else {
    ++data;
    --size;
  }
  wick::TensorDict d;
  try {
    d = wick::parse_pytorch(data, size, "fuzz.pt");
  } catch (const wick::Error&) {
    return 0;  // rejected with a message: the expected outcome for a bad input
  }
  const std::string again = wick::serialize_pytorch(d);
  wick::TensorDict e;
  try {
    e = wick::parse_pytorch(again.data(), again.size(), "fuzz-roundtrip.pt");
  } catch (const wick::Error&) {
    std::abort();
  }
  if (e.keys() != d.keys()) std::abort();
  for (const auto& [k, t] : d)
    if (e.at(k).dtype() != t.dtype() || e.at(k).sizes() != t.sizes()) std::abort();
  return 0;
}
