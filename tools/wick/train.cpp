// `wick train`: validate every flag and load the data before the run
// directory exists, then train with a progress bar, evaluating the test set
// after each epoch, and write checkpoints, metrics, config and report.
//
// Under `mpirun -np N` it trains data-parallel (docs/DISTRIBUTED.md): each
// rank its shard of every epoch with --batch-size examples per step, the
// gradients averaged across ranks each step; rank 0 alone prints, evaluates
// and writes the run folder. Without mpirun nothing of that runs.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "augment.h"
#include "commands.h"
#include "common.h"
#include "data_prep.h"
#include "evaluate.h"
#include "progress.h"
#include "run_config.h"
#include "run_dir.h"
#include "train_state.h"
#include "wick/autograd.h"
#include "wick/creation.h"
#include "wick/data/dataloader.h"
#include "wick/data/tensor_dataset.h"
#include "wick/distributed.h"
#include "wick/io/safetensors.h"
#include "wick/nn/data_parallel.h"
#include "wick/nn/utils.h"
#include "wick/optim/optim.h"
#include "wick/random.h"

namespace wick::cli {

namespace fs = std::filesystem;
using nlohmann::json;
using wick::detail::concat;

namespace {

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

// --warmup N: the lr rises linearly from lr * kWarmupStartFactor over the
// first N epochs (PyTorch's LinearLR), then the schedule runs over the other
// epochs, handed over by SequentialLR at epoch N exactly as PyTorch 1.13 does
// (the schedule restarts at its closed form: cosine and step at --lr).
constexpr double kWarmupStartFactor = 0.1;

std::shared_ptr<optim::LRScheduler> make_schedule(const TrainOptions& o, optim::Optimizer& opt,
                                                  int64_t steps_per_epoch) {
  if (o.schedule == "onecycle")
    return std::make_shared<optim::OneCycleLR>(
        opt, optim::OneCycleLROptions{.max_lr = o.lr, .total_steps = o.epochs * steps_per_epoch});
  std::shared_ptr<optim::LRScheduler> warmup;
  if (o.warmup > 0)
    warmup = std::make_shared<optim::LinearLR>(
        opt, optim::LinearLROptions{.start_factor = kWarmupStartFactor, .end_factor = 1.0, .total_iters = o.warmup});
  const int64_t epochs = o.epochs - o.warmup;  // validate_train_options: >= 1
  std::shared_ptr<optim::LRScheduler> after;
  if (o.schedule == "cosine") after = std::make_shared<optim::CosineAnnealingLR>(opt, optim::CosineAnnealingLROptions{.T_max = epochs});
  if (o.schedule == "step")
    after = std::make_shared<optim::StepLR>(opt, optim::StepLROptions{.step_size = std::max<int64_t>(1, epochs / 3)});
  if (!warmup || !after) return warmup ? warmup : after;
  return std::make_shared<optim::SequentialLR>(opt, std::vector<std::shared_ptr<optim::LRScheduler>>{warmup, after},
                                               std::vector<int64_t>{o.warmup});
}

// Data paths are stored absolute, so `--resume` finds the data from any
// folder (the console and error messages keep what was typed).
std::string absolute_path(const std::string& p) { return fs::absolute(p).lexically_normal().string(); }

json args_json(const TrainOptions& o) {
  const std::string data = is_builtin_dataset(o.data) ? o.data : absolute_path(o.data);
  json j = {{"data", data},         {"data_dir", absolute_path(o.data_dir)}, {"model", o.model},
            {"epochs", o.epochs},   {"batch_size", o.batch_size}, {"optimizer", o.optimizer},
            {"lr", o.lr},           {"momentum", o.momentum},     {"schedule", o.schedule},
            {"device", o.device},   {"seed", o.seed},             {"threads", o.threads},
            {"workers", o.workers}, {"out", o.out}};
  if (!o.target.empty()) j["target"] = o.target;
  if (o.binary >= 0) j["binary"] = o.binary;
  if (o.model == "mlp" || o.model == "cnn") {
    j["hidden"] = o.hidden;
    j["batchnorm"] = o.batchnorm;
    j["dropout"] = o.dropout;
  }
  if (o.model == "cnn") j["channels"] = o.channels;
  if (!o.activation.empty()) j["activation"] = o.activation;
  if (o.weight_decay) j["weight_decay"] = *o.weight_decay;
  if (o.limit) j["limit"] = o.limit;
  if (o.warmup) j["warmup"] = o.warmup;
  if (!is_builtin_dataset(o.data)) j["test_fraction"] = o.test_fraction;
  if (o.clip_grad_norm) j["clip_grad_norm"] = *o.clip_grad_norm;
  if (!o.augment.empty()) j["augment"] = o.augment;
  if (o.detect_anomaly) j["detect_anomaly"] = true;
  return j;
}

// --resume RUN_DIR: the run's own flags and command history from its
// config.json (args_json's inverse); only --epochs may be given again, to
// extend the run.
SavedRun resume_options(const TrainOptions& given) {
  const std::string& dir = given.resume;
  if (!fs::is_directory(dir)) usage_error("--resume ", dir, ": no such run folder");
  for (const std::string& flag : given.given_flags)
    if (flag != "--resume" && flag != "--epochs")
      usage_error("--resume ", dir, " continues the run with its saved flags (config.json); ", flag,
                  " cannot be changed (only --epochs, to extend the run)");
  const std::string cfg_path = (fs::path(dir) / "config.json").string();
  if (!fs::exists(cfg_path)) throw Error(cfg_path + ": no such file; --resume needs the folder of a `wick train` run");
  SavedRun saved = read_run_config(read_file(cfg_path), cfg_path);
  TrainOptions& o = saved.options;
  if (std::find(given.given_flags.begin(), given.given_flags.end(), "--epochs") != given.given_flags.end())
    o.epochs = given.epochs;
  o.out = dir;
  o.resume = dir;
  o.command_line = given.command_line;
  // The data paths come from config.json, not from this command line: say
  // so when they are gone (moved data, or a relative path from an older run).
  auto gone = [&](const char* key, const std::string& p, const char* what) {
    throw Error(concat("--resume ", dir, ": the run's ", what, " ", p, " (\"", key, "\" in ", cfg_path,
                       ") does not exist",
                       fs::path(p).is_relative() ? " relative to this folder; resume from the folder the run was started in"
                                                 : "; put the data back there"));
  };
  if (is_builtin_dataset(o.data) && !fs::is_directory(o.data_dir)) gone("data_dir", o.data_dir, "data folder");
  if (!is_builtin_dataset(o.data) && !fs::exists(o.data)) gone("data", o.data, "data file");
  return saved;
}

// The loss went NaN or Inf: stop now, keep last.safetensors as the last good
// epoch left it (it is not rewritten), and say what to try.
// first_step < step: the check ran only every few steps (off the CPU, where
// reading the loss each step would cost a device sync).
// run: null on ranks other than 0 (they write nothing).
[[noreturn]] void diverged(const RunDir* run, RunRecord& rec, double loss, int64_t epoch, int64_t first_step,
                           int64_t step, int64_t steps_per_epoch, double lr) {
  rec.total_seconds = rec.train_seconds = 0;
  if (run) {
    run->write_metrics(rec);
    run->write_config(rec, "diverged");
  }
  const std::string kept = rec.epochs.empty() ? std::string("no epoch completed, so no checkpoint was written")
                                              : concat("last.safetensors keeps epoch ", rec.epochs.back().epoch);
  throw Error(concat("the training loss is ", std::isnan(loss) ? "NaN" : "infinite", " at epoch ", epoch,
                     first_step < step ? concat(", steps ", first_step, "..", step) : concat(", step ", step), " of ",
                     steps_per_epoch, " (learning rate ", format_double(lr, 6),
                     "): training diverged and stopped (", kept, "); lower --lr (e.g. --lr ", format_double(lr / 10, 3),
                     ") or add --clip-grad-norm 1.0"));
}

}  // namespace

int run_train(const TrainOptions& opts) {
  if (opts.resume.empty() && opts.data.empty())
    usage_error("--data is required: mnist, fashion-mnist, cifar10 or a PATH.csv (or --resume RUN_DIR)");
  SavedRun saved = opts.resume.empty() ? SavedRun{.options = opts} : resume_options(opts);
  TrainOptions& o = saved.options;
  validate_train_options(o);
  // Under mpirun: MPI, and this process's rank; otherwise a world of one.
  distributed::init();
  const int rank = distributed::rank(), world = distributed::world_size();
  const bool main_rank = distributed::is_main();
  const double t_start = now_seconds();
  std::string device_name = resolve_device(o.device);
  Device device(device_name);
  set_threads(o.threads);
  const bool resuming = !o.resume.empty();
  // Rank 0 alone picks (and later creates) the run folder: another rank would
  // see rank 0's new folder and choose a different name, or refuse --out.
  if (!resuming && main_rank) o.out = choose_out_dir(o);

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
  // With the input shape known: a cnn too deep for the images is refused here.
  apply_model_flags(spec, model_flags(o));  // o passed validate_train_options above
  manual_seed(o.seed);
  nn::Sequential model = spec.build();
  model.to(device);
  // Data-parallel: rank 0's initial weights on every rank (the same seed
  // gave the same ones; this makes it certain). Nothing in a world of one.
  nn::DistributedDataParallel ddp(model);
  std::unique_ptr<optim::Optimizer> opt = make_optimizer(o, model.parameters());
  TrainSet train_set(d);  // MNIST: uint8 pixels normalized per batch (data_prep.h)
  // A batch larger than the training set is one batch of all of it, as in
  // PyTorch (capped here: the loader's step count would overflow).
  const int64_t batch_size = std::min(o.batch_size, train_set.size());
  // --augment: random crops/flips of each training batch, drawn from the
  // global generator (so --resume continues them exactly, and each MPI rank,
  // seeded apart for dropout, augments its own shard differently).
  data::Transform augment;
  if (!o.augment.empty()) augment = make_augmentation(o.augment, d.spec.input_shape, d.spec.mean, d.spec.std);
  // Every rank draws the same order (same seed) and takes its own shard.
  data::DataLoader loader(train_set, {.batch_size = batch_size, .shuffle = true, .seed = o.seed,
                                      .num_workers = o.workers, .transform = augment, .rank = rank,
                                      .world_size = world});
  const int64_t steps_per_epoch = loader.size();
  const std::shared_ptr<optim::LRScheduler> sched = make_schedule(o, *opt, steps_per_epoch);

  // --resume: weights, optimizer and schedule state, RNG and loader
  // position, metrics so far, all from last.safetensors.
  TrainProgress prog;
  if (resuming) {
    const std::string last = (fs::path(o.out) / "last.safetensors").string();
    if (!fs::exists(last))
      throw Error(concat("--resume ", o.out, ": no last.safetensors (the run stopped before its first epoch ended); start it again"));
    prog = load_train_checkpoint(last, model, *opt, sched.get());
    // A stop inside an epoch is recorded after one of its steps, never its last.
    if (prog.step >= steps_per_epoch)
      throw Error(concat(last, ": the training state stopped after step ", prog.step, " of an epoch, but the epoch has ",
                         steps_per_epoch, " steps; the data has changed since the run was saved, or the file was edited"));
    // A resume must train: --epochs above the complete epochs. A run stopped
    // inside epoch k + 1 thus needs --epochs k + 1 or more, which finishes
    // that epoch (--epochs k would end with its half-trained weights).
    if (prog.epochs_done >= o.epochs && prog.step == 0)
      usage_error("--resume ", o.out, ": the run has completed its ", prog.epochs_done,
                  " epochs; pass --epochs N (more than ", prog.epochs_done, ") to extend it");
    if (prog.epochs_done >= o.epochs)
      usage_error("--resume ", o.out, ": --epochs ", o.epochs, " ends before the epoch the run stopped in (epoch ",
                  prog.epochs_done + 1, ", after ", prog.epochs_done, " complete epochs); pass --epochs N (more than ",
                  prog.epochs_done, ") to finish it, or leave --epochs out");
  }
  std::optional<RunDir> run;
  if (main_rank) run.emplace(o.out, o.overwrite && !resuming);
  RunDir* const run_out = run ? &*run : nullptr;  // diverged() writes through it on rank 0 only
  RunRecord rec;
  rec.args = args_json(o);
  rec.args["out"] = o.out;
  rec.command_line = o.command_line;
  if (resuming) {
    // The run's own command stays; each resume adds its command line.
    rec.command_line = saved.command;
    rec.resumed = saved.resumed;
    rec.resumed.push_back(o.command_line);
    rec.epochs = prog.rows;
  }
  rec.spec = spec;
  rec.device = device_name;
  rec.threads = current_threads();
  rec.world_size = world;
  rec.train_source = d.train_source;
  rec.test_source = d.test_source;
  rec.train_examples = d.train_x.size(0);
  rec.test_examples = d.test_x.size(0);
  rec.data_seconds = data_seconds;
  if (main_rank) run->write_config(rec, "running");

  int64_t params = 0;
  for (const Tensor& p : model.parameters()) params += p.numel();
  if (main_rank) {
    std::cout << "wick train: " << o.data << " (" << rec.train_examples << " train, " << rec.test_examples
              << " test examples, loaded in " << format_double(data_seconds, 3) << " s), model " << o.model << " ("
              << params << " parameters), " << o.optimizer << " lr " << o.lr << ", on " << device_name << " with "
              << rec.threads << " threads" << (world > 1 ? concat(" x ", world, " processes (mpirun)") : "") << " -> "
              << o.out << "\n";
    std::cout.flush();
  }

  const bool regression = spec.task == TaskKind::Regression;
  const char* metric_name = regression ? "r2" : "acc";
  // Under mpirun stdout is a pty that orted forwards, a terminal or a log:
  // one plain line per epoch there.
  Progress progress(world == 1 && Progress::stdout_is_terminal());
  // Ctrl-C under mpirun reaches every rank at a different step, and the
  // ranks' collectives would no longer match: there it just ends the job.
  if (world == 1) install_interrupt_handler();
  double best_metric = prog.best_metric;
  bool interrupted = false;
  EvalResult last_eval;
  const std::vector<Tensor> trained = model.parameters();
  if (resuming) set_rng_state(prog.rng);  // after the model's initialization drew from it
  std::optional<DetectAnomalyGuard> anomaly;
  if (o.detect_anomaly) anomaly.emplace();
  const double t_train = now_seconds();
  for (int64_t epoch = prog.epochs_done + 1; epoch <= o.epochs && !interrupted; ++epoch) {
    const double t_epoch = now_seconds();
    const double lr = opt->lr();
    model.train();
    // Data-parallel: dropout and augmentation differ per rank (and per epoch,
    // so that a resumed run draws what the original would have).
    if (world > 1) manual_seed(o.seed + static_cast<uint64_t>(world * (epoch - 1) + rank));
    if (main_rank) progress.start_epoch(static_cast<int>(epoch), static_cast<int>(o.epochs), loader.examples());
    // Running sums stay tensors: no host round trip per step.
    Tensor loss_sum = zeros({}, {.dtype = kFloat64, .device = device});
    Tensor hits = zeros({}, {.dtype = kInt64, .device = device});
    int64_t seen = 0, step = 0, skip = 0, checked_step = 0;
    if (epoch == prog.epochs_done + 1 && prog.step > 0) {
      // Resuming an interrupted epoch: its running sums, and the loader starts
      // after its first steps (the order for this epoch is the one they had;
      // the skipped batches are not built, so --augment draws as before).
      loss_sum.fill_(prog.loss_sum);
      hits.fill_(static_cast<double>(prog.hits));
      seen = prog.seen;
      skip = step = checked_step = prog.step;
    }
    // The shuffle order of epoch e is keyed on (seed, e).
    loader.set_epoch(epoch - 1);
    loader.set_start_batch(skip);
    for (auto [x, y] : loader) {
      x = x.to(device);
      y = y.to(device);
      Tensor out = model(x);
      Tensor loss = task_loss(out, y, spec.task);
      // On the CPU reading the loss is a load, not a device sync: check every
      // step, before a NaN reaches the weights. Elsewhere the running sum is
      // checked where the progress display reads it anyway.
      if (device.is_cpu()) {
        const double l = loss.item();
        if (!std::isfinite(l)) diverged(run_out, rec, l, epoch, step + 1, step + 1, steps_per_epoch, opt->lr());
      }
      opt->zero_grad();
      loss.backward();
      ddp.sync_gradients();  // average over the ranks (nothing in a world of one)
      if (o.clip_grad_norm) nn::utils::clip_grad_norm_(trained, *o.clip_grad_norm);
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
      if (step % 25 == 0 || step == steps_per_epoch) {
        double l = loss_sum.item() / static_cast<double>(seen);
        if (!std::isfinite(l)) diverged(run_out, rec, l, epoch, checked_step + 1, step, steps_per_epoch, opt->lr());
        checked_step = step;
        double m = regression ? 1 - l : hits.item() / static_cast<double>(seen);
        if (main_rank) progress.update(seen, l, m, metric_name);
      }
      if (interrupt_requested()) {
        interrupted = true;
        break;
      }
    }
    const double train_seconds = now_seconds() - t_epoch;
    if (interrupted) {
      std::cout << "\ninterrupted in epoch " << epoch << " after " << step << " of " << steps_per_epoch
                << " steps; writing last.safetensors (continue with --resume " << o.out << ")\n";
      prog.epochs_done = epoch - 1;
      prog.step = step;
      prog.loss_sum = loss_sum.item();
      prog.hits = hits.item<int64_t>();
      prog.seen = seen;
      break;
    }
    EpochRow row;
    row.epoch = static_cast<int>(epoch);
    row.lr = lr;
    // The epoch's totals over all ranks (each saw its own shard).
    Tensor totals = tensor({loss_sum.item(), hits.item(), static_cast<double>(seen)}, {.dtype = kFloat64});
    distributed::all_reduce(totals, distributed::ReduceOp::Sum);
    const double seen_all = totals[2].item(), hits_all = totals[1].item();
    double mean_loss = totals[0].item() / seen_all;
    if (!std::isfinite(mean_loss)) diverged(run_out, rec, mean_loss, epoch, checked_step + 1, step, steps_per_epoch, opt->lr());
    // Regression: report in the target's units (the model sees it standardized).
    row.train_loss = regression ? mean_loss * spec.target_std * spec.target_std : mean_loss;
    row.train_metric = regression ? 1 - mean_loss : hits_all / seen_all;
    // Rank 0 evaluates the whole test set, so the numbers are a single
    // process's; the other ranks wait for it here.
    if (main_rank) last_eval = evaluate(model, d.test_x, d.test_y, spec, device, eval_batch_size(spec));
    distributed::barrier();
    row.test_loss = last_eval.loss;
    row.test_metric = last_eval.metric;
    row.seconds = now_seconds() - t_epoch;
    row.samples_per_second = seen_all / std::max(train_seconds, 1e-9);
    if (sched && o.schedule != "onecycle") sched->step();
    rec.epochs.push_back(row);
    if (!main_rank) continue;  // the rest of the epoch prints and writes
    char line[256];
    std::snprintf(line, sizeof line, "train loss %.4f %s %.4f | test loss %.4f %s %.4f | lr %.3g | %.1fs, %.0f samples/s",
                  row.train_loss, metric_name, row.train_metric, row.test_loss, metric_name, row.test_metric, lr,
                  row.seconds, row.samples_per_second);
    progress.finish_epoch(line);
    Metadata meta = checkpoint_metadata(spec, row);
    if (row.test_metric > best_metric) {
      best_metric = row.test_metric;
      save(model.state_dict(), run->path("best.safetensors"), meta);
    }
    prog = TrainProgress{.epochs_done = epoch, .best_metric = best_metric, .rng = get_rng_state(),
                         .loader_epoch = epoch, .rows = rec.epochs};
    save_train_checkpoint(run->path("last.safetensors"), model, *opt, sched.get(), spec, prog);
    run->write_metrics(rec);
  }
  if (interrupted) {
    prog.best_metric = best_metric;
    prog.rows = rec.epochs;
    prog.rng = get_rng_state();
    prog.loader_epoch = prog.epochs_done;
    save_train_checkpoint(run->path("last.safetensors"), model, *opt, sched.get(), spec, prog);
  }
  rec.train_seconds = now_seconds() - t_train;
  rec.total_seconds = now_seconds() - t_start;
  if (!main_rank) return 0;
  run->write_metrics(rec);
  run->write_report(rec, last_eval, d.images ? &d.test_x : nullptr);
  run->write_config(rec, interrupted ? "interrupted" : "completed");
  if (interrupted) {
    std::cout << "stopped early: " << rec.epochs.size() << " complete epochs; run folder " << o.out << "\n";
    return interrupt_exit_code();
  }
  char buf[256];
  std::snprintf(buf, sizeof buf, "done: test %s %.4f (best %.4f) in %.1f s training, %.1f s total\n",
                regression ? "R2" : "accuracy", last_eval.metric, best_metric, rec.train_seconds, rec.total_seconds);
  std::cout << buf << "run folder: " << o.out << " (report: " << run->path("report.html") << ")\n";
  return 0;
}

}  // namespace wick::cli
