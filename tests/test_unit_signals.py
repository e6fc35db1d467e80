"""A unit's signals read from its page (``Normalized.lines``) are those of its own text.

Scoring detects signals on a page, then on each of its units (classifier.featurize).
A unit is whole lines cut from the page's normalisation, and its detectors take the
matches of line-local patterns from the page's instead of searching again: that is
right only if none of those patterns matches or looks across a line break. Every
text here is invented and puts trigger words right at line breaks.
"""

from __future__ import annotations

import pytest

from classifier.normalize import normalize
from classifier.signals import _LINE_LOCAL, detect_signals

TEXTS = [
    "店里的\n收款码 加微信 abc12345\n100\nu 结算 14.02\nu",
    "别人让我\n先发卡密给客服\n卡密发我\n个人\n收款账户 私下\n交易",
    "谨防\n认准本人微信 abc123456\n拒绝\n骗子 诚信\n老店 5\n年老店 假一赔\n十",
    "“骗子说\n加微信 kq_2288a 高价回收”\n「先付\n手续费」\n对方要求\n扫码付款",
    "卡号 1234\n卡密 5678 提交\n今晚\n8点前 急收 限时\n收满即停 秒结\n提交订单",
    "京东卡回收 油卡回收 话费回收 苏宁卡回收 沃尔玛卡回收\n高价回收 高价回收 高价回收\n"
    "卡密回收 卡券回收 变现 兑现 秒结 急收 收购 提现 收卡\n高价回收 高价回收 高价回收 高价回收",
    "警惕\n骗局：加微信 ka_shou520 先交保证金\n电话 139 2233 4455\n微信同号 usdt 走u",
    # words that patterns with \s would join across the break (those are not line-local)
    "高价收 加\n微信 abc12345 不要\n加 先\n付 100元 手续费 1\n: 1 溢价\n收 100收\n101",
]


def _line_cuts(text: str) -> list[tuple[int, int]]:
    starts = [0] + [k + 1 for k, c in enumerate(text) if c == "\n"]
    ends = [k for k, c in enumerate(text) if c == "\n"] + [len(text)]
    return [(a, b) for a in starts for b in ends if a < b]


@pytest.mark.parametrize("text", TEXTS)
def test_line_local_patterns_match_lines_as_they_match_alone(text: str) -> None:
    page = normalize(text).text
    for pattern in _LINE_LOCAL:
        on_page = [m.span() for m in pattern.finditer(page)]
        for a, b in _line_cuts(page):
            inside = [(s - a, e - a) for s, e in on_page if a <= s < b]
            alone = [m.span() for m in pattern.finditer(page[a:b])]
            assert inside == alone, (pattern.pattern[:30], page[a:b])


@pytest.mark.parametrize("text", TEXTS)
def test_unit_signals_from_the_page_are_the_units_own(text: str) -> None:
    page = normalize(text)
    detect_signals(page)  # the page first, as scoring does: its matches are kept
    for a, b in _line_cuts(text):
        assert detect_signals(page.lines(a, b)) == detect_signals(text[a:b]), text[a:b]
