"""TF-IDF rows equal to a fitted ``TfidfVectorizer``'s, without its per-n-gram Python loop.

scikit-learn builds every n-gram as a string and looks it up in the vocabulary
with a ``try``/``except`` per miss; that was about 60% of scoring time. Here
character n-grams are packed into integers (21 bits per code point) and looked
up all at once in a hash table (``classifier.intmap``); word n-grams cost one
``dict.get`` per token, and token pairs are looked up as packed integers too.
Counting, sublinear tf, idf and the l2 norm are the vectorizer's own, so the
values match ``vectorizer.transform`` (tests check it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise, repeat
from typing import NamedTuple

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from classifier.intmap import IntMap

__all__ = [
    "CharNgrams",
    "Counts",
    "Rows",
    "WordNgrams",
    "fold_whitespace",
    "ranges",
    "stretch_counts",
    "tfidf_values",
]

#: scikit-learn's whitespace folding before character n-grams (``_VectorizerMixin``).
_WHITE_SPACES = re.compile(r"\s\s+")
_BITS = 21  # every code point + 1 fits in 21 bits, so three fit in an int64
_MAX_CHAR_N = 3
#: The whitespace pieces jieba makes: every whitespace character (``str.isspace``; none
#: is above U+3000) and "\r\n". They are looked up with the tokens, as id ``_SPACE``.
_SPACE_PIECES = (*(c for c in map(chr, range(0x3001)) if c.isspace()), "\r\n")
_SPACE = -2
#: Column arrays are int32: vocabularies are far below 2**31 columns, and sorting
#: (counting a row's n-grams) takes half the time it takes on int64.
_COL = np.int32


def _require(vectorizer: TfidfVectorizer, analyzer: str) -> None:
    """Refuse settings this module does not reproduce (the default model uses none of them)."""
    if vectorizer.analyzer != analyzer:
        raise ValueError(f"expected analyzer={analyzer!r}, got {vectorizer.analyzer!r}")
    unsupported = {
        "lowercase": vectorizer.lowercase,
        "preprocessor": vectorizer.preprocessor is not None,
        "strip_accents": vectorizer.strip_accents is not None,
        "stop_words": vectorizer.stop_words is not None,
        "binary": vectorizer.binary,
        "input": vectorizer.input != "content",
        "norm": vectorizer.norm not in ("l2", None),
    }
    bad = sorted(name for name, on in unsupported.items() if on)
    if bad:
        raise ValueError(f"vectorizer settings not supported by the fast path: {bad}")


def _check_width(n_features: int) -> None:
    if n_features >= np.iinfo(_COL).max:
        raise ValueError(f"{n_features} columns do not fit the column type {_COL.__name__}")


class _Weights:
    """Counts -> the vectorizer's TF-IDF values (sublinear tf, idf, l2 norm)."""

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        self.sublinear = bool(vectorizer.sublinear_tf)
        self.idf = np.asarray(vectorizer.idf_, dtype=np.float64) if vectorizer.use_idf else None
        self.l2 = vectorizer.norm == "l2"

    def __call__(self, rows: Counts) -> Rows:
        return Rows(rows.indptr, rows.cols, tfidf_values(rows, self.idf, self.sublinear, self.l2))


class Counts(NamedTuple):
    """Rows of n-gram counts, CSR-like: row k is ``cols[indptr[k]:indptr[k + 1]]`` (sorted)."""

    indptr: np.ndarray
    cols: np.ndarray
    counts: np.ndarray


class Rows(NamedTuple):
    """Rows of TF-IDF values, CSR-like as ``Counts``."""

    indptr: np.ndarray
    cols: np.ndarray
    values: np.ndarray

    def row(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = self.indptr[k], self.indptr[k + 1]
        return self.cols[a:b].astype(np.int64), self.values[a:b]


def tfidf_values(rows: Counts, idf: np.ndarray | None, sublinear: bool, l2: bool) -> np.ndarray:
    """TF-IDF values of every row, in ``TfidfTransformer.transform``'s order of operations.

    The l2 norm is one ``np.dot`` per row, as it was computed row by row: the
    same summation, so the same last bits.
    """
    values = rows.counts.astype(np.float64)
    if sublinear:
        np.log(values, out=values)
        values += 1.0
    if idf is not None:
        values *= idf[rows.cols]
    if l2 and len(values):
        bounds = rows.indptr.tolist()
        dot = np.dot
        norms = np.array([dot(values[a:b], values[a:b]) for a, b in pairwise(bounds)], np.float64)
        np.sqrt(norms, out=norms)
        norms[norms == 0] = 1.0
        values /= np.repeat(norms, np.diff(rows.indptr))
    return values


def ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``concatenate([arange(s, s + n) for s, n in zip(starts, lengths)])``, without the loop."""
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, np.intp)
    offsets = np.cumsum(lengths) - lengths
    return np.arange(total, dtype=np.intp) + np.repeat(starts - offsets, lengths)


def stretch_counts(
    columns: list[np.ndarray],
    min_n: int,
    n_features: int,
    starts: Sequence[int],
    ends: Sequence[int],
    groups: Sequence[int] | None = None,
) -> Counts:
    """Per stretch ``[starts[k], ends[k])`` of positions, the n-grams that lie inside it.

    ``columns`` is per n the column (-1: none) of the n-gram at each position.
    The stretches are counted with array operations on (stretch, column) keys,
    sorted in runs of stretches (``groups``: boundaries in stretch numbers, e.g.
    a page and its units): a sort of a few thousand keys is several times faster
    per key than one sort of a whole batch, and the arrays stay in cache.
    """
    starts = np.asarray(starts, np.intp).tolist()
    ends = np.asarray(ends, np.intp).tolist()
    n_rows = len(starts)
    wide = n_rows * n_features >= np.iinfo(np.int32).max
    key_type = np.int64 if wide else np.int32
    row_keys = np.arange(n_rows, dtype=key_type) * n_features
    groups = [0, n_rows] if groups is None else np.asarray(groups).tolist()
    by_n = list(enumerate(columns, min_n))
    keys = []
    for first, last in pairwise(groups):
        # The group's n-grams, stretch by stretch: slices of the column arrays.
        parts, sizes = [], []
        for a, b in zip(starts[first:last], ends[first:last], strict=True):
            size = 0
            for n, cols in by_n:
                part = cols[a : max(a, b - n + 1)]
                parts.append(part)
                size += len(part)
            sizes.append(size)
        if parts:
            found = np.concatenate(parts)
            key = np.repeat(row_keys[first:last], sizes) + found
            key = key[found >= 0]
            key.sort()
            keys.append(key)
    key = np.concatenate(keys) if keys else np.zeros(0, key_type)
    first = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]])) if len(key) else key
    counts = np.diff(np.append(first, len(key)))
    key = key[first]
    rows = key // n_features
    indptr = np.zeros(n_rows + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    return Counts(indptr, (key - rows * n_features).astype(_COL), counts)


def _code_points(text: str) -> np.ndarray:
    """Code point + 1 of every character (0 is left free to mean "no character")."""
    raw = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    points = raw.astype(np.int64)
    points += 1
    return points


class _Ngrams:
    """Rows of stretches of a text (characters or tokens) from its n-gram columns."""

    min_n: int
    n_features: int
    _weights: _Weights

    def row_of(
        self, columns: list[np.ndarray], start: int, end: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The row of positions ``[start, end)``, from ``columns(...)``."""
        return self.rows_of(columns, [start], [end]).row(0)

    def rows_of(
        self,
        columns: list[np.ndarray],
        starts: Sequence[int],
        ends: Sequence[int],
        groups: Sequence[int] | None = None,
    ) -> Rows:
        """The rows of positions ``[starts[k], ends[k])``, from ``columns(...)``
        (``groups``: see ``stretch_counts``)."""
        counts = stretch_counts(columns, self.min_n, self.n_features, starts, ends, groups)
        return self._weights(counts)


class CharNgrams(_Ngrams):
    """Character n-gram TF-IDF rows (``analyzer="char"``, n up to 3) of a fitted vectorizer."""

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        _require(vectorizer, "char")
        self.min_n, self.max_n = vectorizer.ngram_range
        if not 1 <= self.min_n <= self.max_n <= _MAX_CHAR_N:
            raise ValueError(f"character n-grams up to {_MAX_CHAR_N} only")
        terms = list(vectorizer.vocabulary_)
        cols = np.fromiter(vectorizer.vocabulary_.values(), np.int64, len(terms))
        keys = self._term_keys(terms)
        lens = np.fromiter(map(len, terms), np.int64, len(terms))
        # Per n, a map from the packed n-gram to its column; for n = 1 a table
        # indexed by code point + 1 (its last entry: -1, none).
        self._maps = {n: IntMap(keys[lens == n], cols[lens == n]) for n in range(2, self.max_n + 1)}
        if self.min_n == 1:
            single = keys[lens == 1]
            self._single = np.full(int(single.max()) + 2 if len(single) else 1, -1, _COL)
            self._single[single] = cols[lens == 1]
        self.n_features = len(terms)
        _check_width(self.n_features)
        self._weights = _Weights(vectorizer)

    @staticmethod
    def _term_keys(terms: list[str]) -> np.ndarray:
        """Each vocabulary term packed as ``columns`` packs the same n-gram of a text."""
        if not terms:
            return np.zeros(0, np.int64)
        lens = np.fromiter(map(len, terms), np.int64, len(terms))
        if lens.max() > _MAX_CHAR_N:
            raise ValueError("vocabulary term longer than the n-gram range")
        padded = np.array(terms, dtype=f"U{_MAX_CHAR_N}").view(np.uint32)
        points = padded.reshape(len(terms), _MAX_CHAR_N).astype(np.int64) + 1
        keys = points[:, 0].copy()
        for j in range(1, _MAX_CHAR_N):
            keys = np.where(lens > j, (keys << _BITS) | points[:, j], keys)
        return keys

    def columns(self, folded: str) -> list[np.ndarray]:
        """Per n, the vocabulary column (-1: none) of the n-gram starting at each position.

        ``folded`` is already whitespace-folded (``fold_whitespace``); the rows of
        the text and of any stretch of it are then slices of these arrays.
        """
        return self._columns(_code_points(folded))

    def columns_of_parts(self, parts: Sequence[str]) -> list[np.ndarray]:
        """``columns`` of the folded texts one after the other, with one position between
        two of them that no n-gram crosses (part k starts after ``len(part) + 1`` per part before).
        """
        c = _code_points("\0".join(parts))  # one encoding for the batch
        if len(parts) > 1:
            lengths = np.fromiter(map(len, parts), np.intp, len(parts))
            c[np.cumsum(lengths[:-1] + 1) - 1] = 0  # the gaps: code point + 1 = 0, no character
        return self._columns(c)

    def _columns(self, c: np.ndarray) -> list[np.ndarray]:
        out = []
        for n in range(self.min_n, self.max_n + 1):
            if len(c) < n:
                out.append(np.full(0, -1, _COL))
            elif n == 1:
                out.append(self._single[np.minimum(c, len(self._single) - 1)])
            else:
                key = c[: len(c) - n + 1].copy()
                for j in range(1, n):
                    key = (key << _BITS) | c[j : len(c) - n + 1 + j]
                out.append(self._maps[n].get(key))
        return out

    def row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(sorted columns, TF-IDF values): the row ``vectorizer.transform([text])`` gives."""
        folded = fold_whitespace(text)[0]
        return self.row_of(self.columns(folded), 0, len(folded))


class WordNgrams(_Ngrams):
    """Word n-gram TF-IDF rows of a fitted vectorizer, from already made tokens."""

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        _require(vectorizer, "word")
        self.min_n, self.max_n = vectorizer.ngram_range
        self._vocab: dict[str, int] = vectorizer.vocabulary_
        self.n_features = len(self._vocab)
        _check_width(self.n_features)
        self._weights = _Weights(vectorizer)
        self._index_pairs()

    def _index_pairs(self) -> None:
        """Token ids for every word of a unigram or bigram term, and bigrams as id pairs.

        A text's tokens are then looked up once each; its unigram columns and
        bigram keys are array arithmetic on their ids. A bigram term is "a b" for
        every split at a space (a token could hold a space), so a pair (a, b) is
        found exactly when ``" ".join((a, b))`` is in the vocabulary.
        """
        ids: dict[str, int] = {}
        unigrams: list[tuple[int, int]] = []
        pairs: list[tuple[int, int, int]] = []
        for term, col in self._vocab.items():
            if term.count(" ") == 0:
                unigrams.append((ids.setdefault(term, len(ids)), col))
            for at in (i for i, ch in enumerate(term) if ch == " "):
                a = ids.setdefault(term[:at], len(ids))
                b = ids.setdefault(term[at + 1 :], len(ids))
                pairs.append((a, b, col))
        self._ids = ids
        self._piece_ids = {**ids, **dict.fromkeys(_SPACE_PIECES, _SPACE)}
        self._n_ids = max(len(ids), 1)
        self._unigram_col = np.full(len(ids) + 1, -1, _COL)  # id -1 (unknown) -> last
        for i, col in unigrams:
            self._unigram_col[i] = col
        keys = np.array([a * self._n_ids + b for a, b, _ in pairs], np.int64)
        self._pairs = IntMap(keys, np.array([c for _, _, c in pairs], _COL))

    def ids(self, tokens: Sequence[str]) -> np.ndarray:
        """Every token's id (-1: in no term); whitespace is never in a term."""
        return np.fromiter(map(self._ids.get, tokens, repeat(-1)), np.int64, len(tokens))

    def token_ids(self, pieces: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The ids of the tokens among jieba's ``pieces`` (whitespace dropped, as the
        tokenizer drops it), and which pieces are tokens.

        One dictionary pass gives both: whitespace pieces are in the table, with
        id ``_SPACE``. A whitespace piece it does not hold would be among the
        unknown pieces (id -1, about one in ten); if there is one, ``str.isspace``
        decides for every piece, as ``JiebaTokenizer.pieces`` does.
        """
        ids = np.fromiter(map(self._piece_ids.get, pieces, repeat(-1)), np.int64, len(pieces))
        unknown = np.flatnonzero(ids == -1).tolist()
        if unknown and any(map(str.isspace, map(pieces.__getitem__, unknown))):
            keep = np.fromiter(map(str.isspace, pieces), bool, len(pieces))
            np.logical_not(keep, out=keep)
        else:
            keep = ids != _SPACE
        return ids[keep], keep

    def columns(
        self, tokens: Sequence[str] | None, ids: np.ndarray | None = None
    ) -> list[np.ndarray]:
        """Per n, the column (-1: none) of the n-gram starting at each token.

        N-grams are the tokens joined by spaces, as scikit-learn joins them. Given
        their ``ids``, the tokens themselves are needed for n > 2 only; an id -1
        between two texts keeps n-grams from crossing (for n > 2, a token "\\n").
        """
        if ids is None:
            ids = self.ids(tokens)
        out = []
        for n in range(self.min_n, self.max_n + 1):
            if n == 1:
                out.append(self._unigram_col[ids])
            elif n == 2:
                out.append(self._bigram_columns(ids))
            else:
                get = self._vocab.get
                found = (get(" ".join(tokens[i : i + n]), -1) for i in range(len(tokens) - n + 1))
                out.append(np.fromiter(found, _COL))
        return out

    def columns_of_parts(
        self, parts: Sequence[tuple[np.ndarray, list[str] | None]]
    ) -> list[np.ndarray]:
        """``columns`` of several token sequences (ids, tokens or None if n <= 2) one after
        the other, with one position between two of them that no n-gram crosses.
        """
        ids: list[np.ndarray] = []
        tokens: list[str] = []
        gap = np.full(1, -1, np.int64)
        for k, (part_ids, part_tokens) in enumerate(parts):
            ids.extend((gap, part_ids) if k else (part_ids,))
            if self.max_n > 2:
                tokens.extend(["\n", *part_tokens] if k else part_tokens)  # "\n": in no term
        return self.columns(tokens, np.concatenate(ids) if ids else np.zeros(0, np.int64))

    def _bigram_columns(self, ids: np.ndarray) -> np.ndarray:
        if len(ids) < 2:
            return np.full(0, -1, _COL)
        a, b = ids[:-1], ids[1:]
        return self._pairs.get(np.where((a >= 0) & (b >= 0), a * self._n_ids + b, -1))

    def row(self, tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(sorted columns, TF-IDF values) of the n-grams of ``tokens``."""
        return self.row_of(self.columns(tokens), 0, len(tokens))


def fold_whitespace(text: str) -> tuple[str, np.ndarray | None]:
    """``text`` with runs of whitespace folded to one space, as scikit-learn's char analyzer does,
    and where each character went (``None``: nowhere moved).

    ``at[p]`` is the folded position of character ``p`` (meaningful for characters
    that are kept: non-whitespace, or the first of a run).
    """
    runs = [(m.start(), m.end()) for m in _WHITE_SPACES.finditer(text)]
    if not runs:
        return text, None
    shift = np.zeros(len(text) + 1, np.int64)
    for a, b in runs:
        shift[b] += b - a - 1
    at = np.arange(len(text) + 1, dtype=np.int64) - np.cumsum(shift)
    return _WHITE_SPACES.sub(" ", text), at
