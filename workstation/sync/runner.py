"""Running sources: sync into the store, and replay the outbox to the server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from workstation.api.model import Flags, Item
from workstation.api.source import (
    Action,
    PermanentActionError,
    Source,
    SourceError,
    SourceType,
    TemporaryActionError,
)
from workstation.core.changes import ChangeSet
from workstation.store import items as store_items
from workstation.store import outbox
from workstation.store.sources import SourceRecord, record_sync
from workstation.sync.context import HostSourceContext
from workstation.sync.pipeline import ingest
from workstation.sync.writer import Writer

log = logging.getLogger(__name__)

ProgressFn = Callable[[str, int, int | None, str], None]
ChangeFn = Callable[[ChangeSet], None]


@dataclass
class SyncResult:
    source: str
    added: int = 0
    updated: int = 0
    removed: int = 0
    actions_sent: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class _Sink:
    """The ``SyncSink`` of one source run: batches go to the writer thread."""

    name: str
    writer: Writer
    result: SyncResult
    on_progress: ProgressFn | None
    on_change: ChangeFn | None
    seen: set[str] = field(default_factory=set)

    async def emit(self, items: Sequence[Item]) -> None:
        own = [i if i.source == self.name else i.replace(source=self.name) for i in items]
        changes = await self.writer.run(lambda c: ingest(c, own))
        self.result.added += len(changes.added)
        self.result.updated += len(changes.updated)
        self._changed(changes)

    async def set_flags(self, changes: Mapping[str, Flags]) -> None:
        cs = await self.writer.run(lambda c: store_items.set_remote_flags(c, self.name, changes))
        self._changed(cs)

    async def remove(self, remote_ids: Sequence[str]) -> None:
        cs = await self.writer.run(lambda c: store_items.remove_items(c, self.name, remote_ids))
        self.result.removed += len(cs.removed)
        self._changed(cs)

    async def expire(self, remote_ids: Sequence[str]) -> None:
        cs = await self.writer.run(
            lambda c: store_items.remove_items(c, self.name, remote_ids, keep_starred=True))
        self.result.removed += len(cs.removed)
        self._changed(cs)

    def progress(self, done: int, total: int | None = None, message: str = "") -> None:
        if self.on_progress is not None:
            self.on_progress(self.name, done, total, message)

    def _changed(self, changes: ChangeSet) -> None:
        if changes and self.on_change is not None:
            self.on_change(changes)


class SyncRunner:
    def __init__(self, writer: Writer, types: Mapping[str, SourceType], data_root: Path) -> None:
        self.writer = writer
        self.types = types
        self.data_root = data_root
        self._instances: dict[str, Source] = {}

    def instance(self, record: SourceRecord) -> Source:
        """The live source object for a configured source (created once)."""
        src = self._instances.get(record.name)
        if src is None:
            st = self.types.get(record.type)
            if st is None:
                raise SourceError(
                    f"The source '{record.name}' needs the '{record.type}' plugin, "
                    "which is not installed or not enabled.")
            ctx = HostSourceContext(record.name, record.config, self.data_root, self.writer)
            src = st.factory(ctx)
            self._instances[record.name] = src
        return src

    def forget(self, name: str) -> None:
        """Drop a live instance (its settings changed); the next sync makes a new one."""
        self._instances.pop(name, None)

    async def sync_one(self, record: SourceRecord, *, on_progress: ProgressFn | None = None,
                       on_change: ChangeFn | None = None) -> SyncResult:
        result = SyncResult(record.name)
        try:
            source = self.instance(record)
            result.actions_sent = await self.replay_outbox(record.name, source)
            await source.sync(_Sink(record.name, self.writer, result, on_progress, on_change))
        except SourceError as exc:
            result.error = str(exc)
        except (TimeoutError, OSError) as exc:
            result.error = f"Network problem: {str(exc) or type(exc).__name__}"
        except Exception as exc:
            # A plugin's bug must not stop the other sources; the log has the trace.
            log.exception("source %s crashed during sync", record.name)
            result.error = f"Unexpected error in the '{record.type}' source: {exc}"
        await self.writer.run(lambda c: record_sync(c, record.name, result.error))
        return result

    async def sync(self, records: Sequence[SourceRecord], *,
                   on_progress: ProgressFn | None = None,
                   on_change: ChangeFn | None = None) -> list[SyncResult]:
        """Sync several sources concurrently; one failing never stops the others."""
        return list(await asyncio.gather(
            *(self.sync_one(r, on_progress=on_progress, on_change=on_change) for r in records)))

    async def replay_outbox(self, name: str, source: Source) -> int:
        sent = 0
        for entry in await self.writer.run(lambda c: outbox.due(c, name)):
            action = Action(verb=entry.verb, item_remote_id=entry.payload.get("remote_id"),
                            item_remote=entry.payload.get("remote", {}),
                            params=entry.payload.get("params", {}))
            try:
                await source.perform(action)
            except TemporaryActionError as exc:
                await self.writer.run(partial(outbox.retry_later, entry_id=entry.id,
                                              error=str(exc)))
                break  # the server is unhappy: keep the order, try again later
            except PermanentActionError as exc:
                await self.writer.run(partial(outbox.fail, entry_id=entry.id, error=str(exc)))
            else:
                await self.writer.run(partial(outbox.confirm, entry_id=entry.id))
                sent += 1
        return sent

    async def close(self) -> None:
        for src in self._instances.values():
            try:
                await src.close()
            except Exception:
                log.exception("closing a source failed")
        self._instances.clear()
