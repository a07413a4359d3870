"""What the host offers plugin commands: managing source instances.

A plugin's CLI commands (``workstation_cli_commands``) receive a
:class:`HostServices`. It opens the user's profile only when first used, so
``--help`` stays instant.

Example, a plugin command that adds a source::

    @click.command("hello-add")
    @click.argument("name")
    def hello_add(name: str) -> None:
        host.add_source(name, "hello", {"greeting": "hi"})
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from workstation.api.source import SecretStore


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """A configured source instance, as plugins see it."""

    name: str
    type: str
    config: Mapping[str, Any] = field(default_factory=dict)
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    """What one source's sync did."""

    source: str
    added: int = 0
    updated: int = 0
    removed: int = 0
    error: str | None = None


class HostServices(Protocol):
    def list_sources(self, type_: str | None = None) -> list[SourceConfig]:
        """Configured sources, optionally of one type."""

    def add_source(self, name: str, type_: str, config: Mapping[str, Any]) -> None:
        """Add a source instance (raises ValueError if the name is taken)."""

    def update_source(self, name: str, config: Mapping[str, Any]) -> None:
        """Replace a source's (non-secret) settings."""

    def remove_source(self, name: str) -> None:
        """Remove a source and the items it brought in."""

    def set_source_state(self, name: str, key: str, value: Any) -> None:
        """Write a value the source reads with ``ctx.get_state`` (e.g. "force_next")."""

    def get_source_state(self, name: str, key: str, default: Any = None) -> Any:
        """Read a value the source wrote with ``ctx.set_state``."""

    def source_secrets(self, name: str) -> SecretStore:
        """The same keyring scope the source's ``ctx.secrets`` uses."""

    def sync(self, names: Sequence[str]) -> list[SyncOutcome]:
        """Sync these sources now (blocking; for commands)."""
