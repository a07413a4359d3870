"""Where the profile lives, and the lock that keeps one writer per profile.

The lock is tested across real processes: a holder started with
``python -c`` takes it (or opens the whole app) and sleeps.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sample_facts import RunCli

from workstation.app import Workstation
from workstation.profile import (
    ENV_PROFILE,
    Profile,
    ProfileLock,
    ProfileLockedError,
    default_profile_dir,
    resolve_profile_dir,
)

# --- where the profile is ------------------------------------------------------------


def test_explicit_profile_wins_over_the_environment(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_PROFILE, str(tmp_path / "from-env"))
    assert resolve_profile_dir(tmp_path / "explicit") == tmp_path / "explicit"
    assert resolve_profile_dir(str(tmp_path / "explicit")) == tmp_path / "explicit"


def test_environment_wins_over_the_default(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_PROFILE, str(tmp_path / "from-env"))
    assert resolve_profile_dir() == tmp_path / "from-env"
    assert resolve_profile_dir(None) == tmp_path / "from-env"
    assert resolve_profile_dir("") == tmp_path / "from-env"


def test_default_is_the_platform_data_folder(monkeypatch: pytest.MonkeyPatch,
                                             isolated_env: Any) -> None:
    monkeypatch.delenv(ENV_PROFILE)
    assert resolve_profile_dir() == default_profile_dir()
    if sys.platform.startswith("linux"):
        assert default_profile_dir() == isolated_env.data_home / "Workstation"
    monkeypatch.setenv(ENV_PROFILE, "")
    assert resolve_profile_dir() == default_profile_dir()


def test_profile_paths_are_absolute_and_expand_home(monkeypatch: pytest.MonkeyPatch,
                                                    isolated_env: Any, tmp_path: Path) -> None:
    assert resolve_profile_dir("~/ws") == isolated_env.home / "ws"
    monkeypatch.setenv(ENV_PROFILE, "~/ws-env")
    assert resolve_profile_dir() == isolated_env.home / "ws-env"
    monkeypatch.chdir(tmp_path)
    assert resolve_profile_dir("relative") == tmp_path / "relative"
    assert resolve_profile_dir("relative").is_absolute()


def test_cli_profile_option_wins_over_the_environment(sample_profile: Path, tmp_path: Path,
                                                      run_cli: RunCli) -> None:
    empty = tmp_path / "empty-profile"
    Workstation.open(empty).close()
    by_option = run_cli("--profile", str(sample_profile), "source", "list", "--json",
                        env={ENV_PROFILE: str(empty)})
    assert by_option.returncode == 0, by_option.stderr
    assert len(json.loads(by_option.stdout)) == 3
    by_env = run_cli("source", "list", "--json", env={ENV_PROFILE: str(sample_profile)})
    assert by_env.returncode == 0, by_env.stderr
    assert len(json.loads(by_env.stdout)) == 3
    neither = run_cli("source", "list", "--json", env={ENV_PROFILE: str(empty)})
    assert json.loads(neither.stdout) == []


def test_cli_default_profile_is_in_xdg_data_home(run_cli: RunCli, isolated_env: Any) -> None:
    result = run_cli("mark", "read", "1", env={ENV_PROFILE: None})
    assert result.returncode == 1  # there is no item 1, but the profile was created
    if sys.platform.startswith("linux"):
        assert (isolated_env.data_home / "Workstation" / "workstation.db").exists()
    assert not isolated_env.profile.exists()


def test_profile_create_makes_a_private_directory(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        p = Profile.create(tmp_path / "a" / "b")
    finally:
        os.umask(old)
    assert p.path.stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "a").stat().st_mode & 0o777 == 0o700
    assert p.db_path == p.path / "workstation.db"
    assert p.is_new


# --- the lock, within one process -------------------------------------------------------


def test_lock_is_exclusive_even_within_one_process(tmp_path: Path) -> None:
    profile = Profile.create(tmp_path / "p")
    with profile.lock() as first:
        assert first.held
        with pytest.raises(ProfileLockedError) as err:
            profile.lock().acquire()
        assert err.value.pid == os.getpid()
        assert err.value.path == profile.path
    assert not first.held
    with profile.lock():
        pass


def test_second_writer_app_is_refused(profile_dir: Path) -> None:
    first = Workstation.open(profile_dir)
    try:
        with pytest.raises(ProfileLockedError, match="Another Workstation"):
            Workstation.open(profile_dir)
        # Readers are welcome.
        reader = Workstation.open(profile_dir, write=False)
        reader.close()
    finally:
        first.close()
    Workstation.open(profile_dir).close()


def test_lock_file_records_the_holder_pid(tmp_path: Path) -> None:
    profile = Profile.create(tmp_path / "p")
    with profile.lock():
        assert (profile.path / "lock").read_text() == str(os.getpid())
        assert (profile.path / "lock").stat().st_mode & 0o777 == 0o600


# --- the lock, across processes -------------------------------------------------------

_HOLD_LOCK = """
import sys, time
from pathlib import Path
from workstation.profile import Profile
lock = Profile.create(Path(sys.argv[1])).lock().acquire()
print("ready", flush=True)
time.sleep(float(sys.argv[2]))
"""

_HOLD_APP = """
import sys, time
from pathlib import Path
from workstation.app import Workstation
app = Workstation.open(Path(sys.argv[1]))
print("ready", flush=True)
time.sleep(float(sys.argv[2]))
app.close()
"""


@contextmanager
def holder(profile: Path, *, script: str = _HOLD_LOCK,
           seconds: float = 60) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the profile; killed on the way out."""
    with subprocess.Popen([sys.executable, "-c", script, str(profile), str(seconds)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          stdin=subprocess.DEVNULL) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if line.strip() != "ready":
                proc.kill()
                _, err = proc.communicate(timeout=30)
                pytest.fail(f"the lock holder did not start: {line!r} {err}")
            yield proc
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.communicate(timeout=30)


def test_lock_held_by_another_process_names_its_pid(tmp_path: Path) -> None:
    profile = tmp_path / "p"
    with holder(profile) as proc:
        start = time.monotonic()
        with pytest.raises(ProfileLockedError) as err:
            ProfileLock(profile / "lock", wait=0.5).acquire()
        waited = time.monotonic() - start
        assert err.value.pid == proc.pid
        assert f"Another Workstation (process {proc.pid})" in str(err.value)
        assert str(profile) in str(err.value)
        assert 0.5 <= waited < 10


def test_lock_is_released_when_the_holder_is_killed(tmp_path: Path) -> None:
    profile = tmp_path / "p"
    with holder(profile) as proc:
        with pytest.raises(ProfileLockedError):
            ProfileLock(profile / "lock").acquire()
        proc.kill()  # SIGKILL: no chance to clean up
        proc.wait(timeout=30)
        lock = ProfileLock(profile / "lock", wait=5).acquire()
        try:
            assert lock.held
            assert (profile / "lock").read_text() == str(os.getpid())
        finally:
            lock.release()


def test_killed_app_leaves_a_usable_profile(tmp_path: Path) -> None:
    profile = tmp_path / "p"
    with holder(profile, script=_HOLD_APP) as proc:
        proc.kill()
        proc.wait(timeout=30)
    app = Workstation.open(profile, wait=5)
    try:
        assert app.list_items().items == []
    finally:
        app.close()


def test_waiting_for_the_lock_succeeds_when_the_holder_finishes(tmp_path: Path) -> None:
    profile = tmp_path / "p"
    with holder(profile, seconds=1):
        start = time.monotonic()
        lock = ProfileLock(profile / "lock", wait=30).acquire()
        try:
            assert lock.held
            assert time.monotonic() - start < 30
        finally:
            lock.release()


def test_cli_write_command_fails_fast_while_another_process_writes(
        sample_profile: Path, run_cli: RunCli) -> None:
    with holder(sample_profile, script=_HOLD_APP) as proc:
        start = time.monotonic()
        result = run_cli("--profile", str(sample_profile), "mark", "read", "1")
        elapsed = time.monotonic() - start
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("workstation: error:")
    assert "Another Workstation" in lines[0]
    assert f"process {proc.pid}" in lines[0]
    assert elapsed < 20
    assert result.stdout == ""


@pytest.mark.parametrize("script", [_HOLD_LOCK, _HOLD_APP], ids=["lock-only", "open-app"])
def test_cli_read_commands_work_while_another_process_writes(
        sample_profile: Path, run_cli: RunCli, script: str) -> None:
    with holder(sample_profile, script=script):
        listed = run_cli("--profile", str(sample_profile), "inbox", "--json")
        found = run_cli("--profile", str(sample_profile), "search", "budget", "--json")
        shown = run_cli("--profile", str(sample_profile), "source", "list")
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 12
    assert found.returncode == 0, found.stderr
    assert len(json.loads(found.stdout)) == 4
    assert shown.returncode == 0, shown.stderr
