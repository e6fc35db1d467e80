"""The crawler's pure parts: canonical URLs, decoding, extraction into blocks."""

from __future__ import annotations

import pytest

from crawler.decoding import decode_html
from crawler.extract import extract
from crawler.middlewares import retry_after_seconds
from crawler.urls import InvalidURL, canonical_url

SAMPLE = "话费充值卡回收须知：请通过正规平台提交卡密，切勿添加陌生人微信转账。"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://Example.COM:80/a#frag", "http://example.com/a"),
        ("http://a.cn/p?utm_source=x&b=2&a=1", "http://a.cn/p?a=1&b=2"),
        ("http://a.cn/p;jsessionid=ABC123?id=7", "http://a.cn/p?id=7"),
        ("http://a.cn/p?sid=9&PHPSESSID=1&spm=a.b&id=7", "http://a.cn/p?id=7"),
        ("https://a.cn:443/", "https://a.cn/"),
        ("http://a.cn", "http://a.cn/"),
    ],
)
def test_canonical_url_drops_what_does_not_change_the_page(url, expected):
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://a.cn/x", "only http and https"),
        ("javascript:alert(1)", "only http and https"),
        ("http:///nohost", "no host"),
        ("http://a.cn:99999/", "Port out of range"),
        ("not a url", "only http and https"),
    ],
)
def test_canonical_url_rejects_what_cannot_be_crawled(url, message):
    with pytest.raises(InvalidURL, match=message):
        canonical_url(url)


@pytest.mark.parametrize(
    ("encoding", "content_type", "meta", "source"),
    [
        ("utf-8", "text/html; charset=utf-8", "utf-8", "declared"),
        ("gbk", "text/html; charset=gbk", "gbk", "declared"),
        ("gbk", "text/html; charset=utf-8", "utf-8", "detected"),  # declared wrongly
        ("gb18030", "text/html", None, "detected"),  # not declared at all
        ("gb2312", None, "gb2312", "declared"),
    ],
)
def test_decoding_reads_chinese_whatever_the_declaration(encoding, content_type, meta, source):
    head = f'<meta charset="{meta}">' if meta else ""
    html = f"<html><head>{head}</head><body><p>{SAMPLE * 3}</p></body></html>"
    decoded = decode_html(html.encode(encoding), content_type)
    assert SAMPLE in decoded.text
    assert decoded.source == source


def test_decoding_never_raises_on_garbage():
    decoded = decode_html(bytes(range(256)) * 4, "text/html; charset=utf-8")
    assert isinstance(decoded.text, str)


PAGE = """<!DOCTYPE html><html><head><title>京东E卡回收指南</title>
<style>.kf{position:fixed;right:0;bottom:60px}</style></head><body>
<div class="header"><a href="/">卡券网</a></div>
<nav><a href="/news/">资讯</a><a href="/news/a.html#top">攻略</a></nav>
<main><h1>京东E卡回收指南</h1><p>E卡回收一般按面值的85%到95%结算。</p>
<p>正规平台会要求在线提交卡密，并提供订单号。<img src="/qr.png" alt="扫码加微信"></p></main>
<aside class="sidebar"><ul><li><a href="/news/b.html?utm_source=sb">热门：加油卡回收</a></li></ul></aside>
<footer>联系我们 在线咨询 微信号：hs_8899 粤ICP备12345678号-1</footer>
<div class="kf"><a href="tencent://message/?uin=2837465510">QQ咨询</a> 高价秒结</div>
</body></html>"""


def test_blocks_keep_footer_and_widget_with_their_places():
    page = extract(PAGE, "http://cards.test/news/e.html")
    places = [(b.place, b.text) for b in page.blocks]
    assert ("footer", "联系我们 在线咨询 微信号：hs_8899 粤ICP备12345678号-1") in places
    assert ("widget", "QQ咨询 高价秒结") in places
    assert ("aside", "热门：加油卡回收") in places
    assert any(p == "main" and "85%到95%" in t for p, t in places)
    assert page.title == "京东E卡回收指南"


def test_block_offsets_round_trip_onto_the_page_text():
    page = extract(PAGE, "http://cards.test/")
    for block in page.blocks:
        assert page.text[block.start : block.end] == block.text
    assert "hs_8899" in page.text


def test_links_contacts_images_and_icp():
    page = extract(PAGE, "http://cards.test/news/e.html")
    assert "http://cards.test/news/a.html" in page.links
    assert "http://cards.test/news/b.html" in page.links
    assert page.contact_links == [
        {"url": "tencent://message/?uin=2837465510", "kind": "qq", "text": "QQ咨询"}
    ]
    assert [i["alt"] for i in page.images if i["qr"]] == ["扫码加微信"]
    assert page.icp == "粤ICP备12345678号-1"
    assert "E卡回收一般按面值" in page.main_text


@pytest.mark.parametrize("html", ["", "   "])
def test_extraction_of_an_empty_body_is_a_clear_error(html):
    with pytest.raises(ValueError, match="not parsable as HTML"):
        extract(html, "http://cards.test/")


@pytest.mark.parametrize(
    ("html", "blocks"),
    [
        ("<html></html>", []),
        ("\x00\x01binary", [("body", "binary")]),
        ("<p>只有一段", [("body", "只有一段")]),
    ],
)
def test_extraction_of_odd_markup_keeps_only_readable_text(html, blocks):
    page = extract(html, "http://cards.test/")
    assert [(b.place, b.text) for b in page.blocks] == blocks


def test_retry_after_reads_seconds_and_dates():
    assert retry_after_seconds(b"3") == 3.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after_seconds(b"soon") is None
