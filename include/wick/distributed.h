#pragma once
// Data-parallel training over MPI, as torch.distributed with the "mpi" backend.
//
//   distributed::init();                    // once; MPI_Init_thread under mpirun
//   nn::DistributedDataParallel ddp(model); // rank 0's weights on every rank
//   data::DataLoader loader(train, {.batch_size = 64, .shuffle = true,
//                                   .rank = distributed::rank(),
//                                   .world_size = distributed::world_size()});
//   ... loss.backward(); ddp.sync_gradients(); opt.step(); ...
//
// Run with `mpirun -np 2 ./train`. Without mpirun, without init(), or in a
// build without MPI, this is a world of one process (rank 0, size 1) where
// every collective leaves the tensor as it is, so single-process code runs
// unchanged. See docs/DISTRIBUTED.md.
//
// Collectives are blocking and, as MPI requires, every rank must call the
// same ones in the same order with tensors of the same shape and dtype; a
// rank that skips one makes the others wait for ever (mpirun ends the job
// when a rank exits with an error: call abort() on error paths).
// They take contiguous CPU tensors. A CUDA tensor is refused: there is no
// NCCL and no CUDA-aware MPI here; stage it through host memory yourself
// (`Tensor h = t.cpu(); all_reduce(h); t.copy_(h);`, which is what
// nn::DistributedDataParallel does). MPI is initialized with
// MPI_THREAD_FUNNELED: call the collectives from the thread that called init().
#include <string>

#include "wick/tensor.h"

namespace wick::distributed {

enum class ReduceOp { Sum, Average, Max };

// True when this build has MPI (WICK_MPI=AUTO found it, or ON).
bool built_with_mpi();
// True when the process was started by mpirun / srun (OMPI_COMM_WORLD_SIZE or
// PMI_SIZE in the environment), whether or not init() has run.
bool launched_by_mpi();

// Initializes MPI once (MPI_Init_thread, MPI_THREAD_FUNNELED) when the
// process was launched by mpirun; MPI_Finalize runs at exit. Idempotent. In a
// build without MPI, throws when launched by mpirun with more than one
// process: N copies would each train alone on all the data.
void init();
bool is_initialized();

// This process's rank in [0, world_size()), and the number of processes.
// 0 and 1 before init() and without MPI.
int rank();
int world_size();
// rank() == 0: the process that prints, writes files and evaluates.
bool is_main();

// In place on every rank: `t` becomes the elementwise Sum / Average / Max of
// `t` over all ranks. float32, float64 or int64 (Average on int64 divides
// with truncation toward zero); contiguous; CPU.
void all_reduce(Tensor& t, ReduceOp op = ReduceOp::Sum);
// In place: every rank's `t` receives rank `root`'s values. Any dtype (a
// copy of bytes); contiguous; CPU; same shape on every rank.
void broadcast(Tensor& t, int root = 0);
// Returns when every rank has called it.
void barrier();
// Ends every process of the job with `exit_code` (MPI_Abort) when running
// with more than one process; otherwise std::exit(exit_code). For error
// paths: a rank that returned normally would leave the others blocked in a
// collective (and its MPI_Finalize at exit would wait for them).
[[noreturn]] void abort(int exit_code);

}  // namespace wick::distributed
