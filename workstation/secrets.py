"""Passwords and tokens, kept in the OS keyring and nowhere else.

Every source and plugin reads its credentials through this module. Secrets
are never written to SQLite, the settings file or the logs, and there is no
plain-text fallback: when no usable keyring exists, every call raises
:class:`KeyringUnavailableError`, whose message tells the user what to install.

Where entries live: keyring service ``"workstation"``, keyring username
``"<scope>:<key>"``, where the scope is the source or plugin name. An
administrator can therefore find them in Seahorse, KWalletManager, Keychain
Access or Credential Manager, or from a shell::

    keyring get workstation work-mail:password

Every value read or written is registered with
:func:`workstation.logs.register_secret`, so it is masked in the logs even if
some code logs it by mistake.

Example::

    secrets = Secrets()
    secrets.set("work-mail", "password", "hunter2x")
    secrets.get("work-mail", "password")        # 'hunter2x'
    store = secrets.scoped("work-mail")          # what the source sees as ctx.secrets
    store.get("password")                        # 'hunter2x'
    secrets.delete_scope("work-mail", ["password", "oauth_refresh_token"])
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Final
from urllib.parse import quote

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.errors import (
    InitError,
    KeyringError,
    KeyringLocked,
    NoKeyringError,
    PasswordDeleteError,
)

from workstation.logs import redact, register_secret

__all__ = [
    "SERVICE",
    "KeyringUnavailableError",
    "ScopedSecrets",
    "Secrets",
    "SecretsError",
    "check_backend",
]

SERVICE: Final = "workstation"


class SecretsError(RuntimeError):
    """The keyring refused an operation (locked, access denied…).

    The message is a plain sentence for the user and never contains a secret.

    Example::

        try:
            secrets.set("work-mail", "password", pw)
        except SecretsError as exc:
            show_error(str(exc))
    """


class KeyringUnavailableError(SecretsError):
    """No usable OS keyring: Workstation cannot store or read any secret.

    The message explains, in plain English, what to install or configure.

    Example::

        try:
            check_backend()
        except KeyringUnavailableError as exc:
            print(exc)  # "Workstation could not find a usable system keyring..."
    """

    def __init__(self, reason: str = "") -> None:
        detail = f" ({reason.rstrip('.')})" if reason else ""
        super().__init__(
            f"Workstation could not find a usable system keyring{detail}. "
            "Passwords and tokens are kept only in the system keyring, never in "
            "plain text, so they cannot be saved or read until one is available. "
            "On Linux, install GNOME Keyring (sudo apt install gnome-keyring) or "
            "KWallet, and make sure it runs and is unlocked in your session. "
            "macOS Keychain and Windows Credential Manager are used automatically. "
            "Alternatively, set the PYTHON_KEYRING_BACKEND environment variable to "
            "the keyring backend of your choice "
            "(for example keyring.backends.SecretService.Keyring)."
        )
        self.reason = reason


def check_backend() -> None:
    """Raise :class:`KeyringUnavailableError` unless the keyring can be used.

    Unusable means: keyring found no backend (its ``fail`` backend), the
    ``null`` backend was chosen, the chainer has nothing to chain, or the
    backend reports a priority of zero or less (or refuses, by raising
    ``RuntimeError`` from ``priority``).

    Example::

        check_backend()  # at start-up, to tell the user early
    """
    _usable_backend()


def _usable_backend(known_good: KeyringBackend | None = None) -> KeyringBackend:
    try:
        backend = keyring.get_keyring()
    except (KeyringError, RuntimeError, ImportError, AttributeError, ValueError) as exc:
        # The first call loads PYTHON_KEYRING_BACKEND or keyringrc.cfg, which
        # fails this way when the named backend is missing or refuses to run.
        raise KeyringUnavailableError(
            f"the configured keyring backend could not be loaded: {exc}"
        ) from exc
    if backend is known_good:
        return backend
    reason = _unusable_reason(backend)
    if reason is not None:
        raise KeyringUnavailableError(reason)
    return backend


def _unusable_reason(backend: KeyringBackend) -> str | None:
    if isinstance(backend, fail.Keyring):
        return "no keyring backend was found"
    if isinstance(backend, null.Keyring):
        return "the keyring is disabled: the null backend is selected"
    if isinstance(backend, chainer.ChainerBackend):
        # The chainer's own priority is low whenever it has fewer than two
        # backends, yet one is enough for it to work: judge it by its content.
        if not chainer.ChainerBackend.backends:
            return "no keyring backend was found"
        return None
    try:
        priority = float(type(backend).priority)
    except RuntimeError as exc:  # keyring's way for a backend to say "not here"
        return f"{type(backend).__name__} cannot be used here: {exc}"
    if priority <= 0:
        return f"{type(backend).__name__} is not a usable keyring"
    return None


@contextmanager
def _translated(action: str) -> Iterator[None]:
    """Turn keyring's exceptions into ours; ``action`` names what failed."""
    try:
        yield
    except (NoKeyringError, InitError) as exc:
        raise KeyringUnavailableError(redact(str(exc))) from exc
    except KeyringLocked as exc:
        raise SecretsError(
            f"Could not {action}: the system keyring is locked. Unlock it and try again."
        ) from exc
    except KeyringError as exc:
        # The backend's text can help (access denied, prompt dismissed…); it is
        # redacted in case a backend echoes the value it was given.
        detail = redact(str(exc)) or type(exc).__name__
        raise SecretsError(f"Could not {action}: {detail}") from exc


def source_scope(name: str) -> str:
    """The keyring scope of a source instance's secrets.

    The name is percent-encoded, so any source name (even one with ":") maps
    to a distinct, valid scope.

    >>> source_scope("Work: mail")
    'source/Work%3A mail'
    """
    return "source/" + quote(name, safe=" ")


def _check_scope(scope: str) -> None:
    if not scope or ":" in scope:
        # ":" separates scope and key; allowing it in scopes would let
        # "a:b" + "c" and "a" + "b:c" name the same entry.
        raise ValueError(f"invalid secret scope {scope!r}: it must be non-empty, without ':'")


def _username(scope: str, key: str) -> str:
    _check_scope(scope)
    if not key:
        raise ValueError("a secret key must be non-empty")
    return f"{scope}:{key}"


class Secrets:
    """Read and write secrets in the OS keyring under one service name.

    Entries are named ``"<scope>:<key>"`` (the keyring "username") under the
    service ``"workstation"``. Raises :class:`KeyringUnavailableError` when no
    usable keyring exists and :class:`SecretsError` when the keyring refuses.

    Example::

        secrets = Secrets()
        secrets.set("rss", "feedbin_password", "s3cret!")
        assert secrets.get("rss", "feedbin_password") == "s3cret!"
        secrets.delete("rss", "feedbin_password")
    """

    def __init__(self, service: str = SERVICE) -> None:
        if not service:
            raise ValueError("the keyring service name must be non-empty")
        self._service = service
        # Vetting a backend can cost a D-Bus round trip (SecretService), so it
        # is done once per backend object, not on every call.
        self._vetted: KeyringBackend | None = None

    @property
    def service(self) -> str:
        """The keyring service name entries are stored under."""
        return self._service

    def __repr__(self) -> str:
        return f"Secrets(service={self._service!r})"

    def _backend(self) -> KeyringBackend:
        backend = _usable_backend(self._vetted)
        self._vetted = backend
        return backend

    def get(self, scope: str, key: str) -> str | None:
        """Return the secret, or ``None`` if none is stored.

        Example::

            token = secrets.get("work-mail", "oauth_refresh_token")
        """
        username = _username(scope, key)
        backend = self._backend()
        with _translated(f"read the secret {key!r} of {scope!r} from the system keyring"):
            value = backend.get_password(self._service, username)
        if value is not None:
            register_secret(value)
        return value

    def set(self, scope: str, key: str, value: str) -> None:
        """Store (or replace) a secret.

        Example::

            secrets.set("work-mail", "password", password_field.text())
        """
        username = _username(scope, key)
        # Registered before the call so that even a failure's traceback,
        # should a backend quote the value, is redacted once logged.
        register_secret(value)
        backend = self._backend()
        with _translated(f"save the secret {key!r} of {scope!r} in the system keyring"):
            backend.set_password(self._service, username, value)

    def delete(self, scope: str, key: str) -> None:
        """Remove a secret; removing one that does not exist is not an error.

        Example::

            secrets.delete("work-mail", "password")
        """
        username = _username(scope, key)
        backend = self._backend()
        with _translated(f"delete the secret {key!r} of {scope!r} from the system keyring"):
            try:
                backend.delete_password(self._service, username)
            except PasswordDeleteError:
                # Backends report a missing entry as a failed delete; only an
                # entry that is still there is a real failure.
                if backend.get_password(self._service, username) is None:
                    return
                raise

    def delete_scope(self, scope: str, keys: Iterable[str]) -> None:
        """Remove every listed secret of ``scope`` (when a source is removed).

        The keyring API cannot list entries, so the caller names the keys.
        All keys are attempted; the first failure is raised at the end.

        Example::

            secrets.delete_scope("work-mail", ["password", "oauth_refresh_token"])
        """
        if isinstance(keys, str):
            # A bare string is an iterable of characters: surely a mistake.
            raise TypeError("keys must be an iterable of key names, not a string")
        _check_scope(scope)
        first_error: SecretsError | None = None
        for key in keys:
            try:
                self.delete(scope, key)
            except KeyringUnavailableError:
                raise  # the next keys would fail the same way
            except SecretsError as exc:
                first_error = first_error or exc
        if first_error is not None:
            raise first_error

    def scoped(self, scope: str) -> ScopedSecrets:
        """Return the secrets of one source or plugin, as its ``ctx.secrets``.

        Example::

            store = Secrets().scoped("work-mail")
            store.set("password", "hunter2x")
        """
        return ScopedSecrets(self, scope)


class ScopedSecrets:
    """The secrets of one scope (a source or plugin name).

    Implements :class:`workstation.api.source.SecretStore`: a source sees only
    its own entries, never another scope's.

    Example::

        store = Secrets().scoped("work-mail")
        store.set("password", "hunter2x")
        store.get("password")   # 'hunter2x'
        store.delete("password")
    """

    def __init__(self, secrets: Secrets, scope: str) -> None:
        _check_scope(scope)  # fail at creation, not at the first use
        self._secrets = secrets
        self._scope = scope

    @property
    def scope(self) -> str:
        """The source or plugin name these secrets belong to."""
        return self._scope

    def __repr__(self) -> str:
        return f"ScopedSecrets(scope={self._scope!r}, service={self._secrets.service!r})"

    def get(self, key: str) -> str | None:
        """Return this scope's secret ``key``, or ``None``."""
        return self._secrets.get(self._scope, key)

    def set(self, key: str, value: str) -> None:
        """Store this scope's secret ``key``."""
        self._secrets.set(self._scope, key, value)

    def delete(self, key: str) -> None:
        """Remove this scope's secret ``key`` (missing is fine)."""
        self._secrets.delete(self._scope, key)
