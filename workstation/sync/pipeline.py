"""The ingest pipeline: what happens to a batch between a source and the store.

Today: dedupe and upsert in one transaction. People resolution, plugin
enrichers and the metafilter (rules, score) slot in here, in that order.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from workstation.api.model import Item
from workstation.core.changes import ChangeSet
from workstation.store.items import upsert_items


def ingest(conn: sqlite3.Connection, items: Sequence[Item]) -> ChangeSet:
    # The last copy of an item in a batch wins (a feed can list an entry twice).
    unique = list({(i.source, i.remote_id): i for i in items}.values())
    return upsert_items(conn, unique)
