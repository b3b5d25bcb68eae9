"""``ccf-py export focus``: every billed line of a month as a FOCUS cost-and-usage row, plus
carbon columns, written by DuckDB's COPY (streamed; no DataFrame).

Columns and their feature levels are FOCUS's (FinOps Open Cost and Usage Specification):
1.2 from the FOCUS_Spec ``v1.2`` tag and the FinOps Foundation validator's requirements model
(``focus_validator/rules/model-1.2.json``: a rule id ending ``-M`` is a mandatory column);
1.3 adds ``ServiceProviderName`` and ``HostProviderName`` (mandatory, replacing the
deprecated ``ProviderName`` / ``PublisherName``, which 1.3 still requires), the
``Allocated*`` columns and ``ContractApplied`` (FOCUS_Spec
``specification/datasets/cost_and_usage/columns/*.md``). Columns the billing table has no
value for are NULL (README, "ccf-py export focus"). Custom columns start with ``x_`` (FOCUS:
column handling) and follow the FOCUS columns.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from ccf_py.errors import ConfigError
from ccf_py.ingest.table import TABLE

FOCUS_VERSIONS = ("1.2", "1.3")
FORMATS = {".parquet": "parquet", ".csv": "csv"}

# FOCUS column -> (billing-table column or SQL over b = billed_lines, e = the row's estimate;
# None: no value in the billing table, NULL) and its DuckDB type. FOCUS's Decimal is DOUBLE:
# the billing table's own type, so sums equal the report's to the last bit it can.
_TS = "TIMESTAMPTZ"
FOCUS_12: dict[str, tuple[str | None, str]] = {
    "AvailabilityZone": (None, "VARCHAR"),
    "BilledCost": ("b.billed_cost", "DOUBLE"),
    "BillingAccountId": ("b.billing_account_id", "VARCHAR"),
    "BillingAccountName": (None, "VARCHAR"),
    "BillingAccountType": (None, "VARCHAR"),
    "BillingCurrency": ("b.billing_currency", "VARCHAR"),
    "BillingPeriodEnd": ("b.billing_period_start + INTERVAL 1 MONTH", _TS),
    "BillingPeriodStart": ("b.billing_period_start", _TS),
    "CapacityReservationId": (None, "VARCHAR"),
    "CapacityReservationStatus": (None, "VARCHAR"),
    "ChargeCategory": ("b.charge_category", "VARCHAR"),
    "ChargeClass": (None, "VARCHAR"),  # NULL: not a correction (no source says otherwise)
    # GCP's SKU description / Azure's meter name: what their FOCUS exports write here, and
    # what ccf-py ingest gives their classifiers (AWS: x_UsageType)
    "ChargeDescription": ("$description", "VARCHAR"),
    "ChargeFrequency": (None, "VARCHAR"),
    "ChargePeriodEnd": ("b.charge_period_end", _TS),
    "ChargePeriodStart": ("b.charge_period_start", _TS),
    "CommitmentDiscountCategory": (None, "VARCHAR"),
    "CommitmentDiscountId": (None, "VARCHAR"),
    "CommitmentDiscountName": (None, "VARCHAR"),
    "CommitmentDiscountQuantity": (None, "DOUBLE"),
    "CommitmentDiscountStatus": (None, "VARCHAR"),
    "CommitmentDiscountType": (None, "VARCHAR"),
    "CommitmentDiscountUnit": (None, "VARCHAR"),
    "ConsumedQuantity": ("b.consumed_quantity", "DOUBLE"),
    "ConsumedUnit": ("b.consumed_unit", "VARCHAR"),
    "ContractedCost": (None, "DOUBLE"),
    "ContractedUnitPrice": (None, "DOUBLE"),
    "EffectiveCost": ("b.effective_cost", "DOUBLE"),
    "InvoiceId": (None, "VARCHAR"),
    "InvoiceIssuerName": (None, "VARCHAR"),
    "ListCost": ("b.list_cost", "DOUBLE"),
    "ListUnitPrice": (None, "DOUBLE"),
    "PricingCategory": (None, "VARCHAR"),
    "PricingCurrency": (None, "VARCHAR"),
    "PricingCurrencyContractedUnitPrice": (None, "DOUBLE"),
    "PricingCurrencyEffectiveCost": (None, "DOUBLE"),
    "PricingCurrencyListUnitPrice": (None, "DOUBLE"),
    "PricingQuantity": ("$pricing_quantity", "DOUBLE"),
    "PricingUnit": ("$pricing_unit", "VARCHAR"),
    "ProviderName": ("$provider", "VARCHAR"),
    "PublisherName": (None, "VARCHAR"),
    "RegionId": ("b.region_id", "VARCHAR"),
    "RegionName": (None, "VARCHAR"),
    "ResourceId": ("b.resource_id", "VARCHAR"),
    "ResourceName": (None, "VARCHAR"),
    "ResourceType": (None, "VARCHAR"),
    "ServiceCategory": (None, "VARCHAR"),
    "ServiceName": ("b.service_name", "VARCHAR"),
    "ServiceSubcategory": (None, "VARCHAR"),
    "SkuId": (None, "VARCHAR"),
    "SkuMeter": ("$meter", "VARCHAR"),
    "SkuPriceDetails": ("$price_details", "JSON"),
    "SkuPriceId": (None, "VARCHAR"),
    "SubAccountId": ("b.sub_account_id", "VARCHAR"),
    "SubAccountName": (None, "VARCHAR"),
    "SubAccountType": (None, "VARCHAR"),
    "Tags": ("b.tags", "JSON"),
}
ADDED_IN_13: dict[str, tuple[str | None, str]] = {
    "AllocatedMethodDetails": (None, "JSON"),
    "AllocatedMethodId": (None, "VARCHAR"),
    "AllocatedResourceId": (None, "VARCHAR"),
    "AllocatedResourceName": (None, "VARCHAR"),
    "AllocatedTags": (None, "JSON"),
    "ContractApplied": (None, "JSON"),
    "HostProviderName": (None, "VARCHAR"),  # not recorded (marketplace sellers' hosts)
    "ServiceProviderName": ("$provider", "VARCHAR"),
}
MANDATORY_12 = frozenset({
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency",
    "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeClass",
    "ChargeDescription", "ChargePeriodEnd", "ChargePeriodStart", "ContractedCost",
    "EffectiveCost", "InvoiceIssuerName", "ListCost", "PricingCategory", "PricingQuantity",
    "PricingUnit", "ProviderName", "PublisherName", "ServiceCategory", "ServiceName"})
MANDATORY = {"1.2": MANDATORY_12,
             "1.3": MANDATORY_12 | {"ServiceProviderName", "HostProviderName"}}

# the billing table's provider names -> FOCUS's spelling of the provider
PROVIDER_DISPLAY = {"aws": "AWS", "gcp": "Google Cloud", "azure": "Microsoft", "oci": "Oracle"}

# custom columns: the billed line's own identity and keys, then the carbon estimate
EXTENSIONS: dict[str, tuple[str, str]] = {
    "x_LineItemId": ("b.x_line_id", "VARCHAR"),
    "x_UsageType": ("b.x_usage_type", "VARCHAR"),
    "x_LineItemType": ("b.x_line_item_type", "VARCHAR"),
    "x_InstanceType": ("b.x_instance_type", "VARCHAR"),
    "x_BlendedCost": ("b.x_blended_cost", "DOUBLE"),  # AWS: the cost CCF's ratios use
    "x_SourceFile": ("b.source_file", "VARCHAR"),
    "x_EnergyKWh": ("e.energy_kwh", "DOUBLE"),
    "x_GpuEnergyKWh": ("e.gpu_energy_kwh", "DOUBLE"),
    "x_OperationalCO2eKg": ("e.co2e_operational_kg", "DOUBLE"),
    "x_EmbodiedCO2eKg": ("e.co2e_embodied_kg", "DOUBLE"),
    "x_CarbonIntensityGPerKWh": ("e.gco2e_per_kwh", "DOUBLE"),
    "x_CarbonEstimatePath": ("e.coverage_path", "VARCHAR"),
    "x_CarbonUsageClass": ("e.usage_class", "VARCHAR"),
    "x_CarbonMethodology": ("$methodology", "VARCHAR"),
}


# What ccf-py ingest needs to estimate the rows again as they were (README, "ccf-py export
# focus"): the usage keys each provider's classifier reads, where that provider's own FOCUS
# export puts them. SkuPriceDetails holds FOCUS's InstanceType and CoreCount properties.
_GCP_AZURE = "b.provider_name IN ('gcp', 'azure')"
ROUND_TRIP: dict[str, str] = {
    "$description": f"CASE WHEN {_GCP_AZURE} THEN b.x_usage_type END",
    "$meter": "CASE WHEN b.provider_name = 'azure' THEN b.x_usage_type END",
    "$price_details": (
        "CASE WHEN b.x_instance_type IS NOT NULL AND b.x_vcpus IS NOT NULL "
        "THEN json_object('InstanceType', b.x_instance_type, 'CoreCount', b.x_vcpus) "
        "WHEN b.x_instance_type IS NOT NULL THEN json_object('InstanceType', b.x_instance_type) "
        "WHEN b.x_vcpus IS NOT NULL THEN json_object('CoreCount', b.x_vcpus) END"),
    # the unit prices are per (GCP: hour for usage measured in seconds), where the source
    # says it; else the unit the consumed quantity is billed in
    "$pricing_quantity": "b.x_pricing_quantity",
    "$pricing_unit": "coalesce(b.x_pricing_unit, b.pricing_unit)",
}
# a database written before x_pricing_quantity / x_pricing_unit
OLD_DATABASE: dict[str, str | None] = {"$pricing_quantity": None,
                                       "$pricing_unit": "b.pricing_unit"}


@dataclass(frozen=True)
class ExportResult:
    path: str
    rows: int
    month: str
    focus_version: str
    methodology: str
    notes: tuple[str, ...] = ()  # how far to trust the carbon columns (as report's notes)


def columns(focus_version: str) -> dict[str, tuple[str | None, str]]:
    """The FOCUS columns of ``focus_version`` in the spec's (alphabetical) order."""
    if focus_version not in FOCUS_VERSIONS:
        raise ConfigError(f"--focus-version {focus_version!r}: use one of "
                          f"{', '.join(FOCUS_VERSIONS)}")
    cols = {**FOCUS_12, **(ADDED_IN_13 if focus_version == "1.3" else {})}
    return dict(sorted(cols.items()))


def output_format(out: str | os.PathLike[str]) -> str:
    """``parquet`` or ``csv`` from the file name; anything else is refused."""
    name = Path(out).name.lower()
    for suffix, fmt in FORMATS.items():
        if name.endswith(suffix) and len(name) > len(suffix):
            return fmt
    raise ConfigError(f"--out {out}: unknown file type (use a .parquet or .csv name)")


def select_sql(con: duckdb.DuckDBPyConnection, month: date, focus_version: str,
               methodology: str) -> str:
    """The export query: every billed line of ``month`` (LEFT JOIN: a line is written even if
    it had no estimate) with its estimate from ``fct_usage_estimates``, which
    ``create_estimates`` built for the same month and methodology."""
    present = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "AND table_catalog = current_database()", [TABLE]).fetchall()}
    provider = ("CASE b.provider_name " + " ".join(
        f"WHEN '{k}' THEN '{v}'" for k, v in PROVIDER_DISPLAY.items())
        + " ELSE b.provider_name END")
    fixed = {"$provider": provider, "$methodology": f"'{methodology}'", **ROUND_TRIP}
    exprs = []
    for name, (source, typ) in {**columns(focus_version), **EXTENSIONS}.items():
        sql = fixed.get(source or "", source)
        # columns an older database lacks (read-only opens never add them): NULL, or the
        # expression's fallback
        if sql is not None and not set(re.findall(r"\bb\.(\w+)", sql)) <= present:
            sql = OLD_DATABASE.get(source or "")
        if sql is None:
            sql = "NULL"
        exprs.append(f"CAST({sql} AS {typ}) AS {name}")
    return (f"SELECT {', '.join(exprs)} FROM {TABLE} b "
            "LEFT JOIN fct_usage_estimates e ON e.billed_rowid = b.rowid "
            f"WHERE b.billing_period_start = DATE '{month.isoformat()}'")


def write(con: duckdb.DuckDBPyConnection, query: str, out: str | os.PathLike[str],
          metadata: dict[str, str]) -> int:
    """COPY ``query`` to ``out`` through a temporary file beside it, renamed into place only
    when complete: a failed or interrupted export leaves no partial file. Returns the rows."""
    fmt = output_format(out)
    target = Path(out)
    if target.is_dir():
        raise ConfigError(f"--out {out}: is a directory")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                        dir=target.parent)
    except OSError as exc:
        raise ConfigError(f"--out {out}: {exc.strerror or exc}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if fmt == "parquet":
            kv = ", ".join(f"{k}: {_quote(v)}" for k, v in metadata.items())
            options = "FORMAT parquet" + (f", KV_METADATA {{{kv}}}" if kv else "")
        else:  # FOCUS date/times: ISO 8601 in UTC
            options = "FORMAT csv, HEADER, TIMESTAMPFORMAT '%Y-%m-%dT%H:%M:%SZ'"
        rows = con.execute(f"COPY ({query}) TO {_quote(str(tmp))} ({options})").fetchone()[0]
        os.replace(tmp, target)
    except OSError as exc:
        raise ConfigError(f"--out {out}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return int(rows)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
