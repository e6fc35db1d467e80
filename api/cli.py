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

from api.cli_options import ModelDir, OutFile, StoreUrl, output
from api.cli_service import feedback_app, keys_app, serve
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
app.command()(serve)
app.add_typer(keys_app, name="keys")
app.add_typer(feedback_app, name="feedback")

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
    out: OutFile = None,
    crawl_id: Annotated[str | None, typer.Option(help="Only this crawl's pages.")] = None,
) -> None:
    """Write stored pages as JSON Lines, one object per page, fields named as in the store."""
    from crawler.store import PageStore, default_store_url, export_jsonl

    page_store = PageStore(store or default_store_url())
    with output(out) as fh:
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
    tune: Annotated[
        bool,
        typer.Option(
            "--tune",
            help="Choose the classifier (loss, C, class weights) on each training fold by an "
            "inner 3-fold CV of that fold alone (nested CV): 37 classifier fits per fold, not 1.",
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON instead of Markdown.")
    ] = False,
) -> None:
    """Stratified k-fold cross-validation of the scoring pipeline on any labelled texts.

    Prints per-class precision / recall / F1, macro and weighted F1, accuracy and time.
    Works for binary and multi-class labels. With --tune, also the classifier chosen per fold.
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
    report = cross_validate(data.texts, data.labels, data.groups, folds, tune=tune)
    if as_json:
        payload = {**report.as_dict(), "skipped_rows": data.skipped}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(report.markdown() + "\n")


@app.command("eval")
def eval_command(
    input_file: Annotated[
        Path, typer.Argument(help="Labelled .csv / .tsv / .jsonl file.", dir_okay=False)
    ],
    positive: Annotated[
        list[str],
        typer.Option(
            metavar="LABEL[,LABEL...]",
            help="Label value(s) that count as solicitation / fraud, comma-separated or "
            "repeated; every other label is negative.",
        ),
    ],
    text_col: Annotated[str, typer.Option(help="Column holding the text.")] = "text",
    label_col: Annotated[str, typer.Option(help="Column holding the label.")] = "label",
    model: ModelDir = None,
    report_path: Annotated[
        Path, typer.Option("--report", help="Markdown report to write.", dir_okay=False)
    ] = Path("eval-report.md"),
    plot_path: Annotated[
        Path | None,
        typer.Option(
            "--plot",
            help="Calibration plot (PNG) to write (default: eval-calibration.png beside the "
            "report).",
            dir_okay=False,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON instead of Markdown.")
    ] = False,
) -> None:
    """Evaluate the model on your own labelled texts, at the review and block thresholds.

    Prints precision / recall / F1 and the confusion matrix at each threshold,
    ROC-AUC, PR-AUC (average precision), Brier score and calibration bins; writes
    the same as a Markdown report, and a calibration plot (PNG).
    """
    import os
    from array import array
    from collections import Counter

    from classifier.inputs import InputError, iter_labelled, log_skipped

    positives = [v.strip() for item in positive for v in item.split(",") if v.strip()]
    if not positives:
        raise typer.BadParameter("name at least one label value", param_hint="--positive")
    skipped: list[str] = []
    try:  # first pass: the labels only, to check --positive before any scoring
        counts = Counter(
            row.label for row in iter_labelled(input_file, text_col, label_col, None, skipped)
        )
    except InputError as exc:
        raise typer.BadParameter(str(exc), param_hint="INPUT") from exc
    if not counts:
        raise typer.BadParameter(
            f"{input_file}: no usable rows ({len(skipped)} skipped)", param_hint="INPUT"
        )
    log_skipped(input_file, skipped)
    present = ", ".join(f"{label!r} ({n})" for label, n in sorted(counts.items()))
    unknown = [v for v in dict.fromkeys(positives) if v not in counts]
    if unknown:
        raise typer.BadParameter(
            f"{', '.join(map(repr, unknown))} never occurs in column {label_col!r} of "
            f"{input_file}; the labels there are {present}",
            param_hint="--positive",
        )

    import numpy as np

    from classifier.batch import stream_scores
    from classifier.metrics import evaluate
    from classifier.plots import calibration_plot
    from classifier.scorer import Scorer

    try:
        scorer = Scorer.from_dir(model)
    except (OSError, ValueError, KeyError) as exc:
        raise typer.BadParameter(f"cannot load the model: {exc}", param_hint="--model") from exc
    # Second pass: texts streamed and scored in chunks; only 0/1 and the scores are kept.
    positive_set = set(positives)
    y, scores, kept = array("b"), array("d"), Counter()
    try:
        rows = iter_labelled(input_file, text_col, label_col)
        for row, score, problem in stream_scores(scorer, rows):
            if problem is None:
                y.append(row.label in positive_set)
                scores.append(score)
                kept[row.label] += 1
            else:
                skipped.append(f"row {row.number}: {problem}")
                log.warning("%s: row %d skipped: %s", input_file, row.number, problem)
    except ValueError as exc:  # InputError too: the file changed between the passes
        raise typer.BadParameter(f"cannot score: {exc}", param_hint="INPUT") from exc
    if not scores:
        raise typer.BadParameter("cannot score: no text can be scored", param_hint="INPUT")
    y, scores = np.frombuffer(y, dtype=np.int8), np.frombuffer(scores)
    counts = dict(sorted(kept.items()))
    meta = {
        "input": str(input_file),
        "model": scorer.version,
        "text_column": text_col,
        "label_column": label_col,
        "positive_labels": {v: counts.get(v, 0) for v in sorted(positive_set)},
        "negative_labels": {k: n for k, n in counts.items() if k not in positive_set},
        "skipped_rows": len(skipped),
    }
    report = evaluate(y, scores, dict(scorer.thresholds), meta)

    plot_path = plot_path or report_path.parent / "eval-calibration.png"
    link = Path(os.path.relpath(plot_path.resolve(), report_path.resolve().parent)).as_posix()
    markdown = report.markdown(plot=link)
    try:
        for path in (report_path, plot_path):
            path.parent.mkdir(parents=True, exist_ok=True)
        calibration_plot(report, y, scores, plot_path, title=f"model {scorer.version}")
        report_path.write_text(markdown, "utf-8")
    except OSError as exc:
        raise typer.BadParameter(str(exc), param_hint="--report / --plot") from exc
    log.info("wrote %s and %s", report_path, plot_path)
    if as_json:
        payload = {
            **report.as_dict(),
            "report": str(report_path),
            "plot": str(plot_path),
            "skipped_rows": skipped,
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(markdown)


@app.command()
def score(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            help="JSON Lines (.jsonl; - for standard input), CSV / TSV, .html / .txt pages, or "
            "folders of them (read recursively). Omit with --store to score the store's pages.",
            metavar="INPUT",
            show_default=False,
        ),
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            help="SQLAlchemy URL of the page store: skip documents this model already scored, "
            "save new results. Without INPUT: score the store's pages not yet scored.",
        ),
    ] = None,
    out: OutFile = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=0, help="Worker processes (0: every core).")
    ] = 1,
    text_col: Annotated[str, typer.Option(help="Field / column holding plain text.")] = "text",
    html_col: Annotated[
        str, typer.Option(help="Field / column holding HTML (wins over text when both).")
    ] = "html",
    id_col: Annotated[
        str, typer.Option(help="Field / column holding the id (default id: FILE:ROW).")
    ] = "id",
    url_col: Annotated[str, typer.Option(help="Field / column holding the page URL.")] = "url",
    model: ModelDir = None,
) -> None:
    """Score pages in bulk: one JSON line per document, with its id, in input order.

    A line is {"id", score, label, suggestion, signals, contacts, blocks,
    terms, model}, or {"id", "error": "FILE:ROW: what is wrong"} for a
    document that cannot be scored; the rest of the batch is still scored.
    Streams in constant memory; a summary goes to standard error.
    """
    from classifier.batch import (
        BatchInputError,
        Columns,
        WorkerError,
        check_input,
        default_jobs,
        iter_inputs,
        iter_store_pages,
        load_scorer,
        run_batch,
    )

    if not inputs and store is None:
        raise typer.BadParameter("give INPUT files or folders, or --store", param_hint="INPUT")
    for spec in inputs or []:
        try:
            check_input(spec)
        except BatchInputError as exc:
            raise typer.BadParameter(str(exc), param_hint="INPUT") from exc
    page_store = None
    if store is not None:
        from sqlalchemy.exc import SQLAlchemyError

        from crawler.store import PageStore

        try:
            page_store = PageStore(store)
        except (SQLAlchemyError, ValueError) as exc:
            raise typer.BadParameter(f"cannot open the store: {exc}", param_hint="--store") from exc
    if out is not None and not out.parent.is_dir():
        raise typer.BadParameter(f"{out.parent}: no such folder", param_hint="--out")
    try:
        scorer = load_scorer(str(model) if model else None)
    except (OSError, ValueError, KeyError) as exc:
        if model is not None:
            raise typer.BadParameter(f"cannot load the model: {exc}", param_hint="--model") from exc
        log.error("cannot load the default model: %s", exc)
        raise typer.Exit(1) from exc
    cols = Columns(text=text_col, html=html_col, id=id_col, url=url_col)
    records = iter_inputs(inputs, cols) if inputs else iter_store_pages(page_store)
    workers = default_jobs(jobs)
    try:
        fh = sys.stdout if out is None else out.open("w", encoding="utf-8")
    except OSError as exc:
        raise typer.BadParameter(str(exc), param_hint="--out") from exc
    try:
        summary = run_batch(
            records,
            fh.write,
            jobs=workers,
            model_dir=str(model) if model else None,
            scorer=scorer,
            store=page_store,
            only_new=not inputs,
            progress=sys.stderr.isatty(),
        )
    except WorkerError as exc:  # a dead worker: say so and stop, never wait for it
        log.error("scoring stopped: %s", exc)
        raise typer.Exit(1) from exc
    except BrokenPipeError as exc:  # the reader went away (`| head`): stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(1) from exc
    finally:
        if out is not None:
            fh.close()
        else:
            sys.stdout.flush()
        if page_store is not None:
            page_store.close()
    for problem in summary.error_samples:
        log.warning("%s", problem)
    if summary.errors > len(summary.error_samples):
        log.warning("%d more errors", summary.errors - len(summary.error_samples))
    log.info("%s (%d worker%s)", summary.line(), workers, "s" if workers > 1 else "")


@app.command()
def train(
    corpus: Annotated[
        Path | None,
        typer.Option(help="Corpus folder of sites (default: bundled data/sites).", file_okay=False),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Where to write the model (default: the default model's cache)."),
    ] = None,
    add: Annotated[
        list[Path] | None,
        typer.Option(
            help="Labelled pages to add (CSV or JSON Lines with `text` and `label`), e.g. "
            "`scamscan feedback export --out fb.jsonl`. Repeatable.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Train the page model on the labelled corpus; thresholds and metrics from held-out folds.

    Writes model.skops and card.json (version, date, thresholds, metrics, corpus counts),
    and prints the card. With --add and no --out, write the model somewhere else and serve
    it with `scamscan serve --model DIR`: the default cache holds the bundled corpus' model.
    """
    from classifier.extra import extra_examples
    from classifier.inputs import InputError
    from classifier.scorer import default_model_dir, model_lock, train_default

    try:
        extra = [e for path in add or [] for e in extra_examples(path)]
    except InputError as exc:
        raise typer.BadParameter(str(exc), param_hint="--add") from exc
    if extra and out is None:
        raise typer.BadParameter("give --out DIR with --add", param_hint="--out")
    target = out or default_model_dir()
    try:
        with model_lock(target):  # not while a first use trains the same folder
            model = train_default(target, corpus, extra)
    except ManifestError as exc:
        raise typer.BadParameter(str(exc), param_hint="--corpus") from exc
    sys.stdout.write(json.dumps(model.card, ensure_ascii=False, indent=2) + "\n")
