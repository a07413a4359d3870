"""Locating the bundled resources (sample data, icons, translations).

A source checkout or editable install reads ``resources/`` in place; an
installed wheel has it under ``<prefix>/share/workstation/resources``; a
frozen build sets ``WORKSTATION_RESOURCES``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ENV_RESOURCES = "WORKSTATION_RESOURCES"


def resources_dir() -> Path:
    candidates = []
    env = os.environ.get(ENV_RESOURCES)
    if env:
        candidates.append(Path(env))
    candidates.append(Path(__file__).resolve().parent.parent / "resources")
    candidates.append(Path(sys.prefix) / "share" / "workstation" / "resources")
    for path in candidates:
        if (path / "demo").is_dir():
            return path
    raise FileNotFoundError(
        "Workstation's resources folder is missing; reinstall Workstation "
        f"(looked in: {', '.join(str(c) for c in candidates)}).")


def demo_sample() -> Path:
    return resources_dir() / "demo" / "items.json"
