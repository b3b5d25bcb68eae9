"""The demo company: its EC2 instance groups and every other resource, per ``rows_scale`` copy."""

from __future__ import annotations

from ccf_py.demo_data.builder import _CurBuilder, _DayEmitter
from ccf_py.demo_data.catalog import (
    _EUN1,
    _EUW1,
    _SP_RATE,
    _USE1,
    _USW2,
    PROD_ACCOUNT,
    STAGING_ACCOUNT,
)
from ccf_py.demo_data.databases import _rds_instance
from ccf_py.demo_data.ec2 import _Group, _instance
from ccf_py.demo_data.monitoring import _cloudwatch_metrics
from ccf_py.demo_data.network import (
    _cloudfront,
    _inter_region,
    _nat_gateway,
    _transfer_out,
)
from ccf_py.demo_data.serverless import _eks_cluster, _fargate_service, _lambda_function
from ccf_py.demo_data.storage import _ebs_volume, _s3_bucket, _snapshot

_P, _S = PROD_ACCOUNT, STAGING_ACCOUNT

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
    e += _storage(b, sfx, lake, index)
    e += _transfer(b, lake, index)
    e += _services(b, sfx)
    return e


def _storage(b: _CurBuilder, sfx: str, lake: str, index: str) -> list[_DayEmitter]:
    """Unattached volume, snapshots and S3 buckets."""
    # fmt: off
    return [
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
    ]
    # fmt: on


def _transfer(b: _CurBuilder, lake: str, index: str) -> list[_DayEmitter]:
    """Data transfer not attached to an instance (GB/day)."""
    return [
        _transfer_out(b, _P, _USE1, lake, "AWSDataTransfer", 35.0),
        _inter_region(b, _P, _USE1, _EUW1, lake, "AmazonS3", 120.0),
        _inter_region(b, _P, _USW2, _USE1, index, "AmazonS3", 15.0),
        _cloudfront(b, _P, "search", "US", 260.0),
        _cloudfront(b, _P, "search", "EU", 90.0),
    ]


def _services(b: _CurBuilder, sfx: str) -> list[_DayEmitter]:
    """Lambda, RDS, NAT gateways, EKS, Fargate and CloudWatch."""
    # fmt: off
    return [
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
