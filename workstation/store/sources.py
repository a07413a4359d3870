"""The configured source instances of a profile (non-secret settings only)."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class SourceRecord:
    name: str
    type: str
    config: dict[str, Any]
    enabled: bool
    last_sync: int | None
    last_error: str | None


def add_source(conn: sqlite3.Connection, name: str, type_: str, config: dict[str, Any]) -> None:
    try:
        conn.execute("INSERT INTO sources(name, type, config, created) VALUES (?, ?, ?, ?)",
                     (name, type_, json.dumps(config, ensure_ascii=False),
                      int(time.time() * 1000)))
    except sqlite3.IntegrityError:
        raise ValueError(f"A source named '{name}' already exists.") from None


def list_sources(conn: sqlite3.Connection) -> list[SourceRecord]:
    return [SourceRecord(r[0], r[1], json.loads(r[2]), bool(r[3]), r[4], r[5])
            for r in conn.execute("SELECT name, type, config, enabled, last_sync, last_error"
                                  " FROM sources ORDER BY name COLLATE NOCASE")]


def get_source(conn: sqlite3.Connection, name: str) -> SourceRecord | None:
    return next((s for s in list_sources(conn) if s.name == name), None)


def record_sync(conn: sqlite3.Connection, name: str, error: str | None) -> None:
    if error is None:
        conn.execute("UPDATE sources SET last_sync = ?, last_error = NULL WHERE name = ?",
                     (int(time.time() * 1000), name))
    else:
        conn.execute("UPDATE sources SET last_error = ? WHERE name = ?", (error, name))


def update_config(conn: sqlite3.Connection, name: str, config: dict[str, Any]) -> bool:
    return conn.execute("UPDATE sources SET config = ? WHERE name = ?",
                        (json.dumps(config, ensure_ascii=False), name)).rowcount > 0


def delete_source(conn: sqlite3.Connection, name: str) -> bool:
    for table in ("items", "outbox", "sync_state"):
        conn.execute(f"DELETE FROM {table} WHERE source = ?", (name,))  # noqa: S608 (fixed names)
    return conn.execute("DELETE FROM sources WHERE name = ?", (name,)).rowcount > 0
