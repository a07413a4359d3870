"""Building the demo profile from the bundled sample."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from workstation.app.services import Workstation
from workstation.resources import demo_sample


async def populate_demo_async(app: Workstation, sample: Path | None = None) -> int:
    """Add the sample's sources to ``app``'s profile and load them; returns item count."""
    sample = sample or demo_sample()
    data = json.loads(sample.read_text(encoding="utf-8"))
    existing = {s.name for s in app.sources()}
    for src in data["sources"]:
        if src["name"] not in existing:
            app.add_source(src["name"], "demo", {"sample_file": str(sample),
                                                 "folders": src.get("folders", []),
                                                 "kind": src.get("kind")})
    try:
        results = await app.sync([s["name"] for s in data["sources"]])
    finally:
        await app.close_sources()
    errors = [r.error for r in results if r.error]
    if errors:
        raise RuntimeError("The demo could not be loaded: " + "; ".join(errors))
    return sum(r.added for r in results)


def populate_demo(app: Workstation, sample: Path | None = None) -> int:
    """Same, for callers without an event loop (the CLI)."""
    return asyncio.run(populate_demo_async(app, sample))
