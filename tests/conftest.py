"""Shared fixtures: the bundled corpus, and the corpus web served by the real CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from corpus.checks import Report, check_corpus
from corpus.manifest import Site, load_sites


@pytest.fixture(scope="session")
def sites() -> list[Site]:
    return load_sites()


@pytest.fixture(scope="session")
def corpus_report(sites: list[Site]) -> Report:
    return check_corpus(sites)


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


@pytest.fixture(scope="session")
def corpus_web() -> Iterator[ServedWeb]:
    """The whole corpus served on loopback for the session (one address per site)."""
    web = start_sites_server("--address", "127.78.0.1")
    yield web
    stop_sites_server(web)
