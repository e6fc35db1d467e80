"""The `scamscan` command line as a user runs it: help, corpus commands, export, clear errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from corpus.manifest import Site


def scamscan(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "api", *args], capture_output=True, text=True, timeout=timeout
    )


def test_help_lists_every_command():
    result = scamscan("--help")
    assert result.returncode == 0
    for command in ("sites", "crawl", "pages"):
        assert command in result.stdout


def test_sites_check_passes_on_the_bundled_corpus():
    result = scamscan("sites", "check")
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("counts: sites ")


def test_sites_check_names_the_broken_page(tmp_path: Path, sites: list[Site]):
    site = next(s for s in sites if s.encoding == "utf-8")
    copy = tmp_path / site.id
    shutil.copytree(site.root, copy)
    (copy / "orphan.html").write_text("<main>没有登记的页面</main>", "utf-8")
    victim = next(p for p in site.pages if p.path != "/")
    (copy / victim.file.relative_to(site.root)).unlink()
    result = scamscan("sites", "check", "--sites", str(tmp_path))
    assert result.returncode == 1
    assert f"problem: {site.id}/orphan.html: HTML file with no entry in site.json" in result.stdout
    assert f"problem: {site.id}{victim.path}: listed in site.json but" in result.stdout


def test_sites_check_rejects_a_missing_folder(tmp_path: Path):
    result = scamscan("sites", "check", "--sites", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert "Invalid value" in result.stderr


def test_manifest_has_one_row_per_page(sites: list[Site]):
    result = scamscan("sites", "manifest")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == sum(len(s.pages) for s in sites)
    assert {r["label"] for r in rows} == {"informational", "platform", "solicitation"}


def test_crawl_rejects_a_malformed_setting():
    result = scamscan("crawl", "http://127.0.0.1:9/", "-s", "NOEQUALS")
    assert result.returncode == 2
    assert "NAME=VALUE" in " ".join(result.stderr.replace("│", " ").split())


def test_pages_export_of_an_empty_store_writes_nothing(tmp_path: Path):
    out = tmp_path / "pages.jsonl"
    result = scamscan(
        "pages", "export", "--store", f"sqlite:///{tmp_path / 'p.db'}", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert out.read_text() == ""
