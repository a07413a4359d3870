"""One window per profile: a second launch raises the first one and exits.

The first instance listens on a local socket whose name is derived from the
user and the profile path; a later launch connects, sends ``raise`` and waits
for ``ok``. Only the owner of the socket may connect.

Example::

    name = server_name(profile_dir)
    if ask_running_instance(name):
        return 0  # the other window came to the front
    server = InstanceServer(name)
    server.raise_requested.connect(window.bring_to_front)
    server.listen()
"""

from __future__ import annotations

import getpass
import hashlib
import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, QObject, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger("workstation.ui.instance")

RAISE = b"raise\n"
ACK = b"ok\n"


def server_name(profile_dir: Path) -> str:
    """A short, stable socket name for this user and profile directory."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name in the environment: the path alone will do
        user = ""
    key = f"{user}\0{profile_dir.expanduser().resolve()}".encode()
    return "workstation-" + hashlib.sha256(key).hexdigest()[:24]


def ask_running_instance(name: str, timeout_ms: int = 1500) -> bool:
    """Ask the instance listening on ``name`` to raise its window.

    Returns True when it answered (this process should then exit), False when
    nobody listens. Blocks for at most about ``timeout_ms`` × 3; call it before
    the event loop runs.
    """
    sock = QLocalSocket()
    sock.connectToServer(name)
    if not sock.waitForConnected(timeout_ms):
        return False
    try:
        sock.write(QByteArray(RAISE))
        if not sock.waitForBytesWritten(timeout_ms):
            return False
        answer = b""
        while ACK not in answer:
            if not sock.waitForReadyRead(timeout_ms):
                break
            answer += sock.readAll().data()
        return ACK in answer
    finally:
        sock.abort()


class InstanceServer(QObject):
    """Listens for later launches on the same profile."""

    raise_requested = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_connection)

    def listen(self) -> bool:
        """Start listening. Call it while holding the profile lock: a socket
        left over by a crashed instance is then safe to remove."""
        QLocalServer.removeServer(self.name)
        if not self._server.listen(self.name):
            log.warning("cannot listen on %s: %s", self.name, self._server.errorString())
            return False
        return True

    def close(self) -> None:
        self._server.close()

    @property
    def listening(self) -> bool:
        return self._server.isListening()

    @Slot()
    def _on_connection(self) -> None:
        while self._server.hasPendingConnections():
            sock = self._server.nextPendingConnection()
            if sock is None:
                break
            # Bound methods, not closures holding the socket: PySide must not
            # keep a reference to a socket that Qt deletes.
            sock.readyRead.connect(self._on_ready_read)
            sock.disconnected.connect(self._on_disconnected)

    @Slot()
    def _on_ready_read(self) -> None:
        sock = self.sender()
        if not isinstance(sock, QLocalSocket):
            return
        while sock.canReadLine():
            line = sock.readLine().data()
            if line == RAISE:
                sock.write(QByteArray(ACK))
                sock.flush()
                self.raise_requested.emit()
        if sock.bytesAvailable() > 64:  # a well-behaved client sends one short line
            sock.abort()

    @Slot()
    def _on_disconnected(self) -> None:
        sock = self.sender()
        if isinstance(sock, QLocalSocket):
            sock.deleteLater()
