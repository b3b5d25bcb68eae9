"""The shape every what-if comparison returns.

A comparison never presents an assumption as a measurement: every number that is not in the
bills (media of a storage class, a price, a grid factor, equal work per vCPU-hour) is an
:class:`Assumption` with its source, and every output lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The columns of the storage, region and instance comparisons (issue 9): one row per scenario.
# co2e_low_kg / co2e_high_kg: the range the assumptions' low and high values give.
SCENARIO_COLUMNS: tuple[str, ...] = (
    "scenario", "energy_kwh", "co2e_operational_kg", "co2e_embodied_kg", "co2e_total_kg",
    "co2e_low_kg", "co2e_high_kg", "cost",
)


@dataclass(frozen=True)
class Assumption:
    """One thing a comparison assumes: what, the value used (with its unit or range), and
    where it comes from (a coefficient table row's source, a price list and its date...)."""

    name: str
    value: str
    source: str


@dataclass(frozen=True)
class Comparison:
    """Scenario rows (``columns``, one tuple per scenario; the first is the baseline, i.e.
    the usage as billed or as given), their assumptions and notes."""

    kind: str                         # "storage", "region", "instance", "time"
    columns: tuple[str, ...]
    rows: tuple[tuple, ...]
    assumptions: tuple[Assumption, ...] = ()
    notes: tuple[str, ...] = ()
    methodology: str | None = "default"  # None where no estimate runs (compare time)
    period: str | None = None         # the billing month the usage comes from, if any
    basis: str = ""                   # what usage is compared, e.g. "12.4 TB-months of s3-standard"
    extra: dict = field(default_factory=dict)  # kind-specific fields for JSON (e.g. break-even)

    def as_dicts(self) -> list[dict]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]
