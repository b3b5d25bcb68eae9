#!/usr/bin/env python
"""Benchmark ccf_py's ingest + report against DuckDB's own raw scan of the same CUR file.

    python tests/benchmarks/run_benchmark.py --rows 1000000 [--format csv.gz|csv|parquet]
        [--workdir DIR] [--keep] [--json OUT] [--repeat K] [--memory-limit 1GB] [--threads N]

For each ``--rows`` value it

1. writes a synthetic legacy CUR of that many rows (``ccf_py.demo_data.generate_synthetic_cur_sql``)
   into the work folder, unless a file for that row count and format is already there;
2. times the BASELINE: a fresh in-memory DuckDB running
   ``SELECT "lineItem/ProductCode", "lineItem/UsageType", sum("lineItem/UnblendedCost")
   FROM read_csv(FILE) GROUP BY ALL`` (or ``read_parquet``), all rows fetched; run twice, the
   faster run counts (warm page cache);
3. times OURS in a fresh database file: ``api.open_db`` -> ``api.ingest_aws_cur`` ->
   ``api.report(by=("service",))``; ingest and report are timed separately;
4. prints a table with the ratio (ingest + report) / baseline and the peak RSS of OURS, checked
   against the targets: ratio <= 2.0 and peak RSS < 2 GiB.

Every measured run happens in its own child process (this script re-run with a hidden
``--child`` flag), so the peak RSS belongs to that run alone and one run's caches never help
the next. Peak RSS is the larger of the child's own ``VmHWM`` (``/proc/self/status``) and the
``ru_maxrss`` the kernel reports for that child when it is reaped (``os.wait4``), so a child
killed for memory still shows how far it got.

The library is measured as shipped: ccf_py's settings (memory_limit 1 GB from
``db.connect``, one DuckDB thread per core) unless ``--memory-limit`` or ``--threads`` is
given, which the child applies with ``SET`` right after ``open_db``; library code is not
changed, and the summary says which
settings were in force. A run that raises (e.g. DuckDB's out-of-memory error under a low
``--memory-limit``) is reported as ERROR, not hidden.

Exit status: 0 when every row count meets both targets, 1 otherwise.
This is not a pytest test (the folder holds no ``test_*`` file); see README.md next to it.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
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


def _apply_settings(con: Any, memory_limit: str | None, threads: int | None) -> None:
    if memory_limit:
        con.execute("SET memory_limit = " + "'" + memory_limit.replace("'", "''") + "'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")


def _reader(path: str, fmt: str) -> str:
    quoted = "'" + path.replace("'", "''") + "'"
    return f"read_parquet({quoted})" if fmt == "parquet" else f"read_csv({quoted})"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


# ----------------------------------------------------------------------------- child side


def _child_baseline(job: dict[str, Any], out: dict[str, Any]) -> None:
    import duckdb

    con = duckdb.connect(":memory:")
    _apply_settings(con, job.get("memory_limit"), job.get("threads"))
    sql = (f'SELECT "lineItem/ProductCode", "lineItem/UsageType", '
           f'sum("lineItem/UnblendedCost") FROM {_reader(job["file"], job["format"])} '
           "GROUP BY ALL")
    times, cpus = [], []
    for _ in range(BASELINE_RUNS):
        c0, t0 = _cpu_s(), time.perf_counter()
        out["baseline_groups"] = len(con.execute(sql).fetchall())
        times.append(time.perf_counter() - t0)
        cpus.append(_cpu_s() - c0)
    con.close()
    best = times.index(min(times))
    out.update(baseline_s=times[best], baseline_runs_s=times, baseline_cpu_s=cpus[best],
               baseline_peak_rss_mib=_peak_rss_mib())


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
        out["duckdb_settings"] = dict(db.con.execute(
            "SELECT name, value FROM duckdb_settings() "
            "WHERE name IN ('memory_limit', 'threads')").fetchall())
        out["phase"] = "ingest"
        t1, c1 = time.perf_counter(), _cpu_s()
        result = api.ingest_aws_cur(db, [job["file"]])
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
               ours_s=out["ingest_s"] + out["report_s"],
               ours_cpu_s=out["ingest_cpu_s"] + out["report_cpu_s"])


def _child_main(payload: str) -> int:
    job = json.loads(payload)
    out: dict[str, Any] = {}
    try:
        (_child_baseline if job["kind"] == "baseline" else _child_ours)(job, out)
    except Exception as exc:  # reported by the parent, never hidden
        out["error"] = _first_line(exc)
    out["self_peak_rss_mib"] = max(
        v for v in (out.get("ingest_peak_rss_mib"), out.get("report_peak_rss_mib"),
                    out.get("baseline_peak_rss_mib"), _peak_rss_mib()) if v is not None)
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


def _generate(rows: int, fmt: str, workdir: Path) -> tuple[Path, float | None]:
    """The synthetic CUR for ``rows``/``fmt``; seconds spent, or None if it was reused.

    The file name carries a hash of the generator's SQL, so a changed generator never reuses
    a stale file."""
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
    digest = hashlib.sha1(generate_synthetic_cur_sql(rows, "@", fmt).encode()).hexdigest()[:8]
    target = workdir / f"synthetic-cur-{rows}-{digest}.{fmt}"
    if target.exists() and target.stat().st_size > 0:
        return target, None
    partial = workdir / f".partial-{os.getpid()}-{target.name}"
    t0 = time.perf_counter()
    con = duckdb.connect(":memory:")
    try:
        con.execute(generate_synthetic_cur_sql(rows, str(partial), fmt))
    finally:
        con.close()
    os.replace(partial, target)
    return target, time.perf_counter() - t0


def _measure(rows: int, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    src, gen_s = _generate(rows, args.format, workdir)
    size_mb = src.stat().st_size / 1e6
    print(f"[{rows:,} rows] {'reusing' if gen_s is None else 'generated'} {src} "
          f"({size_mb:.1f} MB{'' if gen_s is None else f', {gen_s:.1f} s'})",
          file=sys.stderr, flush=True)
    common = {"file": str(src), "format": args.format, "memory_limit": args.memory_limit,
              "threads": args.threads}
    base = _run_child({**common, "kind": "baseline"})
    if "error" in base:
        print(f"[{rows:,} rows] baseline ERROR: {base['error']}", file=sys.stderr)
    else:
        print(f"[{rows:,} rows] baseline {base['baseline_s']:.3f} s (runs: "
              + ", ".join(f"{t:.3f}" for t in base["baseline_runs_s"]) + ")",
              file=sys.stderr, flush=True)
    db_path = workdir / f"bench-{rows}.duckdb"
    runs = []
    for _ in range(args.repeat):
        run = _run_child({**common, "kind": "ours", "db": str(db_path)})
        runs.append(run)
        if "error" in run:
            print(f"[{rows:,} rows] ours ERROR in {run.get('phase')}: {run['error']} "
                  f"(peak RSS {run['peak_rss_mib']:.0f} MiB)", file=sys.stderr, flush=True)
            break
        print(f"[{rows:,} rows] ours ingest {run['ingest_s']:.3f} s, report "
              f"{run['report_s']:.3f} s, peak RSS {run['peak_rss_mib']:.0f} MiB",
              file=sys.stderr, flush=True)
    if not args.keep:
        for p in (db_path, Path(str(db_path) + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
    failed = [r for r in runs if "error" in r]
    # the fastest run's times; the highest peak RSS of all runs (never flattering)
    ours = dict(failed[0] if failed else min(runs, key=lambda r: r["ours_s"]))
    for key in ("peak_rss_mib", "ingest_peak_rss_mib", "report_peak_rss_mib"):
        values = [r[key] for r in runs if r.get(key) is not None]
        ours[key] = max(values) if values else None
    ours["ours_runs_s"] = [r["ours_s"] for r in runs if "ours_s" in r]
    if ours.get("ingested_rows") not in (None, rows):
        print(f"WARNING: ingested {ours['ingested_rows']} rows, expected {rows}",
              file=sys.stderr)
    errors = ([f"baseline: {base['error']}"] if "error" in base else []) + (
        [f"ours ({ours.get('phase')}): {ours['error']}"] if "error" in ours else [])
    error = "; ".join(errors) or None
    ratio = cpu_ratio = None
    if not error:
        ratio = ours["ours_s"] / base["baseline_s"]
        cpu_ratio = ours["ours_cpu_s"] / base["baseline_cpu_s"] if base["baseline_cpu_s"] else None
    return {
        "rows": rows, "format": args.format, "file": str(src), "file_mb": size_mb,
        "generate_s": gen_s,
        **{k: v for k, v in base.items() if k.startswith("baseline")},
        **{k: v for k, v in ours.items() if k != "self_peak_rss_mib"},
        "error": error, "ratio": ratio, "cpu_ratio": cpu_ratio,
        "ratio_pass": ratio is not None and ratio <= TARGET_RATIO,
        "rss_pass": not ours.get("error") and (ours["peak_rss_mib"] or 0) < TARGET_RSS_MIB,
    }


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _verdict(ok: bool, row: dict[str, Any]) -> str:
    return "ERROR" if row["error"] else ("PASS" if ok else "FAIL")


def _print_table(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    cols = [("rows", ">11"), ("file MB", ">8"), ("baseline s", ">10"), ("ingest s", ">9"),
            ("report s", ">9"), ("total s", ">8"), ("ratio", ">6"), ("CPU ratio", ">9"),
            ("peak RSS MiB", ">12"), ("ingest/report RSS", ">17"), ("ratio?", ">6"),
            ("RSS?", ">5")]
    print()
    print("  ".join(format(name, spec) for name, spec in cols))
    print("  ".join("-" * len(format(name, spec)) for name, spec in cols))
    for r in results:
        split = (f"{_fmt(r.get('ingest_peak_rss_mib'), '.0f')}/"
                 f"{_fmt(r.get('report_peak_rss_mib'), '.0f')}")
        cells = [f"{r['rows']:,}", f"{r['file_mb']:.1f}", _fmt(r.get("baseline_s"), ".3f"),
                 _fmt(r.get("ingest_s"), ".3f"), _fmt(r.get("report_s"), ".3f"),
                 _fmt(r.get("ours_s"), ".3f"), _fmt(r["ratio"], ".2f"),
                 _fmt(r["cpu_ratio"], ".2f"), _fmt(r.get("peak_rss_mib"), ".0f"), split,
                 _verdict(r["ratio_pass"], r), _verdict(r["rss_pass"], r)]
        print("  ".join(format(c, spec) for c, (_, spec) in zip(cells, cols, strict=True)))
    print()
    for r in results:
        if r["error"]:
            print(f"ERROR at {r['rows']:,} rows: {r['error']}")
    settings = next((r["duckdb_settings"] for r in results if r.get("duckdb_settings")), {})
    print(f"targets: ratio (ingest+report)/baseline <= {TARGET_RATIO}, peak RSS of ours < "
          f"{TARGET_RSS_MIB / 1024:.0f} GiB | format={args.format} | DuckDB in ours: "
          + ", ".join(f"{k}={v}" for k, v in sorted(settings.items()))
          + ("" if args.memory_limit or args.threads else " (library defaults)"))
    print("ratio = wall (ingest+report) / baseline wall; CPU ratio = the same in user+sys CPU "
          "seconds (less sensitive to other load); load average now: "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    if len(results) > 1:
        print("peak RSS by rows: " + ", ".join(
            f"{r['rows']:,} -> {_fmt(r.get('peak_rss_mib'), '.0f')} MiB" for r in results))
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
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=_positive_int, nargs="+", default=[1_000_000],
                        help="row counts to benchmark (default 1000000); several show how "
                             "peak RSS scales with N")
    parser.add_argument("--format", choices=("csv", "csv.gz", "parquet"), default="csv.gz",
                        help="csv.gz (default) is how AWS delivers CSV CURs")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where the synthetic CUR files and databases go (default: a temp "
                             "folder, removed afterwards unless --keep); existing CUR files "
                             "for the same rows/format are reused")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temp work folder and the benchmark databases")
    parser.add_argument("--json", type=Path, default=None, metavar="OUT",
                        help="also write the results as JSON to OUT")
    parser.add_argument("--repeat", type=_positive_int, default=1,
                        help="run OURS this many times per row count, each in a fresh process "
                             "and database; the fastest counts, the highest peak RSS is shown")
    parser.add_argument("--memory-limit", default=None, metavar="SIZE",
                        help="SET memory_limit in every measured connection, e.g. 1GB "
                             "(default: DuckDB's own default)")
    parser.add_argument("--threads", type=_positive_int, default=None,
                        help="SET threads in every measured connection (default: DuckDB's)")
    args = parser.parse_args(argv)

    own_tmp = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="ccf-bench-")) if own_tmp else args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    try:
        for rows in args.rows:
            results.append(_measure(rows, args, workdir))
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
                           "cpus": os.cpu_count(), "platform": platform.platform(),
                           "loadavg_at_end": os.getloadavg()},
               "settings": {"format": args.format, "memory_limit": args.memory_limit,
                            "threads": args.threads, "repeat": args.repeat},
               "results": results}
        args.json.write_text(json.dumps(doc, indent=2) + "\n")
    return 0 if all(r["ratio_pass"] and r["rss_pass"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
