"""The hooks a plugin may implement. This module is the one list of them.

Implement a hook with :data:`hookimpl`::

    from workstation.api import hookimpl, SourceType

    @hookimpl
    def workstation_source_types() -> list[SourceType]:
        return [SourceType("hello", "Hello", HelloSource)]
"""

from __future__ import annotations

from typing import Any

import pluggy

from workstation.api.host import HostServices
from workstation.api.source import SourceType

PROJECT = "workstation"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def workstation_source_types() -> list[SourceType]:  # type: ignore[empty-body]
    """Return the source types this plugin provides."""


@hookspec
def workstation_cli_commands(host: HostServices) -> list[Any]:  # type: ignore[empty-body]
    """Return click commands (or groups) to add to the ``workstation`` command.

    ``host`` manages source instances in the user's profile; it opens the
    profile on first use.
    """
