// Matrix products through the backend's GEMM, with their gradients.
#include "wick/linalg.h"

#include "autograd/grad_utils.h"
#include "wick/elementwise.h"

namespace wick {

using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;
using autograd::TensorList;

namespace {

void check_operands(const char* op, const Tensor& a, const Tensor& b) {
  core::check_defined(op, a, "first operand");
  core::check_defined(op, b, "second operand");
  core::check_same_device(op, a, b);
  WICK_CHECK(is_floating(a.dtype()) && a.dtype() == b.dtype(), op, ": expected two float32 or two float64 tensors, got ",
             a.describe(), " and ", b.describe(), "; convert with .to(kFloat32)");
}

// a @ b for 2-D or batched 3-D operands of matching sizes.
Tensor product(const char* op, const char* node, const Tensor& a, const Tensor& b) {
  Tensor out = core::matmul_raw(op, a, b, false, false);
  if (needs_grad(a, b))
    record(node, {&a, &b}, {&out},
           [sa = SavedTensor(a, false), sb = SavedTensor(b, false), ra = a.requires_grad(), rb = b.requires_grad(),
            node](const TensorList& g) -> TensorList {
             // dA = dC @ B^T, dB = A^T @ dC: transposes are GEMM flags, not copies.
             return {ra ? core::matmul_raw(node, g[0], sb.get(node), false, true) : Tensor(),
                     rb ? core::matmul_raw(node, sa.get(node), g[0], true, false) : Tensor()};
           });
  return out;
}

}  // namespace

Tensor mm(const Tensor& a, const Tensor& b) {
  check_operands("mm", a, b);
  WICK_CHECK(a.dim() == 2 && b.dim() == 2, "mm: expects two 2-D matrices, got ", a.describe(), " and ", b.describe(),
             "; use matmul() for 1-D or batched operands, or mul() for elementwise products");
  WICK_CHECK(a.size(1) == b.size(0), "mm: shapes ", shape_str(a.sizes()), " and ", shape_str(b.sizes()),
             " cannot be multiplied (", a.size(1), " columns vs ", b.size(0), " rows); transpose one with .t()?");
  return product("mm", "MmBackward", a, b);
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  check_operands("bmm", a, b);
  WICK_CHECK(a.dim() == 3 && b.dim() == 3, "bmm: expects two 3-D tensors [B, n, k] and [B, k, m], got ", a.describe(),
             " and ", b.describe(), "; use matmul() for broadcasting batches");
  WICK_CHECK(a.size(0) == b.size(0) && a.size(2) == b.size(1), "bmm: shapes ", shape_str(a.sizes()), " and ",
             shape_str(b.sizes()), " do not match: batch sizes must be equal and a's last dim must equal b's middle dim");
  return product("bmm", "BmmBackward", a, b);
}

Tensor dot(const Tensor& a, const Tensor& b) {
  check_operands("dot", a, b);
  WICK_CHECK(a.dim() == 1 && b.dim() == 1 && a.size(0) == b.size(0), "dot: expects two 1-D tensors of the same length, got ",
             shape_str(a.sizes()), " and ", shape_str(b.sizes()));
  return sum(mul(a, b));
}

Tensor outer(const Tensor& a, const Tensor& b) {
  core::check_defined("outer", a);
  core::check_defined("outer", b);
  WICK_CHECK(a.dim() == 1 && b.dim() == 1, "outer: expects two 1-D tensors, got ", shape_str(a.sizes()), " and ",
             shape_str(b.sizes()));
  return mul(a.unsqueeze(1), b.unsqueeze(0));
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_operands("matmul", a, b);
  WICK_CHECK(a.dim() > 0 && b.dim() > 0, "matmul: both arguments need at least 1 dim, got ", a.describe(), " and ",
             b.describe(), "; use mul() for scalars");
  int64_t ka = a.size(-1), kb = b.dim() == 1 ? b.size(0) : b.size(-2);
  WICK_CHECK(ka == kb, "matmul: shapes ", shape_str(a.sizes()), " and ", shape_str(b.sizes()),
             " cannot be multiplied (", ka, " vs ", kb, " in the contracted dim)");
  if (a.dim() == 1 && b.dim() == 1) return dot(a, b);
  if (a.dim() == 2 && b.dim() == 2) return product("matmul", "MmBackward", a, b);
  if (a.dim() == 1 && b.dim() == 2) return product("matmul", "MmBackward", a.unsqueeze(0), b).squeeze(0);
  if (b.dim() == 1 && a.dim() == 2) return product("matmul", "MmBackward", a, b.unsqueeze(1)).squeeze(1);
  if (b.dim() <= 2 && a.dim() > 2) {
    // [..., m, k] @ [k, n]: fold the batch into m, one GEMM.
    Shape out = a.sizes();
    Tensor bb = b.dim() == 1 ? b.unsqueeze(1) : b;
    Tensor r = product("matmul", "MmBackward", a.reshape({-1, ka}), bb);
    if (b.dim() == 1) out.pop_back();
    else out.back() = bb.size(1);
    return r.reshape(out);
  }
  // General batched case: broadcast the batch dims, then bmm.
  Tensor x = a.dim() == 1 ? a.unsqueeze(0) : a;
  Tensor y = b.dim() == 1 ? b.unsqueeze(1) : b;
  Shape ba(x.sizes().begin(), x.sizes().end() - 2), bb(y.sizes().begin(), y.sizes().end() - 2);
  Shape batch;
  try {
    batch = core::broadcast_shapes("matmul", ba, bb);
  } catch (const Error&) {
    throw Error(detail::concat("matmul: the batch dims of ", shape_str(a.sizes()), " and ", shape_str(b.sizes()),
                               " (", shape_str(ba), " and ", shape_str(bb),
                               ") cannot be broadcast together; they must match or be 1"));
  }
  int64_t m = x.size(-2), n = y.size(-1), nb = core::numel_of(batch);
  Shape xs = batch, ys = batch;
  xs.insert(xs.end(), {m, ka});
  ys.insert(ys.end(), {ka, n});
  Tensor r = bmm(x.expand(xs).reshape({nb, m, ka}), y.expand(ys).reshape({nb, ka, n}));
  Shape out = batch;
  if (a.dim() > 1) out.push_back(m);
  if (b.dim() > 1) out.push_back(n);
  return r.reshape(out);
}

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  check_operands("linear", input, weight);
  WICK_CHECK(weight.dim() == 2, "linear: weight must be 2-D [out_features, in_features], got ", weight.describe());
  WICK_CHECK(input.dim() >= 1 && input.size(-1) == weight.size(1), "linear: input ", shape_str(input.sizes()),
             " has ", input.dim() ? input.size(-1) : 0, " features but the weight ", shape_str(weight.sizes()),
             " expects ", weight.size(1), " (weight is [out_features, in_features])");
  if (bias.defined()) {
    check_operands("linear", input, bias);
    WICK_CHECK(bias.dim() == 1 && bias.size(0) == weight.size(0), "linear: bias must be 1-D of size ", weight.size(0),
               ", got ", bias.describe());
  }
  Tensor x = input.dim() == 2 ? input : input.reshape({-1, weight.size(1)});
  Tensor out = core::matmul_raw("linear", x, weight, false, true);
  if (bias.defined()) core::binary_into("linear", backend::BinaryOp::Add, out, out, bias);
  if (needs_grad({&x, &weight, &bias}))
    record("AddmmBackward", {&x, &weight, &bias}, {&out},
           [sx = SavedTensor(x, false), sw = SavedTensor(weight, false), rx = x.requires_grad(),
            rw = weight.requires_grad(), rb = bias.defined() && bias.requires_grad()](const TensorList& g) -> TensorList {
             const char* n = "AddmmBackward";
             return {rx ? core::matmul_raw(n, g[0], sw.get(n), false, false) : Tensor(),
                     rw ? core::matmul_raw(n, g[0], sx.get(n), true, false) : Tensor(),
                     rb ? sum(g[0], {0}) : Tensor()};
           });
  if (input.dim() == 2) return out;
  Shape s = input.sizes();
  s.back() = weight.size(0);
  return out.reshape(s);
}

Tensor Tensor::mm(const Tensor& o) const { return wick::mm(*this, o); }
Tensor Tensor::matmul(const Tensor& o) const { return wick::matmul(*this, o); }
Tensor Tensor::bmm(const Tensor& o) const { return wick::bmm(*this, o); }
Tensor Tensor::dot(const Tensor& o) const { return wick::dot(*this, o); }

}  // namespace wick
