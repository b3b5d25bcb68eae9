"""Google Cloud billing export usage keys: CCF's BillingExportTable rules (``ccf``) and their
fixes (``default``).

A key is (service description, SKU description, ``usage.unit``, machine type from the
``compute.googleapis.com/machine_spec`` system label, vCPUs from ``…/cores``). Amounts are in
GCP's own units: vCPU- or GPU-seconds, byte-seconds, bytes. CCF's word lists match whole
words (its ``containsAny`` is a ``\\b…\\b`` regex); ``usage_lists.csv`` (provider gcp) holds them.

What ``default`` changes (README, "Methodology"; ``../shared/docs/ccf-methodology.md`` §14.1):

* processors from the machine family (``n2d-…`` → AMD EPYC 2nd Gen), not the SKU's first two
  letters (Q18);
* the GPU model named inside the SKU (``Nvidia Tesla T4`` is a T4), and a GPU without power
  data is estimated from cost with a note instead of at a six-GPU mean (Q19);
* a VM's embodied emissions once, on its core line, not again on its GPU line (Q20);
  custom machine types (``n2-custom-8-32768``) get their family's embodied (Q21);
* replication factors on stored bytes only, not on compute (Q22);
* SSD-backed media that CCF files as HDD (balanced and extreme PD, Hyperdisk, Cloud SQL
  storage) at the SSD coefficient (Q23);
* unknown usage priced from cost like every provider (CCF: per unit of usage amount, Q26);
  a Support subscription and committed-use fees (``Commitment v1: …``) are not usage
  (``non_usage``, as AWS Support; the committed usage is billed on its own lines);
  usage in units CCF's query drops (e.g. ``count``) estimated from cost instead of ignored;
* SKU and service words matched whatever their case (CCF matches case-sensitively, so
  Google's lower-case ``commitment v1: cpu in americas …`` is neither a commitment nor a CPU);
* usage billed in pricing units (``hour``, ``gibibyte hour``, ``gibibyte month``,
  ``gibibyte``: older exports and FOCUS files) converted to the units CCF's rules read
  (``coefficients/unit_conversions.csv``) and estimated as those, not from cost.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from ccf_py.classify.base import KeyClass, ProviderClassifier, UsageKey, contains_word
from ccf_py.coefficients import Accelerator, InstanceType

# the units CCF's BigQuery query keeps (BillingExportTable.getUsage)
CCF_QUERY_UNITS = ("byte-seconds", "seconds", "bytes", "requests")
BYTES_PER_GIB = 2 ** 30
BYTES_PER_TIB = 2 ** 40
# default: SSD-backed media whose SKU does not say "SSD" (Google Cloud disk and Cloud SQL docs)
SSD_MEDIA = ("SSD", "Balanced PD", "Extreme PD", "Hyperdisk")
GPU_ALIASES = {"Tesla T4": "Nvidia T4"}
# default: accelerator-hours per unit of a per-accelerator SKU's usage (a SKU billed in hours
# arrives here as seconds, unit_conversions.csv)
ACCELERATOR_UNITS = {"seconds": 1 / 3600}
# default: services billed as a support contract, not as usage of machines (CCF: unknown)
NOT_ENERGY_SERVICES = ("support",)
# custom machine types: n2-custom-8-32768; N1's are written without the family (custom-8-32768)
CUSTOM_TYPE = re.compile(r"^(?:(?P<family>[a-z0-9]+)-)?custom-(?P<vcpus>\d+)-\d+(-ext)?$")
# KeyClass quantities per unit of usage amount: scaled when a billed unit is converted
PER_UNIT = ("vcpu_hours_per_unit", "gpu_hours_per_unit", "memory_gb_hours_per_unit",
            "storage_tb_hours_per_unit", "network_gb_per_unit", "embodied_time_per_unit")



class GcpClassifier(ProviderClassifier):
    """Rules for Google Cloud billing export keys, parameterised by methodology."""

    provider = "gcp"

    def classify(self, key: UsageKey) -> KeyClass:
        unit = (key.pricing_unit or "").strip().lower()
        if not self.ccf and (conv := self.coef.unit_conversions.get(unit)):
            return self._converted(key, *conv)
        return self._classify(key)

    def _converted(self, key: UsageKey, base: str, per_unit: float) -> KeyClass:
        """``default``: a line billed in a pricing unit (``hour``, ``gibibyte month``) read as
        ``per_unit`` of the unit CCF's rules know (seconds, byte-seconds, bytes)."""
        kc = self._classify(replace(key, pricing_unit=base))
        if kc.usage_class == "non_usage":
            return kc
        scaled = {f: getattr(kc, f) * per_unit for f in PER_UNIT}
        return replace(kc, rule_id=f"{kc.rule_id}@{key.pricing_unit}", **scaled)

    def _has(self, name: str, text: str) -> str | None:
        """The first word of list ``name`` in ``text``: case-sensitive in ``ccf`` (CCF's
        regex), any case in ``default`` (Google writes 'commitment v1: cpu …' too)."""
        return contains_word(self.lists[name], text, ignore_case=not self.ccf)

    def _in(self, part: str, text: str) -> bool:
        """``part`` in ``text``: CCF's case-sensitive ``includes``; any case in default."""
        return part in text if self.ccf else part.lower() in text.lower()

    def replication(self, key: UsageKey) -> float:
        """As the base rule (CCF's case-sensitive ``includes``); ``default``: any case
        ('regional pd capacity' is a regional disk too)."""
        if self.ccf:
            return super().replication(key)
        svc, ut = (key.service or "").lower(), (key.usage_type or "").lower()
        for service, contains, _prio, _rf_ccf, rf_default in self.coef.replication:
            if service.lower() == svc and all(p.lower() in ut for p in contains.split("&")):
                return rf_default
        return 1.0

    def _classify(self, key: UsageKey) -> KeyClass:
        if key.line_item_type != "Usage":  # tax, credits, adjustments, rounding
            return KeyClass("non_usage", f"charge_category:{key.line_item_type or 'empty'}",
                            "non_usage")
        ut, unit, svc = key.usage_type or "", key.pricing_unit or "", key.service or ""
        if self.ccf and unit not in CCF_QUERY_UNITS:  # CCF's query never reads the line
            return KeyClass("unknown", f"ccf_query_drops_unit:{unit or 'empty'}", "none",
                            ratio_unit=unit)
        if hit := self._has("unsupported_usage_types", ut):
            return self.unknown(key, "unknown", f"ccf_unsupported:{hit}", none=self.ccf)
        if self.ccf and contains_word(self.lists["unit_unknown_services"], svc):
            # CCF sets these services' unit to 'Unknown': no known row shares it, 0 kWh
            return KeyClass("unknown", f"ccf_unit_unknown_service:{svc}", "from_cost",
                            ratio_unit="Unknown", ratio_amount_per_unit=1.0)
        if not self.ccf and ut.lower().startswith("commitment"):
            # a committed-use fee ('Commitment v1: Nvidia Tesla A100 GPU in Americas for 1
            # Year'): the usage it pays for is billed on its own lines
            return KeyClass("non_usage", "commitment_fee", "non_usage")
        if not self.ccf and unit in ACCELERATOR_UNITS and (
                acc := self.coef.sku_accelerator(ut)):  # GPU and TPU SKUs (Cloud TPU too)
            return self._accelerator_sku(key, acc)
        if not self.ccf and svc.lower() in NOT_ENERGY_SERVICES:  # as AWS: a share of spend
            return KeyClass("non_usage", f"not_energy_service:{svc}", "non_usage")
        if rule := self._unknown_rule(ut, unit, svc):
            return self._unknown_usage(key, rule)
        if unit == "seconds":
            if self._has("compute_usage_types", ut):
                return self._compute(key)
            return self._unknown_usage(key, "seconds_not_compute")
        if unit == "byte-seconds":
            if (self._has("memory_usage_types", ut)
                    and not self._has("compute_usage_types", ut)):
                return self._amount(self.memory(key, "memory:byte_seconds",
                                                1 / BYTES_PER_GIB / 3600))
            return self._storage(key)
        if unit == "bytes":
            if hit := self._has("networking_usage_types", ut):
                return self._amount(self.network(key, f"network:{hit}", 1 / BYTES_PER_GIB))
            return self._unknown_usage(key, "bytes_not_egress")
        # ccf returned above (CCF warns "Unsupported Usage unit"); other units from cost
        return self._unknown_usage(key, f"unhandled_unit:{unit or 'empty'}")

    # ---- helpers -----------------------------------------------------------------------
    def _amount(self, kc: KeyClass, per_unit: float = 1.0) -> KeyClass:
        """In ``ccf``, the key's ratios are per unit of usage amount (CCF's GCP method)."""
        if not self.ccf or not self.c["ccf_unknown_ratio_by_usage_amount"]:
            return kc
        return KeyClass(**{**kc.__dict__, "ratio_amount_per_unit": per_unit})

    def _unknown_rule(self, ut: str, unit: str, svc: str) -> str | None:
        if hit := self._has("unknown_usage_types", ut):
            return f"unknown_usage_type:{hit}"
        if hit := self._has("unknown_service_types", svc):
            return f"unknown_service:{hit}"
        if hit := self._has("unknown_usage_units", unit):
            return f"unknown_unit:{hit}"
        return None if ut else "empty_sku"

    def _unknown_usage(self, key: UsageKey, rule: str) -> KeyClass:
        # CCF: Pod mCPU request amounts are millicores (÷ 1000) for its per-amount ratio
        per_unit = 1 / 1000 if "Pod mCPU Requests" in (key.usage_type or "") else 1.0
        return self._amount(self.unknown(key, "unknown", rule), per_unit)

    # ---- compute -----------------------------------------------------------------------
    def _vcpus_per_second(self, ut: str) -> tuple[float, str]:
        """vCPUs per billed second: GKE cluster and Cloud Composer environment SKUs bill the
        cluster, which CCF counts as a fixed number of e2-medium vCPUs."""
        if any(self._in(v, ut) for v in self.lists["composer_compute_usage_types"]):
            return self.c["composer_vcpus_per_environment"], "composer_environment"
        if any(self._in(v, ut) for v in self.lists["kubernetes_compute_usage_types"]):
            return self.c["gke_vcpus_per_cluster"], "gke_cluster"
        return 1.0, "vcpu_seconds"

    def _compute(self, key: UsageKey) -> KeyClass:
        ut = key.usage_type or ""
        if self._in("GPU", ut):
            return self._gpu(key)
        vcpus, how = self._vcpus_per_second(ut)
        managed = how != "vcpu_seconds"
        machine = "e2-medium" if managed else key.instance_type
        lo, hi, fallback = self.watts(self._processors(ut, machine, managed))
        note = ""
        if fallback and not managed:
            note = f"{ut}: processor unknown, GCP median watts used"
        rf = self.replication(key) if self.ccf else 1.0
        return self._amount(KeyClass(
            "compute", f"compute:{how}", "fallback" if fallback else "direct",
            instance_type=key.instance_type, vcpu_hours_per_unit=vcpus / 3600, cpu_min_w=lo,
            cpu_max_w=hi, replication_factor=rf, ratio_unit=key.pricing_unit, note=note,
            **self._embodied(key, machine, vcpus, managed)))

    def _processors(self, ut: str, machine: str | None, managed: bool) -> tuple[str, ...]:
        shared = machine and next((s for s in self.lists["shared_core_machine_types"]
                                   if s in machine), None)
        if self.ccf:  # quirk Q18: shared-core names, else the SKU's first two letters
            if shared:
                return ()
            return self._family_processors(ut[:2].lower())
        if managed:
            return ()  # GKE / Composer control planes: hardware not published
        family = (machine or "").split("-")[0] or ut.split(" ")[0].lower()
        if family == "custom":  # N1 custom types carry no family prefix
            family = "n1"
        return self._family_processors(family)

    def _family_processors(self, prefix: str) -> tuple[str, ...]:
        """Processors of the machine family named by ``prefix`` (``n2d``, ``e2``...)."""
        inst = next((i for i in self.coef.instances.values()
                     if i.instance_type.split("-")[0] == prefix and i.cpu_architectures),
                    None)
        return inst.cpu_architectures if inst else ()

    def _machine(self, machine: str | None) -> InstanceType | None:
        return self.coef.instances.get(machine or "")

    def _embodied(self, key: UsageKey, machine: str | None, vcpus_per_second: float,
                  managed: bool) -> dict[str, Any]:
        """SCI inputs for a core line. CCF: machine-table vCPUs, TiR = vCPU-seconds / vCPUs /
        3600 (instance-hours), TotR = the family's largest (e2-medium of a 32-vCPU e2 host
        for GKE / Composer, with CCF's halving: seconds / 2). ``default``: the same for VMs,
        custom types by their family, and a cluster-hour reserving the cluster's vCPUs."""
        inst = self._machine(machine)
        if inst is None and not self.ccf and machine:
            inst = self._custom(machine)
        if not inst or not inst.embodied_kg or not inst.vcpus or not inst.family_largest_vcpus:
            return {}
        if managed and not self.ccf:
            return self.sci_embodied(inst.embodied_kg, 1 / 3600, vcpus_per_second,
                                     inst.family_largest_vcpus)
        return self.sci_embodied(inst.embodied_kg, 1 / inst.vcpus / 3600, inst.vcpus,
                                 inst.family_largest_vcpus)

    def _custom(self, machine: str) -> InstanceType | None:
        """``n2-custom-8-32768``: 8 vCPUs on an n2 host (the family's standard embodied)."""
        m = CUSTOM_TYPE.match(machine)
        if not m:
            return None
        kin = next((i for i in self.coef.instances.values()
                    if i.family == f"{m['family'] or 'n1'}-standard" and i.embodied_kg), None)
        if not kin:
            return None
        return InstanceType(machine, kin.family, float(m["vcpus"]), None, kin.embodied_kg,
                            kin.cpu_architectures, None, None, None,
                            kin.family_largest_vcpus, None)

    def _gpu(self, key: UsageKey) -> KeyClass:
        ut = key.usage_type or ""
        models = self._gpu_models(ut)
        if not models:  # default only: no power data for this GPU
            return self.unknown(key, "compute", "gpu:no_power_data",
                                note=f"{ut}: no power data for this GPU; estimated from cost")
        lo = sum(self.coef.gpu[m][0] for m in models) / len(models)
        hi = sum(self.coef.gpu[m][1] for m in models) / len(models)
        embodied = self._embodied(key, key.instance_type, 1.0, False) if self.ccf else {}
        note = ("GPU model not recognised: mean of CCF's six GCP GPUs"
                if self.ccf and len(models) > 1 else "")
        return self._amount(KeyClass(
            "compute", "compute:gpu_seconds", "direct", instance_type=key.instance_type,
            gpu_hours_per_unit=1 / 3600, gpu_min_w=lo, gpu_max_w=hi,
            replication_factor=self.replication(key) if self.ccf else 1.0,
            ratio_unit=key.pricing_unit, note=note, **embodied))

    def _accelerator_sku(self, key: UsageKey, acc: Accelerator) -> KeyClass:
        """``default``: a GPU or TPU billed per accelerator (accelerator_skus.csv) at its own
        watts. Embodied: the machine's core line carries the host's, which for the families
        CCF's table has GPUs for (a2) includes them; otherwise (N1 + attached GPUs, a3, g2,
        TPUs) the accelerator's own embodied counts here."""
        per_hour = ACCELERATOR_UNITS[key.pricing_unit or ""]
        host = self._machine(key.instance_type)
        embodied = ({} if host and host.gpu_count and host.embodied_kg
                    else self.accelerator_embodied(1.0, acc, per_hour))
        return KeyClass("compute", "compute:accelerator_sku", "direct",
                        instance_type=key.instance_type, gpu_hours_per_unit=per_hour,
                        gpu_min_w=acc.idle_w, gpu_max_w=acc.max_w, accelerator_model=acc.model,
                        ratio_unit=key.pricing_unit or "", **embodied)

    def _gpu_models(self, ut: str) -> tuple[str, ...]:
        known = self.lists["gpu_models"]
        if self.ccf:  # quirk Q19: names the SKU starts with, else all six
            return tuple(m for m in known if ut.startswith(m)) or known
        for alias, model in GPU_ALIASES.items():
            if self._in(alias, ut):
                return (model,)
        # "Nvidia Tesla A100 80GB GPU running in…" -> the model whose name is in the SKU
        hit = [m for m in self.coef.gpu if self._in(m, ut)]
        return (max(hit, key=len),) if hit else ()

    # ---- storage -----------------------------------------------------------------------
    def _storage(self, key: UsageKey) -> KeyClass:
        ut = key.usage_type or ""
        if self.ccf:  # quirk Q23: only "SSD" in the SKU means SSD
            medium = "ssd" if "SSD" in ut else "hdd"
        else:
            # Cloud SQL: 'Standard storage' is SSD, 'Low cost storage' HDD (Cloud SQL docs)
            ssd = any(self._in(m, ut) for m in SSD_MEDIA) or (
                (key.service or "").lower() == "cloud sql" and self._in("Standard storage", ut))
            medium = "ssd" if ssd else "hdd"
        return self._amount(self.storage(key, medium, f"storage:{medium}:byte_seconds",
                                         tb_hours_per_unit=1 / BYTES_PER_TIB / 3600))
