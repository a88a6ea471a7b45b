#!/usr/bin/env python3
"""Prints the side-by-side table of `make compare` and writes it as JSON.

Reads the Keras run's JSON (scripts/compare_keras.py), AEGrid's per-grid wall times (aegrid-times.txt: "GRID SECONDS"
lines) and each AEGrid results directory's best.json (aegrid-gridN/best.json).
"""
import argparse
import json
import os


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keras", required=True, help="keras.json from compare_keras.py")
    parser.add_argument("--aegrid", required=True, help="directory holding aegrid-times.txt and aegrid-gridN/")
    parser.add_argument("--out", required=True, help="where to write the comparison as JSON")
    args = parser.parse_args()

    with open(args.keras) as f:
        keras = json.load(f)
    times = {}
    with open(os.path.join(args.aegrid, "aegrid-times.txt")) as f:
        for line in f:
            grid, seconds = line.split()
            times[grid] = float(seconds)

    rows = []
    for grid, k in sorted(keras["grids"].items()):
        with open(os.path.join(args.aegrid, f"aegrid-grid{grid}", "best.json")) as f:
            best = json.load(f)["trial"]
        rows.append({
            "grid": int(grid), "trials": k["trials"],
            "keras_seconds": k["wall_seconds"], "aegrid_seconds": times[grid],
            "speedup": k["wall_seconds"] / times[grid],
            "keras_best_test_mse": k["best_test_mse"], "keras_best_params": k["best_params"],
            "aegrid_best_test_mse": best["test_score"], "aegrid_best_params": best["parameters"],
        })

    def params(p):
        return ", ".join(f"{key}={p[key]}" for key in sorted(p))

    print(f"Keras {keras.get('keras_version', '?')} (the seed's loop) against `aegrid search` (one process per grid, "
          "start-up, reports and best model included)")
    header = f"{'grid':>4}  {'trials':>6}  {'Keras s':>9}  {'AEGrid s':>9}  {'Keras÷AEGrid':>12}  {'Keras best MSE':>14}  {'AEGrid best MSE':>15}"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['grid']:>4}  {r['trials']:>6}  {r['keras_seconds']:>9.1f}  {r['aegrid_seconds']:>9.3f}  "
              f"{r['speedup']:>11.0f}×  {r['keras_best_test_mse']:>14.5f}  {r['aegrid_best_test_mse']:>15.5f}")
    if rows:
        k_total = sum(r["keras_seconds"] for r in rows)
        a_total = sum(r["aegrid_seconds"] for r in rows)
        trials = sum(r["trials"] for r in rows)
        print(f"{'all':>4}  {trials:>6}  {k_total:>9.1f}  {a_total:>9.3f}  {k_total / a_total:>11.0f}×")
    print()
    for r in rows:
        print(f"grid {r['grid']} best parameters: Keras {params(r['keras_best_params'])}")
        print(f"{'':>{len(str(r['grid'])) + 21}}AEGrid {params(r['aegrid_best_params'])}")
    with open(args.out, "w") as f:
        json.dump({"keras_version": keras.get("keras_version"), "grids": rows}, f, indent=1)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
