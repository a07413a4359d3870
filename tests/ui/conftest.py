"""Fixtures for the Qt tests: a demo profile, an inline runner, the main window.

Qt runs offscreen. The tests use their own sample (``data/sample.json``, the
demo plugin's format) so that what they check does not move when the bundled
demo data is edited; one smoke test also runs the bundled sample when present.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from ui_helpers import InlineRunner, open_demo

from workstation.app import Workstation
from workstation_ui.views.main_window import MainWindow


@pytest.fixture
def ui_app(tmp_path: Path) -> Iterator[Workstation]:
    app = open_demo(tmp_path / "profile")
    yield app
    app.close()


@pytest.fixture
def empty_app(tmp_path: Path) -> Iterator[Workstation]:
    app = Workstation.open(tmp_path / "empty", write=True)
    yield app
    app.close()


WindowFactory = Callable[..., MainWindow]


@pytest.fixture
def make_window(qtbot: QtBot, tmp_path: Path) -> Iterator[WindowFactory]:
    """Build a shown MainWindow over an app; closed before the app is."""
    windows: list[MainWindow] = []

    def make(app: Workstation, **kwargs: Any) -> MainWindow:
        kwargs.setdefault("settings", QSettings(str(tmp_path / f"ui-{len(windows)}.ini"),
                                                QSettings.Format.IniFormat))
        window = MainWindow(app, kwargs.pop("runner", InlineRunner()), **kwargs)
        window.resize(1280, 800)
        window.show()
        window.activateWindow()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
        window.deleteLater()
    QApplication.processEvents()


@pytest.fixture
def window(ui_app: Workstation, make_window: WindowFactory) -> MainWindow:
    # ui_app first: fixtures tear down in reverse, so the window closes
    # before the profile does.
    return make_window(ui_app)
