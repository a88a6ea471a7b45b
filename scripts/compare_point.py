#!/usr/bin/env python3
"""One grid point of the seed's Keras loop, many times: is AEGrid's spread of test MSEs at that point Keras's?

`make compare` shows a grid's best over a few Keras runs; a point where the two disagree needs more draws. This trains
the seed's model (Dense relu encoder, mirrored relu decoder, sigmoid output, Adam, mse, batch 32, shuffled) `--runs`
times for 100 epochs with Keras on one thread, recording the test MSE after epochs 10, 25, 50, 75 and 100 (a run's
first 50 epochs are exactly a 50-epoch fit), and, given AEGrid results directories of the same point (one per
`--seed`), compares the two samples at each epoch count: medians, means, the share of runs below 0.02 and 0.03, and
a two-sided Mann-Whitney U test.

Usage (from the repository root, with make compare's venv):
  for s in $(seq 0 99); do .build/release/aegrid search --train examples/seed/X_train.npy \\
      --test examples/seed/X_test.npy --out point/s$s --seed $s --quiet --grid \\
      '{"encoder_layer1_size":[16],"encoder_layer2_size":[8],"learning_rate":[0.01],"epochs":[10,25,50,75,100]}'; done
  .venv-compare/bin/python scripts/compare_point.py --encoder 16,8 --learning-rate 0.01 --runs 40 \\
      --out keras-point.json --aegrid 'point/s*'
"""
import argparse
import glob
import json
import os
import statistics

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

EPOCHS = (10, 25, 50, 75, 100)


def keras_runs(x_train, x_test, encoder, learning_rate, runs, out):
    import numpy as np
    import tensorflow as tf
    from tensorflow import keras
    from tensorflow.keras import layers

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)

    class Probe(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.mse = {}

        def on_epoch_end(self, epoch, logs=None):
            if epoch + 1 in EPOCHS:
                prediction = self.model.predict(x_test, verbose=0)
                self.mse[str(epoch + 1)] = float(np.mean((x_test - prediction) ** 2))

    results = []
    for run in range(runs):
        inputs = keras.Input(shape=(x_train.shape[1],))
        x = inputs
        for units in encoder:
            x = layers.Dense(units, activation="relu")(x)
        for units in reversed(encoder[:-1]):
            x = layers.Dense(units, activation="relu")(x)
        outputs = layers.Dense(x_train.shape[1], activation="sigmoid")(x)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="mse")
        probe = Probe()
        model.fit(x_train, x_train, epochs=max(EPOCHS), batch_size=32, shuffle=True, verbose=0, callbacks=[probe])
        results.append(probe.mse)
        print(f"keras run {run + 1}/{runs}: " + ", ".join(f"{e} epochs {probe.mse[str(e)]:.5f}" for e in EPOCHS),
              flush=True)
        with open(out, "w") as f:  # after every run, so a stopped study keeps what it has
            json.dump(results, f)
    return results


def aegrid_scores(pattern):
    scores = {e: [] for e in EPOCHS}
    directories = sorted(glob.glob(pattern))
    if not directories:
        raise SystemExit(f"--aegrid {pattern!r} matches no directory")
    for directory in directories:
        path = os.path.join(directory, "results.jsonl")
        with open(path) as f:
            for number, line in enumerate(f, 1):
                record = json.loads(line)
                epochs = record["parameters"]["epochs"]
                if epochs not in scores:
                    raise SystemExit(f"{path}:{number}: epochs {epochs} is not one of {EPOCHS}; use the grid above")
                if record["status"] == "ok":
                    scores[epochs].append(record["test_score"])
    return scores


def describe(values):
    return (f"n={len(values):3d}  median {statistics.median(values):.4f}  mean {statistics.mean(values):.4f}  "
            f"<0.02 {sum(v < 0.02 for v in values) / len(values):4.0%}  <0.03 {sum(v < 0.03 for v in values) / len(values):4.0%}")


def layer_sizes(text):
    """`16,8` -> [16, 8]; anything else is a usage error that names the value."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        sizes = []
    if not sizes or any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of positive layer sizes, e.g. 16,8")
    return sizes


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", default="examples/seed/X_train.npy")
    parser.add_argument("--test", default="examples/seed/X_test.npy")
    parser.add_argument("--encoder", required=True, type=layer_sizes, help="encoder layer sizes, e.g. 16,8")
    parser.add_argument("--learning-rate", type=float, required=True)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--out", required=True, help="Keras results JSON (reused when it exists and --runs is 0)")
    parser.add_argument("--aegrid", help="glob of AEGrid results directories of the same point, one per seed")
    args = parser.parse_args()

    import numpy as np

    encoder = args.encoder
    if args.runs > 0:
        keras = keras_runs(np.load(args.train), np.load(args.test), encoder, args.learning_rate, args.runs, args.out)
    else:
        if not os.path.exists(args.out):
            raise SystemExit(f"--runs 0 reuses --out, and {args.out} does not exist: run some Keras runs first")
        with open(args.out) as f:
            keras = json.load(f)
    if not args.aegrid:
        return
    from scipy.stats import mannwhitneyu

    aegrid = aegrid_scores(args.aegrid)
    print(f"\nencoder {encoder}, learning rate {args.learning_rate}: test MSE, AEGrid seeds against Keras runs")
    for e in EPOCHS:
        ours, theirs = aegrid[e], [run[str(e)] for run in keras]
        if not ours or not theirs:
            continue
        p = mannwhitneyu(ours, theirs).pvalue
        print(f"{e:3d} epochs  AEGrid {describe(ours)}")
        print(f"            Keras  {describe(theirs)}  Mann-Whitney p = {p:.3f}")


if __name__ == "__main__":
    main()
