"""Feature rows of pages and of their scoring units, each page analysed once.

The fitted pipeline (``classifier.model.build_pipeline``) turns a text into
[word TF-IDF | character TF-IDF | signal counts]. Scoring needs those rows for
every page and every unit of it (runs of blocks: the footer, a widget, part of
the article), plus the page's signals and contacts as evidence. Run through
scikit-learn, that meant normalising and detecting signals up to four times per
page and counting n-grams twice, in Python. Here a page is normalised,
segmented and searched for signals once:

- the page row has the pipeline's exact values (``classifier.ngrams``);
- a unit's text features come from the page's normalised text and tokens, cut at
  the unit's edges (units are whole lines, and neither normalisation nor jieba
  looks across a line break, so this is the unit's own text);
- a unit's signal counts are its own: the detectors run on the unit's text, as
  training's pipeline would on that text alone (counting the page's spans
  inside the unit instead was cheaper but let a page's context leak into its
  footer: review FPR 0.033 against 0.009, see docs/benchmarks.md). Two things
  come from the page: whether it has its own on-site flow, so that a support
  WeChat in a platform's footer is judged as the page judges it
  (``detect_signals(..., on_platform=True)``), and whether it talks of a recovery
  trade at all, so that a footer's handle on a recovery page can be contact-only
  (``on_topic``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress

import numpy as np
from scipy import sparse
from sklearn.pipeline import FeatureUnion, Pipeline

from classifier.document import Block, Document, units
from classifier.linear import LinearHead
from classifier.model import SignalFeatures, TextNormalizer, vectorizers
from classifier.ngrams import CharNgrams, Rows, WordNgrams, fold_whitespace, ranges
from classifier.normalize import Normalized, normalize
from classifier.signals import CODES, Signal, detect_signals, on_recovery_topic
from classifier.tokenize import JiebaTokenizer, token_starts

__all__ = ["Featurized", "PageFeaturizer"]


@dataclass
class Featurized:
    """A batch of pages: one feature row per page and per unit, and the evidence found.

    A unit that is its whole page has the page's row: ``rows`` holds each distinct
    row once, so the model scores it once; ``pages`` and ``units`` are views by index.
    """

    rows: sparse.csr_matrix  # every distinct row of the batch
    page_rows: np.ndarray  # per document, its row in ``rows``
    unit_rows: np.ndarray  # the units of every document, in order
    doc_units: list[list[Block]]
    norms: list[Normalized]
    signals: list[list[Signal]]

    @property
    def pages(self) -> sparse.csr_matrix:
        """One row per document."""
        return _take_rows(self.rows, self.page_rows)

    @property
    def units(self) -> sparse.csr_matrix:
        """One row per unit, the units of every document in order."""
        return _take_rows(self.rows, self.unit_rows)


class PageFeaturizer:
    """The fitted pipeline's features for pages and units, and its class probabilities."""

    def __init__(self, pipeline: Pipeline) -> None:
        union = pipeline.named_steps["features"]
        if not isinstance(union, FeatureUnion) or union.transformer_weights:
            raise ValueError("expected the FeatureUnion of classifier.model.build_pipeline")
        (_, text), (_, signals) = union.transformer_list
        if not isinstance(text.named_steps["normalize"], TextNormalizer) or not isinstance(
            signals, SignalFeatures
        ):
            raise ValueError("expected normalised text features and signal counts")
        words, chars = vectorizers(pipeline)
        if not isinstance(words.tokenizer, JiebaTokenizer):
            raise ValueError("expected jieba word tokens")
        self._tokenizer = words.tokenizer
        self._words = WordNgrams(words)
        self._chars = CharNgrams(chars)
        self._char_offset = self._words.n_features
        self._signal_offset = self._char_offset + self._chars.n_features
        self._signal_col = {code: self._signal_offset + i for i, code in enumerate(CODES)}
        self.n_features = self._signal_offset + len(CODES)
        self.head = LinearHead(pipeline.named_steps["classifier"])
        if self.head.n_features != self.n_features:
            raise ValueError(f"{self.head.n_features} weights for {self.n_features} features")
        self.classes_ = self.head.classes_

    def featurize(self, docs: Sequence[Document]) -> Featurized:
        pages: list[_Page] = []
        page_rows: list[int] = []  # per document, its row in ``pages``' rows, in order
        unit_rows: list[int] = []
        doc_units = []
        first = 0
        for doc in docs:
            page = _Page(self, normalize(doc.text))
            page_rows.append(first + page.row(0, len(page.text)))
            us = units(doc)
            unit_rows.extend(first + page.row(unit.start, unit.end, original=True) for unit in us)
            doc_units.append(us)
            pages.append(page)
            first += len(page.rows)
        return Featurized(
            self._matrix(pages),
            np.array(page_rows, np.intp),
            np.array(unit_rows, np.intp),
            doc_units,
            [page.norm for page in pages],
            [page.signals for page in pages],
        )

    def predict_proba(self, rows: sparse.csr_matrix) -> np.ndarray:
        return self.head.predict_proba(rows)

    def _matrix(self, pages: list[_Page]) -> sparse.csr_matrix:
        """Every page's rows, [words | chars | log(1 + signal counts)], as one CSR matrix.

        The batch's characters and tokens are looked up at once, each page's rows
        counted with one sort, and the three parts laid side by side, row by row.
        """
        signal_counts = [counts for page in pages for *_, counts in page.rows]
        per_page = [len(page.rows) for page in pages]
        groups = np.cumsum([0, *per_page])
        # (char start, char end, token start, token end) of every row, in batch positions
        spans = np.array([row[:4] for page in pages for row in page.rows], np.intp).reshape(-1, 4)
        spans[:, :2] += np.repeat(_bases([page.n_chars for page in pages]), per_page)[:, None]
        spans[:, 2:] += np.repeat(_bases([page.n_token_ids for page in pages]), per_page)[:, None]
        char_parts = [part for page in pages for part in page.char_parts]
        columns = self._chars.columns_of_parts(char_parts)
        c = self._chars.rows_of(columns, spans[:, 0], spans[:, 1], groups)
        token_parts = [part for page in pages for part in page.token_parts]
        columns = self._words.columns_of_parts(token_parts)
        w = self._words.rows_of(columns, spans[:, 2], spans[:, 3], groups)
        s = self._signal_rows(signal_counts)
        n_rows = len(signal_counts)
        lengths = [np.diff(part.indptr) for part in (w, c, s)]
        indptr = np.zeros(n_rows + 1, np.int64)
        np.cumsum(lengths[0] + lengths[1] + lengths[2], out=indptr[1:])
        indices = np.empty(indptr[-1], np.int32)
        data = np.empty(indptr[-1], np.float64)
        before = indptr[:-1].copy()  # where each row's next part goes
        for part, offset, n in zip((w, c, s), (0, self._char_offset, 0), lengths, strict=True):
            at = ranges(before, n)
            indices[at] = part.cols + offset
            data[at] = part.values
            before += n
        shape = (n_rows, self.n_features)
        return sparse.csr_matrix((data, indices, indptr.astype(np.int32)), shape)

    def _signal_rows(self, signal_counts: list[dict[str, int]]) -> Rows:
        """The signal part of every row: log(1 + spans) per code present, in ``CODES`` order."""
        cols: list[int] = []
        counts: list[int] = []
        lengths = []
        for found in signal_counts:
            codes = [code for code in CODES if found.get(code)]
            cols.extend(self._signal_col[c] for c in codes)
            counts.extend(found[c] for c in codes)
            lengths.append(len(codes))
        indptr = np.zeros(len(signal_counts) + 1, np.int64)
        np.cumsum(lengths, out=indptr[1:])
        values = np.log1p(np.array(counts, np.float64))
        return Rows(indptr, np.array(cols, np.int64), values)


def _bases(lengths: list[int]) -> list[int]:
    """Where each of several sequences starts when they are laid end to end, one gap apart."""
    bases = np.zeros(len(lengths), np.intp)
    np.cumsum(np.array(lengths[:-1], np.intp) + 1, out=bases[1:])
    return bases


def _take_rows(matrix: sparse.csr_matrix, rows: np.ndarray) -> sparse.csr_matrix:
    """``matrix[rows]``."""
    if not len(rows):
        return sparse.csr_matrix((0, matrix.shape[1]))
    if np.array_equal(rows, np.arange(matrix.shape[0])):
        return matrix
    return matrix[rows]


class _Page:
    """One normalised page: its tokens, n-gram columns and signals, computed once.

    The rows of the page and of its units are stretches of them. ``rows`` holds
    each distinct row once, as (character stretch, token stretch, signal counts);
    a stretch the page's own analysis cannot give (no builder makes those) is
    analysed alone and appended to the page's characters or tokens, after a gap
    no n-gram crosses.
    """

    def __init__(self, featurizer: PageFeaturizer, norm: Normalized) -> None:
        self.f = featurizer
        self.norm = norm
        self.text = norm.text
        self.signals = detect_signals(norm)
        self._on_platform = any(s.code == "onsite_flow" for s in self.signals)
        self._on_topic = on_recovery_topic(norm)
        self._pieces = featurizer._tokenizer.cut(self.text)
        ids, self._keep = featurizer._words.token_ids(self._pieces)
        self.n_tokens = len(ids)
        self._starts: np.ndarray | None = None  # where each token starts, when a unit needs it
        # The page's tokens (ids, and the tokens if n-grams are longer than 2), then any
        # stretch tokenised alone; positions count one between parts (``columns_of_parts``).
        self.token_parts: list[tuple[np.ndarray, list[str] | None]] = []
        self.n_token_ids = 0
        tokens = list(compress(self._pieces, self._keep)) if featurizer._words.max_n > 2 else None
        self._add_token_ids(ids, tokens)
        folded, self.folded_at = fold_whitespace(self.text)
        self.folded_len = len(folded)
        self.char_parts: list[str] = []  # the folded page, then any stretch folded alone
        self.n_chars = 0
        self._add_chars(folded)
        self.rows: list[tuple[int, int, int, int, dict[str, int]]] = []
        self._index: dict[tuple, int] = {}

    def row(self, start: int, end: int, original: bool = False) -> int:
        """The row (its index in ``rows``) of normalised ``text[start:end]`` (original offsets if
        ``original``).

        Signal counts of a part are those of its own text (the page's if it is all of it).
        """
        if original:
            whole = start == 0 and end == len(self.norm.original)
            signals = (
                self.signals
                if whole
                else detect_signals(self.norm.lines(start, end), self._on_platform, self._on_topic)
            )
            signal_counts = _signal_counts(signals)
            start = self.norm.position(start)
            end = self.norm.position(end)
        else:
            signal_counts = _signal_counts(self.signals)
        # Most short pages are one unit spanning the whole text: its row is the page's.
        key = (start, end, tuple(signal_counts.items()))
        k = self._index.get(key)
        if k is None:
            k = self._index[key] = len(self.rows)
            self.rows.append((*self._chars(start, end), *self._words(start, end), signal_counts))
        return k

    def _add_token_ids(self, ids: np.ndarray, tokens: list[str] | None) -> int:
        """Append tokens (one position apart: no n-gram crosses); where they start."""
        start = self.n_token_ids + 1 if self.token_parts else 0
        self.token_parts.append((ids, tokens))
        self.n_token_ids = start + len(ids)
        return start

    def _add_chars(self, folded: str) -> int:
        """Append a folded text (one position apart: no n-gram crosses); where it starts."""
        start = self.n_chars + 1 if self.char_parts else 0
        self.char_parts.append(folded)
        self.n_chars = start + len(folded)
        return start

    def _whole_lines(self, start: int, end: int) -> bool:
        text = self.text
        return (start == 0 or text[start - 1] == "\n") and (end == len(text) or text[end] == "\n")

    def _words(self, start: int, end: int) -> tuple[int, int]:
        if start == 0 and end == len(self.text):
            return 0, self.n_tokens
        if self._whole_lines(start, end):  # neither jieba nor normalisation crosses a line
            if self._starts is None:
                self._starts = token_starts(self._pieces, self._keep, len(self.text))
            first, last = np.searchsorted(self._starts, (start, end)).tolist()
            return first, last
        tokens = self.f._tokenizer(self.text[start:end])  # no builder makes these
        words = self.f._words
        first = self._add_token_ids(words.ids(tokens), tokens if words.max_n > 2 else None)
        return first, first + len(tokens)

    def _chars(self, start: int, end: int) -> tuple[int, int]:
        text = self.text
        if start == 0 and end == len(text):
            return 0, self.folded_len
        if end > start and not text[start].isspace() and not text[end - 1].isspace():
            # A stretch with no whitespace at its edges folds as it does inside the page.
            at = self.folded_at
            return (start, end) if at is None else (int(at[start]), int(at[end - 1]) + 1)
        folded = fold_whitespace(text[start:end])[0]
        first = self._add_chars(folded)
        return first, first + len(folded)


def _signal_counts(signals: list[Signal]) -> dict[str, int]:
    """Spans per code: the signal part of a row."""
    return {s.code: len(s.spans) for s in signals}
