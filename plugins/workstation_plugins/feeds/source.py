"""The ``feeds`` source: one instance per feed subscription.

Configuration (``ctx.config``), as ``workstation feed add`` writes it:

=================  ==========================================================
``url``            the feed's address (required)
``folder``         the folder the user filed it in ("Tech"), or null
``title``          the user's name for the feed (the folder shows it)
``site_url``       the site's home page, for "open site"
``interval_minutes``  refresh interval; null = 60 (publisher hints may lengthen it)
``retention_days``    remove entries older than this; null = keep all
``retention_items``   keep only this many newest entries; null = keep all
``open_in``        "pane" or "browser": for the UI
``notify``         whether new entries notify: for the host
``username``       HTTP basic auth user; the password is the secret "password"
``connect_timeout`` / ``read_timeout``  seconds (10 / 30), for slow intranets
=================  ==========================================================

State (``ctx.get_state``), all JSON: ``url`` (the current address: differs
from the configured one after a permanent redirect), ``config_url`` (the
configured address the state belongs to), ``etag``, ``last_modified``,
``next_due`` (ISO time), ``error_count``, ``last_status``, ``health``
("ok", "warning", "failing", "gone"), ``health_message``, ``last_attempt``,
``last_success``, ``feed`` (title, format, ttl, skip hours/days),
``max_age``, ``entries`` (remote_id → [date, fingerprint], for retention and
for emitting only what changed) and ``force_next`` (set true by the CLI to
fetch now, whatever the schedule).

Example, what the host does::

    source = FeedSource(ctx)      # ctx.config == {"url": "https://…/feed.xml", …}
    await source.sync(sink)       # emits new and changed entries
    await source.close()
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

from workstation.api import (
    Action,
    Item,
    PermanentActionError,
    SourceContext,
    SourceError,
    SyncSink,
)

from .fetch import DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, FetchResult, fetch, shared_client
from .parse import FeedParseError, NotAFeedError, ParsedFeed, parse_feed
from .schedule import Timing, next_due, parse_max_age

__all__ = ["BATCH_SIZE", "FORCE_KEY", "LOCAL_VERBS", "FeedSource", "FeedStatus", "feed_status"]

BATCH_SIZE = 200
FORCE_KEY = "force_next"
"""State key the CLI sets to ``True`` to fetch a feed now, whatever its schedule."""
LOCAL_VERBS = frozenset({"Read", "Unread", "Star", "Unstar", "Archive", "Unarchive",
                         "Mute", "Unmute", "Flag", "Unflag"})
"""Actions that only change the local copy: a feed has no server-side state."""
MAX_TRACKED_ENTRIES = 20_000
"""Entries remembered per feed without retention: enough for years of a busy
feed, and the state stays a few megabytes at most."""

Clock = Callable[[], datetime]


def _iso(when: datetime | None) -> str | None:
    return when.astimezone(UTC).isoformat() if when else None


def _from_iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _fingerprint(item: Item) -> str:
    """What a reader would notice changing; ``received`` is not part of it."""
    data = [item.title, item.summary, item.content, item.url, item.folder,
            item.actor.to_dict() if item.actor else None, _iso(item.published),
            _iso(item.updated), list(item.tags), [a.to_dict() for a in item.attachments],
            item.language]
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()[:20]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return float(value)


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """A feed's health, for ``workstation feed list`` and the UI."""

    url: str
    health: str  # "new", "ok", "warning", "failing", "gone"
    message: str
    next_due: datetime | None
    last_success: datetime | None
    error_count: int
    title: str | None

    def line(self) -> str:
        """One line for a listing: "ok", "failing: <reason>", …"""
        return self.health if not self.message else f"{self.health}: {self.message}"


def feed_status(config: Mapping[str, Any], get_state: Callable[[str, Any], Any]) -> FeedStatus:
    """The status of a subscription from its config and state (``ctx.get_state``-like)."""
    url = str(config.get("url") or "")
    current = get_state("config_url", None) == url
    meta = get_state("feed", None) if current else None
    return FeedStatus(
        url=str(get_state("url", None) or url) if current else url,
        health=str(get_state("health", None) or "new") if current else "new",
        message=str(get_state("health_message", None) or "") if current else "",
        next_due=_from_iso(get_state("next_due", None)) if current else None,
        last_success=_from_iso(get_state("last_success", None)) if current else None,
        error_count=int(get_state("error_count", 0) or 0) if current else 0,
        title=meta.get("title") if isinstance(meta, dict) else None,
    )


class _State:
    """The source's state, read once and written back only where it changed.

    Every ``set_state`` is a transaction on the host's writer thread; a sync
    writes a handful of keys once, at the end.
    """

    def __init__(self, ctx: SourceContext) -> None:
        self._ctx = ctx
        self._cache: dict[str, Any] = {}
        self._dirty: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self._cache:
            self._cache[key] = self._ctx.get_state(key, None)
        value = self._cache[key]
        return default if value is None else value

    def set(self, key: str, value: Any) -> None:
        if self.get(key) != value:
            self._cache[key] = value
            self._dirty.add(key)

    def flush(self) -> None:
        for key in sorted(self._dirty):
            self._ctx.set_state(key, self._cache[key])
        self._dirty.clear()

    def forget(self) -> None:
        """Drop the cache so the next read sees what others (the CLI) wrote."""
        self._cache = {k: v for k, v in self._cache.items() if k in self._dirty}


class FeedSource:
    """One feed subscription (see the module docstring for config and state)."""

    def __init__(self, ctx: SourceContext, *, clock: Clock | None = None) -> None:
        self.ctx = ctx
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self._state = _State(ctx)

    # -- configuration --------------------------------------------------------
    @property
    def config_url(self) -> str:
        url = self.ctx.config.get("url")
        if not isinstance(url, str) or not url.strip():
            raise SourceError(f"The feed '{self.ctx.name}' has no address; "
                              "remove it and add it again with `workstation feed add`.")
        return url.strip()

    def _timeouts(self) -> tuple[float, float]:
        return (_number(self.ctx.config.get("connect_timeout")) or DEFAULT_CONNECT_TIMEOUT,
                _number(self.ctx.config.get("read_timeout")) or DEFAULT_READ_TIMEOUT)

    def _timing(self, meta: Mapping[str, Any], max_age: int | None) -> Timing:
        return Timing(
            interval_minutes=_number(self.ctx.config.get("interval_minutes")),
            ttl_minutes=meta.get("ttl") if isinstance(meta.get("ttl"), int) else None,
            max_age_seconds=max_age,
            skip_hours=frozenset(h for h in meta.get("skip_hours", ()) if isinstance(h, int)),
            skip_days=frozenset(d for d in meta.get("skip_days", ()) if isinstance(d, int)))

    async def _auth(self) -> tuple[str, str] | None:
        user = self.ctx.config.get("username")
        if not isinstance(user, str) or not user:
            return None
        try:
            # Keyring backends block (D-Bus, a file): not on the event loop.
            password = await asyncio.to_thread(self.ctx.secrets.get, "password")
        except Exception as exc:
            raise SourceError(f"The password for the feed '{self.ctx.name}' cannot be read "
                              f"from the system keyring: {exc}") from exc
        if password is None:
            raise SourceError(f"The feed '{self.ctx.name}' needs the password of user "
                              f"'{user}', and none is saved in the keyring.")
        return user, password

    # -- the Source protocol -------------------------------------------------
    async def sync(self, sink: SyncSink) -> None:
        st = self._state
        st.forget()
        now = self.clock()
        config_url = self.config_url
        if st.get("config_url") != config_url:
            self._reset(config_url)
        url = str(st.get("url") or config_url)
        forced = bool(self.ctx.get_state(FORCE_KEY, False))
        if forced:
            self.ctx.set_state(FORCE_KEY, False)

        health = st.get("health")
        if health == "gone" and not forced:
            raise SourceError(str(st.get("health_message")))
        due = _from_iso(st.get("next_due"))
        if not forced and due is not None and now < due:
            if health == "failing":
                # Still shown as failing between tries, never silently paused.
                raise SourceError(f"{st.get('health_message')} Next try at "
                                  f"{due:%Y-%m-%d %H:%M} UTC.")
            sink.progress(0, 0, f"Up to date; next refresh at {due:%H:%M} UTC")
            return

        sink.progress(0, None, f"Fetching {url}")
        try:
            auth = await self._auth()
        except SourceError as exc:
            # A local problem (no password): shown as failing, but no backoff,
            # so the feed works at the next sync once the password is saved.
            st.set("health", "failing")
            st.set("health_message", str(exc))
            st.flush()
            raise
        connect_timeout, read_timeout = self._timeouts()
        async with shared_client() as client:
            result = await fetch(client, url, etag=st.get("etag"),
                                 last_modified=st.get("last_modified"), auth=auth,
                                 connect_timeout=connect_timeout, read_timeout=read_timeout,
                                 now=now)
        st.set("last_attempt", _iso(now))
        st.set("last_status", result.status)

        if result.gone:
            self._stop(result)
        if not result.ok:
            self._fail(now, result.error or f"Fetching {url} failed.", result.retry_after)
        if result.not_modified:
            self._succeed(now, result, None)
            sink.progress(0, 0, "No new entries")
            return
        assert result.body is not None
        try:
            parsed = await asyncio.to_thread(
                parse_feed, result.body, url=result.final_url, source=self.ctx.name,
                content_type=result.headers.get("content-type"),
                folder=self._folder(), title=self._title(), now=now)
        except NotAFeedError as exc:
            self._fail(now, f"{url} does not point to a feed any more: {exc} If the site "
                            "moved its feed, add it again with `workstation feed add "
                            "SITE-ADDRESS`.", None)
        except FeedParseError as exc:
            self._fail(now, f"The feed at {url} cannot be read: {exc}", None)
        await self._store(sink, parsed, now)
        self._succeed(now, result, parsed)

    async def perform(self, action: Action) -> None:
        if action.verb in LOCAL_VERBS:
            return  # nothing to tell a feed: the flag lives in the local store only
        raise PermanentActionError(
            f"A feed is read-only: '{action.verb}' cannot be sent to it "
            "(only local changes such as read, star or archive apply to feed entries).")

    async def fetch_content(self, item: Item) -> Item:
        return item  # the feed document carries the whole entry; nothing to fetch

    async def close(self) -> None:
        # Clients live for one sync round (fetch.shared_client), so no
        # connection outlives a sync; pending state is written, though.
        self._state.flush()

    # -- helpers -------------------------------------------------------------
    def _folder(self) -> str | None:
        folder = self.ctx.config.get("folder")
        return folder if isinstance(folder, str) and folder.strip() else None

    def _title(self) -> str | None:
        title = self.ctx.config.get("title")
        return title if isinstance(title, str) and title.strip() else None

    def _reset(self, config_url: str) -> None:
        """The user changed the address: what was learnt about the old one is void."""
        st = self._state
        st.set("config_url", config_url)
        st.set("url", config_url)
        for key in ("etag", "last_modified", "next_due", "health", "health_message",
                    "max_age", "last_status"):
            st.set(key, None)
        st.set("error_count", 0)

    def _stop(self, result: FetchResult) -> NoReturn:
        st = self._state
        message = result.error or f"The feed at {result.url} is gone; it has been stopped."
        st.set("health", "gone")
        st.set("health_message", message)
        st.set("error_count", int(st.get("error_count", 0)) + 1)
        st.set("next_due", None)
        st.flush()
        self.ctx.log.warning("feed %s stopped: %s", self.ctx.name, message)
        raise SourceError(message)

    def _fail(self, now: datetime, message: str, retry_after: datetime | None) -> NoReturn:
        st = self._state
        errors = int(st.get("error_count", 0)) + 1
        due = next_due(now, self._timing(st.get("feed", {}), st.get("max_age")),
                       errors=errors, retry_after=retry_after)
        st.set("error_count", errors)
        st.set("health", "failing")
        st.set("health_message", message)
        st.set("next_due", _iso(due))
        st.flush()
        raise SourceError(message)

    def _succeed(self, now: datetime, result: FetchResult, parsed: ParsedFeed | None) -> None:
        st = self._state
        moved = result.permanent_redirect
        if moved and moved != st.get("url"):
            self.ctx.log.info("feed %s moved permanently to %s", self.ctx.name, moved)
            st.set("url", moved)
        if parsed is not None:
            # Validators only once the entries are stored: if storing failed,
            # the next sync must fetch the whole document again.
            st.set("etag", result.etag)
            st.set("last_modified", result.last_modified)
            info = parsed.info
            st.set("feed", {"title": info.title, "site_url": info.site_url,
                            "format": info.format, "ttl": info.ttl_minutes,
                            "skip_hours": sorted(info.skip_hours),
                            "skip_days": sorted(info.skip_days)})
            if parsed.problem:
                st.set("health", "warning")
                st.set("health_message", f"The feed is {parsed.problem}.")
            else:
                st.set("health", "ok")
                st.set("health_message", f"Moved permanently to {moved}." if moved else "")
        elif st.get("health") != "warning":  # a 304: the old document's warning stands
            st.set("health", "ok")
            st.set("health_message", f"Moved permanently to {moved}." if moved else "")
        max_age = parse_max_age(result.headers.get("cache-control"))
        st.set("max_age", max_age)
        st.set("error_count", 0)
        st.set("last_success", _iso(now))
        st.set("next_due", _iso(next_due(now, self._timing(st.get("feed", {}), max_age))))
        st.flush()

    async def _store(self, sink: SyncSink, parsed: ParsedFeed, now: datetime) -> None:
        """Emit new and changed entries; apply retention to the ones we emitted."""
        known: dict[str, list[Any]] = dict(self._state.get("entries", {}))
        current: dict[str, tuple[datetime, str, Item]] = {}
        for item in parsed.items:
            first_seen = _from_iso((known.get(item.remote_id) or [None])[0])
            when = item.published or item.updated or first_seen or now
            current[item.remote_id] = (when, _fingerprint(item), item)

        dropped = self._beyond_retention(
            {rid: _from_iso(v[0]) or now for rid, v in known.items()}
            | {rid: when for rid, (when, _fp, _it) in current.items()}, now)
        changed = [item for rid, (_when, fp, item) in current.items()
                   if rid not in dropped and (known.get(rid) or [None, None])[1] != fp]

        total = len(changed)
        for start in range(0, total, BATCH_SIZE):
            await sink.emit(changed[start:start + BATCH_SIZE])
            sink.progress(min(start + BATCH_SIZE, total), total, "Saving entries")
            for item in changed[start:start + BATCH_SIZE]:
                when, fp, _item = current[item.remote_id]
                known[item.remote_id] = [_iso(when), fp]
        expired = sorted(rid for rid in dropped if rid in known)
        if expired:
            # expire, not remove: the host keeps the entries the user starred.
            # Entries that merely left the feed are never removed.
            await sink.expire(expired)
            for rid in expired:
                known.pop(rid, None)
        if len(known) > MAX_TRACKED_ENTRIES:
            newest = sorted(known.items(), key=lambda kv: str(kv[1][0]), reverse=True)
            known = dict(newest[:MAX_TRACKED_ENTRIES])
        self._state.set("entries", known)
        if total == 0:
            sink.progress(0, 0, "No new entries")

    def _beyond_retention(self, dates: Mapping[str, datetime], now: datetime) -> set[str]:
        days = _number(self.ctx.config.get("retention_days"))
        keep = self.ctx.config.get("retention_items")
        out: set[str] = set()
        if days is not None:
            limit = now - timedelta(days=min(days, 100_000))
            out |= {rid for rid, when in dates.items() if when < limit}
        if isinstance(keep, int) and not isinstance(keep, bool) and keep > 0:
            ranked = sorted(dates, key=lambda rid: (dates[rid], rid), reverse=True)
            out |= set(ranked[keep:])
        return out

