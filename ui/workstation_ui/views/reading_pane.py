"""The reading pane: one item, safely.

HTML bodies are sanitised with nh3 (no scripts, styles, forms or event
handlers) and remote images never load: :class:`SafeTextBrowser` answers no
network request, and images pointing at remote URLs are replaced by their
alt text, with a yellow bar telling the user that something was blocked.
Links open in the system browser only when the user clicks them.

QtWebEngine is not used yet (a later issue brings it, with JavaScript off);
QTextBrowser renders the sanitised subset of HTML well enough for this shell.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import nh3
from PySide6.QtCore import QDate, QLocale, QRectF, QSize, Qt, QTime, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from workstation.api.model import Attachment, IdentityKind, Item, Person
from workstation.app import Workstation
from workstation_ui.views.item_delegate import KIND_COLORS, kind_label, paperclip_path
from workstation_ui.widgets.elided_label import ElidedLabel

log = logging.getLogger("workstation.ui.reading")

# Schemes a click may hand to the system; anything else is ignored.
OPENABLE_SCHEMES = frozenset({"http", "https", "mailto"})
REMOTE_SCHEMES = frozenset({"http", "https", "ftp", "ftps"})

_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""\b(src|alt)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_URL = re.compile(r"""(?<![\w"'=])(https?://[^\s<>"')\]]+[^\s<>"'.,;:!?)\]])""")

_SANITIZE_TAGS = (set(nh3.ALLOWED_TAGS) | {"font", "center"}) - {"map", "area"}
_SANITIZE_ATTRIBUTES: dict[str, set[str]] = {
    **{k: set(v) for k, v in nh3.ALLOWED_ATTRIBUTES.items()},
    "img": {"src", "alt", "width", "height", "title"},
    "font": {"color", "size"},
    "td": {"align", "valign", "colspan", "rowspan", "width"},
    "th": {"align", "valign", "colspan", "rowspan", "width"},
    "table": {"width", "cellpadding", "cellspacing", "border", "align"},
    "p": {"align"},
    "div": {"align"},
}


@dataclass(slots=True)
class SafeHtml:
    """Sanitised markup and the remote resources that were kept out of it."""

    markup: str
    blocked: list[str] = field(default_factory=list)


def _is_remote(url: str) -> bool:
    url = url.strip().lower()
    return url.startswith("//") or url.split(":", 1)[0] in REMOTE_SCHEMES


def sanitize_html(markup: str) -> SafeHtml:
    """Clean HTML for display and take out remote images.

    >>> sanitize_html('<p onclick="x()">Hi<img src="https://t.example/p.gif"></p>').blocked
    ['https://t.example/p.gif']
    """
    clean = nh3.clean(markup, tags=_SANITIZE_TAGS, attributes=_SANITIZE_ATTRIBUTES,
                      url_schemes={"http", "https", "mailto", "cid"},
                      link_rel="noopener noreferrer")
    blocked: list[str] = []

    def replace(m: re.Match[str]) -> str:
        attrs = {a.group(1).lower(): html.unescape(a.group(2) or a.group(3) or a.group(4) or "")
                 for a in _ATTR.finditer(m.group(0))}
        src = attrs.get("src", "")
        if not src or not _is_remote(src):
            return m.group(0)
        blocked.append(src)
        alt = attrs.get("alt", "").strip()
        return f'<span class="blocked">[{html.escape(alt)}]</span>' if alt else ""

    return SafeHtml(_IMG.sub(replace, clean), blocked)


def render_plain(text: str) -> str:
    """Plain text as HTML: escaped, links clickable, quoted lines ("> ") in grey."""
    out: list[str] = []
    quote: list[str] = []

    def line_html(line: str) -> str:
        escaped = html.escape(line)
        return _URL.sub(lambda m: f'<a href="{m.group(1)}">{m.group(1)}</a>', escaped) or "&nbsp;"

    def flush_quote() -> None:
        if quote:
            out.append('<div class="quote">' + "<br>".join(quote) + "</div>")
            quote.clear()

    for line in text.replace("\r\n", "\n").split("\n"):
        if line.lstrip().startswith(">"):
            quote.append(line_html(line))
        else:
            flush_quote()
            out.append(line_html(line) + "<br>")
    flush_quote()
    return '<div class="plain">' + "".join(out) + "</div>"


def format_long_date(when: datetime) -> str:
    local = when.astimezone() if when.tzinfo else when
    locale = QLocale()
    day = locale.toString(QDate(local.year, local.month, local.day), "dddd d MMMM yyyy")
    return f"{day}, {QTime(local.hour, local.minute).toString('HH:mm')}"


def person_text(p: Person) -> str:
    """``Name <address>`` for e-mail; just the name for social or feed identities."""
    addr = p.address
    if addr and addr != p.name and any(i.kind is IdentityKind.EMAIL for i in p.identities):
        return f"{p.name} <{addr}>"
    return p.name or addr


class SafeTextBrowser(QTextBrowser):
    """A QTextBrowser that never fetches anything and opens links on click only."""

    remote_blocked = Signal(str)
    link_hovered = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenExternalLinks(False)
        self.setOpenLinks(False)
        self.blocked_urls: list[str] = []
        self.anchorClicked.connect(self._on_anchor_clicked)
        self.highlighted.connect(lambda url: self.link_hovered.emit(url.toString()))

    def loadResource(self, type_: int, name: QUrl | str) -> Any:
        """Refuse every resource we did not put in the document ourselves.

        Remote ones are remembered (and announced) so the user can be told.
        """
        url = name if isinstance(name, QUrl) else QUrl(name)
        text = url.toString()
        if url.scheme().lower() in REMOTE_SCHEMES or text.startswith("//"):
            self.blocked_urls.append(text)
            self.remote_blocked.emit(text)
        return None

    def _on_anchor_clicked(self, url: QUrl) -> None:
        if url.scheme().lower() in OPENABLE_SCHEMES:
            QDesktopServices.openUrl(url)
        else:
            log.info("ignored a link with scheme %r", url.scheme())


def _clear_layout(layout: QHBoxLayout) -> None:
    while layout.count():
        entry = layout.takeAt(0)
        widget = entry.widget() if entry is not None else None
        if widget is not None:
            widget.deleteLater()


def _chip(text: str, object_name: str = "chip") -> QLabel:
    label = QLabel(text)
    label.setObjectName(object_name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def _paperclip_pixmap(color: Any, size: int = 14) -> QPixmap:
    pm = QPixmap(QSize(size, size))
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(color, 1.3, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    p.drawPath(paperclip_path(QRectF(size * 0.25, 1, size * 0.55, size - 2)))
    p.end()
    return pm


class ReadingPane(QWidget):
    """Shows one item: header, thread, attachments, body."""

    open_item_requested = Signal(int)  # a message of the thread was clicked
    link_hovered = Signal(str)

    def __init__(self, app: Workstation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("readingPane")
        self._app = app
        self._item: Item | None = None

        self._stack = QStackedWidget(self)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self._stack)

        # Empty state.
        empty = QWidget()
        empty.setObjectName("readingEmpty")
        el = QVBoxLayout(empty)
        el.addStretch(1)
        self.empty_label = QLabel(self.tr("Select an item to read it."))
        self.empty_label.setObjectName("emptyTitle")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint = QLabel(self.tr("Use J and K to move through the list."))
        self.empty_hint.setObjectName("emptyHint")
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        el.addWidget(self.empty_label)
        el.addWidget(self.empty_hint)
        el.addStretch(2)
        self._stack.addWidget(empty)

        # Item page.
        page = QWidget()
        page.setObjectName("readingPage")
        pl = QVBoxLayout(page)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.setSpacing(0)

        self.remote_bar = QFrame()
        self.remote_bar.setObjectName("remoteBar")
        rb = QHBoxLayout(self.remote_bar)
        rb.setContentsMargins(20, 8, 20, 8)
        self.remote_label = QLabel(self.tr(
            "Remote content blocked: images from the internet were not loaded, "
            "so the sender cannot tell you opened this."))
        self.remote_label.setWordWrap(True)
        rb.addWidget(self.remote_label)
        self.remote_bar.hide()
        pl.addWidget(self.remote_bar)

        header = QWidget()
        header.setObjectName("readingHeader")
        hl = QVBoxLayout(header)
        hl.setContentsMargins(24, 18, 24, 14)
        hl.setSpacing(6)

        self.title_label = QLabel()
        self.title_label.setObjectName("readingTitle")
        self.title_label.setWordWrap(True)
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        hl.addWidget(self.title_label)

        who_row = QHBoxLayout()
        who_row.setSpacing(6)
        self.author_label = QLabel()
        self.author_label.setObjectName("readingAuthor")
        self.author_label.setTextFormat(Qt.TextFormat.PlainText)
        self.author_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.address_label = ElidedLabel()
        self.address_label.setObjectName("readingMeta")
        self.date_label = QLabel()
        self.date_label.setObjectName("readingMeta")
        who_row.addWidget(self.author_label)
        who_row.addWidget(self.address_label, 1)
        who_row.addSpacing(12)
        who_row.addWidget(self.date_label, 0, Qt.AlignmentFlag.AlignRight)
        hl.addLayout(who_row)

        self.recipients_label = QLabel()
        self.recipients_label.setObjectName("readingMeta")
        self.recipients_label.setWordWrap(True)
        self.recipients_label.setTextFormat(Qt.TextFormat.PlainText)
        self.recipients_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)
        hl.addWidget(self.recipients_label)

        meta_row = QHBoxLayout()
        meta_row.setSpacing(6)
        self.source_label = QLabel()
        self.source_label.setObjectName("readingMeta")
        self.source_label.setTextFormat(Qt.TextFormat.RichText)
        meta_row.addWidget(self.source_label)
        self.tags_row = QHBoxLayout()
        self.tags_row.setSpacing(4)
        meta_row.addLayout(self.tags_row)
        meta_row.addStretch(1)
        self.open_button = QPushButton(self.tr("Open in browser"))
        self.open_button.setObjectName("openInBrowser")
        self.open_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.open_button.clicked.connect(self._open_in_browser)
        meta_row.addWidget(self.open_button)
        hl.addLayout(meta_row)

        self.attachments_box = QWidget()
        ab = QHBoxLayout(self.attachments_box)
        ab.setContentsMargins(0, 4, 0, 0)
        ab.setSpacing(6)
        self.attachments_row = ab
        hl.addWidget(self.attachments_box)

        self.thread_box = QWidget()
        self.thread_box.setObjectName("threadBox")
        tl = QVBoxLayout(self.thread_box)
        tl.setContentsMargins(0, 6, 0, 0)
        tl.setSpacing(4)
        self.thread_label = QLabel()
        self.thread_label.setObjectName("threadLabel")
        self.thread_list = QListWidget()
        self.thread_list.setObjectName("threadList")
        self.thread_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.thread_list.itemActivated.connect(self._on_thread_activated)
        self.thread_list.itemClicked.connect(self._on_thread_activated)
        tl.addWidget(self.thread_label)
        tl.addWidget(self.thread_list)
        hl.addWidget(self.thread_box)
        pl.addWidget(header)

        rule = QFrame()
        rule.setObjectName("readingRule")
        rule.setFixedHeight(1)
        pl.addWidget(rule)

        self.browser = SafeTextBrowser()
        self.browser.setObjectName("readingBody")
        self.browser.setFrameShape(QFrame.Shape.NoFrame)
        self.browser.document().setDocumentMargin(24)
        self.browser.remote_blocked.connect(lambda _url: self.remote_bar.show())
        self.browser.link_hovered.connect(self.link_hovered)
        pl.addWidget(self.browser, 1)
        self._stack.addWidget(page)

    # -- public API -----------------------------------------------------------
    @property
    def current_item(self) -> Item | None:
        return self._item

    def set_list_empty(self, empty: bool) -> None:
        """With nothing to select, the empty state stays silent."""
        self.empty_label.setVisible(not empty)
        self.empty_hint.setVisible(not empty)

    def clear(self) -> None:
        self._item = None
        self.browser.clear()
        self.remote_bar.hide()
        self._stack.setCurrentIndex(0)

    def show_item(self, item_id: int | None) -> None:
        """Show the item ``item_id`` with its body (None: the empty state)."""
        item = self._app.get_item(item_id) if item_id is not None else None
        if item is None:
            self.clear()
            return
        self._item = item
        self._render(item)
        self._stack.setCurrentIndex(1)

    def refresh_if_changed(self, item_id: int) -> None:
        """Re-render after a change, unless only flags changed (keeps the scroll)."""
        if self._item is None or self._item.id != item_id:
            return
        fresh = self._app.get_item(item_id)
        if fresh is None:
            self.clear()
            return
        if fresh.replace(flags=self._item.flags) != self._item:
            self._item = fresh
            self._render(fresh)
        else:
            self._item = fresh

    # -- rendering ------------------------------------------------------------
    def _render(self, item: Item) -> None:
        tr = self.tr
        self.title_label.setText(item.title or item.summary[:120] or tr("(no subject)"))
        actor = item.actor
        name = actor.name if actor is not None else (item.folder or item.source)
        addr = actor.address if actor is not None else ""
        self.author_label.setText(name)
        self.address_label.setText(addr if addr and addr != name else "")
        self.address_label.setToolTip(addr)
        self.author_label.setToolTip(person_text(actor) if actor else "")
        self.date_label.setText(format_long_date(item.when))

        parts, full = [], []
        for label, people in ((tr("To: {people}"), item.to), (tr("Cc: {people}"), item.cc)):
            if people:
                parts.append(label.format(people=self._people(people)))
                full.append(label.format(people=", ".join(person_text(p) for p in people)))
        self.recipients_label.setText("    ".join(parts))
        self.recipients_label.setToolTip("\n".join(full))
        self.recipients_label.setVisible(bool(parts))

        color = KIND_COLORS.get(item.kind, "#888888")
        where = html.escape(item.source + (f" › {item.folder}" if item.folder else ""))
        self.source_label.setText(
            f'<span style="color: {color}">●</span>&nbsp;{html.escape(kind_label(item.kind))}'
            f" · {where}")
        self._fill_tags(item.tags)
        url = item.url or ""
        self.open_button.setVisible(bool(url) and QUrl(url).scheme().lower() in
                                    ("http", "https"))
        self.open_button.setToolTip(url)
        self._fill_attachments(item.attachments)
        self._fill_thread(item)

        self.remote_bar.hide()
        self.browser.blocked_urls.clear()
        body, blocked = self._body_html(item)
        self.browser.document().setDefaultStyleSheet(self._document_css())
        self.browser.setHtml(body)
        self.browser.verticalScrollBar().setValue(0)
        if blocked or self.browser.blocked_urls:
            self.remote_bar.show()

    def _people(self, people: tuple[Person, ...], shown: int = 4) -> str:
        """The first few people, then "+N more" (the tooltip has them all)."""
        names = [person_text(p) for p in people[:shown]]
        if len(people) > shown:
            names.append(self.tr("+{count} more").format(count=len(people) - shown))
        return ", ".join(names)

    def _body_html(self, item: Item) -> tuple[str, list[str]]:
        if item.content is None:
            text = item.summary or ""
            return render_plain(text), []
        if item.content_type == "text/html":
            safe = sanitize_html(item.content)
            return safe.markup, safe.blocked
        return render_plain(item.content), []

    def _document_css(self) -> str:
        pal = self.palette()
        link = pal.color(QPalette.ColorRole.Link).name()
        muted = self._muted()
        return (
            "p, li, div.plain, td { line-height: 140%; }"
            f" a {{ color: {link}; text-decoration: none; }}"
            f" .quote {{ color: {muted}; margin-left: 2px; }}"
            f" .blocked {{ color: {muted}; }}"
            " blockquote { margin-left: 12px; }"
            " pre { font-family: monospace; }"
        )

    def _muted(self) -> str:
        pal = self.palette()
        fg = pal.color(QPalette.ColorRole.WindowText)
        bg = pal.color(QPalette.ColorRole.Window)
        mix = [int(bg.red() + (fg.red() - bg.red()) * 0.55),
               int(bg.green() + (fg.green() - bg.green()) * 0.55),
               int(bg.blue() + (fg.blue() - bg.blue()) * 0.55)]
        return "#{:02x}{:02x}{:02x}".format(*mix)

    def _fill_tags(self, tags: tuple[str, ...]) -> None:
        _clear_layout(self.tags_row)
        for tag in tags:
            self.tags_row.addWidget(_chip(tag, "tagChip"))

    def _fill_attachments(self, attachments: tuple[Attachment, ...]) -> None:
        row = self.attachments_row
        _clear_layout(row)
        self.attachments_box.setVisible(bool(attachments))
        if not attachments:
            return
        icon = _paperclip_pixmap(self.palette().color(QPalette.ColorRole.WindowText))
        for att in attachments:
            chip = QFrame()
            chip.setObjectName("attachmentChip")
            cl = QHBoxLayout(chip)
            cl.setContentsMargins(8, 3, 10, 3)
            cl.setSpacing(6)
            pic = QLabel()
            pic.setPixmap(icon)
            name = QLabel(att.name)
            name.setTextFormat(Qt.TextFormat.PlainText)
            cl.addWidget(pic)
            cl.addWidget(name)
            if att.size is not None:
                size = QLabel(QLocale().formattedDataSize(att.size))
                size.setObjectName("readingMeta")
                cl.addWidget(size)
            chip.setToolTip(f"{att.name} ({att.media_type})")
            row.addWidget(chip)
        row.addStretch(1)

    def _fill_thread(self, item: Item) -> None:
        self.thread_list.clear()
        members = self._app.thread(item.thread) if item.thread else []
        if len(members) < 2:
            self.thread_box.hide()
            return
        self.thread_label.setText(self.tr("%n messages in this conversation", "", len(members)))
        current: QListWidgetItem | None = None
        for m in members:
            who = m.actor.name if m.actor else m.source
            row = QListWidgetItem(f"{who} — {format_long_date(m.when)}")
            row.setData(Qt.ItemDataRole.UserRole, m.id)
            if m.id == item.id:
                font = row.font()
                font.setBold(True)
                row.setFont(font)
                row.setToolTip(self.tr("Shown below"))
                current = row
            self.thread_list.addItem(row)
        rows = min(len(members), 4)
        h = self.thread_list.sizeHintForRow(0) if self.thread_list.count() else 20
        self.thread_list.setFixedHeight(rows * h + 2 * self.thread_list.frameWidth() + 6)
        self.thread_box.show()
        if current is not None:
            self.thread_list.setCurrentItem(current)
            self.thread_list.scrollToItem(current)

    # -- slots ------------------------------------------------------------------
    @Slot()
    def _open_in_browser(self) -> None:
        if self._item is None or not self._item.url:
            return
        url = QUrl(self._item.url)
        if url.scheme().lower() in ("http", "https"):
            QDesktopServices.openUrl(url)

    def _on_thread_activated(self, row: QListWidgetItem) -> None:
        item_id = row.data(Qt.ItemDataRole.UserRole)
        if isinstance(item_id, int) and (self._item is None or item_id != self._item.id):
            self.open_item_requested.emit(item_id)
