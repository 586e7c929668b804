// The `wick` command: train, eval, predict, summary, export and data fetch.
// Exit codes: 0 success, 1 runtime error (missing or malformed files),
// 2 usage error (bad flag or value), 130 training interrupted by Ctrl-C (143:
// by SIGTERM).
#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>
#include <string>

#include "commands.h"
#include "common.h"
#include "export.h"
#include "wick/distributed.h"

using namespace wick::cli;

namespace {

std::string shell_join(int argc, char** argv) {
  std::string out = "wick";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool plain = !a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=.,/:+") ==
                                   std::string::npos;
    if (plain) {
      out += " " + a;
    } else {
      std::string q = "'";
      for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
      out += " " + q + "'";
    }
  }
  return out;
}

int fail(int code, const std::string& msg) {
  if (wick::distributed::world_size() == 1) {
    std::fprintf(stderr, "wick: error: %s\n", cli_terms(msg).c_str());
    return code;
  }
  // Under mpirun every rank may fail alike: the rank says which one spoke.
  // The other ranks may be waiting in a collective for this one: end the
  // whole job instead of returning.
  std::fprintf(stderr, "wick: error (rank %d): %s\n", wick::distributed::rank(), cli_terms(msg).c_str());
  wick::distributed::abort(code);
}

// CLI11 converts integers with strtoll/strtoull in base 0: "-1" became the
// seed 2^64-1, "010" is octal 8, and a number past the range saturates
// silently. Only plain decimal integers in range are taken.
CLI::Validator decimal_integer(bool non_negative = false) {
  return CLI::Validator(
      [non_negative](std::string& s) -> std::string {
        const size_t sign = !s.empty() && s[0] == '-' ? 1 : 0;
        if (s.size() == sign || s.find_first_not_of("0123456789", sign) != std::string::npos ||
            (s[sign] == '0' && s.size() > sign + 1))
          return "'" + s + "' is not a whole number (decimal digits, no leading zeros)";
        if (non_negative && sign) return s + " is negative; pass 0 or more";
        errno = 0;
        if (sign) (void)std::strtoll(s.c_str(), nullptr, 10);
        else (void)std::strtoull(s.c_str(), nullptr, 10);
        if (errno == ERANGE) return s + " is out of range";
        return "";
      },
      "");
}

// An option given on the command line with an empty or negative value that
// CLI11 accepts but the program would take as "not given" (-1, "").
void check_given(const CLI::Option* binary, int64_t binary_value, const CLI::Option* hidden,
                 const std::string& hidden_value, const CLI::Option* channels, const std::string& channels_value) {
  if (binary->count() > 0 && binary_value < 0)
    usage_error("--binary ", binary_value, ": the image datasets have classes 0..9");
  if (hidden->count() > 0 && hidden_value.empty())
    usage_error("--hidden '': give the hidden sizes, e.g. --hidden 256,128 (or leave the flag out: mlp 256, cnn none)");
  if (channels->count() > 0 && channels_value.empty())
    usage_error("--channels '': give the channels of each conv block, e.g. --channels 16,32 (or leave the flag out for 16,32)");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"wick: train and evaluate regression and classification models from the shell", "wick"};
  app.set_version_flag("--version", "wick 0.1.0");
  app.require_subcommand(1);
  app.fallthrough(false);
  // A flag given twice takes the last value, as most command lines do.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  const CLI::Validator kInt = decimal_integer(), kUInt = decimal_integer(/*non_negative=*/true);

  // ---- train ----
  TrainOptions t;
  CLI::App* train = app.add_subcommand("train", "Train a model and write a run folder (checkpoints, metrics, report)");
  // Required unless --resume (run_train checks): CLI11 cannot say "one of".
  train->add_option("--data", t.data, "mnist, fashion-mnist, cifar10, or a PATH.csv (required unless --resume)");
  train->add_option("--data-dir", t.data_dir, "Folder holding <dataset>/ (as `wick data fetch` writes it)")->capture_default_str();
  train->add_option("--target", t.target, "CSV: the column to predict");
  CLI::Option* t_binary = train->add_option("--binary", t.binary, "Image datasets: one-vs-rest, positive class = this label (use with --model logistic)")
                             ->check(kInt);
  train->add_option("--model", t.model, "softmax | logistic | linear | mlp | cnn (images: conv blocks, then an MLP head)")
      ->capture_default_str();
  CLI::Option* t_hidden = train->add_option(
      "--hidden", t.hidden, "mlp, cnn: hidden Linear sizes, e.g. 256,128 (default: mlp 256, cnn none)");
  CLI::Option* t_channels = train->add_option(
      "--channels", t.channels,
      "cnn: output channels of each block Conv2d(3x3, padding 1) [BatchNorm2d] ReLU MaxPool2d(2) (default 16,32)");
  train->add_flag("--batchnorm", t.batchnorm, "mlp, cnn: BatchNorm1d after each hidden Linear (cnn: BatchNorm2d after each Conv2d too)");
  train->add_option("--dropout", t.dropout, "mlp, cnn: dropout probability after each hidden ReLU")->capture_default_str();
  train->add_option("--activation", t.activation,
                    "mlp, cnn: the hidden layers' activation: relu (default), leaky_relu, elu, gelu, silu, mish, tanh");
  train->add_option("--epochs", t.epochs, "Passes over the training set")->capture_default_str()->check(kInt);
  train->add_option("--batch-size", t.batch_size, "Examples per step")->capture_default_str()->check(kInt);
  train->add_option("--limit", t.limit, "Train on the first N training examples only (0: all)")->capture_default_str()->check(kInt);
  train->add_option("--optimizer", t.optimizer, "sgd | adam | adamw")->capture_default_str();
  train->add_option("--lr", t.lr, "Learning rate (peak rate for onecycle)")->capture_default_str();
  train->add_option("--momentum", t.momentum, "SGD momentum")->capture_default_str();
  train->add_option("--weight-decay", t.weight_decay, "L2 penalty (adamw: decoupled; default 0, adamw 0.01)");
  train->add_option("--schedule", t.schedule, "none | cosine | step | onecycle")->capture_default_str();
  train->add_option("--warmup", t.warmup,
                    "Epochs of linear warmup from lr*0.1 to lr before the schedule (not with onecycle: it warms up itself)")
      ->capture_default_str()
      ->check(kInt);
  train->add_option("--device", t.device, "cpu | cuda | cuda:N | auto")->capture_default_str();
  train->add_option("--seed", t.seed, "Seed of initialization, shuffling, dropout and CSV splits")->capture_default_str()->check(kUInt);
  train->add_option("--threads", t.threads, "CPU threads (0: all cores)")->capture_default_str()->check(kInt);
  train->add_option("--workers", t.workers, "1: build the next batch on a background thread")->capture_default_str()->check(kInt);
  train->add_option("--test-fraction", t.test_fraction, "CSV: share of rows held out as the test set")->capture_default_str();
  train->add_option("--out", t.out, "Run folder (default: runs/<data>-<model>[-N])");
  train->add_flag("--overwrite", t.overwrite, "Reuse a non-empty --out folder");
  train->add_option("--augment", t.augment,
                    "Image datasets: random changes to each training batch, in order: crop (pad 4, random "
                    "window), crop=PADDING, flip (mirror, p=0.5); e.g. crop,flip");
  train->add_option("--clip-grad-norm", t.clip_grad_norm, "Scale gradients to this total L2 norm at most before each step");
  train->add_flag("--detect-anomaly", t.detect_anomaly, "Check every backward op for NaN/Inf and name the op (slow)");
  train->add_option("--resume", t.resume, "Continue the run in this folder from its last.safetensors (only --epochs may be given too)");

  // ---- eval ----
  EvalOptions e;
  CLI::App* eval = app.add_subcommand("eval", "Loss, accuracy, confusion matrix and per-class scores of a checkpoint");
  eval->add_option("checkpoint", e.checkpoint, "A .safetensors file written by `wick train`")->required();
  eval->add_option("--data", e.data, "mnist, fashion-mnist, cifar10 (test split) or a PATH.csv (default: the training dataset)");
  eval->add_option("--data-dir", e.data_dir, "Folder holding <dataset>/")->capture_default_str();
  eval->add_option("--device", e.device, "cpu | cuda | cuda:N | auto")->capture_default_str();
  eval->add_option("--batch-size", e.batch_size, "Examples per forward pass (default 2048, cnn 512; memory only)")->check(kInt);
  eval->add_option("--threads", e.threads, "CPU threads (0: all cores)")->capture_default_str()->check(kInt);

  // ---- predict ----
  PredictOptions p;
  CLI::App* predict = app.add_subcommand("predict", "Class and probabilities (or values) for each input row");
  predict->add_option("checkpoint", p.checkpoint, "A .safetensors file written by `wick train`")->required();
  predict->add_option("input", p.input, "IDX images (*-idx3-ubyte[.gz]), a .npy array or a .csv")->required();
  predict->add_option("--out", p.out, "Write the predictions as CSV to this file instead of stdout");
  predict->add_option("--device", p.device, "cpu | cuda | cuda:N | auto")->capture_default_str();
  predict->add_option("--batch-size", p.batch_size, "Examples per forward pass (default 2048, cnn 512; memory only)")->check(kInt);
  predict->add_option("--threads", p.threads, "CPU threads (0: all cores)")->capture_default_str()->check(kInt);

  // ---- summary ----
  SummaryOptions s;
  CLI::App* summary = app.add_subcommand("summary", "Keras-style table of a model's layers, output shapes and parameters");
  summary->add_option("checkpoint", s.checkpoint, "A checkpoint (instead of --model/--data)");
  summary->add_option("--data", s.data, "mnist, fashion-mnist, cifar10 or a PATH.csv")->capture_default_str();
  summary->add_option("--data-dir", s.data_dir, "Folder holding <dataset>/")->capture_default_str();
  summary->add_option("--target", s.target, "CSV: the column to predict");
  CLI::Option* s_binary =
      summary->add_option("--binary", s.binary, "One-vs-rest on an image dataset")->check(kInt);
  summary->add_option("--model", s.model, "softmax | logistic | linear | mlp | cnn")->capture_default_str();
  CLI::Option* s_hidden = summary->add_option("--hidden", s.hidden, "mlp, cnn: hidden Linear sizes, e.g. 256,128");
  CLI::Option* s_channels = summary->add_option("--channels", s.channels, "cnn: output channels of each conv block (default 16,32)");
  summary->add_flag("--batchnorm", s.batchnorm, "mlp, cnn: BatchNorm1d after each hidden Linear (cnn: BatchNorm2d after each Conv2d too)");
  summary->add_option("--dropout", s.dropout, "mlp, cnn: dropout probability")->capture_default_str();
  summary->add_option("--activation", s.activation, "mlp, cnn: relu (default), leaky_relu, elu, gelu, silu, mish, tanh");

  // ---- export ----
  ExportOptions x;
  CLI::App* exp = app.add_subcommand("export", "Write a checkpoint's weights as a PyTorch .pt file and print the PyTorch code that loads them");
  exp->add_option("checkpoint", x.checkpoint, "A .safetensors file written by `wick train`")->required();
  exp->add_option("out", x.out, "The .pt (or .pth) file to write, in torch.save's format")->required();

  // ---- data fetch ----
  CLI::App* data = app.add_subcommand("data", "Dataset tools");
  data->require_subcommand(1);
  std::string fetch_name, fetch_dir = "data";
  CLI::App* fetch = data->add_subcommand("fetch", "Download a dataset into DIR/<name>, checksum-verified");
  fetch->add_option("name", fetch_name, "mnist | fashion-mnist | cifar10")->required();
  fetch->add_option("--dir", fetch_dir, "Parent folder")->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& err) {
    if (err.get_exit_code() == 0) return app.exit(err);  // --help, --version
    const std::string first = argc > 1 ? argv[1] : "";
    if (!first.empty() && first[0] != '-' && first != "train" && first != "eval" && first != "predict" &&
        first != "summary" && first != "export" && first != "data")
      return fail(2, std::string("unknown subcommand '") + argv[1] +
                         "'; choose train, eval, predict, summary, export or data");
    return fail(2, std::string(err.what()) + " (see `wick --help`)");
  }

  try {
    if (train->parsed()) {
      check_given(t_binary, t.binary, t_hidden, t.hidden, t_channels, t.channels);
      t.command_line = shell_join(argc, argv);
      for (const CLI::Option* opt : train->get_options())
        if (opt->count() > 0 && !opt->get_lnames().empty()) t.given_flags.push_back("--" + opt->get_lnames().front());
      return run_train(t);
    }
    if (eval->parsed()) return run_eval(e);
    if (predict->parsed()) return run_predict(p);
    if (summary->parsed()) {
      check_given(s_binary, s.binary, s_hidden, s.hidden, s_channels, s.channels);
      return run_summary(s);
    }
    if (exp->parsed()) return run_export(x);
    if (fetch->parsed()) return run_fetch(fetch_name, fetch_dir);
    return fail(2, "no subcommand; see `wick --help`");
  } catch (const UsageError& err) {
    return fail(2, err.what());
  } catch (const std::bad_alloc&) {
    return fail(1, "out of memory (try a smaller --batch-size or --limit)");
  } catch (const std::exception& err) {
    // wick::Error and anything else: one line, no stack trace.
    std::string msg = err.what();
    for (char& c : msg)
      if (c == '\n') c = ' ';
    return fail(1, msg);
  } catch (...) {
    return fail(1, "unexpected failure");
  }
}
