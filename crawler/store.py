"""The page store: one row per canonical URL, kept for scoring now and re-scoring later.

SQLAlchemy Core, so the default SQLite file (WAL mode) and a PostgreSQL URL
both work. Besides pages it keeps each crawl's frontier: every URL the crawl
decided to fetch, and whether it was. A page and the links it adds to the
frontier are written in one transaction, so a crawl killed at any moment can
be resumed from the frontier with nothing lost.
"""

from __future__ import annotations

import json
import logging
import os
import zlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

log = logging.getLogger(__name__)

DEFAULT_STORE_URL = "sqlite:///scamscan.db"

metadata = MetaData()

pages = Table(
    "pages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("url", Text, nullable=False, unique=True),
    Column("final_url", Text),
    Column("host", String(255), index=True),
    Column("status", Integer),
    Column("fetched_at", DateTime(timezone=True)),
    Column("content_type", Text),
    Column("encoding", String(64)),
    Column("declared_encoding", String(64)),
    Column("raw_html", LargeBinary),  # zlib-compressed response body
    Column("title", Text),
    Column("text", Text),
    Column("main_text", Text),
    Column("blocks", JSON),
    Column("links", JSON),
    Column("contact_links", JSON),
    Column("images", JSON),
    Column("icp", String(64)),
    Column("content_hash", String(64), index=True),
    Column("previous_content_hash", String(64)),
    Column("near_duplicate_of", Text),
    Column("depth", Integer),
    Column("crawl_id", String(36), index=True),
)

crawls = Table(
    "crawls",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("key", String(64), index=True),
    Column("seeds", JSON),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("stats", JSON),
)

frontier = Table(
    "frontier",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("crawl_id", String(36), nullable=False),
    Column("url", Text, nullable=False),
    Column("depth", Integer, nullable=False, default=0),
    Column("state", String(16), nullable=False, default="pending"),  # pending|done|failed
    Column("reason", Text),
    UniqueConstraint("crawl_id", "url", name="uq_frontier_crawl_url"),
)

fetch_errors = Table(
    "fetch_errors",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("crawl_id", String(36), index=True),
    Column("url", Text),
    Column("kind", String(64)),
    Column("detail", Text),
    Column("at", DateTime(timezone=True)),
)

scores = Table(
    "scores",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(64), nullable=False),  # sha256 of the document (text or html) + url
    Column("model_version", String(64), nullable=False),
    Column("doc_id", Text),  # the input's id (a page's URL) when it was scored
    Column("result", JSON),
    Column("scored_at", DateTime(timezone=True)),
    UniqueConstraint("key", "model_version", name="uq_scores_key_model"),
)

#: Columns exported to JSON Lines under their own names (the raw HTML stays in the store).
EXPORT_COLUMNS = [c.name for c in pages.columns if c.name not in ("id", "raw_html")]


def now() -> datetime:
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL mode and their folder created."""
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def default_store_url() -> str:
    return os.environ.get("SCAMSCAN_STORE", DEFAULT_STORE_URL)


def compress(body: bytes) -> bytes:
    return zlib.compress(body, 6)


def decompress(blob: bytes | None) -> bytes:
    return zlib.decompress(blob) if blob else b""


class PageStore:
    """Reads and writes pages, crawls, the frontier and fetch errors."""

    def __init__(self, url: str | None = None):
        self.url = url or default_store_url()
        self.engine = make_engine(self.url)
        metadata.create_all(self.engine)
        self._insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(
            self.engine.dialect.name
        )
        if self._insert is None:
            raise ValueError(
                f"unsupported database {self.engine.dialect.name!r}: use SQLite or PostgreSQL"
            )

    def close(self) -> None:
        self.engine.dispose()

    # crawls

    def start_crawl(self, crawl_id: str, key: str, seeds: list[str]) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                crawls.insert().values(id=crawl_id, key=key, seeds=seeds, started_at=now())
            )

    def unfinished_crawl(self, key: str) -> str | None:
        """The latest crawl with this key that never finished (killed), if any."""
        query = (
            select(crawls.c.id)
            .where(crawls.c.key == key, crawls.c.finished_at.is_(None))
            .order_by(crawls.c.started_at.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()

    def finish_crawl(self, crawl_id: str, stats: dict[str, Any], finished: bool = True) -> None:
        """Record the crawl's stats; ``finished=False`` keeps it resumable."""
        values: dict[str, Any] = {"stats": json.loads(json.dumps(stats, default=str))}
        if finished:
            values["finished_at"] = now()
        with self.engine.begin() as conn:
            conn.execute(update(crawls).where(crawls.c.id == crawl_id).values(**values))

    # frontier

    def add_to_frontier(self, crawl_id: str, urls: Iterable[tuple[str, int]], conn=None) -> None:
        rows = [{"crawl_id": crawl_id, "url": u, "depth": d, "state": "pending"} for u, d in urls]
        if not rows:
            return
        stmt = self._insert(frontier).on_conflict_do_nothing(index_elements=["crawl_id", "url"])
        if conn is not None:
            conn.execute(stmt, rows)
            return
        with self.engine.begin() as c:
            c.execute(stmt, rows)

    def mark(
        self, crawl_id: str, url: str, state: str, reason: str | None = None, conn=None
    ) -> None:
        stmt = (
            update(frontier)
            .where(frontier.c.crawl_id == crawl_id, frontier.c.url == url)
            .values(state=state, reason=reason)
        )
        if conn is not None:
            conn.execute(stmt)
            return
        with self.engine.begin() as c:
            c.execute(stmt)

    def pending(self, crawl_id: str) -> list[tuple[str, int]]:
        query = select(frontier.c.url, frontier.c.depth).where(
            frontier.c.crawl_id == crawl_id, frontier.c.state == "pending"
        )
        with self.engine.connect() as conn:
            return [(r.url, r.depth) for r in conn.execute(query)]

    def frontier_urls(self, crawl_id: str) -> list[str]:
        """Every URL this crawl has decided on, whatever its state."""
        query = select(frontier.c.url).where(frontier.c.crawl_id == crawl_id)
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def frontier_counts(self, crawl_id: str) -> dict[str, int]:
        query = (
            select(frontier.c.state, func.count())
            .where(frontier.c.crawl_id == crawl_id)
            .group_by(frontier.c.state)
        )
        with self.engine.connect() as conn:
            return {state: n for state, n in conn.execute(query)}

    # pages

    def save_page(self, row: dict[str, Any], follow: Iterable[tuple[str, int]] = ()) -> None:
        """Upsert a page (keeping the previous content hash) and extend the frontier, atomically."""
        crawl_id = row["crawl_id"]
        with self.engine.begin() as conn:
            self.upsert_page(conn, row)
            self.add_to_frontier(crawl_id, follow, conn=conn)
            self.mark(crawl_id, row["url"], "done", conn=conn)

    def upsert_page(self, conn, row: dict[str, Any]) -> int:
        """Insert or update a page by URL inside the caller's transaction; its id."""
        stmt = self._insert(pages).values(**row)
        changed = {k: stmt.excluded[k] for k in row if k != "url"}
        changed["previous_content_hash"] = pages.c.content_hash
        stmt = stmt.on_conflict_do_update(index_elements=["url"], set_=changed)
        return conn.execute(stmt.returning(pages.c.id)).scalar_one()

    def record_error(self, crawl_id: str, url: str, kind: str, detail: str) -> None:
        """A fetch that failed or was skipped, with why; its frontier entry is closed."""
        with self.engine.begin() as conn:
            conn.execute(
                fetch_errors.insert().values(
                    crawl_id=crawl_id, url=url, kind=kind, detail=detail[:2000], at=now()
                )
            )
            self.mark(crawl_id, url, "failed", f"{kind}: {detail[:500]}", conn=conn)

    def errors(self, crawl_id: str | None = None) -> list[dict[str, Any]]:
        query = select(fetch_errors)
        if crawl_id:
            query = query.where(fetch_errors.c.crawl_id == crawl_id)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query.order_by(fetch_errors.c.id))]

    def page(self, url: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(pages).where(pages.c.url == url)).first()
        return dict(row._mapping) if row else None

    def iter_pages(
        self, crawl_id: str | None = None, columns: list[str] | None = None, batch: int = 500
    ) -> Iterator[dict[str, Any]]:
        """Pages in id order, streamed in batches (constant memory on large stores)."""
        cols = [pages.c[name] for name in (columns or [c.name for c in pages.columns])]
        last_id = 0
        while True:
            query = select(pages.c.id, *cols).where(pages.c.id > last_id)
            if crawl_id:
                query = query.where(pages.c.crawl_id == crawl_id)
            with self.engine.connect() as conn:
                rows = conn.execute(query.order_by(pages.c.id).limit(batch)).all()
            if not rows:
                return
            for r in rows:
                row = dict(r._mapping)
                last_id = row.pop("id") if "id" not in (columns or []) else row["id"]
                yield row

    # scores

    def scored_results(self, keys: Iterable[str], model_version: str) -> dict[str, Any]:
        """{key: result} for the keys this model version has already scored."""
        keys = list(dict.fromkeys(keys))
        out: dict[str, Any] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(keys), 500):
                query = select(scores.c.key, scores.c.result).where(
                    scores.c.model_version == model_version, scores.c.key.in_(keys[i : i + 500])
                )
                out.update({r.key: r.result for r in conn.execute(query)})
        return out

    def save_scores(self, rows: Iterable[dict[str, Any]], model_version: str) -> None:
        """Save results ({key, doc_id, result}); a key already scored by this model is kept."""
        at = now()
        values = [
            {
                "key": r["key"],
                "model_version": model_version,
                "doc_id": None if r.get("doc_id") is None else str(r["doc_id"]),
                "result": r["result"],
                "scored_at": at,
            }
            for r in rows
        ]
        if not values:
            return
        stmt = self._insert(scores).on_conflict_do_nothing(index_elements=["key", "model_version"])
        with self.engine.begin() as conn:
            conn.execute(stmt, values)

    def count_scores(self, model_version: str | None = None) -> int:
        query = select(func.count()).select_from(scores)
        if model_version:
            query = query.where(scores.c.model_version == model_version)
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one()


def export_jsonl(store: PageStore, out, crawl_id: str | None = None) -> int:
    """Write one JSON object per page (the store's column names) to a text stream."""
    n = 0
    for row in store.iter_pages(crawl_id, EXPORT_COLUMNS):
        out.write(json.dumps(row, ensure_ascii=False, default=_json_default) + "\n")
        n += 1
    return n


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")
