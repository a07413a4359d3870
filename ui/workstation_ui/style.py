"""The look: Fusion, the system palette, and a calm stylesheet built from it.

Colours are derived from the palette (a slightly tinted sidebar, hairline
separators), so the same sheet works for light and dark palettes.

Example::

    apply_style(qapp)
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication


def _mix(a: QColor, b: QColor, t: float) -> str:
    """``a`` moved ``t`` of the way to ``b``, as ``#rrggbb``."""
    return QColor.fromRgbF(a.redF() + (b.redF() - a.redF()) * t,
                           a.greenF() + (b.greenF() - a.greenF()) * t,
                           a.blueF() + (b.blueF() - a.blueF()) * t).name()


def stylesheet(pal: QPalette) -> str:
    base = pal.color(QPalette.ColorRole.Base)
    window = pal.color(QPalette.ColorRole.Window)
    text = pal.color(QPalette.ColorRole.Text)
    accent = pal.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Highlight)
    dark = text.lightnessF() > 0.5
    sidebar = _mix(base, accent, 0.05) if not dark else _mix(base, text, 0.04)
    line = _mix(base, text, 0.10)
    muted = _mix(base, text, 0.55)
    chip = _mix(base, text, 0.07)
    warn_bg = "#fff4c2" if not dark else "#4a3f10"
    warn_fg = "#5c4700" if not dark else "#ffe9a8"
    warn_line = "#f0d875" if not dark else "#6b5a14"
    return f"""
QMainWindow, QDialog {{ background: {base.name()}; }}
QToolBar#mainToolbar {{
    background: {base.name()}; border: none; border-bottom: 1px solid {line};
    padding: 6px 10px; spacing: 8px;
}}
QLineEdit#searchField {{
    border: 1px solid {line}; border-radius: 8px; padding: 5px 10px;
    background: {_mix(base, text, 0.03)}; min-height: 20px;
}}
QLineEdit#searchField:focus {{ border: 1px solid {accent.name()}; background: {base.name()}; }}
QLineEdit#searchField[invalid="true"] {{ border: 1px solid #dc2626; }}
QLabel#searchError {{ color: #dc2626; padding-left: 4px; }}
QLabel#viewTitle {{ font-weight: 600; padding: 0 6px 0 4px; }}
QTreeWidget#sidebar {{
    background: {sidebar}; border: none; border-right: 1px solid {line};
    padding: 8px 4px 8px 8px; outline: 0;
}}
QTreeWidget#sidebar::branch {{ image: none; border: none; }}
QListView#itemList {{ background: {base.name()}; border: none; outline: 0; }}
QScrollBar:vertical {{ background: transparent; width: 10px; margin: 2px; }}
QScrollBar::handle:vertical {{ background: {_mix(base, text, 0.22)}; border-radius: 3px;
    min-height: 32px; margin: 0 1px; }}
QScrollBar::handle:vertical:hover {{ background: {_mix(base, text, 0.38)}; }}
QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical {{ height: 0; }}
QScrollBar::add-page:vertical, QScrollBar::sub-page:vertical {{ background: none; }}
QScrollBar:horizontal {{ background: transparent; height: 10px; margin: 2px; }}
QScrollBar::handle:horizontal {{ background: {_mix(base, text, 0.22)}; border-radius: 3px;
    min-width: 32px; margin: 1px 0; }}
QScrollBar::add-line:horizontal, QScrollBar::sub-line:horizontal {{ width: 0; }}
QScrollBar::add-page:horizontal, QScrollBar::sub-page:horizontal {{ background: none; }}
QSplitter::handle {{ background: {line}; }}
QSplitter::handle:horizontal {{ width: 1px; }}
QWidget#readingPane, QWidget#readingPage, QWidget#readingEmpty, QWidget#readingHeader {{
    background: {base.name()};
}}
QLabel#readingTitle {{ font-size: 16pt; font-weight: 600; }}
QLabel#readingMeta {{ color: {muted}; }}
QLabel#readingAuthor {{ font-weight: 600; }}
QLabel#emptyTitle {{ color: {muted}; font-size: 12pt; }}
QLabel#emptyHint {{ color: {muted}; }}
QFrame#readingRule {{ background: {line}; border: none; }}
QTextBrowser#readingBody {{ background: {base.name()}; border: none; }}
QLabel#tagChip {{
    background: {_mix(base, accent, 0.12)}; color: {_mix(accent, text, 0.35)};
    border-radius: 9px; padding: 1px 8px;
}}
QFrame#attachmentChip {{ background: {chip}; border: 1px solid {line}; border-radius: 8px; }}
QLabel#threadLabel {{ color: {muted}; font-weight: 600; }}
QListWidget#threadList {{
    background: {_mix(base, text, 0.02)}; border: 1px solid {line}; border-radius: 6px;
    padding: 2px; outline: 0;
}}
QListWidget#threadList::item {{ padding: 3px 6px; border-radius: 4px; }}
QListWidget#threadList::item:selected {{
    background: {_mix(base, accent, 0.18)}; color: {text.name()};
}}
QFrame#remoteBar {{
    background: {warn_bg}; color: {warn_fg}; border: none; border-bottom: 1px solid {warn_line};
}}
QFrame#remoteBar QLabel {{ color: {warn_fg}; }}
QPushButton#openInBrowser {{
    border: 1px solid {line}; border-radius: 6px; padding: 4px 12px; background: {base.name()};
}}
QPushButton#openInBrowser:hover {{ background: {_mix(base, accent, 0.08)}; }}
QStatusBar {{ background: {window.name()}; border-top: 1px solid {line}; color: {muted}; }}
QStatusBar QLabel {{ color: {muted}; padding: 0 8px; }}
QLabel#welcomeTitle {{ font-size: 18pt; font-weight: 600; }}
QLabel#welcomeText {{ color: {muted}; }}
QPushButton#welcomeChoice {{
    text-align: left; border: 1px solid {line}; border-radius: 10px;
    background: {base.name()};
}}
QPushButton#welcomeChoice:hover, QPushButton#welcomeChoice:focus {{
    border: 1px solid {accent.name()}; background: {_mix(base, accent, 0.06)};
}}
QLabel#choiceTitle {{ font-weight: 600; font-size: 11pt; }}
QLabel#choiceDetail {{ color: {muted}; }}
QLabel#choiceArrow {{ color: {accent.name()}; font-size: 18pt; }}
"""


def apply_style(qapp: QApplication) -> None:
    """Fusion everywhere (predictable across desktops) with our sheet on top."""
    qapp.setStyle("Fusion")
    pal = qapp.palette()
    if pal.color(QPalette.ColorRole.Text).lightnessF() < 0.5:
        # Fusion's pure #0000ff links look dated on a light background.
        pal.setColor(QPalette.ColorRole.Link, QColor("#1f63c6"))
        pal.setColor(QPalette.ColorRole.LinkVisited, QColor("#6a3fb5"))
        qapp.setPalette(pal)
    qapp.setStyleSheet(stylesheet(pal))
