"""Finding and loading plugins, including our own sources.

Plugins are found through the ``workstation.plugins`` entry-point group.
``WORKSTATION_LOAD_PLUGINS`` (a comma-separated list of entry-point names,
possibly empty) limits which ones load — handy to rule a plugin out when
hunting a problem; ``WORKSTATION_TRACE_HOOKS=1`` logs every hook call.
"""

from __future__ import annotations

import logging
import os
from importlib.metadata import entry_points
from types import ModuleType

import pluggy

from workstation.api import hookspecs
from workstation.api.hookspecs import PROJECT
from workstation.api.source import SourceType

ENTRY_POINT_GROUP = "workstation.plugins"
ENV_LOAD = "WORKSTATION_LOAD_PLUGINS"
ENV_TRACE = "WORKSTATION_TRACE_HOOKS"

log = logging.getLogger(__name__)


class PluginHost:
    """The pluggy manager and what the plugins contributed.

    Example::

        host = PluginHost.discover()
        feeds = host.source_types()["feeds"]
    """

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.load_errors: dict[str, str] = {}
        if os.environ.get(ENV_TRACE) == "1":
            self.pm.trace.root.setwriter(lambda msg: log.debug("hook: %s", msg.rstrip()))
            self.pm.enable_tracing()

    @classmethod
    def discover(cls) -> PluginHost:
        host = cls()
        allowed = os.environ.get(ENV_LOAD)
        names = None if allowed is None else {n.strip() for n in allowed.split(",") if n.strip()}
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if names is not None and ep.name not in names:
                continue
            try:
                module = ep.load()
            except Exception as exc:
                # A broken plugin must not take the app down: note it and go on.
                host.load_errors[ep.name] = f"{type(exc).__name__}: {exc}"
                log.warning("plugin %s failed to load: %s", ep.name, exc)
                continue
            host.register(module, ep.name)
        return host

    def register(self, plugin: ModuleType | object, name: str) -> None:
        if self.pm.get_plugin(name) is None:
            self.pm.register(plugin, name=name)

    def source_types(self) -> dict[str, SourceType]:
        found: dict[str, SourceType] = {}
        for batch in self.pm.hook.workstation_source_types():
            for st in batch:
                found.setdefault(st.name, st)
        return found
