#include "nn/hooks.h"

namespace wick::nn::detail {
thread_local ForwardObserver g_forward_observer;
}  // namespace wick::nn::detail
