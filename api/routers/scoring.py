"""POST /v1/score and /v1/score/batch: text or HTML in, the classifier's result out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError

from api.deps import PrincipalDep, ScorerDep, ServiceDep
from api.errors import ApiError
from api.schemas import BatchRequest, BatchResponse, ErrorBody, ScoreRequest, ScoreResult
from classifier.document import InputRejected

router = APIRouter(prefix="/v1", tags=["scoring"])
#: A batch is at most 2 MB of JSON in all (api.limits; /v1/score takes the app's limit).
BATCH_MAX_BYTES = 2_000_000
ERRORS = {
    code: {"model": ErrorBody} for code in (400, 401, 413, 422, 429, 503)
}  # fmt: skip


@router.post("/score", response_model=ScoreResult, responses=ERRORS)
async def score(
    body: ScoreRequest, service: ServiceDep, scorer: ScorerDep, _caller: PrincipalDep
) -> dict:
    """Score one page: `text`, or `html` (and its `url`)."""
    try:
        result = await service.run(lambda: scorer.score(body.text, body.html, body.url))
    except InputRejected as exc:
        raise ApiError(422, "input_rejected", str(exc)) from None
    service.metrics.count_result(result)
    return result


def _item(index: int, item: Any) -> tuple[dict, dict | None]:
    """(the answer's head {index, id}, the document to score or None with the error set)."""
    head: dict[str, Any] = {"index": index}
    if not isinstance(item, dict):
        head["error"] = {"code": "invalid_request", "message": "an item must be an object"}
        return head, None
    doc_id = item.get("id")
    if doc_id is not None and (isinstance(doc_id, bool) or not isinstance(doc_id, str | int)):
        head["error"] = {"code": "invalid_request", "message": "id must be a string or number"}
        return head, None
    head["id"] = doc_id
    try:
        request = ScoreRequest.model_validate({k: v for k, v in item.items() if k != "id"})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'item'}: {e['msg']}" for e in exc.errors()[:3]
        )
        head["error"] = {"code": "invalid_request", "message": problems}
        return head, None
    return head, request.model_dump()


@router.post("/score/batch", response_model=BatchResponse, responses=ERRORS)
async def score_batch(
    body: BatchRequest, service: ServiceDep, scorer: ScorerDep, _caller: PrincipalDep
) -> dict:
    """Score up to 100 documents (2 MB in all): a result or an error per item, in order."""
    limit = service.settings.batch_max_items
    if len(body.items) > limit:
        raise ApiError(422, "too_many_items", f"{len(body.items)} items; at most {limit}")
    heads, docs = zip(*(_item(i, item) for i, item in enumerate(body.items)), strict=True)
    valid = [d for d in docs if d is not None]
    results = iter(await service.run(lambda: list(scorer.score_many(valid))))
    answers = []
    for head, doc in zip(heads, docs, strict=True):
        if doc is not None:
            result = next(results)
            if "error" in result:
                head["error"] = {"code": "input_rejected", "message": result["error"]}
            else:
                head["result"] = result
                service.metrics.count_result(result)
        answers.append(head)
    return {"results": answers}
