// CSV datasets: classification and regression targets, quoting, every error.
#include <gtest/gtest.h>

#include <limits>

#include "datasets/data_test_util.h"
#include "wick/data/data.h"
#include "wick/wick.h"

using namespace wick;
using namespace wick::testing;

TEST(DataCSV, ClassificationWithStringLabels) {
  ScratchDir dir;
  write_text(dir / "iris.csv",
             "sepal_length,sepal_width,species\n"
             "5.1,3.5,setosa\n"
             "7.0, 3.2 ,versicolor\n"
             "\n"
             "6.3,3.3,virginica\r\n"
             "4.9,3.0,setosa\n");
  data::CSV ds(dir / "iris.csv", {.target = "species"});
  EXPECT_EQ(ds.task(), data::Task::Classification);
  EXPECT_EQ(ds.size(), 4);
  EXPECT_EQ(ds.inputs().dtype(), kFloat32);
  EXPECT_EQ(ds.inputs().sizes(), (Shape{4, 2}));
  EXPECT_EQ(ds.inputs().to_vector<float>(), (std::vector<float>{5.1f, 3.5f, 7.0f, 3.2f, 6.3f, 3.3f, 4.9f, 3.0f}));
  EXPECT_EQ(ds.targets().dtype(), kInt64);
  EXPECT_EQ(ds.targets().sizes(), (Shape{4}));
  EXPECT_EQ(ds.targets().to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 0}));
  EXPECT_EQ(ds.class_names(), (std::vector<std::string>{"setosa", "versicolor", "virginica"}));
  EXPECT_EQ(ds.classes(), ds.class_names());
  EXPECT_EQ(ds.feature_names(), (std::vector<std::string>{"sepal_length", "sepal_width"}));
  data::Batch b = ds.get_batch({3, 1});
  EXPECT_EQ(b.inputs.sizes(), (Shape{2, 2}));
  EXPECT_EQ(b.targets.to_vector<int64_t>(), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(ds.get(2).target.item<int64_t>(), 2);
}

TEST(DataCSV, IntegerLabelsSortNumerically) {
  ScratchDir dir;
  write_text(dir / "d.csv", "label,x\n10,1\n2,2\n10,3\n1,4\n2.0,5\n");
  data::CSV ds(dir / "d.csv", {.target = "label"});
  EXPECT_EQ(ds.task(), data::Task::Classification);  // few distinct integers
  EXPECT_EQ(ds.class_names(), (std::vector<std::string>{"1", "2", "10"}));
  EXPECT_EQ(ds.targets().to_vector<int64_t>(), (std::vector<int64_t>{2, 1, 2, 0, 1}));
  // A saved mapping reads another file with the same ids; unknown labels fail.
  write_text(dir / "test.csv", "x,label\n1,10\n2,1\n");
  data::CSV test(dir / "test.csv", {.target = "label", .class_names = ds.class_names()});
  EXPECT_EQ(test.targets().to_vector<int64_t>(), (std::vector<int64_t>{2, 0}));
  write_text(dir / "bad.csv", "x,label\n1,10\n2,7\n");
  std::string msg = format_error_message(
      [&] { data::CSV(dir / "bad.csv", {.target = "label", .class_names = ds.class_names()}); });
  EXPECT_TRUE(message_has(msg, {"bad.csv line 3", "'label'", "'7'", "not one of the given classes 1, 2, 10"}));
}

TEST(DataCSV, Regression) {
  ScratchDir dir;
  write_text(dir / "r.csv", "a;b;y\n1;2;0.5\n3;4;-1.25\n5;6;+3e2\n");
  data::CSV ds(dir / "r.csv", {.target = "y", .delimiter = ';'});
  EXPECT_EQ(ds.task(), data::Task::Regression);  // fractional values
  EXPECT_EQ(ds.targets().dtype(), kFloat32);
  EXPECT_EQ(ds.targets().sizes(), (Shape{3, 1}));
  EXPECT_EQ(ds.targets().to_vector<float>(), (std::vector<float>{0.5f, -1.25f, 300.0f}));
  EXPECT_TRUE(ds.class_names().empty());
  // Integer targets forced to regression; explicit feature selection and order.
  write_text(dir / "i.csv", "a,b,c,y\n1,2,3,4\n5,6,7,8\n");
  data::CSV reg(dir / "i.csv", {.target = "y", .task = data::Task::Regression, .features = {"c", "a"}});
  EXPECT_EQ(reg.inputs().to_vector<float>(), (std::vector<float>{3, 1, 7, 5}));
  EXPECT_EQ(reg.targets().to_vector<float>(), (std::vector<float>{4, 8}));
  // Many distinct integers: Auto picks regression.
  std::string text = "x,y\n";
  for (int i = 0; i < 30; ++i) text += std::to_string(i) + "," + std::to_string(i * 7) + "\n";
  write_text(dir / "many.csv", text);
  EXPECT_EQ(data::CSV(dir / "many.csv", {.target = "y"}).task(), data::Task::Regression);
  EXPECT_EQ(data::CSV(dir / "many.csv", {.target = "y", .task = data::Task::Classification}).num_classes(), 30);
}

TEST(DataCSV, QuotedFields) {
  ScratchDir dir;
  write_text(dir / "q.csv",
             "\"x, first\",y,\"name\"\n"
             "1.5,2,\"Smith, John\"\n"
             "\"2.5\",3,\"say \"\"hi\"\"\"\n"
             "3.5,4,\"two\nlines\"\n");
  data::CSV ds(dir / "q.csv", {.target = "name"});
  EXPECT_EQ(ds.feature_names(), (std::vector<std::string>{"x, first", "y"}));
  EXPECT_EQ(ds.inputs().to_vector<float>(), (std::vector<float>{1.5f, 2, 2.5f, 3, 3.5f, 4}));
  EXPECT_EQ(ds.class_names(), (std::vector<std::string>{"Smith, John", "say \"hi\"", "two\nlines"}));
  EXPECT_TRUE(message_has(error_message([&] { data::CSV(dir / "q.csv", {.target = "z"}); }),
                          {"the columns are 'x, first', y, name"}));
  // Line numbers count physical lines: a field spanning lines 2-3 puts "abc" on line 5.
  write_text(dir / "q2.csv", "a,b\n1,\"x\ny\"\n2,\"z\"\nabc,w\n");
  std::string msg = format_error_message([&] { data::CSV(dir / "q2.csv", {.target = "b"}); });
  EXPECT_TRUE(message_has(msg, {"line 5", "'a'", "'abc' is not a number"}));
  write_text(dir / "open.csv", "a,b\n1,\"never closed\n");
  msg = format_error_message([&] { data::CSV(dir / "open.csv", {.target = "b"}); });
  EXPECT_TRUE(message_has(msg, {"open.csv line 2", "never closed"}));
}

TEST(DataCSV, Errors) {
  ScratchDir dir;
  write_text(dir / "d.csv", "height,weight,label\n1.0,2.0,a\n3.0,,b\n");
  std::string msg = format_error_message([&] { data::CSV(dir / "d.csv", {.target = "label"}); });
  EXPECT_TRUE(message_has(msg, {"d.csv", "line 3", "column 'weight'", "missing value"}));

  write_text(dir / "d.csv", "height,weight,label\n1.0,2.0,a\n3.0,heavy,b\n");
  msg = format_error_message([&] { data::CSV(dir / "d.csv", {.target = "label"}); });
  EXPECT_TRUE(message_has(msg, {"line 3", "column 'weight'", "'heavy' is not a number"}));

  write_text(dir / "d.csv", "height,weight,label\n1.0,2.0,a\n3.0,4.0\n");
  msg = format_error_message([&] { data::CSV(dir / "d.csv", {.target = "label"}); });
  EXPECT_TRUE(message_has(msg, {"line 3", "2 fields", "3 columns"}));

  write_text(dir / "d.csv", "height,weight,label\n1.0,2.0,a\n3.0,4.0,b,extra\n");
  msg = format_error_message([&] { data::CSV(dir / "d.csv", {.target = "label"}); });
  EXPECT_TRUE(message_has(msg, {"line 3", "4 fields"}));

  write_text(dir / "d.csv", "height,weight,label\n1.0,2.0,a\n");
  msg = error_message([&] { data::CSV(dir / "d.csv", {.target = "class"}); });
  EXPECT_TRUE(message_has(msg, {"no target column 'class'", "the columns are height, weight, label"}));
  msg = error_message([&] { data::CSV(dir / "d.csv", {.target = "label", .features = {"height", "age"}}); });
  EXPECT_TRUE(message_has(msg, {"no feature column 'age'"}));
  msg = error_message([&] { data::CSV(dir / "d.csv", {}); });
  EXPECT_TRUE(message_has(msg, {"no target column given"}));
  // Wrong delimiter: one column named "height;weight;label".
  write_text(dir / "s.csv", "height;weight;label\n1;2;3\n");
  msg = error_message([&] { data::CSV(dir / "s.csv", {.target = "label"}); });
  EXPECT_TRUE(message_has(msg, {"delimiter"}));

  write_text(dir / "d.csv", "x,y\n1,2.5\n2,abc\n");
  msg = format_error_message([&] { data::CSV(dir / "d.csv", {.target = "y", .task = data::Task::Regression}); });
  EXPECT_TRUE(message_has(msg, {"line 3", "column 'y'", "'abc' is not a number", "regression"}));

  write_text(dir / "d.csv", "x,y\n1,\n");
  msg = format_error_message([&] { data::CSV(dir / "d.csv", {.target = "y"}); });
  EXPECT_TRUE(message_has(msg, {"line 2", "missing target"}));

  write_text(dir / "d.csv", "x,y\n1,nan\n");
  msg = format_error_message([&] { data::CSV(dir / "d.csv", {.target = "x", .task = data::Task::Regression}); });
  EXPECT_TRUE(message_has(msg, {"column 'y'", "'nan' is not a number"}));

  write_text(dir / "d.csv", "x,x\n1,2\n");
  EXPECT_TRUE(message_has(format_error_message([&] { data::CSV(dir / "d.csv", {.target = "x"}); }), {"appears twice"}));
  write_text(dir / "d.csv", "x,y\n");
  EXPECT_TRUE(message_has(format_error_message([&] { data::CSV(dir / "d.csv", {.target = "y"}); }), {"no data rows"}));
  write_text(dir / "d.csv", "");
  EXPECT_TRUE(message_has(format_error_message([&] { data::CSV(dir / "d.csv", {.target = "y"}); }), {"empty file"}));
  EXPECT_TRUE(message_has(error_message([&] { data::CSV(dir / "none.csv", {.target = "y"}); }), {"none.csv", "no such file"}));
}

TEST(DataCSV, GzippedFile) {
  ScratchDir dir;
  write_text(dir / "g.csv", "x,y\n1,0.5\n2,1.5\n");
  gzip_file(dir / "g.csv");
  data::CSV ds(dir / "g.csv.gz", {.target = "y"});
  EXPECT_EQ(ds.targets().to_vector<float>(), (std::vector<float>{0.5f, 1.5f}));
}

// Float32 bounds from Python (struct.pack('f', ...)): 3.4028235e38 packs to
// FLT_MAX, 3.4028236e38 and 1e39 to inf; float('1e-400') is 0.0.
TEST(DataCSV, NumbersPastFloat32AreErrorsNotInf) {
  ScratchDir dir;
  write_text(dir / "f.csv", "a,b,y\n1,1e39,cat\n3,4,dog\n");
  std::string msg = format_error_message([&] { data::CSV(dir / "f.csv", {.target = "y"}); });
  EXPECT_TRUE(message_has(msg, {"f.csv line 2", "column 'b'", "'1e39'", "out of float32 range"}));
  write_text(dir / "r.csv", "a,y\n1,0.5\n2,3.4028236e38\n");
  msg = format_error_message([&] { data::CSV(dir / "r.csv", {.target = "y"}); });
  EXPECT_TRUE(message_has(msg, {"r.csv line 3", "column 'y'", "'3.4028236e38'", "out of float32 range"}));
  write_text(dir / "r.csv", "a,y\n1,0.5\n2,1e39\n");
  msg = format_error_message([&] { data::CSV(dir / "r.csv", {.target = "y", .task = data::Task::Regression}); });
  EXPECT_TRUE(message_has(msg, {"line 3", "out of float32 range"}));
  // Past double's range too: out of range, not "not a number" (Auto still sees numbers: regression).
  write_text(dir / "d.csv", "a,y\n-1e400,0.5\n2,1.5\n");
  msg = format_error_message([&] { data::CSV(dir / "d.csv", {.target = "y"}); });
  EXPECT_TRUE(message_has(msg, {"line 2", "column 'a'", "'-1e400'", "out of float32 range"}));
  write_text(dir / "d.csv", "a,y\n1,0.5\n2,1e400\n");
  msg = format_error_message([&] { data::CSV(dir / "d.csv", {.target = "y"}); });
  EXPECT_TRUE(message_has(msg, {"line 3", "column 'y'", "'1e400'", "out of float32 range"}));
  // The largest float32 and tiny numbers are fine.
  write_text(dir / "ok.csv", "a,y\n3.4028235e38,-3.4028235e38\n1e-400,-1e-50\n");
  data::CSV ok(dir / "ok.csv", {.target = "y", .task = data::Task::Regression});
  EXPECT_EQ(ok.inputs().to_vector<float>(), (std::vector<float>{std::numeric_limits<float>::max(), 0.0f}));
  EXPECT_EQ(ok.targets().to_vector<float>(), (std::vector<float>{-std::numeric_limits<float>::max(), -0.0f}));
}

TEST(DataCSV, RepeatedNamesInOptionsAreErrors) {
  ScratchDir dir;
  write_text(dir / "d.csv", "a,b,y\n1,2,cat\n3,4,dog\n");
  std::string msg = error_message(
      [&] { data::CSV(dir / "d.csv", {.target = "y", .class_names = {"cat", "cat", "bird"}}); });
  EXPECT_TRUE(message_has(msg, {"d.csv", ".class_names", "'cat' twice"}));
  msg = error_message([&] { data::CSV(dir / "d.csv", {.target = "y", .features = {"b", "b"}}); });
  EXPECT_TRUE(message_has(msg, {"d.csv", "feature 'b'", "twice"}));
  // Two spellings of one number are one class, so a mapping cannot hold both.
  msg = error_message([&] { data::CSV(dir / "d.csv", {.target = "y", .class_names = {"1", "2", "1.0"}}); });
  EXPECT_TRUE(message_has(msg, {"'1' and '1.0'", "the same number"}));
}

TEST(DataCSV, SavedNumericClassNamesMatchByValue) {
  ScratchDir dir;
  write_text(dir / "train.csv", "x,label\n1,2.0\n2,1.0\n3,2.0\n");
  data::CSV train(dir / "train.csv", {.target = "label"});
  ASSERT_EQ(train.class_names(), (std::vector<std::string>{"1.0", "2.0"}));
  // The test file writes the same labels as integers, as the training file
  // itself would have grouped them (1 and 1.0 are one class).
  write_text(dir / "test.csv", "x,label\n1,1\n2,2\n3,02\n4,+1e0\n");
  data::CSV test(dir / "test.csv", {.target = "label", .class_names = train.class_names()});
  EXPECT_EQ(test.targets().to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 1, 0}));
  EXPECT_EQ(test.class_names(), train.class_names());
  write_text(dir / "bad.csv", "x,label\n1,1\n2,3\n");
  std::string msg = format_error_message(
      [&] { data::CSV(dir / "bad.csv", {.target = "label", .class_names = train.class_names()}); });
  EXPECT_TRUE(message_has(msg, {"bad.csv line 3", "label '3' is not one of the given classes 1.0, 2.0"}));
  // A mapping with text in it came from a file grouped by text: matched as text.
  write_text(dir / "mixed.csv", "x,label\n1,1\n2,a\n");
  data::CSV mixed(dir / "mixed.csv", {.target = "label", .class_names = {"1", "a"}});
  EXPECT_EQ(mixed.targets().to_vector<int64_t>(), (std::vector<int64_t>{0, 1}));
  write_text(dir / "mixed.csv", "x,label\n1,1.0\n2,a\n");
  msg = format_error_message([&] { data::CSV(dir / "mixed.csv", {.target = "label", .class_names = {"1", "a"}}); });
  EXPECT_TRUE(message_has(msg, {"label '1.0' is not one of the given classes"}));
}

TEST(DataCSV, LargeIntegerLabelsCompareExactly) {
  // 2^53 + 1 and 2^53 are one double but two integers.
  ScratchDir dir;
  write_text(dir / "d.csv", "x,id\n1,9007199254740993\n2,9007199254740992\n3,9007199254740993.0\n4,-5\n");
  data::CSV ds(dir / "d.csv", {.target = "id"});
  EXPECT_EQ(ds.task(), data::Task::Classification);
  EXPECT_EQ(ds.class_names(), (std::vector<std::string>{"-5", "9007199254740992", "9007199254740993"}));
  EXPECT_EQ(ds.targets().to_vector<int64_t>(), (std::vector<int64_t>{2, 1, 2, 0}));
  data::CSV again(dir / "d.csv", {.target = "id", .class_names = ds.class_names()});
  EXPECT_EQ(again.targets().to_vector<int64_t>(), ds.targets().to_vector<int64_t>());
}

TEST(DataCSV, AutoRejectsMissingValueMarkersAmongNumbers) {
  ScratchDir dir;
  for (const std::string marker : {"nan", "NaN", "NA", "N/A", "null", "inf", "-inf", "None"}) {
    write_text(dir / "m.csv", "x,y\n1,1.5\n2,2.5\n3," + marker + "\n4,0.5\n");
    std::string msg = format_error_message([&] { data::CSV(dir / "m.csv", {.target = "y"}); });
    const std::string quoted = "missing target value '" + marker + "'";
    EXPECT_TRUE(message_has(msg, {"m.csv line 4", "column 'y'", quoted.c_str(), "task=Classification"})) << marker;
  }
  // Integers with a gap: the same (a missing label is not a class either).
  write_text(dir / "m.csv", "x,y\n1,1\n2,NA\n3,2\n");
  EXPECT_TRUE(message_has(format_error_message([&] { data::CSV(dir / "m.csv", {.target = "y"}); }), {"line 3", "'NA'"}));
  // Asked for: the markers are labels.
  data::CSV labels(dir / "m.csv", {.target = "y", .task = data::Task::Classification});
  EXPECT_EQ(labels.class_names(), (std::vector<std::string>{"1", "2", "NA"}));
  // Text labels, or only markers: classification as documented.
  write_text(dir / "t.csv", "x,y\n1,cat\n2,NA\n3,2\n");
  EXPECT_EQ(data::CSV(dir / "t.csv", {.target = "y"}).class_names(), (std::vector<std::string>{"2", "NA", "cat"}));
  write_text(dir / "t.csv", "x,y\n1,NA\n2,null\n");
  EXPECT_EQ(data::CSV(dir / "t.csv", {.target = "y"}).task(), data::Task::Classification);
}

TEST(DataCSV, FolderInsteadOfFile) {
  ScratchDir dir;
  fs::create_directories(dir / "somedir");
  std::string msg = error_message([&] { data::CSV(dir / "somedir", {.target = "y"}); });
  EXPECT_TRUE(message_has(msg, {(dir / "somedir").c_str(), "not a regular file"}));
}
