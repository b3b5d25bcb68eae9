"""Load Google Cloud Billing exports (standard or detailed usage cost) into ``billed_lines``.

The export is a BigQuery table with nested records. It arrives here as newline-delimited JSON
(what ``bq extract`` writes; ``.json``/``.jsonl``/``.ndjson``, also ``.gz``), as Parquet or Avro
with the same nesting, or as CSV with flattened names (``service.description`` or
``service_description``; record lists such as ``credits`` and ``labels`` as JSON text).

| column | FOCUS | GCP billing export source |
|---|---|---|
| provider_name | ProviderName | 'gcp' |
| billing_account_id | BillingAccountId | billing_account_id |
| sub_account_id | SubAccountId | project.id |
| billing_period_start | BillingPeriodStart | invoice.month ('YYYYMM'), else usage month |
| charge_period_start | ChargePeriodStart | usage_start_time (UTC) |
| charge_period_end | ChargePeriodEnd | usage_end_time (UTC) |
| charge_category | ChargeCategory | cost_type regular: Usage, tax: Tax, else Adjustment (*) |
| service_name | ServiceName | service.description |
| x_usage_type | (SKU) | sku.description |
| region_id | RegionId | coalesce(location.region, location.location) |
| consumed_quantity | ConsumedQuantity | usage.amount on Usage rows, else NULL |
| consumed_unit | ConsumedUnit | usage.unit normalized (coefficients/units.csv), Usage rows only |
| pricing_unit | PricingUnit | usage.unit as written (NULL on credit rows) |
| x_pricing_quantity | PricingQuantity | usage.amount_in_pricing_units on Usage rows, else NULL |
| x_pricing_unit | PricingUnit | usage.pricing_unit ('hour', 'gibibyte month') on Usage rows |
| billed_cost | BilledCost | cost; credit rows: sum(credits[].amount) |
| effective_cost | EffectiveCost | = billed_cost |
| list_cost | ListCost | cost_at_list (NULL on credit rows) |
| billing_currency | BillingCurrency | currency |
| x_line_item_type | – | NULL |
| x_blended_cost | – | NULL |
| x_instance_type | – | system label compute.googleapis.com/machine_spec |
| x_vcpus | – | system label compute.googleapis.com/cores, as DOUBLE |
| resource_id | ResourceId | resource.global_name, else resource.name (detailed export) |
| tags | Tags (JSON) | labels[], then project.labels[] (**), as {key: value}; NULL if none |

(**) FOCUS Tags hold a resource's tags and those it inherits (project labels); a project
label whose key the line's own labels have is left out (the resource's label wins).

(*) adjustment, rounding_error and any other cost_type are 'Adjustment'; a file without the
cost_type field (exports before it existed) is 'regular'; credit rows are 'Credit'.

Credits: an export line whose ``credits[]`` sum to non-zero also gives one row with
charge_category 'Credit' and billed_cost = effective_cost = that sum, with the line's account,
project, service, SKU, region, periods, currency, tags, resource and system labels; list_cost,
consumed_quantity, consumed_unit and pricing_unit are NULL. So ``sum(billed_cost)`` is the
export's ``sum(cost) + sum(credits)``. Loading a billing period again replaces the rows of the
same (provider, billing_account_id, billing period).

Standard or detailed: ``FilePlan.shape`` records it, so ``load`` refuses a standard and a
detailed export of the same billing account and month in one load (one bill counted twice).
CSV, Parquet and Avro are detailed with a ``resource`` column; JSON with a ``resource`` or
``price`` field on one of the lines in its first 256 KB (BigQuery's JSON leaves NULL fields out).
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import duckdb

from ccf_py.errors import InputError, MissingColumnError
from ccf_py.ingest import units
from ccf_py.ingest.files import (
    FilePlan,
    blank_to_null,
    csv_header,
    gzip_problem,
    is_gzip,
    qident,
    qstr,
    read_failure,
    reader_sql,
    typed,
)
from ccf_py.ingest.load import IngestResult, load
from ccf_py.ingest.sources import Source
from ccf_py.ingest.table import DDL

__all__ = ["GCP_SUFFIXES", "IngestResult", "file_format", "ingest"]

PROVIDER = "gcp"
MACHINE_SPEC = "compute.googleapis.com/machine_spec"
CORES = "compute.googleapis.com/cores"

# logical field -> (source paths in order of preference, type). Dotted paths are nested record
# fields; a flattened CSV spells them with '_' (or keeps the dot).
FIELDS: dict[str, tuple[tuple[str, ...], str]] = {
    "billing_account_id": (("billing_account_id",), "VARCHAR"),
    "service": (("service.description",), "VARCHAR"),
    "sku": (("sku.description",), "VARCHAR"),
    "usage_start_time": (("usage_start_time",), "TIMESTAMP"),
    "usage_end_time": (("usage_end_time",), "TIMESTAMP"),
    "project_id": (("project.id",), "VARCHAR"),
    "region": (("location.region",), "VARCHAR"),
    "location": (("location.location",), "VARCHAR"),
    "usage_amount": (("usage.amount",), "DOUBLE"),
    "usage_unit": (("usage.unit",), "VARCHAR"),
    "usage_pricing_amount": (("usage.amount_in_pricing_units",), "DOUBLE"),
    "usage_pricing_unit": (("usage.pricing_unit",), "VARCHAR"),
    "cost": (("cost",), "DOUBLE"),
    "cost_at_list": (("cost_at_list",), "DOUBLE"),
    "currency": (("currency",), "VARCHAR"),
    "invoice_month": (("invoice.month",), "VARCHAR"),
    "cost_type": (("cost_type",), "VARCHAR"),
    "resource_global_name": (("resource.global_name",), "VARCHAR"),
    "resource_name": (("resource.name",), "VARCHAR"),
}
REQUIRED = ("usage_start_time", "service", "sku", "cost", "currency")
COST_TYPES = {"regular": "Usage", "tax": "Tax", "adjustment": "Adjustment",
              "rounding_error": "Adjustment"}

_KV = "STRUCT(key VARCHAR, value VARCHAR)[]"
# What the JSON reader is told (no sampling: a file whose first thousand lines lack a field,
# or hold numbers as quoted strings as older exports do, reads the same as any other).
JSON_COLUMNS: dict[str, str] = {
    "billing_account_id": "VARCHAR",
    "service": "STRUCT(id VARCHAR, description VARCHAR)",
    "sku": "STRUCT(id VARCHAR, description VARCHAR)",
    "usage_start_time": "VARCHAR",
    "usage_end_time": "VARCHAR",
    "project": f"STRUCT(id VARCHAR, number VARCHAR, name VARCHAR, labels {_KV})",
    "labels": _KV,
    "system_labels": _KV,
    "location": "STRUCT(location VARCHAR, country VARCHAR, region VARCHAR, zone VARCHAR)",
    "resource": "STRUCT(name VARCHAR, global_name VARCHAR)",
    "cost": "DOUBLE",
    "currency": "VARCHAR",
    "usage": "STRUCT(amount DOUBLE, unit VARCHAR, amount_in_pricing_units DOUBLE, "
             "pricing_unit VARCHAR)",
    "credits": "STRUCT(name VARCHAR, amount DOUBLE, full_name VARCHAR, id VARCHAR, "
               "type VARCHAR)[]",
    "invoice": "STRUCT(month VARCHAR)",
    "cost_type": "VARCHAR",
    "cost_at_list": "DOUBLE",
}

JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
GCP_SUFFIXES = tuple(s + gz for s in (*JSON_SUFFIXES, ".csv") for gz in ("", ".gz")) + (
    ".parquet", ".avro")


def file_format(name: str) -> str:
    """'json', 'csv', 'parquet' or 'avro' from a file name (JSON unless it says otherwise:
    ``bq extract`` names files as the user asks)."""
    low = name.lower().removesuffix(".gz")
    if ".parquet" in low:
        return "parquet"
    if low.endswith(".avro"):
        return "avro"
    if low.endswith(".csv"):
        return "csv"
    return "json"


@dataclass(frozen=True)
class Mapped:
    """One file's logical fields as SQL over its reader row."""

    values: dict[str, str]     # logical field -> SQL expression (typed)
    credits: str               # SQL: sum of the line's credits (NULL if none)
    labels: str                # SQL: list of {key, value} (or NULL)
    system_labels: str
    project_labels: str        # SQL: the project's list of {key, value} (or NULL)
    conversions: tuple[tuple[str, str, str], ...]
    detailed: bool
    # logical field -> the file's own name for it (CSV / Parquet / Avro), to name it in errors
    names: dict[str, str] = field(default_factory=dict)


def _null(typ: str) -> str:
    return f"CAST(NULL AS {typ})"


def _kv_list(sql: str, source_type: str) -> str:
    """A labels-like value as a list of {key, value}: nested as is, JSON text parsed."""
    if "STRUCT" in source_type:
        return sql
    return f"from_json(nullif(trim({sql}), ''), '[{{\"key\":\"VARCHAR\",\"value\":\"VARCHAR\"}}]')"


def _credit_sum(sql: str, source_type: str) -> str:
    if "STRUCT" in source_type:
        return f"list_sum(list_transform({sql}, c -> CAST(c.amount AS DOUBLE)))"
    return (f"list_sum(list_transform(from_json(nullif(trim({sql}), ''), "
            "'[{\"amount\":\"DOUBLE\"}]'), c -> c.amount))")


def _map_json(src: Source) -> Mapped:
    keys, sampled = _first_json_keys(src)
    if keys is not None:
        missing = [f for f in REQUIRED if FIELDS[f][0][0].split(".")[0] not in keys]
        if missing:
            raise MissingColumnError(src.name, _missing_message(missing))
    values = {}
    for name, (paths, typ) in FIELDS.items():
        sql = ".".join(qident(p) for p in paths[0].split("."))
        values[name] = typed(sql, "VARCHAR" if typ == "TIMESTAMP" else typ, typ)
    conversions = (("usage_start_time", qident("usage_start_time"), "TIMESTAMP"),)
    return Mapped(values, _credit_sum('"credits"', "STRUCT"), '"labels"', '"system_labels"',
                  '"project"."labels"', conversions, detailed=bool(sampled & DETAILED_ONLY))


# Top-level fields only the detailed usage cost export has (Google's "Structure of Detailed
# data export"); the standard export has neither.
DETAILED_ONLY = frozenset({"resource", "price"})
# How much of a JSON file is read to tell standard from detailed: BigQuery's JSON omits a
# NULL field (a line without a resource has no "resource"), so more than one line is looked at.
_SAMPLE_BYTES = 1 << 18


def _first_json_keys(src: Source) -> tuple[set[str] | None, set[str]]:
    """Top-level keys of the first line, to name a missing field the way a CSV header would
    (None when the file is empty or its first line is not JSON: the reader then says where),
    and the keys of the lines in the file's first ~256 KB (whole lines, at least the first)."""
    lines: list[str] = []
    try:
        opener = gzip.open if is_gzip(src.path) else open
        with opener(src.path, "rt", encoding="utf-8-sig") as fh:
            size = 0
            while size < _SAMPLE_BYTES and (line := fh.readline()):
                lines.append(line)
                size += len(line)
    except (OSError, EOFError, UnicodeDecodeError):
        pass  # a cut or undecodable file: the lines read so far (the load then says why)
    if lines and lines[0].lstrip().startswith("["):
        raise InputError(src.name, "a JSON array, not newline-delimited JSON (export with "
                         "bq extract --destination_format NEWLINE_DELIMITED_JSON)")
    objects = []
    for line in lines:
        try:
            obj = json.loads(line) if line.strip() else None
        except ValueError:
            obj = None
        objects.append(obj if isinstance(obj, dict) else None)
    first = set(objects[0]) if objects and objects[0] is not None else None
    return first, {k for obj in objects if obj is not None for k in obj}


def _missing_message(missing: list[str]) -> str:
    names = ", ".join(FIELDS[f][0][0] for f in missing)
    return (f"missing required billing export field(s) {names} (expected the Cloud Billing "
            "export schema: billing_account_id, service.description, sku.description, "
            "usage_start_time, project.id, location.region, cost, currency, usage.amount, "
            "usage.unit, credits, invoice.month, cost_type; flattened CSV names such as "
            "service_description also work)")


def _flat(name: str) -> str:
    return name.lower().replace(".", "_")


def _map_columns(src: Source, columns: dict[str, str], nested: set[str]) -> Mapped:
    """Map a file whose columns are known (CSV header, Parquet/Avro schema). ``columns``:
    each available path (top-level name or dotted nested path) -> its type."""
    by_flat: dict[str, str] = {}
    for path in columns:
        by_flat.setdefault(_flat(path), path)
    values: dict[str, str] = {}
    names: dict[str, str] = {}
    conversions: list[tuple[str, str, str]] = []
    missing = []
    for name, (paths, typ) in FIELDS.items():
        path = next((by_flat[_flat(p)] for p in paths if _flat(p) in by_flat), None)
        if path is None:
            if name in REQUIRED:
                missing.append(name)
            values[name] = _null(typ)
            continue
        names[name] = path
        sql = ".".join(qident(p) for p in path.split(".")) if path in nested else qident(path)
        values[name] = typed(sql, columns[path], typ)
        if typ != "VARCHAR" and "VARCHAR" in columns[path]:
            conversions.append((path, sql, typ))
    if missing:
        raise MissingColumnError(src.name, _missing_message(missing))

    def pick(*names: str) -> tuple[str, str] | None:
        found = next((by_flat[n] for n in names if n in by_flat), None)
        if found is None:
            return None
        sql = ".".join(qident(p) for p in found.split(".")) if found in nested else qident(found)
        return sql, columns[found]

    credits = pick("credits")
    credit_sql = _credit_sum(*credits) if credits else "CAST(NULL AS DOUBLE)"
    if credits is None and (amount := pick("credits_amount")):
        credit_sql = typed(*amount, "DOUBLE")
    # A flattened query result names the second 'labels' column 'labels_1' (BigQuery's rule
    # for duplicate output names); project.labels comes first in the schema, so 'labels_1'
    # is the line's own labels when both are there.
    if "project_labels" in by_flat:
        labels, project = pick("labels"), pick("project_labels")
    elif "labels_1" in by_flat:
        labels, project = pick("labels_1"), pick("labels")
    else:
        labels, project = pick("labels"), None
    system = pick("system_labels")
    return Mapped(values, credit_sql, _kv_list(*labels) if labels else "NULL",
                  _kv_list(*system) if system else "NULL",
                  _kv_list(*project) if project else "NULL", tuple(conversions),
                  detailed=any(f.startswith("resource") for f in by_flat), names=names)


def _describe(con: duckdb.DuckDBPyConnection, src: Source, reader: str
              ) -> tuple[dict[str, str], set[str]]:
    """Available paths of a Parquet/Avro file and their types: top-level columns, and one
    level of record fields (``service.description``, returned in the second item)."""
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
    except duckdb.Error as exc:
        raise read_failure(con, src, exc, "billing export file") from None
    columns = {r[0]: r[1] for r in rows}
    nested: set[str] = set()
    for name, typ in list(columns.items()):
        if typ.startswith("STRUCT(") and not typ.endswith("]"):
            for field, ftyp in _struct_fields(con, reader, name):
                columns.setdefault(f"{name}.{field}", ftyp)
                nested.add(f"{name}.{field}")
    return columns, nested


def _struct_fields(con: duckdb.DuckDBPyConnection, reader: str, column: str
                   ) -> list[tuple[str, str]]:
    rows = con.execute(f"DESCRIBE SELECT {qident(column)}.* FROM {reader}").fetchall()
    return [(r[0], r[1]) for r in rows]


def _reader(src: Source, fmt: str) -> str:
    path = qstr(str(src.path))
    if fmt == "json":
        spec = ", ".join(f"{qstr(k)}: {qstr(v)}" for k, v in JSON_COLUMNS.items())
        return f"read_json({path}, format='newline_delimited', columns={{{spec}}})"
    if fmt == "csv":
        return reader_sql(src, parquet=False)
    if fmt == "avro":
        return f"read_avro({path})"
    return f"read_parquet({path})"


def _load_avro(con: duckdb.DuckDBPyConnection, src: Source) -> None:
    try:
        con.execute("LOAD avro")
    except duckdb.Error:
        raise InputError(src.name, "Avro needs DuckDB's 'avro' extension, which is not "
                         "installed (run INSTALL avro in DuckDB with network access), or "
                         "export the table as Parquet or newline-delimited JSON") from None


def _map(con: duckdb.DuckDBPyConnection, src: Source) -> tuple[str, str, Mapped]:
    fmt = file_format(src.path.name)
    if fmt == "avro":
        _load_avro(con, src)
    reader = _reader(src, fmt)
    if fmt == "json":
        return fmt, reader, _map_json(src)
    if fmt == "csv":
        header = csv_header(src.path)
        if header is None:
            header = list(_describe(con, src, reader)[0])
        return fmt, reader, _map_columns(src, dict.fromkeys(header, "VARCHAR"), set())
    return fmt, reader, _map_columns(src, *_describe(con, src, reader))


def _plan(con: duckdb.DuckDBPyConnection, src: Source, load_id: int) -> FilePlan:
    fmt, reader, m = _map(con, src)
    v = m.values
    usage = "g.cost_type = 'regular'"
    # an empty list (most lines but VMs') skips the lambda: ~0.04 CPU s per 1 M lines
    label_value = ("CASE WHEN len(system_labels) > 0 THEN "
                   "list_filter(system_labels, l -> l.key = {})[1].value END")
    inner = ",\n    ".join([
        *(f"{sql} AS {name}" for name, sql in v.items()),
        f"coalesce({m.credits}, 0) AS credit_total",
        f"{m.labels} AS labels", f"{m.system_labels} AS system_labels",
        f"{m.project_labels} AS project_labels"])
    # cost_type of an export without the field (before 2020 all lines were 'regular')
    cost_type = "coalesce(cost_type, 'regular')" if "NULL AS" in v["cost_type"] else "cost_type"
    cases = " ".join(f"WHEN {qstr(k)} THEN {qstr(c)}" for k, c in COST_TYPES.items())
    pairs = ("list_transform(labels, l -> "
             "to_json(l.key)::VARCHAR || ':' || coalesce(to_json(l.value)::VARCHAR, 'null'))")
    tags = f"CASE WHEN len(labels) > 0 THEN '{{' || array_to_string({pairs}, ',') || '}}' END"
    # a month without blanks around it (every export's) skips the trim: the same text
    month = (f"CASE WHEN NOT prefix(invoice_month, ' ') AND NOT suffix(invoice_month, ' ') "
             f"THEN strptime(invoice_month, {qstr(_MONTH)}) "
             f"ELSE strptime(nullif(trim(invoice_month), ''), {qstr(_MONTH)}) END")
    # what depends on the line alone, computed before the credit rows repeat some lines
    per_line = ",\n    ".join([
        f"coalesce(CAST({month} AS DATE), CAST(date_trunc('month', usage_start_time) AS DATE)) "
        "AS _ccf_billing_period_start",
        f"{label_value.format(qstr(MACHINE_SPEC))} AS _ccf_instance_type",
        f"{typed(label_value.format(qstr(CORES)), 'VARCHAR', 'DOUBLE')} AS _ccf_vcpus",
        f"CAST({tags} AS JSON) AS _ccf_tags"])
    exprs = [
        f"{qstr(PROVIDER)} AS provider_name",
        "g.billing_account_id AS billing_account_id",
        "g.project_id AS sub_account_id",
        "g._ccf_billing_period_start AS billing_period_start",
        "g.usage_start_time AS charge_period_start",
        "g.usage_end_time AS charge_period_end",
        f"CASE WHEN g.credit_row THEN 'Credit' ELSE CASE g.cost_type {cases} "
        "ELSE 'Adjustment' END END AS charge_category",
        "g.service AS service_name", "g.sku AS x_usage_type",
        "coalesce(g.region, g.location) AS region_id",
        f"CASE WHEN NOT g.credit_row AND {usage} THEN g.usage_amount END AS consumed_quantity",
        f"CASE WHEN NOT g.credit_row AND {usage} THEN "
        f"{units.consumed_unit_sql(PROVIDER, 'g.usage_unit')} END AS consumed_unit",
        "CASE WHEN NOT g.credit_row THEN g.usage_unit END AS pricing_unit",
        # what the FOCUS export writes as PricingQuantity / PricingUnit (never estimated from)
        f"CASE WHEN NOT g.credit_row AND {usage} THEN g.usage_pricing_amount END "
        "AS x_pricing_quantity",
        f"CASE WHEN NOT g.credit_row AND {usage} THEN g.usage_pricing_unit END AS x_pricing_unit",
        "CASE WHEN g.credit_row THEN g.credit_total ELSE g.cost END AS billed_cost",
        "CASE WHEN g.credit_row THEN g.credit_total ELSE g.cost END AS effective_cost",
        "CASE WHEN NOT g.credit_row THEN g.cost_at_list END AS list_cost",
        "g.currency AS billing_currency",
        "CAST(NULL AS VARCHAR) AS x_line_item_type", "CAST(NULL AS DOUBLE) AS x_blended_cost",
        "g._ccf_instance_type AS x_instance_type", "g._ccf_vcpus AS x_vcpus",
        "coalesce(g.resource_global_name, g.resource_name) AS resource_id",
        "g._ccf_tags AS tags",
        f"{qstr(src.name)} AS source_file", f"{load_id}::BIGINT AS load_id"]
    # one scan: each line once, and once more as its credit row when its credits are non-zero
    # labels with a key, filtered once per line (not per output row and per use); NULL when
    # there are none. The project's labels follow the line's own (FOCUS Tags hold both), but
    # not a key the line's labels already have: the resource's label wins
    keyed = "CASE WHEN len(labels) > 0 THEN list_filter(labels, l -> l.key IS NOT NULL) END"
    project = ("list_filter(project_labels, p -> p.key IS NOT NULL AND "
               "NOT list_contains(list_transform(coalesce(labels, []), l -> l.key), p.key))")
    merged = (f"CASE WHEN len(project_labels) > 0 THEN list_concat({keyed}, {project}) "
              f"ELSE {keyed} END")
    lines = (f"SELECT * EXCLUDE (labels, system_labels, project_labels), {per_line} FROM ("
             f"SELECT * REPLACE ({cost_type} AS cost_type, {merged} AS labels) "
             f"FROM (SELECT {inner} FROM {reader}))")
    source = (f"(SELECT l.*, x.credit_row FROM ({lines}) AS l "
              "CROSS JOIN (VALUES (false), (true)) AS x(credit_row) "
              "WHERE NOT x.credit_row OR l.credit_total <> 0) AS g")
    # Two shapes holding one account's month are two exports of one bill (load.py refuses
    # them). JSON says standard or detailed only by the fields its lines have (resource,
    # price); BigQuery's JSON omits NULL fields, so the first ~256 KB of lines are looked at.
    kind = "detailed " if m.detailed else "standard "
    shape = f"GCP {kind}export " + ("newline-delimited JSON" if fmt == "json" else fmt.upper())
    diagnose = (_json_diagnosis(con, src) if fmt == "json"
                else _month_diagnosis(con, src, fmt, reader, m))
    return FilePlan(src, source, ",\n    ".join(exprs), shape,
                    m.conversions if fmt != "json" else (), diagnose=diagnose)


_JSON_LINE = re.compile(r"in line (\d+)")
_JSON_VALUE = re.compile(r'Failed to cast value to [a-z ]+: "?(.*?)"?$', re.M)
_MONTH = "%Y%m"  # invoice.month: '202606'


def _json_diagnosis(con: duckdb.DuckDBPyConnection, src: Source
                    ) -> Callable[[duckdb.Error], InputError | None]:
    """One line for a JSON file that failed to load: a cut download, the first line that is
    not JSON, or the first value (line and field) that is not a number, a time or a billing
    month. Reads the file again only after the load failed."""

    def diagnose(exc: duckdb.Error) -> InputError | None:
        if is_gzip(src.path) and (problem := gzip_problem(src)):
            return problem
        text = str(exc)
        found = _JSON_LINE.search(text)
        line = int(found.group(1)) if found else None
        if "Malformed JSON" in text and line:
            bad, reason = _first_bad_line(src, line)
            cut = "end of data" in text
            return InputError(src.name, ("truncated download: the last line stops mid-record; "
                                         "download it again") if cut else
                              f"not valid JSON ({reason})", row=bad)
        # DuckDB's "in line N" counts no blank lines, and a bad value inside a list (credits)
        # gets a line further on: the file is scanned again for the first bad value
        if (bad_value := _first_bad_json_value(con, src)) is not None:
            return bad_value
        if line and (value := _JSON_VALUE.search(text)):
            return InputError(src.name, f"could not convert {value.group(1)!r} to a number",
                              row=line)
        return None

    return diagnose


def _lines(src: Source):  # noqa: ANN202 - a text file iterator
    return (gzip.open if is_gzip(src.path) else open)(src.path, "rt", encoding="utf-8-sig")


def _first_bad_line(src: Source, limit: int) -> tuple[int, str]:
    with _lines(src) as fh:
        for number, text in enumerate(fh, start=1):
            if text.strip():
                try:
                    json.loads(text)
                except ValueError as exc:
                    return number, str(exc).split(":")[0]
            if number >= limit:
                break
    return limit, "unexpected character"


def _not_number(v: str) -> str:
    """SQL: the JSON value ``v`` (read as text) is there but is no number the reader takes."""
    return f"({v} IS NOT NULL AND (TRY_CAST({v} AS DOUBLE) IS NULL OR {v} <> trim({v})))"


def _not_month(v: str) -> str:
    """SQL: the text ``v`` is neither blank nor a month the load's strptime reads."""
    return (f"(nullif(trim({v}), '') IS NOT NULL AND "
            f"try_strptime(trim({v}), {qstr(_MONTH)}) IS NULL)")


_AS_NUMBER = "to a number"
_AS_TIME = "to a date and time"
_AS_MONTH = "to a billing month (YYYYMM, such as 202606)"
_CREDIT = "list_position(list_transform(credits, c -> {}), true)".format(_not_number("c.amount"))
# (field as the export names it, SQL: the line's value is bad, SQL: that value, what it is not)
_JSON_CHECKS: tuple[tuple[str, str, str, str], ...] = (
    ("usage_start_time", f"({blank_to_null('usage_start_time')} IS NOT NULL AND "
     "TRY_CAST(usage_start_time AS TIMESTAMPTZ) IS NULL)", "usage_start_time", _AS_TIME),
    ("invoice.month", _not_month("invoice.month"), "invoice.month", _AS_MONTH),
    ("cost", _not_number("cost"), "cost", _AS_NUMBER),
    ("cost_at_list", _not_number("cost_at_list"), "cost_at_list", _AS_NUMBER),
    ("usage.amount", _not_number("usage.amount"), "usage.amount", _AS_NUMBER),
    ("credits.amount", f"coalesce({_CREDIT}, 0) > 0", f"credits[{_CREDIT}].amount", _AS_NUMBER),
)
# the scan's reader: the checked values as text, as the file writes them
_JSON_TEXT_COLUMNS = {
    "usage_start_time": "VARCHAR", "invoice": "STRUCT(month VARCHAR)", "cost": "VARCHAR",
    "cost_at_list": "VARCHAR", "usage": "STRUCT(amount VARCHAR)",
    "credits": "STRUCT(amount VARCHAR)[]"}


def _first_bad_json_value(con: duckdb.DuckDBPyConnection, src: Source) -> InputError | None:
    """The first line of a JSON file with a value the load cannot convert (second scan, error
    path only): file, line, field and value. None when no checked value is bad."""
    spec = ", ".join(f"{qstr(k)}: {qstr(v)}" for k, v in _JSON_TEXT_COLUMNS.items())
    reader = f"read_json({qstr(str(src.path))}, format='newline_delimited', columns={{{spec}}})"
    cases = " ".join(f"WHEN {bad} THEN {i}" for i, (_, bad, _, _) in enumerate(_JSON_CHECKS))
    values = " ".join(f"WHEN {i} THEN CAST({value} AS VARCHAR)"
                      for i, (_, _, value, _) in enumerate(_JSON_CHECKS))
    con.execute("SET preserve_insertion_order = true")  # row_number() in file order
    try:
        hit = con.execute(
            f"SELECT n, k, CASE k {values} END FROM (SELECT row_number() OVER () AS n, "
            f"CASE {cases} END AS k, * FROM {reader}) WHERE k IS NOT NULL ORDER BY n LIMIT 1"
        ).fetchone()
    except duckdb.Error:  # a line the text reader cannot take either (a record that is a list)
        return None
    if hit is None:
        return None
    name, _, _, kind = _JSON_CHECKS[hit[1]]
    return InputError(src.name, f"could not convert {hit[2]!r} {kind}",
                      row=_line_of_record(src, int(hit[0])), column=name)


def _line_of_record(src: Source, record: int) -> int:
    """The line of the file holding its ``record``-th JSON line (the reader skips blank
    lines)."""
    with _lines(src) as fh:
        seen = 0
        for number, text in enumerate(fh, start=1):
            seen += bool(text.strip())
            if seen == record:
                return number
    return record


def _month_diagnosis(con: duckdb.DuckDBPyConnection, src: Source, fmt: str, reader: str,
                     m: Mapped) -> Callable[[duckdb.Error], InputError | None]:
    """CSV, Parquet, Avro: an invoice month that is not YYYYMM, with its line (CSV: the header
    is line 1) or row. Other values are found by ``files.input_error`` (``conversions``)."""

    def diagnose(exc: duckdb.Error) -> InputError | None:
        if "format specifier" not in str(exc) or "invoice_month" not in m.names:
            return None
        con.execute("SET preserve_insertion_order = true")  # row_number() in file order
        try:
            hit = con.execute(
                f"SELECT n, v FROM (SELECT row_number() OVER () AS n, {m.values['invoice_month']}"
                f" AS v FROM {reader}) WHERE {_not_month('v')} ORDER BY n LIMIT 1").fetchone()
        except duckdb.Error:
            return None
        if hit is None:
            return None
        csv_file = fmt == "csv"
        return InputError(src.name, f"could not convert {hit[1]!r} {_AS_MONTH}",
                          row=int(hit[0]) + csv_file, column=m.names["invoice_month"],
                          row_word="line" if csv_file else "row")

    return diagnose


def ingest(con: duckdb.DuckDBPyConnection, sources: Sequence[Source], *, label: str = "",
           progress: Callable[[str], None] | None = None,
           progress_bar: bool = False) -> IngestResult:
    """Load ``sources`` in one transaction; replace earlier rows of the same (billing account,
    billing period). ``progress`` gets one line per file; ``progress_bar`` turns on DuckDB's
    own bar (terminals only)."""
    con.execute(DDL)
    load_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM ingest_log").fetchone()[0]
    plans = [_plan(con, src, load_id) for src in sources]
    result = load(con, plans, provider=PROVIDER, load_id=load_id, label=label,
                  progress=progress, progress_bar=progress_bar)
    if progress and result.replaced_rows:
        progress(f"replaced {result.replaced_rows} rows of {', '.join(result.billing_periods)} "
                 f"from earlier loads ({result.replaced_from}); load every file of a billing "
                 "period in one command")
    return result


def is_gcp_file_name(name: str) -> bool:
    return not name.startswith(".") and name.lower().endswith(GCP_SUFFIXES)
