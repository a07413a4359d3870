"""Logging for Workstation: one private, rotating log file with secrets scrubbed out.

Rules every module follows:

* **Secrets never reach a log.** Passwords and tokens live only in the OS
  keyring (:mod:`workstation.secrets`), and every value read from or written
  to it is registered here with :func:`register_secret`. The
  :class:`RedactingFilter` on our handlers replaces registered values and the
  usual credential shapes (``password=…``, ``Authorization: Bearer …``,
  ``access_token=…``, IMAP ``LOGIN``/``AUTHENTICATE`` lines…) with
  ``[REDACTED]``. The filter is a safety net, not a licence: never log a
  credential on purpose.
* **Message bodies are never logged.** Mail, posts and feed entries are the
  user's private content, and a body can contain anything (including a
  password someone mailed them). Log its size with :func:`describe_body`
  instead of the body itself.
* The log file is readable by its owner only (file 0600, directory 0700); it
  rotates at 1 MiB and keeps 5 old files.

Example::

    from pathlib import Path
    import logging
    from workstation.logs import describe_body, setup_logging

    path = setup_logging(Path("~/.local/state/workstation/log").expanduser())
    log = logging.getLogger("workstation.sync")
    log.info("fetched %s for uid %s", describe_body(raw_message), 42)
    # ... INFO workstation.sync: fetched <body: 5120 bytes> for uid 42
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
import urllib.parse
from collections.abc import Callable
from io import TextIOWrapper
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Final

__all__ = [
    "BACKUP_COUNT",
    "LOG_FILE_NAME",
    "LOG_FORMAT",
    "MAX_BYTES",
    "REDACTED",
    "RedactingFilter",
    "close_logging",
    "describe_body",
    "redact",
    "register_secret",
    "setup_logging",
]

REDACTED: Final = "[REDACTED]"
LOG_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_FILE_NAME: Final = "workstation.log"
MAX_BYTES: Final = 1024 * 1024
BACKUP_COUNT: Final = 5
# Shorter values ("a", "42") would shred every log line they happen to occur in.
MIN_SECRET_LENGTH: Final = 4

_APP_LOGGER: Final = "workstation"
# Set on a record once redacted: several of our handlers see the same record,
# and the patterns must not chew on their own "[REDACTED]" output.
_REDACTED_MARK: Final = "_workstation_redacted"


# --- registered secrets -------------------------------------------------------


class _SecretRegistry:
    """The set of known secret values, and one regex matching any of them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        # Rebuilt on registration and swapped in whole, so readers need no lock.
        self._pattern: re.Pattern[str] | None = None

    def add(self, value: str) -> None:
        if len(value) < MIN_SECRET_LENGTH:
            return
        # A secret also leaks in the forms code commonly wraps it in: a URL
        # query (percent-encoded) or a JSON document (escaped).
        variants = {
            value,
            urllib.parse.quote(value, safe=""),
            urllib.parse.quote_plus(value, safe=""),
            json.dumps(value)[1:-1],
        }
        with self._lock:
            new = variants - self._values
            if not new:
                return
            self._values |= new
            # Longest first, so a secret containing another is masked whole.
            ordered = sorted(self._values, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in ordered))

    def redact(self, text: str) -> str:
        pattern = self._pattern
        return text if pattern is None else pattern.sub(REDACTED, text)


_registry = _SecretRegistry()


def register_secret(value: str) -> None:
    """Make sure ``value`` never appears in a log line, whoever logs it.

    Values shorter than 4 characters are ignored. Thread-safe.

    Example::

        register_secret(token)
        log.warning("request failed: %s", f"token={token}")
        # ... request failed: token=[REDACTED]
    """
    _registry.add(value)


# --- credential shapes -----------------------------------------------------

# Refuses to start a value on text already masked (even after spaces or a
# quote the pattern could backtrack over): keeps redaction idempotent.
_NOT_DONE: Final = r"""(?![\s"']*\[REDACTED\])"""
_QUOTED: Final = r""""(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'"""
_B64: Final = r"[A-Za-z0-9+/]+=*"


def _mask_value(match: re.Match[str]) -> str:
    """Replace the ``value`` group, keeping the quotes around it if any."""
    value = match.group("value")
    quoted = len(value) >= 2 and value[0] in "'\"" and value[-1] == value[0]
    quote = value[0] if quoted else ""
    offset = match.start()
    start, end = match.span("value")
    text = match.group(0)
    return f"{text[: start - offset]}{quote}{REDACTED}{quote}{text[end - offset :]}"


_PATTERNS: Final[tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...]] = (
    # IMAP/SMTP SASL: "a1 AUTHENTICATE PLAIN <b64>", "AUTH XOAUTH2 <b64>".
    # Protocol verbs are upper case; matching case-sensitively spares prose.
    (
        re.compile(rf"\b(?:AUTHENTICATE|AUTH)[ \t]+[A-Z0-9_-]+[ \t]+{_NOT_DONE}(?P<value>{_B64})"),
        _mask_value,
    ),
    # An XOAUTH2 blob is base64 of "user=…", so it always starts with these
    # characters, even alone on a SASL continuation line.
    (re.compile(rf"(?P<value>\bdXNlcj[0-3]{_B64})"), _mask_value),
    # IMAP "a1 LOGIN user password", user and password atoms or quoted strings.
    (
        re.compile(
            rf"""\bLOGIN[ \t]+(?:{_QUOTED}|[^\s"'(){{]+)[ \t]+{_NOT_DONE}"""
            rf"""(?P<value>{_QUOTED}|\{{\d+\+?\}}|[^\s"']+)"""
        ),
        _mask_value,
    ),
    # Authorization / Proxy-Authorization headers, with or without a scheme.
    (
        re.compile(
            r"""(?i)\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?"""
            # Possessive "?+": never retry with the scheme word as the value.
            r"(?:(?:bearer|basic|digest|negotiate|ntlm|token|dpop)\s+)?+"
            rf"""{_NOT_DONE}(?P<value>[^\s"',;]+)"""
        ),
        _mask_value,
    ),
    # A bearer token anywhere (reprs of header tuples, decoded XOAUTH2...).
    (re.compile(rf"(?i)\bbearer\s+{_NOT_DONE}(?P<value>[A-Za-z0-9\-._~+/]+=*)"), _mask_value),
    # Cookies are session credentials: mask the whole header value.
    (
        re.compile(
            rf"""(?im)\b(?:set-)?cookie["']?\s*[:=]\s*+{_NOT_DONE}"""
            rf"""(?P<value>{_QUOTED}|[^\s"'][^\r\n"']*)"""
        ),
        _mask_value,
    ),
    # key=value / key: value / "key": "value" for any key ending in a
    # credential word: password, passwd, pwd, access_token, refresh_token,
    # token, client_secret, api_key... Covers URL queries, JSON and reprs.
    # Only the key's ending is matched: an unbounded "[\w-]*" prefix would
    # make long hyphenated words quadratic.
    (
        re.compile(
            r"""(?i)(?:password|passwd|pwd|token|secret|api[_-]?key)["']?\s*[:=]\s*"""
            rf"""{_NOT_DONE}(?P<value>{_QUOTED}|[^\s&,;"'<>)\]}}]+)"""
        ),
        _mask_value,
    ),
    # Credentials inside a URL: scheme://user:password@host.
    (
        re.compile(
            rf"\b[a-zA-Z][a-zA-Z0-9+.-]{{0,30}}://[^/\s:@]*:{_NOT_DONE}(?P<value>[^/\s@]+)(?=@)"
        ),
        _mask_value,
    ),
)


def redact(text: str) -> str:
    """Return ``text`` with registered secrets and credential shapes masked.

    Example::

        >>> redact("GET /feed?access_token=abc123&page=2")
        'GET /feed?access_token=[REDACTED]&page=2'
    """
    text = _registry.redact(text)
    for pattern, replace in _PATTERNS:
        text = pattern.sub(replace, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrite each record so its final text carries no secret.

    The message is formatted first (``record.getMessage()``) so secrets hidden
    in the arguments are caught too; the record then holds the redacted text
    with no arguments. The exception and stack texts are redacted as well.
    The filter never drops a record.

    Example::

        handler = logging.StreamHandler()
        handler.addFilter(RedactingFilter())
        logging.getLogger("workstation").addHandler(handler)
    """

    _exception_formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, _REDACTED_MARK, False):
            return True
        try:
            message = record.getMessage()
        except Exception:
            # A filter that raises would surface inside the caller's log call;
            # keep the template and drop the arguments, which may hold secrets.
            message = f"{record.msg!s} [log arguments could not be formatted]"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            # Formatters reuse a cached exc_text, so filling it in here means
            # every handler prints the redacted traceback.
            record.exc_text = self._exception_formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        setattr(record, _REDACTED_MARK, True)
        return True


def describe_body(text: str | bytes | None) -> str:
    """What to log instead of a message body: its size, never its content.

    Example::

        >>> describe_body("Dear Camille, ...")
        '<body: 17 chars>'
        >>> describe_body(b"\\x00\\x01")
        '<body: 2 bytes>'
        >>> describe_body(None)
        '<body: none>'
    """
    if text is None:
        return "<body: none>"
    if isinstance(text, bytes):
        return f"<body: {len(text)} bytes>"
    return f"<body: {len(text)} chars>"


# --- handlers --------------------------------------------------------------


class _PrivateRotatingFileHandler(RotatingFileHandler):
    """A RotatingFileHandler whose files are created owner-only (0600).

    ``_open`` also runs after each rollover, so every new file is private,
    not only the first one; rotated files keep their mode when renamed.
    """

    def _open(self) -> TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            if sys.platform != "win32":
                # os.open's mode only applies to new files: tighten old ones too.
                os.fchmod(fd, 0o600)
            # Always append: RotatingFileHandler forces mode "a" when rotating.
            return open(fd, "a", encoding=self.encoding, errors=self.errors)
        except BaseException:
            os.close(fd)
            raise


_handlers_lock = threading.Lock()
_installed: list[logging.Handler] = []
_previous_level: int | None = None


def setup_logging(log_dir: Path, level: int = logging.INFO, *, console: bool = False) -> Path:
    """Send logs to ``log_dir/workstation.log`` (and stderr if ``console``).

    The handlers go on the root logger, so warnings from libraries (imapclient,
    httpx, keyring...) land in the same file; ``level`` is set on the
    ``workstation`` logger and on the handlers. Every handler redacts secrets
    (:class:`RedactingFilter`). Calling again replaces the handlers installed
    by the previous call instead of adding more; handlers installed by anyone
    else are left alone. :func:`close_logging` undoes it.

    Example::

        path = setup_logging(Path("/tmp/ws-logs"), logging.DEBUG, console=True)
        logging.getLogger("workstation.cli").debug("started")
    """
    global _previous_level

    log_dir = Path(log_dir)
    log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if sys.platform != "win32":
        # mkdir's mode is masked by the umask and ignored for existing dirs.
        os.chmod(log_dir, 0o700)
    path = log_dir / LOG_FILE_NAME

    formatter = logging.Formatter(LOG_FORMAT)
    redacting = RedactingFilter()
    handlers: list[logging.Handler] = [
        _PrivateRotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
        )
    ]
    if console:
        handlers.append(logging.StreamHandler())
    for handler in handlers:
        handler.setLevel(level)
        handler.setFormatter(formatter)
        handler.addFilter(redacting)

    app_logger = logging.getLogger(_APP_LOGGER)
    root = logging.getLogger()
    with _handlers_lock:
        _remove_installed(root)
        if _previous_level is None:
            _previous_level = app_logger.level
        app_logger.setLevel(level)
        for handler in handlers:
            root.addHandler(handler)
        _installed.extend(handlers)
    return path


def close_logging() -> None:
    """Remove and close the handlers :func:`setup_logging` installed.

    The ``workstation`` logger gets its previous level back. Safe to call when
    logging was never set up.

    Example::

        setup_logging(tmp_dir)
        try:
            run()
        finally:
            close_logging()
    """
    global _previous_level

    with _handlers_lock:
        _remove_installed(logging.getLogger())
        if _previous_level is not None:
            logging.getLogger(_APP_LOGGER).setLevel(_previous_level)
            _previous_level = None


def _remove_installed(root: logging.Logger) -> None:
    """Detach and close our handlers. The caller holds ``_handlers_lock``."""
    while _installed:
        handler = _installed.pop()
        root.removeHandler(handler)
        handler.close()
