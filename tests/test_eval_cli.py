"""`scamscan eval`: the metrics on hand-made arrays, the plot, and the command as a user runs it."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.calibration import calibration_curve

from classifier.metrics import at_threshold, brier_score, calibration_bins, evaluate
from classifier.plots import calibration_plot

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# Eight texts with known answers. Scores >= 0.5 flag .9 .8 .7 .6 -> TP 3 (.9 .8 .6), FP 1 (.7),
# FN 1 (.3), TN 3. Scores >= 0.85 flag .9 only -> TP 1, FN 3, TN 4.
Y = [1, 1, 1, 0, 0, 0, 0, 1]
S = [0.9, 0.8, 0.3, 0.7, 0.2, 0.1, 0.05, 0.6]
THRESHOLDS = {"review": 0.5, "block": 0.85}


# metrics.py


def test_precision_recall_f1_and_confusion_at_each_threshold():
    review = at_threshold(Y, S, 0.5)
    assert (review.tp, review.fp, review.tn, review.fn) == (3, 1, 3, 1)
    assert review.precision == pytest.approx(0.75)
    assert review.recall == pytest.approx(0.75)
    assert review.f1 == pytest.approx(0.75)
    block = at_threshold(Y, S, 0.85)
    assert (block.tp, block.fp, block.tn, block.fn) == (1, 0, 4, 3)
    assert block.precision == pytest.approx(1.0)
    assert block.recall == pytest.approx(0.25)
    assert block.f1 == pytest.approx(0.4)  # 2 * 1 * .25 / 1.25


def test_a_score_equal_to_the_threshold_is_flagged():
    m = at_threshold([1, 0], [0.6, 0.2], 0.6)
    assert (m.tp, m.fp, m.tn, m.fn) == (1, 0, 1, 0)


def test_brier_roc_and_pr_auc_by_hand():
    # squared errors: .01 .04 .49 .49 .04 .01 .0025 .16 -> 1.2425 / 8
    assert brier_score(Y, S) == pytest.approx(0.1553125)
    report = evaluate(Y, S, THRESHOLDS)
    assert report.brier == pytest.approx(0.1553125)
    # positive-negative pairs ranked right: .9 and .8 beat all 4, .6 and .3 beat 3 -> 14/16
    assert report.roc_auc == pytest.approx(0.875)
    # ranked: .9+ .8+ .7- .6+ .3+ -> precision at each positive 1, 1, 3/4, 4/5
    assert report.pr_auc == pytest.approx((1 + 1 + 0.75 + 0.8) / 4)
    assert (report.n, report.positives, report.negatives) == (8, 4, 4)
    assert list(report.thresholds) == ["review", "block"]
    assert report.thresholds["review"].threshold == 0.5


def test_calibration_bins_are_sklearns_uniform_bins_with_counts():
    bins = calibration_bins(Y, S)
    prob_true, prob_pred = calibration_curve(Y, S, n_bins=10, strategy="uniform")
    assert [b.fraction_positive for b in bins] == pytest.approx(list(prob_true))
    assert [b.mean_score for b in bins] == pytest.approx(list(prob_pred))
    assert sum(b.count for b in bins) == len(S)
    # .05 -> 0.0-0.1 and .1 -> 0.0-0.1 too (bins are closed on the right, as in sklearn)
    assert [(b.lo, b.hi, b.count) for b in bins] == [
        (0.0, 0.1, 2),
        (0.1, 0.2, 1),
        (0.2, 0.3, 1),
        (0.5, 0.6, 1),
        (0.6, 0.7, 1),
        (0.7, 0.8, 1),
        (0.8, 0.9, 1),
    ]
    report = evaluate(Y, S, THRESHOLDS)
    assert report.calibration_strategy == "uniform" and report.calibration_n_bins == 10
    expected_ece = sum(b.count * abs(b.fraction_positive - b.mean_score) for b in bins) / 8
    assert report.ece == pytest.approx(expected_ece)


@pytest.mark.parametrize("label", [0, 1])
def test_one_class_only_reports_undefined_instead_of_crashing(label: int):
    y = [label] * 5
    s = [0.1, 0.2, 0.3, 0.9, 0.95]
    report = evaluate(y, s, THRESHOLDS)
    assert report.roc_auc is None
    assert any("ROC-AUC is undefined" in note for note in report.notes)
    if label == 0:
        assert report.pr_auc is None
        assert report.thresholds["review"].recall is None
        assert report.thresholds["review"].f1 is None
        assert report.thresholds["review"].precision == 0.0  # flagged two, both wrong
    else:
        assert report.pr_auc == pytest.approx(1.0)
        assert report.thresholds["block"].recall == pytest.approx(0.4)
    assert report.brier == pytest.approx(np.mean((np.asarray(s) - label) ** 2))
    payload = json.loads(json.dumps(report.as_dict()))  # null, never NaN
    assert payload["roc_auc"] is None
    assert "| ROC-AUC | undefined |" in report.markdown()


def test_nothing_flagged_leaves_precision_undefined_with_a_note():
    report = evaluate([1, 0, 0], [0.3, 0.2, 0.1], THRESHOLDS)
    review = report.thresholds["review"]
    assert (review.tp, review.fp, review.tn, review.fn) == (0, 0, 2, 1)
    assert review.precision is None and review.f1 is None and review.recall == 0.0
    assert any("No text scored at or above the review threshold" in n for n in report.notes)


@pytest.mark.parametrize(
    ("y", "s", "message"),
    [
        ([1, 0], [0.5], "2 labels but 1 scores"),
        ([], [], "no texts"),
        ([1, 2], [0.5, 0.5], "0 (negative) or 1 (positive)"),
        ([1, 0], [0.5, 1.5], "in [0, 1]"),
        ([1, 0], [0.5, float("nan")], "finite"),
    ],
)
def test_bad_arrays_are_refused_with_a_message(y, s, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        evaluate(y, s, THRESHOLDS)


def test_markdown_has_the_thresholds_confusion_and_meta():
    report = evaluate(Y, S, THRESHOLDS, meta={"model": "abc123", "positive_labels": {"x": 4}})
    text = report.markdown(plot="eval-calibration.png")
    assert "| review | 0.5000 | 0.7500 | 0.7500 | 0.7500 | 3 | 1 | 3 | 1 |" in text
    assert "| block | 0.8500 | 1.0000 | 0.2500 | 0.4000 | 1 | 0 | 4 | 3 |" in text
    assert "| ROC-AUC | 0.8750 |" in text
    assert "- **model**: abc123" in text
    assert "- **positive labels**: x (4)" in text
    assert "![calibration plot](eval-calibration.png)" in text


# plots.py


def test_the_plot_is_a_deterministic_png(tmp_path: Path):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    s = np.clip(0.45 * y + 0.55 * rng.random(300), 0, 1)
    report = evaluate(y, s, THRESHOLDS)
    a = calibration_plot(report, y, s, tmp_path / "a.png", title="model x")
    b = calibration_plot(report, y, s, tmp_path / "b.png", title="model x")
    assert a.read_bytes().startswith(PNG_MAGIC)
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    assert b"Software" not in a.read_bytes()[:200]  # no matplotlib version in the file


def test_a_single_class_plot_is_still_drawn(tmp_path: Path):
    report = evaluate([0, 0, 0], [0.1, 0.5, 0.9], THRESHOLDS)
    path = calibration_plot(report, [0, 0, 0], [0.1, 0.5, 0.9], tmp_path / "one.png")
    assert path.read_bytes().startswith(PNG_MAGIC)


# the command, end to end, with the default model

# Short texts written for this test: solicitation-like (personal WeChat / QQ, pay off-platform)
# and informational (how recovery works, warnings, official channels).
SOLICITATION = [
    "高价回收话费卡，加微信 hs8899123 秒到账，私下转账更快",
    "京东E卡回收九五折，加QQ 2837465501 详聊，不走平台没有手续费",
    "油卡回收找我，微信号 youka_2024，先发卡密后付款，支付宝直接转",
    "闲置购物卡急收，添加微信 sk66778 报价，当天打款到你银行卡",
    "话费充值卡回收，扫码加好友，私聊发卡号密码，秒结算",
    "苏宁卡沃尔玛卡高价收，QQ 1928374655，联系我不用注册",
    "加v：hk12399 回收各类礼品卡，折扣全网最高，微信红包结算",
    "手机充值卡回收点这里联系客服微信 czk7788，绕开平台不扣费",
    "收游戏点卡，加我QQ 3344556677，直接转账，别在网站上交易",
    "超市卡回收，加微信 cs55123 私下交易，比平台多给百分之五",
    "移动联通电信话费卡回收，微信 dh2025abc，发卡密给我马上付款",
    "高价收加油卡，联系QQ 1122334455，微信转账，当面结清",
    "礼品卡回收兼职，加微信 lp9988 带你赚钱，先交保证金",
    "中石化加油卡九折收，私人微信 zsh2233，不用实名",
    "天猫购物卡回收，加QQ群 556677889，群里私聊报价",
    "回收各种卡券，微信 kq_8866 扫码联系，支付宝转账秒到",
    "急收京东卡，加我微信 jd7788 不要在平台下单，手续费全免",
    "电话卡回收，添加QQ 6655443322，卡密发我，立刻转账",
]
INFORMATIONAL = [
    "话费卡回收是把用不完的充值卡折价卖出，正规平台会公示折扣和到账时间",
    "如何辨别回收骗局：凡是要求加私人微信、先交保证金的都要提高警惕",
    "购物卡回收的折扣一般在八五折到九五折之间，具体看卡种和面值",
    "加油卡可以在中石化官方网点办理充值和查询余额，请保管好卡片",
    "礼品卡过期前记得使用，部分商家支持延期，可以咨询官方客服热线",
    "回收平台需要实名认证，这是为了防止洗钱，请不要把卡密发给陌生人",
    "本站介绍各类卡券的使用规则，不提供任何私下交易服务",
    "京东E卡可以在京东账户里绑定使用，绑定后不能转让",
    "充值卡密码一旦泄露就可能被他人使用，请在官方渠道操作",
    "警方提醒：以高价回收为名诱导私下转账的诈骗案件增多",
    "购物卡有效期一般为三年，超过有效期可按规定办理延期手续",
    "通过平台回收时，款项由平台结算到实名账户，全程有记录可查",
    "话费充值卡分为全国卡和地方卡，面值有五十元和一百元等",
    "遇到自称客服要求扫码加好友的情况，请拨打官方电话核实",
    "卡券回收行业的常见问题解答：到账时间、手续费和折扣说明",
    "超市购物卡丢失后可以凭购卡凭证到服务台挂失",
    "游戏点卡充值请认准官方商城，第三方代充存在封号风险",
    "本文整理了油卡、话费卡和礼品卡的使用注意事项，供参考",
]


def scamscan(*args: str, cwd: Path | None = None, timeout: float = 600):
    return subprocess.run(
        [sys.executable, "-m", "api", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )


def squash(text: str) -> str:
    """Rich's error box, as one line of words."""
    return " ".join(text.replace("│", " ").split())


@pytest.fixture(scope="session")
def default_scorer():
    """The default model, trained once if not cached (up to about a minute)."""
    from classifier.scorer import Scorer

    return Scorer.default()


@pytest.fixture
def labelled_csv(tmp_path: Path) -> Path:
    path = tmp_path / "labelled.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text", "label"])
        rows = [(t, "solicitation") for t in SOLICITATION]
        rows += [(t, "informational") for t in INFORMATIONAL]
        for i, (text, label) in enumerate(rows):
            writer.writerow([i, text, label])
        writer.writerow([len(rows), "", "informational"])  # skipped: empty text
    return path


def test_eval_json_report_and_plot(default_scorer, labelled_csv: Path, tmp_path: Path):
    report_path, plot_path = tmp_path / "out" / "report.md", tmp_path / "out" / "cal.png"
    result = scamscan(
        "eval", str(labelled_csv), "--positive", "solicitation", "--json",
        "--report", str(report_path), "--plot", str(plot_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    n_pos, n_neg = len(SOLICITATION), len(INFORMATIONAL)
    assert (data["n"], data["positives"], data["negatives"]) == (n_pos + n_neg, n_pos, n_neg)
    assert data["meta"]["model"] == default_scorer.version
    assert data["meta"]["positive_labels"] == {"solicitation": n_pos}
    assert data["meta"]["negative_labels"] == {"informational": n_neg}
    assert data["skipped_rows"] == ["row 38: empty 'text'"]
    assert set(data["thresholds"]) == {"review", "block"}
    for name, m in data["thresholds"].items():
        assert m["threshold"] == pytest.approx(default_scorer.thresholds[name])
        assert m["tp"] + m["fp"] + m["tn"] + m["fn"] == data["n"]
        assert m["tp"] + m["fn"] == n_pos
        for key in ("precision", "recall", "f1"):
            assert m[key] is None or 0 <= m[key] <= 1
    for key in ("roc_auc", "pr_auc", "brier", "ece"):
        assert 0 <= data[key] <= 1
    assert sum(b["count"] for b in data["calibration"]) == data["n"]
    assert data["calibration_strategy"] == "uniform"
    assert data["report"] == str(report_path) and data["plot"] == str(plot_path)
    assert plot_path.read_bytes().startswith(PNG_MAGIC)
    markdown = report_path.read_text("utf-8")
    for name, threshold in default_scorer.thresholds.items():
        assert f"| {name} | {threshold:.4f} |" in markdown
    assert "![calibration plot](cal.png)" in markdown
    assert "Brier score" in markdown and "ROC-AUC" in markdown


def test_eval_markdown_by_default_with_files_in_the_working_folder(
    default_scorer, labelled_csv: Path, tmp_path: Path
):
    tsv = tmp_path / "labelled.tsv"
    with labelled_csv.open(encoding="utf-8") as src, tsv.open("w", encoding="utf-8") as dst:
        csv.writer(dst, delimiter="\t").writerows(
            [row[1], row[2].replace("informational", "info")] for row in csv.reader(src) if row[1]
        )
    work = tmp_path / "work"
    work.mkdir()
    result = scamscan("eval", str(tsv), "--positive", "solicitation,info", cwd=work)
    assert result.returncode == 0, result.stderr
    markdown = (work / "eval-report.md").read_text("utf-8")
    assert result.stdout == markdown
    assert markdown.startswith("# scamscan evaluation")
    assert f"{len(SOLICITATION) + len(INFORMATIONAL)} texts: " in markdown
    assert "- **positive labels**: info (18), solicitation (18)" in markdown
    assert "| ROC-AUC | undefined |" in markdown  # every label counted positive
    assert (work / "eval-calibration.png").read_bytes().startswith(PNG_MAGIC)


def test_eval_names_a_missing_column(labelled_csv: Path, tmp_path: Path):
    result = scamscan(
        "eval", str(labelled_csv), "--text-col", "body", "--positive", "solicitation",
        "--report", str(tmp_path / "r.md"),
    )  # fmt: skip
    assert result.returncode == 2
    message = squash(result.stderr)
    assert "no column 'body'" in message
    assert "columns are 'id', 'text', 'label'" in message
    assert not (tmp_path / "r.md").exists()


def test_eval_lists_the_labels_when_positive_never_occurs(labelled_csv: Path):
    result = scamscan("eval", str(labelled_csv), "--positive", "solicitation,fraud")
    assert result.returncode == 2
    message = squash(result.stderr)
    assert "'fraud' never occurs in column 'label'" in message
    assert "the labels there are 'informational' (18), 'solicitation' (18)" in message


def test_eval_requires_positive(labelled_csv: Path):
    result = scamscan("eval", str(labelled_csv))
    assert result.returncode == 2
    assert "--positive" in squash(result.stderr)


class KeywordScorer:
    """Stands in for the model where only the command's own logic is under test."""

    version = "keyword-test"
    thresholds = {"review": 0.4, "block": 0.8}  # noqa: RUF012

    def solicitation_scores(self, texts: list[str]) -> np.ndarray:
        from classifier.document import document

        for text in texts:
            document(text=text)  # refuses what the real scorer refuses
        return np.asarray([0.9 if "微信" in t else 0.1 for t in texts])


def test_eval_skips_a_text_the_scorer_refuses_and_lists_it(tmp_path: Path, monkeypatch):
    from typer.testing import CliRunner

    from api.cli import app
    from classifier.scorer import Scorer

    monkeypatch.setattr(Scorer, "default", classmethod(lambda cls: KeywordScorer()))
    path = tmp_path / "in.jsonl"
    rows = [
        {"text": "加微信 abc123 私下转账", "label": "fraud"},
        {"text": "官方平台说明", "label": "ok"},
        {"text": "\x01\x02", "label": "ok"},  # not empty to the reader, empty to the scorer
        {"text": "微信公众号的使用说明", "label": "ok"},
    ]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    result = CliRunner().invoke(
        app,
        ["eval", str(path), "--positive", "fraud", "--json", "--report", str(tmp_path / "r.md")],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["n"], data["positives"]) == (3, 1)
    assert data["skipped_rows"] == ["row 3: text is empty"]
    assert data["meta"]["negative_labels"] == {"ok": 2}
    review = data["thresholds"]["review"]
    assert (review["tp"], review["fp"], review["tn"], review["fn"]) == (1, 1, 1, 0)
    assert data["roc_auc"] == pytest.approx(0.75)  # the tie with a negative counts half
    assert (tmp_path / "eval-calibration.png").read_bytes().startswith(PNG_MAGIC)


def test_eval_rejects_a_missing_model_folder(labelled_csv: Path, tmp_path: Path):
    result = scamscan(
        "eval", str(labelled_csv), "--positive", "solicitation", "--model", str(tmp_path / "nope")
    )
    assert result.returncode == 2
    assert "--model" in squash(result.stderr)


class RecordingScorer(KeywordScorer):
    """KeywordScorer that remembers how many texts each call scored."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def solicitation_scores(self, texts: list[str]) -> np.ndarray:
        self.calls.append(len(texts))
        return super().solicitation_scores(texts)


def test_eval_streams_the_file_in_chunks(tmp_path: Path, monkeypatch):
    from typer.testing import CliRunner

    from api.cli import app
    from classifier import batch
    from classifier.scorer import Scorer

    recording = RecordingScorer()
    monkeypatch.setattr(Scorer, "default", classmethod(lambda cls: recording))
    path = tmp_path / "in.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "label"])
        for i in range(600):
            writer.writerow(
                [f"加微信 abc{i} 私下转账" if i % 3 == 0 else f"官方说明 {i}", i % 3 == 0]
            )
        writer.writerow(["\x01\x02", "False"])  # refused by the scorer: its chunk is redone
    result = CliRunner().invoke(
        app,
        ["eval", str(path), "--positive", "True", "--json", "--report", str(tmp_path / "r.md")],
    )
    assert result.exit_code == 0, result.output
    size = batch.EVAL_CHUNK
    assert recording.calls[:3] == [size, size, 600 - 2 * size + 1]
    assert recording.calls[3:] == [1] * (600 - 2 * size + 1)  # the last chunk, one by one
    data = json.loads(result.stdout)
    assert (data["n"], data["positives"]) == (600, 200)
    assert data["skipped_rows"] == ["row 602: text is empty"]
    review = data["thresholds"]["review"]
    assert (review["tp"], review["fp"], review["tn"], review["fn"]) == (200, 0, 400, 0)


def test_stream_scores_reads_rows_only_a_chunk_ahead():
    from classifier.batch import stream_scores
    from classifier.inputs import LabelledRow

    read = []

    def rows():
        for i in range(1000):
            read.append(i)
            yield LabelledRow(i + 2, f"官方说明 {i}", "ok")

    stream = stream_scores(KeywordScorer(), rows(), size=100)
    row, score, problem = next(stream)
    assert (row.number, score, problem) == (2, 0.1, None)
    assert len(read) == 100
    assert sum(1 for _ in stream) == 999 and len(read) == 1000


def test_labelled_rows_are_read_like_score_reads_them(tmp_path: Path, monkeypatch):
    """One reader for both: per-line encodings, UTF-16, capped records, rows named."""
    from classifier import batch
    from classifier.inputs import read_labelled

    monkeypatch.setattr(batch, "MAX_RECORD_BYTES", 1000)
    mixed = tmp_path / "mixed.csv"  # a UTF-8 export with rows pasted from a GB18030 one
    mixed.write_bytes(
        "text,label\n话费回收须知,info\n".encode()
        + "加微信秒结,fraud\n".encode("gb18030")
        + b"\xff\xfe\x81 abc,info\n"
        + b"x" * 3000
        + b",info\n"
        + "最后一行,info\n".encode()
    )
    data = read_labelled(mixed, "text", "label")
    assert data.texts == ["话费回收须知", "加微信秒结", "最后一行"]
    assert data.labels == ["info", "fraud", "info"]
    assert data.skipped == [
        "row 4: undecodable bytes in 'text'",
        "row 5: record longer than 1,000 bytes",
    ]
    wide = tmp_path / "wide.jsonl"
    wide.write_text('{"text": "宽字符", "label": "a"}\n{"text": "第二", "label": "b"}\n', "utf-16")
    assert read_labelled(wide, "text", "label").texts == ["宽字符", "第二"]
