// The MPI transport: MPI_COMM_WORLD, blocking collectives.
//
// MPI's default error handler (MPI_ERRORS_ARE_FATAL) stays: a failed
// collective leaves the ranks out of step, which no caller could recover
// from, so the job ends with MPI's own message.
// The C API only: mpi.h included from C++ otherwise drags in the deprecated
// C++ bindings, which need libmpi_cxx at link time.
// (CMake's MPI_CXX_SKIP_MPICXX defines these too.)
#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1
#endif
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

#include "distributed/comm.h"
#include "wick/error.h"

namespace wick::distributed::detail {

namespace {

void finalize_at_exit() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

MPI_Datatype mpi_type(DType dtype) {
  switch (dtype) {
    case DType::Float32: return MPI_FLOAT;
    case DType::Float64: return MPI_DOUBLE;
    case DType::Int64: return MPI_INT64_T;
    default: break;
  }
  throw Error("distributed: internal error: no MPI type for " + std::string(dtype_name(dtype)));
}

// MPI counts are int: larger buffers go in pieces of at most 2^30 elements.
constexpr int64_t kChunk = int64_t{1} << 30;

}  // namespace

bool comm_built_with_mpi() { return true; }

void comm_init() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized) return;  // the program initialized MPI itself and finalizes it
  int provided = 0;
  // FUNNELED: wick's pool threads never call MPI; only the thread that
  // called init() does (distributed.cpp checks it).
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  // Only when we initialized: a program that called MPI_Init finalizes too.
  std::atexit(finalize_at_exit);
  WICK_CHECK(provided >= MPI_THREAD_FUNNELED, "distributed::init: the MPI library offers thread level ", provided,
             ", below MPI_THREAD_FUNNELED; wick's CPU threads need at least that (rebuild OpenMPI with threads)");
}

bool comm_initialized() {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  return initialized && !finalized;
}

int comm_rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

int comm_size() {
  int n = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}

void comm_all_reduce(void* data, int64_t count, DType dtype, ReduceOp op) {
  const MPI_Op mop = op == ReduceOp::Max ? MPI_MAX : MPI_SUM;
  const MPI_Datatype type = mpi_type(dtype);
  char* p = static_cast<char*>(data);
  for (int64_t done = 0; done < count;) {
    const int64_t n = std::min(kChunk, count - done);
    MPI_Allreduce(MPI_IN_PLACE, p + done * static_cast<int64_t>(element_size(dtype)), static_cast<int>(n), type, mop,
                  MPI_COMM_WORLD);
    done += n;
  }
}

void comm_broadcast(void* data, int64_t bytes, int root) {
  char* p = static_cast<char*>(data);
  for (int64_t done = 0; done < bytes;) {
    const int64_t n = std::min(kChunk, bytes - done);
    MPI_Bcast(p + done, static_cast<int>(n), MPI_BYTE, root, MPI_COMM_WORLD);
    done += n;
  }
}

void comm_barrier() { MPI_Barrier(MPI_COMM_WORLD); }

void comm_abort(int exit_code) {
  if (comm_initialized() && comm_size() > 1) MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::exit(exit_code);
}

}  // namespace wick::distributed::detail
