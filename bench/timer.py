#!/usr/bin/env python3
"""Paired whole-process timings for bench/run.sh (Python 3 standard library only).

  timer.py [--runs N] [--bytes B] [--base-bytes B] [--base CMD] CMD

Runs CMD and the baseline command in turn (one warm-up each, then N pairs:
CMD, base, CMD, base, ...), each as `sh -c CMD` with its own redirections, and
prints one JSON object: the median wall time of each, the median of the
per-pair ratios (per byte when sizes are given: CMD's seconds per byte over the
baseline's), the exit status of CMD and its peak resident memory in KiB.

Both halves of a pair are started the same way. Peak memory is read in CMD's
warm-up run, so the wrapper that reads it (about 1.5 ms of start-up of its own
on this machine class) is in no timing.

Pairing is what makes the ratio trustworthy on a small shared machine: when the
machine slows down, both halves of a pair slow down together.

Peak memory comes from GNU time (`/usr/bin/time -f %M`) when it is installed;
without it the field is null (a child forked from Python would report
Python's own footprint, which says nothing about the command).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

GNU_TIME = "/usr/bin/time"


def has_gnu_time():
    if not os.access(GNU_TIME, os.X_OK):
        return False
    probe = subprocess.run([GNU_TIME, "-f", "%M", "true"], capture_output=True, text=True)
    return probe.returncode == 0 and probe.stderr.strip().isdigit()


def run(cmd, rss_file):
    """One run: wall seconds, exit status, peak RSS in KiB (or None)."""
    argv = ["sh", "-c", cmd]
    if rss_file:
        argv = [GNU_TIME, "-f", "%M", "-o", rss_file] + argv
    start = time.perf_counter()
    done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    rss = None
    if rss_file:
        try:
            with open(rss_file) as f:
                # GNU time writes "Command exited with non-zero status N" first
                # when the command fails; the figure is the last line.
                rss = int(f.read().split()[-1])
        except (OSError, ValueError, IndexError):
            rss = None
    return wall, done.returncode, rss


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cmd")
    ap.add_argument("--base", help="the baseline command (default: none, CMD alone)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bytes", type=int, help="input size of CMD")
    ap.add_argument("--base-bytes", type=int, help="input size of the baseline (default: --bytes)")
    a = ap.parse_args()

    fd, rss_file = tempfile.mkstemp(prefix="wxmsg-timer-")
    os.close(fd)
    if not has_gnu_time():
        rss_file = None
    try:
        walls, base_walls, ratios, rss, status = [], [], [], [], 0
        _, _, r = run(a.cmd, rss_file)
        if r is not None:
            rss.append(r)
        if a.base:
            run(a.base, None)
        for _ in range(max(1, a.runs)):
            w, code, _ = run(a.cmd, None)
            walls.append(w)
            status = status or code
            if a.base:
                b, _, _ = run(a.base, None)
                base_walls.append(b)
                per = (a.bytes or 1), (a.base_bytes or a.bytes or 1)
                ratios.append((w / per[0]) / (b / per[1]))
    finally:
        if rss_file:
            os.unlink(rss_file)
    out = {
        "wall": statistics.median(walls),
        "base_wall": statistics.median(base_walls) if base_walls else None,
        "ratio": statistics.median(ratios) if ratios else None,
        "status": status,
        "rss_kib": max(rss) if rss else None,
    }
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
