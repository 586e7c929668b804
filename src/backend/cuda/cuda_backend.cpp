// The CUDA backend: per device one stream, one cuBLAS handle, one caching
// allocator (block_cache.h) and one kernel error slot; binds the kernels of
// backend/cuda/*.cu to the Backend interface.
//
// Ordering: everything of a device (kernels, cuBLAS, copies) runs on its one
// stream, so the host never waits except in copy_to_host (item(), cpu(),
// to(cpu)) and synchronize(). Memory freed by the host is reused at once:
// the stream orders the next writer after the last reader.
#include <cuda_runtime_api.h>

#include <atomic>
#include <climits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "backend/cuda/block_cache.h"
#include "backend/cuda/cublas_api.h"
#include "backend/cuda/kernels.h"
#include "backend/cuda/status.h"
#include "wick/device.h"
#include "wick/error.h"

namespace wick::backend {
namespace cuda {
namespace {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw Error(std::string("cuda: ") + what + " failed: " + cudaGetErrorString(e));
}

const char* blas_status(cublasStatus_t s) {
  switch (s) {
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    default: return "cuBLAS error";
  }
}

void check_blas(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS) throw Error(std::string("cuda: ") + what + " failed: " + blas_status(s));
}

struct DeviceState {
  cudaStream_t stream = nullptr;
  cublasHandle_t blas = nullptr;
  bool tf32 = false;
  // The kernels' error slot lives in device memory (device-scope atomics
  // only); each synchronization point queues a copy of it into a pinned host
  // mirror before waiting, so reading it costs no extra round trip.
  KernelErrorSlot* errors_dev = nullptr;
  KernelErrorSlot* errors_host = nullptr;
  std::unique_ptr<BlockCache> cache;
};

std::once_flag g_count_once;
int g_count = 0;
std::string g_reason;

void query_devices() {
  std::call_once(g_count_once, [] {
    int n = 0;
    const cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
      g_reason = cudaGetErrorString(e);
      cudaGetLastError();  // clear it: a missing GPU is not a sticky error
      n = 0;
    } else if (n == 0) {
      g_reason = "no CUDA-capable device is detected";
    }
    g_count = n;
  });
}

class CudaBackend final : public Backend {
 public:
  CudaBackend() {
    query_devices();
    devices_.resize(static_cast<size_t>(g_count));
    for (auto& d : devices_) d = std::make_unique<Slot>();
  }

  const char* name() const override { return "cuda"; }

  // Every CPU kernel has a CUDA twin (the parity suite holds them to it), so
  // the answer is the CPU backend's.
  bool supports(const char* op, DType dtype) const override { return cpu_backend()->supports(op, dtype); }

  int device_count() const override { return g_count; }

  // ---- memory ----
  void* allocate(size_t nbytes, int index) override { return state(index).cache->allocate(nbytes); }
  void deallocate(void* ptr, size_t nbytes, int index) override {
    if (ptr) state(index).cache->deallocate(ptr, nbytes);
  }
  MemoryStats memory_stats(int index) const override {
    return const_cast<CudaBackend*>(this)->state(index).cache->stats();
  }
  void empty_cache() override {
    for (int i = 0; i < g_count; ++i)
      if (devices_[static_cast<size_t>(i)]->ready) state(i).cache->empty_cache();
  }
  void copy_to_host(void* host_dst, const void* src, size_t nbytes, int index) override {
    DeviceState& d = state(index);
    if (nbytes) check(cudaMemcpyAsync(host_dst, src, nbytes, cudaMemcpyDeviceToHost, d.stream), "copy to host");
    queue_error_readback(d);
    check(cudaStreamSynchronize(d.stream), "synchronize (copy to host)");
    report_kernel_errors(d);
  }
  void copy_from_host(void* dst, const void* host_src, size_t nbytes, int index) override {
    // From pageable memory the call returns once the source is staged, so
    // the caller may free it at once (wick's host tensors are pageable).
    if (nbytes)
      check(cudaMemcpyAsync(dst, host_src, nbytes, cudaMemcpyHostToDevice, state(index).stream), "copy to device");
  }
  void synchronize(int index) override {
    DeviceState& d = state(index);
    queue_error_readback(d);
    check(cudaStreamSynchronize(d.stream), "synchronize");
    report_kernel_errors(d);
  }

  // ---- kernels ----
  void fill(const View& out, double value) override { cuda::fill(ctx(out.data), out, value); }
  void copy(const View& out, const View& in) override { cuda::copy(ctx(out.data), out, in); }
  void unary(UnaryOp op, const View& out, const View& in, double alpha, double beta) override {
    cuda::unary(ctx(out.data), op, out, in, alpha, beta);
  }
  void binary(BinaryOp op, const View& out, const View& a, const View& b) override {
    cuda::binary(ctx(out.data), op, out, a, b);
  }
  void where(const View& out, const View& cond, const View& a, const View& b) override {
    cuda::where(ctx(out.data), out, cond, a, b);
  }
  void reduce(ReduceOp op, const View& out, const View& in, double scale) override {
    cuda::reduce(ctx(out.data), op, out, in, scale);
  }
  void arg_reduce(ReduceOp op, const View& values, const View& indices, const View& in, int dim) override {
    cuda::arg_reduce(ctx(values.data), op, values, indices, in, dim);
  }
  void softmax(const View& out, const View& in, int dim, bool log) override {
    cuda::softmax(ctx(out.data), out, in, dim, log);
  }
  void softmax_backward(const View& grad_in, const View& grad_out, const View& out, int dim, bool log) override {
    cuda::softmax_backward(ctx(grad_in.data), grad_in, grad_out, out, dim, log);
  }
  void index_select(const View& out, const View& in, int dim, const View& index) override {
    cuda::index_select(ctx(out.data), out, in, dim, index);
  }
  void gather(const View& out, const View& in, int dim, const View& index) override {
    cuda::gather(ctx(out.data), out, in, dim, index);
  }
  void scatter(const View& self, int dim, const View& index, const View& src, bool accumulate) override {
    cuda::scatter(ctx(self.data), self, dim, index, src, accumulate);
  }
  void index_add(const View& self, int dim, const View& index, const View& src) override {
    cuda::index_add(ctx(self.data), self, dim, index, src);
  }
  void sort(const View& values, const View& indices, const View& in, int dim, bool descending) override {
    cuda::sort(ctx(values.data), values, indices, in, dim, descending);
  }
  void cumulative(ReduceOp op, const View& out, const View& in, int dim, bool reverse) override {
    cuda::cumulative(ctx(out.data), op, out, in, dim, reverse);
  }
  void random(RandomOp op, const View& out, double a, double b, uint64_t seed, uint64_t offset) override {
    cuda::random(ctx(out.data), op, out, a, b, seed, offset);
  }
  void gemm(const GemmArgs& g) override;

 private:
  struct Slot {
    std::once_flag once;
    std::atomic<bool> ready{false};
    DeviceState state;
  };

  // Lazily creates the device's stream, cuBLAS handle, error slot and cache.
  DeviceState& state(int index) {
    if (index < 0 || index >= g_count)
      throw DeviceError("cuda: device index " + std::to_string(index) + " is out of range (" +
                        std::to_string(g_count) + " device(s) present)");
    Slot& s = *devices_[static_cast<size_t>(index)];
    std::call_once(s.once, [&] {
      DeviceState& d = s.state;
      set_device(index);
      check(cudaStreamCreateWithFlags(&d.stream, cudaStreamNonBlocking), "creating the stream");
      check_blas(cublas().create(&d.blas), "cublasCreate");
      check_blas(cublas().set_stream(d.blas, d.stream), "cublasSetStream");
      // Strict float32 by default: no TF32 tensor-core rounding (see wick::cuda::set_allow_tf32).
      check_blas(cublas().set_math_mode(d.blas, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
      void* slot = nullptr;
      check(cudaMalloc(&slot, sizeof(KernelErrorSlot)), "allocating the kernel error slot");
      check(cudaMemsetAsync(slot, 0, sizeof(KernelErrorSlot), d.stream), "clearing the kernel error slot");
      d.errors_dev = static_cast<KernelErrorSlot*>(slot);
      void* mirror = nullptr;
      check(cudaMallocHost(&mirror, sizeof(KernelErrorSlot)), "allocating the error slot's host mirror");
      d.errors_host = static_cast<KernelErrorSlot*>(mirror);
      *d.errors_host = KernelErrorSlot{};
      cudaStream_t stream = d.stream;
      d.cache = std::make_unique<BlockCache>(
          "cuda:" + std::to_string(index),
          [index](size_t n) -> void* {
            set_device(index);
            void* p = nullptr;
            const cudaError_t e = cudaMalloc(&p, n);
            if (e == cudaErrorMemoryAllocation) {
              cudaGetLastError();  // clear the error; the cache frees and retries
              return nullptr;
            }
            check(e, "cudaMalloc");
            return p;
          },
          [index](void* p) {
            set_device(index);
            cudaFree(p);
          },
          [stream] { cudaStreamSynchronize(stream); });
      s.ready = true;
    });
    return s.state;
  }

  static void set_device(int index) {
    thread_local int current = -1;
    if (current != index) {
      check(cudaSetDevice(index), "cudaSetDevice");
      current = index;
    }
  }

  // The device that holds `p` (only asked when there are several).
  int device_of(const void* p) {
    if (g_count <= 1) return 0;
    cudaPointerAttributes attr{};
    check(cudaPointerGetAttributes(&attr, p), "cudaPointerGetAttributes");
    return attr.device;
  }

  Ctx ctx(const void* data) {
    const int index = device_of(data);
    DeviceState& d = state(index);
    set_device(index);
    return Ctx{d.stream, d.errors_dev};
  }

  static void queue_error_readback(DeviceState& d) {
    check(cudaMemcpyAsync(d.errors_host, d.errors_dev, sizeof(KernelErrorSlot), cudaMemcpyDeviceToHost, d.stream),
          "reading the kernel error slot");
  }

  // Called after queue_error_readback and a stream synchronization.
  static void report_kernel_errors(DeviceState& d) {
    const KernelErrorSlot e = *d.errors_host;
    if (e.op == kErrNone) return;
    *d.errors_host = KernelErrorSlot{};
    check(cudaMemsetAsync(d.errors_dev, 0, sizeof(KernelErrorSlot), d.stream), "clearing the kernel error slot");
    static const char* const names[] = {"", "index_select", "gather", "scatter", "index_add"};
    const char* op = e.op < 5 ? names[e.op] : "index op";
    throw Error(std::string(op) + ": index " + std::to_string(e.index) + " is out of bounds for a dim of size " +
                std::to_string(e.size) + " (valid indices are 0 .. " + std::to_string(e.size - 1) +
                "); found on the GPU by a kernel queued before this synchronization, which skipped that element");
  }

  std::vector<std::unique_ptr<Slot>> devices_;
};

void CudaBackend::gemm(const GemmArgs& g) {
  for (int64_t v : {g.m, g.n, g.k, g.lda, g.ldb, g.ldc, g.batch})
    WICK_CHECK(v <= INT_MAX, "matmul on cuda: a dimension of ", v, " exceeds cuBLAS's 32-bit limit");
  if (g.m == 0 || g.n == 0 || g.batch == 0) return;
  Ctx c = ctx(g.c);
  DeviceState& d = state(device_of(g.c));
  const size_t es = element_size(g.dtype);
  if (g.k == 0 && g.beta == 0) {
    // An empty inner dim gives zeros; write them directly (C may hold NaN poison).
    if (g.ldc == g.n && g.stride_c == g.m * g.n) {
      check(cudaMemsetAsync(g.c, 0, static_cast<size_t>(g.batch * g.m * g.n) * es, c.stream), "gemm (k = 0)");
      return;
    }
  }
  const bool tf32 = wick::cuda::allow_tf32();
  if (tf32 != d.tf32) {
    check_blas(cublas().set_math_mode(d.blas, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
    d.tf32 = tf32;
  }
  // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap the
  // operands and pass the row-major leading dimensions unchanged.
  const cublasOperation_t ta = g.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t tb = g.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int m = static_cast<int>(g.m), n = static_cast<int>(g.n), k = static_cast<int>(g.k);
  const int lda = static_cast<int>(g.lda), ldb = static_cast<int>(g.ldb), ldc = static_cast<int>(g.ldc);
  const int batch = static_cast<int>(g.batch);
  if (g.dtype == DType::Float64) {
    const double alpha = g.alpha, beta = g.beta;
    check_blas(cublas().dgemm_strided_batched(d.blas, tb, ta, n, m, k, &alpha, static_cast<const double*>(g.b), ldb,
                                         g.stride_b, static_cast<const double*>(g.a), lda, g.stride_a, &beta,
                                         static_cast<double*>(g.c), ldc, g.stride_c, batch),
               "cublasDgemmStridedBatched");
  } else if (g.dtype == DType::Float32) {
    const float alpha = static_cast<float>(g.alpha), beta = static_cast<float>(g.beta);
    check_blas(cublas().sgemm_strided_batched(d.blas, tb, ta, n, m, k, &alpha, static_cast<const float*>(g.b), ldb,
                                         g.stride_b, static_cast<const float*>(g.a), lda, g.stride_a, &beta,
                                         static_cast<float*>(g.c), ldc, g.stride_c, batch),
               "cublasSgemmStridedBatched");
  } else {
    throw Error(std::string("matmul on cuda: dtype ") + dtype_name(g.dtype) +
                " is not supported (float32 and float64 only); convert with .to(kFloat32)");
  }
}

}  // namespace

std::string unavailable_reason() {
  query_devices();
  return g_count > 0 ? std::string() : g_reason;
}

}  // namespace cuda

Backend* cuda_backend() {
  // Never destroyed: tensors in static storage may be freed after main().
  static Backend* instance = new cuda::CudaBackend();
  return instance;
}

}  // namespace wick::backend
