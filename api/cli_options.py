"""What the command groups share: option types (`--store`, `--model`, `--out`) and the
output file they name, so each reads the same everywhere."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TextIO

import typer

StoreUrl = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="SQLAlchemy URL of the store (default: $SCAMSCAN_STORE or sqlite:///scamscan.db).",
    ),
]

ModelDir = Annotated[
    Path | None,
    typer.Option(
        help="Model folder written by `scamscan train --out` (default: the bundled model).",
        exists=True,
        file_okay=False,
    ),
]

OutFile = Annotated[
    Path | None,
    typer.Option(help="Output file (default: standard output).", dir_okay=False),
]


@contextmanager
def output(out: Path | None) -> Iterator[TextIO]:
    """``out`` opened for UTF-8 writing and closed after, or standard output, flushed."""
    if out is None:
        yield sys.stdout
        sys.stdout.flush()
    else:
        with out.open("w", encoding="utf-8") as fh:
            yield fh
