"""Azure cost-export usage keys: CCF's ConsumptionManagement rules (``ccf``) and their fixes
(``default``).

A key is (MeterCategory, MeterName, UnitOfMeasure as written, ChargeType, AdditionalInfo
VCPUs, AdditionalInfo ServiceType). The usage amount is the billing table's consumed quantity
(Quantity x block size, see below).
CCF keys everything on the meter name (``D2s v3``; `` Spot`` dropped, text after ``/`` cut) and
its word lists match whole words (``containsAny``); ``usage_lists.csv`` (provider azure) holds
them, ``instance_types.csv`` CCF's VM sizes (by meter name), ``constants.csv`` its size tables
(``redis_cache_gb:C1``, ``ssd_managed_disk_gb:P10``...). Charge types other than ``Usage``
(``Purchase``, ``Refund``, ``Tax``, ``UnusedReservation``, ``UnusedSavingsPlan``...) are not
usage: no workload ran for them.

The usage amount is the billing table's consumed quantity: the export's Quantity (blocks of
the unit of measure) x the block size (``ingest.azure_export``), so ``10 Hours`` rows arrive in
hours.

``ccf`` reproduces CCF's ``getEstimateByPricingUnit`` including its quirks: the unit's block
size is not applied (Q5: one "10 Hours" block counts as 1 hour; ``ccf`` divides its per-unit
quantities by the block size to get CCF's per-Quantity numbers back); a managed disk is one day of
its size per line whatever the quantity (per unit of quantity here, the same for CCF's daily
lines of quantity 1); ``1 GB/Month`` is read as GB stored for one day (× 24 h); an hourly meter
of unknown size is 1 vCPU (Q13); standard HDD disks whose name holds ``LRS`` crash CCF (Q7: not
estimated here); unknown usage is priced per unit of usage amount with the compute rows'
"embodied kWh" included (Q1 in the ratio).

What ``default`` changes (README, "Methodology"):

* units by their distinct unit, any spelling: a ``10 Hours`` amount is hours, a
  ``100 GB/Month`` one GB-months, ``1 GiB/Hour`` provisioned GiB-hours (Q5); a unit it
  cannot read (or one without a physical model, like transactions) is estimated from cost,
  never an error;
* stored GB-months and managed-disk months are TB-hours of the usage month (GB-months × 24 ×
  days in the month / 1000), not one day per line;
* standard HDD managed disks (``S10 LRS Disk``) are HDD at their size (Q7); standard storage
  accounts (blob, file, queue, table without ``Premium``) are HDD, as Microsoft documents
  standard accounts, not SSD (Q13);
* a VM size from the meter, else from ServiceType (``Standard_D2s_v3``), App Service plans
  without their `` App`` suffix (``P1 v2``), `` Low Priority`` dropped; vCPUs from the export's
  VCPUs when the size is not in the table; an hourly meter with no vCPU count is estimated
  from cost instead of as 1 vCPU (Q13);
* all Redis cache sizes are memory at their size (CCF: only ``C1 Cache Instance``);
* embodied emissions in SCI form (TiR = hours, not hours / vCPUs: Q2);
* replication factors on stored data and memory only, not on compute (as GCP's Q22);
* licences are not estimated (the VM's own meter carries its energy); other meters CCF
  calls unsupported (rules, policies, surcharges) and unknown usage are estimated from cost;
  CCF's non-capacity "storage" meters (DTUs, nodes, users, web tests...) from cost.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ccf_py.classify.base import KeyClass, ProviderClassifier, UsageKey, contains_word
from ccf_py.coefficients import InstanceType
from ccf_py.ingest.azure_export import block_size

HOURS_PER_DAY = 24
GB_PER_TB = 1000
GB_PER_GIB = 2 ** 30 / 1e9
# CCF's managed-disk pattern (P/E sizes) used to read the disk size
CCF_SSD_DISK = re.compile(r"(P|E)\d{1,2}")
DISK_SIZE = re.compile(r"^(?P<size>[PES]\d{1,2})\b")
CACHE_SIZE = re.compile(r"^(?P<size>[CPEF]\d+) Cache\b")
REGISTRY = re.compile(r"^(?P<tier>Basic|Standard|Premium) Registry Unit")
UNIT = re.compile(r"^\s*(?P<n>\d+(?:\.\d+)?)?\s*(?P<k>[KM](?![a-z]))?\s*(?P<rest>.*?)\s*$")
SCALE = {"": 1.0, "K": 1e3, "M": 1e6}
# default: what a unit measures, by its text after the block size (spaces dropped, lower case)
DIMENSIONS = {
    "hour": ("hours", 1.0), "hours": ("hours", 1.0), "hrs": ("hours", 1.0),
    "gb/month": ("gb_months", 1.0), "gb/mo": ("gb_months", 1.0),
    "tb/month": ("gb_months", GB_PER_TB), "/month": ("per_month", 1.0),
    "/day": ("per_day", 1.0), "gb": ("gb", 1.0), "tb": ("gb", GB_PER_TB),
    "gbsecond": ("gb_seconds", 1.0), "gbseconds": ("gb_seconds", 1.0),
    "gbhour": ("gb_hours", 1.0), "gbhours": ("gb_hours", 1.0),
    "gib/month": ("gb_months", GB_PER_GIB), "gib/hour": ("storage_gb_hours", GB_PER_GIB),
    "gb/hour": ("storage_gb_hours", 1.0), "gibsecond": ("gb_seconds", GB_PER_GIB),
    "gibseconds": ("gb_seconds", GB_PER_GIB), "gibhour": ("gb_hours", GB_PER_GIB),
    "gibhours": ("gb_hours", GB_PER_GIB),
}
# default: CCF's STORAGE_USAGE_TYPES entries that bill capacity (the others are DTUs, nodes,
# users, web tests, CI minutes...: not stored bytes)
CAPACITY_METERS = ("Data Stored", "Metadata", "Registry Unit", "ZRS", "LRS", "GRS", "GZRS",
                   "Data Retention", "Pay-as-you-go Data at Rest",
                   "Pay as you go Warm Storage")

# KeyClass quantities per unit of usage amount (scaled together when the amount's unit changes)
PER_UNIT_FIELDS = ("vcpu_hours_per_unit", "gpu_hours_per_unit", "memory_gb_hours_per_unit",
                   "storage_tb_hours_per_unit", "storage_gb_months_per_unit",
                   "network_gb_per_unit", "embodied_time_per_unit", "ratio_amount_per_unit")


@dataclass(frozen=True)
class Unit:
    """A unit of measure read by its distinct unit: ``10 Hours`` is 10 x hours."""

    dimension: str | None
    per_unit: float     # distinct units (hours, GB...) per 1 of the unit: block x factor
    block: float = 1.0  # the unit's own block size ('10 Hours': 10)


def read_unit(text: str) -> Unit:
    """``'10 Hours'`` -> (hours, 10); ``'1 GB/Month'`` -> (gb_months, 1); ``'10K'`` -> (None,
    10000); an unreadable unit has no dimension."""
    m = UNIT.match(text or "")
    if not m:
        return Unit(None, 1.0)
    n = float(m["n"]) if m["n"] else 1.0
    n *= SCALE[m["k"] or ""]
    dim, factor = DIMENSIONS.get(m["rest"].replace(" ", "").lower(), (None, 1.0))
    return Unit(dim, n * factor, n)


def ccf_meter(meter: str) -> str:
    """CCF's ConsumptionDetailRow.parseUsageType: drop the first `` Spot``, else cut at ``/``."""
    if "Spot" in meter:
        return meter.replace(" Spot", "", 1)
    return meter.split("/")[0] if "/" in meter else meter


def size_from_service_type(service_type: str | None) -> str | None:
    """``Standard_D2s_v3`` -> ``D2s v3`` (the meter spelling of CCF's VM table)."""
    if not service_type:
        return None
    head, _, tail = service_type.partition("_")
    name = tail if head in ("Standard", "Basic") and tail else service_type
    return name.replace("_", " ")


class AzureClassifier(ProviderClassifier):
    """Rules for Azure cost-export keys, parameterised by methodology."""

    provider = "azure"

    def classify(self, key: UsageKey) -> KeyClass:
        # purchases, refunds, unused reservations, tax; ChargeType's case varies by source
        # (the query API writes 'usage')
        if (key.line_item_type or "").lower() != "usage":
            return KeyClass("non_usage", f"charge_category:{key.line_item_type or 'empty'}",
                            "non_usage")
        meter = self._meter(key.usage_type or "")
        if hit := contains_word(self.lists["unsupported_usage_types"], meter):
            if self.ccf:  # CCF drops the line: no estimate at all
                return KeyClass("unknown", f"ccf_unsupported:{hit}", "none",
                                ratio_unit=key.pricing_unit or "")
            if hit == "License":
                return KeyClass("unknown", "licence", "none", ratio_unit=key.pricing_unit or "",
                                note=f"{meter}: a software licence; the VM's own meter "
                                     "carries its energy")
            return self.unknown(key, "unknown", f"unsupported:{hit}")
        if rule := self._unknown_rule(key, meter):
            return self._per_raw_quantity(key, self._amount(self.unknown(key, "unknown", rule)))
        if self.ccf:
            return self._per_raw_quantity(key, self._ccf(key, meter))
        return self._default(key, meter)

    def _per_raw_quantity(self, key: UsageKey, kc: KeyClass) -> KeyClass:
        """The amount is FOCUS's ConsumedQuantity: the export's Quantity (blocks of the unit)
        x the block size (``ingest.azure_export``). CCF read Quantity as is, so ``ccf``'s
        per-unit quantities, which follow CCF, apply per block: ÷ the block size."""
        block = block_size(key.pricing_unit)
        if block == 1.0:
            return kc
        scaled = {f: getattr(kc, f) / block for f in PER_UNIT_FIELDS}
        return KeyClass(**{**kc.__dict__, **scaled})

    # ---- shared -------------------------------------------------------------------------
    def _meter(self, usage_type: str) -> str:
        meter = ccf_meter(usage_type)
        if not self.ccf:
            meter = meter.replace(" Low Priority", "")
        return meter

    def _amount(self, kc: KeyClass, with_embodied: bool = False) -> KeyClass:
        """In ``ccf``, ratios are per unit of usage amount (CCF's Azure method); compute rows
        teach them with their "embodied kWh" (its accumulator adds the whole row)."""
        if not self.ccf or not self.c["ccf_unknown_ratio_by_usage_amount"]:
            return kc
        return KeyClass(**{**kc.__dict__, "ratio_amount_per_unit": 1.0,
                           "ratio_amount_with_embodied": with_embodied})

    def _unknown_rule(self, key: UsageKey, meter: str) -> str | None:
        if hit := contains_word(self.lists["unknown_services"], key.service or ""):
            return f"unknown_service:{hit}"
        if hit := contains_word(self.lists["unknown_usage_types"], meter):
            return f"unknown_usage_type:{hit}"
        if self.ccf and not contains_word(self._ccf_units, key.pricing_unit or ""):
            return f"unknown_unit:{key.pricing_unit or 'empty'}"
        return None

    @cached_property
    def _ccf_units(self) -> tuple[str, ...]:
        return tuple(u for name in ("compute", "storage", "networking", "memory")
                     for u in self.lists[f"{name}_usage_units"])

    @cached_property
    def _gpu_sizes(self) -> tuple[str, ...]:
        return tuple(name for name, i in self.coef.instances.items() if i.gpu_count)

    def _size(self, key: str, table: str) -> float | None:
        return self.c.get(f"{table}:{key}")

    def _watts_all_known(self, archs: tuple[str, ...]) -> tuple[float, float, bool]:
        """CCF's Azure getMinWatts: one processor without data makes it the Azure average."""
        if not archs or any(a not in self.coef.cpu for a in archs):
            lo, hi, _ = self.coef.cpu["*"]
            return lo, hi, True
        return self.watts(archs)

    def _extra_memory_gb(self, inst: InstanceType | None) -> float:
        """GB beyond the SPECpower reference server per instance-hour (CCF MemoryEstimator;
        sizes of a series only). Processor GB per chip: their mean, the Azure average when
        one is unknown (CCF's getMemory)."""
        if not inst or not inst.memory_gb or not inst.family_largest_memory_gb:
            return 0.0
        archs = inst.cpu_architectures
        per_chip = [self.coef.cpu[a][2] for a in archs if a in self.coef.cpu]
        known = archs and len(per_chip) == len(archs) and None not in per_chip
        gb_per_chip = statistics.fmean(per_chip) if known else self.coef.cpu["*"][2]  # type: ignore[arg-type]
        chips = max(1, -(-(inst.family_largest_vcpus or 0) // self.c["vcpus_per_physical_chip"]))
        delta = inst.family_largest_memory_gb / chips - (gb_per_chip or 0.0)
        return delta * inst.memory_gb / inst.family_largest_memory_gb if delta > 0 else 0.0

    def _embodied(self, inst: InstanceType | None, hours_per_unit: float) -> dict[str, Any]:
        """SCI inputs: TE of the size, RR its vCPUs, TotR its series' largest (constrained
        sizes: the full size). CCF's TiR is hours / vCPUs (Q2); ``default`` the hours."""
        if not inst or not inst.embodied_kg or not inst.vcpus or not inst.family_largest_vcpus:
            return {}
        tir = hours_per_unit / inst.vcpus if self.ccf else hours_per_unit
        return self.sci_embodied(inst.embodied_kg, tir, inst.vcpus, inst.family_largest_vcpus)

    def _gpu(self, meter: str, inst: InstanceType | None) -> tuple[float, float, float]:
        """GPUs per hour and watts per GPU. CCF: GPU sizes by whole word in the meter, count
        and model by the exact meter (1 GPU and the Azure CPU average if not exact)."""
        if self.ccf:
            if not contains_word(self._gpu_sizes, meter):
                return 0.0, 0.0, 0.0
            count = inst.gpu_count if inst and inst.gpu_count else 1.0
            lo, hi = (self.coef.gpu[inst.gpu_model] if inst and inst.gpu_model in self.coef.gpu
                      else self.coef.cpu["*"][:2])
            return count, lo, hi
        count, acc = self.instance_accelerators(
            inst.instance_type if inst else meter, inst.gpu_count if inst else None,
            inst.gpu_model if inst else None)
        return (count, acc.idle_w, acc.max_w) if acc else (0.0, 0.0, 0.0)

    # ---- ccf ----------------------------------------------------------------------------
    def _ccf(self, key: UsageKey, meter: str) -> KeyClass:
        unit = key.pricing_unit or ""
        if unit in self.lists["compute_usage_units"]:
            return self._ccf_hourly(key, meter)
        if unit in self.lists["storage_usage_units"]:
            return self._amount(self._ccf_storage(key, meter))
        if unit in self.lists["networking_usage_units"]:
            if (contains_word(self.lists["networking_usage_types"], meter)
                    and "To Any" not in meter):
                gb = GB_PER_TB if "TB" in unit else 1.0
                return self._amount(self.network(key, "network:data_transfer", gb))
            return KeyClass("network", "ccf_not_egress", "none", ratio_unit=unit)
        if unit in self.lists["memory_usage_units"]:
            kc = self.memory(key, f"memory:{unit}", self._ccf_memory_gb(key, meter))
            return self._amount(KeyClass(**{**kc.__dict__,
                                            "replication_factor": self.replication(key)}))
        # the unit is known word-wise but not exactly: CCF warns and returns 0 kWh
        return KeyClass("unknown", f"ccf_unsupported_unit:{unit}", "none", ratio_unit=unit)

    def _ccf_memory_gb(self, key: UsageKey, meter: str) -> float:
        unit = key.pricing_unit or ""
        if "Second" in unit:
            return 1 / 3600
        if unit == "1 GB Hour":
            return 1.0
        return self._ccf_memory_meter_gb(meter)

    def _ccf_memory_meter_gb(self, meter: str) -> float:
        """GB per unit of a memory meter (CCF's exact MEMORY_USAGE_TYPES; a cache by its
        size), else the extra memory of a VM size."""
        if meter in self.lists["memory_usage_types"]:
            if "Cache" in meter:
                return self._size(meter.split(" ")[0], "redis_cache_gb") or 0.0
            return 1.0
        return self._extra_memory_gb(self.coef.instances.get(meter))

    def _ccf_hourly(self, key: UsageKey, meter: str) -> KeyClass:
        if contains_word(self.lists["memory_usage_types"], meter):
            # CCF returns the memory part only, and does not count it in its ratios
            kc = self.memory(key, "memory:hourly_meter", self._ccf_memory_meter_gb(meter))
            return self._amount(KeyClass(**{**kc.__dict__, "feeds_ratio": False,
                                            "replication_factor": self.replication(key)}))
        inst = self.coef.instances.get(meter)
        vcpus = inst.vcpus if inst and inst.vcpus else 1.0  # Q13: unknown size = 1 vCPU
        lo, hi, fallback = self._watts_all_known(inst.cpu_architectures if inst else ())
        gpus, gpu_lo, gpu_hi = self._gpu(meter, inst)
        how = "vm_size" if inst and inst.vcpus else "one_vcpu"
        return self._amount(KeyClass(
            "compute", f"compute:{how}", "fallback" if fallback else "direct",
            instance_type=meter if inst else None, vcpu_hours_per_unit=vcpus, cpu_min_w=lo,
            cpu_max_w=hi, gpu_hours_per_unit=gpus, gpu_min_w=gpu_lo, gpu_max_w=gpu_hi,
            memory_gb_hours_per_unit=self._extra_memory_gb(inst),
            replication_factor=self.replication(key), ratio_unit=key.pricing_unit or "",
            note="" if inst else f"{meter}: size unknown, counted as 1 vCPU (CCF)",
            **self._embodied(inst, 1.0)), with_embodied=True)

    def _ccf_storage(self, key: UsageKey, meter: str) -> KeyClass:
        lists = self.lists
        ssd_disk = contains_word(self._disk_sizes("ssd"), meter)
        hdd_disk = contains_word(self._disk_sizes("hdd"), meter)
        ssd = bool(ssd_disk or contains_word(lists["storage_usage_types"], meter))
        medium = "ssd" if ssd else "hdd" if hdd_disk else None
        if medium is None:  # CCF: "Unexpected usage type for storage service", no estimate
            return KeyClass("storage", "ccf_storage_medium_unknown", "none",
                            ratio_unit=key.pricing_unit or "")
        gb, rule = self._ccf_storage_gb(key, meter, ssd, bool(ssd_disk or hdd_disk))
        if gb is None:
            return KeyClass("storage", rule, "none", ratio_unit=key.pricing_unit or "",
                            note=f"{meter}: CCF fails on this meter (quirk Q7); not estimated")
        return self.storage(key, medium, f"storage:{medium}:{rule}",
                            tb_hours_per_unit=gb * HOURS_PER_DAY / GB_PER_TB)

    def _ccf_storage_gb(self, key: UsageKey, meter: str, ssd: bool,
                        disk: bool) -> tuple[float | None, str]:
        """GB stored for a day per unit (CCF's convertGigaBytesToTerabyteHours)."""
        if key.pricing_unit == "1 TB/Month":
            return GB_PER_TB, "tb_month"
        if ssd and disk:
            m = CCF_SSD_DISK.search(meter)
            if not m:  # quirk Q7: an S disk with LRS/ZRS in its name
                return None, "ccf_crash:s_disk"
            return self._size(m[0], "ssd_managed_disk_gb"), "managed_disk"
        if disk:
            size = re.sub(r"Disks?", "", meter, count=1).strip()
            gb = self._size(size, "hdd_managed_disk_gb")
            return gb, "managed_disk" if gb is not None else "ccf_nan:hdd_disk"
        if m := REGISTRY.search(meter):
            return self._size(m["tier"], "container_registry_gb"), "registry"
        return 1.0, "gb_one_day"

    def _disk_sizes(self, medium: str) -> tuple[str, ...]:
        prefix = f"{medium}_managed_disk_gb:"
        return tuple(k[len(prefix):] for k in self.c if k.startswith(prefix))

    # ---- default ------------------------------------------------------------------------
    def _default(self, key: UsageKey, meter: str) -> KeyClass:
        read = read_unit(key.pricing_unit or "")
        # the amount is already in the unit's distinct units (Quantity x block, see
        # ingest.azure_export): per 1 of it, only the dimension's own factor (TB -> GB) is left
        unit = Unit(read.dimension, read.per_unit / read.block)
        if unit.dimension == "hours":
            return self._hourly(key, meter, unit.per_unit)
        if unit.dimension in ("gb_months", "per_month", "per_day", "storage_gb_hours"):
            return self._stored(key, meter, unit)
        if unit.dimension == "gb":
            if (contains_word(self.lists["networking_usage_types"], meter)
                    and "To Any" not in meter):
                return self.network(key, "network:data_transfer", unit.per_unit)
            return self.unknown(key, "unknown", "gb_not_egress")
        if unit.dimension in ("gb_seconds", "gb_hours"):
            gb_h = unit.per_unit / 3600 if unit.dimension == "gb_seconds" else unit.per_unit
            kc = self.memory(key, f"memory:{unit.dimension}", gb_h)
            return KeyClass(**{**kc.__dict__, "replication_factor": self.replication(key)})
        return self.unknown(key, "unknown", f"unit:{key.pricing_unit or 'empty'}")

    def _vm(self, key: UsageKey, meter: str) -> InstanceType | None:
        for name in (meter, meter.removesuffix(" App"), size_from_service_type(key.instance_type)):
            if name and (inst := self.coef.instances.get(name)):
                return inst
        return None

    def _hourly(self, key: UsageKey, meter: str, hours: float) -> KeyClass:
        if m := CACHE_SIZE.match(meter):
            gb = self._size(m["size"], "redis_cache_gb")
            if gb is None:
                return self.unknown(key, "memory", "cache:size_unknown")
            kc = self.memory(key, "memory:redis_cache", gb * hours)
            return KeyClass(**{**kc.__dict__, "replication_factor": self.replication(key)})
        inst = self._vm(key, meter)
        vcpus = (inst.vcpus if inst else None) or key.vcpu
        if not vcpus:  # Q13: CCF's 1 vCPU for any hourly meter
            return self.unknown(key, "unknown", "hourly:no_vcpus",
                                note=f"{meter}: no vCPU count; estimated from cost")
        lo, hi, fallback = self._watts_all_known(inst.cpu_architectures if inst else ())
        gpus, gpu_lo, gpu_hi = self._gpu(meter, inst)
        note = f"{meter}: processor unknown, Azure average watts used" if fallback else ""
        embodied = self._embodied(inst, hours)
        count, acc = self.instance_accelerators(
            inst.instance_type if inst else meter, inst.gpu_count if inst else None,
            inst.gpu_model if inst else None)
        if not embodied and gpus:  # ND H100 v5...: the host's own embodied is not published
            embodied = self.accelerator_embodied(count, acc, hours)
            if embodied:
                note = "; ".join(filter(None, (note, f"embodied: its {count:g} {acc.model} "
                                                      "only (host figure unknown)")))
        return KeyClass(
            "compute", "compute:vm_size" if inst else "compute:export_vcpus",
            "fallback" if fallback else "direct",
            instance_type=inst.instance_type if inst else None,
            vcpu_hours_per_unit=vcpus * hours, cpu_min_w=lo, cpu_max_w=hi,
            gpu_hours_per_unit=gpus * hours, gpu_min_w=gpu_lo, gpu_max_w=gpu_hi,
            memory_gb_hours_per_unit=self._extra_memory_gb(inst) * hours,
            ratio_unit=key.pricing_unit or "", note=note,
            accelerator_model=acc.model if acc and gpus else None, **embodied)

    def _stored(self, key: UsageKey, meter: str, unit: Unit) -> KeyClass:
        if unit.dimension == "per_day":  # a registry's included storage, per day
            m = REGISTRY.search(meter)
            gb = self._size(m["tier"], "container_registry_gb") if m else None
            if gb is None:
                return self.unknown(key, "unknown", "per_day_not_storage")
            return self.storage(key, "hdd" if key.service == "Storage" else "ssd",
                                "storage:registry_day",
                                tb_hours_per_unit=gb * unit.per_unit * HOURS_PER_DAY / GB_PER_TB)
        if unit.dimension == "per_month":  # managed disks: disk-months of the size
            disk = self._disk(meter)
            if disk is None:
                return self.unknown(key, "unknown", "per_month_not_a_disk")
            medium, gb = disk
            return self._gb_months(key, medium, f"storage:{medium}:disk_month", gb * unit.per_unit)
        if not contains_word(CAPACITY_METERS, meter) and self._disk(meter) is None:
            return self.unknown(key, "unknown", "gb_month_not_capacity")
        if unit.dimension == "storage_gb_hours":  # provisioned capacity per hour (GiB/Hour)
            return self.storage(key, self._medium(key, meter), "storage:gb_hour",
                                tb_hours_per_unit=unit.per_unit / GB_PER_TB)
        return self._gb_months(key, self._medium(key, meter), "storage:gb_month", unit.per_unit)

    def _medium(self, key: UsageKey, meter: str) -> str:
        """Standard storage accounts are HDD-backed, Premium ones and P/E disks SSD
        (Microsoft storage account docs); other services' stored data SSD, as CCF."""
        if key.service != "Storage":
            return "ssd"
        disk = self._disk(meter)
        if disk is not None:
            return disk[0]
        return "ssd" if "Premium" in meter or "SSD" in meter else "hdd"

    def _disk(self, meter: str) -> tuple[str, float] | None:
        """A managed disk meter (``P10 LRS Disk``): its medium and size in GB (S = HDD)."""
        m = DISK_SIZE.match(meter)
        if not m or "Disk" not in meter:
            return None
        medium = "hdd" if m["size"][0] == "S" else "ssd"
        gb = self._size(m["size"], f"{medium}_managed_disk_gb")
        return (medium, gb) if gb is not None else None

    def _gb_months(self, key: UsageKey, medium: str, rule: str, gb_months: float) -> KeyClass:
        kc = self.storage(key, medium, rule, per_gb_month=True)
        return KeyClass(**{**kc.__dict__, "storage_gb_months_per_unit": gb_months})
