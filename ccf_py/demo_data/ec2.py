"""EC2 emitters: instances (on-demand, Spot, RI- and SP-covered) with their volumes and traffic.

Each emitter returns a callable day -> None that appends that day's rows.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

from ccf_py.demo_data.builder import _CurBuilder, _DayEmitter
from ccf_py.demo_data.catalog import (
    _INSTANCE_TYPES,
    _NORMALIZATION_FACTOR,
    _REGIONS,
    _RI_ARN,
    _RI_RATE,
    _SP_ARN,
    _SP_RATE,
    _instance_type_product,
)
from ccf_py.demo_data.formatting import _dec, _fmt, _plain, _sku, _usage_type
from ccf_py.demo_data.network import _cross_az, _transfer_out
from ccf_py.demo_data.storage import _ebs_volume


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
    return {
        "productFamily": "Compute Instance",
        "servicecode": "AmazonEC2",
        **_instance_type_product(itype),
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


@dataclass(frozen=True)
class _Instance:
    """One EC2 instance of a group, as placed: id, AZ, rates and its product columns."""

    group: _Group
    instance_id: str
    az: str
    od_rate: Decimal
    product: dict[str, str]
    norm: str  # normalization factor of the instance size
    box: str  # BoxUsage usage type


def _instance(b: _CurBuilder, g: _Group) -> list[_DayEmitter]:
    """One EC2 instance of group ``g`` (plus its EBS volumes and data transfer)."""
    account, region, team, launch_day = g.account, g.region, g.team, g.launch_day
    spec = _INSTANCE_TYPES[g.itype]
    inst = _Instance(
        group=g,
        instance_id=b.hex_id("i"),
        az=region + b.rng.choice("abc"),
        od_rate=(spec.price * _REGIONS[region].price_factor).quantize(Decimal("0.0001")),
        product=_ec2_product(g.itype),
        norm=_NORMALIZATION_FACTOR[g.itype.split(".")[1]],
        box=_usage_type(region, f"BoxUsage:{g.itype}"),
    )
    emitters: list[_DayEmitter] = [functools.partial(_instance_day, b, inst)]
    for volume in (g.root if g.coverage != "spot" else None, g.data_volume):
        if volume is not None:
            kind, size = volume
            emitters.append(_ebs_volume(b, account, region, inst.az, kind, size, team, launch_day))
    if g.transfer_out_gb:
        emitters.append(
            _transfer_out(
                b, account, region, inst.instance_id, "AmazonEC2", g.transfer_out_gb, launch_day
            )
        )
    if g.cross_az_gb:
        emitters.append(
            _cross_az(b, account, region, inst.instance_id, inst.az, g.cross_az_gb, launch_day)
        )
    return emitters


def _instance_day(b: _CurBuilder, inst: _Instance, day: int) -> None:
    """Append one day of an instance: its compute rows (by coverage) and T3 CPU credits."""
    g = inst.group
    if day < g.launch_day:
        return
    hours = _hours_for(b, "spot" if g.coverage == "spot" else g.pattern, day)
    if hours == 0:
        return
    compute_rows = {"spot": _spot_row, "ri": _reserved_row, "sp": _savings_plan_rows}
    compute_rows.get(g.coverage, _on_demand_row)(b, inst, day, hours)
    if g.itype.startswith("t3") and g.pattern == "autoscale" and b.rng.random() < 0.3:
        _cpu_credits(b, inst, day)


def _compute_args(inst: _Instance, day: int, hours: Decimal) -> dict[str, object]:
    """The :meth:`_CurBuilder.add` arguments every compute row of the instance and day shares."""
    return {
        "day": day,
        "account": inst.group.account,
        "product_code": "AmazonEC2",
        "region": inst.group.region,
        "amount": hours,
        "unit": "Hrs",
        "resource_id": inst.instance_id,
        "az": inst.az,
        "team": inst.group.team,
        "product": inst.product,
    }


def _norm_extra(inst: _Instance, hours: Decimal) -> dict[str, str]:
    return {
        "lineItem/NormalizationFactor": inst.norm,
        "lineItem/NormalizedUsageAmount": _fmt(hours * Decimal(inst.norm)),
    }


def _spot_row(b: _CurBuilder, inst: _Instance, day: int, hours: Decimal) -> None:
    itype, region, od_rate = inst.group.itype, inst.group.region, inst.od_rate
    spot_rate = (od_rate * _dec(b.rng.uniform(0.36, 0.44), 4)).quantize(Decimal("0.0001"))
    b.add(
        line_item_type="Usage",
        usage_type=_usage_type(region, f"SpotUsage:{itype}"),
        operation="RunInstances:SV001",
        rate=spot_rate,
        public_rate=od_rate,
        term="",
        description=f"${_plain(spot_rate)} per Linux/UNIX {itype} spot instance-hour in {region}",
        extra=_norm_extra(inst, hours),
        **_compute_args(inst, day, hours),  # type: ignore[arg-type]
    )


def _reserved_row(b: _CurBuilder, inst: _Instance, day: int, hours: Decimal) -> None:
    ri_rate = _RI_RATE
    b.add(
        line_item_type="DiscountedUsage",
        usage_type=inst.box,
        operation="RunInstances",
        rate=Decimal(0),
        # Consolidated billing: blended rate spreads the RI rate over the family.
        blended_rate=ri_rate,
        blended_cost=hours * ri_rate,
        public_rate=inst.od_rate,
        term="Reserved",
        description=f"USD 0.0 hourly fee per Linux/UNIX (Amazon VPC), {inst.group.itype} instance",
        extra={
            **_norm_extra(inst, hours),
            "reservation/ReservationARN": _RI_ARN,
            "reservation/EffectiveCost": _fmt(hours * ri_rate),
        },
        **_compute_args(inst, day, hours),  # type: ignore[arg-type]
    )


def _savings_plan_rows(b: _CurBuilder, inst: _Instance, day: int, hours: Decimal) -> None:
    """The SP-covered usage row and the negation that cancels its on-demand cost."""
    box, od_rate = inst.box, inst.od_rate
    common = _compute_args(inst, day, hours)
    description = f"${_plain(od_rate)} per On Demand Linux {inst.group.itype} Instance Hour"
    covered = b.add(
        line_item_type="SavingsPlanCoveredUsage",
        usage_type=box,
        operation="RunInstances",
        rate=od_rate,
        public_rate=od_rate,
        description=description,
        extra={
            **_norm_extra(inst, hours),
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
            f"SavingsPlanNegation used by AccountId : {inst.group.account} and UsageSku : "
            + _sku("AmazonEC2", box, "RunInstances")
        ),
        extra={"savingsPlan/SavingsPlanARN": _SP_ARN},
        **common,  # type: ignore[arg-type]
    )


def _on_demand_row(b: _CurBuilder, inst: _Instance, day: int, hours: Decimal) -> None:
    b.add(
        line_item_type="Usage",
        usage_type=inst.box,
        operation="RunInstances",
        rate=inst.od_rate,
        description=f"${_plain(inst.od_rate)} per On Demand Linux {inst.group.itype} Instance Hour",
        extra=_norm_extra(inst, hours),
        **_compute_args(inst, day, hours),  # type: ignore[arg-type]
    )


def _cpu_credits(b: _CurBuilder, inst: _Instance, day: int) -> None:
    """Unlimited-mode surplus credits on busy days."""
    region = inst.group.region
    credits = _dec(b.rng.uniform(0.5, 6.0), 4)
    b.add(
        day=day,
        account=inst.group.account,
        line_item_type="Usage",
        product_code="AmazonEC2",
        usage_type=_usage_type(region, "CPUCredits:t3"),
        operation="RunInstances",
        region=region,
        amount=credits,
        rate=Decimal("0.05"),
        unit="vCPU-Hours",
        resource_id=inst.instance_id,
        az=inst.az,
        team=inst.group.team,
        description="$0.05 per vCPU-Hour of T3 CPU Credits",
        product={"productFamily": "CPU Credits", "servicecode": "AmazonEC2"},
    )
