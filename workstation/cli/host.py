"""The ``HostServices`` that plugin commands receive, backed by the CLI's profile."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from workstation.api.host import SourceConfig, SyncOutcome
from workstation.api.source import SecretStore
from workstation.app.services import Workstation


class CliHost:
    """Opens the profile (for writing) the first time a plugin command needs it."""

    def __init__(self, open_app: Callable[[], Workstation]) -> None:
        self._open_app = open_app

    @property
    def app(self) -> Workstation:
        return self._open_app()

    def list_sources(self, type_: str | None = None) -> list[SourceConfig]:
        from workstation.store.sources import list_sources

        return [SourceConfig(r.name, r.type, dict(r.config), r.last_error)
                for r in list_sources(self.app.store.read()) if type_ in (None, r.type)]

    def add_source(self, name: str, type_: str, config: Mapping[str, Any]) -> None:
        self.app.add_source(name, type_, dict(config))

    def update_source(self, name: str, config: Mapping[str, Any]) -> None:
        self.app.update_source(name, dict(config))

    def remove_source(self, name: str) -> None:
        if not self.app.remove_source(name):
            raise ValueError(f"No source named '{name}'.")

    def set_source_state(self, name: str, key: str, value: Any) -> None:
        self.app.set_source_state(name, key, value)

    def get_source_state(self, name: str, key: str, default: Any = None) -> Any:
        return self.app.get_source_state(name, key, default)

    def source_secrets(self, name: str) -> SecretStore:
        from workstation.secrets import Secrets, source_scope

        return Secrets().scoped(source_scope(name))

    def sync(self, names: Sequence[str]) -> list[SyncOutcome]:
        app = self.app

        async def run() -> list[SyncOutcome]:
            try:
                results = await app.sync(list(names))
            finally:
                await app.close_sources()
            return [SyncOutcome(r.source, r.added, r.updated, r.removed, r.error)
                    for r in results]

        return asyncio.run(run())
