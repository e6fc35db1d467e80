"""Benchmark: score a blind set of corpus sites, written elsewhere, before it is merged.

Sites written by someone who never ran the classifier are the honest test of
detectors tuned on the corpus. This scores every page of the sites in
``SITES_DIR`` that the main corpus does not have yet (their HTML through
``Scorer.score``, as a moderator's paste of the page would go) and prints how
many solicitations and other pages were flagged (review or block) and blocked,
and every page on the wrong side.

    python bench/blind_sites.py /work/wt/hold10/data/sites [--model DIR] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from classifier.scorer import Scorer
from classifier.training import POSITIVE
from corpus.manifest import default_sites_dir, load_sites


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sites_dir", type=Path, help="data/sites of the branch with the new sites")
    parser.add_argument("--model", type=Path, help="model folder (default: the bundled model)")
    parser.add_argument("--json", type=Path, help="write every page's score here")
    args = parser.parse_args()

    known = {site.id for site in load_sites(default_sites_dir())}
    scorer = Scorer.from_dir(args.model)
    rows = []
    for site in load_sites(args.sites_dir):
        if site.id in known:
            continue
        for page in site.pages:
            result = scorer.score(html=page.read_text(), url=f"http://{site.id}.test{page.path}")
            rows.append(
                {
                    "page": site.id + page.path,
                    "label": page.label,
                    "score": result["score"],
                    "suggestion": result["suggestion"],
                    "signals": [s["code"] for s in result["signals"]],
                }
            )
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), "utf-8")

    positives = [r for r in rows if r["label"] == POSITIVE]
    others = [r for r in rows if r["label"] != POSITIVE]

    def flagged(group: list[dict]) -> str:
        hit = sum(r["suggestion"] != "pass" for r in group)
        blocked = sum(r["suggestion"] == "block" for r in group)
        return f"{hit}/{len(group)} flagged ({blocked} blocked)"

    print(f"model {scorer.version}, {len(rows)} new pages")
    print(f"solicitations: {flagged(positives)}; other pages: {flagged(others)}")
    for r in sorted(rows, key=lambda r: r["page"]):
        if (r["label"] == POSITIVE) != (r["suggestion"] != "pass"):
            print(f"  {r['label']:13s} {r['suggestion']:6s} {r['score']:.3f} {r['page']}")


if __name__ == "__main__":
    main()
