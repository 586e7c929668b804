#include "core/member_copy.h"

#include <vector>

#include "wick/tensor.h"

namespace wick::detail {

thread_local int g_pending_member_copies = 0;

namespace {
struct Pending {
  const void* dest;
  std::shared_ptr<TensorImpl> clone;
};
thread_local std::vector<Pending> t_pending;
}  // namespace

void push_member_copy(const void* dest, std::shared_ptr<TensorImpl> clone) {
  // A stale entry for the same address (a copy constructor that skipped the
  // member) must not leak into an unrelated later copy.
  for (auto& p : t_pending)
    if (p.dest == dest) {
      p.clone = std::move(clone);
      return;
    }
  t_pending.push_back({dest, std::move(clone)});
  g_pending_member_copies = static_cast<int>(t_pending.size());
}

void adopt_member_copy(const void* dest, std::shared_ptr<TensorImpl>& impl) {
  for (size_t i = 0; i < t_pending.size(); ++i) {
    if (t_pending[i].dest != dest) continue;
    impl = std::move(t_pending[i].clone);
    t_pending.erase(t_pending.begin() + static_cast<std::ptrdiff_t>(i));
    g_pending_member_copies = static_cast<int>(t_pending.size());
    return;
  }
}

}  // namespace wick::detail
