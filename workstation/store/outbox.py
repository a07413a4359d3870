"""The durable outbox: user actions waiting for the server to confirm them.

An action is written in the same transaction as its optimistic local change,
so a crash can lose neither. Replaying deletes a row only once the source
confirms; a temporary failure backs off (30 s, doubling, at most an hour); a
permanent one is kept, marked failed, and shown to the user.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_BACKOFF_MS = 3600_000
FIRST_BACKOFF_MS = 30_000


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    id: int
    source: str
    item_id: int | None
    verb: str
    payload: dict[str, Any]
    state: str
    attempts: int
    last_error: str | None


def _now_ms() -> int:
    return int(time.time() * 1000)


def enqueue(conn: sqlite3.Connection, source: str, verb: str, *, item_id: int | None = None,
            payload: Mapping[str, Any] | None = None) -> int:
    now = _now_ms()
    cur = conn.execute(
        "INSERT INTO outbox(source, item_id, verb, payload, created, next_attempt)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (source, item_id, verb, json.dumps(dict(payload or {}), ensure_ascii=False), now, now))
    assert cur.lastrowid is not None
    return cur.lastrowid


def _entry(row: sqlite3.Row | tuple[Any, ...]) -> OutboxEntry:
    return OutboxEntry(id=row[0], source=row[1], item_id=row[2], verb=row[3],
                       payload=json.loads(row[4]), state=row[5], attempts=row[6],
                       last_error=row[7])


_COLS = "id, source, item_id, verb, payload, state, attempts, last_error"


def due(conn: sqlite3.Connection, source: str, *, now_ms: int | None = None) -> list[OutboxEntry]:
    """Pending actions of a source whose time has come, oldest first.

    Stops before the first action still waiting out a back-off: the server
    must see the user's actions in the order they were made (read, then
    unread, must not arrive as unread, then read).
    """
    now = _now_ms() if now_ms is None else now_ms
    rows = conn.execute(
        f"SELECT {_COLS} FROM outbox WHERE source = ? AND state = 'pending'"  # noqa: S608
        " AND next_attempt <= ? AND id < coalesce((SELECT min(id) FROM outbox"
        " WHERE source = ? AND state = 'pending' AND next_attempt > ?), 9223372036854775807)"
        " ORDER BY id", (source, now, source, now))
    return [_entry(r) for r in rows]


def entries(conn: sqlite3.Connection, source: str | None = None) -> list[OutboxEntry]:
    if source is None:
        rows = conn.execute(f"SELECT {_COLS} FROM outbox ORDER BY id")  # noqa: S608
    else:
        rows = conn.execute(f"SELECT {_COLS} FROM outbox WHERE source = ? ORDER BY id",  # noqa: S608
                            (source,))
    return [_entry(r) for r in rows]


def confirm(conn: sqlite3.Connection, entry_id: int) -> None:
    conn.execute("DELETE FROM outbox WHERE id = ?", (entry_id,))


def retry_later(conn: sqlite3.Connection, entry_id: int, error: str) -> None:
    row = conn.execute("SELECT attempts FROM outbox WHERE id = ?", (entry_id,)).fetchone()
    attempts = (row[0] if row else 0) + 1
    delay = min(FIRST_BACKOFF_MS * 2 ** (attempts - 1), MAX_BACKOFF_MS)
    conn.execute("UPDATE outbox SET attempts = ?, next_attempt = ?, last_error = ? WHERE id = ?",
                 (attempts, _now_ms() + delay, error, entry_id))


def fail(conn: sqlite3.Connection, entry_id: int, error: str) -> None:
    conn.execute("UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?"
                 " WHERE id = ?", (error, entry_id))
