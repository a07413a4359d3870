"""The item list: a keyset-paged Qt model over ``Workstation.list_items``/``search``.

The model holds the rows loaded so far (50 at a time: Qt asks for more with
``canFetchMore``/``fetchMore`` as the user scrolls). A change set from the
app updates the changed rows in place by id; when items were added or
removed, the rows are reloaded (coalesced, so a sync of many batches causes
one reload).

Store reads are local, indexed and bounded to one page, so they run on the
GUI thread in this shell (the app layer documents them as cheap); nothing
here touches the network.

Example::

    model = ItemListModel(app)
    model.set_query(lambda cursor, limit: app.list_items(ItemFilter(), cursor=cursor,
                                                         limit=limit))
    view.setModel(model)
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)

from workstation.api.model import Item
from workstation.app import ChangeSet, Page, Workstation

log = logging.getLogger("workstation.ui.items")

PAGE_SIZE = 50
# A reload keeps what the user scrolled through, up to this many rows.
MAX_RELOAD_ROWS = 1000

Fetch = Callable[[int | None, int], Page]
"""``fetch(cursor, limit)``: one page of the current view."""

AnyIndex = QModelIndex | QPersistentModelIndex


class ItemRole(IntEnum):
    ITEM = Qt.ItemDataRole.UserRole + 1
    ID = Qt.ItemDataRole.UserRole + 2
    UNREAD = Qt.ItemDataRole.UserRole + 3
    STARRED = Qt.ItemDataRole.UserRole + 4
    KIND = Qt.ItemDataRole.UserRole + 5


class ItemListModel(QAbstractListModel):
    """Rows of :class:`~workstation.api.model.Item`, newest first."""

    loaded = Signal()  # after a new query or a reload replaced the rows

    def __init__(self, app: Workstation, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._app = app
        self._items: list[Item] = []
        self._rows: dict[int, int] = {}  # item id -> row
        self._cursor: int | None = None
        self._fetch: Fetch | None = None
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(100)
        self._reload_timer.timeout.connect(self.reload)

    # -- queries ------------------------------------------------------------
    def set_query(self, fetch: Fetch) -> None:
        """Show another view. The first page is read before anything changes,
        so a query that raises (a search syntax error) leaves the list as it was."""
        page = fetch(None, PAGE_SIZE)
        self._fetch = fetch
        self._replace(page)

    @Slot()
    def reload(self) -> None:
        """Read the current view again, keeping as many rows as were loaded."""
        self._reload_timer.stop()
        if self._fetch is None:
            return
        limit = min(max(PAGE_SIZE, len(self._items)), MAX_RELOAD_ROWS)
        try:
            page = self._fetch(None, limit)
        except Exception:
            log.exception("reloading the item list failed")
            return
        self._replace(page)

    def _replace(self, page: Page) -> None:
        self.beginResetModel()
        self._items = list(page.items)
        self._cursor = page.cursor
        self._reindex()
        self.endResetModel()
        self.loaded.emit()

    def _reindex(self) -> None:
        self._rows = {it.id: row for row, it in enumerate(self._items) if it.id is not None}

    # -- Qt model API -------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's idiom)
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            # What a screen reader says; the delegate paints the row itself.
            who = item.actor.name if item.actor else (item.folder or item.source)
            return f"{who}: {item.title or item.summary}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return None
        if role == ItemRole.ITEM:
            return item
        if role == ItemRole.ID:
            return item.id
        if role == ItemRole.UNREAD:
            return not item.flags.read
        if role == ItemRole.STARRED:
            return item.flags.starred
        if role == ItemRole.KIND:
            return item.kind.value
        return None

    def canFetchMore(self, parent: AnyIndex) -> bool:
        return not parent.isValid() and self._cursor is not None and self._fetch is not None

    def fetchMore(self, parent: AnyIndex) -> None:
        if not self.canFetchMore(parent):
            return
        assert self._fetch is not None
        try:
            page = self._fetch(self._cursor, PAGE_SIZE)
        except Exception:
            log.exception("loading more items failed")
            self._cursor = None
            return
        fresh = [it for it in page.items if it.id not in self._rows]
        self._cursor = page.cursor
        if not fresh:
            return
        first = len(self._items)
        self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
        self._items.extend(fresh)
        self._reindex()
        self.endInsertRows()

    # -- lookups ------------------------------------------------------------
    @property
    def has_more(self) -> bool:
        return self._cursor is not None

    def item_at(self, row: int) -> Item | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def row_of(self, item_id: int) -> int:
        """The row showing ``item_id``, or -1."""
        return self._rows.get(item_id, -1)

    def ids(self) -> list[int]:
        return [it.id for it in self._items if it.id is not None]

    # -- changes ------------------------------------------------------------
    @Slot(object)
    def apply_changes(self, changes: ChangeSet) -> None:
        """Refresh what ``changes`` touched: rows in place, or a reload."""
        if changes.added or changes.removed:
            self._reload_timer.start()
            return
        self.refresh_rows(changes.updated)

    def refresh_rows(self, ids: Iterable[int]) -> None:
        for item_id in ids:
            row = self._rows.get(item_id)
            if row is None:
                continue
            fresh = self._app.get_item(item_id)
            if fresh is None:
                self._reload_timer.start()
                continue
            # The list keeps previews only; the reading pane asks for bodies.
            self._set_row(row, fresh.replace(content=None))

    def patch_flags(self, item_id: int, **flags: bool) -> None:
        """Show a flag change at once, before the store confirms it (optimistic)."""
        row = self._rows.get(item_id)
        if row is None:
            return
        item = self._items[row]
        self._set_row(row, item.replace(flags=dataclasses.replace(item.flags, **flags)))

    def remove_ids(self, ids: Iterable[int]) -> None:
        """Drop rows that no longer belong to the view (archived from here)."""
        for row in sorted((self._rows[i] for i in ids if i in self._rows), reverse=True):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._items[row]
            self._reindex()
            self.endRemoveRows()

    def _set_row(self, row: int, item: Item) -> None:
        self._items[row] = item
        idx = self.index(row, 0)
        self.dataChanged.emit(idx, idx)
