"""The reading pane: safe HTML, blocked remote content, threads, links."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from ui_helpers import open_demo

from workstation.api.model import ItemKind
from workstation.app import Workstation
from workstation_ui.views.main_window import MainWindow
from workstation_ui.views.reading_pane import ReadingPane, render_plain, sanitize_html


class _Recorder(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.end_headers()
        self.wfile.write(b"GIF89a")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[tuple[str, list[str]]]:
    """A real local HTTP server that records every request it gets."""
    hits: list[str] = []
    handler = type("Handler", (_Recorder,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()
    thread.join()


def _hosted_pane(qtbot: QtBot, app: Workstation) -> tuple[ReadingPane, QWidget]:
    """A pane inside a plain window, as in the app (a top-level whose minimum size
    changes on screen makes the offscreen plugin warn)."""
    host = QWidget()
    qtbot.addWidget(host)
    host.resize(700, 600)
    pane = ReadingPane(app, host)
    pane.setGeometry(0, 0, 700, 600)
    host.show()
    qtbot.waitExposed(host)
    return pane, host


def _capture_open_url(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record what would be handed to the system browser, instead of opening it."""
    opened: list[str] = []

    def open_url(url: QUrl) -> bool:
        opened.append(url.toString())
        return True

    monkeypatch.setattr("workstation_ui.views.reading_pane.QDesktopServices.openUrl", open_url)
    return opened


def _find(app: Workstation, title: str) -> int:
    page = app.search(f'"{title}"')
    item = next(it for it in page.items if it.title == title)
    assert item.id is not None
    return item.id


def test_sanitize_removes_scripts_handlers_and_remote_images() -> None:
    safe = sanitize_html(
        '<p onclick="steal()">Hi <b>there</b></p><script>alert(1)</script>'
        '<img src="https://t.example/p.gif" width=1 height=1>'
        '<img src="https://cdn.example/a.png" alt="Logo">'
        '<a href="javascript:alert(1)">x</a><a href="https://ok.example/">ok</a>'
        '<style>body{background:url(https://t.example/bg)}</style>')
    assert "onclick" not in safe.markup
    assert "<script" not in safe.markup
    assert "alert" not in safe.markup
    assert "javascript:" not in safe.markup
    assert "t.example" not in safe.markup
    assert "cdn.example" not in safe.markup
    assert "[Logo]" in safe.markup
    assert safe.blocked == ["https://t.example/p.gif", "https://cdn.example/a.png"]
    assert 'href="https://ok.example/"' in safe.markup


def test_plain_text_quotes_are_grey_and_links_clickable() -> None:
    out = render_plain("Hello <you>\n> quoted line\n> more\nsee https://x.example/a.")
    assert '<div class="quote">&gt; quoted line<br>&gt; more</div>' in out
    assert "Hello &lt;you&gt;" in out
    assert '<a href="https://x.example/a">https://x.example/a</a>.' in out


def test_html_with_remote_images_shows_the_bar_and_fetches_nothing(
        qtbot: QtBot, tmp_path: Path, http_server: tuple[str, list[str]]) -> None:
    base, hits = http_server
    sample = {
        "version": 1, "me": {"name": "Me", "email": "me@example.org"},
        "sources": [{"name": "Mail", "kind": "email", "folders": ["Inbox"]}],
        "items": [{
            "id": "h1", "source": "Mail", "kind": "email", "folder": "Inbox", "ago": "1h",
            "title": "Newsletter", "summary": "News",
            "content": f'<p>News</p><img src="{base}/pixel.gif" alt="">'
                       f'<img src="{base}/banner.png" alt="Banner">'
                       f'<table background="{base}/bg.png"><tr><td>cell</td></tr></table>',
            "content_type": "text/html", "from": {"name": "News", "email": "n@example.org"},
        }, {
            "id": "p1", "source": "Mail", "kind": "email", "folder": "Inbox", "ago": "2h",
            "title": "Plain", "summary": "plain", "content": "plain text",
            "from": {"name": "Ann", "email": "ann@example.org"},
        }],
    }
    path = tmp_path / "sample.json"
    path.write_text(json.dumps(sample), encoding="utf-8")
    app = open_demo(tmp_path / "p", path)
    try:
        pane, _host = _hosted_pane(qtbot, app)
        pane.show_item(_find(app, "Newsletter"))
        qtbot.wait(300)  # layout and paint: the moment images would load
        pane.browser.grab()
        assert pane.remote_bar.isVisible()
        assert "Remote content blocked" in pane.remote_label.text()
        assert "[Banner]" in pane.browser.toPlainText()
        assert hits == []

        # Even markup that skipped the sanitiser cannot make the browser fetch.
        pane.browser.setHtml(f'<img src="{base}/direct.png">')
        pane.browser.grab()
        qtbot.wait(200)
        assert f"{base}/direct.png" in pane.browser.blocked_urls
        assert pane.browser.loadResource(int(QTextDocument.ResourceType.ImageResource),
                                         QUrl(f"{base}/x.png")) is None
        assert hits == []

        # A plain message hides the bar again.
        pane.show_item(_find(app, "Plain"))
        assert not pane.remote_bar.isVisible()
    finally:
        app.close()


def test_demo_html_mail_is_sanitised(qtbot: QtBot, window: MainWindow,
                                     ui_app: Workstation) -> None:
    window.open_item(_find(ui_app, "Your expense report #4821 was approved"))
    pane = window.reading_pane
    assert pane.remote_bar.isVisible()
    html = pane.browser.toHtml()
    assert "tracking.expenses.example" not in html
    assert "alert" not in html
    assert "Expense report approved" in pane.browser.toPlainText()


def test_feed_entries_offer_open_in_browser(qtbot: QtBot, window: MainWindow,
                                            ui_app: Workstation,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    opened = _capture_open_url(monkeypatch)
    feed = next(it for it in ui_app.list_items().items if it.kind is ItemKind.FEED_ENTRY)
    assert feed.id is not None
    window.open_item(feed.id)
    pane = window.reading_pane
    assert pane.open_button.isVisible()
    pane.open_button.click()
    assert opened == [feed.url]

    mail = next(it for it in ui_app.list_items().items
                if it.kind is ItemKind.EMAIL and not it.url)
    assert mail.id is not None
    window.open_item(mail.id)
    assert not pane.open_button.isVisible()


def test_links_open_only_on_click_and_only_safe_schemes(
        qtbot: QtBot, ui_app: Workstation, monkeypatch: pytest.MonkeyPatch) -> None:
    opened = _capture_open_url(monkeypatch)
    pane = ReadingPane(ui_app)
    qtbot.addWidget(pane)
    assert not pane.browser.openExternalLinks()
    assert not pane.browser.openLinks()
    pane.browser.anchorClicked.emit(QUrl("https://example.org/a"))
    pane.browser.anchorClicked.emit(QUrl("file:///etc/passwd"))
    pane.browser.anchorClicked.emit(QUrl("javascript:alert(1)"))
    assert opened == ["https://example.org/a"]


def test_header_thread_and_attachments(qtbot: QtBot, window: MainWindow,
                                       ui_app: Workstation) -> None:
    pane = window.reading_pane
    window.open_item(_find(ui_app, "Atlas budget review moved to Thursday"))
    assert pane.title_label.text() == "Atlas budget review moved to Thursday"
    assert "Jonas Berg" in pane.author_label.text()
    assert pane.address_label.text() == "jonas.berg@nordlys.example"
    assert "To: Camille Durand" in pane.recipients_label.text()
    assert "Cc: Ingrid Solheim" in pane.recipients_label.text()
    assert "Work mail › Inbox" in pane.source_label.text()
    assert pane.thread_box.isVisible()
    assert pane.thread_label.text() == "2 messages in this conversation"
    assert pane.thread_list.count() == 2
    assert pane.attachments_box.isVisible()
    tags = [pane.tags_row.itemAt(i).widget().text()  # type: ignore[union-attr]
            for i in range(pane.tags_row.count())]
    assert tags == ["atlas", "finance"]

    # Clicking the other message of the conversation shows it.
    other = pane.thread_list.item(1)
    assert other is not None
    pane.thread_list.itemClicked.emit(other)
    assert pane.title_label.text() == "Re: Atlas budget review moved to Thursday"
    assert "> Hi Camille," in pane.browser.toPlainText()


def test_nothing_selected_shows_the_empty_state(window: MainWindow) -> None:
    assert window.reading_pane.empty_label.isVisible()
    assert window.reading_pane.current_item is None
