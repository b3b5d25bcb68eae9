"""Synthetic Google Cloud Billing standard usage cost export (BigQuery schema, NDJSON, gzip).

:func:`generate_demo_gcp` writes one month of daily lines for the made-up company in
:mod:`.gcp_catalog`, nested exactly like a BigQuery export of ``gcp_billing_export_v1_*``
(``service{id,description}``, ``project{..., ancestors}``, ``labels[{key,value}]``,
``system_labels`` with ``compute.googleapis.com/machine_spec|cores|memory`` on VM lines,
``usage{amount,unit,amount_in_pricing_units,pricing_unit}``, ``credits[{name,amount,full_name,
id,type}]``, ``invoice{month}``, ``cost_type``...). Units are Google's: ``seconds``,
``byte-seconds``, ``bytes``, ``requests``; pricing units ``hour``, ``gibibyte hour``,
``gibibyte month`` (30 days, as in the project's sample exports), ``gibibyte``, ``tebibyte``,
``count``. Real exports are hourly; these lines are daily to keep the file small.

Costs are list price x ``amount_in_pricing_units`` rounded to 6 decimals (``cost_at_list`` =
``cost``); credits are negative: sustained use discounts (N2, N2 custom, N2D; rising by quarter
of the month) and free tiers (Cloud Functions, BigQuery, GKE's zonal cluster, Cloud Logging). A
monthly ``Support`` line, one ``tax`` line per project and a ``rounding_error`` line end the
month; the rounding error makes ``sum(cost) + sum(credits)`` a whole number of cents.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import pathlib
import random
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from ccf_py.demo_data import gcp_catalog as cat
from ccf_py.demo_data.builder import _write_gz
from ccf_py.demo_data.formatting import _parse_month

_DAY = 86400
_GIB = 2**30
_TIB = 2**40
_MONTH_SECONDS = 2592000  # Google's "gibibyte month" divisor: 30 days of seconds
_MICRO = Decimal("0.000001")
_CENT = Decimal("0.01")

Json = dict[str, Any]


def _sku_id(description: str) -> str:
    digest = hashlib.sha1(description.encode()).hexdigest().upper()
    return f"{digest[0:4]}-{digest[4:8]}-{digest[8:12]}"


def _ts(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _num(value: Decimal | int) -> float:
    """Numbers are JSON floats in BigQuery exports (``691200.0``, ``2.3e+16``)."""
    return float(value)


def _project(project: cat.Project | None) -> Json | None:
    if project is None:
        return None
    env = "dev" if project is cat.ML else "prod"
    return {
        "id": project.id,
        "number": project.number,
        "name": project.name,
        "labels": [
            {"key": "cost-center", "value": project.cost_center},
            {"key": "env", "value": env},
        ],
        "ancestry_numbers": f"/{cat.ORG_NUMBER}/{project.number}/",
        "ancestors": [
            {"resource_name": f"projects/{project.number}", "display_name": project.name},
            {"resource_name": f"organizations/{cat.ORG_NUMBER}", "display_name": cat.ORG_NAME},
        ],
    }


def _location(location: str | None, zone: str | None = None) -> Json | None:
    if location is None:
        return None
    if location == cat.US_MULTI:
        return {"location": "us", "country": "US", "region": None, "zone": None}
    if location == cat.GLOBAL:
        return {"location": "global", "country": None, "region": None, "zone": None}
    country = cat.REGIONS[location][0]
    return {"location": location, "country": country, "region": location, "zone": zone}


def _labels(team: str | None, project: cat.Project, extra: Sequence[tuple[str, str]] = ()) -> list:
    if team is None:
        return []
    env = "dev" if project is cat.ML else "prod"
    pairs = [("team", team), ("env", env), *extra]
    return [{"key": k, "value": v} for k, v in pairs]


def _credit(name: str, amount: Decimal, kind: str) -> Json:
    return {"name": name, "amount": _num(amount), "full_name": "", "id": "", "type": kind}


class _GcpBuilder:
    """Accumulates export lines for one invoice month, with the free-tier allowances left."""

    def __init__(self, year: int, month: int, rng: random.Random) -> None:
        self.rng = rng
        self.days = calendar.monthrange(year, month)[1]
        self.first = dt.datetime(year, month, 1)
        self.invoice_month = f"{year:04d}{month:02d}"
        self.lines: list[Json] = []
        self.free_left = dict(cat.FREE_TIER)
        self.logging_left = {p.id: cat.LOGGING_FREE_GIB for p in cat.PROJECTS}
        self.net_by_project: dict[str, Decimal] = {}
        self.total = Decimal(0)

    def day_start(self, day: int) -> dt.datetime:
        return self.first + dt.timedelta(days=day - 1)

    def export_time(self, end: dt.datetime) -> str:
        """A few hours after the usage window closes, with microseconds, like real exports."""
        delay = dt.timedelta(seconds=self.rng.randint(3600, 20 * 3600))
        micros = self.rng.randint(0, 999999)
        return f"{(end + delay).strftime('%Y-%m-%d %H:%M:%S')}.{micros:06d} UTC"

    def add(
        self,
        *,
        start: dt.datetime,
        end: dt.datetime,
        project: cat.Project | None,
        service: str,
        sku: str,
        location: Json | None,
        usage: Json,
        cost: Decimal,
        credits: Sequence[Json] = (),
        labels: list | None = None,
        system_labels: list | None = None,
        cost_type: str = "regular",
    ) -> None:
        cost = cost.quantize(_MICRO)
        credit_sum = sum((Decimal(repr(c["amount"])) for c in credits), Decimal(0))
        self.lines.append(
            {
                "billing_account_id": cat.BILLING_ACCOUNT,
                "service": {"id": cat.SERVICES[service], "description": service},
                "sku": {"id": _sku_id(sku), "description": sku},
                "usage_start_time": _ts(start),
                "usage_end_time": _ts(end),
                "project": _project(project),
                "labels": labels or [],
                "system_labels": system_labels or [],
                "location": location,
                "tags": [],
                "export_time": self.export_time(end),
                "cost": _num(cost),
                "currency": "USD",
                "currency_conversion_rate": 1.0,
                "usage": usage,
                "credits": list(credits),
                "invoice": {"month": self.invoice_month},
                "cost_type": cost_type,
                "adjustment_info": None,
                "cost_at_list": _num(cost),
                "transaction_type": "GOOGLE",
                "seller_name": None,
            }
        )
        net = cost + credit_sum
        self.total += net
        if project is not None and cost_type == "regular":
            self.net_by_project[project.id] = self.net_by_project.get(project.id, 0) + net

    def daily(self, day: int, **kwargs: Any) -> None:
        start = self.day_start(day)
        self.add(start=start, end=start + dt.timedelta(days=1), **kwargs)

    def free_tier(self, key: str, amount: Decimal, price: Decimal, project_id: str) -> list:
        """A FREE_TIER credit for what is left of the monthly allowance (in pricing units)."""
        if key == "Log Volume":
            left = self.logging_left[project_id]
            used = min(left, amount)
            self.logging_left[project_id] = left - used
        elif key in self.free_left:
            left = self.free_left[key]
            # GKE's allowance is in USD, the others in pricing units.
            need = amount * price if key == "Zonal Kubernetes Clusters" else amount
            used = min(left, need)
            self.free_left[key] = left - used
            if key == "Zonal Kubernetes Clusters":
                used = used / price
        else:
            return []
        credit = -(used * price).quantize(_MICRO)
        return [_credit("FreeTier", credit, "FREE_TIER")] if credit else []


def _usage(amount: Decimal | int, unit: str, in_pricing: Decimal, pricing_unit: str) -> Json:
    return {
        "amount": _num(amount),
        "unit": unit,
        "amount_in_pricing_units": _num(in_pricing),
        "pricing_unit": pricing_unit,
    }


# -- Compute Engine ------------------------------------------------------------------------


def _vm_hours(group: cat.VmGroup, weekday: int, rng: random.Random) -> int:
    if group.schedule == "always":
        return 24
    if weekday >= 5:
        return 0
    if group.schedule == "weekdays":
        return 10
    return rng.randint(6, 20)  # GPU experiments


def _vm_lines(b: _GcpBuilder, group: cat.VmGroup, day: int) -> None:
    hours = _vm_hours(group, b.day_start(day).weekday(), b.rng)
    if hours == 0:
        return
    region = group.zone.rsplit("-", 1)[0]
    continent = cat.REGIONS[region][1]
    prices = cat.FAMILY_PRICES[(group.family, region)]
    extra = ()
    if group.gke_cluster:
        extra = (
            ("goog-k8s-cluster-name", group.gke_cluster),
            ("goog-k8s-node-pool-name", "default-pool"),
        )
    common = {
        "project": group.project,
        "service": "Compute Engine",
        "location": _location(region, group.zone),
        "labels": _labels(group.team, group.project, extra),
        "system_labels": [
            {"key": "compute.googleapis.com/machine_spec", "value": group.machine_type},
            {"key": "compute.googleapis.com/cores", "value": str(group.vcpus)},
            {"key": "compute.googleapis.com/memory", "value": str(group.memory_mib)},
        ],
    }
    sud = cat.SUD_RATES[(day - 1) * 4 // b.days] if group.family in cat.SUD_FAMILIES else None
    core_hours = Decimal(group.count * group.vcpus * hours)
    ram_gib_hours = Decimal(group.count * group.memory_mib * hours) / 1024
    for sku, amount, unit, in_pricing, pricing_unit, price in (
        (
            f"{group.family} Instance Core running in {continent}",
            core_hours * 3600,
            "seconds",
            core_hours,
            "hour",
            prices.core,
        ),
        (
            f"{group.family} Instance Ram running in {continent}",
            group.count * group.memory_mib * 2**20 * hours * 3600,
            "byte-seconds",
            ram_gib_hours,
            "gibibyte hour",
            prices.ram,
        ),
    ):
        cost = (in_pricing * price).quantize(_MICRO)
        credits = []
        if sud:
            credits = [
                _credit(
                    "Sustained Usage Discount",
                    -(cost * sud).quantize(_MICRO),
                    "SUSTAINED_USAGE_DISCOUNT",
                )
            ]
        b.daily(
            day,
            sku=sku,
            usage=_usage(amount, unit, in_pricing, pricing_unit),
            cost=cost,
            credits=credits,
            **common,
        )
    if group.gpus:
        gpu_hours = Decimal(group.count * group.gpus * hours)
        b.daily(
            day,
            sku=f"Nvidia Tesla A100 GPU running in {continent}",
            usage=_usage(gpu_hours * 3600, "seconds", gpu_hours, "hour"),
            cost=gpu_hours * cat.A100_PRICE,
            **common,
        )


# -- storage, metered and always-on services -----------------------------------------------


def _capacity_line(b: _GcpBuilder, item: cat.Capacity, day: int) -> None:
    gib = item.gib + item.growth_gib_per_day * (day - 1)
    in_pricing = Decimal(gib * _DAY) / _MONTH_SECONDS
    b.daily(
        day,
        project=item.project,
        service=item.service,
        sku=item.sku,
        location=_location(item.location, item.zone),
        usage=_usage(gib * _GIB * _DAY, "byte-seconds", in_pricing, "gibibyte month"),
        cost=in_pricing * item.price,
        credits=b.free_tier(item.sku, in_pricing, item.price, item.project.id),
        labels=_labels(item.team, item.project),
    )


def _metered_usage(item: cat.Metered, day_factor: Decimal, rng: random.Random) -> Json:
    """Draw the day's amount as an integer in the usage unit, then convert to pricing units."""
    scale = {"bytes": _GIB, "tebibytes": _TIB, "requests": 1, "seconds": 3600, "gib_seconds": 3600}[
        item.kind
    ]
    low, high = int(item.low * day_factor * scale), int(item.high * day_factor * scale)
    drawn = rng.randint(low, high)
    in_pricing = Decimal(drawn) / scale
    if item.kind == "bytes":
        return _usage(drawn, "bytes", in_pricing, "gibibyte")
    if item.kind == "tebibytes":
        return _usage(drawn, "bytes", in_pricing, "tebibyte")
    if item.kind == "requests":
        return _usage(drawn, "requests", in_pricing, "count")
    if item.kind == "seconds":
        return _usage(drawn, "seconds", in_pricing, "hour")
    return _usage(drawn * _GIB, "byte-seconds", in_pricing, "gibibyte hour")


def _metered_line(b: _GcpBuilder, item: cat.Metered, day: int) -> None:
    weekend = b.day_start(day).weekday() >= 5
    usage = _metered_usage(item, item.weekend_factor if weekend else Decimal(1), b.rng)
    in_pricing = Decimal(repr(usage["amount_in_pricing_units"]))
    b.daily(
        day,
        project=item.project,
        service=item.service,
        sku=item.sku,
        location=_location(item.location, item.zone),
        usage=usage,
        cost=in_pricing * item.price,
        credits=b.free_tier(item.sku, in_pricing, item.price, item.project.id),
        labels=_labels(item.team, item.project),
    )


def _always_line(b: _GcpBuilder, item: cat.Always, day: int) -> None:
    in_pricing = Decimal(item.units * 24)
    if item.kind == "seconds":
        usage = _usage(item.units * _DAY, "seconds", in_pricing, "hour")
    else:
        usage = _usage(item.units * _GIB * _DAY, "byte-seconds", in_pricing, "gibibyte hour")
    b.daily(
        day,
        project=item.project,
        service=item.service,
        sku=item.sku,
        location=_location(item.location, item.zone),
        usage=usage,
        cost=in_pricing * item.price,
        credits=b.free_tier(item.sku, in_pricing, item.price, item.project.id),
        labels=_labels(item.team, item.project),
    )


# -- month-end lines -----------------------------------------------------------------------


def _month_end_lines(b: _GcpBuilder) -> None:
    """Support (billing account), tax per project, then the invoice rounding error."""
    month_end = b.first + dt.timedelta(days=b.days)
    last_hour = month_end - dt.timedelta(hours=1)
    no_usage = {"amount": 0.0, "unit": None, "amount_in_pricing_units": 0.0, "pricing_unit": None}
    support = max(cat.SUPPORT_MINIMUM, (b.total * cat.SUPPORT_RATE).quantize(_CENT))
    b.add(
        start=b.first,
        end=month_end,
        project=None,
        service="Support",
        sku="Standard Support",
        location=_location(cat.GLOBAL),
        usage=_usage(1, "month", Decimal(1), "month"),
        cost=support,
    )
    for project in cat.PROJECTS:
        tax = (b.net_by_project[project.id] * cat.TAX_RATE).quantize(_CENT)
        b.add(
            start=last_hour,
            end=month_end,
            project=project,
            service="Invoice",
            sku="Tax",
            location=None,
            usage=dict(no_usage),
            cost=tax,
            cost_type="tax",
        )
    rounding = b.total.quantize(_CENT) - b.total
    b.add(
        start=last_hour,
        end=month_end,
        project=None,
        service="Invoice",
        sku="Invoice rounding error",
        location=None,
        usage=dict(no_usage),
        cost=rounding,
        cost_type="rounding_error",
    )


def generate_demo_gcp(path: pathlib.Path, month: str = "2026-10", seed: int = 42) -> int:
    """Write one deterministic month of a GCP standard billing export (NDJSON, gzip) to ``path``.

    Returns the number of lines written. The bytes depend only on ``month`` and ``seed``.
    """
    year, mon = _parse_month(month)
    b = _GcpBuilder(year, mon, random.Random(seed))
    for day in range(1, b.days + 1):
        for group in cat.VM_GROUPS:
            _vm_lines(b, group, day)
        for item in (*cat.DISKS, *cat.BUCKETS):
            _capacity_line(b, item, day)
        for metered in cat.METERED:
            _metered_line(b, metered, day)
        for always in cat.ALWAYS_ON:
            _always_line(b, always, day)
    _month_end_lines(b)
    text = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in b.lines)
    _write_gz(path, text.encode("utf-8"))
    return len(b.lines)
