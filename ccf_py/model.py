"""Vocabulary shared by the library: usage classes, report keys and typed report rows.

Units are in the names: ``_kwh`` (kilowatt-hours), ``_kg`` (kilograms CO2e), ``cost`` is in the
billing currency (the CUR's unblended cost).
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from ccf_py.errors import ConfigError

Methodology = Literal["default", "ccf"]
METHODOLOGIES: tuple[str, ...] = ("default", "ccf")

# Grid factor variants: '' is location-based (the only kind SCI accepts); 'gcp_cfe' is Google's
# carbon-free-energy adjusted factors for GCP rows (CCF's GCP_USE_CARBON_FREE_ENERGY_PERCENTAGE),
# a market-based figure used only when asked for.
GRID_VARIANTS: tuple[str, ...] = ("", "gcp_cfe")

# Every billed row lands in exactly one of these.
USAGE_CLASSES: tuple[str, ...] = (
    "compute", "memory", "storage", "network", "unknown", "non_usage",
)

# Keys accepted by ``report --by``; ``tag:KEY`` is accepted in addition.
REPORT_KEYS: tuple[str, ...] = (
    "provider", "account", "region", "service", "usage_type", "usage_class",
    "instance_type", "month", "day", "resource_id", "currency", "estimate_path",
)

# The ``estimate_path`` report key: how a line's CO2e was estimated, decided per line after the
# estimate (fct_usage_estimates.coverage_path; rpt_grouped.estimate_path), in the words of the
# JSON coverage and the FOCUS export's x_CarbonEstimatePath: 'direct' (from its usage
# quantity), 'fallback' (processor or size unknown: a provider average), 'from_cost'
# (extrapolated from a kWh-per-cost ratio), 'not_estimable' (no ratio could be learned:
# counted as zero), 'none' (CCF gives none: zero), 'non_usage' (taxes, credits, fees).

# ccf-py tags: per provider and currency, a tag key, its distinct values, the lines carrying it
# with a value, their cost and its share of the provider's gross cost
TAG_COLUMNS: tuple[str, ...] = ("provider", "currency", "tag_key", "distinct_values", "lines",
                                "cost", "cost_share")

# gpu_energy_kwh: the part of energy_kwh drawn by GPUs and other accelerators (PUE included)
METRIC_COLUMNS: tuple[str, ...] = (
    "cost", "energy_kwh", "gpu_energy_kwh", "co2e_operational_kg", "co2e_embodied_kg",
    "co2e_total_kg",
)


@dataclass(frozen=True)
class CoverageRow:
    """Share of cost handled by one estimation path (direct, fallback, from_cost, non_usage...)
    in one currency: a report over bills in several currencies has a row per path and
    currency (costs are never added across currencies)."""

    path: str
    rows: int
    cost: float
    co2e_total_kg: float
    currency: str = ""  # the cost's currency ('' where none is recorded)


@dataclass(frozen=True)
class ReportTable:
    """A grouped report: ``keys`` columns, then the five metric columns, one tuple per row."""

    keys: tuple[str, ...]
    rows: tuple[tuple, ...]
    methodology: str
    month: str | None = None
    # how the CO2e of the whole report (all rows, not only these keys' rows) was estimated
    coverage: tuple[CoverageRow, ...] = ()
    notes: tuple[str, ...] = ()       # what a reader must know to read the rows right
    currency: str = ""                # the cost column's currency when the rows have one

    @property
    def columns(self) -> tuple[str, ...]:
        return self.keys + METRIC_COLUMNS

    def as_dicts(self) -> list[dict]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def totals(self) -> dict[str, float]:
        """Each metric summed over the rows; the cost is NaN (no number) when the rows are
        in several currencies (:meth:`totals_by_currency` has one total per currency)."""
        n = len(self.keys)
        out = {m: sum(float(r[n + i] or 0) for r in self.rows)
               for i, m in enumerate(METRIC_COLUMNS)}
        if self.row_currencies():
            out["cost"] = math.nan  # costs in different currencies are never added
        return out

    def row_currencies(self) -> tuple[str, ...]:
        """The currencies of the rows when they are several (the ``currency`` key holds
        more than one value and the table names no single currency), else ``()``."""
        if self.currency or "currency" not in self.keys:
            return ()
        i = self.keys.index("currency")
        found = sorted({str(r[i] or "") for r in self.rows})
        return tuple(found) if len(found) > 1 else ()

    def totals_by_currency(self) -> dict[str, dict[str, float]]:
        """Per currency of :meth:`row_currencies` (in code order), the metrics of its rows
        summed; empty when the rows are in one currency."""
        codes = self.row_currencies()
        if not codes:
            return {}
        i, n = self.keys.index("currency"), len(self.keys)
        return {c: {m: sum(float(r[n + j] or 0) for r in self.rows if str(r[i] or "") == c)
                    for j, m in enumerate(METRIC_COLUMNS)} for c in codes}


def parse_month(month: str | None) -> date | None:
    """``YYYY-MM`` as the first day of the month (None stays None)."""
    if not month:
        return None
    try:
        year, mon = month.split("-")
        return date(int(year), int(mon), 1)
    except ValueError:
        raise ConfigError(f"--month {month!r}: expected YYYY-MM") from None


@dataclass(frozen=True)
class MonthSpan:
    """Which days of a billing month the loaded lines cover."""

    month: date          # first day of the month
    first: date | None   # first day with a charge
    last: date | None    # last day with a charge (inclusive)

    @property
    def days_in_month(self) -> int:
        return calendar.monthrange(self.month.year, self.month.month)[1]

    @property
    def days_loaded(self) -> int:
        if self.first is None or self.last is None:
            return 0
        return (self.last - self.first).days + 1

    @property
    def partial(self) -> bool:
        return self.days_loaded < self.days_in_month

    def note(self) -> str:
        label = self.month.strftime("%Y-%m")
        if self.first is None or self.last is None:
            return (f"{label}: no charge period is recorded for its lines; whether the month "
                    "is complete is unknown.")
        return (f"Partial month {label}: {self.days_loaded} of {self.days_in_month} days "
                f"loaded ({self.first.isoformat()} to {self.last.isoformat()}); totals cover "
                "those days only.")


@dataclass(frozen=True)
class Mover:
    """One key's total CO2e this month and the month before (0 where it had none)."""

    keys: tuple[str, ...]
    previous_kg: float
    current_kg: float

    @property
    def change_kg(self) -> float:
        return self.current_kg - self.previous_kg


@dataclass(frozen=True)
class MonthlyReport:
    """Everything a monthly carbon report shows; rendered to Markdown and HTML."""

    month: str                      # "YYYY-MM"
    methodology: str                # "default" | "ccf"
    version: str                    # ccf_py version
    coefficients_fingerprint: str   # sha256 prefix of the coefficient tables
    totals: dict[str, float]        # METRIC_COLUMNS -> value
    by_service: ReportTable
    by_region: ReportTable
    by_account: ReportTable
    by_usage_class: ReportTable
    by_day: ReportTable
    top_resources: ReportTable
    coverage: tuple[CoverageRow, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    currency: str = ""              # the bills' currency (ISO code), shown beside costs
    # how far to trust the totals (api.render.confidence_line), shown in the headline
    confidence: str = ""
    by_provider: ReportTable | None = None
    span: MonthSpan | None = None   # which days of the month are loaded
    previous_month: str | None = None             # the loaded month before, if any
    previous_totals: dict[str, float] = field(default_factory=dict)
    mover_keys: tuple[str, ...] = ()
    movers: tuple[Mover, ...] = ()  # largest CO2e changes against previous_month
    sci: object | None = None       # ccf_py.sci's table per service (E, I, M, R, SCI)
    resource_count: int = 0         # resources with CO2e or cost (top_resources shows the top)
    # bills in several currencies (``currency`` is then ''): the month by currency, whose
    # rows give the cost and kg CO2e per 1,000 of each; every table is also keyed by
    # currency, and ``totals`` holds no cost (costs are never added across currencies)
    by_currency: ReportTable | None = None
    previous_costs: dict[str, float] = field(default_factory=dict)  # per currency

    @property
    def kg_per_1000_cost(self) -> float | None:
        cost = float(self.totals.get("cost", 0) or 0)
        return 1000 * float(self.totals.get("co2e_total_kg", 0) or 0) / cost if cost > 0 \
            else None

    @property
    def intensity_gco2e_per_kwh(self) -> float | None:
        """Energy-weighted grid intensity: operational g CO2e over all kWh."""
        kwh = float(self.totals.get("energy_kwh", 0) or 0)
        return 1000 * float(self.totals.get("co2e_operational_kg", 0) or 0) / kwh if kwh > 0 \
            else None
