#pragma once
// cuBLAS, loaded on the first CUDA matrix product instead of linked.
//
// Why: libcublas.so.13 pulls in libcublasLt.so.13 (540 MB), and linking them
// made every wick process load and relocate both at start-up: `wick --help`
// took 0.37 s and 223 MB of RSS on the 2-core VM, GPU or not. Loaded with
// dlopen when a CUDA device is first set up, a CPU run pays nothing, and a
// machine without cuBLAS gets a clear error at that point instead of a
// binary that will not start.
#include <cublas_v2.h>

namespace wick::backend::cuda {

// The cuBLAS entry points the backend calls (the exported names: cublas_v2.h
// maps cublasCreate to cublasCreate_v2 and so on).
struct CublasApi {
  decltype(&cublasCreate_v2) create;
  decltype(&cublasSetStream_v2) set_stream;
  decltype(&cublasSetMathMode) set_math_mode;
  decltype(&cublasSgemmStridedBatched) sgemm_strided_batched;
  decltype(&cublasDgemmStridedBatched) dgemm_strided_batched;
};

// Loads libcublas.so.<major> on the first call (the system's search path,
// then the toolkit directory the build was configured with). Throws
// wick::DeviceError naming the library and the fix when it is missing or
// lacks a symbol; a later call tries again.
const CublasApi& cublas();

}  // namespace wick::backend::cuda
