"""The benchmarks' input: the corpus page texts, repeated to about a given size."""

from __future__ import annotations

from classifier.inputs import corpus_examples


def corpus_pages(mb: float) -> tuple[list[str], list[str], float]:
    """(the corpus texts, those texts repeated to at least ``mb`` MB, their size in MB).

    Repeating the corpus keeps its mix of page kinds and sizes at any volume.
    """
    texts = corpus_examples().texts
    pages: list[str] = []
    while sum(len(t.encode()) for t in pages) < mb * 1e6:
        pages.extend(texts)
    return texts, pages, sum(len(t.encode()) for t in pages) / 1e6
