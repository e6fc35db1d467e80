"""Benchmark: how well ``detect_signals`` agrees with the corpus manifest's page signals.

The manifest labels what each page contains (including scams quoted on warning
pages), so this measures, per signal code shared with the manifest vocabulary,
precision and recall of "the detector fired on this page" against "the manifest
lists the signal", over every page's extracted text (what the classifier sees).
``contact_handle`` is compared with "the manifest lists a personal contact".

    python bench/signals_agreement.py [--show CODE] [--speed]

``--speed`` also times ``detect_signals`` on 5,000-character slices of the
concatenated corpus text (best of 7 rounds, CPU time, after a warm-up), the
figure to compare with the 2 ms budget.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable

from classifier.normalize import normalize
from classifier.signals import CODES, detect_signals
from corpus.manifest import SIGNALS, Page, iter_pages, load_sites
from crawler.extract import extract

SHARED = [code for code in CODES if code in SIGNALS]


def page_text(page: Page) -> str:
    return extract(page.read_text(), "http://x/").text


def manifest_codes(page: Page) -> set[str]:
    codes = set(page.signals)
    if page.contacts:
        codes.add("contact_handle")
    return codes


def report_speed(texts: list[str], size: int = 5000, rounds: int = 7) -> None:
    """CPU ms per ``size`` characters of real page text, and the share normalisation takes."""
    joined = "\n".join(texts)
    chunks = [joined[i : i + size] for i in range(0, len(joined) - size, size)]

    def best(func: Callable[[str], object]) -> float:
        times = []
        for _ in range(rounds):
            started = time.process_time()
            for chunk in chunks:
                func(chunk)
            times.append((time.process_time() - started) / len(chunks) * 1e3)
        return min(times)

    print(f"speed on {len(chunks)} slices of {size} chars (CPU ms, best of {rounds}):")
    print(f"  detect_signals   {best(detect_signals):.3f} ms")
    print(f"  of which normalize alone {best(normalize):.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--show", metavar="CODE", help="list false positives and negatives")
    parser.add_argument("--speed", action="store_true", help="time 5,000-character slices")
    args = parser.parse_args()

    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    detail: list[str] = []
    pages = list(iter_pages(load_sites()))
    texts = [page_text(page) for page in pages]
    for text in texts:  # warm-up: lazy tables in normalize, regex caches
        detect_signals(text)
    seconds = 0.0
    chars = sum(map(len, texts))
    for page, text in zip(pages, texts, strict=True):
        started = time.process_time()
        found = {s.code: s for s in detect_signals(text)}
        seconds += time.process_time() - started
        expected = manifest_codes(page)
        for code in ["contact_handle", *SHARED]:
            got, want = code in found, code in expected
            tp[code] += got and want
            fp[code] += got and not want
            fn[code] += want and not got
            if args.show == code and got != want:
                why = [s.text for s in found[code].spans][:6] if got else ""
                kind = "FP" if got else "FN"
                detail.append(f"  {kind} {page.label[:4]} {page.site}{page.path} {why}")

    print(f"pages: {len(pages)}")
    print(f"{'signal':22s} {'TP':>4s} {'FP':>4s} {'FN':>4s} {'precision':>9s} {'recall':>7s}")
    for code in ["contact_handle", *SHARED]:
        p = tp[code] / max(tp[code] + fp[code], 1)
        r = tp[code] / max(tp[code] + fn[code], 1)
        print(f"{code:22s} {tp[code]:4d} {fp[code]:4d} {fn[code]:4d} {p:9.1%} {r:7.1%}")
    per_page = seconds / len(pages) * 1e3
    per_5k = seconds / chars * 5000 * 1e3
    print(
        f"detect_signals: {per_page:.3f} ms/page (mean {chars / len(pages):.0f} chars),"
        f" {per_5k:.3f} ms per 5,000 chars (warm, CPU time)"
    )
    if args.speed:
        report_speed(texts)
    if detail:
        print(f"{args.show} disagreements ({len(detail)}):")
        print("\n".join(detail))


if __name__ == "__main__":
    main()
