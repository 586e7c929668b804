#include <dlfcn.h>

#include <string>

#include "backend/cuda/cublas_api.h"
#include "wick/error.h"

namespace wick::backend::cuda {

namespace {

std::string last_dl_error() {
  const char* e = dlerror();
  return e ? e : "unknown error";
}

CublasApi load() {
  const std::string soname = "libcublas.so." + std::to_string(CUBLAS_VER_MAJOR);
  void* lib = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  std::string why = lib ? "" : last_dl_error();
#ifdef WICK_CUBLAS_DIR
  // The toolkit the build used, for binaries run where it is not on the
  // loader's search path (the usual /usr/local/cuda install).
  if (!lib) lib = dlopen((std::string(WICK_CUBLAS_DIR) + "/" + soname).c_str(), RTLD_NOW | RTLD_LOCAL);
#endif
  if (!lib)
    throw DeviceError("cuda: cannot load cuBLAS (" + soname + "): " + why +
                      "; install the CUDA " + std::to_string(CUBLAS_VER_MAJOR) +
                      " toolkit's cuBLAS or add the directory holding " + soname + " to LD_LIBRARY_PATH");
  auto symbol = [&](const char* name) {
    void* p = dlsym(lib, name);
    if (!p)
      throw DeviceError("cuda: " + soname + " has no symbol " + name + " (" + last_dl_error() +
                        "); it is not the cuBLAS this build expects (CUDA " + std::to_string(CUBLAS_VER_MAJOR) + ")");
    return p;
  };
  // The library stays loaded for the life of the process: handles made from
  // it live until exit.
  CublasApi api{};
  api.create = reinterpret_cast<decltype(api.create)>(symbol("cublasCreate_v2"));
  api.set_stream = reinterpret_cast<decltype(api.set_stream)>(symbol("cublasSetStream_v2"));
  api.set_math_mode = reinterpret_cast<decltype(api.set_math_mode)>(symbol("cublasSetMathMode"));
  api.sgemm_strided_batched = reinterpret_cast<decltype(api.sgemm_strided_batched)>(symbol("cublasSgemmStridedBatched"));
  api.dgemm_strided_batched = reinterpret_cast<decltype(api.dgemm_strided_batched)>(symbol("cublasDgemmStridedBatched"));
  return api;
}

}  // namespace

const CublasApi& cublas() {
  // A throwing initializer leaves the static unset: the next call tries again.
  static const CublasApi api = load();
  return api;
}

}  // namespace wick::backend::cuda
