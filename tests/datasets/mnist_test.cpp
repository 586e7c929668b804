// MNIST / Fashion-MNIST / read_idx on generated IDX files (plain and .gz),
// every rejection with its message, and the real MNIST when fetched.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <cmath>
#include <numeric>

#include "datasets/data_test_util.h"
#include "wick/data/data.h"
#include "wick/wick.h"

using namespace wick;
using namespace wick::testing;

namespace {

const std::vector<uint8_t> kLabels = {5, 0, 4, 1, 9, 2, 1, 3};
const std::vector<uint8_t> kTestLabels = {7, 2, 1};

void check_set(const data::MNIST& ds, const std::vector<uint8_t>& labels) {
  const auto n = static_cast<int64_t>(labels.size());
  ASSERT_EQ(ds.size(), n);
  Tensor x = ds.images();
  EXPECT_EQ(x.dtype(), kFloat32);
  EXPECT_EQ(x.sizes(), (Shape{n, 1, 28, 28}));
  EXPECT_EQ(ds.targets().dtype(), kInt64);
  EXPECT_EQ(ds.targets().sizes(), (Shape{n}));
  std::vector<int64_t> t = ds.targets().to_vector<int64_t>();
  for (int64_t i = 0; i < n; ++i) EXPECT_EQ(t[i], labels[i]);
  std::vector<float> px = x.to_vector<float>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t y : {0, 13, 27})
      for (int64_t c : {0, 7, 27})
        EXPECT_EQ(px[(i * 28 + y) * 28 + c], static_cast<float>(pixel(i, y, c)) / 255.0f) << i << " " << y << " " << c;
}

}  // namespace

TEST(DataMNIST, ReadsPlainIdx) {
  ScratchDir dir;
  write_mnist(dir.str(), "train", kLabels);
  write_mnist(dir.str(), "t10k", kTestLabels);
  data::MNIST train(dir.str(), data::Split::Train);
  data::MNIST test(dir.str(), data::Split::Test);
  check_set(train, kLabels);
  check_set(test, kTestLabels);
  EXPECT_EQ(train.classes().size(), 10u);
  EXPECT_EQ(train.num_classes(), 10);
}

TEST(DataMNIST, ReadsGzippedIdx) {
  ScratchDir dir;
  write_mnist(dir.str(), "train", kLabels, 28, 28, /*gz=*/true);
  ASSERT_TRUE(fs::exists(dir / "train-images-idx3-ubyte.gz"));
  ASSERT_FALSE(fs::exists(dir / "train-images-idx3-ubyte"));
  data::MNIST train(dir.str(), data::Split::Train);
  check_set(train, kLabels);
}

TEST(DataMNIST, FindsTorchvisionRawLayout) {
  ScratchDir dir;
  fs::create_directories(dir / "MNIST/raw");
  write_mnist(dir / "MNIST/raw", "t10k", kTestLabels);
  data::MNIST test(dir.str(), data::Split::Test);
  check_set(test, kTestLabels);
}

TEST(DataMNIST, SeedProgramCalls) {
  ScratchDir dir;
  write_mnist(dir.str(), "train", kLabels);
  data::MNIST train(dir.str(), data::Split::Train);
  Tensor images = train.images();
  Tensor targets = train.targets();
  EXPECT_EQ(images.sizes(), (Shape{8, 1, 28, 28}));
  EXPECT_EQ(targets.dtype(), kInt64);
  EXPECT_GE(images.min().item(), 0.0);
  EXPECT_LE(images.max().item(), 1.0);
}

TEST(DataMNIST, KeepUint8ConvertsPerBatch) {
  ScratchDir dir;
  write_mnist(dir.str(), "train", kLabels);
  data::MNIST f(dir.str(), data::Split::Train);
  data::MNIST u(dir.str(), data::Split::Train, {.keep_uint8 = true});
  EXPECT_EQ(u.uint8_images().dtype(), kUInt8);
  EXPECT_EQ(u.uint8_images().sizes(), (Shape{8, 1, 28, 28}));
  EXPECT_EQ(u.uint8_images().to_vector<uint8_t>()[3 * 784 + 5 * 28 + 6], pixel(3, 5, 6));
  std::vector<int64_t> idx = {6, 1, 1, 3};
  data::Batch a = f.get_batch(idx), b = u.get_batch(idx);
  EXPECT_EQ(b.inputs.dtype(), kFloat32);
  EXPECT_EQ(b.inputs.sizes(), (Shape{4, 1, 28, 28}));
  EXPECT_EQ(a.inputs.to_vector<float>(), b.inputs.to_vector<float>());
  EXPECT_EQ(a.targets.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 0, 1}));
  EXPECT_EQ(b.targets.to_vector<int64_t>(), a.targets.to_vector<int64_t>());
  EXPECT_EQ(u.images().to_vector<float>(), f.images().to_vector<float>());
  EXPECT_TRUE(message_has(error_message([&] { f.uint8_images(); }), {"keep_uint8"}));
}

// mean/std: batches normalized while gathered, (x / 255 - mean) / std, checked
// in double against the stored pixels; the float32 set loaded with the same
// options holds the same floats, so its batches and images() agree bit for bit.
TEST(DataMNIST, MeanStdNormalizeBatchesAndImages) {
  ScratchDir dir;
  write_mnist(dir.str(), "train", kLabels);
  data::MNIST u(dir.str(), data::Split::Train, {.keep_uint8 = true, .mean = 0.1307, .std = 0.3081});
  std::vector<int64_t> idx = {7, 2, 2, 0, 5};
  const std::vector<float> x = u.get_batch(idx).inputs.to_vector<float>();
  const std::vector<uint8_t> raw = u.uint8_images().to_vector<uint8_t>();
  ASSERT_EQ(x.size(), idx.size() * 784);
  for (size_t k = 0; k < idx.size(); ++k)
    for (size_t j = 0; j < 784; ++j) {
      const double want = (raw[static_cast<size_t>(idx[k]) * 784 + j] / 255.0 - 0.1307) / 0.3081;
      ASSERT_NEAR(x[k * 784 + j], want, 1e-6 * (1 + std::abs(want))) << k << " " << j;
    }
  data::MNIST f(dir.str(), data::Split::Train, {.mean = 0.1307, .std = 0.3081});
  EXPECT_EQ(f.get_batch(idx).inputs.to_vector<float>(), x);
  EXPECT_EQ(f.images().to_vector<float>(), u.images().to_vector<float>());
  EXPECT_NE(f.images().to_vector<float>(), data::MNIST(dir.str()).images().to_vector<float>());
  EXPECT_TRUE(message_has(
      error_message([&] { data::MNIST(dir.str(), data::Split::Train, {.keep_uint8 = true, .std = 0}); }),
      {"std", "positive"}));
}

TEST(DataMNIST, GetOneExample) {
  ScratchDir dir;
  write_mnist(dir.str(), "train", kLabels);
  data::MNIST train(dir.str(), data::Split::Train);
  data::Example e = train.get(4);
  EXPECT_EQ(e.input.sizes(), (Shape{1, 28, 28}));
  EXPECT_EQ(e.target.dtype(), kInt64);
  EXPECT_EQ(e.target.dim(), 0);
  EXPECT_EQ(e.target.item<int64_t>(), 9);
  EXPECT_TRUE(message_has(error_message([&] { train.get(8); }), {"MNIST::get", "8", "out of range"}));
  EXPECT_TRUE(message_has(error_message([&] { train.get_batch({0, -1}); }), {"MNIST::get_batch", "-1"}));
}

TEST(DataMNIST, FashionClassNames) {
  ScratchDir dir;
  write_mnist(dir.str(), "t10k", kTestLabels, 28, 28, true);
  data::FashionMNIST test(dir.str(), data::Split::Test);
  std::vector<std::string> c = test.classes();
  ASSERT_EQ(c.size(), 10u);
  EXPECT_EQ(c[0], "T-shirt/top");
  EXPECT_EQ(c[1], "Trouser");
  EXPECT_EQ(c[9], "Ankle boot");
  EXPECT_EQ(test.targets().dtype(), kInt64);
  check_set(test, kTestLabels);
}

TEST(DataMNIST, MissingFolderAndFiles) {
  ScratchDir dir;
  std::string msg = error_message([&] { data::MNIST(dir / "nope", data::Split::Train); });
  EXPECT_TRUE(message_has(msg, {"MNIST", "nope", "does not exist", "wick data fetch mnist"}));
  msg = error_message([&] { data::MNIST(dir.str(), data::Split::Test); });
  EXPECT_TRUE(message_has(msg, {"t10k-images-idx3-ubyte", "not found", "fetch"}));
  msg = error_message([&] { data::FashionMNIST(dir.str(), data::Split::Test); });
  EXPECT_TRUE(message_has(msg, {"FashionMNIST", "fashion-mnist"}));
}

TEST(DataMNIST, RejectsWrongMagic) {
  ScratchDir dir;
  write_mnist(dir.str(), "train", kLabels);
  std::vector<uint8_t> b = idx_bytes({8, 28, 28}, std::vector<uint8_t>(8 * 784));
  b[2] = 0x0D;  // float data, not unsigned bytes
  write_bytes(dir / "train-images-idx3-ubyte", b);
  std::string msg = format_error_message([&] { data::MNIST(dir.str(), data::Split::Train); });
  EXPECT_TRUE(message_has(msg, {"train-images-idx3-ubyte", "magic", "0x00000D03", "0x00000803"}));
  // Labels file where an images file belongs.
  write_bytes(dir / "train-images-idx3-ubyte", idx_bytes({8}, kLabels));
  msg = format_error_message([&] { data::MNIST(dir.str(), data::Split::Train); });
  EXPECT_TRUE(message_has(msg, {"0x00000801", "expected 0x00000803"}));
}

TEST(DataMNIST, RejectsTruncatedAndLyingFiles) {
  ScratchDir dir;
  write_mnist(dir.str(), "train", kLabels);
  const std::string images = dir / "train-images-idx3-ubyte";
  std::vector<uint8_t> good = idx_bytes({8, 28, 28}, std::vector<uint8_t>(8 * 784, 1));
  // Truncated: 100 bytes short.
  write_bytes(images, std::vector<uint8_t>(good.begin(), good.end() - 100));
  std::string msg = format_error_message([&] { data::MNIST(dir.str(), data::Split::Train); });
  EXPECT_TRUE(message_has(msg, {images.c_str(), "6288 bytes", "6188 bytes", "truncated"}));
  // Header claims 9 images, data holds 8.
  std::vector<uint8_t> lying = good;
  lying[7] = 9;
  write_bytes(images, lying);
  msg = format_error_message([&] { data::MNIST(dir.str(), data::Split::Train); });
  EXPECT_TRUE(message_has(msg, {"[9, 28, 28]", "7072", "6288"}));
  // Trailing garbage.
  std::vector<uint8_t> longer = good;
  longer.push_back(0);
  write_bytes(images, longer);
  msg = format_error_message([&] { data::MNIST(dir.str(), data::Split::Train); });
  EXPECT_TRUE(message_has(msg, {"6289 bytes", "trailing"}));
  // Shorter than the header.
  write_bytes(images, std::vector<uint8_t>(good.begin(), good.begin() + 10));
  msg = format_error_message([&] { data::MNIST(dir.str(), data::Split::Train); });
  EXPECT_TRUE(message_has(msg, {"truncated IDX header", "16 bytes", "10 bytes"}));
  write_bytes(images, {0, 0});
  msg = format_error_message([&] { data::MNIST(dir.str(), data::Split::Train); });
  EXPECT_TRUE(message_has(msg, {"2 bytes", "magic"}));
  // A zero dim.
  write_bytes(images, idx_bytes({8, 0, 28}, {}));
  msg = format_error_message([&] { data::MNIST(dir.str(), data::Split::Train); });
  EXPECT_TRUE(message_has(msg, {"dimension 1", "size 0"}));
}

TEST(DataMNIST, RejectsTruncatedGzip) {
  ScratchDir dir;
  write_mnist(dir.str(), "train", kLabels, 28, 28, true);
  const std::string images = dir / "train-images-idx3-ubyte.gz";
  std::ifstream in(images, std::ios::binary);
  std::vector<uint8_t> gz((std::istreambuf_iterator<char>(in)), {});
  write_bytes(images, std::vector<uint8_t>(gz.begin(), gz.begin() + static_cast<long>(gz.size() / 2)));
  std::string msg = format_error_message([&] { data::MNIST(dir.str(), data::Split::Train); });
  EXPECT_TRUE(message_has(msg, {images.c_str(), "gzip"}));
}

TEST(DataMNIST, RejectsCountMismatchAndBadLabels) {
  ScratchDir dir;
  write_mnist(dir.str(), "train", kLabels);
  write_bytes(dir / "train-labels-idx1-ubyte", idx_bytes({7}, std::vector<uint8_t>(kLabels.begin(), kLabels.end() - 1)));
  std::string msg = format_error_message([&] { data::MNIST(dir.str(), data::Split::Train); });
  EXPECT_TRUE(message_has(msg, {"8 images", "7 labels", "train-labels-idx1-ubyte"}));
  std::vector<uint8_t> bad = kLabels;
  bad[3] = 12;
  write_bytes(dir / "train-labels-idx1-ubyte", idx_bytes({8}, bad));
  msg = format_error_message([&] { data::MNIST(dir.str(), data::Split::Train); });
  EXPECT_TRUE(message_has(msg, {"label 12", "index 3", "0..9"}));
}

TEST(DataMNIST, ReadIdxAnyDims) {
  ScratchDir dir;
  std::vector<uint8_t> data(2 * 3 * 4);
  std::iota(data.begin(), data.end(), uint8_t{0});
  write_bytes(dir / "x.idx", idx_bytes({2, 3, 4}, data));
  Tensor t = data::read_idx(dir / "x.idx");
  EXPECT_EQ(t.dtype(), kUInt8);
  EXPECT_EQ(t.sizes(), (Shape{2, 3, 4}));
  EXPECT_EQ(t.to_vector<uint8_t>(), data);
  gzip_file(dir / "x.idx");
  EXPECT_EQ(data::read_idx(dir / "x.idx.gz").to_vector<uint8_t>(), data);
  EXPECT_TRUE(message_has(format_error_message([&] { data::read_idx(dir / "x.idx.gz", 1); }),
                          {"x.idx.gz", "0x00000803", "0x00000801"}));
  EXPECT_TRUE(message_has(error_message([&] { data::read_idx(dir / "missing.idx"); }), {"missing.idx", "no such file"}));
}

// The header's dims are multiplied in 64 bits: [2^20, 2^20, 2^24] wraps to 0
// and [7695460, 49477, 48448661] to exactly 4 (checked in Python), which
// once made a 16- or 20-byte file "match" its header.
TEST(DataMNIST, IdxDimsThatWrap64BitsAreRejected) {
  ScratchDir dir;
  write_bytes(dir / "zero.idx", idx_bytes({1u << 20, 1u << 20, 1u << 24}, {}));
  std::string msg = format_error_message([&] { data::read_idx(dir / "zero.idx", 3); });
  EXPECT_TRUE(message_has(msg, {"zero.idx", "[1048576, 1048576, 16777216]", "absurdly large"}));
  write_bytes(dir / "four.idx", idx_bytes({7695460, 49477, 48448661}, {1, 2, 3, 4}));
  msg = format_error_message([&] { data::read_idx(dir / "four.idx", 3); });
  EXPECT_TRUE(message_has(msg, {"four.idx", "absurdly large"}));
  // Exactly 2^40 bytes is the limit, not an error of the check itself: the
  // file is then only too short.
  write_bytes(dir / "tib.idx", idx_bytes({1u << 20, 1u << 20}, {}));
  msg = format_error_message([&] { data::read_idx(dir / "tib.idx", 2); });
  EXPECT_TRUE(message_has(msg, {"tib.idx", "size disagrees", "1099511627788 bytes"}));
}

// A folder where a file is expected: a clean error, not std::bad_alloc.
TEST(DataMNIST, ReadIdxOfAFolder) {
  ScratchDir dir;
  std::string msg = error_message([&] { data::read_idx(dir.str()); });
  EXPECT_TRUE(message_has(msg, {dir.str().c_str(), "not a regular file"}));
}

TEST(DataMNIST, RootThatIsAFile) {
  ScratchDir dir;
  write_text(dir / "mnist.tar", "x");
  std::string msg = error_message([&] { data::MNIST(dir / "mnist.tar", data::Split::Test); });
  EXPECT_TRUE(message_has(msg, {"mnist.tar", "exists but is not a folder"}));
  EXPECT_EQ(msg.find("does not exist"), std::string::npos) << msg;
}

TEST(DataMNIST, NonFiniteMeanOrStdAreRejected) {
  ScratchDir dir;
  write_mnist(dir.str(), "t10k", kTestLabels);
  const double nan = std::nan("");
  EXPECT_TRUE(message_has(
      error_message([&] { data::MNIST(dir.str(), data::Split::Test, {.keep_uint8 = true, .mean = nan}); }),
      {"mean", "finite", "nan"}));
  EXPECT_TRUE(message_has(
      error_message([&] { data::MNIST(dir.str(), data::Split::Test, {.keep_uint8 = true, .std = nan}); }),
      {"std", "nan"}));
  EXPECT_TRUE(message_has(error_message([&] {
                            data::MNIST(dir.str(), data::Split::Test, {.keep_uint8 = true, .std = HUGE_VAL});
                          }),
                          {"std", "finite", "inf"}));
}

// GNU gzip and Python's gzip ignore zero bytes after the last member (tape
// padding); anything else there is still an error.
TEST(DataMNIST, GzipWithTrailingZeroPadding) {
  ScratchDir dir;
  std::vector<uint8_t> data = {1, 2, 3, 4, 5, 6};
  write_bytes(dir / "x.idx", idx_bytes({2, 3}, data));
  gzip_file(dir / "x.idx");
  std::ifstream in(dir / "x.idx.gz", std::ios::binary);
  std::vector<uint8_t> gz((std::istreambuf_iterator<char>(in)), {});
  std::vector<uint8_t> padded = gz;
  padded.resize(gz.size() + 512, 0);
  write_bytes(dir / "padded.idx.gz", padded);
  EXPECT_EQ(data::read_idx(dir / "padded.idx.gz").to_vector<uint8_t>(), data);
  padded.back() = 7;
  write_bytes(dir / "junk.idx.gz", padded);
  EXPECT_TRUE(message_has(format_error_message([&] { data::read_idx(dir / "junk.idx.gz"); }),
                          {"junk.idx.gz", "gzip"}));
}

// The real MNIST, when scripts/fetch-data.sh has put it in data/mnist.
TEST(DataMNIST, RealMnistIfPresent) {
  const std::string root = real_mnist_dir();
  if (!fs::exists(fs::path(root) / "train-images-idx3-ubyte") && !fs::exists(fs::path(root) / "train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "real MNIST not found in " << root << "; run scripts/fetch-data.sh mnist (or set WICK_MNIST_DIR)";
  auto t0 = std::chrono::steady_clock::now();
  data::MNIST train(root, data::Split::Train);
  data::MNIST test(root, data::Split::Test);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "[ info     ] MNIST train + test loaded in " << seconds << " s\n";
  EXPECT_EQ(train.images().sizes(), (Shape{60000, 1, 28, 28}));
  EXPECT_EQ(test.images().sizes(), (Shape{10000, 1, 28, 28}));
  // The published per-class counts of the training and test sets.
  const std::vector<int64_t> train_counts = {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949};
  const std::vector<int64_t> test_counts = {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009};
  std::vector<int64_t> h(10, 0), g(10, 0);
  for (int64_t v : train.targets().to_vector<int64_t>()) ++h[v];
  for (int64_t v : test.targets().to_vector<int64_t>()) ++g[v];
  EXPECT_EQ(h, train_counts);
  EXPECT_EQ(g, test_counts);
  EXPECT_EQ(std::accumulate(h.begin(), h.end(), int64_t{0}), 60000);
  EXPECT_EQ(train.images().min().item(), 0.0);
  EXPECT_EQ(train.images().max().item(), 1.0);
  // Mean pixel of the training set, the 0.1307 of every MNIST tutorial.
  EXPECT_NEAR(train.images().mean().item(), 0.1307, 1e-4);
  EXPECT_EQ(train.targets().to_vector<int64_t>()[0], 5);  // the famous first "5"
}

// The real Fashion-MNIST, when scripts/fetch-data.sh has put it in data/fashion-mnist.
TEST(DataMNIST, RealFashionMnistIfPresent) {
  const std::string root = real_fashion_dir();
  if (!fs::exists(fs::path(root) / "t10k-images-idx3-ubyte") && !fs::exists(fs::path(root) / "t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "real Fashion-MNIST not found in " << root << "; run scripts/fetch-data.sh fashion-mnist";
  data::FashionMNIST train(root, data::Split::Train, {.keep_uint8 = true});
  data::FashionMNIST test(root, data::Split::Test);
  EXPECT_EQ(train.size(), 60000);
  EXPECT_EQ(test.images().sizes(), (Shape{10000, 1, 28, 28}));
  // Zalando's sets are balanced: 6000 and 1000 images per class.
  std::vector<int64_t> h(10, 0), g(10, 0);
  for (int64_t v : train.targets().to_vector<int64_t>()) ++h[v];
  for (int64_t v : test.targets().to_vector<int64_t>()) ++g[v];
  EXPECT_EQ(h, std::vector<int64_t>(10, 6000));
  EXPECT_EQ(g, std::vector<int64_t>(10, 1000));
  EXPECT_EQ(test.images().min().item(), 0.0);
  EXPECT_EQ(test.images().max().item(), 1.0);
  data::DataLoader loader(train, {.batch_size = 1000, .shuffle = true, .num_workers = 1});
  int64_t seen = 0;
  for (auto [x, y] : loader) seen += x.size(0);
  EXPECT_EQ(seen, 60000);
}
