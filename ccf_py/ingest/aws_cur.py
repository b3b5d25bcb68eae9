"""Load AWS Cost and Usage Reports into the billing table (``ccf_py.ingest.table``).

Three dialects arrive in the wild and all map to one canonical table:

* legacy CUR CSV / CSV.gz: ``lineItem/UsageType``, ``resourceTags/user:team``
* legacy CUR Parquet / Athena tables: ``line_item_usage_type``, ``resource_tags_user_team``
* CUR 2.0 (Data Exports) Parquet: the same snake names plus ``product`` and ``resource_tags`` MAPs

A column name is reduced to its snake form (``lineItem/UsageType`` -> ``line_item_usage_type``) and
looked up in :data:`COLUMNS`; each file is mapped on its own, so months with added or missing
columns load side by side (schema drift). ``ccf_py.ingest.load`` then inserts the files in one
transaction and replaces earlier rows of the same (provider, payer account, billing period).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import duckdb

from ccf_py.errors import MissingColumnError
from ccf_py.ingest import units
from ccf_py.ingest.files import (
    BlankNumber,
    FilePlan,
    describe,
    is_parquet,
    qident,
    qstr,
    reader_sql,
    typed,
)
from ccf_py.ingest.load import IngestResult, load
from ccf_py.ingest.sources import Source
from ccf_py.ingest.table import DDL

__all__ = ["COLUMNS", "IngestResult", "ingest", "snake", "tag_key"]

PROVIDER = "aws"

# billing-table column -> (snake source names in order of preference, DuckDB type, required);
# names starting with "_" are read only to derive another column (see _derived)
COLUMNS: dict[str, tuple[tuple[str, ...], str, bool]] = {
    "charge_period_start": (("line_item_usage_start_date",), "TIMESTAMP", True),
    "charge_period_end": (("line_item_usage_end_date",), "TIMESTAMP", False),
    "billing_account_id": (("bill_payer_account_id",), "VARCHAR", False),
    "sub_account_id": (("line_item_usage_account_id",), "VARCHAR", False),
    "x_line_item_type": (("line_item_line_item_type",), "VARCHAR", True),
    "service_name": (("line_item_product_code", "product_servicecode"), "VARCHAR", True),
    "x_usage_type": (("line_item_usage_type", "product_usagetype"), "VARCHAR", True),
    "region_id": (("product_region_code", "product_region"), "VARCHAR", False),
    "pricing_unit": (("pricing_unit",), "VARCHAR", False),
    "consumed_quantity": (("line_item_usage_amount",), "DOUBLE", True),
    "billed_cost": (("line_item_unblended_cost",), "DOUBLE", True),
    "x_blended_cost": (("line_item_blended_cost",), "DOUBLE", False),
    "list_cost": (("pricing_public_on_demand_cost",), "DOUBLE", False),
    "billing_currency": (("line_item_currency_code",), "VARCHAR", False),
    "x_vcpus": (("product_vcpu",), "DOUBLE", False),
    "x_instance_type": (("product_instance_type",), "VARCHAR", False),
    "resource_id": (("line_item_resource_id",), "VARCHAR", False),
    # unique with identity/TimeInterval (AWS: within one delivery partition); kept so the
    # FOCUS export's carbon columns join back to the CUR
    "x_line_id": (("identity_line_item_id",), "VARCHAR", False),
    "_sp_effective_cost": (("savings_plan_savings_plan_effective_cost",), "DOUBLE", False),
    "_ri_effective_cost": (("reservation_effective_cost",), "DOUBLE", False),
    "_sp_total_commitment": (("savings_plan_total_commitment_to_date",), "DOUBLE", False),
    "_sp_used_commitment": (("savings_plan_used_commitment",), "DOUBLE", False),
    "_ri_unused_upfront": (("reservation_unused_amortized_upfront_fee_for_billing_period",),
                           "DOUBLE", False),
    "_ri_unused_recurring": (("reservation_unused_recurring_fee",), "DOUBLE", False),
}
BILLING_PERIOD_SOURCES = ("bill_billing_period_start_date", "billing_period")
# CUR 2.0 keeps most product attributes in the ``product`` MAP.
PRODUCT_MAP_KEYS = {"region_id": "region", "x_vcpus": "vcpu", "x_instance_type": "instance_type"}
# lineItem/LineItemType -> FOCUS ChargeCategory (FOCUS 1.0: Usage, Purchase, Tax, Credit,
# Adjustment); any other type (SavingsPlanNegation, EdpDiscount and other discounts) is an
# Adjustment. A Refund is a Credit here: FOCUS files a refund under the category of what it
# refunds, which the CUR line does not say.
USAGE_TYPES = ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage")
CHARGE_CATEGORY = {
    "Usage": "Usage", "DiscountedUsage": "Usage", "SavingsPlanCoveredUsage": "Usage",
    "Tax": "Tax", "Credit": "Credit", "Refund": "Credit",
    "Fee": "Purchase", "RIFee": "Purchase", "SavingsPlanRecurringFee": "Purchase",
    "SavingsPlanUpfrontFee": "Purchase",
}


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


def _plan(src: Source, columns: list[tuple[str, str]], load_id: int, *,
          csv_as_text: bool = False) -> FilePlan:
    """Build the reader and select list for one file from its own header.

    A CSV's number and date columns are parsed by DuckDB's CSV reader (about 20 % less CPU
    than text plus SQL casts, and its errors name line and column); ``csv_as_text`` reads
    them as text and applies the one conversion rule of ``typed`` instead, which the load
    falls back to when a number cell holds only whitespace (see ``ingest``).
    """
    by_snake: dict[str, str] = {}
    for name, _typ in columns:
        by_snake.setdefault(snake(name), name)
    types = dict(columns)
    parquet = is_parquet(src.path.name)
    parsed: dict[str, str] = {}  # CSV columns DuckDB's reader parses itself
    if not parquet and not csv_as_text:
        # timestamps as TIMESTAMPTZ: an offset in the text is honoured (the session is UTC)
        stored = {"TIMESTAMP": "TIMESTAMPTZ"}
        parsed = {by_snake[s]: stored.get(typ, typ) for sources, typ, _ in COLUMNS.values()
                  for s in sources if s in by_snake and typ != "VARCHAR"}
        parsed.update({by_snake[s]: "TIMESTAMPTZ" for s in BILLING_PERIOD_SOURCES[:1]
                       if s in by_snake})
        types.update(parsed)
    values: dict[str, str] = {}  # billing-table column (or _helper) -> SQL expression
    missing: list[str] = []
    conversions: list[tuple[str, str, str]] = []
    has_product_map = "product" in by_snake and "MAP" in types.get(by_snake["product"], "")
    for canon, (sources, typ, required) in COLUMNS.items():
        found = [(by_snake[s], qident(by_snake[s]), types[by_snake[s]])
                 for s in sources if s in by_snake]
        if canon in PRODUCT_MAP_KEYS and has_product_map:
            key = PRODUCT_MAP_KEYS[canon]
            found.append((f"product['{key}']", f"product[{qstr(key)}]", "VARCHAR"))
        parts = [typed(sql, st, typ) for _label, sql, st in found]
        conversions += [(label, sql, typ) for label, sql, st in found
                        if typ != "VARCHAR" and "VARCHAR" in st]
        if parts:
            values[canon] = parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"
        elif required:
            missing.append(sources[0])
        else:
            values[canon] = f"CAST(NULL AS {typ})"
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
    values.update(_derived(values))
    exprs = [f"{qstr(PROVIDER)} AS provider_name", period,
             *(f"{v} AS {k}" for k, v in values.items() if not k.startswith("_")),
             f"CAST({tags} AS JSON) AS tags", f"{qstr(src.name)} AS source_file",
             f"{load_id}::BIGINT AS load_id"]
    return FilePlan(src, reader_sql(src, parquet, parsed), ",\n    ".join(exprs),
                    _shape(by_snake, types, parquet), tuple(conversions))


def charge_category_sql(line_type_sql: str) -> str:
    """FOCUS ChargeCategory of a CUR line from its line item type (:data:`CHARGE_CATEGORY`)."""
    cases = " ".join(f"WHEN {qstr(t)} THEN {qstr(c)}" for t, c in CHARGE_CATEGORY.items())
    return f"CASE {line_type_sql} {cases} ELSE 'Adjustment' END"


def _derived(values: dict[str, str]) -> dict[str, str]:
    """Billing-table columns computed from others: FOCUS's charge category; the consumed
    quantity and normalized unit (FOCUS: NULL except on usage); and the effective cost, which
    FOCUS 1.0 defines as the amortized cost: the SP / RI effective cost on the usage they
    cover, 0 for the negation of covered usage and for upfront fees (amortized into that
    usage), the unused part of a recurring commitment fee (NULL when the export lacks the
    columns that say it), else the billed cost."""
    line_type, billed = values["x_line_item_type"], values["billed_cost"]
    usage = f"{line_type} IN ({', '.join(qstr(t) for t in USAGE_TYPES)})"
    effective = (
        f"CASE {line_type} "
        f"WHEN 'SavingsPlanCoveredUsage' THEN coalesce({values['_sp_effective_cost']}, {billed}) "
        f"WHEN 'DiscountedUsage' THEN coalesce({values['_ri_effective_cost']}, {billed}) "
        "WHEN 'SavingsPlanNegation' THEN 0 WHEN 'SavingsPlanUpfrontFee' THEN 0 "
        f"WHEN 'SavingsPlanRecurringFee' THEN "
        f"{values['_sp_total_commitment']} - {values['_sp_used_commitment']} "
        f"WHEN 'RIFee' THEN "
        f"{values['_ri_unused_upfront']} + {values['_ri_unused_recurring']} "
        f"ELSE {billed} END")
    return {"charge_category": charge_category_sql(line_type),
            "consumed_quantity": f"CASE WHEN {usage} THEN {values['consumed_quantity']} END",
            "consumed_unit": f"CASE WHEN {usage} THEN "
                             f"{units.consumed_unit_sql(PROVIDER, values['pricing_unit'])} END",
            "effective_cost": effective}


def _billing_period_expr(by_snake: dict[str, str], types: dict[str, str]
                         ) -> tuple[str, list[tuple[str, str, str]]]:
    if BILLING_PERIOD_SOURCES[1] in by_snake and BILLING_PERIOD_SOURCES[0] not in by_snake:
        col = by_snake[BILLING_PERIOD_SOURCES[1]]  # CUR 2.0: 'YYYY-MM'
        return (f"CAST(strptime(trim({qident(col)}) || '-01', '%Y-%m-%d') AS DATE) "
                "AS billing_period_start", [])
    col = by_snake.get(BILLING_PERIOD_SOURCES[0], by_snake["line_item_usage_start_date"])
    when = typed(qident(col), types[col], "TIMESTAMP")
    conversion = [(col, qident(col), "TIMESTAMP")] if "VARCHAR" in types[col] else []
    return f"CAST(date_trunc('month', {when}) AS DATE) AS billing_period_start", conversion


def ingest(con: duckdb.DuckDBPyConnection, sources: Sequence[Source], *, label: str = "",
           progress: Callable[[str], None] | None = None,
           progress_bar: bool = False) -> IngestResult:
    """Load ``sources`` in one transaction; replace earlier rows of the same billing periods.

    ``progress`` gets one line per file; ``progress_bar`` turns on DuckDB's own bar, which
    shows progress inside a long file (for terminals only: it redraws the line).
    """
    con.execute(DDL)
    load_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM ingest_log").fetchone()[0]
    described = [(src, describe(con, src, 'CUR file')) for src in sources]
    as_text: set[str] = set()
    while True:
        plans = [_plan(src, columns, load_id, csv_as_text=src.name in as_text)
                 for src, columns in described]
        try:
            result = load(con, plans, provider=PROVIDER, load_id=load_id, label=label,
                          progress=progress, progress_bar=progress_bar)
            break
        except BlankNumber as blank:  # rare; parts of one export share it: all CSVs as text
            if as_text:
                raise AssertionError(f"{blank}: blank number cell on the text path") from None
            as_text = {src.name for src, _ in described if not is_parquet(src.path.name)}
            if progress:
                progress(f"{blank}: a number cell holds only whitespace; reading the CSV "
                         "files as text")
    if progress and result.replaced_rows:
        progress(f"replaced {result.replaced_rows} rows of {', '.join(result.billing_periods)} "
                 f"from earlier loads ({result.replaced_from}); load every file of a billing "
                 "period in one command")
    return result
