// wick::distributed: argument checks, the world of one process, and the
// hand-off to the transport (comm.h).
#include "wick/distributed.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "core/core.h"
#include "distributed/comm.h"

namespace wick::distributed {

namespace {

std::mutex g_init_mutex;
bool g_initialized = false;
// Atomic: set once by init(), read from any thread (a loader's worker).
std::atomic<int> g_rank{0};
std::atomic<int> g_size{1};
std::thread::id g_mpi_thread;

// The process count mpirun / srun announced, or 0 when not launched by one.
int launched_size() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    if (const char* v = std::getenv(var)) {
      char* end = nullptr;
      const long n = std::strtol(v, &end, 10);
      if (end != v && n > 0) return static_cast<int>(n);
    }
  }
  return 0;
}

// MPI_THREAD_FUNNELED: only the thread that initialized MPI may call it.
void check_thread(const char* op) {
  WICK_CHECK(std::this_thread::get_id() == g_mpi_thread, "distributed::", op,
             ": called from a thread other than the one that called distributed::init(); MPI is initialized ",
             "with MPI_THREAD_FUNNELED, so run the collectives on that thread");
}

void check_tensor(const char* op, const Tensor& t) {
  WICK_CHECK(t.defined(), "distributed::", op, ": the tensor is undefined; pass a tensor with values");
  WICK_CHECK(t.is_cpu(), "distributed::", op, ": got ", t.describe(), "; collectives take CPU tensors (wick has ",
             "no NCCL and does not use CUDA-aware MPI): stage it through the host, Tensor h = t.cpu(); ", op,
             "(h, ...); t.copy_(h);");
  WICK_CHECK(t.is_contiguous(), "distributed::", op, ": got a non-contiguous ", t.describe(), " (strides ",
             shape_str(t.strides()), "); pass a contiguous tensor: Tensor c = t.contiguous(); ", op,
             "(c, ...); t.copy_(c);");
}

template <typename T>
void divide(T* p, int64_t n, int64_t by) {
  for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(p[i] / static_cast<T>(by));
}

}  // namespace

bool built_with_mpi() { return detail::comm_built_with_mpi(); }

bool launched_by_mpi() { return launched_size() > 0; }

void init() {
  std::lock_guard<std::mutex> lock(g_init_mutex);
  const int launched = launched_size();
  // Checked on every call, also after a first one, so that each caller hears it.
  WICK_CHECK(launched <= 1 || built_with_mpi(), "distributed::init: this process is one of ", launched,
             " started by mpirun, but wick was built without MPI, so each would train alone on all the data; ",
             "install libopenmpi-dev (scripts/setup.sh) and rebuild (cmake -DWICK_MPI=ON), or run without mpirun");
  if (g_initialized) return;
  // Not launched by mpirun: a world of one, without starting MPI (a
  // singleton MPI_Init would spawn OpenMPI's runtime for nothing).
  if (launched > 0 && built_with_mpi()) {
    detail::comm_init();
    g_rank = detail::comm_rank();
    g_size = detail::comm_size();
  }
  g_mpi_thread = std::this_thread::get_id();
  g_initialized = true;
}

bool is_initialized() {
  std::lock_guard<std::mutex> lock(g_init_mutex);
  return g_initialized;
}

int rank() { return g_rank; }
int world_size() { return g_size; }
bool is_main() { return g_rank == 0; }

void all_reduce(Tensor& t, ReduceOp op) {
  check_tensor("all_reduce", t);
  const DType dt = t.dtype();
  WICK_CHECK(dt == kFloat32 || dt == kFloat64 || dt == kInt64, "distributed::all_reduce: got ", t.describe(),
             "; it reduces float32, float64 and int64 tensors: convert first (Tensor f = t.to(kFloat32); ",
             "all_reduce(f); t.copy_(f);)");
  WICK_CHECK(op == ReduceOp::Sum || op == ReduceOp::Average || op == ReduceOp::Max,
             "distributed::all_reduce: unknown ReduceOp ", static_cast<int>(op), "; use Sum, Average or Max");
  if (g_size == 1 || t.numel() == 0) return;  // over one process every op is the identity
  check_thread("all_reduce");
  detail::comm_all_reduce(t.raw_data(), t.numel(), dt, op);
  if (op == ReduceOp::Average) {
    if (dt == kFloat32) divide(t.data_ptr<float>(), t.numel(), g_size.load());
    else if (dt == kFloat64) divide(t.data_ptr<double>(), t.numel(), g_size.load());
    else divide(t.data_ptr<int64_t>(), t.numel(), g_size.load());
  }
  core::bump_version(t);
}

void broadcast(Tensor& t, int root) {
  check_tensor("broadcast", t);
  WICK_CHECK(root >= 0 && root < g_size, "distributed::broadcast: root ", root, " is not a rank of this world of ",
             g_size.load(), " process", g_size == 1 ? "" : "es", "; pass 0..", g_size - 1);
  if (g_size == 1 || t.numel() == 0) return;
  check_thread("broadcast");
  detail::comm_broadcast(t.raw_data(), t.numel() * static_cast<int64_t>(element_size(t.dtype())), root);
  core::bump_version(t);
}

void barrier() {
  if (g_size == 1) return;
  check_thread("barrier");
  detail::comm_barrier();
}

void abort(int exit_code) {
  std::fflush(stdout);
  std::fflush(stderr);
  if (g_size > 1) detail::comm_abort(exit_code);
  std::exit(exit_code);
}

}  // namespace wick::distributed
