"""Where asyncio meets Qt: the one module besides ``main`` that knows qasync.

Two things live here:

* :class:`AsyncRunner` runs the app's coroutines (sync, close_sources…) and
  blocking calls (writes through the store's writer thread) without freezing
  the window, and reports failures to the user instead of losing them.
* :class:`ChangeRelay` turns the app's change listener callbacks, which may
  arrive on any thread, into a Qt signal delivered on the GUI thread.

Example::

    loop = install_event_loop(qapp)
    runner = AsyncRunner(loop)
    runner.failed.connect(lambda what, msg: print(what, msg))
    runner.run(app.sync(), what="Syncing")
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

import qasync
from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication

from workstation.app import ChangeSet

log = logging.getLogger("workstation.ui.bridge")

T = TypeVar("T")


class Runner(Protocol):
    """What the windows need to start background work (tests inject their own)."""

    def run(self, coro: Coroutine[Any, Any, T], what: str,
            on_done: Callable[[T], object] | None = None) -> None:
        """Run ``coro``; call ``on_done(result)`` on the GUI thread when it succeeds."""

    def call(self, fn: Callable[[], T], what: str,
             on_done: Callable[[T], object] | None = None) -> None:
        """Run the blocking ``fn`` off the GUI thread, in submission order."""


def install_event_loop(qapp: QApplication) -> asyncio.AbstractEventLoop:
    """Make a qasync loop running inside ``qapp``'s event loop the current loop."""
    loop: asyncio.AbstractEventLoop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    return loop


def describe_error(exc: BaseException) -> str:
    """One sentence for the user; the traceback goes to the log."""
    text = str(exc).strip()
    return text or type(exc).__name__


class AsyncRunner(QObject):
    """Runs app coroutines on the qasync loop and reports what failed.

    ``failed(what, message)`` is emitted on the GUI thread when a task raises;
    the window shows it. Blocking calls go to one worker thread so that two
    quick commands (star, unstar) reach the store in the order they were given.
    """

    failed = Signal(str, str)

    def __init__(self, loop: asyncio.AbstractEventLoop, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._loop = loop
        self._tasks: set[asyncio.Future[Any]] = set()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ui-command")

    def run(self, coro: Coroutine[Any, Any, T], what: str,
            on_done: Callable[[T], object] | None = None) -> None:
        task: asyncio.Future[T] = asyncio.ensure_future(coro, loop=self._loop)
        self._track(task, what, on_done)

    def call(self, fn: Callable[[], T], what: str,
             on_done: Callable[[T], object] | None = None) -> None:
        fut: asyncio.Future[T] = self._loop.run_in_executor(self._executor, fn)
        self._track(fut, what, on_done)

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    def _track(self, fut: asyncio.Future[T], what: str,
               on_done: Callable[[T], object] | None) -> None:
        self._tasks.add(fut)
        fut.add_done_callback(functools.partial(self._finished, what=what, on_done=on_done))

    def _finished(self, fut: asyncio.Future[T], *, what: str,
                  on_done: Callable[[T], object] | None) -> None:
        self._tasks.discard(fut)
        if fut.cancelled():
            return
        exc = fut.exception()
        if exc is not None:
            log.error("%s failed", what, exc_info=exc)
            self.failed.emit(what, describe_error(exc))
            return
        if on_done is not None:
            try:
                on_done(fut.result())
            except Exception as err:
                log.exception("%s: handling the result failed", what)
                self.failed.emit(what, describe_error(err))

    async def shutdown(self) -> None:
        """Cancel what is still running and wait for it (call before closing the app)."""
        pending = list(self._tasks)
        for fut in pending:
            fut.cancel()
        for fut in pending:
            with contextlib.suppress(BaseException):
                await fut
        self._executor.shutdown(wait=True)


class ChangeRelay(QObject):
    """Re-emits the app's change notifications on the GUI thread.

    The app calls listeners on whatever thread did the write (the GUI thread
    for a direct call, a worker thread for :meth:`AsyncRunner.call`), so the
    callback only emits a private signal connected with a *queued*
    connection: the public :attr:`changed` always fires later, from the Qt
    event loop of the GUI thread, where widgets may be touched.

    Example::

        relay = ChangeRelay()
        app.add_listener(relay.on_change)
        relay.changed.connect(model.apply_changes)
    """

    changed = Signal(object)  # a ChangeSet
    _incoming = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._attached = True
        self._incoming.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def on_change(self, changes: ChangeSet) -> None:
        """The listener to give to ``Workstation.add_listener``; any thread."""
        if not self._attached:
            return
        # A private copy: the app may keep merging into its own object.
        self._incoming.emit(ChangeSet(set(changes.added), set(changes.updated),
                                      set(changes.removed), set(changes.sources)))

    def detach(self) -> None:
        """Stop relaying (the app has no way to remove a listener)."""
        self._attached = False

    @Slot(object)
    def _deliver(self, changes: object) -> None:
        if self._attached:
            self.changed.emit(changes)
