"""The application services: what the UI and the CLI call.

:class:`Workstation` is the one front door to a profile. Reads are cheap and
bounded (one keyset page, one item), so callers may run them where they
like; writes go through the single writer thread and return a
:class:`~workstation.core.changes.ChangeSet` that is also sent to listeners.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from workstation.api.model import Item
from workstation.core.changes import ChangeSet
from workstation.core.search import parse
from workstation.plugin_host.manager import PluginHost
from workstation.profile import Profile, ProfileLock
from workstation.store import items as store_items
from workstation.store import outbox as store_outbox
from workstation.store import queries, sync_state
from workstation.store import sources as store_sources
from workstation.store.db import Store
from workstation.store.queries import ItemFilter, Page
from workstation.sync.runner import ProgressFn, SyncResult, SyncRunner
from workstation.sync.writer import Writer

log = logging.getLogger(__name__)

MARK_ACTIONS: dict[str, tuple[str, bool, str]] = {
    # action: (flag, value, verb replayed on the server)
    "read": ("read", True, "Read"),
    "unread": ("read", False, "Unread"),
    "star": ("starred", True, "Star"),
    "unstar": ("starred", False, "Unstar"),
    "archive": ("archived", True, "Archive"),
    "unarchive": ("archived", False, "Unarchive"),
    "mute": ("muted", True, "Mute"),
    "unmute": ("muted", False, "Unmute"),
}


@dataclass(frozen=True, slots=True)
class SourceInfo:
    name: str
    type: str
    display_type: str
    folders: tuple[str, ...]
    unread: int
    total: int
    pending_actions: int
    failed_actions: int
    last_sync: int | None
    last_error: str | None
    plugin_missing: bool


@dataclass(frozen=True, slots=True)
class SidebarCounts:
    inbox_unread: int
    starred: int
    mentions_unread: int
    per_folder: dict[tuple[str, str | None], int]


class Workstation:
    """An open profile.

    Example::

        app = Workstation.open(Path("~/ws").expanduser())
        page = app.list_items(ItemFilter(unread=True))
        app.mark([page.items[0].id], "read")
        app.close()
    """

    def __init__(self, profile: Profile, store: Store, host: PluginHost,
                 lock: ProfileLock | None) -> None:
        self.profile = profile
        self.store = store
        self.host = host
        self._lock = lock
        self._listeners: list[Callable[[ChangeSet], None]] = []
        self._writer = Writer(store) if store.writable else None
        self._runner: SyncRunner | None = None

    @classmethod
    def open(cls, path: Path, *, write: bool = True, wait: float = 0.0,
             host: PluginHost | None = None) -> Workstation:
        """Open a profile; ``write`` takes the profile lock (waiting ``wait`` s)."""
        profile = Profile.create(path)
        lock = profile.lock(wait=wait).acquire() if write else None
        try:
            store = Store.open(profile.db_path, readonly=not write)
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        return cls(profile, store, host or PluginHost.discover(), lock)

    # -- change notification ------------------------------------------------
    def add_listener(self, fn: Callable[[ChangeSet], None]) -> None:
        self._listeners.append(fn)

    def _notify(self, changes: ChangeSet) -> None:
        if not changes:
            return
        for fn in list(self._listeners):
            try:
                fn(changes)
            except Exception:
                log.exception("a change listener failed")

    @property
    def writer(self) -> Writer:
        if self._writer is None:
            raise RuntimeError("This profile is open read-only.")
        return self._writer

    # -- reads --------------------------------------------------------------
    def list_items(self, f: ItemFilter | None = None, *, cursor: int | None = None,
                   limit: int = 50) -> Page:
        return queries.page(self.store.read(), f or ItemFilter(), cursor=cursor, limit=limit)

    def search(self, text: str, *, base: ItemFilter | None = None, cursor: int | None = None,
               limit: int = 50) -> Page:
        """Search with the search language (raises SearchSyntaxError on bad input).

        Search covers archived items too, unless ``base`` says otherwise.
        """
        base = base or ItemFilter(archived=None)
        f = dataclasses.replace(base, query=parse(text))
        return queries.page(self.store.read(), f, cursor=cursor, limit=limit)

    def get_item(self, item_id: int) -> Item | None:
        return queries.get_item(self.store.read(), item_id)

    def thread(self, thread: str) -> list[Item]:
        return queries.thread_items(self.store.read(), thread)

    def sources(self) -> list[SourceInfo]:
        conn = self.store.read()
        types = self.host.source_types()
        out = []
        for rec in store_sources.list_sources(conn):
            folders = tuple(rec.config.get("folders") or [
                r[0] for r in conn.execute(
                    "SELECT DISTINCT folder FROM items WHERE source = ? AND folder IS NOT NULL"
                    " ORDER BY folder", (rec.name,))])
            unread = queries.count(conn, ItemFilter(source=rec.name, unread=True))
            total = queries.count(conn, ItemFilter(source=rec.name, archived=None))
            box = store_outbox.entries(conn, rec.name)
            st = types.get(rec.type)
            out.append(SourceInfo(
                name=rec.name, type=rec.type, display_type=st.display_name if st else rec.type,
                folders=folders, unread=unread, total=total,
                pending_actions=sum(e.state == "pending" for e in box),
                failed_actions=sum(e.state == "failed" for e in box),
                last_sync=rec.last_sync, last_error=rec.last_error, plugin_missing=st is None))
        return out

    def sidebar_counts(self) -> SidebarCounts:
        conn = self.store.read()
        return SidebarCounts(
            inbox_unread=queries.count(conn, ItemFilter(unread=True)),
            starred=queries.count(conn, ItemFilter(starred=True, archived=None)),
            mentions_unread=queries.count(conn, ItemFilter(unread=True, mentions=True)),
            per_folder=queries.unread_counts(conn))

    def saved_searches(self) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self.store.read().execute(
            "SELECT name, query FROM saved_searches ORDER BY position, name")]

    # -- writes -------------------------------------------------------------
    def mark(self, ids: Sequence[int], action: str) -> ChangeSet:
        """Change a flag locally and queue the same change for the server."""
        if action not in MARK_ACTIONS:
            raise ValueError(f"Unknown action '{action}'; use one of {', '.join(MARK_ACTIONS)}.")
        flag, value, verb = MARK_ACTIONS[action]
        read_only = {n for n, st in self.host.source_types().items() if st.read_only}
        types = {r.name: r.type for r in store_sources.list_sources(self.store.read())}

        def run(conn: sqlite3.Connection) -> ChangeSet:
            changes = store_items.set_flag(conn, ids, flag, value)
            for item_id in sorted(changes.updated):
                row = conn.execute("SELECT source, remote_id, remote FROM items WHERE id = ?",
                                   (item_id,)).fetchone()
                if types.get(row[0]) in read_only:
                    continue
                store_outbox.enqueue(conn, row[0], verb, item_id=item_id, payload={
                    "remote_id": row[1], "remote": json.loads(row[2] or "{}")})
            return changes

        changes = self.writer.run_sync(run)
        self._notify(changes)
        return changes

    def add_source(self, name: str, type_: str, config: dict[str, object]) -> None:
        if type_ not in self.host.source_types():
            raise ValueError(f"No installed plugin provides sources of type '{type_}'.")
        self.writer.run_sync(lambda c: store_sources.add_source(c, name, type_, dict(config)))
        self._notify(ChangeSet(sources={name}))

    def update_source(self, name: str, config: dict[str, object]) -> None:
        """Replace a source's settings; a live instance picks them up at next start."""
        if not self.writer.run_sync(lambda c: store_sources.update_config(c, name, config)):
            raise ValueError(f"No source named '{name}'.")
        if self._runner is not None:
            self._runner.forget(name)
        self._notify(ChangeSet(sources={name}))

    def get_source_state(self, name: str, key: str, default: object = None) -> object:
        return sync_state.get_state(self.store.read(), name, key, default)

    def set_source_state(self, name: str, key: str, value: object) -> None:
        self.writer.run_sync(lambda c: sync_state.set_state(c, name, key, value))

    def remove_source(self, name: str) -> bool:
        """Forget a source and everything it brought (its secrets are the caller's)."""
        removed = self.writer.run_sync(lambda c: store_sources.delete_source(c, name))
        self._notify(ChangeSet(sources={name}))
        return removed

    def _sync_runner(self) -> SyncRunner:
        if self._runner is None:
            self._runner = SyncRunner(self.writer, self.host.source_types(),
                                      self.profile.data_dir)
        return self._runner

    async def sync(self, names: Sequence[str] | None = None, *,
                   on_progress: ProgressFn | None = None) -> list[SyncResult]:
        """Sync the named sources (all enabled ones by default)."""
        records = store_sources.list_sources(self.store.read())
        if names:
            known = {r.name for r in records}
            unknown = [n for n in names if n not in known]
            if unknown:
                raise ValueError(f"No source named {', '.join(repr(n) for n in unknown)}; "
                                 "see 'workstation source list'.")
            records = [r for r in records if r.name in names]
        else:
            records = [r for r in records if r.enabled]
        return await self._sync_runner().sync(records, on_progress=on_progress,
                                              on_change=self._notify)

    async def close_sources(self) -> None:
        """Let live sources log out and close connections (call before close)."""
        if self._runner is not None:
            await self._runner.close()
            self._runner = None

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self.store.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

