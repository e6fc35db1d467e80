"""`scamscan sites serve`: every site on its own loopback host, with its real bytes and headers."""

from __future__ import annotations

import http.client
import ipaddress
from urllib.parse import urlsplit

import pytest

from corpus.checks import ParsedPage, parse_page
from corpus.manifest import Site
from tests.support import ServedWeb, start_sites_server, stop_sites_server


def fetch(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, parts.path or "/")
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def site_by(sites: list[Site], **attrs) -> Site:
    return next(s for s in sites if all(getattr(s, k) == v for k, v in attrs.items()))


def test_each_site_is_its_own_loopback_host(corpus_web: ServedWeb, sites: list[Site]):
    assert set(corpus_web.urls) == {s.id for s in sites}
    hosts = {urlsplit(u).hostname for u in corpus_web.urls.values()}
    assert len(hosts) == len(sites)
    assert all(ipaddress.ip_address(h).is_loopback for h in hosts)


def test_home_page_arrives_byte_for_byte(corpus_web: ServedWeb, sites: list[Site]):
    site = sites[0]
    home = next(p for p in site.pages if p.path == "/")
    status, headers, body = fetch(corpus_web.urls[site.id])
    assert status == 200
    assert body == home.file.read_bytes()
    assert headers["content-type"] == site.content_type


def test_gbk_page_arrives_as_gbk_bytes_that_decode_to_the_expected_text(
    corpus_web: ServedWeb, sites: list[Site]
):
    site = site_by(sites, encoding="gbk", charset_header="gbk")
    page = max(site.pages, key=lambda p: p.file.stat().st_size)
    status, headers, body = fetch(corpus_web.urls[site.id].rstrip("/") + page.path)
    assert status == 200
    assert headers["content-type"] == "text/html; charset=gbk"
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    expected = parse_page(page).main_text
    served = ParsedPage(page, body.decode("gbk")).main_text
    assert len(expected) > 200
    assert served == expected


def test_misdeclared_site_sends_the_declaration_it_has_not_the_truth(
    corpus_web: ServedWeb, sites: list[Site]
):
    site = next(s for s in sites if (s.charset_header or "").lower() != s.encoding)
    page = site.pages[0]
    status, headers, body = fetch(corpus_web.urls[site.id].rstrip("/") + page.path)
    assert status == 200
    assert headers["content-type"] == site.content_type
    assert body == page.file.read_bytes()


def test_robots_and_absolute_sitemap(corpus_web: ServedWeb, sites: list[Site]):
    site = next(s for s in sites if (s.root / "sitemap.xml").is_file())
    root = corpus_web.urls[site.id]
    status, headers, body = fetch(root + "robots.txt")
    assert status == 200 and headers["content-type"].startswith("text/plain")
    status, headers, body = fetch(root + "sitemap.xml")
    assert status == 200
    assert f"<loc>{root}".encode() in body
    assert b"<loc>/" not in body


def test_missing_pages_labels_and_traversal_are_404(corpus_web: ServedWeb, sites: list[Site]):
    root = corpus_web.urls[sites[0].id]
    for path in ("no-such-page.html", "site.json", "../" + sites[1].id + "/index.html", "%2e%2e/"):
        status, _, _ = fetch(root + path)
        assert status == 404, path


def test_nul_byte_and_over_long_paths_are_400_not_a_dropped_connection(
    corpus_web: ServedWeb, sites: list[Site]
):
    root = corpus_web.urls[sites[0].id]
    for path in ("%00", "a%00b.html", "a" * 5000):
        status, headers, body = fetch(root + path)
        assert status == 400, path[:20]
        assert headers["content-type"].startswith("text/plain")
        assert b"Bad Request" in body
    # The server is still there afterwards.
    assert fetch(root)[0] == 200


def test_404_page_escapes_the_path(corpus_web: ServedWeb, sites: list[Site]):
    status, headers, body = fetch(corpus_web.urls[sites[0].id] + "<script>x</script>.html")
    assert status == 404
    assert headers["content-type"].startswith("text/html")
    assert b"&lt;script&gt;" in body
    assert b"<script>" not in body


def test_head_sends_headers_without_a_body(corpus_web: ServedWeb, sites: list[Site]):
    status, headers, body = fetch(corpus_web.urls[sites[0].id], method="HEAD")
    assert status == 200
    assert int(headers["content-length"]) > 0
    assert body == b""


def test_sigterm_stops_the_server_cleanly():
    web = start_sites_server("--address", "127.79.0.1")
    assert stop_sites_server(web) == 0
