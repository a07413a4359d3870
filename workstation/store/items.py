"""Writing items: upsert batches, flags, removal, and reading one back.

Upsert semantics (what sources rely on):

* a new ``(source, remote_id)`` is inserted with the item's flags;
* a known one has its content fields updated in place, and keeps its flags
  and its place in the list (flags change through :func:`set_flags`, so an
  updated feed entry stays read).
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from workstation.api.model import Attachment, Flags, Item, ItemKind, Person, Score
from workstation.core.changes import ChangeSet
from workstation.core.text import INDEXED_TEXT_LIMIT, html_to_text, preview

_HASH_BITS = 20
_HASH_MASK = (1 << _HASH_BITS) - 1


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def to_ms(when: datetime | None) -> int | None:
    """Milliseconds since the epoch, exactly (float timestamps lose some)."""
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - _EPOCH) // _MS


def from_ms(ms: int | None) -> datetime | None:
    return None if ms is None else _EPOCH + ms * _MS


def make_sort_key(sort_ms: int, source: str, remote_id: str) -> int:
    """Time-ordered unique key: milliseconds in the high bits, a hash below.

    >>> make_sort_key(1000, "s", "a") >> 20
    1000
    """
    low = zlib.crc32(f"{source}\0{remote_id}".encode()) & _HASH_MASK
    return (max(sort_ms, 0) << _HASH_BITS) | low


def people_text(people: Iterable[Person]) -> str:
    """Names and handles, as the full-text index sees them."""
    parts: list[str] = []
    for p in people:
        parts.append(p.name)
        parts.extend(i.value for i in p.identities if i.value != p.name)
    return " ".join(parts)


def _indexed_text(item: Item) -> str:
    if item.content is None:
        body = item.summary
    elif item.content_type == "text/html":
        body = html_to_text(item.content)
    else:
        body = item.content
    return body[:INDEXED_TEXT_LIMIT]


def _row(item: Item) -> dict[str, Any]:
    text = _indexed_text(item)
    actor = item.actor
    received = to_ms(item.received) or 0
    sort_ts = to_ms(item.published) or received
    return {
        "source": item.source,
        "remote_id": item.remote_id,
        "kind": item.kind.value,
        "folder": item.folder,
        "title": item.title,
        "summary": item.summary or preview(text),
        "text": text,
        "url": item.url,
        "actor": json.dumps(actor.to_dict(), ensure_ascii=False) if actor else None,
        "actor_key": actor.identities[0].key() if actor and actor.identities else None,
        "sender": people_text([actor]) if actor else "",
        "recipients": json.dumps({"to": [p.to_dict() for p in item.to],
                                  "cc": [p.to_dict() for p in item.cc]}, ensure_ascii=False),
        "recipients_text": people_text((*item.to, *item.cc)),
        "thread": item.thread,
        "in_reply_to": item.in_reply_to,
        "published": to_ms(item.published),
        "updated": to_ms(item.updated),
        "received": received,
        "sort_ts": sort_ts,
        "is_read": int(item.flags.read),
        "is_starred": int(item.flags.starred),
        "is_archived": int(item.flags.archived),
        "is_muted": int(item.flags.muted),
        "mentions_me": int(item.mentions_me),
        "has_attachments": int(bool(item.attachments)),
        "attachments": json.dumps([a.to_dict() for a in item.attachments], ensure_ascii=False),
        "tags": json.dumps(list(item.tags), ensure_ascii=False),
        "score": item.score.value,
        "score_reasons": json.dumps(list(item.score.reasons), ensure_ascii=False),
        "remote": json.dumps(dict(item.remote), ensure_ascii=False, default=str),
        "language": item.language,
    }


# Fields refreshed when a known item arrives again; flags and sort_key stay.
_UPDATABLE = ("kind", "folder", "title", "summary", "text", "url", "actor", "actor_key",
              "sender", "recipients", "recipients_text", "thread", "in_reply_to", "published",
              "updated", "mentions_me", "has_attachments", "attachments", "tags", "remote",
              "language")
_INSERT_COLS = ("sort_key", *_row(Item(source="", remote_id="", kind=ItemKind.POST)).keys())
# Column names come from _row() and _UPDATABLE, never from input.
_INSERT_SQL = "INSERT INTO items ({}) VALUES ({})".format(  # noqa: S608
    ", ".join(_INSERT_COLS), ", ".join(":" + c for c in _INSERT_COLS))
_UPDATE_SQL = "UPDATE items SET {} WHERE id = :id".format(  # noqa: S608
    ", ".join(f"{c} = :{c}" for c in _UPDATABLE))


def upsert_items(conn: sqlite3.Connection, items: Sequence[Item]) -> ChangeSet:
    """Insert or update a batch (call inside one write transaction)."""
    changes = ChangeSet()
    for item in items:
        row = _row(item)
        existing = conn.execute(
            "SELECT id FROM items WHERE source = ? AND remote_id = ?",
            (item.source, item.remote_id)).fetchone()
        if existing is not None:
            item_id = int(existing[0])
            conn.execute(_UPDATE_SQL, {**row, "id": item_id})
            changes.updated.add(item_id)
        else:
            item_id = _insert(conn, row)
            changes.added.add(item_id)
        _write_tags(conn, item_id, item.tags)
        if item.content is not None:
            conn.execute(
                "INSERT INTO item_content(item_id, content, content_type) VALUES (?, ?, ?)"
                " ON CONFLICT(item_id) DO UPDATE SET content = excluded.content,"
                " content_type = excluded.content_type",
                (item_id, item.content, item.content_type))
        changes.sources.add(item.source)
    return changes


def _insert(conn: sqlite3.Connection, row: dict[str, Any]) -> int:
    key = make_sort_key(row["sort_ts"], row["source"], row["remote_id"])
    # Two items in the same millisecond with the same 20-bit hash: take the
    # next free key. Astronomically rare, but a batch must never fail on it.
    while conn.execute("SELECT 1 FROM items WHERE sort_key = ?", (key,)).fetchone():
        key += 1
    cur = conn.execute(_INSERT_SQL, {**row, "sort_key": key})
    assert cur.lastrowid is not None
    return cur.lastrowid


def _write_tags(conn: sqlite3.Connection, item_id: int, tags: Sequence[str]) -> None:
    conn.execute("DELETE FROM item_tags WHERE item_id = ?", (item_id,))
    if tags:
        conn.executemany(
            "INSERT OR IGNORE INTO item_tags(tag, sort_key, item_id)"
            " SELECT ?, sort_key, id FROM items WHERE id = ?",
            [(t, item_id) for t in dict.fromkeys(tags)])


FLAG_COLUMNS = {"read": "is_read", "starred": "is_starred", "archived": "is_archived",
                "muted": "is_muted"}


def set_flag(conn: sqlite3.Connection, ids: Sequence[int], flag: str, value: bool) -> ChangeSet:
    """Set one flag on items by id; only rows that really change are reported."""
    column = FLAG_COLUMNS[flag]
    changes = ChangeSet()
    for item_id in ids:
        cur = conn.execute(
            f"UPDATE items SET {column} = ? WHERE id = ? AND {column} != ? RETURNING source",  # noqa: S608 (column from a fixed map)
            (int(value), item_id, int(value)))
        row = cur.fetchone()
        if row is not None:
            changes.updated.add(item_id)
            changes.sources.add(row[0])
    return changes


def set_remote_flags(conn: sqlite3.Connection, source: str,
                     flags: Mapping[str, Flags]) -> ChangeSet:
    """Flags reported by the server, by remote id.

    ``muted`` is the user's local choice (servers have no such flag) and is
    left alone.
    """
    changes = ChangeSet()
    for remote_id, f in flags.items():
        row = conn.execute(
            "UPDATE items SET is_read = ?, is_starred = ?, is_archived = ?"
            " WHERE source = ? AND remote_id = ? AND (is_read, is_starred, is_archived)"
            " IS NOT (?, ?, ?) RETURNING id",
            (int(f.read), int(f.starred), int(f.archived), source, remote_id,
             int(f.read), int(f.starred), int(f.archived))).fetchone()
        if row is not None:
            changes.updated.add(int(row[0]))
            changes.sources.add(source)
    return changes


def remove_items(conn: sqlite3.Connection, source: str, remote_ids: Sequence[str],
                 *, keep_starred: bool = False) -> ChangeSet:
    """Delete items by remote id; ``keep_starred`` spares what the user starred."""
    changes = ChangeSet()
    sql = "DELETE FROM items WHERE source = ? AND remote_id = ?"
    if keep_starred:
        sql += " AND is_starred = 0"
    for remote_id in remote_ids:
        row = conn.execute(sql + " RETURNING id", (source, remote_id)).fetchone()
        if row is not None:
            changes.removed.add(int(row[0]))
            changes.sources.add(source)
    return changes


def remove_source_items(conn: sqlite3.Connection, source: str) -> int:
    return conn.execute("DELETE FROM items WHERE source = ?", (source,)).rowcount


def _people(data: Any) -> tuple[Person, ...]:
    return tuple(Person.from_dict(p) for p in data or ())


def item_from_row(row: sqlite3.Row | Mapping[str, Any], content: str | None = None,
                  content_type: str = "text/plain") -> Item:
    """Rebuild an :class:`Item` from a row of ``items``."""
    recipients = json.loads(row["recipients"] or "{}")
    actor = row["actor"]
    return Item(
        id=int(row["id"]),
        source=row["source"],
        remote_id=row["remote_id"],
        kind=ItemKind(row["kind"]),
        folder=row["folder"],
        title=row["title"],
        summary=row["summary"],
        content=content,
        content_type=content_type,
        url=row["url"],
        actor=Person.from_dict(json.loads(actor)) if actor else None,
        to=_people(recipients.get("to")),
        cc=_people(recipients.get("cc")),
        thread=row["thread"],
        in_reply_to=row["in_reply_to"],
        published=from_ms(row["published"]),
        updated=from_ms(row["updated"]),
        received=from_ms(row["received"]) or datetime.now(UTC),
        flags=Flags(read=bool(row["is_read"]), starred=bool(row["is_starred"]),
                    archived=bool(row["is_archived"]), muted=bool(row["is_muted"])),
        tags=tuple(json.loads(row["tags"] or "[]")),
        attachments=tuple(Attachment.from_dict(a) for a in json.loads(row["attachments"] or "[]")),
        score=Score(float(row["score"]), tuple(json.loads(row["score_reasons"] or "[]"))),
        remote=json.loads(row["remote"] or "{}"),
        mentions_me=bool(row["mentions_me"]),
        language=row["language"],
    )
