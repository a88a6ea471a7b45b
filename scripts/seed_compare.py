"""What make compare's Python peers share: the seed's grids as AEGrid reads them, and their command line.

Imported by scripts/compare_keras.py and scripts/compare_jax.py (Python puts a script's own folder on its path).
"""
import argparse
import json
import os

SEED_GRIDS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "seed")


def seed_grid(g):
    """The seed project's grid g exactly as AEGrid reads it: examples/seed/grid<g>.json."""
    with open(os.path.join(SEED_GRIDS, "grid%d.json" % g)) as f:
        return json.load(f)


def parser(description):
    """The peers' shared flags: --train, --test, --out and --grids (a comma-separated list of 1, 2, 3)."""
    p = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--train", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--grids", default="1,2,3")
    return p


def grid_numbers(args):
    """The grids --grids names, in order."""
    return [int(s) for s in args.grids.split(",")]
