"""Fetch one page for ``/v1/check-url`` without letting a client reach inside our network.

A URL from a client is hostile until proven otherwise (server-side request forgery):
it may name a loopback, private or cloud-metadata address in any spelling libc
accepts (``0x7f.1``, ``2130706433``, ``[::ffff:127.0.0.1]``), a name whose DNS
answer changes between our check and our connect (rebinding), or a public host
that redirects inward. So every hop is parsed to one canonical host, resolved
exactly once, every address is checked, and the socket is opened to the checked
address itself; http.client never sees a name it could resolve again. Bodies are
decompressed here, under a cap, and one deadline covers the whole fetch.

Refusals raise :class:`FetchRefused`, whose message is safe to show the client:
it names at most the host the client gave, never an address we resolved or a
redirect target. Details go to the log.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import logging
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from w3lib.url import safe_url_string

from crawler.settings import USER_AGENT

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Every ``FetchRefused.code``.
CODES = frozenset(
    {
        "url", "scheme", "credentials", "address", "resolve", "connect", "tls", "timeout",
        "protocol", "redirects", "too_large", "encoding", "http_status",
    }
)  # fmt: skip

_SCHEMES = {"http": 80, "https": 443}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_IPV4_PART = re.compile(r"0x[0-9a-f]*|0[0-7]*|[1-9][0-9]*")
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")

# Not reachable on the public internet, or not meant to be fetched: checked explicitly
# because ``ipaddress.is_global`` differs between Python releases and misses some
# (multicast, 6to4 and NAT64 forms of private addresses all count as "global" in 3.11).
_BLOCKED_V4 = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",  # "this network", includes the unspecified address
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",
        "192.88.99.0/24",  # deprecated 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, includes broadcast
    )
)
_GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # well-known prefix: last 32 bits are IPv4
_BLOCKED_V6 = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "2001::/23",  # IETF protocol assignments: Teredo, ORCHID, benchmarking
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
    )
)


class FetchRefused(ValueError):
    """Why a URL was not fetched; ``str()`` is safe to show the client who asked."""

    def __init__(self, code: str, message: str) -> None:
        assert code in CODES, code
        super().__init__(message)
        self.code = code


def _networks(items: Iterable[IPNetwork | str]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(item) for item in items)


@dataclass(frozen=True)
class FetchPolicy:
    """Limits of one fetch. Allowlists bypass the address check, so keep them tiny.

    ``allow_hosts`` holds host names or IP literals (any spelling; compared in
    canonical form) whose addresses are accepted whatever they are;
    ``allow_networks`` holds networks (or strings) whose addresses are accepted,
    e.g. ``127.77.0.0/16`` for the loopback corpus web. ``ssl_context`` replaces
    the default verifying context (a private CA for tests); leave it None.
    """

    allow_hosts: frozenset[str] = frozenset()
    allow_networks: tuple[IPNetwork, ...] = ()
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 20.0
    user_agent: str = USER_AGENT
    ssl_context: ssl.SSLContext | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        hosts = frozenset(canonical_host(h.strip("[]"))[0] for h in self.allow_hosts)
        object.__setattr__(self, "allow_hosts", hosts)
        object.__setattr__(self, "allow_networks", _networks(self.allow_networks))


@dataclass(frozen=True)
class Fetched:
    """A fetched page: ``body`` is decompressed but not decoded to text."""

    url: str  # as asked
    final_url: str  # after redirects
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    redirects: list[str]  # every URL redirected to, in order


# --- hosts and addresses ---------------------------------------------------------------


def _parse_ipv4(labels: list[str]) -> ipaddress.IPv4Address | None:
    """inet_aton's reading: 1-4 parts, each decimal, octal (0...) or hex (0x...)."""
    if not 1 <= len(labels) <= 4 or not all(_IPV4_PART.fullmatch(p) for p in labels):
        return None
    values = [int(p, 16) if p.startswith("0x") else int(p, 8) if p[0] == "0" else int(p)
              for p in (p if p != "0x" else "0x0" for p in labels)]  # fmt: skip
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (5 - len(values)):
        return None
    number = last
    for index, value in enumerate(head):  # a.b.c.d, a.b.cd, a.bcd: leading parts are bytes
        number |= value << (24 - 8 * index)
    return ipaddress.IPv4Address(number)


def canonical_host(host: str) -> tuple[str, IPAddress | None]:
    """One spelling per host: ASCII, lower case, no trailing dot, IPs in standard form.

    ``host`` is a URL's host without brackets. Returns ``(name, ip)``; ``ip`` is set
    when the host is an IP literal in any spelling a resolver would accept, so it is
    never looked up. Raises FetchRefused("url") for hosts no resolver should see.
    """
    if ":" in host:  # only IPv6 literals have colons once the port is split off
        try:
            ip6 = ipaddress.IPv6Address(host)
        except ValueError:
            raise FetchRefused("url", f"{host!r} is not a valid IPv6 address") from None
        if ip6.scope_id:
            raise FetchRefused("address", "IPv6 addresses with a zone id are not fetched")
        return str(ip6), ip6
    if not host.isascii():
        try:  # IDNA 2003 also maps full-width digits and dots: "１２７．０．０．１"
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise FetchRefused("url", f"{host!r} is not a valid host name") from None
    host = host.lower()
    host = host.removesuffix(".")
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise FetchRefused("url", f"{host!r} is not a valid host name")
    if _NUMERIC_LABEL.fullmatch(labels[-1]):  # WHATWG: a numeric last label means IPv4
        ip4 = _parse_ipv4(labels)
        if ip4 is None:
            raise FetchRefused("url", f"{host!r} is not a valid IPv4 address")
        return str(ip4), ip4
    return host, None


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address a mapped, NAT64 or 6to4 address reaches."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def is_public(ip: IPAddress) -> bool:
    """True for unicast addresses on the public internet, in IPv4 or IPv6 form."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return False
        inner = _embedded_v4(ip)
        if inner is not None:
            return is_public(inner)
        if ip not in _GLOBAL_UNICAST_V6 or any(ip in net for net in _BLOCKED_V6):
            return False
    elif any(ip in net for net in _BLOCKED_V4):
        return False
    flags = (ip.is_private, ip.is_loopback, ip.is_link_local, ip.is_multicast,
             ip.is_reserved, ip.is_unspecified)  # fmt: skip
    return ip.is_global and not any(flags)


def _allowed(ip: IPAddress, host: str, policy: FetchPolicy) -> bool:
    if host in policy.allow_hosts:
        return True
    forms = [ip]
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        forms.append(ip.ipv4_mapped)
    if any(form in net for form in forms for net in policy.allow_networks):
        return True
    return is_public(ip)


# --- one hop ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    url: str
    scheme: str
    host: str  # canonical
    ip: IPAddress | None  # set when the host is an IP literal
    port: int
    target: str  # path and query for the request line

    @property
    def host_header(self) -> str:
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == _SCHEMES[self.scheme] else f"{name}:{self.port}"


def _parse(url: str) -> _Target:
    url = url.strip()
    if _CONTROL_OR_SPACE.search(url):
        raise FetchRefused("url", "the URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise FetchRefused("url", "the URL cannot be parsed") from None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise FetchRefused("scheme", "only http and https URLs are fetched")
    if "@" in parts.netloc:
        raise FetchRefused("credentials", "URLs with a user name or password are not fetched")
    if not parts.hostname or ("%" in parts.hostname and ":" not in parts.hostname):
        raise FetchRefused("url", "the URL has no valid host")
    try:
        port = parts.port or _SCHEMES[scheme]
    except ValueError:
        raise FetchRefused("url", "the URL has an invalid port") from None
    host, ip = canonical_host(parts.hostname)
    try:  # percent-encode what is not ASCII in the path and query
        safe = urlsplit(safe_url_string(url))
    except ValueError:
        raise FetchRefused("url", "the URL cannot be parsed") from None
    target = (safe.path or "/") + (f"?{safe.query}" if safe.query else "")
    return _Target(url, scheme, host, ip, port, target)


def _resolve(target: _Target) -> list[IPAddress]:
    """The host's addresses, looked up once: the caller connects only to these."""
    if target.ip is not None:
        return [target.ip]
    try:
        infos = socket.getaddrinfo(
            target.host, target.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except (OSError, UnicodeError) as exc:
        log.info("fetch: %s does not resolve: %s", target.host, exc)
        raise FetchRefused("resolve", f"{target.host} could not be resolved") from None
    addresses: list[IPAddress] = []
    for info in infos:
        ip = ipaddress.ip_address(info[4][0])
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise FetchRefused("resolve", f"{target.host} could not be resolved")
    return addresses


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise FetchRefused("timeout", "the fetch took too long")
        return left


class _Connection:
    """One socket to one checked address, shut down by a watchdog at the deadline.

    Socket timeouts bound each wait; the watchdog bounds their sum, so a server that
    drips one byte per second cannot hold a worker for longer than the total timeout.
    """

    def __init__(self, target: _Target, policy: FetchPolicy, deadline: _Deadline) -> None:
        self.target, self.policy, self.deadline = target, policy, deadline
        self.sock: socket.socket | None = None
        self.expired = False
        self._lock = threading.Lock()
        self._timer = threading.Timer(deadline.remaining(), self._expire)
        self._timer.daemon = True

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            if self.sock is not None:
                # The base method: works on TLS sockets without touching their state.
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(self.sock, socket.SHUT_RDWR)

    def close(self) -> None:
        self._timer.cancel()
        with self._lock:
            if self.sock is not None:
                self.sock.close()
            self.sock = None

    def open(self, addresses: list[IPAddress]) -> None:
        self._timer.start()
        failure = FetchRefused("connect", f"could not connect to {self.target.host}")
        for ip in addresses:
            family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.settimeout(min(self.policy.connect_timeout, self.deadline.remaining()))
            try:
                sock.connect((str(ip), self.target.port))  # numeric: nothing is resolved
            except TimeoutError:
                sock.close()
                failure = FetchRefused("timeout", f"{self.target.host} did not accept in time")
                continue
            except OSError as exc:
                sock.close()
                log.info("fetch: connect to %s port %s failed: %s", ip, self.target.port, exc)
                continue
            sock.settimeout(self.policy.read_timeout)
            with self._lock:
                self.sock = sock
            if self.target.scheme == "https":
                self._tls()
            return
        raise failure

    def _tls(self) -> None:
        context = self.policy.ssl_context or ssl.create_default_context()
        with self._lock:
            assert self.sock is not None
            self.sock = context.wrap_socket(
                self.sock, server_hostname=self.target.host, do_handshake_on_connect=False
            )
        try:
            self.sock.do_handshake()  # checks the certificate against the name, not the IP
        except ssl.SSLCertVerificationError as exc:
            log.info("fetch: certificate of %s rejected: %s", self.target.host, exc)
            raise FetchRefused(
                "tls", f"the certificate of {self.target.host} could not be verified"
            ) from None
        except ssl.SSLError as exc:
            log.info("fetch: TLS with %s failed: %s", self.target.host, exc)
            raise FetchRefused("tls", f"TLS with {self.target.host} failed") from None

    def request(self) -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection("invalid", self.target.port)
        conn.sock = self.sock  # already connected: http.client never resolves anything
        conn.putrequest("GET", self.target.target, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", self.target.host_header)
        conn.putheader("User-Agent", self.policy.user_agent)
        conn.putheader("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
        conn.putheader("Accept-Encoding", "gzip, deflate")
        conn.putheader("Connection", "close")
        conn.endheaders()
        return conn.getresponse()


# --- bodies ----------------------------------------------------------------------------


class _Inflater:
    """Streams one gzip or deflate layer, never producing more than it is allowed."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._obj = None if coding == "deflate" else zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._head = b""
        self._done = False

    def feed(self, data: bytes, room: int) -> bytes:
        """Up to ``room + 1`` bytes of output: one more than allowed means too much."""
        if self._obj is None:  # deflate: zlib-wrapped per the RFC, raw from some servers
            self._head += data
            if len(self._head) < 2:
                return b""
            data, self._head = self._head, b""
            zlib_header = data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            self._obj = zlib.decompressobj(zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS)
        out: list[bytes] = []
        produced = 0
        while data and not self._done and produced <= room:
            if self._obj.eof:  # gzip may hold several members; anything else is trailing junk
                if self.coding == "deflate" or not data.startswith(b"\x1f\x8b"):
                    self._done = True
                    break
                self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
            chunk = self._obj.decompress(data, room - produced + 1)
            out.append(chunk)
            produced += len(chunk)
            data = self._obj.unused_data if self._obj.eof else self._obj.unconsumed_tail
        return b"".join(out)


class _Body:
    """Decodes Content-Encoding layers under one cap, so a gzip bomb stops at max_bytes."""

    def __init__(self, content_encoding: str, max_bytes: int) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 2 or any(c not in ("gzip", "x-gzip", "deflate") for c in codings):
            raise FetchRefused("encoding", "the page uses a content encoding we do not read")
        self.layers = [_Inflater("deflate" if c == "deflate" else "gzip") for c in codings]
        self.max_bytes = max_bytes
        self.wire = 0
        self.data = bytearray()

    def feed(self, chunk: bytes) -> None:
        self.wire += len(chunk)
        if self.wire > self.max_bytes:
            raise _too_large(self.max_bytes)
        for layer in reversed(self.layers):  # the last coding listed was applied last
            try:
                chunk = layer.feed(chunk, self.max_bytes - len(self.data))
            except zlib.error:
                raise FetchRefused("encoding", "the page's compressed body is corrupt") from None
            if len(self.data) + len(chunk) > self.max_bytes:
                raise _too_large(self.max_bytes)
        self.data += chunk


def _too_large(max_bytes: int) -> FetchRefused:
    return FetchRefused("too_large", f"the page is larger than {max_bytes} bytes")


def _read_body(
    response: http.client.HTTPResponse, policy: FetchPolicy, deadline: _Deadline
) -> bytes:
    length = response.getheader("Content-Length")
    if length and length.strip().isdigit() and int(length) > policy.max_bytes:
        raise _too_large(policy.max_bytes)
    body = _Body(response.getheader("Content-Encoding", ""), policy.max_bytes)
    while chunk := response.read1(_CHUNK):
        body.feed(chunk)
        deadline.remaining()
    if response.length:  # read1 ends quietly where a body stops short of its length
        raise http.client.IncompleteRead(b"", response.length)
    return bytes(body.data)


def _headers(response: http.client.HTTPResponse) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in response.getheaders():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def _location(response: http.client.HTTPResponse, base: str) -> str | None:
    location = response.getheader("Location")
    if not location:
        return None
    with contextlib.suppress(UnicodeError):  # http.client reads Latin-1; servers send UTF-8
        location = location.encode("latin-1").decode("utf-8")
    return urljoin(base, location.strip())


# --- the fetch -------------------------------------------------------------------------


def _hop(
    target: _Target, hop: int, policy: FetchPolicy, deadline: _Deadline
) -> tuple[int, dict[str, str], bytes | None, str | None]:
    """Checks and requests one URL; returns (status, headers, body or None, location)."""
    try:
        addresses = _resolve(target)
    except FetchRefused:
        if hop:
            message = f"redirect {hop} leads to a host that does not resolve"
            raise FetchRefused("resolve", message) from None
        raise
    refused = [ip for ip in addresses if not _allowed(ip, target.host, policy)]
    if refused:
        log.warning("fetch: refused %s (hop %d): %s", target.host, hop, refused)
        if hop:
            raise FetchRefused("address", f"redirect {hop} leads to a non-public address")
        if target.ip is not None:
            raise FetchRefused("address", f"{target.host} is not a public address")
        raise FetchRefused("address", f"{target.host} resolves to a non-public address")
    shown = target.host if hop == 0 else "the redirect target"  # only what the client gave
    connection = _Connection(target, policy, deadline)
    try:
        connection.open(addresses)
        response = connection.request()
        status = response.status
        location = _location(response, target.url) if status in _REDIRECTS else None
        body = None
        if location is None and 200 <= status < 300:
            body = _read_body(response, policy, deadline)
        if connection.expired:  # the watchdog's shutdown can look like a clean end of body
            raise FetchRefused("timeout", "the fetch took too long")
        return status, _headers(response), body, location
    except FetchRefused as exc:
        if connection.expired:
            raise FetchRefused("timeout", "the fetch took too long") from None
        if exc.code in ("connect", "tls") and hop:
            raise FetchRefused(exc.code, f"{exc.code} failed for {shown}") from None
        raise
    except (TimeoutError, OSError, http.client.HTTPException) as exc:
        log.info("fetch: %s (hop %d) failed: %r", target.host, hop, exc)
        if connection.expired or isinstance(exc, TimeoutError):
            raise FetchRefused("timeout", f"{shown} did not answer in time") from None
        if isinstance(exc, http.client.HTTPException):
            raise FetchRefused("protocol", f"{shown} sent an invalid response") from None
        raise FetchRefused("connect", f"the connection to {shown} failed") from None
    finally:
        connection.close()


def fetch(url: str, policy: FetchPolicy) -> Fetched:
    """GET ``url`` and follow up to ``policy.max_redirects`` redirects, each hop checked.

    Blocking; raises FetchRefused. Name resolution uses the system resolver, whose
    own timeout the total deadline cannot interrupt.
    """
    deadline = _Deadline(policy.total_timeout)
    redirects: list[str] = []
    current = url
    for hop in range(policy.max_redirects + 1):
        target = _parse(current)
        status, headers, body, location = _hop(target, hop, policy, deadline)
        if location is None:
            if body is None:
                raise FetchRefused("http_status", f"the server answered HTTP {status}")
            return Fetched(
                url=url,
                final_url=target.url,
                status=status,
                content_type=headers.get("content-type", ""),
                body=body,
                headers=headers,
                redirects=redirects,
            )
        current = location
        redirects.append(location)
    raise FetchRefused("redirects", f"more than {policy.max_redirects} redirects")
