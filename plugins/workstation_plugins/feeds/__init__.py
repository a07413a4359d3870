"""Feeds: RSS, Atom and JSON Feed subscriptions, one source instance per feed.

The plugin registers the ``feeds`` source type (:class:`FeedSource`) and
offers the functions the ``workstation feed …`` commands call:

* :func:`probe` — what a URL typed by the user is: a feed, or a page whose
  feeds are listed;
* :func:`new_feed_config` and :func:`unique_name` — the source to create;
* :func:`plan_opml_import`, :func:`export_opml` (and :mod:`.opml` below
  them) — OPML import and export;
* :func:`feed_status` — a subscription's health for ``feed list``.

Example, ``workstation feed add https://example.org --folder Tech``::

    candidates = await probe("https://example.org")
    chosen = candidates[0]          # ask the user when there are several
    name = unique_name(chosen.title, existing_source_names)
    config = new_feed_config(chosen.url, title=chosen.title, site_url=chosen.site_url,
                             folder="Tech")
    # …then the host creates source ``name`` of type "feeds" with ``config``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from workstation.api import HostServices, SourceError, SourceType, hookimpl

# Functions imported under private names: ``feeds.fetch`` and
# ``feeds.discover`` must stay the submodules, not functions shadowing them.
from .discover import Candidate
from .discover import discover as _discover
from .fetch import DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, shared_client
from .fetch import fetch as _fetch
from .opml import OpmlError, OpmlFeed, parse_opml, read_opml, render_opml, write_opml
from .parse import FeedParseError, NotAFeedError, parse_feed
from .source import FORCE_KEY, FeedSource, FeedStatus, feed_status

__all__ = [
    "FORCE_KEY",
    "SOURCE_TYPE",
    "Candidate",
    "FeedSource",
    "FeedStatus",
    "ImportPlan",
    "OpmlError",
    "OpmlFeed",
    "export_opml",
    "feed_status",
    "new_feed_config",
    "normalize_url",
    "opml_feed_from_config",
    "parse_opml",
    "plan_opml_import",
    "probe",
    "read_opml",
    "render_opml",
    "unique_name",
    "workstation_cli_commands",
    "workstation_source_types",
    "write_opml",
]

SOURCE_TYPE = "feeds"


@hookimpl
def workstation_source_types() -> list[SourceType]:
    return [SourceType(SOURCE_TYPE, "Feed", FeedSource,
                       description="RSS, Atom and JSON Feed subscriptions")]


@hookimpl
def workstation_cli_commands(host: HostServices) -> list[Any]:
    """``workstation feed …`` (see docs/feeds.md)."""
    from .cli import make_feed_group  # click and the commands load only for the CLI

    return [make_feed_group(host)]


def normalize_url(text: str) -> str:
    """An address as users type it, made fetchable; :class:`SourceError` if it cannot be.

    >>> normalize_url("example.org/blog")
    'https://example.org/blog'
    >>> normalize_url("feed://example.org/rss")
    'http://example.org/rss'
    """
    url = text.strip()
    lowered = url.lower()
    if lowered.startswith("feed:") and lowered[5:7] != "//":
        url = url[5:]  # feed:https://… (the old browser handler form)
    elif lowered.startswith("feed://"):
        url = "http://" + url[7:]  # feed://host/… meant plain http
    scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):(?!\d)", url)
    if "://" not in url and scheme is None:  # "host:8080/x" is a host and a port
        url = "https://" + url.lstrip("/")
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise SourceError(f"'{text.strip()}' is not a web address (http or https).")
    return url


async def probe(url: str, *, username: str | None = None, password: str | None = None,
                connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
                read_timeout: float = DEFAULT_READ_TIMEOUT) -> list[Candidate]:
    """What ``url`` offers: ``[the feed]`` if it is one, else the feeds its page names.

    An empty list means the page names no feed and none of the usual places
    has one. Network and HTTP failures raise :class:`SourceError` with a
    plain sentence.

    Example::

        for c in await probe("https://example.org/"):
            print(c.title, c.url, c.type)
    """
    address = normalize_url(url)
    auth = (username, password or "") if username else None
    async with shared_client() as client:
        result = await _fetch(client, address, auth=auth, connect_timeout=connect_timeout,
                             read_timeout=read_timeout)
        if not result.ok or result.body is None:
            raise SourceError(result.error or f"{address} sent nothing Workstation can read.")
        try:
            parsed = await asyncio.to_thread(
                parse_feed, result.body, url=result.final_url, source="probe",
                content_type=result.headers.get("content-type"))
        except NotAFeedError:
            return await _discover(client, result.final_url, result.body, auth=auth,
                                  connect_timeout=connect_timeout, read_timeout=read_timeout)
        except FeedParseError as exc:
            raise SourceError(f"{address} looks like a feed but cannot be read: {exc}") from exc
    return [Candidate(url=result.permanent_redirect or address, title=parsed.info.title,
                      type=parsed.info.media_type, site_url=parsed.info.site_url, verified=True)]


def new_feed_config(url: str, *, title: str, site_url: str | None = None,
                    folder: str | None = None, interval_minutes: int | None = None,
                    retention_days: int | None = None, retention_items: int | None = None,
                    open_in: str = "pane", notify: bool = True,
                    username: str | None = None) -> dict[str, Any]:
    """The config of a new ``feeds`` source, every key present (null = default)."""
    if open_in not in ("pane", "browser"):
        raise ValueError(f"open_in must be 'pane' or 'browser', not {open_in!r}")
    config: dict[str, Any] = {
        "url": url, "folder": (folder or "").strip().strip("/") or None,
        "title": " ".join(title.split()) or url, "site_url": site_url,
        "interval_minutes": interval_minutes, "retention_days": retention_days,
        "retention_items": retention_items, "open_in": open_in, "notify": notify,
    }
    if username:
        config["username"] = username  # the password goes to the keyring as "password"
    return config


def unique_name(title: str, taken: Iterable[str]) -> str:
    """A source name from a feed title, not clashing with ``taken`` (case-insensitive).

    >>> unique_name("Ars  Machina", ["ars machina"])
    'Ars Machina (2)'
    """
    base = " ".join(title.split())[:80].strip() or "Feed"
    used = {t.casefold() for t in taken}
    name, n = base, 1
    while name.casefold() in used:
        n += 1
        name = f"{base} ({n})"
    return name


def opml_feed_from_config(name: str, config: Mapping[str, Any]) -> OpmlFeed:
    """The OPML entry of a ``feeds`` source (its title, else its source name)."""
    title = config.get("title")
    site = config.get("site_url")
    folder = config.get("folder")
    return OpmlFeed(url=str(config.get("url") or ""),
                    title=title if isinstance(title, str) and title else name,
                    site_url=site if isinstance(site, str) and site else None,
                    folder=folder if isinstance(folder, str) and folder else None)


def export_opml(sources: Iterable[tuple[str, Mapping[str, Any]]], *,
                title: str = "Workstation feeds") -> bytes:
    """OPML 2.0 bytes for ``(source name, config)`` pairs of ``feeds`` sources."""
    return render_opml((opml_feed_from_config(n, c) for n, c in sources if c.get("url")),
                       title=title)


def _same_feed_key(url: str) -> str:
    # http and https, or a trailing slash, do not make two subscriptions.
    parts = urlsplit(url.strip())
    return f"{parts.netloc.lower()}{parts.path.rstrip('/')}?{parts.query}"


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """What an OPML import will do: sources to create and feeds left out (with why)."""

    add: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    skipped: list[tuple[OpmlFeed, str]] = field(default_factory=list)


def plan_opml_import(feeds: Iterable[OpmlFeed], existing: Mapping[str, Mapping[str, Any]], *,
                     taken_names: Iterable[str] = (), folder: str | None = None) -> ImportPlan:
    """Sources to create for ``feeds``, given the existing feed sources (name → config).

    Feeds already subscribed (same address, ignoring http/https and a
    trailing slash) are skipped; names are made unique among ``existing``
    and ``taken_names`` (the other sources). ``folder`` files everything
    under one more folder ("Imported" → "Imported/Tech").
    """
    plan = ImportPlan()
    taken = set(existing) | set(taken_names)
    prefix = (folder or "").strip().strip("/")
    subscribed = {_same_feed_key(str(c.get("url"))) for c in existing.values() if c.get("url")}
    for feed in feeds:
        key = _same_feed_key(feed.url)
        if key in subscribed:
            plan.skipped.append((feed, "already subscribed"))
            continue
        name = unique_name(feed.title, taken)
        taken.add(name)
        subscribed.add(key)
        where = "/".join(p for p in (prefix, feed.folder or "") if p) or None
        plan.add.append((name, new_feed_config(feed.url, title=feed.title,
                                               site_url=feed.site_url, folder=where)))
    return plan
