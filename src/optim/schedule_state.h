#pragma once
// Shared by the schedule sources: their state_dict() entries and the checked
// reading of them (defined in schedule.cpp).
#include <string>
#include <utility>
#include <vector>

#include "wick/tensor_dict.h"

namespace wick::optim::detail {

// A 0-d float64 tensor: how schedule state stores each number.
Tensor state_scalar(double v);
// Reads the scheduler state `sd` into `fields` (key -> destination), after
// checking that every key is known, present and holds one number; otherwise
// throws a wick::Error naming `op` and every problem.
void load_fields(const std::string& op, const TensorDict& sd, const std::vector<std::pair<const char*, double*>>& fields);

}  // namespace wick::optim::detail
