"""The SQLite store: files, upserts, the full-text index, paging, filters, search,
the outbox, sync state and threads. Real SQLite files in tmp_path, no mocks."""

from __future__ import annotations

import itertools
import os
import sqlite3
import stat
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sample_facts import (
    BY_SOURCE,
    FOLDERS,
    FROM_JONAS,
    JONAS_ACTOR_KEY,
    JONAS_EMAIL_KEY,
    KINDS,
    MENTIONS,
    ORDER,
    STARRED,
    TAGS,
    THREAD,
    TO_INGRID,
    UNREAD,
    WITH_ATTACHMENTS,
    make_item,
    only,
    rids,
    without,
)

from workstation.api.model import Flags, Item, ItemKind, Person
from workstation.app import Workstation
from workstation.core.search import SearchSyntaxError, parse
from workstation.store import items as store_items
from workstation.store import outbox, sync_state
from workstation.store.db import Store
from workstation.store.items import from_ms, to_ms, upsert_items
from workstation.store.queries import ItemFilter, count, get_item, page, thread_items
from workstation.sync.writer import Writer


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "workstation.db")
    try:
        yield s
    finally:
        s.close()


def add(store: Store, *items: Item) -> None:
    with store.write() as conn:
        upsert_items(conn, items)


def by_rid(store: Store, remote_id: str, source: str = "test") -> Item:
    row = store.read().execute("SELECT id FROM items WHERE source = ? AND remote_id = ?",
                               (source, remote_id)).fetchone()
    assert row is not None, remote_id
    item = get_item(store.read(), row[0])
    assert item is not None
    return item


def find(store: Store, text: str, *, today: date | None = None,
         base: ItemFilter | None = None) -> tuple[str, ...]:
    f = base or ItemFilter(archived=None)
    f = ItemFilter(**{**{k: getattr(f, k) for k in f.__slots__}, "query": parse(text)})
    return rids(page(store.read(), f, limit=10_000, today=today).items)


def listed(app: Workstation, f: ItemFilter) -> tuple[str, ...]:
    return rids(app.list_items(f, limit=1000).items)


def searched(app: Workstation, text: str) -> tuple[str, ...]:
    return rids(app.search(text, limit=1000).items)


# --- files --------------------------------------------------------------------------


def test_wal_mode_is_on(store: Store) -> None:
    assert store.read().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with store.write() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_reader_connection_is_query_only(store: Store) -> None:
    with pytest.raises(sqlite3.OperationalError, match=r"readonly|read-only|attempt to write"):
        store.read().execute("DELETE FROM items")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.usefixtures("permissive_umask")
def test_profile_directory_is_0700_and_files_0600(sample_app: Workstation) -> None:
    # The app is open and has written: the WAL files exist now.
    profile = sample_app.profile.path
    sample_app.store.read().execute("SELECT count(*) FROM items").fetchone()
    assert _mode(profile) == 0o700
    names = {p.name for p in profile.iterdir() if p.is_file()}
    assert {"workstation.db", "workstation.db-wal", "workstation.db-shm", "lock"} <= names
    for f in profile.iterdir():
        if f.is_file():
            assert _mode(f) == 0o600, f.name


@pytest.mark.usefixtures("permissive_umask")
def test_existing_profile_directory_is_made_private(profile_dir: Path) -> None:
    profile_dir.mkdir(mode=0o755)
    os.chmod(profile_dir, 0o755)  # noqa: S103 (the point of the test)
    ws = Workstation.open(profile_dir)
    try:
        assert _mode(profile_dir) == 0o700
        assert _mode(profile_dir / "workstation.db") == 0o600
    finally:
        ws.close()


# --- upsert ----------------------------------------------------------------------------


def test_upsert_inserts_then_updates_in_place_keeping_flags(store: Store) -> None:
    first = make_item("a", title="Budget draft", content="first body",
                      flags=Flags(starred=True), tags=("atlas",))
    with store.write() as conn:
        cs = upsert_items(conn, [first])
    assert len(cs.added) == 1
    assert not cs.updated
    assert cs.sources == {"test"}
    (item_id,) = cs.added
    sort_key = store.read().execute("SELECT sort_key FROM items WHERE id = ?",
                                    (item_id,)).fetchone()[0]
    with store.write() as conn:
        store_items.set_flag(conn, [item_id], "read", True)

    # The source emits the item again, with new content and default flags.
    again = first.replace(title="Budget final", content="second body", flags=Flags(),
                          tags=("finance",), received=first.received + timedelta(hours=1))
    with store.write() as conn:
        cs = upsert_items(conn, [again])
    assert cs.updated == {item_id}
    assert not cs.added
    got = by_rid(store, "a")
    assert got.id == item_id
    assert got.title == "Budget final"
    assert got.content == "second body"
    assert got.flags == Flags(read=True, starred=True)  # flags stay as the user left them
    assert got.tags == ("finance",)
    assert store.read().execute("SELECT count(*) FROM items").fetchone()[0] == 1
    assert store.read().execute("SELECT sort_key FROM items WHERE id = ?",
                                (item_id,)).fetchone()[0] == sort_key
    # Tags follow the update (the old tag no longer matches).
    assert find(store, "tag:finance") == ("a",)
    assert find(store, "tag:atlas") == ()


def test_same_remote_id_in_two_sources_are_two_items(store: Store) -> None:
    add(store, make_item("x", source="one"), make_item("x", source="two"))
    assert store.read().execute("SELECT count(*) FROM items").fetchone()[0] == 2


def test_item_round_trips_through_the_store(store: Store) -> None:
    item = make_item(
        "rt", kind=ItemKind.POST, title="Été", summary="short", content="<p>long</p>",
        content_type="text/html", url="https://example.org/1",
        sender=("Ada Lovelace", "Ada@Example.org"),
        to=(Person.from_email("Bob", "bob@example.org"),),
        cc=(Person.from_actor("Cy", "https://social.example/cy"),),
        folder="Inbox", thread="t1", in_reply_to="r0", tags=("x", "y"), attachments=1,
        mentions_me=True, language="fr", remote={"uid": 42, "folder": "INBOX"},
        flags=Flags(read=True, starred=True, archived=True, muted=True))
    add(store, item)
    got = by_rid(store, "rt")
    assert got.id is not None
    assert got.replace(id=None) == item


def test_summary_defaults_to_a_preview_of_the_text(store: Store) -> None:
    add(store, make_item("p", content="<p>Hello <b>world</b></p><script>x()</script>",
                         content_type="text/html"))
    assert by_rid(store, "p").summary == "Hello world"


def test_content_is_optional_and_lazy(store: Store) -> None:
    add(store, make_item("lazy", summary="only a preview"))
    got = by_rid(store, "lazy")
    assert got.content is None
    assert got.summary == "only a preview"
    assert find(store, "preview") == ("lazy",)


# --- millisecond timestamps ---------------------------------------------------------------


@given(st.integers(min_value=0, max_value=4_102_444_800_000))
@example(540_126_672_869)
@example(1_082_243_033_156)
def test_millisecond_timestamps_round_trip_exactly(ms: int) -> None:
    when = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
    assert to_ms(when) == ms
    assert from_ms(ms) == when


def test_published_time_with_milliseconds_is_stored_exactly(store: Store) -> None:
    # An old archive from 2004: float arithmetic must not lose the millisecond
    # (to_ms gives ...155 for ...156, so the item may also sort below one 1 ms older).
    when = datetime(2004, 4, 17, 23, 3, 53, 156_000, tzinfo=UTC)
    add(store, make_item("ms", published=when))
    assert by_rid(store, "ms").published == when


def test_naive_datetimes_are_taken_as_utc() -> None:
    assert to_ms(datetime(2026, 1, 1)) == to_ms(datetime(2026, 1, 1, tzinfo=UTC))
    assert to_ms(None) is None
    assert from_ms(None) is None


# --- full-text index ----------------------------------------------------------------------


def test_fts_finds_inserted_items_in_every_indexed_column(store: Store) -> None:
    add(store, make_item("a", title="Quarterly zeppelin", content="hovercraft notes",
                         sender=("Ada Lovelace", "ada@example.org"),
                         to=(Person.from_email("Bob Marley", "bob@music.example"),)))
    for word in ("zeppelin", "hovercraft", "lovelace", "ada", "marley", "music"):
        assert find(store, word) == ("a",), word


def test_fts_follows_title_change(store: Store) -> None:
    add(store, make_item("a", title="Zeppelin budget"))
    assert find(store, "zeppelin") == ("a",)
    add(store, make_item("a", title="Airship budget"))
    assert find(store, "zeppelin") == ()
    assert find(store, "airship") == ("a",)
    assert find(store, "budget") == ("a",)


def test_fts_follows_body_and_people_changes(store: Store) -> None:
    add(store, make_item("a", content="old body words", sender=("Ada", "ada@example.org")))
    add(store, make_item("a", content="fresh text", sender=("Grace", "grace@example.org")))
    assert find(store, "old") == ()
    assert find(store, "fresh") == ("a",)
    assert find(store, "from:ada") == ()
    assert find(store, "from:grace") == ("a",)


def test_flag_changes_leave_the_index_alone(store: Store) -> None:
    add(store, make_item("a", title="Zeppelin"))
    item = by_rid(store, "a")
    with store.write() as conn:
        store_items.set_flag(conn, [item.id], "read", True)
        store_items.set_flag(conn, [item.id], "archived", True)
    assert find(store, "zeppelin") == ("a",)


def test_fts_follows_delete(store: Store) -> None:
    add(store, make_item("a", title="Zeppelin", content="body", tags=("t",)),
        make_item("b", title="Zeppelin too"))
    with store.write() as conn:
        cs = store_items.remove_items(conn, "test", ["a", "missing"])
    assert len(cs.removed) == 1
    assert find(store, "zeppelin") == ("b",)
    conn = store.read()
    assert conn.execute("SELECT count(*) FROM item_content").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM item_tags").fetchone()[0] == 0


def test_removing_a_source_clears_its_index_entries(store: Store) -> None:
    add(store, make_item("a", source="one", title="Zeppelin"),
        make_item("b", source="two", title="Zeppelin"))
    with store.write() as conn:
        assert store_items.remove_source_items(conn, "one") == 1
    assert find(store, "zeppelin") == ("b",)


def _fts_matches_content(store: Store) -> None:
    with store.write() as conn:
        conn.execute("INSERT INTO items_fts(items_fts, rank) VALUES ('integrity-check', 1)")


def test_fts_index_is_consistent_with_the_items_table(store: Store) -> None:
    """The external-content index must agree with the columns it names in ``items``.

    FTS5 reads an external content table by column name (for 'rebuild',
    'integrity-check', highlight() and snippet()). Its ``recipients`` column is
    fed from ``items.recipients_text`` by the triggers, but ``items.recipients``
    holds JSON, so the index and its content table disagree.
    """
    add(store, make_item("a", title="Zeppelin", sender=("Ada", "ada@example.org"),
                         to=(Person.from_email("Bob", "bob@example.org"),)))
    add(store, make_item("a", title="Airship", sender=("Ada", "ada@example.org"),
                         to=(Person.from_email("Bob", "bob@example.org"),)))
    _fts_matches_content(store)


def test_rebuilding_the_index_keeps_to_searches_meaningful(store: Store) -> None:
    """'rebuild' is the standard repair of an FTS5 index: after it, ``to:`` must
    still search recipients' names and addresses, not JSON keys."""
    add(store, make_item("a", to=(Person.from_email("Bob", "bob@example.org"),)),
        make_item("b"))
    assert find(store, "to:bob") == ("a",)
    with store.write() as conn:
        conn.execute("INSERT INTO items_fts(items_fts) VALUES ('rebuild')")
    assert find(store, "to:bob") == ("a",)
    assert find(store, "to:identities") == ()
    assert find(store, "to:cc") == ()


@pytest.mark.parametrize(("query", "expected"), [
    ("ete", ("f2", "m4")),
    ("été", ("f2", "m4")),
    ("ÉTÉ", ("f2", "m4")),
    ("reunion", ("m4",)),
    ("Réunion", ("m4",)),
    ("réunion ete", ("m4",)),
    ("equipe", ("m4",)),
    ('"reunion d\'equipe"', ("m4",)),
    ("compil*", ("f2",)),
    ("Lyon", ("m4",)),
])
def test_accents_and_case_are_ignored(sample_app: Workstation, query: str,
                                      expected: tuple[str, ...]) -> None:
    assert searched(sample_app, query) == expected


# --- keyset paging -------------------------------------------------------------------------


def _walk(conn_store: Store, f: ItemFilter, limit: int) -> list[Item]:
    out: list[Item] = []
    cursor = None
    for _ in range(10_000):
        p = page(conn_store.read(), f, cursor=cursor, limit=limit)
        assert len(p.items) <= limit
        out.extend(p.items)
        if p.cursor is None:
            return out
        assert len(p.items) == limit
        cursor = p.cursor
    raise AssertionError("paging does not end")


_SECOND = 1000
_T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=60)
@given(offsets=st.lists(st.integers(min_value=0, max_value=12), min_size=0, max_size=60),
       limit=st.integers(min_value=1, max_value=9), unread_every=st.integers(1, 3))
def test_keyset_paging_returns_every_item_once_newest_first(
        offsets: list[int], limit: int, unread_every: int) -> None:
    # Few distinct times, so many items share the same millisecond.
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "workstation.db")
        try:
            items = [make_item(f"r{n}", title=f"common word {n}",
                               published=datetime.fromtimestamp((_T0 + o * _SECOND) / 1000, UTC),
                               flags=Flags(read=n % unread_every != 0))
                     for n, o in enumerate(offsets)]
            add(store, *items)
            expected_time = {i.remote_id: i.published for i in items}
            for f in (ItemFilter(), ItemFilter(query=parse("common")),
                      ItemFilter(unread=True), ItemFilter(unread=True, query=parse("word"))):
                got = _walk(store, f, limit)
                names = [i.remote_id for i in got]
                want = {i.remote_id for i in items
                        if f.unread is None or not i.flags.read}
                assert len(names) == len(set(names)), "an item appeared twice"
                assert set(names) == want, "an item is missing"
                times = [expected_time[n] for n in names]
                assert times == sorted(times, reverse=True), "not newest first"
                keys = [store.read().execute("SELECT sort_key FROM items WHERE remote_id = ?",
                                             (n,)).fetchone()[0] for n in names]
                assert all(a > b for a, b in itertools.pairwise(keys))
        finally:
            store.close()


def test_common_word_search_pages_newest_first(store: Store) -> None:
    items = [make_item(f"r{n:03}", minutes_ago=n, title="weekly report" if n % 2 else "other")
             for n in range(240)]
    add(store, *items)
    f = ItemFilter(query=parse("report"))
    first = page(store.read(), f, limit=50)
    assert rids(first.items) == tuple(f"r{n:03}" for n in range(1, 100, 2))
    assert first.cursor is not None
    everything = _walk(store, f, 50)
    assert rids(everything) == tuple(f"r{n:03}" for n in range(1, 240, 2))


def test_last_page_has_no_cursor(store: Store) -> None:
    add(store, *(make_item(f"r{n}", minutes_ago=n) for n in range(4)))
    p = page(store.read(), ItemFilter(), limit=4)
    assert len(p.items) == 4
    assert p.cursor is None
    assert page(store.read(), ItemFilter(), limit=10).cursor is None


def test_items_before_1970_still_list(store: Store) -> None:
    add(store, make_item("old", published=datetime(1969, 7, 20, tzinfo=UTC)),
        make_item("new"))
    assert rids(page(store.read(), ItemFilter()).items) == ("new", "old")


# --- filters (tests/data/sample_small.json) ----------------------------------------------


def test_inbox_lists_everything_newest_first(sample_app: Workstation) -> None:
    assert listed(sample_app, ItemFilter()) == ORDER


def test_filter_unread_and_read(sample_app: Workstation) -> None:
    assert listed(sample_app, ItemFilter(unread=True)) == UNREAD
    assert listed(sample_app, ItemFilter(unread=False)) == without(UNREAD)


def test_filter_starred(sample_app: Workstation) -> None:
    assert listed(sample_app, ItemFilter(starred=True)) == STARRED
    assert listed(sample_app, ItemFilter(starred=True, unread=True)) == only(STARRED, UNREAD)


@pytest.mark.parametrize("source", sorted(BY_SOURCE))
def test_filter_source(sample_app: Workstation, source: str) -> None:
    assert listed(sample_app, ItemFilter(source=source)) == only(BY_SOURCE[source])


@pytest.mark.parametrize(("source", "folder"), sorted(FOLDERS))
def test_filter_folder(sample_app: Workstation, source: str, folder: str) -> None:
    assert listed(sample_app, ItemFilter(source=source, folder=folder)) == FOLDERS[source, folder]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_filter_kind(sample_app: Workstation, kind: str) -> None:
    assert listed(sample_app, ItemFilter(kind=kind)) == only(KINDS[kind])


@pytest.mark.parametrize("tag", sorted(TAGS))
def test_filter_tag(sample_app: Workstation, tag: str) -> None:
    assert listed(sample_app, ItemFilter(tag=tag)) == only(TAGS[tag])
    assert listed(sample_app, ItemFilter(tag=tag.upper())) == only(TAGS[tag])


def test_filter_person_by_identity_key(sample_app: Workstation) -> None:
    assert listed(sample_app, ItemFilter(person=JONAS_EMAIL_KEY)) == ("m3", "m1", "m6")
    assert listed(sample_app, ItemFilter(person=JONAS_ACTOR_KEY)) == ("p1",)
    assert listed(sample_app, ItemFilter(person="email:nobody@example.org")) == ()


def test_filter_mentions(sample_app: Workstation) -> None:
    assert listed(sample_app, ItemFilter(mentions=True)) == MENTIONS


def test_filter_thread(sample_app: Workstation) -> None:
    assert set(listed(sample_app, ItemFilter(thread="atlas-budget"))) == set(THREAD)
    assert rids(sample_app.thread("atlas-budget")) == THREAD
    assert rids(thread_items(sample_app.store.read(), "nope")) == ()


def _ids(app: Workstation, *remote_ids: str) -> list[int]:
    items = {i.remote_id: i.id for i in app.list_items(ItemFilter(archived=None),
                                                      limit=1000).items}
    return [int(items[r]) for r in remote_ids]  # type: ignore[arg-type]


def test_archived_items_are_hidden_by_default(sample_app: Workstation) -> None:
    sample_app.mark(_ids(sample_app, "m6", "p2"), "archive")
    assert listed(sample_app, ItemFilter()) == without(("m6", "p2"))
    assert listed(sample_app, ItemFilter(archived=True)) == ("p2", "m6")
    assert listed(sample_app, ItemFilter(archived=None)) == ORDER
    # Search covers archived items.
    assert searched(sample_app, "firmware") == ("m6",)
    assert searched(sample_app, "is:archived") == ("p2", "m6")
    assert searched(sample_app, "-is:archived") == without(("m6", "p2"))


def test_filters_combine(sample_app: Workstation) -> None:
    f = ItemFilter(source="Work mail", unread=True, tag="atlas")
    assert listed(sample_app, f) == ("m1",)


def test_count_matches_list(sample_app: Workstation) -> None:
    conn = sample_app.store.read()
    for f in (ItemFilter(), ItemFilter(unread=True), ItemFilter(source="Feeds"),
              ItemFilter(tag="atlas"), ItemFilter(starred=True, archived=None)):
        assert count(conn, f) == len(listed(sample_app, f))


def test_sidebar_counts(sample_app: Workstation) -> None:
    counts = sample_app.sidebar_counts()
    assert counts.inbox_unread == len(UNREAD)
    assert counts.starred == len(STARRED)
    assert counts.mentions_unread == len(only(MENTIONS, UNREAD))
    assert counts.per_folder[("Work mail", "Inbox")] == 2
    assert counts.per_folder[("Feeds", "Tech")] == 2
    assert ("Feeds", "Le Journal") not in counts.per_folder


# --- search operators ------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "expected"), [
    ("budget", ("m3", "m2", "m1", "f3")),
    ("Budget REVIEW", ("m3", "m2", "m1")),
    ('"budget review"', ("m3", "m2", "m1")),
    ('"review budget"', ()),
    ("budget -review", ("f3",)),
    ('budget -"budget review"', ("f3",)),
    ("firm*", ("m6",)),
    ("10:30", ("m6",)),
    ("re:hello", ()),
    ("from:jonas", FROM_JONAS),
    ("from:Jonas", FROM_JONAS),
    ("from:jonas.berg@nordlys.example", ("m3", "m1", "m6")),
    ('from:"Jonas Berg"', FROM_JONAS),
    ("from:jon*", FROM_JONAS),
    ("from:ingrid", ("p2", "m4")),
    ("from:ars", ("f1", "f3")),
    ("-from:jonas", without(FROM_JONAS)),
    ("from:jonas is:unread", only(FROM_JONAS, UNREAD)),
    ("from:jonas -is:unread", ("m6",)),
    ("to:ingrid", TO_INGRID),
    ("to:jonas", ("m2",)),
    ("to:camille -from:jonas", ("m4", "m5")),
    ("source:feeds", BY_SOURCE["Feeds"]),
    ('source:"Work mail"', BY_SOURCE["Work mail"]),
    ('source:"work MAIL" budget', ("m3", "m2", "m1")),
    ("-source:feeds -source:social", BY_SOURCE["Work mail"]),
    ("in:projects", ("m5", "m6")),
    ('in:"le journal"', ("f2",)),
    ("kind:email", KINDS["email"]),
    ("kind:mail", KINDS["email"]),
    ("kind:feed", KINDS["feed-entry"]),
    ("kind:article", KINDS["feed-entry"]),
    ("kind:social", KINDS["post"]),
    ("kind:task", ()),
    ("-kind:email", without(KINDS["email"])),
    ("tag:atlas", TAGS["atlas"]),
    ("tag:ATLAS", TAGS["atlas"]),
    ("tag:atlas -tag:finance", ("p1", "m2")),
    ("is:unread", UNREAD),
    ("is:read", without(UNREAD)),
    ("-is:read", UNREAD),
    ("is:starred", STARRED),
    ("is:unstarred", without(STARRED)),
    ("is:mention", MENTIONS),
    ("is:mentions", MENTIONS),
    ("is:muted", ()),
    ("is:archived", ()),
    ("has:attachment", WITH_ATTACHMENTS),
    ("-has:attachment", without(WITH_ATTACHMENTS)),
    ("has:attachment budget", ("m1",)),
    ("is:unread is:starred kind:feed", ("f3",)),
    ("after:2000-01-01", ORDER),
    ("before:2000-01-01", ()),
    ("budget after:2000-01-01 -tag:finance", ("m3", "m2", "f3")),
])
def test_search_operators(sample_app: Workstation, query: str,
                          expected: tuple[str, ...]) -> None:
    assert searched(sample_app, query) == expected


def test_search_with_only_negations_lists_everything_else(sample_app: Workstation) -> None:
    assert searched(sample_app, "-budget") == without(("m3", "m2", "m1", "f3"))


def test_search_with_no_terms_lists_everything(sample_app: Workstation) -> None:
    assert searched(sample_app, "") == ORDER


def test_search_syntax_error_propagates(sample_app: Workstation) -> None:
    with pytest.raises(SearchSyntaxError):
        sample_app.search("is:later")


def test_search_respects_a_base_filter(sample_app: Workstation) -> None:
    base = ItemFilter(source="Work mail", archived=None)
    assert rids(sample_app.search("atlas", base=base, limit=100).items) == ("m3", "m2", "m1")


def test_search_is_muted_after_mute(sample_app: Workstation) -> None:
    sample_app.mark(_ids(sample_app, "p2"), "mute")
    assert searched(sample_app, "is:muted") == ("p2",)


# Items around local midnight of 2026-01-10 and 2026-01-11.
def _local(y: int, m: int, d: int, h: int = 12, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi).astimezone()


@pytest.fixture
def dated(store: Store) -> Store:
    add(store,
        make_item("d09-noon", published=_local(2026, 1, 9)),
        make_item("d09-late", published=_local(2026, 1, 9, 23, 59)),
        make_item("d10-midnight", published=_local(2026, 1, 10, 0, 0)),
        make_item("d10-noon", published=_local(2026, 1, 10)),
        make_item("d11-noon", published=_local(2026, 1, 11)))
    return store


@pytest.mark.parametrize(("query", "expected"), [
    ("before:2026-01-10", ("d09-late", "d09-noon")),
    ("after:2026-01-10", ("d11-noon", "d10-noon", "d10-midnight")),
    ("after:2026-01-10 before:2026-01-11", ("d10-noon", "d10-midnight")),
    ("-before:2026-01-10", ("d11-noon", "d10-noon", "d10-midnight")),
    ("-after:2026-01-10", ("d09-late", "d09-noon")),
    ("after:today", ("d11-noon",)),
    ("before:today", ("d10-noon", "d10-midnight", "d09-late", "d09-noon")),
    ("after:yesterday", ("d11-noon", "d10-noon", "d10-midnight")),
    ("after:yesterday before:today", ("d10-noon", "d10-midnight")),
    ("before:yesterday", ("d09-late", "d09-noon")),
    ("after:2026-01-12", ()),
])
def test_before_and_after_days(dated: Store, query: str, expected: tuple[str, ...]) -> None:
    assert find(dated, query, today=date(2026, 1, 11)) == expected


def test_today_moves_with_the_reference_day(dated: Store) -> None:
    assert find(dated, "after:today", today=date(2026, 1, 10)) == (
        "d11-noon", "d10-noon", "d10-midnight")


_STORE_QUERY_TEXT = st.one_of(
    st.lists(st.sampled_from([
        "a", "é", "budget", " ", "-", '"', "*", ":", "(", ")", "^", "+", "NEAR", "AND", "OR",
        "NOT", "from:", "to:", "is:", "kind:", "tag:", "in:", "source:", "before:", "after:",
        "unread", "mail", "today", "10", "re:", "{", "}", "\u00a0", "'"]),
        max_size=10).map("".join),
    st.text(max_size=30))


@settings(max_examples=300)
@given(_STORE_QUERY_TEXT)
@example("\x00")
@example("budget\x00")
def test_any_parsed_query_runs_on_the_store(text: str) -> None:
    """What ``parse`` accepts, the store can run: no SQL or FTS5 syntax errors."""
    try:
        q = parse(text)
    except SearchSyntaxError:
        return
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "workstation.db")
        try:
            add(store, make_item("a", title="budget réunion", sender=("Jonas", "j@example.org")))
            page(store.read(), ItemFilter(archived=None, query=q), today=date(2026, 1, 11))
        finally:
            store.close()


# --- outbox ----------------------------------------------------------------------------------


def test_outbox_enqueue_due_confirm(store: Store) -> None:
    with store.write() as conn:
        first = outbox.enqueue(conn, "mail", "Read", item_id=1,
                               payload={"remote_id": "r1", "remote": {"uid": 7}})
        second = outbox.enqueue(conn, "mail", "Star", item_id=2)
        outbox.enqueue(conn, "other", "Read")
    conn = store.read()
    due = outbox.due(conn, "mail")
    assert [e.id for e in due] == [first, second]
    assert due[0].verb == "Read"
    assert due[0].payload == {"remote_id": "r1", "remote": {"uid": 7}}
    assert due[0].state == "pending"
    assert due[0].attempts == 0
    assert due[1].payload == {}
    with store.write() as c:
        outbox.confirm(c, first)
    assert [e.id for e in outbox.due(conn, "mail")] == [second]
    assert len(outbox.entries(conn)) == 2
    assert [e.source for e in outbox.entries(conn, "other")] == ["other"]


def test_outbox_entry_is_not_due_before_its_time(store: Store) -> None:
    with store.write() as conn:
        outbox.enqueue(conn, "mail", "Read")
    past = 1_000  # 1970: nothing is due yet
    assert outbox.due(store.read(), "mail", now_ms=past) == []


def _next_attempt(store: Store, entry_id: int) -> int:
    return int(store.read().execute("SELECT next_attempt FROM outbox WHERE id = ?",
                                    (entry_id,)).fetchone()[0])


def test_outbox_retry_later_backs_off_more_each_time(store: Store) -> None:
    with store.write() as conn:
        entry = outbox.enqueue(conn, "mail", "Read")
    # Each delay is known within the time retry_later took: low <= delay <= high.
    bounds: list[tuple[int, int]] = []
    for n in range(1, 11):
        before = outbox._now_ms()
        with store.write() as conn:
            outbox.retry_later(conn, entry, f"busy {n}")
        after = outbox._now_ms()
        (e,) = outbox.entries(store.read(), "mail")
        assert e.attempts == n
        assert e.state == "pending"
        assert e.last_error == f"busy {n}"
        nxt = _next_attempt(store, entry)
        bounds.append((nxt - after, nxt - before))
        assert outbox.due(store.read(), "mail") == []
    low0, high0 = bounds[0]
    assert low0 <= outbox.FIRST_BACKOFF_MS <= high0
    # It grows: strictly at first, then it never shrinks.
    for (_, high), (low_next, _) in itertools.pairwise(bounds[:4]):
        assert low_next > high
    for (low, _), (_, high_next) in itertools.pairwise(bounds):
        assert high_next >= low
    # Capped at an hour.
    low_last, high_last = bounds[-1]
    assert low_last <= outbox.MAX_BACKOFF_MS <= high_last
    # Due again once the time has come.
    assert [x.id for x in outbox.due(store.read(), "mail",
                                     now_ms=_next_attempt(store, entry))] == [entry]


def test_outbox_fail_keeps_the_entry_as_failed(store: Store) -> None:
    with store.write() as conn:
        entry = outbox.enqueue(conn, "mail", "Read")
        outbox.fail(conn, entry, "The server refused: no such message")
    (e,) = outbox.entries(store.read())
    assert e.state == "failed"
    assert e.attempts == 1
    assert e.last_error == "The server refused: no such message"
    assert outbox.due(store.read(), "mail", now_ms=2**62) == []


# --- sync state ------------------------------------------------------------------------------


def test_sync_state_round_trip(store: Store) -> None:
    values = {"uidvalidity": 1234567, "etag": 'W/"abc"', "cursor": {"page": 3, "ids": [1, 2]},
              "name": "Réunion été", "flag": True, "nothing": None}
    with store.write() as conn:
        for k, v in values.items():
            sync_state.set_state(conn, "mail", k, v)
        sync_state.set_state(conn, "feeds", "etag", "other")
    conn = store.read()
    for k, v in values.items():
        assert sync_state.get_state(conn, "mail", k, "default") == v
    assert sync_state.get_state(conn, "mail", "missing") is None
    assert sync_state.get_state(conn, "mail", "missing", 42) == 42
    with store.write() as c:
        sync_state.set_state(c, "mail", "uidvalidity", 99)
    assert sync_state.get_state(conn, "mail", "uidvalidity") == 99
    with store.write() as c:
        sync_state.clear_state(c, "mail")
    assert sync_state.get_state(conn, "mail", "etag") is None
    assert sync_state.get_state(conn, "feeds", "etag") == "other"


# --- transactions and threads ------------------------------------------------------------


def test_write_rolls_back_on_error(store: Store) -> None:
    def write_then_fail() -> None:
        with store.write() as conn:
            upsert_items(conn, [make_item("a", title="Zeppelin")])
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        write_then_fail()
    assert store.read().execute("SELECT count(*) FROM items").fetchone()[0] == 0
    assert find(store, "zeppelin") == ()


def _in_thread(fn: object) -> object:
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = fn()  # type: ignore[operator]
        except BaseException as exc:  # reported to the test thread
            box["error"] = exc

    t = threading.Thread(target=run)
    t.start()
    t.join(30)
    assert not t.is_alive()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]


def test_readers_on_other_threads_see_committed_writes(store: Store) -> None:
    def n() -> int:
        return int(store.read().execute("SELECT count(*) FROM items").fetchone()[0])

    assert _in_thread(n) == 0
    main_conn = store.read()
    other_conn = _in_thread(store.read)
    assert other_conn is not main_conn
    add(store, make_item("a"))
    assert _in_thread(n) == 1
    assert n() == 1
    add(store, make_item("b"))
    assert _in_thread(n) == 2


def test_a_long_read_does_not_block_a_write_and_sees_a_stable_snapshot(store: Store) -> None:
    add(store, make_item("a"))
    reader = store.read()
    reader.execute("BEGIN")
    try:
        assert reader.execute("SELECT count(*) FROM items").fetchone()[0] == 1
        _in_thread(lambda: add(store, make_item("b")))  # must not wait for the reader
        assert reader.execute("SELECT count(*) FROM items").fetchone()[0] == 1
    finally:
        reader.execute("COMMIT")
    assert reader.execute("SELECT count(*) FROM items").fetchone()[0] == 2


def test_concurrent_writes_through_the_writer_do_not_corrupt(store: Store) -> None:
    writer = Writer(store)
    threads_n, per_thread = 8, 25
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for n in range(per_thread):
                item = make_item(f"t{t}-{n}", source=f"s{t % 3}", minutes_ago=n,
                                 title=f"thread{t} shared word", tags=(f"tag{t}",))
                writer.run_sync(lambda c, i=item: upsert_items(c, [i]))
                if n % 5 == 0:
                    writer.run_sync(lambda c, i=item: upsert_items(
                        c, [i.replace(title=f"thread{t} shared word updated")]))
                    ids = [r[0] for r in store.read().execute(
                        "SELECT id FROM items WHERE remote_id = ?", (item.remote_id,))]
                    writer.run_sync(lambda c, ids=ids: store_items.set_flag(c, ids, "read", True))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(threads_n)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        writer.close()
    assert not errors
    conn = store.read()
    total = threads_n * per_thread
    assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == total
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with store.write() as c:
        c.execute("INSERT INTO items_fts(items_fts) VALUES ('integrity-check')")
    assert len(find(store, "shared")) == total
    assert len(find(store, "updated")) == threads_n * (per_thread // 5)
    assert count(conn, ItemFilter(unread=False)) == threads_n * (per_thread // 5)
    for t in range(threads_n):
        assert len(find(store, f"tag:tag{t}")) == per_thread


def test_writer_runs_each_call_in_one_transaction(store: Store) -> None:
    writer = Writer(store)
    try:
        def half_then_fail(conn: object) -> None:
            upsert_items(conn, [make_item("a")])  # type: ignore[arg-type]
            raise ValueError("stop")

        with pytest.raises(ValueError, match="stop"):
            writer.run_sync(half_then_fail)
        assert writer.run_sync(
            lambda c: c.execute("SELECT count(*) FROM items").fetchone()[0]) == 0
    finally:
        writer.close()


def test_read_only_store_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "workstation.db"
    Store.open(path).close()
    ro = Store.open(path, readonly=True)
    try:
        assert not ro.writable
        from workstation.store.db import StoreError

        with pytest.raises(StoreError, match="read-only"), ro.write():
            pass
        assert ro.read().execute("SELECT count(*) FROM items").fetchone()[0] == 0
    finally:
        ro.close()

