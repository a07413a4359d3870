"""The item model: everything in the inbox, normalised to Activity Streams 2.0.

An email, a feed entry and a social post are all an :class:`Item`. Field names
follow AS2 terms (actor, to/cc, inReplyTo, context, tag, attachment, url,
published/updated) so that any system able to produce an AS2 object maps onto
it directly.

Example, a feed entry built by a source plugin::

    item = Item(
        source="tech-news",
        remote_id="https://example.org/posts/42",
        kind=ItemKind.FEED_ENTRY,
        title="Release 2.0",
        summary="What is new in 2.0",
        actor=Person.from_feed_author("Ada", "https://example.org/"),
        published=datetime(2026, 1, 5, 9, 30, tzinfo=UTC),
        url="https://example.org/posts/42",
    )
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class ItemKind(StrEnum):
    """What an item is. The value is stable: it is stored and printed in JSON."""

    EMAIL = "email"
    FEED_ENTRY = "feed-entry"
    POST = "post"  # a social post or comment (AS2 Note/Article in a stream)
    ACTIVITY = "activity"  # a social activity about an object (Like, Follow, Announce…)
    EVENT = "event"  # a calendar event or a notification pushed by a system
    TASK = "task"  # a ticket, a CRM task: something to do

    @property
    def as2_type(self) -> str:
        """The Activity Streams 2.0 object type this kind maps to."""
        return _AS2_TYPES[self]


_AS2_TYPES = {
    ItemKind.EMAIL: "Note",
    ItemKind.FEED_ENTRY: "Article",
    ItemKind.POST: "Note",
    ItemKind.ACTIVITY: "Activity",
    ItemKind.EVENT: "Event",
    ItemKind.TASK: "Object",
}


class IdentityKind(StrEnum):
    """How a person is known to a source."""

    EMAIL = "email"  # mailto: address
    ACTOR = "actor"  # an ActivityPub/AS actor URI or a social network account
    FEED_AUTHOR = "feed-author"  # a feed's author, known by name and maybe a URI


@dataclass(frozen=True, slots=True)
class Identity:
    """One way of reaching or recognising a person."""

    kind: IdentityKind
    value: str

    def key(self) -> str:
        """A normalised key for matching: addresses compare case-insensitively."""
        v = self.value.strip()
        if self.kind is IdentityKind.EMAIL:
            v = v.lower()
        return f"{self.kind.value}:{v}"


@dataclass(frozen=True, slots=True)
class Person:
    """An AS2 ``Person``: a display name and the identities it is known by."""

    name: str
    identities: tuple[Identity, ...] = ()

    @classmethod
    def from_email(cls, name: str | None, address: str) -> Person:
        """A person known by an e-mail address.

        >>> Person.from_email("Ada", "ada@example.org").address
        'ada@example.org'
        """
        address = address.strip()
        return cls(name=(name or "").strip() or address,
                   identities=(Identity(IdentityKind.EMAIL, address),))

    @classmethod
    def from_actor(cls, name: str | None, uri: str) -> Person:
        """A person known by a social actor URI (or ``@user@host`` account)."""
        return cls(name=(name or "").strip() or uri,
                   identities=(Identity(IdentityKind.ACTOR, uri),))

    @classmethod
    def from_feed_author(cls, name: str | None, uri: str | None = None) -> Person:
        """A feed's author: often only a name, sometimes a home page."""
        ids = (Identity(IdentityKind.FEED_AUTHOR, uri or (name or "").strip()),)
        return cls(name=(name or "").strip() or (uri or ""), identities=ids)

    @property
    def address(self) -> str:
        """The most useful single handle: the e-mail address, else the first identity."""
        for ident in self.identities:
            if ident.kind is IdentityKind.EMAIL:
                return ident.value
        return self.identities[0].value if self.identities else ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name,
                "identities": [{"kind": i.kind.value, "value": i.value} for i in self.identities]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Person:
        return cls(name=str(data.get("name", "")),
                   identities=tuple(Identity(IdentityKind(i["kind"]), str(i["value"]))
                                    for i in data.get("identities", ())))


@dataclass(frozen=True, slots=True)
class Flags:
    """What the user did with an item. ``muted`` applies to its whole thread."""

    read: bool = False
    starred: bool = False
    archived: bool = False
    muted: bool = False


@dataclass(frozen=True, slots=True)
class Attachment:
    """Metadata of an attachment or enclosure; the bytes are fetched on demand."""

    name: str
    media_type: str = "application/octet-stream"
    size: int | None = None
    url: str | None = None  # for enclosures; e-mail parts use ``part``
    part: str | None = None  # the source's handle (an IMAP body section, say)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Attachment:
        return cls(name=str(data.get("name", "")),
                   media_type=str(data.get("media_type", "application/octet-stream")),
                   size=data.get("size"), url=data.get("url"), part=data.get("part"))


@dataclass(frozen=True, slots=True)
class Score:
    """How important an item is (0 cold … 1 hot), and why, in the user's words."""

    value: float = 0.5
    reasons: tuple[str, ...] = ()


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Item:
    """One thing in the inbox, whatever its source.

    ``source`` names the source instance (an account, a feed subscription set,
    a stream) and ``remote_id`` is unique within it; together they identify the
    item across syncs. ``remote`` holds what the source needs to act back on
    the server (a folder and UID, a status id…). ``content`` may be ``None``
    until the source fetches it lazily; ``summary`` is always a short preview.
    """

    source: str
    remote_id: str
    kind: ItemKind
    title: str = ""
    summary: str = ""
    content: str | None = None
    content_type: str = "text/plain"  # or "text/html" (sanitised before display)
    url: str | None = None
    actor: Person | None = None
    to: tuple[Person, ...] = ()
    cc: tuple[Person, ...] = ()
    folder: str | None = None  # the container at the source: mailbox, feed, stream
    thread: str | None = None  # AS2 ``context``: the conversation this belongs to
    in_reply_to: str | None = None  # remote_id of the item this answers
    published: datetime | None = None
    updated: datetime | None = None
    received: datetime = field(default_factory=utcnow)
    flags: Flags = Flags()
    tags: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    score: Score = Score()
    remote: Mapping[str, Any] = field(default_factory=dict)
    mentions_me: bool = False  # an attention signal: the user is named or addressed
    language: str | None = None
    id: int | None = None  # assigned by the store

    @property
    def when(self) -> datetime:
        """The time the inbox sorts by: when it was published, else received."""
        return self.published or self.received

    def replace(self, **changes: Any) -> Item:
        """A copy with some fields changed (items are immutable)."""
        return dataclasses.replace(self, **changes)
