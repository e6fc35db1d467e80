"""`scamscan score` as a user runs it: JSON Lines, CSV and folders in, one result per line out.

Every test runs the real command line in a subprocess with the bundled default
model, warmed (trained and cached) once for the session.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from crawler.store import PageStore, compress

SOLICIT = "高价回收话费卡，加微信 kahs_{n}88 秒结，长期大量收，电话微信同号"
INFO = "话费充值卡过期后能否退款，请拨打官方客服热线 10086 咨询，第{n}条说明"
INFO_HTML = (
    "<html><head><title>充值卡说明</title></head><body><main><h1>充值卡使用说明 {n}</h1>"
    "<p>充值卡可以在运营商官方网站或营业厅使用，有效期一般为三年。遗失卡密请携带身份证到营业厅办理挂失。</p>"
    "</main></body></html>"
)
RESULT_KEYS = {"score", "label", "suggestion", "signals", "contacts", "blocks", "terms", "model"}


@pytest.fixture(scope="session")
def model_version() -> str:
    """Train and cache the default model once, so each command below only loads it."""
    from classifier.scorer import Scorer

    return Scorer.default().version


def scamscan(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "api", *args], input=stdin, capture_output=True, timeout=300
    )
    result.stdout = result.stdout.decode("utf-8")
    result.stderr = result.stderr.decode("utf-8", "replace")
    return result


def lines(result: subprocess.CompletedProcess) -> list[dict]:
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def write_jsonl(path: Path, rows: list) -> Path:
    """Rows are dicts (written as JSON) or bytes (written as they are)."""
    with path.open("wb") as fh:
        for row in rows:
            fh.write(
                row if isinstance(row, bytes) else json.dumps(row, ensure_ascii=False).encode()
            )
            fh.write(b"\n")
    return path


def plain(stderr: str) -> str:
    return " ".join(stderr.replace("│", " ").split())


def test_jsonl_file_and_standard_input_keep_ids_and_order(tmp_path: Path, model_version: str):
    path = write_jsonl(
        tmp_path / "in.jsonl",
        [
            {"id": "s1", "text": SOLICIT.format(n=1)},
            {"id": "h1", "html": INFO_HTML.format(n=1), "url": "https://example.cn/help/1"},
            {"text": INFO.format(n=1)},
            {"id": 42, "text": SOLICIT.format(n=2)},
        ],
    )
    stdin = json.dumps({"id": "in", "text": SOLICIT.format(n=3)}, ensure_ascii=False) + "\n"
    out = lines(scamscan("score", str(path), "-", stdin=stdin.encode()))
    assert [r["id"] for r in out] == ["s1", "h1", f"{path}:3", 42, "in"]
    for r in out:
        assert r.keys() >= RESULT_KEYS and "error" not in r
        assert r["model"] == model_version
        assert 0 <= r["score"] <= 1
        assert r["suggestion"] in ("pass", "review", "block")
    assert out[0]["score"] > out[1]["score"]
    assert out[0]["suggestion"] != "pass"
    assert any(c["kind"] == "wechat" for c in out[0]["contacts"]), out[0]["contacts"]


def test_csv_with_named_columns_utf8_and_gb18030(tmp_path: Path, model_version: str):
    path = tmp_path / "export.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["key", "body", "note"])
        writer.writerow(["k1", SOLICIT.format(n=3), "x"])
        writer.writerow(["k2", INFO.format(n=3) + "\n第二行", "y"])  # a quoted multi-line cell
        writer.writerow(["k3", "", "z"])
    gbk = tmp_path / "gbk.csv"  # an export from a Chinese spreadsheet tool
    gbk.write_bytes(f"key,body\ng1,{SOLICIT.format(n=4)}\n".encode("gb18030"))
    out = lines(scamscan("score", str(path), str(gbk), "--text-col", "body", "--id-col", "key"))
    assert [r["id"] for r in out] == ["k1", "k2", "k3", "g1"]
    assert "error" not in out[0] and "error" not in out[1]
    assert out[2]["error"] == f"{path}:4: field 'body' is empty"
    assert "error" not in out[3]
    assert any(c["kind"] == "wechat" and c["value"] == "kahs_488" for c in out[3]["contacts"])


def test_folder_of_gbk_html_and_txt(tmp_path: Path, model_version: str):
    folder = tmp_path / "pages"
    (folder / "sub").mkdir(parents=True)
    gbk_page = (
        '<html><head><meta charset="gbk"><title>高价回收</title></head><body>'
        "<main><p>京东E卡高价回收，秒结，长期大量收。</p></main>"
        "<footer>联系我们 微信号：kahs_2024 电话微信同号</footer></body></html>"
    )
    (folder / "b.html").write_bytes(gbk_page.encode("gbk"))
    (folder / "sub" / "a.txt").write_bytes(INFO.format(n=5).encode("gb18030"))
    (folder / "sub" / "c.txt").write_text(SOLICIT.format(n=5), "utf-8")
    (folder / "sub" / "bin.txt").write_bytes(bytes(range(256)) * 4)
    (folder / "ignored.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    out = lines(scamscan("score", str(folder)))
    assert [r["id"] for r in out] == ["b.html", "sub/a.txt", "sub/bin.txt", "sub/c.txt"]
    html = out[0]
    assert "error" not in html, html
    assert any(c["kind"] == "wechat" and "kahs_2024" in c["value"] for c in html["contacts"])
    assert any(b["place"] == "footer" for b in html["blocks"])
    assert "error" not in out[1] and "error" not in out[3]
    assert out[2]["error"] == f"{folder / 'sub' / 'bin.txt'}: binary file, not text"


def test_bad_rows_are_named_and_the_rest_is_scored(tmp_path: Path, model_version: str):
    path = write_jsonl(
        tmp_path / "bad.jsonl",
        [
            {"id": "ok1", "text": SOLICIT.format(n=6)},
            b'{"id": "broken", "text": ',
            {"id": "empty", "text": "   "},
            b'{"id": "bytes", "text": "\xff\xfe\x00\x81\x80 abc"}',
            {"id": "controls", "text": "\x00\x01\x02\x03\x04\x05abc"},
            {"id": "huge", "text": "回" * 1_700_000},  # about 5 MB of UTF-8
            {"id": "notext", "html": "<html><body><script>var a = 1;</script></body></html>"},
            {"id": "nofield", "body": "正文在错误的字段里"},
            {"id": "number", "text": 12345},
            [1, 2],
            {"id": "ok2", "html": INFO_HTML.format(n=6)},
        ],
    )
    result = scamscan("score", str(path))
    out = lines(result)
    by_id = {r["id"]: r for r in out}
    assert [r["id"] for r in out] == [
        "ok1",
        f"{path}:2",
        "empty",
        f"{path}:4",
        "controls",
        "huge",
        "notext",
        "nofield",
        "number",
        f"{path}:10",
        "ok2",
    ]
    assert by_id["ok1"].keys() >= RESULT_KEYS and by_id["ok2"].keys() >= RESULT_KEYS
    errors = {r["id"]: r["error"] for r in out if "error" in r}
    assert errors[f"{path}:2"].startswith(f"{path}:2: bad JSON")
    assert errors["empty"] == f"{path}:3: field 'text' is empty"
    assert errors[f"{path}:4"] == f"{path}:4: undecodable bytes (neither UTF-8 nor GB18030)"
    assert errors["controls"] == f"{path}:5: field 'text' looks like binary data, not text"
    assert errors["huge"].startswith(f"{path}:6: text is too long: 1,700,000 characters")
    assert errors["notext"] == f"{path}:7: the HTML has no text"
    assert errors["nofield"] == f"{path}:8: no value in field 'text' or 'html'"
    assert errors["number"] == f"{path}:9: field 'text' is not a string (got int)"
    assert errors[f"{path}:10"] == f"{path}:10: not a JSON object (got list)"
    assert "scored 2, errors 9, skipped 0" in result.stderr


def test_missing_csv_columns_are_named_and_other_inputs_still_scored(
    tmp_path: Path, model_version: str
):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("id,content\n1,加微信秒结\n", "utf-8")
    short = tmp_path / "short.csv"
    short.write_text(f"id,text\nr1,{SOLICIT.format(n=7)}\nr2\n", "utf-8")
    good = write_jsonl(tmp_path / "good.jsonl", [{"id": "g", "text": INFO.format(n=7)}])
    out = lines(scamscan("score", str(wrong), str(short), str(good)))
    assert out[0] == {
        "id": f"{wrong}:1",
        "error": f"{wrong}:1: no column 'text' (--text-col) or 'html' (--html-col); "
        "columns are 'id', 'content'",
    }
    assert out[1]["id"] == "r1" and "error" not in out[1]
    assert out[2] == {"id": "r2", "error": f"{short}:3: row has no column 'text' (1 of 2 cells)"}
    assert out[3]["id"] == "g" and "error" not in out[3]


def many_docs(n: int) -> list:
    rows: list = []
    for i in range(n):
        if i % 7 == 3:
            rows.append({"id": f"e{i}", "text": ""})
        elif i % 3 == 0:
            rows.append({"id": f"h{i}", "html": INFO_HTML.format(n=i)})
        else:
            rows.append({"id": f"t{i}", "text": (SOLICIT if i % 2 else INFO).format(n=i)})
    return rows


def test_jobs_2_gives_the_same_output_as_jobs_1(tmp_path: Path, model_version: str):
    rows = many_docs(70)
    path = write_jsonl(tmp_path / "many.jsonl", rows)
    one = scamscan("score", str(path), "--jobs", "1")
    two = scamscan("score", str(path), "--jobs", "2", "--out", str(tmp_path / "two.jsonl"))
    assert one.returncode == 0 and two.returncode == 0, two.stderr
    assert two.stdout == ""
    assert (tmp_path / "two.jsonl").read_text("utf-8") == one.stdout
    assert [r["id"] for r in lines(one)] == [r["id"] for r in rows]
    assert "(2 workers)" in two.stderr


def count_scores(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("select count(*) from scores").fetchone()[0]


def test_store_skips_documents_already_scored(tmp_path: Path, model_version: str):
    db = tmp_path / "pages.db"
    path = write_jsonl(tmp_path / "in.jsonl", many_docs(20))
    good = sum(1 for r in many_docs(20) if r.get("text") or r.get("html"))
    first = scamscan("score", str(path), "--store", f"sqlite:///{db}")
    assert f"scored {good}, errors {20 - good}, skipped 0" in first.stderr, first.stderr
    assert count_scores(db) == good
    more = write_jsonl(tmp_path / "more.jsonl", [{"id": "new", "text": SOLICIT.format(n=99)}])
    second = scamscan("score", str(path), str(more), "--store", f"sqlite:///{db}", "--jobs", "2")
    assert f"scored 1, errors {20 - good}, skipped {good}" in second.stderr, second.stderr
    assert count_scores(db) == good + 1
    # the saved results, in the same order, then the new one
    assert second.stdout.splitlines()[:-1] == first.stdout.splitlines()
    assert json.loads(second.stdout.splitlines()[-1])["id"] == "new"


def test_store_without_input_scores_the_stores_unscored_pages(tmp_path: Path, model_version: str):
    db = tmp_path / "crawl.db"
    store = PageStore(f"sqlite:///{db}")
    pages = {
        "http://a.example/1": SOLICIT_PAGE_GBK,
        "http://a.example/2": INFO_HTML.format(n=10),
    }
    for url, html in pages.items():
        encoding = "gb18030" if url.endswith("1") else "utf-8"
        store.save_page(
            {
                "url": url,
                "crawl_id": "c1",
                "status": 200,
                "encoding": encoding,
                "raw_html": compress(html.encode(encoding)),
            }
        )
    store.save_page({"url": "http://a.example/3", "crawl_id": "c1", "status": 200, "text": ""})
    store.close()
    url = f"sqlite:///{db}"
    out = lines(scamscan("score", "--store", url))
    assert [r["id"] for r in out] == [*list(pages), "http://a.example/3"]
    assert any(c["kind"] == "wechat" for c in out[0]["contacts"]), out[0]
    assert "error" not in out[1]
    assert "neither raw_html nor text" in out[2]["error"]
    assert count_scores(db) == 2
    again = scamscan("score", "--store", url)
    assert lines(again)[0]["id"] == "http://a.example/3"  # only the page that failed
    assert "scored 0, errors 1, skipped 2" in again.stderr


SOLICIT_PAGE_GBK = (
    '<html><head><meta charset="gbk"></head><body><main><p>话费卡高价回收，长期大量收。</p></main>'
    '<div class="float-qq">在线客服 加微信：hk_8866 秒结</div></body></html>'
)


def test_bad_arguments_are_refused_before_scoring(tmp_path: Path):
    missing = scamscan("score", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 2
    assert "no such file or folder" in plain(missing.stderr)
    (tmp_path / "x.xlsx").write_bytes(b"PK")
    unknown = scamscan("score", str(tmp_path / "x.xlsx"))
    assert unknown.returncode == 2 and "unknown format '.xlsx'" in plain(unknown.stderr)
    nothing = scamscan("score")
    assert nothing.returncode == 2 and "give INPUT files or folders, or --store" in plain(
        nothing.stderr
    )


# The readers on their own (no model, no subprocess).


def test_jsonl_reader_streams_line_by_line():
    from classifier.batch import Columns, iter_jsonl

    first = json.dumps({"id": "a", "text": "第一行"}, ensure_ascii=False).encode() + b"\n"
    fh = io.BufferedReader(io.BytesIO(first + b'{"id": "b", "text": "x"}\n' * 200_000))
    records = iter_jsonl(fh, "big.jsonl", Columns())
    assert next(records) == {"id": "a", "source": "big.jsonl:1", "text": "第一行"}
    assert fh.tell() < 100_000  # not the whole 5 MB


def test_readers_handle_utf16_and_refuse_overlong_lines(tmp_path: Path, monkeypatch):
    from classifier import batch

    utf16 = tmp_path / "u16.jsonl"
    utf16.write_text('{"id": "u", "text": "宽字符 UTF-16"}\n', "utf-16")
    assert list(batch.iter_inputs([str(utf16)])) == [
        {"id": "u", "source": f"{utf16}:1", "text": "宽字符 UTF-16"}
    ]
    monkeypatch.setattr(batch, "MAX_RECORD_BYTES", 1000)
    long = write_jsonl(
        tmp_path / "long.jsonl", [{"id": "x", "text": "a" * 5000}, {"id": "y", "text": "短"}]
    )
    too_long, ok = batch.iter_inputs([str(long)])
    assert too_long["error"] == f"{long}:1: line longer than 1,000 bytes"
    assert ok == {"id": "y", "source": f"{long}:2", "text": "短"}


# Worker processes (--jobs N): a dead worker or a different model is an error, never a hang.


def _procs() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process, from /proc."""
    procs = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        procs[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), cmdline)
    return procs


def worker_pids(root: int) -> list[int]:
    """The scoring workers under ``root``: children of a forkserver, or spawned children."""
    procs = _procs()
    below, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, (ppid, _) in procs.items() if ppid in frontier} - below
        below |= frontier
    return sorted(
        pid
        for pid in below
        if "spawn_main" in procs[pid][1]
        or ("forkserver" in procs.get(procs[pid][0], (0, ""))[1] and procs[pid][0] != root)
    )


def test_a_killed_worker_gives_a_clear_error_exit_not_a_hang(tmp_path: Path, model_version: str):
    path = write_jsonl(tmp_path / "many.jsonl", many_docs(3000))
    process = subprocess.Popen(
        [sys.executable, "-m", "api", "score", str(path), "--jobs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    first_output = threading.Event()
    received = []

    def read_stdout() -> None:
        while chunk := process.stdout.read1(65536):
            received.append(chunk)
            first_output.set()

    reader = threading.Thread(target=read_stdout, daemon=True)
    reader.start()
    try:
        assert first_output.wait(240), "no output from `score --jobs 2`"
        workers = worker_pids(process.pid)
        assert len(workers) == 2, workers
        os.kill(workers[0], signal.SIGKILL)
        returncode = process.wait(timeout=60)  # bounded: a hang fails here
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(10)
    stderr = process.stderr.read().decode("utf-8", "replace")
    assert returncode == 1, stderr
    assert "scoring stopped: a worker process died" in stderr
    written = b"".join(received).decode("utf-8").splitlines()
    assert 0 < len(written) < 3000  # what was scored before the death is kept, in order
    assert [json.loads(line)["id"] for line in written] == [
        r["id"] for r in many_docs(3000)[: len(written)]
    ]
    deadline = time.monotonic() + 20
    while (left := [p for p in workers[1:] if p in _procs()]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, "the other worker outlived the command"


def test_a_worker_with_another_model_version_fails_loudly(tmp_path: Path, scorer):
    """The batch started with one model; workers that load another refuse to score."""
    from classifier import batch
    from classifier.scorer import load_model, save

    other = load_model(Path(os.environ["SCAMSCAN_MODEL_DIR"]))
    other.card = {**other.card, "version": "other-version"}
    save(other, tmp_path / "other")
    records = [{"id": i, "source": f"t:{i}", "text": INFO.format(n=i)} for i in range(40)]
    written: list[str] = []
    with pytest.raises(batch.WorkerError) as caught:
        batch.run_batch(
            iter(records), written.append, jobs=2, model_dir=str(tmp_path / "other"), scorer=scorer
        )
    message = str(caught.value)
    assert f"worker loaded model other-version, but the batch is scored with {scorer.version}" in (
        message
    )
    assert written == []


def test_workers_load_the_model_folder_the_batch_resolved_and_never_train(
    tmp_path: Path, scorer, monkeypatch
):
    """Without --model the workers load the default folder as the parent sees it, as it is.

    A forkserver keeps the environment it started with, and a worker that trained
    the default model itself would overwrite it under the parent's feet.
    """
    from classifier import batch
    from classifier.scorer import load_model, save

    stale = load_model(Path(os.environ["SCAMSCAN_MODEL_DIR"]))
    stale.card = {**stale.card, "version": "stale-version"}
    save(stale, tmp_path / "stale")
    monkeypatch.setenv("SCAMSCAN_MODEL_DIR", str(tmp_path / "stale"))
    records = [{"id": i, "source": f"t:{i}", "text": INFO.format(n=i)} for i in range(40)]
    written: list[str] = []
    with pytest.raises(batch.WorkerError) as caught:
        batch.run_batch(iter(records), written.append, jobs=2, scorer=scorer)
    assert "worker loaded model stale-version" in str(caught.value)
    assert load_model(tmp_path / "stale").version == "stale-version"  # not retrained
    assert written == []


def test_json_the_parser_cannot_take_is_an_error_row_not_the_end(tmp_path: Path):
    """Nesting deeper than Python's recursion limit, or a 5,000-digit number, stops one row."""
    from classifier import batch

    path = tmp_path / "odd.jsonl"
    path.write_text(
        '{"id": "a", "text": "加微信 abc12345"}\n'
        + '{"id": "deep", "text": ' + "[" * 100_000 + "]" * 100_000 + "}\n"
        + '{"id": ' + "9" * 5000 + ', "text": "x"}\n'
        + '{"id": "b", "text": "ok"}\n',
        "utf-8",
    )  # fmt: skip
    rows = list(batch.iter_inputs([str(path)]))
    assert [r["id"] for r in rows] == ["a", f"{path}:2", f"{path}:3", "b"]
    assert rows[1]["error"].startswith(f"{path}:2: bad JSON")
    assert rows[2]["error"].startswith(f"{path}:3: bad JSON")
