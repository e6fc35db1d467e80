"""Test servers for api.fetch: one loopback address each, plain or TLS, hostile on request.

Bind one on 127.0.0.1 (the address fetches must never reach) and one on 127.0.0.2
(the allowlisted one); ``hits`` records every request with its Host header so tests
can show a refused fetch never arrived.
"""

from __future__ import annotations

import datetime
import gzip
import ssl
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

OK_TEXT = "回收须知：正规平台提交卡密，切勿添加陌生人微信。"
BOMB_SIZE = 8 * 1024 * 1024
BOMB = gzip.compress(b"\0" * BOMB_SIZE, compresslevel=9)  # ~8 KiB on the wire
NESTED_BOMB = gzip.compress(BOMB, compresslevel=9)  # Content-Encoding: gzip, gzip


def page(text: str) -> bytes:
    return f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><p>{text}</p></body></html>'.encode()


class RouteHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5  # a client that never finishes its request does not pin a thread
    server: RouteServer

    def log_message(self, format, *args) -> None:
        pass

    def send(self, status: int, body: bytes, content_type="text/html; charset=utf-8", **headers):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if "Content_Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def drip(self, data: bytes, pause: float = 0.1) -> None:
        """One byte at a time until the client hangs up or the server stops."""
        for byte in data:
            if self.server.stopping.wait(pause):
                return
            self.wfile.write(bytes([byte]))
            self.wfile.flush()

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.server.record(url.path, dict(self.headers.items()))
        route = url.path
        if route == "/ok":
            self.send(200, page(OK_TEXT))
        elif route == "/redirect":
            self.send(302, b"", Location=query["to"])
        elif route.startswith("/chain/"):
            n, stop = int(route.rsplit("/", 1)[1]), int(query["stop"])
            if n < stop:
                self.send(302, b"", Location=f"/chain/{n + 1}?stop={stop}")
            else:
                self.send(200, page(f"chain end {n}"))
        elif route == "/gzip":
            self.send(200, gzip.compress(page(OK_TEXT)), Content_Encoding="gzip")
        elif route == "/multi-gzip":
            body = gzip.compress(page(OK_TEXT)[:40]) + gzip.compress(page(OK_TEXT)[40:])
            self.send(200, body, Content_Encoding="gzip")
        elif route == "/deflate-zlib":
            self.send(200, zlib.compress(page(OK_TEXT)), Content_Encoding="deflate")
        elif route == "/deflate-raw":
            raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
            body = raw.compress(page(OK_TEXT)) + raw.flush()
            self.send(200, body, Content_Encoding="deflate")
        elif route == "/corrupt-gzip":
            self.send(200, b"\x1f\x8b\x08\x00" + b"\xff" * 100, Content_Encoding="gzip")
        elif route == "/bomb":
            self.send(200, BOMB, Content_Encoding="gzip")
        elif route == "/nested-bomb":
            self.send(200, NESTED_BOMB, Content_Encoding="gzip, gzip")
        elif route == "/br":
            self.send(200, b"\x0b\x02\x80hello\x03", Content_Encoding="br")
        elif route == "/sized":
            self.send(200, b"x" * int(query["n"]), "text/plain")
        elif route == "/chunked":
            n, size = int(query["n"]), 64 * 1024
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, n, size):
                part = b"x" * min(size, n - start)
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        elif route == "/length-lie":
            self.send(200, b"x" * 10, "text/plain", Content_Length="999999999")
        elif route == "/short":
            self.send(200, b"x" * 10, "text/plain", Content_Length="100")
            self.close_connection = True
        elif route == "/slow":
            if not self.server.stopping.wait(float(query["s"])):
                self.send(200, page("too late"))
        elif route == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.flush()
            self.drip(b"x" * 100000)
        elif route == "/drip-headers":
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            self.drip(b"X-Slow: " + b"y" * 60000 + b"\r\n")
        elif route == "/garbage":
            self.wfile.write(b"HELLO THERE\r\n\r\n")
        elif route == "/status":
            self.send(int(query["code"]), page("status page"))
        else:
            self.send(404, b"not found", "text/plain")

    def handle(self) -> None:
        if isinstance(self.connection, ssl.SSLSocket):
            try:
                self.connection.do_handshake()
            except (OSError, ssl.SSLError):
                return  # the client refused our certificate: that is the point
        super().handle()


class RouteServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: str, port: int = 0, tls: ssl.SSLContext | None = None):
        super().__init__((address, port), RouteHandler)
        self.tls = tls
        self.stopping = threading.Event()
        self.hits: list[tuple[str, dict[str, str]]] = []
        self.server_names: list[str | None] = []  # SNI seen on TLS handshakes
        self._lock = threading.Lock()
        if tls is not None:
            tls.sni_callback = lambda _sock, name, _ctx: self.server_names.append(name)

    def get_request(self):
        sock, client = self.socket.accept()
        if self.tls is not None:
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, client

    def handle_error(self, request, client_address) -> None:
        pass  # the fetcher hangs up on oversize and slow responses: that is the point

    def record(self, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.hits.append((path, headers))

    @property
    def port(self) -> int:
        return self.server_address[1]

    def url(self, path: str, host: str | None = None) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{host or self.server_address[0]}:{self.port}{path}"

    def __enter__(self) -> RouteServer:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()


def tls_contexts(folder: Path, *names: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A throwaway CA and a certificate for ``names``: (server context, client context).

    ``ssl`` loads a certificate chain only from files, so they are written to ``folder``.
    """
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "scamscan test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cadata=ca.public_bytes(serialization.Encoding.PEM).decode())
    return server, client
