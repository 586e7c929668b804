// fetch(): network-free parts (checksums, present files, messages).
#include <gtest/gtest.h>

#include "datasets/data_test_util.h"
#include "wick/data/data.h"

using namespace wick;
using namespace wick::testing;

TEST(DataFetch, Sha256KnownVectors) {
  // FIPS 180-2 test vectors.
  EXPECT_EQ(data::sha256_hex("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(data::sha256_hex("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  EXPECT_EQ(data::sha256_hex(two_blocks.data(), two_blocks.size()),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  ScratchDir dir;
  write_text(dir / "a.txt", std::string(1000000, 'a'));
  EXPECT_EQ(data::sha256_file(dir / "a.txt"), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(DataFetch, NamesAndMessages) {
  EXPECT_EQ(data::default_dir("mnist"), "data/mnist");
  EXPECT_EQ(data::default_dir("Fashion_MNIST"), "data/fashion-mnist");
  EXPECT_EQ(data::fetchable_datasets(), (std::vector<std::string>{"mnist", "fashion-mnist", "cifar10"}));
  EXPECT_TRUE(message_has(error_message([] { data::fetch("imagenet", "x"); }),
                          {"unknown dataset 'imagenet'", "mnist, fashion-mnist or cifar10"}));
  ScratchDir dir;
  std::string msg = error_message([&] { data::fetch("cifar10", dir.str()); });
  EXPECT_TRUE(message_has(msg, {"cifar10", "https://www.cs.toronto.edu/~kriz/cifar.html", "data_batch_1.bin",
                                "test_batch.bin", dir.str().c_str()}));
  EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line";
}

TEST(DataFetch, Cifar10PresentWhenFilesAreThere) {
  ScratchDir dir;
  fs::create_directories(dir / "cifar-10-batches-bin");
  for (const char* n : {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                        "data_batch_5.bin", "test_batch.bin"})
    write_bytes(dir / (std::string("cifar-10-batches-bin/") + n), std::vector<uint8_t>(10000 * 3073));
  data::FetchResult r = data::fetch("cifar10", dir.str());
  EXPECT_TRUE(r.already_present);
}

// With the real MNIST in data/mnist, fetch only verifies (no network).
TEST(DataFetch, MnistAlreadyPresentIsVerified) {
  const std::string root = real_mnist_dir();
  if (!fs::exists(fs::path(root) / "train-images-idx3-ubyte"))
    GTEST_SKIP() << "real MNIST not found in " << root << "; run scripts/fetch-data.sh mnist";
  data::FetchResult r = data::fetch("mnist", root);
  EXPECT_TRUE(r.already_present);
  EXPECT_EQ(r.source, "present");
}
