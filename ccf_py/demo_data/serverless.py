"""Serverless and container emitters: Lambda functions, Fargate services, EKS clusters.

Each emitter returns a callable day -> None that appends that day's rows.
"""

from __future__ import annotations

from decimal import Decimal

from ccf_py.demo_data.builder import _CurBuilder, _DayEmitter
from ccf_py.demo_data.catalog import _REGIONS
from ccf_py.demo_data.formatting import _dec, _usage_type, _usage_type_always_prefixed


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
        common: dict[str, object] = {
            "day": day,
            "account": account,
            "line_item_type": "Usage",
            "product_code": "AWSLambda",
            "operation": "Invoke",
            "region": region,
            "resource_id": arn,
            "team": team,
            "product": {"productFamily": "Serverless", "servicecode": "AWSLambda"},
        }
        b.add(
            usage_type=_usage_type(region, gb_s_type),
            amount=_dec(gb_seconds_per_day * load, 3),
            rate=gb_s_rate,
            unit="Lambda-GB-Second",
            description=f"AWS Lambda - Total Compute - {_REGIONS[region].location}",
            **common,  # type: ignore[arg-type]
        )
        b.add(
            usage_type=_usage_type(region, "Request"),
            amount=Decimal(int(requests_per_day * load)),
            rate=Decimal("0.0000002"),
            unit="Requests",
            description=f"AWS Lambda - Total Requests - {_REGIONS[region].location}",
            **common,  # type: ignore[arg-type]
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
        common: dict[str, object] = {
            "day": day,
            "account": account,
            "line_item_type": "Usage",
            "product_code": "AmazonECS",
            "operation": "FargateTask",
            "region": region,
            "resource_id": arn,
            "team": team,
            "product": product,
        }
        b.add(
            usage_type=_usage_type_always_prefixed(region, "Fargate-vCPU-Hours:perCPU"),
            amount=_dec(task_hours * vcpu_per_task, 6),
            rate=vcpu_rate,
            unit="hours",
            description=f"AWS Fargate - vCPU - {_REGIONS[region].location}",
            **common,  # type: ignore[arg-type]
        )
        b.add(
            usage_type=_usage_type_always_prefixed(region, "Fargate-GB-Hours"),
            amount=_dec(task_hours * gb_per_task, 6),
            rate=gb_rate,
            unit="GB-Hours",
            description=f"AWS Fargate - Memory - {_REGIONS[region].location}",
            **common,  # type: ignore[arg-type]
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
