// The program tests/distributed/distributed_test.cpp starts under
// `mpirun -np 2` (and once alone, for the single-process reference).
//
//   wick_mpi_worker collectives          checks every collective's values on each rank
//   wick_mpi_worker abort                rank 1 calls distributed::abort(3), rank 0 waits
//   wick_mpi_worker train STEPS BATCH OUT.safetensors
//                                        trains the test MLP data-parallel, rank 0 saves it
//
// Exit code 0 when every check held; a failed check prints "rank R: ..." on
// stderr and exits 1 (through distributed::abort, so that mpirun ends the job).
#include <cmath>
#include <algorithm>
#include <cstdio>
#include <vector>
#include <string>

#include "wick/creation.h"
#include "wick/data/dataloader.h"
#include "wick/data/tensor_dataset.h"
#include "wick/distributed.h"
#include "wick/io/safetensors.h"
#include "wick/nn/activation.h"
#include "wick/nn/batchnorm.h"
#include "wick/nn/data_parallel.h"
#include "wick/nn/loss.h"
#include "wick/nn/linear.h"
#include "wick/nn/sequential.h"
#include "wick/optim/sgd.h"
#include "wick/random.h"

using namespace wick;
namespace dist = wick::distributed;

namespace {

template <typename... Args>
void expect(bool ok, const Args&... what) {
  if (ok) return;
  std::fprintf(stderr, "rank %d: %s\n", dist::rank(), wick::detail::concat(what...).c_str());
  dist::abort(1);
}

void expect_values(const Tensor& t, const std::vector<double>& want, const char* what) {
  const std::vector<double> got = t.to(kFloat64).to_vector<double>();
  expect(got.size() == want.size(), what, ": ", got.size(), " values, expected ", want.size());
  for (size_t i = 0; i < got.size(); ++i)
    expect(std::fabs(got[i] - want[i]) <= 1e-12 * std::max(1.0, std::fabs(want[i])), what, ": element ", i, " is ",
           got[i], ", expected ", want[i]);
}

int collectives() {
  const int r = dist::rank(), w = dist::world_size();
  expect(w == 2, "world_size() is ", w, ", expected 2 (run under mpirun -np 2)");
  expect(dist::is_main() == (r == 0), "is_main() disagrees with rank() ", r);
  expect(dist::launched_by_mpi() && dist::is_initialized(), "launched_by_mpi()/is_initialized() false under mpirun");
  const double x = r + 1;  // rank 0 holds 1, rank 1 holds 2
  for (DType dt : {kFloat32, kFloat64, kInt64}) {
    Tensor s = tensor({x, -x, 10 * x}, {.dtype = dt});
    dist::all_reduce(s, dist::ReduceOp::Sum);
    expect_values(s, {3, -3, 30}, "all_reduce Sum");
    Tensor a = tensor({x, 4 * x}, {.dtype = dt});
    dist::all_reduce(a, dist::ReduceOp::Average);
    // int64: (1 + 2) / 2 truncates to 1.
    expect_values(a, {dt == kInt64 ? 1.0 : 1.5, 6}, "all_reduce Average");
    Tensor m = tensor({x, -x}, {.dtype = dt});
    dist::all_reduce(m, dist::ReduceOp::Max);
    expect_values(m, {2, -1}, "all_reduce Max");
  }
  // Larger than one eager message: MPI's large-message path.
  Tensor big = full({1 << 20}, x);
  dist::all_reduce(big, dist::ReduceOp::Sum);
  expect(big.min().item() == 3 && big.max().item() == 3, "all_reduce of 2^20 floats: not all 3");
  for (int root : {0, 1}) {
    Tensor b = r == root ? arange(0, 6).reshape({2, 3}).to(kFloat32) : zeros({2, 3});
    dist::broadcast(b, root);
    expect_values(b.reshape({-1}), {0, 1, 2, 3, 4, 5}, "broadcast");
  }
  Tensor flags = tensor({r == 0, r == 0});  // bool: broadcast copies bytes of any dtype
  dist::broadcast(flags, 0);
  expect(flags.to(kInt64).sum().item() == 2, "broadcast of a bool tensor");
  dist::barrier();

  // DistributedDataParallel: rank 0's weights and buffers everywhere, then
  // averaged gradients; a parameter used on one rank only counts as zero on
  // the other.
  manual_seed(100 + r);  // different weights per rank before the wrapper
  nn::Sequential net(nn::Linear(3, 4), nn::BatchNorm1d(4), nn::Linear(4, 2));
  nn::DistributedDataParallel ddp(net);
  for (const Tensor& p : net.parameters()) {
    Tensor mx = p.detach().clone(), mn = p.detach().neg();
    dist::all_reduce(mx, dist::ReduceOp::Max);
    dist::all_reduce(mn, dist::ReduceOp::Max);
    expect(mx.sub(mn.neg()).abs().max().item() == 0, "parameters differ across ranks after construction");
  }
  Tensor out = ddp(full({5, 3}, x));
  Tensor loss = r == 0 ? out.sum() : out.sum() * 0.0 + net.parameters()[0].sum() * 0.0;
  loss.backward();
  Tensor last_bias = net.parameters().back();
  if (r == 1) last_bias.set_grad(Tensor());  // as if rank 1 never used it
  ddp.sync_gradients();
  expect(last_bias.grad().defined(), "sync_gradients left a parameter without a gradient");
  expect_values(last_bias.grad(), {2.5, 2.5}, "averaged gradient (rank 0: 5, rank 1: none)");
  // broadcast_state(): rank 0's values again after a rank changed its own.
  if (r == 1) net.parameters()[0].detach().fill_(42.0);
  ddp.broadcast_state();
  expect(net.parameters()[0].detach().eq(42.0).sum().item() == 0, "broadcast_state kept rank 1's own weights");
  Tensor rm = net.buffers()[0].clone();  // running_mean: rank 0's after the broadcast
  Tensor rm0 = rm.clone();
  dist::broadcast(rm0, 0);
  expect(rm.sub(rm0).abs().max().item() == 0, "buffers differ across ranks after sync_gradients");
  return 0;
}

// The equivalence test's model and data: deterministic from fixed seeds.
int train(int steps, int64_t batch, const std::string& out_path) {
  manual_seed(7);
  Tensor x = randn({256, 6});
  Tensor y = x.matmul(randn({6, 3})).argmax(1);
  nn::Sequential net(nn::Linear(6, 16), nn::Tanh(), nn::Linear(16, 3));
  nn::DistributedDataParallel ddp(net);
  optim::SGD opt(net.parameters(), {.lr = 0.2, .momentum = 0.9});
  data::TensorDataset set(x, y);
  data::DataLoader loader(set, {.batch_size = batch, .shuffle = true, .seed = 3, .rank = dist::rank(),
                                .world_size = dist::world_size()});
  int done = 0;
  while (done < steps) {
    for (auto [bx, by] : loader) {
      Tensor loss = nn::functional::cross_entropy(ddp(bx), by);
      opt.zero_grad();
      loss.backward();
      ddp.sync_gradients();
      opt.step();
      if (++done == steps) break;
    }
  }
  if (dist::is_main()) save(net.state_dict(), out_path);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    dist::init();
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "collectives") return collectives();
    // Rank 1 fails while rank 0 waits in a barrier: abort() must end both.
    if (mode == "abort") {
      if (dist::rank() == 1) dist::abort(3);
      dist::barrier();
      std::fprintf(stderr, "rank %d: passed the barrier although rank 1 aborted\n", dist::rank());
      return 0;
    }
    if (mode == "train" && argc == 5) return train(std::stoi(argv[2]), std::stoll(argv[3]), argv[4]);
    std::fprintf(stderr, "usage: %s collectives | abort | train STEPS BATCH OUT.safetensors\n", argv[0]);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rank %d: %s\n", dist::rank(), e.what());
    dist::abort(1);
  }
}
