"""Make Scrapy's JOBDIR safe to resume after a SIGKILL.

Scrapy's disk queues (queuelib) write their index only on a clean close. After
a kill the chunk files remain without it, and a resumed run reads stale
entries while the new ones go unread. A marker file says whether the last run
closed cleanly; if not, the queue is dropped and the store's frontier, which is
committed page by page, re-issues what was pending.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

log = logging.getLogger(__name__)
MARKER = "scamscan.running"
QUEUE_DIR = "requests.queue"


def open_jobdir(job_dir: str | Path | None) -> bool:
    """Mark the job as running; returns False (and drops the queue) if the last run died."""
    if not job_dir:
        return True
    path = Path(job_dir)
    path.mkdir(parents=True, exist_ok=True)
    marker = path / MARKER
    clean = not marker.exists()
    if not clean and (path / QUEUE_DIR).exists():
        log.warning("last run in %s did not close cleanly: dropping its request queue", path)
        shutil.rmtree(path / QUEUE_DIR)
    marker.touch()
    return clean


def close_jobdir(job_dir: str | Path | None) -> None:
    if job_dir:
        (Path(job_dir) / MARKER).unlink(missing_ok=True)
