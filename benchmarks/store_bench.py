"""The store benchmark: timings of the product's queries on a synthetic profile.

Every figure is measured on the real store code (``Store.open``,
``Store.read`` and ``workstation.store.queries.page``) and, where it makes
sense, against a plain-``sqlite3`` baseline on the same file in the same
run, so the cost of the product's layers (its SQL, columns, and building
:class:`~workstation.api.model.Item` objects) shows as a ratio.

See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import json
import math
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from benchmarks.generate import ME, Manifest
from workstation.core.search import parse
from workstation.store.db import Store
from workstation.store.queries import ItemFilter, Page, page

PAGE = 50
ME_QUERY = ME.name.split()[0].lower()  # ``to:camille``: the profile's owner
PROBE = Path(__file__).resolve().parent / "_probe.py"


# --------------------------------------------------------------------------
# Figures


@dataclass
class Figure:
    """One measured figure: samples in milliseconds, and what it is judged against."""

    key: str
    label: str
    samples_ms: list[float]
    group: str = "product"  # "product", "baseline" or "contrast"
    target_ms: float | None = None
    target_source: str = ""  # "issue" (the benchmark issue) or "derived" (see README)
    baseline: str | None = None  # key of the baseline figure, for the ratio
    detail: str = ""  # the query, the word and its frequency, ...

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples_ms) if self.samples_ms else math.nan

    @property
    def p95_ms(self) -> float:
        return percentile(self.samples_ms, 95)

    @property
    def verdict(self) -> str:
        """PASS/FAIL on the median (p95 is reported next to it)."""
        if self.target_ms is None:
            return ""
        return "PASS" if self.median_ms <= self.target_ms else "FAIL"

    def to_json(self, ratio: float | None) -> dict[str, Any]:
        data = asdict(self)
        data["samples_ms"] = [round(s, 3) for s in self.samples_ms]
        data.update(
            n=len(self.samples_ms), median_ms=round(self.median_ms, 3),
            p95_ms=round(self.p95_ms, 3), min_ms=round(min(self.samples_ms, default=math.nan), 3),
            max_ms=round(max(self.samples_ms, default=math.nan), 3),
            ratio_to_baseline=None if ratio is None else round(ratio, 2),
            verdict=self.verdict or None)
        return data


def percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p95 of 20 samples is the 19th smallest)."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def _timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter_ns()
    fn()
    return (time.perf_counter_ns() - t0) / 1e6


def repeat(fn: Callable[[], object], repeats: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn()
    return [_timed(fn) for _ in range(repeats)]


def rotate(fns: Sequence[Callable[[], object]], repeats: int, warmup: int = 2) -> list[float]:
    """Like :func:`repeat`, cycling through variants (one word per repeat, say)."""
    for i in range(warmup):
        fns[i % len(fns)]()
    return [_timed(fns[i % len(fns)]) for i in range(repeats)]


# --------------------------------------------------------------------------
# Configuration and the run


@dataclass
class BenchConfig:
    items: int
    seed: int
    repeats: int = 20
    warmup: int = 2
    walk_pages: int = 20  # the "next pages" walk
    cold_disk: bool = True  # also time the open with the file evicted from the OS cache


@dataclass
class BenchResult:
    config: BenchConfig
    manifest: Manifest
    reused_cache: bool
    db_path: Path
    started: str
    machine: dict[str, Any]
    figures: list[Figure] = field(default_factory=list)
    plans: dict[str, dict[str, Any]] = field(default_factory=dict)
    profile: dict[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0

    def figure(self, key: str) -> Figure:
        for f in self.figures:
            if f.key == key:
                return f
        raise KeyError(key)

    def ratio(self, f: Figure) -> float | None:
        if f.baseline is None:
            return None
        base = self.figure(f.baseline).median_ms
        return f.median_ms / base if base > 0 else None


def machine_info() -> dict[str, Any]:
    cpu = platform.processor() or ""
    mem_gb: float | None = None
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
                    break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(), "cpu": cpu, "memory_gb": mem_gb,
        "platform": platform.platform(), "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version, "loadavg_start": _loadavg(),
    }


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _log(out: TextIO, msg: str) -> None:
    out.write(f"[bench] {msg}\n")
    out.flush()


def _file_sizes(db: Path) -> dict[str, int]:
    sizes = {}
    for suffix, name in (("", "db"), ("-wal", "wal"), ("-shm", "shm")):
        p = db.with_name(db.name + suffix)
        sizes[name] = p.stat().st_size if p.exists() else 0
    sizes["total"] = sum(sizes.values())
    return sizes


def _analyzed_tables(conn: sqlite3.Connection) -> list[str]:
    """Tables with ANALYZE statistics (they steer the query planner)."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
        return []
    return [str(r[0]) for r in conn.execute("SELECT DISTINCT tbl FROM sqlite_stat1 ORDER BY 1")]


def _prewarm(db: Path) -> dict[str, float]:
    """Read the database file once (into the OS cache); returns size and throughput."""
    t0 = time.perf_counter()
    total = 0
    with open(db, "rb", buffering=0) as fh:
        while chunk := fh.read(4 << 20):
            total += len(chunk)
    elapsed = time.perf_counter() - t0
    return {"bytes": float(total), "seconds": round(elapsed, 2),
            "mb_per_s": round(total / 1e6 / elapsed, 1) if elapsed > 0 else 0.0}


def _evict(db: Path) -> None:
    """Drop the profile's files from the OS page cache (cold-disk open)."""
    for suffix in ("", "-wal", "-shm"):
        p = db.with_name(db.name + suffix)
        if not p.exists():
            continue
        fd = os.open(p, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def _probe(kind: str, db: Path) -> dict[str, float]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, str(PROBE), kind, str(db)], capture_output=True,
                          text=True, check=False, timeout=300)
    wall = (time.perf_counter() - t0) * 1000
    if proc.returncode != 0:
        raise RuntimeError(f"probe {kind} failed: {proc.stderr.strip()}")
    result: dict[str, float] = json.loads(proc.stdout)
    result["process_ms"] = wall
    return result


def run(db: Path, manifest: Manifest, config: BenchConfig, *, reused_cache: bool,
        log: TextIO | None = None) -> BenchResult:
    """Measure everything on the profile at ``db``."""
    out = log or sys.stderr
    t_start = time.perf_counter()
    res = BenchResult(config=config, manifest=manifest, reused_cache=reused_cache, db_path=db,
                      started=datetime.now(UTC).isoformat(timespec="seconds"),
                      machine=machine_info())
    res.profile["size_at_rest"] = _file_sizes(db)
    _log(out, "reading the profile once, so every warm figure starts from the OS cache")
    res.profile["prewarm"] = _prewarm(db)
    _cold_open(res, db, config, out)
    statements = _product_statements(db, manifest)
    res.plans = _plans(db, statements)
    store = Store.open(db, readonly=False)
    base = sqlite3.connect(db)  # the plain baseline: default settings, no row factory
    try:
        conn = store.read()
        cap = _Capture(db)
        try:
            _warm_figures(res, conn, base, cap, manifest, config, out)
        finally:
            cap.close()
        _product_sql_figures(res, base, statements, config)
        _contrast(res, base, config, out)
        res.profile["size_open"] = _file_sizes(db)
        _log(out, "profile: counting items and measuring tables (dbstat)")
        res.profile["items"] = int(base.execute("SELECT count(*) FROM items").fetchone()[0])
        res.profile["tables"] = [
            {"name": n, "bytes": int(b)} for n, b in base.execute(
                "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC")]
        res.profile["page_size"] = int(base.execute("PRAGMA page_size").fetchone()[0])
        res.profile["analyzed"] = _analyzed_tables(base)
    finally:
        base.close()
        store.close()
    if config.cold_disk and hasattr(os, "posix_fadvise"):
        _cold_disk_open(res, db, config, out)  # last: it empties the OS cache of the profile
    res.machine["loadavg_end"] = _loadavg()
    res.duration_s = time.perf_counter() - t_start
    return res


def _cold_open(res: BenchResult, db: Path, config: BenchConfig, out: TextIO) -> None:
    n = config.repeats
    _log(out, f"cold open + first inbox page: {n} fresh processes each (product, baseline)")
    product: list[dict[str, float]] = []
    baseline: list[dict[str, float]] = []
    _probe("store", db)  # warm the OS cache and Python's bytecode cache
    for _ in range(n):  # interleaved, so noise hits both alike
        product.append(_probe("store", db))
        baseline.append(_probe("sqlite", db))
    res.figures += [
        Figure("open_first_page", "Open store + first inbox page (fresh process)",
               [p["total_ms"] for p in product], target_ms=200, target_source="issue",
               baseline="base_open_first_page",
               detail="Store.open(path) + store.read() + page(conn, ItemFilter(), limit=50) "
                      "in a new process each time (imports excluded, OS cache warm)"),
        Figure("open_only", "  of which Store.open", [p["open_ms"] for p in product],
               detail="connect, PRAGMAs, WAL check, migrations check"),
        Figure("open_page_only", "  of which the first page (incl. reader connection)",
               [p["page_ms"] for p in product]),
        Figure("open_close", "Store.close after the first page", [p["close_ms"] for p in product],
               detail="includes PRAGMA optimize on the writer"),
        Figure("open_process", "Whole process (interpreter, imports, open, page, close)",
               [p["process_ms"] for p in product], baseline="base_open_process"),
        Figure("base_open_first_page", "sqlite3.connect + SELECT id ... ORDER BY sort_key "
               "DESC LIMIT 50 (fresh process)", [p["total_ms"] for p in baseline],
               group="baseline"),
        Figure("base_open_process", "Whole baseline process", [p["process_ms"] for p in baseline],
               group="baseline"),
    ]


def _cold_disk_open(res: BenchResult, db: Path, config: BenchConfig, out: TextIO) -> None:
    """Open + first page in a fresh process after evicting the profile from the OS cache."""
    n_cold = max(1, min(config.repeats, 10))
    _log(out, f"cold-disk open: {n_cold} fresh processes each, file evicted before each")
    cold: list[dict[str, float]] = []
    cold_base: list[dict[str, float]] = []
    for _ in range(n_cold):
        _evict(db)
        cold.append(_probe("store", db))
        _evict(db)
        cold_base.append(_probe("sqlite", db))
    res.figures += [
        Figure("open_first_page_cold_disk", "Open store + first inbox page, file evicted "
               "from the OS cache", [p["total_ms"] for p in cold],
               baseline="base_open_first_page_cold_disk",
               detail="posix_fadvise(DONTNEED) on db/wal/shm before each process; on a VM "
                      "the host may still cache the disk"),
        Figure("open_cold_disk_open_only", "  of which Store.open (file evicted)",
               [p["open_ms"] for p in cold]),
        Figure("open_cold_disk_page_only", "  of which the first page (file evicted)",
               [p["page_ms"] for p in cold],
               detail="reads the 50 newest rows from disk: the baseline reads only the "
                      "sort_key index"),
        Figure("base_open_first_page_cold_disk", "Baseline open + first page, file evicted",
               [p["total_ms"] for p in cold_base], group="baseline"),
    ]


def _walk(conn: sqlite3.Connection, f: ItemFilter, first_cursor: int | None,
          pages: int) -> tuple[list[float], list[int]]:
    """Time ``pages`` successive pages from ``first_cursor``; return times and cursors used."""
    times: list[float] = []
    cursors: list[int] = []
    cursor = first_cursor
    for _ in range(pages):
        if cursor is None:
            break
        cursors.append(cursor)
        t0 = time.perf_counter_ns()
        p: Page = page(conn, f, cursor=cursor, limit=PAGE)
        times.append((time.perf_counter_ns() - t0) / 1e6)
        cursor = p.cursor
    return times, cursors


def _walk_repeated(conn: sqlite3.Connection, f: ItemFilter, first_cursor: int | None,
                   config: BenchConfig, pages: int) -> tuple[list[float], list[int]]:
    _walk(conn, f, first_cursor, pages)  # warm-up walk
    samples: list[float] = []
    cursors: list[int] = []
    for _ in range(config.repeats):
        times, cursors = _walk(conn, f, first_cursor, pages)
        samples += times
    return samples, cursors


def _base_keyset(base: sqlite3.Connection, cursors: list[int],
                 config: BenchConfig) -> list[float]:
    sql = "SELECT id FROM items WHERE sort_key < ? ORDER BY sort_key DESC LIMIT 50"
    for c in cursors:
        base.execute(sql, (c,)).fetchall()
    samples = []
    for _ in range(config.repeats):
        for c in cursors:
            samples.append(_timed(_base_fn(base, sql, c)))
    return samples


def _warm_figures(res: BenchResult, conn: sqlite3.Connection, base: sqlite3.Connection,
                  cap: _Capture, m: Manifest, config: BenchConfig, out: TextIO) -> None:
    n, w = config.repeats, config.warmup
    inbox = ItemFilter()
    figs = res.figures

    _log(out, f"next pages: {n} walks of {config.walk_pages} pages from the top")
    first = page(conn, inbox, limit=PAGE)
    samples, cursors = _walk_repeated(conn, inbox, first.cursor, config, config.walk_pages)
    figs.append(Figure("next_page", f"Next inbox page (pages 2-{len(cursors) + 1}, keyset)",
                       samples, target_ms=20, target_source="issue", baseline="base_next_page",
                       detail=f"page(conn, ItemFilter(), cursor=..., limit=50); "
                              f"{n} walks x {len(cursors)} pages, per-page times"))
    figs.append(Figure("base_next_page", "SELECT id ... WHERE sort_key < ? ORDER BY sort_key "
                       "DESC LIMIT 50", _base_keyset(base, cursors, config), group="baseline"))

    depth = max(0, m.items // 2 - 1)
    row = base.execute("SELECT sort_key FROM items ORDER BY sort_key DESC LIMIT 1 OFFSET ?",
                       (depth,)).fetchone()
    deep_cursor = int(row[0]) if row else None
    _log(out, f"deep pages: {n} walks of {config.walk_pages} pages from item {depth + 1:,}")
    samples, cursors = _walk_repeated(conn, inbox, deep_cursor, config, config.walk_pages)
    figs.append(Figure("deep_next_page", f"Next inbox page, deep (from item {depth + 1:,})",
                       samples, target_ms=20, target_source="issue",
                       baseline="base_deep_next_page",
                       detail="the same walk half-way down the list: keyset paging costs "
                              "the same at any depth"))
    figs.append(Figure("base_deep_next_page", "Keyset baseline, deep",
                       _base_keyset(base, cursors, config), group="baseline"))

    markers = sorted(m.markers)
    # The product and the baseline each get their own half of the markers, so
    # both search words that connection has never read (no order bias).
    mine, theirs = markers[0::2], markers[1::2] or markers
    _log(out, f"full-text: rare words ({len(markers)} planted markers), common, medium, from:")
    figs.append(Figure(
        "fts_rare", "Full-text search, rare word, first page",
        rotate([_page_fn(conn, ItemFilter(query=parse(word))) for word in mine], n, w),
        target_ms=50, target_source="issue", baseline="base_fts_rare",
        detail=f"a planted marker word per repeat, cycling through {len(mine)} of them (each "
               f"in {min(m.markers.values())} items), e.g. '{mine[0]}'; the baseline uses "
               f"the other {len(theirs)}"))
    figs.append(Figure(
        "base_fts_rare", "SELECT rowid FROM items_fts WHERE items_fts MATCH ? LIMIT 50 (rare)",
        rotate([_base_fn(base, _FTS_BASE, cap.match(word)) for word in theirs], n, w),
        group="baseline"))

    common, common_df = m.common_words[0]
    common_f = ItemFilter(query=parse(common))
    figs.append(Figure(
        "fts_common", "Full-text search, common word, first page",
        repeat(_page_fn(conn, common_f), n, w), target_ms=100, target_source="issue",
        baseline="base_fts_common",
        detail=f"'{common}', in {common_df:,} items ({100 * common_df / m.items:.0f} %)"))
    common_match = cap.match(common)
    figs.append(Figure("base_fts_common", "SELECT rowid FROM items_fts WHERE items_fts MATCH ? "
                       "LIMIT 50 (common)", repeat(_base_fn(base, _FTS_BASE, common_match), n, w),
                       group="baseline"))
    figs.append(Figure("base_fts_common_desc", "... MATCH ? ORDER BY rowid DESC LIMIT 50 (common)",
                       repeat(_base_fn(base, _FTS_BASE_DESC, common_match), n, w),
                       group="baseline",
                       detail="newest first, as the product asks, without the join to items"))
    first_common = page(conn, common_f, limit=PAGE)
    samples, cursors = _walk_repeated(conn, common_f, first_common.cursor, config, 5)
    figs.append(Figure("fts_common_next_page", "Full-text search, common word, next pages (2-6)",
                       samples, target_ms=20, target_source="derived",
                       detail="the 'next pages' target applied to a search result"))

    mid, mid_df = m.medium_word
    figs.append(Figure(
        "fts_medium", "Full-text search, medium word (~1 % of items), first page",
        repeat(_page_fn(conn, ItemFilter(query=parse(mid))), n, w), target_ms=100,
        target_source="derived", baseline="base_fts_medium",
        detail=f"'{mid}', in {mid_df:,} items ({100 * mid_df / m.items:.1f} %)"))
    figs.append(Figure("base_fts_medium", "FTS baseline (medium word)",
                       repeat(_base_fn(base, _FTS_BASE, cap.match(mid)), n, w), group="baseline"))

    name, who, sent = m.top_senders[0]
    from_match = cap.match(f"from:{who}")
    figs.append(Figure(
        "fts_from", "from: query (most frequent sender), first page",
        repeat(_page_fn(conn, ItemFilter(query=parse(f"from:{who}"))), n, w), target_ms=100,
        target_source="derived", baseline="base_fts_from",
        detail=f"'from:{who}' ({name}, sender of {sent:,} items); the store compiles it to "
               f"MATCH '{from_match}'"))
    figs.append(Figure("base_fts_from", "FTS baseline, from: (the same MATCH expression)",
                       repeat(_base_fn(base, _FTS_BASE, from_match), n, w), group="baseline"))

    to_match = cap.match(f"to:{ME_QUERY}")
    figs.append(Figure(
        "fts_to", "to: query (the profile's owner), first page",
        repeat(_page_fn(conn, ItemFilter(query=parse(f"to:{ME_QUERY}"))), n, w),
        target_ms=100, target_source="derived", baseline="base_fts_to",
        detail=f"'to:{ME_QUERY}', the recipient of every e-mail "
               f"({m.kinds.get('email', 0):,} items); MATCH '{to_match}'"))
    figs.append(Figure("base_fts_to", "FTS baseline, to: (the same MATCH expression)",
                       repeat(_base_fn(base, _FTS_BASE, to_match), n, w), group="baseline"))

    prefix = prefix_query(m)
    prefix_match = cap.match(prefix)
    figs.append(Figure(
        "fts_prefix", "Prefix search, 4 letters (search as you type), first page",
        repeat(_page_fn(conn, ItemFilter(query=parse(prefix))), n, w), target_ms=100,
        target_source="derived", baseline="base_fts_prefix",
        detail=f"'{prefix}' (MATCH '{prefix_match}'): longer than the FTS5 prefix indexes "
               f"(prefix='2 3'), so every matching term's doclist is merged"))
    figs.append(Figure("base_fts_prefix", "FTS baseline, 4-letter prefix",
                       repeat(_base_fn(base, _FTS_BASE, prefix_match), n, w), group="baseline"))

    _log(out, "views: unread, source")
    figs.append(Figure("unread_first_page", "Unread view, first page",
                       repeat(_page_fn(conn, ItemFilter(unread=True)), n, w), target_ms=100,
                       target_source="derived", baseline="base_unread_first_page",
                       detail=f"ItemFilter(unread=True); {m.unread:,} unread items"))
    figs.append(Figure("base_unread_first_page", "SELECT id FROM items WHERE is_read = 0 "
                       "ORDER BY sort_key DESC LIMIT 50",
                       repeat(_base_fn(base, "SELECT id FROM items WHERE is_read = 0 "
                                       "ORDER BY sort_key DESC LIMIT 50"), n, w),
                       group="baseline"))
    figs.append(Figure("source_first_page", "Source view (social), first page",
                       repeat(_page_fn(conn, ItemFilter(source="social")), n, w), target_ms=100,
                       target_source="derived", baseline="base_source_first_page",
                       detail=f"ItemFilter(source='social'); {m.kinds.get('post', 0):,} items"))
    figs.append(Figure("base_source_first_page", "SELECT id FROM items WHERE source = ? "
                       "ORDER BY sort_key DESC LIMIT 50",
                       repeat(_base_fn(base, "SELECT id FROM items WHERE source = ? ORDER BY "
                                       "sort_key DESC LIMIT 50", "social"), n, w),
                       group="baseline"))
    figs.append(Figure("inbox_first_page_warm", "Inbox first page, warm (same process)",
                       repeat(_page_fn(conn, inbox), n, w), baseline="base_inbox_first_page_warm",
                       detail="the first-page query without the open: the product's per-page "
                              "overhead"))
    figs.append(Figure("base_inbox_first_page_warm", "SELECT id FROM items ORDER BY sort_key "
                       "DESC LIMIT 50 (warm)", repeat(_base_fn(base, _INBOX_BASE), n, w),
                       group="baseline"))


_FTS_BASE = "SELECT rowid FROM items_fts WHERE items_fts MATCH ? LIMIT 50"
_FTS_BASE_DESC = "SELECT rowid FROM items_fts WHERE items_fts MATCH ? ORDER BY rowid DESC LIMIT 50"
_INBOX_BASE = "SELECT id FROM items ORDER BY sort_key DESC LIMIT 50"


def _page_fn(conn: sqlite3.Connection, f: ItemFilter) -> Callable[[], object]:
    return lambda: page(conn, f, limit=PAGE)


def _base_fn(base: sqlite3.Connection, sql: str, *params: object) -> Callable[[], object]:
    return lambda: base.execute(sql, params).fetchall()


def _contrast(res: BenchResult, base: sqlite3.Connection, config: BenchConfig,
              out: TextIO) -> None:
    """Naive OFFSET paging, for contrast with keyset paging (fewer repeats: it is slow)."""
    n = max(1, min(config.repeats, 3))
    items = res.manifest.items
    deep = max(PAGE, (items // 2) // PAGE * PAGE)
    _log(out, f"contrast: OFFSET paging, {n} runs each")
    for key, sql, k in (
        ("offset_sort_ts_page2", "ORDER BY sort_ts DESC LIMIT 50 OFFSET ?", PAGE),
        ("offset_sort_ts_deep", "ORDER BY sort_ts DESC LIMIT 50 OFFSET ?", deep),
        ("offset_sort_key_deep", "ORDER BY sort_key DESC LIMIT 50 OFFSET ?", deep),
    ):
        full = f"SELECT id FROM items {sql}"
        samples = [_timed(_base_fn(base, full, k)) for _ in range(n)]
        res.figures.append(Figure(key, f"SELECT id FROM items {sql.replace('?', f'{k:,}')}",
                                  samples, group="contrast"))


Statement = tuple[str, Sequence[Any]]


class _RecordingConnection(sqlite3.Connection):
    """Remembers each statement, to EXPLAIN what the product actually ran."""

    statements: list[tuple[str, Any]]

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        if not hasattr(self, "statements"):
            self.statements = []
        self.statements.append((sql, parameters))
        return super().execute(sql, parameters)


class _Capture:
    """Runs ``page()`` on a recording connection to see the SQL it sends."""

    def __init__(self, db: Path) -> None:
        conn = sqlite3.connect(db, factory=_RecordingConnection)
        assert isinstance(conn, _RecordingConnection)
        conn.row_factory = sqlite3.Row
        conn.statements = []
        self.conn = conn

    def statement(self, f: ItemFilter, *, second_page: bool = False) -> Statement:
        cursor = page(self.conn, f, limit=PAGE).cursor if second_page else None
        self.conn.statements.clear()
        page(self.conn, f, cursor=cursor, limit=PAGE)
        return self.conn.statements[-1]

    def match(self, query: str) -> str:
        """The FTS5 MATCH expression the store compiles ``query`` to."""
        sql, params = self.statement(ItemFilter(query=parse(query)))
        assert "MATCH" in sql, sql
        return str(params[0])

    def close(self) -> None:
        self.conn.close()


def prefix_query(m: Manifest) -> str:
    """A 4-letter prefix of a frequent word: longer than the FTS prefix indexes."""
    word = next((w for w, _ in m.common_words if len(w) >= 4), m.common_words[0][0])
    return word[:4] + "*"


def _product_cases(m: Manifest) -> list[tuple[str, ItemFilter, bool]]:
    return [
        ("open_first_page", ItemFilter(), False),
        ("next_page", ItemFilter(), True),
        ("fts_rare", ItemFilter(query=parse(sorted(m.markers)[0])), False),
        ("fts_common", ItemFilter(query=parse(m.common_words[0][0])), False),
        ("fts_from", ItemFilter(query=parse(f"from:{m.top_senders[0][1]}")), False),
        ("fts_to", ItemFilter(query=parse(f"to:{ME_QUERY}")), False),
        ("fts_prefix", ItemFilter(query=parse(prefix_query(m))), False),
        ("unread_first_page", ItemFilter(unread=True), False),
        ("source_first_page", ItemFilter(source="social"), False),
    ]


def _product_statements(db: Path, m: Manifest) -> dict[str, Statement]:
    """The SQL (and parameters) that ``page()`` runs for each product figure."""
    cap = _Capture(db)
    try:
        return {key: cap.statement(f, second_page=paged) for key, f, paged in _product_cases(m)}
    finally:
        cap.close()


def _plans(db: Path, statements: dict[str, Statement]) -> dict[str, dict[str, Any]]:
    """EXPLAIN QUERY PLAN of the SQL each product figure runs."""
    conn = sqlite3.connect(db)
    try:
        return {key: {"sql": sql, "params": [str(p) for p in params],
                      "plan": _plan_lines(conn.execute("EXPLAIN QUERY PLAN " + sql,
                                                       params).fetchall())}
                for key, (sql, params) in statements.items()}
    finally:
        conn.close()


def _product_sql_figures(res: BenchResult, base: sqlite3.Connection,
                         statements: dict[str, Statement], config: BenchConfig) -> None:
    """The product's exact SQL on the plain connection: SQL cost vs. building Items."""
    for key, label in (("open_first_page", "Inbox first page"),
                       ("fts_common", "Common-word search, first page")):
        sql, params = statements[key]
        res.figures.append(Figure(
            f"sql_{key}", f"{label}: the product's SQL on plain sqlite3 (rows, no Items)",
            repeat(_base_fn(base, sql, *params), config.repeats, config.warmup),
            baseline="base_inbox_first_page_warm" if key == "open_first_page"
            else "base_fts_common_desc",
            detail="the same SELECT page() runs, fetched as tuples: the difference with the "
                   "warm page() time is the cost of building Item objects"))


def _plan_lines(rows: list[Any]) -> list[str]:
    depth: dict[int, int] = {0: -1}
    lines = []
    for node, parent, _unused, detail in rows:
        d = depth.get(parent, -1) + 1
        depth[node] = d
        lines.append("  " * d + str(detail))
    return lines
