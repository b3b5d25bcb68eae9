"""Load Azure Cost Management cost exports (actual or amortized) into the billing table.

Inputs: the "Cost and usage details" datasets a Cost Management export writes (EA PascalCase
``CostInBillingCurrency``, older EA ``Cost``, MCA camelCase ``costInBillingCurrency``) as CSV,
CSV.gz or Parquet, with or without a UTF-8 BOM, dates as MM/DD/YYYY or ISO yyyy-mm-dd (the format
is told apart per file; a value in neither, or in the other format, stops the load naming file,
line and column). Column names are matched without regard to case, so one table serves EA and MCA.

| billed_lines column | Azure export source |
|---|---|
| provider_name | 'azure' |
| billing_account_id | BillingAccountId / billingAccountId (NULL if absent) |
| sub_account_id | SubscriptionId when it is a GUID, else SubscriptionGuid |
| billing_period_start | BillingPeriodStartDate (DATE), else first of the month of Date |
| charge_period_start | Date (older EA: UsageDateTime) as TIMESTAMP |
| charge_period_end | charge_period_start + 1 day (exports and the query API are daily) |
| x_line_item_type | ChargeType as written (Usage, Purchase, Refund, UnusedReservation...) |
| charge_category | from ChargeType: Usage, Purchase, Refund->Credit, Tax, Unused*->Usage, |
|  | anything else Adjustment (see CHARGE_CATEGORY) |
| service_name | MeterCategory |
| x_usage_type | MeterName |
| region_id | ResourceLocation via the toolkit's Regions.csv ('US East' -> 'eastus'); |
|  | a spelling it lacks: lower case without spaces |
| pricing_unit | UnitOfMeasure as written ('10 Hours', '1 GB/Month', '10K') |
| consumed_quantity | Usage rows only: Quantity x block size of UnitOfMeasure (see below) |
| consumed_unit | Usage rows only: the toolkit's distinct unit ('Hours', 'GB/Month'), |
|  | then coefficients/units.csv rows of provider azure (none needed yet) |
| billed_cost | CostInBillingCurrency / Cost / PreTaxCost (amortized export: see below) |
| effective_cost | the same as billed_cost (an amortized export's cost is the amortized cost) |
| list_cost | PayGPrice x Quantity when both exist, else NULL |
| billing_currency | BillingCurrencyCode / BillingCurrency / Currency |
| x_instance_type | AdditionalInfo's ServiceType (AdditionalInfo is JSON text, often empty) |
| x_vcpus | AdditionalInfo's VCPUs |
| resource_id | ResourceId, else InstanceName / InstanceId |
| tags | Tags as a JSON object (Azure writes it with or without the braces); NULL when empty |
| x_blended_cost | NULL |

Quantity and block size. Microsoft's FinOps toolkit maps Quantity to FOCUS ConsumedQuantity and
derives PricingQuantity with its ``PricingUnits.csv`` block size (toolkit docs, "FOCUS mapping"
and data dictionary: "Divide UsageQuantity by PricingBlockSize to get the PricingQuantity").
The export's own numbers say otherwise: in both EA sample exports of the toolkit
(``src/powershell/Tests/assets/EA_*Cost_Small.csv``), Cost = Quantity x EffectivePrice on every
row, and prices are per UnitOfMeasure block: 'GRS List and Create Container Operations' costs
0.1 USD per '10K' (Azure's list price per 10,000 operations) and shows Quantity 0.0004, cost
0.00004, i.e. 4 operations. Quantity therefore counts blocks of UnitOfMeasure (it is FOCUS's
PricingQuantity), and consumed_quantity = Quantity x PricingBlockSize in base units. A unit of
measure missing from the toolkit table is read as its leading number ('100 /Month' -> 100,
'10K' -> 10,000, '1M' -> 1,000,000; none -> 1).

Actual vs amortized. Microsoft ("Get EA and MCA reservation costs and usage"): the Actual Cost
dataset holds reservation purchases and zero cost on the usage a reservation covers; the
Amortized Cost dataset spreads the purchase onto that usage, adds UnusedReservation /
UnusedSavingsPlan rows and "does not have reservation purchase records". A file is amortized
when it has Unused* rows or Usage rows with PricingModel Reservation / SavingsPlan and a cost;
actual when it has commitment Purchase rows or covered usage at zero cost; otherwise (no
commitments: both datasets are the same rows) its name decides ('amortiz...'), else actual.
Should an amortized export still carry a commitment purchase (ChargeType Purchase, PricingModel
Reservation / SavingsPlan), the row is kept with billed and effective cost 0: its cost is
already in the usage and Unused* rows. ``FilePlan.shape`` records the kind, so ``load`` refuses
an actual and an amortized export of the same billing account and month in one load.

The kind is told from the file's first ``SAMPLE_ROWS`` rows, not from a read of the whole file
before the load (that read was a fifth of the ingest). It is certain when those rows are the
whole file or hold an amortized-only row; otherwise every row of the load is checked for the
signal that would decide otherwise, and one that has it stops the load, which then starts again
after a scan of every row. So the kind is always the one a scan of every row gives.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

from ccf_py.errors import InputError, MissingColumnError
from ccf_py.ingest import units
from ccf_py.ingest.files import (
    BlankNumber,
    FilePlan,
    blank_to_null,
    damaged,
    describe,
    is_parquet,
    qident,
    qstr,
    read_failure,
    reader_sql,
    typed,
)
from ccf_py.ingest.load import IngestResult, in_command_transaction, load
from ccf_py.ingest.sources import Source
from ccf_py.ingest.table import DDL

__all__ = ["COLUMNS", "IngestResult", "ingest"]

PROVIDER = "azure"
DATA_DIR = Path(__file__).with_name("azure_data")

# source role -> (lower-case names in order of preference, DuckDB type, required)
COLUMNS: dict[str, tuple[tuple[str, ...], str, bool]] = {
    "date": (("date", "usagedatetime"), "TIMESTAMP", True),
    "period": (("billingperiodstartdate",), "TIMESTAMP", False),
    "account": (("billingaccountid",), "VARCHAR", False),
    "subscription": (("subscriptionid",), "VARCHAR", False),
    "subscription_guid": (("subscriptionguid",), "VARCHAR", False),
    "charge_type": (("chargetype",), "VARCHAR", True),
    "pricing_model": (("pricingmodel",), "VARCHAR", False),
    "meter_category": (("metercategory",), "VARCHAR", True),
    "meter_name": (("metername",), "VARCHAR", True),
    "location": (("resourcelocation",), "VARCHAR", False),
    "unit": (("unitofmeasure",), "VARCHAR", True),
    "quantity": (("quantity", "usagequantity"), "DOUBLE", True),
    "cost": (("costinbillingcurrency", "cost", "pretaxcost"), "DOUBLE", True),
    "payg_price": (("paygprice",), "DOUBLE", False),
    "currency": (("billingcurrencycode", "billingcurrency", "currency"), "VARCHAR", False),
    "additional_info": (("additionalinfo",), "VARCHAR", False),
    "resource": (("resourceid", "instancename", "instanceid"), "VARCHAR", False),
    "tags": (("tags",), "VARCHAR", False),
}
EXPECTED_NAMES = ("Date, ChargeType, MeterCategory, MeterName, UnitOfMeasure, Quantity, "
                  "CostInBillingCurrency (or Cost); MCA: date, chargeType, meterCategory, ...")
# ChargeType -> FOCUS ChargeCategory; unused commitments are "Usage" in FOCUS (no physical use)
CHARGE_CATEGORY = {"usage": "Usage", "purchase": "Purchase", "refund": "Credit", "tax": "Tax",
                   "unusedreservation": "Usage", "unusedsavingsplan": "Usage"}
COMMITMENT_MODELS = "('reservation', 'savingsplan')"
_MDY = r"^\s*[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}(\s|$)"
_ISO = r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}"
_BAD_DATE = "ccf-py: a date not in the file's format"  # error() text; the diagnosis names it
_GUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


# The toolkit tables are joined to the file (a hash join on the location / unit) rather than
# looked up per row in a MAP literal: ~0.4 of 6.3 CPU s per 1 M rows less (tests/benchmarks).
# Their columns carry a prefix no export column has.
REGION_ID = "_ccf_region_id"
UNIT_SIZE = "_ccf_unit_block_size"
UNIT_NAME = "_ccf_unit_distinct"


@cache
def _table_sql(file: str, *columns: str) -> str:
    """One of the toolkit tables in ``azure_data`` as a VALUES list of text columns (the
    first is the key; keys are unique)."""
    with (DATA_DIR / file).open(encoding="utf-8-sig", newline="") as fh:
        rows = [[r[c] for c in columns] for r in csv.DictReader(fh)]
    if len({r[0] for r in rows}) != len(rows):  # a LEFT JOIN would repeat the file's rows
        raise ValueError(f"{file}: a {columns[0]} appears twice")
    return "VALUES " + ", ".join("(" + ", ".join(qstr(c) for c in r) + ")" for r in rows)


def lookups_sql(location: str, unit: str) -> str:
    """The joins that add :data:`REGION_ID` (Regions.csv by lower-case ResourceLocation) and
    :data:`UNIT_SIZE` / :data:`UNIT_NAME` (PricingUnits.csv by UnitOfMeasure) to each row;
    NULL where the table lacks the value."""
    regions = _table_sql("finopstoolkit_Regions.csv", "OriginalValue", "RegionId")
    units = _table_sql("finopstoolkit_PricingUnits.csv", "UnitOfMeasure", "PricingBlockSize",
                       "DistinctUnits")
    return (f"LEFT JOIN ({regions}) AS _ccf_regions(_ccf_region_key, {REGION_ID}) "
            f"ON _ccf_region_key = lower(trim({location})) "
            f"LEFT JOIN ({units}) AS _ccf_units(_ccf_unit_key, {UNIT_SIZE}, {UNIT_NAME}) "
            f"ON _ccf_unit_key = {unit}")


def region_sql(location: str) -> str:
    """Azure region id of a ResourceLocation spelling (toolkit Regions.csv, joined by
    :func:`lookups_sql`; keys lower case), else the spelling in lower case without spaces."""
    key = f"lower(trim({location}))"
    # a spelling the table knows is not blank: its id skips the blank test (0.15 CPU s / 1 M)
    return (f"CASE WHEN {REGION_ID} IS NOT NULL THEN {REGION_ID} "
            f"WHEN {blank_to_null(location)} IS NOT NULL THEN replace({key}, ' ', '') END")


def block_size_sql(unit: str) -> str:
    """Units per block of a UnitOfMeasure ('10K' -> 10000): toolkit table (joined by
    :func:`lookups_sql`), else its number."""
    number = f"TRY_CAST(regexp_extract({unit}, '^\\s*([0-9]+(\\.[0-9]+)?)', 1) AS DOUBLE)"
    scale = (f"CASE WHEN regexp_matches({unit}, '^\\s*[0-9.]+\\s*K') THEN 1000 "
             f"WHEN regexp_matches({unit}, '^\\s*[0-9.]+\\s*M') THEN 1000000 ELSE 1 END")
    return f"coalesce(TRY_CAST({UNIT_SIZE} AS DOUBLE), {number} * {scale}, 1)"


@cache
def _block_sizes() -> dict[str, float]:
    with (DATA_DIR / "finopstoolkit_PricingUnits.csv").open(encoding="utf-8-sig",
                                                            newline="") as fh:
        return {r["UnitOfMeasure"]: float(r["PricingBlockSize"]) for r in csv.DictReader(fh)
                if r["PricingBlockSize"].strip()}


_BLOCK = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([KM])?")


def block_size(unit: str | None) -> float:
    """:func:`block_size_sql` in Python (the classifier's ``ccf`` mode undoes it, since CCF
    read Quantity as is): the toolkit's size, else the unit's own number (K, M scaled)."""
    if unit in _block_sizes():
        return _block_sizes()[unit]
    m = _BLOCK.match(unit or "")
    if not m:
        return 1.0
    return float(m[1]) * {"K": 1e3, "M": 1e6}.get(m[2] or "", 1.0)


def distinct_unit_sql(unit: str) -> str:
    """The unit without its block ('100 Hours' -> 'Hours'): toolkit table (joined by
    :func:`lookups_sql`), else the text after the number ('Units' when nothing is left,
    'Units/Month' for '/Month')."""
    rest = f"trim(regexp_replace({unit}, '^\\s*[0-9.]+\\s*[KM]?\\b\\s*', ''))"
    fallback = (f"CASE WHEN {rest} = '' THEN 'Units' WHEN left({rest}, 1) = '/' "
                f"THEN 'Units' || {rest} ELSE {rest} END")
    return f"coalesce({UNIT_NAME}, {fallback})"


@dataclass(frozen=True)
class _Columns:
    """One file's columns: role -> (name as the file spells it, DuckDB type)."""

    found: dict[str, tuple[str, str]]

    def sql(self, role: str) -> str | None:
        return qident(self.found[role][0]) if role in self.found else None

    def is_text(self, role: str) -> bool:
        return "VARCHAR" in self.found[role][1]


def _resolve(src: Source, columns: list[tuple[str, str]]) -> _Columns:
    by_lower: dict[str, tuple[str, str]] = {}
    for name, typ in columns:
        by_lower.setdefault(name.strip().lower(), (name, typ))
    found: dict[str, tuple[str, str]] = {}
    missing: list[str] = []
    for role, (names, _typ, required) in COLUMNS.items():
        hit = next((by_lower[n] for n in names if n in by_lower), None)
        if hit:
            found[role] = hit
        elif required:
            missing.append(names[0])
    if missing:
        spelled = {"date": "Date", "chargetype": "ChargeType", "metercategory": "MeterCategory",
                   "metername": "MeterName", "unitofmeasure": "UnitOfMeasure",
                   "quantity": "Quantity", "costinbillingcurrency": "CostInBillingCurrency"}
        raise MissingColumnError(
            src.name, "missing required Azure cost export column(s) "
            + ", ".join(spelled.get(m, m) for m in missing)
            + f" (expected EA or MCA cost details column names: {EXPECTED_NAMES})")
    return _Columns(found)


# ------------------------------------------------------------------ pre-scan: dates and shape


def _date_ok(fmt: str, value: str) -> str:
    if fmt == "mdy":
        return (f"(regexp_matches({value}, '{_MDY}') AND "
                f"try_strptime(split_part(trim({value}), ' ', 1), '%m/%d/%Y') IS NOT NULL)")
    return (f"(regexp_matches({value}, '{_ISO}') AND "
            f"TRY_CAST(left(trim({value}), 19) AS TIMESTAMP) IS NOT NULL)")


def date_sql(fmt: str, value: str) -> str:
    """A text date in the file's format as TIMESTAMP, NULL when blank; a value not in the
    format stops the load (the test of the error path's :func:`_date_ok`, so
    ``_dates_diagnosis`` finds it). A bare 'MM/DD/YYYY' / 'yyyy-mm-dd', nearly every value,
    skips the trims (a third of the CPU of a date; tests/benchmarks): for it the general
    branch would parse the same text."""
    d = "[0-9]"  # GLOB patterns match the whole value: ~0.02 CPU s per 1 M less than a regex
    bare, fast, test = ((f"{d * 2}/{d * 2}/{d * 4}", f"strptime({value}, '%m/%d/%Y')", _MDY)
                        if fmt == "mdy" else
                        (f"{d * 4}-{d * 2}-{d * 2}", f"CAST({value} AS TIMESTAMP)", _ISO))
    general = (f"strptime(split_part(trim({value}), ' ', 1), '%m/%d/%Y')" if fmt == "mdy"
               else f"CAST(left(trim({value}), 19) AS TIMESTAMP)")
    return (f"CASE WHEN {value} GLOB '{bare}' THEN CAST({fast} AS TIMESTAMP) "
            f"WHEN {blank_to_null(value)} IS NULL THEN NULL "
            f"WHEN regexp_matches({value}, '{test}') THEN CAST({general} AS TIMESTAMP) "
            f"ELSE error({qstr(_BAD_DATE)}) END")


def _signals(charge_type: str, pricing_model: str | None, cost: str) -> tuple[str, str]:
    """SQL booleans: the row is only found in an amortized / only in an actual export (cost:
    a number; without a PricingModel column only Unused* rows tell)."""
    charge = f"lower(trim({charge_type}))"
    if pricing_model is None:
        unused = f"{charge} IN ('unusedreservation', 'unusedsavingsplan')"
        return unused, "false"
    model = f"lower(trim({pricing_model})) IN {COMMITMENT_MODELS}"
    amortized = (f"{charge} IN ('unusedreservation', 'unusedsavingsplan') OR "
                 f"({charge} = 'usage' AND {model} AND {cost} <> 0)")
    actual = (f"({charge} = 'purchase' AND {model}) OR "
              f"({charge} = 'usage' AND {model} AND {cost} = 0)")
    return amortized, actual


# Rows read before the load to guess the file's kind and date formats (~0.06 s); the load
# itself checks every row against the guess (``_guard``), so a wrong guess is never loaded.
SAMPLE_ROWS = 20_000
_WRONG_KIND = "ccf-py: a row of the other kind of export than the first rows said"


class WrongKindGuess(Exception):
    """A row past the sample shows the other kind of export: load the file again after a
    scan of every row (``ingest``)."""


@dataclass(frozen=True)
class _Kind:
    """A file's kind, and the signal no row may show for it to hold (None: it is certain)."""

    kind: str                   # 'actual' / 'amortized'
    refuted_by: str | None = None   # 'amortized' / 'actual': rows of that signal refute it
    scanned: bool = False       # from a scan of every row


def _kind_of(src: Source, is_amortized: bool, is_actual: bool) -> str:
    if is_amortized:
        return "amortized"
    if is_actual:
        return "actual"
    # no commitment rows: both datasets hold the same rows; the name may tell
    return "amortized" if "amortiz" in src.name.lower() else "actual"


def _evidence_keys(cols: _Columns) -> tuple[list[str], str | None]:
    """Select list (ChargeType as _c, PricingModel as _m, whether the cost is zero as _z) of
    the evidence for the file's kind, and the name of the model column (None without one)."""
    keys = [f"{cols.sql('charge_type')} AS _c"]
    if "pricing_model" not in cols.found:
        return keys, None
    cost = cols.sql("cost")
    cost = f"TRY_CAST({cost} AS DOUBLE)" if cols.is_text("cost") else cost
    # 0 / 1 / NULL, so `<> 0` and `= 0` answer as on the cost itself
    keys += [f"{cols.sql('pricing_model')} AS _m", f"CAST({cost} <> 0 AS INTEGER) AS _z"]
    return keys, "_m"


def _guess(con: duckdb.DuckDBPyConnection, src: Source, cols: _Columns
           ) -> tuple[_Kind, dict[str, str]]:
    """The file's kind and date formats from its first :data:`SAMPLE_ROWS` rows, not a scan
    of the file (a second full read cost ~1 of 5 CPU s per 1 M rows; tests/benchmarks). The
    kind is certain when the sample is the whole file or holds an amortized-only row (an
    amortized signal anywhere decides); otherwise the load refutes it on any row with the
    signal that would have decided otherwise, and ``ingest`` then scans the file."""
    reader = reader_sql(src, is_parquet(src.path.name))
    dates = [r for r in ("date", "period") if r in cols.found and cols.is_text(r)]
    keys, model = _evidence_keys(cols)
    amortized, actual = _signals("_c", model, "_z")
    aggs = [f"count(*), coalesce(bool_or({amortized}), false), "
            f"coalesce(bool_or({actual}), false)"]
    for i, role in enumerate(dates):
        keys.append(f"{cols.sql(role)} AS _d{i}")
        aggs += [f"count({blank_to_null(f'_d{i}')})",
                 f"count(*) FILTER (WHERE {_date_ok('mdy', f'_d{i}')})",
                 f"count(*) FILTER (WHERE {_date_ok('iso', f'_d{i}')})"]
    try:
        rows, is_amortized, is_actual, *counts = con.execute(
            f"SELECT {', '.join(aggs)} FROM (SELECT {', '.join(keys)} FROM {reader} "
            f"LIMIT {SAMPLE_ROWS})").fetchone()
        formats = {}
        for i, role in enumerate(dates):
            filled, mdy, iso = counts[3 * i: 3 * i + 3]
            formats[role] = ("mdy" if mdy > iso else "iso") if filled else _sample_format(
                con, reader, cols.sql(role))  # blank in the sample: look further
    except duckdb.Error as exc:
        raise read_failure(con, src, exc, "Azure cost export") from None
    kind = _kind_of(src, is_amortized, is_actual)
    if rows < SAMPLE_ROWS or is_amortized:
        return _Kind(kind), formats
    return _Kind(kind, "amortized" if kind == "actual" else "actual"), formats


def _prescan(con: duckdb.DuckDBPyConnection, src: Source, cols: _Columns
             ) -> tuple[_Kind, dict[str, str]]:
    """The file's kind ('actual' / 'amortized'), from one scan of the columns it needs, and
    the date format of each text date column ('mdy' / 'iso'), from its first non-blank
    values. The load converts dates strictly: a value in neither format, or in the other
    one, stops it, and ``_dates_diagnosis`` names file, line and column (checking every date
    here cost a third of the ingest; tests/benchmarks). Used when a guess from the first rows
    was refuted, inside a several-kind command (whose failed load cannot be retried), and to
    diagnose a failed load (its errors come first, as when it always ran)."""
    parquet = is_parquet(src.path.name)
    reader = reader_sql(src, parquet)
    dates = [r for r in ("date", "period") if r in cols.found and cols.is_text(r)]
    # The signals are tested on the few distinct (ChargeType, PricingModel, cost is zero)
    # triples, not on every row: ~0.15 CPU s per 1 M rows less (tests/benchmarks).
    keys, model = _evidence_keys(cols)
    amortized, actual = _signals("_c", model, "_z")
    # count() keeps the date columns in the scan: a cell the reader cannot read (bad UTF-8)
    # stops here, as before, not in the load
    counts = "".join(f", count({cols.sql(role)})" for role in dates)
    try:
        row = con.execute(
            f"SELECT coalesce(bool_or({amortized}), false), coalesce(bool_or({actual}), false) "
            f"FROM (SELECT {', '.join(keys)}{counts} FROM {reader} GROUP BY ALL)").fetchone()
        formats = {role: _sample_format(con, reader, cols.sql(role)) for role in dates}
    except duckdb.Error as exc:
        raise read_failure(con, src, exc, "Azure cost export") from None
    return _Kind(_kind_of(src, *row), scanned=True), formats


def _sample_format(con: duckdb.DuckDBPyConnection, reader: str, value: str) -> str:
    """'mdy' when most of the first 1,000 non-blank values are MM/DD/YYYY, else 'iso'. Only a
    file whose dates are all in one format loads, and then any sample names that format."""
    mdy, iso = con.execute(
        f"SELECT count(*) FILTER (WHERE {_date_ok('mdy', 'v')}), "
        f"count(*) FILTER (WHERE {_date_ok('iso', 'v')}) FROM (SELECT {value} AS v "
        f"FROM {reader} WHERE {blank_to_null(value)} IS NOT NULL LIMIT 1000)").fetchone()
    return "mdy" if mdy > iso else "iso"


def _dates_diagnosis(con: duckdb.DuckDBPyConnection, src: Source, cols: _Columns
                     ) -> InputError | None:
    """After a failed load, the error a check of every date would have given first: each
    text date column's format from all its values (the most common), and its first value not
    in it (a second scan, error path only)."""
    dates = [r for r in ("date", "period") if r in cols.found and cols.is_text(r)]
    if not dates:
        return None
    parquet = is_parquet(src.path.name)
    aggs = []
    for role in dates:
        v = cols.sql(role)
        aggs += [f"count({blank_to_null(v)})", f"count(*) FILTER (WHERE {_date_ok('mdy', v)})",
                 f"count(*) FILTER (WHERE {_date_ok('iso', v)})"]
    try:
        row = con.execute(f"SELECT {', '.join(aggs)} FROM {reader_sql(src, parquet)}"
                          ).fetchone()
    except duckdb.Error:
        return None
    for i, role in enumerate(dates):
        filled, mdy, iso = row[3 * i: 3 * i + 3]
        fmt = "mdy" if mdy > iso else "iso"
        if filled > max(mdy, iso):
            return _bad_date(con, src, cols, role, fmt)
    return None


def _bad_date(con: duckdb.DuckDBPyConnection, src: Source, cols: _Columns, role: str,
              fmt: str) -> InputError:
    """The first date of ``role`` not in the file's format (a second scan, error path only)."""
    parquet = is_parquet(src.path.name)
    v = cols.sql(role)
    number = "file_row_number + 1" if parquet else "row_number() OVER () + 1"
    con.execute("SET preserve_insertion_order = true")  # row_number() in file order
    line, value = con.execute(
        f"SELECT n, v FROM (SELECT {number} AS n, {v} AS v FROM "
        f"{reader_sql(src, parquet, row_number=True)}) "
        f"WHERE {blank_to_null('v')} IS NOT NULL AND NOT {_date_ok(fmt, 'v')} "
        "ORDER BY n LIMIT 1").fetchone()
    spelled = "MM/DD/YYYY" if fmt == "mdy" else "yyyy-mm-dd"
    return InputError(src.name, f"{value!r} is not a date in this file's format ({spelled})",
                      row=int(line), column=cols.found[role][0],
                      row_word="row" if parquet else "line")


# ------------------------------------------------------------------------------- the plan


def _plan(con: duckdb.DuckDBPyConnection, src: Source, columns: list[tuple[str, str]],
          load_id: int, *, csv_as_text: bool = False, guess: bool = True,
          refutable: bool = True) -> FilePlan:
    """Reader and select list of one file, from its own header and its first rows
    (``guess``: see :func:`_guess`) or a scan of all its rows. ``refutable``: a guess that
    a row could refute may be loaded (``ingest`` can load the file again); otherwise only a
    certain guess is, and the rows are scanned when it is not.

    CSV number columns are parsed by DuckDB's CSV reader (its errors name line and column);
    ``csv_as_text`` reads them as text instead (a number cell holding only whitespace)."""
    cols = _resolve(src, columns)
    read_as_text = cols
    kind, formats = (_guess if guess else _prescan)(con, src, cols)
    if kind.refuted_by and not refutable:
        kind, formats = _prescan(con, src, cols)
    parquet = is_parquet(src.path.name)
    parsed: dict[str, str] = {}
    if not parquet and not csv_as_text:
        parsed = {name: "DOUBLE" for role, (name, _t) in cols.found.items()
                  if COLUMNS[role][1] == "DOUBLE"}
        cols = _Columns({role: (name, parsed.get(name, typ))
                         for role, (name, typ) in cols.found.items()})
    conversions = tuple((name, qident(name), COLUMNS[role][1])
                        for role, (name, typ) in cols.found.items()
                        if COLUMNS[role][1] == "DOUBLE" and "VARCHAR" in typ)
    # Each role is converted once, in a subquery, and the select list reads the result: in
    # one flat select list DuckDB converted a value used by several columns (Date, ChargeType,
    # AdditionalInfo) more than once (tests/benchmarks)
    values = _values(cols, formats)
    values[INFO_FIELDS] = info_fields_sql(values["additional_info"])
    v = {role: f"_ccf_{role}" for role in values}
    inner = ", ".join(f"{sql} AS {v[role]}" for role, sql in values.items())
    exprs = _select(v, kind, cols)
    exprs += [f"{qstr(src.name)} AS source_file", f"{load_id}::BIGINT AS load_id"]
    shape = f"Azure {kind.kind} cost ({'Parquet' if parquet else 'CSV'})"
    reader = (f"(SELECT {inner} FROM {reader_sql(src, parquet, parsed)}) AS _ccf_file "
              f"{lookups_sql(v['location'], v['unit'])}")
    return FilePlan(src, reader, ",\n    ".join(exprs), shape, conversions,
                    diagnose=_diagnosis(con, src, read_as_text, scanned=kind.scanned))


def _diagnosis(con: duckdb.DuckDBPyConnection, src: Source, cols: _Columns, *,
               scanned: bool) -> Callable[[duckdb.Error], InputError | None]:
    """A failed load's own diagnosis: a row that refuted the guessed kind (``ingest`` loads
    the file again), then what the scan of every row before the load (``scanned``: it ran)
    stopped at, then a bad date (it stopped the load before anything else was read, when
    every date was checked beforehand), then a bad Tags cell. ``cols``: as the text reader
    reads them."""
    tags = _tags_diagnosis(con, src, cols)

    def diagnose(exc: duckdb.Error) -> InputError | None:
        if _WRONG_KIND in str(exc):
            raise WrongKindGuess(src.name)
        if not scanned:  # an unreadable file fails as when the scan ran before the load
            try:
                _prescan(con, src, cols)
            except InputError as unreadable:
                return unreadable
        return _dates_diagnosis(con, src, cols) or tags(exc)

    return diagnose


_JSON_REASON = re.compile(r"Malformed JSON at byte \d+ of input: ([^.]+)")


def _tags_diagnosis(con: duckdb.DuckDBPyConnection, src: Source, cols: _Columns
                    ) -> Callable[[duckdb.Error], InputError | None]:
    """A Tags cell that is no JSON object, with its line (CSV: the header is line 1) or row:
    DuckDB's cast error says neither. A second scan, only after the load failed."""

    def diagnose(exc: duckdb.Error) -> InputError | None:
        if "Malformed JSON" not in str(exc) or "tags" not in cols.found:
            return None
        if broken := damaged(src):  # a download cut inside a Tags cell
            return broken
        parquet = is_parquet(src.path.name)
        number = "file_row_number + 1" if parquet else "row_number() OVER () + 1"
        tags = tags_text_sql(typed(cols.sql("tags"), cols.found["tags"][1], "VARCHAR"))
        con.execute("SET preserve_insertion_order = true")  # row_number() in file order
        try:
            hit = con.execute(
                f"SELECT n, v, t FROM (SELECT {number} AS n, {cols.sql('tags')} AS v, "
                f"{tags} AS t FROM {reader_sql(src, parquet, row_number=True)}) "
                "WHERE t IS NOT NULL AND NOT json_valid(t) ORDER BY n LIMIT 1").fetchone()
        except duckdb.Error:
            return None
        if hit is None:
            return None
        try:  # DuckDB's reason for this cell (the load may have stopped at another one)
            con.execute("SELECT CAST(? AS JSON)", [hit[2]]).fetchone()
            reason = None
        except duckdb.Error as cast_error:
            reason = _JSON_REASON.search(str(cast_error))
        why = f" ({reason.group(1).strip()})" if reason else ""
        return InputError(src.name, f"{hit[1]!r} is not a JSON object of tags{why}",
                          row=int(hit[0]), column=cols.found["tags"][0],
                          row_word="row" if parquet else "line")

    return diagnose


def _values(cols: _Columns, formats: dict[str, str]) -> dict[str, str]:
    """Each role as a typed SQL expression (NULL where the file lacks the column)."""
    out: dict[str, str] = {}
    for role, (_names, typ, _req) in COLUMNS.items():
        if role not in cols.found:
            out[role] = f"CAST(NULL AS {typ})"
        elif role in formats:
            out[role] = date_sql(formats[role], cols.sql(role))  # type: ignore[arg-type]
        else:
            out[role] = typed(cols.sql(role), cols.found[role][1], typ)  # type: ignore[arg-type]
    return out


INFO_FIELDS = "info_fields"


def info_fields_sql(info: str) -> str:
    """[ServiceType, VCPUs] of the AdditionalInfo JSON text, from one parse; NULL when the
    text is no JSON."""
    return (f"CASE WHEN json_valid({info}) THEN "
            f"json_extract_string({info}, ['$.ServiceType', '$.VCPUs']) END")


def tags_text_sql(tags: str) -> str:
    """The Tags cell as the text of a JSON object (Azure writes it with or without the
    braces); NULL when blank or empty."""
    t = blank_to_null(tags)
    general = (f"nullif(nullif(CASE WHEN left({t}, 1) = '{{' THEN {t} "
               f"ELSE '{{' || {t} || '}}' END, '{{}}'), '{{ }}')")
    # A cell starting and ending with a quote, as Azure writes tags, has no blanks to trim:
    # it skips the trims (~0.15 of 0.2 CPU s per 1 M rows; tests/benchmarks), same text.
    return (f"CASE WHEN prefix({tags}, '\"') AND suffix({tags}, '\"') "
            f"THEN '{{' || {tags} || '}}' ELSE {general} END")


def _guard(v: dict[str, str], kind: _Kind, cols: _Columns) -> str:
    """ChargeType as written, or an error on a row that refutes a guessed kind."""
    charge = v["charge_type"]
    if kind.refuted_by is None:
        return charge
    model = v["pricing_model"] if "pricing_model" in cols.found else None
    refutes = _signals(charge, model, v["cost"])[kind.refuted_by == "actual"]
    # nearly every row: Usage at an on-demand or spot price, a signal of neither kind, tested
    # without the lower(trim()) of the signals (~0.1 CPU s per 1 M rows; tests/benchmarks)
    plain = f"{charge} = 'Usage'" + (f" AND {model} IN ('OnDemand', 'Spot')" if model else "")
    return (f"CASE WHEN {plain} THEN {charge} WHEN {refutes} THEN error({qstr(_WRONG_KIND)}) "
            f"ELSE {charge} END")


def _select(v: dict[str, str], kind: _Kind, cols: _Columns) -> list[str]:
    charge = f"lower(trim({v['charge_type']}))"
    # 'Usage' as written (nearly every row) is told without lower(trim()): ~0.03 CPU s per
    # test per 1 M rows (tests/benchmarks); the same answer
    written = f"{v['charge_type']} = 'Usage'"
    usage = f"({written} OR {charge} = 'usage')"
    categories = " ".join(f"WHEN {qstr(k)} THEN {qstr(c)}" for k, c in CHARGE_CATEGORY.items())
    cost = v["cost"]
    if kind.kind == "amortized":  # a commitment purchase is already spread onto usage (docstring)
        model = f"lower(trim({v['pricing_model']})) IN {COMMITMENT_MODELS}"
        cost = (f"CASE WHEN {written} THEN {cost} WHEN {charge} = 'purchase' AND {model} "
                f"THEN 0 ELSE {cost} END")
    sub = v["subscription"]
    # a GUID without spaces around it (nearly all) skips the trims
    subscription = (f"CASE WHEN regexp_matches({sub}, '{_GUID}') THEN {sub} "
                    f"WHEN regexp_matches(trim({sub}), '{_GUID}') THEN trim({sub}) "
                    f"ELSE coalesce({v['subscription_guid']}, {sub}) END")
    fields = v[INFO_FIELDS]
    tags = f"CAST({tags_text_sql(v['tags'])} AS JSON)"
    unit = v["unit"]
    return [
        f"{qstr(PROVIDER)} AS provider_name",
        f"coalesce(CAST({v['period']} AS DATE), CAST(date_trunc('month', {v['date']}) AS DATE))"
        " AS billing_period_start",
        f"{v['date']} AS charge_period_start",
        # cost exports and the query API are daily: a line covers its day
        f"{v['date']} + INTERVAL 1 DAY AS charge_period_end",
        f"CAST({v['account']} AS VARCHAR) AS billing_account_id",
        f"{subscription} AS sub_account_id",
        f"{_guard(v, kind, cols)} AS x_line_item_type",
        f"CASE WHEN {written} THEN 'Usage' ELSE CASE {charge} {categories} "
        "ELSE 'Adjustment' END END AS charge_category",
        f"{v['meter_category']} AS service_name",
        f"{v['meter_name']} AS x_usage_type",
        f"{region_sql(v['location'])} AS region_id",
        f"{unit} AS pricing_unit",
        f"CASE WHEN {usage} THEN {v['quantity']} * {block_size_sql(unit)} END "
        "AS consumed_quantity",
        f"CASE WHEN {usage} THEN "
        f"{units.consumed_unit_sql(PROVIDER, distinct_unit_sql(unit))} END AS consumed_unit",
        f"{cost} AS billed_cost",
        f"{cost} AS effective_cost",
        f"{v['payg_price']} * {v['quantity']} AS list_cost",
        f"{v['currency']} AS billing_currency",
        "CAST(NULL AS DOUBLE) AS x_blended_cost",
        f"{fields}[1] AS x_instance_type",
        f"TRY_CAST({fields}[2] AS DOUBLE) AS x_vcpus",
        f"{v['resource']} AS resource_id",
        f"{tags} AS tags",
    ]


def ingest(con: duckdb.DuckDBPyConnection, sources: Sequence[Source], *, label: str = "",
           progress: Callable[[str], None] | None = None,
           progress_bar: bool = False) -> IngestResult:
    """Load ``sources`` in one transaction; replace earlier rows of the same (billing account,
    billing period) of Azure. ``progress`` gets one line per file; ``progress_bar`` turns on
    DuckDB's own bar (terminals only)."""
    con.execute(DDL)
    load_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM ingest_log").fetchone()[0]
    described = [(src, describe(con, src, 'Azure cost export')) for src in sources]
    as_text: set[str] = set()
    # a refuted guess in a several-kind command could not be loaded again: its failed load
    # rolled the whole command back
    refutable = not in_command_transaction(con)
    guess = True
    try:
        while True:
            plans = [_plan(con, src, columns, load_id, csv_as_text=src.name in as_text,
                           guess=guess, refutable=refutable) for src, columns in described]
            try:
                result = load(con, plans, provider=PROVIDER, load_id=load_id, label=label,
                              progress=progress, progress_bar=progress_bar)
                break
            except WrongKindGuess as wrong:  # rare: scan every file before loading again
                if not guess:
                    raise AssertionError(f"{wrong}: a kind was refuted after a scan") from None
                guess = False
                if progress:
                    progress(f"{wrong}: a row past the first {SAMPLE_ROWS:,} shows the other "
                             "kind of export (actual / amortized); loading again")
            except BlankNumber as blank:  # rare: read every CSV's numbers as text
                if as_text:
                    raise AssertionError(f"{blank}: blank number cell on the text path") from None
                as_text = {src.name for src, _ in described if not is_parquet(src.path.name)}
                if progress:
                    progress(f"{blank}: a number cell holds only whitespace; reading the CSV "
                             "files as text")
    finally:
        con.execute("RESET preserve_insertion_order")
    if progress and result.replaced_rows:
        progress(f"replaced {result.replaced_rows} rows of {', '.join(result.billing_periods)} "
                 f"from earlier loads ({result.replaced_from}); load every file of a billing "
                 "period in one command")
    return result
