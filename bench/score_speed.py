"""Benchmark: scoring speed on text input, one core, versus plain jieba segmentation.

Uses the corpus pages' texts (the crawler's page text), repeated to about
``--mb`` MB, and reports:

- batch throughput of ``Scorer.score_many`` (MB/s, pages/s) on one core;
- per-page latency of ``Scorer.score`` (p50 / p99) on single pages, for the corpus
  pages and for 5 KB pages (corpus text cut at line ends to about 5,000 UTF-8 bytes,
  the page size the API is sized for);
- peak resident memory;
- the ratio to segmenting the same text with ``jieba.lcut`` (HMM off).

All cores: time ``scamscan score --jobs N`` on the JSONL file this script writes
(``--write-jsonl PATH``), e.g. ``time scamscan score pages.jsonl --jobs 2 > /dev/null``.

    python bench/score_speed.py [--mb 4] [--latency-pages 300] [--model DIR] [--write-jsonl PATH]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import statistics
import time
from pathlib import Path

import jieba
from corpus_pages import corpus_pages

from classifier.scorer import Scorer


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mb", type=float, default=4.0)
    parser.add_argument("--latency-pages", type=int, default=300)
    parser.add_argument("--write-jsonl")
    parser.add_argument("--model", type=Path, help="model folder (default: the bundled model)")
    args = parser.parse_args()
    jieba.setLogLevel(logging.WARNING)

    texts, pages, size_mb = corpus_pages(args.mb)
    mean_kb = size_mb * 1e3 / len(pages)
    if args.write_jsonl:
        with open(args.write_jsonl, "w", encoding="utf-8") as fh:
            for i, t in enumerate(pages):
                fh.write(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n")

    scorer = Scorer.from_dir(args.model)
    scorer.score(text=pages[0])  # warm up (lazy tokenizer, caches)

    started = time.perf_counter()
    n = sum(1 for _ in scorer.score_many({"text": t} for t in pages))
    batch_s = time.perf_counter() - started

    latencies = _latencies(scorer, pages[: args.latency_pages])
    five_kb = _five_kb_pages(texts)[: args.latency_pages]
    five_kb_latencies = _latencies(scorer, five_kb)

    started = time.perf_counter()
    for t in pages:
        jieba.lcut(t, HMM=False)
    jieba_s = time.perf_counter() - started

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        f"input: {n} pages, {size_mb:.2f} MB UTF-8, mean page {mean_kb:.1f} KB "
        "(corpus page texts, repeated)"
    )
    print("| measure | value |")
    print("|---|---|")
    print(f"| batch, one core | {size_mb / batch_s:.2f} MB/s, {n / batch_s:.0f} pages/s |")
    print(f"| single page p50 / p99 (corpus pages) | {_p50_p99(latencies)} |")
    five = _p50_p99(five_kb_latencies)
    print(f"| single page p50 / p99 ({len(five_kb)} pages of 5 KB) | {five} |")
    print(f"| jieba.lcut (HMM off) on the same text | {size_mb / jieba_s:.2f} MB/s |")
    print(f"| scoring time / jieba time | {batch_s / jieba_s:.2f} |")
    print(f"| peak resident memory | {peak_mb:.0f} MB |")


def _five_kb_pages(texts: list[str], size: int = 5000) -> list[str]:
    """The corpus text cut at line ends into pages of about ``size`` UTF-8 bytes."""
    out, current, current_bytes = [], [], 0
    for line in "\n".join(texts).splitlines():
        if not line.strip():
            continue
        current.append(line)
        current_bytes += len(line.encode()) + 1
        if current_bytes >= size:
            out.append("\n".join(current))
            current, current_bytes = [], 0
    return out


def _latencies(scorer: Scorer, pages: list[str]) -> list[float]:
    out = []
    for t in pages:
        t0 = time.perf_counter()
        scorer.score(text=t)
        out.append((time.perf_counter() - t0) * 1000)
    return sorted(out)


def _p50_p99(latencies: list[float]) -> str:
    p50, p99 = statistics.median(latencies), latencies[int(0.99 * (len(latencies) - 1))]
    return f"{p50:.1f} ms / {p99:.1f} ms"


if __name__ == "__main__":
    main()
