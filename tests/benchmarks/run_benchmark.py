#!/usr/bin/env python
"""Benchmark ccf_py's ingest + report against DuckDB's own raw scan of the same CUR file.

    python tests/benchmarks/run_benchmark.py --rows 1000000 [--format csv|parquet]
        [--workdir DIR] [--keep] [--json OUT] [--memory-limit 1GB] [--threads N]

For each ``--rows`` value it

1. writes a synthetic legacy CUR of that many rows (``ccf_py.demo_data.generate_synthetic_cur_sql``)
   into the work folder, unless a file for that row count and format is already there;
2. times the BASELINE: a fresh in-memory DuckDB running
   ``SELECT "lineItem/ProductCode", "lineItem/UsageType", sum("lineItem/UnblendedCost")
   FROM read_csv(FILE) GROUP BY ALL`` (or ``read_parquet``), all rows fetched; run twice, the
   faster run counts (warm page cache);
3. times OURS in a fresh database file: ``api.open_db`` -> ``api.ingest_aws_cur`` ->
   ``api.report(by=("service",))``;
4. prints a table with the ratio (ingest + report) / baseline and the peak RSS of OURS, checked
   against the targets: ratio <= 2.0 and peak RSS < 2 GiB.

Every measured run happens in its own child process (this script re-run with a hidden
``--child`` flag), so the peak RSS (``VmHWM`` from ``/proc/self/status``) belongs to that run
alone and one run's caches never help the next. The library is measured as shipped: DuckDB's
defaults (memory_limit = 80% of RAM, one thread per core) unless ``--memory-limit`` or
``--threads`` is given, which the child applies with ``SET`` right after ``open_db`` (the
library code is not changed; the table says when such a setting was in force).

This is not a pytest test (the folder holds no ``test_*`` file); see README.md next to it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_RATIO = 2.0
TARGET_RSS_MIB = 2048.0
BASELINE_RUNS = 2


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


def _peak_rss_mib() -> float:
    hwm = _proc_status_kib("VmHWM")
    if hwm is None:  # macOS reports bytes, Linux KiB
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return maxrss / (1024 * 1024) if sys.platform == "darwin" else maxrss / 1024
    return hwm / 1024


def _reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0), so the next phase is measured alone."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _apply_settings(con: Any, memory_limit: str | None, threads: int | None) -> None:
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")


def _cpu_s() -> float:
    """User + system CPU seconds of this process (all its threads) so far."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _reader(path: str, fmt: str) -> str:
    quoted = "'" + path.replace("'", "''") + "'"
    return f"read_parquet({quoted})" if fmt == "parquet" else f"read_csv({quoted})"


# ----------------------------------------------------------------------------- child side


def _child_baseline(job: dict[str, Any]) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect(":memory:")
    _apply_settings(con, job.get("memory_limit"), job.get("threads"))
    sql = (f'SELECT "lineItem/ProductCode", "lineItem/UsageType", '
           f'sum("lineItem/UnblendedCost") FROM {_reader(job["file"], job["format"])} '
           "GROUP BY ALL")
    times, cpus = [], []
    groups = 0
    for _ in range(BASELINE_RUNS):
        c0, t0 = _cpu_s(), time.perf_counter()
        groups = len(con.execute(sql).fetchall())
        times.append(time.perf_counter() - t0)
        cpus.append(_cpu_s() - c0)
    con.close()
    return {"baseline_s": min(times), "baseline_runs_s": times,
            "baseline_cpu_s": cpus[times.index(min(times))], "baseline_groups": groups,
            "baseline_peak_rss_mib": _peak_rss_mib()}


def _child_ours(job: dict[str, Any]) -> dict[str, Any]:
    from ccf_py import api

    db_path = job["db"]
    for p in (db_path, db_path + ".wal"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(p)
    t0 = time.perf_counter()
    with api.open_db(db_path) as db:
        _apply_settings(db.con, job.get("memory_limit"), job.get("threads"))
        t1, c1 = time.perf_counter(), _cpu_s()
        result = api.ingest_aws_cur(db, [job["file"]])
        t2, c2 = time.perf_counter(), _cpu_s()
        rss_ingest = _peak_rss_mib()
        phase_reset = _reset_peak_rss()
        c2b = _cpu_s()
        table = api.report(db, by=("service",))
        t3, c3 = time.perf_counter(), _cpu_s()
        rss_report = _peak_rss_mib()
        settings = dict(db.con.execute(
            "SELECT name, value FROM duckdb_settings() "
            "WHERE name IN ('memory_limit', 'threads')").fetchall())
    t4 = time.perf_counter()
    return {
        "open_s": t1 - t0, "ingest_s": t2 - t1, "report_s": t3 - t2, "close_s": t4 - t3,
        "ours_s": (t2 - t1) + (t3 - t2),
        "ingest_cpu_s": c2 - c1, "report_cpu_s": c3 - c2b, "ours_cpu_s": (c2 - c1) + (c3 - c2b),
        "ingested_rows": result.rows, "report_rows": len(table.rows),
        "ingest_peak_rss_mib": rss_ingest,
        # after the reset, VmHWM is the peak of the report phase alone
        "report_peak_rss_mib": rss_report if phase_reset else None,
        "peak_rss_mib": max(rss_ingest, rss_report),
        "db_size_mb": os.path.getsize(db_path) / 1e6 if os.path.exists(db_path) else None,
        "duckdb_settings": settings,
    }


def _child_main(payload: str) -> int:
    job = json.loads(payload)
    out = _child_baseline(job) if job["kind"] == "baseline" else _child_ours(job)
    sys.stdout.write("\n" + json.dumps(out) + "\n")
    sys.stdout.flush()
    return 0


# ----------------------------------------------------------------------------- parent side


def _run_child(job: dict[str, Any]) -> dict[str, Any]:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", json.dumps(job)]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{job['kind']} child failed (exit {proc.returncode}); "
                         f"stdout tail: {proc.stdout[-2000:]}")
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    return json.loads(lines[-1])


def _generate(rows: int, fmt: str, workdir: Path) -> tuple[Path, float, bool]:
    import duckdb

    from ccf_py.demo_data import generate_synthetic_cur_sql

    target = workdir / f"synthetic-cur-{rows}.{fmt}"
    if target.exists() and target.stat().st_size > 0:
        return target, 0.0, False
    partial = workdir / f".partial-{os.getpid()}-{target.name}"
    t0 = time.perf_counter()
    con = duckdb.connect(":memory:")
    try:
        con.execute(generate_synthetic_cur_sql(rows, str(partial), fmt))
    finally:
        con.close()
    os.replace(partial, target)
    return target, time.perf_counter() - t0, True


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _print_table(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    cols = [("rows", ">11"), ("file MB", ">8"), ("baseline s", ">10"), ("ingest s", ">9"),
            ("report s", ">9"), ("total s", ">8"), ("ratio", ">6"), ("CPU ratio", ">9"),
            ("peak RSS MiB", ">12"),
            ("ingest/report RSS", ">17"), ("ratio?", ">6"), ("RSS?", ">5")]
    print()
    print("  ".join(format(name, spec) for name, spec in cols))
    print("  ".join("-" * len(format(name, spec)) for name, spec in cols))
    for r in results:
        split = (f"{_fmt(r['ingest_peak_rss_mib'], '.0f')}/"
                 f"{_fmt(r['report_peak_rss_mib'], '.0f')}")
        cells = [f"{r['rows']:,}", f"{r['file_mb']:.1f}", f"{r['baseline_s']:.3f}",
                 f"{r['ingest_s']:.3f}", f"{r['report_s']:.3f}", f"{r['ours_s']:.3f}",
                 f"{r['ratio']:.2f}", _fmt(r["cpu_ratio"], ".2f"),
                 f"{r['peak_rss_mib']:.0f}", split,
                 "PASS" if r["ratio_pass"] else "FAIL", "PASS" if r["rss_pass"] else "FAIL"]
        print("  ".join(format(c, spec) for c, (_, spec) in zip(cells, cols, strict=True)))
    print()
    settings = results[0]["duckdb_settings"] if results else {}
    print(f"targets: ratio (ingest+report)/baseline <= {TARGET_RATIO}, peak RSS of ours < "
          f"{TARGET_RSS_MIB / 1024:.0f} GiB | format={args.format} | DuckDB in ours: "
          + ", ".join(f"{k}={v}" for k, v in sorted(settings.items()))
          + ("" if args.memory_limit or args.threads else " (library defaults)"))
    print("ratio = wall (ingest+report) / baseline wall; CPU ratio = the same in user+sys CPU "
          "seconds (less sensitive to other load); load average now: "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    if len(results) > 1:
        print("peak RSS by rows: " + ", ".join(
            f"{r['rows']:,} -> {r['peak_rss_mib']:.0f} MiB" for r in results))
    overall = all(r["ratio_pass"] and r["rss_pass"] for r in results)
    print(f"overall: {'PASS' if overall else 'FAIL'}")


def _positive_int(text: str) -> int:
    value = int(text.replace("_", "").replace(",", ""))
    if value <= 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return value


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return _child_main(argv[1])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=_positive_int, nargs="+", default=[1_000_000],
                        help="row counts to benchmark (default 1000000); several show how "
                             "peak RSS scales with N")
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where the synthetic CUR files and databases go (default: a temp "
                             "folder, removed afterwards unless --keep); existing CUR files "
                             "for the same rows/format are reused")
    parser.add_argument("--keep", action="store_true",
                        help="keep the generated files and the last database")
    parser.add_argument("--json", type=Path, default=None, metavar="OUT",
                        help="also write the results as JSON to OUT")
    parser.add_argument("--memory-limit", default=None, metavar="SIZE",
                        help="SET memory_limit in every measured connection, e.g. 1GB "
                             "(default: DuckDB's own default)")
    parser.add_argument("--repeat", type=_positive_int, default=1,
                        help="run OURS this many times per row count, each in a fresh process "
                             "and database; the fastest counts, the highest peak RSS is shown")
    parser.add_argument("--threads", type=_positive_int, default=None,
                        help="SET threads in every measured connection (default: DuckDB's)")
    args = parser.parse_args(argv)

    own_tmp = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="ccf-bench-")) if own_tmp else args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    try:
        for rows in args.rows:
            src, gen_s, made = _generate(rows, args.format, workdir)
            print(f"[{rows:,} rows] {'generated' if made else 'reusing'} {src} "
                  f"({src.stat().st_size / 1e6:.1f} MB{f', {gen_s:.1f} s' if made else ''})",
                  file=sys.stderr, flush=True)
            common = {"file": str(src), "format": args.format,
                      "memory_limit": args.memory_limit, "threads": args.threads}
            base = _run_child({**common, "kind": "baseline"})
            print(f"[{rows:,} rows] baseline {base['baseline_s']:.3f} s "
                  f"(runs: {', '.join(f'{t:.3f}' for t in base['baseline_runs_s'])})",
                  file=sys.stderr, flush=True)
            db_path = workdir / f"bench-{rows}.duckdb"
            runs = []
            for _ in range(args.repeat):
                run = _run_child({**common, "kind": "ours", "db": str(db_path)})
                print(f"[{rows:,} rows] ours ingest {run['ingest_s']:.3f} s, report "
                      f"{run['report_s']:.3f} s, peak RSS {run['peak_rss_mib']:.0f} MiB",
                      file=sys.stderr, flush=True)
                runs.append(run)
            # the fastest run's times; the highest peak RSS of all runs (never flattering)
            ours = dict(min(runs, key=lambda r: r["ours_s"]))
            for key in ("peak_rss_mib", "ingest_peak_rss_mib", "report_peak_rss_mib"):
                values = [r[key] for r in runs if r[key] is not None]
                ours[key] = max(values) if values else None
            ours["ours_runs_s"] = [r["ours_s"] for r in runs]
            if ours["ingested_rows"] != rows:
                print(f"WARNING: ingested {ours['ingested_rows']} rows, expected {rows}",
                      file=sys.stderr)
            ratio = ours["ours_s"] / base["baseline_s"]
            cpu_ratio = (ours["ours_cpu_s"] / base["baseline_cpu_s"]
                         if base["baseline_cpu_s"] else None)
            results.append({
                "rows": rows, "format": args.format, "file": str(src),
                "file_mb": src.stat().st_size / 1e6, "generate_s": gen_s if made else None,
                **base, **ours, "ratio": ratio, "cpu_ratio": cpu_ratio,
                "ratio_pass": ratio <= TARGET_RATIO,
                "rss_pass": ours["peak_rss_mib"] < TARGET_RSS_MIB,
            })
            if not args.keep:
                for p in (db_path, Path(str(db_path) + ".wal")):
                    with contextlib.suppress(FileNotFoundError):
                        p.unlink()
    finally:
        if own_tmp and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        elif own_tmp:
            print(f"kept {workdir}", file=sys.stderr)

    _print_table(results, args)
    if args.json:
        import duckdb

        doc = {"targets": {"ratio_max": TARGET_RATIO, "peak_rss_mib_max": TARGET_RSS_MIB},
               "machine": {"python": platform.python_version(), "duckdb": duckdb.__version__,
                           "cpus": os.cpu_count(), "platform": platform.platform()},
               "settings": {"memory_limit": args.memory_limit, "threads": args.threads},
               "results": results}
        args.json.write_text(json.dumps(doc, indent=2) + "\n")
    return 0 if all(r["ratio_pass"] and r["rss_pass"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
