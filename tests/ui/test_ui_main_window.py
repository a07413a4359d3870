"""The main window as a user meets it: sidebar, list, keyboard, search, marking."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from ui_helpers import SAMPLE, open_demo

from workstation.api.model import Item
from workstation.app import ItemFilter, Workstation
from workstation.resources import demo_sample
from workstation_ui.models.item_list import ItemRole
from workstation_ui.views.main_window import MainWindow
from workstation_ui.views.sidebar import INBOX_KEY, Role


def _items(window: MainWindow) -> list[Item]:
    model = window.model
    out = []
    for row in range(model.rowCount()):
        item = model.index(row, 0).data(ItemRole.ITEM)
        assert isinstance(item, Item)
        out.append(item)
    return out


def _focus_list(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()
    window.list_view.setFocus()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def test_sidebar_shows_the_views_and_unread_counts(window: MainWindow,
                                                   ui_app: Workstation) -> None:
    counts = ui_app.sidebar_counts()
    inbox = window.sidebar.node_for(INBOX_KEY)
    assert inbox is not None
    assert inbox.text(0) == "Unified inbox"
    assert inbox.data(0, Role.COUNT) == counts.inbox_unread > 0
    top = [window.sidebar.topLevelItem(i).text(0)  # type: ignore[union-attr]
           for i in range(window.sidebar.topLevelItemCount())]
    assert top[:4] == ["Unified inbox", "Unread", "Starred", "Mentions & replies"]
    assert "Sources" in top
    assert "Saved searches" in top
    assert window.sidebar.count_for("starred") == counts.starred
    assert window.sidebar.count_for("mentions") == counts.mentions_unread

    # Each source, with its folders; "Tech/Ars Machina" nests under "Tech".
    for src in ui_app.sources():
        node = window.sidebar.node_for(f"source:{src.name}")
        assert node is not None
        assert node.data(0, Role.COUNT) == src.unread
    tech = window.sidebar.node_for("source:Tech news")
    assert tech is not None
    group = next(tech.child(i) for i in range(tech.childCount())
                 if tech.child(i).text(0) == "Tech")  # type: ignore[union-attr]
    assert group is not None
    assert sorted(group.child(i).text(0)  # type: ignore[union-attr]
                  for i in range(group.childCount())) == ["Ars Machina", "Hacker Digest"]
    assert window.sidebar.node_for("saved:Unread with attachments") is not None


def test_list_shows_items_newest_first(window: MainWindow, ui_app: Workstation) -> None:
    items = _items(window)
    assert len(items) == len(ui_app.list_items().items) > 5
    whens = [it.when for it in items]
    assert whens == sorted(whens, reverse=True)
    assert "16 shown" in window.counts_label.text()


def test_selecting_a_sidebar_view_filters_the_list(qtbot: QtBot, window: MainWindow,
                                                   ui_app: Workstation) -> None:
    assert window.sidebar.select_key("starred")
    expected = ui_app.list_items(ItemFilter(starred=True, archived=None)).items
    assert [it.id for it in _items(window)] == [it.id for it in expected]
    assert window.view_title.text() == "Starred"
    assert window.sidebar.select_key("folder:Tech news\0Tech/Ars Machina")
    assert {it.folder for it in _items(window)} == {"Tech/Ars Machina"}
    assert window.sidebar.select_key("saved:Unread with attachments")
    assert all(it.attachments and not it.flags.read for it in _items(window))


def test_j_and_k_move_the_selection_and_the_pane_follows(qtbot: QtBot,
                                                         window: MainWindow) -> None:
    items = _items(window)
    _focus_list(qtbot, window)
    QTest.keyClick(window.list_view, Qt.Key.Key_J)
    assert window.list_view.currentIndex().row() == 0
    assert window.reading_pane.title_label.text() == items[0].title
    QTest.keyClick(window.list_view, Qt.Key.Key_J)
    QTest.keyClick(window.list_view, Qt.Key.Key_J)
    assert window.list_view.currentIndex().row() == 2
    assert window.reading_pane.current_item is not None
    assert window.reading_pane.current_item.id == items[2].id
    QTest.keyClick(window.list_view, Qt.Key.Key_K)
    assert window.list_view.currentIndex().row() == 1
    assert window.reading_pane.title_label.text() == (items[1].title or items[1].summary[:120])


def test_an_unread_item_is_marked_read_after_a_second(qtbot: QtBot, window: MainWindow,
                                                      ui_app: Workstation) -> None:
    items = _items(window)
    row = next(i for i, it in enumerate(items) if not it.flags.read)
    item_id = items[row].id
    assert item_id is not None
    before = ui_app.sidebar_counts().inbox_unread
    window.select_row(row)
    qtbot.wait(300)
    got = ui_app.get_item(item_id)
    assert got is not None
    assert not got.flags.read, "marked read too early"
    qtbot.waitUntil(lambda: ui_app.get_item(item_id).flags.read,  # type: ignore[union-attr]
                    timeout=3000)
    # The change comes back through the listener: row and counts follow.
    qtbot.waitUntil(lambda: window.sidebar.count_for(INBOX_KEY) == before - 1, timeout=2000)
    assert window.model.index(row, 0).data(ItemRole.UNREAD) is False


def test_moving_on_quickly_does_not_mark_read(qtbot: QtBot, window: MainWindow,
                                              ui_app: Workstation) -> None:
    items = _items(window)
    unread = [i for i, it in enumerate(items) if not it.flags.read]
    first, second = unread[0], unread[1]
    window.select_row(first)
    qtbot.wait(200)
    window.select_row(second)
    qtbot.waitUntil(lambda: ui_app.get_item(items[second].id).flags.read,  # type: ignore[arg-type,union-attr]
                    timeout=3000)
    assert not ui_app.get_item(items[first].id).flags.read  # type: ignore[arg-type,union-attr]


def test_star_unread_and_archive_keys(qtbot: QtBot, window: MainWindow,
                                      ui_app: Workstation) -> None:
    _focus_list(qtbot, window)
    QTest.keyClick(window.list_view, Qt.Key.Key_J)
    item = window.current_item()
    assert item is not None
    assert item.id is not None
    item_id = item.id
    starred_before = ui_app.sidebar_counts().starred

    QTest.keyClick(window.list_view, Qt.Key.Key_S)
    assert ui_app.get_item(item_id).flags.starred is not item.flags.starred  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: window.sidebar.count_for("starred") != starred_before)

    read_before = ui_app.get_item(item_id).flags.read  # type: ignore[union-attr]
    QTest.keyClick(window.list_view, Qt.Key.Key_U)
    assert ui_app.get_item(item_id).flags.read is not read_before  # type: ignore[union-attr]

    count = window.model.rowCount()
    QTest.keyClick(window.list_view, Qt.Key.Key_E)
    assert ui_app.get_item(item_id).flags.archived  # type: ignore[union-attr]
    assert window.model.row_of(item_id) == -1
    assert window.model.rowCount() == count - 1
    # The next item is selected, as in every mail client.
    nxt = window.current_item()
    assert nxt is not None
    assert nxt.id != item_id
    qtbot.wait(150)  # the reload after the change set keeps it so
    assert window.model.row_of(item_id) == -1


def test_search_as_you_type_filters_the_list(qtbot: QtBot, window: MainWindow,
                                             ui_app: Workstation) -> None:
    expected = [it.id for it in ui_app.search("from:jonas").items]
    assert 0 < len(expected) < window.model.rowCount()
    window.activateWindow()
    QTest.keyClick(window.list_view, Qt.Key.Key_Slash)
    qtbot.waitUntil(window.search_field.hasFocus)
    QTest.keyClicks(window.search_field, "from:jonas")
    # Debounced: nothing happens on each key, the list changes once typing pauses.
    qtbot.waitUntil(lambda: [it.id for it in _items(window)] == expected, timeout=2000)
    assert all(it.actor is not None and it.actor.name == "Jonas Berg" for it in _items(window))
    assert window.search_error is None

    QTest.keyClick(window.search_field, Qt.Key.Key_Escape)
    assert window.search_field.text() == ""
    assert window.model.rowCount() == len(ui_app.list_items().items)


def test_invalid_search_shows_the_error_and_keeps_the_list(qtbot: QtBot,
                                                           window: MainWindow) -> None:
    before = [it.id for it in _items(window)]
    window.search_field.setFocus()
    QTest.keyClicks(window.search_field, "is:banana")
    qtbot.waitUntil(lambda: window.search_error is not None, timeout=2000)
    assert "is:banana" in (window.search_error or "")
    assert window.search_error_label.text() == window.search_error
    assert window.search_field.toolTip() == window.search_error
    assert window.search_field.property("invalid") is True
    assert window.statusBar().currentMessage() == window.search_error
    assert [it.id for it in _items(window)] == before

    window.search_field.clear()
    QTest.keyClicks(window.search_field, "is:unread")
    qtbot.waitUntil(lambda: window.search_error is None, timeout=2000)
    assert window.search_field.property("invalid") is False
    assert all(not it.flags.read for it in _items(window))


def test_empty_profile_says_how_items_arrive(empty_app: Workstation, make_window: object,
                                             ) -> None:
    window = make_window(empty_app)  # type: ignore[operator]
    assert window.model.rowCount() == 0
    assert window.list_view.empty_text == "No items yet. Sources you add will appear here."
    assert not window.reading_pane.empty_label.isVisible()  # nothing to select
    assert window.windowTitle().endswith("Workstation")


def test_demo_window_title_says_demo(ui_app: Workstation, make_window: object) -> None:
    window = make_window(ui_app, demo=True)  # type: ignore[operator]
    assert "(demo)" in window.windowTitle()


def test_window_remembers_its_layout(qtbot: QtBot, ui_app: Workstation,
                                     tmp_path: Path, make_window: object) -> None:
    ini = tmp_path / "remember.ini"
    first = make_window(ui_app, settings=QSettings(str(ini), QSettings.Format.IniFormat))  # type: ignore[operator]
    first.splitter.setSizes([250, 450, 580])
    sizes = first.splitter.sizes()
    first.sidebar.select_key("starred")
    first.close()
    assert ini.exists()
    second = make_window(ui_app, settings=QSettings(str(ini), QSettings.Format.IniFormat))  # type: ignore[operator]
    assert second.splitter.sizes() == sizes
    assert second.sidebar.current_view().key == "starred"


def test_the_about_box_names_the_versions(qtbot: QtBot, window: MainWindow,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr("workstation_ui.views.main_window.QMessageBox.about",
                        lambda _parent, _title, text: shown.append(text))
    window.act_about.trigger()
    assert "0.1.0" in shown[0]
    assert "Plugin API 1.0" in shown[0]


def test_menus_show_the_shortcuts(window: MainWindow) -> None:
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == ["&File", "&Edit", "&Item", "&View", "&Help"]
    assert window.act_star.shortcut().toString() == "S"
    assert window.act_archive.shortcut().toString() == "E"
    assert window.act_read.shortcut().toString() == "U"
    assert window.act_next.shortcut().toString() == "J"


@pytest.mark.skipif(not SAMPLE.exists(), reason="test sample missing")
def test_bundled_demo_sample_smoke(qtbot: QtBot, tmp_path: Path, make_window: object) -> None:
    try:
        bundled = demo_sample()
    except FileNotFoundError:
        pytest.skip("the bundled demo sample is not there yet")
    if not bundled.exists():
        pytest.skip("the bundled demo sample is not there yet")
    app = open_demo(tmp_path / "bundled", bundled)
    try:
        window = make_window(app, demo=True)  # type: ignore[operator]
        assert window.model.rowCount() > 0
        assert window.sidebar.count_for(INBOX_KEY) == app.sidebar_counts().inbox_unread
        window.select_row(0)
        assert window.reading_pane.current_item is not None
        window.close()
    finally:
        app.close()
