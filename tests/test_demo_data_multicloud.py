"""Tests for the synthetic Google Cloud and Azure demo bills (ccf_py.demo_data.gcp / .azure).

The content checks re-derive everything from the files with json/csv/Decimal (not with the
generator's code): units and unit conversions, vCPU seconds against Google's and Azure's published
machine shapes, cost = quantity x price, totals to the cent.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import gzip
import io
import json
import pathlib
import re
from decimal import Decimal
from typing import Any

import duckdb
import pytest

import ccf_py
from ccf_py.demo_data import generate_demo_azure, generate_demo_gcp, main

DEMO_FILES = pathlib.Path(ccf_py.__file__).parent / "demo_files"
GCP_BUNDLED = DEMO_FILES / "gcp_billing_demo_2026-10.jsonl.gz"
AZURE_BUNDLED = DEMO_FILES / "azure_cost_demo_2026-10.csv.gz"

# --------------------------------------------------------------------------------------------
# Google Cloud
# --------------------------------------------------------------------------------------------

#: Top-level fields of the standard usage cost export, in BigQuery's order (as in the project's
#: GCP parity sample).
GCP_FIELDS = [
    "billing_account_id", "service", "sku", "usage_start_time", "usage_end_time", "project",
    "labels", "system_labels", "location", "tags", "export_time", "cost", "currency",
    "currency_conversion_rate", "usage", "credits", "invoice", "cost_type", "adjustment_info",
    "cost_at_list", "transaction_type", "seller_name",
]  # fmt: skip
#: Google's published shapes: machine type -> (vCPUs, memory MiB).
GCP_MACHINES = {
    "n2-standard-4": (4, 16384),
    "n2-standard-8": (8, 32768),
    "e2-medium": (2, 4096),
    "e2-standard-2": (2, 8192),
    "e2-standard-4": (4, 16384),
    "n2d-standard-16": (16, 65536),
    "c2d-standard-8": (8, 32768),
    "n2-custom-4-16384": (4, 16384),
    "a2-highgpu-1g": (12, 87040),
}
#: Seconds (x bytes) per pricing unit, from the usage unit.
GCP_PRICING_FACTORS = {
    ("seconds", "hour"): 3600,
    ("byte-seconds", "gibibyte hour"): 3600 * 2**30,
    ("byte-seconds", "gibibyte month"): 30 * 86400 * 2**30,
    ("bytes", "gibibyte"): 2**30,
    ("bytes", "tebibyte"): 2**40,
    ("requests", "count"): 1,
    ("month", "month"): 1,
}
_GCP_TS = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$")
_GCP_EXPORT_TS = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} UTC$")


@pytest.fixture(scope="module")
def gcp_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[pathlib.Path, int]:
    path = tmp_path_factory.mktemp("gcp") / "gcp.jsonl.gz"
    return path, generate_demo_gcp(path, month="2026-10", seed=42)


@pytest.fixture(scope="module")
def gcp_lines(gcp_file: tuple[pathlib.Path, int]) -> list[dict[str, Any]]:
    with gzip.open(gcp_file[0], "rt", encoding="utf-8") as fh:
        return [json.loads(line, parse_float=Decimal) for line in fh]


def _ts(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S UTC")


def _system_labels(line: dict[str, Any]) -> dict[str, str]:
    return {x["key"].rsplit("/", 1)[1]: x["value"] for x in line["system_labels"]}


def _labels(line: dict[str, Any]) -> dict[str, str]:
    return {x["key"]: x["value"] for x in line["labels"]}


def test_gcp_is_byte_identical_to_bundled(
    gcp_file: tuple[pathlib.Path, int], tmp_path: pathlib.Path
) -> None:
    path, n_lines = gcp_file
    again = tmp_path / "again.jsonl.gz"
    assert generate_demo_gcp(again, month="2026-10", seed=42) == n_lines
    assert again.read_bytes() == path.read_bytes() == GCP_BUNDLED.read_bytes()
    other = tmp_path / "other.jsonl.gz"
    generate_demo_gcp(other, month="2026-10", seed=7)
    assert other.read_bytes() != path.read_bytes()


def test_gcp_size_and_schema(
    gcp_file: tuple[pathlib.Path, int], gcp_lines: list[dict[str, Any]]
) -> None:
    path, n_lines = gcp_file
    assert path.stat().st_size < 400_000
    assert len(gcp_lines) == n_lines
    assert 1_000 <= n_lines <= 5_000
    for line in gcp_lines:
        assert list(line) == GCP_FIELDS
        assert set(line["service"]) == set(line["sku"]) == {"id", "description"}
        assert re.fullmatch(r"[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}", line["sku"]["id"])
        assert list(line["usage"]) == ["amount", "unit", "amount_in_pricing_units", "pricing_unit"]
        assert line["invoice"] == {"month": "202610"}
        assert (line["currency"], line["currency_conversion_rate"]) == ("USD", 1)
        assert line["cost_at_list"] == line["cost"]
        assert line["tags"] == [] and line["adjustment_info"] is None
        assert (line["transaction_type"], line["seller_name"]) == ("GOOGLE", None)
        for credit in line["credits"]:
            assert list(credit) == ["name", "amount", "full_name", "id", "type"]
            assert credit["amount"] < 0
        project = line["project"]
        if project is not None:
            assert list(project) == [
                "id", "number", "name", "labels", "ancestry_numbers", "ancestors",
            ]  # fmt: skip
            assert project["ancestry_numbers"] == f"/810236547192/{project['number']}/"
            assert project["ancestors"][0]["resource_name"] == f"projects/{project['number']}"
        if line["location"] is not None:
            assert list(line["location"]) == ["location", "country", "region", "zone"]


def test_gcp_dates_are_october_2026(gcp_lines: list[dict[str, Any]]) -> None:
    for line in gcp_lines:
        assert _GCP_TS.match(line["usage_start_time"]) and _GCP_TS.match(line["usage_end_time"])
        assert _GCP_EXPORT_TS.match(line["export_time"])
        start, end = _ts(line["usage_start_time"]), _ts(line["usage_end_time"])
        assert (start.year, start.month) == (2026, 10)
        assert end <= dt.datetime(2026, 11, 1)
        if line["cost_type"] == "regular" and line["service"]["description"] != "Support":
            assert start.time() == dt.time(0) and end - start == dt.timedelta(days=1)
    days = {line["usage_start_time"][:10] for line in gcp_lines}
    assert len(days) == 31


def test_gcp_totals_cost_and_credits(gcp_lines: list[dict[str, Any]]) -> None:
    cost = sum((line["cost"] for line in gcp_lines), Decimal(0))
    credits = sum((c["amount"] for line in gcp_lines for c in line["credits"]), Decimal(0))
    assert cost == Decimal("9681.884889")
    assert credits == Decimal("-490.364889")
    # The rounding_error line makes the invoice a whole number of cents.
    assert cost + credits == Decimal("9191.52")
    kinds = collections.Counter(line["cost_type"] for line in gcp_lines)
    assert kinds["tax"] == 3 and kinds["rounding_error"] == 1
    by_type = collections.defaultdict(Decimal)
    for line in gcp_lines:
        for credit in line["credits"]:
            by_type[credit["type"]] += credit["amount"]
    assert set(by_type) == {"SUSTAINED_USAGE_DISCOUNT", "FREE_TIER"}
    # GKE's free tier is USD 74.40 a month: exactly 31 days of one zonal cluster at 0.10/h.
    gke_free = sum(
        (
            c["amount"]
            for line in gcp_lines
            if line["sku"]["description"] == "Zonal Kubernetes Clusters"
            for c in line["credits"]
        ),
        Decimal(0),
    )
    assert gke_free == Decimal("-74.4")


def test_gcp_tax_and_rounding_lines(gcp_lines: list[dict[str, Any]]) -> None:
    net_by_project: dict[str, Decimal] = collections.defaultdict(Decimal)
    for line in gcp_lines:
        if line["cost_type"] == "regular" and line["project"] is not None:
            net = line["cost"] + sum((c["amount"] for c in line["credits"]), Decimal(0))
            net_by_project[line["project"]["id"]] += net
    taxes = [line for line in gcp_lines if line["cost_type"] == "tax"]
    for tax in taxes:
        assert (tax["service"]["description"], tax["sku"]["description"]) == ("Invoice", "Tax")
        assert tax["location"] is None and tax["usage"]["unit"] is None
        expected = (net_by_project[tax["project"]["id"]] * Decimal("0.0625")).quantize(
            Decimal("0.01")
        )
        assert tax["cost"] == expected
    (rounding,) = [line for line in gcp_lines if line["cost_type"] == "rounding_error"]
    assert rounding["project"] is None and abs(rounding["cost"]) < Decimal("0.01")


def test_gcp_units_and_pricing_units(gcp_lines: list[dict[str, Any]]) -> None:
    seen = set()
    for line in gcp_lines:
        usage, sku = line["usage"], line["sku"]["description"]
        if line["cost_type"] != "regular":
            continue
        factor = GCP_PRICING_FACTORS[(usage["unit"], usage["pricing_unit"])]
        assert usage["amount"] / factor == pytest.approx(
            usage["amount_in_pricing_units"], rel=Decimal("1e-12")
        )
        seen.add((usage["unit"], usage["pricing_unit"]))
        if " Instance Core " in sku or "GPU" in sku or "Kubernetes" in sku or "vCPU" in sku:
            assert (usage["unit"], usage["pricing_unit"]) == ("seconds", "hour")
        if " Instance Ram " in sku or ": Zonal - RAM" in sku or sku == "Memory Time":
            assert (usage["unit"], usage["pricing_unit"]) == ("byte-seconds", "gibibyte hour")
        if "PD Capacity" in sku or " Storage " in sku or sku.endswith("Logical Storage"):
            assert (usage["unit"], usage["pricing_unit"]) == ("byte-seconds", "gibibyte month")
        if "Egress" in sku:
            assert (usage["unit"], usage["pricing_unit"]) == ("bytes", "gibibyte")
        if sku == "Analysis":
            assert (usage["unit"], usage["pricing_unit"]) == ("bytes", "tebibyte")
        if sku == "Invocations":
            assert (usage["unit"], usage["pricing_unit"]) == ("requests", "count")
    assert len(seen) == len(GCP_PRICING_FACTORS)


def test_gcp_vm_seconds_match_machine_shapes(gcp_lines: list[dict[str, Any]]) -> None:
    cores: dict[tuple, Decimal] = {}
    rams: dict[tuple, Decimal] = {}
    gpus: dict[tuple, Decimal] = {}
    for line in gcp_lines:
        if not line["system_labels"]:
            continue
        spec = _system_labels(line)
        vcpus, mib = GCP_MACHINES[spec["machine_spec"]]
        assert (spec["cores"], spec["memory"]) == (str(vcpus), str(mib))
        key = (
            line["project"]["id"],
            line["location"]["zone"],
            spec["machine_spec"],
            line["usage_start_time"],
        )
        sku = line["sku"]["description"]
        target = cores if " Core " in sku else rams if " Ram " in sku else gpus
        assert key not in target
        target[key] = line["usage"]["amount"]
    assert cores.keys() == rams.keys()
    for key, seconds in cores.items():
        vcpus, mib = GCP_MACHINES[key[2]]
        machine_seconds = seconds / vcpus
        assert machine_seconds % 3600 == 0  # whole machine-hours
        if key[2] not in ("c2d-standard-8", "a2-highgpu-1g"):  # scheduled: weekdays only
            assert machine_seconds % 86400 == 0  # always on: vCPUs x 86400 per machine a day
        assert rams[key] == machine_seconds * mib * 2**20
    assert {k[2] for k in cores} == set(GCP_MACHINES)
    assert gpus and all(gpus[k] == cores[k] / 12 for k in gpus)  # 1 A100 per a2-highgpu-1g
    # n2-standard-8 x 3 machines run all day, every day.
    n2 = [v for k, v in cores.items() if k[2] == "n2-standard-8"]
    assert n2 == [Decimal(3 * 8 * 86400)] * 31


def test_gcp_skus_locations_and_labels(gcp_lines: list[dict[str, Any]]) -> None:
    skus = {line["sku"]["description"] for line in gcp_lines}
    for expected in (
        "Nvidia Tesla A100 GPU running in Americas",
        "N2 Custom Instance Core running in Americas",
        "N2D AMD Instance Core running in Americas",
        "C2D AMD Instance Core running in EMEA",
        "E2 Instance Ram running in APAC",
        "Storage PD Capacity",
        "SSD backed PD Capacity",
        "Balanced PD Capacity",
        "Standard Storage US Multi-region",
        "Nearline Storage Netherlands",
        "Network Internet Egress from Americas to EMEA",
        "Analysis",
        "Zonal Kubernetes Clusters",
        "Cloud SQL for PostgreSQL: Zonal - vCPU in Americas",
        "CPU Time",
        "Memory Time",
        "Invocations",
        "Networking Cloud NAT Gateway Uptime",
        "Log Volume",
        "Standard Support",
    ):
        assert expected in skus
    locations = {line["location"]["location"] for line in gcp_lines if line["location"]}
    assert {"us-central1", "europe-west4", "asia-northeast1", "us"} <= locations
    regular = [line for line in gcp_lines if line["cost_type"] == "regular"]
    labelled = [line for line in regular if {"team", "env"} <= set(_labels(line))]
    assert 0.8 < len(labelled) / len(regular) < 1


def test_gcp_sustained_use_discount_grows_over_the_month(gcp_lines: list[dict[str, Any]]) -> None:
    rate_by_day: dict[int, set[Decimal]] = collections.defaultdict(set)
    for line in gcp_lines:
        if line["system_labels"] and _system_labels(line)["machine_spec"] == "n2-standard-8":
            sud = sum((c["amount"] for c in line["credits"]), Decimal(0))
            rate_by_day[int(line["usage_start_time"][8:10])].add(round(-sud / line["cost"], 3))
    assert rate_by_day[1] == rate_by_day[8] == {Decimal(0)}
    assert rate_by_day[9] == {Decimal("0.132")}
    assert rate_by_day[31] == {Decimal("0.400")}


def test_gcp_duckdb_reads_nested_json(gcp_file: tuple[pathlib.Path, int]) -> None:
    path, n_lines = gcp_file
    row = duckdb.sql(
        f"""SELECT count(*), sum(cost)::DECIMAL(18, 6),
                   count(*) FILTER (WHERE usage.unit = 'byte-seconds'),
                   sum(len(credits))
            FROM read_json('{path}', format = 'newline_delimited')"""
    ).fetchone()
    assert row is not None
    assert row[0] == n_lines and row[1] == Decimal("9681.884889")
    assert row[2] > 0 and row[3] > 0


# --------------------------------------------------------------------------------------------
# Azure
# --------------------------------------------------------------------------------------------

#: Header of finops-toolkit's EA_ActualCost_Small.csv (MIT), copied literally.
AZURE_HEADER = (
    "BillingAccountId,BillingAccountName,BillingPeriodStartDate,BillingPeriodEndDate,"
    "BillingProfileId,BillingProfileName,AccountOwnerId,AccountName,SubscriptionId,"
    "SubscriptionName,Date,Product,PartNumber,MeterId,ServiceFamily,MeterCategory,"
    "MeterSubCategory,MeterRegion,MeterName,Quantity,EffectivePrice,Cost,UnitPrice,"
    "BillingCurrency,ResourceLocation,AvailabilityZone,ConsumedService,ResourceId,ResourceName,"
    "ServiceInfo1,ServiceInfo2,AdditionalInfo,Tags,InvoiceSectionId,InvoiceSection,CostCenter,"
    "UnitOfMeasure,ResourceGroup,ReservationId,ReservationName,ProductOrderId,ProductOrderName,"
    "OfferId,IsAzureCreditEligible,Term,PublisherName,PlanName,ChargeType,Frequency,"
    "PublisherType,PayGPrice,PricingModel,CostAllocationRuleName,benefitId,benefitName"
)
#: Azure's published sizes: VM meter name -> vCPUs.
AZURE_VCPUS = {
    "D2 v3/D2s v3": 2,
    "D2 v3/D2s v3 Low Priority": 2,
    "D4s v5": 4,
    "E8s v5": 8,
    "B2s": 2,
    "B1ls": 1,
    "NC6s v3": 6,
    "D8as v5": 8,
}
_BLOCK_HOURS = {"1 Hour": 1, "10 Hours": 10, "100 Hours": 100}


@pytest.fixture(scope="module")
def azure_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[pathlib.Path, int]:
    path = tmp_path_factory.mktemp("azure") / "azure.csv.gz"
    return path, generate_demo_azure(path, month="2026-10", seed=42)


@pytest.fixture(scope="module")
def azure_raw(azure_file: tuple[pathlib.Path, int]) -> bytes:
    return gzip.decompress(azure_file[0].read_bytes())


@pytest.fixture(scope="module")
def azure_rows(azure_raw: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(azure_raw.decode("utf-8-sig"), newline="")))


def test_azure_is_byte_identical_to_bundled(
    azure_file: tuple[pathlib.Path, int], tmp_path: pathlib.Path
) -> None:
    path, n_rows = azure_file
    again = tmp_path / "again.csv.gz"
    assert generate_demo_azure(again, month="2026-10", seed=42) == n_rows
    assert again.read_bytes() == path.read_bytes() == AZURE_BUNDLED.read_bytes()
    other = tmp_path / "other.csv.gz"
    generate_demo_azure(other, month="2026-10", seed=7)
    assert other.read_bytes() != path.read_bytes()


def test_azure_bom_header_and_rows(
    azure_file: tuple[pathlib.Path, int], azure_raw: bytes, azure_rows: list[dict[str, str]]
) -> None:
    assert azure_raw.startswith(b"\xef\xbb\xbf" + AZURE_HEADER.encode() + b"\n")
    assert len(AZURE_HEADER.split(",")) == 55
    assert len(azure_rows) == azure_file[1]
    assert 500 <= len(azure_rows) <= 5_000
    assert b"\r" not in azure_raw and azure_raw.endswith(b"\n")


def test_azure_dates(azure_rows: list[dict[str, str]]) -> None:
    days = set()
    for row in azure_rows:
        assert (row["BillingPeriodStartDate"], row["BillingPeriodEndDate"]) == (
            "10/01/2026",
            "10/31/2026",
        )
        assert re.fullmatch(r"10/\d\d/2026", row["Date"])
        days.add(dt.datetime.strptime(row["Date"], "%m/%d/%Y").date())
    assert len(days) == 31


def test_azure_cost_is_quantity_times_price(azure_rows: list[dict[str, str]]) -> None:
    for row in azure_rows:
        quantity, price = Decimal(row["Quantity"]), Decimal(row["EffectivePrice"])
        assert quantity > 0
        assert Decimal(row["Cost"]) == quantity * price  # exports do not round Cost
        assert row["BillingCurrency"] == "USD"
        if row["PricingModel"] == "OnDemand":
            assert row["EffectivePrice"] == row["UnitPrice"] == row["PayGPrice"]
            assert (row["ChargeType"], row["Frequency"]) == ("Usage", "UsageBased")


def test_azure_totals(azure_rows: list[dict[str, str]]) -> None:
    total = sum((Decimal(r["Cost"]) for r in azure_rows), Decimal(0))
    assert total == Decimal("4394.601227983282")
    assert round(total, 2) == Decimal("4394.60")
    (purchase,) = [r for r in azure_rows if r["ChargeType"] == "Purchase"]
    assert (purchase["Cost"], purchase["Frequency"], purchase["Term"]) == (
        "96.87",
        "Recurring",
        "12",
    )
    assert purchase["ConsumedService"] == "Microsoft.Capacity" and purchase["Date"] == "10/14/2026"
    reserved = [
        r for r in azure_rows if r["PricingModel"] == "Reservation" and r["ChargeType"] == "Usage"
    ]
    assert len(reserved) == 31
    assert all(r["Cost"] == "0" and r["UnitPrice"] == "0.214" for r in reserved)


def test_azure_vm_rows(azure_rows: list[dict[str, str]]) -> None:
    vm_rows = [r for r in azure_rows if r["MeterCategory"] == "Virtual Machines"]
    assert {r["MeterName"] for r in vm_rows} == set(AZURE_VCPUS)
    units = set()
    for row in vm_rows:
        if row["ChargeType"] == "Purchase":
            continue
        info = json.loads(row["AdditionalInfo"])
        assert info["VCPUs"] == AZURE_VCPUS[row["MeterName"]]
        assert info["ServiceType"].startswith("Standard_")
        assert row["Product"].startswith(f"Virtual Machines {row['MeterSubCategory']} - ")
        hours = Decimal(row["Quantity"]) * _BLOCK_HOURS[row["UnitOfMeasure"]]
        instances = 4 if "Low Priority" in row["MeterName"] else 1
        assert hours == hours.to_integral_value() and 0 < hours <= 24 * instances
        units.add(row["UnitOfMeasure"])
    assert units == set(_BLOCK_HOURS)
    b1ls = [r for r in vm_rows if r["MeterName"] == "B1ls"]
    assert {(r["Quantity"], r["UnitPrice"], r["Cost"]) for r in b1ls} == {
        ("2.4", "0.052", "0.1248")
    }


def test_azure_meters_locations_and_tags(azure_rows: list[dict[str, str]]) -> None:
    meters = {(r["MeterName"], r["UnitOfMeasure"]) for r in azure_rows}
    for expected in (
        ("P10 LRS Disk", "1/Month"),
        ("E10 LRS Disk", "1/Month"),
        ("S10 LRS Disk", "1/Month"),
        ("Hot LRS Data Stored", "1 GB/Month"),
        ("Hot GRS Data Stored", "1 GB/Month"),
        ("Standard Data Transfer Out", "1 GB"),
        ("vCore", "1 Hour"),
        ("100 RU/s", "1/Hour"),
        ("Standard Execution Time", "1 GB Second"),
        ("Standard Included LB Rules and Outbound Rules", "1 Hour"),
    ):
        assert expected in meters
    disks = [r for r in azure_rows if r["MeterName"].endswith(" LRS Disk")]
    assert {r["Quantity"] for r in disks} == {"0.032256"}  # 24 x round(1/744, 6)
    locations = {r["ResourceLocation"] for r in azure_rows}
    assert locations == {"EastUS", "westeurope", "swedencentral", "NorthEurope"}
    assert len({r["SubscriptionId"] for r in azure_rows}) == 2
    tagged = 0
    for row in azure_rows:
        if row["Tags"]:
            tags = json.loads("{" + row["Tags"] + "}")  # Azure's brace-less JSON
            assert set(tags) == {"team", "env"}
            tagged += 1
    assert 0.8 < tagged / len(azure_rows) < 1


def test_azure_duckdb_reads_csv(azure_file: tuple[pathlib.Path, int]) -> None:
    path, n_rows = azure_file
    rel = duckdb.sql(f"SELECT * FROM read_csv('{path}', header = true, all_varchar = true)")
    assert rel.columns == AZURE_HEADER.split(",")
    row = duckdb.sql(
        f"""SELECT count(*), sum(Cost::DECIMAL(38, 18))
            FROM read_csv('{path}', header = true, all_varchar = true)"""
    ).fetchone()
    assert row is not None
    assert row[0] == n_rows and round(row[1], 2) == Decimal("4394.60")


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def test_cli_writes_each_provider(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture) -> None:
    assert main([str(tmp_path / "g.jsonl.gz"), "--provider", "gcp"]) == 0
    assert main([str(tmp_path / "a.csv.gz"), "--provider", "azure", "--seed", "42"]) == 0
    gcp_lines = gzip.decompress((tmp_path / "g.jsonl.gz").read_bytes()).count(b"\n")
    azure_lines = gzip.decompress((tmp_path / "a.csv.gz").read_bytes()).count(b"\n")
    assert capsys.readouterr().out.split() == [str(gcp_lines), str(azure_lines - 1)]
    assert (tmp_path / "g.jsonl.gz").read_bytes() == GCP_BUNDLED.read_bytes()
    with pytest.raises(SystemExit):
        main([str(tmp_path / "x.csv.gz"), "--provider", "azure", "--rows-scale", "2"])
