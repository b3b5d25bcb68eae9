"""Storage emitters: EBS volumes and snapshots, S3 buckets (storage classes and requests).

Each emitter returns a callable day -> None that appends that day's rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from ccf_py.demo_data.builder import _CurBuilder, _DayEmitter
from ccf_py.demo_data.catalog import _EBS_KINDS, _REGIONS, _S3_CLASSES
from ccf_py.demo_data.formatting import _TEN_DP, _plain, _usage_type


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
        _s3_storage_rows(b, region, storage_gb, 1 + growth * (day - 1), common)
        _s3_request_rows(b, region, puts_per_day, gets_per_day, common)

    return emit


def _s3_storage_rows(
    b: _CurBuilder,
    region: str,
    storage_gb: Mapping[str, float],
    growth_factor: float,
    common: Mapping[str, object],
) -> None:
    """One row per storage class: the day's share of a GB-month, grown by ``growth_factor``."""
    for klass, gb in storage_gb.items():
        base, operation, storage_class, volume_type, price = _S3_CLASSES[klass]
        amount = Decimal(str(gb * growth_factor)) / b.days
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


def _s3_request_rows(
    b: _CurBuilder, region: str, puts_per_day: int, gets_per_day: int, common: Mapping[str, object]
) -> None:
    """PUT (tier 1) and GET (tier 2) requests of the day, when the bucket gets any."""
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
