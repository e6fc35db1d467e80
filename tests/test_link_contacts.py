"""Contacts from a page's links: what each link gives, and where the result points.

A page can hide its handle in a link only (a QQ button image, ``weixin://``,
``tel:``) so the result's ``contacts`` must read the HTML's links too, with spans
a UI can use: the anchor text in the page text, or -1/-1 with the link as text.
"""

from __future__ import annotations

from itertools import pairwise

import pytest

from classifier.contacts import Contact, link_contact, with_link_contacts
from classifier.document import Link, from_html, from_page, from_text
from crawler.extract import extract

# (link, expected (kind, value) or None); every number and handle here is made up.
LINKS = [
    # QQ chat links: the uin is the handle, whatever the case of the scheme or key
    ("tencent://message/?uin=12345678&Site=x&Menu=yes", ("qq", "12345678")),
    ("TENCENT://Message/?Uin=12345678", ("qq", "12345678")),
    ("http://wpa.qq.com/msgrd?v=3&uin=87654321&site=qq&menu=yes", ("qq", "87654321")),
    ("https://wpa.b.qq.com/cgi/wpa.php?uin=2852150555", ("qq", "2852150555")),
    ("tencent://message/", ("url", "tencent://message/")),  # a chat link without a number
    ("tencent://message/?uin=12", ("url", "tencent://message/?uin=12")),  # too short for QQ
    ("mailto:12345678@qq.com", ("qq", "12345678")),  # a QQ mailbox is the QQ number
    ("mailto:Shop@Example.cn", ("url", "mailto:shop@example.cn")),
    # phones: separators and the country code go, official lines are no contact
    ("tel:13800139999", ("phone", "13800139999")),
    ("tel:+86-138-0013-9999", ("phone", "13800139999")),
    ("tel:%2B86%20138%200013%209999", ("phone", "13800139999")),
    ("tel:021-5555 1234", ("phone", "02155551234")),
    ("sms:13800139999?body=hi", ("phone", "13800139999")),
    ("tel:10086", None),
    ("tel:13800138000", None),
    ("tel:400-800-1234", None),
    ("tel:95588", None),
    ("tel:12", None),
    # WeChat: an ID when the link names one, else the link itself
    ("weixin://contacts/profile/kahs_888", ("wechat", "kahs_888")),
    ("weixin://dl/chat?kahs_888", ("wechat", "kahs_888")),
    ("weixin://dl/chat?username=Kahs_888", ("wechat", "kahs_888")),
    ("weixin://", ("url", "weixin://")),
    ("weixin://dl/scan", ("url", "weixin://dl/scan")),
    ("weixin://dl/moments", ("url", "weixin://dl/moments")),  # the app's screens, no ID
    ("weixin://dl/officialaccounts", ("url", "weixin://dl/officialaccounts")),
    (
        "weixin://dl/businessWebview/link/?appid=x",
        ("url", "weixin://dl/businessWebview/link/?appid=x"),
    ),
    ("https://u.wechat.com/ABCdef", ("url", "https://u.wechat.com/ABCdef")),
    (
        "https://qm.qq.com/cgi-bin/qm/qr?k=abcDEF",
        ("url", "https://qm.qq.com/cgi-bin/qm/qr?k=abcDEF"),
    ),
    # Telegram
    ("https://t.me/recycle_bot88", ("telegram", "recycle_bot88")),
    ("https://telegram.me/Recycle_Bot88/12", ("telegram", "recycle_bot88")),
    ("https://t.me/", ("url", "https://t.me/")),
    ("https://t.me/joinchat/AbCdEf", ("url", "https://t.me/joinchat/AbCdEf")),  # an invite
    ("https://t.me/addstickers/cards", ("url", "https://t.me/addstickers/cards")),
    ("https://t.me/+AbCdEf123", ("url", "https://t.me/+AbCdEf123")),
    # payment: the link is the value; a web host is lower-cased, a code never is
    ("https://qr.alipay.com/fkx12345abcde", ("payment", "https://qr.alipay.com/fkx12345abcde")),
    ("HTTPS://QR.ALIPAY.COM/fkx12345ABCDE", ("payment", "https://qr.alipay.com/fkx12345ABCDE")),
    (
        "alipays://platformapi/startapp?appId=20000067",
        ("payment", "alipays://platformapi/startapp?appId=20000067"),
    ),
    ("wxp://f2f0abcDEF", ("payment", "wxp://f2f0abcDEF")),
    # not contact links
    ("https://example.cn/about", None),
    ("http://www.qq.com/", None),
    ("https://weixin.qq.com/", None),
    ("ftp://t.me/recycle_bot88", None),
    ("https://www.alipay.com/", None),  # the company site, not a collection code
    ("ftp://qr.alipay.com/x", None),
    ("mailto:", None),
    ("mailto:not-an-address", None),
    ("javascript:void(0)", None),
    ("http://[x/", None),
    ("", None),
]


@pytest.mark.parametrize(("url", "expected"), LINKS, ids=[url or "empty" for url, _ in LINKS])
def test_link_contact(url: str, expected: tuple[str, str] | None):
    assert link_contact(url) == expected


def test_a_link_adds_nothing_the_text_already_shows():
    text_qq = Contact("qq", "12345678", 5, 13, "12345678")
    at_same_place = Link("tencent://message/?uin=12345678", "QQ 12345678", 2, 13)
    anywhere = Link("tencent://message/?uin=12345678", "")
    elsewhere = Link("tencent://message/?uin=12345678", "咨询", 20, 22)
    assert with_link_contacts([text_qq], [at_same_place, anywhere]) == [text_qq]
    assert with_link_contacts([text_qq], [elsewhere]) == [
        text_qq,
        Contact("qq", "12345678", 20, 22, "咨询"),
    ]


def test_placed_contacts_come_in_text_order_and_unplaced_ones_last():
    later = Contact("phone", "13800139999", 30, 41, "13800139999")
    links = [
        Link("https://t.me/recycle_bot88", ""),
        Link("weixin://contacts/profile/kahs_888", "加微信", 3, 6),
    ]
    assert with_link_contacts([later], links) == [
        Contact("wechat", "kahs_888", 3, 6, "加微信"),
        later,
        Contact("telegram", "recycle_bot88", -1, -1, "https://t.me/recycle_bot88"),
    ]


PAGE = (
    "<html><head><title>高价回收</title></head><body><main>"
    "<h1>充值卡高价回收</h1><p>各类卡券高价回收，秒结到账，长期大量收。</p>"
    '<p><a href="tencent://message/?uin=12345678&Site=x&Menu=yes">QQ咨询 12345678</a></p>'
    '<p><a href="http://wpa.qq.com/msgrd?v=3&uin=87654321&site=qq"><img src="qq.png"></a></p>'
    '<p>电话：<a href="tel:+86-138-0013-9999">点击拨打</a></p>'
    '<p><a href="weixin://contacts/profile/kahs_888">加微信</a></p>'
    '<p><a href="https://t.me/recycle_bot88">电报联系</a></p>'
    '<p><a href="https://qr.alipay.com/fkx12345abcde">支付宝付款</a></p>'
    '<p><a href="wxp://f2f0abcDEF">微信转账</a></p>'
    '<p><a href="mailto:23456789@qq.com">邮件</a></p>'
    '<p>查询话费请拨 <a href="tel:10086">10086</a></p>'
    '<p><a href="https://example.cn/about">关于我们</a></p>'
    "</main></body></html>"
)
URL = "https://recycle.example.cn/"


def test_a_document_carries_the_links_of_the_html_and_of_a_crawled_page():
    doc = from_html(PAGE, URL)
    placed = {(link.url, link.text) for link in doc.links if link.start >= 0}
    assert ("weixin://contacts/profile/kahs_888", "加微信") in placed
    assert ("tel:+86-138-0013-9999", "点击拨打") in placed
    for link in doc.links:
        if link.start >= 0:
            assert doc.text[link.start : link.end] == link.text
        else:
            assert (link.start, link.end) == (-1, -1)
    urls = {link.url for link in doc.links}
    assert "http://wpa.qq.com/msgrd?v=3&uin=87654321&site=qq" in urls  # an image link
    assert ("https://qr.alipay.com/fkx12345abcde", "支付宝付款") in placed
    assert ("wxp://f2f0abcDEF", "微信转账") in placed  # an app scheme, kept as written
    assert "https://example.cn/about" not in urls
    # check-url builds its document from the crawler's extraction: the same links
    assert from_page(extract(PAGE, URL)) == doc
    assert from_text("加微信 kahs_888").links == ()


def test_scoring_html_reports_link_contacts_at_their_anchor_text(scorer):
    result = scorer.score(html=PAGE, url=URL)
    text = from_html(PAGE, URL).text
    contacts = result["contacts"]
    for c in contacts:
        if c["start"] >= 0:
            assert text[c["start"] : c["end"]] == c["text"], c
        else:
            assert (c["start"], c["end"]) == (-1, -1), c
    found = {(c["kind"], c["value"]): c for c in contacts}
    assert found[("wechat", "kahs_888")]["text"] == "加微信"
    assert found[("phone", "13800139999")]["text"] == "点击拨打"
    assert found[("telegram", "recycle_bot88")]["text"] == "电报联系"
    assert found[("qq", "23456789")]["text"] == "邮件"
    image_qq = found[("qq", "87654321")]
    assert (image_qq["start"], image_qq["end"], image_qq["text"]) == (
        -1,
        -1,
        "http://wpa.qq.com/msgrd?v=3&uin=87654321&site=qq",
    )
    assert found[("payment", "https://qr.alipay.com/fkx12345abcde")]["text"] == "支付宝付款"
    assert found[("payment", "wxp://f2f0abcDEF")]["text"] == "微信转账"
    # the number both in the text and in its link is reported once, at the text
    assert [c["text"] for c in contacts if c["value"] == "12345678"] == ["12345678"]
    assert not any(c["value"] == "10086" or "10086" in c["text"] for c in contacts)
    unplaced = [c["start"] for c in contacts].index(-1)
    assert all(c["start"] == -1 for c in contacts[unplaced:])
    assert all(a["start"] <= b["start"] for a, b in pairwise(contacts[:unplaced]))


def test_an_anchor_broken_over_lines_is_placed_at_the_text_the_page_shows():
    """``<a>在线<br>客服</a>``: the page text reads "在线⏎客服", the anchor "在线客服"."""
    html = (
        "<html><body><main><p>京东E卡回收说明。</p></main>"
        '<div class="kefu-float"><a href="http://wpa.qq.com/msgrd?v=3&uin=2750193846">'
        "在线<br>客服</a></div></body></html>"
    )
    doc = from_html(html, URL)
    (link,) = doc.links
    assert link.start >= 0
    assert doc.text[link.start : link.end] == link.text
    assert "".join(link.text.split()) == "在线客服"
