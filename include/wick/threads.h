#pragma once
// Threads used by CPU ops, as torch.set_num_threads. Defaults to
// WICK_NUM_THREADS, else OMP_NUM_THREADS, else the number of cores. Small ops
// always run on the calling thread; OpenBLAS is kept to the same count.
namespace wick {
void set_num_threads(int n);
int get_num_threads();
}  // namespace wick
