"""Ingest of FOCUS 1.0-1.3 cost and usage exports: the real FOCUS sample, Microsoft's export
headers, 1.3 provider columns, bad input, reloads, S3 and the command line."""

from __future__ import annotations

import csv
import gzip
import json
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ccf_py import api
from ccf_py.errors import InputError, MissingColumnError
from ccf_py.ingest import focus
from ccf_py.ingest.files import describe
from ccf_py.ingest.sources import Source

FIX = Path(__file__).parent / "fixtures"
SAMPLE = FIX / "focus" / "focus_1.0_sample_subset.csv"
CUR = FIX / "aws_cur_legacy_sample.csv.gz"
CUR_PAYER = "123412340534"  # bill/PayerAccountId of every row of the CUR fixture
# the FOCUS sample's provider spellings, mapped by hand
PROVIDERS = {"AWS": "aws", "Microsoft": "azure", "Oracle": "oci"}


def _rows(path: Path) -> list[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def _rows_as_lists(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _totals(path: Path) -> dict[tuple[str, str], Decimal]:
    """Billed cost per (provider, currency), with Python's csv and Decimal."""
    out: dict[tuple[str, str], Decimal] = {}
    for r in _rows(path):
        provider = r.get("ServiceProviderName") or r["ProviderName"]
        key = (focus.normalize_provider(provider), r["BillingCurrency"])
        out[key] = out.get(key, Decimal(0)) + Decimal(r["BilledCost"])
    return out


def _db_totals(db: api.Database) -> dict[tuple[str, str], Decimal]:
    rows = db.con.execute("SELECT provider_name, billing_currency, sum(billed_cost) "
                          "FROM billed_lines GROUP BY ALL").fetchall()
    return {(p, c): round(Decimal(str(s)), 2) for p, c, s in rows}


def _snapshot(db: api.Database) -> list[tuple]:
    return db.con.execute("SELECT * EXCLUDE (load_id, tags), CAST(tags AS VARCHAR) "
                          "FROM billed_lines ORDER BY ALL").fetchall()


def write_focus(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    """A FOCUS CSV: every column of ``header``, NULL where a row says nothing."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        for r in rows:
            assert set(r) <= set(header), set(r) - set(header)
            w.writerow({k: r.get(k, "NULL") for k in header})
    return path


def _schema_header(name: str) -> list[str]:
    schema = json.loads((FIX / "focus" / name).read_text(encoding="utf-8"))
    return [m["source"]["name"] for m in schema["translator"]["mappings"]]


@pytest.fixture
def db(tmp_path):
    with api.open_db(tmp_path / "t.duckdb") as d:
        yield d


# ----------------------------------------------------------------------------- the FOCUS sample


def test_sample_loads_every_row_and_reconciles_per_provider_and_currency(db):
    res = api.ingest_focus(db, [str(SAMPLE)])
    assert (res.rows, res.files, res.billing_periods) == (400, 1, ("2024-09",))
    expected = _totals(SAMPLE)
    assert set(expected) == {("aws", "USD"), ("azure", "USD"), ("oci", "USD")}
    assert _db_totals(db) == {k: round(v, 2) for k, v in expected.items()}
    counts = dict(db.con.execute("SELECT provider_name, count(*) FROM billed_lines "
                                 "GROUP BY 1").fetchall())
    by_hand = Counter(PROVIDERS[r["ProviderName"]] for r in _rows(SAMPLE))
    assert counts == dict(by_hand) == {"aws": 376, "azure": 20, "oci": 4}
    assert round(Decimal(str(res.cost_total)), 2) == round(sum(expected.values()), 2)


def test_sample_columns_map_as_documented(db):
    api.ingest_focus(db, [str(SAMPLE)])
    rows = _rows(SAMPLE)
    q = db.con.execute
    # 'NULL' is NULL: rows whose Tags / RegionId say NULL
    assert q("SELECT count(*) FROM billed_lines WHERE tags IS NULL").fetchone()[0] == \
        sum(r["Tags"] == "NULL" for r in rows) == 114
    # Oracle rows have no RegionId: RegionName instead
    oci = {r["RegionName"] for r in rows if r["ProviderName"] == "Oracle"}
    assert {r[0] for r in q("SELECT region_id FROM billed_lines WHERE provider_name = 'oci'")
            .fetchall()} == oci == {"us-sanjose-1"}
    # ConsumedUnit spellings of one unit become one
    spelled = Counter(r["ConsumedUnit"] for r in rows if r["ChargeCategory"] == "Usage")
    units = dict(q("SELECT consumed_unit, count(*) FROM billed_lines GROUP BY 1").fetchall())
    assert units["GB-Months"] == spelled["GB-Months"] + spelled["GB Months"] + \
        spelled["GB/Month"] == 80
    assert units["GB-Hours"] == spelled["GB Hours"] == 2
    assert "GB Months" not in units and "GB/Month" not in units
    # the one Credit row: a charge category, no consumed quantity
    assert q("SELECT charge_category, consumed_quantity FROM billed_lines "
             "WHERE charge_category <> 'Usage'").fetchall() == [("Credit", None)]
    # instance types appear only in ChargeDescription ("... Linux c5.2xlarge Instance Hour")
    by_hand = sorted(m.group(1) for r in rows
                     if (m := re.search(r"per On Demand \w+ (\S+) Instance Hour",
                                        r["ChargeDescription"])))
    got = sorted(r[0] for r in q("SELECT x_instance_type FROM billed_lines "
                                 "WHERE x_instance_type IS NOT NULL").fetchall())
    assert got == by_hand == ["c5.2xlarge", "c5.xlarge", "g3.4xlarge", "m4.10xlarge",
                              "m5.2xlarge"]
    # no x_ columns in the sample: service and usage type from ServiceName / ChargeDescription
    first = rows[0]
    assert q("SELECT provider_name, billing_account_id, sub_account_id, service_name, "
             "x_usage_type, pricing_unit, consumed_quantity, billed_cost, list_cost, "
             "billing_period_start, charge_period_start, x_line_item_type, x_vcpus "
             "FROM billed_lines WHERE resource_id = ?", [first["ResourceId"]]).fetchall() == [(
                 "aws", first["BillingAccountId"], first["SubAccountId"], first["ServiceName"],
                 first["ChargeDescription"], "Requests", 2.0, float(first["BilledCost"]),
                 float(first["ListCost"]), date(2024, 9, 1), datetime(2024, 9, 18, 22), None,
                 None)]
    # tag keys in snake case, as the AWS ingestor stores them (tag:CostCenter finds them)
    ms = next(r for r in rows if r["ProviderName"] == "Microsoft" and "CostCenter" in r["Tags"])
    tags = json.loads(q("SELECT tags FROM billed_lines WHERE resource_id = ? AND "
                        "charge_period_start = ?", [ms["ResourceId"], ms["ChargePeriodStart"]])
                      .fetchone()[0])
    assert tags["cost_center"] == json.loads(ms["Tags"])["CostCenter"] == "1234"
    assert "CostCenter" not in tags
    # keys already in stored spelling: the object as the file has it
    aws = next(r for r in rows if r["ProviderName"] == "AWS" and r["Tags"] != "NULL")
    stored = q("SELECT tags FROM billed_lines WHERE resource_id = ? AND charge_period_start = ? "
               "AND billed_cost = ?", [aws["ResourceId"], aws["ChargePeriodStart"],
                                       float(aws["BilledCost"])]).fetchall()
    assert [json.loads(t[0]) for t in stored] == [json.loads(aws["Tags"])] * len(stored)


def test_sample_shape_is_focus_1_0(tmp_path):
    columns = [(name, "VARCHAR") for name in next(csv.reader(SAMPLE.open(encoding="utf-8")))]
    plan = focus._plan(Source("s.csv", SAMPLE), columns, load_id=1)
    assert plan.shape == "FOCUS 1.0 CSV"


def test_csv_gz_and_parquet_give_the_same_table(tmp_path):
    gz = tmp_path / "focus.csv.gz"
    gz.write_bytes(gzip.compress(SAMPLE.read_bytes()))
    parquet = tmp_path / "focus.parquet"
    with duckdb.connect() as con:  # typed columns and real nulls, as a Parquet export has
        con.execute(f"COPY (SELECT * FROM read_csv('{SAMPLE}', nullstr='NULL')) "
                    f"TO '{parquet}' (FORMAT parquet)")
    tables = []
    for i, path in enumerate((SAMPLE, gz, parquet)):
        with api.open_db(tmp_path / f"{i}.duckdb") as db:
            api.ingest_focus(db, [str(path)])
            tables.append(db.con.execute(
                "SELECT * EXCLUDE (load_id, source_file, tags), CAST(tags AS VARCHAR) "
                "FROM billed_lines ORDER BY ALL").fetchall())
    assert len(tables[0]) == 400
    assert tables[0] == tables[1]
    for a, b in zip(tables[0], tables[2], strict=True):
        _close(a, b)


def _close(a: tuple, b: tuple) -> None:
    """Equal, floats to 12 digits (CSV text and Parquet doubles may differ in the last bit)."""
    for x, y in zip(a, b, strict=True):
        if isinstance(x, float) and isinstance(y, float):
            assert x == pytest.approx(y, rel=1e-12, abs=1e-15)
        else:
            assert x == y


# ------------------------------------------------------------------- provider exports by header


def test_microsoft_focus_1_0_export_uses_meter_columns_and_sku_details(tmp_path, db):
    header = _schema_header("finopstoolkit_focuscost_1.0.json")
    vm = {"BilledCost": "0.192", "EffectiveCost": "0.15", "ListCost": "0.2",
          "BillingAccountId": "/providers/Microsoft.Billing/billingAccounts/42",
          "SubAccountId": "/subscriptions/abc", "BillingCurrency": "EUR",
          "BillingPeriodStart": "2024-09-01T00:00:00.0000000Z",
          "ChargePeriodStart": "2024-09-03T00:00:00.0000000Z", "ChargeCategory": "Usage",
          "ChargeDescription": "D2 v2/DS2 v2 - Linux", "ConsumedQuantity": "2",
          "ConsumedUnit": "Hours", "PricingUnit": "1 Hour", "ProviderName": "Microsoft",
          "RegionId": "eastus", "ServiceName": "Virtual Machines Scale Sets",
          "x_SkuMeterCategory": "Virtual Machines", "x_SkuMeterName": "D2 v2/DS2 v2",
          # x_SkuDetails is the native AdditionalInfo (this one from the EA sample export)
          "x_SkuDetails": '{"UsageType":"ComputeHR","ImageType":"Canonical",'
                          '"ServiceType":"Standard_DS2_v2","VCPUs":2}',
          "Tags": '{"CostCenter": "42"}'}
    storage = {**vm, "BilledCost": "1.25", "ChargeDescription": "P30 LRS Disk",
               "ConsumedQuantity": "0.5", "ConsumedUnit": "GB/Month",
               "x_SkuMeterCategory": "Storage", "x_SkuMeterName": "P30 LRS Disk",
               "x_SkuDetails": "NULL", "Tags": "{}"}
    path = write_focus(tmp_path / "ms-focus-1.0.csv", header, [vm, storage])
    api.ingest_focus(db, [str(path)])
    got = db.con.execute(
        "SELECT provider_name, service_name, x_usage_type, x_instance_type, x_vcpus, "
        "consumed_unit, pricing_unit, billing_period_start, billed_cost, effective_cost, "
        "billing_currency, CAST(tags AS VARCHAR) FROM billed_lines ORDER BY billed_cost"
    ).fetchall()
    assert got == [
        ("azure", "Virtual Machines", "D2 v2/DS2 v2", "Standard_DS2_v2", 2.0, "Hours",
         "1 Hour", date(2024, 9, 1), 0.192, 0.15, "EUR", '{"cost_center":"42"}'),
        ("azure", "Storage", "P30 LRS Disk", None, None, "GB-Months", "1 Hour",
         date(2024, 9, 1), 1.25, 0.15, "EUR", None)]
    plan = focus._plan(Source(path.name, path), [(h, "VARCHAR") for h in header], 1)
    assert plan.shape == "FOCUS 1.0 CSV"


def test_microsoft_focus_1_2_export_sku_price_details_and_meter(tmp_path, db):
    header = _schema_header("finopstoolkit_focuscost_1.2.json")
    assert "x_SkuMeterName" not in header  # 1.2 names the meter in FOCUS's own SkuMeter
    row = {"BilledCost": "3.5", "BillingAccountId": "ba-1", "BillingCurrency": "USD",
           "BillingPeriodStart": "2025-01-01T00:00:00Z", "ChargeCategory": "usage",
           "ChargeDescription": "Virtual Machines Ev5 Series - E4s v5 - Standard_E4s_v5",
           "ChargePeriodStart": "2025-01-02T00:00:00Z", "ConsumedQuantity": "24",
           "ConsumedUnit": "Hours", "ProviderName": "Microsoft", "RegionId": "westeurope",
           "ServiceName": "Virtual Machines", "SkuMeter": "E4s v5",
           "SkuPriceDetails": '{"CoreCount": 4, "x_Sample": "yes"}',
           "x_SkuMeterCategory": "Virtual Machines"}
    path = write_focus(tmp_path / "ms-focus-1.2.csv", header, [row])
    api.ingest_focus(db, [str(path)])
    assert db.con.execute(
        "SELECT charge_category, service_name, x_usage_type, x_instance_type, x_vcpus, "
        "consumed_quantity FROM billed_lines").fetchall() == [
            ("Usage", "Virtual Machines", "E4s v5", "Standard_E4s_v5", 4.0, 24.0)]
    plan = focus._plan(Source(path.name, path), [(h, "VARCHAR") for h in header], 1)
    assert plan.shape == "FOCUS 1.2 CSV"


FOCUS_13 = ["BilledCost", "BillingAccountId", "BillingCurrency", "BillingPeriodStart",
            "ChargeCategory", "ChargeDescription", "ChargePeriodStart", "ConsumedQuantity",
            "ConsumedUnit", "EffectiveCost", "HostProviderName", "InvoiceId", "ListCost",
            "PricingUnit", "RegionId", "ResourceId", "ServiceName", "ServiceProviderName",
            "SkuId", "SkuPriceDetails", "SubAccountId", "Tags", "x_Operation",
            "x_ServiceCode", "x_UsageType"]
EC2 = {"BilledCost": "0.096", "BillingAccountId": "111122223333", "BillingCurrency": "USD",
       "BillingPeriodStart": "2023-11-01T00:00:00Z", "ChargeCategory": "Usage",
       "ChargeDescription": "$0.096 per On Demand Linux m5.large Instance Hour",
       "ChargePeriodStart": "2023-11-05T10:00:00Z", "ConsumedQuantity": "1",
       "ConsumedUnit": "Hours", "EffectiveCost": "0.096", "HostProviderName": "AWS",
       "ListCost": "0.096", "PricingUnit": "Hours", "RegionId": "us-east-1",
       "ResourceId": "i-0abc", "ServiceName": "Amazon Elastic Compute Cloud",
       "ServiceProviderName": "Amazon Web Services", "SubAccountId": "444455556666",
       "SkuPriceDetails": '{"InstanceType": "m5.large", "CoreCount": 2, "MemorySize": 8}',
       "x_Operation": "RunInstances", "x_ServiceCode": "AmazonEC2",
       "x_UsageType": "BoxUsage:m5.large"}


def test_focus_1_3_service_provider_columns_and_aws_extras(tmp_path, db):
    tax = {**EC2, "BilledCost": "0.01", "ChargeCategory": "Tax", "ChargeDescription": "Tax",
           "ConsumedQuantity": "NULL", "ConsumedUnit": "NULL", "SkuPriceDetails": "NULL",
           "x_UsageType": "NULL", "ResourceId": "tax-1", "HostProviderName": "Not Applicable"}
    gcp = {"BilledCost": "0.5", "BillingAccountId": "0C4D5E-6F7081-92A3B4",
           "BillingCurrency": "EUR", "BillingPeriodStart": "2023-11-01T00:00:00Z",
           "ChargeCategory": "Usage", "ServiceName": "Compute Engine",
           "ChargeDescription": "N1 Predefined Instance Core running in Americas",
           "ChargePeriodStart": "2023-11-05T10:00:00Z", "ConsumedQuantity": "4",
           "ConsumedUnit": "Hours", "ServiceProviderName": "Google Cloud",
           "HostProviderName": "Google Cloud", "RegionId": "us-central1", "ResourceId": "vm-1",
           "SkuPriceDetails": '{"CoreCount": "4"}'}
    market = {**EC2, "BilledCost": "12", "ServiceProviderName": "Datadog",
              "ServiceName": "Datadog Pro", "x_ServiceCode": "NULL", "x_UsageType": "NULL",
              "SkuPriceDetails": "NULL", "ChargeDescription": "Datadog Pro per host",
              "ResourceId": "dd-1"}
    path = write_focus(tmp_path / "focus-1.3.csv", FOCUS_13, [EC2, tax, gcp, market])
    api.ingest_focus(db, [str(path)])
    got = db.con.execute(
        "SELECT resource_id, provider_name, service_name, x_usage_type, x_instance_type, "
        "x_vcpus, charge_category, consumed_quantity, consumed_unit, region_id "
        "FROM billed_lines ORDER BY resource_id").fetchall()
    assert got == [
        ("dd-1", "datadog", "Datadog Pro", "Datadog Pro per host", None, None, "Usage", 1.0,
         "Hours", "us-east-1"),
        ("i-0abc", "aws", "AmazonEC2", "BoxUsage:m5.large", "m5.large", 2.0, "Usage", 1.0,
         "Hours", "us-east-1"),
        ("tax-1", "aws", "AmazonEC2", "Tax", None, None, "Tax", None, None, "us-east-1"),
        ("vm-1", "gcp", "Compute Engine", "N1 Predefined Instance Core running in Americas",
         None, 4.0, "Usage", 4.0, "Hours", "us-central1")]
    assert _db_totals(db) == {k: round(v, 2) for k, v in _totals(path).items()}
    assert ("gcp", "EUR") in _db_totals(db)
    plan = focus._plan(Source(path.name, path), [(h, "VARCHAR") for h in FOCUS_13], 1)
    assert plan.shape == "FOCUS 1.3 CSV"


def test_aws_pricing_unit_prefers_x_pricing_unit(tmp_path, db):
    header = [*FOCUS_13, "x_PricingUnit"]
    path = write_focus(tmp_path / "f.csv", header, [{**EC2, "x_PricingUnit": "Hrs"}])
    api.ingest_focus(db, [str(path)])
    assert db.con.execute("SELECT pricing_unit FROM billed_lines").fetchall() == [("Hrs",)]


def test_parquet_with_typed_columns_and_maps(tmp_path, db):
    """A Parquet export types its columns: DECIMAL cost, TIMESTAMP WITH TIME ZONE, MAP tags."""
    path = tmp_path / "aws-focus.parquet"
    with duckdb.connect() as con:
        con.execute(f"""COPY (SELECT 1.5::DECIMAL(18, 6) AS BilledCost,
            '111'::VARCHAR AS BillingAccountId, 'USD' AS BillingCurrency,
            TIMESTAMPTZ '2024-09-01 00:00:00+00' AS BillingPeriodStart,
            'Usage' AS ChargeCategory, TIMESTAMPTZ '2024-09-02 05:00:00+02' AS ChargePeriodStart,
            2.0::DOUBLE AS ConsumedQuantity, 'Hrs' AS ConsumedUnit, 'AWS' AS ProviderName,
            'Amazon Elastic Compute Cloud' AS ServiceName, 'AmazonEC2' AS x_ServiceCode,
            'BoxUsage:t3.micro' AS x_UsageType, NULL::VARCHAR AS RegionId,
            'us-east-1' AS RegionName, MAP {{'CostCenter': 'x', 'user:Team': 'y'}} AS Tags,
            MAP {{'InstanceType': 't3.micro', 'CoreCount': '2'}} AS SkuPriceDetails)
            TO '{path}' (FORMAT parquet)""")
    api.ingest_focus(db, [str(path)])
    assert db.con.execute(
        "SELECT provider_name, service_name, x_usage_type, x_instance_type, x_vcpus, "
        "consumed_unit, region_id, billing_period_start, charge_period_start, billed_cost, "
        "CAST(tags AS VARCHAR) FROM billed_lines").fetchall() == [
            ("aws", "AmazonEC2", "BoxUsage:t3.micro", "t3.micro", 2.0, "Hours", "us-east-1",
             date(2024, 9, 1), datetime(2024, 9, 2, 3), 1.5,
             '{"cost_center":"x","team":"y"}')]
    columns = describe(db.con, Source("p", path), "FOCUS file")
    plan = focus._plan(Source(path.name, path), columns, 1)
    assert plan.shape == "FOCUS 1.1 Parquet"


# ------------------------------------------------------------------------------------ bad input


def test_contract_commitment_dataset_is_named(tmp_path, db):
    path = tmp_path / "commitments.csv"
    path.write_text("BillingCurrency,ContractCommitmentCategory,ContractCommitmentCost,"
                    "ContractCommitmentId,ContractId,ServiceProviderName\n"
                    "USD,Spend,1000,cc-1,c-1,AWS\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        api.ingest_focus(db, [str(path)])
    assert str(exc.value).startswith(f"{path}: a FOCUS contract commitment dataset")


def test_non_focus_file_says_what_it_looks_like(db):
    with pytest.raises(MissingColumnError) as exc:
        api.ingest_focus(db, [str(CUR)])
    assert str(exc.value).startswith(str(CUR))
    assert "looks like aws-cur data, not FOCUS" in str(exc.value)


def test_missing_required_column_is_named(tmp_path, db):
    header = [h for h in FOCUS_13 if h != "ChargeCategory"]
    path = write_focus(tmp_path / "f.csv", header, [{k: v for k, v in EC2.items()
                                                      if k != "ChargeCategory"}])
    with pytest.raises(MissingColumnError, match="missing required FOCUS column.* ChargeCategory"):
        api.ingest_focus(db, [str(path)])


def test_non_numeric_billed_cost_names_file_line_and_column_and_changes_nothing(tmp_path, db):
    api.ingest_focus(db, [str(SAMPLE)])
    before = _snapshot(db)
    header, *rows = _rows_as_lists(SAMPLE)
    rows[29][header.index("BilledCost")] = "twelve"  # line 31: the header is line 1
    bad = tmp_path / "bad.csv"
    with bad.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *rows])
    with pytest.raises(InputError) as exc:
        api.ingest_focus(db, [str(bad)])
    assert str(exc.value) == (f"{bad}, line 31, column 'BilledCost': could not convert "
                              "'twelve' to a number or date")
    assert _snapshot(db) == before


def test_bad_tags_json_names_the_line(tmp_path, db):
    path = write_focus(tmp_path / "f.csv", FOCUS_13, [EC2, {**EC2, "Tags": '{"team": '}])
    with pytest.raises(InputError) as exc:
        api.ingest_focus(db, [str(path)])
    assert str(exc.value).startswith(f"{path}, line 3, column 'Tags'")


def test_truncated_gzip_is_named_and_changes_nothing(tmp_path, db):
    api.ingest_focus(db, [str(SAMPLE)])
    before = _snapshot(db)
    data = gzip.compress(SAMPLE.read_bytes())
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as exc:
        api.ingest_focus(db, [str(cut)])
    assert str(exc.value).startswith(f"{cut}: truncated or corrupt download")
    assert _snapshot(db) == before


# ------------------------------------------------------------------------------ reloads, S3, CLI


def test_reload_is_idempotent(db):
    api.ingest_focus(db, [str(SAMPLE)])
    first = _snapshot(db)
    res = api.ingest_focus(db, [str(SAMPLE)])
    assert res.replaced_rows == 400
    assert _snapshot(db) == first


def test_focus_aws_rows_replace_only_their_own_billing_account(tmp_path, db):
    api.ingest_aws_cur(db, [str(CUR)])
    other = write_focus(tmp_path / "other.csv", FOCUS_13, [EC2])  # account 111122223333
    res = api.ingest_focus(db, [str(other)])
    assert res.replaced_rows == 0
    per_account = dict(db.con.execute("SELECT billing_account_id, count(*) FROM billed_lines "
                                      "GROUP BY 1").fetchall())
    assert per_account == {CUR_PAYER: 1281, "111122223333": 1}
    # the same payer's FOCUS export of the month is the same bill: it replaces the CUR rows
    same = write_focus(tmp_path / "same.csv", FOCUS_13, [{**EC2, "BillingAccountId": CUR_PAYER}])
    res = api.ingest_focus(db, [str(same)])
    assert res.replaced_rows == 1281
    per_account = dict(db.con.execute("SELECT billing_account_id, count(*) FROM billed_lines "
                                      "GROUP BY 1").fetchall())
    assert per_account == {CUR_PAYER: 1, "111122223333": 1}


def test_one_providers_reload_leaves_other_providers_rows(tmp_path, db):
    api.ingest_focus(db, [str(SAMPLE)])
    ms = [r for r in _rows(SAMPLE) if r["ProviderName"] == "Microsoft"][:3]
    header = next(csv.reader(SAMPLE.open(encoding="utf-8")))
    res = api.ingest_focus(db, [str(write_focus(tmp_path / "ms.csv", header, ms))])
    # Azure exports may cover one subscription of an enrollment: a reload replaces only the
    # subscriptions it holds (the sample's Microsoft rows, counted here with csv)
    subs = {r["SubAccountId"] for r in ms}
    all_ms = [r for r in _rows(SAMPLE) if r["ProviderName"] == "Microsoft"]
    same_subs = sum(r["SubAccountId"] in subs for r in all_ms)
    assert same_subs >= 3 and res.replaced_rows == same_subs
    counts = dict(db.con.execute("SELECT provider_name, count(*) FROM billed_lines "
                                 "GROUP BY 1").fetchall())
    assert counts == {"aws": 376, "azure": 3 + len(all_ms) - same_subs, "oci": 4}


def test_s3_prefix(s3_client: Any, moto_s3_endpoint: str, db) -> None:
    s3_client.create_bucket(Bucket="billing")
    s3_client.put_object(Bucket="billing", Key="focus/2024-09/part-0.csv.gz",
                         Body=gzip.compress(SAMPLE.read_bytes()))
    res = api.ingest_focus(db, ["s3://billing/focus/"], endpoint_url=moto_s3_endpoint)
    assert res.rows == 400
    assert _db_totals(db) == {k: round(v, 2) for k, v in _totals(SAMPLE).items()}
    assert db.con.execute("SELECT DISTINCT source_file FROM billed_lines").fetchall() == [
        ("s3://billing/focus/2024-09/part-0.csv.gz",)]


def ccf(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ccf_py.cli", *args], cwd=cwd,
                          capture_output=True, text=True, env=dict(os.environ), timeout=120)


def test_cli_ingest_focus(tmp_path):
    r = ccf("--db", "x.duckdb", "ingest", "focus", str(SAMPLE), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    total = round(sum(_totals(SAMPLE).values()), 2)
    assert r.stdout == (f"loaded 400 rows from 1 file(s), billing period(s) 2024-09; replaced 0 "
                        f"earlier rows; billed cost {total:,.2f}\n")


def test_cli_ingest_without_kind_detects_and_loads_each_kind_once(tmp_path):
    r = ccf("--db", "x.duckdb", "ingest", str(SAMPLE), str(CUR), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[:2] == [f"{CUR}: aws-cur", f"{SAMPLE}: focus"]  # sorted by name
    assert lines[2].startswith("aws-cur: loaded 1281 rows from 1 file(s), billing period(s) "
                               "2023-11;")
    assert lines[3].startswith("focus: loaded 400 rows from 1 file(s), billing period(s) "
                               "2024-09;")
    assert len(lines) == 4
    with api.open_db(tmp_path / "x.duckdb") as db:
        assert db.con.execute("SELECT count(*) FROM billed_lines").fetchone()[0] == 1681


def test_cli_ingest_without_kind_refuses_an_unknown_file_before_loading(tmp_path):
    other = tmp_path / "regions.csv"
    other.write_text("OriginalValue,RegionId,RegionName\neastus,eastus,East US\n")
    r = ccf("--db", "x.duckdb", "ingest", str(SAMPLE), str(other), cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.startswith(f"Error: {other}: not a billing export this tool knows")
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert not (tmp_path / "x.duckdb").exists()


def test_cli_help_for_focus_and_kindless_ingest(tmp_path):
    r = ccf("ingest", "focus", "--help", cwd=tmp_path)
    assert r.returncode == 0 and "FOCUS 1.0-1.3" in r.stdout
    r = ccf("ingest", "--help", cwd=tmp_path)
    assert r.returncode == 0 and "ccf-py ingest PATH..." in r.stdout and "aws-cur" in r.stdout
