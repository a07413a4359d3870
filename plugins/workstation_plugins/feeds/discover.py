"""Finding the feeds of a web site, from the address of one of its pages.

Two steps, as browsers and feed readers do:

1. the page's ``<link rel="alternate" type="application/rss+xml" href="…">``
   elements (also Atom, RSS 1.0, JSON Feed) — :func:`find_feed_links`;
2. when there are none, the usual places: ``/feed``, ``/rss``, ``/atom.xml``,
   ``/feed.xml``, ``/rss.xml``, ``/index.xml``, ``/feed.json`` next to the page,
   then at the site's root — each fetched and checked to really be a feed.

Several candidates are returned when a site offers several feeds (posts and
comments, say): the user chooses.

Example::

    >>> found = find_feed_links('<link rel="alternate" type="application/rss+xml" '
    ...                         'title="Posts" href="/feed.xml">', "https://example.org/blog/")
    >>> found[0].url, found[0].title
    ('https://example.org/feed.xml', 'Posts')
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from .fetch import fetch
from .parse import FeedParseError, ParsedFeed, parse_feed
from .text import resolve_url

__all__ = ["COMMON_PATHS", "FEED_TYPES", "Candidate", "discover", "find_feed_links"]

FEED_TYPES = frozenset({
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/json",  # what JSON Feed 1.0 asked sites to declare
})
COMMON_PATHS = ("feed", "rss", "atom.xml", "feed.xml", "rss.xml", "index.xml", "feed.json")
MAX_HTML_CHARS = 1024 * 1024  # <link> elements are in <head>; a megabyte is plenty


@dataclass(frozen=True, slots=True)
class Candidate:
    """A feed the user may subscribe to."""

    url: str
    title: str = ""
    type: str = ""  # the media type: application/rss+xml, application/atom+xml…
    site_url: str | None = None
    verified: bool = False  # fetched and read as a feed (not just named by a page)


class _LinkFinder(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.found: list[Candidate] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and a.get("href"):
            # <base href> changes what relative hrefs mean for the whole page.
            self.base = resolve_url(a["href"], self.base) or self.base
            return
        if tag not in ("link", "a"):
            return
        rel = set(a.get("rel", "").lower().split())
        kind = a.get("type", "").split(";", 1)[0].strip().lower()
        # "alternate" is the classic; WHATWG also defines rel="feed".
        if not (rel & {"alternate", "feed"}) or "stylesheet" in rel or kind not in FEED_TYPES:
            return
        url = resolve_url(a.get("href", ""), self.base)
        if url and urlsplit(url).scheme in ("http", "https"):
            self.found.append(Candidate(url=url, title=" ".join(a.get("title", "").split()),
                                        type=kind))


def find_feed_links(html: str | bytes, page_url: str) -> list[Candidate]:
    """The feeds a page declares, in page order, without duplicates."""
    text = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
    finder = _LinkFinder(page_url)
    try:
        finder.feed(text[:MAX_HTML_CHARS])
        finder.close()
    except (AssertionError, ValueError):  # html.parser on hopeless markup
        pass
    unique: dict[str, Candidate] = {}
    for c in finder.found:
        unique.setdefault(c.url, c)
    return list(unique.values())


def guess_urls(page_url: str) -> list[str]:
    """Where feeds usually are, next to the page and then at the site root."""
    parts = urlsplit(page_url)
    root = urlunsplit((parts.scheme, parts.netloc, "/", "", ""))
    directory = urlunsplit((parts.scheme, parts.netloc,
                            parts.path.rsplit("/", 1)[0] + "/", "", ""))
    bases = [directory, root] if directory != root else [root]
    return list(dict.fromkeys(urljoin(b, p) for b in bases for p in COMMON_PATHS))


def _parse(body: bytes, url: str, content_type: str) -> ParsedFeed:
    return parse_feed(body, url=url, source="discovery", content_type=content_type)


async def discover(client: httpx.AsyncClient, page_url: str, html: bytes, *,
                   auth: tuple[str, str] | None = None,
                   connect_timeout: float = 10.0, read_timeout: float = 30.0,
                   guesses: Sequence[str] | None = None) -> list[Candidate]:
    """Candidates for a page that is not a feed: its links, else the usual paths.

    The guesses are tried one by one and the first real feed wins: probing a
    site with seven requests at once is the rudeness the per-host limit is
    there to prevent, and the usual paths mostly name the same feed.
    """
    declared = find_feed_links(html, page_url)
    if declared:
        return declared
    for url in guesses if guesses is not None else guess_urls(page_url):
        result = await fetch(client, url, auth=auth, connect_timeout=connect_timeout,
                             read_timeout=read_timeout)
        if not result.ok or not result.body:
            continue
        try:
            parsed = await asyncio.to_thread(_parse, result.body, result.final_url,
                                             result.content_type)
        except FeedParseError:
            continue
        return [Candidate(url=result.permanent_redirect or url, title=parsed.info.title,
                          type=parsed.info.media_type, site_url=parsed.info.site_url,
                          verified=True)]
    return []
