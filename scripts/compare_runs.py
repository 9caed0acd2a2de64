#!/usr/bin/env python3
"""Compare two sweeps' runs.csv row by row: the same (T, N, seed) rows, the
same integer columns (rounds, steps, diverged), and every other number within
|b - a| <= rtol * (1 + |a|) (an empty cell must be empty in both).

Usage: scripts/compare_runs.py A/runs.csv B/runs.csv [--rtol 1e-9]

For the CPU and CUDA backends on one sweep (scripts/gpu-check's cli step):
both run the same algorithm on the same random numbers and differ only by
rounding (tests/cuda_parity_test.cpp says why 1e-10 holds per trajectory).
Prints one line; exit 0 when they agree, 1 when not, 2 on bad input.
Standard library only (any python3).
"""
import argparse
import csv
import math
import sys

KEY = ("T", "N", "seed")
EXACT = ("rounds", "steps", "diverged")


def fail(message):
    print(f"compare_runs: error: {message}", file=sys.stderr)
    sys.exit(2)


def read(path):
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        fail(f"{path}: {e.strerror}")
    if not rows:
        fail(f"{path}: no rows")
    missing = [c for c in KEY + EXACT if c not in rows[0]]
    if missing:
        fail(f"{path}: no column {', '.join(missing)}")
    return rows


def main():
    ap = argparse.ArgumentParser(description="Compare two runs.csv files within a relative tolerance.")
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--rtol", type=float, default=1e-9)
    args = ap.parse_args()
    a_rows, b_rows = read(args.a), read(args.b)
    if list(a_rows[0].keys()) != list(b_rows[0].keys()):
        print(f"compare_runs: the columns differ: {list(a_rows[0])} vs {list(b_rows[0])}")
        return 1
    b_by_key = {tuple(r[k] for k in KEY): r for r in b_rows}
    if len(b_by_key) != len(b_rows) or len(a_rows) != len(b_rows):
        print(f"compare_runs: {len(a_rows)} rows vs {len(b_rows)} ({len(b_by_key)} distinct (T, N, seed))")
        return 1
    worst, where, problems = 0.0, "", []
    for ra in a_rows:
        key = tuple(ra[k] for k in KEY)
        rb = b_by_key.get(key)
        if rb is None:
            problems.append(f"T={key[0]} N={key[1]} seed={key[2]}: not in {args.b}")
            continue
        for col, va in ra.items():
            vb = rb[col]
            if col in KEY:
                continue
            if col in EXACT or va == "" or vb == "":
                if va != vb:
                    problems.append(f"T={key[0]} N={key[1]} seed={key[2]} {col}: {va!r} vs {vb!r}")
                continue
            try:
                x, y = float(va), float(vb)
            except ValueError:
                fail(f"T={key[0]} N={key[1]} seed={key[2]} {col}: not a number: {va!r} or {vb!r}")
            if math.isnan(x) and math.isnan(y):
                continue
            err = abs(y - x) / (1 + abs(x)) if math.isfinite(x) and math.isfinite(y) else (0.0 if x == y else math.inf)
            if err > worst:
                worst, where = err, f"T={key[0]} N={key[1]} seed={key[2]} {col}"
    rows = len(a_rows)
    if problems:
        print(f"compare_runs: {len(problems)} mismatches in {rows} rows; first: {problems[0]}")
        return 1
    if worst > args.rtol:
        print(f"compare_runs: largest relative difference {worst:.3g} > {args.rtol:g} ({where}), {rows} rows")
        return 1
    print(f"compare_runs: {rows} rows agree; largest relative difference {worst:.3g}"
          + (f" ({where})" if where else "") + f" <= {args.rtol:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
