"""The FastAPI application: ``create_app()`` is what ``scamscan serve`` runs under uvicorn.

uvicorn --factory api.app:create_app     # settings from SCAMSCAN_* variables
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.limits import BodyLimit
from api.metrics import MetricsMiddleware
from api.routers import feedback, meta, pages, scoring
from api.routers.scoring import BATCH_MAX_BYTES
from api.service import Service
from api.settings import Settings
from classifier.scorer import Scorer

log = logging.getLogger(__name__)

DESCRIPTION = """
Scores Chinese recovery-service (回收) pages: how likely a page is a fraud
solicitation (contact-only, off-platform payment), what to do about it
(`pass` / `review` / `block`) and why: signals, contact handles, blocks and
terms, each with offsets into the text.

Authenticate with `Authorization: Bearer <key>` (`scamscan keys create`).
Every error is `{"error": {"code", "message"}}`.
"""


def create_app(settings: Settings | None = None, scorer: Scorer | None = None) -> FastAPI:
    """The app; ``scorer``: a model already loaded (else it loads at startup, see Service)."""
    settings = settings or Settings()
    service = Service(settings, scorer)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service.start_loading()
        yield
        service.close()

    app = FastAPI(
        title="scamscan",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.service = service
    install_error_handlers(app)
    for router in (scoring.router, pages.router, feedback.router, meta.router):
        app.include_router(router)
    # Outermost last: metrics see every answer, including a 413 from the body limit.
    app.add_middleware(
        BodyLimit,
        default=settings.max_body_bytes,
        per_path={"/v1/score/batch": BATCH_MAX_BYTES},
    )
    app.add_middleware(MetricsMiddleware, metrics=service.metrics)
    return app
