"""`scamscan serve` as users run it: real uvicorn on loopback, the corpus web for check-url."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.api_support import INFORMATIONAL, SOLICITATION, start_serve, stop_serve


@pytest.fixture(scope="module")
def served(tmp_path_factory, corpus_web, model_dir):
    """One server for the module: open mode on 127.0.0.1, the corpus web allowlisted."""
    tmp = tmp_path_factory.mktemp("serve")
    db = tmp / "api.db"
    server = start_serve(
        tmp, "--store", f"sqlite:///{db}", "--allow-fetch", "127.78.0.0/16", "--rate-limit", "0"
    )
    yield server, db
    # SIGTERM: a clean shutdown (uvicorn re-raises the signal once it has shut down).
    assert stop_serve(server) in (0, -15)
    assert "Application shutdown complete" in server.stderr()


def solicitation_page(sites, corpus_web) -> str:
    site = next(s for s in sites if any(p.label == "solicitation" for p in s.pages))
    page = next(p for p in site.pages if p.label == "solicitation")
    return corpus_web.urls[site.id].rstrip("/") + page.path


def test_serve_on_loopback_without_keys_runs_open_and_says_so(served):
    server, _ = served
    assert "WITHOUT authentication" in server.stderr()
    response = httpx.post(server.base + "/v1/score", json={"text": SOLICITATION}, timeout=30)
    assert response.status_code == 200 and response.json()["label"] == "solicitation"


def test_check_url_fetches_stores_scores_and_reuses_a_fresh_result(served, sites, corpus_web):
    server, _ = served
    url = solicitation_page(sites, corpus_web)
    first = httpx.post(server.base + "/v1/check-url", json={"url": url}, timeout=60).json()
    assert "error" not in first, first
    assert first["cached"] is False and first["result"]["suggestion"] in ("review", "block")
    again = httpx.post(server.base + "/v1/check-url", json={"url": url}, timeout=60).json()
    assert again["cached"] is True and again["page_id"] == first["page_id"]
    assert again["result"] == first["result"]
    fresh = httpx.post(
        server.base + "/v1/check-url", json={"url": url, "refresh": True}, timeout=60
    ).json()
    assert fresh["cached"] is False
    page = httpx.get(f"{server.base}/v1/pages/{first['page_id']}", timeout=30).json()
    assert page["url"] == first["url"] and page["text"]
    assert len(page["history"]) == 2 and page["result"] == fresh["result"]
    for contact in page["result"]["contacts"]:  # offsets point into the stored page text
        if contact["start"] >= 0:  # -1: a contact link with no anchor text on the page
            assert page["text"][contact["start"] : contact["end"]] == contact["text"]
    # Times carry their zone, whichever database gave them back (SQLite keeps none).
    stamps = [first["fetched_at"], first["scored_at"], *(h["scored_at"] for h in page["history"])]
    assert all(datetime.fromisoformat(s).utcoffset() == timedelta(0) for s in stamps), stamps


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:1/",  # loopback, not allowlisted
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://2130706433/",
        "file:///etc/passwd",
        "http://user:pw@127.78.0.1/",
    ],
)
def test_check_url_refuses_what_is_not_allowed(served, url):
    server, _ = served
    response = httpx.post(server.base + "/v1/check-url", json={"url": url}, timeout=30)
    assert response.status_code == 422
    assert response.json()["error"]["code"] in ("url_refused", "invalid_url")


def test_50_concurrent_scores_and_feedback_all_succeed_and_every_feedback_is_stored(served):
    server, db = served

    def before() -> int:
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT count(*) FROM feedback").fetchone()[0]

    stored_before = before()

    def call(i: int) -> tuple[int, str]:
        with httpx.Client(base_url=server.base, timeout=60) as client:
            if i % 2:
                note = f"concurrent-{i}"
                body = {"text": SOLICITATION, "label": "solicitation", "note": note}
                return client.post("/v1/feedback", json=body).status_code, note
            text = SOLICITATION if i % 4 else INFORMATIONAL
            return client.post("/v1/score", json={"text": text}).status_code, ""

    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(call, range(50)))
    assert [code for code, _ in answers] == [201 if i % 2 else 200 for i in range(50)]
    with sqlite3.connect(db) as conn:
        notes = {r[0] for r in conn.execute("SELECT note FROM feedback")}
    assert {note for _, note in answers if note} <= notes
    assert before() == stored_before + 25


def test_metrics_reflect_the_traffic(served):
    server, _ = served
    httpx.post(server.base + "/v1/score", json={"text": SOLICITATION}, timeout=30)
    text = httpx.get(server.base + "/metrics", timeout=10).text
    assert 'route="/v1/score",status="200"' in text and "scamscan_scores_total" in text


def test_serve_refuses_a_public_address_without_keys(tmp_path: Path):
    done = subprocess.run(
        [sys.executable, "-m", "api", "serve", "--host", "0.0.0.0", "--port", "0",
         "--store", f"sqlite:///{tmp_path / 'api.db'}"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "without API keys" in done.stderr and "scamscan keys create" in done.stderr


def test_keys_cli_creates_lists_and_revokes(tmp_path: Path):
    store = f"sqlite:///{tmp_path / 'api.db'}"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "api", "keys", *args, "--store", store],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    created = run("create", "--role", "moderator", "--name", "Li")
    assert created.returncode == 0
    token = created.stdout.strip()
    assert token.startswith("ssk_")
    listed = run("list").stdout
    key_id = token.split("_")[1]
    assert key_id in listed and token.split("_", 2)[2] not in listed  # never the secret
    assert run("revoke", key_id).returncode == 0
    assert '"revoked_at": null' not in run("list").stdout
    assert run("revoke", key_id).returncode == 1  # already revoked
    with sqlite3.connect(tmp_path / "api.db") as conn:
        (stored,) = conn.execute("SELECT secret_hash FROM api_keys").fetchone()
    assert token.split("_", 2)[2] not in stored
