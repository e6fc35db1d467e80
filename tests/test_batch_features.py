"""Rows made for a whole batch at once equal the pipeline's rows of each text alone.

``PageFeaturizer`` looks up a batch's characters and tokens together and counts
a page with its units in one sort; a stretch it cannot cut from its page (a
unit with whitespace at an edge) is analysed alone, appended after a gap. These
texts put such units next to ordinary ones, in one batch.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from classifier.document import document
from classifier.featurize import PageFeaturizer
from classifier.ngrams import stretch_counts

#: Lines with leading or trailing spaces and tabs, CRLF line ends, blank lines,
#: astral characters, a one-character page, and a page of only ordinary lines.
BATCH_TEXTS = [
    "  高价回收话费卡\n\t加微信 hs188  \n\n秒结 京东E卡\t\n",
    "回收\r\n话费卡\r\n加 QQ 12345678\r\n",
    "卡",
    "𠮷野家 回收 😀\n   \n 长期大量收 购物卡  ",
    "正规平台回收京东E卡，官方渠道\n联系我们\n备案号 京ICP备12345678号",
]


def test_a_batch_gives_each_pages_and_units_own_rows(scorer):
    pipeline = scorer.model.text_model
    docs = [document(text=t) for t in BATCH_TEXTS]
    got = PageFeaturizer(pipeline).featurize(docs)
    features = pipeline.named_steps["features"]
    expected_pages = sparse.csr_matrix(features.transform([d.text for d in docs]))
    np.testing.assert_allclose(got.pages.toarray(), expected_pages.toarray(), rtol=0, atol=1e-12)
    unit_texts = [d.block_text(u) for d, us in zip(docs, got.doc_units, strict=True) for u in us]
    assert any(t != t.strip() for t in unit_texts)  # units cut at whitespace are in the batch
    expected_units = sparse.csr_matrix(features.transform(unit_texts))
    np.testing.assert_allclose(got.units.toarray(), expected_units.toarray(), rtol=0, atol=1e-12)


def test_a_batch_gives_what_each_page_gives_alone(scorer):
    featurizer = PageFeaturizer(scorer.model.text_model)
    docs = [document(text=t) for t in BATCH_TEXTS]
    together = featurizer.featurize(docs)
    for i, doc in enumerate(docs):
        alone = featurizer.featurize([doc])
        for name in ("pages", "units"):
            a, b = getattr(alone, name), getattr(together, name)
            if name == "pages":
                b = b[i]
            else:
                first = sum(len(us) for us in together.doc_units[:i])
                b = b[first : first + len(together.doc_units[i])]
            np.testing.assert_array_equal(a.indptr, b.indptr)
            np.testing.assert_array_equal(a.indices, b.indices)
            np.testing.assert_array_equal(a.data, b.data)  # the same bits


def test_an_empty_batch_has_no_rows(scorer):
    got = PageFeaturizer(scorer.model.text_model).featurize([])
    assert got.pages.shape[0] == got.units.shape[0] == 0
    assert len(scorer.solicitation_scores([])) == 0


def test_stretches_counted_in_groups_equal_counted_alone():
    rng = np.random.default_rng(3)
    columns = [rng.integers(-1, 50, 300 - n + 1).astype(np.int32) for n in (1, 2, 3)]
    starts = rng.integers(0, 300, 40)
    ends = np.minimum(starts + rng.integers(0, 60, 40), 300)
    groups = [0, 5, 6, 6, 25, 40]
    together = stretch_counts(columns, 1, 50, starts, ends, groups)
    for k, (a, b) in enumerate(zip(starts, ends, strict=True)):
        alone = stretch_counts(columns, 1, 50, [a], [b])
        lo, hi = together.indptr[k], together.indptr[k + 1]
        np.testing.assert_array_equal(together.cols[lo:hi], alone.cols)
        np.testing.assert_array_equal(together.counts[lo:hi], alone.counts)
        found = np.concatenate([cols[a : max(a, b - n + 1)] for n, cols in enumerate(columns, 1)])
        cols, counts = np.unique(found[found >= 0], return_counts=True)
        np.testing.assert_array_equal(alone.cols, cols)
        np.testing.assert_array_equal(alone.counts, counts)
