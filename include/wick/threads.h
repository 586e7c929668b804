#pragma once
// Threads used by CPU ops, as torch.set_num_threads: the one knob for the
// CPU backend's pool, which also runs the matrix products (large ones are
// split into one single-threaded OpenBLAS call per thread; OpenBLAS's own
// threads stay off). Defaults to WICK_NUM_THREADS, else OMP_NUM_THREADS, else
// the number of cores. Small ops always run on the calling thread.
namespace wick {
void set_num_threads(int n);  // 1 <= n <= max_num_threads(), else wick::Error
int get_num_threads();
// 4 per hardware thread (at least 4), never over 1024: more threads than that
// only wait for each other.
int max_num_threads();
}  // namespace wick
