"""How one row of the item list looks: two lines, calm, scannable.

::

    ▌● Jonas Berg                           ★ ⌇ @  10:42
    ▌  Atlas budget review moved…  Hi Camille, the steering…

A coloured dot tells the kind of item (email, feed entry, post, activity);
unread rows have bold author and title and a thin accent bar on the left.
Everything is drawn from the palette so that light and dark themes work.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from PySide6.QtCore import (
    QCoreApplication,
    QDate,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    QTime,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from workstation.api.model import Item, ItemKind
from workstation_ui.models.item_list import ItemRole

KIND_COLORS: dict[ItemKind, str] = {
    ItemKind.EMAIL: "#3b82f6",
    ItemKind.FEED_ENTRY: "#f59e0b",
    ItemKind.POST: "#10b981",
    ItemKind.ACTIVITY: "#a855f7",
    ItemKind.EVENT: "#06b6d4",
    ItemKind.TASK: "#ef4444",
}
STAR_COLOR = "#e5a50a"

ROW_HEIGHT = 58
PAD_X = 14
PAD_Y = 9
LINE_GAP = 4
DOT = 8
ACCENT_BAR = 3


def kind_label(kind: ItemKind) -> str:
    tr = QCoreApplication.translate
    return {
        ItemKind.EMAIL: tr("ItemKind", "Email"),
        ItemKind.FEED_ENTRY: tr("ItemKind", "Feed entry"),
        ItemKind.POST: tr("ItemKind", "Post"),
        ItemKind.ACTIVITY: tr("ItemKind", "Activity"),
        ItemKind.EVENT: tr("ItemKind", "Event"),
        ItemKind.TASK: tr("ItemKind", "Task"),
    }[kind]


def format_when(when: datetime, now: datetime | None = None) -> str:
    """Short time for the list: ``14:05`` today, ``Yesterday``, a weekday, a date.

    >>> from datetime import datetime
    >>> format_when(datetime(2026, 3, 4, 9, 5), datetime(2026, 3, 4, 18, 0))
    '09:05'
    """
    local = when.astimezone() if when.tzinfo else when
    now = now or datetime.now(local.tzinfo)
    if now.tzinfo and local.tzinfo is None:
        now = now.replace(tzinfo=None)
    elif local.tzinfo and now.tzinfo:
        now = now.astimezone(local.tzinfo)
    day, today = local.date(), now.date()
    qdate = QDate(day.year, day.month, day.day)
    locale = QLocale()
    if day == today:
        return QTime(local.hour, local.minute).toString("HH:mm")
    if day == today - timedelta(days=1):
        return QCoreApplication.translate("ItemDelegate", "Yesterday")
    if today - timedelta(days=6) <= day < today:
        return locale.dayName(qdate.dayOfWeek(), QLocale.FormatType.LongFormat)
    if day.year == today.year:
        return locale.toString(qdate, "d MMM")
    return locale.toString(qdate, "d MMM yyyy")


def author_of(item: Item) -> str:
    if item.actor is not None and item.actor.name:
        return item.actor.name
    return item.folder or item.source


def _blend(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` moved ``t`` (0…1) of the way towards ``b``."""
    return QColor.fromRgbF(a.redF() + (b.redF() - a.redF()) * t,
                           a.greenF() + (b.greenF() - a.greenF()) * t,
                           a.blueF() + (b.blueF() - a.blueF()) * t)


def star_path(center: QPointF, radius: float) -> QPainterPath:
    """A five-pointed star, drawn (fonts differ too much in their ★)."""
    path = QPainterPath()
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.45
        angle = -math.pi / 2 + i * math.pi / 5
        pt = QPointF(center.x() + r * math.cos(angle), center.y() + r * math.sin(angle))
        if i == 0:
            path.moveTo(pt)
        else:
            path.lineTo(pt)
    path.closeSubpath()
    return path


def paperclip_path(rect: QRectF) -> QPainterPath:
    """A small paperclip outline fitting ``rect`` (stroke it, do not fill)."""
    w, h = rect.width(), rect.height()
    x, y = rect.x(), rect.y()
    path = QPainterPath()
    # Outer loop, then inner loop: the classic clip silhouette.
    path.moveTo(x + w * 0.75, y + h * 0.35)
    path.lineTo(x + w * 0.75, y + h * 0.80)
    path.arcTo(QRectF(x + w * 0.15, y + h * 0.62, w * 0.60, h * 0.38), 0, -180)
    path.lineTo(x + w * 0.15, y + h * 0.20)
    path.arcTo(QRectF(x + w * 0.15, y, w * 0.50, h * 0.30), 180, -180)
    path.lineTo(x + w * 0.65, y + h * 0.72)
    path.arcTo(QRectF(x + w * 0.35, y + h * 0.60, w * 0.30, h * 0.22), 0, -180)
    path.lineTo(x + w * 0.35, y + h * 0.30)
    return path


class ItemDelegate(QStyledItemDelegate):
    """Paints an :class:`Item` row; the model gives it through ``ItemRole.ITEM``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.now: datetime | None = None  # fixed "now" for tests and screenshots

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        fm = QFontMetrics(option.font)
        height = PAD_Y * 2 + fm.height() * 2 + LINE_GAP
        return QSize(320, max(ROW_HEIGHT, height))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        item = index.data(ItemRole.ITEM)
        if not isinstance(item, Item):
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        rect: QRect = opt.rect
        pal: QPalette = opt.palette
        state = opt.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        hovered = bool(state & QStyle.StateFlag.State_MouseOver)
        active = bool(state & QStyle.StateFlag.State_Active)
        unread = not item.flags.read

        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        base = pal.color(QPalette.ColorRole.Base)
        text = pal.color(QPalette.ColorRole.Text)
        accent = pal.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Highlight)

        # Background: selection, hover, or nothing.
        if selected:
            bg = accent if active else _blend(base, accent, 0.22)
            fg = pal.color(QPalette.ColorRole.HighlightedText) if active else text
        else:
            bg = _blend(base, text, 0.04) if hovered else base
            fg = text
        painter.fillRect(rect, bg)
        muted = _blend(bg, fg, 0.58)

        # A hairline between rows.
        painter.setPen(QPen(_blend(base, text, 0.08), 1))
        painter.drawLine(rect.left(), rect.bottom(), rect.right(), rect.bottom())

        if unread:
            bar = fg if selected and active else accent
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(bar)
            painter.drawRoundedRect(QRectF(rect.left() + 3, rect.top() + 10, ACCENT_BAR,
                                           rect.height() - 20), 1.5, 1.5)

        base_font = QFont(opt.font)
        bold_font = QFont(base_font)
        bold_font.setWeight(QFont.Weight.DemiBold if unread else base_font.weight())
        small_font = QFont(base_font)
        small_font.setPointSizeF(max(base_font.pointSizeF() - 1, 7.0))
        fm, fm_bold, fm_small = QFontMetrics(base_font), QFontMetrics(bold_font), \
            QFontMetrics(small_font)

        left = rect.left() + PAD_X
        right = rect.right() - PAD_X
        line_h = fm.height()
        top1 = rect.top() + PAD_Y
        top2 = top1 + line_h + LINE_GAP
        mid1 = top1 + line_h / 2

        # Kind marker (ringed on a selected row, where the accent would swallow it).
        painter.setPen(QPen(fg, 1.5) if selected and active else Qt.PenStyle.NoPen)
        painter.setBrush(QColor(KIND_COLORS.get(item.kind, "#888888")))
        painter.drawEllipse(QRectF(left, mid1 - DOT / 2, DOT, DOT))
        text_left = left + DOT + 10

        # Time, right-aligned on line 1.
        when = format_when(item.when, self.now)
        painter.setFont(small_font)
        painter.setPen(fg if unread and not selected else muted)
        tw = fm_small.horizontalAdvance(when)
        painter.drawText(QRect(right - tw, top1, tw, line_h),
                         int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), when)
        x = float(right - tw - 10)

        # Markers, right to left: mention, attachment, star.
        icon = 12.0
        if item.mentions_me:
            painter.setFont(bold_font)
            painter.setPen(accent if not (selected and active) else fg)
            aw = fm_bold.horizontalAdvance("@")
            painter.drawText(QRect(int(x - aw), top1, aw, line_h),
                             int(Qt.AlignmentFlag.AlignCenter), "@")
            x -= aw + 7
        if item.attachments:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(muted, 1.3, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            painter.drawPath(paperclip_path(QRectF(x - icon * 0.6, mid1 - icon / 2,
                                                   icon * 0.6, icon)))
            x -= icon * 0.6 + 7
        if item.flags.starred:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(STAR_COLOR))
            painter.drawPath(star_path(QPointF(x - icon / 2, mid1), icon / 2 + 0.5))
            x -= icon + 6

        # Author on line 1.
        painter.setFont(bold_font if unread else base_font)
        painter.setPen(fg)
        author_w = int(x - 8 - text_left)
        metrics = fm_bold if unread else fm
        author = metrics.elidedText(author_of(item), Qt.TextElideMode.ElideRight, author_w)
        painter.drawText(QRect(text_left, top1, author_w, line_h),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), author)

        # Title, then the preview in grey, on line 2.
        avail = right - text_left
        title = item.title.strip()
        preview = " ".join(item.summary.split())
        if preview == title:
            preview = ""
        x2 = text_left
        if title:
            painter.setFont(bold_font if unread else base_font)
            painter.setPen(fg)
            shown = metrics.elidedText(title, Qt.TextElideMode.ElideRight, avail)
            w = metrics.horizontalAdvance(shown)
            painter.drawText(QRect(x2, top2, w + 1, line_h),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                             shown)
            x2 += w + 10
        rest = right - x2
        if preview and rest > 40:
            painter.setFont(base_font)
            painter.setPen(muted if title else fg)
            shown = fm.elidedText(preview, Qt.TextElideMode.ElideRight, rest)
            painter.drawText(QRect(x2, top2, rest, line_h),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                             shown)

        if state & QStyle.StateFlag.State_HasFocus and not selected:
            painter.setPen(QPen(_blend(base, accent, 0.6), 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(0, 0, -1, -1))
        painter.restore()
