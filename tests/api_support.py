"""Helpers for the API tests: an in-process app on a fresh store, and a real `scamscan serve`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings

SOLICITATION = "高价回收京东E卡、话费卡，秒到账！加微信 hs_8899 私聊报价，先付押金再结算。"
INFORMATIONAL = "话费充值卡回收前请先在官方平台核对面值，警惕要求添加私人微信的回收骗局。"


@contextmanager
def api_client(tmp_path: Path, scorer, **settings) -> Iterator[TestClient]:
    """A TestClient on an app with its own SQLite store and the session's loaded model."""
    values = {"store": f"sqlite:///{tmp_path / 'api.db'}", "allow_open": True, **settings}
    app = create_app(Settings(**values), scorer=scorer)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    process: subprocess.Popen
    base: str
    log: Path

    def stderr(self) -> str:
        return self.log.read_text("utf-8", errors="replace")


def start_serve(tmp_path: Path, *args: str, timeout: float = 180.0) -> Served:
    """`scamscan serve` as a real process (uvicorn), waited for until /readyz says ready."""
    port = free_port()
    log = tmp_path / f"serve-{port}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "api", "serve", "--port", str(port), *args],
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    served = Served(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"serve exited {process.returncode}: {served.stderr()}")
        try:
            if httpx.get(served.base + "/readyz", timeout=2).status_code == 200:
                return served
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"serve not ready in {timeout} s: {served.stderr()}")


def stop_serve(served: Served) -> int:
    served.process.send_signal(signal.SIGTERM)
    try:
        return served.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        served.process.kill()
        raise
