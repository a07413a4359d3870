"""The first-run dialog: what Workstation is, and two ways to begin."""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class WelcomeChoice(Enum):
    DEMO = "demo"
    EMPTY = "empty"


class ChoiceButton(QPushButton):
    """A large button with a title and one line of explanation."""

    def __init__(self, title: str, detail: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomeChoice")
        self.setAccessibleName(title)
        self.setAccessibleDescription(detail)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        row = QHBoxLayout(self)
        row.setContentsMargins(18, 12, 16, 12)
        row.setSpacing(12)
        texts = QVBoxLayout()
        texts.setSpacing(3)
        self.title_label = QLabel(title)
        self.title_label.setObjectName("choiceTitle")
        self.detail_label = QLabel(detail)
        self.detail_label.setObjectName("choiceDetail")
        texts.addWidget(self.title_label)
        texts.addWidget(self.detail_label)
        row.addLayout(texts, 1)
        arrow = QLabel("›")
        arrow.setObjectName("choiceArrow")
        row.addWidget(arrow)
        for label in (self.title_label, self.detail_label, arrow):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)

    def sizeHint(self) -> QSize:
        layout = self.layout()
        return layout.sizeHint() if layout is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()


class WelcomeDialog(QDialog):
    """Shown when a profile has no sources yet.

    Example::

        dialog = WelcomeDialog()
        if dialog.exec() == QDialog.DialogCode.Accepted:
            start(dialog.choice)
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomeDialog")
        self.setWindowTitle(self.tr("Welcome to Workstation"))
        self.choice: WelcomeChoice | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 34, 40, 34)
        layout.setSpacing(12)

        title = QLabel(self.tr("Welcome to Workstation"))
        title.setObjectName("welcomeTitle")
        layout.addWidget(title)

        text = QLabel(self.tr(
            "Workstation brings your email, your company's social posts and the news "
            "feeds you follow into one calm inbox. Read, star and archive everything in "
            "one place, and find it again with one search."))
        text.setObjectName("welcomeText")
        text.setWordWrap(True)
        text.setMinimumWidth(460)
        layout.addWidget(text)
        layout.addSpacing(10)

        self.demo_button = ChoiceButton(
            self.tr("Explore the demo inbox"),
            self.tr("A sample inbox with mail, posts and feeds. Nothing you do there is kept."))
        self.demo_button.clicked.connect(lambda: self._choose(WelcomeChoice.DEMO))
        layout.addWidget(self.demo_button)

        self.empty_button = ChoiceButton(
            self.tr("Start with an empty inbox"),
            self.tr("Your own profile. Sources you add will appear here."))
        self.empty_button.clicked.connect(lambda: self._choose(WelcomeChoice.EMPTY))
        layout.addWidget(self.empty_button)

        self.demo_button.setDefault(True)
        self.demo_button.setFocus(Qt.FocusReason.OtherFocusReason)
        # Settle the size now: a top-level whose minimum size changes once it is
        # on screen makes some platform plugins complain.
        self.ensurePolished()
        layout.activate()

    def _choose(self, choice: WelcomeChoice) -> None:
        self.choice = choice
        self.accept()
