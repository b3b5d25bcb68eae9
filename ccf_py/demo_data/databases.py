"""Database emitters: RDS instances (instance hours and provisioned storage).

Each emitter returns a callable day -> None that appends that day's rows.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ccf_py.demo_data.builder import _CurBuilder, _DayEmitter
from ccf_py.demo_data.catalog import _INSTANCE_TYPES, _REGIONS, _instance_type_product
from ccf_py.demo_data.formatting import _TEN_DP, _plain, _usage_type


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
        common: dict[str, object] = {
            "day": day,
            "account": account,
            "line_item_type": "Usage",
            "product_code": "AmazonRDS",
            "operation": operation,
            "region": region,
            "az": region if multi_az else az,
            "resource_id": arn,
            "team": team,
        }
        b.add(
            usage_type=_usage_type(region, f"{usage}:{db_class}"),
            amount=Decimal(24),
            rate=rate,
            unit="Hrs",
            description=f"${_plain(rate)} per RDS {db_class} {'Multi-AZ ' if multi_az else ''}"
            "instance hour (or partial hour) running PostgreSQL",
            product={
                "productFamily": "Database Instance",
                "servicecode": "AmazonRDS",
                **_instance_type_product(db_class),
            },
            **common,  # type: ignore[arg-type]
        )
        b.add(
            usage_type=_usage_type(region, storage_usage),
            amount=(Decimal(storage_gb) / b.days).quantize(_TEN_DP, rounding=ROUND_HALF_UP),
            rate=storage_rate,
            unit="GB-Mo",
            description=f"${_plain(storage_rate)} per GB-month of provisioned GP2 storage running "
            "PostgreSQL",
            product={
                "productFamily": "Database Storage",
                "servicecode": "AmazonRDS",
                "volumeType": "General Purpose",
            },
            **common,  # type: ignore[arg-type]
        )

    return emit
