"""The ``workstation`` command, run for real in subprocesses (docs/cli.md).

``--demo`` commands use the bundled resources/demo/items.json; the others use
a profile filled in-process with tests/data/sample_small.json and closed
before the subprocess starts.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sample_facts import BY_SOURCE, ORDER, STARRED, UNREAD, RunCli, only

from workstation import __version__
from workstation.api.model import ItemKind
from workstation.api.version import API_VERSION
from workstation.resources import demo_sample

# The stable JSON shape (docs/cli.md). Adding keys is allowed; these never go.
ITEM_KEYS = {"id", "kind", "source", "folder", "title", "summary", "author", "published",
             "read", "starred", "archived", "url", "thread", "tags", "has_attachments"}
SHOW_EXTRA_KEYS = {"to", "cc", "in_reply_to", "updated", "content", "content_type",
                   "attachments", "mentions_me", "language"}
SOURCE_KEYS = {"name", "type", "unread", "total", "folders", "pending_actions",
               "failed_actions", "last_error", "last_sync"}


def ids_by_rid(profile: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{profile / 'workstation.db'}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT remote_id, id FROM items"))
    finally:
        conn.close()


def ok_json(result: Any) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def one_line_error(result: Any) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("workstation: error: ")
    return lines[0]


def check_item_shape(item: dict[str, Any], *, full: bool = False) -> None:
    assert set(item) == (ITEM_KEYS | SHOW_EXTRA_KEYS if full else ITEM_KEYS)
    assert isinstance(item["id"], int)
    assert item["kind"] in {k.value for k in ItemKind}
    assert isinstance(item["source"], str)
    assert item["folder"] is None or isinstance(item["folder"], str)
    assert isinstance(item["title"], str)
    assert isinstance(item["summary"], str)
    author = item["author"]
    assert author is None or (set(author) == {"name", "address"}
                              and all(isinstance(v, str) for v in author.values()))
    assert isinstance(item["published"], str)
    assert item["published"].endswith("Z")
    datetime.fromisoformat(item["published"].replace("Z", "+00:00"))
    for flag in ("read", "starred", "archived", "has_attachments"):
        assert isinstance(item[flag], bool), flag
    assert item["url"] is None or isinstance(item["url"], str)
    assert item["thread"] is None or isinstance(item["thread"], str)
    assert isinstance(item["tags"], list)
    assert all(isinstance(t, str) for t in item["tags"])


def published(items: list[dict[str, Any]]) -> list[datetime]:
    return [datetime.fromisoformat(i["published"].replace("Z", "+00:00")) for i in items]


@pytest.fixture
def ids(sample_profile: Path) -> dict[str, int]:
    return ids_by_rid(sample_profile)


@pytest.fixture
def cli(run_cli: RunCli, sample_profile: Path) -> RunCli:
    """``run_cli`` with ``--profile`` set to the small sample's profile."""
    def run(*args: str, **kw: Any) -> Any:
        return run_cli("--profile", str(sample_profile), *args, **kw)
    return run


def listed_ids(cli: RunCli, *args: str) -> list[int]:
    return [i["id"] for i in ok_json(cli("inbox", "--json", "--limit", "1000", *args))]


def of(ids: dict[str, int], rids: tuple[str, ...] | list[str]) -> list[int]:
    return [ids[r] for r in rids]


# --- global options ------------------------------------------------------------------


def test_version(run_cli: RunCli) -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout == f"workstation {__version__} (plugin API {API_VERSION})\n"


def test_help_lists_the_commands(run_cli: RunCli) -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("inbox", "search", "show", "sync", "source", "mark", "gui"):
        assert command in result.stdout
    assert run_cli("source", "--help").returncode == 0


@pytest.mark.parametrize("args", [
    ["bogus"], ["--bogus", "inbox"], ["inbox", "--bogus"], ["inbox", "--limit", "0"],
    ["inbox", "--limit", "many"], ["mark"], ["mark", "read"], ["mark", "explode", "1"],
    ["mark", "read", "one"], ["show"], ["show", "abc"], ["search"], ["source", "frobnicate"],
    ["source", "remove"],
])
def test_usage_errors_exit_2(run_cli: RunCli, args: list[str]) -> None:
    result = run_cli(*args)
    assert result.returncode == 2, (args, result.stdout, result.stderr)
    assert "Usage:" in result.stderr
    assert result.stdout == ""


def test_missing_profile_is_explained(run_cli: RunCli, tmp_path: Path) -> None:
    for command in (["inbox"], ["search", "x"], ["show", "1"], ["source", "list"]):
        line = one_line_error(run_cli("--profile", str(tmp_path / "none"), *command))
        assert "No Workstation profile" in line
        assert "--demo" in line


# --- the bundled demo -----------------------------------------------------------------


def test_demo_inbox_json_has_the_documented_shape(run_cli: RunCli) -> None:
    items = ok_json(run_cli("--demo", "inbox", "--json", "--limit", "1000"))
    sample = json.loads(demo_sample().read_text(encoding="utf-8"))
    assert len(items) >= 60
    assert len(items) == len(sample["items"])  # the demo archives nothing
    for item in items:
        check_item_shape(item)
    assert len({i["id"] for i in items}) == len(items)
    times = published(items)
    assert times == sorted(times, reverse=True)
    assert {i["source"] for i in items} == {s["name"] for s in sample["sources"]}


def test_demo_inbox_json_prints_the_whole_sample_by_default(run_cli: RunCli) -> None:
    assert len(ok_json(run_cli("--demo", "inbox", "--json"))) >= 60


def test_demo_inbox_text_shows_one_screenful_by_default(run_cli: RunCli) -> None:
    result = run_cli("--demo", "inbox")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 51
    assert lines[-1].startswith("… more")


def test_demo_search_from_jonas_unread(run_cli: RunCli) -> None:
    items = ok_json(run_cli("--demo", "search", "from:jonas is:unread", "--json",
                            "--limit", "1000"))
    assert len(items) > 0
    for item in items:
        check_item_shape(item)
        assert item["read"] is False
        author = item["author"]
        assert "jonas" in (author["name"] + " " + author["address"]).lower()
    everyone = ok_json(run_cli("--demo", "search", "from:jonas", "--json", "--limit", "1000"))
    assert len(everyone) > len(items)  # some of Jonas's items are read


def test_demo_show_json_has_content(run_cli: RunCli) -> None:
    item = ok_json(run_cli("--demo", "show", "1", "--json"))
    check_item_shape(item, full=True)
    assert item["id"] == 1
    assert isinstance(item["content"], str)
    assert item["content"].strip()
    assert item["content_type"] in ("text/plain", "text/html")


def test_demo_sync_prints_a_summary_per_source(run_cli: RunCli) -> None:
    result = run_cli("--demo", "sync")
    assert result.returncode == 0, result.stderr
    names = [s["name"] for s in json.loads(demo_sample().read_text("utf-8"))["sources"]]
    lines = result.stderr.strip().splitlines()
    for name in names:
        (line,) = [ln for ln in lines if ln.startswith(f"{name}: ")]
        assert "ok" in line
        assert "0 new, 0 updated, 0 removed" in line


def test_demo_leaves_no_profile_behind(run_cli: RunCli, isolated_env: Any) -> None:
    assert run_cli("--demo", "inbox").returncode == 0
    assert not isolated_env.profile.exists()
    assert not (isolated_env.data_home / "Workstation").exists()


# --- inbox --------------------------------------------------------------------------------


def test_inbox_lists_the_sample_newest_first(cli: RunCli, ids: dict[str, int]) -> None:
    items = ok_json(cli("inbox", "--json"))
    assert [i["id"] for i in items] == of(ids, ORDER)
    for item in items:
        check_item_shape(item)


def test_inbox_json_values(cli: RunCli, ids: dict[str, int]) -> None:
    items = {i["id"]: i for i in ok_json(cli("inbox", "--json"))}
    m1 = items[ids["m1"]]
    assert m1["kind"] == "email"
    assert m1["source"] == "Work mail"
    assert m1["folder"] == "Inbox"
    assert m1["title"] == "Atlas budget review"
    assert m1["author"] == {"name": "Jonas Berg", "address": "jonas.berg@nordlys.example"}
    assert m1["read"] is False
    assert m1["starred"] is True
    assert m1["archived"] is False
    assert m1["thread"] == "atlas-budget"
    assert m1["tags"] == ["atlas", "finance"]
    assert m1["has_attachments"] is True
    assert m1["url"] is None
    f2 = items[ids["f2"]]
    assert f2["title"] == "L'été des compilateurs"  # UTF-8, not \\u escapes
    assert f2["author"] == {"name": "Le Journal du Code",
                            "address": "https://journalducode.example/"}
    assert f2["url"] == "https://journalducode.example/ete-compilateurs"
    assert items[ids["p1"]]["author"]["address"] == "https://social.nordlys.example/users/jonas"


def test_inbox_filters_and_limit(cli: RunCli, ids: dict[str, int]) -> None:
    assert listed_ids(cli, "--unread") == of(ids, UNREAD)
    assert listed_ids(cli, "--starred") == of(ids, STARRED)
    assert listed_ids(cli, "--source", "Feeds") == of(ids, BY_SOURCE["Feeds"])
    work_unread = of(ids, only(BY_SOURCE["Work mail"], UNREAD))
    assert work_unread == of(ids, ("m3", "m1"))
    assert listed_ids(cli, "--unread", "--source", "Work mail") == work_unread
    items = ok_json(cli("inbox", "--unread", "--source", "Work mail", "--limit", "1", "--json"))
    assert [i["id"] for i in items] == work_unread[:1]
    assert listed_ids(cli, "--unread", "--starred") == of(ids, only(UNREAD, STARRED))
    assert listed_ids(cli, "--source", "Nope") == []


def test_inbox_text(cli: RunCli, ids: dict[str, int]) -> None:
    result = cli("inbox")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 12
    assert lines[0].split()[0] == str(ids["p1"])
    assert any("Réunion d'équipe cet été" in ln for ln in lines)
    limited = cli("inbox", "--unread", "--source", "Work mail", "--limit", "1")
    out = limited.stdout.splitlines()
    assert len(out) == 2
    assert out[0].split()[0] == str(ids["m3"])
    assert out[1].startswith("… more")
    assert "--limit 2" in out[1]
    assert cli("inbox", "--source", "Nope").stdout == "Nothing here.\n"


# --- search ---------------------------------------------------------------------------------


def test_search(cli: RunCli, ids: dict[str, int]) -> None:
    def found(q: str) -> list[int]:
        return [i["id"] for i in ok_json(cli("search", q, "--json"))]

    assert found("ete") == of(ids, ("f2", "m4"))
    assert found("from:jonas is:unread") == of(ids, ("p1", "m3", "m1"))
    assert found('"budget review" -from:camille') == of(ids, ("m3", "m1"))
    assert found("10:30") == of(ids, ("m6",))
    assert found("re:hello") == []
    assert found("has:attachment") == of(ids, ("m1", "m5"))
    text = cli("search", "réunion")
    assert text.returncode == 0
    assert "Réunion" in text.stdout


@pytest.mark.parametrize(("query", "hint"), [
    ("is:later", "is:unread"), ("kind:fax", "kind:email"), ("has:pictures", "has:attachment"),
    ("before:tomorrow", "YYYY-MM-DD"), ('from:""', "needs a value"),
])
def test_search_syntax_error_is_one_line(cli: RunCli, query: str, hint: str) -> None:
    result = cli("search", query, "--json")
    line = one_line_error(result)
    assert hint in line
    assert result.stdout == ""


# --- show ------------------------------------------------------------------------------------


def test_show_text(cli: RunCli, ids: dict[str, int]) -> None:
    result = cli("show", str(ids["m1"]))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.splitlines()[0] == "Atlas budget review"
    assert "From:    Jonas Berg <jonas.berg@nordlys.example>" in out
    assert "To:      Camille Durand <camille.durand@nordlys.example>" in out
    assert "Cc:      Ingrid Solheim <ingrid.solheim@nordlys.example>" in out
    assert "Source:  Work mail / Inbox" in out
    assert "Tags:    atlas, finance" in out
    assert "Attach:  atlas-forecast.xlsx (48,213 bytes)" in out
    assert "The budget review moves to Thursday." in out
    html = cli("show", str(ids["f1"])).stdout
    assert "Researchers report a stable 1000-qubit processor." in html
    assert "<b>" not in html
    assert "alert" not in html


def test_show_json(cli: RunCli, ids: dict[str, int]) -> None:
    item = ok_json(cli("show", str(ids["m3"]), "--json"))
    check_item_shape(item, full=True)
    assert item["to"] == [{"name": "Camille Durand", "address": "camille.durand@nordlys.example"}]
    assert item["cc"] == []
    assert item["in_reply_to"] == "m2"
    assert item["updated"] is None
    assert item["content"].startswith("Thanks Camille")
    assert item["content_type"] == "text/plain"
    assert item["attachments"] == []
    assert item["mentions_me"] is True
    assert item["language"] == "en"
    m1 = ok_json(cli("show", str(ids["m1"]), "--json"))
    assert m1["attachments"] == [{
        "name": "atlas-forecast.xlsx",
        "media_type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "size": 48213, "part": "2"}]
    f1 = ok_json(cli("show", str(ids["f1"]), "--json"))
    assert f1["content_type"] == "text/html"


def test_show_missing_item(cli: RunCli) -> None:
    result = cli("show", "9999")
    assert "No item with id 9999" in one_line_error(result)
    assert result.stdout == ""


# --- mark ------------------------------------------------------------------------------------


def _flags(cli: RunCli) -> dict[int, tuple[bool, bool]]:
    return {i["id"]: (i["read"], i["starred"]) for i in ok_json(cli("inbox", "--json"))}


def test_mark_read_unread_star_unstar(cli: RunCli, ids: dict[str, int]) -> None:
    m1, m3, m4 = ids["m1"], ids["m3"], ids["m4"]
    assert _flags(cli)[m1] == (False, True)

    result = cli("mark", "read", str(m1), str(m3), str(m4))  # m4 is read already
    assert result.returncode == 0, result.stderr
    assert result.stdout == "2 item(s) marked read.\n"
    flags = _flags(cli)
    assert flags[m1] == (True, True)
    assert flags[m3] == (True, False)
    assert flags[m4] == (True, False)

    assert cli("mark", "unread", str(m1)).stdout == "1 item(s) marked unread.\n"
    assert _flags(cli)[m1] == (False, True)
    assert cli("mark", "unstar", str(m1)).stdout == "1 item(s) marked unstar.\n"
    assert _flags(cli)[m1] == (False, False)
    assert cli("mark", "star", str(m1), str(m4)).stdout == "2 item(s) marked star.\n"
    assert _flags(cli)[m4] == (True, True)
    assert cli("mark", "star", str(m1)).stdout == "0 item(s) marked star.\n"
    # Other items did not move.
    assert _flags(cli)[ids["f3"]] == (False, True)


def test_mark_archive_hides_from_inbox_but_not_search(cli: RunCli, ids: dict[str, int]) -> None:
    assert cli("mark", "archive", str(ids["m6"])).returncode == 0
    assert ids["m6"] not in listed_ids(cli)
    found = ok_json(cli("search", "firmware", "--json"))
    assert [i["id"] for i in found] == [ids["m6"]]
    assert found[0]["archived"] is True


def test_mark_missing_id_changes_nothing(cli: RunCli, ids: dict[str, int]) -> None:
    before = _flags(cli)
    result = cli("mark", "read", str(ids["m1"]), "9999", "9998")
    assert "No item with id 9999, 9998" in one_line_error(result)
    assert _flags(cli) == before


# --- source -----------------------------------------------------------------------------------


def test_source_list_text(cli: RunCli) -> None:
    result = cli("source", "list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines == [
        "Feeds  (Demo data)  2 unread / 3  [ok]",
        "Social  (Demo data)  1 unread / 3  [ok]",
        "Work mail  (Demo data)  2 unread / 6  [ok]",
    ]


def test_source_list_json(cli: RunCli) -> None:
    sources = ok_json(cli("source", "list", "--json"))
    assert [s["name"] for s in sources] == ["Feeds", "Social", "Work mail"]
    for s in sources:
        assert set(s) == SOURCE_KEYS
        assert s["type"] == "demo"
        assert s["pending_actions"] == 0
        assert s["failed_actions"] == 0
        assert s["last_error"] is None
        datetime.fromisoformat(s["last_sync"])
    work = sources[2]
    assert (work["unread"], work["total"]) == (2, 6)
    assert work["folders"] == ["Inbox", "Projects"]


def test_source_list_when_there_are_none(run_cli: RunCli, tmp_path: Path) -> None:
    from workstation.app import Workstation

    Workstation.open(tmp_path / "p").close()
    assert run_cli("--profile", str(tmp_path / "p"), "source", "list").stdout == "No sources yet.\n"
    assert run_cli("--profile", str(tmp_path / "p"), "source", "list", "--json").stdout == "[]\n"


def test_source_remove_with_yes(cli: RunCli, ids: dict[str, int]) -> None:
    result = cli("source", "remove", "Feeds", "--yes")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Removed 'Feeds'.\n"
    assert listed_ids(cli) == of(ids, [r for r in ORDER if r not in BY_SOURCE["Feeds"]])
    assert [s["name"] for s in ok_json(cli("source", "list", "--json"))] == ["Social", "Work mail"]
    assert ok_json(cli("search", "compilateurs", "--json")) == []
    assert "No item with id" in one_line_error(cli("show", str(ids["f1"])))


def test_source_remove_asks_first(cli: RunCli, ids: dict[str, int]) -> None:
    refused = cli("source", "remove", "Social", input="n\n")
    assert refused.returncode == 1
    assert "Cancelled" in refused.stderr
    assert len(listed_ids(cli)) == 12
    accepted = cli("source", "remove", "Social", input="y\n")
    assert accepted.returncode == 0, accepted.stderr
    assert "Removed 'Social'." in accepted.stdout
    assert len(listed_ids(cli)) == 9


def test_source_remove_unknown(cli: RunCli) -> None:
    line = one_line_error(cli("source", "remove", "Nope", "--yes"))
    assert "No source named 'Nope'" in line


# --- sync ---------------------------------------------------------------------------------------


def test_sync_sample_profile(cli: RunCli) -> None:
    result = cli("sync")
    assert result.returncode == 0, result.stderr
    lines = sorted(result.stderr.strip().splitlines())
    assert lines == [f"{name}: ok — 0 new, 0 updated, 0 removed"
                     for name in ("Feeds", "Social", "Work mail")]
    one = cli("sync", "Feeds")
    assert one.returncode == 0
    assert one.stderr.strip() == "Feeds: ok — 0 new, 0 updated, 0 removed"


def test_sync_unknown_source(cli: RunCli) -> None:
    assert "No source named 'Nope'" in one_line_error(cli("sync", "Nope"))


def test_sync_with_no_sources(run_cli: RunCli) -> None:
    result = run_cli("sync")
    assert result.returncode == 0
    assert "No sources yet" in result.stdout


def test_sync_failure_exits_1_with_the_reason(cli: RunCli, sample_profile: Path) -> None:
    # Point a source at a sample file that is gone: the demo source says why.
    conn = sqlite3.connect(sample_profile / "workstation.db")
    try:
        conn.execute("UPDATE sources SET config = json_set(config, '$.sample_file',"
                     " '/nowhere.json') WHERE name = 'Feeds'")
        conn.execute("DELETE FROM sync_state WHERE source = 'Feeds'")
        conn.commit()
    finally:
        conn.close()
    result = cli("sync")
    assert result.returncode == 1
    err = result.stderr.strip().splitlines()
    assert err[-1].startswith("workstation: error: 1 of 3 sources failed: Feeds:")
    assert "/nowhere.json" in err[-1]
    assert any(ln.startswith("Work mail: ok") for ln in err)
    listed = ok_json(cli("source", "list", "--json"))
    feeds = next(s for s in listed if s["name"] == "Feeds")
    assert "/nowhere.json" in feeds["last_error"]
    assert "error:" in cli("source", "list").stdout
