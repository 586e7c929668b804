#include "wick/threads.h"

#include <thread>

#include "backend/cpu/thread_pool.h"
#include "wick/error.h"

namespace wick {

void set_num_threads(int n) {
  WICK_CHECK(n >= 1, "set_num_threads: need at least 1 thread, got ", n);
  WICK_CHECK(n <= max_num_threads(), "set_num_threads: ", n, " threads asked; this machine has ",
             std::thread::hardware_concurrency(), " hardware threads and wick takes at most ", max_num_threads(),
             " (4 per hardware thread); more only wait for each other");
  backend::cpu::set_num_threads(n);
}

int max_num_threads() { return backend::cpu::max_threads(); }

int get_num_threads() { return backend::cpu::num_threads(); }

}  // namespace wick
