"""The data card's figures, made from the corpus itself so that they cannot go stale.

``data/CORPUS.md`` holds the tables between two markers; a test fails when they
differ from what the corpus says now, and ``scamscan sites stats --write``
rewrites them.
"""

from __future__ import annotations

import statistics
from collections import Counter
from pathlib import Path

from corpus.checks import ParsedPage
from corpus.links import reachable_pages
from corpus.manifest import LABELS, Site

BEGIN = "<!-- stats:begin (made by `scamscan sites stats --write`) -->"
END = "<!-- stats:end -->"
LENGTH_BUCKETS = ((0, 80), (81, 500), (501, 2000), (2001, 5000), (5001, 8000), (8001, None))


def _table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _label_row(pages: list[ParsedPage]) -> list[int]:
    labels = Counter(p.page.label for p in pages)
    return [labels[label] for label in LABELS] + [sum(p.page.mixed for p in pages)]


def stats_markdown(sites: list[Site], parsed: list[ParsedPage]) -> str:
    """Markdown tables: kinds, labels, signals, contacts, lengths, encodings, links."""
    by_site: dict[str, list[ParsedPage]] = {}
    for p in parsed:
        by_site.setdefault(p.page.site, []).append(p)
    out = []

    totals = _label_row(parsed)
    hard = sum(p.page.hard_negative for p in parsed)
    out.append(f"**{len(sites)} sites, {len(parsed)} pages.**\n")
    out.append("### Pages by label\n")
    out.append(
        _table(
            [
                "informational",
                "(of which hard negatives)",
                "platform",
                "solicitation",
                "(of which mixed)",
            ],
            [[totals[0], hard, totals[1], totals[2], totals[3]]],
        )
    )

    kinds: dict[str, list[ParsedPage]] = {}
    kind_sites: Counter = Counter(s.kind for s in sites)
    for site in sites:
        kinds.setdefault(site.kind, []).extend(by_site.get(site.id, []))
    out.append("\n### Sites by kind\n")
    out.append(
        _table(
            ["kind", "sites", "pages", *LABELS, "mixed"],
            [[k, kind_sites[k], len(v), *_label_row(v)] for k, v in sorted(kinds.items())],
        )
    )

    signals: Counter = Counter(s for p in parsed for s in p.page.signals)
    signal_labels: dict[str, Counter] = {}
    for p in parsed:
        for s in p.page.signals:
            signal_labels.setdefault(s, Counter())[p.page.label] += 1
    out.append("\n### Signals (pages carrying each)\n")
    out.append(
        _table(
            ["signal", "pages", *LABELS],
            [
                [s, n, *(signal_labels[s][label] for label in LABELS)]
                for s, n in sorted(signals.items())
            ],
        )
    )

    contacts: Counter = Counter(c.kind for p in parsed for c in p.page.contacts)
    out.append("\n### Personal contact handles listed\n")
    out.append(_table(["kind", "handles"], [[k, n] for k, n in sorted(contacts.items())]))

    lengths = [len(p.main_text) for p in parsed]
    rows = []
    for low, high in LENGTH_BUCKETS:
        n = sum(1 for x in lengths if x >= low and (high is None or x <= high))
        rows.append([f"{low}–{high}" if high else f"> {low - 1}", n])
    out.append("\n### Main-text length (characters, whitespace removed)\n")
    out.append(_table(["length", "pages"], rows))
    if lengths:
        out.append(
            f"\nShortest {min(lengths)}, median {int(statistics.median(lengths))}, "
            f"longest {max(lengths)}."
        )

    enc_rows = []
    for site in sites:
        if site.encoding != "utf-8" or (site.charset_header or "").lower() != site.encoding:
            enc_rows.append(
                [site.id, site.encoding, site.charset_header or "(none)", len(site.pages)]
            )
    utf8 = sum(1 for s in sites if s.encoding == "utf-8")
    out.append("\n### Encodings\n")
    out.append(f"{utf8} sites are UTF-8 and declare it. The others:\n")
    out.append(_table(["site", "bytes on disk", "charset in HTTP header", "pages"], enc_rows))

    depths = {s.id: reachable_pages(s) for s in sites}
    reachable = sum(len(d) for d in depths.values())
    max_depth = Counter(max(d.values()) if d else 0 for d in depths.values())
    sitemaps = sum((s.root / "sitemap.xml").is_file() for s in sites)
    disallow = sum(
        (s.root / "robots.txt").is_file()
        and "Disallow: /" in (s.root / "robots.txt").read_text("utf-8")
        for s in sites
    )
    out.append("\n### Links\n")
    out.append(
        f"{reachable} of {len(parsed)} pages are reachable from `/` by links or sitemap "
        f"within robots.txt. {sitemaps} sites have a sitemap; {disallow} disallow a path "
        "in robots.txt.\n"
    )
    out.append(_table(["deepest page (hops from /)", "sites"], sorted(max_depth.items())))
    return "\n".join(out) + "\n"


def replace_block(card: str, block: str) -> str:
    """The data card with its stats block replaced (markers kept)."""
    head, sep, rest = card.partition(BEGIN)
    if not sep:
        raise ValueError(f"no {BEGIN!r} marker in the data card")
    _, sep, tail = rest.partition(END)
    if not sep:
        raise ValueError(f"no {END!r} marker in the data card")
    return f"{head}{BEGIN}\n{block}{END}{tail}"


def current_block(card_path: Path) -> str:
    card = card_path.read_text("utf-8")
    return card.partition(BEGIN)[2].partition(END)[0].lstrip("\n")
