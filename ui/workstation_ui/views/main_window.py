"""The main window: sidebar, item list, reading pane, search.

The window talks to one :class:`~workstation.app.Workstation` and starts
background work through a :class:`~workstation_ui.bridge.Runner`, both given
to it, so tests build it with a demo profile and an inline runner.

Reads (one page of the list, one item, the sidebar counts) are local,
indexed and bounded, and run on the GUI thread; writes (mark, star,
archive) go through the runner to a worker thread, and the app's change
notifications come back through :class:`~workstation_ui.bridge.ChangeRelay`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

from PySide6.QtCore import (
    QByteArray,
    QItemSelectionModel,
    QModelIndex,
    QSettings,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPalette,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QToolBar,
    QWidget,
)

from workstation import __version__
from workstation.api.model import Item
from workstation.api.version import API_VERSION
from workstation.app import (
    ChangeSet,
    Page,
    SearchSyntaxError,
    Workstation,
)
from workstation_ui.bridge import ChangeRelay, Runner
from workstation_ui.models.item_list import ItemListModel
from workstation_ui.views.item_delegate import ItemDelegate
from workstation_ui.views.reading_pane import ReadingPane
from workstation_ui.views.sidebar import INBOX_KEY, Sidebar, ViewSpec
from workstation_ui.widgets.elided_label import ElidedLabel

log = logging.getLogger("workstation.ui.window")

SETTINGS_FILE = "ui.ini"
SEARCH_DELAY_MS = 200
MARK_READ_DELAY_MS = 1000
DEFAULT_SIZES = (220, 420, 640)


class ItemListView(QListView):
    """The list of items; paints a short explanation when it is empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("itemList")
        self.empty_text = ""
        self.setUniformItemSizes(True)
        self.setMouseTracking(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QListView.Shape.NoFrame)
        self.setItemDelegate(ItemDelegate(self))

    def set_empty_text(self, text: str) -> None:
        self.empty_text = text
        self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if model is None or model.rowCount() or not self.empty_text:
            return
        painter = QPainter(self.viewport())
        pal = self.palette()
        base, text = pal.color(QPalette.ColorRole.Base), pal.color(QPalette.ColorRole.Text)
        color = base.toRgb()
        color.setRgbF(base.redF() + (text.redF() - base.redF()) * 0.55,
                      base.greenF() + (text.greenF() - base.greenF()) * 0.55,
                      base.blueF() + (text.blueF() - base.blueF()) * 0.55)
        painter.setPen(color)
        rect = self.viewport().rect().adjusted(32, 0, -32, 0)
        rect.setTop(rect.top() + 80)
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
                                   | Qt.TextFlag.TextWordWrap), self.empty_text)
        painter.end()


class MainWindow(QMainWindow):
    """The desktop window over one open profile.

    Example::

        window = MainWindow(app, runner, demo=True)
        window.show()
    """

    closed = Signal()

    def __init__(self, app: Workstation, runner: Runner, *, demo: bool = False,
                 settings: QSettings | None = None,
                 mark_read_delay_ms: int = MARK_READ_DELAY_MS,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.runner = runner
        self.demo = demo
        self._loading = False
        self._search_error: str | None = None
        self.settings = settings or QSettings(str(app.profile.path / SETTINGS_FILE),
                                              QSettings.Format.IniFormat)
        self.setObjectName("mainWindow")
        self.setMinimumSize(QSize(760, 480))

        # Widgets.
        self.sidebar = Sidebar()
        self.model = ItemListModel(app, self)
        self.list_view = ItemListView()
        self.list_view.setModel(self.model)
        self.reading_pane = ReadingPane(app)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(1)
        for w in (self.sidebar, self.list_view, self.reading_pane):
            self.splitter.addWidget(w)
        self.sidebar.setMinimumWidth(160)
        self.list_view.setMinimumWidth(300)
        self.reading_pane.setMinimumWidth(320)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setStretchFactor(2, 1)
        self.setCentralWidget(self.splitter)

        self._build_toolbar()
        self._build_actions()
        self._build_menus()
        self._build_status_bar()

        # Timers.
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self._mark_timer = QTimer(self)
        self._mark_timer.setSingleShot(True)
        self._mark_timer.setInterval(mark_read_delay_ms)
        self._mark_timer.timeout.connect(self._mark_current_read)
        self._pending_read: int | None = None
        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(150)
        self._counts_timer.timeout.connect(self.refresh_counts)

        # Change notifications from the app, delivered on the GUI thread.
        self.relay = ChangeRelay(self)
        self.relay.changed.connect(self._on_changes)
        app.add_listener(self.relay.on_change)

        # Wiring.
        self.sidebar.view_changed.connect(self._on_view_changed)
        sel = self.list_view.selectionModel()
        sel.selectionChanged.connect(self._on_selection_changed)
        self.model.modelAboutToBeReset.connect(self._remember_current)
        self.model.modelReset.connect(self._restore_current)
        self.model.rowsInserted.connect(self._update_status)
        self.model.rowsRemoved.connect(self._update_status)
        self.reading_pane.open_item_requested.connect(self.open_item)
        self.reading_pane.link_hovered.connect(self._show_link)
        self._remembered_id: int | None = None

        self.sidebar.refresh(app)
        self._restore_settings()
        self.show_view(self.sidebar.current_view())
        self._update_title()

    # -- construction -----------------------------------------------------------
    def _build_toolbar(self) -> None:
        bar = QToolBar(self.tr("Search"))
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.toggleViewAction().setVisible(False)
        self.view_title = QLabel()
        self.view_title.setObjectName("viewTitle")
        self.view_title.setMinimumWidth(196)
        bar.addWidget(self.view_title)
        self.search_field = QLineEdit()
        self.search_field.setObjectName("searchField")
        self.search_field.setClearButtonEnabled(True)
        self.search_field.setMinimumWidth(300)
        self.search_field.setMaximumWidth(520)
        self.search_field.setSizePolicy(QSizePolicy.Policy.Expanding,
                                        QSizePolicy.Policy.Fixed)
        self.search_field.setAccessibleName(self.tr("Search"))
        self.search_field.textChanged.connect(self._on_search_text)
        self.search_field.returnPressed.connect(self.apply_search)
        bar.addWidget(self.search_field)
        self.search_error_label = ElidedLabel()
        self.search_error_label.setObjectName("searchError")
        self.search_error_label.hide()
        self._search_error_action = bar.addWidget(self.search_error_label)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.toolbar = bar

    def _action(self, text: str,
                shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
                slot: object = None, tip: str = "") -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        # Window-wide: the list, the sidebar and the reading pane all obey;
        # the search field still takes printable keys first (Qt asks it).
        act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip:
            act.setStatusTip(tip)
        if callable(slot):
            act.triggered.connect(slot)
        self.addAction(act)
        return act

    def _build_actions(self) -> None:
        tr = self.tr
        self.act_quit = self._action(tr("&Quit"), QKeySequence.StandardKey.Quit, self.close)
        self.act_sync = self._action(tr("&Get new items"), QKeySequence.StandardKey.Refresh,
                                     self.sync_now, tr("Sync every source now"))
        self.act_search = self._action(tr("&Search"), "/", self.focus_search,
                                       tr("Search with words, from:, is:unread, has:attachment…"))
        self.act_next = self._action(tr("&Next item"), "J", lambda: self.move_selection(1))
        self.act_prev = self._action(tr("&Previous item"), "K",
                                     lambda: self.move_selection(-1))
        self.act_read = self._action(tr("Mark as &read/unread"), "U", self.toggle_read)
        self.act_star = self._action(tr("S&tar/unstar"), "S", self.toggle_star)
        self.act_archive = self._action(tr("&Archive"), "E", self.toggle_archive,
                                        tr("Archive (or move an archived item back)"))
        self.act_show_sidebar = self._action(tr("Show &sidebar"), "Ctrl+Shift+B")
        self.act_show_sidebar.setCheckable(True)
        self.act_show_sidebar.setChecked(True)
        self.act_show_sidebar.toggled.connect(self.sidebar.setVisible)
        self.act_show_pane = self._action(tr("Show &reading pane"), "Ctrl+Shift+R")
        self.act_show_pane.setCheckable(True)
        self.act_show_pane.setChecked(True)
        self.act_show_pane.toggled.connect(self.reading_pane.setVisible)
        self.act_about = self._action(tr("&About Workstation"), None, self.show_about)
        self._escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        self._escape.setContext(Qt.ShortcutContext.WindowShortcut)
        self._escape.activated.connect(self.clear_search)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        file_menu.addAction(self.act_sync)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        edit_menu = bar.addMenu(self.tr("&Edit"))
        edit_menu.addAction(self.act_search)
        item_menu = bar.addMenu(self.tr("&Item"))
        for act in (self.act_next, self.act_prev):
            item_menu.addAction(act)
        item_menu.addSeparator()
        for act in (self.act_read, self.act_star, self.act_archive):
            item_menu.addAction(act)
        view_menu = bar.addMenu(self.tr("&View"))
        view_menu.addAction(self.act_show_sidebar)
        view_menu.addAction(self.act_show_pane)
        help_menu = bar.addMenu(self.tr("&Help"))
        help_menu.addAction(self.act_about)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        status.setSizeGripEnabled(False)
        self.counts_label = QLabel()
        self.counts_label.setObjectName("countsLabel")
        status.addPermanentWidget(self.counts_label)

    # -- settings ---------------------------------------------------------------
    def _restore_settings(self) -> None:
        s = self.settings
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        splitter = s.value("window/splitter")
        if not (isinstance(splitter, QByteArray) and self.splitter.restoreState(splitter)):
            self.splitter.setSizes(list(DEFAULT_SIZES))
        key = s.value("view/current")
        if isinstance(key, str) and key:
            self.sidebar.blockSignals(True)
            self.sidebar.select_key(key)
            self.sidebar.blockSignals(False)

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/splitter", self.splitter.saveState())
        s.setValue("view/current", self.sidebar.current_view().key)
        s.sync()

    # -- views and search -----------------------------------------------------------
    def show_view(self, spec: ViewSpec) -> None:
        """Show a sidebar view (its saved query and the search text applied)."""
        self._current_view = spec
        self.view_title.setText(spec.title)
        self.search_field.setPlaceholderText(self.tr("Search {view}  (from:, is:unread…)").format(
            view=spec.title))
        self.apply_search()
        self._update_title()

    @Slot(object)
    def _on_view_changed(self, spec: object) -> None:
        if isinstance(spec, ViewSpec):
            self.search_field.blockSignals(True)
            self.search_field.clear()
            self.search_field.blockSignals(False)
            self.show_view(spec)

    def _on_search_text(self, _text: str) -> None:
        self._search_timer.start()

    @Slot()
    def apply_search(self) -> None:
        """Run the search field's query within the current view (or clear it)."""
        self._search_timer.stop()
        spec = self._current_view
        typed = self.search_field.text().strip()
        query = " ".join(q for q in (spec.query, typed) if q)
        app = self.app
        if query:
            base = dataclasses.replace(spec.filter, archived=None)

            def fetch(cursor: int | None, limit: int) -> Page:
                return app.search(query, base=base, cursor=cursor, limit=limit)
        else:
            f = spec.filter

            def fetch(cursor: int | None, limit: int) -> Page:
                return app.list_items(f, cursor=cursor, limit=limit)
        try:
            self.model.set_query(fetch)
        except SearchSyntaxError as exc:
            self._set_search_error(str(exc))
            return
        except Exception as exc:  # a store error must not take the window down
            log.exception("search failed")
            self._set_search_error(self.tr("The search failed: {error}").format(error=exc))
            return
        self._set_search_error(None)
        self._update_empty_text()
        self._update_status()

    def _set_search_error(self, message: str | None) -> None:
        self._search_error = message
        field = self.search_field
        field.setProperty("invalid", message is not None)
        field.style().unpolish(field)
        field.style().polish(field)
        field.setToolTip(message or "")
        self.search_error_label.setText(message or "")
        self.search_error_label.setToolTip(message or "")
        self._search_error_action.setVisible(message is not None)
        if message:
            self.statusBar().showMessage(message)
        else:
            self.statusBar().clearMessage()

    @property
    def search_error(self) -> str | None:
        return self._search_error

    @Slot()
    def focus_search(self) -> None:
        self.search_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_field.selectAll()

    @Slot()
    def clear_search(self) -> None:
        if self.search_field.text():
            self.search_field.clear()
            self.apply_search()
        if self.search_field.hasFocus():
            self.list_view.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # -- selection --------------------------------------------------------------------
    def selected_row(self) -> int:
        """The selected row, or -1 (a "current" row without selection does not count:
        Qt sets one when the list merely gets the focus)."""
        rows = self.list_view.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def current_item(self) -> Item | None:
        """The selected item, the one the reading pane shows."""
        row = self.selected_row()
        return self.model.item_at(row) if row >= 0 else None

    def move_selection(self, step: int) -> None:
        """J/K: the next or previous item; with nothing selected, the current or first."""
        model = self.model
        row = self.selected_row()
        if row < 0:
            current = self.list_view.currentIndex().row()
            target = current if current >= 0 else 0
        else:
            if step > 0 and row + step >= model.rowCount() and model.canFetchMore(QModelIndex()):
                model.fetchMore(QModelIndex())
            target = row + step
        count = model.rowCount()
        if count:
            self.select_row(max(0, min(count - 1, target)))

    def select_row(self, row: int) -> None:
        idx = self.model.index(row, 0)
        if not idx.isValid():
            return
        self.list_view.selectionModel().setCurrentIndex(
            idx, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.list_view.scrollTo(idx)

    @Slot(int)
    def open_item(self, item_id: int) -> None:
        """Show ``item_id``: select it in the list when it is there."""
        row = self.model.row_of(item_id)
        if row >= 0:
            self.select_row(row)
        else:
            self.reading_pane.show_item(item_id)
            self._schedule_mark_read(self.reading_pane.current_item)

    def _on_selection_changed(self, *_args: object) -> None:
        item = self.current_item()
        if item is None:
            self._mark_timer.stop()
            self.reading_pane.clear()
            return
        shown = self.reading_pane.current_item
        if shown is not None and shown.id == item.id:
            return  # re-selected after a reload: keep the pane and its scroll position
        self.reading_pane.show_item(item.id)
        self._schedule_mark_read(item)

    def _schedule_mark_read(self, item: Item | None) -> None:
        self._mark_timer.stop()
        self._pending_read = None
        if item is not None and item.id is not None and not item.flags.read:
            self._pending_read = item.id
            self._mark_timer.start()

    @Slot()
    def _mark_current_read(self) -> None:
        item_id = self._pending_read
        self._pending_read = None
        shown = self.reading_pane.current_item
        if item_id is None or shown is None or shown.id != item_id:
            return
        self._mark([item_id], "read")

    def _remember_current(self) -> None:
        item = self.current_item()
        self._remembered_id = item.id if item else None

    def _restore_current(self) -> None:
        item_id = self._remembered_id
        self._remembered_id = None
        if item_id is None:
            self.reading_pane.clear()
            self._update_status()
            return
        new_row = self.model.row_of(item_id)
        if new_row >= 0:
            # The same item again: _on_current_changed keeps the pane as it is.
            self.list_view.selectionModel().setCurrentIndex(
                self.model.index(new_row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect)
        else:
            # It left the view (archived elsewhere): keep the pane, select nothing.
            self._mark_timer.stop()
        self._update_status()

    # -- commands ---------------------------------------------------------------------
    def _mark(self, ids: Sequence[int], action: str) -> None:
        """Apply ``action`` at once on screen, then in the store (off the GUI thread)."""
        flag = {"read": ("read", True), "unread": ("read", False),
                "star": ("starred", True), "unstar": ("starred", False),
                "archive": ("archived", True), "unarchive": ("archived", False)}.get(action)
        if flag is not None:
            for item_id in ids:
                self.model.patch_flags(item_id, **{flag[0]: flag[1]})
        app, ids = self.app, list(ids)
        self.runner.call(lambda: app.mark(ids, action), what=self._what(action))

    def _what(self, action: str) -> str:
        tr = self.tr
        return {"read": tr("Marking as read"), "unread": tr("Marking as unread"),
                "star": tr("Starring"), "unstar": tr("Removing the star"),
                "archive": tr("Archiving"), "unarchive": tr("Moving back to the inbox")
                }.get(action, action)

    @Slot()
    def toggle_read(self) -> None:
        item = self.current_item()
        if item is None or item.id is None:
            return
        self._mark_timer.stop()
        self._pending_read = None
        self._mark([item.id], "unread" if item.flags.read else "read")

    @Slot()
    def toggle_star(self) -> None:
        item = self.current_item()
        if item is None or item.id is None:
            return
        self._mark([item.id], "unstar" if item.flags.starred else "star")

    @Slot()
    def toggle_archive(self) -> None:
        item = self.current_item()
        if item is None or item.id is None:
            return
        if item.flags.archived:
            self._mark([item.id], "unarchive")
            self.statusBar().showMessage(self.tr("Moved back to the inbox."), 4000)
            return
        row = self.selected_row()
        self._mark([item.id], "archive")
        if self._view_hides_archived():
            self._mark_timer.stop()
            self.model.remove_ids([item.id])
            count = self.model.rowCount()
            if count:
                self.select_row(min(row, count - 1))
            else:
                self.reading_pane.clear()
        self.statusBar().showMessage(self.tr("Archived."), 4000)

    def _view_hides_archived(self) -> bool:
        spec = self._current_view
        return not spec.query and not self.search_field.text().strip() \
            and spec.filter.archived is False

    @Slot()
    def sync_now(self) -> None:
        if not self.app.sources():
            self.statusBar().showMessage(self.tr("There are no sources to sync yet."), 4000)
            return
        self.statusBar().showMessage(self.tr("Getting new items…"))

        def done(results: object) -> None:
            failed = [r for r in results if not r.ok] if isinstance(results, list) else []
            if failed:
                self.statusBar().showMessage(self.tr("%n sources could not be synced.", "",
                                                     len(failed)), 8000)
            else:
                self.statusBar().showMessage(self.tr("Up to date."), 4000)

        self.runner.run(self.app.sync(), what=self.tr("Getting new items"), on_done=done)

    @Slot(str, str)
    def report_error(self, what: str, message: str) -> None:
        """Tell the user a background task failed (connected to the runner)."""
        self.statusBar().showMessage(
            self.tr("{task} failed: {error}").format(task=what, error=message), 10000)
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Workstation"),
                          self.tr("{task} failed.").format(task=what),
                          QMessageBox.StandardButton.Ok, self)
        box.setInformativeText(message)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        # The optimistic change did not happen: show the store's truth again.
        self.model.reload()

    @Slot()
    def show_about(self) -> None:
        QMessageBox.about(self, self.tr("About Workstation"), self.tr(
            "<h3>Workstation {version}</h3>"
            "<p>Email, enterprise social posts and news feeds in one inbox.</p>"
            "<p>Plugin API {api} · Qt {qt}</p>").format(
                version=__version__, api=API_VERSION, qt=_qt_version()))

    # -- loading state ------------------------------------------------------------------
    def set_loading(self, loading: bool, message: str = "") -> None:
        """While the demo loads: say so in the list and the status bar."""
        self._loading = loading
        if loading:
            self.statusBar().showMessage(message or self.tr("Loading…"))
        else:
            self.statusBar().clearMessage()
        self._update_empty_text()

    # -- change handling ------------------------------------------------------------------
    @Slot(object)
    def _on_changes(self, changes: object) -> None:
        if not isinstance(changes, ChangeSet):
            return
        self.model.apply_changes(changes)
        current = self.reading_pane.current_item
        if current is not None and current.id is not None and current.id in changes.updated:
            self.reading_pane.refresh_if_changed(current.id)
        self._counts_timer.start()

    @Slot()
    def refresh_counts(self) -> None:
        self._counts_timer.stop()
        self.sidebar.refresh(self.app)
        self._update_empty_text()
        self._update_status()

    def _update_empty_text(self) -> None:
        tr = self.tr
        if self._loading:
            text = tr("Loading…")
        elif self._search_error is None and (self.search_field.text().strip()
                                             or self._current_view.query):
            text = tr("No items match this search.")
        elif not self.app.sources():
            text = tr("No items yet. Sources you add will appear here.")
        elif self._current_view.key == INBOX_KEY:
            text = tr("All done. New items will appear here.")
        else:
            text = tr("Nothing here.")
        self.list_view.set_empty_text(text)
        self.reading_pane.set_list_empty(self.model.rowCount() == 0)

    def _update_status(self) -> None:
        counts = self.sidebar.count_for(INBOX_KEY)
        shown = self.model.rowCount()
        more = "+" if self.model.has_more else ""
        self.counts_label.setText(self.tr("{shown}{more} shown · {unread} unread in the inbox")
                                  .format(shown=shown, more=more, unread=counts))

    def _update_title(self) -> None:
        title = self.tr("Workstation (demo)") if self.demo else self.tr("Workstation")
        view = getattr(self, "_current_view", None)
        self.setWindowTitle(f"{view.title} — {title}" if view else title)

    def _show_link(self, url: str) -> None:
        if url:
            self.statusBar().showMessage(url)
        else:
            self.statusBar().clearMessage()

    # -- window ---------------------------------------------------------------------------
    @Slot()
    def bring_to_front(self) -> None:
        """Another launch asked for this window."""
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        self._mark_timer.stop()
        self.relay.detach()
        super().closeEvent(event)
        self.closed.emit()


def _qt_version() -> str:
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion
    return f"{qVersion()} (PySide6 {pyside_version})"

