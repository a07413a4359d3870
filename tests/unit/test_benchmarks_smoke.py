"""The store benchmark runs end to end on a tiny profile (so it cannot rot).

No timing is asserted: only that every figure is measured and reported.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
ITEMS = 1_500

TARGET_FIGURES = {
    "open_first_page", "next_page", "deep_next_page", "fts_rare", "fts_common",
    "fts_common_next_page", "fts_medium", "fts_from", "fts_to", "fts_prefix",
    "unread_first_page", "source_first_page",
}
OTHER_FIGURES = {
    "open_only", "open_page_only", "open_close", "open_process", "open_first_page_cold_disk",
    "open_cold_disk_open_only", "open_cold_disk_page_only",
    "inbox_first_page_warm", "sql_open_first_page", "sql_fts_common",
    "base_open_first_page", "base_open_process", "base_open_first_page_cold_disk",
    "base_next_page", "base_deep_next_page", "base_fts_rare", "base_fts_common",
    "base_fts_common_desc", "base_fts_medium", "base_fts_from", "base_fts_to",
    "base_fts_prefix", "base_unread_first_page",
    "base_source_first_page", "base_inbox_first_page_warm",
    "offset_sort_ts_page2", "offset_sort_ts_deep", "offset_sort_key_deep",
}


def test_benchmark_writes_a_complete_report(tmp_path: Path) -> None:
    out, cache = tmp_path / "reports", tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--items", str(ITEMS), "--repeats", "2",
         "--out", str(out), "--cache-dir", str(cache)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr

    md_path, json_path = out / f"store-{ITEMS}.md", out / f"store-{ITEMS}.json"
    assert md_path.is_file()
    assert json_path.is_file()
    data = json.loads(json_path.read_text(encoding="utf-8"))

    figures = {f["key"]: f for f in data["figures"]}
    assert set(figures) >= TARGET_FIGURES | OTHER_FIGURES, sorted(figures)
    for key, f in figures.items():
        assert f["n"] > 0, key
        assert math.isfinite(f["median_ms"]), key
        assert f["median_ms"] <= f["p95_ms"] or math.isclose(f["median_ms"], f["p95_ms"]), key
    for key in TARGET_FIGURES:
        assert figures[key]["target_ms"] is not None, key
        assert figures[key]["verdict"] in ("PASS", "FAIL"), key
    for key in TARGET_FIGURES - {"fts_common_next_page"}:
        assert figures[key]["ratio_to_baseline"] is not None, key
    assert data["verdict"] in ("PASS", "FAIL")
    assert data["verdict_derived"] in ("PASS", "FAIL")

    profile = data["profile"]
    assert profile["items"] == ITEMS
    assert profile["size_open"]["total"] >= profile["size_open"]["db"] > 0
    assert {"cores", "python", "sqlite"} <= set(data["machine"])
    assert set(data["plans"]) >= {"open_first_page", "fts_common", "fts_from", "fts_prefix"}

    md = md_path.read_text(encoding="utf-8")
    assert proc.stdout == md  # the report is printed too
    assert "Size on disk" in md
    assert "| Figure | Target | Median | p95 | Baseline | Ratio | Result |" in md
    assert md.count("**PASS**") + md.count("**FAIL**") == len(TARGET_FIGURES)

    # A second run reuses the cached profile instead of generating it again.
    again = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--items", str(ITEMS), "--repeats", "1",
         "--out", str(out), "--cache-dir", str(cache), "--no-cold-disk", "--quiet"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert again.returncode == 0, again.stderr
    assert "reusing cached profile" in again.stderr
    assert json.loads(json_path.read_text(encoding="utf-8"))["profile"]["reused_cache"] is True
