"""The one thread that writes to the store.

Coroutines on the event loop (the GUI thread, under qasync) hand their writes
to this thread and await the result, so a large batch never freezes a window
and writes never interleave.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from workstation.store.db import Store

T = TypeVar("T")


class Writer:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")

    def run_sync(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` in one transaction on the writer thread and wait for it."""
        return self._pool.submit(self._in_txn, fn).result()

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Same, for coroutines: the event loop stays free meanwhile."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._in_txn, fn)

    def _in_txn(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        with self.store.write() as conn:
            return fn(conn)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
