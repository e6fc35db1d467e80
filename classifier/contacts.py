"""Find personal contact handles (WeChat, QQ, phone, Telegram, payment, URLs) in page text.

A solicitation is a call to contact a person off-platform, so its handles are the
strongest evidence, and scam pages disguise them (see ``classifier.normalize``).
Matching runs on the normalised text; every finding is reported with its span in
the *original* text (``original[start:end] == contact.text``), so it can be
highlighted where it stands.

Official hotlines and accounts (10086, 95188, 400-…, 公众号) are not personal
contacts: ``find_official_contacts`` reports them, ``find_contacts`` never does.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

from classifier.normalize import Normalized, normalize
from crawler.extract import PAYMENT_HOSTS, PAYMENT_SCHEMES

if TYPE_CHECKING:
    from classifier.document import Link

__all__ = [
    "KINDS",
    "OFFICIAL_KINDS",
    "Contact",
    "find_contacts",
    "find_official_contacts",
    "link_contact",
    "with_link_contacts",
]

KINDS = ("wechat", "qq", "phone", "telegram", "payment", "url")
OFFICIAL_KINDS = ("hotline", "official_account", "official_service")


@dataclass(frozen=True, slots=True)
class Contact:
    """One handle: ``value`` normalised, ``start``/``end``/``text`` in the original text."""

    kind: str
    value: str
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class _Hit:
    """A finding in normalised coordinates, before mapping back to the original."""

    kind: str
    value: str
    start: int
    end: int


# --------------------------------------------------------------------------- values

_MOBILE = re.compile(r"(?:86)?(1[3-9]\d{9})")
_LANDLINE = re.compile(r"0[1-9]\d{8,10}")
_QQ = re.compile(r"[1-9]\d{4,10}")
_WECHAT_ID = re.compile(r"[a-z0-9][a-z0-9_\-]{5,19}")
_TELEGRAM = re.compile(r"@?([a-z][a-z0-9_]{4,31})")
_EMAIL = re.compile(r"[a-z0-9][a-z0-9._\-]*@[a-z0-9\-]+(?:\.[a-z0-9\-]+)+")
_TRC20 = re.compile(r"T[1-9A-HJ-NP-Za-km-z]{33}")
_ERC20 = re.compile(r"0x[0-9a-fA-F]{40}")
_WALLET = re.compile(r"t[1-9a-z]{33}|0x[0-9a-f]{40}")  # either, after lower-casing
#: Official numbers: carriers, banks and payment (95xxx), anti-fraud (96110), 123xx, 400/800.
_OFFICIAL_NUMBER = re.compile(
    r"100(?:86|10|00|01)|1010\d{4}|95\d{3}(?:\d{3})?|96\d{3}|123\d{2}|12[01]\d{2}|[48]00\d{7}"
    r"|13800138000"  # China Mobile's service line, printed on its top-up cards
)


#: Compiled once: ``re.sub`` with a pattern string looks it up in ``re``'s cache each call.
_NUMBER_SEPARATOR = re.compile(r"[ \-.·]")
_ID_SEPARATOR = re.compile(r"[ .·]")
_NON_DIGIT = re.compile(r"\D")


def _digits(value: str) -> str:
    return _NUMBER_SEPARATOR.sub("", value)


def _as_phone(value: str) -> str | None:
    digits = _digits(value)
    if not digits.isdigit():
        return None
    mobile = _MOBILE.fullmatch(digits)
    if mobile:
        return mobile.group(1)
    if _LANDLINE.fullmatch(digits) and not _OFFICIAL_NUMBER.fullmatch(digits):
        return digits
    return None


def _as_qq(value: str) -> str | None:
    digits = _digits(value.split("@qq.com")[0])
    return digits if _QQ.fullmatch(digits) else None


def _as_wechat(value: str) -> str | None:
    if "@" in value:
        return None
    joined = _ID_SEPARATOR.sub("", value)
    if joined.replace("-", "").isdigit():
        joined = joined.replace("-", "")
        if "." in value and not _MOBILE.fullmatch(joined):
            return None  # "微信 8.0.4923": a version number, not an ID
    return joined if _WECHAT_ID.fullmatch(joined) else None


def _as_telegram(value: str) -> str | None:
    m = _TELEGRAM.fullmatch(value)
    return m.group(1) if m else None


def _as_payment(value: str) -> str | None:
    if _EMAIL.fullmatch(value):
        return value
    if _WALLET.fullmatch(value):
        return value  # the original's case is restored by the caller
    mobile = _MOBILE.fullmatch(_digits(value))
    return mobile.group(1) if mobile else None


_VALIDATORS = {
    "wechat": _as_wechat,
    "qq": _as_qq,
    "phone": _as_phone,
    "telegram": _as_telegram,
    "payment": _as_payment,
}

# --------------------------------------------------------------------------- labels


def _ascii_word(word: str) -> str:
    """``word`` not inside a longer ASCII word; literal first, so ``re`` can scan ahead fast."""
    return f"{word}(?<![a-z]{word})(?![a-z])"


#: Labels, each alternative led by a literal character (see ``_ascii_word``).
_LABEL_PATTERNS = {
    "wechat": "微信",
    "qq": _ascii_word("qq"),
    "phone": "|".join(
        ["手机号码", "手机号", "手机", "电话号码", "电话", "座机", "热线", "致电", "拨打"]
        + [_ascii_word(w) for w in ("tel", "phone", "mobile")]
    ),
    "telegram": _ascii_word("telegram"),
    "payment": "|".join(
        ["支付宝账号", "支付宝帐号", "支付宝账户", "支付宝", "收款二维码", "收款码", "收款账号"]
        + ["收款帐号", "收款账户", "收款地址", "钱包地址", "u地址"]
        + [_ascii_word(w) for w in ("usdt", "trc20", "trc-20", "erc20", "erc-20")]
    ),
}
_LABEL_KIND = [(kind, re.compile(p)) for kind, p in _LABEL_PATTERNS.items()]
_ANY_LABEL = "|".join(_LABEL_PATTERNS.values())
_LABEL_RE = re.compile(_ANY_LABEL)
#: Between labels of one handle: "电话/微信", "电话(微信同号)", "电话同微信".
_LABEL_JOIN = r"[\s/、,&|()\[\]【】和及或同+]*"
#: Words between a label and its value ("微信号码是:", "qq在线\n", "微信聊天为准:").
_FILLER = (
    r"(?:[\s:=~>\-—|/()\[\]【】「」《》<>\"'“”‘’]|号码|号|账号|帐号|账户|用户名|id(?![a-z])"
    r"|同号|是|为|搜索|搜|添加|加我|请加|加|联系|群号|群|地址|客服|在线|咨询|小号|私聊|找"
    r"|,(?=添加|加|联系|搜)"  # "打开 QQ，添加客服 3318270546"
    r"|(?!公众|支付|转账|红包|钱包|小程序|官方)[\u4e00-\u9fff]{1,6}(?=\s*[:=]))*"
)
_KEYED = re.compile(
    rf"(?P<labels>(?:{_ANY_LABEL})(?:{_LABEL_JOIN}(?:{_ANY_LABEL}))*)(?P<filler>{_FILLER})"
)
_ID_SEP = r"(?:\s?[.·]\s?|\s)"  # "hs 88 99", "mk·dashou·1818", "hk 77 . 520 . x"
#: A handle: e-mail, @name, or an ID of at most 25 pieces (bounded: no quadratic scans).
_VALUE = re.compile(
    r"(?P<email>[a-z0-9][a-z0-9._\-]{0,63}@[a-z0-9\-]+(?:\.[a-z0-9\-]+){1,4})"
    r"|(?P<at>@[a-z][a-z0-9_]{3,31})"
    rf"|(?P<id>[a-z0-9][a-z0-9_\-]{{0,40}}(?:{_ID_SEP}[a-z0-9_\-]{{1,40}}){{0,24}})"
)
_TOKEN_SEP = re.compile(_ID_SEP)
_VALUE_FIRST = frozenset("abcdefghijklmnopqrstuvwxyz0123456789@")  # how ``_VALUE`` starts
#: ASCII words that end an ID split by spaces ("abc123 qq 12345" is two handles).
_STOP_TOKENS = frozenset(
    {"qq", "tel", "telegram", "phone", "mobile", "usdt", "trc20", "id", "or", "and", "http"}
    | {"https", "www", "com"}
)
_UNIT_AFTER = re.compile(r"[年月日元块万亿%个人次天岁]")
_MENTION_ONLY = frozenset({"收款码", "收款二维码"})
#: More values of the same handle: "qq群:618 204 773(已满),新群 618 204 775".
_NEXT_VALUE = re.compile(r"\s?(?:\([^()\n]{1,8}\))?\s?[,/、或]\s?[\u4e00-\u9fff]{0,4}[\s:]{0,2}")


def _label_kinds(labels: str) -> list[str]:
    return [kind for kind, pattern in _LABEL_KIND if pattern.search(labels)]


@lru_cache(maxsize=1024)
def _kinds_of_labels(labels: str) -> tuple[str, ...]:
    """``_label_kinds`` of a label run, which pages repeat ("微信", "电话/微信")."""
    return tuple(_label_kinds(labels))


def _joins(joined: int, separator: str, token: str) -> bool:
    """Whether ``token`` continues the ID: "hs 88 99" does, "abc123 dm me" does not.

    Dots always join (a deliberate split); a space joins short pieces, digit
    groups ("138 1234 5678") and single characters ("h f _ k a"), and never a
    label word ("abc123 qq 12345" is two handles).
    """
    if token in _STOP_TOKENS:
        return False
    if not separator.isspace() or joined < 6:
        return True
    return len(token) == 1 or (token.isdigit() and len(token) <= 4)


def _value_prefixes(text: str, start: int, end: int) -> Iterator[tuple[int, str]]:
    """(end, value) for the ID at text[start:end] cut at each separator, longest first.

    "hs 88 99" is one handle split by spaces, but "12345678 13812345678" is two:
    the caller keeps the longest prefix that is valid for the kind.
    """
    cuts: list[int] = []
    seps = list(_TOKEN_SEP.finditer(text, start, end))
    joined = (seps[0].start() if seps else end) - start
    for index, sep in enumerate(seps):
        token_end = seps[index + 1].start() if index + 1 < len(seps) else end
        token = text[sep.end() : token_end]
        cuts.append(sep.start())
        if not _joins(joined, sep.group(), token):
            break
        joined += len(token)
    else:
        cuts.append(end)
    for cut in reversed(cuts):
        if _UNIT_AFTER.match(text, cut) and text[cut - 1].isdigit():
            continue  # 2019年, 100元: a date or price, not a handle
        yield cut, text[start:cut]


def _keyed_value(text: str, kind: str, start: int) -> tuple[int, str] | None:
    """(end, value) of the handle for ``kind`` starting at ``start``, if one is there."""
    value = _VALUE.match(text, start)
    if not value:
        return None
    validate = _VALIDATORS[kind]
    if value.lastgroup != "id":  # an e-mail address or @name is never split
        got = validate(value.group())
        return (value.end(), got) if got else None
    for cut, raw in _value_prefixes(text, start, value.end()):
        got = validate(raw)
        if got:
            return cut, got
    return None


#: Memo keys of the patterns whose matches a page's whole lines read from the page's
#: (``Normalized.found`` with ``crosses``: they may take a line break, but no anchor or
#: look-around reads one). Plain names: a compiled pattern hashes its whole program.
_KEYED_FOUND = "re:keyed"
_REJOIN_FOUND = "re:rejoin_hint"
_HOTLINE_FOUND = "re:hotline"
_SERVICE_FOUND = "re:official_service"


def _keyed_hits(norm: Normalized) -> Iterator[_Hit]:
    """Handles after a label: 微信号: abc, 电话/微信 159…, qq群 123…, 飞机 @name, USDT T…."""
    text = norm.text
    # (start, end, filler start, end): the labels run up to the filler, the last group
    for m_start, m_end, labels_end, _ in norm.found(_KEYED_FOUND, _KEYED, True, True):
        found = False
        labels = text[m_start:labels_end]
        # Most labels are followed by no value at all (3 in 4 on the corpus): say so
        # from the next character, which every value starts with, before trying kinds.
        has_value = text[m_end : m_end + 1] in _VALUE_FIRST
        for kind in _kinds_of_labels(labels) if has_value else ():
            start = m_end
            while got := _keyed_value(text, kind, start):
                found = True
                yield _Hit(kind, got[1], start, got[0])
                more = _NEXT_VALUE.match(text, got[0])
                if not more or more.end() == got[0] or _LABEL_RE.match(text, more.end()):
                    break  # "…, 或者qq 123": the next value belongs to another label
                start = more.end()
        if not found and labels in _MENTION_ONLY:
            yield _Hit("payment", "收款码", m_start, labels_end)


#: An ID split on purpose, with the instruction to rejoin it: "k.a.m.i (去掉点再搜)".
_REMOVE = ("去掉", "去除", "删掉", "删除", "不要")
_MARKS = ("点", "空格", "符号")
#: Literal-led alternatives ("去掉点", "去掉中间的点", "空格去掉"), so ``re`` scans ahead fast.
_REJOIN_HINT = re.compile(
    "|".join(
        [f"{verb}(?:中间的?)?{mark}" for verb in _REMOVE for mark in _MARKS]
        + [f"{mark}{verb}" for verb in _REMOVE for mark in _MARKS]
    )
)
_SPLIT_ID_BEFORE = re.compile(
    rf"(?<![a-z0-9_\-])[a-z0-9_\-]{{1,40}}(?:{_ID_SEP}[a-z0-9_\-]{{1,40}}){{1,24}}"
    r"\s?[(\[【]?\s?(?:中间的?)?\Z"
)


def _rejoin_hits(norm: Normalized) -> Iterator[_Hit]:
    text = norm.text
    if "去" not in text and "删" not in text and "不要" not in text:
        return  # every hint holds a verb (去掉, 去除, 删掉, 删除, 不要): many texts have none
    for hint, _ in norm.found(_REJOIN_FOUND, _REJOIN_HINT, True):
        split_id = _SPLIT_ID_BEFORE.search(text, max(0, hint - 64), hint)
        if split_id is None:
            continue
        got = _keyed_value(text, "wechat", split_id.start())
        if got:
            yield _Hit("wechat", got[1], split_id.start(), got[0])


#: "@name" on a page that speaks of Telegram (飞机, 电报, TG) is a Telegram handle.
_AT_NAME = re.compile(r"@(?<![a-z0-9_.\-]@)([a-z][a-z0-9_]{4,31})(?![a-z0-9_@.\-]*\.[a-z])")
_TELEGRAM_CUE = re.compile(r"telegram|飞机|电报")


def _at_name_hits(text: str) -> Iterator[_Hit]:
    if "@" in text and _TELEGRAM_CUE.search(text):
        for m in _AT_NAME.finditer(text):
            yield _Hit("telegram", m.group(1), m.start(), m.end())


# --------------------------------------------------------------------------- free-standing

_SEP = r"[ \-.·]"
#: Mobile numbers, optionally after 86; each branch led by a literal, look-behinds after it.
_PHONE = re.compile(
    rf"1(?<!\d1)(?<!\d[\-.·]1)(?P<num>{_SEP}?[3-9](?:{_SEP}?\d){{9}})(?!\d)(?![\-.·]\d)"
    rf"|86(?<!\d86)[ \-]?(?P<num86>1{_SEP}?[3-9](?:{_SEP}?\d){{9}})(?!\d)(?![\-.·]\d)"
)
_LANDLINE_FREE = re.compile(
    r"(?:\((?<![\d\-]\()0\d{2,3}\)|0(?<![\d\-]0)\d{2,3}-)[2-8]\d{6,7}(?![\d\-])"
)
#: (kind, pattern, may follow "http(s)://", a string every match holds); the handle is
#: the last group that matched. Few texts hold a link: the string test skips the search.
_LINKS = (
    ("qq", re.compile(r"tencent://[a-z]+/?\?[^\s\"'<>]*?uin=(\d{5,11})"), False, "tencent://"),
    ("qq", re.compile(r"wpa\.qq\.com/[a-z]+\?[^\s\"'<>]*?uin=(\d{5,11})"), True, "wpa.qq.com/"),
    ("telegram", re.compile(r"(?:t|telegram)\.me/@?([a-z][a-z0-9_]{4,31})"), True, ".me/"),
    ("wechat", re.compile(r"wxid_(?<![a-z0-9_]wxid_)[a-z0-9_]{4,24}"), False, "wxid_"),
)
_SCHEME_BEFORE = re.compile(r"(?:https?://)?(?:www\.)?\Z")
_ADDRESS = re.compile(r"(?:t(?<![a-z0-9]t)[1-9a-z]{33}|0x(?<![a-z0-9]0x)[0-9a-f]{40})(?![a-z0-9])")
#: Searches led by one literal are far faster in ``re`` than those led by a set of
#: characters ("1" or "86", "(" or "0", "t" or "0x"): each gate below is such a search
#: for a part every match of its pattern holds, so most texts skip the slow search.
_TRON_GATE = re.compile(r"t[1-9a-z]{33}")
_MOBILE_GATE = re.compile(rf"1{_SEP}?[3-9](?:{_SEP}?\d){{9}}")
_LANDLINE_GATE = re.compile(r"0\d{2,3}[\-)][2-8]\d{6}")
_URL = re.compile(r"https?://[a-z0-9\-._~:/?#@!$&*+,;=%]+")
_SAME_KINDS = ("wechat", "qq", "phone")
_SAME_MARKER = re.compile(r"同号|同微信|就是微信|即微信|即是微信")


def _link_hits(text: str) -> Iterator[_Hit]:
    for kind, pattern, has_scheme, gate in _LINKS:
        for m in pattern.finditer(text) if gate in text else ():
            start = m.start()
            if has_scheme:
                start -= len(_SCHEME_BEFORE.search(text, max(0, start - 12), start).group())
            yield _Hit(kind, m.group(m.lastindex or 0), start, m.end())


def _phone_hits(text: str) -> Iterator[_Hit]:
    for m in _PHONE.finditer(text) if _MOBILE_GATE.search(text) else ():
        start = m.start()
        if m.group("num86") is None:
            value = "1" + _digits(m.group("num"))
        else:
            value = _digits(m.group("num86"))
            start -= text.startswith("+", start - 1)  # +86
        yield _Hit("phone", value, start, m.end())
    for m in _LANDLINE_FREE.finditer(text) if _LANDLINE_GATE.search(text) else ():
        value = _NON_DIGIT.sub("", m.group())
        if not _OFFICIAL_NUMBER.fullmatch(value):
            yield _Hit("phone", value, m.start(), m.end())


def _same_number_hits(text: str, hits: list[_Hit]) -> Iterator[_Hit]:
    """ "电话 139… 微信同号", "手机号就是微信号": the apps named near the marker use that number."""
    numbers = [h for h in hits if h.kind in _SAME_KINDS and _MOBILE.fullmatch(h.value)]
    if not numbers:
        return
    for m in _SAME_MARKER.finditer(text):
        before = [h for h in numbers if h.end <= m.start() and m.start() - h.end <= 30]
        after = [h for h in numbers if h.start >= m.end() and h.start - m.end() <= 12]
        number = before[-1] if before else after[0] if after else None
        if number is None:
            continue
        named = _label_kinds(text[max(0, m.start() - 20) : m.end()])
        for kind in _SAME_KINDS:
            if kind in named or kind == "phone":
                yield _Hit(kind, number.value, number.start, number.end)


#: A bank account: 16-19 digits, maybe split by one separator at a time (★ and full-width
#: digits are gone after normalising). Strict at both ends: not part of a longer number
#: or code ("LJ2026112309150042"), and no further digit group, so a long number run is
#: no account (and no 16-digit slice of one). Led by the digit, look-behinds after it:
#: ``re`` then tries only at digits, three times faster than at every character.
#: Line-local (no separator, look-around or class takes a line break): units read
#: the page's matches.
_BANK_NUMBER = re.compile(
    r"\d(?<![a-z0-9]\d)(?<![0-9][ \-.·]\d)(?:[ \-.·]?\d){15,18}(?![a-z0-9])(?![ \-.·]\d)"
)
_BANK_NUMBER_FOUND = "re:bank_number"
#: What makes such a number an account: a bank, its branch, the account holder, or a
#: named collecting / transfer account ("收款账户", "对公账户", "财务个人卡").
_BANK_CUE = (
    "银行|开户|户名|支行|分行|储蓄卡|借记卡"
    "|(?:收款|对公|转账|汇款|打款|缴费|缴纳|监管|个人|财务)(?:账户|帐户|账号|帐号|卡)"
)
#: What makes it something else: a gift or fuel card (with its PIN), an order or
#: transaction number, a site's record number.
_NOT_BANK_CUE = (
    "e卡|京东卡|卡密|密码|油卡|充值卡|购物卡|礼品卡|超市卡|储值卡|提货卡|一卡通|会员卡"
    "|订单|单号|流水号|交易号|编号|icp|备案|公网安备"
)
_BANK_CONTEXT = re.compile(f"(?P<bank>{_BANK_CUE})|{_NOT_BANK_CUE}")
#: How far (characters, line breaks included) a cue may stand from the number.
_BANK_WINDOW = 20
#: A date up front (20261123140211…) is a timestamp or a serial, not an account.
_DATE_PREFIX = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")


def _bank_context(text: str, start: int, end: int) -> bool:
    """Whether the cue nearest the number at ``text[start:end]`` makes it a bank account.

    The nearest cue before it decides ("农业银行 卡号 6228…" yes, "加油卡卡号 1000…"
    no); with none before, the nearest after ("6217… 中国建设银行", "…卡号 … 密码 8888").
    """
    before = list(_BANK_CONTEXT.finditer(text, max(0, start - _BANK_WINDOW), start))
    cue = before[-1] if before else _BANK_CONTEXT.search(text, end, end + _BANK_WINDOW)
    return cue is not None and cue.group("bank") is not None


def _bank_hits(norm: Normalized) -> Iterator[_Hit]:
    """Bank card and account numbers to transfer to, where a bank cue stands near them.

    A bare long number is as often a gift card, an order or a timestamp: the cue
    nearest the number decides (``_bank_context``). Luhn is not checked: scam pages
    print invented numbers.
    """
    text = norm.text
    for start, end in norm.found(_BANK_NUMBER_FOUND, _BANK_NUMBER):
        value = _digits(text[start:end])
        if not _DATE_PREFIX.match(value) and _bank_context(text, start, end):
            yield _Hit("payment", value, start, end)


class _Claims:
    """Which normalised characters a finding already covers (a handle is reported once)."""

    def __init__(self, size: int) -> None:
        self._taken = bytearray(size)

    def free(self, hit: _Hit) -> bool:
        return self._taken.find(1, hit.start, hit.end) < 0

    def take(self, hits: Iterable[_Hit]) -> list[_Hit]:
        hits = list(hits)
        for hit in hits:
            self._taken[hit.start : hit.end] = b"\x01" * (hit.end - hit.start)
        return hits

    def take_free(self, hits: Iterable[_Hit]) -> list[_Hit]:
        """The hits that overlap nothing taken so far (in order), now taken."""
        kept = []
        for hit in hits:
            if self.free(hit):
                kept.extend(self.take([hit]))
        return kept


def _address_hits(text: str) -> Iterator[_Hit]:
    if "0x" in text or _TRON_GATE.search(text):
        for m in _ADDRESS.finditer(text):
            yield _Hit("payment", m.group(), *m.span())


def _url_hits(text: str) -> Iterator[_Hit]:
    for m in _URL.finditer(text):
        url = m.group().rstrip(".,:;!?")
        yield _Hit("url", url, m.start(), m.start() + len(url))


def _hits(norm: Normalized) -> list[_Hit]:
    """Linked handles, bank accounts and labelled handles first; free-standing numbers
    only where nothing else is."""
    text = norm.text
    claims = _Claims(len(text))
    hits = claims.take(_link_hits(text))
    hits += claims.take_free(_bank_hits(norm))  # before labels: "微信/银行卡 6222…" is a card
    hits += claims.take([h for h in _keyed_hits(norm) if claims.free(h)])
    hits += claims.take_free(_rejoin_hits(norm))
    hits += claims.take_free(_at_name_hits(text))
    hits += claims.take_free(_url_hits(text))
    hits += claims.take_free(_phone_hits(text))
    hits += _same_number_hits(text, hits)
    hits += claims.take_free(_address_hits(text))
    return [h for h in hits if not _OFFICIAL_NUMBER.fullmatch(h.value)]


# --------------------------------------------------------------------------- API


def _original_value(hit: _Hit, original: str) -> str | None:
    """Values whose case matters (wallet addresses, URLs) are taken from the original.

    None when a wallet-shaped value is not a valid address in its original case.
    """
    raw = unicodedata.normalize("NFKC", original).strip()
    if hit.kind == "url":
        return raw
    if hit.kind == "payment" and _WALLET.fullmatch(hit.value):
        compact = re.sub(r"\s", "", raw)
        for pattern in (_TRC20, _ERC20):
            m = pattern.search(compact)
            if m and m.group().lower() == hit.value:
                return m.group()
        return None
    return hit.value


def _to_contacts(hits: Iterable[_Hit], norm: Normalized) -> list[Contact]:
    seen: set[tuple[str, str, int, int]] = set()
    contacts = []
    for hit in hits:
        start, end = norm.span(hit.start, hit.end)
        text = norm.original[start:end]
        value = _original_value(hit, text)
        if value is None:
            continue
        contact = Contact(hit.kind, value, start, end, text)
        key = (contact.kind, contact.value, start, end)
        if key not in seen:
            seen.add(key)
            contacts.append(contact)
    contacts.sort(key=lambda c: (c.start, c.end, KINDS.index(c.kind)))
    return contacts


def find_contacts(text: str | Normalized) -> list[Contact]:
    """Every personal contact handle in ``text``, in order, with original spans.

    Accepts an already normalised text, so that a caller normalising once for
    several detectors does not pay twice; the contacts of a ``Normalized`` are
    found once and kept with it.
    """
    norm = text if isinstance(text, Normalized) else normalize(text)
    found = norm.memo.get("contacts")
    if found is None:  # signal detection and the result both ask, for each page
        found = norm.memo["contacts"] = tuple(_to_contacts(_hits(norm), norm))
    return list(found)


# --------------------------------------------------------------------------- links

_QQ_HOSTS = frozenset({"wpa.qq.com", "wpa.b.qq.com"})
_WEB = frozenset({"http", "https"})
_HANDLE_HOSTS = frozenset({"qm.qq.com", "u.wechat.com", "t.me", "telegram.me"})
#: t.me paths that are Telegram's own pages (invites, stickers, proxies), not a user name.
_TELEGRAM_RESERVED = frozenset(
    {"joinchat", "share", "addstickers", "addemoji", "addtheme", "proxy", "socks", "s", "c", "iv",
     "login", "setlanguage", "confirmphone", "bg", "invoice", "boost"}
)  # fmt: skip


def _plain_url(url: str, parts: SplitResult) -> str:
    """The link with its scheme (and a web link's host) lower-cased, the rest as written.

    Only a web host is case-free: in ``wxp://f2f0AbC`` the "host" is the payment code.
    """
    scheme = parts.scheme.lower()
    rest = url.strip()[len(parts.scheme) :]
    if parts.netloc and scheme in _WEB:
        rest = rest.replace(parts.netloc, parts.netloc.lower(), 1)
    return scheme + rest


def _query_values(query: str, *names: str) -> list[str]:
    pairs = parse_qsl(query, keep_blank_values=True)
    named = [v for k, v in pairs if k.lower() in names]
    return named + [k for k, v in pairs if not v]  # "weixin://dl/chat?abc_123"


def _phone_link(target: str) -> tuple[str, str] | None:
    number = re.sub(r"[\s()+\-.]", "", unquote(target).split(";")[0].split("?")[0])
    phone = _as_phone(number)
    if phone is None or _OFFICIAL_NUMBER.fullmatch(phone):
        return None  # an official line (10086, 400-…) or not a phone number
    return "phone", phone


def link_contact(url: str) -> tuple[str, str] | None:
    """(kind, normalised value) of a contact link, or None for any other link.

    ``tencent://message/?uin=N`` and ``wpa.qq.com/...?uin=N`` give qq N; ``tel:`` and
    ``sms:`` a phone (official numbers are none); ``weixin://`` a WeChat ID when the
    link names one; ``t.me/name`` telegram; Alipay / WeChat Pay links payment (the
    link itself). A contact link without a handle (``weixin://``, ``qm.qq.com`` QR
    keys, ``mailto:``) is kind url, value the link.
    """
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower() if scheme in _WEB else ""
    except ValueError:
        return None
    if scheme in PAYMENT_SCHEMES or host in PAYMENT_HOSTS:
        return "payment", _plain_url(url, parts)
    if scheme in ("tel", "sms"):
        return _phone_link(parts.netloc + parts.path)
    if scheme == "tencent" or host in _QQ_HOSTS:
        for value in _query_values(parts.query, "uin"):
            qq = _as_qq(value.strip())
            if qq:
                return "qq", qq
        return "url", _plain_url(url, parts)
    if scheme == "weixin":
        # An ID is named only by the query or by contacts/profile/<id>; the other
        # paths are the app's own screens (dl/moments, dl/officialaccounts, …).
        words = (parts.netloc + parts.path).strip("/").split("/")
        candidates = _query_values(parts.query, "username", "id", "wxid")
        if words[:2] == ["contacts", "profile"] and len(words) > 2:
            candidates.append(words[2])
        for value in candidates:
            wechat = _as_wechat(unquote(value).strip().lower())
            if wechat:
                return "wechat", wechat
        return "url", _plain_url(url, parts)
    if scheme == "mailto":
        address = unquote(parts.path).strip().lower()
        qq = _as_qq(address) if address.endswith("@qq.com") else None
        if qq:
            return "qq", qq
        return ("url", f"mailto:{address}") if _EMAIL.fullmatch(address) else None
    if host in _HANDLE_HOSTS:
        first = parts.path.strip("/").split("/")[0].lower()
        telegram = host in ("t.me", "telegram.me") and first not in _TELEGRAM_RESERVED
        name = _as_telegram(first) if telegram and not first.startswith("+") else None
        return ("telegram", name) if name else ("url", _plain_url(url, parts))
    return None


def with_link_contacts(contacts: list[Contact], links: Iterable[Link]) -> list[Contact]:
    """``contacts`` (found in the text) and the handles of the page's contact links.

    ``links`` are ``classifier.document.Link``: a link's contact spans its anchor
    text, or is -1/-1 with the link as ``text`` when the anchor has no text in the
    page (those come last). A link whose handle the text already shows at the same
    place (or anywhere, for a link with no place) adds nothing.
    """
    out = list(contacts)
    for link in links:
        found = link_contact(link.url)
        if found is None:
            continue
        kind, value = found
        if any(
            c.kind == kind
            and c.value == value
            and (link.start < 0 or (c.start < link.end and link.start < c.end))
            for c in out
        ):
            continue
        text = link.text if link.start >= 0 else link.url
        out.append(Contact(kind, value, link.start, link.end, text))
    if len(out) == len(contacts):
        return out
    placed = sorted(
        (c for c in out if c.start >= 0), key=lambda c: (c.start, c.end, KINDS.index(c.kind))
    )
    return placed + [c for c in out if c.start < 0]


# --------------------------------------------------------------------------- official

_HOTLINE = re.compile(
    r"(?:10086|10010|10001|13800138000|1010\d{4}|95\d{3}|96\d{3}|12315|12321|12345|12377"
    r"|12381|12395|12306|400[ \-]?\d{3}[ \-]?\d{4}|800[ \-]?\d{3}[ \-]?\d{4})"
    r"(?![\d%.a-z_]|[元块万分个人条次积])"
)
#: What a hotline is not the tail of: a longer number, or a handle ("abc_12345").
_NUMBER_CHARS = (*"0123456789", "-", "_", *"abcdefghijklmnopqrstuvwxyz")
#: 10000 (China Telecom) is also a common amount: only after a word that makes it a number.
_HOTLINE_10000 = re.compile(r"(?:电信|客服|热线|电话|拨打|致电)[:\s]{0,2}(10000)(?!\d)")
_OFFICIAL_ACCOUNT = re.compile(
    r"关注[^。\n,;!?]{0,12}?公众号[\s:“\"「《]*(?P<name>[a-z0-9_\u4e00-\u9fff]{2,20})?"
    r"|公众号[\s:“\"「《]+(?P<name2>[a-z0-9_\u4e00-\u9fff]{2,20})"
)
_OFFICIAL_SERVICE = re.compile(r"官方(?:客服|热线|微信|公众号|app|网站|渠道)")


def _official_hits(norm: Normalized) -> Iterator[_Hit]:
    text = norm.text
    for start, end in norm.found(_HOTLINE_FOUND, _HOTLINE, True):
        if not text.endswith(_NUMBER_CHARS, 0, start):  # not the tail of a number or handle
            yield _Hit("hotline", _NON_DIGIT.sub("", text[start:end]), start, end)
    # The searches below start at common characters (关于, 公司, 电话 …): most texts
    # lack the word every match holds, and one ``in`` says so far faster.
    for m in _HOTLINE_10000.finditer(text) if "10000" in text else ():
        yield _Hit("hotline", "10000", m.start(1), m.end(1))
    for m in _OFFICIAL_ACCOUNT.finditer(text) if "公众号" in text else ():
        name = m.group("name") or m.group("name2") or ""
        yield _Hit("official_account", name, m.start(), m.end())
    for start, end in norm.found(_SERVICE_FOUND, _OFFICIAL_SERVICE, True):
        yield _Hit("official_service", text[start:end], start, end)


def find_official_contacts(text: str | Normalized) -> list[Contact]:
    """Official hotlines, accounts and service channels: evidence *against* a solicitation."""
    norm = text if isinstance(text, Normalized) else normalize(text)
    contacts = []
    for hit in _official_hits(norm):
        start, end = norm.span(hit.start, hit.end)
        contacts.append(Contact(hit.kind, hit.value, start, end, norm.original[start:end]))
    contacts.sort(key=lambda c: (c.start, c.end))
    return contacts


#: The crossing patterns and their memo keys (tests check each one's syntax).
CROSSING = {
    _KEYED: _KEYED_FOUND,
    _REJOIN_HINT: _REJOIN_FOUND,
    _HOTLINE: _HOTLINE_FOUND,
    _OFFICIAL_SERVICE: _SERVICE_FOUND,
}
