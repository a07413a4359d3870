"""What the host hands each source instance: the ``SourceContext`` of the API."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from workstation.api.source import SecretStore
from workstation.store import sync_state
from workstation.sync.writer import Writer


class HostSourceContext:
    def __init__(self, name: str, config: Mapping[str, Any], data_root: Path,
                 writer: Writer) -> None:
        self._name = name
        self._config = dict(config)
        self._data_root = data_root
        self._writer = writer

    @property
    def name(self) -> str:
        return self._name

    @property
    def config(self) -> Mapping[str, Any]:
        return self._config

    @property
    def log(self) -> logging.Logger:
        return logging.getLogger(f"workstation.source.{self._name}")

    @property
    def data_dir(self) -> Path:
        path = self._data_root / "sources" / _safe(self._name)
        for part in (self._data_root, self._data_root / "sources", path):
            part.mkdir(exist_ok=True, mode=0o700)
        return path

    @cached_property
    def secrets(self) -> SecretStore:
        # Imported here: the keyring backend is only touched by sources that
        # really need a secret, so the demo runs on a machine without one.
        from workstation.secrets import Secrets, source_scope

        return Secrets().scoped(source_scope(self._name))

    def get_state(self, key: str, default: Any = None) -> Any:
        return sync_state.get_state(self._writer.store.read(), self._name, key, default)

    def set_state(self, key: str, value: Any) -> None:
        self._writer.run_sync(lambda c: sync_state.set_state(c, self._name, key, value))


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name) or "_"
