"""Starting the desktop app: ``workstation gui`` and the ``workstation-gui`` script.

One window per profile (a second launch brings the first to the front), the
profile lock held for the window's life, a welcome dialog on first run, and
one asyncio loop (qasync) inside Qt's.

Example::

    from workstation_ui.main import main
    raise SystemExit(main(["--demo"]))
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from workstation import __version__
from workstation.app import (
    ProfileLockedError,
    Workstation,
    populate_demo_async,
    resolve_profile_dir,
)
from workstation.logs import close_logging, setup_logging
from workstation_ui.bridge import AsyncRunner, install_event_loop
from workstation_ui.dialogs.welcome import WelcomeChoice, WelcomeDialog
from workstation_ui.instance import InstanceServer, ask_running_instance, server_name
from workstation_ui.style import apply_style
from workstation_ui.views.main_window import MainWindow

log = logging.getLogger("workstation.ui")

# How long to wait for another process (a CLI command) to release the profile.
LOCK_WAIT_SECONDS = 2.0


def _tr(text: str) -> str:
    return QCoreApplication.translate("main", text)


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="workstation-gui",
                                     description="Workstation desktop app.")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--demo", action="store_true",
                       help="open a throwaway profile filled with the sample inbox")
    group.add_argument("--profile", metavar="DIR",
                       help="profile directory (default: $WORKSTATION_PROFILE or the OS data "
                            "folder)")
    # For developers: another sample file for the demo profile.
    parser.add_argument("--demo-sample", metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument("--version", action="version", version=f"Workstation {__version__}")
    # What argparse does not know is for Qt (-platform, -style…).
    return parser.parse_known_args(sys.argv[1:] if argv is None else argv)


def _make_qapp(qt_args: list[str]) -> QApplication:
    existing = QApplication.instance()
    qapp = existing if isinstance(existing, QApplication) else \
        QApplication([sys.argv[0] if sys.argv else "workstation", *qt_args])
    qapp.setApplicationName("Workstation")
    qapp.setOrganizationName("Workstation")
    qapp.setApplicationVersion(__version__)
    qapp.setDesktopFileName("workstation")
    apply_style(qapp)
    return qapp


def _error_box(text: str, detail: str = "") -> None:
    box = QMessageBox(QMessageBox.Icon.Critical, _tr("Workstation"), text)
    if detail:
        box.setInformativeText(detail)
    box.exec()


class _Interrupts:
    """Ctrl+C in a terminal closes the windows (and so the app) properly.

    Python runs signal handlers only when it gets control, hence the ticker.
    """

    def __init__(self) -> None:
        self._ticker = QTimer()
        self._ticker.setInterval(300)
        self._ticker.timeout.connect(lambda: None)
        self._previous = signal.getsignal(signal.SIGINT)

    def __enter__(self) -> _Interrupts:
        signal.signal(signal.SIGINT, lambda *_: QTimer.singleShot(0, self._close_all))
        self._ticker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._ticker.stop()
        signal.signal(signal.SIGINT, self._previous)

    @staticmethod
    def _close_all() -> None:
        modal = QApplication.activeModalWidget()
        if isinstance(modal, QDialog):
            modal.reject()
        QApplication.closeAllWindows()


def main(argv: list[str] | None = None) -> int:
    """Run the desktop app; returns the process exit code."""
    args, qt_args = parse_args(argv)
    qapp = _make_qapp(qt_args)
    in_main_thread = threading.current_thread() is threading.main_thread()
    if not in_main_thread:  # signal handlers can only be set from the main thread
        return _main(args, qapp)
    with _Interrupts():
        return _main(args, qapp)


def _main(args: argparse.Namespace, qapp: QApplication) -> int:
    sample = Path(args.demo_sample) if args.demo_sample else None
    if args.demo:
        return run_demo(qapp, sample)

    path = resolve_profile_dir(args.profile)
    name = server_name(path)
    if ask_running_instance(name):
        print(_tr("Workstation is already open with this profile; it was brought to the "
                  "front."), file=sys.stderr)
        return 0
    try:
        app = Workstation.open(path, write=True, wait=LOCK_WAIT_SECONDS)
    except ProfileLockedError as exc:
        if ask_running_instance(name):  # it was just starting up
            return 0
        _error_box(_tr("Workstation cannot open this profile."), str(exc))
        return 1
    except Exception as exc:
        logging.getLogger("workstation.ui").exception("cannot open the profile %s", path)
        _error_box(_tr("Workstation cannot open this profile."), str(exc))
        return 1

    setup_logging(app.profile.log_dir)
    server = InstanceServer(name)
    server.listen()
    try:
        if not app.sources():
            dialog = WelcomeDialog()
            if dialog.exec() != QDialog.DialogCode.Accepted or dialog.choice is None:
                return 0
            if dialog.choice is WelcomeChoice.DEMO:
                # The real profile stays untouched (and unlocked) while the demo runs.
                server.close()
                app.close()
                close_logging()
                return run_demo(qapp, sample)
        return run_window(qapp, app, demo=False, server=server)
    finally:
        server.close()
        app.close()  # idempotent
        close_logging()


def run_demo(qapp: QApplication, sample: Path | None = None) -> int:
    """A throwaway profile in a temporary folder, filled with the sample inbox."""
    tmp = Path(tempfile.mkdtemp(prefix="workstation-demo-"))
    try:
        app = Workstation.open(tmp, write=True)
        try:
            setup_logging(app.profile.log_dir)
            return run_window(qapp, app, demo=True, demo_sample=sample)
        finally:
            app.close()
            close_logging()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


def _log_uncaught(previous: ExceptHook) -> ExceptHook:
    """An excepthook that also writes errors raised in Qt slots to the log file."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.error("unexpected error", exc_info=(kind, exc, tb))
        previous(kind, exc, tb)

    return hook


def run_window(qapp: QApplication, app: Workstation, *, demo: bool,
               server: InstanceServer | None = None, demo_sample: Path | None = None) -> int:
    """Show the main window and run the event loop until it is closed."""
    loop = install_event_loop(qapp)
    runner = AsyncRunner(loop)
    window = MainWindow(app, runner, demo=demo)
    runner.failed.connect(window.report_error)
    if server is not None:
        server.raise_requested.connect(window.bring_to_front)
    qapp.setQuitOnLastWindowClosed(False)
    previous_hook = sys.excepthook
    sys.excepthook = _log_uncaught(previous_hook)

    async def session() -> None:
        closed = asyncio.Event()
        window.closed.connect(closed.set)
        window.show()
        if demo:
            window.set_loading(True, window.tr("Loading the demo inbox…"))

            async def load() -> int:
                try:
                    return await populate_demo_async(app, demo_sample)
                finally:
                    window.set_loading(False)
                    window.refresh_counts()

            runner.run(load(), what=window.tr("Loading the demo inbox"))
        elif app.sources():
            window.sync_now()
        await closed.wait()
        await runner.shutdown()
        await app.close_sources()

    try:
        with loop:  # type: ignore[attr-defined]  # qasync's loop closes itself on exit
            loop.run_until_complete(session())
    finally:
        sys.excepthook = previous_hook
        asyncio.set_event_loop(None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
