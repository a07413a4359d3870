"""The item list model (keyset paging, change sets) and how rows are drawn."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QSize
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem
from pytestqt.qtbot import QtBot
from ui_helpers import open_demo

from workstation.app import ChangeSet, ItemFilter, Page, SearchSyntaxError, Workstation
from workstation_ui.models.item_list import PAGE_SIZE, ItemListModel, ItemRole
from workstation_ui.views.item_delegate import ROW_HEIGHT, ItemDelegate, format_when


def _big_sample(path: Path, count: int) -> Path:
    items = [{"id": f"n{i}", "source": "Feed", "kind": "feed-entry", "folder": "News",
              "ago": f"{i}h{i % 60}m", "title": f"Entry {i}", "summary": f"Summary {i}",
              "from": {"name": "Feed", "feed_author": "https://feed.example/"}}
             for i in range(count)]
    path.write_text(json.dumps({"version": 1, "me": {"name": "Me", "email": "me@x.org"},
                                "sources": [{"name": "Feed", "kind": "feed-entry",
                                             "folders": ["News"]}],
                                "items": items}), encoding="utf-8")
    return path


def _lister(app: Workstation, f: ItemFilter | None = None):  # type: ignore[no-untyped-def]
    def fetch(cursor: int | None, limit: int) -> Page:
        return app.list_items(f, cursor=cursor, limit=limit)
    return fetch


def test_pages_load_on_demand_without_gaps_or_duplicates(qtbot: QtBot, tmp_path: Path) -> None:
    app = open_demo(tmp_path / "p", _big_sample(tmp_path / "big.json", 130))
    try:
        model = ItemListModel(app)
        model.set_query(_lister(app))
        assert model.rowCount() == PAGE_SIZE
        assert model.canFetchMore(QModelIndex())
        while model.canFetchMore(QModelIndex()):
            model.fetchMore(QModelIndex())
        assert model.rowCount() == 130
        titles = [model.index(r, 0).data(ItemRole.ITEM).title for r in range(130)]
        assert titles == [f"Entry {i}" for i in range(130)]  # newest first
        # A reload keeps what was scrolled through.
        model.reload()
        assert model.rowCount() == 130
    finally:
        app.close()


def test_change_sets_update_rows_in_place(qtbot: QtBot, ui_app: Workstation) -> None:
    model = ItemListModel(ui_app)
    model.set_query(_lister(ui_app))
    item = model.item_at(0)
    assert item is not None
    assert item.id is not None
    changed: list[int] = []
    model.dataChanged.connect(lambda a, _b: changed.append(a.row()))
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    cs = ui_app.mark([item.id], "unread" if item.flags.read else "read")
    model.apply_changes(cs)
    assert changed == [0]
    assert not resets
    assert model.item_at(0).flags.read is not item.flags.read  # type: ignore[union-attr]

    # Added or removed items: one coalesced reload.
    model.apply_changes(ChangeSet(added={999_999}))
    model.apply_changes(ChangeSet(removed={999_998}))
    qtbot.waitUntil(lambda: len(resets) == 1)
    qtbot.wait(150)
    assert len(resets) == 1


def test_failed_query_keeps_the_rows(ui_app: Workstation) -> None:
    model = ItemListModel(ui_app)
    model.set_query(_lister(ui_app))
    before = model.ids()

    def broken(cursor: int | None, limit: int) -> Page:
        return ui_app.search("is:nonsense", cursor=cursor, limit=limit)

    with pytest.raises(SearchSyntaxError):
        model.set_query(broken)
    assert model.ids() == before


def test_time_column_format() -> None:
    now = datetime(2026, 3, 12, 18, 0)  # a Thursday
    assert format_when(datetime(2026, 3, 12, 9, 5), now) == "09:05"
    assert format_when(datetime(2026, 3, 11, 23, 59), now) == "Yesterday"
    assert format_when(datetime(2026, 3, 9, 8, 0), now) == "Monday"
    assert format_when(datetime(2026, 3, 1, 8, 0), now) == "1 Mar"
    assert format_when(datetime(2025, 12, 24, 8, 0), now) == "24 Dec 2025"
    assert format_when(now - timedelta(days=6), now) == "Friday"


def test_rows_are_two_lines_tall_and_draw_without_error(qtbot: QtBot,
                                                        ui_app: Workstation) -> None:
    model = ItemListModel(ui_app)
    model.set_query(_lister(ui_app))
    delegate = ItemDelegate()
    option = QStyleOptionViewItem()
    option.rect.setRect(0, 0, 420, ROW_HEIGHT)
    assert delegate.sizeHint(option, model.index(0, 0)).height() >= ROW_HEIGHT
    image = QImage(QSize(420, ROW_HEIGHT), QImage.Format.Format_ARGB32)
    for row in range(model.rowCount()):
        for selected in (False, True):
            image.fill(QColor("white"))
            painter = QPainter(image)
            opt = QStyleOptionViewItem(option)
            if selected:
                opt.state |= QStyle.StateFlag.State_Selected
            delegate.paint(painter, opt, model.index(row, 0))
            painter.end()
