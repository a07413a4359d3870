"""Render the main window offscreen and save a PNG, to look at the UI in reviews.

Usage::

    python -m workstation_ui.tools.screenshot OUT.png [--demo] [--profile DIR]
        [--sample FILE] [--size 1280x800] [--select ROW] [--search TEXT] [--welcome]

Without ``--profile`` a throwaway demo profile is used (``--demo`` says so
explicitly); ``--sample`` loads another sample file into it. ``--welcome``
renders the first-run dialog instead of the window.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from workstation.app import Workstation, populate_demo
from workstation_ui.dialogs.welcome import WelcomeDialog
from workstation_ui.style import apply_style
from workstation_ui.views.main_window import MainWindow

T = TypeVar("T")


class _NoRunner:
    """Screenshots start no background work; commands run inline."""

    def run(self, coro: Coroutine[Any, Any, T], what: str,
            on_done: Callable[[T], object] | None = None) -> None:
        coro.close()

    def call(self, fn: Callable[[], T], what: str,
             on_done: Callable[[T], object] | None = None) -> None:
        result = fn()
        if on_done is not None:
            on_done(result)


def _settle(qapp: QApplication, rounds: int = 5) -> None:
    for _ in range(rounds):
        qapp.processEvents()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workstation_ui.tools.screenshot")
    parser.add_argument("out", type=Path)
    parser.add_argument("--demo", action="store_true", help="use a demo profile (default)")
    parser.add_argument("--profile", type=Path, help="an existing profile (opened read-write)")
    parser.add_argument("--sample", type=Path, help="sample file for the demo profile")
    parser.add_argument("--size", default="1280x800")
    parser.add_argument("--select", type=int, default=0, help="row to select (-1: none)")
    parser.add_argument("--search", default="", help="text typed in the search field")
    parser.add_argument("--view", default="", help="sidebar view key (inbox, starred…)")
    parser.add_argument("--welcome", action="store_true", help="render the welcome dialog")
    args = parser.parse_args(argv)
    width, height = (int(x) for x in args.size.lower().split("x"))

    qapp = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(qapp, QApplication)
    qapp.setApplicationName("Workstation")
    qapp.setOrganizationName("Workstation")
    apply_style(qapp)

    if args.welcome:
        dialog = WelcomeDialog()
        dialog.show()
        _settle(qapp)
        ok = dialog.grab().save(str(args.out))
        dialog.close()
        return 0 if ok else 1

    tmp: Path | None = None
    if args.profile is None:
        tmp = Path(tempfile.mkdtemp(prefix="workstation-shot-"))
    try:
        app = Workstation.open(args.profile or tmp / "profile", write=True)  # type: ignore[operator]
        try:
            if tmp is not None:
                populate_demo(app, args.sample)
            settings = QSettings(str((tmp or args.profile) / "shot.ini"),
                                 QSettings.Format.IniFormat)
            window = MainWindow(app, _NoRunner(), demo=tmp is not None, settings=settings,
                                mark_read_delay_ms=60_000)
            window.resize(width, height)
            window.show()
            if args.view:
                window.sidebar.select_key(args.view)
            if args.search:
                window.search_field.setText(args.search)
                window.apply_search()
            if args.select >= 0:
                window.select_row(args.select)
            window.list_view.setFocus()
            _settle(qapp)
            ok = window.grab().save(str(args.out))
            window.close()
            _settle(qapp)
        finally:
            app.close()
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    print(args.out if ok else "could not save the screenshot")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
