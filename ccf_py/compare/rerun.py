"""Re-run the real estimate on a changed copy of one provider's month of billed lines.

A what-if that moves usage to another region or another instance type is estimated by the
same SQL models as every report (:func:`ccf_py.estimate.create_estimates`), not by a second
copy of the formulas: a TEMP view named ``billed_lines`` shadows the billing table for the
length of one run (DuckDB resolves the temp catalog first) and holds the changed copy. That
keeps every rule of the estimate, unknown-usage ratios and measured GPU energy included, and
a bill ingested with the same change gives the same numbers (tests/test_compare_region.py).

The lines whose estimates a comparison wants carry a mark in ``billing_account_id`` (the
payer account): the one billed column no estimate reads (int_billed_rows passes it on as
``payer_account_id`` and nothing uses it), so marking changes no estimate. The run is grouped
by the mark (the grouped path of ``api.report``), so it reads the billing rows once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from ccf_py import currency
from ccf_py.estimate import KEYED_LINES, create_estimates, drop_estimates

MARK_PREFIX = "ccf-py what-if:"

def billed_key(b: str) -> dict[str, str]:
    """The usage key of billed line ``b`` (a table alias) as int_billed_rows.sql names it
    (service = service_name, usage_type = x_usage_type, line_item_type = AWS's line item
    type, else FOCUS's charge category...): what the classifier classifies, so what a
    comparison selects lines by."""
    return {"service": f"{b}.service_name", "usage_type": f"{b}.x_usage_type",
            "pricing_unit": f"{b}.pricing_unit",
            "line_item_type": f"coalesce({b}.x_line_item_type, {b}.charge_category)",
            "vcpu": f"{b}.x_vcpus", "instance_type": f"{b}.x_instance_type"}


def mark(label: str) -> str:
    """SQL literal of the mark of the lines called ``label`` (a fixed word of ccf_py's)."""
    return text(MARK_PREFIX + label)


def text(value: str) -> str:
    """A SQL string literal (quotes doubled), for values ccf_py checked against the bill or
    the coefficients (a provider, a region, a service): views cannot hold bound parameters."""
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class Totals:
    """The estimates of the marked usage lines of one label, summed (taxes, credits and
    fees left out)."""

    lines: int = 0
    cost: float = 0.0
    energy_kwh: float = 0.0
    co2e_operational_kg: float = 0.0
    co2e_embodied_kg: float = 0.0
    co2e_total_kg: float = 0.0
    from_cost_kg: float = 0.0        # of co2e_total_kg: extrapolated from cost ratios
    not_estimable_lines: int = 0     # lines estimated from cost whose ratio was not learned
    vcpu_hours: float = 0.0
    gpu_hours: float = 0.0           # GPU- or accelerator-hours
    # the cost per currency (ccf_py.currency); ``cost`` adds them up, so it is a cost only
    # when there is one: read it through :attr:`billed_cost`
    costs: tuple[tuple[str, float], ...] = ()

    @property
    def billed_cost(self) -> float | None:
        """The cost, or None when it is in several currencies (never added across them)."""
        return self.cost if len(self.costs) <= 1 else None


@dataclass(frozen=True)
class Run:
    totals: dict[str, Totals]                      # by mark label
    region_factors: dict[str, tuple[float, float, bool]] = field(default_factory=dict)
    extra: Any = None                              # what ``inspect`` returned


def billed_table(con: duckdb.DuckDBPyConnection) -> str:
    """The real billing table, fully qualified (inside the shadow view, plain
    ``billed_lines`` would be the view itself)."""
    db = con.execute("SELECT current_database()").fetchone()[0]
    return '"' + str(db).replace('"', '""') + '".main.billed_lines'


def estimate(con: duckdb.DuckDBPyConnection, methodology: str, month: date, provider: str,
             changed_sql: str, inspect: Callable[[duckdb.DuckDBPyConnection], Any] | None = None
             ) -> Run:
    """Estimate ``changed_sql`` (a SELECT of billed_lines' columns over ``$billed``, the real
    table; lines to sum marked with :func:`mark`) in place of the bill, for ``month`` and
    ``provider``'s lines only: ratios, region factors and usage keys never cross providers,
    so the other providers' lines change nothing. ``inspect(con)`` runs while the run's
    models exist (e.g. to read ``usage_key_class``). The shadow view and the models are
    dropped afterwards, whatever happens."""
    real = billed_table(con)
    body = changed_sql.replace("$billed", real)
    # a view has no rowid; int_billed_rows passes one through (per-row identity), which the
    # grouped estimates run here never use
    con.execute("CREATE OR REPLACE TEMP VIEW billed_lines AS SELECT *, "
                "CAST(NULL AS BIGINT) AS rowid FROM (" + body + ") "
                "WHERE provider_name = $provider AND billing_period_start = $month"
                .replace("$provider", text(provider)).replace("$month", f"DATE '{month}'"))
    try:
        prefix = text(MARK_PREFIX)
        create_estimates(
            con, methodology, month, report_key="{'k0': pre_key.k0}",
            pre_key=("{'k0': CASE WHEN starts_with(payer_account_id, " + prefix + ") "
                     f"THEN substr(payer_account_id, {len(MARK_PREFIX) + 1}) END}}"))
        return Run(_totals(con), _factors(con, provider), inspect(con) if inspect else None)
    finally:
        drop_estimates(con)
        con.execute("DROP VIEW IF EXISTS temp.main.billed_lines")


def _totals(con: duckdb.DuckDBPyConnection) -> dict[str, Totals]:
    rows = con.execute(
        """SELECT report_key.k0, sum(lines), coalesce(sum(cost), 0),
                  coalesce(sum(energy_kwh), 0), coalesce(sum(co2e_operational_kg), 0),
                  coalesce(sum(co2e_embodied_kg), 0), coalesce(sum(co2e_total_kg), 0),
                  coalesce(sum(co2e_total_kg) FILTER (WHERE estimate_path = 'from_cost'), 0),
                  coalesce(sum(lines) FILTER (WHERE estimate_path = 'not_estimable'), 0)
           FROM rpt_grouped
           -- taxes, credits, fees: no usage to move (and their cost is not the usage's)
           WHERE report_key.k0 IS NOT NULL AND estimate_path <> 'non_usage'
           GROUP BY 1""").fetchall()
    hours = {r[0]: (float(r[1] or 0), float(r[2] or 0)) for r in con.execute(
        f"SELECT pre_key.k0, sum(vcpu_hours), sum(gpu_hours) FROM {KEYED_LINES} "
        "WHERE pre_key.k0 IS NOT NULL GROUP BY 1").fetchall()}
    costs: dict[str, list[tuple[str | None, float]]] = {}
    for k, code, cost in con.execute(
            "SELECT report_key.k0, currency, sum(cost) FROM rpt_grouped "
            "WHERE report_key.k0 IS NOT NULL AND estimate_path <> 'non_usage' "
            "GROUP BY 1, 2").fetchall():
        costs.setdefault(k, []).append((code, float(cost or 0)))
    return {r[0]: Totals(int(r[1]), *(float(v) for v in r[2:8]), int(r[8]),
                         *hours.get(r[0], (0.0, 0.0)),
                         costs=tuple(currency.fold_unknown(costs.get(r[0], [])).items()))
            for r in rows}


def _factors(con: duckdb.DuckDBPyConnection, provider: str
             ) -> dict[str, tuple[float, float, bool]]:
    """(PUE, g CO2e per kWh, fallback) of every region of the run, as the estimate used them."""
    return {r[0]: (float(r[1]), float(r[2]), bool(r[3])) for r in con.execute(
        "SELECT region, pue, gco2e_per_kwh, fallback_region FROM int_region_factors "
        "WHERE provider = ? AND region IS NOT NULL", [provider]).fetchall()}
