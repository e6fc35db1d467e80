"""The fast feature path gives the fitted scikit-learn pipeline's own numbers.

``classifier.ngrams``, ``classifier.linear`` and ``classifier.featurize`` replace
``Pipeline.transform`` / ``predict_proba`` when scoring; every value they produce
is compared here with what scikit-learn computes from the same fitted objects.
"""

from __future__ import annotations

from itertools import compress

import numpy as np
import pytest
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from classifier.document import Document, document, from_html, units
from classifier.featurize import PageFeaturizer
from classifier.linear import LinearHead
from classifier.model import (
    CompactTfidfVectorizer,
    build_pipeline,
    linear_classifier,
    vectorizers,
)
from classifier.ngrams import CharNgrams, WordNgrams, fold_whitespace
from classifier.normalize import normalize
from classifier.tokenize import JiebaTokenizer
from corpus.manifest import Site
from tests.test_classifier_core import toy_corpus

#: Texts that stress the edges: whitespace runs, astral characters, empty, one character.
ODD_TEXTS = [
    "",
    "a",
    "  \t\n\n 回收  话费卡\r\n\n微信  ",
    "加微信😀 hs88 😀😀 秒结 𠮷野家 𠮷",
    "卡" * 40,
    "高价回收话费卡，加微信 hs188 秒结\n\n\n长期大量收 京东E卡",
]


def corpus_docs(sites: list[Site], per_site: int = 3) -> list[Document]:
    """Pages as the scorer and training see them: the crawler's text and blocks."""
    return [
        from_html(p.read_text(), f"http://{s.id}.invalid{p.path}")
        for s in sites
        for p in s.pages[:per_site]
    ]


def assert_same_rows(expected: sparse.spmatrix, rows: list[tuple[np.ndarray, np.ndarray]]):
    expected = sparse.csr_matrix(expected)
    expected.sort_indices()
    assert expected.shape[0] == len(rows)
    for i, (cols, values) in enumerate(rows):
        row = expected[i]
        np.testing.assert_array_equal(cols, row.indices, err_msg=f"row {i}")
        np.testing.assert_allclose(values, row.data, rtol=0, atol=1e-12, err_msg=f"row {i}")


#: The texts the small vectorizers below are fitted on.
FIT_TEXTS = [*ODD_TEXTS, *toy_corpus(2)[0]]
TOKENIZER = JiebaTokenizer(("秒结",))


def char_vectorizer() -> CompactTfidfVectorizer:
    return CompactTfidfVectorizer(
        analyzer="char", ngram_range=(1, 3), min_df=1, sublinear_tf=True, lowercase=False
    ).fit(FIT_TEXTS)


def word_vectorizer() -> CompactTfidfVectorizer:
    return CompactTfidfVectorizer(
        tokenizer=TOKENIZER, token_pattern=None, lowercase=False, ngram_range=(1, 2),
        min_df=1, sublinear_tf=True,
    ).fit(FIT_TEXTS)  # fmt: skip


def test_character_ngrams_equal_the_vectorizers_on_odd_text():
    vectorizer = char_vectorizer()
    fast = CharNgrams(vectorizer)
    probes = [*FIT_TEXTS, "未见过的字 and unseen", "\n\n\n"]
    assert_same_rows(vectorizer.transform(probes), [fast.row(t) for t in probes])


def test_word_ngrams_equal_the_vectorizers_on_odd_text():
    vectorizer = word_vectorizer()
    fast = WordNgrams(vectorizer)
    probes = [*FIT_TEXTS, "未见过的词", "秒结 秒结 秒结"]
    assert_same_rows(vectorizer.transform(probes), [fast.row(TOKENIZER(t)) for t in probes])


def test_rows_of_stretches_are_slices_of_the_whole_texts_columns():
    """Units are scored from their page's n-gram columns: a stretch's row, from a slice."""
    chars = char_vectorizer()
    fast_chars = CharNgrams(chars)
    tokenizer = TOKENIZER
    fast_words = WordNgrams(word_vectorizer())
    page = fold_whitespace("\n".join(FIT_TEXTS))[0]
    columns = fast_chars.columns(page)
    tokens = tokenizer(page)
    word_columns = fast_words.columns(tokens)
    for a, b in [(0, 1), (0, 7), (3, 40), (100, 101), (len(page) - 9, len(page)), (5, 5)]:
        expected = chars.transform([page[a:b]])
        assert_same_rows(expected, [fast_chars.row_of(columns, a, b)])
    for i, j in [(0, 1), (0, 2), (4, 30), (len(tokens) - 3, len(tokens)), (7, 7)]:
        expected = fast_words.row(tokens[i:j])
        got = fast_words.row_of(word_columns, i, j)
        np.testing.assert_array_equal(got[0], expected[0])
        np.testing.assert_allclose(got[1], expected[1], rtol=0, atol=1e-12)


def test_tokens_with_offsets_are_the_tokenizers_tokens():
    tokenizer = JiebaTokenizer(("秒结",))
    for text in ODD_TEXTS:
        tokens, starts = tokenizer.with_offsets(text)
        assert tokens == tokenizer(text)
        assert [text[s : s + len(t)] for t, s in zip(tokens, starts, strict=True)] == tokens


#: Every whitespace character, alone and in runs, and "\r\n", between words.
ALL_SPACES = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
SPACE_TEXTS = [*ODD_TEXTS, f"回收{ALL_SPACES}话费卡 秒结\r\n微信", "卡" + "卡 ".join(ALL_SPACES)]


def test_token_ids_are_the_ids_of_the_tokenizers_tokens():
    """One lookup of jieba's pieces gives the tokens' ids and which pieces are whitespace."""
    fast = WordNgrams(word_vectorizer())
    for text in SPACE_TEXTS:
        pieces = TOKENIZER.cut(text)
        ids, keep = fast.token_ids(pieces)
        assert list(compress(pieces, keep)) == TOKENIZER(text)
        np.testing.assert_array_equal(ids, fast.ids(TOKENIZER(text)))


def test_token_ids_of_whitespace_pieces_jieba_does_not_make():
    """A whitespace piece outside the lookup table (a run, say) is still not a token."""
    fast = WordNgrams(word_vectorizer())
    pieces = ["回收", "  ", "秒结", "\u3000\u3000", "未见过", "\n"]
    ids, keep = fast.token_ids(pieces)
    assert keep.tolist() == [True, False, True, False, True, False]
    np.testing.assert_array_equal(ids, fast.ids(["回收", "秒结", "未见过"]))


def test_settings_the_fast_path_does_not_reproduce_are_refused():
    with pytest.raises(ValueError, match="lowercase"):
        CharNgrams(CompactTfidfVectorizer(analyzer="char", lowercase=True).fit(["回收"]))
    with pytest.raises(ValueError, match="n-grams up to 3"):
        too_long = CompactTfidfVectorizer(analyzer="char", ngram_range=(1, 4), lowercase=False)
        CharNgrams(too_long.fit(["回收"]))
    with pytest.raises(ValueError, match="analyzer"):
        WordNgrams(CompactTfidfVectorizer(analyzer="char", lowercase=False).fit(["回收"]))


def test_default_model_ngrams_equal_its_vectorizers(scorer, sites: list[Site]):
    words, chars = vectorizers(scorer.model.text_model)
    texts = [normalize(d.text).text for d in corpus_docs(sites, 2)] + ODD_TEXTS
    assert_same_rows(chars.transform(texts), [CharNgrams(chars).row(t) for t in texts])
    fast_words = WordNgrams(words)
    assert_same_rows(words.transform(texts), [fast_words.row(words.tokenizer(t)) for t in texts])


@pytest.mark.parametrize(
    ("linear", "calibrate"), [("logreg", True), ("logreg", False), ("svc", True)]
)
@pytest.mark.parametrize("classes", [2, 3])
def test_linear_head_equals_predict_proba(linear: str, calibrate: bool, classes: int):
    texts, labels = toy_corpus(6)
    if classes == 3:  # a third class, so the multinomial / one-vs-rest paths run
        labels = ["platform" if i % 10 in (3, 8) else label for i, label in enumerate(labels)]
    pipeline = build_pipeline(words=("秒结",), calibrate=calibrate, linear=linear)
    pipeline.fit(texts, labels)
    x = pipeline.named_steps["features"].transform(texts + ODD_TEXTS)
    classifier = pipeline.named_steps["classifier"]
    expected = classifier.predict_proba(x)
    head = LinearHead(classifier)
    np.testing.assert_allclose(head.predict_proba(x), expected, rtol=0, atol=1e-9)
    np.testing.assert_allclose(head.predict_proba(x.toarray()), expected, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(head.classes_, classifier.classes_)
    head._complete = False  # the general per-fold loop (folds missing a class) agrees too
    np.testing.assert_allclose(head.predict_proba(x), expected, rtol=0, atol=1e-9)


@pytest.mark.parametrize("linear", ["logreg", "svc"])
def test_linear_head_with_a_calibration_fold_that_saw_two_of_three_classes(linear: str):
    """Site-grouped calibration folds on a small corpus can leave a class out of one fold.

    That fold's estimator is binary: one decision column, which scikit-learn
    calibrates as its first class; the head pairs it the same way.
    """
    texts, labels = toy_corpus(6)
    x = build_pipeline(words=()).named_steps["features"].fit_transform(texts)
    labels = np.asarray(labels)
    informational = np.flatnonzero(labels == "informational")
    labels[informational[::3]] = "platform"  # a third class, as in the corpus
    rare = labels == "platform"
    rest = np.flatnonzero(~rare)
    folds = [  # the first fold trains without the rare class
        (rest[: len(rest) // 2], np.concatenate([rest[len(rest) // 2 :], np.flatnonzero(rare)])),
        (np.arange(len(labels))[::2], np.arange(len(labels))[1::2]),
    ]
    estimator = linear_classifier(linear)
    classifier = CalibratedClassifierCV(estimator, method="sigmoid", cv=folds)
    classifier.fit(x, labels)
    assert len(classifier.calibrated_classifiers_[0].estimator.classes_) == 2
    head = LinearHead(classifier)
    np.testing.assert_allclose(
        head.predict_proba(x), classifier.predict_proba(x), rtol=0, atol=1e-9
    )


def test_linear_head_refuses_other_calibration():
    texts, labels = toy_corpus(6)
    x = build_pipeline(words=()).named_steps["features"].fit_transform(texts)
    isotonic = CalibratedClassifierCV(LogisticRegression(), method="isotonic", cv=2)
    with pytest.raises(ValueError, match="unsupported"):
        LinearHead(isotonic.fit(x, labels))


def test_linear_head_refuses_an_uncalibrated_svm():
    """A bare LinearSVC has margins, not probabilities."""
    texts, labels = toy_corpus(6)
    x = build_pipeline(words=()).named_steps["features"].fit_transform(texts)
    with pytest.raises(ValueError, match="unsupported"):
        LinearHead(LinearSVC().fit(x, labels))


def test_page_rows_and_probabilities_equal_the_pipelines(scorer, sites: list[Site]):
    pipeline = scorer.model.text_model
    docs = corpus_docs(sites) + [document(text=t) for t in ODD_TEXTS if t.strip()]
    featurizer = PageFeaturizer(pipeline)
    got = featurizer.featurize(docs)
    texts = [d.text for d in docs]
    expected = pipeline.named_steps["features"].transform(texts).tocsr()
    expected.sort_indices()
    np.testing.assert_array_equal(got.pages.indptr, expected.indptr)
    np.testing.assert_array_equal(got.pages.indices, expected.indices)
    np.testing.assert_allclose(got.pages.data, expected.data, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        featurizer.predict_proba(got.pages), pipeline.predict_proba(texts), rtol=0, atol=1e-9
    )


def test_a_calibrated_svm_head_equals_the_pipelines_on_corpus_rows(sites: list[Site]):
    """The SVM variant (``build_pipeline(linear="svc")``), fitted on corpus pages: the
    head's probabilities of other pages' rows and of units are scikit-learn's."""
    pages = [(s, p) for s in sites for p in s.pages]
    fit, held = pages[0::2], pages[1::2]
    texts = [from_html(p.read_text(), f"http://{s.id}.invalid{p.path}").text for s, p in fit]
    pipeline = build_pipeline(linear="svc").fit(texts, [p.label for _, p in fit])
    assert len(pipeline.classes_) == 3
    docs = [from_html(p.read_text(), f"http://{s.id}.invalid{p.path}") for s, p in held[:60]]
    rows = PageFeaturizer(pipeline).featurize(docs).rows
    np.testing.assert_allclose(
        LinearHead(pipeline.named_steps["classifier"]).predict_proba(rows),
        pipeline.named_steps["classifier"].predict_proba(rows),
        rtol=0,
        atol=1e-9,
    )


def test_unit_rows_are_the_pipelines_rows_of_the_unit_texts(scorer, sites: list[Site]):
    """A unit's row is what the pipeline makes of the unit's text alone; its signals are
    those of its text too, judged with its page's on-site flow and recovery topic."""
    from classifier.signals import CODES, detect_signals, on_recovery_topic

    pipeline = scorer.model.text_model
    docs = corpus_docs(sites)
    got = PageFeaturizer(pipeline).featurize(docs)
    assert got.doc_units == [units(d) for d in docs]
    unit_texts, on_platform, on_topic = [], [], []
    for doc, us, signals in zip(docs, got.doc_units, got.signals, strict=True):
        platform = any(s.code == "onsite_flow" for s in signals)
        unit_texts += [doc.block_text(u) for u in us]
        on_platform += [platform] * len(us)
        on_topic += [on_recovery_topic(doc.text)] * len(us)
    assert len(unit_texts) > len(docs)  # some pages have several units
    assert any(on_platform)  # some units are parts of a platform's page
    assert any(on_topic) and not all(on_topic)  # and some pages talk of no recovery trade
    expected = pipeline.named_steps["features"].transform(unit_texts).toarray()
    signal_columns = expected[:, expected.shape[1] - len(CODES) :]
    signal_columns[:] = 0.0
    context = zip(unit_texts, on_platform, on_topic, strict=True)
    for row, (text, platform, topic) in enumerate(context):
        for signal in detect_signals(text, platform, topic):
            signal_columns[row, CODES.index(signal.code)] = np.log1p(len(signal.spans))
    np.testing.assert_allclose(got.units.toarray(), expected, rtol=0, atol=1e-12)


def test_page_signals_and_normalisation_are_the_evidences(scorer, sites: list[Site]):
    from classifier.signals import detect_signals

    docs = corpus_docs(sites, 1)
    got = PageFeaturizer(scorer.model.text_model).featurize(docs)
    for doc, norm, signals in zip(docs, got.norms, got.signals, strict=True):
        assert norm.text == normalize(doc.text).text
        assert signals == detect_signals(doc.text)
