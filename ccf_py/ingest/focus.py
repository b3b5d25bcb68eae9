"""Load FOCUS cost-and-usage exports (FinOps Open Cost and Usage Specification 1.0-1.3) from any
provider into the billing table (``ccf_py.ingest.table``).

FOCUS is already the table's vocabulary, so most columns copy across. What needs care is that
the provider classifiers key on each provider's *native* spellings: a FOCUS row of AWS should
carry the CUR product code (``AmazonEC2``) where the export has it, a Microsoft row the meter
category. The ``x_`` columns the providers add to their FOCUS exports give those back.

| billed_lines column | FOCUS source (the first present and not null) |
|---|---|
| provider_name | ServiceProviderName (1.3), ProviderName, HostProviderName; normalized [1] |
| billing_account_id | BillingAccountId (the account reloads replace by) |
| sub_account_id | SubAccountId |
| billing_period_start | BillingPeriodStart (UTC date); ChargePeriodStart's month if absent |
| charge_period_start | ChargePeriodStart (UTC) |
| charge_period_end | ChargePeriodEnd (UTC) |
| charge_category | ChargeCategory (Usage, Purchase, Tax, Credit, Adjustment; case fixed) |
| service_name | aws: x_ServiceCode; azure: x_SkuMeterCategory; then ServiceName |
| x_usage_type | aws: x_UsageType; azure: x_SkuMeterName, SkuMeter; then ChargeDescription [2], |
|  | then x_UsageType (what older `ccf-py export focus` files hold) |
| region_id | RegionId, RegionName |
| consumed_quantity | ConsumedQuantity (Usage rows only, as for AWS) |
| consumed_unit | ConsumedUnit normalized [3] (Usage rows only) |
| pricing_unit | aws: x_PricingUnit; gcp: ConsumedUnit in GCP's spelling [7]; then PricingUnit |
| x_pricing_quantity | PricingQuantity |
| x_pricing_unit | PricingUnit (as written) |
| billed_cost | BilledCost |
| effective_cost | EffectiveCost |
| list_cost | ListCost |
| billing_currency | BillingCurrency |
| x_line_item_type | x_LineItemType when the export has it (AWS; Azure charge type); else NULL |
| x_blended_cost | x_BlendedCost (ccf-py export focus); else NULL |
| x_instance_type | SkuPriceDetails InstanceType [4]; azure: x_SkuDetails ServiceType; [5] |
| x_vcpus | SkuPriceDetails CoreCount [4]; azure: x_SkuDetails VCPUs; NULL if not a number |
| resource_id | ResourceId |
| tags | Tags (JSON object; MAP in Parquet), keys snake case, no ``user:`` [6] |

[1] AWS, Amazon Web Services -> aws; Microsoft, Azure, Microsoft Azure -> azure; Google Cloud,
GCP, Google -> gcp; Oracle, OCI -> oci (:data:`PROVIDER_NAMES`); any other name in lower case;
a row without any provider name -> 'unknown'. 1.3 deprecates ProviderName for
ServiceProviderName; HostProviderName (the infrastructure under a marketplace seller) is only a
last resort.
[2] GCP's FOCUS ChargeDescription is the SKU description its native export keys on; for other
providers it is the most specific text a FOCUS row has.
[3] ``coefficients/units.csv`` rows of provider ``focus`` (GB Months, GB/Month -> GB-Months,
GB Hours -> GB-Hours...); a spelling it lacks is kept as written.
[4] also the keys in :data:`INSTANCE_KEYS` / :data:`VCPU_KEYS`; a SkuPriceDetails that is not
JSON counts as no properties (it is a property bag, not a cost).
[5] aws rows ``m5.large``-like, azure rows ``Standard_D2s_v3``-like (``_INSTANCE_PATTERNS``):
FOCUS 1.0 exports carry the instance type only in the description.
[6] as for AWS (``ccf_py.ingest.aws_cur.tag_key``) so ``--by tag:CostCenter`` finds them; a key
that snake-cases to an earlier key is dropped; ``{}`` is NULL.
[7] GCP's classifier keys on its export's usage.unit (``seconds``, ``byte-seconds``); a
ConsumedUnit in FOCUS's unit format (``Seconds``, ``B-Seconds``, as ``ccf-py export focus``
writes it) is turned back through ``coefficients/units.csv``'s gcp rows.

The text ``NULL`` is NULL in every column (FOCUS CSV writers spell null that way). Column names
match without regard to case. A file of another FOCUS dataset (1.3 contract commitments) or one
that is not FOCUS gets one error naming the file and what it looks like.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import duckdb

from ccf_py.errors import InputError, MissingColumnError
from ccf_py.ingest import units
from ccf_py.ingest.files import (
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

__all__ = ["IngestResult", "ingest", "normalize_provider"]

UNIT_PROVIDER = "focus"  # the coefficients/units.csv rows for FOCUS ConsumedUnit spellings

# provider spelling (lower case) -> provider_name the classifiers key on
PROVIDER_NAMES = {
    "aws": "aws", "amazon web services": "aws", "amazon web services, inc.": "aws",
    "amazon": "aws",
    "microsoft": "azure", "azure": "azure", "microsoft azure": "azure",
    "microsoft corporation": "azure",
    "google cloud": "gcp", "gcp": "gcp", "google": "gcp", "google cloud platform": "gcp",
    "oracle": "oci", "oci": "oci", "oracle cloud infrastructure": "oci",
}

# text columns read as written: billing-table column -> FOCUS names in order of preference
TEXT = {
    "billing_account_id": ("BillingAccountId",),
    "sub_account_id": ("SubAccountId",),
    "region_id": ("RegionId", "RegionName"),
    "billing_currency": ("BillingCurrency",),
    "resource_id": ("ResourceId",),
}
NUMBERS = {"billed_cost": "BilledCost", "effective_cost": "EffectiveCost",
           "list_cost": "ListCost", "consumed_quantity": "ConsumedQuantity"}
PROVIDER_COLUMNS = ("ServiceProviderName", "ProviderName", "HostProviderName")
REQUIRED = ("BilledCost", "ChargeCategory", "ChargePeriodStart")
CATEGORIES = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")

# SkuPriceDetails keys (FOCUS-defined first, then spellings seen in custom properties)
INSTANCE_KEYS = ("InstanceType", "instanceType", "x_InstanceType")
VCPU_KEYS = ("CoreCount", "vCPU", "VCPUs", "vCpus", "x_vCPU", "x_VCPUs")
# Instance types in ChargeDescription, deliberately narrow: a size suffix AWS uses
# (``c5.2xlarge``, ``db.r5.large``, ``u-6tb1.metal``) or an Azure VM size (``Standard_D2s_v3``).
_INSTANCE_PATTERNS = {
    "aws": r"\b((?:db\.|cache\.)?[a-z][a-z0-9-]*[0-9][a-z0-9-]*\."
           r"(?:nano|micro|small|medium|large|[0-9]*xlarge|metal(?:-[0-9]+xl)?))\b",
    "azure": r"\b((?:Standard|Basic)_[A-Za-z][A-Za-z0-9_]*[0-9][A-Za-z0-9_]*)\b",
}


def normalize_provider(name: str) -> str:
    """``provider_name`` for a FOCUS provider name (the SQL below applies the same rule)."""
    return PROVIDER_NAMES.get(name.strip().lower(), name.strip().lower())


def _provider_sql(col_sql: str) -> str:
    cases = " ".join(f"WHEN {qstr(k)} THEN {qstr(v)}" for k, v in PROVIDER_NAMES.items())
    return f"CASE lower(trim({col_sql})) {cases} ELSE lower(trim({col_sql})) END"


def _snake_sql(key_sql: str) -> str:
    """SQL of ``aws_cur.snake`` (camelCase -> camel_case, ``/`` and ``:`` -> ``_``)."""
    camel = f"regexp_replace({key_sql}, '([a-z0-9])([A-Z])', '\\1_\\2', 'g')"
    return f"lower(regexp_replace({camel}, '[/:]', '_', 'g'))"


def focus_version(names: set[str]) -> str:
    """FOCUS version a header says (lower-case names): the newest version whose added
    columns it has. 1.3 renamed the provider; 1.2 added InvoiceId and PricingCurrency; 1.1 added
    SkuPriceDetails, SkuMeter, ServiceSubcategory, CapacityReservationId and
    CommitmentDiscountQuantity (Microsoft's 1.0 export also has BillingAccountType, so that
    column says nothing)."""
    if names & {"serviceprovidername", "hostprovidername"}:
        return "1.3"
    if names & {"invoiceid", "pricingcurrency"}:
        return "1.2"
    if names & {"skupricedetails", "skumeter", "servicesubcategory", "capacityreservationid",
                "commitmentdiscountquantity"}:
        return "1.1"
    return "1.0"


def _not_cost_and_usage(src: Source, names: set[str], missing: list[str]) -> InputError:
    """The error for a file without the FOCUS cost-and-usage columns: say what it looks like."""
    if any(n.startswith("contractcommitment") for n in names):
        return InputError(src.name, "a FOCUS contract commitment dataset (ContractCommitment* "
                          "columns), not a FOCUS cost and usage dataset; load the cost and "
                          "usage export")
    if "billingperiodstatus" in names and "billedcost" not in names:
        return InputError(src.name, "a FOCUS billing period dataset, not a FOCUS cost and "
                          "usage dataset; load the cost and usage export")
    from ccf_py.ingest.detect import kind_of_columns  # detect imports nothing of this module

    kind = kind_of_columns(names)
    if kind and kind != "focus":
        return MissingColumnError(src.name, f"looks like {kind} data, not FOCUS; load it with "
                                  f"'ccf-py ingest {kind}' or 'ccf-py ingest' (detects the kind)")
    return MissingColumnError(src.name, "missing required FOCUS column(s) " + ", ".join(missing)
                              + " (expected a FOCUS 1.0-1.3 cost and usage export)")


class _Columns:
    """The columns of one file by lower-case name, as SQL with 'NULL' text read as NULL."""

    def __init__(self, columns: list[tuple[str, str]]) -> None:
        self.names: dict[str, str] = {}
        self.types: dict[str, str] = {}
        for name, typ in columns:
            self.names.setdefault(name.lower(), name)
            self.types.setdefault(name.lower(), typ)
        self.conversions: list[tuple[str, str, str]] = []
        # values computed once per row in the reader's subquery (used several times below)
        self.derived: dict[str, str] = {}

    def derive(self, alias: str, sql: str | None) -> str | None:
        if sql is None:
            return None
        self.derived[alias] = sql
        return alias

    def has(self, name: str) -> bool:
        return name.lower() in self.names

    def raw(self, name: str) -> str:
        """The column, with the text 'NULL' as NULL (text columns only)."""
        col = qident(self.names[name.lower()])
        return f"nullif({col}, 'NULL')" if self.is_text(name) else col

    def is_text(self, name: str) -> bool:
        """A text column (not a MAP or STRUCT whose type names VARCHAR inside)."""
        return self.types[name.lower()].upper().startswith("VARCHAR")

    def get(self, name: str, typ: str) -> str | None:
        """The column converted to ``typ`` (None when the file lacks it); a text column
        converted to another type is recorded, so a failing value is named by row."""
        if not self.has(name):
            return None
        source_type = self.types[name.lower()]
        if typ == "JSON" and not self.is_text(name):  # MAP / STRUCT (Parquet)
            return f"CAST(to_json({self.raw(name)}) AS JSON)"
        if typ == "VARCHAR" and not self.is_text(name):
            return f"CAST({self.raw(name)} AS VARCHAR)"
        if typ != "VARCHAR" and self.is_text(name):
            self.conversions.append((self.names[name.lower()], self.raw(name),
                                     "TIMESTAMP" if typ == "TIMESTAMP" else typ))
        return typed(self.raw(name), source_type, typ)

    def first(self, names: Sequence[str], typ: str = "VARCHAR") -> str:
        parts = [p for n in names if (p := self.get(n, typ)) is not None]
        if not parts:
            return f"CAST(NULL AS {typ})"
        return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"

    def json(self, name: str) -> str | None:
        """A JSON-ish column read leniently (a property bag: a bad one is no property)."""
        if not self.has(name):
            return None
        if self.is_text(name):
            return f"TRY_CAST({typed(self.raw(name), 'VARCHAR', 'VARCHAR')} AS JSON)"
        return f"CAST(to_json({self.raw(name)}) AS JSON)"


def _json_first(json_sql: str | None, keys: Sequence[str]) -> str | None:
    """The first of ``keys`` present in a JSON object, as text (one parse for all keys)."""
    if json_sql is None:
        return None
    paths = ", ".join(qstr(k) for k in keys)
    return (f"list_filter(json_extract_string({json_sql}, [{paths}]), "
            "v -> v IS NOT NULL AND v <> '')[1]")


def arm_id_sql(value: str, segment: str) -> str:
    """The id after ``/<segment>/`` of an Azure resource path, else the value as is."""
    return (f"CASE WHEN {value} ILIKE '%/{segment}/%' THEN "
            f"regexp_extract({value}, '(?i)/{segment}/([^/]+)', 1) ELSE {value} END")


def _by_provider(provider: str, cases: dict[str, list[str]], default: list[str], *,
                 default_last: bool = True) -> str:
    """``CASE provider WHEN ... THEN coalesce(...)``: each provider's own columns first, then
    (``default_last``) the columns every provider's rows fall back to."""
    def merged(parts: list[str]) -> str:
        parts = [p for p in parts if p != "CAST(NULL AS VARCHAR)"]
        if not parts:
            return "CAST(NULL AS VARCHAR)"
        return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"

    tail = default if default_last else []
    whens = " ".join(f"WHEN {qstr(p)} THEN {merged(parts + tail)}"
                     for p, parts in cases.items()
                     if merged(parts) != "CAST(NULL AS VARCHAR)" and parts != default)
    return f"CASE {provider} {whens} ELSE {merged(default)} END" if whens else merged(default)


def _tags_sql(cols: _Columns) -> str:
    """Tags as a JSON object with snake-case keys (NULL for none); a key that snake-cases to
    an earlier one is dropped (a MAP cannot hold both)."""
    tags = cols.derive("__ccf_tags", cols.get("Tags", "JSON"))
    if tags is None:
        return "CAST(NULL AS JSON)"
    entries = f"map_entries(from_json({tags}, '\"MAP(VARCHAR, VARCHAR)\"'))"
    # AWS writes cost-allocation tags as ``user:Team``; the CUR ingestor stores ``team``
    key = _snake_sql("regexp_replace(e.key, '^user:', '')")
    snake = f"list_transform({entries}, e -> {{'key': {key}, 'value': e.value}})"
    unique = (f"list_filter({snake}, (e, i) -> "
              f"list_position(list_transform({snake}, x -> x.key), e.key) = i)")
    # Rebuilding the object is most of a FOCUS load's CPU; an object whose keys are already
    # stored spelling (no capital, ':' or '/' in a quoted string before a ':') is kept as is.
    rename = f"""regexp_matches(CAST({tags} AS VARCHAR), '"[^"]*[A-Z:/][^"]*"\\s*:')"""
    return (f"CASE WHEN {tags} IS NULL OR json_type({tags}) <> 'OBJECT' "
            f"OR len(json_keys({tags})) = 0 THEN NULL WHEN NOT {rename} THEN {tags} "
            f"ELSE CAST(to_json(map_from_entries({unique})) AS JSON) END")


def _instance_type_sql(cols: _Columns, provider: str, spd: str | None,
                       details: str | None) -> str:
    """SkuPriceDetails first, then what each provider's columns or descriptions say."""
    from_spd = [p] if (p := _json_first(spd, INSTANCE_KEYS)) else []
    azure_size = _json_first(details, ("ServiceType",))
    desc = cols.get("ChargeDescription", "VARCHAR")
    parsed = {p: [f"nullif(regexp_extract({desc}, {qstr(rx)}, 1), '')"] if desc else []
              for p, rx in _INSTANCE_PATTERNS.items()}
    cases = {"aws": from_spd + parsed["aws"],
             "azure": from_spd + ([azure_size] if azure_size else []) + parsed["azure"]}
    return _by_provider(provider, cases, from_spd, default_last=False)


def _vcpus_sql(provider: str, spd: str | None, details: str | None) -> str:
    from_spd = [p] if (p := _json_first(spd, VCPU_KEYS)) else []
    azure = _json_first(details, ("VCPUs",))
    cases = {"azure": from_spd + ([azure] if azure else [])}
    text = _by_provider(provider, cases, from_spd, default_last=False)
    return f"TRY_CAST({text} AS DOUBLE)"


def _plan(src: Source, columns: list[tuple[str, str]], load_id: int) -> FilePlan:
    """Reader and select list for one FOCUS file, from its own header."""
    cols = _Columns(columns)
    names = set(cols.names)
    missing = [c for c in REQUIRED if not cols.has(c)]
    if not any(cols.has(c) for c in PROVIDER_COLUMNS):
        missing.append("ProviderName (or ServiceProviderName)")
    if missing:
        raise _not_cost_and_usage(src, names, missing)
    parquet = is_parquet(src.path.name)
    # HostProviderName says "Not Applicable" for charges without infrastructure (tax...)
    host = cols.get("HostProviderName", "VARCHAR")
    name = cols.first(PROVIDER_COLUMNS[:2])
    if host:
        name = f"coalesce({name}, nullif(trim({host}), 'Not Applicable'))"
    provider = cols.derive("__ccf_provider", f"coalesce({_provider_sql(name)}, 'unknown')")
    charge_start = cols.get("ChargePeriodStart", "TIMESTAMP")
    period = cols.get("BillingPeriodStart", "TIMESTAMP") or f"date_trunc('month', {charge_start})"
    category = cols.first(["ChargeCategory"])
    category_cases = " ".join(f"WHEN {qstr(c.lower())} THEN {qstr(c)}" for c in CATEGORIES)
    category = f"CASE lower(trim({category})) {category_cases} ELSE trim({category}) END"
    usage = f"({category}) = 'Usage'"
    spd = cols.derive("__ccf_spd", cols.json("SkuPriceDetails"))
    # Microsoft 1.0: x_SkuDetails holds the native AdditionalInfo (VM size, vCPUs)
    details = cols.derive("__ccf_sku_details", cols.json("x_SkuDetails"))
    desc = cols.first(["ChargeDescription"])
    values = {
        "provider_name": provider,
        **{k: cols.first(v) for k, v in TEXT.items()},
        "billing_period_start": f"CAST({period} AS DATE)",
        "charge_period_start": charge_start,
        "charge_period_end": cols.get("ChargePeriodEnd", "TIMESTAMP") or "CAST(NULL AS TIMESTAMP)",
        "charge_category": category,
        "service_name": _by_provider(provider, {
            "aws": [cols.first(["x_ServiceCode"])],
            "azure": [cols.first(["x_SkuMeterCategory"])]}, [cols.first(["ServiceName"])]),
        "x_usage_type": _by_provider(provider, {
            "aws": [cols.first(["x_UsageType"])],
            "azure": [cols.first(["x_SkuMeterName", "SkuMeter"])]},
            # x_UsageType last: `ccf-py export focus` before 2026-12 wrote the GCP SKU and the
            # Azure meter there and left ChargeDescription empty
            [desc, cols.first(["x_UsageType"])]),
        # the unit the consumed quantity is in, as the provider's classifier knows it: AWS's
        # own pricing unit; GCP's usage.unit (seconds, byte-seconds) is FOCUS's ConsumedUnit,
        # written as GCP spells it or in FOCUS's unit format (Seconds, B-Seconds: ccf-py
        # export focus), which is turned back into GCP's spelling
        "pricing_unit": _by_provider(provider, {
            "aws": [cols.first(["x_PricingUnit"])],
            "gcp": [units.native_unit_sql("gcp", f"trim({cols.first(['ConsumedUnit'])})")]},
            [cols.first(["PricingUnit"])]),
        **{k: cols.first([v], "DOUBLE") for k, v in NUMBERS.items()},
        # AWS's line item type, or Azure's charge type (UnusedReservation...) where the file
        # has the column (AWS FOCUS exports, ccf-py export focus)
        "x_line_item_type": cols.first(["x_LineItemType"]),
        # PricingQuantity / PricingUnit as written, for the FOCUS export (never estimated from)
        "x_pricing_quantity": cols.first(["PricingQuantity"], "DOUBLE"),
        "x_pricing_unit": cols.first(["PricingUnit"]),
        # AWS's blended cost (the ccf methodology's ratio basis) where a file has it
        # (ccf-py export focus); else NULL
        "x_blended_cost": cols.first(["x_BlendedCost"], "DOUBLE"),
        "x_instance_type": _instance_type_sql(cols, provider, spd, details),
        "x_vcpus": _vcpus_sql(provider, spd, details),
        "tags": _tags_sql(cols),
    }
    # Microsoft writes ARM paths ('/providers/Microsoft.Billing/billingAccounts/8611537',
    # '/subscriptions/<guid>'); its cost exports the bare ids: one spelling, so a FOCUS and a
    # native export of one bill replace each other instead of adding up
    for column, segment in (("billing_account_id", "billingAccounts"),
                            ("sub_account_id", "subscriptions")):
        values[column] = arm_id_sql(values[column], segment)
    unit = cols.first(["ConsumedUnit"])
    values["consumed_unit"] = (f"CASE WHEN {usage} THEN "
                               f"{units.consumed_unit_sql(UNIT_PROVIDER, f'trim({unit})')} END")
    values["consumed_quantity"] = f"CASE WHEN {usage} THEN {values['consumed_quantity']} END"
    exprs = [*(f"{v} AS {k}" for k, v in values.items()),
             f"{qstr(src.name)} AS source_file", f"{load_id}::BIGINT AS load_id"]
    shape = f"FOCUS {focus_version(names)} {'Parquet' if parquet else 'CSV'}"
    extra = "".join(f", {sql} AS {alias}" for alias, sql in cols.derived.items())
    reader = f"(SELECT *{extra} FROM {reader_sql(src, parquet)})"
    return FilePlan(src, reader, ",\n    ".join(exprs), shape, tuple(cols.conversions))


def ingest(con: duckdb.DuckDBPyConnection, sources: Sequence[Source], *, label: str = "",
           progress: Callable[[str], None] | None = None,
           progress_bar: bool = False) -> IngestResult:
    """Load FOCUS ``sources`` in one transaction; each provider's earlier rows of the same
    (billing account, billing period) are replaced. Arguments as ``aws_cur.ingest``."""
    con.execute(DDL)
    load_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM ingest_log").fetchone()[0]
    plans = [_plan(src, describe(con, src, 'FOCUS file'), load_id) for src in sources]
    result = load(con, plans, provider=None, load_id=load_id, label=label, progress=progress,
                  progress_bar=progress_bar)
    if progress and result.replaced_rows:
        progress(f"replaced {result.replaced_rows} rows of {', '.join(result.billing_periods)} "
                 f"from earlier loads ({result.replaced_from}); load every file of a billing "
                 "period in one command")
    return result
