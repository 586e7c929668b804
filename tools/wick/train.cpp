// `wick train`: validate every flag and load the data before the run
// directory exists, then train with a progress bar, evaluating the test set
// after each epoch, and write checkpoints, metrics, config and report.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "common.h"
#include "data_prep.h"
#include "evaluate.h"
#include "progress.h"
#include "run_dir.h"
#include "wick/autograd.h"
#include "wick/creation.h"
#include "wick/data/dataloader.h"
#include "wick/data/tensor_dataset.h"
#include "wick/io/safetensors.h"
#include "wick/optim/optim.h"
#include "wick/random.h"

namespace wick::cli {

namespace fs = std::filesystem;
using nlohmann::json;
using wick::detail::concat;

namespace {

void validate(const TrainOptions& o) {
  const std::string models[] = {"softmax", "logistic", "linear", "mlp"};
  if (std::find(std::begin(models), std::end(models), o.model) == std::end(models))
    usage_error("--model ", o.model, ": unknown model; choose softmax, logistic, linear or mlp");
  if (o.optimizer != "sgd" && o.optimizer != "adam" && o.optimizer != "adamw")
    usage_error("--optimizer ", o.optimizer, ": unknown optimizer; choose sgd, adam or adamw");
  if (o.schedule != "none" && o.schedule != "cosine" && o.schedule != "step" && o.schedule != "onecycle")
    usage_error("--schedule ", o.schedule, ": unknown schedule; choose none, cosine, step or onecycle");
  if (o.epochs < 1) usage_error("--epochs ", o.epochs, ": must be at least 1");
  if (o.batch_size < 1) usage_error("--batch-size ", o.batch_size, ": must be at least 1");
  if (!(o.lr > 0) || !std::isfinite(o.lr)) usage_error("--lr ", o.lr, ": the learning rate must be a positive number");
  if (!(o.momentum >= 0 && o.momentum < 1)) usage_error("--momentum ", o.momentum, ": must be in [0, 1)");
  if (o.momentum > 0 && o.optimizer != "sgd")
    usage_error("--momentum applies to --optimizer sgd (Adam's beta1 plays that role)");
  if (o.weight_decay && !(*o.weight_decay >= 0)) usage_error("--weight-decay ", *o.weight_decay, ": must be >= 0");
  if (!(o.dropout >= 0 && o.dropout < 1)) usage_error("--dropout ", o.dropout, ": must be in [0, 1)");
  if (o.model != "mlp" && (!o.hidden.empty() || o.batchnorm || o.dropout > 0))
    usage_error("--hidden, --batchnorm and --dropout apply to --model mlp, not ", o.model);
  parse_int_list(o.hidden, "--hidden");
  if (o.threads < 0) usage_error("--threads ", o.threads, ": must be >= 0 (0: all cores)");
  if (o.workers != 0 && o.workers != 1) usage_error("--workers ", o.workers, ": must be 0 or 1");
  if (o.limit < 0) usage_error("--limit ", o.limit, ": must be >= 0 (0: the whole training set)");
  if (!(o.test_fraction > 0 && o.test_fraction < 1)) usage_error("--test-fraction ", o.test_fraction, ": must be in (0, 1)");
}

// --out: refuse to mix a new run into an old one unless asked to.
std::string choose_out_dir(const TrainOptions& o) {
  if (!o.out.empty()) {
    if (fs::exists(o.out) && !fs::is_directory(o.out)) usage_error("--out ", o.out, ": exists and is not a folder");
    if (fs::is_directory(o.out) && !fs::is_empty(o.out) && !o.overwrite)
      usage_error("--out ", o.out, ": the folder is not empty; choose another name or add --overwrite");
    return o.out;
  }
  std::string stem = fs::path(o.data).stem().string();
  std::string base = "runs/" + stem + "-" + o.model;
  for (int i = 1;; ++i) {
    std::string cand = i == 1 ? base : base + "-" + std::to_string(i);
    if (!fs::exists(cand)) return cand;
  }
}

std::unique_ptr<optim::Optimizer> make_optimizer(const TrainOptions& o, const std::vector<Tensor>& params) {
  if (o.optimizer == "adam")
    return std::make_unique<optim::Adam>(params, optim::AdamOptions{.lr = o.lr, .weight_decay = o.weight_decay.value_or(0)});
  if (o.optimizer == "adamw")
    return std::make_unique<optim::AdamW>(params,
                                          optim::AdamWOptions{.lr = o.lr, .weight_decay = o.weight_decay.value_or(1e-2)});
  return std::make_unique<optim::SGD>(
      params, optim::SGDOptions{.lr = o.lr, .momentum = o.momentum, .weight_decay = o.weight_decay.value_or(0)});
}

json args_json(const TrainOptions& o) {
  json j = {{"data", o.data},       {"data_dir", o.data_dir},     {"model", o.model},
            {"epochs", o.epochs},   {"batch_size", o.batch_size}, {"optimizer", o.optimizer},
            {"lr", o.lr},           {"momentum", o.momentum},     {"schedule", o.schedule},
            {"device", o.device},   {"seed", o.seed},             {"threads", o.threads},
            {"workers", o.workers}, {"out", o.out}};
  if (!o.target.empty()) j["target"] = o.target;
  if (o.binary >= 0) j["binary"] = o.binary;
  if (o.model == "mlp") {
    j["hidden"] = o.hidden;
    j["batchnorm"] = o.batchnorm;
    j["dropout"] = o.dropout;
  }
  if (o.weight_decay) j["weight_decay"] = *o.weight_decay;
  if (o.limit) j["limit"] = o.limit;
  if (!is_builtin_dataset(o.data)) j["test_fraction"] = o.test_fraction;
  return j;
}

}  // namespace

int run_train(const TrainOptions& opts) {
  TrainOptions o = opts;
  validate(o);
  const double t_start = now_seconds();
  std::string device_name = resolve_device(o.device);
  Device device(device_name);
  set_threads(o.threads);
  o.out = choose_out_dir(o);

  // Data and model: every failure here happens before the run folder exists.
  DataRequest req{.data = o.data, .data_dir = o.data_dir, .target = o.target, .binary = o.binary,
                  .model = o.model, .seed = o.seed, .test_fraction = o.test_fraction};
  validate_request(req);
  const double t_data = now_seconds();
  PreparedData d = prepare_training_data(req);
  if (o.limit > 0 && o.limit < d.train_x.size(0)) {
    d.train_x = d.train_x.narrow(0, 0, o.limit).contiguous();
    d.train_y = d.train_y.narrow(0, 0, o.limit).contiguous();
  }
  const double data_seconds = now_seconds() - t_data;
  ModelSpec spec = d.spec;
  spec.kind = o.model;
  if (o.model == "mlp") {
    spec.hidden = o.hidden.empty() ? std::vector<int64_t>{256} : parse_int_list(o.hidden, "--hidden");
    spec.batchnorm = o.batchnorm;
    spec.dropout = o.dropout;
  }
  manual_seed(o.seed);
  nn::Sequential model = spec.build();
  model.to(device);
  std::unique_ptr<optim::Optimizer> opt = make_optimizer(o, model.parameters());
  data::TensorDataset train_set(d.train_x, d.train_y);
  data::DataLoader loader(train_set, {.batch_size = o.batch_size, .shuffle = true, .seed = o.seed,
                                      .num_workers = o.workers});
  const int64_t steps_per_epoch = loader.size();
  std::unique_ptr<optim::LRScheduler> sched;
  if (o.schedule == "cosine") sched = std::make_unique<optim::CosineAnnealingLR>(*opt, optim::CosineAnnealingLROptions{.T_max = o.epochs});
  if (o.schedule == "step")
    sched = std::make_unique<optim::StepLR>(*opt, optim::StepLROptions{.step_size = std::max<int64_t>(1, o.epochs / 3)});
  if (o.schedule == "onecycle")
    sched = std::make_unique<optim::OneCycleLR>(
        *opt, optim::OneCycleLROptions{.max_lr = o.lr, .total_steps = o.epochs * steps_per_epoch});

  RunDir run(o.out, o.overwrite);
  RunRecord rec;
  rec.args = args_json(o);
  rec.args["out"] = o.out;
  rec.command_line = o.command_line;
  rec.spec = spec;
  rec.device = device_name;
  rec.threads = current_threads();
  rec.train_source = d.train_source;
  rec.test_source = d.test_source;
  rec.train_examples = d.train_x.size(0);
  rec.test_examples = d.test_x.size(0);
  rec.data_seconds = data_seconds;
  run.write_config(rec, "running");

  int64_t params = 0;
  for (const Tensor& p : model.parameters()) params += p.numel();
  std::cout << "wick train: " << o.data << " (" << rec.train_examples << " train, " << rec.test_examples
            << " test examples, loaded in " << format_double(data_seconds, 3) << " s), model " << o.model << " ("
            << params << " parameters), " << o.optimizer << " lr " << o.lr << ", on " << device_name << " with "
            << rec.threads << " threads -> " << o.out << "\n";
  std::cout.flush();

  const bool regression = spec.task == TaskKind::Regression;
  const char* metric_name = regression ? "r2" : "acc";
  Progress progress(Progress::stdout_is_terminal());
  install_interrupt_handler();
  double best_metric = -INFINITY;
  bool interrupted = false;
  EvalResult last_eval;
  const double t_train = now_seconds();
  for (int64_t epoch = 1; epoch <= o.epochs && !interrupted; ++epoch) {
    const double t_epoch = now_seconds();
    const double lr = opt->lr();
    model.train();
    progress.start_epoch(static_cast<int>(epoch), static_cast<int>(o.epochs), train_set.size());
    // Running sums stay tensors: no host round trip per step.
    Tensor loss_sum = zeros({}, {.dtype = kFloat64, .device = device});
    Tensor hits = zeros({}, {.dtype = kInt64, .device = device});
    int64_t seen = 0, step = 0;
    for (auto [x, y] : loader) {
      x = x.to(device);
      y = y.to(device);
      Tensor out = model(x);
      Tensor loss = task_loss(out, y, spec.task);
      opt->zero_grad();
      loss.backward();
      opt->step();
      if (sched && o.schedule == "onecycle" && step + 1 < o.epochs * steps_per_epoch) sched->step();
      const int64_t b = x.size(0);
      {
        NoGradGuard no_grad;
        loss_sum += loss.detach().to(kFloat64) * static_cast<double>(b);
        if (spec.task == TaskKind::Classification)
          hits += out.argmax(1).eq(y).sum();
        else if (spec.task == TaskKind::Binary)
          hits += out.gt(0.0).eq(y.gt(0.5)).sum();
      }
      seen += b;
      ++step;
      if (step % 25 == 0 || seen == train_set.size()) {
        double l = loss_sum.item() / static_cast<double>(seen);
        double m = regression ? 1 - l : hits.item() / static_cast<double>(seen);
        progress.update(seen, l, m, metric_name);
      }
      if (interrupt_requested()) {
        interrupted = true;
        break;
      }
    }
    const double train_seconds = now_seconds() - t_epoch;
    if (interrupted) {
      std::cout << "\ninterrupted in epoch " << epoch << " after " << step << " of " << steps_per_epoch
                << " steps; writing last.safetensors\n";
      break;
    }
    EpochRow row;
    row.epoch = static_cast<int>(epoch);
    row.lr = lr;
    double mean_loss = loss_sum.item() / static_cast<double>(seen);
    // Regression: report in the target's units (the model sees it standardized).
    row.train_loss = regression ? mean_loss * spec.target_std * spec.target_std : mean_loss;
    row.train_metric = regression ? 1 - mean_loss : hits.item() / static_cast<double>(seen);
    last_eval = evaluate(model, d.test_x, d.test_y, spec, device);
    row.test_loss = last_eval.loss;
    row.test_metric = last_eval.metric;
    row.seconds = now_seconds() - t_epoch;
    row.samples_per_second = static_cast<double>(seen) / std::max(train_seconds, 1e-9);
    if (sched && o.schedule != "onecycle") sched->step();
    rec.epochs.push_back(row);
    char line[256];
    std::snprintf(line, sizeof line, "train loss %.4f %s %.4f | test loss %.4f %s %.4f | lr %.3g | %.1fs, %.0f samples/s",
                  row.train_loss, metric_name, row.train_metric, row.test_loss, metric_name, row.test_metric, lr,
                  row.seconds, row.samples_per_second);
    progress.finish_epoch(line);
    Metadata meta = checkpoint_metadata(spec, row);
    if (row.test_metric > best_metric) {
      best_metric = row.test_metric;
      save(model.state_dict(), run.path("best.safetensors"), meta);
    }
    save(model.state_dict(), run.path("last.safetensors"), meta);
    run.write_metrics(rec);
  }
  if (interrupted) {
    EpochRow partial;
    partial.epoch = static_cast<int>(rec.epochs.size());
    save(model.state_dict(), run.path("last.safetensors"), checkpoint_metadata(spec, partial));
  }
  rec.train_seconds = now_seconds() - t_train;
  rec.total_seconds = now_seconds() - t_start;
  run.write_metrics(rec);
  run.write_report(rec, last_eval, d.images ? &d.test_x : nullptr);
  run.write_config(rec, interrupted ? "interrupted" : "completed");
  if (interrupted) {
    std::cout << "stopped early: " << rec.epochs.size() << " complete epochs; run folder " << o.out << "\n";
    return 130;
  }
  char buf[256];
  std::snprintf(buf, sizeof buf, "done: test %s %.4f (best %.4f) in %.1f s training, %.1f s total\n",
                regression ? "R2" : "accuracy", last_eval.metric, best_metric, rec.train_seconds, rec.total_seconds);
  std::cout << buf << "run folder: " << o.out << " (report: " << run.path("report.html") << ")\n";
  return 0;
}

}  // namespace wick::cli
