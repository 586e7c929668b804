#pragma once
// The CUDA kernels as host-callable launchers (defined in the .cu files);
// cuda_backend.cpp binds them to the Backend interface. Semantics are those of
// backend/backend.h, element for element the same as the CPU kernels.
#include <cuda_runtime_api.h>

#include "backend/backend.h"

namespace wick::backend::cuda {

// An error a kernel found (an index out of range): kernels cannot throw, so
// the first one is recorded here (device memory, read back at each
// synchronization) and reported as a wick::Error there (item(), cpu()).
struct KernelErrorSlot {
  unsigned long long op;  // 0: none; else a KernelErrorOp
  long long index;        // the offending index value
  long long size;         // the size of the indexed dim
};
enum KernelErrorOp : unsigned long long { kErrNone = 0, kErrIndexSelect, kErrGather, kErrScatter, kErrIndexAdd };

// What every launch needs: the device's stream and its error slot (device pointer).
struct Ctx {
  cudaStream_t stream = nullptr;
  KernelErrorSlot* errors = nullptr;
};

void fill(const Ctx& c, const View& out, double value);
void copy(const Ctx& c, const View& out, const View& in);
void unary(const Ctx& c, UnaryOp op, const View& out, const View& in, double alpha, double beta);
void binary(const Ctx& c, BinaryOp op, const View& out, const View& a, const View& b);
void where(const Ctx& c, const View& out, const View& cond, const View& a, const View& b);
void random(const Ctx& c, RandomOp op, const View& out, double a, double b, uint64_t seed, uint64_t offset);
void reduce(const Ctx& c, ReduceOp op, const View& out, const View& in, double scale);
void arg_reduce(const Ctx& c, ReduceOp op, const View& values, const View& indices, const View& in, int dim);
void softmax(const Ctx& c, const View& out, const View& in, int dim, bool log);
void softmax_backward(const Ctx& c, const View& grad_in, const View& grad_out, const View& out, int dim, bool log);
void index_select(const Ctx& c, const View& out, const View& in, int dim, const View& index);
void gather(const Ctx& c, const View& out, const View& in, int dim, const View& index);
void scatter(const Ctx& c, const View& self, int dim, const View& index, const View& src, bool accumulate);
void index_add(const Ctx& c, const View& self, int dim, const View& index, const View& src);
// sort.cu
void sort(const Ctx& c, const View& values, const View& indices, const View& in, int dim, bool descending);
void cumulative(const Ctx& c, ReduceOp op, const View& out, const View& in, int dim, bool reverse);

// Throws wick::Error naming `what` when the last launch failed (bad
// configuration, no kernel image for this GPU).
void check_launch(const char* what);

}  // namespace wick::backend::cuda
