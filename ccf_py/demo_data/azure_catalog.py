"""Catalog of the synthetic Azure demo bill: EA enrollment, subscriptions, meters and resources.

The enrollment belongs to the made-up "Fennel Labs". Prices are roughly Azure pay-as-you-go
Linux list prices (USD) per ``UnitOfMeasure`` block: a "10 Hours" meter's price is for ten
hours and its quantity counts blocks of ten hours, like real EA exports. Meter ids, part
numbers and resource names are made up.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

#: The 55 columns of an EA actual-cost export, in order (as in finops-toolkit's
#: EA_ActualCost_Small.csv sample).
EA_ACTUAL_COST_HEADER: tuple[str, ...] = (
    "BillingAccountId",
    "BillingAccountName",
    "BillingPeriodStartDate",
    "BillingPeriodEndDate",
    "BillingProfileId",
    "BillingProfileName",
    "AccountOwnerId",
    "AccountName",
    "SubscriptionId",
    "SubscriptionName",
    "Date",
    "Product",
    "PartNumber",
    "MeterId",
    "ServiceFamily",
    "MeterCategory",
    "MeterSubCategory",
    "MeterRegion",
    "MeterName",
    "Quantity",
    "EffectivePrice",
    "Cost",
    "UnitPrice",
    "BillingCurrency",
    "ResourceLocation",
    "AvailabilityZone",
    "ConsumedService",
    "ResourceId",
    "ResourceName",
    "ServiceInfo1",
    "ServiceInfo2",
    "AdditionalInfo",
    "Tags",
    "InvoiceSectionId",
    "InvoiceSection",
    "CostCenter",
    "UnitOfMeasure",
    "ResourceGroup",
    "ReservationId",
    "ReservationName",
    "ProductOrderId",
    "ProductOrderName",
    "OfferId",
    "IsAzureCreditEligible",
    "Term",
    "PublisherName",
    "PlanName",
    "ChargeType",
    "Frequency",
    "PublisherType",
    "PayGPrice",
    "PricingModel",
    "CostAllocationRuleName",
    "benefitId",
    "benefitName",
)

BILLING_ACCOUNT_ID = "73019482"
BILLING_ACCOUNT_NAME = "Fennel Labs"
ACCOUNT_OWNER = "cloudops@fennel-labs.example"
ACCOUNT_NAME = "Fennel Cloud Ops"
INVOICE_SECTION = "Engineering"


@dataclass(frozen=True)
class Subscription:
    id: str
    name: str
    offer_id: str  # MS-AZR-0017P enterprise, MS-AZR-0148P enterprise dev/test
    cost_center: str
    env: str


PROD = Subscription(
    "5d3f8a21-7c4e-4b19-9e62-0a8b1c7d3e45", "Fennel Production", "MS-AZR-0017P", "FL1000", "prod"
)
DEV = Subscription(
    "c81e2b94-3a6d-4f70-8b15-e9d4a2f60c37", "Fennel Dev/Test", "MS-AZR-0148P", "FL2000", "dev"
)


@dataclass(frozen=True)
class Region:
    resource_location: str  # spelled as Azure writes it in ResourceLocation (mixed case)
    meter_region: str
    product_suffix: str


REGIONS: dict[str, Region] = {
    "eastus": Region("EastUS", "US East", "US East"),
    "westeurope": Region("westeurope", "EU West", "EU West"),
    "swedencentral": Region("swedencentral", "SE Central", "SE Central"),
    "northeurope": Region("NorthEurope", "EU North", "EU North"),
}


@dataclass(frozen=True)
class Meter:
    category: str
    subcategory: str
    name: str
    product: str  # without the region suffix
    unit: str
    plan: str
    consumed_service: str
    service_family: str = "Compute"
    #: None: a regional meter (product ends with " - <region>", MeterRegion set from the
    #: resource's region); otherwise the literal MeterRegion ("" for global meters).
    meter_region: str | None = None


@dataclass(frozen=True)
class VmSize:
    size: str  # ARM size, e.g. Standard_D2s_v3
    vcpus: int
    meter: Meter
    prices: dict[str, Decimal]  # region -> price per UnitOfMeasure block


def _vm_meter(sub: str, name: str, unit: str = "1 Hour") -> Meter:
    return Meter(
        "Virtual Machines",
        sub,
        name,
        f"Virtual Machines {sub} - {name}",
        unit,
        name,
        "Microsoft.Compute",
    )


VM_SIZES: dict[str, VmSize] = {
    "D2s v3": VmSize(
        "Standard_D2s_v3",
        2,
        _vm_meter("Dv3/DSv3 Series", "D2 v3/D2s v3"),
        {"eastus": Decimal("0.096")},
    ),
    "D2s v3 Low Priority": VmSize(
        "Standard_D2s_v3",
        2,
        _vm_meter("Dv3/DSv3 Series", "D2 v3/D2s v3 Low Priority", "100 Hours"),
        {"eastus": Decimal("1.92")},
    ),
    "D4s v5": VmSize(
        "Standard_D4s_v5", 4, _vm_meter("Dsv5 Series", "D4s v5"), {"westeurope": Decimal("0.214")}
    ),
    "E8s v5": VmSize(
        "Standard_E8s_v5", 8, _vm_meter("Esv5 Series", "E8s v5"), {"northeurope": Decimal("0.552")}
    ),
    "B2s": VmSize(
        "Standard_B2s", 2, _vm_meter("BS Series", "B2s"), {"swedencentral": Decimal("0.0456")}
    ),
    "B1ls": VmSize(
        "Standard_B1ls", 1, _vm_meter("BS Series", "B1ls", "10 Hours"), {"eastus": Decimal("0.052")}
    ),
    "NC6s v3": VmSize(
        "Standard_NC6s_v3", 6, _vm_meter("NCSv3 Series", "NC6s v3"), {"eastus": Decimal("3.06")}
    ),
    "D8as v5": VmSize(
        "Standard_D8as_v5",
        8,
        _vm_meter("Dasv5 Series", "D8as v5"),
        {"swedencentral": Decimal("0.376")},
    ),
}
#: Hours in one UnitOfMeasure block.
UNIT_HOURS = {"1 Hour": 1, "10 Hours": 10, "100 Hours": 100}


@dataclass(frozen=True)
class Vm:
    name: str
    subscription: Subscription
    resource_group: str
    region: str
    size: str  # key of VM_SIZES
    team: str | None
    schedule: str = "always"  # "always", "weekdays" (GPU, 6-14 h), "batch" (count x 24 h)
    count: int = 1  # scale set instances (low-priority batch pool)
    reserved: bool = False
    disk: str = "P10"


VMS: tuple[Vm, ...] = (
    Vm("web-vm-01", PROD, "RG-WEB-PROD", "eastus", "D2s v3", "web"),
    Vm("web-vm-02", PROD, "RG-WEB-PROD", "eastus", "D2s v3", "web"),
    Vm("web-vm-03", PROD, "RG-WEB-PROD", "eastus", "D2s v3", "web"),
    Vm("api-vm-01", PROD, "RG-API-PROD", "westeurope", "D4s v5", "api", reserved=True),
    Vm("api-vm-02", PROD, "RG-API-PROD", "westeurope", "D4s v5", "api"),
    Vm("cache-vm-01", PROD, "RG-API-PROD", "northeurope", "E8s v5", "api", disk="E10"),
    Vm("batch-vm-01", PROD, "RG-DATA-PROD", "swedencentral", "D8as v5", "data", disk="S10"),
    Vm("jump-vm-01", PROD, "RG-OPS", "swedencentral", "B2s", None, disk="S10"),
    Vm("gpu-train-01", DEV, "RG-ML-DEV", "eastus", "NC6s v3", "ml", schedule="weekdays"),
    Vm("dev-tiny-01", DEV, "RG-DEV", "eastus", "B1ls", "web", disk="E10"),
    Vm(
        "batchpool-lp",
        DEV,
        "RG-ML-DEV",
        "eastus",
        "D2s v3 Low Priority",
        "ml",
        schedule="batch",
        count=4,
        disk="S10",
    ),
)

#: Managed disks: tier -> (meter, price per month by region). Quantity per day is 1/31 month.
DISK_METERS: dict[str, tuple[Meter, dict[str, Decimal]]] = {
    "P10": (
        Meter(
            "Storage",
            "Premium SSD Managed Disks",
            "P10 LRS Disk",
            "Premium SSD Managed Disks - P10 LRS",
            "1/Month",
            "P10",
            "Microsoft.Compute",
        ),
        {"eastus": Decimal("19.71"), "westeurope": Decimal("21.68")},
    ),
    "E10": (
        Meter(
            "Storage",
            "Standard SSD Managed Disks",
            "E10 LRS Disk",
            "Standard SSD Managed Disks - E10 LRS - Disks",
            "1/Month",
            "E10",
            "Microsoft.Compute",
        ),
        {"eastus": Decimal("9.60"), "northeurope": Decimal("10.56")},
    ),
    "S10": (
        Meter(
            "Storage",
            "Standard HDD Managed Disks",
            "S10 LRS Disk",
            "Standard HDD Managed Disks - S10 LRS - Disks",
            "1/Month",
            "S10",
            "Microsoft.Compute",
        ),
        {"eastus": Decimal("5.89"), "swedencentral": Decimal("6.08")},
    ),
}


@dataclass(frozen=True)
class Daily:
    """A non-VM resource metered daily: quantity drawn in [low, high] (or fixed) per day."""

    resource_type: str  # ARM provider/type, e.g. Microsoft.Storage/storageAccounts
    name: str
    subscription: Subscription
    resource_group: str
    region: str
    meter: Meter
    price: Decimal  # per UnitOfMeasure block
    low: Decimal
    high: Decimal
    team: str | None
    per_month: bool = False  # quantity is a monthly amount spread over the days (GB/Month)
    additional_info: str = ""


def _m(
    category: str,
    sub: str,
    name: str,
    product: str,
    unit: str,
    plan: str,
    service: str,
    family: str = "Compute",
    meter_region: str | None = None,
) -> Meter:
    return Meter(category, sub, name, product, unit, plan, service, family, meter_region)


_BLOB = "Microsoft.Storage"
_HOT_LRS = _m(
    "Storage",
    "Tiered Block Blob",
    "Hot LRS Data Stored",
    "Tiered Block Blob - Hot LRS - Data Stored",
    "1 GB/Month",
    "Hot",
    _BLOB,
    "Storage",
)
_HOT_GRS = _m(
    "Storage",
    "Tiered Block Blob",
    "Hot GRS Data Stored",
    "Tiered Block Blob - Hot GRS - Data Stored",
    "1 GB/Month",
    "Hot",
    _BLOB,
    "Storage",
)
_COOL_LRS = _m(
    "Storage",
    "Tiered Block Blob",
    "Cool LRS Data Stored",
    "Tiered Block Blob - Cool LRS - Data Stored",
    "1 GB/Month",
    "Cool",
    _BLOB,
    "Storage",
)
_HOT_WRITES = _m(
    "Storage",
    "Tiered Block Blob",
    "Hot LRS Write Operations",
    "Tiered Block Blob - Hot LRS - Write Operations",
    "10K",
    "Hot",
    _BLOB,
    "Storage",
)
_EGRESS = _m(
    "Bandwidth",
    "",
    "Standard Data Transfer Out",
    "Bandwidth - Standard Data Transfer Out - Zone 1",
    "1 GB",
    "Standard",
    "Microsoft.Compute",
    "Networking",
    meter_region="Zone 1",
)
_INTRA = _m(
    "Bandwidth",
    "Inter-Region",
    "Intra Continent Data Transfer Out",
    "Bandwidth Inter-Region - Intra Continent Data Transfer Out - Europe",
    "1 GB",
    "Intra Continent",
    "Microsoft.Compute",
    "Networking",
    meter_region="Europe",
)
_SQL_VCORE = _m(
    "SQL Database",
    "SQL Database Single/Elastic Pool General Purpose - Compute Gen5",
    "vCore",
    "SQL Database Single/Elastic Pool General Purpose - Compute Gen5 - vCore",
    "1 Hour",
    "General Purpose",
    "Microsoft.Sql",
    "Databases",
)
_SQL_STORAGE = _m(
    "SQL Database",
    "SQL Database Single/Elastic Pool General Purpose - Storage",
    "General Purpose Data Stored",
    "SQL Database Single/Elastic Pool General Purpose - Storage - Data Stored",
    "1 GB/Month",
    "General Purpose",
    "Microsoft.Sql",
    "Databases",
)
_COSMOS_RU = _m(
    "Azure Cosmos DB",
    "Azure Cosmos DB",
    "100 RU/s",
    "Azure Cosmos DB - 100 RU/s",
    "1/Hour",
    "Standard",
    "Microsoft.DocumentDB",
    "Databases",
)
_COSMOS_DATA = _m(
    "Azure Cosmos DB",
    "Azure Cosmos DB",
    "Data Stored",
    "Azure Cosmos DB - Data Stored",
    "1 GB/Month",
    "Standard",
    "Microsoft.DocumentDB",
    "Databases",
)
_FUNC_TIME = _m(
    "Functions",
    "",
    "Standard Execution Time",
    "Functions - Standard Execution Time",
    "1 GB Second",
    "Standard",
    "Microsoft.Web",
)
_FUNC_EXEC = _m(
    "Functions",
    "",
    "Standard Total Executions",
    "Functions - Standard Total Executions",
    "10K",
    "Standard",
    "Microsoft.Web",
)
_LB_RULES = _m(
    "Load Balancer",
    "Standard",
    "Standard Included LB Rules and Outbound Rules",
    "Load Balancer - Standard Included LB Rules and Outbound Rules",
    "1 Hour",
    "Standard",
    "Microsoft.Network",
    "Networking",
    meter_region="",
)
_LB_DATA = _m(
    "Load Balancer",
    "Standard",
    "Standard Data Processed",
    "Load Balancer - Standard Data Processed",
    "1 GB",
    "Standard",
    "Microsoft.Network",
    "Networking",
    meter_region="",
)
_PUBLIC_IP = _m(
    "Virtual Network",
    "IP Addresses",
    "Standard IPv4 Static Public IP",
    "IP Addresses - Standard IPv4 Static Public IP",
    "1 Hour",
    "Standard",
    "Microsoft.Network",
    "Networking",
    meter_region="",
)

_SA = "Microsoft.Storage/storageAccounts"
_D = Decimal
DAILY: tuple[Daily, ...] = (
    Daily(
        _SA,
        "fennelwebassets",
        PROD,
        "RG-WEB-PROD",
        "eastus",
        _HOT_LRS,
        _D("0.0208"),
        _D(3000),
        _D(3000),
        "web",
        per_month=True,
    ),
    Daily(
        _SA,
        "fennelwebassets",
        PROD,
        "RG-WEB-PROD",
        "eastus",
        _HOT_WRITES,
        _D("0.065"),
        _D(40),
        _D(90),
        "web",
    ),
    Daily(
        _SA,
        "fenneldatalake",
        PROD,
        "RG-DATA-PROD",
        "westeurope",
        _HOT_GRS,
        _D("0.0458"),
        _D(8000),
        _D(8000),
        "data",
        per_month=True,
    ),
    Daily(
        _SA,
        "fennelbackups",
        PROD,
        "RG-OPS",
        "northeurope",
        _COOL_LRS,
        _D("0.01"),
        _D(25000),
        _D(25000),
        None,
        per_month=True,
    ),
    Daily(
        "Microsoft.Compute/virtualMachines",
        "web-vm-01",
        PROD,
        "RG-WEB-PROD",
        "eastus",
        _EGRESS,
        _D("0.087"),
        _D(30),
        _D(70),
        "web",
        additional_info='{"DataTransferDirection":"DataTrOut"}',
    ),
    Daily(
        "Microsoft.Compute/virtualMachines",
        "api-vm-01",
        PROD,
        "RG-API-PROD",
        "westeurope",
        _EGRESS,
        _D("0.087"),
        _D(20),
        _D(45),
        "api",
        additional_info='{"DataTransferDirection":"DataTrOut"}',
    ),
    Daily(
        "Microsoft.Compute/virtualMachines",
        "api-vm-01",
        PROD,
        "RG-API-PROD",
        "westeurope",
        _INTRA,
        _D("0.02"),
        _D(10),
        _D(25),
        "api",
        additional_info='{"DataTransferDirection":"DataTrOut"}',
    ),
    Daily(
        "Microsoft.Sql/servers",
        "fennel-sql-prod",
        PROD,
        "RG-DATA-PROD",
        "westeurope",
        _SQL_VCORE,
        _D("0.2773"),
        _D(96),
        _D(96),
        "data",
        additional_info='{"vCores":4}',
    ),
    Daily(
        "Microsoft.Sql/servers",
        "fennel-sql-prod",
        PROD,
        "RG-DATA-PROD",
        "westeurope",
        _SQL_STORAGE,
        _D("0.127"),
        _D(256),
        _D(256),
        "data",
        per_month=True,
    ),
    Daily(
        "Microsoft.DocumentDB/databaseAccounts",
        "fennel-cosmos",
        PROD,
        "RG-API-PROD",
        "northeurope",
        _COSMOS_RU,
        _D("0.008"),
        _D(240),
        _D(240),
        "api",
    ),
    Daily(
        "Microsoft.DocumentDB/databaseAccounts",
        "fennel-cosmos",
        PROD,
        "RG-API-PROD",
        "northeurope",
        _COSMOS_DATA,
        _D("0.25"),
        _D(180),
        _D(180),
        "api",
        per_month=True,
    ),
    Daily(
        "Microsoft.Web/sites",
        "fennel-func-events",
        PROD,
        "RG-API-PROD",
        "swedencentral",
        _FUNC_TIME,
        _D("0.000016"),
        _D(250000),
        _D(600000),
        "api",
    ),
    Daily(
        "Microsoft.Web/sites",
        "fennel-func-events",
        PROD,
        "RG-API-PROD",
        "swedencentral",
        _FUNC_EXEC,
        _D("0.002"),
        _D(80),
        _D(160),
        "api",
    ),
    Daily(
        "Microsoft.Network/loadBalancers",
        "web-lb",
        PROD,
        "RG-WEB-PROD",
        "eastus",
        _LB_RULES,
        _D("0.025"),
        _D(24),
        _D(24),
        "web",
    ),
    Daily(
        "Microsoft.Network/loadBalancers",
        "web-lb",
        PROD,
        "RG-WEB-PROD",
        "eastus",
        _LB_DATA,
        _D("0.005"),
        _D(60),
        _D(140),
        "web",
    ),
    Daily(
        "Microsoft.Network/publicIPAddresses",
        "web-lb-pip",
        PROD,
        "RG-WEB-PROD",
        "eastus",
        _PUBLIC_IP,
        _D("0.005"),
        _D(24),
        _D(24),
        "web",
    ),
)

#: The one reservation: a 1-year D4s v5 in West Europe, bought on day 14 of an earlier month;
#: its monthly payment falls on the same day of this month (ChargeType Purchase).
RESERVATION_ORDER_ID = "9b47d2e1-6c38-4fa5-b0d9-2e81c5f7a364"
RESERVATION_ID = "e05c9a73-1d84-4b62-9f3e-7a2c6b18d590"
RESERVATION_NAME = "VM_RI_04-14-2026_D4s_v5"
RESERVATION_PURCHASE_DAY = 14
RESERVATION_MONTHLY = Decimal("96.87")
