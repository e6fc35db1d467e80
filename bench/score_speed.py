"""Benchmark: scoring speed on text input, one core, versus plain jieba segmentation.

Uses the corpus pages' texts (the crawler's page text), repeated to about
``--mb`` MB, and reports:

- batch throughput of ``Scorer.score_many`` (MB/s, pages/s) on one core;
- per-page latency of ``Scorer.score`` (p50 / p99) on single pages;
- peak resident memory;
- the ratio to segmenting the same text with ``jieba.lcut`` (HMM off).

All cores: time ``scamscan score --jobs N`` on the JSONL file this script writes
(``--write-jsonl PATH``), e.g. ``time scamscan score pages.jsonl --jobs 2 > /dev/null``.

    python bench/score_speed.py [--mb 4] [--latency-pages 300] [--write-jsonl PATH]
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

import jieba

from classifier.inputs import corpus_examples
from classifier.scorer import Scorer


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mb", type=float, default=4.0)
    parser.add_argument("--latency-pages", type=int, default=300)
    parser.add_argument("--write-jsonl")
    args = parser.parse_args()
    jieba.setLogLevel(logging.WARNING)

    texts = corpus_examples().texts
    pages: list[str] = []
    while sum(len(t.encode()) for t in pages) < args.mb * 1e6:
        pages.extend(texts)
    size_mb = sum(len(t.encode()) for t in pages) / 1e6
    mean_kb = size_mb * 1e3 / len(pages)
    if args.write_jsonl:
        with open(args.write_jsonl, "w", encoding="utf-8") as fh:
            for i, t in enumerate(pages):
                fh.write(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n")

    scorer = Scorer.default()
    scorer.score(text=pages[0])  # warm up (lazy tokenizer, caches)

    started = time.perf_counter()
    n = sum(1 for _ in scorer.score_many({"text": t} for t in pages))
    batch_s = time.perf_counter() - started

    latencies = []
    for t in pages[: args.latency_pages]:
        t0 = time.perf_counter()
        scorer.score(text=t)
        latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()

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
    p50, p99 = statistics.median(latencies), latencies[int(0.99 * (len(latencies) - 1))]
    print(f"| single page p50 / p99 | {p50:.1f} ms / {p99:.1f} ms |")
    print(f"| jieba.lcut (HMM off) on the same text | {size_mb / jieba_s:.2f} MB/s |")
    print(f"| scoring time / jieba time | {batch_s / jieba_s:.2f} |")
    print(f"| peak resident memory | {peak_mb:.0f} MB |")


if __name__ == "__main__":
    main()
