"""Reading items: keyset-paged lists and full-text search.

Every list is ordered newest first by ``sort_key`` and paged by keyset: the
caller passes back the ``cursor`` of the last page (the last row's
``sort_key``), so the thousandth page costs what the first does. A search
with words walks the FTS5 index in the same order (its rowid *is*
``sort_key``) and stops after one page.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from workstation.api.model import Item
from workstation.core.search import Query, Term, day_start, resolve_day
from workstation.store.items import item_from_row, to_ms

LIST_COLUMNS = (
    "id, sort_key, source, remote_id, kind, folder, title, summary, url, actor, recipients,"
    " thread, in_reply_to, published, updated, received, is_read, is_starred, is_archived,"
    " is_muted, mentions_me, has_attachments, attachments, tags, score, score_reasons, remote,"
    " language"
)


@dataclass(frozen=True, slots=True)
class ItemFilter:
    """The inbox views: each field narrows the list; ``None`` means any."""

    unread: bool | None = None
    starred: bool | None = None
    archived: bool | None = False  # the inbox hides archived items
    source: str | None = None
    folder: str | None = None
    kind: str | None = None
    tag: str | None = None
    person: str | None = None  # an identity key, e.g. "email:ada@example.org"
    mentions: bool | None = None
    thread: str | None = None
    query: Query = field(default_factory=Query)


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Item]
    cursor: int | None  # pass to the next call; None when this was the last page


def _escape_fts(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _fts_term(term: Term) -> str:
    text = _escape_fts(term.value)
    if term.field == "from":
        return f"sender : {text}*"
    if term.field == "to":
        return f"recipients_text : {text}*"
    return text + ("*" if term.prefix else "")


class _Compiler:
    def __init__(self, today: date | None) -> None:
        self.where: list[str] = []
        self.params: list[Any] = []
        self.today = today

    def add(self, sql: str, *params: Any) -> None:
        self.where.append(sql)
        self.params.extend(params)

    def filter(self, f: ItemFilter) -> None:
        if f.archived is not None:
            self.add("i.is_archived = ?", int(f.archived))
        if f.unread is not None:
            self.add("i.is_read = ?", int(not f.unread))
        if f.starred is not None:
            self.add("i.is_starred = ?", int(f.starred))
        if f.mentions is not None:
            self.add("i.mentions_me = ?", int(f.mentions))
        if f.source is not None:
            self.add("i.source = ?", f.source)
        if f.folder is not None:
            self.add("i.folder = ?", f.folder)
        if f.kind is not None:
            self.add("i.kind = ?", f.kind)
        if f.person is not None:
            self.add("i.actor_key = ?", f.person)
        if f.thread is not None:
            self.add("i.thread = ?", f.thread)
        if f.tag is not None:
            self.add("i.sort_key IN (SELECT sort_key FROM item_tags WHERE tag = ?)", f.tag)

    def term(self, t: Term) -> None:
        sql, params = self._term_sql(t)
        if t.negated:
            sql = f"NOT ({sql})"
        self.add(sql, *params)

    def _term_sql(self, t: Term) -> tuple[str, list[Any]]:
        v = t.value
        match t.field:
            case "source":
                return "i.source = ? COLLATE NOCASE", [v]
            case "in":
                return "i.folder = ? COLLATE NOCASE", [v]
            case "kind":
                return "i.kind = ?", [v]
            case "tag":
                return "i.sort_key IN (SELECT sort_key FROM item_tags WHERE tag = ?)", [v]
            case "has":
                return "i.has_attachments = 1", []
            case "is":
                return {
                    "unread": ("i.is_read = 0", []),
                    "read": ("i.is_read = 1", []),
                    "starred": ("i.is_starred = 1", []),
                    "unstarred": ("i.is_starred = 0", []),
                    "archived": ("i.is_archived = 1", []),
                    "muted": ("i.is_muted = 1", []),
                    "mention": ("i.mentions_me = 1", []),
                }[v]
            case "before":
                return "i.sort_ts < ?", [to_ms(day_start(resolve_day(v, self.today)))]
            case "after":
                return "i.sort_ts >= ?", [to_ms(day_start(resolve_day(v, self.today)))]
        raise AssertionError(f"unhandled operator {t.field}")  # parse() guards this


def _match_expression(terms: list[Term]) -> tuple[str | None, str | None]:
    """FTS5 expressions: (what must match, what must not)."""
    positive = [_fts_term(t) for t in terms if not t.negated]
    negative = [_fts_term(t) for t in terms if t.negated]
    if positive:
        expr = " AND ".join(positive)
        for n in negative:
            expr = f"({expr}) NOT {n}"
        return expr, None
    if negative:
        return None, " OR ".join(negative)
    return None, None


def page(conn: sqlite3.Connection, f: ItemFilter, *, cursor: int | None = None,
         limit: int = 50, today: date | None = None) -> Page:
    """One page of items matching ``f``, newest first.

    Example::

        first = page(conn, ItemFilter(unread=True))
        second = page(conn, ItemFilter(unread=True), cursor=first.cursor)
    """
    c = _Compiler(today)
    c.filter(f)
    fts_terms = [t for t in f.query.terms if t.field in (None, "from", "to")]
    for t in f.query.terms:
        if t.field not in (None, "from", "to"):
            c.term(t)
    must, must_not = _match_expression(fts_terms)
    if must_not is not None:
        c.add("i.sort_key NOT IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)",
              must_not)
    cols = ", ".join(f"i.{col.strip()}" for col in LIST_COLUMNS.split(","))
    if must is not None:
        if cursor is not None:
            c.add("items_fts.rowid < ?", cursor)
        where = " AND ".join(["items_fts MATCH ?", *c.where])
        sql = (f"SELECT {cols} FROM items_fts JOIN items i ON i.sort_key = items_fts.rowid"  # noqa: S608 (fixed SQL, values bound)
               f" WHERE {where} ORDER BY items_fts.rowid DESC LIMIT ?")
        params = [must, *c.params, limit + 1]
    else:
        if cursor is not None:
            c.add("i.sort_key < ?", cursor)
        where = " AND ".join(c.where) or "1"
        sql = (f"SELECT {cols} FROM items i WHERE {where}"  # noqa: S608 (fixed SQL, values bound)
               " ORDER BY i.sort_key DESC LIMIT ?")
        params = [*c.params, limit + 1]
    rows = conn.execute(sql, params).fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [item_from_row(r) for r in rows]
    return Page(items, int(rows[-1]["sort_key"]) if more and rows else None)


def count(conn: sqlite3.Connection, f: ItemFilter) -> int:
    """How many items match (without a text query; used for sidebar counts)."""
    c = _Compiler(None)
    c.filter(f)
    where = " AND ".join(c.where) or "1"
    row = conn.execute(f"SELECT count(*) FROM items i WHERE {where}", c.params).fetchone()  # noqa: S608
    return int(row[0])


def unread_counts(conn: sqlite3.Connection) -> dict[tuple[str, str | None], int]:
    """Unread, non-archived items per (source, folder)."""
    return {(r[0], r[1]): int(r[2]) for r in conn.execute(
        "SELECT source, folder, count(*) FROM items WHERE is_read = 0 AND is_archived = 0"
        " GROUP BY source, folder")}


def get_item(conn: sqlite3.Connection, item_id: int) -> Item | None:
    """One item with its content, if the store has it."""
    row = conn.execute(
        f"SELECT {LIST_COLUMNS} FROM items WHERE id = ?", (item_id,)).fetchone()  # noqa: S608
    if row is None:
        return None
    body = conn.execute("SELECT content, content_type FROM item_content WHERE item_id = ?",
                        (item_id,)).fetchone()
    if body is None:
        return item_from_row(row)
    return item_from_row(row, body[0], body[1])


def thread_items(conn: sqlite3.Connection, thread: str) -> list[Item]:
    """Every item of a conversation, oldest first."""
    rows = conn.execute(
        f"SELECT {LIST_COLUMNS} FROM items WHERE thread = ? ORDER BY sort_key", (thread,))  # noqa: S608
    return [item_from_row(r) for r in rows]


