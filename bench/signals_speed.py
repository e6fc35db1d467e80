"""Benchmark: normalisation and signal detection alone, on pages and on their units.

Scoring normalises a page once, detects its signals, then detects the signals of
each unit that is not the whole page (classifier.featurize). This times those
three steps the same way, on the corpus pages' texts as plain text, in CPU time
(``time.process_time``: the machine is shared, wall time is not this process's),
best of ``--repeat`` runs:

- ``normalize`` on every page;
- ``detect_signals`` on every page (already normalised, its findings not kept);
- ``detect_signals`` on every unit, cut from its page's normalisation after the
  page's detection (as scoring does), and, for comparison, on the unit's text alone.

    python bench/signals_speed.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from classifier.document import document, units
from classifier.inputs import corpus_examples
from classifier.normalize import Normalized, normalize
from classifier.signals import detect_signals


def _best(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.process_time()
        run()
        times.append(time.process_time() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    texts = corpus_examples().texts
    cuts = [
        [(u.start, u.end) for u in units(document(text=t)) if (u.start, u.end) != (0, len(t))]
        for t in texts
    ]
    page_mb = sum(len(t.encode()) for t in texts) / 1e6
    unit_mb = (
        sum(len(t[a:b].encode()) for t, cs in zip(texts, cuts, strict=True) for a, b in cs) / 1e6
    )
    norms = [normalize(t) for t in texts]

    def pages() -> list[Normalized]:
        for norm in norms:
            norm.memo.clear()  # nothing kept from the run before
            detect_signals(norm)
        return norms

    def pages_and_units() -> None:
        for norm, cs in zip(pages(), cuts, strict=True):
            for a, b in cs:
                detect_signals(norm.lines(a, b))

    normalize_s = _best(lambda: [normalize(t) for t in texts], args.repeat)
    pages_s = _best(pages, args.repeat)
    both_s = _best(pages_and_units, args.repeat)
    alone_s = _best(
        lambda: [detect_signals(t[a:b]) for t, cs in zip(texts, cuts, strict=True) for a, b in cs],
        args.repeat,
    )
    n_units = sum(len(cs) for cs in cuts)
    print(f"input: {len(texts)} pages, {page_mb:.2f} MB; {n_units} units besides, {unit_mb:.2f} MB")
    print("| step | CPU s | MB/s |")
    print("|---|---|---|")
    print(f"| normalize, pages | {normalize_s:.3f} | {page_mb / normalize_s:.1f} |")
    print(f"| detect_signals, pages (normalised) | {pages_s:.3f} | {page_mb / pages_s:.1f} |")
    units_s = both_s - pages_s
    print(f"| detect_signals, units cut from the page | {units_s:.3f} | {unit_mb / units_s:.1f} |")
    alone = f"{alone_s:.3f} | {unit_mb / alone_s:.1f}"
    print(f"| detect_signals, units alone (normalised again) | {alone} |")
    total = normalize_s + both_s
    print(f"| normalize + detect, pages and units | {total:.3f} | {page_mb / total:.1f} of pages |")


if __name__ == "__main__":
    main()
