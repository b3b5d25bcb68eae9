"""Catalog of the demo company's bill: accounts, regions, instance types and prices.

Prices are approximate public on-demand Linux prices; the RI and Savings Plan constants are
shared by the EC2 rows they cover and the monthly commitment fees.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

PAYER_ACCOUNT = "999999999999"
PROD_ACCOUNT = "111111111111"
STAGING_ACCOUNT = "222222222222"
_ENV_OF_ACCOUNT = {PROD_ACCOUNT: "prod", STAGING_ACCOUNT: "staging"}
_LEGAL_ENTITY = "Amazon Web Services, Inc."
_TAX_RATE = Decimal("0.0625")


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
_USE1, _EUW1, _EUN1, _USW2 = "us-east-1", "eu-west-1", "eu-north-1", "us-west-2"


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


def _instance_type_product(itype: str) -> dict[str, str]:
    """The product columns (without ``product/``) that describe an EC2 or RDS instance type."""
    spec = _INSTANCE_TYPES[itype]
    return {
        "instanceType": itype,
        "instanceFamily": spec.family,
        "vcpu": str(spec.vcpu),
        "memory": f"{spec.memory_gib} GiB",
        "physicalProcessor": spec.processor,
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

# Commitments: one reserved instance family and one Compute Savings Plan.
_RI_ARN = f"arn:aws:ec2:us-east-1:{PROD_ACCOUNT}:reserved-instances/3c4e1d0a-7f2b-4a51-9d1e-ri0001"
_RI_RATE = Decimal("0.159")
_SP_ARN = f"arn:aws:savingsplans::{PAYER_ACCOUNT}:savingsplan/5f0e8c2a-1b7d-4e3f-a9c6-sp0001"
_SP_RATE = Decimal("0.238")  # Compute SP, 1yr no upfront, c5.2xlarge us-west-2
