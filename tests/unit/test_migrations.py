"""Schema migrations: upgrading an old profile, refusing a newer one, and
rolling back a failed step. The old profile is checked in
(tests/data/profiles/v1, built by tests/data/profiles/make_v1.py)."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sample_facts import RunCli, make_item, rids

from workstation.api.model import Flags, Item
from workstation.app import Workstation
from workstation.profile import ProfileLock
from workstation.store.db import Store, StoreError
from workstation.store.items import upsert_items
from workstation.store.migrations import (
    MigrationSet,
    SchemaTooNewError,
    applied_versions,
    check_not_newer,
    migrate,
    pending,
)
from workstation.store.queries import ItemFilter, get_item
from workstation.store.schema import CORE

DATA = Path(__file__).resolve().parents[1] / "data" / "profiles"
V1_DB = DATA / "v1" / "workstation.db"

V2_TABLES = {"settings", "saved_searches"}


def tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def snapshot(directory: Path) -> dict[str, tuple[str, int]]:
    """Every file of a directory: its hash and modification time."""
    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(directory.iterdir()) if p.is_file()}


@pytest.fixture
def v1_profile(tmp_path: Path) -> Path:
    """A private copy of the checked-in v1 profile (never open the original)."""
    profile = tmp_path / "old-profile"
    profile.mkdir()
    shutil.copyfile(V1_DB, profile / "workstation.db")
    return profile


def by_rid(conn: sqlite3.Connection, remote_id: str) -> Item:
    row = conn.execute("SELECT id FROM items WHERE remote_id = ?", (remote_id,)).fetchone()
    assert row is not None, remote_id
    item = get_item(conn, row[0])
    assert item is not None
    return item


# --- the checked-in profile -----------------------------------------------------------


def test_checked_in_profile_is_at_core_version_1() -> None:
    # immutable=1: reading must not create -wal/-shm files next to the original.
    conn = sqlite3.connect(f"file:{V1_DB}?mode=ro&immutable=1", uri=True)
    try:
        assert applied_versions(conn) == {"core": 1}
        assert not V2_TABLES & tables(conn)
        assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == 3
    finally:
        conn.close()
    assert CORE.latest >= 2


def test_old_profile_is_upgraded_by_store_open(v1_profile: Path) -> None:
    store = Store.open(v1_profile / "workstation.db")
    try:
        conn = store.read()
        assert applied_versions(conn) == {"core": CORE.latest}
        assert pending(conn, [CORE]) == 0
        assert tables(conn) >= V2_TABLES
        assert [tuple(r) for r in conn.execute("SELECT name, query FROM saved_searches")] == [
            ("Unread with attachments", "is:unread has:attachment")]

        assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == 3
        mail = by_rid(conn, "<v1-mail-1@example.org>")
        assert mail.title == "Réunion de l'été"
        assert mail.flags == Flags(read=True)
        assert mail.tags == ("planning",)
        assert [a.name for a in mail.attachments] == ["agenda.pdf"]
        assert mail.content == "Agenda for the summer meeting in the Lyon office."
        assert mail.remote == {"folder": "INBOX", "uid": 17}
        assert mail.actor is not None
        assert mail.actor.address == "ada@example.org"
        assert by_rid(conn, "https://example.org/release-1-0").flags == Flags(starred=True)
        assert by_rid(conn, "<v1-mail-2@example.org>").flags == Flags(read=True, archived=True)
        with store.write() as w:
            w.execute("INSERT INTO items_fts(items_fts) VALUES ('integrity-check')")
    finally:
        store.close()


def test_old_profile_works_through_the_app(v1_profile: Path) -> None:
    app = Workstation.open(v1_profile)
    try:
        assert rids(app.list_items().items) == (
            "<v1-mail-1@example.org>", "https://example.org/release-1-0")
        # The full-text index came through the upgrade.
        assert rids(app.search("ete").items) == ("<v1-mail-1@example.org>",)
        assert rids(app.search("reunion lyon").items) == ("<v1-mail-1@example.org>",)
        assert rids(app.search("from:ada").items) == ("<v1-mail-1@example.org>",)
        assert rids(app.search("to:camille").items) == ("<v1-mail-1@example.org>",)
        assert rids(app.search("first release").items) == ("https://example.org/release-1-0",)
        assert rids(app.search("zeppelin").items) == ("<v1-mail-2@example.org>",)
        assert rids(app.search("tag:planning is:read").items) == ("<v1-mail-1@example.org>",)
        assert rids(app.list_items(ItemFilter(starred=True)).items) == (
            "https://example.org/release-1-0",)
        assert app.saved_searches() == [("Unread with attachments", "is:unread has:attachment")]
        sources = {s.name: s for s in app.sources()}
        assert set(sources) == {"Old mail", "Old feeds"}
        assert sources["Old mail"].total == 2
        assert sources["Old mail"].unread == 0
        assert sources["Old mail"].plugin_missing  # no imap plugin in this build
        # New writes work on the upgraded schema.
        (mail,) = app.search("ete").items
        assert mail.id is not None
        assert app.mark([mail.id], "unread").updated == {mail.id}
        with app.store.write() as conn:
            conn.execute("INSERT INTO settings(key, value) VALUES ('theme', '\"dark\"')")
    finally:
        app.close()


def test_upgrade_happens_once(v1_profile: Path) -> None:
    Store.open(v1_profile / "workstation.db").close()
    conn = sqlite3.connect(v1_profile / "workstation.db")
    try:
        when = conn.execute("SELECT applied FROM _migrations").fetchone()[0]
        assert migrate(conn, [CORE]) == []
        assert conn.execute("SELECT applied FROM _migrations").fetchone()[0] == when
        assert conn.execute("SELECT count(*) FROM saved_searches").fetchone()[0] == 1
    finally:
        conn.close()


def test_read_only_open_of_an_old_profile_asks_for_a_writer(v1_profile: Path) -> None:
    before = snapshot(v1_profile)
    with pytest.raises(StoreError, match="needs an upgrade"):
        Store.open(v1_profile / "workstation.db", readonly=True)
    assert {k: v[0] for k, v in snapshot(v1_profile).items() if k == "workstation.db"} == {
        "workstation.db": before["workstation.db"][0]}


def test_cli_upgrades_an_old_profile_on_the_first_write(v1_profile: Path, run_cli: RunCli) -> None:
    looked = run_cli("--profile", str(v1_profile), "inbox", "--json")
    assert looked.returncode == 1
    assert "needs an upgrade" in looked.stderr
    conn = sqlite3.connect(f"file:{v1_profile / 'workstation.db'}?mode=ro", uri=True)
    try:
        (mail_id,) = conn.execute("SELECT id FROM items WHERE remote_id = ?",
                                  ("<v1-mail-1@example.org>",)).fetchone()
    finally:
        conn.close()
    marked = run_cli("--profile", str(v1_profile), "mark", "star", str(mail_id))
    assert marked.returncode == 0, marked.stderr
    listed = run_cli("--profile", str(v1_profile), "inbox", "--json")
    assert listed.returncode == 0, listed.stderr
    assert '"starred": true' in listed.stdout


# --- a profile from the future -----------------------------------------------------------


def _future_profile(directory: Path, *, wal: bool = True) -> Path:
    """A profile whose core schema is version 99, as a newer Workstation would leave it."""
    directory.mkdir(parents=True, exist_ok=True)
    db = directory / "workstation.db"
    if wal:
        Store.open(db).close()
        conn = sqlite3.connect(db, isolation_level=None)
    else:
        conn = sqlite3.connect(db, isolation_level=None)
        migrate(conn, [CORE])
    try:
        conn.execute("UPDATE _migrations SET version = 99 WHERE set_name = 'core'")
        conn.execute("CREATE TABLE future_things (x)")
    finally:
        conn.close()
    return db


@pytest.mark.parametrize("readonly", [False, True])
def test_newer_profile_is_refused_and_left_untouched(tmp_path: Path, readonly: bool) -> None:
    db = _future_profile(tmp_path / "future")
    before = snapshot(db.parent)
    time.sleep(0.01)  # an mtime change would be visible
    with pytest.raises(SchemaTooNewError, match="newer version of Workstation") as err:
        Store.open(db, readonly=readonly)
    assert "99" in str(err.value)
    # (A read-only handle may leave empty -wal/-shm files; the database is the same.)
    assert snapshot(db.parent)["workstation.db"] == before["workstation.db"]
    if not readonly:
        assert snapshot(db.parent) == before


def test_newer_profile_in_rollback_journal_mode_is_left_untouched(tmp_path: Path) -> None:
    """Refusal must come before any change, whatever the file's journal mode.

    (Store.open switches the file to WAL before it checks the version.)"""
    db = _future_profile(tmp_path / "future", wal=False)
    before = snapshot(db.parent)
    time.sleep(0.01)
    with pytest.raises(SchemaTooNewError, match="newer version of Workstation"):
        Store.open(db)
    assert snapshot(db.parent) == before


def test_newer_profile_is_refused_by_the_app_which_releases_its_lock(tmp_path: Path) -> None:
    db = _future_profile(tmp_path / "future")
    with pytest.raises(SchemaTooNewError, match="newer version of Workstation"):
        Workstation.open(db.parent)
    # The profile lock was released on the way out.
    with ProfileLock(db.parent / "lock"):
        pass


@pytest.mark.parametrize("command", [["inbox"], ["mark", "read", "1"], ["sync"]])
def test_cli_refuses_a_newer_profile_in_one_line(tmp_path: Path, run_cli: RunCli,
                                                 command: list[str]) -> None:
    db = _future_profile(tmp_path / "future")
    before = snapshot(db.parent)
    result = run_cli("--profile", str(db.parent), *command)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("workstation: error:")
    assert "newer version of Workstation" in lines[0]
    assert before["workstation.db"] == snapshot(db.parent)["workstation.db"]


def test_newer_plugin_set_is_refused_too(tmp_path: Path) -> None:
    plug = MigrationSet("plug", ["CREATE TABLE plug_a (x);"])
    db = tmp_path / "workstation.db"
    Store.open(db, sets=(CORE, plug)).close()
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("UPDATE _migrations SET version = 2 WHERE set_name = 'plug'")
        with pytest.raises(SchemaTooNewError, match="'plug' schema is version 2"):
            check_not_newer(conn, [CORE, plug])
        # A build without that plugin does not care.
        check_not_newer(conn, [CORE])
    finally:
        conn.close()


# --- failing steps ----------------------------------------------------------------------


def _fail(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE half_done (x)")
    conn.execute("INSERT INTO items(id) VALUES (1)")  # violates NOT NULL: fails


def _python_fail(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE half_done (x)")
    raise ValueError("data migration bug")


@pytest.mark.parametrize(("bad_step", "error"), [
    ("CREATE TABLE half_done (x); INSERT INTO no_such_table VALUES (1);", StoreError),
    (_fail, StoreError),
    (_python_fail, ValueError),
])
def test_failing_step_rolls_back(tmp_path: Path, bad_step: str | Callable[..., None],
                                 error: type[Exception]) -> None:
    db = tmp_path / "workstation.db"
    Store.open(db).close()
    plug = MigrationSet("plug", ["CREATE TABLE plug_a (x);", bad_step,
                                 "CREATE TABLE plug_c (x);"])
    with pytest.raises(error):
        Store.open(db, sets=(CORE, plug))
    conn = sqlite3.connect(db)
    try:
        names = tables(conn)
        assert "plug_a" in names  # step 1 committed on its own
        assert "half_done" not in names  # step 2 left nothing behind
        assert "plug_c" not in names  # and nothing ran after it
        assert applied_versions(conn) == {"core": CORE.latest, "plug": 1}
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    # The database still opens with the sets that work.
    Store.open(db).close()


def test_failing_plugin_migration_on_an_open_store_rolls_back(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "workstation.db")
    try:
        bad = MigrationSet("plug", ["CREATE TABLE half_done (x); SELECT * FROM nowhere;"])
        with pytest.raises(sqlite3.OperationalError):
            store.add_migrations(bad)
        assert "half_done" not in tables(store.read())
        assert "plug" not in applied_versions(store.read())
        assert store.sets == (CORE,)
        # The writer is still usable.
        with store.write() as conn:
            conn.execute("INSERT INTO settings(key, value) VALUES ('a', '1')")
        good = MigrationSet("plug", ["CREATE TABLE plug_a (x);"])
        store.add_migrations(good)
        assert applied_versions(store.read())["plug"] == 1
    finally:
        store.close()


# --- mechanics ---------------------------------------------------------------------------


def test_migrate_upto_and_pending(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    try:
        assert applied_versions(conn) == {}
        assert pending(conn, [CORE]) == CORE.latest
        assert migrate(conn, [CORE], upto={"core": 1}) == [("core", 1)]
        assert applied_versions(conn) == {"core": 1}
        assert pending(conn, [CORE]) == CORE.latest - 1
        assert not V2_TABLES & tables(conn)
        rest = migrate(conn, [CORE])
        assert rest == [("core", v) for v in range(2, CORE.latest + 1)]
        assert tables(conn) >= V2_TABLES
        assert pending(conn, [CORE]) == 0
    finally:
        conn.close()


def test_v1_schema_accepts_items_written_by_this_build(tmp_path: Path) -> None:
    # make_v1.py relies on upsert_items working against a v1-only database.
    conn = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    try:
        migrate(conn, [CORE], upto={"core": 1})
        conn.execute("BEGIN")
        upsert_items(conn, [make_item("a")])
        conn.execute("COMMIT")
        assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == 1
    finally:
        conn.close()


def test_new_database_file_is_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        Store.open(tmp_path / "fresh.db").close()
    finally:
        os.umask(old)
    assert (tmp_path / "fresh.db").stat().st_mode & 0o777 == 0o600
