"""Benchmark: how ``scamscan score --jobs N`` starts its workers (spawn vs forkserver).

Workers never fork from the scoring parent (it has threads by then); they start
fresh and load the model. This times ``run_batch`` in one process for each start
method, on 32 pages (start-up dominates; the first run of forkserver also starts
its server, later runs in the same process reuse it, as a long-lived caller
would) and on ``--pages`` corpus pages, with the output compared to ``--jobs 1``.

    python bench/pool_start.py [--jobs 2] [--pages 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import logging
import statistics
import time

from classifier import batch
from classifier.inputs import corpus_examples


def timed(records: list[dict], jobs: int, scorer) -> tuple[float, str]:
    out = io.StringIO()
    started = time.perf_counter()
    batch.run_batch(iter(records), out.write, jobs=jobs, scorer=scorer)
    return time.perf_counter() - started, out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    texts = corpus_examples().texts
    pages = [texts[i % len(texts)] for i in range(args.pages)]
    records = [{"id": i, "source": f"bench:{i}", "text": t} for i, t in enumerate(pages)]
    few = records[:32]
    scorer = batch.load_scorer(None)
    _, expected_few = timed(few, 1, scorer)
    one_s, expected = timed(records, 1, scorer)
    print(f"jobs 1: {len(records)} pages {one_s:.1f} s")
    for method in ("spawn", "forkserver"):
        batch.START_METHOD = method
        small = []
        for _ in range(args.repeat):
            seconds, output = timed(few, args.jobs, scorer)
            assert output == expected_few, method
            small.append(seconds)
        seconds, output = timed(records, args.jobs, scorer)
        assert output == expected, method
        print(
            f"{method}: {len(few)} pages first {small[0]:.2f} s, then median "
            f"{statistics.median(small[1:] or small):.2f} s; {len(records)} pages "
            f"{seconds:.1f} s, output identical"
        )


if __name__ == "__main__":
    main()
