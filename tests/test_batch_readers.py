"""The batch readers on their own (no model): every record capped, bad records named, rest read."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from classifier import batch


@pytest.fixture
def small_cap(monkeypatch):
    """Records over 1,000 bytes are refused (the real cap is 32 MB)."""
    monkeypatch.setattr(batch, "MAX_RECORD_BYTES", 1000)


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_csv_huge_cell_is_one_named_error_and_the_rest_is_read(tmp_path: Path, small_cap):
    path = write_csv(
        tmp_path / "big.csv",
        [["id", "text"], ["a", "短文本一"], ["b", "x" * 5000], ["c", "短文本二"]],
    )
    out = list(batch.iter_inputs([str(path)]))
    assert out == [
        {"id": "a", "source": f"{path}:2", "text": "短文本一"},
        {
            "id": f"{path}:3",
            "source": f"{path}:3",
            "error": f"{path}:3: record longer than 1,000 bytes",
        },
        {"id": "c", "source": f"{path}:4", "text": "短文本二"},
    ]


def test_csv_multiline_record_over_the_cap_is_stopped(tmp_path: Path, small_cap):
    # A quoted cell of many short lines: no single line is long, the record is.
    cell = "\n".join(["一行说明文字"] * 200)  # about 3,800 bytes
    path = write_csv(tmp_path / "multi.csv", [["id", "text"], ["a", cell], ["b", "在后面"]])
    out = list(batch.iter_inputs([str(path)]))
    assert out[0]["error"] == f"{path}:2: record longer than 1,000 bytes"
    assert out[-1] == {"id": "b", "source": out[-1]["source"], "text": "在后面"}
    assert all(r.get("text") != cell for r in out)


def test_csv_header_over_the_cap_is_one_error(tmp_path: Path, small_cap):
    path = write_csv(tmp_path / "head.csv", [["id", "t" * 2000], ["a", "b"]])
    assert list(batch.iter_inputs([str(path)])) == [
        {
            "id": f"{path}:1",
            "source": f"{path}:1",
            "error": f"{path}:1: record longer than 1,000 bytes",
        }
    ]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_utf16_and_utf32_lines_are_capped_too(tmp_path: Path, small_cap, encoding: str):
    jsonl = tmp_path / "wide.jsonl"
    jsonl.write_text(
        '{"id": "x", "text": "' + "宽" * 600 + '"}\n{"id": "y", "text": "短"}\n', encoding
    )
    too_long, ok = batch.iter_inputs([str(jsonl)])
    assert too_long["error"] == f"{jsonl}:1: line longer than 1,000 bytes"
    assert ok == {"id": "y", "source": f"{jsonl}:2", "text": "短"}
    table = write_csv(
        tmp_path / "wide.csv", [["id", "text"], ["x", "宽" * 600], ["y", "短"]], encoding
    )
    too_long, ok = batch.iter_inputs([str(table)])
    assert too_long["error"] == f"{table}:2: record longer than 1,000 bytes"
    assert ok == {"id": "y", "source": f"{table}:3", "text": "短"}


def test_utf16_csv_under_the_cap_reads_multiline_cells(tmp_path: Path):
    path = write_csv(tmp_path / "u16.csv", [["id", "text"], ["a", "第一行\n第二行"]], "utf-16")
    assert list(batch.iter_inputs([str(path)])) == [
        {"id": "a", "source": f"{path}:2", "text": "第一行\n第二行"}
    ]


def test_csv_reader_skips_a_huge_cell_and_reads_on(tmp_path: Path, small_cap):
    """A 20 MB cell is skipped in 1 MB reads, never held whole (the reader stays lazy)."""
    path = tmp_path / "huge.csv"
    with path.open("wb") as fh:
        fh.write(b"id,text\nh,")
        fh.write(b"y" * 20_000_000)
        fh.write("\nz,最后一行\n".encode())
    with path.open("rb") as fh:
        rows = batch.csv_rows(fh, "huge.csv")
        assert next(rows) == (1, ["id", "text"])
        assert next(rows) == (2, "record longer than 1,000 bytes")
        assert next(rows) == (3, ["z", "最后一行"])
