#!/usr/bin/env python3
"""Checks that a merged sharded results directory holds exactly the trials of a single-process run, bitwise.

    scripts/results-identical.py SINGLE_DIR MERGED_DIR EXPECTED_TRIALS

Compares SINGLE_DIR/results.jsonl with MERGED_DIR/results.jsonl (what `aegrid merge` writes) record by record, keyed
by trial_id, after dropping only the wall-clock fields (fit_seconds, fold_fit_seconds, each epoch's seconds), as
Tests/AEGridCLITests/ResultsFiles.swift does. Numbers are compared as the text aegrid wrote (shortest round-trip
form), so equal means bitwise equal. Also checks that nothing is lost or duplicated: each file has EXPECTED_TRIALS
lines with distinct trial ids, and MERGED_DIR's shard logs (results.shard-K-of-N.jsonl) together hold every trial
exactly once. Exits 1 with the first differences named.
"""
import glob
import json
import os
import sys

TIMES = ("fit_seconds", "fold_fit_seconds")


def deterministic(record):
    record = dict(record)
    for key in TIMES:
        record.pop(key, None)
    if isinstance(record.get("history"), list):
        record["history"] = [{k: v for k, v in epoch.items() if k != "seconds"} for epoch in record["history"]]
    return json.dumps(record, sort_keys=True)


def read(path, problems):
    records = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            # Numbers stay text: no float parsing can blur a difference in the last bit.
            record = json.loads(line, parse_float=str, parse_int=str)
            trial = record.get("trial_id")
            if trial in records:
                problems.append(f"{path} line {number}: trial {trial} is there twice")
            records[trial] = record
    return records


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    single_dir, merged_dir, expected = sys.argv[1], sys.argv[2], int(sys.argv[3])
    problems = []
    single = read(os.path.join(single_dir, "results.jsonl"), problems)
    merged = read(os.path.join(merged_dir, "results.jsonl"), problems)
    for name, records in (("single run", single), ("merge", merged)):
        if len(records) != expected:
            problems.append(f"{name}: {len(records)} trials, expected {expected}")
    for trial in sorted(set(single) - set(merged)):
        problems.append(f"trial {trial} is in the single run but not in the merge (lost)")
    for trial in sorted(set(merged) - set(single)):
        problems.append(f"trial {trial} is in the merge but not in the single run")
    different = [t for t in sorted(set(single) & set(merged)) if deterministic(single[t]) != deterministic(merged[t])]
    for trial in different[:5]:
        problems.append(f"trial {trial} differs:\n  single: {deterministic(single[trial])[:400]}\n"
                        f"  merged: {deterministic(merged[trial])[:400]}")
    if len(different) > 5:
        problems.append(f"… and {len(different) - 5} more trials differ")

    shard_logs = sorted(glob.glob(os.path.join(merged_dir, "results.shard-*-of-*.jsonl")))
    seen = {}
    for path in shard_logs:
        for trial in read(path, problems):
            if trial in seen:
                problems.append(f"trial {trial} is in both {os.path.basename(seen[trial])} and {os.path.basename(path)}")
            seen[trial] = path
    if shard_logs and set(seen) != set(merged):
        problems.append(f"the shard logs hold {len(seen)} trials, the merge {len(merged)}")

    if problems:
        print(f"results-identical: {merged_dir} is NOT identical to {single_dir}:", file=sys.stderr)
        for problem in problems:
            print("  " + problem, file=sys.stderr)
        sys.exit(1)
    print(f"results-identical: {len(merged)} trials of {merged_dir} bitwise identical to {single_dir} "
          f"(from {len(shard_logs)} shard logs, none lost or duplicated)")


if __name__ == "__main__":
    main()
