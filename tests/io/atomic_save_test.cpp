// Checkpoints survive a kill: a child process saves a large checkpoint over
// and over, alternating two contents, and is SIGKILLed at random moments.
// After every kill the file on disk must load and be exactly one of the two,
// and a later save must clean up the killed process's temporary file.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

#include "wick/creation.h"
#include "wick/io/safetensors.h"
#include "wick/npy.h"

namespace {

namespace fs = std::filesystem;
using wick::Metadata;
using wick::Tensor;
using wick::TensorDict;

// 32 MiB in three tensors, so a kill can land between tensors, inside one,
// in the fsync, or around the rename.
TensorDict big_dict(float base) {
  TensorDict d;
  const int64_t sizes[] = {4 << 20, 3 << 20, 1 << 20};
  for (int k = 0; k < 3; ++k) {
    Tensor t = wick::empty({sizes[k]});
    auto* p = static_cast<float*>(t.raw_data());
    for (int64_t i = 0; i < sizes[k]; ++i) p[i] = base + static_cast<float>(i % 1000003) + 0.25f * k;
    d.insert("t" + std::to_string(k), t);
  }
  return d;
}

bool same_bytes(const TensorDict& a, const TensorDict& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, t] : a) {
    if (!b.contains(name)) return false;
    const Tensor& u = b.at(name);
    if (t.sizes() != u.sizes() || t.dtype() != u.dtype()) return false;
    if (std::memcmp(t.raw_data(), u.raw_data(), t.numel() * wick::element_size(t.dtype())) != 0) return false;
  }
  return true;
}

std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// The kill test is about process death, which the page cache survives, so
// fsync adds nothing to it but seconds: on tmpfs (/dev/shm, when it has room)
// fsync is free and 32 kills take a few seconds; elsewhere the test still
// runs, slower.
fs::path scratch_root(bool big) {
  struct statvfs st {};
  if (big && ::statvfs("/dev/shm", &st) == 0 && ::access("/dev/shm", W_OK) == 0 &&
      static_cast<double>(st.f_bavail) * st.f_frsize > 512.0 * (1 << 20))
    return "/dev/shm";
  return fs::temp_directory_path();
}

struct Scratch {
  fs::path dir;
  explicit Scratch(bool big = false)
      : dir(scratch_root(big) / ("wick_atomic_save_" + std::to_string(::getpid()))) {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~Scratch() { fs::remove_all(dir); }
};

TEST(AtomicSave, SigkillDuringSaveLeavesTheOldOrTheNewCheckpoint) {
  Scratch s(/*big=*/true);
  const std::string target = (s.dir / "model.safetensors").string();
  const TensorDict a = big_dict(0), b = big_dict(0.5f);
  const Metadata meta_a{{"v", "a"}}, meta_b{{"v", "b"}};
  auto t0 = std::chrono::steady_clock::now();
  wick::save(a, target, meta_a);
  // Kill moments spread over about two saves, so some land mid-write and
  // some after a rename.
  const double save_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::mt19937 rng(12345);
  std::uniform_real_distribution<double> when(0, 1.8 * save_ms);

  const int kIterations = 32;
  int saw_a = 0, saw_b = 0, killed_mid_write = 0;
  std::string expect_prev = "a";
  std::vector<std::string> killed;
  for (int it = 0; it < kIterations; ++it) {
    // The child reports each completed save on this pipe. On odd iterations
    // the parent waits for one report before its random delay, so completed
    // saves are seen however slow saving is here (ASan, a loaded CI box):
    // a window based on the parent's own first save alone can be shorter
    // than every save of a freshly forked child.
    int done_pipe[2];
    ASSERT_EQ(::pipe(done_pipe), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // The child saves forever; only the kill ends it. It starts with the
      // content that is not on disk now, so every save changes the file.
      ::close(done_pipe[0]);
      bool next_b = expect_prev == "a";
      try {
        for (;;) {
          wick::save(next_b ? b : a, target, next_b ? meta_b : meta_a);
          next_b = !next_b;
          const char one = 1;
          if (::write(done_pipe[1], &one, 1) != 1) ::_exit(4);
        }
      } catch (...) {
        ::_exit(3);
      }
    }
    ::close(done_pipe[1]);
    if (it % 2 == 1) {
      char one = 0;
      ASSERT_EQ(::read(done_pipe[0], &one, 1), 1) << "the saving child died before finishing a save";
    }
    std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(when(rng)));
    const bool temp_present = fs::exists(target + ".tmp." + std::to_string(pid));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ::close(done_pipe[0]);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the saving child failed on its own";
    killed_mid_write += temp_present;

    TensorDict back;
    ASSERT_NO_THROW(back = wick::load(target)) << "iteration " << it;
    const std::string v = wick::load_metadata(target).at("v");
    if (v == "a") {
      ASSERT_TRUE(same_bytes(back, a)) << "iteration " << it << ": metadata says a, data differs";
      ++saw_a;
    } else {
      ASSERT_EQ(v, "b");
      ASSERT_TRUE(same_bytes(back, b)) << "iteration " << it << ": metadata says b, data differs";
      ++saw_b;
    }
    expect_prev = v;
    // Only the checkpoint and temporary files of killed children (a child
    // killed before its first save began had no chance to remove them).
    killed.push_back("model.safetensors.tmp." + std::to_string(pid));
    for (const std::string& name : listing(s.dir))
      ASSERT_TRUE(name == "model.safetensors" || std::find(killed.begin(), killed.end(), name) != killed.end()) << name;
  }
  // The test exercised both outcomes: kills that left the old file while a
  // temporary was being written, and saves that completed.
  EXPECT_GT(killed_mid_write, 0);
  EXPECT_GT(saw_a + saw_b, 0);
  EXPECT_GT(std::min(saw_a, saw_b), 0) << "no save ever completed between kills";
  // A save from this process removes the dead children's temporary file.
  wick::save(a, target, meta_a);
  EXPECT_EQ(listing(s.dir), std::vector<std::string>{"model.safetensors"});
}

// Two threads of one process saving the same path shared one temporary name:
// one save failed ("cannot rename ... into place") and some files ended
// corrupt. Saves of one path now take turns: both succeed, and the file is
// one of the two, whole.
TEST(AtomicSave, TwoThreadsSavingOnePathBothSucceed) {
  Scratch s(/*big=*/true);
  const std::string target = (s.dir / "model.safetensors").string();
  const TensorDict a = big_dict(1.0f), b = big_dict(2.0f);
  for (int round = 0; round < 6; ++round) {
    std::string errors[2];
    auto save_one = [&](int k) {
      try {
        wick::save(k ? b : a, target);
      } catch (const std::exception& e) {
        errors[k] = e.what();
      }
    };
    std::thread t0(save_one, 0), t1(save_one, 1);
    t0.join();
    t1.join();
    EXPECT_EQ(errors[0], "") << round;
    EXPECT_EQ(errors[1], "") << round;
    const TensorDict back = wick::load(target);
    EXPECT_TRUE(same_bytes(back, a) || same_bytes(back, b)) << round;
    EXPECT_EQ(listing(s.dir), (std::vector<std::string>{"model.safetensors"})) << round;
  }
}

TEST(AtomicSave, StaleTempOfADeadProcessIsRemovedALiveOneIsKept) {
  Scratch s;
  const std::string target = (s.dir / "w.npy").string();
  // A dead pid: a child that has exited and been reaped.
  const pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ASSERT_EQ(::waitpid(dead, nullptr, 0), dead);
  const std::string stale = target + ".tmp." + std::to_string(dead);
  const std::string live = target + ".tmp.1";  // pid 1 always exists
  const std::string other = (s.dir / "x.npy.tmp.").string() + std::to_string(dead);  // another file's
  for (const std::string& p : {stale, live, other}) std::fclose(std::fopen(p.c_str(), "wb"));
  wick::save_npy(wick::ones({3}), target);
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(other));
  EXPECT_EQ(wick::load_npy(target).numel(), 3);
}

TEST(AtomicSave, NpyFailedWriteKeepsTheOldFile) {
  Scratch s;
  const std::string target = (s.dir / "w.npy").string();
  wick::save_npy(wick::ones({4}), target);
  fs::create_directories(target + ".tmp." + std::to_string(::getpid()));  // the temp name is taken by a folder
  EXPECT_THROW(wick::save_npy(wick::zeros({4}), target), wick::FormatError);
  EXPECT_EQ(wick::load_npy(target).sum().item(), 4.0);
}

}  // namespace
