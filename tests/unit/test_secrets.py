"""Tests for workstation.secrets, through the real keyring API and TestKeyring."""

from __future__ import annotations

import io
import json
import logging
import os
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.core
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.errors import (
    InitError,
    KeyringLocked,
    NoKeyringError,
    PasswordDeleteError,
    PasswordSetError,
)

from workstation.api.source import SecretStore
from workstation.logs import REDACTED, RedactingFilter, redact
from workstation.secrets import (
    KeyringUnavailableError,
    ScopedSecrets,
    Secrets,
    SecretsError,
    check_backend,
)
from workstation.testing.keyring_backend import TestKeyring

REPO_ROOT = Path(__file__).resolve().parents[2]
TEST_BACKEND = "workstation.testing.keyring_backend.TestKeyring"


def make(backend_class: type[KeyringBackend]) -> KeyringBackend:
    """Instantiate one of keyring's backends.

    Their ``__init__`` is unannotated, so mypy --strict rejects a direct call;
    through ``type[KeyringBackend]`` the call is typed.
    """
    return backend_class()


def unique(prefix: str = "secret-") -> str:
    # The log redactor's registry is process-wide: fresh values keep tests honest.
    return f"{prefix}{uuid.uuid4().hex}"


@pytest.fixture
def keyring_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    """Put keyring's global backend back as it was (even "not loaded yet")
    when the test ends, whatever the test selects meanwhile."""
    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.core._keyring_backend)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)


@pytest.fixture
def keyring_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "keyring.json"
    monkeypatch.setenv("WORKSTATION_TESTING", "1")
    monkeypatch.setenv("WORKSTATION_TEST_KEYRING_FILE", str(path))
    return path


@pytest.fixture
def test_keyring(keyring_restored: None, keyring_file: Path) -> TestKeyring:
    backend = TestKeyring()
    keyring.set_keyring(backend)
    return backend


def assert_unavailable_message(exc: KeyringUnavailableError) -> None:
    message = str(exc)
    assert "GNOME Keyring" in message
    assert "sudo apt install gnome-keyring" in message
    assert "KWallet" in message
    assert "PYTHON_KEYRING_BACKEND" in message


# --- round trips through TestKeyring -------------------------------------------


def test_set_get_delete_round_trip(test_keyring: TestKeyring, keyring_file: Path) -> None:
    secrets = Secrets()
    value = unique()
    check_backend()
    assert secrets.get("work-mail", "password") is None

    secrets.set("work-mail", "password", value)
    assert secrets.get("work-mail", "password") == value
    # Stored where admins look for it: service "workstation", user "<scope>:<key>".
    assert keyring.get_password("workstation", "work-mail:password") == value
    assert json.loads(keyring_file.read_text(encoding="utf-8")) == {
        "workstation": {"work-mail:password": value}
    }

    replacement = unique()
    secrets.set("work-mail", "password", replacement)
    assert secrets.get("work-mail", "password") == replacement

    secrets.delete("work-mail", "password")
    assert secrets.get("work-mail", "password") is None
    assert keyring.get_password("workstation", "work-mail:password") is None


def test_deleting_a_missing_secret_is_fine(test_keyring: TestKeyring) -> None:
    secrets = Secrets()
    secrets.delete("work-mail", "never-set")
    secrets.set("work-mail", "password", unique())
    secrets.delete("work-mail", "password")
    secrets.delete("work-mail", "password")


def test_service_name_separates_entries(test_keyring: TestKeyring) -> None:
    value = unique()
    Secrets("other-app").set("mail", "password", value)
    assert Secrets().get("mail", "password") is None
    assert Secrets("other-app").get("mail", "password") == value
    assert keyring.get_password("other-app", "mail:password") == value


def test_keys_may_contain_colons_scopes_may_not(test_keyring: TestKeyring) -> None:
    secrets = Secrets()
    value = unique()
    secrets.set("mail", "oauth:refresh", value)
    assert secrets.get("mail", "oauth:refresh") == value
    with pytest.raises(ValueError, match="scope"):
        secrets.get("mail:oauth", "refresh")
    with pytest.raises(ValueError, match="scope"):
        secrets.scoped("")
    with pytest.raises(ValueError, match="key"):
        secrets.set("mail", "", value)


def test_scoped_secrets_do_not_see_each_other(test_keyring: TestKeyring) -> None:
    secrets = Secrets()
    work: SecretStore = secrets.scoped("work-mail")  # the protocol sources see
    home: SecretStore = secrets.scoped("home-mail")
    work_pw, home_pw = unique(), unique()

    work.set("password", work_pw)
    assert home.get("password") is None
    home.set("password", home_pw)
    assert work.get("password") == work_pw
    assert home.get("password") == home_pw

    work.delete("password")
    assert work.get("password") is None
    assert home.get("password") == home_pw
    assert secrets.get("home-mail", "password") == home_pw


def test_scoped_secrets_describe_themselves_without_values(test_keyring: TestKeyring) -> None:
    store = Secrets().scoped("work-mail")
    value = unique()
    store.set("password", value)
    assert isinstance(store, ScopedSecrets)
    assert store.scope == "work-mail"
    assert value not in repr(store)
    assert "work-mail" in repr(store)


def test_delete_scope(test_keyring: TestKeyring) -> None:
    secrets = Secrets()
    secrets.set("work-mail", "password", unique())
    secrets.set("work-mail", "oauth_refresh_token", unique())
    secrets.set("home-mail", "password", keep := unique())

    secrets.delete_scope("work-mail", ["password", "oauth_refresh_token", "never-set"])

    assert secrets.get("work-mail", "password") is None
    assert secrets.get("work-mail", "oauth_refresh_token") is None
    assert secrets.get("home-mail", "password") == keep


def test_delete_scope_rejects_a_bare_string(test_keyring: TestKeyring) -> None:
    secrets = Secrets()
    secrets.set("work-mail", "password", value := unique())
    with pytest.raises(TypeError, match="not a string"):
        secrets.delete_scope("work-mail", "password")
    assert secrets.get("work-mail", "password") == value


def test_delete_scope_tries_every_key_before_failing(
    test_keyring: TestKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = Secrets()
    for key in ("a", "b", "c"):
        secrets.set("src", key, unique())
    real_delete = test_keyring.delete_password

    def flaky_delete(service: str, username: str) -> None:
        if username == "src:a":
            raise PasswordDeleteError("access denied")
        real_delete(service, username)

    monkeypatch.setattr(test_keyring, "delete_password", flaky_delete)
    with pytest.raises(SecretsError, match="access denied"):
        secrets.delete_scope("src", ["a", "b", "c"])
    assert secrets.get("src", "a") is not None
    assert secrets.get("src", "b") is None
    assert secrets.get("src", "c") is None


# --- no usable keyring: a clear error, never a silent fallback ----------------


def test_fail_backend_is_refused(keyring_restored: None) -> None:
    keyring.set_keyring(make(fail.Keyring))
    with pytest.raises(KeyringUnavailableError) as checked:
        check_backend()
    assert_unavailable_message(checked.value)

    secrets = Secrets()
    with pytest.raises(KeyringUnavailableError) as got:
        secrets.get("work-mail", "password")
    assert_unavailable_message(got.value)
    with pytest.raises(KeyringUnavailableError):
        secrets.set("work-mail", "password", unique())
    with pytest.raises(KeyringUnavailableError):
        secrets.delete("work-mail", "password")
    with pytest.raises(KeyringUnavailableError):
        secrets.scoped("work-mail").get("password")


def test_unavailable_is_a_runtime_and_secrets_error(keyring_restored: None) -> None:
    keyring.set_keyring(make(fail.Keyring))
    with pytest.raises(RuntimeError):
        check_backend()
    with pytest.raises(SecretsError):
        check_backend()


def test_null_backend_is_refused_rather_than_dropping_writes(keyring_restored: None) -> None:
    keyring.set_keyring(make(null.Keyring))
    with pytest.raises(KeyringUnavailableError) as exc:
        Secrets().set("work-mail", "password", unique())
    assert_unavailable_message(exc.value)
    assert "null" in str(exc.value)


def test_empty_chainer_is_refused(
    keyring_restored: None, keyring_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    keyring.set_keyring(make(chainer.ChainerBackend))
    with pytest.raises(KeyringUnavailableError):
        check_backend()

    # One real backend is enough for the chainer to work, even though its
    # own priority is then negative.
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [TestKeyring()])
    keyring.set_keyring(make(chainer.ChainerBackend))
    check_backend()
    Secrets().set("mail", "password", value := unique())
    assert Secrets().get("mail", "password") == value


def test_backend_that_refuses_to_run_is_refused(
    keyring_restored: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WORKSTATION_TESTING", raising=False)
    keyring.set_keyring(TestKeyring())
    with pytest.raises(KeyringUnavailableError, match="tests only"):
        check_backend()


def test_switching_to_a_broken_backend_is_noticed(test_keyring: TestKeyring) -> None:
    secrets = Secrets()
    secrets.set("mail", "password", unique())  # vets TestKeyring
    keyring.set_keyring(make(fail.Keyring))
    with pytest.raises(KeyringUnavailableError):
        secrets.get("mail", "password")


# --- selecting the test backend by environment ----------------------------------


def test_backend_selected_by_environment(
    keyring_restored: None, keyring_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)  # force a fresh load
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", TEST_BACKEND)
    value = unique()
    Secrets().set("mail", "password", value)
    assert isinstance(keyring.get_keyring(), TestKeyring)
    assert Secrets().get("mail", "password") == value


def test_environment_selection_refused_outside_tests(
    keyring_restored: None, keyring_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", TEST_BACKEND)
    monkeypatch.delenv("WORKSTATION_TESTING")
    with pytest.raises(KeyringUnavailableError, match="tests only") as exc:
        Secrets().get("mail", "password")
    assert_unavailable_message(exc.value)


def test_subprocesses_share_the_test_keyring(test_keyring: TestKeyring, keyring_file: Path) -> None:
    value = unique()
    Secrets().scoped("work-mail").set("password", value)
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": TEST_BACKEND,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    code = (
        "from workstation.secrets import Secrets\n"
        "s = Secrets()\n"
        "print(s.get('work-mail', 'password'))\n"
        "s.set('work-mail', 'token', 'from-child-1234')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == value
    assert Secrets().get("work-mail", "token") == "from-child-1234"


# --- the test backend itself -----------------------------------------------------


def test_test_keyring_priority(monkeypatch: pytest.MonkeyPatch, keyring_file: Path) -> None:
    assert TestKeyring.priority == 1
    monkeypatch.setenv("WORKSTATION_TESTING", "0")
    with pytest.raises(RuntimeError, match="tests only"):
        _ = TestKeyring.priority
    assert not TestKeyring.viable  # so keyring's auto-detection never picks it


def test_test_keyring_refuses_to_store_outside_tests(
    monkeypatch: pytest.MonkeyPatch, keyring_file: Path
) -> None:
    backend = TestKeyring()
    monkeypatch.delenv("WORKSTATION_TESTING")
    with pytest.raises(InitError):
        backend.set_password("workstation", "mail:password", "hunter2x")
    assert not keyring_file.exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_test_keyring_file_is_private(test_keyring: TestKeyring, keyring_file: Path) -> None:
    test_keyring.set_password("workstation", "mail:password", unique())
    assert stat.S_IMODE(keyring_file.stat().st_mode) == 0o600
    with pytest.raises(PasswordDeleteError):
        test_keyring.delete_password("workstation", "mail:missing")


# --- keyring errors become plain messages without the secret ---------------------


def test_refused_write_is_a_secrets_error_without_the_value(
    test_keyring: TestKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    value = unique()

    def refuse(service: str, username: str, password: str) -> None:
        raise PasswordSetError(f"backend choked on {password}")

    monkeypatch.setattr(test_keyring, "set_password", refuse)
    with pytest.raises(SecretsError) as exc:
        Secrets().set("work-mail", "password", value)
    assert not isinstance(exc.value, KeyringUnavailableError)
    assert value not in str(exc.value)
    assert "'password' of 'work-mail'" in str(exc.value)


def test_locked_keyring_says_so(test_keyring: TestKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    def locked(service: str, username: str) -> str | None:
        raise KeyringLocked("Failed to unlock the collection!")

    monkeypatch.setattr(test_keyring, "get_password", locked)
    with pytest.raises(SecretsError, match="locked"):
        Secrets().get("work-mail", "password")


@pytest.mark.parametrize("error", [NoKeyringError("no keyring"), InitError("no D-Bus")])
def test_missing_keyring_errors_become_unavailable(
    test_keyring: TestKeyring, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    def broken(service: str, username: str) -> str | None:
        raise error

    monkeypatch.setattr(test_keyring, "get_password", broken)
    with pytest.raises(KeyringUnavailableError) as exc:
        Secrets().get("work-mail", "password")
    assert_unavailable_message(exc.value)
    assert str(error) in str(exc.value)


def test_failed_delete_of_a_present_secret_is_an_error(
    test_keyring: TestKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = Secrets()
    secrets.set("work-mail", "password", unique())

    def refuse(service: str, username: str) -> None:
        raise PasswordDeleteError("access denied")

    monkeypatch.setattr(test_keyring, "delete_password", refuse)
    with pytest.raises(SecretsError, match="access denied"):
        secrets.delete("work-mail", "password")


# --- secrets never reach the logs -------------------------------------------------


@pytest.fixture
def captured_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("workstation.test_secrets")
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        handler.close()


def test_secret_read_through_secrets_is_redacted_when_logged(
    test_keyring: TestKeyring, captured_log: io.StringIO
) -> None:
    value, bystander = unique(), unique("not-a-secret-")
    # Written behind Secrets' back, so only the read can have registered it.
    keyring.set_password("workstation", "work-mail:password", value)
    assert redact(value) == value

    assert Secrets().get("work-mail", "password") == value
    logging.getLogger("workstation.test_secrets").error(
        "oops, logged %s next to %s", value, bystander
    )

    output = captured_log.getvalue()
    assert value not in output
    assert f"oops, logged {REDACTED} next to {bystander}" in output


def test_secret_written_through_secrets_is_redacted(test_keyring: TestKeyring) -> None:
    value = unique()
    Secrets().scoped("work-mail").set("password", value)
    assert redact(f"pw is {value}") == f"pw is {REDACTED}"
