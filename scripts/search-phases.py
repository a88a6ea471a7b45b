#!/usr/bin/env python3
"""Where a whole `aegrid search` process spends its time: the seed's three grids, phase by phase.

Runs the seed's three grids (examples/seed/grid{1,2,3}.json on X_train.npy / X_test.npy) as three `aegrid search`
processes with `--jobs J`, ROUNDS times, with `AEGRID_TIMINGS=1`, which makes `aegrid` print its phases (set-up,
training, reports, best model; `Sources/GridSearch/Run/SearchTimings.swift`) on the monotonic clock. This script
reads the same clock (`time.monotonic_ns`) just before spawning each process and just after `wait`, so the
time before the search's first mark is the process's start-up (exec, dynamic loading, argument parsing) and the
time after its last mark its exit; nothing is estimated.

Several binaries (`--aegrid A --aegrid B`) run interleaved, round by round, so a change in the machine's load hits
all alike. A binary that prints no timings (an older build) is timed whole. Per phase the table gives the median
over rounds of the three processes' sum (`outside training` is the whole process less its training phase, round by
round); `best of N` is the fastest round's wall time.

Usage: scripts/search-phases.py --aegrid .build/release/aegrid [--aegrid /tmp/before/aegrid] [--rounds 15] [--jobs 2]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SEED = "examples/seed"


def run_once(binary, grid, jobs, out):
    shutil.rmtree(out, ignore_errors=True)
    env = dict(os.environ, AEGRID_TIMINGS="1")
    arguments = [binary, "search", "--train", f"{SEED}/X_train.npy", "--test", f"{SEED}/X_test.npy",
                 "--grid", f"{SEED}/grid{grid}.json", "--jobs", str(jobs), "--out", out, "--quiet"]
    start = time.monotonic_ns()
    child = subprocess.Popen(arguments, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, err = child.communicate()
    end = time.monotonic_ns()
    if child.returncode != 0:
        sys.exit(f"search-phases.py: {' '.join(arguments)} exited with {child.returncode}:\n{err.decode()}")
    phases = {"whole process": (end - start) / 1e9}
    for line in err.decode().splitlines():
        if line.startswith("aegrid: timings "):
            timings = json.loads(line[len("aegrid: timings "):])
            phases["start-up"] = (timings["origin_ns"] - start) / 1e9
            for name, seconds in timings["phases"]:
                phases[name] = seconds
            phases["exit"] = (end - timings["end_ns"]) / 1e9
            # What a process spends besides training: on a shared machine training's own time swings most.
            phases["outside training"] = phases["whole process"] - phases.get("training", 0.0)
    return phases


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--aegrid", action="append", required=True, help="an aegrid binary; repeat to compare")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    if not os.path.isdir(SEED):
        sys.exit("search-phases.py: run it from the repository's root (it reads examples/seed/)")
    scratch = tempfile.mkdtemp(prefix="aegrid-phases-")
    # rounds[b] is a list of {phase: seconds summed over the three grids}, one per round.
    rounds = {b: [] for b in args.aegrid}
    try:
        for _ in range(args.rounds):
            for b, binary in enumerate(args.aegrid):
                total = {}
                for grid in (1, 2, 3):
                    for name, seconds in run_once(binary, grid, args.jobs, f"{scratch}/b{b}-g{grid}").items():
                        total[name] = total.get(name, 0.0) + seconds
                rounds[binary].append(total)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    names = []
    for binary in args.aegrid:
        for total in rounds[binary]:
            for name in total:
                if name not in names and name not in ("whole process", "outside training"):
                    names.append(name)
    names += ["outside training", "whole process"]
    width = max(len(n) for n in names) + 2
    print(f"seed grids 1-3, three `aegrid search` processes, --jobs {args.jobs}; median over {args.rounds} "
          "rounds of the three processes' sum, in ms")
    print(f"{'phase':<{width}}" + "".join(f"{'binary ' + str(b + 1):>12}" for b in range(len(args.aegrid))))
    for name in names:
        cells = []
        for binary in args.aegrid:
            values = [r[name] for r in rounds[binary] if name in r]
            cells.append(f"{statistics.median(values) * 1e3:>12.2f}" if values else f"{'-':>12}")
        print(f"{name:<{width}}" + "".join(cells))
    best = "".join(f"{min(r['whole process'] for r in rounds[b]) * 1e3:>12.2f}" for b in args.aegrid)
    print(f"{'best of ' + str(args.rounds):<{width}}{best}")
    for b, binary in enumerate(args.aegrid):
        print(f"binary {b + 1}: {binary}")


if __name__ == "__main__":
    main()
