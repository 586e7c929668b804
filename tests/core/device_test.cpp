// Device: parsing "cpu", "cuda", "cuda:1", "mps"; the three distinct failures
// (not built with that backend, no such device, operands on different devices).
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "backend/backend.h"
#include "core/expect_error.h"
#include "wick/wick.h"

namespace {

using wick::Device;
using wick::DeviceType;
using wick::Tensor;

bool built_with_cuda() { return wick::backend::find(DeviceType::CUDA) != nullptr; }

TEST(DeviceParse, ValidStrings) {
  Device cpu("cpu");
  EXPECT_EQ(cpu.type(), DeviceType::CPU);
  EXPECT_TRUE(cpu.is_cpu());
  EXPECT_EQ(cpu.str(), "cpu");
  Device cuda("cuda");
  EXPECT_EQ(cuda.type(), DeviceType::CUDA);
  EXPECT_TRUE(cuda.is_cuda());
  EXPECT_EQ(cuda.index(), -1);  // "the current device"
  EXPECT_EQ(cuda.str(), "cuda");
  Device c1("cuda:1");
  EXPECT_EQ(c1.type(), DeviceType::CUDA);
  EXPECT_EQ(c1.index(), 1);
  EXPECT_EQ(c1.str(), "cuda:1");
  Device mps(std::string("mps"));
  EXPECT_EQ(mps.type(), DeviceType::MPS);
  EXPECT_EQ(mps.str(), "mps");
  EXPECT_EQ(Device("cuda:12").index(), 12);
}

TEST(DeviceParse, Equality) {
  EXPECT_EQ(Device("cuda"), Device("cuda:0"));  // the same device, as in PyTorch
  EXPECT_EQ(Device::cuda(), Device("cuda:0"));
  EXPECT_NE(Device("cuda:0"), Device("cuda:1"));
  EXPECT_NE(Device("cpu"), Device("cuda"));
  EXPECT_EQ(Device(), Device::cpu());
  EXPECT_EQ(Device::cpu(), Device("cpu"));
  EXPECT_EQ(Device::cuda(1).index(), 1);
  std::ostringstream os;
  os << Device("cuda:3");
  EXPECT_EQ(os.str(), "cuda:3");
}

TEST(DeviceParse, BadStringsNameTheString) {
  for (const char* bad : {"gpu", "CUDA ", "cuda:", "cuda:x", "cuda:-1", "", "cpu0", "tpu:0", "cuda:1:2"}) {
    std::string msg = wick::testing::error_message([&] { Device d(bad); });
    EXPECT_NE(msg.find(std::string("'") + bad + "'"), std::string::npos)
        << "message for \"" << bad << "\" does not quote it: " << msg;
  }
}

TEST(DeviceParse, ParsingDoesNotCheckAvailability) {
  // Naming a device is fine anywhere; only placing a tensor there may fail.
  EXPECT_NO_THROW(Device("cuda:7"));
  EXPECT_NO_THROW(Device("mps"));
}

TEST(DeviceAvailability, CpuOnlyBuildAnswers) {
  if (built_with_cuda()) GTEST_SKIP() << "this build has CUDA";
  EXPECT_FALSE(wick::cuda::is_available());
  EXPECT_EQ(wick::cuda::device_count(), 0);
  EXPECT_EQ(Device::cuda_if_available(), Device::cpu());
  EXPECT_NO_THROW(wick::check_device_available(Device::cpu()));
}

TEST(DeviceAvailability, NotBuiltWithCuda) {
  if (built_with_cuda()) GTEST_SKIP() << "this build has CUDA";
  EXPECT_WICK_ERROR(wick::zeros({2}, {.device = "cuda"}), {"not built with CUDA"});
  EXPECT_WICK_ERROR(wick::randn({2}, {.device = Device::cuda(1)}), {"not built with CUDA"});
  EXPECT_WICK_ERROR(wick::ones({3}).to("cuda"), {"not built with CUDA"});
  EXPECT_WICK_ERROR(wick::ones({3}).cuda(), {"not built with CUDA"});
  EXPECT_WICK_ERROR(wick::check_device_available(Device("cuda:0")), {"not built with CUDA"});
  // It is a DeviceError, a kind of wick::Error.
  EXPECT_THROW(wick::zeros({2}, {.device = "cuda"}), wick::DeviceError);
}

TEST(DeviceAvailability, MpsNeedsAppleSilicon) {
  EXPECT_WICK_ERROR(wick::zeros({2}, {.device = "mps"}), {"mps", "Apple Silicon"});
  EXPECT_WICK_ERROR(wick::ones({3}).to("mps"), {"Apple Silicon"});
  EXPECT_THROW(wick::check_device_available(Device("mps")), wick::DeviceError);
}

TEST(DeviceAvailability, MessagesAreDistinct) {
  if (built_with_cuda()) GTEST_SKIP() << "this build has CUDA";
  std::string cuda = wick::testing::error_message([] { wick::zeros({1}, {.device = "cuda"}); });
  std::string mps = wick::testing::error_message([] { wick::zeros({1}, {.device = "mps"}); });
  EXPECT_NE(cuda, mps);
  EXPECT_EQ(cuda.find("Apple"), std::string::npos) << cuda;
  EXPECT_EQ(mps.find("not built with CUDA"), std::string::npos) << mps;
}

TEST(DeviceAvailability, NoSuchCudaDevice) {
  if (!wick::cuda::is_available()) GTEST_SKIP() << "needs a CUDA build with a GPU";
  int n = wick::cuda::device_count();
  std::string spec = "cuda:" + std::to_string(n);
  EXPECT_WICK_ERROR(wick::zeros({2}, {.device = Device(spec)}), {"cuda:"});
}

TEST(DeviceAvailability, MixingDevicesNamesOpAndBoth) {
  if (!wick::cuda::is_available()) GTEST_SKIP() << "mixing devices needs a CUDA device";
  Tensor a = wick::ones({2, 3});
  Tensor b = wick::ones({2, 3}, {.device = "cuda"});
  EXPECT_WICK_ERROR(wick::add(a, b), {"add", "cpu", "cuda"});
  EXPECT_WICK_ERROR(wick::mm(a, b.t()), {"mm", "cpu", "cuda"});
  // copy_ is the exception: it crosses devices on purpose.
  Tensor host = wick::zeros({2, 3});
  host.copy_(b);
  EXPECT_EQ(host.to_vector<float>(), std::vector<float>(6, 1.f));
}

}  // namespace
