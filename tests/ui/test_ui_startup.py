"""Starting the app: first run, demo, one instance per profile, the asyncio bridge."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThread, QTimer
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot
from ui_helpers import SAMPLE

from workstation.app import ChangeSet, Workstation
from workstation_ui import main as ui_main
from workstation_ui.bridge import AsyncRunner, ChangeRelay
from workstation_ui.dialogs.welcome import WelcomeChoice, WelcomeDialog
from workstation_ui.instance import InstanceServer, ask_running_instance, server_name
from workstation_ui.views.main_window import MainWindow


@pytest.fixture
def restore_qapp(qapp: QApplication) -> Iterator[QApplication]:
    """main() styles the application and manages quitting: undo that afterwards."""
    sheet = qapp.styleSheet()
    yield qapp
    qapp.setStyleSheet(sheet)
    qapp.setQuitOnLastWindowClosed(True)
    asyncio.set_event_loop(None)


def _drive(step: Callable[[], bool], interval: int = 30) -> QTimer:
    """Call ``step`` from the event loop until it returns True."""
    timer = QTimer()
    timer.setInterval(interval)

    def tick() -> None:
        if step():
            timer.stop()

    timer.timeout.connect(tick)
    timer.start()
    return timer


def _main_window() -> MainWindow | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, MainWindow) and widget.isVisible():
            return widget
    return None


def test_welcome_dialog_offers_two_choices(qtbot: QtBot) -> None:
    dialog = WelcomeDialog()
    qtbot.addWidget(dialog)
    assert dialog.demo_button.accessibleName() == "Explore the demo inbox"
    assert dialog.empty_button.accessibleName() == "Start with an empty inbox"
    dialog.show()
    dialog.empty_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.choice is WelcomeChoice.EMPTY


def test_first_run_shows_welcome_then_the_empty_inbox(restore_qapp: QApplication,
                                                      tmp_path: Path) -> None:
    seen: dict[str, object] = {}

    def step() -> bool:
        modal = QApplication.activeModalWidget()
        if isinstance(modal, WelcomeDialog):
            seen["welcome"] = True
            modal.empty_button.click()
            return False
        window = _main_window()
        if window is not None:
            seen["empty_text"] = window.list_view.empty_text
            seen["title"] = window.windowTitle()
            window.close()
            return True
        return False

    timer = _drive(step)
    assert ui_main.main(["--profile", str(tmp_path / "fresh")]) == 0
    timer.stop()
    assert seen["welcome"] is True
    assert seen["empty_text"] == "No items yet. Sources you add will appear here."
    assert "(demo)" not in str(seen["title"])
    assert (tmp_path / "fresh" / "workstation.db").exists()
    assert (tmp_path / "fresh" / "ui.ini").exists()


def test_demo_loads_in_the_event_loop_and_is_deleted_at_exit(
        restore_qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    seen: dict[str, object] = {}

    def step() -> bool:
        window = _main_window()
        if window is None or window.model.rowCount() == 0 or window._loading:
            return False
        seen["rows"] = window.model.rowCount()
        seen["title"] = window.windowTitle()
        seen["profile"] = list(temp.iterdir())
        window.close()
        return True

    timer = _drive(step)
    assert ui_main.main(["--demo", "--demo-sample", str(SAMPLE)]) == 0
    timer.stop()
    assert seen["rows"] == 16
    assert "(demo)" in str(seen["title"])
    assert len(seen["profile"]) == 1  # type: ignore[arg-type]
    assert list(temp.iterdir()) == []


def test_a_locked_profile_is_explained(restore_qapp: QApplication, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    holder = Workstation.open(tmp_path / "busy", write=True)  # e.g. a CLI sync
    errors: list[tuple[str, str]] = []
    monkeypatch.setattr(ui_main, "_error_box", lambda text, detail="": errors.append(
        (text, detail)))
    monkeypatch.setattr(ui_main, "LOCK_WAIT_SECONDS", 0.0)
    try:
        assert ui_main.main(["--profile", str(tmp_path / "busy")]) == 1
    finally:
        holder.close()
    assert errors
    assert "Another Workstation" in errors[0][1]


def test_server_names_are_stable_per_profile(tmp_path: Path) -> None:
    assert server_name(tmp_path / "a") == server_name(tmp_path / "a" / ".." / "a")
    assert server_name(tmp_path / "a") != server_name(tmp_path / "b")


def test_nobody_answers_on_a_free_name(qapp: QApplication, tmp_path: Path) -> None:
    assert ask_running_instance(server_name(tmp_path / "nobody"), timeout_ms=300) is False


def test_the_instance_server_answers_a_second_launch(qtbot: QtBot, tmp_path: Path) -> None:
    name = server_name(tmp_path / "profile")
    server = InstanceServer(name)
    assert server.listen()
    # Another process, as a real second launch is (the client blocks while it
    # waits for the answer, and PySide keeps the GIL meanwhile).
    code = ("import sys; from PySide6.QtCore import QCoreApplication; "
            "from workstation_ui.instance import ask_running_instance; "
            "app = QCoreApplication([]); "
            f"sys.exit(0 if ask_running_instance({name!r}) else 3)")
    with qtbot.waitSignal(server.raise_requested, timeout=20000):
        proc = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE)
    _, err = proc.communicate(timeout=20)
    server.close()
    assert proc.returncode == 0, err.decode()


@pytest.mark.slow
def test_a_second_process_raises_the_first_and_exits(qtbot: QtBot, tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    server = InstanceServer(server_name(profile))
    assert server.listen()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    with qtbot.waitSignal(server.raise_requested, timeout=30000):
        proc = subprocess.Popen([sys.executable, "-m", "workstation_ui.main",
                                 "--profile", str(profile)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, err = proc.communicate(timeout=30)
    server.close()
    assert proc.returncode == 0, err.decode()
    assert b"brought to the front" in err
    assert not (profile / "workstation.db").exists()  # it never opened the profile


def test_change_relay_delivers_on_the_gui_thread(qtbot: QtBot) -> None:
    relay = ChangeRelay()
    threads: list[bool] = []
    received: list[object] = []

    def slot(cs: object) -> None:
        threads.append(QThread.currentThread() is QApplication.instance().thread())  # type: ignore[union-attr]
        received.append(cs)

    relay.changed.connect(slot)
    sent = ChangeSet(updated={1, 2}, sources={"Mail"})
    with qtbot.waitSignal(relay.changed, timeout=2000):
        worker = threading.Thread(target=relay.on_change, args=(sent,))
        worker.start()
        worker.join()
    assert threads == [True]
    assert received == [sent]
    assert received[0] is not sent
    relay.detach()
    relay.on_change(sent)
    qtbot.wait(50)
    assert len(received) == 1


def test_async_runner_reports_failures_and_results(qtbot: QtBot) -> None:
    loop = asyncio.new_event_loop()
    try:
        runner = AsyncRunner(loop)
        failures: list[tuple[str, str]] = []
        results: list[int] = []
        runner.failed.connect(lambda what, msg: failures.append((what, msg)))

        async def boom() -> int:
            raise RuntimeError("the server said no")

        async def fine() -> int:
            await asyncio.sleep(0)
            return 42

        runner.run(boom(), what="Syncing")
        runner.run(fine(), what="Counting", on_done=results.append)
        runner.call(lambda: 7, what="Blocking", on_done=results.append)
        loop.run_until_complete(asyncio.sleep(0.1))
        assert failures == [("Syncing", "the server said no")]
        assert sorted(results) == [7, 42]
        assert not runner.busy
        loop.run_until_complete(runner.shutdown())
    finally:
        loop.close()
