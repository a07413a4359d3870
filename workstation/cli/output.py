"""How items look on the terminal: the stable JSON shape and the text table.

The JSON shape is a public contract (docs/cli.md); add keys, never rename or
remove them within a major version.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from typing import Any

from workstation.api.model import Item, Person


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _person(p: Person | None) -> dict[str, str] | None:
    return None if p is None else {"name": p.name, "address": p.address}


def item_json(item: Item, *, full: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": item.id,
        "kind": item.kind.value,
        "source": item.source,
        "folder": item.folder,
        "title": item.title,
        "summary": item.summary,
        "author": _person(item.actor),
        "published": _iso(item.when),
        "read": item.flags.read,
        "starred": item.flags.starred,
        "archived": item.flags.archived,
        "url": item.url,
        "thread": item.thread,
        "tags": list(item.tags),
        "has_attachments": bool(item.attachments),
    }
    if full:
        data.update({
            "to": [_person(p) for p in item.to],
            "cc": [_person(p) for p in item.cc],
            "in_reply_to": item.in_reply_to,
            "updated": _iso(item.updated),
            "content": item.content,
            "content_type": item.content_type,
            "attachments": [a.to_dict() for a in item.attachments],
            "mentions_me": item.mentions_me,
            "language": item.language,
        })
    return data


def _short_time(when: datetime, now: datetime) -> str:
    local = when.astimezone()
    if local.date() == now.date():
        return local.strftime("%H:%M")
    if (now.date() - local.date()).days < 7:
        return local.strftime("%a %H:%M")
    return local.strftime("%Y-%m-%d")


def item_line(item: Item, now: datetime) -> str:
    width = shutil.get_terminal_size((100, 20)).columns
    mark = ("*" if item.flags.starred else " ") + ("●" if not item.flags.read else " ")
    who = (item.actor.name if item.actor else item.source)[:18].ljust(18)
    when = _short_time(item.when, now).rjust(10)
    head = f"{item.id:>6} {mark} {when}  {who}  "
    title = item.title or item.summary
    room = max(10, width - len(head))
    if len(title) > room:
        title = title[: room - 1] + "…"
    return head + title


def item_text(item: Item) -> str:
    lines = [f"{item.title or '(no title)'}", ""]
    if item.actor:
        lines.append(f"From:    {item.actor.name} <{item.actor.address}>")
    if item.to:
        lines.append("To:      " + ", ".join(f"{p.name} <{p.address}>" for p in item.to))
    if item.cc:
        lines.append("Cc:      " + ", ".join(f"{p.name} <{p.address}>" for p in item.cc))
    lines.append(f"Date:    {item.when.astimezone():%Y-%m-%d %H:%M}")
    lines.append(f"Source:  {item.source}" + (f" / {item.folder}" if item.folder else ""))
    if item.url:
        lines.append(f"Link:    {item.url}")
    if item.tags:
        lines.append("Tags:    " + ", ".join(item.tags))
    for a in item.attachments:
        size = f" ({a.size:,} bytes)" if a.size else ""
        lines.append(f"Attach:  {a.name}{size}")
    lines.append("")
    if item.content is None:
        lines.append(item.summary)
    elif item.content_type == "text/html":
        from workstation.core.text import html_to_text
        lines.append(html_to_text(item.content))
    else:
        lines.append(item.content)
    return "\n".join(lines)
