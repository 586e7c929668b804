#pragma once
// The CPU backend's own thread pool, in place of OpenMP's parallel regions.
//
// Why not OpenMP: libgomp's idle workers busy-wait, and on a 2-core machine
// that is shared (or when OpenBLAS's threads also run) a parallel op then
// waits for a descheduled spinner: a 1M-element add took 20 ms instead of
// 0.5 ms under load. Here a worker spins only briefly (back-to-back ops of a
// training step find it awake), then sleeps on a condition variable; the
// caller always runs one share itself; and a second caller while the pool is
// busy (another thread's inference) simply runs its op inline.
#include <cstdint>
#include <functional>

namespace wick::backend::cpu {

// Threads an op may use, the calling thread included (>= 1). Initially
// WICK_NUM_THREADS, else OMP_NUM_THREADS, else the number of cores.
int num_threads();
void set_num_threads(int n);
// The most threads the pool takes: 4 per hardware thread (at least 4), never
// over 1024. More only wait for each other, and a stray large number (a typo,
// an OMP_NUM_THREADS meant for another program) would start that many threads.
int max_threads();
// True inside a pool task: nested parallel_for calls run inline.
bool in_parallel_region();

// Runs task(i) for i in [0, chunks), chunks <= num_threads(), spread over the
// pool; returns when all are done. Runs them inline when the pool is busy.
void run_chunks(int chunks, const std::function<void(int)>& task);

}  // namespace wick::backend::cpu
