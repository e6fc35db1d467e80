"""``scamscan serve``, ``scamscan keys`` and ``scamscan feedback``: running the scoring service."""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import sys
import tempfile
from enum import StrEnum
from typing import Annotated

import typer

from api.cli_options import ModelDir, OutFile, StoreUrl, output

log = logging.getLogger("scamscan")

keys_app = typer.Typer(
    help="API keys of the scoring service: create, list, revoke.", no_args_is_help=True
)
feedback_app = typer.Typer(help="Moderators' feedback: export it.", no_args_is_help=True)


class Role(StrEnum):
    moderator = "moderator"
    client = "client"


def _store(url: str | None):
    from api.store import ApiStore
    from crawler.store import default_store_url

    return ApiStore(url or default_store_url())


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def split_allowlist(entries: list[str]) -> tuple[list[str], list[str]]:
    """(host names, networks): an IP address or CIDR is a network, anything else a host."""
    hosts, networks = [], []
    for entry in entries:
        try:
            networks.append(str(ipaddress.ip_network(entry.strip("[]"), strict=False)))
        except ValueError:
            hosts.append(entry.lower().rstrip("."))
    return hosts, networks


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes (each loads the model).")
    ] = 1,
    store: StoreUrl = None,
    model: ModelDir = None,
    allow_fetch: Annotated[
        list[str] | None,
        typer.Option(
            help="A host, address or network (CIDR) check-url may fetch although it is "
            "private, e.g. 127.77.0.0/16 for `scamscan sites serve`. Repeatable.",
        ),
    ] = None,
    ttl: Annotated[
        float, typer.Option(min=0, help="Seconds a check-url result is reused.")
    ] = 3600.0,
    rate_limit: Annotated[
        float, typer.Option(min=0, help="Requests per second per key (0: no limit).")
    ] = 50.0,
    timeout: Annotated[
        float, typer.Option(min=0.1, help="Seconds before a scoring request gives up.")
    ] = 30.0,
) -> None:
    """Serve the scoring API (OpenAPI docs at /docs) with the bundled model and store.

    On a loopback address with no API keys created, it runs without authentication and
    says so; on any other address it refuses to start until a key exists.
    """
    import uvicorn
    from pydantic import ValidationError

    from api.settings import Settings

    api_store = _store(store)
    keys = api_store.active_key_count()
    api_store.close()
    open_mode = keys == 0 and is_loopback(host)
    if keys == 0 and not open_mode:
        log.error(
            "refusing to serve on %s without API keys: create one with "
            "`scamscan keys create --role client` (or serve on 127.0.0.1)",
            host,
        )
        raise typer.Exit(2)
    hosts, networks = split_allowlist(allow_fetch or [])
    env = {
        "SCAMSCAN_STORE": api_store.pages.url,
        "SCAMSCAN_ALLOW_OPEN": "1" if open_mode else "0",
        "SCAMSCAN_FETCH_ALLOW_HOSTS": json.dumps(hosts),
        "SCAMSCAN_FETCH_ALLOW_NETWORKS": json.dumps(networks),
        "SCAMSCAN_CHECK_URL_TTL": str(ttl),
        "SCAMSCAN_RATE_LIMIT": str(rate_limit),
        "SCAMSCAN_REQUEST_TIMEOUT": str(timeout),
    }
    if model is not None:
        env["SCAMSCAN_MODEL"] = str(model.resolve())
    if workers > 1:  # /metrics adds up every worker's counters
        env["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="scamscan-metrics-")
    os.environ.update(env)  # the workers build their app from these
    try:
        Settings()
    except ValidationError as exc:
        raise typer.BadParameter(str(exc)) from exc
    log.info(
        "serving on http://%s:%d (%d worker%s, auth %s)",
        host, port, workers, "s" if workers > 1 else "", "off" if open_mode else "on",
    )  # fmt: skip
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        timeout_graceful_shutdown=10,
    )


@keys_app.command("create")
def keys_create(
    role: Annotated[Role, typer.Option(help="moderator (may give feedback) or client.")],
    name: Annotated[str, typer.Option(help="Who the key is for (shown in feedback).")] = "",
    rate: Annotated[
        float | None,
        typer.Option(min=0, help="Requests per second for this key (default: the service's)."),
    ] = None,
    store: StoreUrl = None,
) -> None:
    """Create a key and print it once on standard output; only its hash is stored."""
    api_store = _store(store)
    token = api_store.create_key(role.value, name or role.value, rate)
    key_id = token.split("_")[1]
    log.info("created %s key %s; it is shown only now", role.value, key_id)
    sys.stdout.write(token + "\n")


@keys_app.command("list")
def keys_list(store: StoreUrl = None) -> None:
    """Every key (never its secret) as JSON Lines: id, role, name, rate, created, revoked."""
    for key in _store(store).list_keys():
        sys.stdout.write(json.dumps(key, default=str, ensure_ascii=False) + "\n")


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key's id (ssk_<id>_...).")],
                store: StoreUrl = None) -> None:  # fmt: skip
    """Revoke a key: requests with it are refused from now on."""
    if not _store(store).revoke_key(key_id):
        log.error("no active key %s", key_id)
        raise typer.Exit(1)
    log.info("revoked key %s", key_id)


@feedback_app.command("export")
def feedback_export(
    store: StoreUrl = None,
    out: OutFile = None,
) -> None:
    """Write moderators' feedback as JSON Lines with `text` and `label`: a labelled file
    `scamscan train --add` reads (and `scamscan eval` / `cv` too)."""
    api_store = _store(store)
    n = 0
    with output(out) as fh:
        for row in api_store.iter_feedback():
            fh.write(json.dumps(row, default=str, ensure_ascii=False) + "\n")
            n += 1
    log.info("exported %d feedback rows", n)
