#!/usr/bin/env python
"""How much of an ingest is the cost of storing its rows, whatever computes them.

    python tests/benchmarks/storage_cost.py DB [--repeat 5] [--memory-limit 1GB]

DB is a ccf_py database holding one load (e.g. made by ``run_benchmark.py --keep`` or by
``ccf-py ingest`` of a benchmark file). The script copies its ``billed_lines`` rows into an
in-memory table once, then, each run in a fresh target, times

- ``file``: ``CREATE TABLE ... AS SELECT *`` of those final rows into a new database file and
  ``CHECKPOINT`` (what an ingest must do at the least once every value is computed; same
  compression settings as ``ccf_py.ingest.load``: FSST off);
- ``file, uncompressed``: the same with ``force_compression = 'uncompressed'`` (is it the
  compression?);
- ``memory``: the same into an in-memory database (is it the disk?);
- ``without COLUMN``: ``file`` without one column, for every column (does one column dominate?);
- ``scan``: reading every column of the in-memory table (the floor of any copy).

It prints the median wall and CPU (user + sys) seconds of each over ``--repeat`` runs. Compare
the ``file`` CPU with the baseline CPU of ``run_benchmark.py`` for the same rows: when storing
alone costs about what the baseline's whole scan costs, ingest + report cannot come within 2×
of that scan by making the conversions cheaper. Numbers go to the benchmark README, never to
tests.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

import duckdb


def _cpu_s() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _timed(con: duckdb.DuckDBPyConnection, statements: list[str]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), _cpu_s()
    for sql in statements:
        con.execute(sql).fetchall()
    return time.perf_counter() - wall, _cpu_s() - cpu


def _store(con: duckdb.DuckDBPyConnection, select: str, target: str,
           setting: str | None) -> tuple[float, float]:
    """Time writing ``select`` of table ``m`` into a fresh database ``target``."""
    if setting:
        con.execute(f"SET {setting}")
    con.execute(f"ATTACH '{target}' AS o")
    try:
        return _timed(con, [f"CREATE TABLE o.t AS SELECT {select} FROM m", "CHECKPOINT o"])
    finally:
        con.execute("DETACH o")
        con.execute("RESET force_compression")
        for path in (target, target + ".wal"):
            if target != ":memory:" and os.path.exists(path):
                os.remove(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--memory-limit", default="1GB")
    args = parser.parse_args()

    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{args.memory_limit}'")
    con.execute("SET disabled_compression_methods = 'fsst'")  # as ccf_py.ingest.load
    con.execute("SET preserve_insertion_order = false")       # as ccf_py.ingest.load
    con.execute(f"ATTACH '{args.db}' AS s (READ_ONLY)")
    con.execute("CREATE TABLE m AS SELECT * FROM s.billed_lines")
    columns = [r[0] for r in con.execute("DESCRIBE m").fetchall()]
    rows = con.execute("SELECT count(*) FROM m").fetchone()[0]
    print(f"{args.db}: {rows:,} rows, {len(columns)} columns; medians of {args.repeat} runs")

    every = ", ".join(columns)
    variants: list[tuple[str, str, str | None, str]] = [
        ("file", every, None, "file"),
        ("file, uncompressed", every, "force_compression = 'uncompressed'", "file"),
        ("memory", every, None, "memory"),
    ] + [(f"without {c}", ", ".join(x for x in columns if x != c), None, "file")
         for c in columns]
    with tempfile.TemporaryDirectory(prefix="ccf-store-") as tmp:
        target = str(Path(tmp) / "out.duckdb")
        results: dict[str, list[tuple[float, float]]] = {v[0]: [] for v in variants}
        results["scan"] = []
        scan = "SELECT " + ", ".join(f"max({c})" for c in columns) + " FROM m"
        for _ in range(args.repeat):  # variants interleaved, so load drift hits all alike
            for label, select, setting, where in variants:
                results[label].append(
                    _store(con, select, target if where == "file" else ":memory:", setting))
            results["scan"].append(_timed(con, [scan]))
    base = statistics.median(c for _, c in results["file"])
    print(f"{'variant':32s} {'wall s':>8s} {'CPU s':>8s} {'CPU vs file':>12s}")
    for label, runs in results.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"{label:32s} {wall:8.3f} {cpu:8.3f} {cpu - base:+12.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
