#!/usr/bin/env bash
# The first command to run: sets up the machine, builds the `wick` command,
# fetches MNIST, and trains two classifiers on the CPU from the shell:
#   1. softmax regression (5 epochs, SGD lr 0.01 momentum 0.9, batch 128)
#   2. an MLP 784-256-BatchNorm-ReLU-Dropout(0.2)-10 (3 epochs, Adam lr 1e-3
#      with cosine annealing, batch 128)
# and prints each test accuracy, the training and wall times, and where the
# HTML reports are. Works from any directory.
#
# Environment knobs (besides those of scripts/lib.sh):
#   WICK_THREADS   CPU threads for training (default 1; 0: all cores). One
#                  thread, because on a shared 2-core machine the OpenMP
#                  spin-waits of a second thread made training 10-30x slower
#                  (docs/PERFORMANCE.md); these models are small enough that
#                  one core trains both in well under 15 s.
#   WICK_DATA_DIR  where the datasets live (default: data, under the repo root)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WICK_THREADS=${WICK_THREADS:-1}
WICK_DATA_DIR=${WICK_DATA_DIR:-data}

wick_setup
wick_configure
# Only the command and what it links: the test suite takes longer to build.
wick_build wick_cli
WICK="$WICK_BUILD_DIR/bin/wick"

echo "== fetch MNIST into $WICK_DATA_DIR/mnist"
"$WICK" data fetch mnist --dir "$WICK_DATA_DIR"

# json_number FILE KEY: a number from config.json (written by `wick train`).
json_number() { grep -o "\"$2\": [-0-9.eE+]*" "$1" | head -1 | awk '{print $2}'; }
# last_accuracy RUN: test accuracy of the last epoch in metrics.csv.
last_accuracy() { tail -n 1 "$1/metrics.csv" | cut -d, -f5; }

status=0
summary=()
train() {  # train NAME TARGET_ACCURACY wick-train-flags...
  local name=$1 target=$2
  shift 2
  local run="runs/demo-$name"
  echo "== train $name -> $run"
  local t0 t1
  t0=$(date +%s.%N)
  "$WICK" train --data mnist --data-dir "$WICK_DATA_DIR" --device cpu --threads "$WICK_THREADS" --seed 0 \
    --out "$run" --overwrite "$@"
  t1=$(date +%s.%N)
  local acc train_s wall_s verdict
  acc=$(last_accuracy "$run")
  train_s=$(json_number "$run/config.json" train_seconds)
  wall_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  if awk -v a="$acc" -v t="$target" 'BEGIN { exit !(a >= t) }'; then
    verdict="ok, target >= $target"
  else
    verdict="BELOW the target $target"
    status=1
  fi
  summary+=("$(printf '%-8s test accuracy %.4f (%s); training %.1f s, wall %s s (with data loading and startup); report: %s' \
    "$name" "$acc" "$verdict" "$train_s" "$wall_s" "$run/report.html")")
}

train softmax 0.92 --model softmax --epochs 5 --batch-size 128 --optimizer sgd --lr 0.01 --momentum 0.9
train mlp 0.975 --model mlp --hidden 256 --batchnorm --dropout 0.2 --epochs 3 --batch-size 128 \
  --optimizer adam --lr 1e-3 --schedule cosine

echo
echo "== results"
for line in "${summary[@]}"; do echo "$line"; done
echo
echo "Open the reports in a browser, e.g.: xdg-open $WICK_ROOT/runs/demo-mlp/report.html"
echo "Next: $WICK eval runs/demo-mlp/best.safetensors --data mnist   (see docs/CLI.md)"
exit $status
