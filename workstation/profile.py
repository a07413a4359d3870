"""Where a user's data lives, and the lock that keeps one writer per profile.

The profile directory holds the database, logs and caches. It is created
0700 with files 0600: mail is private. ``--profile DIR`` and the
``WORKSTATION_PROFILE`` variable choose another one (tests, several
identities); otherwise platformdirs picks the OS convention.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path
from types import TracebackType

import platformdirs

ENV_PROFILE = "WORKSTATION_PROFILE"
LOCK_NAME = "lock"


class ProfileLockedError(RuntimeError):
    """Another Workstation process is writing this profile."""

    def __init__(self, path: Path, pid: int | None) -> None:
        who = f" (process {pid})" if pid else ""
        super().__init__(
            f"Another Workstation{who} is using the profile {path}. "
            "Close it, or wait for it to finish, then try again.")
        self.path = path
        self.pid = pid


def default_profile_dir() -> Path:
    return Path(platformdirs.user_data_dir("Workstation", appauthor=False, roaming=True))


def resolve_profile_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--profile`` wins, then ``WORKSTATION_PROFILE``, then the OS default."""
    if explicit:
        return Path(explicit).expanduser().absolute()
    env = os.environ.get(ENV_PROFILE)
    if env:
        return Path(env).expanduser().absolute()
    return default_profile_dir()


class Profile:
    """An opened profile directory.

    Example::

        profile = Profile.create(resolve_profile_dir())
        with profile.lock(wait=3.0):
            ...  # open the store for writing
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def create(cls, path: Path) -> Profile:
        """Make sure the directory exists, private to the user."""
        old = os.umask(0o077)
        try:
            path.mkdir(parents=True, exist_ok=True)
        finally:
            os.umask(old)
        with contextlib.suppress(OSError):  # not ours to fix on a shared mount
            os.chmod(path, 0o700)
        return cls(path)

    @property
    def db_path(self) -> Path:
        return self.path / "workstation.db"

    @property
    def log_dir(self) -> Path:
        return self.path / "logs"

    @property
    def data_dir(self) -> Path:
        """Per-plugin data lives below this directory."""
        return self.path / "data"

    @property
    def is_new(self) -> bool:
        return not self.db_path.exists()

    def lock(self, *, wait: float = 0.0) -> ProfileLock:
        return ProfileLock(self.path / LOCK_NAME, wait=wait)


class ProfileLock:
    """An exclusive, advisory, whole-file lock held for the process's life.

    The OS drops it if the process dies, so a crash never leaves the profile
    locked. ``wait`` seconds are spent retrying before giving up.
    """

    def __init__(self, path: Path, *, wait: float = 0.0) -> None:
        self.path = path
        self.wait = wait
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> ProfileLock:
        deadline = time.monotonic() + self.wait
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        while True:
            if _try_lock(fd):
                break
            if time.monotonic() >= deadline:
                pid = _read_pid(fd)
                os.close(fd)
                raise ProfileLockedError(self.path.parent, pid)
            time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            _unlock(self._fd)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> ProfileLock:
        return self.acquire()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


def _read_pid(fd: int) -> int | None:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return int(os.read(fd, 32).decode().strip() or 0) or None
    except (OSError, ValueError):
        return None


if sys.platform == "win32":  # pragma: no cover - exercised on Windows runners only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
