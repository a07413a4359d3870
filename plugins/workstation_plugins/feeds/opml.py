"""OPML 2.0 subscription lists: import from other readers, export for them.

Import reads what real readers write:

* nested outlines are folders (``Tech`` › ``Linux`` becomes ``"Tech/Linux"``);
* a feed outline at the top level with an OPML 2.0 ``category`` attribute
  (``"/Tech/Linux,/Other"``) goes into its first category;
* Thunderbird wraps everything in one outline named after its feed account
  (with its ``fz:`` namespace): that wrapper is dropped;
* Feedly writes category outlines with ``text`` and ``title``; FreshRSS adds
  ``frss:`` attributes; newsboat writes a flat list with ``title`` only —
  all read alike;
* attribute names are matched case-insensitively (``xmlurl`` exists in the
  wild), and the title falls back from ``title`` to ``text`` to the address.

Export writes OPML 2.0 with folders as nested outlines, each feed as
``<outline type="rss" text title xmlUrl htmlUrl/>``.

The parser is Python's expat (xml.etree) and defusedxml is not available,
so documents with a ``<!DOCTYPE`` or ``<!ENTITY`` are refused outright: OPML
needs neither, and that is where entity-expansion attacks live.

Example::

    feeds = parse_opml(Path("subscriptions.opml").read_bytes())
    feeds[0]    # OpmlFeed(url='https://…', title='Ars Machina', site_url=…, folder='Tech')
    Path("out.opml").write_bytes(render_opml(feeds))
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlsplit

__all__ = [
    "OpmlError",
    "OpmlFeed",
    "parse_opml",
    "read_opml",
    "render_opml",
    "write_opml",
]

MAX_OPML_BYTES = 10 * 1024 * 1024
THUNDERBIRD_NS = "urn:forumzilla:"
_FEED_URL_ATTRS = ("xmlurl", "xml_url", "feedurl")
_DANGEROUS = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


class OpmlError(ValueError):
    """The file is not an OPML subscription list Workstation can read."""


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One subscription of an OPML list."""

    url: str
    title: str
    site_url: str | None = None
    folder: str | None = None  # "Tech" or "Tech/Linux"; None at the top level


def _text_of(data: bytes) -> str:
    """The document as text, for the safety check only (expat parses the bytes)."""
    for bom, encoding in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                          (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding, "replace")
    return data.decode("utf-8", "replace")


def _attrs(el: ET.Element) -> dict[str, str]:
    # Namespaced attributes ({urn:forumzilla:}quickMode) are kept under their
    # local name, after the plain ones, which win.
    out: dict[str, str] = {}
    for key, value in el.attrib.items():
        local = key.rsplit("}", 1)[-1].lower()
        if "}" not in key or local not in out:
            out[local] = value.strip()
    return out


def _feed_url(a: dict[str, str]) -> str | None:
    for key in _FEED_URL_ATTRS:
        if a.get(key):
            return a[key]
    # Some exporters write url="…" on type="rss" outlines.
    if a.get("url") and a.get("type", "").lower() in ("rss", "atom", "feed"):
        return a["url"]
    return None


def _name(a: dict[str, str]) -> str:
    return " ".join((a.get("title") or a.get("text") or "").split())


def _category_folder(a: dict[str, str]) -> str | None:
    # OPML 2.0: comma-separated, slash-delimited category paths.
    for cat in a.get("category", "").split(","):
        path = "/".join(p.strip() for p in cat.split("/") if p.strip())
        if path:
            return path
    return None


def parse_opml(data: bytes | str) -> list[OpmlFeed]:
    """The feeds of an OPML document, in document order, each URL once.

    Raises :class:`OpmlError` with a plain reason for anything else.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > MAX_OPML_BYTES:
        raise OpmlError("The OPML file is larger than 10 MB; it is not a subscription list.")
    if _DANGEROUS.search(_text_of(raw)):
        raise OpmlError("The OPML file contains a <!DOCTYPE> or <!ENTITY> declaration, "
                        "which subscription lists never need; it was refused for safety.")
    if isinstance(data, str):
        # A str has been decoded already; its XML declaration would mislead expat.
        raw = re.sub(r"^\s*<\?xml[^>]*\?>", "", data).encode("utf-8")
    try:
        root = ET.fromstring(raw)  # noqa: S314 (DOCTYPE/ENTITY refused above)
    except ET.ParseError as exc:
        raise OpmlError(f"The file is not well-formed XML ({exc}).") from None
    if root.tag.rsplit("}", 1)[-1].lower() != "opml":
        raise OpmlError(f"The file is XML but not OPML (its root is <{root.tag}>).")
    body = next((c for c in root if c.tag.rsplit("}", 1)[-1].lower() == "body"), None)
    if body is None:
        raise OpmlError("The OPML file has no <body>.")
    tops = [c for c in body if c.tag.lower() == "outline"]
    feeds: list[OpmlFeed] = []
    seen: set[str] = set()

    def walk(el: ET.Element, path: tuple[str, ...]) -> None:
        for child in el:
            if child.tag.rsplit("}", 1)[-1].lower() != "outline":
                continue
            a = _attrs(child)
            url = _feed_url(a)
            if url:
                if url in seen or urlsplit(url).scheme.lower() not in ("http", "https"):
                    continue
                seen.add(url)
                folder = "/".join(path) or _category_folder(a)
                feeds.append(OpmlFeed(url=url, title=_name(a) or urlsplit(url).netloc or url,
                                      site_url=a.get("htmlurl") or None,
                                      folder=folder or None))
                continue
            name = _name(a).replace("/", "\u2215")
            walk(child, (*path, name) if name else path)

    if _is_thunderbird_account(root, tops):
        walk(tops[0], ())
    else:
        walk(body, ())
    return feeds


def _is_thunderbird_account(root: ET.Element, tops: list[ET.Element]) -> bool:
    """One feed-less top outline wrapping all, in a Thunderbird export."""
    if len(tops) != 1 or _feed_url(_attrs(tops[0])):
        return False
    head_title = next((t.text or "" for h in root if h.tag.lower() == "head"
                       for t in h if t.tag.lower() == "title"), "")
    return (any(k.startswith("{" + THUNDERBIRD_NS) for el in root.iter() for k in el.attrib)
            or head_title.startswith("Thunderbird OPML Export"))


def read_opml(path: Path) -> list[OpmlFeed]:
    """:func:`parse_opml` on a file; unreadable files raise :class:`OpmlError`."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_OPML_BYTES + 1)
    except OSError as exc:
        raise OpmlError(f"{path} cannot be read ({exc.strerror or exc}).") from None
    return parse_opml(data)


def render_opml(feeds: Iterable[OpmlFeed], *, title: str = "Workstation feeds",
                now: datetime | None = None) -> bytes:
    """An OPML 2.0 document (UTF-8 bytes) with folders as nested outlines."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now or datetime.now(UTC),
                                                              usegmt=True)
    body = ET.SubElement(root, "body")
    folders: dict[tuple[str, ...], ET.Element] = {(): body}

    def folder_el(path: tuple[str, ...]) -> ET.Element:
        if path not in folders:
            parent = folder_el(path[:-1])
            folders[path] = ET.SubElement(parent, "outline", text=path[-1], title=path[-1])
        return folders[path]

    for feed in feeds:
        path = tuple(p.strip() for p in (feed.folder or "").split("/") if p.strip())
        attrs = {"type": "rss", "text": feed.title, "title": feed.title, "xmlUrl": feed.url}
        if feed.site_url:
            attrs["htmlUrl"] = feed.site_url
        ET.SubElement(folder_el(path), "outline", attrs)
    ET.indent(root, space="  ")
    document: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return document + b"\n"


def write_opml(path: Path, feeds: Iterable[OpmlFeed], *, title: str = "Workstation feeds",
               now: datetime | None = None) -> None:
    """Write :func:`render_opml` to ``path``."""
    path.write_bytes(render_opml(feeds, title=title, now=now))
