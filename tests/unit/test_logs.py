"""Tests for workstation.logs: private rotating log file, secrets redacted."""

from __future__ import annotations

import logging
import stat
import sys
import uuid
from collections.abc import Iterator
from logging.handlers import RotatingFileHandler
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from workstation import logs
from workstation.logs import (
    REDACTED,
    RedactingFilter,
    close_logging,
    describe_body,
    redact,
    register_secret,
    setup_logging,
)

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Undo whatever setup_logging did, even if the test fails halfway."""
    root = logging.getLogger()
    app = logging.getLogger("workstation")
    handlers_before = list(root.handlers)
    level_before = app.level
    yield
    close_logging()
    assert root.handlers == handlers_before, "setup_logging leaked a root handler"
    app.setLevel(level_before)


@pytest.fixture
def log_dir(tmp_path: Path, restore_logging: None) -> Path:
    return tmp_path / "state" / "log"


def unique(prefix: str) -> str:
    # The registry of secrets is process-wide: unique values keep tests independent.
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def read_log(path: Path) -> str:
    close_logging()  # flushes and closes the file before reading it
    return path.read_text(encoding="utf-8")


@posix_only
def test_log_file_is_private(log_dir: Path) -> None:
    path = setup_logging(log_dir)
    logging.getLogger("workstation.test").info("hello")

    assert path == log_dir / "workstation.log"
    assert stat.S_IMODE(log_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "INFO workstation.test: hello" in read_log(path)


@posix_only
def test_existing_loose_permissions_are_tightened(log_dir: Path) -> None:
    log_dir.mkdir(parents=True, mode=0o755)
    log_dir.chmod(0o755)
    (log_dir / "workstation.log").write_text("old line\n", encoding="utf-8")
    (log_dir / "workstation.log").chmod(0o644)

    path = setup_logging(log_dir)

    assert stat.S_IMODE(log_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_log(path).startswith("old line\n")  # appended, not truncated


def test_format(log_dir: Path) -> None:
    path = setup_logging(log_dir)
    logging.getLogger("workstation.sync").warning("sync of %s failed", "work-mail")

    line = read_log(path).splitlines()[0]
    # "2024-05-01 10:00:00,123 WARNING workstation.sync: sync of work-mail failed"
    date, time, rest = line.split(" ", 2)
    assert len(date) == 10
    assert "," in time
    assert rest == "WARNING workstation.sync: sync of work-mail failed"


def test_secrets_are_redacted_in_the_file(log_dir: Path) -> None:
    registered = unique("reg-secret-")
    in_exception = unique("exc-secret-")
    pattern_in_exception = unique("pw")
    url_token = unique("urltok")
    xoauth2 = "dXNlcj1jYW1pbGxlQGV4YW1wbGUub3JnAWF1dGg9QmVhcmVyIHlhMjkuYTBBZkgAQE="
    register_secret(registered)
    register_secret(in_exception)

    path = setup_logging(log_dir)
    log = logging.getLogger("workstation.imap")
    log.info("connecting with %s", registered)  # a secret passed as an argument
    log.info(f"inline {registered} in the message")  # the mistake the filter guards against
    log.info("login form sent: password=hunter2x remember=1")
    log.info("headers: Authorization: Bearer abc.def")
    log.info("> b'A001 LOGIN camille s3cretpw'")
    log.info("> A002 AUTHENTICATE XOAUTH2 %s", xoauth2)
    log.info("GET https://social.example/api/stream?access_token=%s&page=2", url_token)
    try:
        raise ConnectionError(f"server said no to {in_exception}")
    except ConnectionError:
        log.exception("sync failed")
    try:
        raise ValueError(f"bad config password={pattern_in_exception}")
    except ValueError:
        log.exception("config rejected")

    text = read_log(path)
    for secret in (
        registered,
        in_exception,
        pattern_in_exception,
        url_token,
        "hunter2x",
        "abc.def",
        "s3cretpw",
        xoauth2,
        xoauth2[:20],
    ):
        assert secret not in text
    # The lines themselves were written, with only the secrets masked.
    assert f"connecting with {REDACTED}" in text
    assert f"inline {REDACTED} in the message" in text
    assert f"password={REDACTED} remember=1" in text
    assert f"Authorization: Bearer {REDACTED}" in text
    assert f"LOGIN camille {REDACTED}" in text
    assert f"AUTHENTICATE XOAUTH2 {REDACTED}" in text
    assert f"stream?access_token={REDACTED}&page=2" in text
    assert f"ConnectionError: server said no to {REDACTED}" in text
    assert f"ValueError: bad config password={REDACTED}" in text
    assert "Traceback (most recent call last)" in text


def test_console_output_is_redacted_too(log_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secret = unique("console-")
    register_secret(secret)
    path = setup_logging(log_dir, console=True)
    logging.getLogger("workstation.cli").warning("token=%s and %s", "tok3nvalue", secret)
    close_logging()

    err = capsys.readouterr().err
    assert f"token={REDACTED} and {REDACTED}" in err
    assert secret not in err
    assert "tok3nvalue" not in err
    # Both handlers saw the same record: redacting twice must not garble it.
    assert f"token={REDACTED} and {REDACTED}" in read_log(path)


def test_setup_twice_does_not_duplicate(log_dir: Path) -> None:
    root = logging.getLogger()
    before = len(root.handlers)
    setup_logging(log_dir)
    path = setup_logging(log_dir, console=True)
    path = setup_logging(log_dir)
    assert len(root.handlers) == before + 1

    logging.getLogger("workstation").info("only once")
    assert read_log(path).count("only once") == 1


def test_level_applies_to_the_workstation_logger(log_dir: Path) -> None:
    path = setup_logging(log_dir, logging.WARNING)
    log = logging.getLogger("workstation.store")
    log.info("too chatty")
    log.warning("worth keeping")
    text = read_log(path)
    assert "worth keeping" in text
    assert "too chatty" not in text


def test_close_logging_restores_the_level(log_dir: Path) -> None:
    app = logging.getLogger("workstation")
    app.setLevel(logging.ERROR)
    setup_logging(log_dir, logging.DEBUG)
    assert app.level == logging.DEBUG
    close_logging()
    assert app.level == logging.ERROR
    close_logging()  # harmless when nothing is installed


def test_others_handlers_are_left_alone(log_dir: Path) -> None:
    root = logging.getLogger()
    foreign = logging.NullHandler()
    root.addHandler(foreign)
    try:
        setup_logging(log_dir)
        setup_logging(log_dir)
        close_logging()
        assert foreign in root.handlers
    finally:
        root.removeHandler(foreign)


@posix_only
def test_rotation_past_one_mebibyte(log_dir: Path) -> None:
    path = setup_logging(log_dir)
    log = logging.getLogger("workstation.bulk")
    line = "x" * 1000
    for i in range(1200):  # ~1.2 MB with the prefixes
        log.info("%04d %s", i, line)
    close_logging()

    rotated = log_dir / "workstation.log.1"
    assert rotated.exists()
    assert rotated.stat().st_size <= logs.MAX_BYTES
    assert path.stat().st_size < logs.MAX_BYTES
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # the file opened after rollover
    assert stat.S_IMODE(rotated.stat().st_mode) == 0o600
    assert "1199 " in path.read_text(encoding="utf-8")
    assert "0000 " in rotated.read_text(encoding="utf-8")


def test_backups_are_capped_at_five(log_dir: Path) -> None:
    path = setup_logging(log_dir)
    handler = next(
        h
        for h in logging.getLogger().handlers
        if isinstance(h, RotatingFileHandler) and h.baseFilename == str(path)
    )
    handler.maxBytes = 2000  # small files so the test stays fast
    log = logging.getLogger("workstation.bulk")
    for i in range(200):
        log.info("%04d %s", i, "y" * 100)
    close_logging()
    names = sorted(p.name for p in log_dir.iterdir())
    assert names == ["workstation.log"] + [f"workstation.log.{n}" for n in range(1, 6)]


def test_short_secrets_are_ignored() -> None:
    register_secret("abc")  # would otherwise mask every "abc" in every line
    assert redact("abcdef abc") == "abcdef abc"


def test_registered_secret_variants() -> None:
    secret = unique("s p/é&")
    register_secret(secret)
    text = f"raw={secret} q={quote(secret, safe='')} qp={quote_plus(secret)}"
    redacted = redact(text)
    assert redacted == f"raw={REDACTED} q={REDACTED} qp={REDACTED}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("passwd: hunter22", f"passwd: {REDACTED}"),
        ("pwd=hunter22&next=1", f"pwd={REDACTED}&next=1"),
        (
            '{"password": "a b\\"c", "user": "camille"}',
            f'{{"password": "{REDACTED}", "user": "camille"}}',
        ),
        ("{'refresh_token': 'r-tok'}", f"{{'refresh_token': '{REDACTED}'}}"),
        ("Authorization: Basic Y2FtaWxsZTpwdw==", f"Authorization: Basic {REDACTED}"),
        ("a3 AUTHENTICATE PLAIN AGNhbWlsbGUAcHc=", f"a3 AUTHENTICATE PLAIN {REDACTED}"),
        ('a1 LOGIN "camille" "pass word"', f'a1 LOGIN "camille" "{REDACTED}"'),
        (
            "https://camille:pa55w0rd@proxy.example:3128/",
            f"https://camille:{REDACTED}@proxy.example:3128/",
        ),
        ("Cookie: session=abcd; theme=dark", f"Cookie: {REDACTED}"),
        # Prose is left alone.
        ("login failed for camille", "login failed for camille"),
        ("Basic auth is not offered", "Basic auth is not offered"),
        ("tokens: 42, token_count=3", "tokens: 42, token_count=3"),
    ],
)
def test_patterns(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert redact(expected) == expected  # idempotent


def test_filter_rewrites_the_record() -> None:
    record = logging.LogRecord(
        "workstation.x", logging.INFO, __file__, 1, "auth %s", ("password=abcd1234",), None
    )
    assert RedactingFilter().filter(record) is True
    assert record.msg == f"auth password={REDACTED}"
    assert record.args is None
    assert record.getMessage() == f"auth password={REDACTED}"


def test_filter_survives_bad_arguments() -> None:
    record = logging.LogRecord(
        "workstation.x", logging.INFO, __file__, 1, "%d items", ("password=abcd1234",), None
    )
    assert RedactingFilter().filter(record) is True
    assert "abcd1234" not in record.getMessage()
    assert "%d items" in record.getMessage()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Dear Camille, the password is hunter2", "<body: 37 chars>"),
        ("é" * 3, "<body: 3 chars>"),
        (b"\x00\x01\x02", "<body: 3 bytes>"),
        (None, "<body: none>"),
        ("", "<body: 0 chars>"),
    ],
)
def test_describe_body(body: str | bytes | None, expected: str) -> None:
    assert describe_body(body) == expected
