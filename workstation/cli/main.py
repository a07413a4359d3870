"""The ``workstation`` command.

Exit codes (docs/cli.md): 0 success, 1 an error explained in one line on
stderr, 2 a usage error (click's own).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from workstation import __version__
from workstation.api.version import API_VERSION
from workstation.app.services import MARK_ACTIONS, Workstation
from workstation.cli.host import CliHost
from workstation.cli.output import item_json, item_line, item_text
from workstation.cli.progress import SyncProgress
from workstation.plugin_host.manager import PluginHost
from workstation.profile import ENV_PROFILE, resolve_profile_dir
from workstation.store.queries import ItemFilter, Page

log = logging.getLogger("workstation.cli")

# How long a command that writes waits for another process to release the profile.
WRITE_WAIT_SECONDS = 3.0


class CliError(click.ClickException):
    """An error for the user: one line on stderr, exit code 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"workstation: error: {self.format_message()}", err=True)


class Env:
    """What the global options chose, and the profile opened on demand."""

    def __init__(self, profile: str | None, demo: bool, verbose: int,
                 plugins: PluginHost | None = None) -> None:
        self.plugins = plugins
        self.demo = demo
        self.verbose = verbose
        self._demo_dir: Path | None = None
        self._explicit = profile
        self._app: Workstation | None = None

    @property
    def profile_dir(self) -> Path:
        if self.demo:
            if self._demo_dir is None:
                self._demo_dir = Path(tempfile.mkdtemp(prefix="workstation-demo-"))
            return self._demo_dir
        return resolve_profile_dir(self._explicit)

    def open(self, *, write: bool) -> Workstation:
        if self._app is not None:
            return self._app
        from workstation.logs import setup_logging

        path = self.profile_dir
        if not self.demo and not write and not (path / "workstation.db").exists():
            raise CliError(f"No Workstation profile in {path} yet. Add a source first, "
                           "or try the sample inbox with --demo.")
        app = Workstation.open(path, write=write or self.demo, wait=WRITE_WAIT_SECONDS,
                               host=self.plugins)
        setup_logging(app.profile.log_dir, logging.DEBUG if self.verbose else logging.INFO)
        if self.demo:
            from workstation.app.demo import populate_demo
            populate_demo(app)
        self._app = app
        return app

    def close(self) -> None:
        if self._app is not None:
            from workstation.logs import close_logging

            self._app.close()
            self._app = None
            close_logging()
        if self._demo_dir is not None:
            shutil.rmtree(self._demo_dir, ignore_errors=True)
            self._demo_dir = None


pass_env = click.make_pass_decorator(Env)


@click.group(invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version",
                      message=f"workstation %(version)s (plugin API {API_VERSION})")
@click.option("--profile", metavar="DIR", envvar=ENV_PROFILE,
              help=f"Profile directory (default: the OS data folder; also ${ENV_PROFILE}).")
@click.option("--demo", is_flag=True, help="Use a throwaway profile filled with the sample inbox.")
@click.option("-v", "--verbose", count=True, help="Log debug details to the log file.")
@click.pass_context
def cli(ctx: click.Context, profile: str | None, demo: bool, verbose: int) -> None:
    """Workstation: email, social streams and feeds in one inbox.

    Without a command, opens the desktop app.
    """
    env = Env(profile, demo, verbose, _PLUGINS.get("host"))
    ctx.obj = env
    ctx.call_on_close(env.close)
    if ctx.invoked_subcommand is None:
        ctx.invoke(gui)


@cli.command()
@pass_env
def gui(env: Env) -> None:
    """Open the desktop app."""
    try:
        # Looked up by name: the core must run where Qt is not installed.
        ui = importlib.import_module("workstation_ui.main")
    except ImportError as exc:
        raise CliError(f"The desktop interface cannot start ({exc}). "
                       "Reinstall Workstation with its Qt dependencies.") from exc
    argv = []
    if env.demo:
        argv.append("--demo")
    elif env._explicit:
        argv += ["--profile", str(env.profile_dir)]
    sys.exit(ui.main(argv))


def _limit(limit: int | None, as_json: bool) -> int:
    # A screen holds a page; a script wants everything at once.
    return limit or (1000 if as_json else 50)


def _print_page(page: Page, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps([item_json(i) for i in page.items], ensure_ascii=False, indent=2))
        return
    if not page.items:
        click.echo("Nothing here.")
        return
    now = datetime.now().astimezone()
    for item in page.items:
        click.echo(item_line(item, now))
    if page.cursor is not None:
        click.echo(f"… more: add --limit {len(page.items) * 2} to see further.")


@cli.command()
@click.option("--unread", is_flag=True, help="Only unread items.")
@click.option("--starred", is_flag=True, help="Only starred items.")
@click.option("--source", metavar="NAME", help="Only items of this source.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=None,
              help="At most N items (default: 50, or 1000 with --json).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see docs/cli.md).")
@pass_env
def inbox(env: Env, unread: bool, starred: bool, source: str | None, limit: int | None,
          as_json: bool) -> None:
    """List the inbox, newest first."""
    app = env.open(write=False)
    f = ItemFilter(unread=True if unread else None, starred=True if starred else None,
                   source=source)
    _print_page(app.list_items(f, limit=_limit(limit, as_json)), as_json)


@cli.command()
@click.argument("query")
@click.option("--limit", type=click.IntRange(1, 10_000), default=None,
              help="At most N items (default: 50, or 1000 with --json).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see docs/cli.md).")
@pass_env
def search(env: Env, query: str, limit: int | None, as_json: bool) -> None:
    """Search everything (language: docs/search.md), e.g. 'from:jonas is:unread'."""
    from workstation.core.search import SearchSyntaxError

    app = env.open(write=False)
    try:
        page = app.search(query, limit=_limit(limit, as_json))
    except SearchSyntaxError as exc:
        raise CliError(str(exc)) from exc
    _print_page(page, as_json)


@cli.command()
@click.argument("item_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see docs/cli.md).")
@pass_env
def show(env: Env, item_id: int, as_json: bool) -> None:
    """Show one item in full."""
    app = env.open(write=False)
    item = app.get_item(item_id)
    if item is None:
        raise CliError(f"No item with id {item_id}.")
    if as_json:
        click.echo(json.dumps(item_json(item, full=True), ensure_ascii=False, indent=2))
    else:
        click.echo(item_text(item))


@cli.command()
@click.argument("sources", nargs=-1)
@pass_env
def sync(env: Env, sources: tuple[str, ...]) -> None:
    """Bring sources up to date (all of them by default)."""
    app = env.open(write=True)
    known = [s.name for s in app.sources()]
    names = list(sources) or known
    if not names:
        click.echo("No sources yet: add an account or a feed first.")
        return
    progress = SyncProgress(names)

    async def run() -> list[Any]:
        try:
            return await app.sync(list(sources) or None, on_progress=progress.update)
        finally:
            await app.close_sources()

    try:
        results = asyncio.run(run())
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    for r in results:
        progress.finish(r.source, r.error,
                        f"{r.added} new, {r.updated} updated, {r.removed} removed"
                        + (f", {r.actions_sent} actions sent" if r.actions_sent else ""))
    failed = [r for r in results if r.error]
    if failed:
        raise CliError(f"{len(failed)} of {len(results)} sources failed: "
                       + "; ".join(f"{r.source}: {r.error}" for r in failed))


@cli.group()
def source() -> None:
    """List or remove sources (accounts, feeds, streams)."""


@source.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_env
def source_list(env: Env, as_json: bool) -> None:
    """List the configured sources with their state."""
    app = env.open(write=False)
    infos = app.sources()
    if as_json:
        click.echo(json.dumps([{
            "name": s.name, "type": s.type, "unread": s.unread, "total": s.total,
            "folders": list(s.folders), "pending_actions": s.pending_actions,
            "failed_actions": s.failed_actions, "last_error": s.last_error,
            "last_sync": (datetime.fromtimestamp(s.last_sync / 1000).astimezone().isoformat()
                          if s.last_sync else None),
        } for s in infos], ensure_ascii=False, indent=2))
        return
    if not infos:
        click.echo("No sources yet.")
        return
    for s in infos:
        state = f"error: {s.last_error}" if s.last_error else "ok"
        if s.plugin_missing:
            state = f"plugin '{s.type}' missing"
        extra = f", {s.pending_actions} actions waiting" if s.pending_actions else ""
        extra += f", {s.failed_actions} actions FAILED" if s.failed_actions else ""
        click.echo(f"{s.name}  ({s.display_type})  {s.unread} unread / {s.total}  [{state}{extra}]")


@source.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_env
def source_remove(env: Env, name: str, yes: bool) -> None:
    """Remove a source and the items it brought in."""
    app = env.open(write=True)
    if name not in {s.name for s in app.sources()}:
        raise CliError(f"No source named '{name}'; see 'workstation source list'.")
    if not yes and not click.confirm(f"Remove '{name}' and all its items from this computer?"):
        raise CliError("Cancelled.")
    app.remove_source(name)
    click.echo(f"Removed '{name}'.")


@cli.command()
@click.argument("action", type=click.Choice(list(MARK_ACTIONS)))
@click.argument("ids", nargs=-1, type=int, required=True)
@pass_env
def mark(env: Env, action: str, ids: tuple[int, ...]) -> None:
    """Mark items read, unread, starred…; the change is sent to the server at next sync."""
    app = env.open(write=True)
    missing = [i for i in ids if app.get_item(i) is None]
    if missing:
        raise CliError(f"No item with id {', '.join(map(str, missing))}.")
    changes = app.mark(list(ids), action)
    click.echo(f"{len(changes.updated)} item(s) marked {action}.")


_PLUGINS: dict[str, PluginHost] = {}


def _current_app() -> Workstation:
    env = click.get_current_context().find_object(Env)
    if env is None:  # pragma: no cover - plugin commands always run under cli
        raise CliError("This command must run as a 'workstation' subcommand.")
    return env.open(write=True)


def add_plugin_commands(group: click.Group, plugins: PluginHost) -> None:
    """Add the commands plugins contribute; a broken plugin loses only its commands."""
    host = CliHost(_current_app)
    # Each implementation is called on its own so that one plugin raising
    # does not cost the others their commands.
    for impl in plugins.pm.hook.workstation_cli_commands.get_hookimpls():
        name = impl.plugin_name
        try:
            returned: Any = impl.function(host=host)
            commands: list[object] = list(returned or ())
        except Exception:
            log.exception("plugin %s failed to provide its commands", name)
            continue
        for command in commands:
            if not isinstance(command, click.Command) or command.name in group.commands:
                log.warning("plugin %s: command %r ignored (not a click command, or the "
                            "name is taken)", name, getattr(command, "name", command))
                continue
            group.add_command(command)


def main(argv: list[str] | None = None) -> NoReturn:
    from workstation.core.search import SearchSyntaxError
    from workstation.profile import ProfileLockedError
    from workstation.store.db import StoreError
    from workstation.store.migrations import SchemaTooNewError

    plugins = _PLUGINS.setdefault("host", PluginHost.discover())
    add_plugin_commands(cli, plugins)
    try:
        cli.main(args=argv, prog_name="workstation", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (ProfileLockedError, StoreError, SchemaTooNewError, SearchSyntaxError,
            RuntimeError, OSError) as exc:
        click.echo(f"workstation: error: {exc}", err=True)
        sys.exit(1)
    except SystemExit:
        raise
    except Exception as exc:
        log.exception("internal error")
        click.echo(f"workstation: internal error: {type(exc).__name__}: {exc} "
                   "(details in the log file)", err=True)
        sys.exit(1)
    sys.exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
