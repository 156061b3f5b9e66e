#!/usr/bin/env python3
"""Markdown table of the set_lookup results: Criterion's median estimate per
batch of 1,024 lookups, turned into ns per lookup, and the Rust/C ratio.

    python3 benches/report.py [CRITERION_DIR]   (default $CARGO_TARGET_DIR/criterion)
"""
import json
import os
import sys

BATCH = 1024
crit = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.environ.get("CARGO_TARGET_DIR", "target"), "criterion")


def median_ns(group, side, n):
    path = os.path.join(crit, group, side, str(n), "new", "estimates.json")
    with open(path) as f:
        return json.load(f)["median"]["point_estimate"] / BATCH


print("| lookup | keys | IDs | Rust ns/lookup | C ns/lookup | Rust / C |")
print("|---|---|---:|---:|---:|---:|")
worst = 0.0
for view, call in (("set", "BtfIdSet::contains"), ("set8", "BtfIdSet8::get")):
    for probe in ("hit", "miss", "mixed"):
        for n in (8, 16, 64, 256, 1024, 4096):
            try:
                r = median_ns(f"{view}_{probe}", "rust", n)
                c = median_ns(f"{view}_{probe}", "c", n)
            except FileNotFoundError:
                continue
            worst = max(worst, r / c)
            print(f"| {call} | {probe} | {n:,} | {r:.2f} | {c:.2f} | {r / c:.2f} |")
print(f"\nworst Rust / C ratio: {worst:.2f}")
