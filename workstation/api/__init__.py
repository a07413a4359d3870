"""The public plugin API of Workstation: the only module plugins import.

Everything listed in ``__all__`` is stable within an API major version
(see :data:`API_VERSION` and docs/plugins.md); everything else in the
``workstation`` package is private and may change at any time.
"""

from workstation.api.hookspecs import hookimpl
from workstation.api.host import HostServices, SourceConfig, SyncOutcome
from workstation.api.model import (
    Attachment,
    Flags,
    Identity,
    IdentityKind,
    Item,
    ItemKind,
    Person,
    Score,
)
from workstation.api.source import (
    Action,
    ActionError,
    PermanentActionError,
    SecretStore,
    Source,
    SourceContext,
    SourceError,
    SourceType,
    SyncSink,
    TemporaryActionError,
)
from workstation.api.version import API_VERSION

__all__ = [
    "API_VERSION",
    "Action",
    "ActionError",
    "Attachment",
    "Flags",
    "HostServices",
    "Identity",
    "IdentityKind",
    "Item",
    "ItemKind",
    "PermanentActionError",
    "Person",
    "Score",
    "SecretStore",
    "Source",
    "SourceConfig",
    "SourceContext",
    "SourceError",
    "SourceType",
    "SyncOutcome",
    "SyncSink",
    "TemporaryActionError",
    "hookimpl",
]
