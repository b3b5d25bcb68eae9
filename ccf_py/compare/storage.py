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
from dataclasses import dataclass, field
from datetime import date

import duckdb

from ccf_py import coefficients
from ccf_py import db as dbmod
from ccf_py.coefficients import StorageClass, StoragePrice
from ccf_py.compare.base import SCENARIO_COLUMNS, Assumption, Comparison
from ccf_py.errors import ConfigError
from ccf_py.estimate import bind, create_estimates
from ccf_py.resources import query_text

# TB as the estimates count them, in the GB the provider bills: CUR GB-Mo and Azure GB-months
# are divided by 1000 (CCF); GCP byte-seconds by 2^40 (CCF quirk Q24), and GCS bills per GiB
GB_PER_TB = {"aws": 1000.0, "azure": 1000.0, "gcp": 1024.0}
HOURS_PER_MONTH = 730.0   # 8760 / 12: a month of usage when no billing month says otherwise
DEFAULT_MONTHS = 12.0
LIST_COLUMNS = ("class_id", "provider", "medium", "wh_per_tb_hour", "copies",
                "embodied_kg_per_tb", "description")
REGIONS_TABLE = "cmp_storage_regions"   # a TEMP table of this module's (never user text)


@dataclass(frozen=True)
class Usage:
    """Data held in one region: average TB stored over a month of ``hours`` hours."""

    provider: str
    region: str | None
    tb: float
    hours: float


@dataclass
class Scenario:
    """One class over the whole period, and the per-month figures the break-even needs."""

    class_id: str
    energy_kwh: float = 0.0
    operational_kg: float = 0.0
    embodied_kg: float = 0.0
    low_kg: float = 0.0
    high_kg: float = 0.0
    cost_parts: dict[str, float | None] = field(default_factory=dict)
    month_kg: tuple[float, float, float] = (0.0, 0.0, 0.0)    # value, low, high per month
    month_cost: float | None = 0.0             # storage + retrieval per month
    month_storage_cost: float | None = 0.0
    min_months: float = 0.0                    # minimum storage duration, in months
    move_kg: float = 0.0                       # CO2e of moving the data into the class once
    prices: list[StoragePrice] = field(default_factory=list)
    unpriced: list[str] = field(default_factory=list)   # regions without a price row

    @property
    def total_kg(self) -> float:
        return self.operational_kg + self.embodied_kg

    @property
    def cost(self) -> float | None:
        parts = self.cost_parts.values()
        return None if any(p is None for p in parts) else sum(parts)  # type: ignore[misc]

    def row(self) -> tuple:
        return (self.class_id, self.energy_kwh, self.operational_kg, self.embodied_kg,
                self.total_kg, self.low_kg, self.high_kg, self.cost)


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
    rows = tuple((c.class_id, c.provider, c.medium, c.wh_per_tb_hour, c.copies,
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
def _month(month: str | None) -> date | None:
    if not month:
        return None
    try:
        year, mon = month.split("-")
        return date(int(year), int(mon), 1)
    except ValueError:
        raise ConfigError(f"--month {month!r}: expected YYYY-MM") from None


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


# ---- factors and prices --------------------------------------------------------------------
def check_region(con: duckdb.DuckDBPyConnection, provider: str, region: str) -> None:
    known = con.execute(
        "SELECT 1 FROM coef_grid_intensity WHERE provider = ? AND region = ? UNION ALL "
        "SELECT 1 FROM coef_region_groups WHERE provider = ? AND region = lower(?)",
        [provider, region, provider, region]).fetchone()
    if not known:
        raise ConfigError(f"--region {region!r}: not a {provider} region in "
                          "coefficients/grid_intensity.csv")


def region_factors(con: duckdb.DuckDBPyConnection, usages: list[Usage]
                   ) -> dict[str | None, tuple[float, float, bool]]:
    """(PUE, g CO2e/kWh, fell back to the provider average) per region, by the estimates' own
    SQL (int_region_factors: multi-regions at their members' mean, unknown regions at '*')."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {REGIONS_TABLE} "
                "(provider VARCHAR, region VARCHAR)")
    con.executemany(f"INSERT INTO {REGIONS_TABLE} VALUES (?, ?)",
                    [(u.provider, u.region) for u in usages])
    sql = bind(query_text("intermediate/int_region_factors.sql"),
               {"methodology": "default", "grid_variant": ""}, {"key_source": REGIONS_TABLE})
    return {r[1]: (r[2], r[3], r[4]) for r in con.execute(sql).fetchall()}


def price(cls: StorageClass, region: str | None) -> StoragePrice | None:
    """The class's list price in ``region``; without a region, its first listed one."""
    rows = [p for p in coefficients.storage_prices() if p.class_id == cls.class_id]
    if region is None:
        return rows[0] if rows else None
    return next((p for p in rows if p.region == region), None)


# ---- formulas (queries/macros/energy.sql) --------------------------------------------------
FORMULAS = """
SELECT ccf_storage_kwh($tb_h, $wh) * $copies * $pue AS kwh,
       ccf_storage_kwh($tb_h, $wh_low) * $copies * $pue AS kwh_low,
       ccf_storage_kwh($tb_h, $wh_high) * $copies * $pue AS kwh_high,
       ccf_network_kwh($gb, $kwh_per_gb) * $pue AS moved_kwh,
       storage_embodied_kg($tb_h * $copies, $kg, $life_h) AS emb,
       storage_embodied_kg($tb_h * $copies, $kg_low, $life_h) AS emb_low,
       storage_embodied_kg($tb_h * $copies, $kg_high, $life_h) AS emb_high,
       ccf_operational_kg(1, $g) AS kg_per_kwh
"""


def physics(con: duckdb.DuckDBPyConnection, cls: StorageClass, tb_h: float, gb_moved: float,
            pue: float, g: float) -> dict[str, float]:
    """Energy (facility kWh), embodied kg and kg CO2e per kWh of ``tb_h`` TB-hours held in
    ``cls`` and ``gb_moved`` GB read or moved, with the assumptions' low and high values."""
    kwh_per_gb = con.execute(
        "SELECT value FROM coef_constants WHERE provider = ? AND key = 'network_kwh_per_gb'",
        [cls.provider]).fetchone()[0]
    cur = con.execute(FORMULAS, {
        "tb_h": tb_h, "wh": cls.wh_per_tb_hour, "wh_low": cls.wh_per_tb_hour_low,
        "wh_high": cls.wh_per_tb_hour_high, "copies": cls.copies, "pue": pue, "gb": gb_moved,
        "kwh_per_gb": kwh_per_gb, "kg": cls.embodied_kg_per_tb,
        "kg_low": cls.embodied_kg_per_tb_low, "kg_high": cls.embodied_kg_per_tb_high,
        "life_h": cls.lifespan_hours, "g": g})
    names = [d[0] for d in cur.description]
    return dict(zip(names, cur.fetchone(), strict=True))


def evaluate(con: duckdb.DuckDBPyConnection, cls: StorageClass, usages: list[Usage],
             factors: dict, months: float, retrievals_gb: float, moved: bool) -> Scenario:
    """``cls`` holding ``usages`` for ``months`` months with ``retrievals_gb`` GB read back a
    month (spread over the regions by size); ``moved``: the data is first moved into it (every
    GB read and written once, and the class's minimum storage duration applies). Every
    formula is linear in time, so a month's figures times ``months`` is the period's."""
    total_tb = sum(u.tb for u in usages)
    sc = Scenario(cls.class_id)
    month_kg = [0.0, 0.0, 0.0]
    parts: dict[str, float | None] = {"storage": 0.0, "retrieval": 0.0, "minimum_duration": 0.0}
    month_cost: float | None = 0.0
    month_storage: float | None = 0.0
    for u in usages:
        pue, g, _ = factors[u.region]
        retr = retrievals_gb * u.tb / total_tb
        gb = u.tb * GB_PER_TB[u.provider]
        m = physics(con, cls, u.tb * u.hours, retr, pue, g)
        move_kwh = physics(con, cls, 0.0, gb, pue, g)["moved_kwh"] if moved else 0.0
        kwh = (m["kwh"] + m["moved_kwh"], m["kwh_low"] + m["moved_kwh"],
               m["kwh_high"] + m["moved_kwh"])
        emb = (m["emb"], m["emb_low"], m["emb_high"])
        kg = [(kwh[i] * months + move_kwh) * m["kg_per_kwh"] + emb[i] * months
              for i in range(3)]
        sc.energy_kwh += kwh[0] * months + move_kwh
        sc.operational_kg += (kwh[0] * months + move_kwh) * m["kg_per_kwh"]
        sc.embodied_kg += emb[0] * months
        sc.low_kg += kg[1]
        sc.high_kg += kg[2]
        sc.move_kg += move_kwh * m["kg_per_kwh"]
        for i in range(3):
            month_kg[i] += kwh[i] * m["kg_per_kwh"] + emb[i]
        p = price(cls, u.region)
        if p is None:
            sc.unpriced.append(u.region or "any region")
            parts = {k: None for k in parts}
            month_cost = month_storage = None
            continue
        sc.prices.append(p)
        storage = gb * p.price_per_gb_month
        retrieval = (retr * p.retrieval_per_gb if p.retrieval_per_gb is not None
                     else (0.0 if retr == 0 else None))
        min_months = p.min_storage_days / (u.hours / 24)
        sc.min_months = max(sc.min_months, min_months)
        parts = _add(parts, {"storage": storage * months,
                             "retrieval": None if retrieval is None else retrieval * months,
                             "minimum_duration": storage * max(0.0, min_months - months)
                             if moved else 0.0})
        month_storage = None if month_storage is None else month_storage + storage
        month_cost = (None if month_cost is None or retrieval is None
                      else month_cost + storage + retrieval)
    sc.cost_parts = parts
    sc.month_kg = (month_kg[0], month_kg[1], month_kg[2])
    sc.month_cost, sc.month_storage_cost = month_cost, month_storage
    return sc


def _add(a: dict[str, float | None], b: dict[str, float | None]) -> dict[str, float | None]:
    return {k: None if a[k] is None or b[k] is None else a[k] + b[k]  # type: ignore[operator]
            for k in a}


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
                        retrievals_gb_per_month, region, _month(month))
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
    notes.append("Not included: request and lifecycle-transition charges (per object), "
                 "data transfer out, Intelligent-Tiering monitoring fees, restore copies "
                 "of archived objects.")
    if any(factors[u.region][2] for u in usages):
        notes.append("A region without a grid factor uses its provider's average.")
    return tuple(notes)
