"""Usage-type templates of the large synthetic CUR, taken from the demo catalog."""

from __future__ import annotations

from dataclasses import dataclass

from ccf_py.demo_data.catalog import (
    _EBS_KINDS,
    _EUN1,
    _EUW1,
    _INSTANCE_TYPES,
    _REGIONS,
    _S3_CLASSES,
    _USE1,
    _USW2,
)
from ccf_py.demo_data.formatting import _usage_type


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
    """~40 usage types for the synthetic CUR, taken from the demo catalog."""
    return [*_catalog_templates(), *_service_templates()]


def _catalog_templates() -> list[_Template]:
    """EC2 instance hours, EBS volumes and S3 storage classes from the catalog tables."""
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
    return t


def _service_templates() -> list[_Template]:
    """Spot, snapshots, requests, data transfer and the other services, one row each."""
    T = _Template
    # fmt: off
    return [
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
