"""Build tests/data/profiles/v1/workstation.db: a profile at core schema version 1.

It stands for a profile written by the first release (before the ``settings``
and ``saved_searches`` tables of core v2). tests/unit/test_migrations.py opens
a copy and checks the upgrade keeps the items, their flags and the full-text
index. The file is checked in; run this script again only if the old
profile's content must change (and update the test with it):

    .venv/bin/python tests/data/profiles/make_v1.py
"""

from __future__ import annotations

import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

from workstation.api.model import Attachment, Flags, Item, ItemKind, Person
from workstation.store.items import upsert_items
from workstation.store.migrations import migrate
from workstation.store.schema import CORE
from workstation.store.sources import add_source

OUT = Path(__file__).resolve().parent / "v1" / "workstation.db"

ITEMS = [
    Item(source="Old mail", remote_id="<v1-mail-1@example.org>", kind=ItemKind.EMAIL,
         title="Réunion de l'été", summary="Agenda for the summer meeting",
         content="Agenda for the summer meeting in the Lyon office.",
         actor=Person.from_email("Ada Lovelace", "ada@example.org"),
         to=(Person.from_email("Camille Durand", "camille@example.org"),),
         folder="Inbox", thread="summer-meeting",
         published=datetime(2025, 6, 2, 9, 30, tzinfo=UTC),
         received=datetime(2025, 6, 2, 9, 31, tzinfo=UTC),
         flags=Flags(read=True), tags=("planning",),
         attachments=(Attachment("agenda.pdf", "application/pdf", 2048, part="2"),),
         remote={"folder": "INBOX", "uid": 17}),
    Item(source="Old feeds", remote_id="https://example.org/release-1-0", kind=ItemKind.FEED_ENTRY,
         title="Release notes 1.0", summary="What is new in the first release",
         content="<p>What is new in the <b>first</b> release.</p>", content_type="text/html",
         actor=Person.from_feed_author("Example Blog", "https://example.org/"),
         folder="Example Blog", url="https://example.org/release-1-0",
         published=datetime(2025, 6, 1, 8, 0, tzinfo=UTC),
         received=datetime(2025, 6, 1, 8, 5, tzinfo=UTC),
         flags=Flags(starred=True)),
    Item(source="Old mail", remote_id="<v1-mail-2@example.org>", kind=ItemKind.EMAIL,
         title="Archived zeppelin notes", summary="Notes nobody needs any more",
         actor=Person.from_email("Grace Hopper", "grace@example.org"),
         folder="Archive", published=datetime(2025, 5, 30, 17, 0, tzinfo=UTC),
         received=datetime(2025, 5, 30, 17, 0, tzinfo=UTC),
         flags=Flags(read=True, archived=True)),
]


def build(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = wal")  # as every real profile
        migrate(conn, [CORE], upto={"core": 1})
        conn.execute("BEGIN IMMEDIATE")
        add_source(conn, "Old mail", "imap", {"host": "imap.example.org", "user": "camille"})
        add_source(conn, "Old feeds", "feeds", {"urls": ["https://example.org/feed.xml"]})
        upsert_items(conn, ITEMS)
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    build(target)
    print(f"wrote {target}")
