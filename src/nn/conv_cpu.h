#pragma once
// Internal: which kernels the CPU convolution (nn/conv.cpp) runs. Float32
// goes to oneDNN when wick is built with it (WICK_HAVE_DNNL), everything
// else to im2col + GEMM. The tests run both on the same inputs and compare,
// so the im2col path must stay reachable in a oneDNN build: this guard
// forces it on the calling thread for its lifetime (the composed, non-CPU
// path has its own guard: nn/composed_path.h). Not public API.
#include <cstdint>

namespace wick::nn::detail {

// True when this build has the oneDNN convolution.
bool conv_has_dnnl();
// Forward convolutions the calling thread has run on oneDNN: lets a test
// tell that the oneDNN path really ran (and did not fall back to im2col).
uint64_t conv_dnnl_count();

class ForceIm2colConv {
 public:
  ForceIm2colConv();
  ~ForceIm2colConv();
  ForceIm2colConv(const ForceIm2colConv&) = delete;
  ForceIm2colConv& operator=(const ForceIm2colConv&) = delete;

 private:
  bool saved_;
};

}  // namespace wick::nn::detail
