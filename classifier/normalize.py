"""Normalise page text for matching, keeping a map back to the original characters.

Scam pages disguise handles (full-width or circled digits, traditional
characters, ★ between digits, 薇信 / vx / 扣扣 / 飞机 for the apps, phone numbers
spelled 一五九…) so that naive matching misses them. Every finding has to be
highlighted where it stands in the page, so normalisation never loses track of
where each normalised character came from: ``Normalized.span(i, j)`` maps a
normalised span back to the original text.

Three stages, each with its own offset map (``None`` when it keeps positions):

1. per character: NFKC, circled / parenthesised / dingbat digits to plain
   digits, ASCII lower-case, decorative symbols and emoji dropped;
2. traditional to simplified Chinese with OpenCC (length-preserving, checked);
3. words: disguised app names to their plain form, Chinese-numeral digit runs
   to ASCII digits.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from functools import cached_property
from typing import Any

import opencc

__all__ = ["Normalized", "normalize"]

# --------------------------------------------------------------------------- stage 1


def _enclosed_digits() -> dict[str, str]:
    """Enclosed digit forms NFKC leaves alone or turns into "(1)" / "1."."""
    table: dict[str, str] = {}
    runs = (
        (0x2474, 1, 20),  # ⑴..⒇  (NFKC gives "(1)")
        (0x2488, 1, 20),  # ⒈..⒛  (NFKC gives "1.")
        (0x2776, 1, 10),  # ❶..❿
        (0x2780, 1, 10),  # ➀..➉
        (0x278A, 1, 10),  # ➊..➓
        (0x24EB, 11, 20),  # ⓫..⓴
        (0x24F5, 1, 10),  # ⓵..⓾
    )
    for first, low, high in runs:
        for n in range(low, high + 1):
            table[chr(first + n - low)] = str(n)
    table["⓿"] = "0"
    table["⓪"] = "0"
    table["🄀"] = "0"
    for n in range(1, 10):  # 🄁..🄊 are "0," .. "9,"
        table[chr(0x1F101 + n - 1)] = str(n - 1)
    return table


#: Characters whose plain form is a word: the emoji stand for the app.
_SYMBOL_WORDS = {
    "🛰": "微信",  # 卫星 (satellite) = WeChat
    "🐧": "qq",  # 企鹅 (penguin) = QQ
    "✈": "飞机",  # 飞机 (aeroplane) = Telegram, resolved in stage 3
    "🛩": "飞机",
    "☎": "电话",
    "☏": "电话",
    "✆": "电话",
    "📞": "电话",
    "📱": "电话",
    "➕": "+",
    "✚": "+",
    "╋": "+",
    "○": "○",  # kept: a zero inside 一五九○…, dropped elsewhere in stage 3
    "◯": "○",
    "⭕": "○",
    "•": "",
    "※": "",
    "‧": "",
}
_SPECIAL = {**_enclosed_digits(), **_SYMBOL_WORDS}
#: Unicode categories dropped as decoration (symbols, emoji parts, format characters).
_DROP_CATEGORIES = frozenset({"So", "Sk", "Mn", "Me", "Cf", "Co", "Cs"})


def _plain_char(ch: str) -> str:
    """The stage-1 form of one character: special table, else NFKC + lower + drop."""
    special = _SPECIAL.get(ch)
    if special is not None:
        return special
    out = []
    for c in unicodedata.normalize("NFKC", ch):
        if c.isascii():
            out.append(c.lower())
        elif unicodedata.category(c) not in _DROP_CATEGORIES:
            out.append(c)
    return "".join(out)


class _CharTable(dict):
    """``str.translate`` table filled lazily, so only characters actually seen are computed."""

    def __missing__(self, code: int) -> str:
        value = _plain_char(chr(code))
        self[code] = value
        return value


_TABLE = _CharTable()


def _char_class(blocks: tuple[tuple[int, int], ...], keep: Callable[[int], bool]) -> str:
    """A regex class: the unified ideographs (NFKC-stable, kept by stage 1) and the
    code points of ``blocks`` that ``keep`` accepts, as ranges."""
    ranges: list[tuple[int, int]] = [(0x4E00, 0x9FFF)]
    for block in blocks:
        for code in range(*block):
            if keep(code):
                if ranges[-1][1] == code - 1:
                    ranges[-1] = (ranges[-1][0], code)
                else:
                    ranges.append((code, code))
    return "".join(re.escape(chr(lo)) + "-" + re.escape(chr(hi)) for lo, hi in ranges)


_COMMON_BLOCKS = ((0x00, 0x2FF), (0x2000, 0x2BFF), (0x3000, 0x33FF))

#: Characters that may change length in stage 1 (checked one by one).
_MAYBE_RESIZED = re.compile(
    f"[^{_char_class((*_COMMON_BLOCKS, (0xFF00, 0xFFEF)), lambda c: len(_TABLE[c]) == 1)}]"
)

#: Runs of characters stage 1 may change. Most of a page (Chinese, lower-case ASCII)
#: is left alone, so translating only these runs beats ``str.translate`` on the whole.
_MAYBE_CHANGED = re.compile(f"[^{_char_class(_COMMON_BLOCKS, lambda c: _TABLE[c] == chr(c))}]+")


def _translate_run(m: re.Match[str]) -> str:
    return m.group().translate(_TABLE)


def _common_folds() -> tuple[tuple[str, str], ...]:
    """Full-width punctuation that Chinese text is full of, each with its one plain character.

    ``str.replace`` folds these in one C pass each, so ``_MAYBE_CHANGED`` leaves far fewer
    runs to translate one callback at a time (a page's "，" alone is most of them). The
    plain forms are characters stage 1 keeps, so the translation after sees none of them.
    """
    folds = []
    for ch in "，：；？（）！":
        plain = _TABLE[ord(ch)]
        assert len(plain) == 1 and _TABLE[ord(plain)] == plain, ch
        folds.append((ch, plain))
    return tuple(folds)


_COMMON_FOLDS = _common_folds()


# --------------------------------------------------------------------------- offset maps


class _OffsetMap:
    """Where each output character of one stage came from in that stage's input.

    Segments are either runs (output k -> input k + shift, one to one) or groups
    (every output character -> the whole input span, for replaced words and expansions).
    """

    __slots__ = ("in_ends", "in_starts", "is_run", "out_starts")

    def __init__(self) -> None:
        self.out_starts: list[int] = []
        self.in_starts: list[int] = []
        self.in_ends: list[int] = []
        self.is_run: list[bool] = []

    def add(self, out_start: int, in_start: int, in_end: int, run: bool) -> None:
        self.out_starts.append(out_start)
        self.in_starts.append(in_start)
        self.in_ends.append(in_end)
        self.is_run.append(run)

    def start(self, k: int) -> int:
        s = bisect_right(self.out_starts, k) - 1
        if self.is_run[s]:
            return self.in_starts[s] + k - self.out_starts[s]
        return self.in_starts[s]

    def end(self, k: int) -> int:
        """Exclusive input end of output character ``k``."""
        s = bisect_right(self.out_starts, k) - 1
        if self.is_run[s]:
            return self.in_starts[s] + k - self.out_starts[s] + 1
        return self.in_ends[s]


def _build_map(length: int, edits: list[tuple[int, int, int]]) -> _OffsetMap | None:
    """Offset map for ``edits`` (input start, input end, output length), sorted and disjoint."""
    if not edits:
        return None
    omap = _OffsetMap()
    pos = out = 0
    for start, end, size in edits:
        if start > pos:
            omap.add(out, pos, start, True)
            out += start - pos
        if size:
            omap.add(out, start, end, False)
            out += size
        pos = end
    if pos < length or not omap.out_starts:
        omap.add(out, pos, length, True)
    return omap


def _stage_chars(text: str) -> tuple[str, _OffsetMap | None]:
    table = _TABLE
    edits: list[tuple[int, int, int]] = []
    for m in _MAYBE_RESIZED.finditer(text):
        pos, ch = m.start(), m.group()
        size = len(table[ord(ch)])
        if size == 1:
            continue
        if size == 0 and pos and ch in _ATTACHED:
            _attach(edits, text, pos)
        else:
            edits.append((pos, pos + 1, size))
    folded = text
    for ch, plain in _COMMON_FOLDS:
        if ch in folded:
            folded = folded.replace(ch, plain)
    return _MAYBE_CHANGED.sub(_translate_run, folded), _build_map(len(text), edits)


def _is_attached(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Me") or ch == "\u200d"


class _AttachedSet:
    """Combining marks, variation selectors and joiners: they belong to the character before."""

    def __contains__(self, ch: str) -> bool:
        return _is_attached(ch)


_ATTACHED = _AttachedSet()


def _attach(edits: list[tuple[int, int, int]], text: str, pos: int) -> None:
    """Make the dropped mark at ``pos`` part of the previous character's span ("8️⃣" is one)."""
    if edits and edits[-1][1] == pos:
        start, _, size = edits[-1]
        if size:
            edits[-1] = (start, pos + 1, size)
            return
        edits.append((pos, pos + 1, 0))
        return
    edits.append((pos - 1, pos + 1, len(_TABLE[ord(text[pos - 1])])))


# --------------------------------------------------------------------------- stage 2

_T2S = opencc.OpenCC("t2s.json")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")


def _to_simplified(text: str) -> str:
    """Traditional to simplified, one character for one (OpenCC's t2s dictionaries are).

    Should a dictionary ever map a phrase to a different length, that CJK run is
    converted character by character instead, so positions never shift.
    """
    if not _CJK_RUN.search(text):
        return text
    converted = _T2S.convert(text)
    if len(converted) == len(text):
        return converted
    return _CJK_RUN.sub(_convert_run, text)


def _convert_run(m: re.Match[str]) -> str:
    run = m.group()
    converted = _T2S.convert(run)
    if len(converted) == len(run):
        return converted
    chars = [_T2S.convert(c) for c in run]
    return "".join(c if len(c) == 1 else o for c, o in zip(chars, run, strict=True))


# --------------------------------------------------------------------------- stage 3

_NUMERAL_DIGITS = {
    "〇": "0", "○": "0", "零": "0", "一": "1", "幺": "1", "二": "2", "三": "3", "四": "4",
    "五": "5", "六": "6", "七": "7", "八": "8", "九": "9", "壹": "1", "贰": "2", "叁": "3",
    "肆": "4", "伍": "5", "陆": "6", "柒": "7", "捌": "8", "玖": "9",
}  # fmt: skip
_CHINESE_DIGITS = frozenset(_NUMERAL_DIGITS) - {"○"}
_DIGIT_CLASS = "0-9" + "".join(_NUMERAL_DIGITS)
#: A digit run; after a separator at least two digits, so "一五九… 一起" leaves 一起 alone.
_NUMERAL_RUN = re.compile(rf"[{_DIGIT_CLASS}]+(?:[ \-.·][{_DIGIT_CLASS}]{{2,}})*")
#: ``_NUMERAL_RUN`` without the runs of ASCII digits alone, which no edit touches: a run
#: is searched only from a character where ASCII digits and separators lead on to a
#: numeral (checked by the look-ahead inside the look-behind). A run of ASCII digits
#: fails that check at its first character and, being a suffix of it, at every other
#: one, so the search resumes after it exactly where ``_NUMERAL_RUN``'s would.
_NUMERAL_WORD_RUN = re.compile(
    rf"[{_DIGIT_CLASS}](?<=(?=[0-9 \-.·]*[{''.join(_NUMERAL_DIGITS)}])[{_DIGIT_CLASS}])"
    rf"[{_DIGIT_CLASS}]*(?:[ \-.·][{_DIGIT_CLASS}]{{2,}})*"
)
_MIN_RUN = 5
_MIN_ID_TAIL = 3  # after ASCII letters

_CONTACTISH = r"(?=(?:[^\S\n]|[)\]】」”\"'])*(?:号|群|同号|客服|在线|咨询|用户名|:|=|@|[a-z0-9]))"
#: (regex, plain word). Each regex starts *after* the match's first character, which it
#: checks by look-behind: the whole pattern then starts with a character class, which
#: lets ``re`` skip ahead to candidates (5x faster than lookbehind-led alternatives).
#: Context keeps ordinary words alone (威信 = prestige, 飞机 = aeroplane, 卫星 = satellite).
_WORDS: tuple[tuple[str, str], ...] = (
    (r"(?<=[薇徽v])信|(?<=w)ei(?:信|xin)|(?<=w)echat|(?<=[微薇])x", "微信"),
    (rf"(?<=[薇徽])芯|(?<=[微威])芯{_CONTACTISH}", "微信"),  # 薇芯; not 微芯片
    (r"(?<=加[微薇威])(?=[^\S\n]*(?:[:=]|[a-z0-9]))", "微信"),
    # "联系：薇 youka_ytx", "（收E卡，微：jd五一八零）": a lone 微 or 薇 (not in a word: 小薇,
    # 稍微) before a handle
    (r"(?<=[微薇])(?<![\u4e00-\u9fff][微薇])(?=[^\S\n]*(?:[:=]|[a-z0-9]))", "微信"),
    (rf"(?<=[微薇徽威])[^\S\n]信{_CONTACTISH}", "微信"),  # "微 信:", split to slip past filters
    (rf"(?<=威)信{_CONTACTISH}|(?<=卫)星{_CONTACTISH}|(?<=加威)信|(?<=加卫)星", "微信"),
    (r"(?<=[vw])(?<![a-z0-9_\-][vw])x(?![a-z_\-])", "微信"),  # vx, wx
    (r"(?<=[+加]v)(?![a-z_\-])|(?<=v)(?<![a-z0-9_\-+]v)(?=[^\S\n]*[:=])", "微信"),  # +v, 加v, v:
    (  # "q 752…", and "Q 七五二八…" (numerals are not \d)
        r"(?<=扣)扣|(?<=抠)抠|(?<=q)(?<![a-z0-9_\-]q)"
        rf"(?=群|号|[^\S\n]*[:=]|[^\S\n]*\d|[^\S\n]*[{''.join(sorted(_CHINESE_DIGITS))}]{{3}})",
        "qq",
    ),
    (rf"(?<=企)鹅{_CONTACTISH}|(?<=加企)鹅", "qq"),
    (r"(?<=纸)飞机|(?<=t)(?<![a-z0-9_\-]t)g(?![a-z0-9_\-])", "telegram"),
    (rf"(?<=飞)机{_CONTACTISH}|(?<=电)报{_CONTACTISH}|(?<=加飞)机|(?<=加电)报", "telegram"),
)
_FIRST_CHARS = "薇徽微威卫vwq扣抠企纸飞电t○"
_STAGE3 = re.compile(
    f"[{_FIRST_CHARS}](?:"
    + "|".join(f"(?P<w{i}>{pattern})" for i, (pattern, _) in enumerate(_WORDS))
    + "|(?P<circle>(?<=○)))"
)
_WORD_OF_GROUP = {f"w{i}": word for i, (_, word) in enumerate(_WORDS)}


def _numeral_run(run: str, min_run: int = _MIN_RUN) -> str:
    """ASCII digits for a run of 5+ numerals (``min_run``); shorter runs (二〇二四, 一起)
    stay words."""
    if sum(c not in " -.·" for c in run) < min_run:
        return run.replace("○", "〇")
    return "".join(_NUMERAL_DIGITS.get(c, c) for c in run)


def _stage3_edits(text: str) -> list[tuple[int, int, str, bool]]:
    """(start, end, replacement, is_word) for numeral runs and disguised words, disjoint."""
    edits: list[tuple[int, int, str, bool]] = []
    for m in _NUMERAL_WORD_RUN.finditer(text):
        run, (start, end) = m.group(), m.span()
        # the tail of an ID ("jd五一八零") is a number from three numerals on
        after_letter = start > 0 and text[start - 1].isascii() and text[start - 1].isalpha()
        min_run = _MIN_ID_TAIL if after_letter else _MIN_RUN
        if "○" in run:
            edits.append((start, end, _numeral_run(run, min_run), False))
        elif len(run) >= min_run and not _CHINESE_DIGITS.isdisjoint(run):
            # Shorter runs without ○ stay as they are: no edit. (Word edits start at
            # none of the run's characters but ○, so leaving them out keeps no word out.)
            edits.append((start, end, _numeral_run(run, min_run), False))
    for m in _STAGE3.finditer(text):
        group = m.lastgroup or ""
        word = "" if group == "circle" else _WORD_OF_GROUP[group]
        edits.append((m.start(), m.end(), word, True))
    edits.sort()
    kept: list[tuple[int, int, str, bool]] = []
    for edit in edits:
        if not kept or edit[0] >= kept[-1][1]:
            kept.append(edit)
    return kept


def _stage_words(text: str) -> tuple[str, _OffsetMap | None]:
    edits = _stage3_edits(text)
    if not edits:
        return text, None
    pieces: list[str] = []
    resized: list[tuple[int, int, int]] = []
    pos = 0
    for start, end, replacement, is_word in edits:
        pieces.append(text[pos:start])
        pieces.append(replacement)
        if is_word:  # a word maps as a whole; a numeral run digit for digit
            resized.append((start, end, len(replacement)))
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces), _build_map(len(text), resized)


# --------------------------------------------------------------------------- API


class Normalized:
    """Normalised text plus the way back: ``span(i, j)`` is the original span of ``text[i:j]``."""

    def __init__(self, original: str, text: str, maps: tuple[_OffsetMap, ...]) -> None:
        self.original = original
        self.text = text
        self._maps = maps  # last stage first
        #: Findings computed from this text (e.g. its contacts), kept so that the several
        #: readers of one page (signals, the result) compute each once.
        self.memo: dict[str, Any] = {}
        #: ``(page, i, j)`` when this is whole lines cut from ``page`` (its normalised
        #: ``text[i:j]``, see ``lines``): findings that never cross a line break can be
        #: read from the page's.
        self.cut: tuple[Normalized, int, int] | None = None

    def found(
        self, key: str, pattern: re.Pattern[str], crosses: bool = False, group: bool = False
    ) -> list[tuple[int, ...]]:
        """Every match of ``pattern`` in ``text``, searched once and kept under ``key``
        (shared: do not change the list): ``(start, end)``, with ``group`` followed by
        the span of the match's last group (``lastindex``: one that always takes part).

        Whole lines cut from a page (``lines``) read the page's matches when the page
        has them, for a pattern that finds in those lines what it finds on the page
        there. One that never matches nor looks across a line break does. One that
        ``crosses`` may take the break in a match or reach it with a look-ahead's
        leading white-space run, but has no anchor and no other look-around that can
        match a break: it does unless the page's matches say otherwise
        (``_page_matches``), and then the lines are searched themselves.
        """
        found = self.memo.get(key)
        if found is None:
            if self.cut is not None and key in self.cut[0].memo:
                page, i, j = self.cut
                found = _page_matches(page.memo[key], page.text, i, j, crosses)
            if found is None:
                if group:
                    found = [
                        (*m.span(), *m.span(m.lastindex or 0)) for m in pattern.finditer(self.text)
                    ]
                else:
                    found = [m.span() for m in pattern.finditer(self.text)]
            self.memo[key] = found
        return found

    def span(self, i: int, j: int) -> tuple[int, int]:
        """Original ``(start, end)`` of normalised ``[i, j)``; an empty span maps to a point."""
        if not 0 <= i <= j <= len(self.text):
            raise IndexError(f"span [{i}, {j}) outside 0..{len(self.text)}")
        if not self._maps:  # nothing moved (most pages): positions are the original's
            return i, j
        if i == j:
            point = self.origin[i]
            return point, point
        # ``_OffsetMap.start`` / ``end`` inlined (this runs for every span of every signal):
        # ``last`` is the inclusive index of the span's last character at each stage.
        start, last = i, j - 1
        for omap in self._maps:
            out_starts, in_starts = omap.out_starts, omap.in_starts
            s = bisect_right(out_starts, start) - 1
            start = in_starts[s] + start - out_starts[s] if omap.is_run[s] else in_starts[s]
            s = bisect_right(out_starts, last) - 1
            last = in_starts[s] + last - out_starts[s] if omap.is_run[s] else omap.in_ends[s] - 1
        return start, last + 1

    def lines(self, start: int, end: int) -> Normalized:
        """The normalisation of ``original[start:end]``, cut from this one.

        Normalisation never looks across a line break, so a stretch of whole lines
        (a page's scoring unit) normalises inside its page exactly as it does alone:
        its text and offset maps are a slice of the page's, and nothing is computed
        again. Any other stretch is normalised on its own.
        """
        original = self.original
        if not 0 <= start <= end <= len(original):
            raise IndexError(f"lines [{start}, {end}) outside 0..{len(original)}")
        if start == 0 and end == len(original):
            return self
        whole_lines = (start == 0 or original[start - 1] == "\n") and (
            end == len(original) or original[end] == "\n"
        )
        if not whole_lines:
            return normalize(original[start:end])
        i, j = self.position(start), self.position(end)
        if i == j:  # nothing left: the empty text's single point is the end
            return normalize(original[start:end])
        return _Lines(self, start, end, i, j)

    def position(self, pos: int) -> int:
        """The first normalised index whose character comes from original ``pos`` or later."""
        if not self._maps:
            return pos
        lo, hi = 0, len(self.text)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.span(mid, mid + 1)[0] < pos:
                lo = mid + 1
            else:
                hi = mid
        return lo

    @cached_property
    def origin(self) -> list[int]:
        """``origin[k]``: original index of normalised character k; ``origin[-1]`` is the end."""
        n = len(self.text)
        if not self._maps:
            return [*range(n), len(self.original)]
        starts = [self.span(k, k + 1)[0] for k in range(n)]
        starts.append(len(self.original))
        return starts


def _page_matches(
    on_page: list[tuple[int, ...]], text: str, i: int, j: int, crosses: bool
) -> list[tuple[int, ...]] | None:
    """The page's matches in its whole lines ``text[i:j]``, shifted to them; None when
    a pattern that ``crosses`` lines may find something else in the lines alone.

    The page's search reaches ``i`` as the lines' own does unless a match runs over
    it; from there each try reads the same characters in both, up to the break at
    ``j``, which only white-space matching can read: a match that holds the break,
    or a look-ahead's white-space run reaching it, which starts at or before the end
    of the last match (a try that reads the break and then fails, fails in both).
    """
    lo = bisect_left(on_page, (i,))  # the first match starting at i or later
    hi = bisect_left(on_page, (j,), lo)
    if crosses:
        if lo and on_page[lo - 1][1] > i:
            return None
        if hi > lo:
            end = on_page[hi - 1][1]
            if end >= j or text[end:j].isspace():
                return None
    if on_page and len(on_page[0]) == 2:
        return [(a - i, b - i) for a, b in on_page[lo:hi]]
    return [tuple(k - i for k in m) for m in on_page[lo:hi]]


class _Lines(Normalized):
    """Whole lines of a normalised page: its text cut out, spans read through its maps."""

    def __init__(self, page: Normalized, start: int, end: int, i: int, j: int) -> None:
        super().__init__(page.original[start:end], page.text[i:j], page._maps)
        self.cut = (page, i, j)
        self._page = page
        self._start = start
        self._offset = i

    def span(self, i: int, j: int) -> tuple[int, int]:
        if not 0 <= i <= j <= len(self.text):
            raise IndexError(f"span [{i}, {j}) outside 0..{len(self.text)}")
        if i == j:
            if i == len(self.text):
                return len(self.original), len(self.original)
            point = self.span(i, i + 1)[0]
            return point, point
        start, end = self._page.span(i + self._offset, j + self._offset)
        return start - self._start, end - self._start


def normalize(text: str) -> Normalized:
    """Normalise ``text`` for matching (see the module docstring for the steps)."""
    chars, char_map = _stage_chars(text)
    simple = _to_simplified(chars)
    words, word_map = _stage_words(simple)
    maps = tuple(m for m in (word_map, char_map) if m is not None)
    return Normalized(text, words, maps)
