"""Training: the aggregator's nested choice, its features, and the site-grouped calibration.

The data here is synthetic (random page and unit scores with a known rule), so
each test knows which choice is right without training a text model.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from classifier.document import document
from classifier.model import LINEAR_C, build_pipeline, fold_splitter
from classifier.training import (
    AGGREGATOR_COLUMNS,
    AGGREGATOR_FEATURES,
    PLACES,
    AggregatorChoice,
    Example,
    aggregate_features,
    choose_aggregator,
    fit_aggregator,
    fit_text_model,
    is_monotone,
    nested_aggregator_oof,
    train,
    unit_handles,
)


def synthetic(seed: int = 0, sites: int = 40, pages: int = 8):
    """Pages whose label follows the best unit's score when that unit is a footer, and
    mostly the page score otherwise: the per-place slope is what separates them."""
    rng = np.random.default_rng(seed)
    rows, y, groups = [], [], []
    for site in range(sites):
        for _ in range(pages):
            place = "footer" if rng.random() < 0.5 else "main"
            page_p, unit_p = rng.uniform(0.02, 0.98, size=2)
            driver = unit_p if place == "footer" else 0.8 * page_p + 0.2 * unit_p
            label = int(rng.random() < driver**3 / (driver**3 + (1 - driver) ** 3))
            rows.append(aggregate_features(page_p, np.array([unit_p, 0.01]), [place, "nav"]))
            y.append(label)
            groups.append(f"site{site}")
    return np.vstack(rows), np.asarray(y), groups


def test_features_are_named_and_the_best_unit_sets_the_place() -> None:
    x = aggregate_features(0.2, np.array([0.1, 0.9, 0.3]), ["main", "footer", "nav"])
    assert len(x) == len(AGGREGATOR_FEATURES)
    named = dict(zip(AGGREGATOR_FEATURES, x, strict=True))
    assert named["place:footer"] == 1.0
    assert sum(named[f"place:{p}"] for p in PLACES) == 1.0
    assert named["best_unit@footer"] == pytest.approx(np.log(0.9 / 0.1))
    assert named["best_unit@main"] == 0.0


def test_a_widget_without_a_handle_is_never_the_best_unit() -> None:
    """A back-to-top button outscoring a bland article must not lend the page its place."""
    units = np.array([0.04, 0.07])
    plain = aggregate_features(0.002, units, ["main", "widget"], [False, False])
    named = dict(zip(AGGREGATOR_FEATURES, plain, strict=True))
    assert named["place:main"] == 1.0
    assert named["best_unit"] == pytest.approx(np.log(0.04 / 0.96))
    held = aggregate_features(0.002, units, ["main", "widget"], [False, True])
    assert dict(zip(AGGREGATOR_FEATURES, held, strict=True))["place:widget"] == 1.0


def test_units_hold_the_handles_of_their_signals_and_contact_links() -> None:
    from classifier.document import Block, Link
    from classifier.signals import Signal, Span

    units = [Block("main", 0, 10), Block("widget", 10, 14), Block("footer", 14, 30)]
    signals = [
        Signal("contact_handle", [Span(16, 22, "hs8899")]),
        Signal("urgency", [Span(2, 4, "")]),
    ]
    qq = Link("http://wpa.qq.com/msgrd?v=3&uin=2750193846", "在线客服", 10, 14)
    share = Link("https://example.cn/share", "分享", 2, 4)
    assert unit_handles(units, signals, (qq, share)) == [False, True, True]
    assert unit_handles(units, [], (Link(qq.url, "在线客服"),)) == [False, False, False]


def test_a_page_without_units_uses_its_page_score() -> None:
    x = aggregate_features(0.7, np.zeros(0), [])
    named = dict(zip(AGGREGATOR_FEATURES, x, strict=True))
    assert named["best_unit"] == named["page"] == pytest.approx(np.log(0.7 / 0.3))


def test_a_smaller_feature_set_gives_no_weight_to_the_columns_it_leaves_out() -> None:
    x, y, _ = synthetic()
    agg = fit_aggregator(x, y, AggregatorChoice("place", 1.0))
    assert agg.coef_.shape[1] == len(AGGREGATOR_FEATURES)  # the scorer passes the full row
    assert np.all(agg.coef_[0, AGGREGATOR_COLUMNS["place"] :] == 0.0)


def test_choice_finds_the_per_place_slope() -> None:
    x, y, groups = synthetic()
    assert choose_aggregator(x, y, groups).features == "place+slopes"


def test_an_aggregator_whose_unit_score_lowers_the_page_is_not_monotone() -> None:
    x, y, _ = synthetic()
    agg = fit_aggregator(x, y, AggregatorChoice("place+slopes", 1.0))
    assert is_monotone(agg)
    named = list(AGGREGATOR_FEATURES)
    agg.coef_[0, named.index("best_unit@widget")] = -agg.coef_[0, named.index("best_unit")] - 0.1
    assert not is_monotone(agg)


def test_the_choice_skips_a_candidate_that_is_not_monotone() -> None:
    """Widgets whose label falls as their score rises: their per-place slope would go negative."""
    rng = np.random.default_rng(3)
    rows, y, groups = [], [], []
    for site in range(40):
        for _ in range(6):
            page_p, unit_p = rng.uniform(0.02, 0.98, size=2)
            place = "widget" if rng.random() < 0.3 else "main"
            driver = 1 - unit_p if place == "widget" else unit_p
            label = int(rng.random() < driver)
            rows.append(aggregate_features(page_p, np.array([unit_p]), [place]))
            y.append(label)
            groups.append(f"site{site}")
    x, y = np.vstack(rows), np.asarray(y)
    free = fit_aggregator(x, y, AggregatorChoice("place+slopes", 1.0))
    assert not is_monotone(free)  # the data would take the negative slope
    choice = choose_aggregator(x, y, groups)
    assert is_monotone(fit_aggregator(x, y, choice))


def test_nested_choice_never_sees_its_outer_test_fold() -> None:
    """Scrambling the pages of one outer fold changes that fold's scores, not its choice."""
    x, y, groups = synthetic(seed=1)
    scores, choices = nested_aggregator_oof(x, y, groups)
    assert len(choices) == 5
    assert np.all((scores > 0) & (scores < 1))
    k = 2
    test = list(fold_splitter(5, grouped=True).split(x, y, groups))[k][1]
    scrambled = x.copy()
    scrambled[test] = np.random.default_rng(k).permutation(scrambled[test], axis=0)
    scrambled_scores, scrambled_choices = nested_aggregator_oof(scrambled, y, groups)
    assert scrambled_choices[k] == choices[k]
    assert not np.allclose(scrambled_scores[test], scores[test])


def small_sites(sites: int = 8) -> tuple[list[str], list[str], list[str]]:
    """Texts, labels and sites: six pages a site, every other one soliciting."""
    texts, labels, groups = [], [], []
    for site in range(sites):
        for i in range(6):
            solicit = i % 2 == 0
            texts.append(
                f"站点{site} 高价回收京东卡 加微信 kk{site}{i} 秒结"
                if solicit
                else f"站点{site} 京东E卡的使用说明与有效期 第{i}篇"
            )
            labels.append("solicitation" if solicit else "informational")
            groups.append(f"s{site}")
    return texts, labels, groups


def test_site_grouped_calibration_restores_the_plain_folds() -> None:
    """The fitted text model keeps cv=3, so it clones, persists and refits as before."""
    texts, labels, groups = small_sites()
    labels_arr = np.asarray(labels)
    base = build_pipeline(words=())
    model = fit_text_model(base, texts, labels_arr, groups)
    assert model.get_params()["classifier__cv"] == 3
    assert base.get_params()["classifier__cv"] == 3
    assert not hasattr(base, "classes_")  # the base pipeline itself stays unfitted
    proba = model.predict_proba(["高价回收京东卡 加微信 kk99 秒结", "京东E卡的使用说明"])
    col = list(model.classes_).index("solicitation")
    assert proba[0, col] > proba[1, col]


def test_train_fits_and_cards_the_linear_step_it_is_given() -> None:
    texts, labels, groups = small_sites(10)
    examples = [
        Example(document(text=t), y, g) for t, y, g in zip(texts, labels, groups, strict=True)
    ]
    model = train(examples, folds=3, linear="svc")
    calibrated = model.text_model.named_steps["classifier"].calibrated_classifiers_
    assert all(isinstance(c.estimator, LinearSVC) for c in calibrated)
    assert {c.estimator.C for c in calibrated} == {LINEAR_C["svc"]}
    assert model.card["text_model"] == {"linear": "svc", "C": LINEAR_C["svc"]}


def test_the_linear_step_is_chosen_by_name_and_c() -> None:
    svc = build_pipeline(words=(), linear="svc").named_steps["classifier"].estimator
    assert isinstance(svc, LinearSVC)
    assert (svc.C, svc.class_weight) == (LINEAR_C["svc"], "balanced")
    logreg = build_pipeline(words=(), C=2.0).named_steps["classifier"].estimator
    assert isinstance(logreg, LogisticRegression) and logreg.C == 2.0
    with pytest.raises(ValueError, match="unknown linear classifier"):
        build_pipeline(words=(), linear="svm")
