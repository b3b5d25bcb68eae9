"""Catalog of the synthetic Google Cloud demo bill: billing account, projects, SKUs and fleet.

The company ("Fennel Labs", made up) has three projects under one organization. Prices are
roughly Google's public list prices (USD) per *pricing unit* (hour, gibibyte hour, gibibyte
month, gibibyte, tebibyte, count); SKU ids are made up (a hash of the description) except the
service ids, which are Google's public ones (Compute Engine ``6F81-5844-456A`` ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

BILLING_ACCOUNT = "01F3A7-5C2E9B-D4860A"
ORG_NUMBER = "810236547192"
ORG_NAME = "fennel-labs.example"

#: Google's public service ids (facts, not code).
SERVICES: dict[str, str] = {
    "Compute Engine": "6F81-5844-456A",
    "Cloud Storage": "95FF-2EF5-5EA1",
    "BigQuery": "24E6-581D-38E5",
    "Kubernetes Engine": "CCD8-9BF1-090E",
    "Cloud SQL": "9662-B51E-5089",
    "Cloud Functions": "29E7-DA93-CA13",
    "Networking": "E505-1604-58F8",
    "Cloud Logging": "5490-F7B7-8DF6",
    "Support": "2062-016F-44A2",
    "Invoice": "00F3-9ACB-2C4E",
}


@dataclass(frozen=True)
class Project:
    id: str
    number: str
    name: str
    cost_center: str


WEB = Project("fennel-web-prod", "204815163342", "fennel-web-prod", "cc-100")
DATA = Project("fennel-data-prod", "572019384756", "fennel-data-prod", "cc-200")
ML = Project("fennel-ml-dev", "639128475021", "fennel-ml-dev", "cc-300")
PROJECTS = (WEB, DATA, ML)

#: region -> (country, continent word used in SKU descriptions)
REGIONS: dict[str, tuple[str, str]] = {
    "us-central1": ("US", "Americas"),
    "europe-west4": ("NL", "EMEA"),
    "asia-northeast1": ("JP", "APAC"),
}
US_MULTI = "us"
GLOBAL = "global"


@dataclass(frozen=True)
class CorePrice:
    """Per-region list prices of a machine family: vCPU hour and GiB-of-RAM hour."""

    core: Decimal
    ram: Decimal


#: (SKU family word, region) -> prices. "N2 Custom" prices custom machine types.
FAMILY_PRICES: dict[tuple[str, str], CorePrice] = {
    ("N2", "us-central1"): CorePrice(Decimal("0.031611"), Decimal("0.004237")),
    ("N2", "europe-west4"): CorePrice(Decimal("0.034806"), Decimal("0.004664")),
    ("N2", "asia-northeast1"): CorePrice(Decimal("0.040618"), Decimal("0.005445")),
    ("N2 Custom", "us-central1"): CorePrice(Decimal("0.033174"), Decimal("0.004446")),
    ("E2", "us-central1"): CorePrice(Decimal("0.021811"), Decimal("0.002923")),
    ("E2", "europe-west4"): CorePrice(Decimal("0.024007"), Decimal("0.003218")),
    ("E2", "asia-northeast1"): CorePrice(Decimal("0.028026"), Decimal("0.003757")),
    ("N2D AMD", "us-central1"): CorePrice(Decimal("0.027502"), Decimal("0.003686")),
    ("C2D AMD", "europe-west4"): CorePrice(Decimal("0.037196"), Decimal("0.004985")),
    ("A2", "us-central1"): CorePrice(Decimal("0.031611"), Decimal("0.004237")),
}
#: Families that earn sustained use discounts (E2, C2D and A2 do not).
SUD_FAMILIES = frozenset({"N2", "N2 Custom", "N2D AMD"})
#: Incremental SUD rates of N1/N2-type machines per quarter of the month (Google's published
#: tiers 100 %, 86.78 %, 73.3 %, 60 % of the base price; i.e. 0, 13.22, 26.7 and 40 % off).
SUD_RATES = (Decimal("0"), Decimal("0.1322"), Decimal("0.267"), Decimal("0.40"))
A100_PRICE = Decimal("2.933908")  # Nvidia Tesla A100, per GPU hour, Americas


@dataclass(frozen=True)
class VmGroup:
    """Identical VMs in one zone with the same labels (the standard export sums them)."""

    project: Project
    zone: str
    machine_type: str
    family: str  # SKU family word: "N2", "E2", "N2D AMD", "C2D AMD", "A2", "N2 Custom"
    vcpus: int
    memory_mib: int
    count: int
    team: str | None
    env: str | None
    schedule: str = "always"  # "always", "weekdays" (10 h) or "experiments" (GPU, 6-20 h)
    gpus: int = 0
    gke_cluster: str | None = None


VM_GROUPS: tuple[VmGroup, ...] = (
    VmGroup(WEB, "us-central1-a", "n2-standard-8", "N2", 8, 32768, 3, "web", "prod"),
    VmGroup(WEB, "europe-west4-a", "n2-standard-4", "N2", 4, 16384, 2, "web", "prod"),
    VmGroup(
        WEB,
        "us-central1-b",
        "e2-standard-4",
        "E2",
        4,
        16384,
        4,
        "platform",
        "prod",
        gke_cluster="web-gke",
    ),
    VmGroup(WEB, "asia-northeast1-b", "e2-medium", "E2", 2, 4096, 2, "web", "prod"),
    VmGroup(DATA, "us-central1-c", "n2d-standard-16", "N2D AMD", 16, 65536, 1, "data", "prod"),
    VmGroup(
        DATA,
        "europe-west4-b",
        "c2d-standard-8",
        "C2D AMD",
        8,
        32768,
        2,
        "data",
        "prod",
        schedule="weekdays",
    ),
    VmGroup(DATA, "us-central1-a", "n2-custom-4-16384", "N2 Custom", 4, 16384, 1, "data", "prod"),
    VmGroup(
        ML,
        "us-central1-a",
        "a2-highgpu-1g",
        "A2",
        12,
        87040,
        1,
        "ml",
        "dev",
        schedule="experiments",
        gpus=1,
    ),
    VmGroup(ML, "europe-west4-a", "e2-standard-2", "E2", 2, 8192, 1, None, None),
)


@dataclass(frozen=True)
class Capacity:
    """A constant amount of storage billed in byte-seconds, priced per gibibyte month."""

    project: Project
    service: str
    sku: str
    location: str  # region or multi-region
    gib: int
    growth_gib_per_day: int
    price: Decimal
    team: str | None
    zone: str | None = None


DISKS: tuple[Capacity, ...] = (
    Capacity(
        WEB,
        "Compute Engine",
        "Balanced PD Capacity",
        "us-central1",
        300,
        0,
        Decimal("0.10"),
        "web",
        "us-central1-a",
    ),
    Capacity(
        WEB,
        "Compute Engine",
        "SSD backed PD Capacity",
        "us-central1",
        400,
        0,
        Decimal("0.17"),
        "platform",
        "us-central1-b",
    ),
    Capacity(
        WEB,
        "Compute Engine",
        "Balanced PD Capacity",
        "europe-west4",
        200,
        0,
        Decimal("0.11"),
        "web",
        "europe-west4-a",
    ),
    Capacity(
        WEB,
        "Compute Engine",
        "Storage PD Capacity",
        "asia-northeast1",
        100,
        0,
        Decimal("0.052"),
        "web",
        "asia-northeast1-b",
    ),
    Capacity(
        DATA,
        "Compute Engine",
        "SSD backed PD Capacity",
        "us-central1",
        500,
        0,
        Decimal("0.17"),
        "data",
        "us-central1-c",
    ),
    Capacity(
        DATA,
        "Compute Engine",
        "Storage PD Capacity",
        "europe-west4",
        1000,
        0,
        Decimal("0.044"),
        "data",
        "europe-west4-b",
    ),
    Capacity(
        ML,
        "Compute Engine",
        "Balanced PD Capacity",
        "us-central1",
        1000,
        0,
        Decimal("0.10"),
        "ml",
        "us-central1-a",
    ),
    Capacity(
        ML,
        "Compute Engine",
        "Storage PD Capacity",
        "europe-west4",
        50,
        0,
        Decimal("0.044"),
        None,
        "europe-west4-a",
    ),
)

BUCKETS: tuple[Capacity, ...] = (
    Capacity(
        WEB,
        "Cloud Storage",
        "Standard Storage Iowa",
        "us-central1",
        2048,
        8,
        Decimal("0.020"),
        "web",
    ),
    Capacity(
        WEB,
        "Cloud Storage",
        "Standard Storage Tokyo",
        "asia-northeast1",
        300,
        0,
        Decimal("0.023"),
        "web",
    ),
    Capacity(
        DATA,
        "Cloud Storage",
        "Standard Storage US Multi-region",
        US_MULTI,
        40960,
        120,
        Decimal("0.026"),
        "data",
    ),
    Capacity(
        DATA,
        "Cloud Storage",
        "Nearline Storage US Multi-region",
        US_MULTI,
        61440,
        0,
        Decimal("0.015"),
        "data",
    ),
    Capacity(
        DATA,
        "Cloud Storage",
        "Nearline Storage Netherlands",
        "europe-west4",
        20480,
        40,
        Decimal("0.010"),
        "data",
    ),
    Capacity(
        DATA, "BigQuery", "Active Logical Storage", US_MULTI, 12288, 40, Decimal("0.02"), "data"
    ),
    Capacity(
        DATA, "BigQuery", "Long Term Logical Storage", US_MULTI, 30720, 0, Decimal("0.01"), "data"
    ),
    Capacity(
        DATA,
        "Cloud SQL",
        "Cloud SQL for PostgreSQL: Zonal - Standard storage in Americas",
        "us-central1",
        250,
        0,
        Decimal("0.17"),
        "data",
        "us-central1-f",
    ),
    Capacity(
        WEB,
        "Cloud SQL",
        "Cloud SQL for MySQL: Zonal - Standard storage in EMEA",
        "europe-west4",
        100,
        0,
        Decimal("0.187"),
        "web",
        "europe-west4-c",
    ),
)


@dataclass(frozen=True)
class Metered:
    """A daily metered quantity: a random amount in [low, high] pricing units per day."""

    project: Project
    service: str
    sku: str
    location: str
    low: Decimal
    high: Decimal
    price: Decimal  # per pricing unit
    kind: str  # "bytes", "tebibytes", "requests", "seconds", "gib_seconds"
    team: str | None
    zone: str | None = None
    weekend_factor: Decimal = Decimal("1")


METERED: tuple[Metered, ...] = (
    Metered(
        WEB,
        "Compute Engine",
        "Network Internet Egress from Americas to Americas",
        "us-central1",
        Decimal(40),
        Decimal(80),
        Decimal("0.12"),
        "bytes",
        "web",
    ),
    Metered(
        WEB,
        "Compute Engine",
        "Network Internet Egress from Americas to EMEA",
        "us-central1",
        Decimal(10),
        Decimal(25),
        Decimal("0.12"),
        "bytes",
        "web",
    ),
    Metered(
        WEB,
        "Compute Engine",
        "Network Internet Egress from Americas to APAC",
        "us-central1",
        Decimal(5),
        Decimal(10),
        Decimal("0.12"),
        "bytes",
        "web",
    ),
    Metered(
        WEB,
        "Compute Engine",
        "Network Internet Egress from EMEA to EMEA",
        "europe-west4",
        Decimal(30),
        Decimal(60),
        Decimal("0.12"),
        "bytes",
        "web",
    ),
    Metered(
        WEB,
        "Compute Engine",
        "Network Internet Egress from EMEA to Americas",
        "europe-west4",
        Decimal(5),
        Decimal(15),
        Decimal("0.12"),
        "bytes",
        "web",
    ),
    Metered(
        WEB,
        "Compute Engine",
        "Network Internet Egress from APAC to APAC",
        "asia-northeast1",
        Decimal(10),
        Decimal(20),
        Decimal("0.12"),
        "bytes",
        "web",
    ),
    Metered(
        DATA,
        "Compute Engine",
        "Network Inter Zone Egress",
        "us-central1",
        Decimal(100),
        Decimal(300),
        Decimal("0.01"),
        "bytes",
        "data",
    ),
    Metered(
        WEB,
        "Networking",
        "Networking Cloud NAT Data Processing",
        "us-central1",
        Decimal(20),
        Decimal(40),
        Decimal("0.045"),
        "bytes",
        "web",
    ),
    Metered(
        DATA,
        "BigQuery",
        "Analysis",
        US_MULTI,
        Decimal("1.5"),
        Decimal(4),
        Decimal("6.25"),
        "tebibytes",
        "data",
        weekend_factor=Decimal("0.15"),
    ),
    Metered(
        WEB,
        "Cloud Functions",
        "Invocations",
        "us-central1",
        Decimal(1200000),
        Decimal(2000000),
        Decimal("0.0000004"),
        "requests",
        "web",
    ),
    Metered(
        WEB,
        "Cloud Functions",
        "CPU Time",
        "us-central1",
        Decimal(60),
        Decimal(110),
        Decimal("0.036"),
        "seconds",
        "web",
    ),
    Metered(
        WEB,
        "Cloud Functions",
        "Memory Time",
        "us-central1",
        Decimal(15),
        Decimal(28),
        Decimal("0.009"),
        "gib_seconds",
        "web",
    ),
    Metered(
        WEB,
        "Cloud Logging",
        "Log Volume",
        GLOBAL,
        Decimal(3),
        Decimal(6),
        Decimal("0.50"),
        "bytes",
        "web",
    ),
    Metered(
        DATA,
        "Cloud Logging",
        "Log Volume",
        GLOBAL,
        Decimal(1),
        Decimal(3),
        Decimal("0.50"),
        "bytes",
        "data",
    ),
)


@dataclass(frozen=True)
class Always:
    """Something billed per second all day: ``units`` x 86400 seconds, priced per hour."""

    project: Project
    service: str
    sku: str
    location: str
    zone: str | None
    units: int
    price: Decimal  # per hour
    kind: str  # "seconds" or "gib_seconds" (then units is GiB)
    team: str | None


ALWAYS_ON: tuple[Always, ...] = (
    Always(
        WEB,
        "Kubernetes Engine",
        "Zonal Kubernetes Clusters",
        "us-central1",
        "us-central1-b",
        1,
        Decimal("0.10"),
        "seconds",
        "platform",
    ),
    Always(
        DATA,
        "Kubernetes Engine",
        "Zonal Kubernetes Clusters",
        "europe-west4",
        "europe-west4-b",
        1,
        Decimal("0.10"),
        "seconds",
        "data",
    ),
    Always(
        WEB,
        "Networking",
        "Networking Cloud NAT Gateway Uptime",
        "us-central1",
        None,
        7,
        Decimal("0.0014"),
        "seconds",
        "web",
    ),
    Always(
        DATA,
        "Cloud SQL",
        "Cloud SQL for PostgreSQL: Zonal - vCPU in Americas",
        "us-central1",
        "us-central1-f",
        4,
        Decimal("0.0413"),
        "seconds",
        "data",
    ),
    Always(
        DATA,
        "Cloud SQL",
        "Cloud SQL for PostgreSQL: Zonal - RAM in Americas",
        "us-central1",
        "us-central1-f",
        16,
        Decimal("0.007"),
        "gib_seconds",
        "data",
    ),
    Always(
        WEB,
        "Cloud SQL",
        "Cloud SQL for MySQL: Zonal - vCPU in EMEA",
        "europe-west4",
        "europe-west4-c",
        2,
        Decimal("0.0454"),
        "seconds",
        "web",
    ),
    Always(
        WEB,
        "Cloud SQL",
        "Cloud SQL for MySQL: Zonal - RAM in EMEA",
        "europe-west4",
        "europe-west4-c",
        8,
        Decimal("0.0077"),
        "gib_seconds",
        "web",
    ),
)

#: Free tiers per billing account and month, in pricing units (or USD for GKE's credit).
FREE_TIER: dict[str, Decimal] = {
    "Invocations": Decimal(2000000),
    "CPU Time": Decimal("55.555556"),  # 200,000 GHz-seconds
    "Memory Time": Decimal("111.111111"),  # 400,000 GiB-seconds
    "Analysis": Decimal(1),  # 1 TiB of queries
    "Active Logical Storage": Decimal(10),  # 10 GiB-months
    "Zonal Kubernetes Clusters": Decimal("74.40"),  # USD: one zonal cluster a month
}
#: Free Cloud Logging volume per project and month (GiB).
LOGGING_FREE_GIB = Decimal(50)
TAX_RATE = Decimal("0.0625")
SUPPORT_MINIMUM = Decimal("29")
SUPPORT_RATE = Decimal("0.03")
