"""Application services: the one layer the UI and the CLI talk to."""

from workstation.app.demo import populate_demo, populate_demo_async
from workstation.app.services import MARK_ACTIONS, SidebarCounts, SourceInfo, Workstation
from workstation.core.changes import ChangeSet
from workstation.core.search import SearchSyntaxError
from workstation.profile import ProfileLockedError, resolve_profile_dir
from workstation.store.queries import ItemFilter, Page
from workstation.sync.runner import SyncResult

__all__ = [
    "MARK_ACTIONS",
    "ChangeSet",
    "ItemFilter",
    "Page",
    "ProfileLockedError",
    "SearchSyntaxError",
    "SidebarCounts",
    "SourceInfo",
    "SyncResult",
    "Workstation",
    "populate_demo",
    "populate_demo_async",
    "resolve_profile_dir",
]
