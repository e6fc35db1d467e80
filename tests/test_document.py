"""Documents from plain text, and their scoring units."""

from __future__ import annotations

import re

import pytest

from classifier.document import Block, Document, InputRejected, from_text, units

#: Blank lines of every kind: spaces, ideographic spaces, "\r", separators str.strip removes.
TEXTS = [
    "回收话费卡",
    "回收\n\n加微信 hs88\n",
    "\n\n  \n回收\r\n\u3000\u3000\n秒结\x1c\n\t",
    "a\n\u2028\nb\n\x85\n \u00a0 \nc",
    "回收\n" * 5 + "结尾",
]


@pytest.mark.parametrize("text", TEXTS)
def test_plain_text_blocks_are_its_lines_that_are_not_blank(text: str):
    expected = [
        Block("body", m.start(), m.end()) for m in re.finditer(r"[^\n]+", text) if m.group().strip()
    ]
    assert list(from_text(text).blocks) == expected


def test_text_of_whitespace_and_control_characters_is_empty():
    with pytest.raises(InputRejected, match="empty"):
        from_text(" \n\x00\u3000\x1f\r\n")


def test_units_join_adjacent_blocks_of_one_place_up_to_the_limit():
    blocks = (
        Block("main", 0, 10),
        Block("main", 11, 20),
        Block("footer", 21, 30),
        Block("footer", 31, 60),
        Block("footer", 61, 90),
        Block("widget", 91, 95),
    )
    doc = Document("x" * 95, blocks)
    assert units(doc, max_chars=40) == [
        Block("main", 0, 20),
        Block("footer", 21, 60),
        Block("footer", 61, 90),
        Block("widget", 91, 95),
    ]
    assert units(doc, max_chars=5) == list(blocks)


def test_a_document_without_blocks_is_one_unit():
    assert units(Document("   ", ())) == [Block("body", 0, 3)]
