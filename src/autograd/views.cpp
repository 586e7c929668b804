// View ops: new geometry over the same storage, differentiable. Also cat,
// stack, split and chunk, which are built from them.
#include <numeric>

#include "autograd/grad_utils.h"
#include "wick/creation.h"
#include "wick/indexing.h"

namespace wick {

using autograd::needs_grad;
using autograd::record;
using autograd::TensorList;

namespace {

// Records a view whose backward is `back(g)`.
template <typename Back>
Tensor as_view(const Tensor& base, Shape sizes, Shape strides, int64_t offset, const char* node, Back back) {
  Tensor out = core::make_view(base, std::move(sizes), std::move(strides), offset);
  if (needs_grad(base))
    record(node, {&base}, {&out}, [back](const TensorList& g) -> TensorList { return {back(g[0])}; }, false);
  return out;
}

// Strides for `shape` over t's memory without copying, or empty if impossible
// (the algorithm of numpy's attempt_nocopy_reshape: match groups of dims).
std::optional<Shape> view_strides(const Tensor& t, const Shape& shape) {
  if (t.numel() == 0 || t.is_contiguous()) return core::contiguous_strides(shape);
  // Size-1 dims of the old shape carry no layout information: drop them.
  Shape os, ost;
  for (int64_t i = 0; i < t.dim(); ++i)
    if (t.sizes()[i] != 1) {
      os.push_back(t.sizes()[i]);
      ost.push_back(t.strides()[i]);
    }
  Shape st(shape.size());
  size_t oi = 0, ni = 0, on = os.size(), nn = shape.size();
  while (oi < on && ni < nn) {
    int64_t np = shape[ni], op = os[oi];
    size_t oj = oi + 1, nj = ni + 1;
    while (np != op) {
      if (np < op) np *= shape[nj++];
      else op *= os[oj++];
    }
    for (size_t k = oi; k + 1 < oj; ++k)
      if (ost[k] != ost[k + 1] * os[k + 1]) return std::nullopt;
    st[nj - 1] = ost[oj - 1];
    for (size_t k = nj - 1; k > ni; --k) st[k - 1] = st[k] * shape[k];
    oi = oj;
    ni = nj;
  }
  for (; ni < nn; ++ni) st[ni] = 1;  // trailing size-1 dims
  return st;
}

Shape infer_shape(const char* op, const Tensor& t, const Shape& shape) {
  Shape out = shape;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      WICK_CHECK(infer < 0, op, ": only one dimension can be -1, got ", shape_str(shape));
      infer = static_cast<int64_t>(i);
    } else {
      WICK_CHECK(out[i] >= 0, op, ": invalid size ", out[i], " in shape ", shape_str(shape));
      known *= out[i];
    }
  }
  if (infer >= 0) {
    WICK_CHECK(known != 0 && t.numel() % known == 0, op, ": shape ", shape_str(shape), " is invalid for ",
               t.describe(), " (", t.numel(), " elements)");
    out[infer] = t.numel() / known;
  }
  WICK_CHECK(core::numel_of(out) == t.numel(), op, ": shape ", shape_str(shape), " is invalid for ", t.describe(),
             " (", t.numel(), " elements vs ", core::numel_of(out), ")");
  return out;
}

}  // namespace

Tensor Tensor::view(const Shape& shape) const {
  Shape s = infer_shape("view", *this, shape);
  auto st = view_strides(*this, s);
  WICK_CHECK(st.has_value(), "view: shape ", shape_str(s), " is not compatible with the strides of ", describe(),
             " (a non-contiguous view); use .reshape() (which copies when needed) or .contiguous().view()");
  return as_view(*this, s, *st, storage_offset(), "ViewBackward",
                 [in = sizes()](const Tensor& g) { return g.reshape(in); });
}

Tensor Tensor::reshape(const Shape& shape) const {
  Shape s = infer_shape("reshape", *this, shape);
  if (auto st = view_strides(*this, s))
    return as_view(*this, s, *st, storage_offset(), "ViewBackward",
                   [in = sizes()](const Tensor& g) { return g.reshape(in); });
  return clone().view(s);
}

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
  int64_t a = core::wrap_dim("transpose", d0, dim()), b = core::wrap_dim("transpose", d1, dim());
  if (dim() == 0) return *this;
  Shape s = sizes(), st = strides();
  std::swap(s[a], s[b]);
  std::swap(st[a], st[b]);
  return as_view(*this, s, st, storage_offset(), "TransposeBackward",
                 [a, b](const Tensor& g) { return g.transpose(a, b); });
}

Tensor Tensor::permute(const Shape& dims) const {
  WICK_CHECK(static_cast<int64_t>(dims.size()) == dim(), "permute: got ", dims.size(), " dims ", shape_str(dims),
             " for ", describe(), "; give one entry per dimension");
  Shape s(dims.size()), st(dims.size()), inverse(dims.size());
  std::vector<bool> seen(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = core::wrap_dim("permute", dims[i], dim());
    WICK_CHECK(!seen[d], "permute: dim ", dims[i], " repeats in ", shape_str(dims));
    seen[d] = true;
    s[i] = sizes()[d];
    st[i] = strides()[d];
    inverse[d] = static_cast<int64_t>(i);
  }
  return as_view(*this, s, st, storage_offset(), "PermuteBackward",
                 [inverse](const Tensor& g) { return g.permute(inverse); });
}

Tensor Tensor::t() const {
  WICK_CHECK(dim() <= 2, "t(): expects a tensor with at most 2 dims, got ", describe(),
             "; use transpose(d0, d1) or mT-style transpose(-2, -1)");
  return dim() < 2 ? *this : transpose(0, 1);
}

Tensor Tensor::slice(int64_t d, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step) const {
  WICK_CHECK(dim() > 0, "slice: cannot slice a 0-d tensor");
  int64_t w = core::wrap_dim("slice", d, dim());
  WICK_CHECK(step > 0, "slice: step must be positive, got ", step);
  int64_t n = size(w);
  int64_t s = start.value_or(0), e = end.value_or(n);
  // Python's clamping rules: negative counts from the end, out of range clamps.
  if (s < 0) s += n;
  if (e < 0) e += n;
  s = std::clamp<int64_t>(s, 0, n);
  e = std::clamp<int64_t>(e, s, n);
  Shape sz = sizes(), st = strides();
  sz[w] = (e - s + step - 1) / step;
  st[w] *= step;
  int64_t offset = storage_offset() + s * strides()[w];
  return as_view(*this, sz, st, offset, "SliceBackward", [in = sizes(), w, s, e, step](const Tensor& g) {
    Tensor r = zeros(in, {.dtype = g.dtype(), .device = g.device()});
    core::copy_into(r.slice(w, s, e, step), g);
    return r;
  });
}

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const {
  WICK_CHECK(dim() > 0, "narrow: cannot narrow a 0-d tensor");
  int64_t w = core::wrap_dim("narrow", d, dim());
  if (start < 0) start += size(w);
  WICK_CHECK(start >= 0 && length >= 0 && start + length <= size(w), "narrow: start ", start, " and length ", length,
             " are out of range for dim ", d, " of size ", size(w), " (", describe(), ")");
  return slice(w, start, start + length);
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  WICK_CHECK(dim() > 0, "select: cannot index a 0-d tensor; use item()");
  int64_t w = core::wrap_dim("select", d, dim());
  int64_t n = size(w);
  WICK_CHECK(index >= -n && index < n, "select: index ", index, " is out of range for dim ", d, " with size ", n,
             " (", describe(), ")");
  if (index < 0) index += n;
  Shape sz = sizes(), st = strides();
  int64_t offset = storage_offset() + index * st[w];
  sz.erase(sz.begin() + w);
  st.erase(st.begin() + w);
  return as_view(*this, sz, st, offset, "SelectBackward", [in = sizes(), w, index](const Tensor& g) {
    Tensor r = zeros(in, {.dtype = g.dtype(), .device = g.device()});
    core::copy_into(r.select(w, index), g);
    return r;
  });
}

Tensor Tensor::unsqueeze(int64_t d) const {
  int64_t w = core::wrap_dim("unsqueeze", d, dim() + 1);
  Shape sz = sizes(), st = strides();
  int64_t stride = w < dim() ? sz[w] * st[w] : 1;
  sz.insert(sz.begin() + w, 1);
  st.insert(st.begin() + w, stride);
  return as_view(*this, sz, st, storage_offset(), "UnsqueezeBackward", [w](const Tensor& g) { return g.squeeze(w); });
}

Tensor Tensor::squeeze() const {
  Shape sz, st;
  for (int64_t i = 0; i < dim(); ++i)
    if (sizes()[i] != 1) {
      sz.push_back(sizes()[i]);
      st.push_back(strides()[i]);
    }
  return as_view(*this, sz, st, storage_offset(), "SqueezeBackward", [in = sizes()](const Tensor& g) { return g.reshape(in); });
}

Tensor Tensor::squeeze(int64_t d) const {
  int64_t w = core::wrap_dim("squeeze", d, dim());
  if (dim() == 0 || sizes()[w] != 1) return as_view(*this, sizes(), strides(), storage_offset(), "SqueezeBackward",
                                                   [](const Tensor& g) { return g; });
  Shape sz = sizes(), st = strides();
  sz.erase(sz.begin() + w);
  st.erase(st.begin() + w);
  return as_view(*this, sz, st, storage_offset(), "SqueezeBackward", [in = sizes()](const Tensor& g) { return g.reshape(in); });
}

Tensor Tensor::expand(const Shape& target) const {
  WICK_CHECK(static_cast<int64_t>(target.size()) >= dim(), "expand: the target shape ", shape_str(target),
             " has fewer dims than ", describe());
  size_t lead = target.size() - dim();
  Shape sz(target.size()), st(target.size());
  for (size_t i = 0; i < target.size(); ++i) {
    if (i < lead) {
      WICK_CHECK(target[i] >= 0, "expand: -1 is not allowed for the new leading dim ", i, " in ", shape_str(target));
      sz[i] = target[i];
      st[i] = 0;
      continue;
    }
    int64_t have = sizes()[i - lead];
    int64_t want = target[i] == -1 ? have : target[i];
    WICK_CHECK(have == want || have == 1, "expand: the size ", have, " of dim ", i - lead, " of ", describe(),
               " must match ", want, " or be 1 (target ", shape_str(target), ")");
    sz[i] = want;
    st[i] = have == want ? strides()[i - lead] : 0;
  }
  return as_view(*this, sz, st, storage_offset(), "ExpandBackward",
                 [in = sizes()](const Tensor& g) { return sum_to(g, in); });
}

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  if (dim() == 0) return reshape({1});
  int64_t s = core::wrap_dim("flatten", start_dim, dim()), e = core::wrap_dim("flatten", end_dim, dim());
  WICK_CHECK(s <= e, "flatten: start_dim ", start_dim, " comes after end_dim ", end_dim);
  Shape sz(sizes().begin(), sizes().begin() + s);
  int64_t n = 1;
  for (int64_t i = s; i <= e; ++i) n *= sizes()[i];
  sz.push_back(n);
  sz.insert(sz.end(), sizes().begin() + e + 1, sizes().end());
  return reshape(sz);
}

std::vector<Tensor> Tensor::split(int64_t split_size, int64_t d) const { return wick::split(*this, split_size, d); }
std::vector<Tensor> Tensor::chunk(int64_t chunks, int64_t d) const { return wick::chunk(*this, chunks, d); }

std::vector<Tensor> split(const Tensor& a, int64_t split_size, int64_t dim) {
  WICK_CHECK(a.dim() > 0, "split: cannot split a 0-d tensor");
  int64_t w = core::wrap_dim("split", dim, a.dim());
  WICK_CHECK(split_size > 0 || a.size(w) == 0, "split: split_size must be positive, got ", split_size);
  std::vector<Tensor> parts;
  for (int64_t s = 0; s < a.size(w); s += split_size) parts.push_back(a.narrow(w, s, std::min(split_size, a.size(w) - s)));
  if (parts.empty()) parts.push_back(a);
  return parts;
}

std::vector<Tensor> chunk(const Tensor& a, int64_t chunks, int64_t dim) {
  WICK_CHECK(chunks > 0, "chunk: number of chunks must be positive, got ", chunks);
  WICK_CHECK(a.dim() > 0, "chunk: cannot chunk a 0-d tensor");
  int64_t w = core::wrap_dim("chunk", dim, a.dim());
  int64_t size = (a.size(w) + chunks - 1) / chunks;
  return split(a, std::max<int64_t>(size, 1), w);
}

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  WICK_CHECK(!tensors.empty(), "cat: expected a non-empty list of tensors");
  const Tensor& first = tensors[0];
  core::check_defined("cat", first);
  WICK_CHECK(first.dim() > 0, "cat: zero-dimensional tensors cannot be concatenated; use stack()");
  int64_t w = core::wrap_dim("cat", dim, first.dim());
  DType dt = first.dtype();
  int64_t total = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    core::check_defined("cat", t);
    core::check_same_device("cat", first, t);
    WICK_CHECK(t.dim() == first.dim(), "cat: tensor ", i, " has ", t.dim(), " dims but tensor 0 has ", first.dim(),
               " (", t.describe(), " vs ", first.describe(), ")");
    for (int64_t d = 0; d < t.dim(); ++d)
      WICK_CHECK(d == w || t.size(d) == first.size(d), "cat: sizes must match except in dim ", w, ", but tensor ", i,
                 " is ", shape_str(t.sizes()), " and tensor 0 is ", shape_str(first.sizes()));
    total += t.size(w);
    dt = promote_types(dt, t.dtype());
  }
  Shape s = first.sizes();
  s[w] = total;
  Tensor out = core::make_tensor(s, dt, first.device());
  int64_t off = 0;
  for (const Tensor& t : tensors) {
    if (t.size(w) > 0) core::copy_into(core::make_view(out, s, out.strides(), 0).slice(w, off, off + t.size(w)), t);
    off += t.size(w);
  }
  bool any = false;
  for (const Tensor& t : tensors) any = any || needs_grad(t);
  if (any) {
    // One node with an edge per input; its backward slices the gradient.
    auto node = std::make_shared<autograd::FunctionNode>("CatBackward",
        [w, sizes = [&] { std::vector<int64_t> v; for (auto& t : tensors) v.push_back(t.size(w)); return v; }(),
         dtypes = [&] { std::vector<DType> v; for (auto& t : tensors) v.push_back(t.dtype()); return v; }()](
            const TensorList& g) -> TensorList {
          TensorList r;
          int64_t o = 0;
          for (size_t i = 0; i < sizes.size(); ++i) {
            Tensor part = g[0].narrow(w, o, sizes[i]);
            r.push_back(part.dtype() == dtypes[i] ? part : core::to_dtype(part, dtypes[i]));
            o += sizes[i];
          }
          return r;
        }, false);
    node->sequence = autograd::next_sequence();
    for (const Tensor& t : tensors) node->next.push_back(autograd::edge_of(t));
    TensorImpl& impl = out.impl_ref();
    impl.requires_grad = true;
    impl.grad_fn = node;
    impl.output_nr = 0;
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  WICK_CHECK(!tensors.empty(), "stack: expected a non-empty list of tensors");
  int64_t w = core::wrap_dim("stack", dim, tensors[0].dim() + 1);
  std::vector<Tensor> parts;
  for (size_t i = 0; i < tensors.size(); ++i) {
    WICK_CHECK(tensors[i].sizes() == tensors[0].sizes(), "stack: every tensor must have the same shape, but tensor ",
               i, " is ", shape_str(tensors[i].sizes()), " and tensor 0 is ", shape_str(tensors[0].sizes()));
    parts.push_back(tensors[i].unsqueeze(w));
  }
  return cat(parts, w);
}

}  // namespace wick
