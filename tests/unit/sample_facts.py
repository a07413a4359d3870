"""What tests/data/sample_small.json contains, and small helpers for store tests.

The sample (loaded through the demo source, so times are relative to now):

======  =========  ==========  ======  ===============================================
id      source     folder      kind    notes
======  =========  ==========  ======  ===============================================
p1      Social     Home        post    Jonas (actor), unread, tag atlas, mentions me
f1      Feeds      Tech        feed    "Ars Machina", unread, tag tech, HTML content
m3      Work mail  Inbox       email   Jonas, unread, thread atlas-budget, mentions me
m2      Work mail  Inbox       email   sent by me (so read), thread, tag atlas
m1      Work mail  Inbox       email   Jonas, unread, starred, attachment, tags
                                       atlas+finance, cc Ingrid, thread start
f2      Feeds      Le Journal  feed    French: "L'été des compilateurs", read
p2      Social     Home        post    Ingrid (actor), read
m4      Work mail  Inbox       email   Ingrid, French: "Réunion d'équipe cet été", read,
                                       tag team
m5      Work mail  Projects    email   Expense Desk, read, attachment
p3      Social     Home        post    by me (so read)
m6      Work mail  Projects    email   Jonas, read, "10:30", tag firmware, cc Ingrid
f3      Feeds      Tech        feed    "Budget laptops compared", unread, starred
======  =========  ==========  ======  ===============================================
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from workstation.api.model import Attachment, Flags, Item, ItemKind, Person

# Remote ids, newest first (every item has a distinct relative time).
ORDER = ("p1", "f1", "m3", "m2", "m1", "f2", "p2", "m4", "m5", "p3", "m6", "f3")
BY_SOURCE = {
    "Work mail": ("m3", "m2", "m1", "m4", "m5", "m6"),
    "Feeds": ("f1", "f2", "f3"),
    "Social": ("p1", "p2", "p3"),
}
FOLDERS = {
    ("Work mail", "Inbox"): ("m3", "m2", "m1", "m4"),
    ("Work mail", "Projects"): ("m5", "m6"),
    ("Feeds", "Tech"): ("f1", "f3"),
    ("Feeds", "Le Journal"): ("f2",),
    ("Social", "Home"): ("p1", "p2", "p3"),
}
KINDS = {"email": ("m3", "m2", "m1", "m4", "m5", "m6"), "feed-entry": ("f1", "f2", "f3"),
         "post": ("p1", "p2", "p3")}
UNREAD = ("p1", "f1", "m3", "m1", "f3")  # m2 and p3 were sent by "me": read
READ = tuple(r for r in ORDER if r not in UNREAD)
STARRED = ("m1", "f3")
WITH_ATTACHMENTS = ("m1", "m5")
MENTIONS = ("p1", "m3")
TAGS = {"atlas": ("p1", "m2", "m1"), "finance": ("m1",), "tech": ("f1",), "team": ("m4",),
        "firmware": ("m6",)}
THREAD = ("m1", "m2", "m3")  # "atlas-budget", oldest first
FROM_JONAS = ("p1", "m3", "m1", "m6")
TO_INGRID = ("m1", "m6")  # in cc
JONAS_EMAIL_KEY = "email:jonas.berg@nordlys.example"
JONAS_ACTOR_KEY = "actor:https://social.nordlys.example/users/jonas"


def only(*groups: Iterable[str]) -> tuple[str, ...]:
    """The remote ids present in all ``groups``, in sample order."""
    sets = [set(g) for g in groups]
    return tuple(r for r in ORDER if all(r in s for s in sets))


def without(*groups: Iterable[str]) -> tuple[str, ...]:
    """The remote ids in none of ``groups``, in sample order."""
    excluded = set().union(*(set(g) for g in groups))
    return tuple(r for r in ORDER if r not in excluded)


def rids(items: Iterable[Item]) -> tuple[str, ...]:
    return tuple(i.remote_id for i in items)


BASE_TIME = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def make_item(remote_id: str, *, source: str = "test", minutes_ago: int = 0,
              published: datetime | None = None, kind: ItemKind = ItemKind.EMAIL,
              title: str | None = None, sender: tuple[str, str] | None = None,
              flags: Flags | None = None, attachments: int = 0, **fields: Any) -> Item:
    """A deterministic item; ``published`` defaults to BASE_TIME - minutes_ago."""
    actor = Person.from_email(*sender) if sender else None
    when = published if published is not None else BASE_TIME - timedelta(minutes=minutes_ago)
    return Item(
        source=source, remote_id=remote_id, kind=kind,
        title=title if title is not None else f"item {remote_id}",
        actor=actor, published=when, received=when, flags=flags or Flags(),
        attachments=tuple(Attachment(f"file{n}.txt") for n in range(attachments)),
        **fields)


RunCli = Callable[..., "subprocess.CompletedProcess[str]"]
"""The type of the ``run_cli`` fixture (tests/conftest.py)."""
