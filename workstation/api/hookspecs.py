"""The hooks a plugin may implement. This module is the one list of them.

Implement a hook with :data:`hookimpl`::

    from workstation.api import hookimpl, SourceType

    @hookimpl
    def workstation_source_types() -> list[SourceType]:
        return [SourceType("hello", "Hello", HelloSource)]
"""

from __future__ import annotations

import pluggy

from workstation.api.source import SourceType

PROJECT = "workstation"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def workstation_source_types() -> list[SourceType]:  # type: ignore[empty-body]
    """Return the source types this plugin provides."""
