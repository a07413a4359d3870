"""The version of the public plugin API (semantic: MAJOR.MINOR).

A plugin declares the range it needs; the host loads it only where that range
contains :data:`API_VERSION`. Minor versions only add; a major bump may remove
what was deprecated during the previous minor versions.
"""

from __future__ import annotations

API_VERSION = "1.0"
"""The API this build of Workstation implements."""


def parse_version(text: str) -> tuple[int, int]:
    """Parse ``"MAJOR.MINOR"`` (a patch part is accepted and ignored).

    >>> parse_version("1.2")
    (1, 2)
    """
    parts = text.strip().split(".")
    if len(parts) < 2 or not all(p.isdigit() for p in parts[:2]):
        raise ValueError(f"not an API version: {text!r} (expected MAJOR.MINOR)")
    return int(parts[0]), int(parts[1])
