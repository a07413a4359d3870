"""Opening a profile's database: WAL mode, one writer, readers per thread.

The writer connection is shared and guarded by a lock (the app funnels every
write through one worker thread, so the lock is rarely contended). Each
thread that reads gets its own connection, so a long read never waits for a
write and never sees half of one.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from workstation.store.migrations import MigrationSet, check_not_newer, migrate, pending
from workstation.store.schema import CORE

DB_NAME = "workstation.db"


class StoreError(RuntimeError):
    """The profile's database cannot be used; the message says why, plainly."""


def _connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None,
                               check_same_thread=False, timeout=10)
    else:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 10000")
    # Page cache of ~64 MiB and memory-mapped reads: lists and searches over
    # a million items stay in memory after the first touch.
    conn.execute("PRAGMA cache_size = -65536")
    conn.execute("PRAGMA mmap_size = 268435456")
    conn.execute("PRAGMA temp_store = MEMORY")
    return conn


class Store:
    """A profile's SQLite database.

    Example::

        store = Store.open(profile_dir / "workstation.db")
        with store.write() as conn:
            conn.execute("UPDATE items SET is_read = 1 WHERE id = ?", (42,))
        rows = store.read().execute("SELECT count(*) FROM items").fetchone()
        store.close()
    """

    def __init__(self, path: Path, writer: sqlite3.Connection | None,
                 sets: Sequence[MigrationSet]) -> None:
        self.path = path
        self._writer = writer
        self._write_lock = threading.RLock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self.sets = tuple(sets)

    @classmethod
    def open(cls, path: Path, *, readonly: bool = False,
             sets: Sequence[MigrationSet] = (CORE,)) -> Store:
        """Open (creating and upgrading as needed) the database at ``path``.

        ``readonly`` opens without a writer, for commands that only look; a
        profile that still needs an upgrade cannot be opened that way.
        """
        try:
            if readonly:
                if not path.exists():
                    raise StoreError(f"There is no Workstation data in {path.parent} yet.")
                probe = _connect(path, readonly=True)
                try:
                    check_not_newer(probe, sets)
                    if pending(probe, sets):
                        raise StoreError(
                            "This profile needs an upgrade, which only a command that may "
                            "write can do; close the other Workstation window and retry.")
                finally:
                    probe.close()
                return cls(path, None, sets)
            fresh = not path.exists()
            old_umask = os.umask(0o077)
            try:
                writer = _connect(path)
            finally:
                os.umask(old_umask)
            if fresh:
                os.chmod(path, 0o600)
            try:
                # Refuse a newer profile before touching it: not even the
                # journal mode may change in a file we cannot understand.
                check_not_newer(writer, sets)
                sqlite_utils.Database(writer).enable_wal()
                writer.execute("PRAGMA synchronous = NORMAL")
                migrate(writer, sets)
            except BaseException:
                writer.close()
                raise
            return cls(path, writer, sets)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"The database {path} cannot be opened: {exc}.") from exc

    @property
    def writable(self) -> bool:
        return self._writer is not None

    def add_migrations(self, mset: MigrationSet) -> None:
        """Apply a plugin's migration set (plugins own their tables)."""
        with self._write_lock:
            migrate(self._require_writer(), [mset])
            self.sets = (*self.sets, mset)

    def _require_writer(self) -> sqlite3.Connection:
        if self._writer is None:
            raise StoreError("This profile is open read-only (another Workstation is using it).")
        return self._writer

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; commits on success, rolls back on error."""
        with self._write_lock:
            conn = self._require_writer()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def read(self) -> sqlite3.Connection:
        """This thread's reading connection."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # A read-write handle made query-only: a mode=ro handle cannot
            # create the WAL index file when it is the first to open the db.
            conn = _connect(self.path)
            conn.execute("PRAGMA query_only = ON")
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    @property
    def db(self) -> sqlite_utils.Database:
        """The writer as a sqlite-utils Database, for schema helpers."""
        return sqlite_utils.Database(self._require_writer())

    def close(self) -> None:
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
        self._local = threading.local()
        with self._write_lock:
            if self._writer is not None:
                try:
                    self._writer.execute("PRAGMA optimize")
                finally:
                    self._writer.close()
                self._writer = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
