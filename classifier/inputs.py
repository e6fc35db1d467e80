"""Reading labelled texts: CSV, JSON Lines, or the bundled corpus.

Moderators bring their own exports; a missing column or an empty row must give
a message that names it, and the rest of the file must still be usable.
"""

from __future__ import annotations

import csv
import json
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # pages can be long; the default is 128 KB


class InputError(ValueError):
    """The input as a whole cannot be used (unreadable, wrong format, missing column)."""


@dataclass
class Labelled:
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    groups: list[str] | None = None
    skipped: list[str] = field(default_factory=list)  # "row 12: empty text", ...


def _open_text(path: Path):
    """UTF-8 (with or without BOM); GB18030 for exports from Chinese spreadsheet tools."""
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding).splitlines(keepends=True)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{path}: neither UTF-8 nor GB18030 text")


def iter_rows(path: Path) -> Iterator[tuple[int, dict]]:
    """(row number, record) from a .csv / .tsv or .jsonl / .json file."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    lines = _open_text(path)
    if suffix in (".jsonl", ".ndjson", ".json"):
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, {"__error__": f"bad JSON: {exc.msg}"}
                continue
            yield number, record if isinstance(record, dict) else {"__error__": "not an object"}
    elif suffix in (".csv", ".tsv", ".txt"):
        reader = csv.DictReader(lines, delimiter="\t" if suffix == ".tsv" else ",")
        for number, record in enumerate(reader, start=2):  # row 1 is the header
            yield number, record
    else:
        raise InputError(f"{path}: unknown format {suffix!r} (use .csv, .tsv or .jsonl)")


def read_labelled(
    path: Path, text_col: str, label_col: str, group_col: str | None = None
) -> Labelled:
    """Texts and labels from a file; bad rows are skipped and listed, never fatal."""
    out = Labelled(groups=[] if group_col else None)
    checked_columns = False
    for number, record in iter_rows(path):
        if "__error__" in record:
            out.skipped.append(f"row {number}: {record['__error__']}")
            continue
        if not checked_columns:
            missing = [c for c in (text_col, label_col, group_col) if c and c not in record]
            if missing:
                raise InputError(
                    f"{path}: no column {', '.join(map(repr, missing))}; "
                    f"columns are {', '.join(map(repr, record))}"
                )
            checked_columns = True
        text, label = record.get(text_col), record.get(label_col)
        if not isinstance(text, str) or not text.strip():
            out.skipped.append(f"row {number}: empty {text_col!r}")
            continue
        if label is None or str(label).strip() == "":
            out.skipped.append(f"row {number}: empty {label_col!r}")
            continue
        out.texts.append(text)
        out.labels.append(str(label).strip())
        if out.groups is not None:
            out.groups.append(str(record.get(group_col, "")))
    if not out.texts:
        raise InputError(f"{path}: no usable rows ({len(out.skipped)} skipped)")
    for problem in out.skipped[:20]:
        log.warning("%s: %s", path, problem)
    if len(out.skipped) > 20:
        log.warning("%s: %d more rows skipped", path, len(out.skipped) - 20)
    return out


def corpus_examples(sites_dir: Path | None = None) -> Labelled:
    """The bundled corpus as labelled page texts, grouped by site (for site-grouped folds).

    The same examples the model trains on: the crawler's page text, footers and
    widgets included.
    """
    from classifier.training import corpus_training_examples

    examples = corpus_training_examples(sites_dir)
    return Labelled(
        texts=[e.doc.text for e in examples],
        labels=[e.label for e in examples],
        groups=[e.group for e in examples],
    )
