"""The physics and prices of one storage class holding data (``ccf-py compare storage``).

Energy, operational and embodied CO2e come from the SQL macros the estimates use
(``queries/macros/energy.sql``: ``ccf_storage_kwh``, ``ccf_network_kwh``,
``storage_embodied_kg``, ``ccf_operational_kg``) evaluated in DuckDB, never re-typed here;
region factors from the estimates' own ``int_region_factors`` model; media and copies from
``coefficients/storage_classes.csv``, prices from ``storage_prices.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from ccf_py import coefficients
from ccf_py.coefficients import StorageClass, StoragePrice
from ccf_py.errors import ConfigError
from ccf_py.estimate import bind
from ccf_py.resources import query_text

# TB as the estimates count them, in the GB the provider bills: CUR GB-Mo and Azure GB-months
# are divided by 1000 (CCF); GCP byte-seconds by 2^40 (CCF quirk Q24), and GCS bills per GiB
GB_PER_TB = {"aws": 1000.0, "azure": 1000.0, "gcp": 1024.0}
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
