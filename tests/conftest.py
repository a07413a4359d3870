"""Shared fixtures: every test runs in its own throwaway environment.

The autouse fixture :func:`isolated_env` points the profile, HOME and the XDG
folders at temporary directories and selects the clear-text test keyring, so
no test (nor any CLI subprocess a test starts) can touch the real user's
data or keychain.

Fixtures:

* ``profile_dir``: the directory ``WORKSTATION_PROFILE`` names (not created).
* ``app``: ``Workstation.open(profile_dir, write=True)``, closed after the test.
* ``demo_app``: ``app`` filled with the bundled sample (resources/demo/items.json).
* ``sample_file``: ``tests/data/sample_small.json``, a small sample whose
  content tests rely on exactly (its facts: tests/unit/sample_facts.py).
* ``sample_app``: ``app`` filled with ``sample_file``.
* ``sample_profile``: a profile directory filled with ``sample_file`` and
  closed again, ready for CLI subprocesses (``--profile``).
* ``run_cli``: run the real ``workstation`` console script in a subprocess
  with the isolated environment; returns the ``CompletedProcess``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from workstation.app import Workstation, populate_demo

TESTS_DIR = Path(__file__).resolve().parent
REPO_ROOT = TESTS_DIR.parent
DATA_DIR = TESTS_DIR / "data"
SAMPLE_SMALL = DATA_DIR / "sample_small.json"

# The console script of the venv running the tests; ``python -m`` otherwise.
_SCRIPT = Path(sys.executable).parent / ("workstation.exe" if os.name == "nt" else "workstation")
CLI_COMMAND: tuple[str, ...] = (
    (str(_SCRIPT),) if _SCRIPT.exists() else (sys.executable, "-m", "workstation.cli.main")
)
CLI_TIMEOUT = 60

# No example database in the source tree, and no deadline: SQLite on a busy
# CI disk is not a place for timing assertions.
settings.register_profile("workstation", database=None, deadline=None)
settings.load_profile("workstation")


SAMPLE_SIZE = 12  # items in tests/data/sample_small.json (facts: tests/unit/sample_facts.py)


@dataclass(frozen=True)
class IsolatedEnv:
    root: Path
    profile: Path
    home: Path
    data_home: Path
    config_home: Path
    cache_home: Path
    keyring_file: Path


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory,
                 monkeypatch: pytest.MonkeyPatch) -> IsolatedEnv:
    root = tmp_path_factory.mktemp("ws-env")
    env = IsolatedEnv(root=root, profile=root / "profile", home=root / "home",
                      data_home=root / "xdg-data", config_home=root / "xdg-config",
                      cache_home=root / "xdg-cache", keyring_file=root / "keyring.json")
    for d in (env.home, env.data_home, env.config_home, env.cache_home):
        d.mkdir()
    monkeypatch.setenv("WORKSTATION_PROFILE", str(env.profile))
    monkeypatch.setenv("HOME", str(env.home))
    monkeypatch.setenv("XDG_DATA_HOME", str(env.data_home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(env.config_home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(env.cache_home))
    monkeypatch.setenv("WORKSTATION_TESTING", "1")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND",
                       "workstation.testing.keyring_backend.TestKeyring")
    monkeypatch.setenv("WORKSTATION_TEST_KEYRING_FILE", str(env.keyring_file))
    monkeypatch.delenv("WORKSTATION_LOAD_PLUGINS", raising=False)
    return env


@pytest.fixture
def profile_dir(isolated_env: IsolatedEnv) -> Path:
    return isolated_env.profile


@pytest.fixture
def app(profile_dir: Path) -> Iterator[Workstation]:
    ws = Workstation.open(profile_dir, write=True)
    try:
        yield ws
    finally:
        ws.close()


@pytest.fixture
def demo_app(app: Workstation) -> Workstation:
    populate_demo(app)
    return app


@pytest.fixture
def sample_file() -> Path:
    return SAMPLE_SMALL


@pytest.fixture
def sample_app(app: Workstation, sample_file: Path) -> Workstation:
    assert populate_demo(app, sample=sample_file) == SAMPLE_SIZE
    return app


@pytest.fixture
def sample_profile(tmp_path: Path, sample_file: Path) -> Path:
    """A profile filled with the small sample, closed (no lock held)."""
    path = tmp_path / "sample-profile"
    ws = Workstation.open(path, write=True)
    try:
        populate_demo(ws, sample=sample_file)
    finally:
        ws.close()
    return path


RunCli = Callable[..., "subprocess.CompletedProcess[str]"]


def run_cli(*args: str, input: str | None = None,
            env: dict[str, str | None] | None = None,
            timeout: float = CLI_TIMEOUT) -> subprocess.CompletedProcess[str]:
    """Run ``workstation ARGS…`` in a subprocess with the test's environment.

    ``env`` adds variables to it (``None`` removes one).
    """
    full_env = dict(os.environ)
    for key, value in (env or {}).items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = value
    return subprocess.run(
        [*CLI_COMMAND, *args], input=input, capture_output=True, text=True,
        encoding="utf-8", env=full_env, timeout=timeout, check=False,
        stdin=None if input is not None else subprocess.DEVNULL)


@pytest.fixture(name="run_cli")
def run_cli_fixture(isolated_env: IsolatedEnv) -> RunCli:
    """``run_cli(*args, input=None)``: the CLI in a subprocess, isolated env."""
    return run_cli

