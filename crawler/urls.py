"""URL canonicalisation: one spelling per page, so traps of endless URLs end.

Fragments, tracking parameters and session ids make the same page look new on
every link; a crawler that keeps them follows a session-id trap forever.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import canonicalize_url

#: Query parameters that never change the page (analytics, referrers, sessions).
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "msclkid", "yclid", "spm", "scm", "from", "source",
        "ref", "referer", "referrer", "share_token", "sessionid", "session_id", "sid",
        "phpsessid", "jsessionid", "aspsessionid", "cfid", "cftoken", "_ga", "_gl",
        "mc_cid", "mc_eid", "wx_share", "timestamp", "_t", "t_",
    }
)  # fmt: skip
_TRACKING_PREFIXES = ("utm_", "hmsr", "hmpl", "hmcu", "hmkw", "hmci")
#: ``;jsessionid=...`` and friends, spliced into the path by Java and PHP servers.
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sid|sessionid)=[^/?#]*", re.I)
ALLOWED_SCHEMES = frozenset({"http", "https"})


class InvalidURL(ValueError):
    """A URL the crawler cannot fetch: not http(s), no host, or unparsable."""


def _keep(param: str) -> bool:
    name = param.split("=", 1)[0].lower()
    return name not in TRACKING_PARAMS and not name.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """The page's one spelling: sorted query, no tracking or session parameters, no fragment."""
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:
        raise InvalidURL(f"{url!r}: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise InvalidURL(f"{url!r}: only http and https URLs can be crawled")
    if not parts.hostname:
        raise InvalidURL(f"{url!r}: no host")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise InvalidURL(f"{url!r}: {exc}") from exc
    path = _PATH_SESSION.sub("", parts.path) or "/"
    query = "&".join(p for p in parts.query.split("&") if p and _keep(p))
    netloc = parts.netloc.lower()
    default_port = {"http": ":80", "https": ":443"}[scheme]
    if netloc.endswith(default_port):
        netloc = netloc[: -len(default_port)]
    return canonicalize_url(urlunsplit((scheme, netloc, path, query, "")))


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
