"""Word segmentation: jieba's dictionary and algorithm, at rjieba's speed.

rjieba (the jieba-rs binding) gives the same tokens as ``jieba.lcut(text,
HMM=False)`` about 20 times faster; segmentation is the hot path of scoring.
Domain words (``data/dictionaries/domain_words.txt``) are added so that 卡密,
秒结 or 电话微信同号 stay whole.
"""

from __future__ import annotations

from itertools import compress
from pathlib import Path

import numpy as np
import rjieba

DOMAIN_WORDS_FILE = (
    Path(__file__).resolve().parent.parent / "data" / "dictionaries" / "domain_words.txt"
)


def read_words(path: Path = DOMAIN_WORDS_FILE) -> tuple[str, ...]:
    lines = path.read_text("utf-8").splitlines()
    return tuple(w.strip() for w in lines if w.strip() and not w.lstrip().startswith("#"))


class JiebaTokenizer:
    """A picklable callable: text -> tokens (no HMM, no whitespace tokens).

    The rjieba instance is built on first use and not kept in the state, so a
    fitted vectorizer persists as its word list only.
    """

    def __init__(self, words: tuple[str, ...] = ()):
        self.words = tuple(words)
        self._jieba: rjieba.Jieba | None = None

    def _engine(self) -> rjieba.Jieba:
        if self._jieba is None:
            engine = rjieba.Jieba()
            for word in self.words:
                engine.add_word(word, None, None)
            self._jieba = engine
        return self._jieba

    def __call__(self, text: str) -> list[str]:
        return [t for t in self._engine().cut(text, False) if not t.isspace()]

    def with_offsets(self, text: str) -> tuple[list[str], list[int]]:
        """The same tokens and where each starts in ``text``."""
        pieces, starts, keep = self.pieces(text)
        return list(compress(pieces, keep)), starts.tolist()

    def cut(self, text: str) -> list[str]:
        """jieba's pieces of ``text``: its tokens and its whitespace, tiling the text."""
        return self._engine().cut(text, False)

    def pieces(self, text: str) -> tuple[list[str], np.ndarray, np.ndarray]:
        """jieba's pieces of ``text`` (whitespace too), where each token starts, which are tokens.

        Pieces tile the text, so offsets are running sums of their lengths; a
        scorer slices one page's tokens into its blocks with them.
        """
        pieces = self.cut(text)
        keep = np.fromiter(map(str.isspace, pieces), bool, len(pieces))
        np.logical_not(keep, out=keep)
        return pieces, token_starts(pieces, keep, len(text)), keep

    def __getstate__(self) -> dict:
        return {"words": self.words}

    def __setstate__(self, state: dict) -> None:
        self.words = tuple(state["words"])
        self._jieba = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JiebaTokenizer) and other.words == self.words

    def __hash__(self) -> int:
        return hash(self.words)

    def __repr__(self) -> str:
        return f"JiebaTokenizer(<{len(self.words)} domain words>)"


def token_starts(pieces: list[str], keep: np.ndarray, n_chars: int) -> np.ndarray:
    """Where each kept piece starts in the text ``pieces`` tile (``n_chars`` long)."""
    lengths = np.fromiter(map(len, pieces), np.int64, len(pieces))
    ends = np.cumsum(lengths)
    if (int(ends[-1]) if len(ends) else 0) != n_chars:
        raise ValueError("segmentation does not cover the text")
    return (ends - lengths)[keep]
