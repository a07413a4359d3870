"""The search language, shared by the CLI and the GUI (see docs/search.md).

``parse`` turns what the user typed into a :class:`Query` (a list of terms);
the store compiles it to SQL. The grammar is deliberately forgiving: an
unknown ``word:`` is searched as text (so ``10:30`` and URLs work), while a
known operator with a bad value is an error that says what is allowed.

>>> [str(t) for t in parse('budget from:jonas -is:read "road map"').terms]
['budget', 'from:jonas', '-is:read', '"road map"']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

OPERATORS = ("from", "to", "source", "kind", "tag", "is", "has", "before", "after", "in")

IS_VALUES = ("unread", "read", "starred", "unstarred", "archived", "muted", "mention")
HAS_VALUES = ("attachment",)
KIND_ALIASES = {
    "email": "email", "mail": "email",
    "feed": "feed-entry", "feed-entry": "feed-entry", "article": "feed-entry",
    "post": "post", "social": "post",
    "activity": "activity", "event": "event", "task": "task",
}


class SearchSyntaxError(ValueError):
    """The query cannot be understood; the message says why and what is allowed."""


@dataclass(frozen=True, slots=True)
class Term:
    """One piece of a query. ``field`` is ``None`` for free text."""

    value: str
    field: str | None = None
    negated: bool = False
    phrase: bool = False
    prefix: bool = False  # ``word*``: match words starting with ``word``

    def __str__(self) -> str:
        val = f'"{self.value}"' if self.phrase or (" " in self.value) else self.value
        if self.prefix:
            val += "*"
        head = f"{self.field}:" if self.field else ""
        return f"{'-' if self.negated else ''}{head}{val}"


@dataclass(frozen=True, slots=True)
class Query:
    terms: tuple[Term, ...] = field(default_factory=tuple)

    @property
    def text_terms(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if t.field is None)

    @property
    def is_empty(self) -> bool:
        return not self.terms

    def __str__(self) -> str:
        return " ".join(str(t) for t in self.terms)


# One token: optional '-', optional 'op:' then a quoted string or a bare word.
_TOKEN = re.compile(
    r'\s*(?P<neg>-)?(?:(?P<op>[A-Za-z]+):)?(?:"(?P<quoted>[^"]*)"?|(?P<bare>[^\s"]+))'
)


def parse(text: str) -> Query:
    """Parse a query string.

    >>> parse('is:unread').terms[0].value
    'unread'
    >>> parse('kind:feed').terms[0].value
    'feed-entry'
    """
    terms: list[Term] = []
    pos = 0
    # SQLite ends a string at NUL; nobody means to search for one.
    text = text.replace("\x00", " ").strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            # A lone quote or stray character: skip it rather than fail.
            pos += 1
            continue
        pos = m.end()
        neg = bool(m.group("neg"))
        op = (m.group("op") or "").lower() or None
        quoted = m.group("quoted")
        raw = quoted if quoted is not None else (m.group("bare") or "")
        if op is not None and op not in OPERATORS:
            # Not an operator: search the whole thing as text ("10:30", "re:").
            raw = f"{m.group('op')}:{raw}"
            op = None
        phrase = quoted is not None
        prefix = False
        if not phrase and raw.endswith("*") and len(raw) > 1:
            raw, prefix = raw[:-1], True
        if op is None:
            raw = raw.strip()
            if not raw or raw == "-":
                continue
        terms.append(_check(Term(value=raw, field=op, negated=neg, phrase=phrase, prefix=prefix)))
    return Query(tuple(terms))


def _check(term: Term) -> Term:
    f, v = term.field, term.value.strip()
    if f is None:
        return term
    if not v:
        raise SearchSyntaxError(f"'{f}:' needs a value, for example {_EXAMPLES[f]}")
    low = v.lower()
    if f == "is":
        if low == "mentions":
            low = "mention"
        if low not in IS_VALUES:
            raise SearchSyntaxError(
                f"'is:{v}' is not known; use one of: "
                + ", ".join(f"is:{x}" for x in IS_VALUES))
        return Term(low, f, term.negated)
    if f == "has":
        if low in ("attachments", "attachment", "file", "files"):
            return Term("attachment", f, term.negated)
        raise SearchSyntaxError(f"'has:{v}' is not known; use has:attachment")
    if f == "kind":
        if low not in KIND_ALIASES:
            raise SearchSyntaxError(
                f"'kind:{v}' is not known; use one of: "
                + ", ".join(sorted({f'kind:{k}' for k in KIND_ALIASES})))
        return Term(KIND_ALIASES[low], f, term.negated)
    if f in ("before", "after"):
        resolve_day(v)  # validate now, resolve at query time ("today" moves)
        return Term(low, f, term.negated)
    return Term(v, f, term.negated, term.phrase, term.prefix)


_EXAMPLES = {
    "from": "from:jonas", "to": "to:camille@example.org", "source": 'source:"Work mail"',
    "kind": "kind:email", "tag": "tag:atlas", "is": "is:unread", "has": "has:attachment",
    "before": "before:2026-01-31", "after": "after:yesterday", "in": "in:Inbox",
}


def resolve_day(value: str, today: date | None = None) -> date:
    """``today``, ``yesterday`` or an ISO date (``2026-01-31``) to a date.

    >>> resolve_day("yesterday", date(2026, 3, 1))
    datetime.date(2026, 2, 28)
    """
    today = today or date.today()
    low = value.lower()
    if low == "today":
        return today
    if low == "yesterday":
        return today - timedelta(days=1)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SearchSyntaxError(
            f"'{value}' is not a date; use YYYY-MM-DD, today or yesterday"
        ) from None


def day_start(day: date) -> datetime:
    """Local midnight at the start of ``day``, timezone-aware."""
    return datetime.combine(day, time.min).astimezone()
