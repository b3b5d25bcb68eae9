"""Load AWS Cost and Usage Reports into ``raw_aws_cur``.

Three dialects arrive in the wild and all map to one canonical table:

* legacy CUR CSV / CSV.gz: ``lineItem/UsageType``, ``resourceTags/user:team``
* legacy CUR Parquet / Athena tables: ``line_item_usage_type``, ``resource_tags_user_team``
* CUR 2.0 (Data Exports) Parquet: the same snake names plus ``product`` and ``resource_tags`` MAPs

A column name is reduced to its snake form (``lineItem/UsageType`` -> ``line_item_usage_type``) and
looked up in :data:`COLUMNS`; each file is mapped on its own, so months with added or missing
columns load side by side (schema drift). A load is one transaction: rows of the new files go in,
then rows of the same (payer account, billing period) from earlier loads go out, so reloading a
month or loading a restated month replaces it, and a failure leaves the database untouched.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ccf_py.errors import InputError, MissingColumnError
from ccf_py.ingest.sources import Source

RAW_TABLE_DDL = """
CREATE TABLE IF NOT EXISTS raw_aws_cur (
    billing_period DATE NOT NULL, usage_start TIMESTAMP,
    payer_account_id VARCHAR, account_id VARCHAR, line_item_type VARCHAR, service VARCHAR,
    usage_type VARCHAR, region VARCHAR, pricing_unit VARCHAR,
    usage_amount DOUBLE, unblended_cost DOUBLE, blended_cost DOUBLE,
    public_on_demand_cost DOUBLE, vcpu DOUBLE, instance_type VARCHAR, resource_id VARCHAR,
    tags JSON, source_file VARCHAR, load_id BIGINT);
CREATE TABLE IF NOT EXISTS ingest_log (
    load_id BIGINT, loaded_at TIMESTAMP, source VARCHAR, files INTEGER, rows BIGINT,
    billing_periods VARCHAR, replaced_rows BIGINT);
"""

# canonical column -> (snake source names in order of preference, DuckDB type, required)
COLUMNS: dict[str, tuple[tuple[str, ...], str, bool]] = {
    "usage_start": (("line_item_usage_start_date",), "TIMESTAMP", True),
    "payer_account_id": (("bill_payer_account_id",), "VARCHAR", False),
    "account_id": (("line_item_usage_account_id",), "VARCHAR", False),
    "line_item_type": (("line_item_line_item_type",), "VARCHAR", True),
    "service": (("line_item_product_code", "product_servicecode"), "VARCHAR", True),
    "usage_type": (("line_item_usage_type", "product_usagetype"), "VARCHAR", True),
    "region": (("product_region_code", "product_region"), "VARCHAR", False),
    "pricing_unit": (("pricing_unit",), "VARCHAR", False),
    "usage_amount": (("line_item_usage_amount",), "DOUBLE", True),
    "unblended_cost": (("line_item_unblended_cost",), "DOUBLE", True),
    "blended_cost": (("line_item_blended_cost",), "DOUBLE", False),
    "public_on_demand_cost": (("pricing_public_on_demand_cost",), "DOUBLE", False),
    "vcpu": (("product_vcpu",), "DOUBLE", False),
    "instance_type": (("product_instance_type",), "VARCHAR", False),
    "resource_id": (("line_item_resource_id",), "VARCHAR", False),
}
BILLING_PERIOD_SOURCES = ("bill_billing_period_start_date", "billing_period")
# CUR 2.0 keeps most product attributes in the ``product`` MAP.
PRODUCT_MAP_KEYS = {"region": "region", "vcpu": "vcpu", "instance_type": "instance_type"}


def snake(name: str) -> str:
    """``lineItem/UsageType`` -> ``line_item_usage_type`` (Athena's rule for CUR columns)."""
    parts = re.split(r"[/:]", name)
    return "_".join(re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", p).lower() for p in parts)


def tag_key(name: str) -> str | None:
    """Tag key from a tag column, or None: ``resourceTags/user:CostCenter`` -> ``cost_center``.

    Keys are stored in snake form because Athena and CUR 2.0 only have that spelling
    (``resource_tags_user_cost_center``, ``resource_tags['user_cost_center']``): one tag then
    groups the same way whichever dialect a month arrived in.
    """
    if name.startswith("resourceTags/"):
        key = name.split("/", 1)[1]
        return snake(key[5:] if key.startswith("user:") else key)
    if name.startswith("resource_tags_user_"):
        return name[len("resource_tags_user_"):]
    return None


def qident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def qstr(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class IngestResult:
    load_id: int
    files: int
    rows: int
    replaced_rows: int
    billing_periods: tuple[str, ...]
    cost_total: float
    replaced_from: str = ""   # source files of the rows that were replaced


def _is_parquet(name: str) -> bool:
    return ".parquet" in name.lower()


def _describe(con: duckdb.DuckDBPyConnection, src: Source) -> list[tuple[str, str]]:
    """Column names (and types) of one file, as DuckDB will name them."""
    if not _is_parquet(src.path.name):
        header = _csv_header(src.path)
        if header is not None:
            return [(name, "VARCHAR") for name in header]
    reader = "read_parquet(?)" if _is_parquet(src.path.name) else "read_csv(?, header=true)"
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {reader}", [str(src.path)]).fetchall()
    except duckdb.Error as exc:
        raise InputError(src.name, f"not a readable CUR file: {first_line(exc)}") from None
    return [(r[0], r[1]) for r in rows]


def _csv_header(path: Path) -> list[str] | None:
    """The header row read directly (a few bytes, where DuckDB's DESCRIBE sniffs thousands of
    rows, ~0.3 s a file). None when DuckDB might name columns differently (another delimiter,
    names equal but for case, blanks): then DuckDB is asked."""
    try:
        with path.open("rb") as raw:
            gz = raw.read(2) == b"\x1f\x8b"
        opener = gzip.open if gz else open
        with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), None)
    except (OSError, UnicodeDecodeError, csv.Error, EOFError):
        return None
    if not header or len(header) < 2 or any(not h.strip() for h in header):
        return None
    if len({h.lower() for h in header}) != len(header):
        return None
    return header


def first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _select_sql(src: Source, columns: list[tuple[str, str]], load_id: int) -> tuple[str, str]:
    """Build ``(reader, select-list)`` for one file from its own header."""
    by_snake: dict[str, str] = {}
    for name, _typ in columns:
        by_snake.setdefault(snake(name), name)
    types = dict(columns)
    exprs, csv_types = [], {}
    missing = []
    has_product_map = "product" in by_snake and "MAP" in types.get(by_snake["product"], "")
    for canon, (sources, typ, required) in COLUMNS.items():
        found = [by_snake[s] for s in sources if s in by_snake]
        parts = [f"CAST({qident(f)} AS {typ})" for f in found]
        csv_types.update({f: typ for f in found})
        if canon in PRODUCT_MAP_KEYS and has_product_map:
            parts.append(f"TRY_CAST(product[{qstr(PRODUCT_MAP_KEYS[canon])}] AS {typ})")
        if parts:
            expr = parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"
            exprs.append(f"{expr} AS {canon}")
        elif required:
            missing.append(sources[0])
        else:
            exprs.append(f"CAST(NULL AS {typ}) AS {canon}")
    if missing:
        raise MissingColumnError(src.name, "missing required CUR column(s) "
                                 + ", ".join(missing) + " (expected legacy CUR, Athena or "
                                 "CUR 2.0 column names)")
    period = _billing_period_expr(by_snake, types, csv_types)
    tag_cols = [(n, key) for n, _ in columns if (key := tag_key(n))]
    for n, _ in tag_cols:
        csv_types[n] = "VARCHAR"
    if tag_cols:
        # JSON text, not a MAP: building a MAP per row made ingest ~20 % slower (benchmark)
        args = ", ".join(f"{qstr(k)}, {qident(n)}" for n, k in tag_cols)
        tags = f"json_object({args})"
    elif "resource_tags" in by_snake and "MAP" in types.get(by_snake["resource_tags"], ""):
        tags = ("to_json(map_from_entries(list_transform(map_entries(resource_tags), e -> "
                "{'key': regexp_replace(e.key, '^user_', ''), 'value': e.value})))")
    else:
        tags = "NULL"
    exprs = [period, *exprs, f"CAST({tags} AS JSON) AS tags",
             f"{qstr(src.name)} AS source_file", f"{load_id}::BIGINT AS load_id"]
    if _is_parquet(src.path.name):
        reader = f"read_parquet({qstr(str(src.path))})"
    else:
        spec = ", ".join(f"{qstr(k)}: {qstr(v)}" for k, v in csv_types.items())
        reader = f"read_csv({qstr(str(src.path))}, header=true, types={{{spec}}})"
    return reader, ",\n    ".join(exprs)


def _billing_period_expr(by_snake: dict[str, str], types: dict[str, str],
                         csv_types: dict[str, str]) -> str:
    if BILLING_PERIOD_SOURCES[0] in by_snake:
        col = by_snake[BILLING_PERIOD_SOURCES[0]]
        csv_types[col] = "TIMESTAMP"
        return _month_of(qident(col))
    if BILLING_PERIOD_SOURCES[1] in by_snake:  # CUR 2.0: 'YYYY-MM'
        col = by_snake[BILLING_PERIOD_SOURCES[1]]
        return f"CAST(strptime({qident(col)} || '-01', '%Y-%m-%d') AS DATE) AS billing_period"
    start = by_snake["line_item_usage_start_date"]
    return _month_of(qident(start))


def _month_of(column_sql: str) -> str:
    return f"CAST(date_trunc('month', CAST({column_sql} AS TIMESTAMP)) AS DATE) AS billing_period"


_CSV_LINE = re.compile(r"CSV Error on Line: (\d+)")
_CSV_COLUMN = re.compile(r'converting column "([^"]+)"')


def _input_error(src: Source, exc: duckdb.Error) -> InputError:
    text = str(exc)
    line = _CSV_LINE.search(text)
    col = _CSV_COLUMN.search(text)
    msg = next((ln.strip() for ln in text.splitlines()
                if "Could not convert" in ln or "Error" in ln), first_line(exc))
    msg = re.sub(r'^Error when converting column "[^"]+"\.\s*', "", msg)
    return InputError(src.name, msg, row=int(line.group(1)) if line else None,
                      column=col.group(1) if col else None)


def ingest(con: duckdb.DuckDBPyConnection, sources: Sequence[Source], *, label: str = "",
           progress: Callable[[str], None] | None = None,
           progress_bar: bool = False) -> IngestResult:
    """Load ``sources`` in one transaction; replace earlier rows of the same billing periods.

    ``progress`` gets one line per file; ``progress_bar`` turns on DuckDB's own bar, which
    shows progress inside a long file (for terminals only: it redraws the line).
    """
    con.execute(RAW_TABLE_DDL)
    load_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM ingest_log").fetchone()[0]
    plans = [(src, _select_sql(src, _describe(con, src), load_id)) for src in sources]
    con.execute(f"SET enable_progress_bar = {str(progress_bar).lower()}")
    # Measured (tests/benchmarks): FSST string compression analysis is ~15 % of ingest CPU for
    # a ~40 % smaller file, and row order inside raw_aws_cur carries no meaning; both off for
    # this load only (reset below).
    con.execute("SET disabled_compression_methods = 'fsst'")
    con.execute("SET preserve_insertion_order = false")
    try:
        con.execute("BEGIN TRANSACTION")
        for i, (src, (reader, select)) in enumerate(plans, start=1):
            if progress:
                progress(f"[{i}/{len(plans)}] loading {src.name}")
            try:
                con.execute(f"INSERT INTO raw_aws_cur BY NAME SELECT {select} FROM {reader}")
            except duckdb.Error as exc:
                raise _input_error(src, exc) from None
        _refuse_duplicate_files(con, load_id)
        result = _replace_periods(con, load_id, len(plans), label)
        con.execute("COMMIT")
    except BaseException:
        # a failed COMMIT has already rolled back; never hide the real error behind ROLLBACK's
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    finally:
        for setting in ("disabled_compression_methods", "preserve_insertion_order",
                        "enable_progress_bar"):
            con.execute(f"RESET {setting}")
    if progress and result.replaced_rows:
        progress(f"replaced {result.replaced_rows} rows of {', '.join(result.billing_periods)} "
                 f"from earlier loads ({result.replaced_from}); load every file of a billing "
                 "period in one command")
    return result


def _refuse_duplicate_files(con: duckdb.DuckDBPyConnection, load_id: int) -> None:
    """Two files of one load with the same periods, row count and cost are the same export
    twice (``x.csv`` beside ``x.csv.gz``, a copied folder): loading both would double-count."""
    dup = con.execute(
        """WITH per_file AS (
               SELECT source_file, list(DISTINCT billing_period ORDER BY billing_period) AS p,
                      count(*) AS n, round(sum(unblended_cost), 6) AS c
               FROM raw_aws_cur WHERE load_id = ? GROUP BY source_file)
           SELECT a.source_file, b.source_file FROM per_file a JOIN per_file b
             ON a.p = b.p AND a.n = b.n AND a.c IS NOT DISTINCT FROM b.c
            AND a.source_file < b.source_file
           ORDER BY 1, 2 LIMIT 1""", [load_id]).fetchone()
    if dup:
        raise InputError(dup[1], f"same billing rows as {dup[0]} (same periods, row count and "
                         "cost): the same export given twice; load one of them")


def _replace_periods(con: duckdb.DuckDBPyConnection, load_id: int, files: int,
                     label: str) -> IngestResult:
    """Delete earlier loads' rows of the (payer account, billing period) pairs just loaded."""
    rows, cost, pairs = con.execute(
        "SELECT count(*), coalesce(sum(unblended_cost), 0), "
        "list(DISTINCT {'payer': payer_account_id, 'period': billing_period}) "
        "FROM raw_aws_cur WHERE load_id = ?", [load_id]).fetchone()
    pairs = pairs or []
    periods = tuple(sorted({str(p["period"])[:7] for p in pairs}))
    replaced, replaced_from = 0, ""
    if pairs:
        con.execute("CREATE OR REPLACE TEMP TABLE _loaded_periods (payer VARCHAR, period DATE)")
        con.executemany("INSERT INTO _loaded_periods VALUES (?, ?)",
                        [(p["payer"], p["period"]) for p in pairs])
        # A NULL payer (CUR 2.0 exports may omit the column) matches any payer of the period:
        # better to replace than to count the month twice.
        match = """load_id <> $id AND EXISTS (
                   SELECT 1 FROM _loaded_periods n
                   WHERE n.period = raw_aws_cur.billing_period
                     AND (n.payer IS NULL OR raw_aws_cur.payer_account_id IS NULL
                          OR n.payer = raw_aws_cur.payer_account_id))"""
        replaced_from = con.execute(
            f"SELECT string_agg(DISTINCT source_file, ', ') FROM raw_aws_cur WHERE {match}",
            {"id": load_id}).fetchone()[0] or ""
        replaced = con.execute(f"DELETE FROM raw_aws_cur WHERE {match}",
                               {"id": load_id}).fetchone()[0]
        con.execute("DROP TABLE _loaded_periods")
    con.execute("INSERT INTO ingest_log VALUES (?, ?, ?, ?, ?, ?, ?)",
                [load_id, datetime.now(UTC).replace(tzinfo=None), label, files, rows,
                 ",".join(periods), replaced])
    return IngestResult(load_id, files, rows, replaced, periods, float(cost), replaced_from)
