"""FeedSource against a real local HTTP server, with host doubles for context and sink."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import keyring
import keyring.core
import pytest
from feeds_helpers import (
    Clock,
    CollectingSink,
    FakeContext,
    FeedServer,
    MakeContext,
    Reply,
    data,
)

from workstation.api import (
    Action,
    Item,
    ItemKind,
    PermanentActionError,
    Source,
    SourceError,
)
from workstation.secrets import Secrets
from workstation.testing.keyring_backend import TestKeyring
from workstation_plugins.feeds import FORCE_KEY, FeedSource, feed_status
from workstation_plugins.feeds.source import BATCH_SIZE

pytestmark = pytest.mark.network

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)  # a Monday noon: no skipHours/skipDays in play


def sync(source: FeedSource, sink: CollectingSink | None = None) -> CollectingSink:
    sink = sink or CollectingSink()
    asyncio.run(source.sync(sink))
    return sink


def sync_error(source: FeedSource) -> str:
    with pytest.raises(SourceError) as info:
        sync(source)
    return str(info.value)


def rss(*entries: tuple[str, str], title: str = "Test feed") -> bytes:
    items = "".join(f"<item><guid>{g}</guid><title>{t}</title><description>About {t}"
                    f"</description></item>" for g, t in entries)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>https://site.example/</link>{items}</channel></rss>").encode()


def test_first_sync_then_304_without_re_emit(server: FeedServer, make_ctx: MakeContext) -> None:
    server.feed("/rss.xml", data("rss20.xml"), etag='"v1"',
                last_modified="Mon, 05 Jan 2026 09:00:00 GMT")
    ctx = make_ctx(server.url("/rss.xml"), name="Ars", folder="Tech")
    clock = Clock(T0)
    source = FeedSource(ctx, clock=clock)
    first = sync(source)
    assert [i.title for i in first.emitted] == [
        "Episode 12: the <blink> tag", "No guid, but a link", "Neither guid nor link"]
    assert {i.folder for i in first.emitted} == {"Tech/Ars Machina"}
    assert all(i.kind is ItemKind.FEED_ENTRY and i.source == "Ars" for i in first.emitted)
    assert ctx.get_state("etag") == '"v1"'
    assert ctx.get_state("health") == "ok"
    assert ctx.get_state("last_status") == 200
    # ttl 90 in the feed: the next fetch is 90 minutes away.
    assert ctx.get_state("next_due") == (T0 + timedelta(minutes=90)).isoformat()

    clock.now = T0 + timedelta(hours=2)
    second = sync(source)
    assert second.emitted == []
    assert len(server.hits("/rss.xml")) == 2
    assert server.requests[1].headers["if-none-match"] == '"v1"'
    assert server.requests[1].headers["if-modified-since"] == "Mon, 05 Jan 2026 09:00:00 GMT"
    assert ctx.get_state("last_status") == 304
    asyncio.run(source.close())


def test_not_due_is_skipped_and_force_fetches(server: FeedServer,
                                              make_ctx: MakeContext) -> None:
    server.feed("/rss.xml", rss(("1", "one")))
    ctx = make_ctx(server.url("/rss.xml"))
    clock = Clock(T0)
    source = FeedSource(ctx, clock=clock)
    sync(source)
    clock.now = T0 + timedelta(minutes=10)
    sink = sync(source)
    assert len(server.requests) == 1  # not due: no request at all
    assert "Up to date" in sink.progress_calls[-1][2]
    ctx.set_state(FORCE_KEY, True)  # what `workstation feed refresh` will do
    sync(source)
    assert len(server.requests) == 2
    assert ctx.get_state(FORCE_KEY) is False


def test_server_without_validators_does_not_re_emit(server: FeedServer,
                                                    make_ctx: MakeContext) -> None:
    server.feed("/plain.xml", rss(("1", "one"), ("2", "two")))
    ctx = make_ctx(server.url("/plain.xml"))
    source = FeedSource(ctx, clock=Clock(T0))
    assert len(sync(source).emitted) == 2
    ctx.set_state(FORCE_KEY, True)
    assert sync(source).emitted == []  # same document: nothing changed, nothing emitted
    assert len(server.requests) == 2


def test_updated_entry_is_emitted_again(server: FeedServer, make_ctx: MakeContext) -> None:
    server.feed("/u.xml", rss(("1", "one"), ("2", "two")), etag='"a"')
    ctx = make_ctx(server.url("/u.xml"))
    source = FeedSource(ctx, clock=Clock(T0))
    sync(source)
    server.feed("/u.xml", rss(("3", "three"), ("1", "one, corrected")), etag='"b"')
    ctx.set_state(FORCE_KEY, True)
    sink = sync(source)
    assert sorted((i.remote_id, i.title) for i in sink.emitted) == [
        ("1", "one, corrected"), ("3", "three")]
    # Entries that left the feed stay in the store: nothing is removed.
    assert sink.removed == [] and sink.expired == []


def test_permanent_redirect_updates_the_url(server: FeedServer, make_ctx: MakeContext) -> None:
    server.reply("/old.xml", Reply(301, headers={"Location": "/new.xml"}))
    server.feed("/new.xml", rss(("1", "one")), etag='"n"')
    ctx = make_ctx(server.url("/old.xml"))
    source = FeedSource(ctx, clock=Clock(T0))
    sync(source)
    assert ctx.get_state("url") == server.url("/new.xml")
    assert ctx.get_state("config_url") == server.url("/old.xml")
    assert feed_status(ctx.config, ctx.get_state).url == server.url("/new.xml")
    ctx.set_state(FORCE_KEY, True)
    sync(source)
    assert [r.path for r in server.requests] == ["/old.xml", "/new.xml", "/new.xml"]


def test_temporary_redirect_keeps_the_url(server: FeedServer, make_ctx: MakeContext) -> None:
    server.reply("/feed", Reply(302, headers={"Location": "/today.xml"}))
    server.feed("/today.xml", rss(("1", "one")))
    ctx = make_ctx(server.url("/feed"))
    sync(FeedSource(ctx, clock=Clock(T0)))
    assert ctx.get_state("url") == server.url("/feed")


def test_changing_the_configured_url_resets_what_was_learnt(server: FeedServer,
                                                          make_ctx: MakeContext) -> None:
    server.reply("/a", Reply(301, headers={"Location": "/b"}))
    server.feed("/b", rss(("1", "one")), etag='"b"')
    server.feed("/c", rss(("1", "one")), etag='"c"')
    ctx = make_ctx(server.url("/a"))
    sync(FeedSource(ctx, clock=Clock(T0)))
    edited = FakeContext(ctx.name, {**ctx.config, "url": server.url("/c")}, ctx.data_dir)
    edited.state = dict(ctx.state)  # same source, the user edited its address
    sync(FeedSource(edited, clock=Clock(T0)))  # not held back by the old schedule
    assert server.requests[-1].path == "/c"
    assert "if-none-match" not in server.requests[-1].headers
    assert edited.get_state("url") == server.url("/c")


def test_gone_feed_is_stopped(server: FeedServer, make_ctx: MakeContext) -> None:
    server.reply("/gone.xml", Reply(410))
    url = server.url("/gone.xml")
    ctx = make_ctx(url)
    clock = Clock(T0)
    source = FeedSource(ctx, clock=clock)
    message = f"The feed at {url} is gone (HTTP 410 Gone); it has been stopped."
    assert sync_error(source) == message
    assert ctx.get_state("health") == "gone"
    clock.now = T0 + timedelta(days=30)
    assert sync_error(source) == message
    assert len(server.requests) == 1  # later syncs do not ask again
    assert feed_status(ctx.config, ctx.get_state).line() == f"gone: {message}"


def test_503_retry_after_sets_next_due(server: FeedServer, make_ctx: MakeContext) -> None:
    server.reply("/busy.xml", Reply(503, headers={"Retry-After": "10800"}))
    ctx = make_ctx(server.url("/busy.xml"))
    clock = Clock(T0)
    source = FeedSource(ctx, clock=clock)
    message = sync_error(source)
    assert "is busy (HTTP 503 Service Unavailable)" in message
    assert ctx.get_state("next_due") == (T0 + timedelta(hours=3)).isoformat()
    assert ctx.get_state("health") == "failing"
    assert ctx.get_state("error_count") == 1
    # Between tries the feed is still reported as failing, with the next try.
    clock.now = T0 + timedelta(hours=1)
    assert sync_error(source).endswith("Next try at 2026-01-05 15:00 UTC.")
    assert len(server.requests) == 1


def test_errors_back_off_and_recover(server: FeedServer, make_ctx: MakeContext) -> None:
    server.reply("/flaky.xml", Reply(500))
    ctx = make_ctx(server.url("/flaky.xml"))
    clock = Clock(T0)
    source = FeedSource(ctx, clock=clock)
    waits = []
    for _ in range(4):
        assert "has a problem of its own (HTTP 500" in sync_error(source)
        due = datetime.fromisoformat(ctx.get_state("next_due"))
        waits.append((due - clock.now) / timedelta(hours=1))
        clock.now = due
    assert waits == [1, 2, 4, 8]
    status = feed_status(ctx.config, ctx.get_state)
    assert status.health == "failing" and status.error_count == 4
    server.feed("/flaky.xml", rss(("1", "one")))
    sync(source)
    assert ctx.get_state("health") == "ok" and ctx.get_state("error_count") == 0


def test_slow_feed_times_out_while_another_succeeds(server: FeedServer,
                                                    make_ctx: MakeContext) -> None:
    server.feed("/slow.xml", rss(("s", "slow")), delay=5)
    server.feed("/fast.xml", rss(("f", "fast")))
    with FeedServer() as other:  # another host: the per-host limit plays no part
        other.feed("/fast.xml", rss(("f", "fast")))
        slow = FeedSource(make_ctx(server.url("/slow.xml"), name="slow", read_timeout=1.0),
                          clock=Clock(T0))
        fast = FeedSource(make_ctx(other.url("/fast.xml"), name="fast"), clock=Clock(T0))
        slow_sink, fast_sink = CollectingSink(), CollectingSink()
        timings: dict[str, float] = {}

        async def timed(name: str, coro: Any) -> None:
            start = time.monotonic()
            try:
                await coro
            finally:
                timings[name] = time.monotonic() - start

        async def both() -> list[BaseException | None]:
            return list(await asyncio.gather(timed("slow", slow.sync(slow_sink)),
                                             timed("fast", fast.sync(fast_sink)),
                                             return_exceptions=True))

        started = time.monotonic()
        slow_result, fast_result = asyncio.run(both())
        assert time.monotonic() - started < 3
        assert fast_result is None and [i.title for i in fast_sink.emitted] == ["fast"]
        # The fast feed is done long before the slow one gives up.
        assert timings["fast"] < 1.0 <= timings["slow"]
        assert isinstance(slow_result, SourceError)
        assert str(slow_result) == (f"127.0.0.1:{server.port} did not send the feed in time "
                                    "(nothing for 1 s).")


@pytest.fixture
def test_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    # keyring's global backend is put back after the test.
    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.core._keyring_backend)
    keyring.set_keyring(TestKeyring())


@pytest.mark.usefixtures("test_keyring")
def test_basic_auth_with_the_password_from_the_keyring(server: FeedServer,
                                                       make_ctx: MakeContext) -> None:
    server.basic_auth("/private.xml", rss(("p", "private")), "ada", "s3cret-pw")
    base = make_ctx(server.url("/private.xml"), name="Private", username="ada")
    secrets = Secrets().scoped("Private")  # what the host hands the source
    ctx = FakeContext(base.name, base.config, base.data_dir, secrets)
    source = FeedSource(ctx, clock=Clock(T0))
    assert sync_error(source) == ("The feed 'Private' needs the password of user 'ada', "
                                  "and none is saved in the keyring.")
    assert server.requests == []
    assert feed_status(ctx.config, ctx.get_state).health == "failing"
    secrets.set("password", "wrong")
    ctx.set_state(FORCE_KEY, True)
    assert "refused the user name or password (HTTP 401 Unauthorized)" in sync_error(source)
    secrets.set("password", "s3cret-pw")
    ctx.set_state(FORCE_KEY, True)
    assert [i.title for i in sync(source).emitted] == ["private"]


def test_not_a_feed_and_ill_formed(server: FeedServer, make_ctx: MakeContext) -> None:
    server.feed("/page", data("page.html"), "text/html")
    url = server.url("/page")
    message = sync_error(FeedSource(make_ctx(url, name="page"), clock=Clock(T0)))
    assert message.startswith(f"{url} does not point to a feed any more: The document is a "
                              "web page (HTML), not a feed.")
    server.feed("/broken.xml", data("illformed.xml"))
    ctx = make_ctx(server.url("/broken.xml"), name="broken")
    sink = sync(FeedSource(ctx, clock=Clock(T0)))
    assert [i.title for i in sink.emitted] == ["Still readable"]
    assert ctx.get_state("health") == "warning"
    assert ctx.get_state("health_message").startswith(
        "The feed is not well-formed XML at line 4:")


@pytest.mark.parametrize(("name", "content_type", "count"), [
    ("atom10.xml", "application/atom+xml", 2),
    ("rss10.rdf", "application/rdf+xml", 1),
    ("jsonfeed11.json", "application/feed+json", 2),
])
def test_other_formats_over_http(server: FeedServer, make_ctx: MakeContext, name: str,
                                 content_type: str, count: int) -> None:
    server.feed(f"/{name}", data(name), content_type)
    sink = sync(FeedSource(make_ctx(server.url(f"/{name}")), clock=Clock(T0)))
    assert len(sink.emitted) == count


def test_batches_of_200_with_progress(server: FeedServer, make_ctx: MakeContext) -> None:
    server.feed("/big.xml", rss(*((str(n), f"entry {n}") for n in range(450))))
    sink = sync(FeedSource(make_ctx(server.url("/big.xml")), clock=Clock(T0)))
    assert [len(b) for b in sink.batches] == [BATCH_SIZE, BATCH_SIZE, 50]
    saving = [(d, t) for d, t, m in sink.progress_calls if m == "Saving entries"]
    assert saving == [(200, 450), (400, 450), (450, 450)]


def _dated(*entries: tuple[str, datetime]) -> bytes:
    items = "".join(f"<item><guid>{g}</guid><title>{g}</title>"
                    f"<pubDate>{d:%a, %d %b %Y %H:%M:%S} GMT</pubDate></item>" for g, d in entries)
    return (f'<rss version="2.0"><channel><title>R</title>{items}</channel></rss>').encode()


def test_retention_by_count(server: FeedServer, make_ctx: MakeContext) -> None:
    day = timedelta(days=1)
    server.feed("/r.xml", _dated(("a", T0 - day), ("b", T0 - 2 * day), ("c", T0 - 3 * day)))
    ctx = make_ctx(server.url("/r.xml"), retention_items=2)
    source = FeedSource(ctx, clock=Clock(T0))
    sink = sync(source)
    # "c" is already beyond the two newest: never emitted, so nothing to expire.
    assert [i.remote_id for i in sink.emitted] == ["a", "b"] and sink.expired == []
    server.feed("/r.xml", _dated(("new", T0), ("a", T0 - day), ("b", T0 - 2 * day)))
    ctx.set_state(FORCE_KEY, True)
    sink = sync(source)
    assert [i.remote_id for i in sink.emitted] == ["new"]
    assert sink.expired == ["b"]  # still in the feed, but beyond the newest two
    assert sink.removed == []  # expire (which spares starred entries), never remove
    ctx.set_state(FORCE_KEY, True)
    assert sync(source).emitted == []  # and not emitted back
    assert sorted(ctx.get_state("entries")) == ["a", "new"]


def test_retention_by_age(server: FeedServer, make_ctx: MakeContext) -> None:
    server.feed("/r.xml", _dated(("fresh", T0 - timedelta(days=1)),
                                 ("old", T0 - timedelta(days=5))))
    ctx = make_ctx(server.url("/r.xml"), retention_days=7)
    clock = Clock(T0)
    source = FeedSource(ctx, clock=clock)
    assert len(sync(source).emitted) == 2
    clock.now = T0 + timedelta(days=3)
    sink = sync(source)
    assert sink.expired == ["old"] and sink.emitted == []


def test_perform_and_fetch_content(make_ctx: MakeContext) -> None:
    source = FeedSource(make_ctx("https://example.org/feed"))
    assert isinstance(source, Source)
    for verb in ("Read", "Unread", "Star", "Unstar", "Archive", "Unarchive", "Mute"):
        asyncio.run(source.perform(Action(verb, item_remote_id="x")))
    with pytest.raises(PermanentActionError, match="A feed is read-only: 'Like'"):
        asyncio.run(source.perform(Action("Like", item_remote_id="x")))
    item = Item(source="Feed", remote_id="x", kind=ItemKind.FEED_ENTRY, content="<p>x</p>")
    assert asyncio.run(source.fetch_content(item)) is item
    asyncio.run(source.close())


def test_missing_url_is_a_plain_error(tmp_path: Any) -> None:
    ctx = FakeContext("Nameless", {"url": ""}, tmp_path)
    assert sync_error(FeedSource(ctx)) == (
        "The feed 'Nameless' has no address; remove it and add it again with "
        "`workstation feed add`.")


def test_state_writes_are_few(server: FeedServer, make_ctx: MakeContext) -> None:
    server.feed("/rss.xml", rss(("1", "one")), etag='"x"')
    ctx = make_ctx(server.url("/rss.xml"))
    sync(FeedSource(ctx, clock=Clock(T0)))
    # One transaction per key that changed, all at the end of the sync.
    assert ctx.writes <= 16
