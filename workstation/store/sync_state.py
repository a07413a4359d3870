"""Per-source sync state (UIDVALIDITY, ETags, cursors…), as JSON values."""

from __future__ import annotations

import json
import sqlite3
from typing import Any


def get_state(conn: sqlite3.Connection, source: str, key: str, default: Any = None) -> Any:
    row = conn.execute("SELECT value FROM sync_state WHERE source = ? AND key = ?",
                       (source, key)).fetchone()
    return default if row is None else json.loads(row[0])


def set_state(conn: sqlite3.Connection, source: str, key: str, value: Any) -> None:
    conn.execute(
        "INSERT INTO sync_state(source, key, value) VALUES (?, ?, ?)"
        " ON CONFLICT(source, key) DO UPDATE SET value = excluded.value",
        (source, key, json.dumps(value, ensure_ascii=False)))


def clear_state(conn: sqlite3.Connection, source: str) -> None:
    conn.execute("DELETE FROM sync_state WHERE source = ?", (source,))
