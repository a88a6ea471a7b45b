#!/usr/bin/env python3
"""The seed's Keras grid search, as the seed writes it, timed: the reference `make compare` measures AEGrid against.

For each of the seed's three grids it builds one Keras model per sklearn ParameterGrid point, fits it
(batch_size=32, shuffle each epoch, verbose=0), predicts the test set and scores sklearn's mean_squared_error.
Writes one JSON object to --out: per grid, wall seconds, trial count, best test MSE and best parameters.

Usage: compare_keras.py --train X_train.npy --test X_test.npy --out keras.json [--grids 1,2,3]
"""
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import ParameterGrid
from tensorflow import keras
from tensorflow.keras import layers, regularizers

from seed_compare import grid_numbers, parser, seed_grid


def build_autoencoder(input_dim, params):
    """The seed's model: Dense relu encoder, mirrored relu decoder, sigmoid output, Adam, mse."""
    if "encoder_layer1_size" in params:
        encoder = [params["encoder_layer1_size"], params["encoder_layer2_size"]]
    else:
        encoder = [params["latent_dim"]]
    reg = regularizers.l2(params["l2_reg"]) if "l2_reg" in params else None
    inputs = keras.Input(shape=(input_dim,))
    x = inputs
    for units in encoder:
        x = layers.Dense(units, activation="relu", kernel_regularizer=reg)(x)
    for units in reversed(encoder[:-1]):
        x = layers.Dense(units, activation="relu", kernel_regularizer=reg)(x)
    outputs = layers.Dense(input_dim, activation="sigmoid", kernel_regularizer=reg)(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=params["learning_rate"]), loss="mse")
    return model


def run_grid(grid, x_train, x_test):
    results = []
    start = time.perf_counter()
    for params in ParameterGrid(grid):
        model = build_autoencoder(x_train.shape[1], params)
        model.fit(x_train, x_train, epochs=params["epochs"], batch_size=32, shuffle=True, verbose=0)
        pred = model.predict(x_test, verbose=0)
        results.append({"params": params, "test_mse": float(mean_squared_error(x_test, pred))})
    wall = time.perf_counter() - start
    best = min(results, key=lambda r: r["test_mse"])
    return {"wall_seconds": wall, "trials": len(results), "best_test_mse": best["test_mse"],
            "best_params": best["params"], "results": results}


def main():
    args = parser(__doc__).parse_args()
    x_train = np.load(args.train)
    x_test = np.load(args.test)
    out = {"keras_version": keras.__version__, "grids": {}}
    for g in grid_numbers(args):
        out["grids"][str(g)] = run_grid(seed_grid(g), x_train, x_test)
        r = out["grids"][str(g)]
        print(f"keras grid {g}: {r['trials']} trials in {r['wall_seconds']:.1f} s, best test MSE "
              f"{r['best_test_mse']:.5f} {r['best_params']}", flush=True)
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
