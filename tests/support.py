"""Helpers the tests share: running `scamscan sites serve` as a real process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from corpus.manifest import load_sites


@dataclass
class ServedWeb:
    process: subprocess.Popen
    urls: dict[str, str]


def start_sites_server(*args: str, timeout: float = 20.0) -> ServedWeb:
    """Run ``scamscan sites serve`` and read its SITE_ID<TAB>URL lines until all sites are up."""
    expected = len(load_sites())
    process = subprocess.Popen(
        [sys.executable, "-m", "api", "sites", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    urls: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while len(urls) < expected:
        line = process.stdout.readline()
        if not line or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"sites serve died or hung: {process.stderr.read()}")
        site_id, url = line.rstrip("\n").split("\t")
        urls[site_id] = url
    return ServedWeb(process, urls)


def stop_sites_server(web: ServedWeb) -> int:
    web.process.send_signal(signal.SIGTERM)
    try:
        return web.process.wait(timeout=10)
    finally:
        web.process.stdout.close()
        web.process.stderr.close()
