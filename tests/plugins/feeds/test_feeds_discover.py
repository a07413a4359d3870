"""Subscribing: probe() on feeds and pages, feed discovery, and the CLI helpers."""

from __future__ import annotations

import asyncio

import pytest
from feeds_helpers import FeedServer, Reply, data

from workstation.api import SourceError
from workstation_plugins.feeds import (
    Candidate,
    new_feed_config,
    normalize_url,
    probe,
    unique_name,
)
from workstation_plugins.feeds.discover import find_feed_links, guess_urls


def test_find_feed_links_in_a_page() -> None:
    found = find_feed_links(data("page.html"), "https://site.example/blog/index.html")
    assert found == [
        Candidate("https://site.example/feeds/rss20.xml", "Posts (RSS)", "application/rss+xml"),
        Candidate("https://site.example/blog/feeds/atom10.xml", "Posts (Atom)",
                  "application/atom+xml"),
    ]


def test_find_feed_links_details() -> None:
    page = """<html><head><base href="https://cdn.example/sub/">
      <link rel="alternate feed" type="application/feed+json" href="feed.json">
      <link rel="Alternate" type="Application/RSS+XML; charset=utf-8" href="rss">
      <link rel="alternate stylesheet" type="application/rss+xml" href="nope">
      <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
      <link rel="alternate" type="application/rss+xml" href="rss">
      <!-- <link rel="alternate" type="application/rss+xml" href="commented-out"> -->
    </head></html>"""
    assert [(c.url, c.type) for c in find_feed_links(page, "https://site.example/")] == [
        ("https://cdn.example/sub/feed.json", "application/feed+json"),
        ("https://cdn.example/sub/rss", "application/rss+xml"),
    ]
    assert find_feed_links("<<<>>> not html at all", "https://x.example/") == []


def test_guess_urls_next_to_the_page_then_at_the_root() -> None:
    guesses = guess_urls("https://site.example/blog/post.html")
    assert guesses[:2] == ["https://site.example/blog/feed", "https://site.example/blog/rss"]
    assert "https://site.example/feed.json" in guesses
    assert guess_urls("https://site.example")[0] == "https://site.example/feed"


@pytest.mark.network
def test_probe_a_feed(server: FeedServer) -> None:
    server.feed("/feeds/rss20.xml", data("rss20.xml"))
    (c,) = asyncio.run(probe(server.url("/feeds/rss20.xml")))
    assert c == Candidate(server.url("/feeds/rss20.xml"), "Ars Machina", "application/rss+xml",
                          "https://arsmachina.example/", verified=True)


@pytest.mark.network
def test_probe_follows_a_permanent_move(server: FeedServer) -> None:
    server.reply("/old", Reply(301, headers={"Location": "/feed.json"}))
    server.feed("/feed.json", data("jsonfeed11.json"), "application/feed+json")
    (c,) = asyncio.run(probe(server.url("/old")))
    assert (c.url, c.title, c.type) == (server.url("/feed.json"), "JSON Example",
                                        "application/feed+json")


@pytest.mark.network
def test_probe_a_page_with_two_feeds(server: FeedServer) -> None:
    server.feed("/", data("page.html"), "text/html; charset=utf-8")
    candidates = asyncio.run(probe(server.url("/")))
    assert [(c.url, c.title, c.verified) for c in candidates] == [
        (server.url("/feeds/rss20.xml"), "Posts (RSS)", False),
        (server.url("/feeds/atom10.xml"), "Posts (Atom)", False),
    ]
    assert len(server.requests) == 1  # declared links need no more requests


@pytest.mark.network
def test_probe_guesses_the_usual_places(server: FeedServer) -> None:
    server.feed("/blog/", b"<!doctype html><title>No links</title>", "text/html")
    server.feed("/rss", data("atom10.xml"), "application/atom+xml")
    (c,) = asyncio.run(probe(server.url("/blog/")))
    assert (c.url, c.title, c.verified) == (server.url("/rss"), "Atom Example", True)
    assert [r.path for r in server.requests] == ["/blog/", "/blog/feed", "/blog/rss",
                                                "/blog/atom.xml", "/blog/feed.xml",
                                                "/blog/rss.xml", "/blog/index.xml",
                                                "/blog/feed.json", "/feed", "/rss"]


@pytest.mark.network
def test_probe_finds_nothing(server: FeedServer) -> None:
    server.feed("/", b"<!doctype html><p>hello</p>", "text/html")
    assert asyncio.run(probe(server.url("/"))) == []


@pytest.mark.network
def test_probe_errors_are_plain(server: FeedServer) -> None:
    server.reply("/missing", Reply(404))
    with pytest.raises(SourceError, match=r"There is no feed at .* \(HTTP 404 Not Found\)"):
        asyncio.run(probe(server.url("/missing")))
    with pytest.raises(SourceError, match="is not a web address"):
        asyncio.run(probe("mailto:someone@example.org"))


def test_normalize_url() -> None:
    assert normalize_url("  example.org ") == "https://example.org"
    assert normalize_url("feed:https://example.org/rss") == "https://example.org/rss"
    assert normalize_url("feed://example.org/rss") == "http://example.org/rss"
    assert normalize_url("HTTP://Example.org/x") == "HTTP://Example.org/x"
    assert normalize_url("localhost:8080/feed") == "https://localhost:8080/feed"
    for bad in ("https://", "mailto:someone@example.org", "javascript:alert(1)"):
        with pytest.raises(SourceError, match="is not a web address"):
            normalize_url(bad)


def test_new_feed_config_and_names() -> None:
    config = new_feed_config("https://x.example/feed", title="  X   news ", folder="/Tech/",
                             username="ada")
    assert config == {"url": "https://x.example/feed", "folder": "Tech", "title": "X news",
                      "site_url": None, "interval_minutes": None, "retention_days": None,
                      "retention_items": None, "open_in": "pane", "notify": True,
                      "username": "ada"}
    with pytest.raises(ValueError, match="open_in"):
        new_feed_config("https://x.example/feed", title="x", open_in="tab")
    assert unique_name("News", ["news", "News (2)"]) == "News (3)"
    assert unique_name("   ", []) == "Feed"
