"""FastAPI dependencies: the service, who is calling (API key), their rate limit, the model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.errors import ApiError
from api.service import Service
from classifier.scorer import Scorer

bearer = HTTPBearer(
    auto_error=False,
    description="An API key from `scamscan keys create`: `Authorization: Bearer ssk_...`",
)


@dataclass(frozen=True)
class Principal:
    id: str  #: the key's id, or "anonymous@ADDRESS" in open mode
    name: str
    role: str  #: moderator | client
    rate: float | None = None


def get_service(request: Request) -> Service:
    return request.app.state.service


ServiceDep = Annotated[Service, Depends(get_service)]


def get_principal(
    request: Request,
    service: ServiceDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> Principal:
    """The caller's key, checked, with one token of its rate limit spent."""
    if credentials is None:
        if not service.open_mode:
            raise ApiError(
                401,
                "unauthorized",
                "an API key is required: send `Authorization: Bearer <key>`"
                " (keys come from `scamscan keys create`)",
                {"WWW-Authenticate": "Bearer"},
            )
        address = request.client.host if request.client else "unknown"
        principal = Principal(f"anonymous@{address}", "anonymous", "moderator")
    else:
        key = service.store.find_key(credentials.credentials)
        if key is None:
            raise ApiError(
                401, "unauthorized", "unknown or revoked API key", {"WWW-Authenticate": "Bearer"}
            )
        principal = Principal(key["id"], key["name"], key["role"], key["rate"])
    wait = service.buckets.take(principal.id, principal.rate)
    if wait > 0:
        raise ApiError(
            429,
            "rate_limited",
            f"too many requests for this key; retry in {wait:.1f} s",
            {"Retry-After": str(max(1, round(wait + 0.5)))},
        )
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_moderator(principal: PrincipalDep) -> Principal:
    if principal.role != "moderator":
        raise ApiError(403, "forbidden", "this needs a moderator key")
    return principal


ModeratorDep = Annotated[Principal, Depends(require_moderator)]


def get_scorer(service: ServiceDep) -> Scorer:
    return service.require_scorer()


ScorerDep = Annotated[Scorer, Depends(get_scorer)]
