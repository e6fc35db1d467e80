"""The service's configuration: environment variables ``SCAMSCAN_*``, set by ``scamscan serve``.

Every uvicorn worker is its own process and builds its app from the environment,
so the command line's options travel there as variables.
"""

from __future__ import annotations

import ipaddress
from functools import cached_property

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from crawler.store import DEFAULT_STORE_URL


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCAMSCAN_", extra="ignore", frozen=True)

    store: str = Field(DEFAULT_STORE_URL, description="SQLAlchemy URL of the page store")
    model: str | None = Field(
        None, description="a folder written by `scamscan train --out`; default: the bundled model"
    )
    allow_open: bool = Field(
        False,
        description="with no API keys created, serve without auth (set by `serve` on loopback)",
    )
    fetch_allow_hosts: list[str] = Field(
        default_factory=list, description="hosts check-url may fetch even if private"
    )
    fetch_allow_networks: list[str] = Field(
        default_factory=list, description="networks (CIDR) check-url may fetch even if private"
    )
    check_url_ttl: float = Field(3600.0, ge=0, description="seconds a check-url result is reused")
    rate_limit: float = Field(50.0, ge=0, description="requests per second per key; 0: no limit")
    rate_burst: int = Field(100, ge=1, description="requests a key may send at once")
    max_body_bytes: int = Field(8_000_000, ge=1024)
    batch_max_items: int = Field(100, ge=1)
    request_timeout: float = Field(30.0, gt=0, description="seconds before scoring gives up")
    scoring_threads: int = Field(4, ge=1, description="documents scored at once per worker")

    @field_validator("fetch_allow_networks")
    @classmethod
    def _networks_parse(cls, value: list[str]) -> list[str]:
        for net in value:
            ipaddress.ip_network(net, strict=False)  # ValueError names the bad one
        return value

    @cached_property
    def allowed_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(ipaddress.ip_network(n, strict=False) for n in self.fetch_allow_networks)
