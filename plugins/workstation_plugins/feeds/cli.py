"""``workstation feed …``: subscribe, list, remove, refresh, OPML import and export.

The commands reach the profile only through the host's
:class:`~workstation.api.HostServices` (given to the
``workstation_cli_commands`` hook), so they work the same for any host.
docs/feeds.md describes them for users.

Example::

    $ workstation feed add https://arsmachina.example --folder Tech
    Subscribed to 'Ars Machina' (Tech): 25 new entries.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from workstation.api import HostServices, SourceConfig, SourceError, SyncOutcome

from . import (
    SOURCE_TYPE,
    _same_feed_key,
    new_feed_config,
    opml_feed_from_config,
    plan_opml_import,
    probe,
    unique_name,
)
from .discover import Candidate
from .opml import OpmlError, read_opml, render_opml
from .source import FORCE_KEY, feed_status

__all__ = ["FeedCommandError", "make_feed_group"]

_TYPE_NAMES = {"application/rss+xml": "RSS", "application/rdf+xml": "RSS 1.0",
               "application/atom+xml": "Atom", "application/feed+json": "JSON Feed",
               "application/json": "JSON Feed"}


class FeedCommandError(click.ClickException):
    """An error for the user: one line on stderr, exit code 1 (the CLI's convention)."""

    def show(self, file: Any = None) -> None:
        click.echo(f"workstation: error: {self.format_message()}", err=True)


def _feeds(host: HostServices) -> list[SourceConfig]:
    return sorted(host.list_sources(SOURCE_TYPE), key=lambda s: s.name.casefold())


def _probe(url: str, username: str | None, password: str | None) -> list[Candidate]:
    try:
        return asyncio.run(probe(url, username=username, password=password))
    except SourceError as exc:
        raise FeedCommandError(str(exc)) from exc


def _choose(url: str, candidates: list[Candidate]) -> Candidate:
    if len(candidates) == 1:
        return candidates[0]
    click.echo(f"{url} offers {len(candidates)} feeds:", err=True)
    for n, c in enumerate(candidates, 1):
        kind = _TYPE_NAMES.get(c.type, c.type or "feed")
        click.echo(f"  {n}. {c.title or '(no title)'}  {c.url}  [{kind}]", err=True)
    if sys.stdin is None or not sys.stdin.isatty():
        raise FeedCommandError("Several feeds were found; run the command again with the "
                               "address of the one you want.")
    choice: int = click.prompt("Subscribe to which one?", type=click.IntRange(1, len(candidates)),
                               default=1, err=True)
    return candidates[choice - 1]


def _summary(outcome: SyncOutcome) -> str:
    return f"{outcome.added} new entries" if outcome.added != 1 else "1 new entry"


def _health_from_error(last_error: str | None) -> str:
    if not last_error:
        return "ok"
    return "gone" if "(HTTP 410" in last_error else "failing"


def make_feed_group(host: HostServices) -> click.Group:
    """The ``feed`` command group, bound to ``host``."""

    @click.group("feed")
    def feed() -> None:
        """Subscribe to RSS, Atom and JSON feeds; import and export OPML."""

    @feed.command("add")
    @click.argument("url")
    @click.option("--folder", metavar="NAME", help="File the feed in this folder (e.g. Tech).")
    @click.option("--name", metavar="NAME", help="The feed's name here (default: its title).")
    @click.option("--username", metavar="USER",
                  help="For a feed behind a login: the password is asked for and kept in "
                       "the system keyring.")
    @click.option("--no-sync", is_flag=True, help="Subscribe without fetching entries now.")
    def add(url: str, folder: str | None, name: str | None, username: str | None,
            no_sync: bool) -> None:
        """Subscribe to the feed at URL, or to one of the feeds a web page names."""
        password = (click.prompt(f"Password for {username}", hide_input=True, err=True)
                    if username else None)
        candidates = _probe(url, username, password)
        if not candidates:
            raise FeedCommandError(f"No feed found at {url}: the page names none, and none of "
                                   "the usual addresses (/feed, /rss, /atom.xml…) has one.")
        chosen = _choose(url, candidates)
        if not chosen.verified:
            # A page named it; make sure it is a feed, and learn its real title.
            (chosen,) = _probe(chosen.url, username, password)[:1] or [chosen]
            if not chosen.verified:
                raise FeedCommandError(f"{chosen.url} is named as a feed but is not one.")
        feeds = _feeds(host)
        same = [f.name for f in feeds if _same_feed_key(str(f.config.get("url", "")))
                == _same_feed_key(chosen.url)]
        if same:
            raise FeedCommandError(f"You already subscribe to {chosen.url} (as '{same[0]}').")
        taken = [s.name for s in host.list_sources()]
        if name and name.casefold() in {t.casefold() for t in taken}:
            raise FeedCommandError(f"A source named '{name}' already exists; choose another "
                                   "--name.")
        final_name = name or unique_name(chosen.title, taken)
        config = new_feed_config(chosen.url, title=name or chosen.title,
                                 site_url=chosen.site_url, folder=folder, username=username)
        if username and password is not None:
            # The password first: a feed that cannot read its password is no use.
            try:
                host.source_secrets(final_name).set("password", password)
            except Exception as exc:
                raise FeedCommandError(f"The password could not be saved in the system "
                                       f"keyring ({exc}); the feed was not added.") from exc
        try:
            host.add_source(final_name, SOURCE_TYPE, config)
        except ValueError as exc:
            if username:
                with contextlib.suppress(Exception):
                    host.source_secrets(final_name).delete("password")
            raise FeedCommandError(str(exc)) from exc
        where = f" ({config['folder']})" if config["folder"] else ""
        if no_sync:
            click.echo(f"Subscribed to '{final_name}'{where}.")
            return
        (outcome,) = host.sync([final_name])
        if outcome.error:
            click.echo(f"Subscribed to '{final_name}'{where}, but the first refresh failed: "
                       f"{outcome.error}", err=True)
        else:
            click.echo(f"Subscribed to '{final_name}'{where}: {_summary(outcome)}.")

    @feed.command("list")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON (see docs/feeds.md).")
    def list_(as_json: bool) -> None:
        """List the feeds you subscribe to, with their health."""
        rows: list[dict[str, Any]] = []
        for s in _feeds(host):
            # Health lives in the source's state (etag, errors, moved address…).
            status = feed_status(s.config, functools.partial(host.get_source_state, s.name))
            rows.append({
                "name": s.name, "title": s.config.get("title"), "folder": s.config.get("folder"),
                "url": status.url if status else s.config.get("url"),
                "site_url": s.config.get("site_url"),
                "health": status.health if status else _health_from_error(s.last_error),
                "message": status.message if status else (s.last_error or ""),
                "last_error": s.last_error,
            })
        if as_json:
            click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not rows:
            click.echo("No feeds yet: add one with 'workstation feed add URL'.")
            return
        for r in rows:
            folder = f"  [{r['folder']}]" if r["folder"] else ""
            state = r["health"] + (f": {r['message']}" if r["message"] else "")
            click.echo(f"{r['name']}{folder}  {r['url']}  ({state})")

    @feed.command("remove")
    @click.argument("name")
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    def remove(name: str, yes: bool) -> None:
        """Unsubscribe from a feed and remove its entries from this computer."""
        if name not in {f.name for f in _feeds(host)}:
            raise FeedCommandError(f"No feed named '{name}'; see 'workstation feed list'.")
        if not yes and not click.confirm(f"Unsubscribe from '{name}' and remove its entries?",
                                         err=True):
            raise FeedCommandError("Cancelled.")
        host.remove_source(name)
        # No password saved, or no keyring at all: nothing to delete then.
        with contextlib.suppress(Exception):
            host.source_secrets(name).delete("password")
        click.echo(f"Unsubscribed from '{name}'.")

    @feed.command("refresh")
    @click.argument("names", nargs=-1)
    def refresh(names: Sequence[str]) -> None:
        """Fetch feeds now, whatever their schedule (all feeds without NAMES)."""
        known = [f.name for f in _feeds(host)]
        unknown = [n for n in names if n not in known]
        if unknown:
            raise FeedCommandError(f"No feed named '{unknown[0]}'; see 'workstation feed list'.")
        targets = list(names) or known
        if not targets:
            click.echo("No feeds yet: add one with 'workstation feed add URL'.")
            return
        for n in targets:
            host.set_source_state(n, FORCE_KEY, True)
        outcomes = host.sync(targets)
        for o in outcomes:
            click.echo(f"{o.source}: failed — {o.error}" if o.error
                       else f"{o.source}: {o.added} new, {o.updated} updated", err=True)
        failed = [o for o in outcomes if o.error]
        if failed:
            raise FeedCommandError(f"{len(failed)} of {len(outcomes)} feeds failed.")

    @feed.command("import-opml")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--folder", metavar="NAME", help="File everything under this folder too.")
    @click.option("--sync", "sync_now", is_flag=True, help="Fetch the new feeds right away.")
    def import_opml(file: Path, folder: str | None, sync_now: bool) -> None:
        """Subscribe to the feeds of an OPML file (from Thunderbird, Feedly, FreshRSS…)."""
        try:
            found = read_opml(file)
        except OpmlError as exc:
            raise FeedCommandError(str(exc)) from exc
        feeds = _feeds(host)
        plan = plan_opml_import(found, {f.name: f.config for f in feeds},
                                taken_names=[s.name for s in host.list_sources()],
                                folder=folder)
        for name, config in plan.add:
            host.add_source(name, SOURCE_TYPE, config)
            click.echo(f"  + {name}" + (f"  [{config['folder']}]" if config["folder"] else ""))
        for skipped, why in plan.skipped:
            click.echo(f"  = {skipped.title}: {why}")
        click.echo(f"Imported {len(plan.add)} of {len(found)} feeds from {file}.")
        if sync_now and plan.add:
            failed = [o for o in host.sync([n for n, _ in plan.add]) if o.error]
            for o in failed:
                click.echo(f"{o.source}: failed — {o.error}", err=True)
            click.echo(f"Fetched {len(plan.add) - len(failed)} of {len(plan.add)} feeds.")
        elif plan.add:
            click.echo("Run 'workstation sync' to fetch their entries.")

    @feed.command("export-opml")
    @click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
    def export_opml(file: Path | None) -> None:
        """Write your subscriptions as OPML 2.0 to FILE (or to the standard output)."""
        feeds = []
        for f in _feeds(host):
            if not f.config.get("url"):
                continue
            entry = opml_feed_from_config(f.name, f.config)
            # After a permanent move, export the new address.
            moved = feed_status(f.config, functools.partial(host.get_source_state, f.name)).url
            entry = dataclasses.replace(entry, url=moved)
            feeds.append(entry)
        document = render_opml(feeds)
        if file is None:
            click.echo(document, nl=False)  # bytes go to the binary stdout as they are
            return
        try:
            file.write_bytes(document)
        except OSError as exc:
            raise FeedCommandError(f"{file} cannot be written ({exc.strerror or exc}).") from exc
        click.echo(f"Exported {len(feeds)} feeds to {file}.", err=True)

    return feed

