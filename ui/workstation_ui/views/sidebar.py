"""The sidebar: the views of the inbox, each source with its folders, saved searches.

::

    ▢ Unified inbox        9
    ● Unread               9
    ☆ Starred              3
    @ Mentions & replies   2
    SOURCES
    ▾ W  Work mail         3
           Inbox           2
         ▾ Projects
             Atlas         1
    SAVED SEARCHES
    ⌕ Unread with attachments

Every row that can be selected carries a :class:`ViewSpec`: what the item
list should show. Counts come from ``app.sidebar_counts()`` and
``app.sources()``; :meth:`Sidebar.refresh` updates them in place and
rebuilds the tree only when sources or folders changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QDateTime,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from workstation.app import ItemFilter, SidebarCounts, SourceInfo, Workstation
from workstation_ui.views.item_delegate import _blend, star_path


class NodeKind(IntEnum):
    VIEW = 1  # a built-in view (Unified inbox, Unread…)
    HEADER = 2  # a section title, not selectable
    SOURCE = 3
    FOLDER = 4
    GROUP = 5  # "Tech" in "Tech/Ars Machina" when Tech itself is no folder
    SAVED = 6


class Role(IntEnum):
    KIND = Qt.ItemDataRole.UserRole + 1
    VIEW = Qt.ItemDataRole.UserRole + 2
    COUNT = Qt.ItemDataRole.UserRole + 3
    COUNT_IS_TOTAL = Qt.ItemDataRole.UserRole + 4  # grey, not an unread count
    GLYPH = Qt.ItemDataRole.UserRole + 5
    WARNING = Qt.ItemDataRole.UserRole + 6


@dataclass(frozen=True, slots=True)
class ViewSpec:
    """What the item list shows: a filter, and for saved searches a query."""

    key: str
    title: str
    filter: ItemFilter = field(default_factory=ItemFilter)
    query: str = ""


INBOX_KEY = "inbox"


def _source_color(name: str) -> QColor:
    """A stable, calm colour per source name."""
    hue = int(hashlib.sha256(name.encode()).hexdigest()[:4], 16) % 360
    return QColor.fromHsl(hue, 110, 120)


def _folder_tree(folders: tuple[str, ...]) -> dict[str, Any]:
    """``("Tech/Ars", "Tech/HN", "Design")`` → nested dicts, "" marking a real folder."""
    root: dict[str, Any] = {}
    for folder in folders:
        node = root
        for part in folder.split("/"):
            node = node.setdefault(part, {})
        node[""] = folder
    return root


class SidebarDelegate(QStyledItemDelegate):
    """Rows with a small glyph, the name, and a count on the right."""

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        fm = QFontMetrics(option.font)
        if index.data(Role.KIND) == NodeKind.HEADER:
            return QSize(100, fm.height() + 22)
        return QSize(100, fm.height() + 12)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        rect: QRect = opt.rect
        pal: QPalette = opt.palette
        state = opt.state
        kind = index.data(Role.KIND)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        font = QFont(opt.font)
        fg = pal.color(QPalette.ColorRole.WindowText)
        window = pal.color(QPalette.ColorRole.Window)
        accent = pal.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Highlight)

        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if kind == NodeKind.HEADER:
            small = QFont(font)
            small.setPointSizeF(max(font.pointSizeF() - 1.5, 7.0))
            small.setWeight(QFont.Weight.DemiBold)
            small.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 108)
            painter.setFont(small)
            painter.setPen(_blend(window, fg, 0.55))
            painter.drawText(rect.adjusted(6, 0, -8, -4),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom),
                             text.upper())
            painter.restore()
            return

        selected = bool(state & QStyle.StateFlag.State_Selected)
        hovered = bool(state & QStyle.StateFlag.State_MouseOver)
        pill = QRectF(rect.adjusted(0, 1, -6, -1))
        if selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_blend(window, accent, 0.20))
            painter.drawRoundedRect(pill, 6, 6)
        elif hovered and kind != NodeKind.GROUP:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_blend(window, fg, 0.06))
            painter.drawRoundedRect(pill, 6, 6)

        count = int(index.data(Role.COUNT) or 0)
        total = bool(index.data(Role.COUNT_IS_TOTAL))
        muted = _blend(window, fg, 0.55)
        left = rect.left() + 6
        right = rect.right() - 14
        mid = rect.center().y() + 0.5

        # Glyph.
        glyph = index.data(Role.GLYPH)
        box = 16.0
        if glyph is not None:
            self._draw_glyph(painter, str(glyph), QRectF(left, mid - box / 2, box, box),
                             accent if selected else muted, font, text)
            left += int(box) + 8

        # Count.
        bold = QFont(font)
        bold.setWeight(QFont.Weight.DemiBold)
        if count:
            label = QLocale().toString(count)
            painter.setFont(font if total else bold)
            painter.setPen(muted if total else (accent if not selected else fg))
            cw = QFontMetrics(painter.font()).horizontalAdvance(label)
            painter.drawText(QRect(right - cw, rect.top(), cw, rect.height()),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                             label)
            right -= cw + 8

        # Warning marker for a source in trouble.
        if index.data(Role.WARNING):
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#d97706"))
            painter.drawEllipse(QPointF(right - 4, mid), 4, 4)
            right -= 14

        # Name.
        name_font = bold if (count and not total) or selected else font
        if kind == NodeKind.GROUP:
            name_font = font
        painter.setFont(name_font)
        painter.setPen(fg if kind != NodeKind.GROUP else muted)
        width = max(right - left, 10)
        shown = QFontMetrics(name_font).elidedText(text, Qt.TextElideMode.ElideRight, width)
        painter.drawText(QRect(left, rect.top(), width, rect.height()),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), shown)
        painter.restore()

    def _draw_glyph(self, painter: QPainter, glyph: str, box: QRectF, color: QColor,
                    font: QFont, text: str) -> None:
        pen = QPen(color, 1.4)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        c = box.center()
        if glyph == "inbox":
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            r = box.adjusted(1.5, 2.5, -1.5, -2.5)
            painter.drawRoundedRect(r, 2, 2)
            y = r.top() + r.height() * 0.55
            painter.drawPolyline([QPointF(r.left(), y), QPointF(r.left() + r.width() * 0.3, y),
                                  QPointF(r.left() + r.width() * 0.38, y + 2.5),
                                  QPointF(r.right() - r.width() * 0.38, y + 2.5),
                                  QPointF(r.right() - r.width() * 0.3, y), QPointF(r.right(), y)])
        elif glyph == "unread":
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(c, 5.5, 5.5)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawEllipse(c, 2.8, 2.8)
        elif glyph == "star":
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(star_path(c, 6.5))
        elif glyph == "mention":
            f = QFont(font)
            f.setWeight(QFont.Weight.DemiBold)
            painter.setFont(f)
            painter.setPen(color)
            painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), "@")
        elif glyph == "search":
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(c.x() - 1.5, c.y() - 1.5), 4.5, 4.5)
            painter.drawLine(QPointF(c.x() + 1.8, c.y() + 1.8), QPointF(c.x() + 5.5, c.y() + 5.5))
        elif glyph == "folder":
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            r = box.adjusted(2, 3.5, -2, -3)
            painter.drawRoundedRect(r, 1.5, 1.5)
            painter.drawLine(QPointF(r.left() + 1, r.top() + 2.5), QPointF(r.right() - 1,
                                                                         r.top() + 2.5))
        elif glyph.startswith("source:"):
            color = _source_color(glyph[len("source:"):])
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawRoundedRect(box.adjusted(0.5, 0.5, -0.5, -0.5), 4, 4)
            f = QFont(font)
            f.setWeight(QFont.Weight.Bold)
            f.setPointSizeF(max(font.pointSizeF() - 2, 6.5))
            painter.setFont(f)
            painter.setPen(QColor("white"))
            painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), (text[:1] or "?").upper())


class Sidebar(QTreeWidget):
    """Navigation between the inbox views; emits :attr:`view_changed` on selection."""

    view_changed = Signal(object)  # a ViewSpec

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.setHeaderHidden(True)
        self.setColumnCount(1)
        self.setIndentation(14)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(False)
        self.setMouseTracking(True)
        self.setFrameShape(QTreeWidget.Shape.NoFrame)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setItemDelegate(SidebarDelegate(self))
        self.setExpandsOnDoubleClick(True)
        self._structure: tuple[Any, ...] | None = None
        self._nodes: dict[str, QTreeWidgetItem] = {}
        self._current_key = INBOX_KEY
        self.currentItemChanged.connect(self._on_current_changed)

    # -- building ---------------------------------------------------------
    def refresh(self, app: Workstation) -> None:
        """Read counts (and, when they changed, sources and folders) from the app."""
        sources = app.sources()
        counts = app.sidebar_counts()
        saved = app.saved_searches()
        structure = (tuple((s.name, s.folders) for s in sources), tuple(saved))
        if structure != self._structure:
            self._rebuild(sources, saved)
            self._structure = structure
        self._update_counts(sources, counts)

    def _rebuild(self, sources: list[SourceInfo], saved: list[tuple[str, str]]) -> None:
        collapsed = {k for k, n in self._nodes.items() if n.childCount() and not n.isExpanded()}
        self.blockSignals(True)
        try:
            self.clear()
            self._nodes = {}
            tr = self.tr
            self._add_view(ViewSpec(INBOX_KEY, tr("Unified inbox"), ItemFilter()), "inbox")
            self._add_view(ViewSpec("unread", tr("Unread"), ItemFilter(unread=True)), "unread")
            self._add_view(ViewSpec("starred", tr("Starred"),
                                    ItemFilter(starred=True, archived=None)), "star")
            self._add_view(ViewSpec("mentions", tr("Mentions & replies"),
                                    ItemFilter(mentions=True)), "mention")
            if sources:
                self._add_header(tr("Sources"))
                for src in sources:
                    self._add_source(src)
            if saved:
                self._add_header(tr("Saved searches"))
                for name, query in saved:
                    node = self._add_view(
                        ViewSpec(f"saved:{name}", name, ItemFilter(archived=None), query),
                        "search")
                    node.setData(0, Role.KIND, NodeKind.SAVED)
                    node.setToolTip(0, query)
            for key, node in self._nodes.items():
                if node.childCount():
                    node.setExpanded(key not in collapsed)
            target = self._nodes.get(self._current_key) or self._nodes[INBOX_KEY]
            self.setCurrentItem(target)
        finally:
            self.blockSignals(False)
        spec = self.current_view()
        if spec.key != self._current_key:
            self._current_key = spec.key
            self.view_changed.emit(spec)

    def _add_view(self, spec: ViewSpec, glyph: str,
                  parent: QTreeWidgetItem | None = None) -> QTreeWidgetItem:
        node = QTreeWidgetItem([spec.title])
        node.setData(0, Role.KIND, NodeKind.VIEW)
        node.setData(0, Role.VIEW, spec)
        node.setData(0, Role.GLYPH, glyph)
        if parent is None:
            self.addTopLevelItem(node)
        else:
            parent.addChild(node)
        self._nodes[spec.key] = node
        return node

    def _add_header(self, title: str) -> None:
        node = QTreeWidgetItem([title])
        node.setData(0, Role.KIND, NodeKind.HEADER)
        node.setFlags(Qt.ItemFlag.NoItemFlags)
        self.addTopLevelItem(node)

    def _add_source(self, src: SourceInfo) -> None:
        node = self._add_view(ViewSpec(f"source:{src.name}", src.name,
                                       ItemFilter(source=src.name)), f"source:{src.name}")
        node.setData(0, Role.KIND, NodeKind.SOURCE)
        self._add_folders(node, src.name, _folder_tree(src.folders), "")

    def _add_folders(self, parent: QTreeWidgetItem, source: str, tree: dict[str, Any],
                     prefix: str) -> None:
        for part, sub in tree.items():
            if part == "":
                continue
            path = f"{prefix}{part}"
            real: str | None = sub.get("")
            if real is not None:
                node = self._add_view(ViewSpec(f"folder:{source}\0{real}", part,
                                               ItemFilter(source=source, folder=real)),
                                      "folder", parent)
                node.setData(0, Role.KIND, NodeKind.FOLDER)
                node.setToolTip(0, f"{source} › {real}")
            else:
                node = QTreeWidgetItem([part])
                node.setData(0, Role.KIND, NodeKind.GROUP)
                node.setData(0, Role.GLYPH, "folder")
                node.setFlags(Qt.ItemFlag.ItemIsEnabled)
                parent.addChild(node)
                self._nodes[f"group:{source}\0{path}"] = node
            self._add_folders(node, source, sub, path + "/")

    # -- counts -------------------------------------------------------------
    def _update_counts(self, sources: list[SourceInfo], counts: SidebarCounts) -> None:
        tr = self.tr
        self._set_count(INBOX_KEY, counts.inbox_unread, tr("%n unread", "", counts.inbox_unread))
        self._set_count("unread", counts.inbox_unread)
        self._set_count("starred", counts.starred, tr("%n starred", "", counts.starred),
                        total=True)
        self._set_count("mentions", counts.mentions_unread,
                        tr("%n unread mentions", "", counts.mentions_unread))
        for src in sources:
            node = self._nodes.get(f"source:{src.name}")
            if node is None:
                continue
            node.setData(0, Role.COUNT, src.unread)
            node.setData(0, Role.WARNING, bool(src.last_error or src.failed_actions
                                               or src.plugin_missing))
            node.setToolTip(0, self._source_tooltip(src))
            for folder in src.folders:
                self._set_count(f"folder:{src.name}\0{folder}",
                                counts.per_folder.get((src.name, folder), 0))
            self._sum_groups(node)

    def _sum_groups(self, node: QTreeWidgetItem) -> int:
        total = int(node.data(0, Role.COUNT) or 0) if node.data(0, Role.KIND) != \
            NodeKind.GROUP else 0
        inner = 0
        for i in range(node.childCount()):
            child = node.child(i)
            if child is not None:
                inner += self._sum_groups(child)
        if node.data(0, Role.KIND) == NodeKind.GROUP:
            node.setData(0, Role.COUNT, inner)
            return inner
        return total

    def _set_count(self, key: str, value: int, tooltip: str | None = None, *,
                   total: bool = False) -> None:
        node = self._nodes.get(key)
        if node is None:
            return
        node.setData(0, Role.COUNT, value)
        node.setData(0, Role.COUNT_IS_TOTAL, total)
        if tooltip is not None:
            node.setToolTip(0, tooltip)

    def _source_tooltip(self, src: SourceInfo) -> str:
        lines = [f"{src.name} — {src.display_type}",
                 self.tr("%n items", "", src.total) + " · " + self.tr("%n unread", "", src.unread)]
        if src.last_sync:
            when = QDateTime.fromMSecsSinceEpoch(src.last_sync).toLocalTime()
            lines.append(self.tr("Last synced {when}").format(when=
                QLocale().toString(when, QLocale.FormatType.ShortFormat)))
        if src.plugin_missing:
            lines.append(self.tr("The plugin for this source is not installed."))
        if src.last_error:
            lines.append(self.tr("Last sync failed: {error}").format(error=src.last_error))
        if src.failed_actions:
            lines.append(self.tr("%n changes could not be sent to the server.", "",
                                 src.failed_actions))
        elif src.pending_actions:
            lines.append(self.tr("%n changes waiting to be sent.", "", src.pending_actions))
        return "\n".join(lines)

    # -- selection ----------------------------------------------------------
    def current_view(self) -> ViewSpec:
        node = self.currentItem()
        spec = node.data(0, Role.VIEW) if node is not None else None
        if isinstance(spec, ViewSpec):
            return spec
        inbox = self._nodes.get(INBOX_KEY)
        data = inbox.data(0, Role.VIEW) if inbox is not None else None
        return data if isinstance(data, ViewSpec) else ViewSpec(INBOX_KEY, self.tr(
            "Unified inbox"))

    def select_key(self, key: str) -> bool:
        """Select the view ``key`` (emits :attr:`view_changed`); False if unknown."""
        node = self._nodes.get(key)
        if node is None or not node.flags() & Qt.ItemFlag.ItemIsSelectable:
            return False
        self.setCurrentItem(node)
        return True

    def node_for(self, key: str) -> QTreeWidgetItem | None:
        return self._nodes.get(key)

    def count_for(self, key: str) -> int:
        node = self._nodes.get(key)
        return int(node.data(0, Role.COUNT) or 0) if node is not None else 0

    def _on_current_changed(self, current: QTreeWidgetItem | None,
                            previous: QTreeWidgetItem | None) -> None:
        if current is None:
            return
        spec = current.data(0, Role.VIEW)
        if not isinstance(spec, ViewSpec):
            # Headers and groups are not views: go back to where we were.
            if previous is not None:
                self.setCurrentItem(previous)
            return
        if spec.key != self._current_key:
            self._current_key = spec.key
            self.view_changed.emit(spec)

