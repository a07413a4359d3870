"""The demo source: the bundled sample inbox, for trying Workstation without an account.

It reads the sample file named in its configuration (the app passes the
bundled ``resources/demo/items.json``) and emits the items of the sample
source with the same name. Times in the sample are relative ("2h", "1d3h"),
so the demo always looks like today's inbox.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from workstation.api import (
    Action,
    Attachment,
    Flags,
    Item,
    ItemKind,
    PermanentActionError,
    Person,
    SourceContext,
    SourceError,
    SourceType,
    hookimpl,
)

_AGO = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


def parse_ago(text: str, now: datetime) -> datetime:
    """``"1d3h"`` → that long before ``now``.

    >>> parse_ago("1d2h30m", datetime(2026, 1, 2, 12, 0, tzinfo=UTC)).isoformat()
    '2026-01-01T09:30:00+00:00'
    """
    m = _AGO.match(text.strip())
    if not m or not any(m.groups()):
        raise ValueError(f"bad relative time {text!r}")
    d, h, mins = (int(x or 0) for x in m.groups())
    return now - timedelta(days=d, hours=h, minutes=mins)


def _person(data: Mapping[str, Any] | None) -> Person | None:
    if not data:
        return None
    name = data.get("name")
    if "email" in data:
        return Person.from_email(name, data["email"])
    if "actor" in data:
        return Person.from_actor(name, data["actor"])
    return Person.from_feed_author(name, data.get("feed_author"))


def _people(data: Any) -> tuple[Person, ...]:
    return tuple(p for p in (_person(d) for d in data or ()) if p is not None)


def load_sample(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceError(f"The demo data {path} cannot be read: {exc}") from exc
    return data


def items_for(sample: Mapping[str, Any], source: str, now: datetime) -> list[Item]:
    me = sample.get("me", {})
    my_handles = {me.get("email", "").lower(), me.get("actor", "")} - {""}
    out = []
    for raw in sample.get("items", ()):
        if raw.get("source") != source:
            continue
        when = parse_ago(raw["ago"], now)
        actor = _person(raw.get("from"))
        kind = ItemKind(raw["kind"])
        sent_by_me = actor is not None and actor.address.lower() in my_handles
        out.append(Item(
            source=source,
            remote_id=raw["id"],
            kind=kind,
            folder=raw.get("folder"),
            title=raw.get("title", ""),
            summary=raw.get("summary", ""),
            content=raw.get("content"),
            content_type=raw.get("content_type", "text/plain"),
            url=raw.get("url"),
            actor=actor,
            to=_people(raw.get("to")),
            cc=_people(raw.get("cc")),
            thread=raw.get("thread"),
            in_reply_to=raw.get("in_reply_to"),
            published=when,
            received=when,
            flags=Flags(read=bool(raw.get("read", False)) or sent_by_me,
                        starred=bool(raw.get("starred", False))),
            tags=tuple(raw.get("tags", ())),
            attachments=tuple(Attachment.from_dict(a) for a in raw.get("attachments", ())),
            mentions_me=bool(raw.get("mentions_me", False)),
            language=raw.get("lang"),
        ))
    return out


class DemoSource:
    def __init__(self, ctx: SourceContext) -> None:
        self.ctx = ctx

    async def sync(self, sink: Any) -> None:
        if self.ctx.get_state("loaded"):
            return  # the sample is loaded once; the user's changes stay
        path = Path(self.ctx.config["sample_file"])
        items = items_for(load_sample(path), self.ctx.config.get("sample_source", self.ctx.name),
                          datetime.now(UTC))
        for start in range(0, len(items), 50):
            await sink.emit(items[start:start + 50])
            sink.progress(min(start + 50, len(items)), len(items), "Loading sample data")
        self.ctx.set_state("loaded", True)

    async def perform(self, action: Action) -> None:
        raise PermanentActionError("The demo has no server to send this to.")

    async def fetch_content(self, item: Item) -> Item:
        return item

    async def close(self) -> None:
        return None


@hookimpl
def workstation_source_types() -> list[SourceType]:
    return [SourceType("demo", "Demo data", DemoSource,
                       description="The bundled sample inbox (no account needed).",
                       read_only=True)]
