#pragma once
// Whole numbers from the JSON wick writes itself (model descriptions, the
// training state of --resume), read back from files that may be damaged.
// nlohmann's get<int64_t>() converts a JSON float such as 1e34 with a plain
// cast, undefined past the type's range (fuzz finding F2, docs/ERRORS.md), so
// these accept JSON integers that fit and nothing else.
#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

namespace wick::cli {

inline std::optional<int64_t> json_int64(const nlohmann::json& v) {
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  return std::nullopt;
}

inline std::optional<uint64_t> json_uint64(const nlohmann::json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  return std::nullopt;
}

}  // namespace wick::cli
