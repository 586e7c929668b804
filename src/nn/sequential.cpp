#include "wick/nn/sequential.h"

namespace wick::nn {

void Sequential::relink() { layers_ = children(); }

Tensor Sequential::forward(const Tensor& input) {
  Tensor x = input;
  for (Module* m : layers_) x = (*m)(x);
  return x;
}

Module& Sequential::operator[](size_t i) const {
  WICK_CHECK(i < layers_.size(), "Sequential: index ", i, " is out of range for ", layers_.size(), " layers");
  return *layers_[i];
}

}  // namespace wick::nn
