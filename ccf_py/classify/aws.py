"""AWS Cost and Usage Report usage keys: CCF's CostAndUsageReports rules (``ccf``) and their
fixes (``default``)."""

from __future__ import annotations

import re
import statistics
from dataclasses import replace
from typing import Any

from ccf_py.classify.base import KeyClass, ProviderClassifier, UsageKey
from ccf_py.classify.base import contains_any as _contains_any
from ccf_py.classify.base import ends_with_any as _ends_with_any
from ccf_py.coefficients import InstanceType

USAGE_LINE_ITEM_TYPES = ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage")
HOUR_UNITS = ("Hrs", "Hours", "hours", "vCPU-Hours", "DPU-Hour", "ACU-Hr")
STORAGE_MONTH_UNITS = ("GB-Mo", "GB-Month", "GB-Mp", "GB-month")
SECOND_UNITS = ("seconds", "Second", "Lambda-GB-Second")
NETWORK_UNITS = ("GB", "GigaBytes")
# Split-cost-allocation rows repeat EC2 usage already billed on the instance: counting them
# again would double the footprint. Support is billed as a share of spend ("Dollar").
# Instance families whose value is in GPUs or accelerators (p5, g6, inf2, trn1, dl1...).
ACCELERATOR_FAMILY = re.compile(r"^(p\d|g\d|gr\d|inf\d|trn\d|dl\d|vt\d|f\d)")
GRAVITON2 = "AWS Graviton2"
# Service prefixes of instance types in usage types (CCF extractInstanceTypeFromUsageType)
CCF_TYPE_PREFIX = re.compile(r"^((db|cache|dax|dms|ml|mq|KernelGateway-ml|.+Kafka)\.)")
# AWS FOCUS exports spell pricing units their own way; CCF never read FOCUS, so both
# methodologies read them as the CUR's units
FOCUS_UNIT_SPELLINGS = {"GB-Months": "GB-Mo", "Seconds": "seconds",
                        "Lambda-GB-Seconds": "Lambda-GB-Second"}
NOT_ENERGY_USAGE = ("ECS-EC2-GB-Hours", "ECS-EC2-vCPU-Hours", "EMR-EKS-EC2-GBHours",
                    "EMR-EKS-EC2-vCPUHours", "Dollar")


class Classifier(ProviderClassifier):
    """Rules for AWS CUR usage keys, parameterised by methodology and coefficients."""

    provider = "aws"

    # ---- entry point -------------------------------------------------------------------
    def classify(self, key: UsageKey) -> KeyClass:
        if key.pricing_unit in FOCUS_UNIT_SPELLINGS:  # an AWS FOCUS export's PricingUnit
            key = replace(key, pricing_unit=FOCUS_UNIT_SPELLINGS[key.pricing_unit])
        if key.line_item_type not in USAGE_LINE_ITEM_TYPES:
            return KeyClass("non_usage", f"line_item_type:{key.line_item_type or 'empty'}",
                            "non_usage")
        ut, unit = key.usage_type or "", key.pricing_unit or ""
        hit = _contains_any(NOT_ENERGY_USAGE, ut)
        if hit:
            return KeyClass("non_usage", f"not_energy_usage:{hit}", "non_usage")
        unsupported = _contains_any(self.lists["unsupported_usage_types"], ut)
        if unsupported:  # HostBoxUsage: dedicated hosts
            return self.unknown(key, "compute", f"ccf_unsupported:{unsupported}",
                                 none=self.ccf)
        unknown = _contains_any(self.lists["unknown_usage_types"], ut)
        if unknown:  # NAT, load balancers, EKS control plane...: no physical model
            return self.unknown(key, "unknown", f"unknown_usage_type:{unknown}")
        if "Fargate-GB-Hours" in ut:  # CCF sets its unit to GB-Hours whatever it was
            return self._fargate_memory(key)
        if unit not in self.lists["known_usage_units"]:
            return self.unknown(key, "unknown", f"unknown_unit:{unit or 'empty'}")
        if key.service == "AmazonRedshift" and unit in HOUR_UNITS + ("seconds",):
            return self._redshift(key)
        if unit in HOUR_UNITS:
            return self._compute(key)
        if unit in STORAGE_MONTH_UNITS or unit == "GB-Hours":
            return self._storage(key)
        if unit in SECOND_UNITS:
            return self._lambda(key)
        if unit in NETWORK_UNITS:
            return self._network(key)
        return self.unknown(key, "unknown", f"unhandled_unit:{unit}")

    # ---- instance-type parsing (CCF CostAndUsageReportsRow semantics) -------------------
    @staticmethod
    def ccf_instance_type(usage_type: str) -> str:
        """CCF's parseInstanceTypeFromUsageType: the type its processor, memory and
        embodied lookups use (``xl`` completed to ``xlarge``; db/cache/Kafka prefixes cut)."""
        ut = usage_type + "arge" if usage_type.endswith("xl") else usage_type
        for prefix in ("db", "cache", "Kafka"):
            if prefix in ut:
                return ut.split(prefix + ".")[-1]
        return ut.split(":")[-1]

    @staticmethod
    def ccf_vcpu_type(usage_type: str) -> str:
        """The type CCF's vCPU lookup uses (extractInstanceTypeFromUsageType), taken from the
        raw usage type (no ``xl`` completion: CCF completes it only afterwards) with the
        service prefixes of SageMaker, MQ, DAX, DMS, RDS and ElastiCache cut
        (``Notebk:ml.t3.medium`` -> ``t3.medium``). MSK (``USE1-Kafka.m5.large``, also
        without a region prefix) is looked up in CCF's MSK table, whose nine types have the
        vCPUs of the EC2 types of the same name: the name after ``Kafka.``."""
        if "Kafka" in usage_type:
            return usage_type.split("Kafka")[-1].removeprefix(".")
        return CCF_TYPE_PREFIX.sub("", usage_type.split(":")[-1], count=1)

    def _instance_type(self, key: UsageKey) -> str:
        parsed = self.ccf_instance_type(key.usage_type or "")
        if self.ccf:
            return parsed
        # default: trust the CUR's product/instanceType (db.m5.large, cache.r6g.xlarge), but
        # fall back to the usage type when the column carries a suffix (m5.large.search) or
        # is missing, the usage type's own prefix cut (ml.t3.medium -> t3.medium)
        cur = CCF_TYPE_PREFIX.sub("", key.instance_type, count=1) if key.instance_type else ""
        candidates = (cur, parsed, CCF_TYPE_PREFIX.sub("", parsed, count=1))
        return next((c for c in candidates if c in self.coef.instances), cur or parsed)

    def _burstable(self, key: UsageKey, itype: str) -> InstanceType | None:
        inst = self.coef.instances.get(itype)
        if inst and inst.burstable_baseline_pct and itype in (key.usage_type or itype):
            return inst
        return None

    # ---- compute -----------------------------------------------------------------------
    def _vcpu_per_hour(self, key: UsageKey, itype: str) -> tuple[float | None, str]:
        ut = key.usage_type or ""
        if key.service == "AWSGlue":
            return self.c["glue_vcpus_per_dpu"], "glue_dpu"
        if key.service == "AmazonSimpleDB":
            return 1.0, "simpledb"
        if "Aurora:ServerlessUsage" in ut:
            return 1 / self.c["aurora_serverless_acu_per_vcpu"], "aurora_serverless_acu"
        if "Fargate-vCPU-Hours" in ut or "CPUCredits" in ut:
            return 1.0, "vcpu_hours"
        inst = self.coef.instances.get(itype)
        burst = self._burstable(key, itype)
        if burst and burst.vcpus:
            util = self.c["cpu_utilization_pct"]
            return burst.vcpus * (burst.burstable_baseline_pct or 0) / util, "burstable_baseline"
        if key.vcpu:
            return key.vcpu, "cur_product_vcpu"
        if inst and inst.vcpus:
            return inst.vcpus, "instance_table_vcpu"
        return None, "no_vcpu"

    def _compute(self, key: UsageKey) -> KeyClass:
        itype = self._instance_type(key)
        vtype = self.ccf_vcpu_type(key.usage_type or "") if self.ccf else itype
        vcpu, how = self._vcpu_per_hour(key, vtype)
        if vcpu is None:
            if self.ccf:  # CCF logs "Could not estimate compute usage" and returns 0 kWh
                return KeyClass("compute", "compute:no_vcpu", "none", instance_type=itype,
                                ratio_unit=key.pricing_unit)
            return self.unknown(key, "compute", "compute:no_vcpu", instance_type=itype)
        inst = self.coef.instances.get(itype)
        lo, hi, fallback = self.watts(inst.cpu_architectures if inst else ())
        rf = self.replication(key)
        # vCPU-based services: the usage-type tail ("perCPU", "t3") is not an instance type
        vcpu_service = how in ("glue_dpu", "simpledb", "aurora_serverless_acu", "vcpu_hours")
        shown = None if vcpu_service else itype
        gpu_h, gpu_lo, gpu_hi, acc = 0.0, 0.0, 0.0, None
        if self.ccf:  # CCF's GPU table: the ten GPUs it knows
            if inst and inst.gpu_count and inst.gpu_model in self.coef.gpu:
                gpu_h = inst.gpu_count
                gpu_lo, gpu_hi = self.coef.gpu[inst.gpu_model]
        elif shown:
            gpu_h, acc = self.instance_accelerators(
                itype, inst.gpu_count if inst else None, inst.gpu_model if inst else None)
            gpu_lo, gpu_hi = (acc.idle_w, acc.max_w) if acc else (0.0, 0.0)
        note = (f"{itype}: CPU architecture unknown, AWS average watts used"
                if fallback and shown else "")
        if shown and not gpu_h and ACCELERATOR_FAMILY.match(itype):
            # named even without a CPU fallback, so a report can list the instance types
            note += (f"{'; ' if note else f'{itype}: '}its GPUs/accelerators are not in the "
                     "coefficients and not estimated")
        embodied = {} if vcpu_service else self._embodied(itype)
        if not embodied and acc:  # p5, g6, trn1...: the host's own embodied is not published
            embodied = self.accelerator_embodied(gpu_h, acc)
            note += (f"; embodied: its {gpu_h:g} {acc.model} only (host figure unknown)")
        return KeyClass(
            "compute", f"compute:{how}", "fallback" if fallback else "direct",
            instance_type=shown, vcpu_hours_per_unit=vcpu, cpu_min_w=lo, cpu_max_w=hi,
            gpu_hours_per_unit=gpu_h, gpu_min_w=gpu_lo, gpu_max_w=gpu_hi,
            memory_gb_hours_per_unit=0.0 if vcpu_service else self._extra_memory_gb(key, itype),
            replication_factor=rf, ratio_unit=key.pricing_unit, note=note.lstrip("; "),
            accelerator_model=acc.model if acc and gpu_h else None, **embodied)

    def _extra_memory_gb(self, key: UsageKey, itype: str,
                         inst: InstanceType | None = None) -> float:
        """GB of memory beyond what the SPECpower reference server has, per instance-hour
        (CCF MemoryEstimator; burstable types excluded)."""
        inst = inst or self.coef.instances.get(itype)
        if not inst or not inst.memory_gb or not inst.family_largest_memory_gb:
            return 0.0
        if self._burstable(key, itype) or (inst.burstable_baseline_pct and not self.ccf):
            return 0.0
        per_chip = [gb for a in inst.cpu_architectures
                    if a in self.coef.cpu and a != "*" and (gb := self.coef.cpu[a][2]) is not None]
        gb_per_chip = statistics.fmean(per_chip) if per_chip else self.coef.cpu["*"][2]
        largest_vcpu = inst.family_largest_vcpus or 0.0
        chips = 2 if inst.family in ("m5zn", "z1d") else max(
            1, -(-largest_vcpu // self.c["vcpus_per_physical_chip"]))
        delta = inst.family_largest_memory_gb / chips - (gb_per_chip or 0.0)
        if delta <= 0:
            return 0.0
        return delta * inst.memory_gb / inst.family_largest_memory_gb

    def _embodied(self, itype: str, inst: InstanceType | None = None) -> dict[str, Any]:
        """Inputs of SCI's M = TE x (TiR / EL) x (RR / TotR) per unit of usage (hours).

        CCF sets TiR = hours / instance vCPUs (quirk Q2, issue #1379), so its embodied is a
        factor vCPU lower; ``ccf`` keeps that, ``default`` uses the hours. CCF's TotR for
        burstable types is the t-family's largest size (8 vCPU), which is not a host (Q11);
        ``default`` uses at least a 96-vCPU host.
        """
        parts = itype.split(".")
        if inst is None and len(parts) >= 2:
            inst = self.coef.instances.get(f"{parts[-2]}.{parts[-1]}")
        if not inst or not inst.embodied_kg or not inst.vcpus or not inst.family_largest_vcpus:
            return {}
        host = inst.family_largest_vcpus
        if inst.burstable_baseline_pct and not self.ccf:
            host = max(host, self.c["vcpus_per_physical_chip"])
        return {"embodied_te_kg": inst.embodied_kg,
                "embodied_time_per_unit": 1 / inst.vcpus if self.ccf else 1.0,
                "embodied_rr_vcpus": inst.vcpus, "embodied_totr_vcpus": host}

    def _redshift(self, key: UsageKey) -> KeyClass:
        """Redshift node hours (``Node:ra3.4xlarge``; concurrency scaling in seconds) as
        compute from the Redshift node table, as CCF's CostAndUsageReportsRow does: seconds
        are hours / 3600; vCPUs from the CUR's product/vcpu, else the node table; memory and
        embodied from the node type.

        CCF divides the table's vCPUs by 3600 as well (extractVCpuFromInstanceType), so a row
        without product/vcpu gets 1/3600 of its CPU energy; ``ccf`` keeps that,
        ``default`` does not. CCF has embodied data only for the nodes that are also in EC2's
        table (ra3.4xlarge/16xlarge, dc2, ds2); ``default`` gives ra3.xlplus its family's host.
        """
        itype = self.ccf_instance_type(key.usage_type or "")
        node = self.coef.redshift.get(itype)
        hours = 1 / 3600 if key.pricing_unit == "seconds" else 1.0
        unit = "Hrs"  # CCF turns Redshift seconds into hours, for the ratios as well
        if key.vcpu:
            vcpu, how = key.vcpu, "cur_product_vcpu"
        elif node and node.vcpus:
            vcpu, how = node.vcpus / (3600 if self.ccf else 1), "redshift_node_table"
        else:
            if self.ccf:  # CCF: NaN compute, "Could not estimate compute usage", 0 kWh
                return KeyClass("compute", "redshift:no_vcpu", "none", instance_type=itype,
                                ratio_unit=unit)
            return KeyClass("compute", "redshift:no_vcpu", "from_cost", instance_type=itype,
                            ratio_unit=unit)
        lo, hi, fallback = self.watts(node.cpu_architectures if node else ())
        embodied = self._embodied(itype, node) if node else {}
        if not embodied and node and not self.ccf:
            embodied = self._family_embodied(node)
        if embodied:
            embodied["embodied_time_per_unit"] *= hours
        note = f"Redshift {itype}: CPU architecture unknown, AWS average watts used"
        if how == "redshift_node_table" and self.ccf:
            note += "; CCF divides the node table's vCPUs by 3600"
        return KeyClass(
            "compute", f"redshift:{how}", "fallback" if fallback else "direct",
            instance_type=itype, vcpu_hours_per_unit=vcpu * hours, cpu_min_w=lo, cpu_max_w=hi,
            memory_gb_hours_per_unit=self._extra_memory_gb(key, itype, node) * hours,
            replication_factor=self.replication(key), ratio_unit=unit,
            note=note if fallback else "", **embodied)

    def _family_embodied(self, node: InstanceType) -> dict[str, Any]:
        """SCI inputs for a node type without embodied data of its own: its family's host
        (every EC2-table member of a family carries the same host embodied)."""
        kin = next((i for i in self.coef.instances.values()
                    if i.family == node.family and i.embodied_kg), None)
        if not kin or not node.vcpus or not node.family_largest_vcpus:
            return {}
        return {"embodied_te_kg": kin.embodied_kg, "embodied_time_per_unit": 1.0,
                "embodied_rr_vcpus": node.vcpus,
                "embodied_totr_vcpus": node.family_largest_vcpus}

    def _lambda(self, key: UsageKey) -> KeyClass:
        # arm64 functions run on Graviton2 (AWS Lambda docs); CCF: a usage type ending "-ARM"
        lambda_ = key.service == "AWSLambda"
        arm = lambda_ and (key.usage_type or "").endswith("-ARM")
        # CCF: another service billed in seconds gets its instance type's processors
        inst = None if lambda_ else self.coef.instances.get(
            self.ccf_instance_type(key.usage_type or ""))
        lo, hi, _ = self.watts((GRAVITON2,) if arm else
                                inst.cpu_architectures if inst else ())
        if self.ccf:  # CCF: seconds / 3600 as vCPU-hours, whatever the memory size
            vcpu = 1 / 3600
        else:         # 1,769 MB of configured memory buys one vCPU (AWS Lambda docs)
            per_gb = 1 / self.c["lambda_gb_per_vcpu"] if "GB-Second" in key.pricing_unit else 1
            vcpu = per_gb / 3600
        # CCF's seconds path never adds its kWh to the unknown-usage totals (unlike every
        # other estimate), so in ``ccf`` Lambda teaches no ratio
        return KeyClass("compute", "compute:lambda_seconds", "fallback",
                        instance_type=None, vcpu_hours_per_unit=vcpu, cpu_min_w=lo,
                        cpu_max_w=hi, replication_factor=self.replication(key),
                        ratio_unit=key.pricing_unit, feeds_ratio=not self.ccf,
                        note="serverless arm64: Graviton2 watts per vCPU" if arm else
                        "serverless: AWS average watts per vCPU" if lambda_ or not inst else
                        f"{key.usage_type}: billed in seconds, as vCPU-seconds")

    def _fargate_memory(self, key: UsageKey) -> KeyClass:
        if self.ccf:  # quirk Q14: CCF costs Fargate memory GB-hours as SSD storage
            return KeyClass("storage", "storage:fargate_gb_hours_as_ssd", "direct",
                            storage_tb_hours_per_unit=1 / 1000,
                            storage_wh_per_tb_hour=self.c["ssd_wh_per_tb_hour"],
                            replication_factor=self.replication(key), ratio_unit="GB-Hours")
        return KeyClass("memory", "memory:fargate_gb_hours", "direct",
                        memory_gb_hours_per_unit=1.0, replication_factor=1.0,
                        ratio_unit="GB-Hours")

    # ---- storage -----------------------------------------------------------------------
    def _medium(self, key: UsageKey) -> tuple[str | None, str]:
        ut = key.usage_type or ""
        hit = _ends_with_any(self.lists["ssd_usage_types"], ut)
        if hit:
            return "ssd", hit
        if _ends_with_any(self.lists["ssd_services"], key.service or "") and "Backup" not in ut:
            return "ssd", f"service:{key.service}"
        hit = _ends_with_any(self.lists["hdd_usage_types"], ut)
        if hit:
            return "hdd", hit
        return None, ""

    def _storage(self, key: UsageKey) -> KeyClass:
        medium, hit = self._medium(key)
        rule = f"storage:{medium}:{hit}"
        if medium is None:
            # default: a storage class CCF's lists lack (Glacier Instant Retrieval,
            # Intelligent-Tiering archive tiers, EBS snapshot archive) still has its physics
            sc = self.storage_class(key, None)
            if sc is None or sc.fallback:
                rule = "storage:unknown_medium"
                if self.ccf:  # CCF warns and gives no estimate
                    return KeyClass("storage", rule, "none", ratio_unit=key.pricing_unit)
                return self.unknown(key, "storage", rule)
            rule = f"storage:class:{sc.class_id}"
        if key.pricing_unit == "GB-Hours":
            return self.storage(key, medium, rule, tb_hours_per_unit=1 / 1000)
        # CUR *ByteHrs rows are priced in GB-Mo; CCF divides them by 2^40 as if they were
        # byte-hours (issue #1029, quirk Q3). Both methodologies use the GB-Mo amount.
        return self.storage(key, medium, rule, per_gb_month=True)

    # ---- network -----------------------------------------------------------------------
    def _network(self, key: UsageKey) -> KeyClass:
        ut = key.usage_type or ""
        hit = _ends_with_any(self.lists["networking_usage_types"], ut)
        cloudfront = key.service == "AmazonCloudFront"
        if hit and not (cloudfront and self.ccf):
            return KeyClass("network", f"network:{hit}", "direct", network_gb_per_unit=1.0,
                            ratio_unit=key.pricing_unit)
        if self.ccf:  # CCF: CloudFront and non-egress transfer give no estimate (Q12)
            return KeyClass("network", "network:not_counted_by_ccf", "none",
                            ratio_unit=key.pricing_unit)
        if "Bytes" in ut:  # any other metered transfer (in, inter-AZ, ...) still moves data
            return KeyClass("network", "network:bytes", "direct", network_gb_per_unit=1.0,
                            ratio_unit=key.pricing_unit)
        return self.unknown(key, "network", "network:not_transfer")
