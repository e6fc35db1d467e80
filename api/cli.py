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
OWN_LOGGERS = ("scamscan", "corpus", "crawler", "classifier", "api")

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
pages_app = typer.Typer(help="Pages in the store: export them.", no_args_is_help=True)
app.add_typer(pages_app, name="pages")

StoreUrl = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="SQLAlchemy URL of the page store (default: $SCAMSCAN_STORE or sqlite:///scamscan.db).",
    ),
]

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
    """Logs go to standard error; standard output is kept for results.

    Our own loggers speak at INFO; libraries (Scrapy, uvicorn) only warn unless -v.
    """
    level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(
        stream=sys.stderr, level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(min(level, logging.INFO))


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


@sites_app.command("stats")
def sites_stats(
    sites_dir: SitesDir = None,
    write: Annotated[
        Path | None,
        typer.Option(help="Rewrite the stats block of this data card (e.g. data/CORPUS.md)."),
    ] = None,
) -> None:
    """Print the corpus figures (labels, kinds, signals, lengths, encodings, links) as Markdown."""
    from corpus.checks import check_corpus
    from corpus.stats import replace_block, stats_markdown

    sites = _load(sites_dir)
    block = stats_markdown(sites, check_corpus(sites).parsed)
    if write is None:
        sys.stdout.write(block)
        return
    try:
        write.write_text(replace_block(write.read_text("utf-8"), block), "utf-8")
    except (OSError, ValueError) as exc:
        raise typer.BadParameter(str(exc), param_hint="--write") from exc
    log.info("updated %s", write)


@app.command()
def crawl(
    seeds: Annotated[list[str] | None, typer.Argument(help="Seed URLs (http or https).")] = None,
    seeds_file: Annotated[
        Path | None,
        typer.Option(help="File of seed URLs, one per line (# comments).", dir_okay=False),
    ] = None,
    allow_domain: Annotated[
        list[str] | None,
        typer.Option(help="Also follow links to this host (repeatable); seeds' hosts always."),
    ] = None,
    max_pages: Annotated[
        int | None, typer.Option(min=1, help="Stop after storing this many pages.")
    ] = None,
    depth: Annotated[int | None, typer.Option(min=0, help="Link depth limit (default 10).")] = None,
    store: StoreUrl = None,
    jsonl: Annotated[
        Path | None, typer.Option(help="Also write this crawl's pages as JSON Lines.")
    ] = None,
    resume: Annotated[
        bool, typer.Option(help="Continue the last unfinished crawl of the same seeds.")
    ] = False,
    autothrottle: Annotated[bool, typer.Option(help="Adapt delays to each host's latency.")] = True,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", "-s", help="Override a Scrapy setting, NAME=VALUE (repeatable)."),
    ] = None,
) -> None:
    """Crawl recovery-service sites politely into the page store.

    Obeys robots.txt, follows sitemap.xml, stays on the seeds' hosts, decodes
    GBK / GB2312 / GB18030 right, and keeps every page's text blocks (footers and
    floating widgets included). Prints a JSON summary on standard output.
    """
    from crawler.runner import CrawlFailed, CrawlOptions, run_crawl
    from crawler.spiders.recovery import read_seeds
    from crawler.store import default_store_url
    from crawler.urls import InvalidURL

    try:
        read_seeds(seeds or [], str(seeds_file) if seeds_file else None)
    except (InvalidURL, OSError) as exc:
        raise typer.BadParameter(str(exc), param_hint="SEEDS / --seeds-file") from exc
    overrides = {}
    for item in set_ or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise typer.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="--set")
        overrides[name.strip()] = value
    options = CrawlOptions(
        seeds=seeds or [],
        seeds_file=str(seeds_file) if seeds_file else None,
        allow_domains=allow_domain or [],
        max_pages=max_pages,
        depth=depth,
        store=store or default_store_url(),
        jsonl=str(jsonl) if jsonl else None,
        resume=resume,
        autothrottle=autothrottle,
        settings=overrides,
    )
    try:
        summary = run_crawl(options)
    except CrawlFailed as exc:
        log.error("crawl failed: %s", exc)
        raise typer.Exit(1) from exc
    sys.stdout.write(json.dumps(summary, ensure_ascii=False, default=str) + "\n")


@pages_app.command("export")
def pages_export(
    store: StoreUrl = None,
    out: Annotated[
        Path | None, typer.Option(help="Output file (default: standard output).")
    ] = None,
    crawl_id: Annotated[str | None, typer.Option(help="Only this crawl's pages.")] = None,
) -> None:
    """Write stored pages as JSON Lines, one object per page, fields named as in the store."""
    from crawler.store import PageStore, default_store_url, export_jsonl

    page_store = PageStore(store or default_store_url())
    if out is None:
        n = export_jsonl(page_store, sys.stdout, crawl_id)
    else:
        with out.open("w", encoding="utf-8") as fh:
            n = export_jsonl(page_store, fh, crawl_id)
    log.info("exported %d pages", n)


@app.command()
def cv(
    input_file: Annotated[
        Path | None,
        typer.Argument(
            help="Labelled .csv / .tsv / .jsonl file (omit with --corpus).", dir_okay=False
        ),
    ] = None,
    text_col: Annotated[str, typer.Option(help="Column holding the text.")] = "text",
    label_col: Annotated[str, typer.Option(help="Column holding the label.")] = "label",
    group_col: Annotated[
        str | None, typer.Option(help="Keep rows of one group in one fold (e.g. a site column).")
    ] = None,
    corpus: Annotated[
        bool, typer.Option("--corpus", help="Use the bundled corpus, folds grouped by site.")
    ] = False,
    folds: Annotated[int, typer.Option(min=2, max=20, help="Number of folds.")] = 5,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON instead of Markdown.")
    ] = False,
) -> None:
    """Stratified k-fold cross-validation of the scoring pipeline on any labelled texts.

    Prints per-class precision / recall / F1, macro and weighted F1, accuracy and time.
    Works for binary and multi-class labels.
    """
    from classifier.evaluate import cross_validate
    from classifier.inputs import InputError, corpus_examples, read_labelled

    if corpus == (input_file is not None):
        raise typer.BadParameter("give either an INPUT file or --corpus", param_hint="INPUT")
    try:
        data = (
            corpus_examples()
            if corpus
            else read_labelled(input_file, text_col, label_col, group_col)
        )
    except InputError as exc:
        raise typer.BadParameter(str(exc), param_hint="INPUT") from exc
    counts = {label: data.labels.count(label) for label in set(data.labels)}
    too_small = sorted(label for label, n in counts.items() if n < folds)
    if too_small:
        raise typer.BadParameter(
            f"labels with fewer rows than folds ({folds}): {', '.join(too_small)}",
            param_hint="--folds",
        )
    report = cross_validate(data.texts, data.labels, data.groups, folds)
    if as_json:
        payload = {**report.as_dict(), "skipped_rows": data.skipped}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(report.markdown() + "\n")
