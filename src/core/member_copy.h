#pragma once
// The deep-copy redirection behind nn::Module's copy constructor: the module
// announces "the Tensor about to be copy-constructed at `dest` should be this
// clone", then the derived class's member-wise copy picks it up.
#include <memory>

#include "wick/tensor_impl.h"

namespace wick::detail {
void push_member_copy(const void* dest, std::shared_ptr<TensorImpl> clone);
}  // namespace wick::detail
