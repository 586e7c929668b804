#pragma once
// nn::DistributedDataParallel: one model replica per process, gradients
// averaged across processes, as torch.nn.parallel.DistributedDataParallel.
//
//   distributed::init();
//   Net model;
//   nn::DistributedDataParallel ddp(model);  // every rank now holds rank 0's weights
//   optim::SGD opt(model.parameters(), {.lr = 0.1});
//   for (auto [x, y] : loader) {             // loader sharded by rank (dataloader.h)
//     Tensor loss = nn::functional::cross_entropy(ddp(x), y);
//     opt.zero_grad();
//     loss.backward();
//     ddp.sync_gradients();                  // the step PyTorch hides in backward()
//     opt.step();
//   }
//
// Why an explicit call rather than a hook inside backward(), as PyTorch does:
// PyTorch overlaps the all-reduce with the rest of the backward pass, bucket by
// bucket; wick's collectives are blocking and run after backward() in one
// piece, so a hook would gain nothing and would hide a collective that every
// rank must reach. The call also makes gradient accumulation plain: run
// several backward() calls, then sync_gradients() once (PyTorch's no_sync()).
//
// With the averaged gradients identical on every rank and the same optimizer,
// the replicas stay identical without ever sending weights again.
// In a world of one process (no mpirun) every call here does nothing.
#include <vector>

#include "wick/distributed.h"
#include "wick/nn/module.h"

namespace wick::nn {

struct DistributedDataParallelOptions {
  // After each sync_gradients(), copy rank 0's buffers (BatchNorm running
  // statistics) to every rank, as PyTorch's broadcast_buffers=True; without
  // it each rank's statistics follow its own shard of the data.
  bool broadcast_buffers = true;
};

class DistributedDataParallel {
 public:
  // Sends rank 0's parameters and buffers to every rank (a collective: every
  // rank constructs its wrapper at the same point). `module` must outlive
  // this wrapper and have the same parameters, in the same order, on every rank.
  explicit DistributedDataParallel(Module& module, DistributedDataParallelOptions options = {});

  Tensor forward(const Tensor& input) { return module_->operator()(input); }
  Tensor operator()(const Tensor& input) { return forward(input); }
  Module& module() const { return *module_; }

  // After backward(): every parameter's .grad() becomes the average of its
  // gradients over the ranks, with one all_reduce over all gradients packed
  // into one buffer per dtype. A parameter without a gradient on a rank (it
  // took no part in that rank's forward) counts as zero there, so all ranks
  // issue the same collective; afterwards it has the averaged gradient.
  // Parameters with requires_grad false are left out. CUDA gradients are
  // staged through host memory. Then the buffers, if broadcast_buffers.
  void sync_gradients();
  // Rank 0's parameters and buffers to every rank (what the constructor does;
  // also to re-align after loading a checkpoint on rank 0 only).
  void broadcast_state();

 private:
  Module* module_;
  DistributedDataParallelOptions options_;
  std::vector<Tensor> flat_;  // host buffers reused across steps, one per gradient dtype
};

}  // namespace wick::nn
