#!/usr/bin/env python3
"""The seed's three grids in JAX, written the way JAX is fastest: `make compare`'s strongest Python peer.

Same data, same model and the same Keras-default numerics as scripts/compare_keras.py, as far as JAX allows: Dense
relu encoder, mirrored relu decoder, sigmoid output, Glorot-uniform kernels and zero biases, mean squared error plus
L1/L2 penalties on the kernels (Keras's `l2(λ)` adds λ·ΣW²), Adam with Keras's defaults (β1 0.9, β2 0.999, ε 1e-7,
bias correction folded into the step size), batch 32 with the last, smaller batch kept, the rows shuffled every
epoch. Each trial draws its own initial weights and shuffles, as each Keras fit does.

How it runs: the trials of a grid that share a shape (architecture and epochs; they differ in learning rate,
penalties and random draws) form one group, trained by one `jit`-compiled function that `vmap`s one trial's
training over the group, a loop over epochs (`lax.fori_loop`, the count a traced value, so a shape's 50- and 100-epoch
groups share one compilation) around a `lax.scan` over the epoch's full batches (then the last, partial batch). Each grid is timed twice: cold (the first pass, compilation included) and compiled (a second
pass of the same work, every function already compiled; it reproduces the first pass's numbers).

Writes one JSON object to --out: per grid, both wall times, trial count, best test MSE and parameters, and every
trial's test MSE.

Usage: compare_jax.py --train X_train.npy --test X_test.npy --out jax.json [--grids 1,2,3]
"""
import json
import os
import time
from functools import partial

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax
import jax.numpy as jnp
import numpy as np
from sklearn.model_selection import ParameterGrid

from seed_compare import grid_numbers, parser, seed_grid
BATCH = 32
BETA1, BETA2, EPSILON = 0.9, 0.999, 1e-7


def layer_sizes(input_dim, params):
    """The seed's model: input, encoder layers, the mirrored decoder, the output (as compare_keras.py builds it)."""
    if "encoder_layer1_size" in params:
        encoder = [params["encoder_layer1_size"], params["encoder_layer2_size"]]
    else:
        encoder = [params["latent_dim"]]
    return tuple([input_dim] + encoder + list(reversed(encoder[:-1])) + [input_dim])


def init_params(key, sizes):
    """Glorot-uniform kernels (limit √(6 / (fan_in + fan_out))), zero biases: Keras's Dense defaults."""
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        key, sub = jax.random.split(key)
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        params.append((jax.random.uniform(sub, (fan_in, fan_out), jnp.float32, -limit, limit),
                       jnp.zeros((fan_out,), jnp.float32)))
    return params


def forward(params, x):
    for i, (w, b) in enumerate(params):
        x = x @ w + b
        x = jax.nn.sigmoid(x) if i == len(params) - 1 else jax.nn.relu(x)
    return x


def loss(params, x, l1, l2):
    """Keras's training loss: the batch's mean squared error plus the kernels' penalties."""
    mse = jnp.mean((forward(params, x) - x) ** 2)
    kernels = [w for w, _ in params]
    return mse + l1 * sum(jnp.sum(jnp.abs(w)) for w in kernels) + l2 * sum(jnp.sum(w * w) for w in kernels)


def adam_step(params, m, v, step, x, learning_rate, l1, l2):
    """One Keras Adam update: α = lr·√(1−β2^t)/(1−β1^t), w −= α·m/(√v + ε)."""
    grads = jax.grad(loss)(params, x, l1, l2)
    t = step + 1.0
    alpha = learning_rate * jnp.sqrt(1 - BETA2 ** t) / (1 - BETA1 ** t)
    m = jax.tree_util.tree_map(lambda m, g: BETA1 * m + (1 - BETA1) * g, m, grads)
    v = jax.tree_util.tree_map(lambda v, g: BETA2 * v + (1 - BETA2) * g * g, v, grads)
    params = jax.tree_util.tree_map(lambda p, m, v: p - alpha * m / (jnp.sqrt(v) + EPSILON), params, m, v)
    return params, m, v, t


def train_one(key, learning_rate, l1, l2, x_train, x_test, epochs, sizes):
    """One trial: its own initial weights and shuffles from `key`; returns its test MSE."""
    init_key, shuffle_key = jax.random.split(key)
    params = init_params(init_key, sizes)
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    rows = x_train.shape[0]
    full = rows // BATCH

    def epoch(e, state):
        params, m, v, step = state
        shuffled = x_train[jax.random.permutation(jax.random.fold_in(shuffle_key, e), rows)]
        batches = shuffled[: full * BATCH].reshape(full, BATCH, -1)

        def batch_step(state, x):
            return adam_step(*state, x, learning_rate, l1, l2), None

        state, _ = jax.lax.scan(batch_step, (params, m, v, step), batches)
        if rows % BATCH:
            state = adam_step(*state, shuffled[full * BATCH:], learning_rate, l1, l2)
        return state

    # The epoch count is a traced value, so the 50- and 100-epoch trials of a shape share one compilation.
    state = (params, zeros, zeros, jnp.float32(0))
    params, _, _, _ = jax.lax.fori_loop(0, epochs, epoch, state)
    return jnp.mean((forward(params, x_test) - x_test) ** 2)


@partial(jax.jit, static_argnames=("sizes",))
def train_group(keys, learning_rates, l1s, l2s, x_train, x_test, epochs, sizes):
    """A group of same-shape trials in one compiled call: `train_one` vmapped over keys and hyperparameters."""
    return jax.vmap(train_one, in_axes=(0, 0, 0, 0, None, None, None, None))(
        keys, learning_rates, l1s, l2s, x_train, x_test, epochs, sizes)


def run_grid(grid, x_train, x_test, seed):
    """Every point of the grid, trained group by group; returns each point's test MSE in ParameterGrid order."""
    points = list(ParameterGrid(grid))
    groups = {}
    for i, p in enumerate(points):
        groups.setdefault((layer_sizes(x_train.shape[1], p), p["epochs"]), []).append(i)
    keys = jax.random.split(jax.random.PRNGKey(seed), len(points))
    scores = [None] * len(points)
    for (sizes, epochs), members in groups.items():
        result = train_group(
            keys[np.array(members)],
            jnp.array([points[i]["learning_rate"] for i in members], jnp.float32),
            jnp.array([points[i].get("l1_reg", 0.0) for i in members], jnp.float32),
            jnp.array([points[i].get("l2_reg", 0.0) for i in members], jnp.float32),
            x_train, x_test, jnp.int32(epochs), sizes=sizes)
        for i, score in zip(members, np.asarray(result.block_until_ready())):
            scores[i] = float(score)
    return points, scores


def main():
    arguments = parser(__doc__)
    arguments.add_argument("--seed", type=int, default=0)
    args = arguments.parse_args()
    x_train = jnp.asarray(np.load(args.train), jnp.float32)
    x_test = jnp.asarray(np.load(args.test), jnp.float32)
    out = {"jax_version": jax.__version__, "devices": [str(d) for d in jax.devices()], "grids": {}}
    for g in grid_numbers(args):
        start = time.perf_counter()
        points, scores = run_grid(seed_grid(g), x_train, x_test, args.seed)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        points, again = run_grid(seed_grid(g), x_train, x_test, args.seed)
        compiled = time.perf_counter() - start
        if not np.allclose(scores, again, rtol=1e-6, atol=0):
            raise SystemExit(f"compare_jax.py: grid {g}'s second pass gave other scores than its first")
        finite = [i for i, s in enumerate(scores) if np.isfinite(s)]
        best = min(finite, key=lambda i: scores[i])
        out["grids"][str(g)] = {
            "cold_seconds": cold, "compiled_seconds": compiled, "trials": len(points),
            "best_test_mse": scores[best], "best_params": points[best],
            "results": [{"params": p, "test_mse": s} for p, s in zip(points, scores)],
        }
        print(f"jax grid {g}: {len(points)} trials, cold {cold:.2f} s, compiled {compiled:.3f} s, best test MSE "
              f"{scores[best]:.5f} {points[best]}", flush=True)
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
