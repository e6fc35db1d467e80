"""The model card, liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import PrincipalDep, ScorerDep, ServiceDep
from api.errors import ApiError
from api.schemas import ErrorBody, ModelInfo

router = APIRouter(tags=["service"])


@router.get(
    "/v1/model", response_model=ModelInfo, responses={c: {"model": ErrorBody} for c in (401, 503)}
)
def model(scorer: ScorerDep, _caller: PrincipalDep) -> dict:
    """The model's version, thresholds and out-of-fold metrics, from its model card."""
    card = scorer.card
    return {
        "version": scorer.version,
        "created": card.get("created"),
        "thresholds": scorer.thresholds,
        "metrics": card.get("metrics", {}),
        "corpus": card.get("corpus", {}),
        "card": card,
    }


@router.get("/healthz")
def healthz() -> dict:
    """The process is up (it may still be loading the model: see /readyz)."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"model": ErrorBody}})
def readyz(service: ServiceDep) -> dict:
    """Ready to score: the model is loaded and the store answers."""
    scorer = service.require_scorer()
    try:
        service.store.ping()
    except Exception as exc:
        raise ApiError(503, "store_unavailable", f"the store does not answer: {exc}") from None
    return {"status": "ready", "model": scorer.version, "auth": not service.open_mode}


@router.get("/metrics", response_class=Response)
def metrics(service: ServiceDep) -> Response:
    """Prometheus text format: requests, latency histogram, scores by suggestion."""
    body, content_type = service.metrics.exposition()
    return Response(body, media_type=content_type)
