"""Benchmark: how many of the corpus manifest's personal contacts ``find_contacts`` finds.

Runs the detector on every page's extracted text (what the classifier sees) and
compares (kind, value) pairs with the page's manifest ``contacts``:

- recall by kind over pages that list contacts, with every miss listed;
- contacts reported on pages whose manifest lists none, by page label. On
  informational pages these are expected where a warning quotes a scam handle:
  telling a warning from a call to action is the classifier's job (warning
  context), not the detector's, so those pages are counted separately;
- the same, optionally, with the page's contact links (``tencent://`` hrefs,
  ``wpa.qq.com`` widgets) appended to the text (``--with-links``);
- time per page and per 5,000 characters.

    python bench/contacts_recall.py [--with-links] [--show-extras]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter, defaultdict
from dataclasses import dataclass

from classifier.contacts import find_contacts
from corpus.manifest import Page, iter_pages, load_sites
from crawler.extract import extract

#: Kinds the manifest labels; ``url`` findings are evidence, not personal handles.
MANIFEST_KINDS = frozenset({"wechat", "qq", "phone", "telegram", "payment"})


@dataclass
class PageResult:
    page: Page
    expected: set[tuple[str, str]]
    found: set[tuple[str, str]]
    warning_context: bool


def page_text(page: Page, with_links: bool) -> str:
    extracted = extract(page.read_text(), f"http://{page.site}.test{page.path}")
    if not with_links:
        return extracted.text
    hrefs = [link["url"] for link in extracted.contact_links]
    return "\n".join([extracted.text, *hrefs])


def run(with_links: bool) -> tuple[list[PageResult], float, int]:
    results = []
    seconds = 0.0
    chars = 0
    for page in iter_pages(load_sites()):
        text = page_text(page, with_links)
        started = time.perf_counter()
        contacts = find_contacts(text)
        seconds += time.perf_counter() - started
        chars += len(text)
        results.append(
            PageResult(
                page=page,
                expected={(c.kind, c.value) for c in page.contacts},
                found={(c.kind, c.value) for c in contacts if c.kind in MANIFEST_KINDS},
                warning_context="warning_context" in page.signals,
            )
        )
    return results, seconds, chars


def report_recall(results: list[PageResult]) -> None:
    expected: Counter[str] = Counter()
    hit: Counter[str] = Counter()
    misses = []
    for r in results:
        for kind, value in sorted(r.expected):
            expected[kind] += 1
            if (kind, value) in r.found:
                hit[kind] += 1
            else:
                misses.append(f"  {r.page.site}{r.page.path}: {kind} {value}")
    total_expected, total_hit = sum(expected.values()), sum(hit.values())
    print(f"recall: {total_hit}/{total_expected} = {total_hit / max(total_expected, 1):.1%}")
    for kind in sorted(expected):
        print(f"  {kind:9s} {hit[kind]:4d}/{expected[kind]:<4d} = {hit[kind] / expected[kind]:.1%}")
    extra = sum(len(r.found - r.expected) for r in results if r.expected)
    print(f"extra findings on pages that list contacts: {extra}")
    print(f"misses ({len(misses)}):")
    print("\n".join(misses) if misses else "  none")


def report_extras(results: list[PageResult], show: bool) -> None:
    """Findings on pages whose manifest lists no contacts, by label (and warning context)."""
    pages: Counter[str] = Counter()
    with_findings: Counter[str] = Counter()
    findings: Counter[str] = Counter()
    detail: dict[str, list[str]] = defaultdict(list)
    for r in results:
        if r.expected:
            continue
        group = r.page.label + (" (warning_context)" if r.warning_context else "")
        pages[group] += 1
        if r.found:
            with_findings[group] += 1
            findings[group] += len(r.found)
            detail[group].append(f"    {r.page.site}{r.page.path}: {sorted(r.found)}")
    print("pages whose manifest lists no contacts:")
    for group in sorted(pages):
        print(
            f"  {group:32s} {with_findings[group]:3d}/{pages[group]:<3d} pages with findings,"
            f" {findings[group]} findings"
        )
        if show:
            print("\n".join(detail[group]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--with-links", action="store_true", help="append contact-link hrefs")
    parser.add_argument("--show-extras", action="store_true", help="list findings per page")
    args = parser.parse_args()
    results, seconds, chars = run(args.with_links)
    print(f"pages: {len(results)}, text: {'text + contact links' if args.with_links else 'text'}")
    report_recall(results)
    report_extras(results, args.show_extras)
    per_5k = seconds / max(chars, 1) * 5000 * 1e3
    print(
        f"find_contacts: {seconds / len(results) * 1e3:.3f} ms/page"
        f" (mean {chars / len(results):.0f} chars), {per_5k:.3f} ms per 5,000 chars"
    )


if __name__ == "__main__":
    main()
