"""api.fetch against real servers on loopback: what it refuses, and that it still fetches.

127.0.0.1 plays the inside of our network (a fetch that reaches it is an SSRF);
127.0.0.2 plays an allowlisted host. Names are resolved by a fake getaddrinfo that
knows only the names a test gives it, so nothing here leaves the machine.
"""

from __future__ import annotations

import gzip
import ipaddress
import socket
import time
from collections.abc import Iterator

import pytest

from api.fetch import FetchPolicy, FetchRefused, canonical_host, fetch, is_public
from tests.fetch_server import BOMB_SIZE, OK_TEXT, RouteServer, page, tls_contexts

ALLOWED = "127.0.0.2"
POLICY = FetchPolicy(
    allow_networks=(f"{ALLOWED}/32",), connect_timeout=2, read_timeout=2, total_timeout=5
)


@pytest.fixture(scope="module")
def inside() -> Iterator[RouteServer]:
    """The server every refused fetch is aimed at: it must never see a request."""
    with RouteServer("127.0.0.1") as server:
        yield server


@pytest.fixture(scope="module")
def allowed(inside: RouteServer) -> Iterator[RouteServer]:
    """The allowlisted server, on the same port as ``inside`` so only the address differs."""
    with RouteServer(ALLOWED, inside.port) as server:
        yield server


@pytest.fixture(autouse=True)
def fresh_hits(inside: RouteServer, allowed: RouteServer) -> None:
    inside.hits.clear()
    allowed.hits.clear()


class FakeDNS:
    """getaddrinfo for a few test names, answering each call from a list of answers."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        self.calls.append(host)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        queue = self.answers[host]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port, 0, 0) if ":" in a else (a, port),
            )
            for a in addresses
        ]


@pytest.fixture
def dns(monkeypatch) -> FakeDNS:
    fake = FakeDNS({})
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


def refused(url: str, policy: FetchPolicy = POLICY) -> FetchRefused:
    with pytest.raises(FetchRefused) as info:
        fetch(url, policy)
    return info.value


# --- SSRF payloads ---------------------------------------------------------------------

P = "{port}"  # the inside server's port, so a payload that got through would show up
PAYLOADS = [
    (f"http://127.0.0.1:{P}/ok", "address"),
    (f"http://localhost:{P}/ok", "address"),  # the system resolver's /etc/hosts
    (f"http://LOCALHOST.:{P}/ok", "address"),
    ("http://169.254.169.254/latest/meta-data/", "address"),
    ("http://[::ffff:169.254.169.254]/latest/meta-data/", "address"),
    ("http://[::ffff:a9fe:a9fe]/", "address"),
    (f"http://[::1]:{P}/ok", "address"),
    (f"http://2130706433:{P}/ok", "address"),
    (f"http://0x7f.1:{P}/ok", "address"),
    (f"http://0x7f000001:{P}/ok", "address"),
    (f"http://0177.0.0.1:{P}/ok", "address"),
    (f"http://017700000001:{P}/ok", "address"),
    (f"http://0x7f.0x00.0x00.0x01:{P}/ok", "address"),
    (f"http://127.1:{P}/ok", "address"),
    (f"http://127.0.0.1.:{P}/ok", "address"),
    (f"http://１２７．０．０．１:{P}/ok", "address"),  # full-width digits and dots, via IDNA
    (f"  http://127.0.0.1:{P}/ok  ", "address"),
    (f"http://[::ffff:127.0.0.1]:{P}/ok", "address"),
    (f"http://[0:0:0:0:0:ffff:7f00:1]:{P}/ok", "address"),
    (f"http://[64:ff9b::7f00:1]:{P}/ok", "address"),  # NAT64 form of 127.0.0.1
    (f"http://[2002:7f00:1::1]:{P}/ok", "address"),  # 6to4 form of 127.0.0.1
    ("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "address"),  # Teredo
    (f"http://0.0.0.0:{P}/ok", "address"),
    (f"http://0:{P}/ok", "address"),
    (f"http://[::]:{P}/ok", "address"),
    ("http://10.0.0.1/", "address"),
    ("http://172.16.0.1/", "address"),
    ("http://192.168.1.1/", "address"),
    ("http://100.64.0.1/", "address"),  # carrier-grade NAT
    ("http://198.18.0.1/", "address"),  # benchmarking
    ("http://224.0.0.1/", "address"),  # multicast, "global" to Python 3.11
    ("http://255.255.255.255/", "address"),
    ("http://[fc00::1]/", "address"),
    ("http://[fe80::1]/", "address"),
    ("http://[fe80::1%25eth0]/", "address"),
    ("http://[ff02::1]/", "address"),
    ("https://[::1]/", "address"),
    (f"http://user:pass@127.0.0.2:{P}/ok", "credentials"),
    (f"http://127.0.0.2:{P}@127.0.0.1:{P}/ok", "credentials"),
    (f"http://127.0.0.2:{P}\\@127.0.0.1:{P}/ok", "credentials"),
    (f"http://@127.0.0.2:{P}/ok", "credentials"),
    ("file:///etc/passwd", "scheme"),
    ("ftp://127.0.0.2/", "scheme"),
    (f"gopher://127.0.0.1:{P}/_GET%20/ok", "scheme"),
    ("dict://127.0.0.1:11211/stats", "scheme"),
    ("javascript:alert(1)", "scheme"),
    (f"//127.0.0.1:{P}/ok", "scheme"),
    ("127.0.0.1", "scheme"),
    ("http://256.0.0.1/", "url"),
    ("http://08.0.0.1/", "url"),  # not octal, and not a name either
    ("http://1.2.3.4.5/", "url"),
    ("http:///etc/passwd", "url"),
    ("http://127.0.0.1:99999/", "url"),
    ("http://%31%32%37.0.0.1/", "url"),
    ("http://exa mple.com/", "url"),
    (f"http://127.0.0\t.1:{P}/ok", "url"),
    ("http://[::1/", "url"),
    ("http://a..b/", "url"),
]


@pytest.mark.parametrize(("payload", "code"), PAYLOADS)
def test_payload_refused(payload: str, code: str, inside: RouteServer) -> None:
    url = payload.replace(P, str(inside.port))
    error = refused(url, FetchPolicy(connect_timeout=1, read_timeout=1, total_timeout=3))
    assert error.code == code, str(error)
    assert inside.hits == []


def test_at_least_twenty_address_payloads() -> None:
    assert sum(code == "address" for _, code in PAYLOADS) >= 20


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("0x7f.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),  # each part octal, not the whole
        ("127.1", "127.0.0.1"),
        ("1.2.772", "1.2.3.4"),  # the last part fills the remaining bytes
        ("0x7f.0x0.0.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("０ｘ７ｆ．１", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("::ffff:7f00:1", "::ffff:7f00:1"),
        ("Example.COM.", "example.com"),
        ("bücher.example", "xn--bcher-kva.example"),
    ],
)
def test_canonical_host(spelling: str, canonical: str) -> None:
    assert canonical_host(spelling)[0] == canonical


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700::1111", True),
        ("::ffff:93.184.215.14", True),
        ("64:ff9b::5db8:d70e", True),  # NAT64 of a public address: IPv6-only servers
        ("2002:5db8:d70e::1", True),
        ("64:ff9b::a00:1", False),
        ("2002:a00:1::1", False),
        ("100.127.255.255", False),
        ("192.0.0.1", False),
        ("192.88.99.1", False),
        ("239.255.255.250", False),
        ("2001:db8::1", False),
        ("fec0::1", False),
        ("::", False),
        ("::7f00:1", False),  # IPv4-compatible, deprecated
    ],
)
def test_is_public(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


# --- allowlist, redirects, rebinding ---------------------------------------------------


def test_allowlisted_network_fetches(allowed: RouteServer) -> None:
    page_ = fetch(allowed.url("/ok"), POLICY)
    assert page_.status == 200
    assert page_.body == page(OK_TEXT)
    assert page_.content_type == "text/html; charset=utf-8"
    assert page_.final_url == page_.url == allowed.url("/ok")
    assert page_.redirects == []
    assert page_.headers["content-length"] == str(len(page_.body))
    (_path, headers), *_ = allowed.hits
    assert headers["Host"] == f"127.0.0.2:{allowed.port}"
    assert headers["User-Agent"].startswith("scamscan-crawler/")
    assert headers["Connection"] == "close"


def test_allowlisted_host_in_any_spelling(allowed: RouteServer, inside: RouteServer) -> None:
    policy = FetchPolicy(allow_hosts=frozenset({"127.0.0.2"}))
    assert fetch(f"http://2130706434:{allowed.port}/ok", policy).body == page(OK_TEXT)
    assert allowed.hits[0][1]["Host"] == f"127.0.0.2:{allowed.port}"
    assert refused(inside.url("/ok"), policy).code == "address"
    assert inside.hits == []


def test_allowlisted_name(allowed: RouteServer, dns: FakeDNS) -> None:
    dns.answers.update({"corpus.test": [[ALLOWED]], "other.test": [[ALLOWED]]})
    policy = FetchPolicy(allow_hosts=frozenset({"Corpus.Test."}))
    assert fetch(allowed.url("/ok", "corpus.test"), policy).body == page(OK_TEXT)
    assert allowed.hits[0][1]["Host"] == f"corpus.test:{allowed.port}"
    error = refused(allowed.url("/ok", "other.test"), policy)
    assert error.code == "address"
    assert str(error) == "other.test resolves to a non-public address"  # 127.0.0.2 not told


def test_loopback_corpus_web(corpus_web) -> None:
    """The demo: the corpus sites served on 127.78.0.x, allowlisted by network."""
    policy = FetchPolicy(allow_networks=(ipaddress.ip_network("127.78.0.0/16"),))
    url = next(iter(corpus_web.urls.values()))
    page_ = fetch(url, policy)
    assert page_.status == 200 and b"<html" in page_.body.lower()
    assert refused(url).code == "address"  # POLICY allows only 127.0.0.2


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/ok",
        "http://0x7f.1:{port}/ok",
        "http://[::ffff:127.0.0.1]:{port}/ok",
        "http://localhost:{port}/ok",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_redirect_inside_refused(
    target: str, allowed: RouteServer, inside: RouteServer, monkeypatch
) -> None:
    real = socket.getaddrinfo
    monkeypatch.setattr(  # localhost is answered by a fake: the real one may list ::1 too
        socket,
        "getaddrinfo",
        lambda h, *a, **k: real("127.0.0.1" if h == "localhost" else h, *a, **k),
    )
    location = target.format(port=inside.port)
    error = refused(allowed.url(f"/redirect?to={location}"))
    assert error.code == "address"
    assert str(error) == "redirect 1 leads to a non-public address"
    assert [path for path, _ in allowed.hits] == ["/redirect"]
    assert inside.hits == []


@pytest.mark.parametrize(
    ("location", "code"),
    [
        ("file:///etc/passwd", "scheme"),
        ("gopher://127.0.0.2/", "scheme"),
        ("http://user:pw@127.0.0.2/ok", "credentials"),
        ("http://nowhere.test/", "resolve"),
    ],
)
def test_redirect_checked_like_the_first_url(
    location: str, code: str, allowed: RouteServer, dns: FakeDNS
) -> None:
    assert refused(allowed.url(f"/redirect?to={location}")).code == code


def test_redirects_followed_up_to_the_limit(allowed: RouteServer) -> None:
    page_ = fetch(allowed.url("/chain/0?stop=5"), POLICY)
    assert page_.body == page("chain end 5")
    assert page_.redirects == [allowed.url(f"/chain/{n}?stop=5") for n in range(1, 6)]
    assert page_.final_url == allowed.url("/chain/5?stop=5")


def test_too_many_redirects(allowed: RouteServer) -> None:
    assert refused(allowed.url("/chain/0?stop=6")).code == "redirects"
    assert len(allowed.hits) == 6  # the sixth redirect is not followed
    tight = FetchPolicy(allow_networks=POLICY.allow_networks, max_redirects=0)
    assert refused(allowed.url("/chain/0?stop=1"), tight).code == "redirects"


def test_connects_to_the_checked_address_only(
    allowed: RouteServer, inside: RouteServer, dns: FakeDNS
) -> None:
    """DNS rebinding: the name turns private after the check; the fetch never asks again."""
    dns.answers["rebind.test"] = [[ALLOWED], ["127.0.0.1"]]
    page_ = fetch(allowed.url("/ok", "rebind.test"), POLICY)
    assert page_.body == page(OK_TEXT)
    assert dns.calls == ["rebind.test"]
    assert inside.hits == []
    assert allowed.hits[0][1]["Host"] == f"rebind.test:{allowed.port}"


def test_each_hop_resolved_and_checked_again(
    allowed: RouteServer, inside: RouteServer, dns: FakeDNS
) -> None:
    dns.answers["rebind.test"] = [[ALLOWED], ["127.0.0.1"]]
    location = allowed.url("/ok", "rebind.test")
    error = refused(allowed.url(f"/redirect?to={location}", "rebind.test"))
    assert error.code == "address"
    assert dns.calls == ["rebind.test", "rebind.test"]
    assert inside.hits == []


def test_any_private_answer_refuses_the_name(
    allowed: RouteServer, inside: RouteServer, dns: FakeDNS
) -> None:
    dns.answers["mixed.test"] = [[ALLOWED, "127.0.0.1"]]
    assert refused(allowed.url("/ok", "mixed.test")).code == "address"
    dns.answers["mapped.test"] = [["::ffff:127.0.0.1"]]
    assert refused(allowed.url("/ok", "mapped.test")).code == "address"
    assert allowed.hits == inside.hits == []


def test_unresolvable_name(dns: FakeDNS) -> None:
    error = refused("http://nowhere.test/")
    assert (error.code, str(error)) == ("resolve", "nowhere.test could not be resolved")


# --- bodies ----------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["/gzip", "/multi-gzip", "/deflate-zlib", "/deflate-raw"])
def test_compressed_bodies_decoded(route: str, allowed: RouteServer) -> None:
    assert fetch(allowed.url(route), POLICY).body == page(OK_TEXT)
    assert allowed.hits[0][1]["Accept-Encoding"] == "gzip, deflate"


@pytest.mark.parametrize("route", ["/bomb", "/nested-bomb"])
def test_gzip_bomb_refused(route: str, allowed: RouteServer) -> None:
    assert len(gzip.decompress(gzip.compress(b"\0" * 10))) == 10  # sanity of the helper
    error = refused(allowed.url(route))
    assert error.code == "too_large"
    assert str(error) == f"the page is larger than {POLICY.max_bytes} bytes"
    assert POLICY.max_bytes < BOMB_SIZE


def test_size_limit_is_exact(allowed: RouteServer) -> None:
    policy = FetchPolicy(allow_networks=POLICY.allow_networks, max_bytes=100_000)
    assert len(fetch(allowed.url("/sized?n=100000"), policy).body) == 100_000
    assert len(fetch(allowed.url("/chunked?n=100000"), policy).body) == 100_000
    assert refused(allowed.url("/sized?n=100001"), policy).code == "too_large"
    assert refused(allowed.url("/chunked?n=100001"), policy).code == "too_large"


def test_default_limit_on_a_chunked_stream(allowed: RouteServer) -> None:
    assert refused(allowed.url("/chunked?n=6000000")).code == "too_large"


def test_declared_length_refused_before_reading(allowed: RouteServer) -> None:
    start = time.monotonic()
    assert refused(allowed.url("/length-lie")).code == "too_large"
    assert time.monotonic() - start < 1


@pytest.mark.parametrize(
    ("route", "code"),
    [
        ("/br", "encoding"),
        ("/corrupt-gzip", "encoding"),
        ("/short", "protocol"),
        ("/garbage", "protocol"),
        ("/status?code=404", "http_status"),
        ("/status?code=500", "http_status"),
        ("/status?code=304", "http_status"),
    ],
)
def test_bad_responses(route: str, code: str, allowed: RouteServer) -> None:
    assert refused(allowed.url(route)).code == code


# --- time ------------------------------------------------------------------------------


def test_slow_server_read_timeout(allowed: RouteServer) -> None:
    policy = FetchPolicy(allow_networks=POLICY.allow_networks, read_timeout=0.5)
    start = time.monotonic()
    assert refused(allowed.url("/slow?s=5"), policy).code == "timeout"
    assert 0.5 <= time.monotonic() - start < 2


@pytest.mark.parametrize("route", ["/drip", "/drip-headers"])
def test_dripping_server_total_timeout(route: str, allowed: RouteServer) -> None:
    """A byte every 0.1 s never trips the read timeout; the total deadline still ends it."""
    policy = FetchPolicy(allow_networks=POLICY.allow_networks, read_timeout=1, total_timeout=1.5)
    start = time.monotonic()
    assert refused(allowed.url(route), policy).code == "timeout"
    assert 1.5 <= time.monotonic() - start < 3


def test_connection_refused(allowed: RouteServer) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind((ALLOWED, 0))
        port = probe.getsockname()[1]
    error = refused(f"http://{ALLOWED}:{port}/")
    assert (error.code, str(error)) == ("connect", f"could not connect to {ALLOWED}")


# --- TLS -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory) -> Iterator[tuple[RouteServer, FetchPolicy]]:
    server_context, client_context = tls_contexts(tmp_path_factory.mktemp("tls"), "shop.test")
    policy = FetchPolicy(allow_networks=POLICY.allow_networks, ssl_context=client_context)
    with RouteServer(ALLOWED, tls=server_context) as server:
        yield server, policy


def test_https_checks_the_name_on_the_checked_address(tls_server, dns: FakeDNS) -> None:
    server, policy = tls_server
    dns.answers.update({"shop.test": [[ALLOWED]], "other.test": [[ALLOWED]]})
    page_ = fetch(server.url("/ok", "shop.test"), policy)
    assert page_.body == page(OK_TEXT)
    assert server.server_names[-1] == "shop.test"  # SNI is the name, not the address
    assert server.hits[-1][1]["Host"] == f"shop.test:{server.port}"
    assert refused(server.url("/ok", "other.test"), policy).code == "tls"
    assert refused(server.url("/ok"), policy).code == "tls"  # certificate is not for the IP
    assert refused(server.url("/ok", "shop.test"), POLICY).code == "tls"  # unknown CA
