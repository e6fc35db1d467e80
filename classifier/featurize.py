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
  footer: review FPR 0.033 against 0.009, see docs/benchmarks.md).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.pipeline import FeatureUnion, Pipeline

from classifier.document import Block, Document, units
from classifier.linear import LinearHead
from classifier.model import SignalFeatures, TextNormalizer, vectorizers
from classifier.ngrams import CharNgrams, WordNgrams, fold_whitespace
from classifier.normalize import Normalized, normalize
from classifier.signals import CODES, Signal, detect_signals
from classifier.tokenize import JiebaTokenizer

__all__ = ["Featurized", "PageFeaturizer"]


@dataclass
class Featurized:
    """A batch of pages: one feature row per page and per unit, and the evidence found."""

    pages: sparse.csr_matrix  # one row per document
    units: sparse.csr_matrix  # the units of every document, in order
    doc_units: list[list[Block]]
    norms: list[Normalized]
    signals: list[list[Signal]]


def _normalized_position(norm: Normalized, pos: int) -> int:
    """The first normalised index whose character comes from original ``pos`` or later."""
    lo, hi = 0, len(norm.text)
    while lo < hi:
        mid = (lo + hi) // 2
        if norm.span(mid, mid + 1)[0] < pos:
            lo = mid + 1
        else:
            hi = mid
    return lo


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
        page_rows: list[tuple[np.ndarray, np.ndarray]] = []
        unit_rows: list[tuple[np.ndarray, np.ndarray]] = []
        doc_units, norms, all_signals = [], [], []
        for doc in docs:
            page = _Page(self, normalize(doc.text))
            page_rows.append(page.row(0, len(page.text)))
            us = units(doc)
            unit_rows.extend(page.row(unit.start, unit.end, original=True) for unit in us)
            doc_units.append(us)
            norms.append(page.norm)
            all_signals.append(page.signals)
        return Featurized(
            self._matrix(page_rows), self._matrix(unit_rows), doc_units, norms, all_signals
        )

    def predict_proba(self, rows: sparse.csr_matrix) -> np.ndarray:
        return self.head.predict_proba(rows)

    def _row(
        self,
        words: tuple[np.ndarray, np.ndarray],
        chars: tuple[np.ndarray, np.ndarray],
        signal_counts: dict[str, int],
    ) -> tuple[np.ndarray, np.ndarray]:
        """[words | chars | log(1 + signal counts)] as one sparse row (sorted columns)."""
        word_cols, word_values = words
        char_cols, char_values = chars
        codes = [code for code in CODES if signal_counts.get(code)]
        signal_cols = np.fromiter((self._signal_col[c] for c in codes), np.int64, len(codes))
        signal_values = np.log1p(np.fromiter((signal_counts[c] for c in codes), np.float64))
        cols = np.concatenate([word_cols, char_cols + self._char_offset, signal_cols])
        values = np.concatenate([word_values, char_values, signal_values])
        return cols, values

    def _matrix(self, rows: list[tuple[np.ndarray, np.ndarray]]) -> sparse.csr_matrix:
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum([len(cols) for cols, _ in rows])
        if rows:
            indices = np.concatenate([cols for cols, _ in rows])
            data = np.concatenate([values for _, values in rows])
        else:
            indices, data = np.zeros(0, np.int64), np.zeros(0)
        return sparse.csr_matrix(
            (data, indices.astype(np.int32), indptr.astype(np.int32)),
            shape=(len(rows), self.n_features),
        )


class _Page:
    """One normalised page: its tokens, n-gram columns and signals, computed once.

    The row of any stretch of whole lines is then made of slices of them.
    """

    def __init__(self, featurizer: PageFeaturizer, norm: Normalized) -> None:
        self.f = featurizer
        self.norm = norm
        self.text = norm.text
        self.signals = detect_signals(norm)
        self.tokens, self.starts = featurizer._tokenizer.with_offsets(self.text)
        self.word_columns = featurizer._words.columns(self.tokens)
        folded, self.folded_at = fold_whitespace(self.text)
        self.folded_len = len(folded)
        self.char_columns = featurizer._chars.columns(folded)
        self._rows: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}

    def row(self, start: int, end: int, original: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """The row of normalised ``text[start:end]`` (original offsets if ``original``).

        Signal counts of a part are those of its own text (the page's if it is all of it).
        """
        if original:
            whole = start == 0 and end == len(self.norm.original)
            signals = self.signals if whole else detect_signals(self.norm.lines(start, end))
            signal_counts = _signal_counts(signals)
            start = _normalized_position(self.norm, start)
            end = _normalized_position(self.norm, end)
        else:
            signal_counts = _signal_counts(self.signals)
        # Most short pages are one unit spanning the whole text: its row is the page's.
        key = (start, end, tuple(signal_counts.items()))
        row = self._rows.get(key)
        if row is None:
            row = self.f._row(self._words(start, end), self._chars(start, end), signal_counts)
            self._rows[key] = row
        return row

    def _whole_lines(self, start: int, end: int) -> bool:
        text = self.text
        return (start == 0 or text[start - 1] == "\n") and (end == len(text) or text[end] == "\n")

    def _words(self, start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
        words = self.f._words
        if start == 0 and end == len(self.text):
            return words.row_of(self.word_columns, 0, len(self.tokens))
        if self._whole_lines(start, end):  # neither jieba nor normalisation crosses a line
            i, j = bisect_left(self.starts, start), bisect_left(self.starts, end)
            return words.row_of(self.word_columns, i, j)
        return words.row(self.f._tokenizer(self.text[start:end]))  # no builder makes these

    def _chars(self, start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
        chars, text = self.f._chars, self.text
        if start == 0 and end == len(text):
            return chars.row_of(self.char_columns, 0, self.folded_len)
        if end > start and not text[start].isspace() and not text[end - 1].isspace():
            # A stretch with no whitespace at its edges folds as it does inside the page.
            at = self.folded_at
            a, b = (start, end) if at is None else (int(at[start]), int(at[end - 1]) + 1)
            return chars.row_of(self.char_columns, a, b)
        return chars.row(text[start:end])


def _signal_counts(signals: list[Signal]) -> dict[str, int]:
    """Spans per code: the signal part of a row."""
    return {s.code: len(s.spans) for s in signals}
