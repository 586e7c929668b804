// CIFAR-10 binary batches, generated in the real record format.
#include <gtest/gtest.h>

#include "datasets/data_test_util.h"
#include "wick/data/data.h"
#include "wick/wick.h"

using namespace wick;
using namespace wick::testing;

namespace {

const char* kMeta = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n";

// Five train batches of 2, 3, 1, 2, 2 records and a test batch of 3.
void write_cifar(const std::string& dir) {
  const std::vector<std::vector<uint8_t>> labels = {{6, 9}, {9, 4, 1}, {1}, {2, 7}, {8, 3}};
  int64_t first = 0;
  for (size_t b = 0; b < labels.size(); ++b) {
    write_bytes(dir + "/data_batch_" + std::to_string(b + 1) + ".bin", cifar_bytes(labels[b], first));
    first += static_cast<int64_t>(labels[b].size());
  }
  write_bytes(dir + "/test_batch.bin", cifar_bytes({3, 8, 0}, 100));
  write_text(dir + "/batches.meta.txt", kMeta);
}

}  // namespace

TEST(DataCIFAR10, ReadsTrainAndTest) {
  ScratchDir dir;
  write_cifar(dir.str());
  data::CIFAR10 train(dir.str(), data::Split::Train);
  ASSERT_EQ(train.size(), 10);
  EXPECT_EQ(train.images().dtype(), kFloat32);
  EXPECT_EQ(train.images().sizes(), (Shape{10, 3, 32, 32}));
  EXPECT_EQ(train.targets().dtype(), kInt64);
  EXPECT_EQ(train.targets().to_vector<int64_t>(), (std::vector<int64_t>{6, 9, 9, 4, 1, 1, 2, 7, 8, 3}));
  std::vector<float> px = train.images().to_vector<float>();
  for (int64_t r : {0, 4, 9})
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t j : {0, 33, 1023})
        EXPECT_EQ(px[(r * 3 + c) * 1024 + j], static_cast<float>(cifar_pixel(r, c, j)) / 255.0f);
  EXPECT_EQ(train.classes().front(), "airplane");
  EXPECT_EQ(train.classes().back(), "truck");

  data::CIFAR10 test(dir.str(), data::Split::Test);
  EXPECT_EQ(test.size(), 3);
  EXPECT_EQ(test.targets().to_vector<int64_t>(), (std::vector<int64_t>{3, 8, 0}));
  data::Batch b = test.get_batch({2, 0});
  EXPECT_EQ(b.inputs.sizes(), (Shape{2, 3, 32, 32}));
  EXPECT_EQ(b.targets.to_vector<int64_t>(), (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(b.inputs.to_vector<float>()[1024 + 5], static_cast<float>(cifar_pixel(102, 1, 5)) / 255.0f);
  data::Example e = test.get(1);
  EXPECT_EQ(e.input.sizes(), (Shape{3, 32, 32}));
  EXPECT_EQ(e.target.item<int64_t>(), 8);
}

TEST(DataCIFAR10, ArchiveFolderAndCustomClassNames) {
  ScratchDir dir;
  fs::create_directories(dir / "cifar-10-batches-bin");
  write_cifar(dir / "cifar-10-batches-bin");
  write_text(dir / "cifar-10-batches-bin/batches.meta.txt", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\r\n");
  data::CIFAR10 test(dir.str(), data::Split::Test);
  EXPECT_EQ(test.classes()[9], "j");
  fs::remove(dir / "cifar-10-batches-bin/batches.meta.txt");
  EXPECT_EQ(data::CIFAR10(dir.str(), data::Split::Test).classes()[1], "automobile");
}

TEST(DataCIFAR10, Rejections) {
  ScratchDir dir;
  std::string msg = error_message([&] { data::CIFAR10(dir / "none", data::Split::Train); });
  EXPECT_TRUE(message_has(msg, {"CIFAR10", "does not exist", "https://www.cs.toronto.edu/~kriz/cifar.html"}));
  write_cifar(dir.str());
  fs::remove(dir / "data_batch_4.bin");
  msg = error_message([&] { data::CIFAR10(dir.str(), data::Split::Train); });
  EXPECT_TRUE(message_has(msg, {"data_batch_4.bin", "not found"}));

  std::vector<uint8_t> b = cifar_bytes({1, 2});
  b.pop_back();  // 6145 bytes: not a whole number of records
  write_bytes(dir / "test_batch.bin", b);
  msg = format_error_message([&] { data::CIFAR10(dir.str(), data::Split::Test); });
  EXPECT_TRUE(message_has(msg, {"test_batch.bin", "6145 bytes", "3073"}));

  write_bytes(dir / "test_batch.bin", cifar_bytes({1, 10, 2}));
  msg = format_error_message([&] { data::CIFAR10(dir.str(), data::Split::Test); });
  EXPECT_TRUE(message_has(msg, {"test_batch.bin", "record 1", "label 10", "0..9"}));

  write_bytes(dir / "test_batch.bin", {});
  msg = format_error_message([&] { data::CIFAR10(dir.str(), data::Split::Test); });
  EXPECT_TRUE(message_has(msg, {"test_batch.bin", "the file is empty", "0 bytes"}));

  write_bytes(dir / "test_batch.bin", cifar_bytes({1}));
  write_text(dir / "batches.meta.txt", "cat\ndog\n");
  msg = format_error_message([&] { data::CIFAR10(dir.str(), data::Split::Test); });
  EXPECT_TRUE(message_has(msg, {"batches.meta.txt", "10 class names", "found 2"}));
}

TEST(DataCIFAR10, ClassNamesTrimmedOfBomAndSpaces) {
  ScratchDir dir;
  write_cifar(dir.str());
  // Saved by a Windows editor: a UTF-8 BOM, CRLF, indented and padded names.
  write_text(dir / "batches.meta.txt", "\xEF\xBB\xBF airplane\r\n\tautomobile \r\nbird\ncat\ndeer\ndog\nfrog\nhorse\n"
                                       "ship\n  truck\t\r\n\r\n");
  data::CIFAR10 test(dir.str(), data::Split::Test);
  EXPECT_EQ(test.classes(), (std::vector<std::string>{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
                                                      "horse", "ship", "truck"}));
}

TEST(DataCIFAR10, FoldersAndFilesInTheWrongPlace) {
  ScratchDir dir;
  write_cifar(dir.str());
  // A folder named batches.meta.txt is not "no class names file".
  fs::remove(dir / "batches.meta.txt");
  fs::create_directories(dir / "batches.meta.txt");
  std::string msg = error_message([&] { data::CIFAR10(dir.str(), data::Split::Test); });
  EXPECT_TRUE(message_has(msg, {"batches.meta.txt", "not a regular file"}));
  // The root is a file.
  msg = error_message([&] { data::CIFAR10(dir / "test_batch.bin", data::Split::Test); });
  EXPECT_TRUE(message_has(msg, {"test_batch.bin", "exists but is not a folder"}));
}
