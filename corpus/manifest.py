"""The labelled corpus of recovery-service sites: load and validate `site.json` files.

Each folder under ``data/sites`` is one fictional site; its ``site.json`` labels
every page (see ``data/AUTHORING.md``). This module turns those files into
typed records and reports anything that does not match the files on disk.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

LABELS = ("informational", "platform", "solicitation")
SITE_KINDS = frozenset(
    {
        "content_farm",
        "forum",
        "classifieds",
        "single_page",
        "help_centre",
        "news",
        "police",
        "platform",
        "fake_platform",
        "qa",
        "blog",
    }
)
ENCODINGS = frozenset({"utf-8", "gbk", "gb2312", "gb18030"})
CONTACT_KINDS = frozenset({"wechat", "qq", "phone", "telegram", "payment"})
SIGNALS = frozenset(
    {
        "contact_only",
        "off_platform_payment",
        "upfront_fee",
        "above_face_value",
        "urgency",
        "fake_guarantee",
        "keyword_stuffing",
        "warning_context",
        "official_contact",
        "onsite_flow",
        "support_wechat",
        "icp",
        "rate_table",
        "reprint_notice",
        "floating_widget",
        "qr_image",
        "qq_link",
        "same_number",
        "disguise_homophone",
        "disguise_fullwidth",
        "disguise_circled",
        "disguise_chinese_numerals",
        "disguise_split",
        "telegram",
    }
)
#: Informational pages carrying one of these are the hard negatives.
HARD_NEGATIVE_SIGNALS = frozenset({"warning_context", "official_contact"})


def default_sites_dir() -> Path:
    """The bundled corpus, or ``$SCAMSCAN_SITES`` when set."""
    env = os.environ.get("SCAMSCAN_SITES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "data" / "sites"


class ManifestError(ValueError):
    """A ``site.json`` that cannot be read or does not follow the schema."""


@dataclass(frozen=True)
class Contact:
    kind: str
    value: str


@dataclass(frozen=True)
class Page:
    """One labelled page; ``file`` is where its bytes live on disk."""

    site: str
    path: str
    label: str
    mixed: bool
    encoding: str
    signals: frozenset[str]
    contacts: tuple[Contact, ...]
    file: Path

    @property
    def hard_negative(self) -> bool:
        return self.label == "informational" and bool(self.signals & HARD_NEGATIVE_SIGNALS)

    def read_text(self) -> str:
        return self.file.read_bytes().decode(self.encoding)

    def as_row(self) -> dict:
        """The manifest row, as exported to JSON Lines."""
        return {
            "site": self.site,
            "path": self.path,
            "label": self.label,
            "mixed": self.mixed,
            "encoding": self.encoding,
            "signals": sorted(self.signals),
            "contacts": [{"kind": c.kind, "value": c.value} for c in self.contacts],
        }


@dataclass(frozen=True)
class Site:
    id: str
    kind: str
    title: str
    encoding: str
    charset_header: str | None
    root: Path
    pages: tuple[Page, ...] = field(repr=False)
    charset_note: str | None = None

    @property
    def content_type(self) -> str:
        """The HTML ``Content-Type`` this site's server sends (declared, maybe wrongly)."""
        if self.charset_header:
            return f"text/html; charset={self.charset_header}"
        return "text/html"


def path_to_file(root: Path, url_path: str) -> Path:
    """Map a site path (``/``, ``/news/``, ``/a.html``) to its file under ``root``."""
    rel = url_path.lstrip("/")
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return root / rel


def _require(obj: dict, key: str, kind: type | tuple[type, ...], where: str):
    if key not in obj:
        raise ManifestError(f"{where}: missing field {key!r}")
    value = obj[key]
    if not isinstance(value, kind):
        raise ManifestError(f"{where}: field {key!r} has the wrong type ({type(value).__name__})")
    return value


def _parse_page(raw: dict, site_id: str, root: Path, encoding: str, index: int) -> Page:
    where = f"{site_id}/site.json pages[{index}]"
    if not isinstance(raw, dict):
        raise ManifestError(f"{where}: not an object")
    path = _require(raw, "path", str, where)
    where = f"{site_id}{path}"
    if not path.startswith("/"):
        raise ManifestError(f"{where}: path must start with '/'")
    label = _require(raw, "label", str, where)
    if label not in LABELS:
        raise ManifestError(f"{where}: unknown label {label!r} (expected one of {LABELS})")
    mixed = _require(raw, "mixed", bool, where)
    if mixed and label != "solicitation":
        raise ManifestError(f"{where}: mixed is only for solicitation pages")
    signals = _require(raw, "signals", list, where)
    unknown = sorted(set(signals) - SIGNALS)
    if unknown:
        raise ManifestError(f"{where}: unknown signals {unknown}")
    contacts = []
    for c in raw.get("contacts", []):
        if not isinstance(c, dict) or c.get("kind") not in CONTACT_KINDS or not c.get("value"):
            raise ManifestError(f"{where}: bad contact {c!r}")
        contacts.append(Contact(c["kind"], str(c["value"])))
    return Page(
        site=site_id,
        path=path,
        label=label,
        mixed=mixed,
        encoding=encoding,
        signals=frozenset(signals),
        contacts=tuple(contacts),
        file=path_to_file(root, path),
    )


def load_site(root: Path) -> Site:
    """Read one site folder's ``site.json``; raise ManifestError on schema problems."""
    meta_file = root / "site.json"
    try:
        meta = json.loads(meta_file.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(f"{meta_file}: cannot read: {exc}") from exc
    where = f"{root.name}/site.json"
    site_id = _require(meta, "site", str, where)
    if site_id != root.name:
        raise ManifestError(f"{where}: site {site_id!r} does not match its folder name")
    kind = _require(meta, "kind", str, where)
    if kind not in SITE_KINDS:
        raise ManifestError(f"{where}: unknown kind {kind!r}")
    encoding = _require(meta, "encoding", str, where).lower()
    if encoding not in ENCODINGS:
        raise ManifestError(f"{where}: unsupported encoding {encoding!r}")
    charset_header = meta.get("charset_header")
    if charset_header is not None and not isinstance(charset_header, str):
        raise ManifestError(f"{where}: charset_header must be a string or null")
    raw_pages = _require(meta, "pages", list, where)
    pages = tuple(_parse_page(p, site_id, root, encoding, i) for i, p in enumerate(raw_pages))
    seen: set[str] = set()
    for page in pages:
        if page.path in seen:
            raise ManifestError(f"{where}: page {page.path} listed twice")
        seen.add(page.path)
    return Site(
        id=site_id,
        kind=kind,
        title=str(meta.get("title", site_id)),
        encoding=encoding,
        charset_header=charset_header,
        charset_note=meta.get("charset_note"),
        root=root,
        pages=pages,
    )


def load_sites(sites_dir: Path | None = None) -> list[Site]:
    """Every site under ``sites_dir`` (default: the bundled corpus), sorted by id."""
    sites_dir = sites_dir or default_sites_dir()
    if not sites_dir.is_dir():
        raise ManifestError(f"{sites_dir}: no such corpus folder")
    return [load_site(d) for d in sorted(sites_dir.iterdir()) if (d / "site.json").is_file()]


def iter_pages(sites: list[Site]) -> Iterator[Page]:
    for site in sites:
        yield from site.pages
