"""Running sources: a scripted source type, registered through a real pluggy
plugin object, drives SyncRunner via the app; the store is checked afterwards.

Sources are told what to do through their configuration (``script``: a list
of steps), so each test reads as the story the server tells.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sample_facts import RunCli, rids

from workstation.api import (
    Action,
    Flags,
    Item,
    ItemKind,
    PermanentActionError,
    Person,
    SourceContext,
    SourceError,
    SourceType,
    SyncSink,
    TemporaryActionError,
    hookimpl,
)
from workstation.app import ChangeSet, Workstation, populate_demo
from workstation.plugin_host.manager import PluginHost
from workstation.store import outbox
from workstation.store.queries import ItemFilter

T0 = 1_767_600_000  # 2026-01-05T08:00:00Z, seconds


def item(source: str, rid: str, title: str | None = None, minutes: int = 0, **kw: Any) -> Item:
    from datetime import UTC, datetime

    when = datetime.fromtimestamp(T0 + minutes * 60, UTC)
    return Item(source=source, remote_id=rid, kind=kw.pop("kind", ItemKind.EMAIL),
                title=title or f"title {rid}", published=when, received=when,
                actor=Person.from_email("Ada", "ada@example.org"), **kw)


@dataclass
class Server:
    """What one scripted source instance does; shared with the test."""

    steps: list[tuple[str, Any]] = field(default_factory=list)
    performed: list[Action] = field(default_factory=list)
    action_errors: list[Exception | None] = field(default_factory=list)
    syncs: int = 0
    closed: int = 0
    states_seen: list[Any] = field(default_factory=list)


class ScriptedSource:
    def __init__(self, ctx: SourceContext, server: Server) -> None:
        self.ctx = ctx
        self.server = server

    async def sync(self, sink: SyncSink) -> None:
        self.server.syncs += 1
        self.server.states_seen.append(self.ctx.get_state("cursor"))
        for verb, arg in self.server.steps:
            if verb == "emit":
                await sink.emit(arg)
            elif verb == "flags":
                await sink.set_flags(arg)
            elif verb == "remove":
                await sink.remove(arg)
            elif verb == "progress":
                sink.progress(*arg)
            elif verb == "state":
                self.ctx.set_state("cursor", arg)
            elif verb == "raise":
                raise arg
            elif verb == "sleep":
                await asyncio.sleep(arg)
        self.ctx.set_state("cursor", self.server.syncs)

    async def perform(self, action: Action) -> None:
        self.server.performed.append(action)
        if self.server.action_errors:
            error = self.server.action_errors.pop(0)
            if error is not None:
                raise error

    async def fetch_content(self, item: Item) -> Item:
        return item

    async def close(self) -> None:
        self.server.closed += 1


class ScriptedPlugin:
    """A plugin object (not a module) implementing the workstation hook."""

    def __init__(self) -> None:
        self.servers: dict[str, Server] = {}

    def server(self, name: str) -> Server:
        return self.servers.setdefault(name, Server())

    @hookimpl
    def workstation_source_types(self) -> list[SourceType]:
        return [SourceType("scripted", "Scripted test source",
                           lambda ctx: ScriptedSource(ctx, self.server(ctx.name)),
                           description="Does what the test says.")]


@pytest.fixture
def plugin() -> ScriptedPlugin:
    return ScriptedPlugin()


@pytest.fixture
def host(plugin: ScriptedPlugin) -> PluginHost:
    h = PluginHost.discover()  # the demo plugin, from its entry point
    h.register(plugin, "scripted-test")
    return h


@pytest.fixture
def ws(profile_dir: Path, host: PluginHost) -> Any:
    app = Workstation.open(profile_dir, host=host)
    try:
        yield app
    finally:
        app.close()


def sync(app: Workstation, names: Sequence[str] | None = None, **kw: Any) -> Any:
    async def run() -> Any:
        try:
            return await app.sync(names, **kw)
        finally:
            await app.close_sources()
    return asyncio.run(run())


def by_name(results: Sequence[Any]) -> dict[str, Any]:
    return {r.source: r for r in results}


def all_items(app: Workstation) -> dict[str, Item]:
    return {i.remote_id: i for i in app.list_items(ItemFilter(archived=None), limit=1000).items}


# --- the plugin is found ------------------------------------------------------------------


def test_plugin_object_registers_a_source_type(host: PluginHost) -> None:
    types = host.source_types()
    assert types["scripted"].display_name == "Scripted test source"
    assert "demo" in types
    host.register(ScriptedPlugin(), "scripted-test")  # same name again: ignored
    assert list(host.source_types()).count("scripted") == 1


def test_unknown_source_type_is_refused(ws: Workstation) -> None:
    with pytest.raises(ValueError, match="No installed plugin"):
        ws.add_source("x", "nope", {})


# --- batches, flags, removals ------------------------------------------------------------------


def test_sync_emits_batches_sets_flags_and_removes(ws: Workstation, plugin: ScriptedPlugin) -> None:
    src = "mail"
    ws.add_source(src, "scripted", {"host": "example.org"})
    plugin.server(src).steps = [
        ("emit", [item(src, "a", minutes=1), item(src, "b", minutes=2),
                  item(src, "c", minutes=3, tags=("x",))]),
        ("progress", (3, 5, "first batch")),
        ("emit", [item(src, "d", minutes=4, content="body d"),
                  item(src, "a", "a renamed", minutes=1),
                  # an item claiming another source lands in this one
                  item("someone-else", "e", minutes=5)]),
        ("progress", (5, 5, "done")),
        ("flags", {"b": Flags(read=True, starred=True), "missing": Flags(read=True)}),
        ("remove", ["c", "missing"]),
    ]
    progress: list[tuple[str, int, int | None, str]] = []
    changes: list[ChangeSet] = []
    ws.add_listener(changes.append)

    (result,) = sync(ws, on_progress=lambda *a: progress.append(a))

    assert result.ok
    assert result.error is None
    assert (result.added, result.updated, result.removed) == (5, 1, 1)
    items = all_items(ws)
    assert set(items) == {"a", "b", "d", "e"}
    assert all(i.source == src for i in items.values())
    assert items["a"].title == "a renamed"
    assert items["b"].flags == Flags(read=True, starred=True)
    assert items["a"].flags == Flags()
    assert items["d"].id is not None
    got_d = ws.get_item(items["d"].id)
    assert got_d is not None
    assert got_d.content == "body d"
    assert rids(ws.search("renamed").items) == ("a",)
    assert rids(ws.search("tag:x").items) == ()
    assert rids(ws.list_items().items) == ("e", "d", "b", "a")
    assert progress == [(src, 3, 5, "first batch"), (src, 5, 5, "done")]
    seen: set[int] = set()
    for cs in changes:
        seen |= cs.added | cs.updated | cs.removed
        assert src in cs.sources
    assert {i.id for i in items.values()} <= seen
    (info,) = ws.sources()
    assert info.last_error is None
    assert info.last_sync is not None
    assert abs(info.last_sync / 1000 - time.time()) < 120
    assert info.total == 4
    assert plugin.server(src).closed == 1


def test_reemitted_item_keeps_local_flags(ws: Workstation, plugin: ScriptedPlugin) -> None:
    ws.add_source("feeds", "scripted", {})
    server = plugin.server("feeds")
    server.steps = [("emit", [item("feeds", "entry", "Version 1")])]
    sync(ws)
    entry = all_items(ws)["entry"]
    assert entry.id is not None
    ws.mark([entry.id], "read")
    ws.mark([entry.id], "star")
    server.steps = [("emit", [item("feeds", "entry", "Version 2")])]
    (result,) = sync(ws)
    assert (result.added, result.updated) == (0, 1)
    again = all_items(ws)["entry"]
    assert again.id == entry.id
    assert again.title == "Version 2"
    assert again.flags == Flags(read=True, starred=True)


def test_duplicate_items_in_one_batch_keep_the_last(ws: Workstation,
                                                    plugin: ScriptedPlugin) -> None:
    ws.add_source("feeds", "scripted", {})
    plugin.server("feeds").steps = [("emit", [item("feeds", "x", "first"),
                                              item("feeds", "x", "second")])]
    (result,) = sync(ws)
    assert result.added == 1
    assert all_items(ws)["x"].title == "second"


def test_source_state_persists_between_syncs(ws: Workstation, plugin: ScriptedPlugin,
                                             profile_dir: Path, host: PluginHost) -> None:
    ws.add_source("s", "scripted", {})
    server = plugin.server("s")
    server.steps = [("state", {"uidvalidity": 7, "name": "été"})]
    sync(ws)
    sync(ws)
    assert server.states_seen == [None, 1]
    ws.close()
    reopened = Workstation.open(profile_dir, host=host)
    try:
        sync(reopened)
    finally:
        reopened.close()
    assert server.states_seen == [None, 1, 2]


# --- failures ---------------------------------------------------------------------------------


def test_failing_source_reports_while_another_succeeds(ws: Workstation,
                                                       plugin: ScriptedPlugin) -> None:
    ws.add_source("bad", "scripted", {})
    ws.add_source("good", "scripted", {})
    plugin.server("bad").steps = [
        ("emit", [item("bad", "early")]),  # committed before the failure
        ("sleep", 0.01),
        ("raise", SourceError("The server said no: invalid credentials")),
    ]
    plugin.server("good").steps = [("sleep", 0.02), ("emit", [item("good", "g1"),
                                                             item("good", "g2")])]
    results = by_name(sync(ws))
    assert results["bad"].error == "The server said no: invalid credentials"
    assert not results["bad"].ok
    assert results["good"].ok
    assert results["good"].added == 2
    assert set(all_items(ws)) == {"early", "g1", "g2"}
    infos = {s.name: s for s in ws.sources()}
    assert infos["bad"].last_error == "The server said no: invalid credentials"
    assert infos["bad"].last_sync is None
    assert infos["good"].last_error is None
    assert infos["good"].last_sync is not None

    # Next time it works: the error is cleared.
    plugin.server("bad").steps = []
    assert by_name(sync(ws, ["bad"]))["bad"].ok
    assert {s.name: s for s in ws.sources()}["bad"].last_error is None


@pytest.mark.parametrize(("exc", "message"), [
    (OSError("connection reset"), "Network problem: connection reset"),
    (TimeoutError(), "Network problem: TimeoutError"),
    (RuntimeError("boom"), "Unexpected error in the 'scripted' source: boom"),
])
def test_other_errors_are_reported_not_raised(ws: Workstation, plugin: ScriptedPlugin,
                                              exc: Exception, message: str) -> None:
    ws.add_source("s", "scripted", {})
    ws.add_source("t", "scripted", {})
    plugin.server("s").steps = [("raise", exc)]
    plugin.server("t").steps = [("emit", [item("t", "ok")])]
    results = by_name(sync(ws))
    assert results["s"].error == message
    assert results["t"].ok
    assert {s.name: s for s in ws.sources()}["s"].last_error == message


def test_source_whose_plugin_is_missing(profile_dir: Path, plugin: ScriptedPlugin,
                                        host: PluginHost) -> None:
    app = Workstation.open(profile_dir, host=host)
    try:
        app.add_source("orphan", "scripted", {})
    finally:
        app.close()
    bare = Workstation.open(profile_dir, host=PluginHost())  # no plugins at all
    try:
        (result,) = sync(bare)
        assert result.error is not None
        assert "needs the 'scripted' plugin" in result.error
        (info,) = bare.sources()
        assert info.plugin_missing
        assert info.display_type == "scripted"
    finally:
        bare.close()


def test_sync_of_unknown_names_is_refused(ws: Workstation) -> None:
    with pytest.raises(ValueError, match="No source named 'nope'"):
        sync(ws, ["nope"])


def test_disabled_sources_are_skipped_unless_named(ws: Workstation,
                                                   plugin: ScriptedPlugin) -> None:
    ws.add_source("off", "scripted", {})
    with ws.store.write() as conn:
        conn.execute("UPDATE sources SET enabled = 0 WHERE name = 'off'")
    plugin.server("off").steps = [("emit", [item("off", "x")])]
    assert sync(ws) == []
    assert [r.source for r in sync(ws, ["off"])] == ["off"]


# --- the outbox -------------------------------------------------------------------------------


def _prepared(ws: Workstation, plugin: ScriptedPlugin, name: str = "mail") -> list[int]:
    ws.add_source(name, "scripted", {})
    plugin.server(name).steps = [("emit", [
        item(name, "r1", minutes=1, remote={"folder": "INBOX", "uid": 1}),
        item(name, "r2", minutes=2, remote={"folder": "INBOX", "uid": 2}),
        item(name, "r3", minutes=3, remote={"folder": "INBOX", "uid": 3})])]
    sync(ws)
    plugin.server(name).steps = []
    items = all_items(ws)
    return [int(items[r].id) for r in ("r1", "r2", "r3")]  # type: ignore[arg-type]


def _outbox(ws: Workstation, source: str | None = None) -> list[outbox.OutboxEntry]:
    return outbox.entries(ws.store.read(), source)


def test_mark_queues_actions_for_writable_sources_only(ws: Workstation, plugin: ScriptedPlugin,
                                                       sample_file: Path) -> None:
    ids = _prepared(ws, plugin)
    populate_demo(ws, sample=sample_file)  # read-only demo sources
    demo_ids = [i.id for i in ws.list_items(ItemFilter(source="Feeds")).items]
    changes = ws.mark([*ids[:2], *demo_ids], "read")  # type: ignore[list-item]
    assert changes.updated >= set(ids[:2])
    entries = _outbox(ws)
    assert [(e.source, e.verb, e.item_id) for e in entries] == [
        ("mail", "Read", ids[0]), ("mail", "Read", ids[1])]
    assert entries[0].payload == {"remote_id": "r1", "remote": {"folder": "INBOX", "uid": 1}}
    # Nothing changed, nothing queued.
    ws.mark(ids[:1], "read")
    assert len(_outbox(ws)) == 2


def test_outbox_is_replayed_on_next_sync_and_emptied(ws: Workstation,
                                                     plugin: ScriptedPlugin) -> None:
    ids = _prepared(ws, plugin)
    ws.mark(ids[:2], "read")
    ws.mark(ids[2:], "star")
    server = plugin.server("mail")
    (result,) = sync(ws)
    assert result.ok
    assert result.actions_sent == 3
    assert [(a.verb, a.item_remote_id, dict(a.item_remote)) for a in server.performed] == [
        ("Read", "r1", {"folder": "INBOX", "uid": 1}),
        ("Read", "r2", {"folder": "INBOX", "uid": 2}),
        ("Star", "r3", {"folder": "INBOX", "uid": 3}),
    ]
    assert _outbox(ws) == []
    assert (ws.sources()[0].pending_actions, ws.sources()[0].failed_actions) == (0, 0)
    # The local change stays.
    assert all_items(ws)["r1"].flags.read


def test_temporary_error_keeps_the_action_for_later(ws: Workstation,
                                                    plugin: ScriptedPlugin) -> None:
    ids = _prepared(ws, plugin)
    ws.mark(ids[:1], "read")
    server = plugin.server("mail")
    server.action_errors = [TemporaryActionError("Server busy, try later")]
    before = int(time.time() * 1000)
    (result,) = sync(ws)
    assert result.ok  # the sync itself went fine
    assert result.actions_sent == 0
    assert len(server.performed) == 1
    (entry,) = _outbox(ws)
    assert entry.state == "pending"
    assert entry.attempts == 1
    assert entry.last_error == "Server busy, try later"
    nxt = ws.store.read().execute("SELECT next_attempt FROM outbox WHERE id = ?",
                                  (entry.id,)).fetchone()[0]
    assert nxt >= before + outbox.FIRST_BACKOFF_MS
    # An immediate second sync does not hammer the server.
    sync(ws)
    assert len(server.performed) == 1
    assert ws.sources()[0].pending_actions == 1
    # Once due, it goes through.
    with ws.store.write() as conn:
        conn.execute("UPDATE outbox SET next_attempt = 0")
    (result,) = sync(ws)
    assert result.actions_sent == 1
    assert [a.item_remote_id for a in server.performed] == ["r1", "r1"]
    assert _outbox(ws) == []


def test_temporary_error_stops_the_replay_to_keep_the_order(ws: Workstation,
                                                            plugin: ScriptedPlugin) -> None:
    ids = _prepared(ws, plugin)
    ws.mark(ids[:2], "read")
    server = plugin.server("mail")
    server.action_errors = [TemporaryActionError("Server busy, try later")]
    sync(ws)
    assert [a.item_remote_id for a in server.performed] == ["r1"]
    first, second = _outbox(ws)
    assert (first.attempts, second.attempts) == (1, 0)


def test_actions_stay_in_order_across_syncs_after_a_temporary_error(
        ws: Workstation, plugin: ScriptedPlugin) -> None:
    """Read then Unread on one item must reach the server in that order, or the
    server ends up read while the user sees it unread."""
    ids = _prepared(ws, plugin)
    server = plugin.server("mail")
    ws.mark(ids[:1], "read")
    server.action_errors = [TemporaryActionError("Server busy, try later")]
    sync(ws)  # "Read" backs off
    ws.mark(ids[:1], "unread")
    sync(ws)  # "Read" is not due yet; "Unread" must wait behind it
    with ws.store.write() as conn:
        conn.execute("UPDATE outbox SET next_attempt = 0")
    sync(ws)
    assert [a.verb for a in server.performed] == ["Read", "Read", "Unread"]
    assert _outbox(ws) == []
    assert not all_items(ws)["r1"].flags.read


def test_permanent_error_marks_the_action_failed(ws: Workstation, plugin: ScriptedPlugin,
                                                 profile_dir: Path, run_cli: RunCli) -> None:
    ids = _prepared(ws, plugin)
    ws.mark(ids[:2], "star")
    server = plugin.server("mail")
    server.action_errors = [PermanentActionError("No such message on the server"), None]
    (result,) = sync(ws)
    assert result.ok
    assert result.actions_sent == 1  # the second still went through
    (failed,) = _outbox(ws)
    assert failed.state == "failed"
    assert failed.last_error == "No such message on the server"
    assert failed.attempts == 1
    sync(ws)
    assert len(server.performed) == 2  # never retried
    (info,) = ws.sources()
    assert (info.pending_actions, info.failed_actions) == (0, 1)
    ws.close()

    listed = run_cli("--profile", str(profile_dir), "source", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    (entry,) = json.loads(listed.stdout)
    assert entry["name"] == "mail"
    assert entry["failed_actions"] == 1
    assert entry["pending_actions"] == 0
    text = run_cli("--profile", str(profile_dir), "source", "list")
    assert "1 actions FAILED" in text.stdout


def test_removing_a_source_drops_its_outbox_and_state(ws: Workstation,
                                                      plugin: ScriptedPlugin) -> None:
    ids = _prepared(ws, plugin)
    ws.mark(ids, "read")
    assert len(_outbox(ws)) == 3
    assert ws.remove_source("mail")
    assert _outbox(ws) == []
    assert ws.store.read().execute("SELECT count(*) FROM sync_state").fetchone()[0] == 0
    assert all_items(ws) == {}
    assert not ws.remove_source("mail")

