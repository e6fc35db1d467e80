"""A unit's signals read from its page (``Normalized.lines``) are those of its own text.

Scoring detects signals on a page, then on each of its units (classifier.featurize).
A unit is whole lines cut from the page's normalisation, and its detectors take the
matches of line-local patterns from the page's instead of searching again: that is
right only if none of those patterns matches or looks across a line break. Every
text here is invented and puts trigger words right at line breaks.
"""

from __future__ import annotations

import re
from re import _constants as _C  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]

import pytest

from classifier.contacts import CROSSING as CONTACT_CROSSING
from classifier.contacts import find_contacts, find_official_contacts
from classifier.normalize import _page_matches, normalize
from classifier.signals import _CROSSING, _CROSSING_GROUPS, _LINE_LOCAL, detect_signals

_CROSSING_KEYS = {key: p for p, key in _CROSSING.items()}

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


# --------------------------------------------------------------------------- crossing
# Patterns that may match across a line break are read from the page only when the
# page's matches show that no match in the lines can differ (``Normalized.found``).
# That is right for patterns whose only ways across a break are a match that takes
# it or a look-ahead's leading white-space run; checked here on their syntax.

CROSSING = (
    [(p, key, False) for p, key in _CROSSING.items()]
    + [(p, key, True) for p, key in _CROSSING_GROUPS.items()]
    + [(p, key, key == "re:keyed") for p, key in CONTACT_CROSSING.items()]
)
_NEWLINE_CATEGORIES = {
    _C.CATEGORY_SPACE,
    _C.CATEGORY_NOT_DIGIT,
    _C.CATEGORY_NOT_WORD,
    _C.CATEGORY_LINEBREAK,
    _C.CATEGORY_UNI_SPACE,
    _C.CATEGORY_UNI_NOT_DIGIT,
    _C.CATEGORY_UNI_NOT_WORD,
    _C.CATEGORY_UNI_LINEBREAK,
    _C.CATEGORY_LOC_NOT_WORD,
}


def _class_holds_newline(items: list) -> bool:
    held = False
    negate = False
    for op, av in items:
        if op is _C.NEGATE:
            negate = True
        elif op is _C.LITERAL:
            held = held or av == 10
        elif op is _C.RANGE:
            held = held or av[0] <= 10 <= av[1]
        elif op is _C.CATEGORY:
            held = held or av in _NEWLINE_CATEGORIES
        else:
            raise AssertionError(f"unexpected class item {op}")
    return held != negate


def _can_match_newline(sub: list) -> bool:
    """Whether any character of ``sub`` (look-arounds inside it too) can be a line break."""
    for op, av in sub:
        if op is _C.LITERAL and av == 10:
            return True
        if op is _C.NOT_LITERAL and av != 10:
            return True
        if op is _C.IN and _class_holds_newline(av):
            return True
        if op is _C.ANY:
            return False  # no DOTALL in these patterns (checked by the caller)
        if op is _C.SUBPATTERN and _can_match_newline(av[-1]):
            return True
        if op is _C.BRANCH and any(_can_match_newline(b) for b in av[1]):
            return True
        if op in (_C.MAX_REPEAT, _C.MIN_REPEAT) and _can_match_newline(av[2]):
            return True
        if op in (_C.ASSERT, _C.ASSERT_NOT) and _can_match_newline(av[1]):
            return True
    return False


def _is_space_run(op: object, av: tuple) -> bool:
    return op in (_C.MAX_REPEAT, _C.MIN_REPEAT) and list(av[2]) == [
        (_C.IN, [(_C.CATEGORY, _C.CATEGORY_SPACE)])
    ]


def _crossing_faults(sub: list) -> list[str]:
    """What would let a unit alone find other matches than its page there."""
    faults = []
    for op, av in sub:
        if op in (_C.AT, _C.GROUPREF, _C.GROUPREF_EXISTS):
            faults.append(f"{op} reads past the match")
        elif op is _C.ASSERT_NOT and _can_match_newline(av[1]):
            faults.append("a negative look-around that can match a line break")
        elif op is _C.ASSERT and av[0] < 0 and _can_match_newline(av[1]):
            faults.append("a look-behind that can match a line break")
        elif op is _C.ASSERT:
            content = list(av[1])
            if content and _is_space_run(*content[0]):
                content = content[1:]
            if _can_match_newline(content):
                faults.append("a look-ahead that crosses a break other than by a leading \\s run")
            faults += _crossing_faults(content)
        elif op is _C.SUBPATTERN:
            faults += _crossing_faults(av[-1])
        elif op is _C.BRANCH:
            for branch in av[1]:
                faults += _crossing_faults(branch)
        elif op in (_C.MAX_REPEAT, _C.MIN_REPEAT):
            faults += _crossing_faults(av[2])
        elif op is _C.ASSERT_NOT:
            faults += _crossing_faults(av[1])
    return faults


@pytest.mark.parametrize(("pattern", "key", "grouped"), CROSSING, ids=[k for _, k, _ in CROSSING])
def test_crossing_patterns_cross_lines_only_where_the_page_shows_it(pattern, key, grouped):
    assert not pattern.flags & re.DOTALL
    assert _crossing_faults(_parser.parse(pattern.pattern)) == []


def test_the_syntax_check_finds_what_breaks_reading_from_the_page() -> None:
    faults = [
        _crossing_faults(_parser.parse(p))
        for p in (r"a$", r"a(?!\s?b)", r"(?<=\s)a", r"a(?=b\s)", r"a(?=[^x]*b)", r"a(?=\s*b)")
    ]
    assert [len(f) for f in faults] == [1, 1, 1, 1, 1, 0]


#: Trigger words of the crossing patterns on both sides of line breaks.
CROSSING_TEXTS = [
    "不要\n加微信 abc12345\n别\n 扫 码\n对方\n要求 转账",
    "务必\n添加客服 否则\n订单作废\n加\n abc123 联系\n方式 打\n138",
    "搜\nyonghui_kafang 就能\n找到我 先\n 付 100 元\n手续费 缴纳\n保证金",
    "溢价 1\n: 1 百分之百\n收 100\n收101 100 收\n102\n全额\n给",
    "回收比例\n1.05 收 1.0\n2 105%\n 100 %\n价 102%\n收\n118 %",
    "京 icp\n备12345678号 粤icp备 1234\n5678号-1\nicp 证 87654321 号",
    "价格 100 收 101\n\n百分之百 \n 收\n加 \n\n v abc\n 不要 \n\n 加",
    "微信\n: abc12345 电话/\n微信 13812345678 qq\n群 618204773\n,\n新群 618204775",
    "微信号 k.a.m.i\n(去掉点) a.b.c.d.e\n 去掉点 收款码\n\n支付宝 abc@qq.com",
    "客服 10086\n元 95188 400-\n123-4567 400 123 4567\n官方\n客服 官方客服\n10010",
]


@pytest.mark.parametrize("text", CROSSING_TEXTS + TEXTS)
@pytest.mark.parametrize(("pattern", "key", "grouped"), CROSSING, ids=[k for _, k, _ in CROSSING])
def test_crossing_matches_read_from_the_page_are_the_lines_own(text, pattern, key, grouped):
    page = normalize(text)
    page.found(key, pattern, True, grouped)
    for a, b in _line_cuts(text):
        lines = page.lines(a, b)
        alone = [
            (*m.span(), *m.span(m.lastindex or 0)) if grouped else m.span()
            for m in pattern.finditer(lines.text)
        ]
        assert lines.found(key, pattern, True, grouped) == alone, lines.text


def test_a_match_over_the_edge_makes_the_lines_search_themselves() -> None:
    """Both sides of the check: "不要\\n加" is one warning cue on the page, none in
    its first line alone, and the page's "不要 加" inside one line is reused."""
    page = normalize("不要\n加微信\n不要 加他")
    cue = _CROSSING_KEYS["re:warn_cue"]
    assert page.found("re:warn_cue", cue, True) == [(0, 4), (7, 11)]
    on_page = page.memo["re:warn_cue"]
    assert _page_matches(on_page, page.text, 0, 2, True) is None  # runs past the end
    assert _page_matches(on_page, page.text, 3, 6, True) is None  # runs in from before
    assert _page_matches(on_page, page.text, 7, 12, True) == [(0, 4)]
    assert page.lines(0, 2).found("re:warn_cue", cue, True) == []
    assert page.lines(3, 6).found("re:warn_cue", cue, True) == []
    assert page.lines(7, 12).found("re:warn_cue", cue, True) == [(0, 4)]


@pytest.mark.parametrize("text", CROSSING_TEXTS)
def test_unit_signals_with_crossing_matches_are_the_units_own(text: str) -> None:
    page = normalize(text)
    detect_signals(page)
    for a, b in _line_cuts(text):
        lines = page.lines(a, b)
        assert detect_signals(lines) == detect_signals(text[a:b]), text[a:b]
        assert find_contacts(lines) == find_contacts(text[a:b]), text[a:b]
        assert find_official_contacts(lines) == find_official_contacts(text[a:b]), text[a:b]
