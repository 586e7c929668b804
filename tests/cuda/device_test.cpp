// Devices in a CUDA build (issue 5, "what bad input gets"): three different
// one-line messages for "not built with CUDA" (tests/core/device_test.cpp, in
// a CPU-only build), "built, but no GPU" (this machine) and "cuda:N with
// fewer GPUs" (a GPU machine); mixing devices names the op and both devices.
#include <gtest/gtest.h>

#include "backend/backend.h"
#include "core/expect_error.h"
#include "cuda/parity.h"
#include "wick/wick.h"

namespace {

using wick::Device;
using wick::DeviceType;

bool built_with_cuda() { return wick::backend::find(DeviceType::CUDA) != nullptr; }

TEST(CudaDevices, BuiltWithCudaButNoGpu) {
  if (!built_with_cuda()) GTEST_SKIP() << "this build has no CUDA backend";
  if (wick::cuda::is_available()) GTEST_SKIP() << "a GPU is present";
  EXPECT_EQ(wick::cuda::device_count(), 0);
  EXPECT_EQ(Device::cuda_if_available(), Device::cpu());
  for (const char* spec : {"cuda", "cuda:0", "cuda:7"}) {
    const std::string msg = wick::testing::error_message([&] { wick::zeros({2}, {.device = spec}); });
    EXPECT_NE(msg.find("built with CUDA, but no CUDA device is present"), std::string::npos) << msg;
    EXPECT_NE(msg.find(std::string("'") + spec + "'"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("not built with CUDA"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
  }
  EXPECT_WICK_ERROR(wick::ones({3}).cuda(), {"no CUDA device is present", "cuda_if_available"});
  EXPECT_WICK_ERROR(wick::randn({3}, {.device = Device::cuda(1)}), {"no CUDA device is present"});
  EXPECT_THROW(wick::zeros({2}, {.device = "cuda"}), wick::DeviceError);
  // The backend itself refuses an index, with a DeviceError rather than a crash.
  EXPECT_THROW(wick::backend::get(DeviceType::CUDA).allocate(16, 0), wick::DeviceError);
}

TEST(CudaDevices, IndexPastTheLastGpu) {
  if (!wick::cuda::is_available()) GTEST_SKIP() << "needs a GPU";
  const int n = wick::cuda::device_count();
  const std::string spec = "cuda:" + std::to_string(n);
  const std::string msg = wick::testing::error_message([&] { wick::zeros({2}, {.device = spec}); });
  EXPECT_NE(msg.find("only " + std::to_string(n) + " CUDA device(s) are present"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("no CUDA device is present"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(CudaDevices, MixingDevicesNamesOpAndBothDevices) {
  if (!wick::cuda::is_available()) GTEST_SKIP() << "needs a GPU";
  wick::Tensor a = wick::ones({2, 3}), b = wick::ones({2, 3}, {.device = "cuda"});
  EXPECT_WICK_ERROR(wick::add(a, b), {"add", "cpu", "cuda"});
  EXPECT_WICK_ERROR(wick::where(a.gt(0.0), a, b), {"where", "cpu", "cuda"});
  EXPECT_WICK_ERROR(a.index_select(0, wick::tensor({0}).to(wick::kInt64).cuda()), {"index_select", "cpu", "cuda"});
}

TEST(CudaDevices, TransfersRoundTripEveryDtype) {
  if (!wick::cuda::is_available()) GTEST_SKIP() << "needs a GPU";
  for (wick::DType dt : wick::cuda_parity::kAllDtypes) {
    wick::Tensor h = wick::cuda_parity::random_tensor({3, 5}, dt);
    wick::Tensor g = h.to("cuda");
    EXPECT_TRUE(g.is_cuda());
    EXPECT_TRUE(wick::equal(g.cpu(), h));
    EXPECT_TRUE(wick::equal(g.t().cpu(), h.t()));      // strided device tensor back to the host
    EXPECT_TRUE(wick::equal(g.to("cuda:0").cpu(), h));  // same device: no copy
    wick::Tensor host = wick::zeros({3, 5}, {.dtype = dt});
    host.copy_(g);
    EXPECT_TRUE(wick::equal(host, h));
  }
  EXPECT_EQ(wick::ones({1}, {.device = "cuda"}).item(), 1.0);
}

TEST(CudaDevices, OutOfRangeIndexIsReportedAtTheNextSync) {
  if (!wick::cuda::is_available()) GTEST_SKIP() << "needs a GPU";
  wick::Tensor a = wick::ones({4, 3}, {.device = "cuda"});
  wick::Tensor idx = wick::tensor({0, 9}).to(wick::kInt64).cuda();
  wick::Tensor out;
  // Queued without a host check (no synchronization per op) ...
  EXPECT_NO_THROW(out = a.index_select(0, idx));
  // ... reported, naming the op and the index, when the host next waits.
  EXPECT_WICK_ERROR(out.sum().item(), {"index_select", "index 9", "size 4"});
  // And the device stays usable.
  EXPECT_EQ(a.sum().item(), 12.0);
}

TEST(CudaDevices, Tf32SwitchIsOffByDefault) {
  EXPECT_FALSE(wick::cuda::allow_tf32());
  wick::cuda::set_allow_tf32(true);
  EXPECT_TRUE(wick::cuda::allow_tf32());
  wick::cuda::set_allow_tf32(false);
  EXPECT_FALSE(wick::cuda::allow_tf32());
}

TEST(CudaDevices, OutOfMemoryNamesBytesAndRecovers) {
  if (!wick::cuda::is_available()) GTEST_SKIP() << "needs a GPU";
  // 2^45 floats: far beyond any card.
  const std::string msg = wick::testing::error_message([] { wick::empty({int64_t{1} << 45}, {.device = "cuda"}); });
  EXPECT_NE(msg.find("out of memory"), std::string::npos) << msg;
  EXPECT_NE(msg.find("reserved"), std::string::npos) << msg;
  EXPECT_EQ(wick::ones({8}, {.device = "cuda"}).sum().item(), 8.0);
}

}  // namespace
