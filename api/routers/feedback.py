"""POST /v1/feedback: a moderator's verdict, stored with who and when before it is answered."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ModeratorDep, ServiceDep
from api.errors import ApiError
from api.schemas import ErrorBody, FeedbackRequest, FeedbackResponse

router = APIRouter(prefix="/v1", tags=["feedback"])
ERRORS = {code: {"model": ErrorBody} for code in (400, 401, 403, 404, 413, 422, 429)}


@router.post("/feedback", response_model=FeedbackResponse, status_code=201, responses=ERRORS)
async def give_feedback(
    body: FeedbackRequest, service: ServiceDep, moderator: ModeratorDep
) -> dict:
    """Record a verdict (`label`, `note`) on a stored page (`page_id`) or a text."""
    store = service.store
    by = moderator.id if moderator.name == "anonymous" else f"{moderator.id} ({moderator.name})"

    def save() -> dict | None:
        values = {"label": body.label, "note": body.note, "by": by}
        if body.page_id is None:  # the model the moderator was looking at, if loaded
            model = service.scorer.version if service.scorer is not None else None
            return store.add_feedback(text=body.text, url=body.url, model_version=model, **values)
        page = store.page(body.page_id)
        if page is None:
            return None
        latest = store.latest_result(body.page_id)
        return store.add_feedback(
            page_id=body.page_id,
            url=page["url"],
            text=page["text"] or "",
            model_version=latest["model_version"] if latest else None,
            score=latest["result"]["score"] if latest else None,
            **values,
        )

    saved = await service.run(save)
    if saved is None:
        raise ApiError(404, "not_found", f"no page {body.page_id}")
    return saved
