"""Classifier foundations: segmentation equal to jieba's, the pipeline, reading labelled files, `scamscan cv`."""

from __future__ import annotations

import json
import logging
import pickle
import subprocess
import sys
from pathlib import Path

import jieba
import numpy as np
import pytest

from classifier.evaluate import cross_validate
from classifier.inputs import InputError, read_labelled
from classifier.model import build_pipeline
from classifier.tokenize import JiebaTokenizer, read_words
from corpus.manifest import Site

jieba.setLogLevel(logging.WARNING)

SOLICIT = [
    "高价回收话费卡，加微信 hs{n}88 秒结，长期大量收",
    "京东E卡回收，比面值还高，扣扣 28{n}7465 私聊",
    "加油卡溢价回收，先付保证金，电话微信同号 159{n}2010384",
    "收沃尔玛卡 永辉卡，加V：ka{n}shou，当天结算",
    "Q币 点卡高价收，扫码付款，飞机 @shou{n}ka",
]
INFO = [
    "话费充值卡过期后能否退款，请拨打官方客服热线咨询第{n}条",
    "警惕“加微信高价回收”骗局，第{n}期反诈提示，切勿向陌生人转账",
    "E卡可以在商城绑定后使用，有效期为三年，本文第{n}节介绍余额查询",
    "加油卡圈存需到营业网点办理，发票在充值后开具，第{n}问",
    "运营商规定充值卡不得转售，第{n}条说明了遗失卡密的挂失流程",
]


def toy_corpus(per_template: int = 6) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for n in range(per_template):
        texts += [t.format(n=n) for t in SOLICIT] + [t.format(n=n) for t in INFO]
        labels += ["solicitation"] * len(SOLICIT) + ["informational"] * len(INFO)
    return texts, labels


def test_tokens_are_jiebas_without_hmm(sites: list[Site]):
    tokenizer = JiebaTokenizer()
    for page in [p for s in sites[:10] for p in s.pages[:3]]:
        text = page.read_text()
        assert tokenizer(text) == [t for t in jieba.lcut(text, HMM=False) if not t.isspace()]


def test_domain_words_stay_whole():
    tokens = JiebaTokenizer(read_words())("高价回收话费充值卡，电话微信同号，京东E卡卡密秒结")
    for word in ("高价回收", "话费充值卡", "电话微信同号", "京东E卡", "卡密", "秒结"):
        assert word in tokens


def test_tokenizer_persists_as_its_word_list():
    tokenizer = JiebaTokenizer(("卡密", "秒结"))
    tokenizer("卡密秒结")
    restored = pickle.loads(pickle.dumps(tokenizer))
    assert restored.__getstate__() == {"words": ("卡密", "秒结")}
    assert restored("卡密秒结") == ["卡密", "秒结"]


def test_pipeline_is_deterministic_and_gives_probabilities():
    texts, labels = toy_corpus()
    first = build_pipeline().fit(texts, labels).predict_proba(texts)
    second = build_pipeline().fit(texts, labels).predict_proba(texts)
    np.testing.assert_array_equal(first, second)
    assert ((first >= 0) & (first <= 1)).all()
    np.testing.assert_allclose(first.sum(axis=1), 1.0)


def test_cross_validation_separates_a_clear_toy_task():
    texts, labels = toy_corpus()
    report = cross_validate(texts, labels, folds=3)
    assert report.macro_f1 > 0.9
    assert set(report.per_class) == {"informational", "solicitation"}


def write_csv(path: Path, rows: list[tuple[str, str]], header=("text", "label")) -> Path:
    import csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_read_labelled_skips_and_names_bad_rows(tmp_path: Path):
    path = write_csv(
        tmp_path / "x.csv", [("加微信秒结", "solicitation"), ("", "informational"), ("正文", "")]
    )
    data = read_labelled(path, "text", "label")
    assert data.texts == ["加微信秒结"]
    assert data.skipped == ["row 3: empty 'text'", "row 4: empty 'label'"]


def test_read_labelled_names_a_missing_column(tmp_path: Path):
    path = write_csv(tmp_path / "x.csv", [("a", "b")], header=("content", "label"))
    with pytest.raises(InputError, match=r"no column 'text'; columns are 'content', 'label'"):
        read_labelled(path, "text", "label")


def test_read_labelled_jsonl_survives_bad_json(tmp_path: Path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"text": "加V秒结", "label": "s"}\n{broken\n[1, 2]\n', "utf-8")
    data = read_labelled(path, "text", "label")
    assert data.texts == ["加V秒结"]
    assert data.skipped[0].startswith("row 2: bad JSON")
    assert data.skipped[1] == "row 3: not a JSON object (got list)"


def test_read_labelled_reads_gb18030_exports(tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_bytes("text,label\n话费回收须知,informational\n".encode("gb18030"))
    assert read_labelled(path, "text", "label").texts == ["话费回收须知"]


def run_cv(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "api", "cv", *args], capture_output=True, text=True, timeout=120
    )


def test_cv_command_reports_json_for_machines(tmp_path: Path):
    texts, labels = toy_corpus()
    path = write_csv(tmp_path / "toy.csv", list(zip(texts, labels, strict=True)))
    result = run_cv(str(path), "--folds", "3", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["n"] == len(texts) and report["folds"] == 3
    assert {"macro_f1", "weighted_f1", "accuracy", "seconds", "per_class"} <= report.keys()


def test_cv_command_explains_a_missing_column(tmp_path: Path):
    path = write_csv(tmp_path / "x.csv", [("a", "b")], header=("content", "label"))
    result = run_cv(str(path))
    assert result.returncode == 2
    assert "no column 'text'" in " ".join(result.stderr.replace("│", " ").split())


def test_cv_command_refuses_labels_rarer_than_folds(tmp_path: Path):
    rows = [("加微信秒结", "solicitation")] * 6 + [("官方客服热线", "informational")] * 2
    result = run_cv(str(write_csv(tmp_path / "x.csv", rows)), "--folds", "5")
    assert result.returncode == 2
    assert "fewer rows than folds (5): informational" in " ".join(
        result.stderr.replace("│", " ").split()
    )
