"""One cold measurement in a fresh process (run by store_bench, not imported).

``python benchmarks/_probe.py store DB`` opens the profile the way the app
does (``Store.open(path)``, read-write) and lists the first inbox page;
``python benchmarks/_probe.py sqlite DB`` does the plain-sqlite3 baseline.
Prints one JSON object of timings in milliseconds.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

_START = time.perf_counter()


def _ms(t0: float, t1: float) -> float:
    return (t1 - t0) * 1000.0


def probe_store(path: Path) -> dict[str, float]:
    from workstation.store.db import Store
    from workstation.store.queries import ItemFilter, page

    t_imported = time.perf_counter()
    store = Store.open(path, readonly=False)
    t_open = time.perf_counter()
    first = page(store.read(), ItemFilter(), limit=50)
    t_page = time.perf_counter()
    store.close()
    t_close = time.perf_counter()
    if len(first.items) == 0:
        raise SystemExit("the profile has no items")
    return {"import_ms": _ms(_START, t_imported), "open_ms": _ms(t_imported, t_open),
            "page_ms": _ms(t_open, t_page), "total_ms": _ms(t_imported, t_page),
            "close_ms": _ms(t_page, t_close), "rows": float(len(first.items))}


def probe_sqlite(path: Path) -> dict[str, float]:
    import sqlite3

    t_imported = time.perf_counter()
    conn = sqlite3.connect(path)
    t_open = time.perf_counter()
    rows = conn.execute("SELECT id FROM items ORDER BY sort_key DESC LIMIT 50").fetchall()
    t_page = time.perf_counter()
    conn.close()
    t_close = time.perf_counter()
    return {"import_ms": _ms(_START, t_imported), "open_ms": _ms(t_imported, t_open),
            "page_ms": _ms(t_open, t_page), "total_ms": _ms(t_imported, t_page),
            "close_ms": _ms(t_page, t_close), "rows": float(len(rows))}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("store", "sqlite"):
        sys.stderr.write("usage: _probe.py store|sqlite DB\n")
        return 2
    path = Path(argv[1])
    result = probe_store(path) if argv[0] == "store" else probe_sqlite(path)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
