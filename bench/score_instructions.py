"""Benchmark: the instructions ``Scorer.score_many`` executes, for comparisons on a busy machine.

Wall-clock and even CPU time swing 20-30% while other jobs share the cores;
instruction counts do not. Run under callgrind, which counts only inside
``functools.reduce`` (the scoring call below), not the imports or the model load:

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect=functools_reduce \\
        --callgrind-out-file=/tmp/cg.out "$(python -c 'import sys; print(sys.executable)')" \\
        bench/score_instructions.py --mb 0.2 --model ~/.cache/scamscan/model
    callgrind_annotate /tmp/cg.out | head -25          # "PROGRAM TOTALS": instructions

(``python`` must be the interpreter itself, not a pyenv shim, or valgrind counts
the shim.) Input: the first corpus page texts, about ``--mb`` MB, no page twice.
It prints the size and a hash of the results, so two trees can be checked to
give the same output.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
from pathlib import Path

from classifier.inputs import corpus_examples
from classifier.scorer import Scorer


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mb", type=float, default=0.2)
    parser.add_argument("--model", type=Path, help="model folder (default: the bundled model)")
    args = parser.parse_args()

    pages: list[str] = []
    size = 0
    for text in corpus_examples().texts:
        if size >= args.mb * 1e6:
            break
        pages.append(text)
        size += len(text.encode())
    scorer = Scorer.from_dir(args.model)
    scorer.score(text=pages[0])  # warm up (lazy tokenizer)

    def score(_previous: object, _item: object) -> list[str]:
        results = scorer.score_many({"text": t} for t in pages)
        return [json.dumps(r, ensure_ascii=False) for r in results]

    lines = functools.reduce(score, [None], None)  # callgrind counts inside this call
    digest = hashlib.sha1("\n".join(lines).encode()).hexdigest()[:12]
    print(f"{len(pages)} pages, {size / 1e6:.3f} MB UTF-8, results {digest}")


if __name__ == "__main__":
    main()
