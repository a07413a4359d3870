"""A keyring backend for tests only: it stores secrets IN CLEAR in a JSON file.

Never use it for real secrets. It refuses to run (its ``priority`` raises
``RuntimeError``, keyring's convention for "not usable here") unless the
environment variable ``WORKSTATION_TESTING`` is ``"1"`` and
``WORKSTATION_TEST_KEYRING_FILE`` names the file to use, typically in a
pytest temporary directory. Because the file is named by the environment, CLI
subprocesses started by a test share the test's secrets.

Example, in a test::

    monkeypatch.setenv("WORKSTATION_TESTING", "1")
    monkeypatch.setenv("WORKSTATION_TEST_KEYRING_FILE", str(tmp_path / "keyring.json"))
    # in this process:
    keyring.set_keyring(TestKeyring())
    # in subprocesses (keyring reads this variable on first use):
    monkeypatch.setenv(
        "PYTHON_KEYRING_BACKEND", "workstation.testing.keyring_backend.TestKeyring"
    )
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Final

from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import InitError, PasswordDeleteError

__all__ = ["FILE_ENV", "TESTING_ENV", "TestKeyring"]

TESTING_ENV: Final = "WORKSTATION_TESTING"
FILE_ENV: Final = "WORKSTATION_TEST_KEYRING_FILE"

_Data = dict[str, dict[str, str]]  # service -> username -> password


def _refusal() -> str | None:
    """Why the backend must not run here, or ``None`` if it may."""
    if os.environ.get(TESTING_ENV) != "1":
        return (
            "TestKeyring stores secrets in clear text and is for tests only; "
            f"it runs only when {TESTING_ENV}=1"
        )
    if not os.environ.get(FILE_ENV):
        return f"TestKeyring needs {FILE_ENV} to name its JSON file"
    return None


class TestKeyring(KeyringBackend):
    """Keyring backend for tests: secrets in clear in the JSON file named by
    ``WORKSTATION_TEST_KEYRING_FILE``; usable only when ``WORKSTATION_TESTING=1``.

    Not safe for concurrent writers: tests and their subprocesses take turns.

    Example::

        keyring.set_keyring(TestKeyring())
        keyring.set_password("workstation", "mail:password", "x" * 8)
    """

    __test__ = False  # its name starts with "Test": keep pytest from collecting it

    def __init__(self) -> None:
        # Only restated to give the constructor a type: keyring's is unannotated.
        super().__init__()  # type: ignore[no-untyped-call]

    @properties.classproperty
    def priority(cls) -> float:
        reason = _refusal()
        if reason is not None:
            raise RuntimeError(reason)
        return 1

    def _path(self) -> Path:
        # Checked on every call too: an instance made directly (bypassing
        # priority) must not write clear-text secrets outside a test either.
        reason = _refusal()
        if reason is not None:
            raise InitError(reason)
        return Path(os.environ[FILE_ENV])

    def _load(self) -> _Data:
        path = self._path()
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        data = json.loads(text) if text.strip() else {}
        if not isinstance(data, dict):
            raise InitError(f"{path} is not a TestKeyring file")
        return {
            str(service): {str(user): str(pw) for user, pw in entries.items()}
            for service, entries in data.items()
            if isinstance(entries, dict)
        }

    def _save(self, data: _Data) -> None:
        path = self._path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        # Written aside then renamed, so a subprocess never reads half a file.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=2, sort_keys=True)
        os.replace(tmp, path)

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data.setdefault(service, {})[username] = password
        self._save(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        entries = data.get(service, {})
        if username not in entries:
            # Same signal as the real backends give for a missing entry.
            raise PasswordDeleteError("Password not found")
        del entries[username]
        if not entries:
            del data[service]
        self._save(data)
