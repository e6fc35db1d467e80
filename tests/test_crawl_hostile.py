"""A real crawl of a hostile server: every misbehaviour is skipped or recorded, and the crawl goes on."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile_server import DEEP_TEXT, GBK_TEXT, HostileServer

MAX_QUERY_VARIANTS = 5
DEPTH = 6


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "api", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory):
    """One crawl of the hostile server; yields (server, db connection, summary, stderr)."""
    tmp = tmp_path_factory.mktemp("hostile")
    db = tmp / "pages.db"
    with HostileServer(slow_seconds=4) as server:
        result = run_cli(
            "crawl", server.root,
            "--store", f"sqlite:///{db}",
            "--depth", str(DEPTH),
            "--no-autothrottle",
            "-s", "DOWNLOAD_TIMEOUT=1",
            "-s", "DOWNLOAD_MAXSIZE=1048576",
            "-s", "RETRY_TIMES=2",
            "-s", "SCAMSCAN_RETRY_BACKOFF_BASE=0.1",
            "-s", f"SCAMSCAN_MAX_QUERY_VARIANTS={MAX_QUERY_VARIANTS}",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        conn = sqlite3.connect(db)
        conn.row_factory = sqlite3.Row
        yield server, conn, json.loads(result.stdout.strip().splitlines()[-1]), result.stderr
        conn.close()


def stored(conn: sqlite3.Connection, server: HostileServer, path: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM pages WHERE url = ?", (server.root.rstrip("/") + path,)
    ).fetchone()


def error_kinds(conn: sqlite3.Connection, path: str) -> set[str]:
    rows = conn.execute("SELECT kind FROM fetch_errors WHERE url LIKE ?", (f"%{path}",))
    return {r["kind"] for r in rows}


def test_robots_disallowed_path_is_never_requested(hostile_crawl):
    server, conn, _, _ = hostile_crawl
    assert "/private/secret.html" not in server.hits
    assert "robots_disallowed" in error_kinds(conn, "/private/secret.html")


def test_429_waits_for_retry_after_then_stores(hostile_crawl):
    server, conn, _, _ = hostile_crawl
    first, second = server.hits["/busy"][:2]
    assert second - first >= 0.9
    assert stored(conn, server, "/busy")["status"] == 200


def test_500_then_200_is_retried_and_stored(hostile_crawl):
    server, conn, _, _ = hostile_crawl
    assert len(server.hits["/flaky"]) == 2
    assert "重试后返回正常页面" in stored(conn, server, "/flaky")["text"]


def test_redirect_loop_ends_and_is_recorded(hostile_crawl):
    server, conn, summary, _ = hostile_crawl
    assert summary["finish_reason"] == "finished"
    assert len(server.hits["/loop-a"]) + len(server.hits["/loop-b"]) <= 8
    assert stored(conn, server, "/loop-a") is None
    assert error_kinds(conn, "/loop-a") & {"redirect_duplicate", "redirect_limit"}


def test_every_url_the_crawl_decided_on_is_closed(hostile_crawl):
    """No frontier entry is left pending: redirects to known pages and drops are recorded."""
    _, conn, summary, _ = hostile_crawl
    assert summary["frontier"].get("pending", 0) == 0
    assert conn.execute("SELECT count(*) FROM frontier WHERE state = 'pending'").fetchone()[0] == 0


def test_redirect_to_an_already_linked_page_keeps_one_original(hostile_crawl):
    """/docs -> 301 -> /docs/: either recorded as a redirect to a known page, or stored
    under its own URL and marked as the duplicate it is; never two originals."""
    server, conn, _, _ = hostile_crawl
    rows = conn.execute(
        "SELECT url, near_duplicate_of FROM pages WHERE final_url = ?", (server.root + "docs/",)
    ).fetchall()
    assert len([r for r in rows if r["near_duplicate_of"] is None]) == 1
    if stored(conn, server, "/docs") is None:
        assert error_kinds(conn, "/docs") == {"redirect_duplicate"}


def test_latin1_declared_gbk_page_reads_as_chinese(hostile_crawl):
    server, conn, _, _ = hostile_crawl
    assert GBK_TEXT in stored(conn, server, "/latin1-gbk")["text"]


def test_deeply_nested_text_is_not_dropped(hostile_crawl):
    server, conn, _, _ = hostile_crawl
    assert DEEP_TEXT in stored(conn, server, "/deep")["text"]


def test_hostile_stylesheet_and_bad_links_do_not_cost_the_page(hostile_crawl):
    server, conn, _, _ = hostile_crawl
    assert "样式表没有括号" in stored(conn, server, "/bigstyle")["text"]
    assert "坏链接不影响正文" in stored(conn, server, "/badhref")["text"]


def test_overlong_urls_are_not_followed(hostile_crawl):
    server, _, _, _ = hostile_crawl
    assert not [p for p in server.hits if p.startswith("/long/")]


def test_slow_response_times_out_and_is_recorded(hostile_crawl):
    _, conn, _, _ = hostile_crawl
    assert error_kinds(conn, "/slow") == {"timeout"}


def test_oversize_body_and_gzip_bomb_are_refused(hostile_crawl):
    server, conn, _, _ = hostile_crawl
    assert stored(conn, server, "/huge") is None
    assert stored(conn, server, "/bomb") is None
    assert error_kinds(conn, "/huge") == {"too_large"}
    assert error_kinds(conn, "/bomb") == {"too_large"}


def test_gbk_page_declared_utf8_reads_as_chinese(hostile_crawl):
    server, conn, _, _ = hostile_crawl
    row = stored(conn, server, "/gbk-wrong")
    assert GBK_TEXT in row["text"]
    assert row["encoding"] in ("gbk", "gb18030", "gb2312")
    assert row["declared_encoding"] == "utf-8"


def test_calendar_query_trap_ends_at_the_variant_cap(hostile_crawl):
    server, _, _, _ = hostile_crawl
    assert 1 <= len(server.hits["/calendar"]) <= MAX_QUERY_VARIANTS


def test_calendar_path_trap_ends_at_the_depth_limit(hostile_crawl):
    server, _, _, _ = hostile_crawl
    cal = [p for p in server.hits if p.startswith("/cal/")]
    assert 1 <= len(cal) <= DEPTH


def test_session_ids_and_fragments_do_not_make_new_pages(hostile_crawl):
    server, conn, _, _ = hostile_crawl
    assert len(server.hits["/session"]) == 1
    assert len(server.hits["/ok"]) == 1
    assert conn.execute("SELECT count(*) FROM pages WHERE url LIKE '%/ok%'").fetchone()[0] == 1


def test_non_html_empty_and_refused_are_recorded_with_reasons(hostile_crawl):
    _, conn, summary, _ = hostile_crawl
    assert "not_html" in error_kinds(conn, "/file.pdf")
    assert "empty_body" in error_kinds(conn, "/empty")
    assert error_kinds(conn, "/refused.html") == {"connection_refused"}
    assert summary["errors_by_kind"]["not_html"] >= 1


def test_malformed_html_is_still_stored_with_its_text(hostile_crawl):
    server, conn, _, _ = hostile_crawl
    row = stored(conn, server, "/malformed")
    assert "京东E卡回收" in row["text"] and "hs8899" in row["text"]


def test_summary_reports_statuses_errors_bytes_and_time(hostile_crawl):
    _, _, summary, stderr = hostile_crawl
    assert summary["pages_stored"] >= 8
    assert summary["responses_by_status"]["200"] >= 8
    assert summary["bytes"] > 0 and summary["seconds"] > 0
    assert "crawl finished" in stderr


def test_invalid_seed_is_refused_before_crawling(tmp_path: Path):
    db = tmp_path / "x.db"
    result = run_cli("crawl", "ftp://example.com/a", "--store", f"sqlite:///{db}")
    assert result.returncode == 2
    message = " ".join(result.stderr.replace("│", " ").split())
    assert "only http and https" in message
    assert not db.exists()


def test_progress_line_reports_pages_rate_errors_and_queue(tmp_path: Path):
    with HostileServer(slow_seconds=0.1) as server:
        result = run_cli(
            "crawl", server.root + "ok", "--store", f"sqlite:///{tmp_path / 'p.db'}",
            "-s", "SCAMSCAN_PROGRESS_INTERVAL=0.05", "-s", "DOWNLOAD_DELAY=0.3",
            "--no-autothrottle",
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "pages 1 |" in result.stderr
    assert "pages/s | errors" in result.stderr and "| queue" in result.stderr


def test_recrawl_updates_the_row_and_keeps_the_previous_hash(tmp_path: Path):
    db = tmp_path / "p.db"
    with HostileServer() as server:
        url = server.root + "version"
        server.version_text = "第一版：话费卡回收须知。"
        assert run_cli("crawl", url, "--store", f"sqlite:///{db}").returncode == 0
        with sqlite3.connect(db) as conn:
            (first_hash,) = conn.execute("SELECT content_hash FROM pages").fetchone()
        server.version_text = "第二版：内容已经更新，增加了防骗提示。"
        assert run_cli("crawl", url, "--store", f"sqlite:///{db}").returncode == 0
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT text, content_hash, previous_content_hash FROM pages"
        ).fetchall()
    assert len(rows) == 1
    text, content_hash, previous = rows[0]
    assert "第二版" in text
    assert previous == first_hash != content_hash
