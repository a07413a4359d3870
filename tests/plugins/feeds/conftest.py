"""Fixtures for the feeds plugin tests: a real local HTTP server and host doubles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from feeds_helpers import FakeContext, FeedServer, MakeContext


@pytest.fixture
def server() -> Iterator[FeedServer]:
    """A scripted HTTP server on 127.0.0.1, stopped (and its threads joined) after the test."""
    with FeedServer() as srv:
        yield srv


@pytest.fixture
def make_ctx(tmp_path: Path) -> MakeContext:
    """``make_ctx(url, name="Feed", **config)``: a FakeContext for one subscription."""

    def make(url: str, name: str = "Feed", **config: Any) -> FakeContext:
        full = {"url": url, "folder": None, "title": None, "site_url": None,
                "interval_minutes": None, "retention_days": None, "retention_items": None,
                "open_in": "pane", "notify": True, **config}
        return FakeContext(name, full, tmp_path / "data" / name)

    return make
