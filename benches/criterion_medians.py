#!/usr/bin/env python3
"""Prints the median time of every criterion benchmark of the last `cargo bench` run, as a
Markdown table (docs/PERFORMANCE.md):

    cargo bench --bench coldshard
    python3 benches/criterion_medians.py [target/criterion]

The median is criterion's point estimate of the median time per iteration, with its 95%
confidence interval, read from <bench>/new/estimates.json.
"""

import json
import pathlib
import sys


def human(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}" if ns / scale < 100 else f"{ns / scale:.0f} {unit}"
    return f"{ns:.3g} ns"


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
    rows = []
    for bench in root.rglob("new/benchmark.json"):
        title = json.loads(bench.read_text())["full_id"]
        median = json.loads((bench.parent / "estimates.json").read_text())["median"]
        ci = median["confidence_interval"]
        rows.append((title, median["point_estimate"], ci["lower_bound"], ci["upper_bound"]))
    order = ["shamir_split", "shamir_combine", "armor", "qr_render", "qr_decode", "kdf"]

    def key(row):
        group = row[0].split("/")[0]
        rank = order.index(group) if group in order else len(order)
        # Secrets by size (16B before 256B), then sets by size (2-of-3 before 9-of-16).
        numeric = []
        for part in row[0].split("/")[1:]:
            digits = part.split("-")[-1].split("_")[0].rstrip("B")
            numeric.append(int(digits) if digits.isdigit() else 0)
        return (rank, numeric, row[0])

    print("| Benchmark | Median | 95% interval |")
    print("|-----------|-------:|--------------|")
    for title, point, lo, hi in sorted(rows, key=key):
        print(f"| `{title}` | {human(point)} | {human(lo)} – {human(hi)} |")


if __name__ == "__main__":
    main()
