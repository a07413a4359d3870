"""Feed documents to items: RSS 0.9x/1.0/2.0, Atom 0.3/1.0, CDF and JSON Feed 1.0/1.1.

:func:`parse_feed` is CPU work on untrusted bytes: call it off the event
loop (``await asyncio.to_thread(parse_feed, …)``). It never raises anything
but :class:`FeedParseError` (and its :class:`NotAFeedError`); an ill-formed
feed is read as far as feedparser can and the reason is returned in
:attr:`ParsedFeed.problem`, so one stray ``&`` does not hide a day of news.

Mapping of an entry to an :class:`~workstation.api.Item`:

=============  ===========================================================
remote_id      the entry's id/guid, else its link, else ``sha256:`` of
               title + content (in that order, so ids stay stable)
title          plain text (HTML titles are flattened)
summary        a one-line plain-text preview
content        sanitised HTML, links and images made absolute against the
               entry's xml:base, else the feed's site link, else the feed URL
url            the entry's link
actor          the entry's (else the feed's) author; the feed title if none
published      published, else updated, in UTC
tags           categories
attachments    enclosures, then Media RSS thumbnails
folder         "<subscription folder>/<feed title>", or the feed title
=============  ===========================================================

Example::

    parsed = parse_feed(body, url="https://example.org/feed.xml", source="Example",
                        folder="Tech")
    parsed.info.title      # 'Example blog'
    parsed.items[0].folder  # 'Tech/Example blog'
"""

from __future__ import annotations

import calendar
import hashlib
import io
import json
import mimetypes
import re
import time
import xml.sax
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from posixpath import basename
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import feedparser

from workstation.api import Attachment, Item, ItemKind, Person

from .text import html_to_text, one_line, preview, resolve_url, sanitize_html, text_to_html

__all__ = [
    "FeedInfo",
    "FeedParseError",
    "NotAFeedError",
    "ParsedFeed",
    "feed_folder",
    "parse_feed",
]

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


class FeedParseError(Exception):
    """The document cannot be read as a feed. The message is a plain sentence."""


class NotAFeedError(FeedParseError):
    """The document is something else: a web page, an empty answer, other JSON."""


@dataclass(frozen=True, slots=True)
class FeedInfo:
    """Feed-level metadata, used for naming, scheduling and the feed list."""

    title: str
    site_url: str | None = None
    format: str = ""  # "RSS 2.0", "Atom 1.0", "JSON Feed 1.1"…
    media_type: str = "application/xml"  # the type a <link rel=alternate> would name
    ttl_minutes: int | None = None  # RSS <ttl>
    skip_hours: frozenset[int] = frozenset()  # RSS <skipHours>, 0–23 UTC
    skip_days: frozenset[int] = frozenset()  # RSS <skipDays>, 0 = Monday
    language: str | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    info: FeedInfo
    items: tuple[Item, ...] = ()
    problem: str | None = None  # why the document is ill-formed, if it is
    skipped: int = 0  # entries with nothing in them (no id, link, title or text)


_FORMATS: dict[str, tuple[str, str]] = {
    "rss090": ("RSS 0.90", "application/rss+xml"),
    "rss091n": ("RSS 0.91", "application/rss+xml"),
    "rss091u": ("RSS 0.91", "application/rss+xml"),
    "rss092": ("RSS 0.92", "application/rss+xml"),
    "rss093": ("RSS 0.93", "application/rss+xml"),
    "rss094": ("RSS 0.94", "application/rss+xml"),
    "rss10": ("RSS 1.0", "application/rdf+xml"),
    "rss20": ("RSS 2.0", "application/rss+xml"),
    "rss": ("RSS", "application/rss+xml"),
    "atom01": ("Atom 0.1", "application/atom+xml"),
    "atom02": ("Atom 0.2", "application/atom+xml"),
    "atom03": ("Atom 0.3", "application/atom+xml"),
    "atom10": ("Atom 1.0", "application/atom+xml"),
    "atom": ("Atom", "application/atom+xml"),
    "cdf": ("CDF", "application/xml"),
}
_DAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}

# Where a relative reference resolves in the parsed result when the document
# itself gave no base. feedparser resolves ids, links and enclosure URLs
# against the document address; giving it this marker instead lets us (1)
# keep relative Atom ids as written, so remote_ids do not change when a feed
# moves, (2) resolve against the feed's site link first, as the spec of this
# plugin asks, and (3) avoid a feedparser quirk where, with no base at the
# root, one element's xml:base leaks into the following entries.
_MARK_HOST = "http://relative.ws-feeds.invalid"
_MARK_DIRS = tuple(f"~{i}" for i in range(12))
_MARK = _MARK_HOST + "/" + "/".join(_MARK_DIRS) + "/"


def _unmark(url: str) -> str:
    """Undo the marker: the relative reference as written (``"a/b"``, ``"/x"``, ``"../y"``)."""
    if not url.startswith(_MARK_HOST + "/"):
        return url
    rest = url[len(_MARK_HOST):]
    cut = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    path, tail = rest[:cut], rest[cut:]
    segments = path.split("/")[1:]
    depth = 0
    while (depth < len(_MARK_DIRS) and depth < len(segments) - 1
           and segments[depth] == _MARK_DIRS[depth]):
        depth += 1
    if depth == 0:
        return path + tail  # it was root-relative: "/x"
    return "../" * (len(_MARK_DIRS) - depth) + "/".join(segments[depth:]) + tail


def feed_folder(folder: str | None, title: str) -> str:
    """The item folder of a subscription: ``"Tech/Ars Machina"`` or ``"Ars Machina"``.

    A slash in the title would read as a sub-folder, so it becomes "∕".

    >>> feed_folder("Tech", "AC/DC news")
    'Tech/AC∕DC news'
    """
    name = one_line(title).replace("/", "\u2215") or "Untitled feed"
    prefix = (folder or "").strip().strip("/")
    return f"{prefix}/{name}" if prefix else name


def _utc(parsed: Any) -> datetime | None:
    if not isinstance(parsed, time.struct_time):
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _iso_date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # JSON Feed requires an offset; assume UTC
    try:
        return when.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    text = _str(value)
    return int(text[:15]) if text.isdigit() else None


def _hash_id(title: str, content: str) -> str:
    return "sha256:" + hashlib.sha256(f"{title}\n{content}".encode("utf-8", "replace")).hexdigest()


def _file_name(url: str, fallback: str) -> str:
    try:
        name = unquote(basename(urlsplit(url).path))
    except ValueError:
        name = ""
    return name or fallback


def _thumbnail(url: str) -> Attachment:
    guessed = mimetypes.guess_type(_file_name(url, ""))[0] or ""
    # "image/*": an image of a format the URL does not tell.
    media_type = guessed if guessed.startswith("image/") else "image/*"
    return Attachment(name=_file_name(url, "thumbnail"), media_type=media_type, url=url)


@dataclass(slots=True)
class _Builder:
    """What every entry of one document shares."""

    source: str
    feed_url: str
    folder: str
    feed_title: str
    feed_link: str | None
    feed_author: Mapping[str, Any] | None
    language: str | None
    now: datetime
    items: list[Item] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    skipped: int = 0

    @property
    def fallback_base(self) -> str:
        return self.feed_link or self.feed_url

    def absolute(self, ref: str | None, base: str | None = None) -> str | None:
        """An http(s)/mailto URL from a reference feedparser gave us, or ``None``."""
        if not ref:
            return None
        return resolve_url(_unmark(ref), base or self.fallback_base)

    def base_of(self, detail: Mapping[str, Any] | None) -> str:
        """The base for relative links inside a content element (see _MARK)."""
        recorded = _str((detail or {}).get("base"))
        if not recorded or recorded == _MARK:
            return self.fallback_base  # no xml:base: the site link, else the feed URL
        if recorded.startswith(_MARK_HOST + "/"):
            # A relative xml:base resolves against the document (XML Base).
            return urljoin(self.feed_url, _unmark(recorded))
        return recorded

    def person(self, detail: Mapping[str, Any] | None, name: str) -> Person:
        detail = detail or {}
        name = one_line(_str(detail.get("name")) or name) or self.feed_title
        uri = self.absolute(_str(detail.get("href")) or None)
        return Person.from_feed_author(name, uri or _str(detail.get("email")) or self.feed_link)

    def add(self, *, rid: str, link: str | None, title: str, content: str, content_base: str,
            summary_text: str, author: Person, published: datetime | None,
            updated: datetime | None, tags: Iterable[str], attachments: Iterable[Attachment],
            language: str | None) -> None:
        if not (rid or link or title or content):
            self.skipped += 1  # an empty <item/>: nothing to show or to identify
            return
        remote_id = rid or link or _hash_id(title, content)
        if remote_id in self.seen:
            return  # the first copy wins: feeds list the newest first
        self.seen.add(remote_id)
        clean = sanitize_html(content, base=content_base)
        text = summary_text or html_to_text(clean)
        self.items.append(Item(
            source=self.source,
            remote_id=remote_id,
            kind=ItemKind.FEED_ENTRY,
            title=title or preview(html_to_text(clean), 80) or "(untitled)",
            summary=preview(text),
            content=clean,
            content_type="text/html",
            url=link,
            actor=author,
            folder=self.folder,
            thread=None,
            published=published or updated,
            updated=updated,
            received=self.now,
            tags=tuple(dict.fromkeys(t for t in (one_line(t) for t in tags) if t)),
            attachments=_unique_attachments(attachments),
            language=language or self.language,
        ))


def _unique_attachments(attachments: Iterable[Attachment]) -> tuple[Attachment, ...]:
    out: dict[str, Attachment] = {}
    for a in attachments:
        if a.url and a.url not in out:
            out[a.url] = a
    return tuple(out.values())


def _html_of(detail: Mapping[str, Any] | None) -> str:
    """The value of a feedparser text construct, as HTML."""
    if not detail:
        return ""
    value = _str(detail.get("value"))
    kind = _str(detail.get("type")).lower()
    if "html" in kind or "xml" in kind:
        return value
    return text_to_html(value)


def _text_of(detail: Mapping[str, Any] | None) -> str:
    if not detail:
        return ""
    value = _str(detail.get("value"))
    return html_to_text(value) if "html" in _str(detail.get("type")).lower() else value


# -- XML feeds (feedparser) -----------------------------------------------------

_PROLOG = re.compile(rb"^(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE\s+(\w+)[^>]*>)*<([\w:.-]+)",
                     re.DOTALL | re.IGNORECASE)
_SKIP_HOURS = re.compile(rb"<skipHours\b[^>]*>(.*?)</skipHours\s*>", re.DOTALL | re.IGNORECASE)
_SKIP_DAYS = re.compile(rb"<skipDays\b[^>]*>(.*?)</skipDays\s*>", re.DOTALL | re.IGNORECASE)
_HOUR = re.compile(rb"<hour\b[^>]*>\s*(\d{1,2})\s*</hour", re.IGNORECASE)
_DAY = re.compile(rb"<day\b[^>]*>\s*([A-Za-z]+)\s*</day", re.IGNORECASE)


def _root_element(body: bytes) -> str:
    m = _PROLOG.match(body[:4096].lstrip(b"\xef\xbb\xbf"))
    return m.group(2).decode("ascii", "replace").lower() if m else ""


def _looks_like_html(body: bytes) -> bool:
    head = body[:4096].lstrip(b"\xef\xbb\xbf")
    m = _PROLOG.match(head)
    if m is None:
        return bool(re.match(rb"\s*<!doctype\s+html", head, re.IGNORECASE))
    doctype, root = m.group(1), m.group(2)
    return (doctype or b"").lower() == b"html" or root.lower() == b"html"


def _skips(body: bytes) -> tuple[frozenset[int], frozenset[int]]:
    # feedparser keeps only the last <hour>/<day>, so read them here. A regex
    # is enough for these flat, ASCII-only elements and cannot expand entities.
    hours: set[int] = set()
    days: set[int] = set()
    if (m := _SKIP_HOURS.search(body)) is not None:
        hours = {int(h) % 24 for h in _HOUR.findall(m.group(1)) if int(h) <= 24}
    if (m := _SKIP_DAYS.search(body)) is not None:
        days = {_DAYS[d.decode().lower()] for d in _DAY.findall(m.group(1))
                if d.decode().lower() in _DAYS}
    return frozenset(hours), frozenset(days)


def _problem(exc: Any) -> str | None:
    if exc is None:
        return None
    if isinstance(exc, xml.sax.SAXParseException):
        return (f"not well-formed XML at line {exc.getLineNumber()}: {exc.getMessage()}; "
                "it was read as far as possible")
    if isinstance(exc, feedparser.CharacterEncodingOverride | feedparser.NonXMLContentType):
        return None  # a wrong charset or content type that feedparser got round
    return f"{exc}; it was read as far as possible"


def _xml_content_type(content_type: str | None) -> str:
    # feedparser takes the charset from here; a feed served as text/plain or
    # text/html must still be parsed as XML (the HTML case is caught before).
    ct = (content_type or "").strip()
    if "xml" in ct.split(";", 1)[0].lower():
        return ct
    charset = re.search(r"(?i)charset\s*=\s*\"?([\w.:-]+)", ct)
    return "application/xml" + (f"; charset={charset.group(1)}" if charset else "")


def _plain(obj: Any) -> Any:
    """feedparser's result as plain dicts and lists.

    Its ``FeedParserDict`` maps some keys to others on access, and one of
    those mappings (``updated`` → ``published``) warns with a
    DeprecationWarning; plain dicts hold exactly what the document said.
    """
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in dict.items(obj)}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    return obj


def _parse_xml(body: bytes, *, url: str, content_type: str | None, source: str,
               folder: str | None, title: str | None, now: datetime) -> ParsedFeed:
    d = _plain(feedparser.parse(
        io.BytesIO(body),  # never a str: feedparser would treat it as a URL or a path
        response_headers={"content-location": _MARK,
                          "content-type": _xml_content_type(content_type)},
        resolve_relative_uris=False,  # done in sanitize_html with the right base
        sanitize_html=False,  # nh3 does it, with one allow-list for every format
    ))
    version = _str(d.get("version"))
    feed = d.get("feed") or {}
    entries = d.get("entries") or []
    feed_title = one_line(_text_of(feed.get("title_detail")) or _str(feed.get("title")))
    problem = _problem(d.get("bozo_exception")) if d.get("bozo") else None
    if not version and entries and _root_element(body) == "channel":
        version = "cdf"  # feedparser reads CDF but does not always name it
    if (not version and not entries) or (not entries and not feed_title):
        reason = f" ({problem})" if problem else ""
        raise NotAFeedError(f"The document is not a feed{reason}.")

    feed_link = resolve_url(_unmark(_str(feed.get("link"))), url) if feed.get("link") else None
    fmt, media_type = _FORMATS.get(version, (version.upper(), "application/xml"))
    ttl = _int(feed.get("ttl"))
    hours, days = _skips(body) if version.startswith("rss") else (frozenset(), frozenset())
    info = FeedInfo(
        title=feed_title or (urlsplit(url).hostname or url),
        site_url=feed_link, format=fmt, media_type=media_type,
        ttl_minutes=ttl if ttl else None, skip_hours=hours, skip_days=days,
        language=_str(feed.get("language")) or None,
        description=preview(_text_of(feed.get("subtitle_detail")), 500))
    b = _Builder(source=source, feed_url=url, folder=feed_folder(folder, title or info.title),
                 feed_title=info.title, feed_link=feed_link,
                 feed_author=feed.get("author_detail"), language=info.language, now=now)
    for e in entries:
        _add_xml_entry(b, e)
    return ParsedFeed(info=info, items=tuple(b.items), problem=problem, skipped=b.skipped)


def _add_xml_entry(b: _Builder, e: Mapping[str, Any]) -> None:
    contents: Sequence[Mapping[str, Any]] = e.get("content") or []
    main = next((c for c in contents if "html" in _str(c.get("type"))), None)
    main = main or (contents[0] if contents else None)
    summary = e.get("summary_detail")
    body_detail = main or summary
    content = _html_of(body_detail)
    # The RSS <description> is the author's teaser; it makes the best
    # preview when there is a separate full text.
    summary_text = html_to_text(_html_of(summary)) if main and summary else ""
    title = one_line(_text_of(e.get("title_detail")) or _str(e.get("title")))
    link = b.absolute(_str(e.get("link")) or None)
    rid = _unmark(_str(e.get("id")))
    author = b.person(e.get("author_detail") or b.feed_author, _str(e.get("author")))
    attachments: list[Attachment] = []
    for enc in e.get("links") or []:
        if _str(enc.get("rel")) != "enclosure":
            continue
        href = b.absolute(_str(enc.get("href")) or None)
        if href:
            attachments.append(Attachment(
                name=_file_name(href, "enclosure"),
                media_type=_str(enc.get("type")) or "application/octet-stream",
                size=_int(enc.get("length")) or None, url=href))
    for thumb in e.get("media_thumbnail") or []:
        href = b.absolute(_str(thumb.get("url")) or None)
        if href:
            attachments.append(_thumbnail(href))
    b.add(rid=rid, link=link, title=title, content=content,
          content_base=b.base_of(body_detail), summary_text=summary_text, author=author,
          published=_utc(e.get("published_parsed")) or _utc(e.get("created_parsed")),
          updated=_utc(e.get("updated_parsed")),
          tags=(_str(t.get("term")) or _str(t.get("label")) for t in e.get("tags") or []),
          attachments=attachments,
          language=_str((body_detail or {}).get("language")) or None)


# -- JSON Feed ------------------------------------------------------------------

_JSONFEED_VERSION = re.compile(r"^https?://jsonfeed\.org/version/(\d+(?:\.\d+)?)")


def _json_document(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise NotAFeedError(f"The document is not valid JSON ({exc}).") from None


def _parse_json(doc: Any, *, url: str, source: str, folder: str | None, title: str | None,
                now: datetime) -> ParsedFeed:
    version = _str(doc.get("version")) if isinstance(doc, dict) else ""
    m = _JSONFEED_VERSION.match(version)
    if not isinstance(doc, dict) or m is None:
        raise NotAFeedError("The document is JSON, but not a JSON Feed.")
    home = resolve_url(_str(doc.get("home_page_url")), url)
    info = FeedInfo(
        title=one_line(_str(doc.get("title"))) or (urlsplit(url).hostname or url),
        site_url=home, format=f"JSON Feed {m.group(1)}", media_type="application/feed+json",
        language=_str(doc.get("language")) or None,
        description=preview(_str(doc.get("description")), 500))
    feed_authors = _json_authors(doc)
    b = _Builder(source=source, feed_url=url, folder=feed_folder(folder, title or info.title),
                 feed_title=info.title, feed_link=home,
                 feed_author=feed_authors[0] if feed_authors else None,
                 language=info.language, now=now)
    items = doc.get("items")
    for it in items if isinstance(items, list) else []:
        if isinstance(it, dict):
            _add_json_item(b, it)
    return ParsedFeed(info=info, items=tuple(b.items), skipped=b.skipped)


def _json_authors(obj: Mapping[str, Any]) -> list[dict[str, str]]:
    raw = obj.get("authors")
    if not isinstance(raw, list):
        raw = [obj.get("author")]  # JSON Feed 1.0
    return [{"name": _str(a.get("name")), "href": _str(a.get("url"))}
            for a in raw if isinstance(a, dict)]


def _add_json_item(b: _Builder, it: Mapping[str, Any]) -> None:
    raw_id = it.get("id")
    rid = (_str(raw_id) if isinstance(raw_id, str)
           else str(raw_id) if isinstance(raw_id, int | float) and not isinstance(raw_id, bool)
           else "")
    link = b.absolute(_str(it.get("url")) or _str(it.get("external_url")) or None)
    html_body, text_body = _str(it.get("content_html")), _str(it.get("content_text"))
    content = html_body or text_to_html(text_body)
    authors = _json_authors(it)
    attachments: list[Attachment] = []
    for a in it.get("attachments") or []:
        href = b.absolute(_str(a.get("url")) or None) if isinstance(a, dict) else None
        if href and isinstance(a, dict):
            attachments.append(Attachment(
                name=_str(a.get("title")) or _file_name(href, "attachment"),
                media_type=_str(a.get("mime_type")) or "application/octet-stream",
                size=_int(a.get("size_in_bytes")) or None, url=href))
    for key in ("image", "banner_image"):
        href = b.absolute(_str(it.get(key)) or None)
        if href:
            attachments.append(_thumbnail(href))
    tags = it.get("tags")
    b.add(rid=rid, link=link, title=one_line(_str(it.get("title"))), content=content,
          content_base=b.fallback_base,
          summary_text=_str(it.get("summary")),
          author=b.person(authors[0] if authors else b.feed_author, ""),
          published=_iso_date(it.get("date_published")),
          updated=_iso_date(it.get("date_modified")),
          tags=(_str(t) for t in tags) if isinstance(tags, list) else (),
          attachments=attachments, language=_str(it.get("language")) or None)


# -- entry point ----------------------------------------------------------------

def _is_json(body: bytes, content_type: str) -> bool:
    if content_type in ("application/feed+json", "application/json") or content_type.endswith(
            "+json"):
        return True
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def parse_feed(body: bytes, *, url: str, source: str, content_type: str | None = None,
               folder: str | None = None, title: str | None = None,
               now: datetime | None = None) -> ParsedFeed:
    """Read a feed document into items (blocking: run it in a thread).

    ``url`` is where the document came from (the base of last resort for
    relative links); ``source`` names the items' source; ``folder`` and
    ``title`` (the subscription's own name for the feed, when the user gave
    one) make the items' folder. Raises :class:`NotAFeedError` for an HTML
    page, an empty answer or JSON that is not a JSON Feed, and
    :class:`FeedParseError` when nothing at all can be read.
    """
    now = now or datetime.now(UTC)
    if not isinstance(body, bytes | bytearray | memoryview):
        raise FeedParseError("The feed document must be bytes.")
    body = bytes(body)
    if not body.strip():
        raise NotAFeedError("The document is empty, not a feed.")
    if len(body) > MAX_DOCUMENT_BYTES:
        raise FeedParseError("The document is too large to be a feed.")
    ct = (content_type or "").split(";", 1)[0].strip().lower()
    try:
        if _is_json(body, ct):
            return _parse_json(_json_document(body), url=url, source=source, folder=folder,
                               title=title, now=now)
        # By the root element, not the Content-Type: many servers send feeds
        # as text/html or text/plain.
        if _looks_like_html(body):
            raise NotAFeedError("The document is a web page (HTML), not a feed.")
        return _parse_xml(body, url=url, content_type=content_type, source=source,
                          folder=folder, title=title, now=now)
    except FeedParseError:
        raise
    except Exception as exc:
        # feedparser reads anything the web throws at it, but a parser bug on
        # one odd feed must become a readable failure of that feed only.
        raise FeedParseError(f"The feed could not be read ({type(exc).__name__}: {exc}).") \
            from exc
