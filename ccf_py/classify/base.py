"""What every provider's usage-key classifier shares: the key, the class it returns, and the
builders of per-unit quantities (watts per vCPU, replication, embodied inputs, estimates from
cost) written once.

Billing files have millions of rows but only hundreds of distinct
``(provider, service, usage_type, pricing_unit, line_item_type, vcpu, instance_type)`` keys;
each key is classified once, in plain Python (string rules are easy to read and test), and the
result is joined back to every row in SQL, where the energy formulas
(``queries/macros/energy.sql``) run vectorised. No energy formula lives here: a classifier only
converts a usage amount into the physical quantities the formulas take (vCPU-hours, GPU-hours,
GB-hours, TB-hours, GB) and says which rule decided it.

Two methodologies share the rules: ``ccf`` reproduces Cloud Carbon Footprint (commit b7a049c7)
including its quirks, ``default`` fixes the documented ones (see README, "Methodology").
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, fields
from functools import cache
from typing import Any, ClassVar

from ccf_py.coefficients import Accelerator, Coefficients, ProviderCoefficients, StorageClass


@dataclass(frozen=True)
class UsageKey:
    service: str
    usage_type: str
    pricing_unit: str
    line_item_type: str
    vcpu: float | None = None
    instance_type: str | None = None
    provider: str = ""


@dataclass(frozen=True)
class KeyClass:
    """How every row of one usage key is estimated. Quantities are per 1 unit of usage amount."""

    usage_class: str
    rule_id: str
    estimate_path: str            # direct | fallback | from_cost | none | non_usage
    instance_type: str | None = None
    vcpu_hours_per_unit: float = 0.0
    cpu_min_w: float = 0.0
    cpu_max_w: float = 0.0
    gpu_hours_per_unit: float = 0.0
    gpu_min_w: float = 0.0
    gpu_max_w: float = 0.0
    memory_gb_hours_per_unit: float = 0.0
    storage_tb_hours_per_unit: float = 0.0
    storage_per_gb_month: bool = False     # TB-h depend on the days in the usage month
    storage_gb_months_per_unit: float = 1.0  # with storage_per_gb_month: GB-months per unit
    storage_wh_per_tb_hour: float = 0.0
    # default only: the storage_classes.csv row of stored data (its media, copies, embodied)
    storage_class: str = ""
    storage_embodied_kg_per_tb: float = 0.0    # embodied kg CO2e per TB of media
    storage_lifespan_hours: float = 0.0        # over which the media's embodied is spread
    network_gb_per_unit: float = 0.0
    replication_factor: float = 1.0
    embodied_te_kg: float = 0.0            # SCI TE: embodied kg CO2e of the whole host
    embodied_time_per_unit: float = 0.0    # SCI TiR: reserved hours per unit of usage amount
    embodied_rr_vcpus: float = 0.0         # SCI RR: vCPUs reserved
    embodied_totr_vcpus: float = 0.0       # SCI TotR: vCPUs of the host
    ratio_unit: str = ""                   # unit whose kWh-per-cost ratio estimates unknown rows
    # > 0: the unknown-usage ratio of this key is per unit of usage amount (x this factor),
    # not per unit of cost, and its own kWh teach the ratio without embodied (CCF's GCP and
    # Azure method, ``ccf`` only)
    ratio_amount_per_unit: float = 0.0
    # with ratio_amount_per_unit: CCF's "embodied kWh" (quirk Q1) of this key teaches the
    # per-amount ratio too (CCF's Azure method; its GCP method leaves it out)
    ratio_amount_with_embodied: bool = False
    accelerator_model: str | None = None   # accelerators.csv model of gpu_hours (assumptions)
    feeds_ratio: bool = True               # its kWh and cost teach the unknown-usage ratios
    note: str = ""


KEY_CLASS_COLUMNS = tuple(f.name for f in fields(KeyClass))




class ProviderClassifier:
    """Base of a provider's rules: the provider's coefficients and the shared builders."""

    provider: ClassVar[str] = ""

    def __init__(self, coef: Coefficients | ProviderCoefficients, methodology: str) -> None:
        self.coef = (coef if isinstance(coef, ProviderCoefficients)
                     else coef.for_provider(self.provider))
        self.ccf = methodology == "ccf"
        if self.ccf:  # CCF's tables only: the hand-maintained supplements are default's
            self.coef = self.coef.generated_only()
        self.c = self.coef.constants
        self.lists = self.coef.lists

    def classify(self, key: UsageKey) -> KeyClass:
        raise NotImplementedError

    def unknown(self, key: UsageKey, usage_class: str, rule: str, none: bool = False,
                **extra: object) -> KeyClass:
        """Estimated from kWh-per-cost (or per-amount) ratios of known rows (CCF's unknown
        method); ``none``: not estimated at all."""
        unit = key.pricing_unit or ""
        path = "none" if none else "from_cost"
        return KeyClass(usage_class, rule, path, ratio_unit=unit, **extra)  # type: ignore[arg-type]

    def replication(self, key: UsageKey) -> float:
        """The first row of the provider's replication table whose service matches and whose
        every ``&``-separated part is in the usage type (in priority order)."""
        ut = key.usage_type or ""
        for service, contains, _prio, rf_ccf, rf_default in self.coef.replication:
            if service == key.service and all(part in ut for part in contains.split("&")):
                return rf_ccf if self.ccf else rf_default
        return 1.0

    def watts(self, archs: tuple[str, ...]) -> tuple[float, float, bool]:
        """Mean min/max W per vCPU over the architectures (median with Sandy/Ivy Bridge, as
        CCF's getWattsByAverageOrMedian); the provider's fallback ('*') when none is known."""
        known = [self.coef.cpu[a] for a in archs if a in self.coef.cpu and a != "*"]
        if not known:
            lo, hi, _ = self.coef.cpu["*"]
            return lo, hi, True
        agg = (statistics.median if any(a in ("Sandy Bridge", "Ivy Bridge") for a in archs)
               else statistics.fmean)
        return agg(k[0] for k in known), agg(k[1] for k in known), False

    @staticmethod
    def sci_embodied(te_kg: float, hours_per_unit: float, reserved_vcpus: float,
                     host_vcpus: float) -> dict[str, Any]:
        """Inputs of SCI's M = TE x (TiR / EL) x (RR / TotR) for a KeyClass."""
        return {"embodied_te_kg": te_kg, "embodied_time_per_unit": hours_per_unit,
                "embodied_rr_vcpus": reserved_vcpus, "embodied_totr_vcpus": host_vcpus}

    def instance_accelerators(self, instance_type: str | None, ccf_count: float | None = None,
                              ccf_model: str | None = None
                              ) -> tuple[float, Accelerator | None]:
        """(accelerators per instance, their model) for ``default``: the instance type's row
        of accelerator_instance_types.csv, else CCF's GPU columns of the instance table (by
        name or alias in accelerators.csv); (0, None) when neither knows any."""
        hit = self.coef.instance_accelerators.get(instance_type or "")
        if hit:
            return hit[1], self.coef.accelerator(hit[0])
        if ccf_count and (acc := self.coef.accelerator(ccf_model)):
            return ccf_count, acc
        return 0.0, None

    def accelerator_embodied(self, count: float, acc: Accelerator | None,
                             hours_per_unit: float = 1.0) -> dict[str, Any]:
        """SCI inputs for accelerators whose host has no embodied figure: each one's own
        (TE = count x embodied of one; the instance reserves all of them)."""
        if not acc or not acc.embodied_kg or not count:
            return {}
        return self.sci_embodied(count * acc.embodied_kg, hours_per_unit, 1.0, 1.0)

    def storage(self, key: UsageKey, medium: str | None, rule: str, *,
                tb_hours_per_unit: float = 0.0, per_gb_month: bool = False,
                replication: float | None = None) -> KeyClass:
        """Storage at the medium's Wh per TB-hour (``ccf``: CCF's SSD or HDD coefficient).

        ``default``: the physics of the line's storage class (storage_classes.csv: media
        watts, copies, embodied per TB of media), else of its medium's per-provider row; the
        class decides the medium (Deep Archive is tape whatever CCF's lists call it)."""
        rf = self.replication(key) if replication is None else replication
        common: dict[str, Any] = dict(storage_tb_hours_per_unit=tb_hours_per_unit,
                                      storage_per_gb_month=per_gb_month,
                                      ratio_unit=key.pricing_unit or "")
        sc = self.storage_class(key, medium)
        if sc is not None:
            return KeyClass("storage", rule, "direct", storage_wh_per_tb_hour=sc.wh_per_tb_hour,
                            replication_factor=rf if sc.copies is None else sc.copies,
                            storage_class=sc.class_id,
                            storage_embodied_kg_per_tb=sc.embodied_kg_per_tb,
                            storage_lifespan_hours=sc.lifespan_hours, **common)
        if medium is None:
            raise ValueError(f"no medium and no storage class for {key}")
        return KeyClass("storage", rule, "direct",
                        storage_wh_per_tb_hour=self.c[f"{medium}_wh_per_tb_hour"],
                        replication_factor=rf, **common)

    def storage_class(self, key: UsageKey, medium: str | None) -> StorageClass | None:
        """``default``: the line's storage_classes.csv row (None in ``ccf``)."""
        if self.ccf:
            return None
        return self.coef.storage_class(key.service or "", key.usage_type or "", medium)

    def network(self, key: UsageKey, rule: str, gb_per_unit: float) -> KeyClass:
        """Data moved between networks (no replication)."""
        return KeyClass("network", rule, "direct", network_gb_per_unit=gb_per_unit,
                        ratio_unit=key.pricing_unit or "")

    def memory(self, key: UsageKey, rule: str, gb_hours_per_unit: float) -> KeyClass:
        """Memory billed on its own (GB-hours; no replication)."""
        return KeyClass("memory", rule, "direct", memory_gb_hours_per_unit=gb_hours_per_unit,
                        ratio_unit=key.pricing_unit or "")


def contains_any(values: tuple[str, ...], text: str) -> str | None:
    return next((v for v in values if v in text), None)


def ends_with_any(values: tuple[str, ...], text: str) -> str | None:
    return next((v for v in values if text.endswith(v)), None)


@cache
def _word(value: str, ignore_case: bool = False) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(value)}\b", re.IGNORECASE if ignore_case else 0)


def contains_word(values: tuple[str, ...], text: str, ignore_case: bool = False) -> str | None:
    """CCF's GCP and Azure containsAny: the first value found in ``text`` as a whole word
    (a ``\\b...\\b`` regex: 'Core' does not match 'Cores'), case-sensitive as CCF's
    (its lists spell 'Fee' and 'fee', 'Core' and 'CORE'); ``ignore_case`` for rules that fix
    that."""
    return next((v for v in values if _word(v, ignore_case).search(text)), None)
