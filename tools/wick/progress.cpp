#include "progress.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>

namespace wick::cli {

bool Progress::stdout_is_terminal() { return isatty(STDOUT_FILENO) == 1 && std::getenv("CI") == nullptr; }

void Progress::start_epoch(int epoch, int epochs, int64_t total_samples) {
  epoch_ = epoch;
  epochs_ = epochs;
  total_ = total_samples;
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

void Progress::update(int64_t done, double loss, double metric, const char* metric_name) {
  if (!interactive_) return;
  auto now = std::chrono::steady_clock::now();
  // Redrawing costs a write(2): at most ~15 times a second, and always at the end.
  if (done < total_ && now - last_draw_ < std::chrono::milliseconds(66)) return;
  last_draw_ = now;
  double secs = std::chrono::duration<double>(now - start_).count();
  double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
  double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0;
  const int width = 30;
  int filled = total_ > 0 ? static_cast<int>(width * done / total_) : width;
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(width - filled), '.');
  std::fprintf(out_, "\r\033[Kepoch %d/%d [%s] %lld/%lld  %.0f samples/s  ETA %.1fs  loss %.4f  %s %.4f", epoch_,
               epochs_, bar.c_str(), static_cast<long long>(done), static_cast<long long>(total_), rate, eta, loss,
               metric_name, metric);
  std::fflush(out_);
}

void Progress::finish_epoch(const std::string& summary) {
  if (interactive_) std::fprintf(out_, "\r\033[K");
  std::fprintf(out_, "epoch %d/%d  %s\n", epoch_, epochs_, summary.c_str());
  std::fflush(out_);
}

namespace {
// The signal that asked to stop (0: none yet).
std::atomic<int> g_signal{0};
void on_signal(int sig) {
  int none = 0;
  if (!g_signal.compare_exchange_strong(none, sig)) std::_Exit(128 + sig);
}
}  // namespace

// SIGTERM (kill, a scheduler's timeout) stops the same way as Ctrl-C, so the
// run folder is left consistent ("interrupted", no half-written file).
void install_interrupt_handler() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}
bool interrupt_requested() { return g_signal.load(std::memory_order_relaxed) != 0; }
int interrupt_exit_code() { return 128 + g_signal.load(); }

}  // namespace wick::cli
