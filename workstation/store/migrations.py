"""Named migration sets with a schema version each (core, and one per plugin).

A set is an ordered list of steps; the profile records how far each set went
in ``_migrations``. Opening a profile applies the missing steps of every set,
each step in its own transaction. A profile that went further than this build
knows (made by a newer Workstation) is refused rather than damaged.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

# A step is an SQL script, or a function for data migrations that need Python.
# A function must use ``conn.execute`` only: ``executescript`` would commit the
# step's transaction half-way.
Step = str | Callable[[sqlite3.Connection], None]


class SchemaTooNewError(RuntimeError):
    """The profile was written by a newer version of Workstation."""


@dataclass(frozen=True)
class MigrationSet:
    """``steps[0]`` brings the set to version 1, ``steps[1]`` to version 2, …"""

    name: str
    steps: Sequence[Step]

    @property
    def latest(self) -> int:
        return len(self.steps)


def _ensure_table(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS _migrations ("
        " set_name TEXT PRIMARY KEY, version INTEGER NOT NULL, applied TEXT NOT NULL)"
    )


def applied_versions(conn: sqlite3.Connection) -> dict[str, int]:
    """What each set's version is in this database (empty for a new one)."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='_migrations'"
    ).fetchone()
    if not exists:
        return {}
    return dict(conn.execute("SELECT set_name, version FROM _migrations"))


def check_not_newer(conn: sqlite3.Connection, sets: Sequence[MigrationSet]) -> None:
    """Raise :class:`SchemaTooNewError` if a set is ahead of what this build knows."""
    current = applied_versions(conn)
    for mset in sets:
        have = current.get(mset.name, 0)
        if have > mset.latest:
            raise SchemaTooNewError(
                f"This profile was written by a newer version of Workstation "
                f"(its '{mset.name}' schema is version {have}; this version knows up to "
                f"{mset.latest}). Update Workstation, or open another profile with --profile."
            )


def pending(conn: sqlite3.Connection, sets: Sequence[MigrationSet]) -> int:
    """How many steps are missing in all sets."""
    current = applied_versions(conn)
    return sum(max(0, s.latest - current.get(s.name, 0)) for s in sets)


def migrate(conn: sqlite3.Connection, sets: Sequence[MigrationSet],
            *, upto: dict[str, int] | None = None) -> list[tuple[str, int]]:
    """Apply what is missing; return the ``(set, version)`` steps applied.

    ``upto`` stops a set at a given version (used to build old profiles for
    the upgrade tests).
    """
    check_not_newer(conn, sets)
    _ensure_table(conn)
    done: list[tuple[str, int]] = []
    for mset in sets:
        have = applied_versions(conn).get(mset.name, 0)
        target = min(mset.latest, (upto or {}).get(mset.name, mset.latest))
        for version in range(have + 1, target + 1):
            step = mset.steps[version - 1]
            record = (  # noqa: S608 (the name is ours, the version an int)
                "INSERT INTO _migrations(set_name, version, applied) VALUES ('{name}', {version},"
                " '{when}') ON CONFLICT(set_name) DO UPDATE SET version=excluded.version,"
                " applied=excluded.applied"
            ).format(name=mset.name.replace("'", "''"), version=int(version),
                     when=datetime.now(UTC).isoformat(timespec="seconds"))
            try:
                if isinstance(step, str):
                    conn.executescript(f"BEGIN IMMEDIATE;\n{step}\n;{record};\nCOMMIT;")
                else:
                    conn.execute("BEGIN IMMEDIATE")
                    step(conn)
                    conn.execute(record)
                    conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            done.append((mset.name, version))
    return done
