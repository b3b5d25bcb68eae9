"""Deterministic demo and benchmark data: a synthetic legacy AWS Cost and Usage Report (CUR).

Why this module exists
----------------------
ccf_py turns cloud bills into energy and CO2e estimates, but real bills cannot be shipped with the
package, put in a README, or handed to a new user who just wants to see a report. This module
makes a bill that *looks and parses like a real one* without containing anyone's data:

* :func:`generate_demo_cur` writes one month of a legacy CUR (``.csv.gz``, daily granularity)
  for a made-up company with two linked accounts. It covers the usage types the CCF methodology
  classifies (EC2 ``BoxUsage`` hours incl. burstable, GPU, Spot and an instance type that CCF's
  tables lack; EBS/S3/RDS storage in ``GB-Mo``; data transfer in ``GB``; Lambda GB-seconds;
  Fargate; EKS/NAT gateway "unknown" rows; CloudWatch ``Metrics``) and the non-usage line items a
  real bill carries (Tax, Credit, Refund, Fee, RIFee, Savings Plan fee/negation, RI- and
  SP-covered usage), with realistic signs, prices, region prefixes and resource ids. Output is
  byte-for-byte reproducible for a given month and seed, so it can be committed and tested.
  Numbers are printed like a real CUR (Java ``Double.toString`` style), so values below 1e-3
  appear in scientific notation (``1.66667E-5``), exactly as in real exports.
* :func:`generate_synthetic_cur_sql` returns a single DuckDB ``COPY`` statement that writes a
  large synthetic CUR (10 million rows in seconds) with the same header, for benchmarks.

Only the standard library is used, so the generator works anywhere the package is installed.
Run ``python -m ccf_py.demo_data OUT.csv.gz [--month YYYY-MM] [--rows-scale N]``.
"""

from __future__ import annotations

import argparse
import base64
import calendar
import csv
import datetime as dt
import functools
import gzip
import hashlib
import io
import pathlib
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "CUR_HEADER",
    "LINE_ITEM_TYPES",
    "generate_demo_cur",
    "generate_synthetic_cur_sql",
    "main",
]

# ---------------------------------------------------------------------------------------------
# Header (legacy CUR names). Order follows real exports: identity, bill, lineItem in AWS order,
# then product/ProductName followed by the other product/* columns sorted, pricing, reservation,
# savingsPlan and resourceTags columns sorted.
# ---------------------------------------------------------------------------------------------

_LINE_ITEM_COLUMNS = [
    "lineItem/UsageAccountId",
    "lineItem/LineItemType",
    "lineItem/UsageStartDate",
    "lineItem/UsageEndDate",
    "lineItem/ProductCode",
    "lineItem/UsageType",
    "lineItem/Operation",
    "lineItem/AvailabilityZone",
    "lineItem/ResourceId",
    "lineItem/UsageAmount",
    "lineItem/NormalizationFactor",
    "lineItem/NormalizedUsageAmount",
    "lineItem/CurrencyCode",
    "lineItem/UnblendedRate",
    "lineItem/UnblendedCost",
    "lineItem/BlendedRate",
    "lineItem/BlendedCost",
    "lineItem/LineItemDescription",
    "lineItem/TaxType",
    "lineItem/LegalEntity",
]
_PRODUCT_COLUMNS = ["product/ProductName"] + sorted(
    "product/" + name
    for name in (
        "fromLocation",
        "instanceFamily",
        "instanceType",
        "location",
        "locationType",
        "memory",
        "operatingSystem",
        "operation",
        "physicalProcessor",
        "productFamily",
        "region",
        "regionCode",
        "servicecode",
        "sku",
        "storageClass",
        "tenancy",
        "toLocation",
        "transferType",
        "usagetype",
        "vcpu",
        "volumeApiName",
        "volumeType",
    )
)
CUR_HEADER: tuple[str, ...] = tuple(
    [
        "identity/LineItemId",
        "identity/TimeInterval",
        "bill/InvoiceId",
        "bill/InvoicingEntity",
        "bill/BillingEntity",
        "bill/BillType",
        "bill/PayerAccountId",
        "bill/BillingPeriodStartDate",
        "bill/BillingPeriodEndDate",
    ]
    + _LINE_ITEM_COLUMNS
    + _PRODUCT_COLUMNS
    + [
        "pricing/currency",
        "pricing/publicOnDemandCost",
        "pricing/publicOnDemandRate",
        "pricing/term",
        "pricing/unit",
        "reservation/EffectiveCost",
        "reservation/ReservationARN",
        "savingsPlan/SavingsPlanARN",
        "savingsPlan/SavingsPlanEffectiveCost",
        "savingsPlan/SavingsPlanRate",
        "resourceTags/user:env",
        "resourceTags/user:team",
    ]
)

#: Every lineItem/LineItemType value the demo file contains.
LINE_ITEM_TYPES: tuple[str, ...] = (
    "Usage",
    "DiscountedUsage",
    "SavingsPlanCoveredUsage",
    "SavingsPlanNegation",
    "SavingsPlanRecurringFee",
    "RIFee",
    "Fee",
    "Tax",
    "Credit",
    "Refund",
)

PAYER_ACCOUNT = "999999999999"
PROD_ACCOUNT = "111111111111"
STAGING_ACCOUNT = "222222222222"
_ENV_OF_ACCOUNT = {PROD_ACCOUNT: "prod", STAGING_ACCOUNT: "staging"}
_LEGAL_ENTITY = "Amazon Web Services, Inc."
_TAX_RATE = Decimal("0.0625")
_TEN_DP = Decimal("1E-10")
_CENT = Decimal("0.01")


# ---------------------------------------------------------------------------------------------
# Catalog: regions, instance types, prices (approximate public on-demand Linux prices).
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Region:
    code: str
    prefix: str  # usage-type prefix; "" for us-east-1 (most services)
    short: str  # code used in inter-region transfer usage types and always-prefixed services
    location: str
    price_factor: Decimal


_REGIONS: dict[str, _Region] = {
    "us-east-1": _Region("us-east-1", "", "USE1", "US East (N. Virginia)", Decimal("1")),
    "eu-west-1": _Region("eu-west-1", "EU-", "EU", "EU (Ireland)", Decimal("1.11")),
    "eu-north-1": _Region("eu-north-1", "EUN1-", "EUN1", "EU (Stockholm)", Decimal("1.06")),
    "us-west-2": _Region("us-west-2", "USW2-", "USW2", "US West (Oregon)", Decimal("1")),
}


@dataclass(frozen=True)
class _InstanceType:
    vcpu: int
    memory_gib: str
    price: Decimal  # us-east-1 on-demand Linux, USD per hour
    family: str
    processor: str


_INSTANCE_TYPES: dict[str, _InstanceType] = {
    "m5.large": _InstanceType(
        2, "8", Decimal("0.096"), "General purpose", "Intel Xeon Platinum 8175"
    ),
    "m5.xlarge": _InstanceType(
        4, "16", Decimal("0.192"), "General purpose", "Intel Xeon Platinum 8175"
    ),
    "c5.xlarge": _InstanceType(
        4, "8", Decimal("0.17"), "Compute optimized", "Intel Xeon Platinum 8124M"
    ),
    "c5.2xlarge": _InstanceType(
        8, "16", Decimal("0.34"), "Compute optimized", "Intel Xeon Platinum 8124M"
    ),
    "r5.xlarge": _InstanceType(
        4, "32", Decimal("0.252"), "Memory optimized", "Intel Xeon Platinum 8175"
    ),
    "m6g.large": _InstanceType(
        2, "8", Decimal("0.077"), "General purpose", "AWS Graviton2 Processor"
    ),
    "t3.medium": _InstanceType(
        2, "4", Decimal("0.0416"), "General purpose", "Intel Skylake E5 2686 v5"
    ),
    "t3.large": _InstanceType(
        2, "8", Decimal("0.0832"), "General purpose", "Intel Skylake E5 2686 v5"
    ),
    "p3.2xlarge": _InstanceType(
        8, "61", Decimal("3.06"), "GPU instance", "Intel Xeon E5-2686 v4 (Broadwell)"
    ),
    "g5.xlarge": _InstanceType(4, "16", Decimal("1.006"), "GPU instance", "AMD EPYC 7R32"),
    # Not in CCF's AWS instance tables: exercises the "unknown instance type" fallback.
    "m7i.large": _InstanceType(
        2, "8", Decimal("0.1008"), "General purpose", "Intel Xeon Sapphire Rapids"
    ),
    "db.m5.large": _InstanceType(
        2, "8", Decimal("0.171"), "General purpose", "Intel Xeon Platinum 8175"
    ),
    "db.r5.large": _InstanceType(
        2, "16", Decimal("0.25"), "Memory optimized", "Intel Xeon Platinum 8175"
    ),
}

_NORMALIZATION_FACTOR = {"medium": "2", "large": "4", "xlarge": "8", "2xlarge": "16"}

# (usage-type suffix, operation, volumeApiName, volumeType, usd per GB-Mo in us-east-1)
_EBS_KINDS: dict[str, tuple[str, str, str, str, Decimal]] = {
    "gp3": ("EBS:VolumeUsage.gp3", "CreateVolume-Gp3", "gp3", "General Purpose", Decimal("0.08")),
    "gp2": ("EBS:VolumeUsage.gp2", "CreateVolume-Gp2", "gp2", "General Purpose", Decimal("0.10")),
    "st1": (
        "EBS:VolumeUsage.st1",
        "CreateVolume-St1",
        "st1",
        "Throughput Optimized HDD",
        Decimal("0.045"),
    ),
}

# (usage-type suffix, operation, storageClass, volumeType, usd per GB-Mo)
_S3_CLASSES: dict[str, tuple[str, str, str, str, Decimal]] = {
    "standard": (
        "TimedStorage-ByteHrs",
        "StandardStorage",
        "General Purpose",
        "Standard",
        Decimal("0.023"),
    ),
    "glacier": (
        "TimedStorage-GlacierByteHrs",
        "GlacierStorage",
        "Archive",
        "Amazon Glacier",
        Decimal("0.0036"),
    ),
    "deep_archive": (
        "TimedStorage-GDA-ByteHrs",
        "DeepArchiveStorage",
        "Archive",
        "Glacier Deep Archive",
        Decimal("0.00099"),
    ),
}

_PRODUCT_NAMES = {
    "AmazonEC2": "Amazon Elastic Compute Cloud",
    "AmazonS3": "Amazon Simple Storage Service",
    "AmazonRDS": "Amazon Relational Database Service",
    "AWSLambda": "AWS Lambda",
    "AmazonEKS": "Amazon Elastic Container Service for Kubernetes",
    "AmazonECS": "Amazon Elastic Container Service",
    "AmazonCloudWatch": "AmazonCloudWatch",
    "AmazonCloudFront": "Amazon CloudFront",
    "AWSDataTransfer": "AWS Data Transfer",
    "AWSSupportBusiness": "AWS Support (Business)",
    "ComputeSavingsPlans": "Compute Savings Plans",
}

_TEAMS = ("payments", "search", "data", "platform")


# ---------------------------------------------------------------------------------------------
# Formatting helpers
# ---------------------------------------------------------------------------------------------


def _dec(value: float, places: int = 6) -> Decimal:
    """A float drawn from the RNG as a Decimal with a fixed number of decimals."""
    return Decimal(f"{value:.{places}f}")


def _fmt(value: Decimal) -> str:
    """Format a number the way CUR CSV exports do (Java ``Double.toString``), max 10 decimals.

    Plain notation for 1e-3 <= |x| < 1e7 (always with a fractional part: ``24.0``), computerized
    scientific notation otherwise (``1.66667E-5``). Zero is ``0.0``.
    """
    q = value.quantize(_TEN_DP, rounding=ROUND_HALF_UP)
    if q == 0:
        return "0.0"
    mag = abs(q)
    if Decimal("0.001") <= mag < Decimal("1E7"):
        text = format(q.normalize(), "f")
        return text if "." in text else text + ".0"
    sign, digits, _ = q.normalize().as_tuple()
    mantissa = "".join(str(d) for d in digits)
    head, tail = mantissa[0], mantissa[1:] or "0"
    return f"{'-' if sign else ''}{head}.{tail}E{q.adjusted()}"


def _plain(value: Decimal) -> str:
    """Price as written in line-item descriptions: ``0.096``, ``0.00099``."""
    return format(value.normalize(), "f")


def _ts(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


@functools.lru_cache(maxsize=4096)
def _sku(*parts: str) -> str:
    digest = hashlib.sha1("|".join(parts).encode()).digest()
    return base64.b32encode(digest).decode()[:16]


def _usage_type(region: str, base: str) -> str:
    return _REGIONS[region].prefix + base


def _usage_type_always_prefixed(region: str, base: str) -> str:
    """EKS and Fargate usage types carry a region code even in us-east-1 (``USE1-...``)."""
    return f"{_REGIONS[region].short}-{base}"


def _parse_month(month: str) -> tuple[int, int]:
    try:
        year_text, month_text = month.split("-")
        year, mon = int(year_text), int(month_text)
    except ValueError as exc:
        raise ValueError(f"month must look like YYYY-MM, got {month!r}") from exc
    if not 1 <= mon <= 12 or len(year_text) != 4:
        raise ValueError(f"month must look like YYYY-MM, got {month!r}")
    return year, mon


# ---------------------------------------------------------------------------------------------
# Row builder
# ---------------------------------------------------------------------------------------------


class _CurBuilder:
    """Accumulates CUR rows for one billing period."""

    def __init__(self, year: int, month: int, rng: random.Random) -> None:
        self.rng = rng
        self.days = calendar.monthrange(year, month)[1]
        self.first = dt.date(year, month, 1)
        self.next_first = self.first + dt.timedelta(days=self.days)
        self.rows: list[dict[str, str]] = []
        # (account, product code) -> net cost, used for the Tax rows.
        self.cost_by_service: dict[tuple[str, str], Decimal] = {}

    # -- ids -------------------------------------------------------------------------------
    def hex_id(self, prefix: str) -> str:
        return f"{prefix}-0{self.rng.getrandbits(64):016x}"

    def _line_item_id(self) -> str:
        """52 lowercase base32 characters, like real CUR line item ids."""
        return base64.b32encode(self.rng.randbytes(35)).decode().lower()[:52]

    def date(self, day: int) -> dt.date:
        return self.first + dt.timedelta(days=day - 1)

    # -- generic row -------------------------------------------------------------------------
    def add(
        self,
        *,
        day: int | None,
        account: str,
        line_item_type: str,
        product_code: str,
        usage_type: str,
        operation: str,
        region: str | None,
        amount: Decimal,
        rate: Decimal | None,
        unit: str,
        description: str,
        resource_id: str = "",
        az: str = "",
        cost: Decimal | None = None,
        blended_rate: Decimal | None = None,
        blended_cost: Decimal | None = None,
        public_rate: Decimal | None = None,
        term: str = "OnDemand",
        team: str | None = None,
        product: Mapping[str, str] | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> Decimal:
        """Append one line item; ``day=None`` means a row spanning the whole billing period.

        Returns the unblended cost written.
        """
        if day is None:
            interval_start, start, end = self.first, self.first, self.next_first
        else:
            start = self.date(day)
            interval_start, end = start, start + dt.timedelta(days=1)
        if cost is None:
            cost = amount * (rate if rate is not None else Decimal(0))
        cost = cost.quantize(_TEN_DP, rounding=ROUND_HALF_UP)
        if blended_rate is None:
            blended_rate = rate
        if blended_cost is None:
            blended_cost = cost
        row: dict[str, str] = {
            "identity/LineItemId": self._line_item_id(),
            "identity/TimeInterval": (
                f"{_ts(interval_start)}/{_ts(interval_start + dt.timedelta(days=1))}"
            ),
            "bill/InvoicingEntity": _LEGAL_ENTITY,
            "bill/BillingEntity": "AWS",
            "bill/BillType": "Anniversary",
            "bill/PayerAccountId": PAYER_ACCOUNT,
            "bill/BillingPeriodStartDate": _ts(self.first),
            "bill/BillingPeriodEndDate": _ts(self.next_first),
            "lineItem/UsageAccountId": account,
            "lineItem/LineItemType": line_item_type,
            "lineItem/UsageStartDate": _ts(start),
            "lineItem/UsageEndDate": _ts(end),
            "lineItem/ProductCode": product_code,
            "lineItem/UsageType": usage_type,
            "lineItem/Operation": operation,
            "lineItem/AvailabilityZone": az,
            "lineItem/ResourceId": resource_id,
            "lineItem/UsageAmount": _fmt(amount),
            "lineItem/CurrencyCode": "USD",
            "lineItem/UnblendedRate": "" if rate is None else _fmt(rate),
            "lineItem/UnblendedCost": _fmt(cost),
            "lineItem/BlendedRate": "" if blended_rate is None else _fmt(blended_rate),
            "lineItem/BlendedCost": _fmt(blended_cost),
            "lineItem/LineItemDescription": description,
            "lineItem/LegalEntity": _LEGAL_ENTITY,
            "product/ProductName": _PRODUCT_NAMES.get(product_code, product_code),
            "pricing/currency": "USD",
            "pricing/term": term,
            "pricing/unit": unit,
        }
        if usage_type:
            row["product/usagetype"] = usage_type
            row["product/operation"] = operation
            row["product/sku"] = _sku(product_code, usage_type, operation)
        if region is not None:
            reg = _REGIONS[region]
            row["product/region"] = region
            row["product/regionCode"] = region
            row["product/location"] = reg.location
            row["product/locationType"] = "AWS Region"
        if public_rate is not None:
            row["pricing/publicOnDemandRate"] = _fmt(public_rate)
            row["pricing/publicOnDemandCost"] = _fmt(amount * public_rate)
        elif line_item_type == "Usage" and rate is not None:
            row["pricing/publicOnDemandRate"] = _fmt(rate)
            row["pricing/publicOnDemandCost"] = _fmt(cost)
        if product:
            row.update({f"product/{key}": value for key, value in product.items()})
        if extra:
            row.update(extra)
        if team is not None:
            row["resourceTags/user:team"] = team
            row["resourceTags/user:env"] = _ENV_OF_ACCOUNT[account]
        self.rows.append(row)
        key = (account, product_code)
        if line_item_type not in ("Tax", "Credit", "Refund"):
            self.cost_by_service[key] = self.cost_by_service.get(key, Decimal(0)) + cost
        return cost


# ---------------------------------------------------------------------------------------------
# Resource emitters. Each returns a callable day -> None that appends that day's rows.
# ---------------------------------------------------------------------------------------------

_DayEmitter = Callable[[int], None]


def _hours_for(b: _CurBuilder, pattern: str, day: int) -> Decimal:
    weekday = b.date(day).weekday()
    if pattern == "steady":
        return Decimal(24)
    if pattern == "autoscale":
        return _dec(b.rng.uniform(9.0, 24.0), 4)
    if pattern == "workday":
        return Decimal(0) if weekday >= 5 else _dec(b.rng.uniform(10.0, 13.0), 4)
    if pattern == "batch":
        return Decimal(0) if b.rng.random() < 0.35 else _dec(b.rng.uniform(1.5, 20.0), 4)
    if pattern == "spot":
        return _dec(b.rng.uniform(4.0, 24.0), 4)
    raise ValueError(pattern)


def _ec2_product(itype: str) -> dict[str, str]:
    spec = _INSTANCE_TYPES[itype]
    return {
        "productFamily": "Compute Instance",
        "servicecode": "AmazonEC2",
        "instanceType": itype,
        "instanceFamily": spec.family,
        "vcpu": str(spec.vcpu),
        "memory": f"{spec.memory_gib} GiB",
        "physicalProcessor": spec.processor,
        "operatingSystem": "Linux",
        "tenancy": "Shared",
    }


@dataclass(frozen=True)
class _Group:
    """``count`` EC2 instances of one type, each with a root volume and optional extras."""

    account: str
    region: str
    itype: str
    count: int
    team: str | None
    pattern: str = "steady"  # steady | autoscale | workday | batch
    launch_day: int = 1
    coverage: str = "none"  # none | ri | sp | spot
    root: tuple[str, int] = ("gp3", 30)  # EBS kind, GB
    data_volume: tuple[str, int] | None = None
    transfer_out_gb: float = 0.0  # internet egress per day
    cross_az_gb: float = 0.0  # inter-AZ traffic per day


def _instance(b: _CurBuilder, g: _Group) -> list[_DayEmitter]:
    """One EC2 instance of group ``g`` (plus its EBS volumes and data transfer)."""
    account, region, itype, team = g.account, g.region, g.itype, g.team
    pattern, launch_day, coverage = g.pattern, g.launch_day, g.coverage
    spec = _INSTANCE_TYPES[itype]
    reg = _REGIONS[region]
    instance_id = b.hex_id("i")
    az = region + b.rng.choice("abc")
    od_rate = (spec.price * reg.price_factor).quantize(Decimal("0.0001"))
    product = _ec2_product(itype)
    norm = _NORMALIZATION_FACTOR[itype.split(".")[1]]
    emitters: list[_DayEmitter] = []

    def compute(day: int) -> None:
        if day < launch_day:
            return
        hours = _hours_for(b, "spot" if coverage == "spot" else pattern, day)
        if hours == 0:
            return
        common: dict[str, object] = {
            "day": day,
            "account": account,
            "product_code": "AmazonEC2",
            "region": region,
            "amount": hours,
            "unit": "Hrs",
            "resource_id": instance_id,
            "az": az,
            "team": team,
            "product": product,
        }
        norm_extra = {
            "lineItem/NormalizationFactor": norm,
            "lineItem/NormalizedUsageAmount": _fmt(hours * Decimal(norm)),
        }
        box = _usage_type(region, f"BoxUsage:{itype}")
        if coverage == "spot":
            spot_rate = (od_rate * _dec(b.rng.uniform(0.36, 0.44), 4)).quantize(Decimal("0.0001"))
            b.add(
                line_item_type="Usage",
                usage_type=_usage_type(region, f"SpotUsage:{itype}"),
                operation="RunInstances:SV001",
                rate=spot_rate,
                public_rate=od_rate,
                term="",
                description=f"${_plain(spot_rate)} per Linux/UNIX {itype} spot instance-hour "
                f"in {region}",
                extra=norm_extra,
                **common,  # type: ignore[arg-type]
            )
        elif coverage == "ri":
            ri_rate = _RI_RATE
            b.add(
                line_item_type="DiscountedUsage",
                usage_type=box,
                operation="RunInstances",
                rate=Decimal(0),
                # Consolidated billing: blended rate spreads the RI rate over the family.
                blended_rate=ri_rate,
                blended_cost=hours * ri_rate,
                public_rate=od_rate,
                term="Reserved",
                description=f"USD 0.0 hourly fee per Linux/UNIX (Amazon VPC), {itype} instance",
                extra={
                    **norm_extra,
                    "reservation/ReservationARN": _RI_ARN,
                    "reservation/EffectiveCost": _fmt(hours * ri_rate),
                },
                **common,  # type: ignore[arg-type]
            )
        elif coverage == "sp":
            description = f"${_plain(od_rate)} per On Demand Linux {itype} Instance Hour"
            covered = b.add(
                line_item_type="SavingsPlanCoveredUsage",
                usage_type=box,
                operation="RunInstances",
                rate=od_rate,
                public_rate=od_rate,
                description=description,
                extra={
                    **norm_extra,
                    "savingsPlan/SavingsPlanARN": _SP_ARN,
                    "savingsPlan/SavingsPlanRate": _fmt(_SP_RATE),
                    "savingsPlan/SavingsPlanEffectiveCost": _fmt(hours * _SP_RATE),
                },
                **common,  # type: ignore[arg-type]
            )
            b.add(
                line_item_type="SavingsPlanNegation",
                usage_type=box,
                operation="RunInstances",
                rate=-od_rate,
                cost=-covered,
                term="",
                description=(
                    f"SavingsPlanNegation used by AccountId : {account} and UsageSku : "
                    + _sku("AmazonEC2", box, "RunInstances")
                ),
                extra={"savingsPlan/SavingsPlanARN": _SP_ARN},
                **common,  # type: ignore[arg-type]
            )
        else:
            b.add(
                line_item_type="Usage",
                usage_type=box,
                operation="RunInstances",
                rate=od_rate,
                description=f"${_plain(od_rate)} per On Demand Linux {itype} Instance Hour",
                extra=norm_extra,
                **common,  # type: ignore[arg-type]
            )
        if itype.startswith("t3") and pattern == "autoscale" and b.rng.random() < 0.3:
            # Unlimited-mode surplus credits on busy days.
            credits = _dec(b.rng.uniform(0.5, 6.0), 4)
            b.add(
                day=day,
                account=account,
                line_item_type="Usage",
                product_code="AmazonEC2",
                usage_type=_usage_type(region, "CPUCredits:t3"),
                operation="RunInstances",
                region=region,
                amount=credits,
                rate=Decimal("0.05"),
                unit="vCPU-Hours",
                resource_id=instance_id,
                az=az,
                team=team,
                description="$0.05 per vCPU-Hour of T3 CPU Credits",
                product={"productFamily": "CPU Credits", "servicecode": "AmazonEC2"},
            )

    emitters.append(compute)
    for volume in (g.root if coverage != "spot" else None, g.data_volume):
        if volume is not None:
            kind, size = volume
            emitters.append(_ebs_volume(b, account, region, az, kind, size, team, launch_day))
    if g.transfer_out_gb:
        emitters.append(
            _transfer_out(
                b, account, region, instance_id, "AmazonEC2", g.transfer_out_gb, launch_day
            )
        )
    if g.cross_az_gb:
        emitters.append(_cross_az(b, account, region, instance_id, az, g.cross_az_gb, launch_day))
    return emitters


def _ebs_volume(
    b: _CurBuilder,
    account: str,
    region: str,
    az: str,
    kind: str,
    size_gb: int,
    team: str | None,
    launch_day: int = 1,
) -> _DayEmitter:
    base, operation, api_name, volume_type, price = _EBS_KINDS[kind]
    volume_id = b.hex_id("vol")
    rate = (price * _REGIONS[region].price_factor).quantize(Decimal("0.0001"))
    usage_type = _usage_type(region, base)
    amount = (Decimal(size_gb) / Decimal(b.days)).quantize(_TEN_DP, rounding=ROUND_HALF_UP)
    label = f"{volume_type} ({api_name})"

    def emit(day: int) -> None:
        if day < launch_day:
            return
        b.add(
            day=day,
            account=account,
            line_item_type="Usage",
            product_code="AmazonEC2",
            usage_type=usage_type,
            operation=operation,
            region=region,
            az=az,
            resource_id=volume_id,
            amount=amount,
            rate=rate,
            unit="GB-Mo",
            team=team,
            description=f"${_plain(rate)} per GB-month of {label} provisioned storage - "
            f"{_REGIONS[region].location}",
            product={
                "productFamily": "Storage",
                "servicecode": "AmazonEC2",
                "volumeApiName": api_name,
                "volumeType": volume_type,
                "storageClass": "",
            },
        )

    return emit


def _snapshot(b: _CurBuilder, account: str, region: str, size_gb: int, team: str) -> _DayEmitter:
    snapshot_arn = f"arn:aws:ec2:{region}:{account}:snapshot/{b.hex_id('snap')}"
    rate = (Decimal("0.05") * _REGIONS[region].price_factor).quantize(Decimal("0.0001"))
    usage_type = _usage_type(region, "EBS:SnapshotUsage")
    growth = Decimal(str(round(b.rng.uniform(0.002, 0.01), 4)))

    def emit(day: int) -> None:
        gb = Decimal(size_gb) * (1 + growth * (day - 1))
        b.add(
            day=day,
            account=account,
            line_item_type="Usage",
            product_code="AmazonEC2",
            usage_type=usage_type,
            operation="CreateSnapshot",
            region=region,
            resource_id=snapshot_arn,
            amount=(gb / b.days).quantize(_TEN_DP, rounding=ROUND_HALF_UP),
            rate=rate,
            unit="GB-Mo",
            team=team,
            description=f"${_plain(rate)} per GB-Month of snapshot data stored - "
            f"{_REGIONS[region].location}",
            product={"productFamily": "Storage Snapshot", "servicecode": "AmazonEC2"},
        )

    return emit


def _transfer_out(
    b: _CurBuilder,
    account: str,
    region: str,
    resource_id: str,
    product_code: str,
    gb_per_day: float,
    launch_day: int = 1,
) -> _DayEmitter:
    """Internet egress; the resource's tags are not copied (shows up as untagged)."""
    usage_type = _usage_type(region, "DataTransfer-Out-Bytes")

    def emit(day: int) -> None:
        if day < launch_day:
            return
        b.add(
            day=day,
            account=account,
            line_item_type="Usage",
            product_code=product_code,
            usage_type=usage_type,
            operation="RunInstances" if product_code == "AmazonEC2" else "GetObject",
            region=region,
            resource_id=resource_id,
            amount=_dec(gb_per_day * b.rng.uniform(0.6, 1.4), 6),
            rate=Decimal("0.09"),
            unit="GB",
            description="$0.090 per GB - first 10 TB / month data transfer out beyond the "
            "global free tier",
            product={
                "productFamily": "Data Transfer",
                "servicecode": "AWSDataTransfer",
                "fromLocation": _REGIONS[region].location,
                "toLocation": "External",
                "transferType": "AWS Outbound",
            },
        )

    return emit


def _cross_az(
    b: _CurBuilder,
    account: str,
    region: str,
    resource_id: str,
    az: str,
    gb_per_day: float,
    launch_day: int = 1,
) -> _DayEmitter:
    usage_type = _usage_type(region, "DataTransfer-Regional-Bytes")

    def emit(day: int) -> None:
        if day < launch_day:
            return
        b.add(
            day=day,
            account=account,
            line_item_type="Usage",
            product_code="AmazonEC2",
            usage_type=usage_type,
            operation="InterZone-Out",
            region=region,
            az=az,
            resource_id=resource_id,
            amount=_dec(gb_per_day * b.rng.uniform(0.7, 1.3), 6),
            rate=Decimal("0.01"),
            unit="GB",
            description="$0.010 per GB - regional data transfer - in/out/between EC2 AZs or "
            "using elastic IPs or ELB",
            product={
                "productFamily": "Data Transfer",
                "servicecode": "AWSDataTransfer",
                "fromLocation": _REGIONS[region].location,
                "toLocation": _REGIONS[region].location,
                "transferType": "IntraRegion",
            },
        )

    return emit


def _inter_region(
    b: _CurBuilder,
    account: str,
    src: str,
    dst: str,
    resource_id: str,
    product_code: str,
    gb_per_day: float,
) -> _DayEmitter:
    usage_type = f"{_REGIONS[src].short}-{_REGIONS[dst].short}-AWS-Out-Bytes"

    def emit(day: int) -> None:
        b.add(
            day=day,
            account=account,
            line_item_type="Usage",
            product_code=product_code,
            usage_type=usage_type,
            operation="PutObject" if product_code == "AmazonS3" else "RunInstances",
            region=src,
            resource_id=resource_id,
            amount=_dec(gb_per_day * b.rng.uniform(0.5, 1.5), 6),
            rate=Decimal("0.02"),
            unit="GB",
            description=f"$0.02 per GB - {_REGIONS[src].location} data transfer to "
            f"{_REGIONS[dst].location}",
            product={
                "productFamily": "Data Transfer",
                "servicecode": "AWSDataTransfer",
                "fromLocation": _REGIONS[src].location,
                "toLocation": _REGIONS[dst].location,
                "transferType": "InterRegion Outbound",
            },
        )

    return emit


def _s3_bucket(
    b: _CurBuilder,
    account: str,
    region: str,
    bucket: str,
    team: str | None,
    storage_gb: Mapping[str, float],
    puts_per_day: int,
    gets_per_day: int,
) -> _DayEmitter:
    growth = b.rng.uniform(0.001, 0.006)

    def emit(day: int) -> None:
        common: dict[str, object] = {
            "day": day,
            "account": account,
            "line_item_type": "Usage",
            "product_code": "AmazonS3",
            "region": region,
            "resource_id": bucket,
            "team": team,
        }
        for klass, gb in storage_gb.items():
            base, operation, storage_class, volume_type, price = _S3_CLASSES[klass]
            amount = Decimal(str(gb * (1 + growth * (day - 1)))) / b.days
            b.add(
                usage_type=_usage_type(region, base),
                operation=operation,
                amount=amount.quantize(_TEN_DP, rounding=ROUND_HALF_UP),
                rate=price,
                unit="GB-Mo",
                description=f"${_plain(price)} per GB - {volume_type} storage used",
                product={
                    "productFamily": "Storage",
                    "servicecode": "AmazonS3",
                    "storageClass": storage_class,
                    "volumeType": volume_type,
                },
                **common,  # type: ignore[arg-type]
            )
        for tier, count, price, verb in (
            ("Requests-Tier1", puts_per_day, Decimal("0.000005"), "PutObject"),
            ("Requests-Tier2", gets_per_day, Decimal("0.0000004"), "GetObject"),
        ):
            if not count:
                continue
            b.add(
                usage_type=_usage_type(region, tier),
                operation=verb,
                amount=Decimal(int(count * b.rng.uniform(0.6, 1.4))),
                rate=price,
                unit="Requests",
                description=(
                    "$0.005 per 1,000 PUT, COPY, POST, or LIST requests"
                    if tier == "Requests-Tier1"
                    else "$0.0004 per 1,000 GET and all other requests"
                ),
                product={"productFamily": "API Request", "servicecode": "AmazonS3"},
                **common,  # type: ignore[arg-type]
            )

    return emit


def _lambda_function(
    b: _CurBuilder,
    account: str,
    region: str,
    name: str,
    team: str,
    gb_seconds_per_day: float,
    requests_per_day: int,
    arm: bool = False,
) -> _DayEmitter:
    arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
    gb_s_type = "Lambda-GB-Second-ARM" if arm else "Lambda-GB-Second"
    gb_s_rate = Decimal("0.0000133334") if arm else Decimal("0.0000166667")

    def emit(day: int) -> None:
        weekend = b.date(day).weekday() >= 5
        load = b.rng.uniform(0.4, 0.7) if weekend else b.rng.uniform(0.8, 1.25)
        product = {"productFamily": "Serverless", "servicecode": "AWSLambda"}
        b.add(
            day=day,
            account=account,
            line_item_type="Usage",
            product_code="AWSLambda",
            usage_type=_usage_type(region, gb_s_type),
            operation="Invoke",
            region=region,
            resource_id=arn,
            amount=_dec(gb_seconds_per_day * load, 3),
            rate=gb_s_rate,
            unit="Lambda-GB-Second",
            team=team,
            description=f"AWS Lambda - Total Compute - {_REGIONS[region].location}",
            product=product,
        )
        b.add(
            day=day,
            account=account,
            line_item_type="Usage",
            product_code="AWSLambda",
            usage_type=_usage_type(region, "Request"),
            operation="Invoke",
            region=region,
            resource_id=arn,
            amount=Decimal(int(requests_per_day * load)),
            rate=Decimal("0.0000002"),
            unit="Requests",
            team=team,
            description=f"AWS Lambda - Total Requests - {_REGIONS[region].location}",
            product=product,
        )

    return emit


def _rds_instance(
    b: _CurBuilder,
    account: str,
    region: str,
    name: str,
    db_class: str,
    team: str,
    multi_az: bool,
    storage_gb: int,
) -> _DayEmitter:
    spec = _INSTANCE_TYPES[db_class]
    factor = _REGIONS[region].price_factor
    multiplier = Decimal(2) if multi_az else Decimal(1)
    rate = (spec.price * factor * multiplier).quantize(Decimal("0.0001"))
    storage_rate = (Decimal("0.115") * factor * multiplier).quantize(Decimal("0.0001"))
    arn = f"arn:aws:rds:{region}:{account}:db:{name}"
    az = region + ("" if multi_az else b.rng.choice("abc"))
    usage = "Multi-AZUsage" if multi_az else "InstanceUsage"
    storage_usage = "RDS:Multi-AZ-GP2-Storage" if multi_az else "RDS:GP2-Storage"
    operation = "CreateDBInstance:0014"  # PostgreSQL

    def emit(day: int) -> None:
        b.add(
            day=day,
            account=account,
            line_item_type="Usage",
            product_code="AmazonRDS",
            usage_type=_usage_type(region, f"{usage}:{db_class}"),
            operation=operation,
            region=region,
            az=region if multi_az else az,
            resource_id=arn,
            amount=Decimal(24),
            rate=rate,
            unit="Hrs",
            team=team,
            description=f"${_plain(rate)} per RDS {db_class} {'Multi-AZ ' if multi_az else ''}"
            "instance hour (or partial hour) running PostgreSQL",
            product={
                "productFamily": "Database Instance",
                "servicecode": "AmazonRDS",
                "instanceType": db_class,
                "instanceFamily": spec.family,
                "vcpu": str(spec.vcpu),
                "memory": f"{spec.memory_gib} GiB",
                "physicalProcessor": spec.processor,
            },
        )
        b.add(
            day=day,
            account=account,
            line_item_type="Usage",
            product_code="AmazonRDS",
            usage_type=_usage_type(region, storage_usage),
            operation=operation,
            region=region,
            az=region if multi_az else az,
            resource_id=arn,
            amount=(Decimal(storage_gb) / b.days).quantize(_TEN_DP, rounding=ROUND_HALF_UP),
            rate=storage_rate,
            unit="GB-Mo",
            team=team,
            description=f"${_plain(storage_rate)} per GB-month of provisioned GP2 storage running "
            "PostgreSQL",
            product={
                "productFamily": "Database Storage",
                "servicecode": "AmazonRDS",
                "volumeType": "General Purpose",
            },
        )

    return emit


def _nat_gateway(
    b: _CurBuilder, account: str, region: str, team: str, gb_per_day: float
) -> _DayEmitter:
    arn = f"arn:aws:ec2:{region}:{account}:natgateway/{b.hex_id('nat')}"
    rate = (Decimal("0.045") * _REGIONS[region].price_factor).quantize(Decimal("0.0001"))
    product = {"productFamily": "NAT Gateway", "servicecode": "AmazonEC2"}

    def emit(day: int) -> None:
        b.add(
            day=day,
            account=account,
            line_item_type="Usage",
            product_code="AmazonEC2",
            usage_type=_usage_type(region, "NatGateway-Hours"),
            operation="NatGateway",
            region=region,
            resource_id=arn,
            amount=Decimal(24),
            rate=rate,
            unit="Hrs",
            team=team,
            description=f"${_plain(rate)} per NAT Gateway Hour",
            product=product,
        )
        b.add(
            day=day,
            account=account,
            line_item_type="Usage",
            product_code="AmazonEC2",
            usage_type=_usage_type(region, "NatGateway-Bytes"),
            operation="NatGateway",
            region=region,
            resource_id=arn,
            amount=_dec(gb_per_day * b.rng.uniform(0.6, 1.4), 6),
            rate=rate,
            unit="GB",
            team=team,
            description=f"${_plain(rate)} per GB Data Processed by NAT Gateways",
            product=product,
        )

    return emit


def _eks_cluster(b: _CurBuilder, account: str, region: str, name: str) -> _DayEmitter:
    arn = f"arn:aws:eks:{region}:{account}:cluster/{name}"

    def emit(day: int) -> None:
        b.add(
            day=day,
            account=account,
            line_item_type="Usage",
            product_code="AmazonEKS",
            usage_type=_usage_type_always_prefixed(region, "AmazonEKS-Hours:perCluster"),
            operation="CreateOperation",
            region=region,
            resource_id=arn,
            amount=Decimal(24),
            rate=Decimal("0.1"),
            unit="Hrs",
            team="platform",
            description="Amazon EKS cluster usage",
            product={"productFamily": "Compute", "servicecode": "AmazonEKS"},
        )

    return emit


def _fargate_service(
    b: _CurBuilder,
    account: str,
    region: str,
    cluster: str,
    service: str,
    team: str,
    tasks: int,
    vcpu_per_task: float,
    gb_per_task: float,
) -> _DayEmitter:
    arn = f"arn:aws:ecs:{region}:{account}:service/{cluster}/{service}"
    factor = _REGIONS[region].price_factor
    vcpu_rate = (Decimal("0.04048") * factor).quantize(Decimal("0.000001"))
    gb_rate = (Decimal("0.004445") * factor).quantize(Decimal("0.000001"))
    product = {"productFamily": "Compute", "servicecode": "AmazonECS"}

    def emit(day: int) -> None:
        task_hours = tasks * 24 * b.rng.uniform(0.85, 1.0)
        b.add(
            day=day,
            account=account,
            line_item_type="Usage",
            product_code="AmazonECS",
            usage_type=_usage_type_always_prefixed(region, "Fargate-vCPU-Hours:perCPU"),
            operation="FargateTask",
            region=region,
            resource_id=arn,
            amount=_dec(task_hours * vcpu_per_task, 6),
            rate=vcpu_rate,
            unit="hours",
            team=team,
            description=f"AWS Fargate - vCPU - {_REGIONS[region].location}",
            product=product,
        )
        b.add(
            day=day,
            account=account,
            line_item_type="Usage",
            product_code="AmazonECS",
            usage_type=_usage_type_always_prefixed(region, "Fargate-GB-Hours"),
            operation="FargateTask",
            region=region,
            resource_id=arn,
            amount=_dec(task_hours * gb_per_task, 6),
            rate=gb_rate,
            unit="GB-Hours",
            team=team,
            description=f"AWS Fargate - Memory - {_REGIONS[region].location}",
            product=product,
        )

    return emit


def _cloudfront(
    b: _CurBuilder, account: str, team: str, edge: str, gb_per_day: float
) -> _DayEmitter:
    """CloudFront egress. ``EU-`` here is an edge *location group*, not eu-west-1."""
    arn = f"arn:aws:cloudfront::{account}:distribution/E{b.rng.getrandbits(48):012X}"
    location = {"US": "United States", "EU": "Europe"}[edge]

    def emit(day: int) -> None:
        b.add(
            day=day,
            account=account,
            line_item_type="Usage",
            product_code="AmazonCloudFront",
            usage_type=f"{edge}-DataTransfer-Out-Bytes",
            operation="GET",
            region=None,
            resource_id=arn,
            amount=_dec(gb_per_day * b.rng.uniform(0.7, 1.3), 6),
            rate=Decimal("0.085"),
            unit="GB",
            team=team,
            description=f"$0.085 per GB - first 10 TB / month data transfer out ({location})",
            product={
                "productFamily": "Data Transfer",
                "servicecode": "AmazonCloudFront",
                "fromLocation": location,
                "toLocation": "External",
                "transferType": "CloudFront Outbound",
            },
        )

    return emit


def _cloudwatch_metrics(b: _CurBuilder, account: str, region: str, metrics: int) -> _DayEmitter:
    amount = (Decimal(metrics) / b.days).quantize(_TEN_DP, rounding=ROUND_HALF_UP)

    def emit(day: int) -> None:
        b.add(
            day=day,
            account=account,
            line_item_type="Usage",
            product_code="AmazonCloudWatch",
            usage_type=_usage_type(region, "CW:MetricMonitorUsage"),
            operation="MetricStorage",
            region=region,
            amount=amount,
            rate=Decimal("0.3"),
            unit="Metrics",
            description="$0.30 per metric-month for the first 10,000 metrics",
            product={"productFamily": "Metric", "servicecode": "AmazonCloudWatch"},
        )

    return emit


# Commitments --------------------------------------------------------------------------------
_RI_ARN = f"arn:aws:ec2:us-east-1:{PROD_ACCOUNT}:reserved-instances/3c4e1d0a-7f2b-4a51-9d1e-ri0001"
_RI_RATE = Decimal("0.159")
_SP_ARN = f"arn:aws:savingsplans::{PAYER_ACCOUNT}:savingsplan/5f0e8c2a-1b7d-4e3f-a9c6-sp0001"
_SP_RATE = Decimal("0.238")  # Compute SP, 1yr no upfront, c5.2xlarge us-west-2


_P, _S = PROD_ACCOUNT, STAGING_ACCOUNT
_USE1, _EUW1, _EUN1, _USW2 = "us-east-1", "eu-west-1", "eu-north-1", "us-west-2"

# fmt: off
_GROUPS: tuple[_Group, ...] = (
    # prod
    _Group(_P, _USE1, "m5.large", 4, "payments", transfer_out_gb=8.0),
    _Group(_P, _USE1, "m5.xlarge", 3, "search", cross_az_gb=40.0),
    _Group(_P, _USE1, "c5.2xlarge", 3, "search", "autoscale", root=("gp2", 30)),
    _Group(_P, _USE1, "r5.xlarge", 1, "data", coverage="ri", data_volume=("st1", 1500)),
    _Group(_P, _USE1, "r5.xlarge", 1, "data", data_volume=("st1", 800)),
    _Group(_P, _USE1, "t3.medium", 2, "platform", "autoscale", root=("gp3", 20)),
    _Group(_P, _USE1, "p3.2xlarge", 1, "data", "batch", root=("gp3", 500)),
    _Group(_P, _USE1, "m7i.large", 2, "payments", launch_day=10),
    _Group(_P, _USE1, "c5.xlarge", 3, "data", coverage="spot"),
    _Group(_P, _EUW1, "m5.large", 3, "payments"),
    _Group(_P, _EUW1, "m6g.large", 3, "search", root=("gp2", 30)),
    _Group(_P, _EUW1, "t3.large", 2, "platform", transfer_out_gb=3.0),
    _Group(_P, _EUN1, "m6g.large", 2, "data"),
    _Group(_P, _EUN1, "c5.2xlarge", 2, "data", "batch", data_volume=("st1", 2000)),
    _Group(_P, _USW2, "c5.2xlarge", 2, "search", coverage="sp", transfer_out_gb=12.0),
    _Group(_P, _USW2, "g5.xlarge", 2, "data", "batch", root=("gp3", 250)),
    _Group(_P, _USW2, "c5.xlarge", 2, "data", coverage="spot"),
    # staging
    _Group(_S, _USE1, "m5.large", 3, "payments", "workday"),
    _Group(_S, _USE1, "t3.medium", 3, "platform", "autoscale", root=("gp3", 20)),
    _Group(_S, _USE1, "t3.large", 1, "search", "autoscale", root=("gp2", 30)),
    _Group(_S, _USE1, "m5.xlarge", 1, "data", "workday"),
    _Group(_S, _EUW1, "m6g.large", 1, "search"),
    _Group(_S, _EUW1, "t3.medium", 2, "payments"),
    _Group(_S, _USW2, "g5.xlarge", 1, "data", "batch", root=("gp3", 250)),
    _Group(_S, _USE1, "c5.xlarge", 1, None, coverage="spot"),
)
# fmt: on
_SP_INSTANCES = sum(g.count for g in _GROUPS if g.coverage == "sp")
_RI_INSTANCES = sum(g.count for g in _GROUPS if g.coverage == "ri")
_SP_COMMITMENT = _SP_RATE * _SP_INSTANCES  # USD per hour: the plan is fully used


def _fleet(b: _CurBuilder, copy: int) -> list[_DayEmitter]:
    """All resources of the demo company; called once per ``rows_scale`` copy."""
    sfx = "" if copy == 0 else f"-{copy}"
    e: list[_DayEmitter] = []
    for group in _GROUPS:
        for _ in range(group.count):
            e.extend(_instance(b, group))
    lake, index = f"acme-prod-data-lake{sfx}", f"acme-prod-search-index{sfx}"
    # fmt: off
    e += [
        # Unattached volume and snapshots
        _ebs_volume(b, _P, _USE1, "us-east-1b", "gp2", 500, None),
        _snapshot(b, _P, _USE1, 1200, "platform"),
        _snapshot(b, _P, _EUW1, 400, "payments"),
        _snapshot(b, _P, _USW2, 900, "data"),
        _snapshot(b, _S, _USE1, 150, "platform"),
        # S3 buckets: {storage class: GB}, PUTs/day, GETs/day
        _s3_bucket(b, _P, _USE1, lake, "data",
                   {"standard": 42_000, "glacier": 120_000}, 180_000, 2_400_000),
        _s3_bucket(b, _P, _EUW1, f"acme-prod-backups{sfx}", "platform",
                   {"standard": 500, "deep_archive": 300_000}, 20_000, 1_000),
        _s3_bucket(b, _P, _USW2, index, "search", {"standard": 3_000}, 60_000, 900_000),
        _s3_bucket(b, _P, _EUN1, f"acme-payments-receipts{sfx}", "payments",
                   {"standard": 800, "glacier": 5_000}, 15_000, 40_000),
        _s3_bucket(b, _P, _USE1, f"acme-cloudtrail-logs{sfx}", None,
                   {"standard": 900}, 45_000, 0),
        _s3_bucket(b, _S, _USE1, f"acme-staging-artifacts{sfx}", "platform",
                   {"standard": 1_200}, 8_000, 30_000),
        # Data transfer not attached to an instance (GB/day)
        _transfer_out(b, _P, _USE1, lake, "AWSDataTransfer", 35.0),
        _inter_region(b, _P, _USE1, _EUW1, lake, "AmazonS3", 120.0),
        _inter_region(b, _P, _USW2, _USE1, index, "AmazonS3", 15.0),
        _cloudfront(b, _P, "search", "US", 260.0),
        _cloudfront(b, _P, "search", "EU", 90.0),
        # Lambda: GB-seconds/day, requests/day
        _lambda_function(b, _P, _USE1, f"payments-webhook{sfx}", "payments", 180_000, 900_000),
        _lambda_function(b, _P, _USE1, f"search-indexer{sfx}", "search", 420_000, 150_000),
        _lambda_function(b, _P, _EUW1, f"data-etl-nightly{sfx}", "data", 650_000, 4_000),
        _lambda_function(b, _P, _USW2, f"platform-log-shipper{sfx}", "platform", 90_000,
                         2_000_000, arm=True),
        _lambda_function(b, _S, _USE1, f"payments-webhook{sfx}", "payments", 12_000, 40_000),
        # RDS: class, team, multi-AZ, storage GB
        _rds_instance(b, _P, _USE1, f"payments-db{sfx}", "db.r5.large", "payments", True, 400),
        _rds_instance(b, _P, _EUW1, f"search-db{sfx}", "db.m5.large", "search", False, 200),
        _rds_instance(b, _S, _USE1, f"staging-db{sfx}", "db.m5.large", "platform", False, 100),
        # NAT gateways (GB processed/day), EKS clusters, Fargate services, CloudWatch metrics
        _nat_gateway(b, _P, _USE1, "platform", 150.0),
        _nat_gateway(b, _P, _USE1, "platform", 110.0),
        _nat_gateway(b, _P, _EUW1, "platform", 60.0),
        _nat_gateway(b, _S, _USE1, "platform", 12.0),
        _eks_cluster(b, _P, _USE1, f"platform-prod{sfx}"),
        _eks_cluster(b, _P, _EUW1, f"platform-prod-eu{sfx}"),
        _eks_cluster(b, _S, _USE1, f"platform-staging{sfx}"),
        _fargate_service(b, _P, _USE1, f"search{sfx}", "search-api", "search", 4, 1.0, 2.0),
        _fargate_service(b, _P, _EUW1, f"payments{sfx}", "payments-worker", "payments", 2,
                         0.5, 1.0),
        _fargate_service(b, _S, _USE1, f"search{sfx}", "search-api", "search", 1, 0.5, 1.0),
        _cloudwatch_metrics(b, _P, _USE1, 1_200),
        _cloudwatch_metrics(b, _P, _EUW1, 300),
        _cloudwatch_metrics(b, _S, _USE1, 200),
    ]
    # fmt: on
    return e


def _commitments_and_adjustments(b: _CurBuilder, ri_count: int, sp_scale: int) -> None:
    """Monthly/non-usage line items: RI and SP fees, support fee, credit, refund, then tax."""
    hours_in_month = Decimal(24 * b.days)
    # Reserved instance recurring fee (1yr, no upfront), one row for the month.
    b.add(
        day=None,
        account=PROD_ACCOUNT,
        line_item_type="RIFee",
        product_code="AmazonEC2",
        usage_type="HeavyUsage:r5.xlarge",
        operation="RunInstances",
        region="us-east-1",
        amount=hours_in_month * ri_count,
        rate=_RI_RATE,
        unit="Hrs",
        term="Reserved",
        description=f"USD {_RI_RATE} hourly fee per Linux/UNIX (Amazon VPC), r5.xlarge instance",
        product={
            "productFamily": "Compute Instance",
            "servicecode": "AmazonEC2",
            "instanceType": "r5.xlarge",
        },
        extra={
            "reservation/ReservationARN": _RI_ARN,
            "reservation/EffectiveCost": "0.0",
        },
    )
    # Savings Plan recurring fee: one row per day (24 commitment hours), as in real daily CURs.
    commitment = _SP_COMMITMENT * sp_scale
    for day in range(1, b.days + 1):
        b.add(
            day=day,
            account=PROD_ACCOUNT,
            line_item_type="SavingsPlanRecurringFee",
            product_code="ComputeSavingsPlans",
            usage_type="ComputeSP:1yrNoUpfront",
            operation="",
            region=None,
            amount=Decimal(24),
            rate=commitment,
            unit="Hrs",
            term="",
            description=f"1 year No Upfront Compute Savings Plan, ${_plain(commitment)} hourly "
            "commitment",
            product={"productFamily": "Savings Plan"},
            extra={"savingsPlan/SavingsPlanARN": _SP_ARN},
        )
    # AWS Support (Business): 10% of the prod account's monthly usage, at least $100.
    prod_usage = sum(
        (cost for (acct, _), cost in b.cost_by_service.items() if acct == PROD_ACCOUNT),
        Decimal(0),
    )
    support = max(Decimal(100), prod_usage * Decimal("0.10")).quantize(_CENT)
    b.add(
        day=None,
        account=PROD_ACCOUNT,
        line_item_type="Fee",
        product_code="AWSSupportBusiness",
        usage_type="Dollar",
        operation="",
        region=None,
        amount=Decimal(1),
        rate=support,
        unit="Dollar",
        term="",
        description="AWS Support (Business)",
        product={"productFamily": "AWS Support"},
    )
    # Promotional credit on the 1st, refund on the last day.
    b.add(
        day=None,
        account=PROD_ACCOUNT,
        line_item_type="Credit",
        product_code="AmazonEC2",
        usage_type="",
        operation="",
        region=None,
        amount=Decimal(0),
        rate=None,
        cost=Decimal("-250.00"),
        unit="",
        term="",
        description="AWS Credits - Migration Acceleration Program",
    )
    b.add(
        day=b.days,
        account=STAGING_ACCOUNT,
        line_item_type="Refund",
        product_code="AmazonS3",
        usage_type="",
        operation="",
        region=None,
        amount=Decimal(0),
        rate=None,
        cost=Decimal("-37.42"),
        unit="",
        term="",
        description="Refund for S3 request overcharge (Case 1234567890)",
    )
    # Sales tax per account and service, on the 1st, spanning the month.
    for (account, product_code), net in sorted(b.cost_by_service.items()):
        tax = (net * _TAX_RATE).quantize(_CENT, rounding=ROUND_HALF_UP)
        if tax <= 0:
            continue
        b.add(
            day=None,
            account=account,
            line_item_type="Tax",
            product_code=product_code,
            usage_type="",
            operation="",
            region=None,
            amount=Decimal(1),
            rate=None,
            cost=tax,
            unit="",
            term="",
            description=f"Tax for product code {product_code}",
            extra={"lineItem/TaxType": "USSalesTax"},
        )


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def generate_demo_cur(
    path: pathlib.Path,
    month: str = "2026-10",
    seed: int = 42,
    *,
    rows_scale: int = 1,
) -> int:
    """Write one deterministic month of a legacy AWS CUR (daily, gzip CSV) to ``path``.

    ``rows_scale`` repeats the demo company's resources that many times (with distinct ids and
    names) for a bigger file. Returns the number of data rows written. The bytes depend only on
    ``month``, ``seed`` and ``rows_scale``.
    """
    if rows_scale < 1:
        raise ValueError("rows_scale must be >= 1")
    year, mon = _parse_month(month)
    builder = _CurBuilder(year, mon, random.Random(seed))
    emitters: list[_DayEmitter] = []
    for copy in range(rows_scale):
        emitters.extend(_fleet(builder, copy))
    for day in range(1, builder.days + 1):
        for emit in emitters:
            emit(day)
    _commitments_and_adjustments(builder, ri_count=_RI_INSTANCES * rows_scale, sp_scale=rows_scale)

    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(
        buffer, fieldnames=list(CUR_HEADER), restval="", extrasaction="raise", lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(builder.rows)
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        open(path, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz,
    ):
        gz.write(buffer.getvalue().encode("utf-8"))
    return len(builder.rows)


# ---------------------------------------------------------------------------------------------
# Large synthetic CUR in one DuckDB statement (benchmarks)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Template:
    product_code: str
    usage_type: str
    operation: str
    unit: str
    family: str
    region: str  # "" = global
    rate: float
    amount_lo: float
    amount_hi: float
    kind: str  # resource id flavour: i, vol, bucket, lambda, rds, nat, eks, ecs, cf, none
    instance_type: str = ""
    storage_class: str = ""
    volume_api: str = ""
    tagged: bool = True


def _synthetic_templates() -> list[_Template]:
    """~40 usage types for the synthetic CUR, taken from the demo catalog above."""
    t: list[_Template] = []
    ec2 = (
        (_USE1, "m5.large"), (_USE1, "m5.xlarge"), (_USE1, "c5.2xlarge"), (_USE1, "r5.xlarge"),
        (_USE1, "t3.medium"), (_USE1, "p3.2xlarge"), (_USE1, "m7i.large"), (_EUW1, "m5.large"),
        (_EUW1, "m6g.large"), (_EUW1, "t3.large"), (_EUN1, "m6g.large"), (_EUN1, "c5.2xlarge"),
        (_USW2, "g5.xlarge"), (_USW2, "c5.2xlarge"),
    )  # fmt: skip
    for region, itype in ec2:
        rate = float(_INSTANCE_TYPES[itype].price * _REGIONS[region].price_factor)
        ut = _usage_type(region, f"BoxUsage:{itype}")
        t.append(_Template("AmazonEC2", ut, "RunInstances", "Hrs", "Compute Instance", region,
                           round(rate, 4), 1, 24, "i", instance_type=itype))  # fmt: skip
    for region, kind in ((_USE1, "gp3"), (_USE1, "gp2"), (_EUW1, "gp3"), (_USW2, "st1")):
        base, operation, api, _vt, price = _EBS_KINDS[kind]
        ut = _usage_type(region, base)
        t.append(_Template("AmazonEC2", ut, operation, "GB-Mo", "Storage", region, float(price),
                           0.2, 60, "vol", volume_api=api))  # fmt: skip
    for region, klass in ((_USE1, "standard"), (_USE1, "glacier"), (_EUW1, "deep_archive"),
                          (_USW2, "standard")):  # fmt: skip
        base, operation, storage_class, _vt, price = _S3_CLASSES[klass]
        ut = _usage_type(region, base)
        t.append(_Template("AmazonS3", ut, operation, "GB-Mo", "Storage", region, float(price),
                           1, 5000, "bucket", storage_class=storage_class))  # fmt: skip
    T = _Template
    # fmt: off
    t += [
        T("AmazonEC2", "SpotUsage:c5.xlarge", "RunInstances:SV001", "Hrs", "Compute Instance",
          _USE1, 0.068, 1, 24, "i", instance_type="c5.xlarge"),
        T("AmazonEC2", "EBS:SnapshotUsage", "CreateSnapshot", "GB-Mo", "Storage Snapshot", _USE1,
          0.05, 1, 40, "vol"),
        T("AmazonS3", "Requests-Tier1", "PutObject", "Requests", "API Request", _USE1, 0.000005,
          100, 200_000, "bucket"),
        T("AWSDataTransfer", "DataTransfer-Out-Bytes", "RunInstances", "GB", "Data Transfer",
          _USE1, 0.09, 0.01, 50, "i", tagged=False),
        T("AmazonEC2", "EU-DataTransfer-Out-Bytes", "RunInstances", "GB", "Data Transfer",
          _EUW1, 0.09, 0.01, 50, "i", tagged=False),
        T("AmazonS3", "USE1-EU-AWS-Out-Bytes", "PutObject", "GB", "Data Transfer", _USE1, 0.02,
          0.1, 200, "bucket", tagged=False),
        T("AmazonEC2", "DataTransfer-Regional-Bytes", "InterZone-Out", "GB", "Data Transfer",
          _USE1, 0.01, 0.1, 80, "i", tagged=False),
        T("AmazonCloudFront", "US-DataTransfer-Out-Bytes", "GET", "GB", "Data Transfer", "",
          0.085, 1, 300, "cf"),
        T("AWSLambda", "Lambda-GB-Second", "Invoke", "Lambda-GB-Second", "Serverless", _USE1,
          0.0000166667, 100, 500_000, "lambda"),
        T("AWSLambda", "Request", "Invoke", "Requests", "Serverless", _USE1, 0.0000002, 100,
          2_000_000, "lambda"),
        T("AmazonRDS", "InstanceUsage:db.m5.large", "CreateDBInstance:0014", "Hrs",
          "Database Instance", _USE1, 0.171, 24, 24, "rds", instance_type="db.m5.large"),
        T("AmazonRDS", "Multi-AZUsage:db.r5.large", "CreateDBInstance:0014", "Hrs",
          "Database Instance", _USE1, 0.5, 24, 24, "rds", instance_type="db.r5.large"),
        T("AmazonRDS", "RDS:GP2-Storage", "CreateDBInstance:0014", "GB-Mo", "Database Storage",
          _USE1, 0.115, 1, 30, "rds"),
        T("AmazonEC2", "NatGateway-Hours", "NatGateway", "Hrs", "NAT Gateway", _USE1, 0.045, 24,
          24, "nat"),
        T("AmazonEC2", "NatGateway-Bytes", "NatGateway", "GB", "NAT Gateway", _USE1, 0.045, 1,
          200, "nat", tagged=False),
        T("AmazonEKS", "USE1-AmazonEKS-Hours:perCluster", "CreateOperation", "Hrs", "Compute",
          _USE1, 0.1, 24, 24, "eks"),
        T("AmazonECS", "USE1-Fargate-vCPU-Hours:perCPU", "FargateTask", "hours", "Compute",
          _USE1, 0.04048, 1, 96, "ecs"),
        T("AmazonECS", "USE1-Fargate-GB-Hours", "FargateTask", "GB-Hours", "Compute", _USE1,
          0.004445, 2, 192, "ecs"),
        T("AmazonCloudWatch", "CW:MetricMonitorUsage", "MetricStorage", "Metrics", "Metric",
          _USE1, 0.3, 1, 40, "none", tagged=False),
    ]
    # fmt: on
    return t


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_list(values: Sequence[str | float | int]) -> str:
    parts = []
    for v in values:
        if isinstance(v, str):
            parts.append(_sql_str(v))
        else:
            parts.append(repr(float(v)))
    return "[" + ", ".join(parts) + "]"


def _sql_value(value: str | float | bool | None) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _sql_str(value)
    return repr(float(value))


def _synthetic_static_columns(
    templates: Sequence[_Template],
) -> dict[str, list[str | float | bool | None]]:
    """Per-template values of every column that depends on the template only.

    The last two entries are the non-usage templates (Tax, Credit).
    """
    cols: dict[str, list[str | float | bool | None]] = {}

    def put(name: str, values: Sequence[str | float | bool | None]) -> None:
        cols[name] = [*values]

    n_usage = len(templates)
    put("lineItem/LineItemType", ["Usage"] * n_usage + ["Tax", "Credit"])
    put("lineItem/UsageType", [t.usage_type for t in templates] + [None, None])
    put("lineItem/Operation", [t.operation for t in templates] + [None, None])
    put("product/usagetype", cols["lineItem/UsageType"])
    put("product/operation", cols["lineItem/Operation"])
    put("lineItem/UnblendedRate", [t.rate for t in templates] + [None, None])
    put("lineItem/BlendedRate", cols["lineItem/UnblendedRate"])
    put("pricing/publicOnDemandRate", cols["lineItem/UnblendedRate"])
    put(
        "lineItem/NormalizationFactor",
        [
            _NORMALIZATION_FACTOR.get(t.instance_type.split(".")[-1])
            if t.kind == "i" and t.instance_type
            else None
            for t in templates
        ]
        + [None, None],
    )
    put(
        "lineItem/LineItemDescription",
        [f"${t.rate:g} per {t.unit} - {t.usage_type}" for t in templates] + [None, None],
    )
    put("lineItem/TaxType", [None] * n_usage + ["USSalesTax", None])
    locations = [_REGIONS[t.region].location if t.region else None for t in templates]
    put("product/region", [t.region or None for t in templates] + [None, None])
    put("product/regionCode", cols["product/region"])
    put("product/location", locations + [None, None])
    put(
        "product/locationType", ["AWS Region" if t.region else None for t in templates] + [None] * 2
    )
    data_transfer = [t.family == "Data Transfer" for t in templates]
    pairs = zip(locations, data_transfer, strict=True)
    put("product/fromLocation", [loc if is_dt else None for loc, is_dt in pairs] + [None, None])
    put(
        "product/toLocation",
        ["External" if is_dt else None for is_dt in data_transfer] + [None] * 2,
    )
    put(
        "product/transferType",
        ["AWS Outbound" if is_dt else None for is_dt in data_transfer] + [None, None],
    )
    put("product/productFamily", [t.family for t in templates] + [None, None])
    put("product/servicecode", [t.product_code for t in templates] + [None, None])
    skus = [_sku(t.product_code, t.usage_type, t.operation) for t in templates]
    put("product/sku", skus + [None, None])
    put("product/instanceType", [t.instance_type or None for t in templates] + [None, None])
    specs = [_INSTANCE_TYPES.get(t.instance_type) for t in templates]
    put("product/instanceFamily", [s.family if s else None for s in specs] + [None, None])
    put("product/vcpu", [str(s.vcpu) if s else None for s in specs] + [None, None])
    put("product/memory", [f"{s.memory_gib} GiB" if s else None for s in specs] + [None, None])
    put("product/physicalProcessor", [s.processor if s else None for s in specs] + [None, None])
    is_ec2 = [t.kind == "i" and t.family == "Compute Instance" for t in templates]
    put("product/operatingSystem", ["Linux" if e else None for e in is_ec2] + [None, None])
    put("product/tenancy", ["Shared" if e else None for e in is_ec2] + [None, None])
    put("product/storageClass", [t.storage_class or None for t in templates] + [None, None])
    put("product/volumeApiName", [t.volume_api or None for t in templates] + [None, None])
    put("product/volumeType", [None] * (n_usage + 2))
    put("pricing/term", ["OnDemand"] * n_usage + [None, None])
    put("pricing/unit", [t.unit for t in templates] + [None, None])
    return cols


def generate_synthetic_cur_sql(
    n_rows: int, path: str, fmt: str = "csv", *, month: str = "2026-10"
) -> str:
    """One DuckDB ``COPY ... TO`` statement writing ``n_rows`` of synthetic legacy CUR.

    Same column names as :data:`CUR_HEADER`; ~40 usage types from the demo catalog cycled by
    ``i % 40``; days 1..30 of ``month``; resource ids spread by a hash (1,000+ distinct, more for
    bigger files); every 100th row is a Tax (positive) or Credit (negative) line item. In CSV
    the timestamps are CUR strings (``2026-10-01T00:00:00Z``); in Parquet they are ``TIMESTAMP``
    values. Everything runs inside DuckDB: per-template values are constant lists indexed by
    the template number, so the cost per row is a few hashes and list look-ups.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError("fmt must be 'csv' or 'parquet'")
    if n_rows < 0:
        raise ValueError("n_rows must be >= 0")
    year, mon = _parse_month(month)
    first = dt.date(year, mon, 1)
    next_first = first + dt.timedelta(days=calendar.monthrange(year, mon)[1])
    n_days = min(30, (next_first - first).days)
    days = [first + dt.timedelta(days=n) for n in range(n_days + 1)]  # usage days + last end
    templates = _synthetic_templates()
    k = len(templates)
    resources = max(50, n_rows // (k * 30))  # ~one row per resource and day

    def lst(values: Sequence[str | float | bool | None]) -> str:
        return "[" + ", ".join(_sql_value(v) for v in values) + "]"

    def by_template(values: Sequence[str | float | bool | None]) -> str:
        if all(v == values[0] for v in values):
            return _sql_value(values[0])
        return f"{lst(values)}[idx]"

    def stamp(day: dt.date) -> str:
        return _sql_str(_ts(day)) if fmt == "csv" else f"TIMESTAMP '{day.isoformat()} 00:00:00'"

    month_start, month_end = stamp(first), stamp(next_first)
    # Index d + 1 for usage rows; non-usage rows span the whole month (start 1, end n_days + 1).
    starts = "[" + ", ".join(stamp(day) for day in days[:n_days]) + "]"
    ends = "[" + ", ".join([*(stamp(day) for day in days[1:]), month_end]) + "]"
    intervals = lst([f"{_ts(days[n])}/{_ts(days[n + 1])}" for n in range(n_days)])

    # Resource ids: a per-template prefix (with the account for ARNs) + a hex or number suffix.
    def prefix(t: _Template, account: str) -> str | None:
        reg = t.region
        return {
            "i": "i-0",
            "vol": "vol-0",
            "bucket": f"acme-{_ENV_OF_ACCOUNT[account]}-bucket-",
            "lambda": f"arn:aws:lambda:{reg}:{account}:function:fn-",
            "rds": f"arn:aws:rds:{reg}:{account}:db:db-",
            "nat": f"arn:aws:ec2:{reg}:{account}:natgateway/nat-0",
            "eks": f"arn:aws:eks:{reg}:{account}:cluster/cluster-",
            "ecs": f"arn:aws:ecs:{reg}:{account}:service/cluster/svc-",
            "cf": f"arn:aws:cloudfront::{account}:distribution/E",
        }.get(t.kind)

    hex_suffix = lst([t.kind in ("i", "vol", "nat", "cf") for t in templates] + [False, False])
    prefix_prod = lst([prefix(t, PROD_ACCOUNT) for t in templates] + [None, None])
    prefix_stg = lst([prefix(t, STAGING_ACCOUNT) for t in templates] + [None, None])
    az_region = lst(
        [t.region if t.kind in ("i", "vol", "rds") else None for t in templates] + [None, None]
    )
    lo = lst([t.amount_lo for t in templates] + [1.0, 0.0])
    hi = lst([t.amount_hi for t in templates] + [1.0, 0.0])
    rate = lst([t.rate for t in templates] + [None, None])
    tagged = lst([t.tagged for t in templates] + [False, False])
    norm = lst(
        [
            float(_NORMALIZATION_FACTOR[t.instance_type.split(".")[-1]])
            if t.kind == "i" and t.instance_type
            else None
            for t in templates
        ]
        + [None, None]
    )
    product_codes = [t.product_code for t in templates]
    product_names = [_PRODUCT_NAMES.get(pc, pc) for pc in product_codes]

    static = _synthetic_static_columns(templates)
    exprs: dict[str, str] = {name: by_template(values) for name, values in static.items()}
    exprs.update(
        {
            "identity/LineItemId": (
                "printf('%016x%016x%016x', hash(i, 1), hash(i, 2), hash(i, 3))"
            ),
            "identity/TimeInterval": f"{intervals}[d + 1]",
            "bill/InvoiceId": "CAST(NULL AS VARCHAR)",
            "bill/InvoicingEntity": _sql_str(_LEGAL_ENTITY),
            "bill/BillingEntity": "'AWS'",
            "bill/BillType": "'Anniversary'",
            "bill/PayerAccountId": _sql_str(PAYER_ACCOUNT),
            "bill/BillingPeriodStartDate": month_start,
            "bill/BillingPeriodEndDate": month_end,
            "lineItem/UsageAccountId": (
                f"CASE WHEN stg THEN '{STAGING_ACCOUNT}' ELSE '{PROD_ACCOUNT}' END"
            ),
            "lineItem/UsageStartDate": f"{starts}[d + 1]",
            "lineItem/UsageEndDate": f"{ends}[CASE WHEN nu THEN {n_days + 1} ELSE d + 1 END]",
            "lineItem/ProductCode": f"{lst(product_codes)}[pidx]",
            "lineItem/AvailabilityZone": f"{az_region}[idx] || ['a', 'b', 'c'][1 + r % 3]",
            "lineItem/ResourceId": (
                f"CASE WHEN stg THEN {prefix_stg}[idx] ELSE {prefix_prod}[idx] END || "
                f"CASE WHEN {hex_suffix}[idx] THEN printf('%016x', hash(r, idx)) "
                "ELSE CAST(r AS VARCHAR) END"
            ),
            "lineItem/UsageAmount": "amount",
            "lineItem/NormalizedUsageAmount": f"amount * {norm}[idx]",
            "lineItem/CurrencyCode": "'USD'",
            "lineItem/UnblendedCost": "cost",
            "lineItem/BlendedCost": "cost",
            "lineItem/LineItemDescription": (
                f"CASE WHEN NOT nu THEN {by_template(static['lineItem/LineItemDescription'])} "
                f"WHEN idx = {k + 1} THEN 'Tax for product code ' || {lst(product_codes)}[pidx] "
                "ELSE 'AWS Credits - Promotional' END"
            ),
            "lineItem/LegalEntity": _sql_str(_LEGAL_ENTITY),
            "product/ProductName": f"{lst(product_names)}[pidx]",
            "pricing/currency": "'USD'",
            "pricing/publicOnDemandCost": "CASE WHEN NOT nu THEN cost END",
            "reservation/EffectiveCost": "CAST(NULL AS DOUBLE)",
            "reservation/ReservationARN": "CAST(NULL AS VARCHAR)",
            "savingsPlan/SavingsPlanARN": "CAST(NULL AS VARCHAR)",
            "savingsPlan/SavingsPlanEffectiveCost": "CAST(NULL AS DOUBLE)",
            "savingsPlan/SavingsPlanRate": "CAST(NULL AS DOUBLE)",
            "resourceTags/user:env": (
                "CASE WHEN tg THEN CASE WHEN stg THEN 'staging' ELSE 'prod' END END"
            ),
            "resourceTags/user:team": f"CASE WHEN tg THEN {_sql_list(_TEAMS)}[1 + r % 4] END",
        }
    )
    missing = set(CUR_HEADER) - set(exprs)
    if missing:  # pragma: no cover - guards edits to CUR_HEADER
        raise AssertionError(f"synthetic SQL lacks columns: {sorted(missing)}")
    select_list = ",\n  ".join(f'{exprs[name]} AS "{name}"' for name in CUR_HEADER)
    options = "FORMAT csv, HEADER" if fmt == "csv" else "FORMAT parquet"
    return f"""COPY (
WITH base AS (
  SELECT
    i,
    i % 100 = 99 AS nu,
    CASE WHEN i % 100 = 99 THEN {k + 1} + CAST((i // 100) % 2 AS INTEGER)
         ELSE 1 + CAST(i % {k} AS INTEGER) END AS idx,
    1 + CAST((i // 100) % {k} AS INTEGER) AS pidx_nu,
    CASE WHEN i % 100 = 99 THEN 0 ELSE CAST(hash(i, 'd') % {n_days} AS INTEGER) END AS d,
    CAST(hash(i, 'r') % {resources} AS BIGINT) AS r,
    CAST(hash(i, 'u') % 1000000 AS DOUBLE) / 1000000.0 AS u
  FROM range({int(n_rows)}) AS t(i)
),
calc AS (
  SELECT *,
    CASE WHEN nu THEN pidx_nu ELSE idx END AS pidx,
    r % 3 = 0 AS stg,
    {tagged}[idx] AND r % 10 <> 0 AS tg,
    round({lo}[idx] + ({hi}[idx] - {lo}[idx]) * u, 6) AS amount
  FROM base
),
costed AS (
  SELECT *,
    CASE
      WHEN NOT nu THEN round(amount * {rate}[idx], 10)
      WHEN idx = {k + 1} THEN round(0.5 + 50.0 * u, 2)
      ELSE -round(5.0 + 100.0 * u, 2)
    END AS cost
  FROM calc
)
SELECT
  {select_list}
FROM costed
) TO {_sql_str(path)} ({options})"""


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ccf_py.demo_data",
        description="Write a deterministic synthetic one-month legacy AWS CUR (.csv.gz).",
    )
    parser.add_argument("out", type=pathlib.Path, help="output file, e.g. demo.csv.gz")
    parser.add_argument("--month", default="2026-10", help="billing month YYYY-MM")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--rows-scale",
        type=int,
        default=1,
        help="repeat the demo company's resources N times (default 1, ~4.5k rows)",
    )
    args = parser.parse_args(argv)
    if args.rows_scale < 1:
        parser.error("--rows-scale must be >= 1")
    try:
        rows = generate_demo_cur(
            args.out, month=args.month, seed=args.seed, rows_scale=args.rows_scale
        )
    except ValueError as exc:
        parser.error(str(exc))
    print(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
