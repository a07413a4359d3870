"""Change sets: what a mutation changed, so views refresh only that.

Every write of the app returns a :class:`ChangeSet`; the UI looks at it and
decides what to repaint (Anki's ``OpChanges``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class ChangeSet:
    added: set[int] = field(default_factory=set)
    updated: set[int] = field(default_factory=set)
    removed: set[int] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)  # sources whose counts may have moved

    def __bool__(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.sources)

    def merge(self, other: ChangeSet) -> ChangeSet:
        self.added |= other.added
        self.updated |= other.updated - self.added
        self.removed |= other.removed
        self.added -= self.removed
        self.updated -= self.removed
        self.sources |= other.sources
        return self
