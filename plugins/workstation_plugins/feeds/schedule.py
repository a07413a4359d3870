"""When to fetch a feed next: the user's interval, the publisher's hints, backoff.

The rules, in order:

1. The interval is the subscription's ``interval_minutes``, else 60 minutes
   (never under :data:`MIN_INTERVAL`).
2. The publisher's hints only ever make us wait *longer*: RSS ``<ttl>``
   (minutes) and ``Cache-Control: max-age`` stretch the interval, up to a day.
3. After ``n`` failures in a row the wait is ``interval × 2^(n−1)``, capped at
   24 hours: 1 h, 2 h, 4 h… A failing feed is still tried at least daily,
   and shown as failing all along (never silently paused).
4. ``Retry-After`` (429/503) is honoured: never before it.
5. RSS ``<skipHours>`` / ``<skipDays>`` (UTC) move the time to the first
   allowed hour.

Example::

    >>> from datetime import datetime, UTC
    >>> now = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    >>> next_due(now, Timing(ttl_minutes=180)).isoformat()
    '2026-01-05T13:00:00+00:00'
    >>> next_due(now, Timing(), errors=3).isoformat()
    '2026-01-05T14:00:00+00:00'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = [
    "DEFAULT_INTERVAL",
    "MAX_INTERVAL",
    "MIN_INTERVAL",
    "Timing",
    "backoff",
    "base_interval",
    "next_due",
    "parse_max_age",
    "skip_forward",
]

DEFAULT_INTERVAL = timedelta(minutes=60)
MIN_INTERVAL = timedelta(minutes=5)
"""A floor for user intervals: anything faster is impolite to publishers."""
MAX_INTERVAL = timedelta(hours=24)
"""The longest any hint or backoff may push a feed: it is tried daily at least."""


@dataclass(frozen=True, slots=True)
class Timing:
    """What decides a feed's pace: the user's choice and the publisher's hints."""

    interval_minutes: float | None = None  # the subscription's setting
    ttl_minutes: int | None = None  # RSS <ttl>
    max_age_seconds: int | None = None  # Cache-Control: max-age of the last answer
    skip_hours: frozenset[int] = frozenset()  # RSS <skipHours>, UTC
    skip_days: frozenset[int] = frozenset()  # RSS <skipDays>, 0 = Monday


_MAX_AGE = re.compile(r"(?i)(?:^|[,\s])(?:s-)?max-age\s*=\s*\"?(\d{1,10})")


def parse_max_age(cache_control: str | None) -> int | None:
    """Seconds from ``Cache-Control``; ``None`` when absent or ``no-cache``/``no-store``.

    >>> parse_max_age("public, max-age=900")
    900
    """
    if not cache_control:
        return None
    lowered = cache_control.lower()
    if "no-store" in lowered or "no-cache" in lowered:
        return None
    m = _MAX_AGE.search(cache_control)
    return int(m.group(1)) if m else None


def base_interval(timing: Timing) -> timedelta:
    """The interval between two good fetches."""
    interval = DEFAULT_INTERVAL
    if timing.interval_minutes is not None and timing.interval_minutes > 0:
        interval = max(MIN_INTERVAL, timedelta(minutes=min(timing.interval_minutes, 10_000_000)))
    # Hints lengthen only: a publisher saying "ttl 5" does not make us poll
    # every 5 minutes, one saying "ttl 360" is listened to; a hint of a week
    # is read as a day, a user's own weekly interval is kept. (Bounds: no overflow.)
    hint = max(timedelta(minutes=min(timing.ttl_minutes or 0, 10_000_000)),
               timedelta(seconds=min(timing.max_age_seconds or 0, 1_000_000_000)))
    capped: timedelta = min(hint, MAX_INTERVAL)
    return max(interval, capped)


def backoff(interval: timedelta, errors: int) -> timedelta:
    """The wait after ``errors`` failures in a row: doubling, capped at 24 h.

    >>> [str(backoff(timedelta(hours=1), n)) for n in (1, 2, 3)]
    ['1:00:00', '2:00:00', '4:00:00']
    """
    if errors <= 0:
        return interval
    # The first failure waits the usual interval (a blip costs nothing);
    # the exponent is bounded so the multiplication cannot overflow.
    factor = 1 << min(errors - 1, 16)
    return min(interval * factor, max(MAX_INTERVAL, interval))


def skip_forward(when: datetime, skip_hours: frozenset[int],
                 skip_days: frozenset[int]) -> datetime:
    """The first moment at or after ``when`` outside skipped UTC hours and days."""
    # A document skipping every hour (or day) is broken: ignore that hint
    # rather than never fetching again.
    hours = skip_hours if len(skip_hours) < 24 else frozenset()
    days = skip_days if len(skip_days) < 7 else frozenset()
    if not hours and not days:
        return when
    for _ in range(24 * 8):
        if when.hour not in hours and when.weekday() not in days:
            return when
        when = when.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return when


def next_due(now: datetime, timing: Timing, *, errors: int = 0,
             retry_after: datetime | None = None) -> datetime:
    """When the feed should be fetched next (``now`` is timezone-aware)."""
    due = now + backoff(base_interval(timing), errors)
    if retry_after is not None and retry_after > due:
        due = retry_after
    return skip_forward(due, timing.skip_hours, timing.skip_days)
