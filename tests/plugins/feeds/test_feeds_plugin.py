"""The plugin inside the real host: hook registration, and a sync into a real profile."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from feeds_helpers import FeedServer

import workstation_plugins.feeds as feeds
from workstation.app import Workstation
from workstation.plugin_host.manager import PluginHost
from workstation.store.queries import ItemFilter
from workstation_plugins.feeds import FORCE_KEY, FeedSource, new_feed_config


def test_hook_declares_the_source_type() -> None:
    (st,) = feeds.workstation_source_types()
    assert (st.name, st.display_name, st.factory) == ("feeds", "Feed", FeedSource)
    assert st.description == "RSS, Atom and JSON Feed subscriptions"
    host = PluginHost()
    host.register(feeds, "feeds")
    assert host.source_types()["feeds"] is not None


def _rss(title: str) -> bytes:
    return (f'<rss version="2.0"><channel><title>Real</title><item><guid>g1</guid>'
            f"<title>{title}</title><description>body</description></item>"
            f"</channel></rss>").encode()


@pytest.mark.network
def test_sync_through_the_app_keeps_read_state(server: FeedServer, tmp_path: Path) -> None:
    server.feed("/real.xml", _rss("first title"))
    host = PluginHost()
    host.register(feeds, "feeds")
    app = Workstation.open(tmp_path / "profile", host=host)
    try:
        app.add_source("Real", "feeds", new_feed_config(server.url("/real.xml"), title="Real",
                                                       folder="Tech"))
        (result,) = asyncio.run(app.sync(["Real"]))
        assert result.ok and result.added == 1, result.error
        (item,) = app.list_items(ItemFilter(source="Real")).items
        assert (item.title, item.folder) == ("first title", "Tech/Real")
        assert item.id is not None
        app.mark([item.id], "read")

        server.feed("/real.xml", _rss("second title"))
        app.set_source_state("Real", FORCE_KEY, True)
        (result,) = asyncio.run(app.sync(["Real"]))
        assert result.ok and result.updated == 1, result.error
        (item,) = app.list_items(ItemFilter(source="Real", archived=None)).items
        assert item.title == "second title"
        assert item.flags.read  # the upsert kept the user's read state
        # The outbox replay of "Read" succeeds: nothing fails for a feed.
        (info,) = [s for s in app.sources() if s.name == "Real"]
        assert info.failed_actions == 0 and info.last_error is None
        asyncio.run(app.close_sources())
    finally:
        app.close()


def _dated_rss(*guids: str) -> bytes:
    # Newest first, one day apart, ending today: retention by count is exact.
    items = "".join(f"<item><guid>{g}</guid><title>{g}</title>"
                    f"<pubDate>0{9 - n} Jan 2026 12:00:00 GMT</pubDate></item>"
                    for n, g in enumerate(guids))
    return f'<rss version="2.0"><channel><title>R</title>{items}</channel></rss>'.encode()


@pytest.mark.network
def test_retention_spares_starred_entries(server: FeedServer, tmp_path: Path) -> None:
    server.feed("/r.xml", _dated_rss("c", "b", "a"))
    host = PluginHost()
    host.register(feeds, "feeds")
    app = Workstation.open(tmp_path / "profile", host=host)
    try:
        config = new_feed_config(server.url("/r.xml"), title="R")
        config["retention_items"] = 3
        app.add_source("R", "feeds", config)
        asyncio.run(app.sync(["R"]))
        ids = {i.title: i.id for i in app.list_items(ItemFilter(source="R")).items}
        starred = ids["a"]
        assert starred is not None
        app.mark([starred], "star")

        server.feed("/r.xml", _dated_rss("e", "d", "c", "b", "a"))
        app.set_source_state("R", FORCE_KEY, True)
        (result,) = asyncio.run(app.sync(["R"]))
        assert result.ok, result.error
        titles = sorted(i.title for i in app.list_items(ItemFilter(source="R")).items)
        # Newest three kept, "b" expired, "a" beyond retention but starred: kept.
        assert titles == ["a", "c", "d", "e"]
        asyncio.run(app.close_sources())
    finally:
        app.close()
