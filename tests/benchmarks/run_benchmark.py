#!/usr/bin/env python
"""Benchmark ccf_py's ingest + report against a DuckDB scan of the same CUR columns.

    python tests/benchmarks/run_benchmark.py --rows 1000000 [--provider aws|gcp|azure]
        [--format csv csv.gz parquet | json json.gz]
        [--workdir DIR] [--keep] [--json OUT] [--repeat 3] [--memory-limit SIZE] [--threads N]
        [--judge wall|cpu]

For each ``--format`` and ``--rows`` value it

1. writes a synthetic legacy CUR of that many rows (``ccf_py.demo_data.generate_synthetic_cur_sql``)
   into the work folder, unless a file for that row count, format and generator is already there.
   ``csv.gz`` is ``gzip -6`` of the CSV (as AWS delivers it); ``parquet`` is written the way
   Athena / legacy CUR Parquet looks: snake_case names (``line_item_usage_type``), every
   ``product_*`` column VARCHAR with ``''`` for a missing value, numeric ``line_item_*`` columns
   DOUBLE, timestamps TIMESTAMP;
2. times the BASELINE: a fresh in-memory DuckDB with the same ``memory_limit``, ``threads`` and
   ``TimeZone`` as ccf_py's connection, running one GROUP BY over exactly the file columns that
   ccf_py's ingest reads (derived from ``ccf_py.ingest.aws_cur.COLUMNS``,
   ``BILLING_PERIOD_SOURCES`` and the tag columns, in the file's own spelling; for CSV each is
   given to ``read_csv`` with the type ccf_py stores it as, so DuckDB's own CSV conversion
   parses it). It groups by the usage-key columns
   (service, usage type, pricing unit, region, ...), sums the numeric ones, takes max of the
   timestamps and the summed length of the other strings, so every column is really parsed;
   all rows are fetched;
3. times OURS in a fresh database file: ``api.open_db`` -> ``api.ingest_aws_cur`` ->
   ``api.report(by=("service",))``; ingest and report are timed separately;
4. repeats 2 and 3 ``--repeat`` times (default 3), alternating baseline and ours so that load
   drift on a shared machine hits both sides alike, and reports the MEDIAN wall and the MEDIAN
   CPU (user + sys) seconds of each side, and the ratios ours / baseline for ingest + report and
   for report alone. Peak RSS is the highest of all runs, split into ingest and report.

Targets (issue #5): (ingest + report) / baseline <= 2.0, report / baseline <= 1.2, peak RSS
< 2 GiB (and flat as rows grow). The ratios are judged on wall time unless ``--judge cpu``.

Every measured run happens in its own child process (this script re-run with a hidden
``--child`` flag), so the peak RSS belongs to that run alone and one run's caches never help
the next; the file itself is read once beforehand so both sides find it in the page cache. Peak
RSS is the larger of the child's own ``VmHWM`` (``/proc/self/status``) and the ``ru_maxrss`` the
kernel reports for that child when it is reaped (``os.wait4``), so a child killed for memory
still shows how far it got.

The library is measured as shipped (``memory_limit`` from ``$CCF_PY_MEMORY_LIMIT`` or ccf_py's
default 1 GB, DuckDB's default threads) unless ``--memory-limit`` or ``--threads`` is given,
which both sides then apply with ``SET``. Both children report their DuckDB settings, and a
mismatch is an ERROR. A run that raises (e.g. DuckDB's out-of-memory error) is reported as
ERROR, not hidden.

``--provider gcp`` / ``--provider azure`` run the same protocol on a synthetic Google Cloud
billing export (newline-delimited JSON, nested schema; formats ``json``, ``json.gz``) or an
Azure EA actual cost export (CSV; ``csv``, ``csv.gz``), written by ``multicloud.py`` next to this
script with one DuckDB ``COPY`` each. Their baselines read exactly the fields
``ccf_py.ingest.gcp_billing`` (``FIELDS`` through ``JSON_COLUMNS``, the same declared JSON
types) or ``ccf_py.ingest.azure_export`` (``COLUMNS``, each with its stored type) read; ours is
``api.ingest_gcp_billing`` / ``api.ingest_azure_export`` then ``api.report``. A GCP line whose
credits sum to non-zero loads as two rows (the line and its credit row), so the expected row
count of ours is N plus those lines, counted over the generator's rows, not from the file.
The default ``--provider aws`` runs exactly as before.

Exit status: 0 when every format and row count meets all targets, 1 otherwise.
This is not a pytest test (the folder holds no ``test_*`` file); see README.md next to it.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gzip
import hashlib
import inspect
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_TOTAL_RATIO = 2.0
TARGET_REPORT_RATIO = 1.2
TARGET_RSS_MIB = 2048.0
FORMATS = ("csv", "csv.gz", "parquet")
# --provider gcp / azure: synthetic exports from multicloud.py (next to this script)
PROVIDER_FORMATS = {"aws": FORMATS, "gcp": ("json", "json.gz"), "azure": ("csv", "csv.gz")}
# Canonical columns the baseline groups by (the usage key and the other low-cardinality
# attributes); every other column ccf_py reads is aggregated instead.
GROUP_KEYS = ("x_line_item_type", "service_name", "x_usage_type", "pricing_unit", "region_id",
              "x_instance_type", "sub_account_id", "billing_account_id")
SETTINGS_SQL = ("SELECT name, value FROM duckdb_settings() "
                "WHERE name IN ('memory_limit', 'threads', 'TimeZone') ORDER BY name")


# ----------------------------------------------------------------------------- helpers


def _proc_status_kib(field: str) -> float | None:
    """``VmHWM`` / ``VmRSS`` of this process in KiB, or None off Linux."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return float(line.split()[1])
    except OSError:
        return None
    return None


def _maxrss_mib(maxrss: float) -> float:
    """``ru_maxrss`` in MiB (Linux reports KiB, macOS bytes)."""
    return maxrss / (1024 * 1024) if sys.platform == "darwin" else maxrss / 1024


def _peak_rss_mib() -> float:
    hwm = _proc_status_kib("VmHWM")
    if hwm is None:
        return _maxrss_mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return hwm / 1024


def _reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0), so the next phase is measured alone."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _cpu_s() -> float:
    """User + system CPU seconds of this process (all its threads) so far."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _qident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _qstr(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _apply_settings(con: Any, memory_limit: str | None, threads: int | None) -> None:
    if memory_limit:
        con.execute("SET memory_limit = " + _qstr(memory_limit))
    if threads:
        con.execute(f"SET threads = {int(threads)}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _div(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


# ----------------------------------------------------------------------------- what is read


def _file_columns(path: Path, fmt: str) -> list[tuple[str, str]]:
    """(name, type) of the file's columns as DuckDB names them (CSV: the header, VARCHAR)."""
    if fmt == "parquet":
        import duckdb

        con = duckdb.connect(":memory:")
        try:
            return [(r[0], r[1]) for r in con.execute(
                f"DESCRIBE SELECT * FROM read_parquet({_qstr(str(path))})").fetchall()]
        finally:
            con.close()
    opener = gzip.open if fmt == "csv.gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
        return [(name, "VARCHAR") for name in next(csv.reader(fh))]


def _columns_ccf_reads(columns: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """The file columns ccf_py's ingest reads (its ``COLUMNS``, billing period and tags).

    Each entry: ``name`` (the file's spelling), ``role`` (canonical column, ``billing_period``,
    ``tags`` or a MAP column), ``type`` (the type ccf_py stores it as), ``csv_type`` (the type
    the baseline gives ``read_csv`` for it: the stored type, so DuckDB's own CSV conversion
    does the parsing) and ``file_type``."""
    from ccf_py.ingest.aws_cur import BILLING_PERIOD_SOURCES, COLUMNS, snake, tag_key

    by_snake: dict[str, str] = {}
    for name, _ in columns:
        by_snake.setdefault(snake(name), name)
    types = dict(columns)
    read: dict[str, dict[str, Any]] = {}

    def add(name: str, role: str, typ: str, csv_type: str | None) -> None:
        read.setdefault(name, {"name": name, "role": role, "type": typ, "csv_type": csv_type,
                               "file_type": types[name]})

    for canon, (sources, typ, _required) in COLUMNS.items():
        for source in sources:
            if source in by_snake:
                add(by_snake[source], canon, typ, typ)
    # ccf_py reads the first billing-period column it finds (a timestamp; CUR 2.0's is
    # 'YYYY-MM' text); without one it derives the period from the usage start date, which is
    # read anyway.
    for i, source in enumerate(BILLING_PERIOD_SOURCES):
        if source in by_snake:
            typ = "TIMESTAMP" if i == 0 else "VARCHAR"
            add(by_snake[source], "billing_period", typ, typ)
            break
    tag_cols = [name for name, _ in columns if tag_key(name)]
    for name in tag_cols:
        add(name, "tags", "VARCHAR", "VARCHAR")
    # CUR 2.0 MAP columns (never in the synthetic files, kept so real exports work too)
    for canon_map in ("product", "resource_tags"):
        name = by_snake.get(canon_map)
        if name and "MAP" in types[name] and not (canon_map == "resource_tags" and tag_cols):
            add(name, canon_map, types[name], None)
    return list(read.values())


def _reader_sql(path: Path, fmt: str, read: list[dict[str, Any]]) -> str:
    """``read_parquet(FILE)``, or ``read_csv`` with the stored type of every column read (the
    rest stay sniffed, and DuckDB's projection pushdown skips converting them)."""
    if fmt == "parquet":
        return f"read_parquet({_qstr(str(path))})"
    spec = ", ".join(f"{_qstr(c['name'])}: {_qstr(c['csv_type'])}" for c in read
                     if c["csv_type"])
    return f"read_csv({_qstr(str(path))}, header=true, types={{{spec}}})"


def _baseline_sql(path: Path, fmt: str, read: list[dict[str, Any]]) -> str:
    """One GROUP BY over exactly the columns in ``read``; ``n`` (row count) comes first."""
    keys, aggs = [], ["count(*) AS n"]
    numeric_in_file = ("DOUBLE", "FLOAT", "DECIMAL", "BIGINT", "INTEGER", "HUGEINT", "REAL")
    for i, c in enumerate(read):
        col, typed = _qident(c["name"]), fmt != "parquet" and c["csv_type"] is not None
        if c["role"] in GROUP_KEYS:
            keys.append(col)
        elif c["type"] == "DOUBLE":
            native = typed or c["file_type"].startswith(numeric_in_file)
            aggs.append(f"sum({col if native else f'TRY_CAST({col} AS DOUBLE)'}) AS a{i}")
        elif c["type"].startswith("TIMESTAMP"):
            native = typed or c["file_type"].startswith("TIMESTAMP")
            aggs.append(f"max({col if native else f'TRY_CAST({col} AS TIMESTAMP)'}) AS a{i}")
        elif "MAP" in c["type"]:
            aggs.append(f"sum(cardinality({col})) AS a{i}")
        else:
            aggs.append(f"sum(length(CAST({col} AS VARCHAR))) AS a{i}")
    return (f"SELECT {', '.join(aggs + keys)} FROM {_reader_sql(path, fmt, read)}"
            + (f" GROUP BY {', '.join(keys)}" if keys else ""))


# ----------------------------------------------------------------------------- child side


def _child_baseline(job: dict[str, Any], out: dict[str, Any]) -> None:
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")  # as ccf_py's db.connect
    _apply_settings(con, job["baseline_memory_limit"], job.get("threads"))
    out["duckdb_settings"] = dict(con.execute(SETTINGS_SQL).fetchall())
    out["phase"] = "baseline"
    c0, t0 = _cpu_s(), time.perf_counter()
    rows = con.execute(job["sql"]).fetchall()
    out.update(wall_s=time.perf_counter() - t0, cpu_s=_cpu_s() - c0, groups=len(rows),
               rows_scanned=sum(r[0] for r in rows), peak_rss_self_mib=_peak_rss_mib(),
               phase="done")
    con.close()


def _child_ours(job: dict[str, Any], out: dict[str, Any]) -> None:
    from ccf_py import api

    db_path = job["db"]
    for p in (db_path, db_path + ".wal"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(p)
    out["phase"] = "open"
    t0 = time.perf_counter()
    with api.open_db(db_path) as db:
        _apply_settings(db.con, job.get("memory_limit"), job.get("threads"))
        out["duckdb_settings"] = dict(db.con.execute(SETTINGS_SQL).fetchall())
        out["phase"] = "ingest"
        t1, c1 = time.perf_counter(), _cpu_s()
        ingest = {"aws": api.ingest_aws_cur, "gcp": api.ingest_gcp_billing,
                  "azure": api.ingest_azure_export}[job.get("provider", "aws")]
        result = ingest(db, [job["file"]])
        t2, c2 = time.perf_counter(), _cpu_s()
        out.update(open_s=t1 - t0, ingest_s=t2 - t1, ingest_cpu_s=c2 - c1,
                   ingested_rows=result.rows, ingest_peak_rss_mib=_peak_rss_mib())
        out["db_size_mb"] = os.path.getsize(db_path) / 1e6
        phase_reset = _reset_peak_rss()
        out["phase"] = "report"
        t3, c3 = time.perf_counter(), _cpu_s()
        table = api.report(db, by=("service",))
        t4, c4 = time.perf_counter(), _cpu_s()
        # after the reset, VmHWM is the peak of the report phase alone
        report_peak = _peak_rss_mib()
        out.update(report_s=t4 - t3, report_cpu_s=c4 - c3, report_rows=len(table.rows),
                   report_peak_rss_mib=report_peak if phase_reset else None)
        out["phase"] = "close"
    out.update(close_s=time.perf_counter() - t4, phase="done",
               total_s=out["ingest_s"] + out["report_s"],
               total_cpu_s=out["ingest_cpu_s"] + out["report_cpu_s"])


def _child_prepare(job: dict[str, Any], out: dict[str, Any]) -> None:
    """Generate (or find) the input file and read its header. A child of its own because
    DuckDB's memory in the parent would show in every later child's ``ru_maxrss`` (exec keeps
    the high-water mark of the image it replaces)."""
    provider = job.get("provider", "aws")
    if provider != "aws":
        path, gen_s, expected = _generate_multicloud(provider, job["rows"], job["format"],
                                                     Path(job["workdir"]))
        out.update(file=str(path), generate_s=gen_s, expected_rows=expected)
        return
    path, gen_s = _generate(job["rows"], job["format"], Path(job["workdir"]))
    out.update(file=str(path), generate_s=gen_s, columns=_file_columns(path, job["format"]))


def _child_main(payload: str) -> int:
    job = json.loads(payload)
    out: dict[str, Any] = {}
    kinds = {"prepare": _child_prepare, "baseline": _child_baseline, "ours": _child_ours}
    try:
        kinds[job["kind"]](job, out)
    except Exception as exc:  # reported by the parent, never hidden
        out["error"] = _first_line(exc)
    out["self_peak_rss_mib"] = max(
        v for v in (out.get("ingest_peak_rss_mib"), out.get("report_peak_rss_mib"),
                    out.get("peak_rss_self_mib"), _peak_rss_mib()) if v is not None)
    sys.stdout.write("\n" + json.dumps(out) + "\n")
    sys.stdout.flush()
    return 0


# ----------------------------------------------------------------------------- parent side


def _run_child(job: dict[str, Any]) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; returns its result dict plus
    ``child_maxrss_mib`` (kernel's view); ``error`` is set when the child failed."""
    cmd = [sys.executable, os.path.abspath(__file__), "--child", json.dumps(job)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    stdout = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen consistent
    lines = [ln for ln in stdout.splitlines() if ln.strip()]
    try:
        out = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        out = {}
    if proc.returncode != 0 and "error" not in out:
        how = (f"killed by signal {-proc.returncode}" if proc.returncode < 0
               else f"exit status {proc.returncode}")
        out["error"] = f"child {how} (out of memory?)"
    out["child_maxrss_mib"] = _maxrss_mib(usage.ru_maxrss)
    out["peak_rss_mib"] = max(out.get("self_peak_rss_mib", 0.0), out["child_maxrss_mib"])
    return out


_LINE_ITEM_NUMERIC = re.compile(r"^line_item_.*_(amount|factor|rate|cost)$")


def _athena_select(columns: list[tuple[str, str]]) -> str:
    """Select list turning the legacy-named synthetic Parquet into Athena's layout: snake_case
    names, ``product_*`` VARCHAR with '' for missing, numeric ``line_item_*`` DOUBLE,
    timestamps TIMESTAMP, everything else as generated."""
    from ccf_py.ingest.aws_cur import snake

    exprs, seen = [], set()
    for name, typ in columns:
        new = snake(name)
        if new in seen:
            raise AssertionError(f"two columns snake to {new}")
        seen.add(new)
        col = _qident(name)
        if new.startswith("product_"):
            expr = f"coalesce(CAST({col} AS VARCHAR), '')"
        elif _LINE_ITEM_NUMERIC.match(new):
            expr = f"TRY_CAST({col} AS DOUBLE)"
        elif typ.startswith("TIMESTAMP"):
            expr = f"CAST({col} AS TIMESTAMP)"
        else:
            expr = col
        exprs.append(f"{expr} AS {_qident(new)}")
    return ", ".join(exprs)


def _generate(rows: int, fmt: str, workdir: Path) -> tuple[Path, float | None]:
    """The synthetic CUR for ``rows``/``fmt``; seconds spent, or None if it was reused.

    The file name carries a hash of the generator's SQL (and of the Athena conversion for
    Parquet), so a changed generator never reuses a stale file."""
    import duckdb

    from ccf_py.demo_data import generate_synthetic_cur_sql

    if fmt == "csv.gz":  # CUR as AWS delivers it: gzip of the CSV (gzip -6, as AWS's)
        plain, gen_s = _generate(rows, "csv", workdir)
        target = plain.with_name(plain.name + ".gz")
        if target.exists() and target.stat().st_size > 0:
            return target, None
        t0 = time.perf_counter()
        partial = workdir / f".partial-{os.getpid()}-{target.name}"
        with partial.open("wb") as out:
            subprocess.run(["gzip", "-6", "-c", str(plain)], stdout=out, check=True)
        os.replace(partial, target)
        return target, (gen_s or 0.0) + time.perf_counter() - t0
    key = generate_synthetic_cur_sql(rows, "@", fmt)
    if fmt == "parquet":
        key += inspect.getsource(_athena_select) + _LINE_ITEM_NUMERIC.pattern
    digest = hashlib.sha1(key.encode()).hexdigest()[:8]
    suffix = "athena.parquet" if fmt == "parquet" else fmt
    target = workdir / f"synthetic-cur-{rows}-{digest}.{suffix}"
    if target.exists() and target.stat().st_size > 0:
        return target, None
    partial = workdir / f".partial-{os.getpid()}-{target.name}"
    legacy = workdir / f".partial-{os.getpid()}-legacy-{target.name}"
    t0 = time.perf_counter()
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        if fmt == "csv":
            con.execute(generate_synthetic_cur_sql(rows, str(partial), fmt))
        else:
            con.execute(generate_synthetic_cur_sql(rows, str(legacy), fmt))
            source = f"read_parquet({_qstr(str(legacy))})"
            columns = [(r[0], r[1]) for r in
                       con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
            con.execute(f"COPY (SELECT {_athena_select(columns)} FROM {source}) "
                        f"TO {_qstr(str(partial))} (FORMAT parquet)")
    finally:
        con.close()
        with contextlib.suppress(FileNotFoundError):
            legacy.unlink()
    os.replace(partial, target)
    return target, time.perf_counter() - t0


def _multicloud() -> Any:
    """``multicloud.py`` beside this script (also when this file is imported, not run)."""
    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    import multicloud

    return multicloud


def _generate_multicloud(provider: str, rows: int, fmt: str, workdir: Path
                         ) -> tuple[Path, float | None, int]:
    """The synthetic GCP (NDJSON) or Azure (EA actual cost CSV) export for ``rows``/``fmt``
    (``multicloud.py``: one DuckDB COPY); ``.gz`` is ``gzip -6`` of the plain file. Returns
    the file, seconds spent (None if reused) and the rows ccf_py must load from it (GCP adds
    one row per line with non-zero credits, counted over the generator's rows)."""
    import duckdb

    multicloud = _multicloud()
    gen = {"gcp": multicloud.generate_gcp_sql, "azure": multicloud.generate_azure_sql}[provider]
    plain_fmt = fmt.removesuffix(".gz")
    digest = hashlib.sha1(gen(rows, "@").encode()).hexdigest()[:8]
    plain = workdir / f"synthetic-{provider}-{rows}-{digest}.{plain_fmt}"
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        expected = (multicloud.gcp_expected_rows(con, rows) if provider == "gcp"
                    else multicloud.azure_expected_rows(rows))
        gen_s: float | None = None
        if not (plain.exists() and plain.stat().st_size > 0):
            t0 = time.perf_counter()
            partial = workdir / f".partial-{os.getpid()}-{plain.name}"
            con.execute(gen(rows, str(partial)))
            os.replace(partial, plain)
            gen_s = time.perf_counter() - t0
    finally:
        con.close()
    if fmt == plain_fmt:
        return plain, gen_s, expected
    target = plain.with_name(plain.name + ".gz")
    if target.exists() and target.stat().st_size > 0:
        return target, gen_s, expected
    t0 = time.perf_counter()
    partial = workdir / f".partial-{os.getpid()}-{target.name}"
    with partial.open("wb") as out:
        subprocess.run(["gzip", "-6", "-c", str(plain)], stdout=out, check=True)
    os.replace(partial, target)
    return target, (gen_s or 0.0) + time.perf_counter() - t0, expected


def _warm(path: Path) -> None:
    """Read the file once, untimed, so every measured run finds it in the page cache."""
    with path.open("rb") as fh:
        while fh.read(8 << 20):
            pass


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _measure(rows: int, fmt: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from ccf_py import db as ccf_db

    provider = args.provider
    tag = f"[{fmt} {rows:,}]" if provider == "aws" else f"[{provider} {fmt} {rows:,}]"
    job = {"kind": "prepare", "rows": rows, "format": fmt, "workdir": str(workdir)}
    prep = _run_child(job if provider == "aws" else {**job, "provider": provider})
    if "error" in prep:
        raise SystemExit(f"{tag} could not write the input file: {prep['error']}")
    src, gen_s = Path(prep["file"]), prep["generate_s"]
    size_mb = src.stat().st_size / 1e6
    _log(f"{tag} {'reusing' if gen_s is None else 'generated'} {src} "
         f"({size_mb:.1f} MB{'' if gen_s is None else f', {gen_s:.1f} s'})")
    expected = prep.get("expected_rows", rows)
    if provider == "aws":
        read = _columns_ccf_reads([(name, typ) for name, typ in prep["columns"]])
        sql = _baseline_sql(src, fmt, read)
    else:
        read, sql = _multicloud_baseline(provider, src, args.baseline_native_times)
    _log(f"{tag} baseline reads {len(read)} columns: " + ", ".join(c["name"] for c in read))
    _warm(src)
    common = {"file": str(src), "format": fmt, "memory_limit": args.memory_limit,
              "threads": args.threads}
    if provider != "aws":
        common["provider"] = provider
    # ccf_py's own memory_limit unless --memory-limit overrides it (then ours SETs it too)
    base_limit = (args.memory_limit or os.environ.get(ccf_db.ENV_MEMORY_LIMIT)
                  or ccf_db.DEFAULT_MEMORY_LIMIT)
    db_path = workdir / (f"bench-{rows}-{fmt.replace('.', '-')}.duckdb" if provider == "aws"
                         else f"bench-{provider}-{rows}-{fmt.replace('.', '-')}.duckdb")
    base_runs: list[dict[str, Any]] = []
    our_runs: list[dict[str, Any]] = []
    for k in range(1, args.repeat + 1):  # alternate, so drift in load hits both sides
        if not any("error" in r for r in base_runs):
            b = _run_child({**common, "kind": "baseline", "sql": sql,
                            "baseline_memory_limit": base_limit})
            base_runs.append(b)
            _log(f"{tag} run {k} baseline " + (f"ERROR: {b['error']}" if "error" in b else
                 f"{b['wall_s']:.3f} s wall, {b['cpu_s']:.3f} s CPU, "
                 f"{b['groups']} groups, peak RSS {b['peak_rss_mib']:.0f} MiB"))
        if not any("error" in r for r in our_runs):
            o = _run_child({**common, "kind": "ours", "db": str(db_path)})
            our_runs.append(o)
            _log(f"{tag} run {k} ours " + (
                f"ERROR in {o.get('phase')}: {o['error']} (peak RSS {o['peak_rss_mib']:.0f} "
                "MiB)" if "error" in o else
                f"ingest {o['ingest_s']:.3f} s ({o['ingest_cpu_s']:.3f} CPU), report "
                f"{o['report_s']:.3f} s ({o['report_cpu_s']:.3f} CPU), peak RSS "
                f"{o['peak_rss_mib']:.0f} MiB"))
    if not args.keep:
        for p in (db_path, Path(str(db_path) + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
    res = _summarise(rows, fmt, src, size_mb, gen_s, read, sql, base_runs, our_runs,
                     expected_rows=expected)
    if provider != "aws":
        res = {"provider": provider, **res, "expected_ingested_rows": expected}
    return res


def _multicloud_baseline(provider: str, src: Path, native_times: bool = False
                         ) -> tuple[list[dict[str, Any]], str]:
    """Columns read and the baseline SQL for a GCP or Azure file (``multicloud.py``, derived
    from the ingest module's own column spec). The baseline reads the plain and the .gz file
    alike (DuckDB's readers inflate .gz themselves, as ccf_py's do)."""
    multicloud = _multicloud()
    if provider == "gcp":
        sql, names = multicloud.gcp_baseline_sql(str(src), native_times=native_times)
    else:
        opener = gzip.open if src.name.endswith(".gz") else open
        with opener(src, "rt", encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh))
        sql, names = multicloud.azure_baseline_sql(str(src), header)
    return [{"name": n} for n in names], sql


def _summarise(rows: int, fmt: str, src: Path, size_mb: float, gen_s: float | None,
               read: list[dict[str, Any]], sql: str, base_runs: list[dict[str, Any]],
               our_runs: list[dict[str, Any]], *, expected_rows: int | None = None
               ) -> dict[str, Any]:
    errors = [f"baseline: {r['error']}" for r in base_runs if "error" in r]
    errors += [f"ours ({r.get('phase')}): {r['error']}" for r in our_runs if "error" in r]
    settings = {side: runs[0].get("duckdb_settings") for side, runs in
                (("baseline", base_runs), ("ours", our_runs)) if runs}
    if (all(settings.get(s) for s in ("baseline", "ours"))
            and settings["baseline"] != settings["ours"]):
        errors.append(f"DuckDB settings differ: {settings}")
    for r in base_runs:
        if "rows_scanned" in r and r["rows_scanned"] != rows:
            errors.append(f"baseline scanned {r['rows_scanned']} rows, expected {rows}")
    for r in our_runs:
        want = rows if expected_rows is None else expected_rows
        if r.get("ingested_rows") not in (None, want):
            errors.append(f"ours ingested {r['ingested_rows']} rows, expected {want}")
    ok_b = [r for r in base_runs if "error" not in r]
    ok_o = [r for r in our_runs if "error" not in r]

    def med(runs: list[dict[str, Any]], key: str) -> float | None:
        return _median([r[key] for r in runs])

    def peak(key: str) -> float | None:
        values = [r[key] for r in our_runs if r.get(key) is not None]
        return max(values) if values else None

    res: dict[str, Any] = {
        "format": fmt, "rows": rows, "file": str(src), "file_mb": size_mb, "generate_s": gen_s,
        "columns_read": [c["name"] for c in read], "baseline_sql": sql,
        "duckdb_settings": settings, "runs": len(our_runs),
        "baseline_wall_s": med(ok_b, "wall_s"), "baseline_cpu_s": med(ok_b, "cpu_s"),
        "ingest_s": med(ok_o, "ingest_s"), "ingest_cpu_s": med(ok_o, "ingest_cpu_s"),
        "report_s": med(ok_o, "report_s"), "report_cpu_s": med(ok_o, "report_cpu_s"),
        "total_s": med(ok_o, "total_s"), "total_cpu_s": med(ok_o, "total_cpu_s"),
        "peak_rss_mib": peak("peak_rss_mib"), "ingest_peak_rss_mib": peak("ingest_peak_rss_mib"),
        "report_peak_rss_mib": peak("report_peak_rss_mib"),
        "baseline_peak_rss_mib": max((r["peak_rss_mib"] for r in base_runs), default=None),
        "db_size_mb": med(ok_o, "db_size_mb"),
        "error": "; ".join(dict.fromkeys(errors)) or None,
        "baseline_runs": base_runs, "ours_runs": our_runs,
    }
    for side in ("total", "report"):
        res[f"{side}_wall_ratio"] = _div(res[f"{side}_s"], res["baseline_wall_s"])
        res[f"{side}_cpu_ratio"] = _div(res[f"{side}_cpu_s"], res["baseline_cpu_s"])
    return res


def _verdicts(r: dict[str, Any], judge: str) -> dict[str, bool]:
    total, report = r[f"total_{judge}_ratio"], r[f"report_{judge}_ratio"]
    ok = not r["error"]
    return {
        "total": ok and total is not None and total <= TARGET_TOTAL_RATIO,
        "report": ok and report is not None and report <= TARGET_REPORT_RATIO,
        "rss": ok and r["peak_rss_mib"] is not None and r["peak_rss_mib"] < TARGET_RSS_MIB,
    }


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _machine() -> dict[str, Any]:
    import duckdb

    import ccf_py

    info: dict[str, Any] = {
        "python": platform.python_version(), "duckdb": duckdb.__version__,
        "ccf_py": getattr(ccf_py, "__version__", "?"), "platform": platform.platform(),
        "cpus": os.cpu_count(), "cpus_usable": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity") else None, "cpu_model": None, "mem_gib": None,
    }
    with contextlib.suppress(OSError):
        text = Path("/proc/cpuinfo").read_text()
        model = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
        info["cpu_model"] = model.group(1).strip() if model else None
    with contextlib.suppress(OSError, AttributeError):
        kib = re.search(r"^MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text(), re.M)
        info["mem_gib"] = round(int(kib.group(1)) / 1024**2, 1)  # type: ignore[union-attr]
    return info


def _print_table(results: list[dict[str, Any]], args: argparse.Namespace,
                 machine: dict[str, Any], load_start: tuple[float, ...]) -> bool:
    cols = [("format", "<7"), ("rows", ">11"), ("file MB", ">8"), ("base wall", ">9"),
            ("base CPU", ">8"), ("ingest s", ">8"), ("report s", ">8"), ("total s", ">7"),
            ("tot/b wall", ">10"), ("tot/b CPU", ">9"), ("rep/b wall", ">10"),
            ("rep/b CPU", ">9"), ("RSS ing/rep MiB", ">15"), ("total", ">5"),
            ("report", ">6"), ("RSS", ">5")]
    print()
    print("  ".join(format(name, spec) for name, spec in cols))
    print("  ".join("-" * len(format(name, spec)) for name, spec in cols))
    overall = True
    for r in results:
        v = _verdicts(r, args.judge)
        overall = overall and all(v.values())

        def word(ok: bool, r: dict[str, Any] = r) -> str:
            return "ERROR" if r["error"] else ("PASS" if ok else "FAIL")

        cells = [r["format"], f"{r['rows']:,}", f"{r['file_mb']:.1f}",
                 _fmt(r["baseline_wall_s"], ".3f"), _fmt(r["baseline_cpu_s"], ".3f"),
                 _fmt(r["ingest_s"], ".3f"), _fmt(r["report_s"], ".3f"),
                 _fmt(r["total_s"], ".3f"), _fmt(r["total_wall_ratio"], ".2f"),
                 _fmt(r["total_cpu_ratio"], ".2f"), _fmt(r["report_wall_ratio"], ".2f"),
                 _fmt(r["report_cpu_ratio"], ".2f"),
                 f"{_fmt(r['ingest_peak_rss_mib'], '.0f')}/"
                 f"{_fmt(r['report_peak_rss_mib'], '.0f')}",
                 word(v["total"]), word(v["report"]), word(v["rss"])]
        print("  ".join(format(c, spec) for c, (_, spec) in zip(cells, cols, strict=True)))
    print()
    for r in results:
        if r["error"]:
            print(f"ERROR {r['format']} {r['rows']:,} rows: {r['error']}")
    settings = next((r["duckdb_settings"].get("ours") for r in results
                     if r["duckdb_settings"].get("ours")), {}) or {}
    if args.provider != "aws":
        print(f"provider: {args.provider} (ours: api.ingest_"
              f"{'gcp_billing' if args.provider == 'gcp' else 'azure_export'} + api.report)"
              + ("; baseline declares usage_start_time TIMESTAMP (native parse)"
                 if args.baseline_native_times else ""))
    print(f"targets: (ingest+report)/baseline <= {TARGET_TOTAL_RATIO}, report/baseline <= "
          f"{TARGET_REPORT_RATIO} (judged on {args.judge} time), peak RSS < "
          f"{TARGET_RSS_MIB / 1024:.0f} GiB")
    print(f"medians of {args.repeat} runs per side (baseline and ours alternate, each in a fresh "
          "process); CPU = user+sys seconds; RSS = highest of all runs of ours")
    print("DuckDB on both sides: " + ", ".join(f"{k}={v}" for k, v in sorted(settings.items()))
          + ("" if args.memory_limit or args.threads else " (ccf_py's defaults)"))
    print(f"machine: {machine['cpu_model']}, {machine['cpus_usable']}/{machine['cpus']} CPUs, "
          f"{machine['mem_gib']} GiB RAM, {machine['platform']}, Python {machine['python']}, "
          f"DuckDB {machine['duckdb']}")
    print("load average at start: " + " ".join(f"{x:.2f}" for x in load_start)
          + " | at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    for fmt in dict.fromkeys(r["format"] for r in results):
        by_rows = [r for r in results if r["format"] == fmt]
        if len(by_rows) > 1:
            print(f"peak RSS by rows ({fmt}): " + ", ".join(
                f"{r['rows']:,} -> {_fmt(r['peak_rss_mib'], '.0f')} MiB" for r in by_rows))
    print(f"overall: {'PASS' if overall else 'FAIL'}")
    return overall


def _positive_int(text: str) -> int:
    value = int(text.replace("_", "").replace(",", ""))
    if value <= 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return value


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return _child_main(argv[1])
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=_positive_int, nargs="+", default=[1_000_000],
                        help="row counts to benchmark (default 1000000); several show how "
                             "peak RSS scales with N")
    parser.add_argument("--provider", choices=tuple(PROVIDER_FORMATS), default="aws",
                        help="whose billing export to benchmark (default aws: the CUR); gcp: "
                             "a standard usage cost export as NDJSON, azure: an EA actual "
                             "cost CSV")
    parser.add_argument("--format", nargs="+", default=None,
                        choices=tuple(dict.fromkeys(f for fs in PROVIDER_FORMATS.values()
                                                    for f in fs)),
                        help="file types to run (default: all of the provider's: aws csv "
                             "csv.gz parquet, gcp json json.gz, azure csv csv.gz); csv.gz is "
                             "how AWS delivers CSV CURs, parquet is Athena's layout")
    parser.add_argument("--baseline-native-times", action="store_true",
                        help="gcp: the baseline's read_json declares usage_start_time "
                             "TIMESTAMP (DuckDB's JSON reader parses it) instead of VARCHAR "
                             "converted with ccf_py's rule (the stricter baseline)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where the synthetic CUR files and databases go (default: a temp "
                             "folder, removed afterwards unless --keep); existing CUR files "
                             "for the same rows/format/generator are reused")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temp work folder and the benchmark databases")
    parser.add_argument("--json", type=Path, default=None, metavar="OUT",
                        help="also write every measurement (all runs of both sides) to OUT")
    parser.add_argument("--repeat", type=_positive_int, default=3,
                        help="runs per side, each in a fresh process (and database); medians "
                             "count (default 3)")
    parser.add_argument("--memory-limit", default=None, metavar="SIZE",
                        help="SET memory_limit on both sides, e.g. 2GB (default: ccf_py's, "
                             "$CCF_PY_MEMORY_LIMIT or 1GB, on both sides)")
    parser.add_argument("--threads", type=_positive_int, default=None,
                        help="SET threads on both sides (default: DuckDB's, one per core)")
    parser.add_argument("--judge", choices=("wall", "cpu"), default="wall",
                        help="which ratio PASS/FAIL is judged on (default wall; cpu is less "
                             "sensitive to other load on a shared machine)")
    args = parser.parse_args(argv)
    if args.baseline_native_times and args.provider != "gcp":
        parser.error("--baseline-native-times applies to --provider gcp")
    allowed = PROVIDER_FORMATS[args.provider]
    args.format = list(dict.fromkeys(args.format or allowed))
    if any(f not in allowed for f in args.format):
        parser.error(f"--provider {args.provider} takes --format {', '.join(allowed)}")

    load_start = os.getloadavg()
    machine = _machine()
    own_tmp = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="ccf-bench-")) if own_tmp else args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    try:
        for fmt in args.format:
            for rows in args.rows:
                results.append(_measure(rows, fmt, args, workdir))
    finally:
        if own_tmp and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        elif own_tmp:
            _log(f"kept {workdir}")

    overall = _print_table(results, args, machine, load_start)
    if args.json:
        machine.update(loadavg_start=load_start, loadavg_end=os.getloadavg(),
                       parent_peak_rss_mib=_peak_rss_mib())
        doc: dict[str, Any] = {"targets": {"total_ratio_max": TARGET_TOTAL_RATIO,
                           "report_ratio_max": TARGET_REPORT_RATIO,
                           "peak_rss_mib_max": TARGET_RSS_MIB, "judged_on": args.judge},
               "machine": machine,
               "settings": {"formats": args.format, "rows": args.rows,
                            "memory_limit": args.memory_limit, "threads": args.threads,
                            "repeat": args.repeat},
               "results": [{**r, "verdicts": _verdicts(r, args.judge)} for r in results],
               "overall": overall}
        if args.provider != "aws":
            doc["settings"]["provider"] = args.provider
            doc["settings"]["baseline_native_times"] = args.baseline_native_times
        args.json.write_text(json.dumps(doc, indent=2) + "\n")
    return 0 if overall else 1


if __name__ == "__main__":
    raise SystemExit(main())
