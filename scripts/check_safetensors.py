#!/usr/bin/env python3
"""Checks an AEGrid model file with the reference `safetensors` package and numpy alone.

Usage: check_safetensors.py DIR   (DIR holds model.safetensors and rows.json, written by the Swift test
ModelFileTests.testExportForPythonCheck when AEGRID_PYTHON_CHECK_DIR=DIR)

Loads the tensors and metadata with `safetensors`, rebuilds the autoencoder from `aegrid.architecture` and
`aegrid.activations` (z = a @ W + b per layer), reconstructs rows.json's input in float64 from the float32 weights,
and compares with AEGrid's reconstruction: exit 1 unless they agree to 1e-5 (max |diff| / max |value|).
"""
import json
import math
import os
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

TOLERANCE = 1e-5
_erf = np.vectorize(math.erf, otypes=[np.float64])

ACTIVATIONS = {  # Keras 3 definitions (leaky_relu slope 0.2, exact gelu)
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0.0))),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.2 * z),
    "gelu": lambda z: 0.5 * z * (1.0 + _erf(z / math.sqrt(2.0))),
}


def main(directory):
    path = os.path.join(directory, "model.safetensors")
    tensors = load_file(path)
    with safe_open(path, framework="numpy") as f:
        metadata = f.metadata()
    assert metadata["aegrid.format"] == "aegrid-autoencoder/1", metadata.get("aegrid.format")
    architecture = json.loads(metadata["aegrid.architecture"])
    activations = json.loads(metadata["aegrid.activations"])
    sizes = [architecture["input_size"]] + architecture["encoder_units"] + architecture["decoder_units"] \
        + [architecture["input_size"]]
    assert len(activations) == len(sizes) - 1, (activations, sizes)

    rows = json.load(open(os.path.join(directory, "rows.json")))
    a = np.asarray(rows["input"], dtype=np.float32).astype(np.float64)
    for layer, activation in enumerate(activations):
        kernel, bias = tensors[f"dense_{layer}.kernel"], tensors[f"dense_{layer}.bias"]
        assert kernel.dtype == np.float32 and kernel.shape == (sizes[layer], sizes[layer + 1]), kernel.shape
        assert bias.shape == (sizes[layer + 1],), bias.shape
        a = ACTIVATIONS[activation](a @ kernel.astype(np.float64) + bias.astype(np.float64))

    expected = np.asarray(rows["reconstruction"], dtype=np.float64)
    error = float(np.max(np.abs(a - expected)) / max(float(np.max(np.abs(expected))), 1e-30))
    print(f"check_safetensors: {len(tensors)} tensors, layers {' → '.join(map(str, sizes))} "
          f"({', '.join(activations)}), {a.shape[0]} rows reconstructed, max relative difference {error:.2e}")
    if not error <= TOLERANCE:
        print(f"check_safetensors: FAILED, above {TOLERANCE}", file=sys.stderr)
        return 1
    print("check_safetensors: OK")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
