"""Serve the corpus as a small web: every site on its own loopback address.

Crawl tests and demos need real HTTP with distinct hosts (per-host politeness,
off-site filtering) and each page's real bytes and charset header, including
the sites that declare their charset wrongly or not at all. Linux answers on
all of 127.0.0.0/8, so each site binds its own address with no set-up.
"""

from __future__ import annotations

import html
import ipaddress
import logging
import mimetypes
import re
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from corpus.manifest import Site, path_to_file

log = logging.getLogger(__name__)

#: Sites get consecutive addresses from here on (127.77.0.1, 127.77.0.2, ...).
DEFAULT_FIRST_ADDRESS = "127.77.0.1"
#: A fixed Last-Modified keeps responses identical across checkouts.
LAST_MODIFIED = formatdate(1_700_000_000, usegmt=True)
SERVER_NAME = "scamscan-sites/0.1"
#: The labels are for us, not for the crawler.
PRIVATE_FILES = frozenset({"site.json"})
_LOC = re.compile(rb"<loc>\s*(/[^<]*)</loc>")


class SiteServer(ThreadingHTTPServer):
    """One site's HTTP server; ``site`` tells the handler what to serve."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], site: Site):
        self.site = site
        super().__init__(address, SiteRequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind() asks DNS for the host's name (socket.getfqdn): slow or
        # hanging without a resolver, and pointless for a loopback address.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    @property
    def root_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"


class SiteRequestHandler(BaseHTTPRequestHandler):
    """GET and HEAD for a site's static files, with the site's declared charset."""

    protocol_version = "HTTP/1.1"
    server_version = SERVER_NAME
    sys_version = ""
    server: SiteServer
    #: Seconds a connection may sit idle (keep-alive included) before its thread lets go.
    timeout = 30

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def log_message(self, format: str, *args) -> None:
        log.debug("%s %s", self.server.site.id, format % args)

    def _respond(self, send_body: bool) -> None:
        site = self.server.site
        url_path = unquote(urlsplit(self.path).path) or "/"
        try:
            file = self._resolve(site, url_path)
        except (ValueError, OSError) as exc:
            # A NUL byte (ValueError) or a name too long for the file system (OSError).
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            reason = f"400 Bad Request: the path names no possible file ({why}).\n"
            self._send(
                HTTPStatus.BAD_REQUEST, "text/plain; charset=utf-8", reason.encode(), send_body
            )
            return
        if file is None:
            self._send(
                HTTPStatus.NOT_FOUND, "text/html; charset=utf-8", _not_found(url_path), send_body
            )
            return
        if file.is_dir():
            # /news -> /news/ as a real server would, so relative links resolve.
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", url_path + "/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = file.read_bytes()
        if file.suffix == ".html":
            content_type = site.content_type
        elif file.name == "sitemap.xml":
            content_type = "application/xml"
            body = _absolute_sitemap(body, self.server.root_url.rstrip("/"))
        else:
            guessed = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            content_type = f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed
        self._send(HTTPStatus.OK, content_type, body, send_body)

    @staticmethod
    def _resolve(site: Site, url_path: str) -> Path | None:
        """The file for a URL path, or None; never a file outside the site folder."""
        root = site.root.resolve()
        candidate = path_to_file(root, url_path).resolve()
        if root != candidate and root not in candidate.parents:
            return None
        if candidate.name in PRIVATE_FILES:
            return None
        if candidate.is_file():
            return candidate
        bare = (root / url_path.lstrip("/")).resolve()
        if bare.is_dir() and (bare / "index.html").is_file() and root in (bare, *bare.parents):
            return bare
        return None

    def _send(self, status: HTTPStatus, content_type: str, body: bytes, send_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", LAST_MODIFIED)
        self.end_headers()
        if send_body:
            self.wfile.write(body)


def _not_found(path: str) -> bytes:
    shown = html.escape(path)
    return f"<!DOCTYPE html><title>404</title><h1>404 Not Found</h1><p>{shown}</p>".encode()


def _absolute_sitemap(body: bytes, base: bytes | str) -> bytes:
    """Sitemaps are written with paths; crawlers need absolute URLs on this host."""
    prefix = base.encode() if isinstance(base, str) else base
    return _LOC.sub(lambda m: b"<loc>" + prefix + m.group(1) + b"</loc>", body)


def site_addresses(count: int, first: str = DEFAULT_FIRST_ADDRESS) -> list[str]:
    """``count`` consecutive loopback addresses starting at ``first``."""
    start = ipaddress.IPv4Address(first)
    addresses = [start + i for i in range(count)]
    if count and not all(a.is_loopback for a in addresses):
        raise ValueError(f"{count} sites from {first} leave 127.0.0.0/8")
    return [str(a) for a in addresses]


class SiteWeb:
    """All sites, started together on one port, each on its own loopback address."""

    def __init__(
        self, sites: list[Site], first_address: str = DEFAULT_FIRST_ADDRESS, port: int = 0
    ):
        if not sites:
            raise ValueError("no sites to serve")
        self.sites = sites
        self.addresses = site_addresses(len(sites), first_address)
        self.requested_port = port
        self.servers: list[SiteServer] = []
        self._threads: list[threading.Thread] = []

    @property
    def urls(self) -> dict[str, str]:
        """Site id -> root URL."""
        return {s.site.id: s.root_url for s in self.servers}

    def start(self) -> SiteWeb:
        # With port 0 the kernel picks a port free on the first address; another
        # address may still hold it (a wildcard listener), so pick again.
        attempts = 5 if self.requested_port == 0 else 1
        for attempt in range(attempts):
            try:
                self._bind_all()
                break
            except OSError:
                self._close_all()
                if attempt == attempts - 1:
                    raise
        for server in self.servers:
            thread = threading.Thread(
                target=server.serve_forever, name=f"site-{server.site.id}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        log.info(
            "serving %d sites on port %d", len(self.servers), self.servers[0].server_address[1]
        )
        return self

    def _bind_all(self) -> None:
        first = SiteServer((self.addresses[0], self.requested_port), self.sites[0])
        port = first.server_address[1]
        self.servers = [first]
        for address, site in zip(self.addresses[1:], self.sites[1:], strict=True):
            self.servers.append(SiteServer((address, port), site))

    def stop(self) -> None:
        # shutdown() blocks until that server's next poll (0.5 s): stop them all at once.
        stoppers = [threading.Thread(target=s.shutdown) for s in self.servers]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join()
        self._close_all()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()

    def _close_all(self) -> None:
        for server in self.servers:
            server.server_close()


@contextmanager
def serve_sites(
    sites: list[Site], first_address: str = DEFAULT_FIRST_ADDRESS, port: int = 0
) -> Iterator[dict[str, str]]:
    """Serve ``sites`` for the duration of a ``with`` block; yields site id -> root URL."""
    web = SiteWeb(sites, first_address, port).start()
    try:
        yield web.urls
    finally:
        web.stop()
