#pragma once
// core/: argument checks and dispatch to the backend, without autograd. The
// public, differentiable functions in autograd/ call these. Each function
// checks shapes, dtypes and devices once, naming `op` in its errors.
#include <optional>
#include <vector>

#include "backend/backend.h"
#include "wick/tensor.h"

namespace wick::core {

// ---- tensors and views ----
// A new contiguous tensor; contents uninitialized.
Tensor make_tensor(const Shape& sizes, DType dtype, Device device);
// A view of `base`'s storage with the given geometry (no autograd history).
Tensor make_view(const Tensor& base, Shape sizes, Shape strides, int64_t offset);
Shape contiguous_strides(const Shape& sizes);
int64_t numel_of(const Shape& sizes);

// What a kernel sees of `t`; with `shape`, `t` broadcast to that shape.
backend::View kernel_view(const Tensor& t);
backend::View kernel_view(const Tensor& t, const Shape& shape);
backend::Backend& backend_of(const Tensor& t);

// ---- checks ----
void check_defined(const char* op, const Tensor& t, const char* arg = "input");
void check_same_device(const char* op, const Tensor& a, const Tensor& b);
void check_floating(const char* op, const Tensor& t, const char* arg = "input");
int64_t wrap_dim(const char* op, int64_t dim, int64_t ndim);
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);
// PyTorch's promotion: a 0-d tensor next to a tensor with dims counts only if
// it is of a higher category (bool < integer < floating).
DType result_type(const Tensor& a, const Tensor& b);
// The dtype of `t op scalar`: integer tensors with a fractional scalar become
// float32, bool with an integral scalar becomes int64.
DType result_type(const Tensor& t, double scalar);
// Reduced dims as a mask over t's dims (empty `dims` = all).
std::vector<bool> reduce_mask(const char* op, const Shape& dims, int64_t ndim);
Shape reduced_shape(const Shape& in, const std::vector<bool>& mask, bool keepdim);

// ---- raw ops (no autograd) ----
Tensor to_dtype(const Tensor& t, DType dtype);  // *this when equal
Tensor to_device(const Tensor& t, Device device);
Tensor contiguous(const Tensor& t);
Tensor clone(const Tensor& t);
void copy_into(const Tensor& dst, const Tensor& src);  // broadcasts, converts, crosses devices
void fill(const Tensor& t, double value);
void bump_version(const Tensor& t);

Tensor unary(backend::UnaryOp op, const Tensor& a, double alpha = 0, double beta = 0);
// a and b already promoted to the same dtype; out is that dtype or bool.
Tensor binary(const char* name, backend::BinaryOp op, const Tensor& a, const Tensor& b);
// Writes a op b into `out` (in place: out may be a).
void binary_into(const char* name, backend::BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b);
void unary_into(backend::UnaryOp op, const Tensor& out, const Tensor& a, double alpha = 0, double beta = 0);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor reduce(const char* name, backend::ReduceOp op, const Tensor& a, const std::vector<bool>& mask,
              bool keepdim, double scale, DType out_dtype);
MaxResult arg_reduce(const char* name, backend::ReduceOp op, const Tensor& a, int64_t dim, bool keepdim);
// The first k entries of a's order along dim (no k: all), see Backend::sort;
// `name` (sort, argsort, topk) is the op errors name.
MaxResult sort(const char* name, const Tensor& a, int64_t dim, bool descending, std::optional<int64_t> k = {});
// Inclusive Sum / Prod scan along dim, in a's dtype (callers promote first).
Tensor cumulative(backend::ReduceOp op, const Tensor& a, int64_t dim, bool reverse);
Tensor softmax(const Tensor& a, int64_t dim, bool log);
Tensor softmax_backward(const Tensor& grad, const Tensor& out, int64_t dim, bool log);
// 2-D or batched 3-D float product of contiguous-able operands.
Tensor matmul_raw(const char* name, const Tensor& a, const Tensor& b, bool trans_a, bool trans_b);
Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index);
Tensor gather(const Tensor& a, int64_t dim, const Tensor& index);
void scatter_into(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, bool accumulate);
void index_add_into(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
void check_index(const char* op, const Tensor& a, int64_t dim, const Tensor& index, bool same_rank);
Tensor random(backend::RandomOp op, const Shape& shape, DType dtype, Device device, double a, double b);

}  // namespace wick::core
