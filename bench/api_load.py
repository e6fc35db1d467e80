"""Benchmark: `scamscan serve` under load from wrk, POST /v1/score with a ~5 KB page.

Starts the real service (uvicorn, the bundled model, a throw-away SQLite store,
no rate limit), then runs wrk at each concurrency and prints requests/s and
p50 / p99 latency as a Markdown table for docs/benchmarks.md.

Needs wrk (`apt-get install wrk`). wrk runs on the same machine and takes CPU
from the server: the figures are for server and load generator sharing the cores.

    python bench/api_load.py [--workers 2] [--concurrency 1,8,32] [--seconds 20]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from classifier.inputs import corpus_examples

LUA = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = io.open("{body}", "rb"):read("*a")
"""


def page_of(size: int) -> str:
    """A corpus page text cut or repeated to about ``size`` UTF-8 bytes."""
    texts = sorted(corpus_examples().texts, key=lambda t: abs(len(t.encode()) - size))
    text = texts[0]
    while len(text.encode()) < size:
        text += "\n" + text
    while len(text.encode()) > size:
        text = text[: int(len(text) * 0.95)]
    return text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def run_wrk(url: str, script: Path, connections: int, seconds: int) -> dict:
    threads = min(connections, 2)
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency",
         "-s", str(script), url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    latency = dict(re.findall(r"^\s+(50|99)(?:\.0+)?%\s+(\S+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "concurrency": connections,
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": to_ms(latency["50"]),
        "p99_ms": to_ms(latency["99"]),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--page-bytes", type=int, default=5000)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")

    tmp = Path(tempfile.mkdtemp(prefix="scamscan-bench-"))
    text = page_of(args.page_bytes)
    body = tmp / "body.json"
    body.write_text(json.dumps({"text": text}, ensure_ascii=False), "utf-8")
    script = tmp / "post.lua"
    script.write_text(LUA.format(body=body))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "api", "serve", "--port", str(port), "--workers",
         str(args.workers), "--rate-limit", "0", "--store", f"sqlite:///{tmp / 'api.db'}"],
        stdout=(log := (tmp / "serve.log").open("w")), stderr=log, env={**os.environ},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                sys.exit(f"server not ready: {(tmp / 'serve.log').read_text()}")
            time.sleep(0.5)
        for _ in range(50):  # warm up every worker
            httpx.post(base + "/v1/score", content=body.read_bytes(),
                       headers={"content-type": "application/json"}, timeout=30)  # fmt: skip
        rows = [
            run_wrk(base + "/v1/score", script, int(c), args.seconds)
            for c in args.concurrency.split(",")
        ]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; {args.workers} workers; "
        f"page {len(text.encode())} bytes; {args.seconds} s per run"
    )
    print("| concurrency | requests/s | p50 ms | p99 ms | non-2xx |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['concurrency']} | {r['requests_per_s']:.0f} | {r['p50_ms']:.1f} "
            f"| {r['p99_ms']:.1f} | {r['non_2xx']} |"
        )


if __name__ == "__main__":
    main()
