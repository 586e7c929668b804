#pragma once
// The CPU kernels as free functions; cpu_backend.cpp binds them to the
// Backend interface. Semantics are documented in backend/backend.h.
#include "backend/backend.h"

namespace wick::backend::cpu {

void fill(const View& out, double value);
void copy(const View& out, const View& in);
void unary(UnaryOp op, const View& out, const View& in, double alpha, double beta);
void binary(BinaryOp op, const View& out, const View& a, const View& b);
void where(const View& out, const View& cond, const View& a, const View& b);
void reduce(ReduceOp op, const View& out, const View& in, double scale);
void arg_reduce(ReduceOp op, const View& values, const View& indices, const View& in, int dim);
void softmax(const View& out, const View& in, int dim, bool log);
void softmax_backward(const View& grad_in, const View& grad_out, const View& out, int dim, bool log);
void gemm(const GemmArgs& args);
// gemm_narrow.cpp: handles products with a side of at most 16, and on AVX-512
// cores most float32 products (returns false for what it leaves to OpenBLAS).
bool gemm_narrow(const GemmArgs& args);
void index_select(const View& out, const View& in, int dim, const View& index);
void gather(const View& out, const View& in, int dim, const View& index);
void scatter(const View& self, int dim, const View& index, const View& src, bool accumulate);
void index_add(const View& self, int dim, const View& index, const View& src);
void sort(const View& values, const View& indices, const View& in, int dim, bool descending);  // sort.cpp
void cumulative(ReduceOp op, const View& out, const View& in, int dim, bool reverse);       // cumulative.cpp
void random(RandomOp op, const View& out, double a, double b, uint64_t seed, uint64_t offset);

}  // namespace wick::backend::cpu
