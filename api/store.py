"""What the service keeps beside the crawler's pages: API keys, feedback, result history.

Same database as the page store (``crawler.store``), own tables. Feedback keeps a
snapshot of the text judged, so a later re-fetch of the page cannot change what
a moderator's verdict was about, and an export is a labelled file `scamscan
train --add` reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    func,
    select,
    text,
    update,
)

from api.keys import new_key, secret_matches, split_token
from crawler.store import PageStore, now, pages


class UtcDateTime(TypeDecorator):
    """A UTC timestamp that comes back aware from every database.

    SQLite keeps no time zone and hands back naive datetimes; the API would then
    show some times with ``Z`` and others without.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


metadata = MetaData()

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("secret_hash", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("name", Text, nullable=False),
    Column("rate", Float),  # requests per second; None: the service's default
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime()),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("page_id", Integer, index=True),  # None: feedback on a pasted text
    Column("url", Text),
    Column("text", Text, nullable=False),  # what was judged, as it was then
    Column("label", String(32), nullable=False),
    Column("note", Text),
    Column("model_version", String(64)),
    Column("score", Float),
    Column("by", Text, nullable=False),  # the key's id and name, or "anonymous"
    Column("at", UtcDateTime(), nullable=False),
)

page_results = Table(
    "page_results",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("page_id", Integer, nullable=False, index=True),
    Column("model_version", String(64), nullable=False),
    Column("result", JSON, nullable=False),
    Column("scored_at", UtcDateTime(), nullable=False),
)

#: The page columns a client sees (the raw body and link lists stay in the store).
PAGE_FIELDS = (
    "id", "url", "final_url", "host", "status", "fetched_at", "content_type", "encoding",
    "title", "text", "blocks", "contact_links", "images", "icp", "content_hash",
)  # fmt: skip


class ApiStore:
    """The page store plus the service's own tables, on one engine."""

    def __init__(self, url: str):
        self.pages = PageStore(url)
        self.engine = self.pages.engine
        metadata.create_all(self.engine)

    def close(self) -> None:
        self.pages.close()

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    # keys

    def create_key(self, role: str, name: str, rate: float | None = None) -> str:
        key = new_key()
        with self.engine.begin() as conn:
            conn.execute(
                api_keys.insert().values(
                    id=key.key_id, secret_hash=key.secret_hash, role=role, name=name,
                    rate=rate, created_at=now(),
                )
            )  # fmt: skip
        return key.token

    def revoke_key(self, key_id: str) -> bool:
        with self.engine.begin() as conn:
            done = conn.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=now())
            )
        return done.rowcount > 0

    def list_keys(self) -> list[dict[str, Any]]:
        cols = [c for c in api_keys.columns if c.name != "secret_hash"]
        with self.engine.connect() as conn:
            rows = conn.execute(select(*cols).order_by(api_keys.c.created_at))
            return [dict(r._mapping) for r in rows]

    def active_key_count(self) -> int:
        query = select(func.count()).select_from(api_keys).where(api_keys.c.revoked_at.is_(None))
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one()

    def find_key(self, token: str) -> dict[str, Any] | None:
        """The active key this token belongs to, or None (unknown, revoked, wrong secret)."""
        parts = split_token(token)
        if parts is None:
            return None
        key_id, secret = parts
        query = select(api_keys).where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None or not secret_matches(secret, row.secret_hash):
            return None
        return dict(row._mapping)

    # pages and their results

    def page(self, page_id: int | None = None, url: str | None = None) -> dict[str, Any] | None:
        cols = [pages.c[name] for name in PAGE_FIELDS]
        query = select(*cols).where(pages.c.id == page_id if url is None else pages.c.url == url)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return dict(row._mapping) if row else None

    def save_checked_page(self, row: dict[str, Any], result: dict[str, Any]) -> int:
        """Store a fetched page and its result in one transaction; the page's id."""
        with self.engine.begin() as conn:
            page_id = self.pages.upsert_page(conn, row)
            conn.execute(
                page_results.insert().values(
                    page_id=page_id, model_version=result["model"], result=result,
                    scored_at=now(),
                )
            )  # fmt: skip
        return page_id

    def latest_result(self, page_id: int) -> dict[str, Any] | None:
        query = (
            select(page_results)
            .where(page_results.c.page_id == page_id)
            .order_by(page_results.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return dict(row._mapping) if row else None

    def history(self, page_id: int, limit: int = 100) -> list[dict[str, Any]]:
        query = (
            select(page_results.c.scored_at, page_results.c.model_version, page_results.c.result)
            .where(page_results.c.page_id == page_id)
            .order_by(page_results.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    # feedback

    def add_feedback(self, **values: Any) -> dict[str, Any]:
        values["at"] = now()
        with self.engine.begin() as conn:
            new_id = conn.execute(feedback.insert().values(**values)).inserted_primary_key[0]
        return {"id": new_id, **values}

    def iter_feedback(self, since: datetime | None = None) -> Iterator[dict[str, Any]]:
        last_id = 0
        while True:
            query = select(feedback).where(feedback.c.id > last_id)
            if since is not None:
                query = query.where(feedback.c.at >= since)
            with self.engine.connect() as conn:
                rows = conn.execute(query.order_by(feedback.c.id).limit(500)).all()
            if not rows:
                return
            for r in rows:
                last_id = r.id
                yield dict(r._mapping)

    def feedback_count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(feedback)).scalar_one()


def is_fresh(scored_at: datetime, ttl_seconds: float) -> bool:
    return now() - scored_at <= timedelta(seconds=ttl_seconds)
