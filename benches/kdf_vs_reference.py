#!/usr/bin/env python3
"""Times one Argon2id derivation of coldshard against the reference C implementation.

The two commands run alternately (A B, B A, A B, ...), so that a change in the load of a shared
machine hits both sides alike. Each run's wall time comes from time.perf_counter around the
child, its CPU time and peak memory from wait4. Prints every run, then the medians and their
ratio. Used for docs/PERFORMANCE.md:

    cargo build --release --example kdf_once
    python3 benches/kdf_vs_reference.py --runs 10

Both sides derive one 32-byte key from "password" and the salt "somesaltsomesalt" at the
given memory (2^M KiB), passes and lanes. The reference runs with -r: without it, the argon2
tool verifies the hash it printed, which derives the key a second time.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time


def run_once(argv, stdin_bytes):
    """Runs argv once; returns (wall s, user s, sys s, max RSS KiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    proc.stdin.write(stdin_bytes)
    proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{argv[0]} failed with exit code {proc.returncode}")
    return wall, usage.ru_utime, usage.ru_stime, usage.ru_maxrss


def loadavg():
    with open("/proc/loadavg", encoding="ascii") as f:
        return f.read().split()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs of each side (default 10)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs of each side first")
    parser.add_argument("-m", type=int, default=19, help="memory 2^M KiB (default 19: 512 MiB)")
    parser.add_argument("-t", type=int, default=3, help="passes (default 3)")
    parser.add_argument("-p", type=int, default=4, help="lanes (default 4)")
    parser.add_argument("--ours", default="target/release/examples/kdf_once")
    parser.add_argument("--reference", default="argon2")
    args = parser.parse_args()

    sides = {
        "coldshard": [args.ours, str(2**args.m), str(args.t), str(args.p)],
        # -r (print the raw hash only) matters: without -r or -e the tool checks its own
        # encoded hash with argon2_verify after printing it, a second full derivation.
        "reference": [args.reference, "somesaltsomesalt", "-id", "-m", str(args.m),
                      "-t", str(args.t), "-p", str(args.p), "-l", "32", "-r"],
    }
    for name, argv in sides.items():
        print(f"{name}: echo -n password | {' '.join(argv)}")
    print(f"load before: {loadavg()}")
    for _ in range(args.warmup):
        for argv in sides.values():
            run_once(argv, b"password")

    results = {name: [] for name in sides}
    order = list(sides)
    for i in range(args.runs):
        for name in order if i % 2 == 0 else reversed(order):
            wall, user, system, rss = run_once(sides[name], b"password")
            results[name].append((wall, user, system, rss))
            print(f"run {i + 1:2} {name:9}  wall {wall:6.3f} s  user {user:6.3f} s  "
                  f"sys {system:5.3f} s  max RSS {rss} KiB  load {loadavg()}")
    print(f"load after: {loadavg()}")

    medians = {}
    for name, rows in results.items():
        walls = [r[0] for r in rows]
        medians[name] = statistics.median(walls)
        print(f"{name:9}  median {medians[name]:.3f} s  mean {statistics.mean(walls):.3f} s"
              f"  min {min(walls):.3f} s  max {max(walls):.3f} s"
              f"  median user {statistics.median(r[1] for r in rows):.3f} s"
              f"  median sys {statistics.median(r[2] for r in rows):.3f} s")
    print(f"ratio coldshard / reference (medians): "
          f"{medians['coldshard'] / medians['reference']:.3f}")


if __name__ == "__main__":
    main()
