"""``workstation feed …`` through the host's plugin-command wiring, on a real profile."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click
import keyring
import keyring.core
import pytest
from click.testing import CliRunner, Result
from feeds_helpers import DATA, FeedServer, Reply, data

import workstation_plugins.feeds as feeds
from workstation.api import SecretStore, SourceConfig, SyncOutcome
from workstation.app import Workstation
from workstation.cli.main import Env, add_plugin_commands
from workstation.plugin_host.manager import PluginHost
from workstation.secrets import Secrets, source_scope
from workstation.store.queries import ItemFilter
from workstation.testing.keyring_backend import TestKeyring
from workstation_plugins.feeds import OpmlFeed, parse_opml
from workstation_plugins.feeds.cli import make_feed_group

pytestmark = pytest.mark.network


def _root() -> click.Group:
    plugins = PluginHost()
    plugins.register(feeds, "feeds")

    @click.group()
    @click.pass_context
    def root(ctx: click.Context) -> None:
        ctx.obj = Env(None, False, 0, plugins)
        ctx.call_on_close(ctx.obj.close)

    add_plugin_commands(root, plugins)
    return root


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(_root(), list(args), input=input, catch_exceptions=False)


def items(profile: Path, source: str) -> list[tuple[str, str | None]]:
    app = Workstation.open(profile, write=False, host=PluginHost())
    try:
        page = app.list_items(ItemFilter(source=source, archived=None), limit=100)
        return sorted((i.title, i.folder) for i in page.items)
    finally:
        app.close()


def test_add_list_refresh_remove(server: FeedServer, profile_dir: Path) -> None:
    server.feed("/feeds/rss20.xml", data("rss20.xml"), etag='"1"')
    url = server.url("/feeds/rss20.xml")
    result = run("feed", "add", url, "--folder", "Tech")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Subscribed to 'Ars Machina' (Tech): 3 new entries.\n"
    assert [f for _, f in items(profile_dir, "Ars Machina")] == ["Tech/Ars Machina"] * 3

    result = run("feed", "list")
    assert result.stdout == f"Ars Machina  [Tech]  {url}  (ok)\n"
    result = run("feed", "list", "--json")
    assert '"health": "ok"' in result.stdout and '"folder": "Tech"' in result.stdout

    again = run("feed", "add", url)
    assert again.exit_code == 1
    assert again.stderr == (f"workstation: error: You already subscribe to {url} "
                            "(as 'Ars Machina').\n")

    result = run("feed", "refresh", "Ars Machina")
    assert result.exit_code == 0, result.output
    assert result.stderr == "Ars Machina: 0 new, 0 updated\n"
    assert server.requests[-1].headers.get("if-none-match") == '"1"'  # a conditional GET

    result = run("feed", "remove", "Ars Machina", "--yes")
    assert result.stdout == "Unsubscribed from 'Ars Machina'.\n"
    assert items(profile_dir, "Ars Machina") == []
    assert run("feed", "list").stdout == ("No feeds yet: add one with "
                                          "'workstation feed add URL'.\n")
    missing = run("feed", "remove", "Ars Machina", "--yes")
    assert missing.exit_code == 1 and "No feed named 'Ars Machina'" in missing.stderr


def test_add_from_a_page_with_several_feeds(server: FeedServer) -> None:
    server.feed("/", data("page.html"), "text/html")
    server.feed("/feeds/atom10.xml", data("atom10.xml"), "application/atom+xml")
    result = run("feed", "add", server.url("/"))
    assert result.exit_code == 1
    assert f"  2. Posts (Atom)  {server.url('/feeds/atom10.xml')}  [Atom]" in result.stderr
    assert "Several feeds were found; run the command again" in result.stderr
    # Named by the page, checked before subscribing: the real title is used.
    result = run("feed", "add", server.url("/feeds/atom10.xml"), "--name", "Blog", "--no-sync")
    assert result.stdout == "Subscribed to 'Blog'.\n"


def test_add_failures(server: FeedServer) -> None:
    server.feed("/nothing", b"<!doctype html><p>no feeds</p>", "text/html")
    result = run("feed", "add", server.url("/nothing"))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"workstation: error: No feed found at "
                                    f"{server.url('/nothing')}")
    server.reply("/404", Reply(404))
    result = run("feed", "add", server.url("/404"))
    assert result.stderr == (f"workstation: error: There is no feed at {server.url('/404')} "
                             "any more (HTTP 404 Not Found).\n")


@pytest.fixture
def test_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.core._keyring_backend)
    keyring.set_keyring(TestKeyring())


@pytest.mark.usefixtures("test_keyring")
def test_add_with_a_password(server: FeedServer) -> None:
    server.basic_auth("/private.xml", data("rss10.rdf"), "ada", "pa55word")
    result = run("feed", "add", server.url("/private.xml"), "--username", "ada",
                 input="pa55word\n")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Subscribed to 'RDF Site Summary': 1 new entry.\n"
    assert Secrets().scoped(source_scope("RDF Site Summary")).get("password") == "pa55word"
    run("feed", "remove", "RDF Site Summary", "--yes")
    assert Secrets().scoped(source_scope("RDF Site Summary")).get("password") is None


def test_opml_import_and_export(tmp_path: Path) -> None:
    result = run("feed", "import-opml", str(DATA / "thunderbird.opml"))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "  + Ars Machina  [Tech]", "  + Kernel News  [Tech/Linux]", "  + Mozilla Blog",
        "Imported 3 of 3 feeds from " + str(DATA / "thunderbird.opml") + ".",
        "Run 'workstation sync' to fetch their entries."]
    result = run("feed", "import-opml", str(DATA / "newsboat.opml"), "--folder", "From newsboat")
    assert "  = Ars Machina: already subscribed" in result.stdout
    assert "  + query.example  [From newsboat]" in result.stdout

    exported = run("feed", "export-opml")
    assert exported.exit_code == 0
    assert parse_opml(exported.stdout_bytes) == [
        OpmlFeed("https://arsmachina.example/feed", "Ars Machina",
                 "https://arsmachina.example/", "Tech"),
        OpmlFeed("https://kernel.example/rss.xml", "Kernel News",
                 "https://kernel.example/", "Tech/Linux"),
        OpmlFeed("https://blog.mozilla.example/feed/", "Mozilla Blog",
                 "https://blog.mozilla.example/", None),
        OpmlFeed("https://query.example/feed?tag=a&page=1", "query.example", None,
                 "From newsboat"),
    ]
    out = tmp_path / "subs.opml"
    result = run("feed", "export-opml", str(out))
    assert result.stderr == f"Exported 4 feeds to {out}.\n"
    assert len(parse_opml(out.read_bytes())) == 4

    bad = tmp_path / "bad.opml"
    bad.write_text('<!DOCTYPE x [<!ENTITY a "b">]><opml/>')
    result = run("feed", "import-opml", str(bad))
    assert result.exit_code == 1 and "refused for safety" in result.stderr


def test_refresh_reports_failures(server: FeedServer) -> None:
    server.feed("/ok.xml", data("rss20.xml"))
    server.feed("/broken.xml", data("rss10.rdf"))
    assert run("feed", "add", server.url("/ok.xml"), "--no-sync").exit_code == 0
    assert run("feed", "add", server.url("/broken.xml"), "--no-sync").exit_code == 0
    server.reply("/broken.xml", Reply(500))
    result = run("feed", "refresh")
    assert result.exit_code == 1
    assert "Ars Machina: 3 new, 0 updated" in result.stderr
    assert (f"RDF Site Summary: failed — 127.0.0.1:{server.port} has a problem of its own "
            "(HTTP 500 Internal Server Error); try again later.") in result.stderr
    assert result.stderr.endswith("workstation: error: 1 of 2 feeds failed.\n")
    listing = run("feed", "list").stdout
    assert "RDF Site Summary" in listing and "(failing: " in listing


class StateHost:
    """A HostServices that also offers get_source_state (not in the API yet)."""

    def __init__(self, sources: list[SourceConfig], state: dict[tuple[str, str], Any]) -> None:
        self.sources, self.state = sources, state

    def list_sources(self, type_: str | None = None) -> list[SourceConfig]:
        return [s for s in self.sources if type_ in (None, s.type)]

    def get_source_state(self, name: str, key: str, default: Any = None) -> Any:
        return self.state.get((name, key), default)

    def add_source(self, name: str, type_: str, config: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def update_source(self, name: str, config: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def remove_source(self, name: str) -> None:
        raise NotImplementedError

    def set_source_state(self, name: str, key: str, value: Any) -> None:
        self.state[(name, key)] = value

    def source_secrets(self, name: str) -> SecretStore:
        raise NotImplementedError

    def sync(self, names: Sequence[str]) -> list[SyncOutcome]:
        return []


def test_list_and_export_use_the_source_state() -> None:
    old = "https://old.example/feed"
    host = StateHost(
        [SourceConfig("Moved", "feeds", {"url": old, "title": "Moved", "folder": "Tech"}),
         SourceConfig("Other", "imap", {})],
        {("Moved", "config_url"): old, ("Moved", "url"): "https://new.example/feed",
         ("Moved", "health"): "warning",
         ("Moved", "health_message"): "The feed is not well-formed XML at line 3: x."})
    group = make_feed_group(host)
    listing = CliRunner().invoke(group, ["list"])
    assert listing.stdout == ("Moved  [Tech]  https://new.example/feed  (warning: The feed is "
                              "not well-formed XML at line 3: x.)\n")
    exported = CliRunner().invoke(group, ["export-opml"])
    assert parse_opml(exported.stdout_bytes) == [
        OpmlFeed("https://new.example/feed", "Moved", None, "Tech")]
