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
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ccf_py.errors import InputError, MissingColumnError
from ccf_py.ingest.sources import Source

RAW_TABLE_DDL = """
CREATE TABLE IF NOT EXISTS raw_aws_cur (
    provider VARCHAR NOT NULL DEFAULT 'aws',
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
PROVIDER = "aws"
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
    """Column names (and types) of one file, as DuckDB will name them. CSV columns are all
    text: every value is converted by one rule in SQL (see ``_typed``)."""
    if not _is_parquet(src.path.name):
        header = _csv_header(src.path)
        if header is not None:
            return [(name, "VARCHAR") for name in header]
    reader = "read_parquet(?)" if _is_parquet(src.path.name) else \
        "read_csv(?, header=true, all_varchar=true)"
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {reader}", [str(src.path)]).fetchall()
    except duckdb.Error as exc:
        raise _damaged(src) or InputError(
            src.name, f"not a readable CUR file: {first_line(exc)}") from None
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


@dataclass(frozen=True)
class FilePlan:
    """How one file is read: the reader call, the select list, the export's shape, and the
    text columns converted to numbers or timestamps (to name the row when one fails)."""

    source: Source
    reader: str
    select: str
    shape: str
    # text columns converted to another type: (column as the file names it, SQL, type)
    conversions: tuple[tuple[str, str, str], ...]


def _shape(by_snake: dict[str, str], types: dict[str, str], parquet: bool) -> str:
    """Which kind of export a file is. Parts of one export share a shape; two shapes of one
    billing period are two exports of the same bill."""
    if "billing_period" in by_snake or "MAP" in types.get(by_snake.get("product", ""), ""):
        dialect = "CUR 2.0"
    elif any("/" in name for name in types):
        dialect = "legacy CUR"
    else:
        dialect = "Athena-style CUR"
    return f"{dialect} {'Parquet' if parquet else 'CSV'}"


# trim() cuts spaces only; a cell of tabs or line ends is blank too
_WHITESPACE = "' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)"


def _blank_to_null(column_sql: str) -> str:
    return f"nullif(trim({column_sql}, {_WHITESPACE}), '')"


def _typed(column_sql: str, source_type: str, typ: str) -> str:
    """One conversion rule for every format: text that is empty or only whitespace is NULL
    (Athena and legacy Parquet type product columns as VARCHAR with '' for none); any other
    text must convert, or the load stops. Timestamps go through TIMESTAMPTZ so an offset in
    the text is honoured (the session is UTC)."""
    if "VARCHAR" not in source_type:
        return f"CAST({column_sql} AS {typ})"
    if typ == "VARCHAR":  # '' is "none" in Parquet as in CSV (coalesce falls through it)
        return f"nullif({column_sql}, '')"
    text = _blank_to_null(column_sql)
    if typ == "TIMESTAMP":
        return f"CAST(CAST({text} AS TIMESTAMPTZ) AS TIMESTAMP)"
    return f"CAST({text} AS {typ})"


def _plan(src: Source, columns: list[tuple[str, str]], load_id: int, *,
          csv_as_text: bool = False) -> FilePlan:
    """Build the reader and select list for one file from its own header.

    A CSV's number and date columns are parsed by DuckDB's CSV reader (about 20 % less CPU
    than text plus SQL casts, and its errors name line and column); ``csv_as_text`` reads
    them as text and applies the one conversion rule of ``_typed`` instead, which the load
    falls back to when a number cell holds only whitespace (see ``ingest``).
    """
    by_snake: dict[str, str] = {}
    for name, _typ in columns:
        by_snake.setdefault(snake(name), name)
    types = dict(columns)
    parquet = _is_parquet(src.path.name)
    parsed: dict[str, str] = {}  # CSV columns DuckDB's reader parses itself
    if not parquet and not csv_as_text:
        # timestamps as TIMESTAMPTZ: an offset in the text is honoured (the session is UTC)
        stored = {"TIMESTAMP": "TIMESTAMPTZ"}
        parsed = {by_snake[s]: stored.get(typ, typ) for sources, typ, _ in COLUMNS.values()
                  for s in sources if s in by_snake and typ != "VARCHAR"}
        parsed.update({by_snake[s]: "TIMESTAMPTZ" for s in BILLING_PERIOD_SOURCES[:1]
                       if s in by_snake})
        types.update(parsed)
    exprs, missing = [], []
    conversions: list[tuple[str, str, str]] = []
    has_product_map = "product" in by_snake and "MAP" in types.get(by_snake["product"], "")
    for canon, (sources, typ, required) in COLUMNS.items():
        found = [(by_snake[s], qident(by_snake[s]), types[by_snake[s]])
                 for s in sources if s in by_snake]
        if canon in PRODUCT_MAP_KEYS and has_product_map:
            key = PRODUCT_MAP_KEYS[canon]
            found.append((f"product['{key}']", f"product[{qstr(key)}]", "VARCHAR"))
        parts = [_typed(sql, st, typ) for _label, sql, st in found]
        conversions += [(label, sql, typ) for label, sql, st in found
                        if typ != "VARCHAR" and "VARCHAR" in st]
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
    period, period_conversion = _billing_period_expr(by_snake, types)
    conversions += period_conversion
    tag_cols = [(n, key) for n, _ in columns if (key := tag_key(n))]
    if tag_cols:
        # JSON text, not a MAP: building a MAP per row made ingest ~20 % slower (benchmark);
        # NULL for a row without any tag value (nothing to build, store or parse)
        args = ", ".join(f"{qstr(k)}, {qident(n)}" for n, k in tag_cols)
        present = " OR ".join(f"{qident(n)} IS NOT NULL" for n, _ in tag_cols)
        tags = f"CASE WHEN {present} THEN json_object({args}) END"
    elif "resource_tags" in by_snake and "MAP" in types.get(by_snake["resource_tags"], ""):
        tags = ("to_json(map_from_entries(list_transform(map_entries(resource_tags), e -> "
                "{'key': regexp_replace(e.key, '^user_', ''), 'value': e.value})))")
    else:
        tags = "NULL"
    exprs = [f"{qstr(PROVIDER)} AS provider", period, *exprs, f"CAST({tags} AS JSON) AS tags",
             f"{qstr(src.name)} AS source_file", f"{load_id}::BIGINT AS load_id"]
    return FilePlan(src, _reader(src, parquet, parsed), ",\n    ".join(exprs),
                    _shape(by_snake, types, parquet), tuple(conversions))


def _reader(src: Source, parquet: bool, parsed: dict[str, str] | None = None, *,
            row_number: bool = False) -> str:
    path = qstr(str(src.path))
    if parquet:
        return f"read_parquet({path}{', file_row_number=true' if row_number else ''})"
    spec = ", ".join(f"{qstr(k)}: {qstr(v)}" for k, v in (parsed or {}).items())
    types = f", types={{{spec}}}" if spec else ""
    return f"read_csv({path}, header=true, all_varchar=true{types})"


def _billing_period_expr(by_snake: dict[str, str], types: dict[str, str]
                         ) -> tuple[str, list[tuple[str, str, str]]]:
    if BILLING_PERIOD_SOURCES[1] in by_snake and BILLING_PERIOD_SOURCES[0] not in by_snake:
        col = by_snake[BILLING_PERIOD_SOURCES[1]]  # CUR 2.0: 'YYYY-MM'
        return (f"CAST(strptime(trim({qident(col)}) || '-01', '%Y-%m-%d') AS DATE) "
                "AS billing_period", [])
    col = by_snake.get(BILLING_PERIOD_SOURCES[0], by_snake["line_item_usage_start_date"])
    when = _typed(qident(col), types[col], "TIMESTAMP")
    conversion = [(col, qident(col), "TIMESTAMP")] if "VARCHAR" in types[col] else []
    return f"CAST(date_trunc('month', {when}) AS DATE) AS billing_period", conversion


_CSV_LINE = re.compile(r"CSV Error on Line: (\d+)")
_CSV_COLUMN = re.compile(r'converting column "([^"]+)"')
_CSV_VALUE = re.compile(r'Could not convert string "(.*)" to ')


class _BlankNumber(Exception):
    """A CSV number cell holds only whitespace: reload that file as text (``ingest``)."""


def _input_error(con: duckdb.DuckDBPyConnection, plan: FilePlan,
                 exc: duckdb.Error) -> InputError:
    """One line naming the file (and row and column when they can be found) for a file that
    failed to load: a damaged download first, then the first value that does not convert."""
    src = plan.source
    text = str(exc)
    line, column, value = (_CSV_LINE.search(text), _CSV_COLUMN.search(text),
                           _CSV_VALUE.search(text))
    damaged = _damaged(src, int(line.group(1)) if line else None)
    if damaged:
        return damaged
    if "NOT NULL constraint failed" in text and "billing_period" in text:
        return InputError(src.name, "a row has neither a billing period nor a usage start "
                          "date (bill/BillingPeriodStartDate, lineItem/UsageStartDate)")
    if line and column and value:  # DuckDB's CSV reader names all three
        if not value.group(1).strip():
            raise _BlankNumber(src.name)
        return InputError(src.name, _not_convertible(value.group(1)),
                          row=int(line.group(1)), column=column.group(1))
    bad = _first_bad_value(con, plan) if "onver" in text else None
    if bad:
        row, name, cell = bad
        return InputError(src.name, _not_convertible(cell), row=row, column=name,
                          row_word="row" if _is_parquet(src.path.name) else "line")
    msg = next((ln.strip() for ln in text.splitlines()
                if "Could not convert" in ln or "Error" in ln), first_line(exc))
    return InputError(src.name, msg, row=int(line.group(1)) if line else None)


def _not_convertible(value: str) -> str:
    return f"could not convert {value!r} to a number or date"


def _first_bad_value(con: duckdb.DuckDBPyConnection, plan: FilePlan
                     ) -> tuple[int, str, str] | None:
    """(line or row, column, value) of the first text value that is neither blank nor
    convertible. A second scan, only after a load failed: the conversion error itself names
    neither row nor column. CSV: the line in the file (the header is line 1; a quoted value
    spanning lines would shift it). Parquet: the 1-based row."""
    if not plan.conversions:
        return None
    parquet = _is_parquet(plan.source.path.name)
    check = {"TIMESTAMP": "TIMESTAMPTZ"}
    cases = " ".join(
        f"WHEN {_blank_to_null(sql)} IS NOT NULL AND "
        f"TRY_CAST({_blank_to_null(sql)} AS {check.get(typ, typ)}) IS NULL THEN {i}"
        for i, (_, sql, typ) in enumerate(plan.conversions))
    values = " ".join(f"WHEN {i} THEN CAST({sql} AS VARCHAR)"
                      for i, (_, sql, _) in enumerate(plan.conversions))
    number = "file_row_number + 1" if parquet else "row_number() OVER () + 1"
    con.execute("SET preserve_insertion_order = true")  # row_number() in file order
    try:
        hit = con.execute(
            f"SELECT n, k, CASE k {values} END FROM ("
            f"SELECT {number} AS n, CASE {cases} END AS k, * "
            f"FROM {_reader(plan.source, parquet, row_number=True)}) "
            "WHERE k IS NOT NULL ORDER BY n LIMIT 1").fetchone()
    except duckdb.Error:
        return None
    return (int(hit[0]), plan.conversions[hit[1]][0], str(hit[2])) if hit else None


_TAIL_BYTES = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as raw:
        return raw.read(2) == _GZIP_MAGIC


def _gzip_problem(src: Source) -> InputError | None:
    """Read a gzip file to its end: DuckDB's reader stops quietly at the end of a cut stream
    (a download cut at 20 % loaded 20 % of the rows without an error), so every .gz part is
    checked in full, on a thread beside the load (zlib releases the GIL; ~9 s a GB on one
    core, measured on the 10 M-row benchmark file)."""
    try:
        with src.path.open("rb") as raw:
            inflate = zlib.decompressobj(31)
            while chunk := raw.read(8192):  # small reads: outputs stay off mmap (less sys time)
                inflate.decompress(chunk)
                while inflate.eof and inflate.unused_data:  # a file of several gzip members
                    rest, inflate = inflate.unused_data, zlib.decompressobj(31)
                    inflate.decompress(rest)
            if not inflate.eof:
                raise EOFError
    except (OSError, EOFError, zlib.error) as exc:
        reason = ("stops before the end of its compressed data" if isinstance(exc, EOFError)
                  else f"is not valid gzip data ({first_line(exc)})")
        return InputError(src.name, f"truncated or corrupt download: the file {reason}; "
                          "download it again (gzip -t tests a file)")
    return None


def _damaged(src: Source, line: int | None = None) -> InputError | None:
    """A truncated or corrupt download, said plainly (DuckDB reports it as a schema,
    conversion or column-count error). ``line`` is where DuckDB stopped, if it said. Reads the
    file once more, only after a read failed."""
    path = src.path
    if _is_gzip(path):
        problem = _gzip_problem(src)
        # a complete stream: its text could still end mid-row, but only a failure without a
        # line number is worth decompressing again to look
        if problem or line is not None:
            return problem
        with gzip.open(path, "rb") as fh:
            tail = b""
            while chunk := fh.read(1 << 20):
                tail = (tail + chunk)[-_TAIL_BYTES:]
        return _cut_mid_row(src, tail, line, None)
    with path.open("rb") as raw:
        head = raw.read(4)
        raw.seek(0, 2)
        raw.seek(max(0, raw.tell() - _TAIL_BYTES))
        tail = raw.read()
    if _is_parquet(path.name):
        if head != b"PAR1" or not tail.endswith(b"PAR1"):
            return InputError(src.name, "truncated or corrupt download: not a complete "
                              "Parquet file (PAR1 marker missing); download it again")
        return None
    return _cut_mid_row(src, tail, line, path)


def _cut_mid_row(src: Source, tail: bytes, line: int | None,
                 plain: Path | None) -> InputError | None:
    """A CSV that ends without a line end, its last line shorter than its header: cut off.
    When DuckDB named the failing line, only that line being the last one counts (else a bad
    value elsewhere in a file that merely lacks a final newline would be called truncated)."""
    if not tail or tail.endswith(b"\n"):
        return None
    if line is not None and plain is not None and line != _count_lines(plain):
        return None
    header = _csv_header(src.path)
    last = tail.splitlines()[-1].decode("utf-8", "replace")
    fields = len(next(csv.reader([last]), []))
    if header and fields < len(header):
        return InputError(src.name, f"truncated download: the last line stops after {fields} "
                          f"of {len(header)} columns without a line end; download it again")
    return None


def _count_lines(path: Path) -> int:
    """Lines of a file that does not end with a line end (the last one counts)."""
    count = 1
    with path.open("rb") as raw:
        while chunk := raw.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def ingest(con: duckdb.DuckDBPyConnection, sources: Sequence[Source], *, label: str = "",
           progress: Callable[[str], None] | None = None,
           progress_bar: bool = False) -> IngestResult:
    """Load ``sources`` in one transaction; replace earlier rows of the same billing periods.

    ``progress`` gets one line per file; ``progress_bar`` turns on DuckDB's own bar, which
    shows progress inside a long file (for terminals only: it redraws the line).
    """
    con.execute(RAW_TABLE_DDL)
    load_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM ingest_log").fetchone()[0]
    described = [(src, _describe(con, src)) for src in sources]
    as_text: set[str] = set()
    while True:
        plans = [_plan(src, columns, load_id, csv_as_text=src.name in as_text)
                 for src, columns in described]
        try:
            result = _load(con, plans, load_id, label, progress, progress_bar)
            break
        except _BlankNumber as blank:  # rare; parts of one export share it: all CSVs as text
            if as_text:
                raise AssertionError(f"{blank}: blank number cell on the text path") from None
            as_text = {src.name for src, _ in described if not _is_parquet(src.path.name)}
            if progress:
                progress(f"{blank}: a number cell holds only whitespace; reading the CSV "
                         "files as text")
    if progress and result.replaced_rows:
        progress(f"replaced {result.replaced_rows} rows of {', '.join(result.billing_periods)} "
                 f"from earlier loads ({result.replaced_from}); load every file of a billing "
                 "period in one command")
    return result


def _load(con: duckdb.DuckDBPyConnection, plans: list[FilePlan], load_id: int, label: str,
          progress: Callable[[str], None] | None, progress_bar: bool) -> IngestResult:
    """Insert every file, check the load, replace earlier periods: one transaction."""
    con.execute(f"SET enable_progress_bar = {str(progress_bar).lower()}")
    # Measured (tests/benchmarks): FSST string compression analysis is ~15 % of ingest CPU for
    # a ~40 % smaller file, and row order inside raw_aws_cur carries no meaning; both off for
    # this load only (reset below).
    con.execute("SET disabled_compression_methods = 'fsst'")
    con.execute("SET preserve_insertion_order = false")
    checks = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ccf-py-gzip")
    gzipped = [checks.submit(_gzip_problem, p.source) for p in plans if _is_gzip(p.source.path)]
    try:
        con.execute("BEGIN TRANSACTION")
        for i, plan in enumerate(plans, start=1):
            if progress:
                progress(f"[{i}/{len(plans)}] loading {plan.source.name}")
            try:
                con.execute(f"INSERT INTO raw_aws_cur BY NAME SELECT {plan.select} "
                            f"FROM {plan.reader}")
            except duckdb.Error as exc:
                # the failed statement aborted the transaction; diagnose outside it
                with contextlib.suppress(duckdb.Error):
                    con.execute("ROLLBACK")
                raise _input_error(con, plan, exc) from None
        for check in gzipped:
            if problem := check.result():
                raise problem
        _refuse_double_counting(con, load_id, {p.source.name: p.shape for p in plans})
        result = _replace_periods(con, load_id, len(plans), label)
        con.execute("COMMIT")
    except BaseException:
        # a failed COMMIT has already rolled back; never hide the real error behind ROLLBACK's
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    finally:
        checks.shutdown(wait=False, cancel_futures=True)
        for setting in ("disabled_compression_methods", "preserve_insertion_order",
                        "enable_progress_bar"):
            con.execute(f"RESET {setting}")
    return result


def _refuse_double_counting(con: duckdb.DuckDBPyConnection, load_id: int,
                            shapes: dict[str, str]) -> None:
    """Refuse a load whose files hold the same bill twice:

    * two files with the same periods, row count and cost are the same export given twice
      (``x.csv`` beside ``x.csv.gz``, a copied folder);
    * files of different shapes (legacy CSV parts and CUR 2.0 Parquet parts, say) with a
      billing period of the same payer are two exports of one bill: parts of one export
      always share a shape.
    """
    files = con.execute(
        """SELECT source_file,
                  list(DISTINCT {'payer': payer_account_id, 'period': billing_period}),
                  count(*), round(sum(unblended_cost), 6)
           FROM raw_aws_cur WHERE load_id = ? GROUP BY source_file ORDER BY source_file""",
        [load_id]).fetchall()
    files = [(name, sorted(pairs, key=str), n, cost) for name, pairs, n, cost in files]
    for i, (name_a, pairs_a, n_a, cost_a) in enumerate(files):
        for name_b, pairs_b, n_b, cost_b in files[i + 1:]:
            shared = sorted(str(a["period"])[:7] for a in pairs_a for b in pairs_b
                            if a["period"] == b["period"] and _same_payer(a, b))
            if shared and shapes[name_a] != shapes[name_b]:
                raise InputError(name_b, f"{_a(shapes[name_b])} export of {shared[0]}, while "
                                 f"{name_a} is {_a(shapes[name_a])} export of the same payer "
                                 "and month: two exports of one bill would count it twice; "
                                 "load the files of one export")
            if (pairs_a, n_a, cost_a) == (pairs_b, n_b, cost_b):
                raise InputError(name_b, f"same billing rows as {name_a} (same payers, "
                                 "periods, row count and cost): the same export given twice; "
                                 "load one of them")


def _a(noun: str) -> str:
    return ("an " if noun[0].lower() in "aeiou" else "a ") + noun


def _same_payer(a: dict, b: dict) -> bool:
    """A NULL payer (CUR 2.0 exports may omit the column) matches any payer."""
    return a["payer"] is None or b["payer"] is None or a["payer"] == b["payer"]


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
    earlier = pairs and con.execute(
        "SELECT 1 FROM raw_aws_cur WHERE load_id <> ? AND provider = ? AND billing_period IN "
        f"({', '.join('?' for _ in pairs)}) LIMIT 1",
        [load_id, PROVIDER, *(p["period"] for p in pairs)]).fetchone()
    if earlier:  # a first load of a month has nothing to replace: skip two scans
        con.execute("CREATE OR REPLACE TEMP TABLE _loaded_periods (payer VARCHAR, period DATE)")
        con.executemany("INSERT INTO _loaded_periods VALUES (?, ?)",
                        [(p["payer"], p["period"]) for p in pairs])
        # A NULL payer (CUR 2.0 exports may omit the column) matches any payer of the period:
        # better to replace than to count the month twice. Never another provider's rows.
        match = """load_id <> $id AND provider = $provider AND EXISTS (
                   SELECT 1 FROM _loaded_periods n
                   WHERE n.period = raw_aws_cur.billing_period
                     AND (n.payer IS NULL OR raw_aws_cur.payer_account_id IS NULL
                          OR n.payer = raw_aws_cur.payer_account_id))"""
        replaced_from = con.execute(
            f"SELECT string_agg(DISTINCT source_file, ', ') FROM raw_aws_cur WHERE {match}",
            {"id": load_id, "provider": PROVIDER}).fetchone()[0] or ""
        replaced = con.execute(f"DELETE FROM raw_aws_cur WHERE {match}",
                               {"id": load_id, "provider": PROVIDER}).fetchone()[0]
        con.execute("DROP TABLE _loaded_periods")
    con.execute("INSERT INTO ingest_log VALUES (?, ?, ?, ?, ?, ?, ?)",
                [load_id, datetime.now(UTC).replace(tzinfo=None), label, files, rows,
                 ",".join(periods), replaced])
    return IngestResult(load_id, files, rows, replaced, periods, float(cost), replaced_from)
