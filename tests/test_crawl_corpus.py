"""A real crawl of the corpus web: every reachable page stored once, decoded right, blocks kept."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from corpus.checks import parse_page
from corpus.links import reachable_pages
from corpus.manifest import Page, Site, path_to_file
from tests.support import ServedWeb

REPO = Path(__file__).resolve().parent.parent


def file_for(url: str, urls: dict[str, str], sites: dict[str, Site]) -> tuple[str, Path] | None:
    """The corpus file a crawled URL was served from (query strings are ignored by the server)."""
    parts = urlsplit(url)
    for site_id, root in urls.items():
        if urlsplit(root).netloc == parts.netloc:
            site = sites[site_id]
            file = path_to_file(site.root, parts.path)
            if not file.is_file() and (site.root / parts.path.lstrip("/") / "index.html").is_file():
                file = site.root / parts.path.lstrip("/") / "index.html"
            return site_id, file.resolve()
    return None


@pytest.fixture(scope="module")
def corpus_crawl(corpus_web: ServedWeb, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("corpus-crawl")
    seeds = tmp / "seeds.txt"
    seeds.write_text("\n".join(corpus_web.urls.values()) + "\n")
    db = tmp / "pages.db"
    result = subprocess.run(
        [sys.executable, "-m", "api", "crawl", "--seeds-file", str(seeds),
         "--store", f"sqlite:///{db}", "--no-autothrottle", "--jsonl", str(tmp / "pages.jsonl")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = conn.execute("SELECT * FROM pages").fetchall()
    conn.close()
    return rows, json.loads(result.stdout.splitlines()[-1]), tmp / "pages.jsonl"


def originals_by_file(rows, corpus_web, sites) -> dict[tuple[str, Path], list]:
    by_id = {s.id: s for s in sites}
    found: dict[tuple[str, Path], list] = {}
    for row in rows:
        key = file_for(row["url"], corpus_web.urls, by_id)
        assert key is not None, f"crawled off the corpus: {row['url']}"
        if row["near_duplicate_of"] is None:
            found.setdefault(key, []).append(row)
    return found


def test_every_reachable_page_is_stored_once_with_its_text(
    corpus_crawl, corpus_web, sites: list[Site]
):
    rows, summary, _ = corpus_crawl
    found = originals_by_file(rows, corpus_web, sites)
    expected = {(s.id, f) for s in sites for f in reachable_pages(s)}
    assert expected <= set(found), sorted(expected - set(found))[:5]
    assert set(found) <= expected, "stored a page robots.txt disallows or nothing links to"
    assert summary["frontier"].get("pending", 0) == 0
    pages = {(p.site, p.file.resolve()): p for s in sites for p in s.pages}
    for key, originals in found.items():
        stored = "".join(originals[0]["text"].split())
        # Every text node of the main element, in the stored text (image alt texts and
        # <br> may sit between them there).
        fragments = ["".join(t.split()) for t in parse_page(pages[key]).main.itertext()]
        assert all(f in stored for f in fragments if f), key


def _row_for(page: Page, rows, corpus_web, sites):
    by_id = {s.id: s for s in sites}
    for row in rows:
        if row["near_duplicate_of"] is None and file_for(row["url"], corpus_web.urls, by_id) == (
            page.site,
            page.file.resolve(),
        ):
            return row
    return None


def test_legacy_encoded_pages_read_as_the_expected_chinese(corpus_crawl, corpus_web, sites):
    rows, _, _ = corpus_crawl
    checked = 0
    for site in (s for s in sites if s.encoding != "utf-8"):
        reachable = reachable_pages(site)
        for page in site.pages:
            if page.file.resolve() not in reachable:
                continue
            row = _row_for(page, rows, corpus_web, sites)
            stored = "".join(row["text"].split())
            main = parse_page(page).main
            paragraphs = ["".join(p.text_content().split()) for p in main.iter("p", "td", "li")]
            for paragraph in [p for p in paragraphs if p][:5]:
                assert paragraph in stored, f"{page.site}{page.path}"
                checked += 1
            assert "\ufffd" not in row["text"]
    assert checked >= 20


def test_widgets_and_solicitation_footers_are_kept_as_blocks(corpus_crawl, corpus_web, sites):
    rows, _, _ = corpus_crawl
    widget_pages = [p for s in sites for p in s.pages if "floating_widget" in p.signals]
    assert widget_pages
    reachable = {f for s in sites for f in reachable_pages(s)}
    for page in (p for p in widget_pages if p.file.resolve() in reachable):
        row = _row_for(page, rows, corpus_web, sites)
        places = {b["place"] for b in json.loads(row["blocks"])}
        assert "widget" in places, f"{page.site}{page.path}"
    qq_pages = [p for s in sites for p in s.pages if "qq_link" in p.signals]
    for page in (p for p in qq_pages if p.file.resolve() in reachable):
        row = _row_for(page, rows, corpus_web, sites)
        kinds = {c["kind"] for c in json.loads(row["contact_links"])}
        assert "qq" in kinds, f"{page.site}{page.path}"


def test_blocks_offsets_point_into_the_stored_text(corpus_crawl):
    rows, _, _ = corpus_crawl
    for row in rows[:100]:
        for block in json.loads(row["blocks"]):
            assert row["text"][block["start"] : block["end"]] == block["text"]


def test_jsonl_export_uses_the_store_field_names(corpus_crawl):
    rows, _, jsonl = corpus_crawl
    lines = jsonl.read_text("utf-8").splitlines()
    assert len(lines) == len(rows)
    first = json.loads(lines[0])
    for name in (
        "url",
        "final_url",
        "host",
        "status",
        "fetched_at",
        "encoding",
        "title",
        "text",
        "blocks",
        "links",
        "content_hash",
        "near_duplicate_of",
        "crawl_id",
    ):
        assert name in first, name


def test_killed_crawl_resumes_with_every_page_stored_once(corpus_web: ServedWeb, sites, tmp_path):
    """`scrapy crawl` from the project, SIGKILLed mid-crawl, then resumed."""
    chosen = sorted(sites, key=lambda s: -len(s.pages))[:6]
    seeds = ",".join(corpus_web.urls[s.id] for s in chosen)
    db = tmp_path / "pages.db"
    args = [
        sys.executable, "-m", "scrapy", "crawl", "recovery",
        "-a", f"seeds={seeds}", "-a", f"store=sqlite:///{db}",
        "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "DOWNLOAD_DELAY=0.25", "-s", "LOG_LEVEL=WARNING",
    ]  # fmt: skip
    first = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        stored = 0
        while time.monotonic() < deadline and first.poll() is None and stored < 12:
            time.sleep(0.1)
            try:
                with sqlite3.connect(db) as conn:
                    stored = conn.execute("SELECT count(*) FROM pages").fetchone()[0]
            except sqlite3.OperationalError:
                continue  # not created yet
    finally:
        if first.poll() is None:
            os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    assert first.returncode == -signal.SIGKILL, "the crawl finished before it could be killed"
    assert stored >= 12

    second = subprocess.run(
        [*args, "-a", "resume=true"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert second.returncode == 0, second.stderr
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute("SELECT * FROM pages").fetchall()
        crawls = conn.execute("SELECT * FROM crawls").fetchall()
    assert len(crawls) == 1 and crawls[0]["finished_at"] is not None
    found = originals_by_file(rows, corpus_web, sites)
    expected = {(s.id, f) for s in chosen for f in reachable_pages(s)}
    assert expected == set(found)
    assert all(len(v) == 1 for v in found.values())
