"""API keys: random tokens shown once, stored as SHA-256 hashes.

A key reads ``ssk_<id>_<secret>``: the id finds the row without scanning, the
secret (32 random bytes) is only ever compared by hash in constant time. A
fast hash is enough because the secret is random, not a password.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

PREFIX = "ssk"
ROLES = ("moderator", "client")


@dataclass(frozen=True)
class NewKey:
    key_id: str
    token: str  #: the full key, shown to its owner once
    secret_hash: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_key() -> NewKey:
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return NewKey(key_id, f"{PREFIX}_{key_id}_{secret}", hash_secret(secret))


def split_token(token: str) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed token, None otherwise."""
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)
