"""Network emitters: internet egress, cross-AZ and inter-region transfer, CloudFront, NAT.

Each emitter returns a callable day -> None that appends that day's rows.
"""

from __future__ import annotations

from decimal import Decimal

from ccf_py.demo_data.builder import _CurBuilder, _DayEmitter
from ccf_py.demo_data.catalog import _REGIONS
from ccf_py.demo_data.formatting import _dec, _plain, _usage_type


def _transfer_product(
    from_location: str, to_location: str, transfer_type: str, servicecode: str = "AWSDataTransfer"
) -> dict[str, str]:
    """Product columns of a data transfer line item."""
    return {
        "productFamily": "Data Transfer",
        "servicecode": servicecode,
        "fromLocation": from_location,
        "toLocation": to_location,
        "transferType": transfer_type,
    }


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
            product=_transfer_product(_REGIONS[region].location, "External", "AWS Outbound"),
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
            product=_transfer_product(
                _REGIONS[region].location, _REGIONS[region].location, "IntraRegion"
            ),
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
            product=_transfer_product(
                _REGIONS[src].location, _REGIONS[dst].location, "InterRegion Outbound"
            ),
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
            product=_transfer_product(
                location, "External", "CloudFront Outbound", "AmazonCloudFront"
            ),
        )

    return emit


def _nat_gateway(
    b: _CurBuilder, account: str, region: str, team: str, gb_per_day: float
) -> _DayEmitter:
    arn = f"arn:aws:ec2:{region}:{account}:natgateway/{b.hex_id('nat')}"
    rate = (Decimal("0.045") * _REGIONS[region].price_factor).quantize(Decimal("0.0001"))
    product = {"productFamily": "NAT Gateway", "servicecode": "AmazonEC2"}

    def emit(day: int) -> None:
        common: dict[str, object] = {
            "day": day,
            "account": account,
            "line_item_type": "Usage",
            "product_code": "AmazonEC2",
            "operation": "NatGateway",
            "region": region,
            "resource_id": arn,
            "rate": rate,
            "team": team,
            "product": product,
        }
        b.add(
            usage_type=_usage_type(region, "NatGateway-Hours"),
            amount=Decimal(24),
            unit="Hrs",
            description=f"${_plain(rate)} per NAT Gateway Hour",
            **common,  # type: ignore[arg-type]
        )
        b.add(
            usage_type=_usage_type(region, "NatGateway-Bytes"),
            amount=_dec(gb_per_day * b.rng.uniform(0.6, 1.4), 6),
            unit="GB",
            description=f"${_plain(rate)} per GB Data Processed by NAT Gateways",
            **common,  # type: ignore[arg-type]
        )

    return emit
