#!/usr/bin/env python3
"""Prints the side-by-side report of `make compare` and writes it as JSON.

Reads one or more Keras runs' JSON (scripts/compare_keras.py; the first is the run the speed table uses), AEGrid's
per-grid wall times (aegrid-times.txt: one "GRID SECONDS" line per timed run, one per seed; the report takes each
grid's median; the lines also say which grids ran) and, per grid
and seed, AEGrid's results directory: aegrid-gridG/ for seed 0, aegrid-gridG-seedS/ for seed S ≥ 1 (best.json for
the best trial, results.csv for every trial's test MSE), and optionally JAX's run (scripts/compare_jax.py: each grid's
cold and compiled wall time and every point's test MSE), printed beside both.

A grid's best test MSE depends on the initial weights (ReLU units that die at initialisation), in Keras as in
AEGrid, so one run of each compares two random draws. The report therefore gives AEGrid's best over its seeds (and
Keras's over its runs, when there are several), how often AEGrid's best is at or below Keras's, and each grid
point's Keras MSE beside AEGrid's mean, min and max over the seeds.
"""
import argparse
import csv
import json
import os
import statistics
import sys

# AEGrid reports parameters under canonical names (Sources/GridSearch/Grid/GridKeys.swift); the seed's grids use aliases.
CANONICAL = {"l1_reg": "l1", "l2_reg": "l2"}
# Column headings of the per-point tables.
SHORT = {"encoder_layer1_size": "layer1", "encoder_layer2_size": "layer2", "latent_dim": "latent",
         "learning_rate": "lr"}


def fail(message):
    sys.exit(f"compare_report.py: {message}")


def point_key(params):
    """A grid point's identity shared by both sides: canonical names, numbers compared as floats (50 == 50.0)."""
    def value(v):
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
    return tuple(sorted((CANONICAL.get(k, k), value(v)) for k, v in params.items()))


def spread(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError) as error:
        fail(f"cannot read {path}: {error}")


def aegrid_directory(root, grid, seed):
    # Seed 0 stays where a single-seed run put it (docs/performance.md names aegrid-gridN/).
    return os.path.join(root, f"aegrid-grid{grid}" if seed == 0 else f"aegrid-grid{grid}-seed{seed}")


def load_aegrid_run(directory):
    """best.json's trial and, per point key, the trial's test MSE (None for a trial that did not finish)."""
    best = load_json(os.path.join(directory, "best.json"))["trial"]
    scores = {}
    path = os.path.join(directory, "results.csv")
    try:
        with open(path, newline="") as f:
            for line, row in enumerate(csv.DictReader(f), start=2):
                try:
                    key = point_key(json.loads(row["params"]))
                except (KeyError, json.JSONDecodeError) as error:
                    fail(f"{path} line {line}: no readable 'params' column ({error})")
                ok = row.get("status") == "ok" and row.get("mean_test_mse")
                scores[key] = float(row["mean_test_mse"]) if ok else None
    except OSError as error:
        fail(f"cannot read {path}: {error}")
    return best, scores


def compare_grid(grid, keras_runs, keras_files, seconds, root, seed_count, jax_run=None):
    runs = []
    for k, path in zip(keras_runs, keras_files):
        if grid not in k["grids"]:
            fail(f"{path} has no grid {grid} (it has {', '.join(sorted(k['grids'])) or 'none'}); run compare.sh "
                 f"with --grids {','.join(sorted(k['grids']))}, or without KERAS_JSON")
        runs.append(k["grids"][grid])
    first = runs[0]

    seeds = []
    for s in range(seed_count):
        directory = aegrid_directory(root, grid, s)
        best, scores = load_aegrid_run(directory)
        seeds.append({"seed": s, "dir": directory, "best": best, "scores": scores})

    # Per grid point, in Keras's ParameterGrid order; both sides must hold the same points.
    points = []
    for r in first["results"]:
        key = point_key(r["params"])
        keras_mse = []
        for run, path in zip(runs, keras_files):
            match = [x["test_mse"] for x in run["results"] if point_key(x["params"]) == key]
            if len(match) != 1:
                fail(f"{path} grid {grid}: {len(match)} results for {r['params']}, expected 1")
            keras_mse.append(match[0])
        aegrid_mse = []
        for s in seeds:
            if key not in s["scores"]:
                fail(f"{s['dir']}/results.csv has no trial for Keras's point {r['params']}")
            aegrid_mse.append(s["scores"][key])
        finished = [m for m in aegrid_mse if m is not None]
        jax_mse = None
        if jax_run is not None:
            match = [x["test_mse"] for x in jax_run["results"] if point_key(x["params"]) == key]
            jax_mse = match[0] if len(match) == 1 else None
        points.append({
            "params": r["params"], "keras_test_mse": keras_mse, "aegrid_test_mse": aegrid_mse, "jax_test_mse": jax_mse,
            "aegrid_mean": statistics.fmean(finished) if finished else None,
            "aegrid_min": min(finished) if finished else None, "aegrid_max": max(finished) if finished else None,
            "aegrid_at_or_below_keras": sum(a <= k for a in finished for k in keras_mse),
            "pairs": len(finished) * len(keras_mse),
        })
    extra = set(seeds[0]["scores"]) - {point_key(r["params"]) for r in first["results"]}
    if extra:
        fail(f"{seeds[0]['dir']}/results.csv has {len(extra)} trial(s) Keras's grid {grid} lacks, e.g. {min(extra)}")

    keras_best = [run["best_test_mse"] for run in runs]
    aegrid_best = [s["best"]["test_score"] for s in seeds]
    at_or_below = sum(a <= k for a in aegrid_best for k in keras_best)
    jax = None
    if jax_run is not None:
        jax = {"cold_seconds": jax_run["cold_seconds"], "compiled_seconds": jax_run["compiled_seconds"],
               "compiled_over_aegrid": jax_run["compiled_seconds"] / seconds,
               "best_test_mse": jax_run["best_test_mse"], "best_params": jax_run["best_params"]}
    return {
        "jax": jax,
        # The keys a single-seed, single-run report had: Keras's first run against AEGrid's seed 0.
        "grid": int(grid), "trials": first["trials"],
        "keras_seconds": first["wall_seconds"], "aegrid_seconds": seconds,
        "speedup": first["wall_seconds"] / seconds,
        "keras_best_test_mse": first["best_test_mse"], "keras_best_params": first["best_params"],
        "aegrid_best_test_mse": aegrid_best[0], "aegrid_best_params": seeds[0]["best"]["parameters"],
        # Over Keras's runs and AEGrid's seeds.
        "keras_runs": [{"file": path, "seconds": run["wall_seconds"], "best_test_mse": run["best_test_mse"],
                        "best_params": run["best_params"]} for run, path in zip(runs, keras_files)],
        "keras_seconds_spread": spread([run["wall_seconds"] for run in runs]),
        "keras_best_test_mse_spread": spread(keras_best),
        "aegrid_seeds": [{"seed": s["seed"], "dir": s["dir"], "best_test_mse": s["best"]["test_score"],
                          "best_params": s["best"]["parameters"]} for s in seeds],
        "aegrid_best_test_mse_spread": spread(aegrid_best),
        # Pairs (AEGrid seed, Keras run) whose AEGrid best is at or below the Keras best; with one Keras run, seeds.
        "aegrid_best_at_or_below_keras": {"count": at_or_below, "of": len(aegrid_best) * len(keras_best),
                                          "fraction": at_or_below / (len(aegrid_best) * len(keras_best))},
        "points": points,
    }


def params_text(p):
    return ", ".join(f"{key}={p[key]}" for key in sorted(p))


def mse(x):
    return f"{x:.5f}" if x is not None else "—"


def span(lo, hi):
    return f"{lo:.5f}–{hi:.5f}" if lo is not None else "—"


def print_speed(rows, keras_runs):
    header = (f"{'grid':>4}  {'trials':>6}  {'Keras s':>9}  {'AEGrid s':>9}  {'Keras÷AEGrid':>12}  "
              f"{'Keras best MSE':>14}  {'AEGrid best MSE':>15}")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['grid']:>4}  {r['trials']:>6}  {r['keras_seconds']:>9.1f}  {r['aegrid_seconds']:>9.3f}  "
              f"{r['speedup']:>11.0f}×  {r['keras_best_test_mse']:>14.5f}  {r['aegrid_best_test_mse']:>15.5f}")
    k_total = sum(r["keras_seconds"] for r in rows)
    a_total = sum(r["aegrid_seconds"] for r in rows)
    trials = sum(r["trials"] for r in rows)
    print(f"{'all':>4}  {trials:>6}  {k_total:>9.1f}  {a_total:>9.3f}  {k_total / a_total:>11.0f}×")
    if keras_runs > 1:
        walls = "; ".join(f"grid {r['grid']} {r['keras_seconds_spread']['median']:.1f} s "
                          f"({r['keras_seconds_spread']['min']:.1f}–{r['keras_seconds_spread']['max']:.1f})"
                          for r in rows)
        print(f"Keras s, best MSE and best parameters here are run 1's. Keras wall over its {keras_runs} runs, "
              f"median (min–max):\n{walls}")
    print()
    for r in rows:
        lead = f"grid {r['grid']} best parameters: "
        print(f"{lead}Keras  {params_text(r['keras_best_params'])}")
        print(f"{'':>{len(lead)}}AEGrid {params_text(r['aegrid_best_params'])}")


def print_jax(rows, jax_version):
    """Keras, JAX cold and compiled, and AEGrid per grid: wall times, AEGrid against compiled JAX, best test MSEs."""
    print(f"\nJAX {jax_version} (scripts/compare_jax.py: jit, vmap over same-shape trials, lax.scan over batches; cold "
          "= first pass with compilation, compiled = second pass), same data, same run")
    header = (f"{'grid':>4}  {'Keras s':>8}  {'JAX cold s':>10}  {'JAX compiled s':>14}  {'AEGrid s':>8}  "
              f"{'JAX compiled÷AEGrid':>19}  {'Keras MSE':>9}  {'JAX MSE':>8}  {'AEGrid MSE':>10}")
    print(header)
    print("-" * len(header))
    for r in rows:
        j = r["jax"]
        print(f"{r['grid']:>4}  {r['keras_seconds']:>8.1f}  {j['cold_seconds']:>10.2f}  {j['compiled_seconds']:>14.3f}  "
              f"{r['aegrid_seconds']:>8.3f}  {j['compiled_over_aegrid']:>18.1f}×  {r['keras_best_test_mse']:>9.5f}  "
              f"{j['best_test_mse']:>8.5f}  {r['aegrid_best_test_mse']:>10.5f}")
    k = sum(r["keras_seconds"] for r in rows)
    cold = sum(r["jax"]["cold_seconds"] for r in rows)
    compiled = sum(r["jax"]["compiled_seconds"] for r in rows)
    a = sum(r["aegrid_seconds"] for r in rows)
    print(f"{'all':>4}  {k:>8.1f}  {cold:>10.2f}  {compiled:>14.3f}  {a:>8.3f}  {compiled / a:>18.1f}×")
    print(f"Keras÷JAX compiled {k / compiled:.0f}×, Keras÷JAX cold {k / cold:.0f}×, Keras÷AEGrid {k / a:.0f}×")
    for r in rows:
        lead = f"grid {r['grid']} best parameters: "
        print(f"{lead}JAX    {params_text(r['jax']['best_params'])}")


def print_best_over_draws(rows, keras_runs, seed_count):
    print(f"\nBest test MSE over initial weights: AEGrid --seed 0…{seed_count - 1}, Keras {keras_runs} "
          f"run{'s' if keras_runs > 1 else ''}")
    if keras_runs == 1:
        keras_head = f"{'Keras best':>10}"
    else:
        keras_head = f"{'Keras median':>12}  {'Keras min–max':>15}"
    header = (f"{'grid':>4}  {keras_head}  {'AEGrid seed 0':>13}  {'AEGrid median':>13}  {'AEGrid min–max':>15}  "
              f"{'AEGrid ≤ Keras':>14}")
    print(header)
    print("-" * len(header))
    for r in rows:
        k = r["keras_best_test_mse_spread"]
        a = r["aegrid_best_test_mse_spread"]
        below = r["aegrid_best_at_or_below_keras"]
        if keras_runs == 1:
            keras_cells = f"{k['median']:>10.5f}"
        else:
            keras_cells = f"{k['median']:>12.5f}  {span(k['min'], k['max']):>15}"
        print(f"{r['grid']:>4}  {keras_cells}  {r['aegrid_best_test_mse']:>13.5f}  {a['median']:>13.5f}  "
              f"{span(a['min'], a['max']):>15}  {below['count']:>6}/{below['of']} "
              f"{'seeds' if keras_runs == 1 else 'pairs'}")
    if keras_runs > 1:
        print("AEGrid ≤ Keras counts (seed, Keras run) pairs whose AEGrid best is at or below that run's Keras best.")
    print("Trials that differ only in epochs share one initialisation in AEGrid (the shorter run is the longer's "
          "prefix),\nso one AEGrid seed draws half as many initialisations per grid as one Keras run.")


def print_points(rows, keras_runs, seed_count):
    keras_what = "Keras's test MSE" if keras_runs == 1 else f"Keras's mean and range over {keras_runs} runs"
    print(f"\nPer grid point: {keras_what} beside AEGrid's mean and range over {seed_count} seeds; "
          f"≤K: AEGrid {'seeds' if keras_runs == 1 else '(seed, Keras run) pairs'} at or below Keras")
    for r in rows:
        keys = list(r["points"][0]["params"]) if r["points"] else []
        widths = [max(len(SHORT.get(key, key)), *(len(str(p["params"][key])) for p in r["points"])) for key in keys]
        param_head = "  ".join(f"{SHORT.get(key, key):>{w}}" for key, w in zip(keys, widths))
        if keras_runs == 1:
            keras_head = f"{'Keras':>8}"
        else:
            keras_head = f"{'Keras mean':>10}  {'Keras min–max':>15}"
        with_jax = any(p["jax_test_mse"] is not None for p in r["points"])
        jax_head = f"  {'JAX':>8}" if with_jax else ""
        header = f"{param_head}  {keras_head}{jax_head}  {'AEGrid mean':>11}  {'AEGrid min–max':>15}  {'≤K':>7}"
        print(f"\ngrid {r['grid']}")
        print(header)
        print("-" * len(header))
        below = inside = above = 0
        for p in r["points"]:
            cells = "  ".join(f"{str(p['params'][key]):>{w}}" for key, w in zip(keys, widths))
            k = p["keras_test_mse"]
            k_mean = statistics.fmean(k)
            if keras_runs == 1:
                keras_cells = f"{mse(k[0]):>8}"
            else:
                keras_cells = f"{mse(k_mean):>10}  {span(min(k), max(k)):>15}"
            missing = sum(m is None for m in p["aegrid_test_mse"])
            note = f"  {missing} seed(s) did not finish" if missing else ""
            jax_cell = f"  {mse(p['jax_test_mse']):>8}" if with_jax else ""
            print(f"{cells}  {keras_cells}{jax_cell}  {mse(p['aegrid_mean']):>11}  "
                  f"{span(p['aegrid_min'], p['aegrid_max']):>15}  {p['aegrid_at_or_below_keras']:>3}/{p['pairs']:<3}"
                  f"{note}".rstrip())
            if p["aegrid_min"] is None:
                continue
            if k_mean < p["aegrid_min"]:
                below += 1
            elif k_mean > p["aegrid_max"]:
                above += 1
            else:
                inside += 1
        # One Keras draw from the same distribution as S AEGrid draws lands inside their range with probability
        # (S-1)/(S+1), below or above it with 1/(S+1) each.
        expected = (f" (one distribution: {(seed_count - 1) / (seed_count + 1):.0%} inside, "
                    f"{1 / (seed_count + 1):.0%} below, {1 / (seed_count + 1):.0%} above)" if keras_runs == 1 else "")
        print(f"Keras{' mean' if keras_runs > 1 else ''} inside AEGrid's seed range at {inside} of "
              f"{len(r['points'])} points, below at {below}, above at {above}{expected}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keras", required=True, action="append",
                        help="a compare_keras.py result; repeat for several Keras runs (the first is the timed one)")
    parser.add_argument("--aegrid", required=True,
                        help="directory holding aegrid-times.txt, aegrid-gridG/ and aegrid-gridG-seedS/")
    parser.add_argument("--seeds", type=int, default=1, help="AEGrid seeds per grid (0 … seeds-1); default 1")
    parser.add_argument("--out", required=True, help="where to write the comparison as JSON")
    parser.add_argument("--jax", help="a compare_jax.py result, printed beside Keras and AEGrid")
    args = parser.parse_args()
    if args.seeds < 1:
        fail(f"--seeds must be at least 1, got {args.seeds}")

    keras_runs = [load_json(path) for path in args.keras]
    times = {}
    path = os.path.join(args.aegrid, "aegrid-times.txt")
    try:
        with open(path) as f:
            for line_number, line in enumerate(f, start=1):
                fields = line.split()
                if len(fields) != 2:
                    fail(f"{path} line {line_number}: expected 'GRID SECONDS', found {line.strip()!r}")
                times.setdefault(fields[0], []).append(float(fields[1]))
    except OSError as error:
        fail(f"cannot read {path}: {error}")
    if not times:
        fail(f"{path} lists no grid: run scripts/compare.sh first")

    jax = load_json(args.jax) if args.jax else None
    for grid in times:
        if jax is not None and grid not in jax["grids"]:
            fail(f"{args.jax} has no grid {grid}: run compare.sh with the same --grids for both")
    rows = [compare_grid(grid, keras_runs, args.keras, statistics.median(seconds), args.aegrid, args.seeds,
                         jax["grids"][grid] if jax else None)
            for grid, seconds in times.items()]
    runs = len(keras_runs)
    print(f"Keras {keras_runs[0].get('keras_version', '?')} (the seed's loop{'' if runs == 1 else ', run 1'}) against "
          "`aegrid search` (one process per grid, start-up, reports and best model included; AEGrid s is the median "
          f"of its {args.seeds} seeds' runs)")
    print_speed(rows, runs)
    if jax:
        print_jax(rows, jax.get("jax_version", "?"))
    print_best_over_draws(rows, runs, args.seeds)
    print_points(rows, runs, args.seeds)
    with open(args.out, "w") as f:
        json.dump({"keras_version": keras_runs[0].get("keras_version"), "keras_files": args.keras,
                   "jax_version": jax.get("jax_version") if jax else None, "jax_file": args.jax,
                   "aegrid_seed_count": args.seeds, "grids": rows}, f, indent=1)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
