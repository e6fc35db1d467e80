"""POST /v1/check-url and GET /v1/pages/{id}: pages fetched for moderators, and their history."""

from __future__ import annotations

from fastapi import APIRouter, Path

from api.checkurl import check_url
from api.deps import PrincipalDep, ScorerDep, ServiceDep
from api.errors import ApiError
from api.schemas import CheckUrlRequest, CheckUrlResponse, ErrorBody, PageResponse

router = APIRouter(prefix="/v1", tags=["pages"])
ERRORS = {code: {"model": ErrorBody} for code in (400, 401, 404, 413, 422, 429, 503)}


@router.post("/check-url", response_model=CheckUrlResponse, responses=ERRORS)
async def check(
    body: CheckUrlRequest, service: ServiceDep, scorer: ScorerDep, _caller: PrincipalDep
) -> dict:
    """Fetch a page (safely: public addresses only, unless allowlisted), store and score it.

    A stored result younger than the TTL is returned (`cached: true`) unless `refresh`.
    """
    answer = await service.run(lambda: check_url(service, scorer, body.url, body.refresh))
    if not answer["cached"]:
        service.metrics.count_result(answer["result"])
    return answer


@router.get("/pages/{page_id}", response_model=PageResponse, responses=ERRORS)
async def page(
    service: ServiceDep, _caller: PrincipalDep, page_id: int = Path(ge=1, le=2**62)
) -> dict:
    """A stored page, its latest result and every result it had (newest first)."""

    def read() -> dict | None:
        row = service.store.page(page_id)
        if row is None:
            return None
        history = service.store.history(page_id)
        row["result"] = history[0]["result"] if history else None
        row["history"] = [
            {
                "scored_at": h["scored_at"],
                "model": h["model_version"],
                "score": h["result"]["score"],
                "label": h["result"]["label"],
                "suggestion": h["result"]["suggestion"],
            }
            for h in history
        ]
        return row

    row = await service.run(read)
    if row is None:
        raise ApiError(404, "not_found", f"no page {page_id}")
    return row
