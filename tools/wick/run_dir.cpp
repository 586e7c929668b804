#include "run_dir.h"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <sstream>

#include "common.h"
#include "data_prep.h"

namespace wick::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string iso_now() {
  std::time_t t = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", std::localtime(&t));
  return buf;
}

}  // namespace

RunDir::RunDir(std::string dir, bool overwrite) : dir_(std::move(dir)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  WICK_CHECK(!ec, "--out ", dir_, ": cannot create the folder (", ec.message(), ")");
  if (overwrite)
    for (const char* f : {"config.json", "metrics.csv", "last.safetensors", "best.safetensors", "report.html"})
      fs::remove(fs::path(dir_) / f, ec);
}

std::string RunDir::path(const std::string& file) const { return (fs::path(dir_) / file).string(); }

void RunDir::write_config(const RunRecord& rec, const std::string& status) const {
  json j = {{"wick_version", "0.1.0"},
            {"status", status},
            {"written", iso_now()},
            {"command", rec.command_line},
            {"args", rec.args},
            {"model", rec.spec.to_json()},
            {"data", {{"train", rec.train_source}, {"test", rec.test_source},
                      {"train_examples", rec.train_examples}, {"test_examples", rec.test_examples}}},
            {"device", rec.device},
            {"threads", rec.threads},
            {"world_size", rec.world_size}};
  if (!rec.resumed.empty()) j["resumed"] = rec.resumed;
  if (status != "running")
    j["timings"] = {{"data_load_seconds", rec.data_seconds}, {"train_seconds", rec.train_seconds},
                    {"total_seconds", rec.total_seconds}, {"epochs_completed", rec.epochs.size()}};
  write_file_atomic(path("config.json"), j.dump(2) + "\n");
}

void RunDir::write_metrics(const RunRecord& rec) const {
  const bool reg = rec.spec.task == TaskKind::Regression;
  std::ostringstream os;
  os << "epoch,train_loss," << (reg ? "train_r2" : "train_accuracy") << ",test_loss," << (reg ? "test_r2" : "test_accuracy")
     << ",lr,seconds,samples_per_second\n";
  for (const EpochRow& e : rec.epochs)
    os << e.epoch << ',' << format_double(e.train_loss, 8) << ',' << format_double(e.train_metric, 8) << ','
       << format_double(e.test_loss, 8) << ',' << format_double(e.test_metric, 8) << ',' << format_double(e.lr, 8) << ','
       << format_double(e.seconds, 6) << ',' << format_double(e.samples_per_second, 8) << '\n';
  write_file_atomic(path("metrics.csv"), os.str());
}

void RunDir::write_report(const RunRecord& rec, const EvalResult& ev, const Tensor* test_x) const {
  ReportData r;
  const ModelSpec& s = rec.spec;
  std::string data = rec.args.value("data", std::string("?"));
  r.title = "wick: " + s.kind + " on " + data;
  r.classification = s.task != TaskKind::Regression;
  r.epochs = rec.epochs;
  r.class_names = s.class_names;
  r.confusion = ev.confusion;
  r.config.push_back({"command", rec.command_line});
  for (auto it = rec.args.begin(); it != rec.args.end(); ++it)
    r.config.push_back({it.key(), it->is_string() ? it->get<std::string>() : it->dump()});
  r.config.push_back({"model description", s.to_json().dump()});
  r.config.push_back({"train data", rec.train_source});
  r.config.push_back({"test data", rec.test_source});
  r.timings.push_back({"data load", format_double(rec.data_seconds, 3) + " s"});
  for (const EpochRow& e : rec.epochs)
    r.timings.push_back({"epoch " + std::to_string(e.epoch),
                         format_double(e.seconds, 3) + " s (" + format_double(e.samples_per_second, 4) + " samples/s)"});
  r.timings.push_back({"training", format_double(rec.train_seconds, 3) + " s"});
  r.timings.push_back({"total", format_double(rec.total_seconds, 3) + " s"});
  r.timings.push_back({"device", rec.device});
  r.timings.push_back({"threads", std::to_string(rec.threads)});
  if (rec.world_size > 1) r.timings.push_back({"processes (mpirun)", std::to_string(rec.world_size)});
  r.timings.push_back({"examples", std::to_string(rec.train_examples) + " train, " + std::to_string(rec.test_examples) + " test"});
  if (!ev.confusion.empty()) {
    r.summary.push_back({"test accuracy", format_double(ev.metric, 4)});
    r.summary.push_back({"test loss", format_double(ev.loss, 4)});
  } else if (ev.n > 0) {
    r.summary.push_back({"test R²", format_double(ev.r2, 5)});
    r.summary.push_back({"test MSE", format_double(ev.mse, 5)});
    r.summary.push_back({"test MAE", format_double(ev.mae, 5)});
  }
  if (test_x && !ev.predicted.empty()) {
    const int64_t c = s.input_shape.size() == 3 ? s.input_shape[0] : 1;
    const int64_t h = s.input_shape.size() == 3 ? s.input_shape[1] : 0;
    const int64_t w = s.input_shape.size() == 3 ? s.input_shape[2] : 0;
    for (size_t i = 0; i < ev.predicted.size() && r.misclassified.size() < 48 && h > 0; ++i) {
      if (ev.predicted[i] == ev.truth[i]) continue;
      Tensor img = denormalize_inputs(test_x->narrow(0, static_cast<int64_t>(i), 1), s).contiguous();
      Misclassified m;
      m.pixels = img.to_vector<float>();
      m.channels = c;
      m.height = h;
      m.width = w;
      m.predicted = ev.predicted[i];
      m.truth = ev.truth[i];
      r.misclassified.push_back(std::move(m));
    }
  }
  write_file_atomic(path("report.html"), render_report(r));
}

Metadata checkpoint_metadata(const ModelSpec& spec, const EpochRow& row) {
  return {{"format", "pt"},
          {kSpecKey, spec.to_json().dump()},
          {"wick.epoch", std::to_string(row.epoch)},
          {"wick.test_metric", format_double(row.test_metric, 8)}};
}

}  // namespace wick::cli
