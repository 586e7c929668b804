#pragma once
// Progress output for `wick train`: a live bar per epoch on a terminal
// (samples/s, ETA, running loss and accuracy), one plain line per epoch when
// stdout is a pipe or a CI log.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace wick::cli {

class Progress {
 public:
  // interactive: redraw in place; otherwise print only finish() lines.
  explicit Progress(bool interactive, std::FILE* out = stdout) : interactive_(interactive), out_(out) {}
  static bool stdout_is_terminal();

  void start_epoch(int epoch, int epochs, int64_t total_samples);
  // After each step: samples done so far this epoch and running averages.
  void update(int64_t samples_done, double running_loss, double running_metric, const char* metric_name);
  // Ends the epoch's bar (or prints its one line) with the test results.
  void finish_epoch(const std::string& summary);

 private:
  bool interactive_;
  std::FILE* out_;
  int epoch_ = 0, epochs_ = 0;
  int64_t total_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// Ctrl-C (or SIGTERM): the first signal asks training to stop after the
// current step (the run still writes last.safetensors); a second one exits at
// once.
void install_interrupt_handler();
bool interrupt_requested();
// 128 + the signal: 130 for Ctrl-C, 143 for SIGTERM.
int interrupt_exit_code();

}  // namespace wick::cli
