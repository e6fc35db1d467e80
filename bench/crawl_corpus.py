"""Benchmark: pages/s crawling the whole corpus web, AutoThrottle off, extraction included.

Starts `scamscan sites serve` and `scamscan crawl` as separate processes (as a user
would), repeats the crawl on a fresh store, and reports wall time, pages/s and the
CPU seconds each process used, so that the bottleneck is visible.

    python bench/crawl_corpus.py [--runs 3] [--set NAME=VALUE ...]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--set", action="append", default=[], help="Scrapy setting NAME=VALUE")
    args = parser.parse_args()

    server = subprocess.Popen(
        [sys.executable, "-m", "api", "sites", "serve", "--address", "127.90.0.1"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    from corpus.manifest import load_sites

    urls = [server.stdout.readline().split("\t")[1].strip() for _ in load_sites()]
    results = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            seeds = Path(tmp) / "seeds.txt"
            seeds.write_text("\n".join(urls) + "\n")
            for run in range(args.runs):
                db = Path(tmp) / f"run{run}.db"
                server_cpu = cpu_seconds(server.pid)
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                started = time.perf_counter()
                out = subprocess.run(
                    [sys.executable, "-m", "api", "crawl", "--seeds-file", str(seeds),
                     "--store", f"sqlite:///{db}", "--no-autothrottle",
                     *[x for s in args.set for x in ("--set", s)]],
                    capture_output=True, text=True, check=True,
                )  # fmt: skip
                wall = time.perf_counter() - started
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                summary = json.loads(out.stdout.splitlines()[-1])
                results.append(
                    {
                        "pages": summary["pages_stored"],
                        "crawl_seconds": summary["seconds"],
                        "pages_per_s": summary["pages_stored"] / summary["seconds"],
                        "process_wall_s": wall,
                        "crawler_cpu_s": (after.ru_utime + after.ru_stime)
                        - (before.ru_utime + before.ru_stime),
                        "server_cpu_s": cpu_seconds(server.pid) - server_cpu,
                    }
                )
                print(json.dumps(results[-1]), file=sys.stderr)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)

    median = {k: statistics.median(r[k] for r in results) for k in results[0]}
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"runs: {len(results)}; settings: {args.set or 'defaults, AutoThrottle off'}")
    print("| pages | crawl s | pages/s | crawler CPU s | server CPU s | process wall s |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {median['pages']:.0f} | {median['crawl_seconds']:.2f} | {median['pages_per_s']:.0f} "
        f"| {median['crawler_cpu_s']:.2f} | {median['server_cpu_s']:.2f} "
        f"| {median['process_wall_s']:.2f} |"
    )


if __name__ == "__main__":
    main()
