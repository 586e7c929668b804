// nn::DistributedDataParallel: rank 0's state to every rank, then one
// all-reduce of the packed gradients per step.
#include "wick/nn/data_parallel.h"

#include <map>
#include <vector>

#include "wick/autograd.h"
#include "wick/creation.h"

namespace wick::nn {

namespace {

// Broadcasts `t` from rank 0 in place; a CUDA tensor goes through the host.
void broadcast_from_main(const Tensor& t) {
  if (t.is_cpu() && t.is_contiguous()) {
    Tensor h = t;
    distributed::broadcast(h, 0);
    return;
  }
  Tensor h = t.to(Device::cpu()).contiguous();  // a new tensor: t is on the GPU or not contiguous
  distributed::broadcast(h, 0);
  t.copy_(h);
}

}  // namespace

DistributedDataParallel::DistributedDataParallel(Module& module, DistributedDataParallelOptions options)
    : module_(&module), options_(options) {
  broadcast_state();
}

void DistributedDataParallel::broadcast_state() {
  if (distributed::world_size() == 1) return;
  NoGradGuard no_grad;
  for (const Tensor& p : module_->parameters()) broadcast_from_main(p);
  for (const Tensor& b : module_->buffers())
    if (b.defined()) broadcast_from_main(b);
}

void DistributedDataParallel::sync_gradients() {
  if (distributed::world_size() == 1) return;
  NoGradGuard no_grad;
  std::vector<Tensor> params;
  for (const Tensor& p : module_->parameters())
    if (p.requires_grad()) params.push_back(p);
  // One flat host buffer per dtype (float32 alone, unless the model mixes
  // dtypes); parameters keep their order, so every rank packs alike.
  std::map<DType, int64_t> total;
  for (const Tensor& p : params) total[p.dtype()] += p.numel();
  if (flat_.size() != total.size()) flat_.assign(total.size(), Tensor());
  size_t slot = 0;
  for (const auto& [dtype, n] : total) {
    Tensor& flat = flat_[slot++];
    if (!flat.defined() || flat.numel() != n || flat.dtype() != dtype) flat = empty({n}, {.dtype = dtype});
    int64_t offset = 0;
    for (const Tensor& p : params) {
      if (p.dtype() != dtype) continue;
      Tensor part = flat.narrow(0, offset, p.numel());
      const Tensor g = p.grad();
      if (g.defined()) part.copy_(g.reshape({-1}));
      else part.zero_();
      offset += p.numel();
    }
    distributed::all_reduce(flat, distributed::ReduceOp::Average);
    offset = 0;
    for (const Tensor& p : params) {
      if (p.dtype() != dtype) continue;
      Tensor part = flat.narrow(0, offset, p.numel()).view(p.sizes());
      const Tensor g = p.grad();
      // In place keeps the gradient tensor an optimizer may hold; a missing
      // one gets its own copy (the buffer is reused next step).
      if (g.defined()) g.copy_(part);
      else p.set_grad(part.to(p.device()).clone());
      offset += p.numel();
    }
  }
  if (options_.broadcast_buffers)
    for (const Tensor& b : module_->buffers())
      if (b.defined()) broadcast_from_main(b);
}

}  // namespace wick::nn
