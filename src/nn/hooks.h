#pragma once
// A thread-local observer of Module::operator() calls: summary() uses it to
// see each layer's output shape during one forward pass.
#include <functional>

#include "wick/nn/module.h"

namespace wick::nn::detail {
using ForwardObserver = std::function<void(Module&, const Tensor& input, const Tensor& output)>;
extern thread_local ForwardObserver g_forward_observer;
}  // namespace wick::nn::detail
