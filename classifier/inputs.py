"""Reading labelled texts: CSV, JSON Lines (streamed, as `scamscan score` reads), or the corpus.

Moderators bring their own exports; a missing column or an empty row must give
a message that names it, and the rest of the file must still be usable.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

_UNDECODABLE = re.compile(r"[\udc80-\udcff]")  # bytes neither UTF-8 nor GB18030


class InputError(ValueError):
    """The input as a whole cannot be used (unreadable, wrong format, missing column)."""


@dataclass
class Labelled:
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    groups: list[str] | None = None
    skipped: list[str] = field(default_factory=list)  # "row 12: empty text", ...


@dataclass(frozen=True)
class LabelledRow:
    number: int  # line of a JSON Lines file, row of a CSV (the header is row 1)
    text: str
    label: str
    group: str | None = None


CSV_SUFFIXES = (".csv", ".tsv", ".txt")


def iter_rows(path: Path) -> Iterator[tuple[int, dict]]:
    """(row number, record) from a .csv / .tsv or .jsonl / .json file, one row at a time.

    The readers of `scamscan score` (``classifier.batch``): each line decoded on
    its own (UTF-8, else GB18030; UTF-16 / UTF-32 with a BOM), every record
    capped. A row that cannot be read is ``{"__error__": why}``; a short CSV row
    has None in its missing cells.
    """
    from classifier.batch import JSONL_SUFFIXES, csv_rows, jsonl_rows

    if not path.is_file():
        raise InputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix not in JSONL_SUFFIXES + CSV_SUFFIXES:
        raise InputError(f"{path}: unknown format {suffix!r} (use .csv, .tsv or .jsonl)")
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    with fh:
        if suffix in JSONL_SUFFIXES:
            for number, obj in jsonl_rows(fh, str(path)):
                yield number, obj if isinstance(obj, dict) else {"__error__": obj}
            return
        rows = csv_rows(fh, str(path), "\t" if suffix == ".tsv" else ",")
        first = next(rows, None)
        if first is None:
            return
        if isinstance(first[1], str):
            raise InputError(f"{path}: row 1: {first[1]}")
        header = [h.strip() for h in first[1]]
        for number, row in rows:
            if isinstance(row, str):
                yield number, {"__error__": row}
                continue
            cells = row[: len(header)] + [None] * (len(header) - len(row))
            yield number, dict(zip(header, cells, strict=True))


def iter_labelled(
    path: Path,
    text_col: str,
    label_col: str,
    group_col: str | None = None,
    skipped: list[str] | None = None,
) -> Iterator[LabelledRow]:
    """Usable rows, streamed; bad rows are appended to ``skipped`` ("row 12: why").

    Raises InputError when a column is missing (checked on the first readable row).
    """
    skipped = skipped if skipped is not None else []
    checked_columns = False
    for number, record in iter_rows(path):
        if "__error__" in record:
            skipped.append(f"row {number}: {record['__error__']}")
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
            skipped.append(f"row {number}: empty {text_col!r}")
            continue
        if _UNDECODABLE.search(text):
            skipped.append(f"row {number}: undecodable bytes in {text_col!r}")
            continue
        if label is None or str(label).strip() == "":
            skipped.append(f"row {number}: empty {label_col!r}")
            continue
        group = str(record.get(group_col, "")) if group_col else None
        yield LabelledRow(number, text, str(label).strip(), group)


def log_skipped(path: Path, skipped: list[str]) -> None:
    for problem in skipped[:20]:
        log.warning("%s: %s", path, problem)
    if len(skipped) > 20:
        log.warning("%s: %d more rows skipped", path, len(skipped) - 20)


def read_labelled(
    path: Path, text_col: str, label_col: str, group_col: str | None = None
) -> Labelled:
    """Texts and labels from a file, all in memory (cross-validation trains on them).

    Bad rows are skipped and listed, never fatal.
    """
    out = Labelled(groups=[] if group_col else None)
    for row in iter_labelled(path, text_col, label_col, group_col, out.skipped):
        out.texts.append(row.text)
        out.labels.append(row.label)
        if out.groups is not None:
            out.groups.append(row.group or "")
    if not out.texts:
        raise InputError(f"{path}: no usable rows ({len(out.skipped)} skipped)")
    log_skipped(path, out.skipped)
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
