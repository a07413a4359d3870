"""What a source plugin implements: the :class:`Source` protocol.

A source turns a remote system (an IMAP account, a set of feeds, a social
stream) into :class:`~workstation.api.Item` batches, and replays the user's
actions (mark read, reply, like…) back to that system.

Example, the smallest useful source::

    class HelloSource:
        def __init__(self, ctx: SourceContext) -> None:
            self.ctx = ctx

        async def sync(self, sink: SyncSink) -> None:
            await sink.emit([Item(source=self.ctx.name, remote_id="hello",
                                  kind=ItemKind.POST, title="Hello")])

        async def perform(self, action: Action) -> None:
            raise PermanentActionError(f"{action.verb} is not supported")

        async def fetch_content(self, item: Item) -> Item:
            return item

        async def close(self) -> None:
            pass
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from workstation.api.model import Flags, Item


@dataclass(frozen=True, slots=True)
class Action:
    """A user action to replay on the server, as stored in the durable outbox.

    ``verb`` is one of the AS2 activity names the source understands
    ("Read", "Unread", "Star", "Unstar", "Archive", "Delete", "Move",
    "Like", "Announce", "Create"…); ``params`` holds its arguments.
    """

    verb: str
    item_remote_id: str | None = None
    item_remote: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)


class ActionError(Exception):
    """An action could not be replayed. The message is shown to the user."""


class TemporaryActionError(ActionError):
    """Try again later (network down, server busy): the outbox keeps the action."""


class PermanentActionError(ActionError):
    """The server refused for good: the user is told, the action is not retried."""


class SecretStore(Protocol):
    """Secrets scoped to one source or plugin, kept in the OS keyring only."""

    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: str) -> None: ...
    def delete(self, key: str) -> None: ...


class SourceContext(Protocol):
    """What the host gives a source instance."""

    @property
    def name(self) -> str: ...  # the instance name chosen by the user ("work-mail")
    @property
    def config(self) -> Mapping[str, Any]: ...  # non-secret settings of this instance
    @property
    def log(self) -> logging.Logger: ...
    @property
    def data_dir(self) -> Path: ...  # a private directory for caches
    @property
    def secrets(self) -> SecretStore: ...
    def get_state(self, key: str, default: Any = None) -> Any: ...
    def set_state(self, key: str, value: Any) -> None: ...


class SyncSink(Protocol):
    """Where a running sync sends what it found. Every call is one transaction."""

    async def emit(self, items: Sequence[Item]) -> None:
        """Insert or update a batch of items (matched by ``remote_id``)."""

    async def set_flags(self, changes: Mapping[str, Flags]) -> None:
        """Flags changed on the server, by ``remote_id``."""

    async def remove(self, remote_ids: Sequence[str]) -> None:
        """These items no longer exist on the server."""

    async def expire(self, remote_ids: Sequence[str]) -> None:
        """Retention: drop these old items, except those the user starred."""

    def progress(self, done: int, total: int | None = None, message: str = "") -> None:
        """Report progress (shown by the CLI progress bar and the status bar)."""


@runtime_checkable
class Source(Protocol):
    """A configured source instance."""

    async def sync(self, sink: SyncSink) -> None:
        """Bring the store up to date. Raise :class:`SourceError` with a plain reason."""

    async def perform(self, action: Action) -> None:
        """Replay one outbox action on the server."""

    async def fetch_content(self, item: Item) -> Item:
        """Return ``item`` with ``content`` filled in (bodies are fetched lazily)."""

    async def close(self) -> None:
        """Release connections."""


class SourceError(Exception):
    """A sync failed. The message is a plain sentence for the user."""


@dataclass(frozen=True, slots=True)
class SourceType:
    """A kind of source a plugin offers ("imap", "feeds"…)."""

    name: str
    display_name: str
    factory: Callable[[SourceContext], Source]
    description: str = ""
    read_only: bool = False  # True for sources that have nothing to sync (the demo)
