"""A small hostile web server for crawl tests: every way a real site misbehaves.

Each route is one case from the crawler issue; ``hits`` records what the crawler
asked for, and when, so tests can check politeness (robots, Retry-After).
"""

from __future__ import annotations

import gzip
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

GBK_TEXT = "话费充值卡回收须知：请通过正规平台提交卡密，切勿添加陌生人微信。"
MALFORMED = "<html><body><div><p>京东E卡回收<b>加微信 hs8899<td></div></p><p>未闭合的段落"
DEEP = 1000  # nesting depth: libxml2 stops at 256 unless told otherwise
DEEP_TEXT = "藏在深处的联系方式 加微信hs8899"
BOMB = gzip.compress(b"\0" * (8 * 1024 * 1024), compresslevel=9)  # 8 MiB unpacked, ~8 KiB sent

INDEX = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>hostile</title></head><body><main>
<p>测试站点首页，各种异常情况都在这里。</p>
<a href="/private/secret.html">private</a> <a href="/busy">busy</a> <a href="/flaky">flaky</a>
<a href="/loop-a">loop</a> <a href="/slow">slow</a> <a href="/huge">huge</a> <a href="/bomb">bomb</a>
<a href="/gbk-wrong">gbk</a> <a href="/calendar?month=0">calendar</a> <a href="/cal/0">cal</a>
<a href="/session?sid=0">session</a> <a href="/file.pdf">pdf</a> <a href="/empty">empty</a>
<a href="/malformed">malformed</a> <a href="http://127.0.0.1:9/refused.html">refused</a>
<a href="/ok#section-2">ok</a> <a href="/ok?utm_source=x">ok again</a>
<a href="/docs">docs without slash</a> <a href="/docs/">docs</a> <a href="/latin1-gbk">latin1</a>
<a href="/deep">deep</a> <a href="/bigstyle">bigstyle</a> <a href="/badhref">badhref</a>
<a href="/long/{long}">too long</a>
</main></body></html>""".replace("{long}", "x" * 2100)


def page(body: str) -> bytes:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><main>'
        f"{body}</main></body></html>"
    ).encode()


class HostileHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HostileServer

    def log_message(self, format, *args) -> None:  # quiet
        pass

    def send(self, status: int, body: bytes, content_type="text/html; charset=utf-8", **headers):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        self.server.record(url.path)
        count = len(self.server.hits[url.path])
        query = parse_qs(url.query)
        route = url.path
        if route == "/robots.txt":
            self.send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        elif route == "/":
            self.send(200, INDEX.encode())
        elif route == "/busy":
            if count == 1:
                self.send(429, b"slow down", "text/plain", Retry_After="1")
            else:
                self.send(200, page("<p>第二次请求才成功：服务器要求等待一秒后再来。</p>"))
        elif route == "/flaky":
            if count == 1:
                self.send(500, b"oops", "text/plain")
            else:
                self.send(200, page("<p>先返回500，重试后返回正常页面。</p>"))
        elif route in ("/loop-a", "/loop-b"):
            target = "/loop-b" if route == "/loop-a" else "/loop-a"
            self.send(302, b"", Location=target)
        elif route == "/slow":
            time.sleep(self.server.slow_seconds)
            self.send(200, page("<p>太慢了</p>"))
        elif route == "/huge":
            self.send(200, b"<html><body>" + b"x" * (3 * 1024 * 1024) + b"</body></html>")
        elif route == "/bomb":
            self.send(200, BOMB, Content_Encoding="gzip")
        elif route == "/gbk-wrong":
            body = f"<html><head><meta charset='utf-8'></head><body><main><p>{GBK_TEXT}</p></main></body></html>"
            self.send(200, body.encode("gbk"), "text/html; charset=utf-8")
        elif route == "/calendar":
            month = int(query.get("month", ["0"])[0])
            self.send(
                200,
                page(f'<p>日历 第{month}月</p><a href="/calendar?month={month + 1}">下个月</a>'),
            )
        elif route.startswith("/cal/"):
            n = int(route.rsplit("/", 1)[1])
            self.send(200, page(f'<p>路径日历 {n}</p><a href="/cal/{n + 1}">下一页</a>'))
        elif route == "/session":
            sid = count + 1
            self.send(200, page(f'<p>会话页面</p><a href="/session?sid={sid}">再来</a>'))
        elif route == "/file.pdf":
            self.send(200, b"%PDF-1.4 binary \x00\x01\x02", "application/pdf")
        elif route == "/empty":
            self.send(200, b"")
        elif route == "/malformed":
            self.send(200, MALFORMED.encode())
        elif route == "/docs":
            self.send(301, b"", Location="/docs/")
        elif route == "/docs/":
            self.send(200, page("<p>文档目录页，两种写法指向同一页。</p>"))
        elif route == "/latin1-gbk":
            body = f"<html><body><main><p>{GBK_TEXT}</p></main></body></html>"
            self.send(200, body.encode("gbk"), "text/html; charset=ISO-8859-1")
        elif route == "/deep":
            self.send(200, page("<p>外层</p>" + "<div>" * DEEP + DEEP_TEXT + "</div>" * DEEP))
        elif route == "/bigstyle":
            self.send(200, page("<style>" + "a" * 400_000 + "</style><p>样式表没有括号</p>"))
        elif route == "/badhref":
            self.send(200, page('<a href="http://[x/">坏链接</a><p>坏链接不影响正文</p>'))
        elif route == "/version":
            self.send(200, page(f"<p>{self.server.version_text}</p>"))
        elif route == "/ok":
            self.send(200, page("<p>正常页面，只该被抓取一次。</p>"))
        else:
            self.send(404, b"not found", "text/plain")


class HostileServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, slow_seconds: float = 5.0):
        super().__init__(("127.0.0.1", 0), HostileHandler)
        self.slow_seconds = slow_seconds
        self.version_text = "第一版"
        self.hits: dict[str, list[float]] = defaultdict(list)
        self._lock = threading.Lock()

    def handle_error(self, request, client_address) -> None:
        pass  # the crawler hangs up on slow and oversize responses: that is the point

    def record(self, path: str) -> None:
        with self._lock:
            self.hits[path].append(time.monotonic())

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def __enter__(self) -> HostileServer:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()
