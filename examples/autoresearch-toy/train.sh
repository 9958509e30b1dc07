#!/bin/sh
# A stand-in for a training run: reads params.env, "trains" for a few seconds, prints the metric.
# val_loss is lowest at LR=0.3 and WIDTH=64; a non-positive LR diverges (the run crashes).
set -eu
. ./params.env
echo "training: LR=$LR WIDTH=$WIDTH DEPTH=$DEPTH"
for step in 1 2 3 4; do
  sleep "${TOY_STEP_SECONDS:-0.5}"
  echo "step $step/4"
done
awk -v lr="$LR" -v width="$WIDTH" -v depth="$DEPTH" 'BEGIN {
  if (lr <= 0) { print "error: loss diverged (LR must be > 0)" > "/dev/stderr"; exit 1 }
  loss = 0.5 + 10 * (lr - 0.3) ^ 2 + ((width - 64) / 64) ^ 2 * 0.2 + (depth - 4) ^ 2 * 0.01
  printf "val_loss: %.6f\n", loss
}'
