"""When feeds are fetched: intervals, publisher hints, backoff, Retry-After, skips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workstation_plugins.feeds.schedule import (
    Timing,
    backoff,
    base_interval,
    next_due,
    parse_max_age,
    skip_forward,
)

NOW = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)  # a Monday
H = timedelta(hours=1)


def test_default_and_user_interval() -> None:
    assert base_interval(Timing()) == H
    assert base_interval(Timing(interval_minutes=15)) == timedelta(minutes=15)
    assert base_interval(Timing(interval_minutes=1)) == timedelta(minutes=5)  # the floor
    assert base_interval(Timing(interval_minutes=7 * 24 * 60)) == timedelta(days=7)


def test_publisher_hints_only_lengthen() -> None:
    assert base_interval(Timing(ttl_minutes=5)) == H
    assert base_interval(Timing(ttl_minutes=180)) == 3 * H
    assert base_interval(Timing(max_age_seconds=7200)) == 2 * H
    assert base_interval(Timing(max_age_seconds=60)) == H
    assert base_interval(Timing(ttl_minutes=10**12)) == 24 * H  # absurd hints: a day


def test_backoff_doubles_and_caps_at_a_day() -> None:
    assert [backoff(H, n) / H for n in range(7)] == [1, 1, 2, 4, 8, 16, 24]
    assert backoff(H, 10**6) == 24 * H
    assert backoff(timedelta(days=2), 3) == timedelta(days=2)  # never under the interval


def test_next_due_with_errors_and_retry_after() -> None:
    assert next_due(NOW, Timing()) == NOW + H
    assert next_due(NOW, Timing(), errors=3) == NOW + 4 * H
    assert next_due(NOW, Timing(), retry_after=NOW + 5 * H) == NOW + 5 * H
    # Retry-After only delays: a sooner one does not shorten the wait.
    assert next_due(NOW, Timing(), retry_after=NOW + timedelta(minutes=2)) == NOW + H


def test_skip_hours_and_days() -> None:
    t = Timing(skip_hours=frozenset({11, 12}), skip_days=frozenset())
    assert next_due(NOW, t) == datetime(2026, 1, 5, 13, 0, tzinfo=UTC)
    # Saturday and Sunday skipped: Friday 23:30 + 1 h goes to Monday 00:00.
    friday = datetime(2026, 1, 9, 23, 30, tzinfo=UTC)
    weekend = Timing(skip_days=frozenset({5, 6}))
    assert next_due(friday, weekend) == datetime(2026, 1, 12, 0, 0, tzinfo=UTC)
    # Everything skipped is nonsense: ignored rather than never fetching.
    assert skip_forward(NOW, frozenset(range(24)), frozenset()) == NOW
    assert skip_forward(NOW, frozenset(), frozenset(range(7))) == NOW


@pytest.mark.parametrize(("header", "seconds"), [
    ("max-age=900", 900),
    ("public, max-age=60, must-revalidate", 60),
    ('s-maxage=10, max-age="120"', 120),
    ("no-cache, max-age=900", None),
    ("no-store", None),
    ("private", None),
    (None, None),
])
def test_parse_max_age(header: str | None, seconds: int | None) -> None:
    assert parse_max_age(header) == seconds
