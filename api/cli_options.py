"""Option types the command groups share, so `--store` and `--model` read the same everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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
