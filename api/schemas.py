"""Request and response bodies, as the OpenAPI schema at /docs shows them.

The result is the classifier's (``classifier.scorer``), the same shape on the
command line, in batch output and here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Label = Literal["informational", "platform", "solicitation"]
MAX_URL = 2048


class ErrorDetail(BaseModel):
    code: str = Field(description="stable, machine-readable: bad_json, input_rejected, ...")
    message: str = Field(description="for people: what is wrong and where")


class ErrorBody(BaseModel):
    error: ErrorDetail


class ScoreRequest(BaseModel):
    """Exactly one of ``text`` or ``html``; ``url`` resolves the HTML's relative links."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, description="plain text; offsets in the result point here")
    html: str | None = Field(None, description="an HTML page; offsets point into its page text")
    url: str | None = Field(None, max_length=MAX_URL, description="where the HTML came from")

    @model_validator(mode="after")
    def _one_of(self) -> ScoreRequest:
        if (self.text is None) == (self.html is None):
            raise ValueError("give exactly one of text or html")
        return self


class Span(BaseModel):
    start: int
    end: int
    text: str


class Signal(BaseModel):
    code: str
    spans: list[Span]


class Contact(BaseModel):
    kind: str = Field(description="wechat | qq | phone | telegram | payment | url")
    value: str = Field(description="the handle normalised: digits rejoined, disguises undone")
    start: int = Field(
        ge=-1, description="offset of `text`; -1 for a link whose anchor has no text on the page"
    )
    end: int = Field(ge=-1, description="-1 with start -1; then `text` is the link itself")
    text: str


class BlockScore(BaseModel):
    index: int
    place: str = Field(description="header | nav | main | aside | footer | widget | body")
    start: int
    end: int
    score: float


class Term(BaseModel):
    term: str
    weight: float


class ScoreResult(BaseModel):
    score: float = Field(ge=0, le=1, description="calibrated probability of a solicitation")
    label: Label
    suggestion: Literal["pass", "review", "block"]
    signals: list[Signal]
    contacts: list[Contact]
    blocks: list[BlockScore]
    terms: list[Term]
    model: str


class BatchRequest(BaseModel):
    """Each item is a ScoreRequest (``text`` or ``html``, optional ``url``) plus an optional
    ``id`` echoed back. Items are checked one by one: a bad item gets an error, not the batch."""

    items: list[Any] = Field(min_length=1, description="ScoreRequest objects, optional `id`")


class BatchItemResult(BaseModel):
    index: int
    id: str | int | None = None
    result: ScoreResult | None = None
    error: ErrorDetail | None = None


class BatchResponse(BaseModel):
    results: list[BatchItemResult]


class CheckUrlRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=MAX_URL)
    refresh: bool = Field(False, description="fetch again even if a fresh result is stored")


class CheckUrlResponse(BaseModel):
    page_id: int
    url: str = Field(description="the page's canonical URL (its key in the store)")
    final_url: str | None
    fetched_at: datetime | None
    scored_at: datetime
    cached: bool = Field(description="true when a stored result younger than the TTL is reused")
    result: ScoreResult


class HistoryEntry(BaseModel):
    scored_at: datetime
    model: str
    score: float
    label: str
    suggestion: str


class PageResponse(BaseModel):
    id: int
    url: str
    final_url: str | None
    host: str | None
    status: int | None
    fetched_at: datetime | None
    content_type: str | None
    encoding: str | None
    title: str | None
    text: str | None
    blocks: list[dict[str, Any]] | None
    contact_links: list[dict[str, Any]] | None
    images: list[dict[str, Any]] | None
    icp: str | None
    content_hash: str | None
    result: ScoreResult | None = Field(description="the latest result")
    history: list[HistoryEntry] = Field(description="every result, newest first (at most 100)")


class FeedbackRequest(BaseModel):
    """A moderator's verdict on a stored page (``page_id``) or on a text (``text``)."""

    model_config = ConfigDict(extra="forbid")

    page_id: int | None = Field(None, ge=1)
    text: str | None = Field(None, min_length=1, max_length=1_000_000)
    url: str | None = Field(None, max_length=MAX_URL)
    label: Label
    note: str | None = Field(None, max_length=4000)

    @model_validator(mode="after")
    def _one_of(self) -> FeedbackRequest:
        if (self.page_id is None) == (self.text is None):
            raise ValueError("give exactly one of page_id or text")
        if self.text is not None and not self.text.strip():
            raise ValueError("text is empty")
        return self


class FeedbackResponse(BaseModel):
    id: int
    page_id: int | None = None
    label: Label
    note: str | None
    by: str
    at: datetime


class ModelInfo(BaseModel):
    version: str
    created: str | None = None
    thresholds: dict[str, float]
    metrics: dict[str, Any] = Field(default_factory=dict)
    corpus: dict[str, Any] = Field(default_factory=dict)
    card: dict[str, Any] = Field(description="the whole model card")
