"""The corpus as a link graph, walked offline: which pages a polite crawler can reach.

Crawl tests compare what the crawler stored with this, so it follows the same
rules a crawler does: links and sitemap entries on the same site, robots.txt.
"""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import lxml.html

from corpus.manifest import Page, Site, path_to_file

_BASE = "http://site.invalid"
_LOC = re.compile(r"<loc>\s*([^<\s]+)\s*</loc>")


def page_links(html: str, page_path: str) -> list[str]:
    """Same-site URL paths linked from a page (``<a href>``), resolved against it."""
    tree = lxml.html.document_fromstring(html)
    paths = []
    for href in tree.xpath("//a/@href"):
        url = urlsplit(urljoin(_BASE + page_path, href.strip()))
        if url.scheme == "http" and url.netloc == "site.invalid":
            paths.append(url.path or "/")
    return paths


def sitemap_paths(site: Site) -> list[str]:
    sitemap = site.root / "sitemap.xml"
    if not sitemap.is_file():
        return []
    return [urlsplit(urljoin(_BASE, loc)).path for loc in _LOC.findall(sitemap.read_text("utf-8"))]


def robots(site: Site) -> RobotFileParser:
    parser = RobotFileParser()
    robots_file = site.root / "robots.txt"
    parser.parse(robots_file.read_text("utf-8").splitlines() if robots_file.is_file() else [])
    return parser


def reachable_pages(site: Site, user_agent: str = "*") -> dict[Path, int]:
    """Page file -> link depth from ``/``.

    Breadth-first over the site's own links, skipping paths robots.txt disallows
    and links to files that do not exist. Pages that no link reaches but the
    sitemap lists count as depth 1, and the walk goes on from them.
    """
    by_file: dict[Path, Page] = {p.file.resolve(): p for p in site.pages}
    rules = robots(site)

    def resolve(path: str) -> Path | None:
        if not rules.can_fetch(user_agent, _BASE + path):
            return None
        file = path_to_file(site.root, path).resolve()
        if file not in by_file and (site.root / path.lstrip("/") / "index.html").is_file():
            file = (site.root / path.lstrip("/") / "index.html").resolve()
        return file if file in by_file else None

    depth: dict[Path, int] = {}

    def walk(starts: list[tuple[str, int]]) -> None:
        queue: deque[tuple[Path, int]] = deque()
        for path, d in starts:
            file = resolve(path)
            if file is not None and file not in depth:
                depth[file] = d
                queue.append((file, d))
        while queue:
            file, d = queue.popleft()
            page = by_file[file]
            for link in page_links(page.read_text(), page.path):
                target = resolve(link)
                if target is not None and target not in depth:
                    depth[target] = d + 1
                    queue.append((target, d + 1))

    walk([("/", 0)])
    walk([(p, 1) for p in sitemap_paths(site)])
    return depth
