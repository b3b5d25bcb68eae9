"""``ccf-py compare storage``: the same stored data in another storage class.

Each scenario is one storage class holding the same data for ``months`` months: its energy
(the class's media watts x copies, PUE), operational CO2e at the region's grid factor, the
embodied emissions of its media, the low/high CO2e its media assumptions give, and its cost at
public list prices (storage, retrieval, minimum storage duration). The formulas are the SQL
macros the estimates use (``queries/macros/energy.sql``), evaluated in DuckDB, so a
comparison's baseline equals the report's storage line by construction; the media, copies
and prices are rows of ``coefficients/storage_classes.csv`` and ``storage_prices.csv``.

The usage is either the ingested billed storage lines of the ``--from`` class (a bucket, i.e.
``resource_id``, or a usage type / SKU / meter pattern), summed per region as TB-months of one
billing month, or a given size (``--tb``).
"""

from __future__ import annotations

import calendar
from datetime import date

import duckdb

from ccf_py import coefficients
from ccf_py import db as dbmod
from ccf_py.coefficients import StorageClass
from ccf_py.compare.base import SCENARIO_COLUMNS, Assumption, Comparison
from ccf_py.compare.storage_physics import (
    Scenario,
    Usage,
    check_region,
    evaluate,
    region_factors,
)
from ccf_py.errors import ConfigError
from ccf_py.estimate import create_estimates
from ccf_py.model import parse_month

HOURS_PER_MONTH = 730.0   # 8760 / 12: a month of usage when no billing month says otherwise
DEFAULT_MONTHS = 12.0
LIST_COLUMNS = ("class_id", "provider", "medium", "wh_per_tb_hour", "copies",
                "embodied_kg_per_tb", "description")


# ---- classes -------------------------------------------------------------------------------
def classes() -> dict[str, StorageClass]:
    """The classes a comparison can name (the per-medium fallback rows are not classes)."""
    return {c.class_id: c for c in coefficients.storage_classes() if not c.fallback}


def resolve(class_id: str, option: str) -> StorageClass:
    found = classes().get((class_id or "").strip().lower())
    if found is None:
        raise ConfigError(f"{option} {class_id!r}: unknown storage class (ccf-py compare "
                          "storage --list lists them)")
    return found


def list_classes() -> Comparison:
    """Every class id with its medium, copies and embodied assumption."""
    rows = tuple((c.class_id, c.provider, c.medium, c.wh_per_tb_hour, _count(c.copies),
                  c.embodied_kg_per_tb, c.description) for c in classes().values())
    return Comparison(
        kind="storage classes", columns=LIST_COLUMNS, rows=rows,
        notes=("Every figure is an assumption: no provider publishes the media, copies or "
               "embodied emissions of its storage classes. coefficients/storage_classes.csv "
               "has each row's low/high range and sources.",),
        basis=f"{len(rows)} classes")


def describe(c: StorageClass) -> Assumption:
    return Assumption(
        f"{c.class_id} media",
        f"{c.medium.upper()} {c.wh_per_tb_hour:g} Wh/TB-h (low {c.wh_per_tb_hour_low:g}, high "
        f"{c.wh_per_tb_hour_high:g}) x {c.copies:g} copies; embodied {c.embodied_kg_per_tb:g} "
        f"kg CO2e/TB (low {c.embodied_kg_per_tb_low:g}, high {c.embodied_kg_per_tb_high:g}) "
        f"over {c.lifespan_years:g} years",
        f"coefficients/storage_classes.csv: {c.source}")


# ---- usage ---------------------------------------------------------------------------------
def _count(copies: float | None) -> int | float | None:
    """Copies as counted (3, not 3.00); a fractional figure stays as given."""
    return int(copies) if copies is not None and copies == int(copies) else copies


def _hours(month: date | None) -> float:
    return 24.0 * calendar.monthrange(month.year, month.month)[1] if month else HOURS_PER_MONTH


def given_usage(cls: StorageClass, tb: float, region: str | None,
                month: date | None) -> list[Usage]:
    if not tb > 0:
        raise ConfigError(f"--tb {tb:g}: give a size above 0 TB")
    return [Usage(cls.provider, region, tb, _hours(month))]


def billed_usage(con: duckdb.DuckDBPyConnection, cls: StorageClass, *, bucket: str | None,
                 usage_type: str | None, region: str | None,
                 month: date | None) -> tuple[list[Usage], str]:
    """The ``--from`` class's billed storage of a bucket or usage-type pattern, per region, as
    average TB over one billing month (``month``, else the latest with such lines)."""
    create_estimates(con, "default", month)
    what, where, params = _selector(bucket, usage_type)
    params.update(provider=cls.provider)
    if region:
        where += " AND region = $region"
        params["region"] = region
    found = con.execute(
        f"""SELECT storage_class, billing_period, sum(storage_tb_hours)
            FROM int_usage_lines
            WHERE provider = $provider AND usage_class = 'storage'
              AND estimate_path IN ('direct', 'fallback') AND {where}
            GROUP BY ALL ORDER BY 2 DESC, 3 DESC""", params).fetchall()
    mine = [r for r in found if r[0] == cls.class_id]
    if not mine:
        others = sorted({r[0] for r in found if r[0]})
        period = f" in {month:%Y-%m}" if month else ""
        also = f" (its storage lines are {', '.join(others)})" if others else ""
        raise ConfigError(f"{what}: no {cls.class_id} storage lines{period}"
                          f"{f' in region {region}' if region else ''}{also}")
    period_start = mine[0][1]
    rows = con.execute(
        f"""SELECT region, sum(storage_tb_hours) FROM int_usage_lines
            WHERE provider = $provider AND usage_class = 'storage'
              AND estimate_path IN ('direct', 'fallback') AND storage_class = $cls
              AND billing_period = $period AND {where}
            GROUP BY ALL ORDER BY 1 NULLS LAST""",
        {**params, "cls": cls.class_id, "period": period_start}).fetchall()
    hours = _hours(period_start)
    return [Usage(cls.provider, r, tb_h / hours, hours) for r, tb_h in rows if tb_h], \
        f"{period_start:%Y-%m}"


def _selector(bucket: str | None, usage_type: str | None) -> tuple[str, str, dict]:
    """SQL condition for the billed lines a bucket (resource id, or its last path part: GCS
    and Azure ids are paths) or a usage-type pattern (``*`` = anything; else a substring,
    case-insensitively) names."""
    if bucket:
        return (f"--bucket {bucket}",
                "(resource_id = $bucket OR resource_id LIKE '%/' || $bucket)",
                {"bucket": bucket})
    pattern = usage_type or ""
    like = pattern.replace("*", "%") if "*" in pattern else f"%{pattern}%"
    return f"--usage-type {pattern}", "usage_type ILIKE $pattern", {"pattern": like}


# ---- break-even ----------------------------------------------------------------------------
def cost_break_even(old: Scenario, new: Scenario) -> float | None:
    """Months after which the move has cost no more than staying: a new class whose monthly
    storage s plus retrieval r costs less than the old class's monthly c pays off once
    s x M + r x m <= c x m, M its minimum storage duration in months (paid even when the data
    leaves earlier): m = s x M / (c - r). None: it never does, or a price is unknown."""
    c, s = old.month_cost, new.month_storage_cost
    if c is None or s is None or new.month_cost is None:
        return None
    r = new.month_cost - s
    if new.month_cost >= c:
        return None
    return s * new.min_months / (c - r)


def co2e_break_even(old: Scenario, new: Scenario, case: int = 0) -> float | None:
    """Months after which the CO2e of moving the data once is paid back by a lower monthly
    CO2e (``case`` 0: assumed values; 1: best case, the old class high and the new low; 2:
    worst case, the old low and the new high). None: it never is."""
    old_i, new_i = {0: (0, 0), 1: (2, 1), 2: (1, 2)}[case]
    saving = old.month_kg[old_i] - new.month_kg[new_i]
    return new.move_kg / saving if saving > 0 else None


def _months(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f} months"


# ---- the comparison ------------------------------------------------------------------------
def compare_storage(con: duckdb.DuckDBPyConnection | None, *, from_class: str, to_class: str,
                    bucket: str | None = None, usage_type: str | None = None,
                    tb: float | None = None, months: float | None = None,
                    retrievals_gb_per_month: float = 0.0, region: str | None = None,
                    month: str | None = None) -> Comparison:
    """The usage (a bucket's or usage type's billed storage of ``from_class``, or ``tb`` TB)
    in ``from_class`` and in ``to_class`` for ``months`` months (default 12)."""
    old, new = resolve(from_class, "--from"), resolve(to_class, "--to")
    if old.class_id == new.class_id:
        raise ConfigError(f"--from and --to are both {old.class_id}: name two classes")
    if old.provider != new.provider:
        raise ConfigError(f"--from {old.class_id} is {old.provider} and --to {new.class_id} "
                          f"{new.provider}: compare classes of one provider")
    if sum(x is not None for x in (bucket, usage_type, tb)) != 1:
        raise ConfigError("give one of --bucket NAME, --usage-type PATTERN or --tb N")
    months = DEFAULT_MONTHS if months is None else months
    if not months > 0:
        raise ConfigError(f"--months {months:g}: give a period above 0 months")
    if retrievals_gb_per_month < 0:
        raise ConfigError(f"--retrievals-gb-per-month {retrievals_gb_per_month:g}: "
                          "cannot be negative")
    own = con is None
    con = con or dbmod.connect(":memory:")
    try:
        return _compare(con, old, new, bucket, usage_type, tb, months,
                        retrievals_gb_per_month, region, parse_month(month))
    finally:
        if own:
            con.close()


def _compare(con: duckdb.DuckDBPyConnection, old: StorageClass, new: StorageClass,
             bucket: str | None, usage_type: str | None, tb: float | None, months: float,
             retrievals: float, region: str | None, month: date | None) -> Comparison:
    if region:
        check_region(con, old.provider, region)
    if tb is not None:
        usages, period = given_usage(old, tb, region, month), (f"{month:%Y-%m}" if month
                                                                else None)
        what = f"{tb:g} TB"
    else:
        if bucket is None and usage_type is None:
            raise ConfigError("give one of --bucket NAME, --usage-type PATTERN or --tb N")
        usages, period = billed_usage(con, old, bucket=bucket, usage_type=usage_type,
                                      region=region, month=month)
        what = f"{sum(u.tb for u in usages):,.4g} TB of {old.class_id} " + (
            f"in bucket {bucket}" if bucket else f"usage type {usage_type}")
    factors = region_factors(con, usages)
    before = evaluate(con, old, usages, factors, months, retrievals, moved=False)
    after = evaluate(con, new, usages, factors, months, retrievals, moved=True)
    regions = ", ".join(u.region or "no region given" for u in usages)
    basis = (f"{what} ({regions}) for {months:g} month{'' if months == 1 else 's'}, "
             f"{retrievals:g} GB retrieved a month")
    even = {"cost_months": cost_break_even(before, after),
            "co2e_months": co2e_break_even(before, after),
            "co2e_months_best": co2e_break_even(before, after, 1),
            "co2e_months_worst": co2e_break_even(before, after, 2)}
    return Comparison(
        kind="storage", columns=SCENARIO_COLUMNS, rows=(before.row(), after.row()),
        assumptions=_assumptions(con, old, new, usages, factors, before, after),
        notes=_notes(old, new, before, after, even, usages, factors),
        methodology="default", period=period, basis=basis,
        extra={"break_even": even, "currency": "USD",
               "usage": [{"region": u.region, "tb": u.tb, "hours_per_month": u.hours}
                         for u in usages],
               "cost_parts": {s.class_id: s.cost_parts for s in (before, after)}})


def _assumptions(con: duckdb.DuckDBPyConnection, old: StorageClass, new: StorageClass,
                 usages: list[Usage], factors: dict, before: Scenario,
                 after: Scenario) -> tuple[Assumption, ...]:
    out = [describe(old), describe(new)]
    for s in (before, after):
        for p in dict.fromkeys(s.prices):
            retrieval = ("not recorded" if p.retrieval_per_gb is None
                         else f"{p.retrieval_per_gb:g} {p.currency}/GB")
            out.append(Assumption(
                f"{p.class_id} price in {p.region}",
                f"{p.price_per_gb_month:g} {p.currency}/GB-month, retrieval {retrieval}, "
                f"minimum storage {p.min_storage_days:g} days (listed {p.price_date})",
                f"coefficients/storage_prices.csv: {p.source}"))
    for u in usages:
        pue, g, fallback = factors[u.region]
        where = u.region or "no region"
        avg = f" (the {u.provider.upper()} average: no factor for {where})" if fallback else ""
        out.append(Assumption(f"grid and PUE, {where}", f"{g:g} g CO2e/kWh{avg}, PUE {pue:g}",
                              "coefficients/grid_intensity.csv and pue.csv"))
    kwh_per_gb, src = con.execute(
        "SELECT value, source FROM coef_constants WHERE provider = ? "
        "AND key = 'network_kwh_per_gb'", [old.provider]).fetchone()
    out.append(Assumption(
        "energy of reading or moving data", f"{kwh_per_gb:g} kWh per GB, x PUE (CCF's "
        "networking coefficient, for retrievals and for the one-time move into the new class)",
        f"coefficients/constants.csv: {src}"))
    hours = {u.hours for u in usages}
    out.append(Assumption("month", f"{', '.join(f'{h:g}' for h in sorted(hours))} hours",
                          "the billing month's days x 24, else 8760 / 12"))
    return tuple(out)


# Charges of each provider's object storage that the comparison leaves out (its own words)
NOT_INCLUDED = {
    "aws": ("request and lifecycle-transition charges (per object), data transfer out, "
            "Intelligent-Tiering monitoring fees, restore copies of archived objects"),
    "gcp": ("operation charges (Class A and B, per request), data transfer out, Autoclass "
            "management fees"),
    "azure": ("read, write and list operation charges, data transfer out, geo-replication "
              "data transfer, rehydration of archived blobs"),
    "": "request charges and data transfer out",
}


def _notes(old: StorageClass, new: StorageClass, before: Scenario, after: Scenario,
           even: dict, usages: list[Usage], factors: dict) -> tuple[str, ...]:
    def money(v: float | None) -> str:
        return "unknown" if v is None else f"{v:,.2f}"

    notes = [f"{s.class_id} cost (USD list prices): storage {money(s.cost_parts['storage'])}, "
             f"retrieval {money(s.cost_parts['retrieval'])}, minimum storage duration "
             f"{money(s.cost_parts['minimum_duration'])}." for s in (before, after)]
    notes.append(f"Break-even of moving to {new.class_id}: cost after "
                 f"{_months(even['cost_months'])}; CO2e after {_months(even['co2e_months'])} "
                 f"(best case {_months(even['co2e_months_best'])}, worst case "
                 f"{_months(even['co2e_months_worst'])}, from the media assumptions' ranges).")
    notes.append(f"{new.class_id} includes moving the data into it once ({after.move_kg:.4g} "
                 "kg CO2e: every GB moved at the networking coefficient) and its minimum "
                 f"storage duration; {old.class_id} is the data staying where it is.")
    if any(u.region is None for u in usages):
        notes.append("No --region: the grid factor and PUE are the provider's averages and "
                     "the prices those of the first region listed for each class.")
    for s in (before, after):
        if s.unpriced:
            notes.append(f"{s.class_id}: no list price in coefficients/storage_prices.csv for "
                         f"{', '.join(dict.fromkeys(s.unpriced))}: cost unknown.")
        elif s.cost_parts["retrieval"] is None:
            notes.append(f"{s.class_id}: no retrieval price recorded: cost unknown.")
    notes.append(f"Not included: {NOT_INCLUDED.get(old.provider, NOT_INCLUDED[''])}.")
    if any(factors[u.region][2] for u in usages):
        notes.append("A region without a grid factor uses its provider's average.")
    return tuple(notes)
