#include "wick/threads.h"

#include "backend/cpu/thread_pool.h"
#include "wick/error.h"

namespace wick {

void set_num_threads(int n) {
  WICK_CHECK(n >= 1, "set_num_threads: need at least 1 thread, got ", n);
  backend::cpu::set_num_threads(n);
}

int get_num_threads() { return backend::cpu::num_threads(); }

}  // namespace wick
