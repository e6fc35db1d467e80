"""The ``scamscan`` command line: one Typer app, one sub-command per job."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer

from corpus.manifest import ManifestError, default_sites_dir, iter_pages, load_sites
from corpus.web import DEFAULT_FIRST_ADDRESS, SiteWeb

log = logging.getLogger("scamscan")

app = typer.Typer(
    help="scamscan: score Chinese recovery-service (回收) pages for likely fraud, with evidence.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
sites_app = typer.Typer(
    help="The bundled corpus: fictional recovery-service sites with labelled pages.",
    no_args_is_help=True,
)
app.add_typer(sites_app, name="sites")

SitesDir = Annotated[
    Path | None,
    typer.Option(
        "--sites",
        help="Corpus folder (one sub-folder per site). Default: the bundled data/sites.",
        file_okay=False,
    ),
]


@app.callback()
def main(
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="More logs (-vv: debug).")
    ] = 0,
) -> None:
    """Logs go to standard error; standard output is kept for results."""
    level = logging.WARNING - 10 * min(verbose + 1, 2)
    logging.basicConfig(
        stream=sys.stderr, level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def _load(sites_dir: Path | None):
    try:
        return load_sites(sites_dir or default_sites_dir())
    except ManifestError as exc:
        raise typer.BadParameter(str(exc), param_hint="--sites") from exc


@sites_app.command("serve")
def sites_serve(
    sites_dir: SitesDir = None,
    first_address: Annotated[
        str, typer.Option("--address", help="Loopback address of the first site; the rest follow.")
    ] = DEFAULT_FIRST_ADDRESS,
    port: Annotated[int, typer.Option(help="Port for every site (0: pick a free one).")] = 0,
) -> None:
    """Serve every site on its own loopback address until Ctrl-C or SIGTERM.

    Prints one line per site, SITE_ID<TAB>ROOT_URL, on standard output.
    """
    sites = _load(sites_dir)
    if not sites:
        raise typer.BadParameter("no sites found", param_hint="--sites")
    try:
        web = SiteWeb(sites, first_address, port).start()
    except (OSError, ValueError) as exc:
        log.error("cannot start: %s", exc)
        raise typer.Exit(1) from exc
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    for site_id, url in web.urls.items():
        sys.stdout.write(f"{site_id}\t{url}\n")
    sys.stdout.flush()
    log.info("press Ctrl-C to stop")
    stop.wait()
    web.stop()
    log.info("stopped")


@sites_app.command("check")
def sites_check(sites_dir: SitesDir = None) -> None:
    """Check the corpus: manifest vs files, labels vs markup, near-copies, minimum counts."""
    from corpus.checks import MINIMUMS, check_corpus, minimum_problems  # numpy/scipy: only here

    report = check_corpus(_load(sites_dir))
    for problem in report.problems:
        typer.echo(f"problem: {problem}")
    for a, b, jaccard in report.near_copy_pairs:
        typer.echo(f"near-copy: {a} ~ {b} (Jaccard {jaccard:.2f})")
    shortfalls = minimum_problems(report.counts)
    for shortfall in shortfalls:
        typer.echo(f"short: {shortfall}")
    summary = ", ".join(f"{key} {report.counts[key]}" for key in MINIMUMS)
    typer.echo(f"counts: {summary}")
    if report.problems or report.near_copy_pairs or shortfalls:
        raise typer.Exit(1)


@sites_app.command("manifest")
def sites_manifest(sites_dir: SitesDir = None) -> None:
    """Print every page's manifest row as JSON Lines.

    Fields: site, path, label, mixed, encoding, signals, contacts.
    """
    for page in iter_pages(_load(sites_dir)):
        sys.stdout.write(json.dumps(page.as_row(), ensure_ascii=False) + "\n")
