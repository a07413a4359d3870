"""Helpers shared by the Qt tests (imported by them and by conftest)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from workstation.app import Workstation, populate_demo

T = TypeVar("T")

SAMPLE = Path(__file__).parent / "data" / "sample.json"


class InlineRunner:
    """Runs coroutines and commands to completion, right away, on the caller's thread."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def run(self, coro: Coroutine[Any, Any, T], what: str,
            on_done: Callable[[T], object] | None = None) -> None:
        self.calls.append(what)
        result = asyncio.run(coro)
        if on_done is not None:
            on_done(result)

    def call(self, fn: Callable[[], T], what: str,
             on_done: Callable[[T], object] | None = None) -> None:
        self.calls.append(what)
        result = fn()
        if on_done is not None:
            on_done(result)


def open_demo(path: Path, sample: Path = SAMPLE) -> Workstation:
    app = Workstation.open(path, write=True)
    try:
        populate_demo(app, sample=sample)
    except BaseException:
        app.close()
        raise
    return app
