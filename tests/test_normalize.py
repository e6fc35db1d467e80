"""Normalisation for matching: each step of docs/domain.md, and the way back to the original."""

from __future__ import annotations

import pytest

from classifier.normalize import normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＡＢＣ１２３：", "abc123:"),
        ("①②③⑩", "12310"),
        ("⑴⑵⑶", "123"),
        ("⒈⒉⒊", "123"),
        ("➀➁❶❷➊⓵⓿⓪", "12121100"),
        ("微信號 電話 聯繫", "微信号 电话 联系"),
        ("HELLO World", "hello world"),
        ("★高价回收☆◆♥✔✓❤●■▲※✿❀♦🔥💰", "高价回收"),
        ("1️⃣2️⃣", "12"),
        ("a\u200bb\u00adc", "abc"),
        ("🛰", "微信"),
        ("薇信 徽信 V信 vx wx", "微信 微信 微信 微信 微信"),
        ("加v abc", "加微信 abc"),
        ("扣扣 抠抠 企鹅号", "qq qq qq号"),
        ("q:123 Q群", "qq:123 qq群"),
        ("纸飞机 TG: a", "telegram telegram: a"),
        ("一五九八二〇一〇三八四", "15982010384"),
        ("壹伍玖捌贰零壹零叁捌肆", "15982010384"),
        ("一五九八二○一○三八四", "15982010384"),
        ("我们一起，十分开心，一二三四", "我们一起,十分开心,一二三四"),
        ("二○二四年", "二〇二四年"),
        ("坐飞机 威信县 卫星电视 企鹅馆", "坐飞机 威信县 卫星电视 企鹅馆"),
        ("微 信：hf99 薇 信 ab_1", "微信:hf99 微信 ab_1"),
        ("威 信是什么", "威 信是什么"),
        ("vxe wx_abc qq", "vxe wx_abc qq"),
    ],
)
def test_normalize_text(text: str, expected: str) -> None:
    assert normalize(text).text == expected


def test_span_maps_words_back_whole() -> None:
    text = "★加薇信：hs８８"
    norm = normalize(text)
    assert norm.text == "加微信:hs88"
    i = norm.text.index("微信")
    assert text[slice(*norm.span(i, i + 2))] == "薇信"
    assert text[slice(*norm.span(i + 1, i + 2))] == "薇信"  # part of a word maps to all of it
    j = norm.text.index("hs88")
    assert text[slice(*norm.span(j, j + 4))] == "hs８８"


def test_span_covers_dropped_decoration_inside_but_not_around() -> None:
    text = "☆159★8201★0384☆"
    norm = normalize(text)
    assert norm.text == "15982010384"
    assert text[slice(*norm.span(0, len(norm.text)))] == "159★8201★0384"


def test_expansion_maps_every_piece_to_its_character() -> None:
    text = "电话⑩号"
    norm = normalize(text)
    assert norm.text == "电话10号"
    assert norm.span(2, 3) == (2, 3)
    assert norm.span(3, 4) == (2, 3)
    assert norm.span(2, 4) == (2, 3)


def test_empty_and_all_dropped() -> None:
    assert normalize("").text == ""
    assert normalize("").origin == [0]
    norm = normalize("★☆")
    assert norm.text == ""
    assert norm.origin == [2]
    assert norm.span(0, 0) == (2, 2)


def test_span_rejects_out_of_range() -> None:
    with pytest.raises(IndexError):
        normalize("abc").span(2, 5)


def test_lone_surrogate_is_dropped_not_fatal() -> None:
    assert normalize("a\ud800b微信號").text == "ab微信号"


def test_stage_one_changes_only_what_its_table_changes() -> None:
    """Stage 1 translates only runs outside a class of unchanged characters: the result
    must still be the character table's for every ideograph and common symbol."""
    from classifier.normalize import _TABLE, _stage_chars

    blocks = ((0x20, 0x2FF), (0x2000, 0x2BFF), (0x3000, 0x33FF), (0x4E00, 0xA000), (0xFF00, 0xFFEF))
    text = "".join(chr(c) for lo, hi in blocks for c in range(lo, hi) if not 0xD800 <= c < 0xE000)
    text += "🛰🐧✈①⑴⒈❶⓿🄁８️⃣\u200d𠀀"
    assert _stage_chars(text)[0] == text.translate(_TABLE)


@pytest.mark.parametrize(
    "text",
    [
        "有疑问加Q\n2345678 版权所有",  # a lone Q at a line's end, digits on the next
        "q q\n5678",
        "加微\n123",
        "v\n:abc",
        "威信\n号码",
        "加企鹅\n\n群 12345",
    ],
)
def test_normalisation_never_looks_across_a_line_break(text: str) -> None:
    """Scoring cuts a unit's features out of its page's normalised text (classifier.featurize),
    which is right only if a line normalises the same alone as inside its page."""
    lines = [normalize(line).text for line in text.split("\n")]
    assert normalize(text).text == "\n".join(lines)


def test_corpus_pages_normalise_line_by_line(sites) -> None:
    from classifier.document import from_html

    for site in sites:
        for page in site.pages[:4]:
            text = from_html(page.read_text(), f"http://{site.id}.invalid{page.path}").text
            lines = [normalize(line).text for line in text.split("\n")]
            assert normalize(text).text == "\n".join(lines), page.path


def _same_normalisation(cut, alone) -> None:
    """Text, origin and every span of ``cut`` are those of ``alone``."""
    assert cut.original == alone.original
    assert cut.text == alone.text
    assert cut.origin == alone.origin
    n = len(alone.text)
    for i in range(n + 1):
        for j in range(i, n + 1):
            assert cut.span(i, j) == alone.span(i, j), (i, j)


@pytest.mark.parametrize(
    "text",
    [
        "电话⑩号\n加薇信: ab★c123\n１５９一二三四五六七八九\n",
        "\u0301abc\n\u0301加v\n:x\n八\u20e3\u200d9",  # marks at a line start join the break
        "★☆\n回收 加扣扣 12345\n★",
        "q q\n5678\n威信\n号码",
        "no maps at all\nplain ascii",
    ],
)
def test_lines_are_the_lines_normalised_alone(text: str) -> None:
    """A page's units are read from ``lines`` (classifier.featurize) instead of being
    normalised again: every stretch of whole lines must be what normalising it gives."""
    page = normalize(text)
    starts = [0] + [k + 1 for k, c in enumerate(text) if c == "\n"]
    ends = [k for k, c in enumerate(text) if c == "\n"] + [len(text)]
    for a in starts:
        for b in ends:
            if a <= b:
                _same_normalisation(page.lines(a, b), normalize(text[a:b]))


def test_lines_off_line_breaks_normalise_alone() -> None:
    page = normalize("加薇信 abc\n扣扣 12345")
    _same_normalisation(page.lines(1, 6), normalize("薇信 ab"))
    assert page.lines(0, len(page.original)) is page
    with pytest.raises(IndexError):
        page.lines(3, 99)


def test_numeral_runs_searched_are_those_that_can_change() -> None:
    """``_NUMERAL_WORD_RUN`` skips runs of ASCII digits in C; every run with a numeral or
    ○ must still be found where ``_NUMERAL_RUN`` finds it (random strings of digits,
    numerals and separators, fixed seed)."""
    import random

    from classifier.normalize import _NUMERAL_DIGITS, _NUMERAL_RUN, _NUMERAL_WORD_RUN

    def with_numerals(pattern, text: str) -> list[tuple[int, int]]:
        runs = pattern.finditer(text)
        return [m.span() for m in runs if not set(_NUMERAL_DIGITS).isdisjoint(m.group())]

    rnd = random.Random(4)
    alphabet = "0123456789 -.·一二三○〇五零幺x微"
    for _ in range(3000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(1, 25)))
        assert with_numerals(_NUMERAL_WORD_RUN, text) == with_numerals(_NUMERAL_RUN, text), text
