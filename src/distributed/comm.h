#pragma once
// distributed/: the transport under wick::distributed. distributed.cpp checks
// the tensors (dtype, device, contiguity) and hands raw buffers to one of two
// implementations of this interface, chosen when the library is built:
// mpi_comm.cpp (MPI) or local_comm.cpp (a world of one process, no MPI).
// Uses core only.
#include <cstdint>

#include "wick/distributed.h"
#include "wick/dtype.h"

namespace wick::distributed::detail {

bool comm_built_with_mpi();
// Called once, by init(), when the process was launched by mpirun.
void comm_init();
bool comm_initialized();
int comm_rank();
int comm_size();
// In place over `count` elements of `dtype` (float32, float64 or int64).
// Average arrives here as Sum; distributed.cpp divides.
void comm_all_reduce(void* data, int64_t count, DType dtype, ReduceOp op);
void comm_broadcast(void* data, int64_t bytes, int root);
void comm_barrier();
[[noreturn]] void comm_abort(int exit_code);

}  // namespace wick::distributed::detail
