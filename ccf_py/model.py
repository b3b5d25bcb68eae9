"""Vocabulary shared by the library: usage classes, report keys and typed report rows.

Units are in the names: ``_kwh`` (kilowatt-hours), ``_kg`` (kilograms CO2e), ``cost`` is in the
billing currency (the CUR's unblended cost).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

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
    "instance_type", "month", "day", "resource_id", "currency",
)

# gpu_energy_kwh: the part of energy_kwh drawn by GPUs and other accelerators (PUE included)
METRIC_COLUMNS: tuple[str, ...] = (
    "cost", "energy_kwh", "gpu_energy_kwh", "co2e_operational_kg", "co2e_embodied_kg",
    "co2e_total_kg",
)


@dataclass(frozen=True)
class CoverageRow:
    """Share of cost handled by one estimation path (direct, fallback, from_cost, non_usage...)."""

    path: str
    rows: int
    cost: float
    co2e_total_kg: float


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

    @property
    def columns(self) -> tuple[str, ...]:
        return self.keys + METRIC_COLUMNS

    def as_dicts(self) -> list[dict]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def totals(self) -> dict[str, float]:
        n = len(self.keys)
        return {m: sum(float(r[n + i] or 0) for r in self.rows)
                for i, m in enumerate(METRIC_COLUMNS)}


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
