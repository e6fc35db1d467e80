"""Extra labelled pages for training, such as moderators' feedback (`scamscan feedback export`).

They are added to the bundled corpus by `scamscan train --add FILE`. Each row is its own
group in the site-grouped folds (a feedback row has no site to group by).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from classifier.document import InputRejected, from_text
from classifier.inputs import InputError, read_labelled
from classifier.training import Example

log = logging.getLogger(__name__)
LABELS = ("informational", "platform", "solicitation")


def extra_examples(path: Path, text_col: str = "text", label_col: str = "label") -> list[Example]:
    """Rows of a labelled file as training examples; unusable rows are logged and skipped."""
    labelled = read_labelled(path, text_col, label_col)
    examples: list[Example] = []
    for i, (text, label) in enumerate(zip(labelled.texts, labelled.labels, strict=True)):
        if label not in LABELS:
            log.warning("%s: usable row %d: unknown label %r (use %s)", path, i + 1, label, LABELS)
            continue
        try:
            examples.append(Example(from_text(text), label, f"{path.name}#{i}"))
        except InputRejected as exc:
            log.warning("%s: usable row %d: %s", path, i + 1, exc)
    if not examples:
        raise InputError(f"{path}: no rows with a label among {', '.join(LABELS)}")
    log.info("%s: %d extra examples", path, len(examples))
    return examples


def examples_fingerprint(examples: list[Example]) -> str:
    """A hash of extra examples, folded into the model version."""
    digest = hashlib.sha256()
    for e in examples:
        digest.update(e.label.encode() + b"\0" + e.doc.text.encode() + b"\0")
    return digest.hexdigest()[:12]
