// cuBLAS is loaded on the first CUDA matrix product (dlopen), not linked: a
// CPU-only run of a CUDA build must not map libcublas / libcublasLt, which
// cost 0.37 s and 215 MB of RSS at every start-up when they were linked.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "wick/device.h"

#ifdef WICK_HAS_CUDA
#include "backend/cuda/cublas_api.h"
#endif

namespace {

bool mapped(const std::string& library) {
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);)
    if (line.find(library) != std::string::npos) return true;
  return false;
}

TEST(CudaCublas, LoadedOnFirstUseNotAtStartUp) {
#ifndef WICK_HAS_CUDA
  GTEST_SKIP() << "this build has no CUDA backend";
#else
  // With a GPU, an earlier test in this process may have set the device up.
  if (!wick::cuda::is_available())
    EXPECT_FALSE(mapped("libcublas")) << "cuBLAS was mapped before any CUDA work: it is linked, not loaded on use";
  const wick::backend::cuda::CublasApi& api = wick::backend::cuda::cublas();
  EXPECT_NE(api.create, nullptr);
  EXPECT_NE(api.set_stream, nullptr);
  EXPECT_NE(api.set_math_mode, nullptr);
  EXPECT_NE(api.sgemm_strided_batched, nullptr);
  EXPECT_NE(api.dgemm_strided_batched, nullptr);
  EXPECT_TRUE(mapped("libcublas.so")) << "cublas() returned without loading the library";
  EXPECT_EQ(&wick::backend::cuda::cublas(), &api) << "loaded once";
#endif
}

}  // namespace
