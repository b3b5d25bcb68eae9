"""Loads across providers and kinds of export: what replaces what, and what is refused.

* Azure exports may be scoped to one subscription of an EA enrollment: a reload replaces only
  the subscriptions it holds, never a sibling subscription of the same billing account.
* A FOCUS export and a native export of the same bill spell Microsoft's ids differently
  (ARM paths vs bare ids); they are one bill and must never add up.
* ``ccf-py ingest`` with files of several kinds is one transaction: a bad file leaves the
  database as it was, and two kinds of export of one bill are refused.
* GCP rows of a FOCUS export reach the GCP classifier (its units are FOCUS's ConsumedUnit).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ccf_py import api
from ccf_py.errors import InputError
from ccf_py.estimate import create_estimates

FIX = Path(__file__).parent / "fixtures"
EA = FIX / "azure" / "finopstoolkit_EA_ActualCost_Small.csv"


def _ea_rows() -> tuple[list[str], list[dict[str, str]]]:
    with EA.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(rows)
    return path


def _by_sub(db) -> dict[str, int]:
    return dict(db.con.execute("SELECT sub_account_id, count(*) FROM billed_lines "
                               "WHERE provider_name = 'azure' GROUP BY 1").fetchall())


def test_a_subscription_export_never_replaces_a_sibling_subscription(tmp_path):
    header, rows = _ea_rows()
    subs = sorted({r["SubscriptionId"] for r in rows})
    a = _write(tmp_path / "sub_a.csv", header, [r for r in rows if r["SubscriptionId"] == subs[0]])
    b = _write(tmp_path / "sub_b.csv", header, [r for r in rows if r["SubscriptionId"] == subs[1]])
    with api.open_db(tmp_path / "x.duckdb") as db:
        api.ingest_azure_export(db, [str(a)])
        res = api.ingest_azure_export(db, [str(b)])
        assert res.replaced_rows == 0
        expected = {s: sum(r["SubscriptionId"] == s for r in rows) for s in subs[:2]}
        assert _by_sub(db) == expected
        # the same subscription again: replaced, the sibling kept
        res = api.ingest_azure_export(db, [str(a)])
        assert res.replaced_rows == expected[subs[0]]
        assert _by_sub(db) == expected
        # the enrollment-wide export replaces both
        res = api.ingest_azure_export(db, [str(EA)])
        assert res.replaced_rows == sum(expected.values())


def _focus_copy_of_ea_usage(tmp_path: Path) -> Path:
    """The EA sample's VM row as Microsoft's FOCUS export writes it (ARM-path ids)."""
    _, rows = _ea_rows()
    vm = next(r for r in rows if r["MeterName"] == "D2 v3/D2s v3")
    header = ["BilledCost", "BillingAccountId", "BillingCurrency", "BillingPeriodStart",
              "ChargeCategory", "ChargeDescription", "ChargePeriodStart", "ConsumedQuantity",
              "ConsumedUnit", "EffectiveCost", "ListCost", "PricingUnit", "ProviderName",
              "RegionId", "ResourceId", "ServiceName", "SubAccountId", "x_SkuMeterCategory",
              "x_SkuMeterName"]
    month, day, year = vm["Date"].split("/")
    row = {"BilledCost": vm["Cost"],
           "BillingAccountId": f"/providers/Microsoft.Billing/billingAccounts/"
                               f"{vm['BillingAccountId']}",
           "BillingCurrency": vm["BillingCurrency"],
           "BillingPeriodStart": f"{year}-{month}-01T00:00:00Z", "ChargeCategory": "Usage",
           "ChargeDescription": vm["MeterName"],
           "ChargePeriodStart": f"{year}-{month}-{day}T00:00:00Z",
           "ConsumedQuantity": vm["Quantity"], "ConsumedUnit": "Hours",
           "EffectiveCost": vm["Cost"], "ListCost": vm["Cost"], "PricingUnit": "1 Hour",
           "ProviderName": "Microsoft", "RegionId": vm["ResourceLocation"],
           "ResourceId": vm["ResourceId"], "ServiceName": "Virtual Machines",
           "SubAccountId": f"/subscriptions/{vm['SubscriptionId']}",
           "x_SkuMeterCategory": vm["MeterCategory"], "x_SkuMeterName": vm["MeterName"]}
    return _write(tmp_path / "focus_azure.csv", header, [row])


def test_focus_and_native_azure_exports_of_one_bill_are_refused_in_one_command(tmp_path):
    focus = _focus_copy_of_ea_usage(tmp_path)
    with api.open_db(tmp_path / "x.duckdb") as db:
        with pytest.raises(InputError, match="same account and month"):
            api.ingest_auto(db, [str(EA), str(focus)])
        assert db.con.execute("SELECT count(*) FROM billed_lines").fetchone()[0] == 0
        # in two commands the later export replaces the earlier one: never both
        api.ingest_azure_export(db, [str(EA)])
        res = api.ingest_focus(db, [str(focus)])
        assert res.replaced_rows > 0
        sources = {r[0] for r in db.con.execute(
            "SELECT DISTINCT source_file FROM billed_lines WHERE sub_account_id = "
            "(SELECT sub_account_id FROM billed_lines WHERE source_file LIKE '%focus%')"
        ).fetchall()}
        assert len(sources) == 1 and "focus" in next(iter(sources))


def test_a_bad_file_of_another_kind_leaves_the_database_as_it_was(tmp_path):
    header, rows = _ea_rows()
    bad = _write(tmp_path / "az_bad.csv", header, [{**rows[3], "Quantity": "three"}])
    gcp = FIX / "gcp" / "gcp_input.jsonl"
    with api.open_db(tmp_path / "x.duckdb") as db:
        api.ingest_aws_cur(db, [str(FIX / "aws_cur_legacy_sample.csv.gz")])
        before = db.con.execute("SELECT count(*), sum(billed_cost) FROM billed_lines"
                                ).fetchone()
        with pytest.raises(InputError, match=r"az_bad\.csv.*Quantity"):
            api.ingest_auto(db, [str(gcp), str(bad)])
        assert db.con.execute("SELECT count(*), sum(billed_cost) FROM billed_lines"
                              ).fetchone() == before
        assert db.con.execute("SELECT count(*) FROM billed_lines WHERE provider_name = 'gcp'"
                              ).fetchone()[0] == 0


def test_gcp_rows_of_a_focus_export_are_estimated_from_usage(tmp_path):
    header = ["BilledCost", "BillingAccountId", "BillingCurrency", "BillingPeriodStart",
              "ChargeCategory", "ChargeDescription", "ChargePeriodStart", "ConsumedQuantity",
              "ConsumedUnit", "EffectiveCost", "ListCost", "PricingUnit", "ProviderName",
              "RegionId", "ServiceName", "SubAccountId"]
    base = {"BillingAccountId": "0C4D5E-6F7081-92A3B4", "BillingCurrency": "USD",
            "BillingPeriodStart": "2026-06-01T00:00:00Z", "ChargeCategory": "Usage",
            "ChargePeriodStart": "2026-06-03T00:00:00Z", "ProviderName": "Google Cloud",
            "RegionId": "us-east1", "ServiceName": "Compute Engine",
            "SubAccountId": "orbit-web-602214"}
    rows = [{**base, "ChargeDescription": "N1 Predefined Instance Core running in Americas",
             "ConsumedQuantity": "14400", "ConsumedUnit": "seconds", "PricingUnit": "hour",
             "BilledCost": "0.13", "EffectiveCost": "0.13", "ListCost": "0.13"},
            {**base, "ChargeDescription": "Storage PD Capacity",
             "ConsumedQuantity": str(100 * 2**30 * 86400), "ConsumedUnit": "byte-seconds",
             "PricingUnit": "gibibyte month", "BilledCost": "0.13", "EffectiveCost": "0.13",
             "ListCost": "0.13"}]
    path = _write(tmp_path / "focus_gcp.csv", header, rows)
    with api.open_db(tmp_path / "x.duckdb") as db:
        api.ingest_focus(db, [str(path)])
        create_estimates(db.con, "default", materialize=True)
        got = dict(db.con.execute("SELECT usage_class || ':' || estimate_path, energy_kwh "
                                  "FROM fct_usage_estimates").fetchall())
    # 4 vCPU-hours of n1 (no machine type: the family from the SKU, n1 median watts 1.0/4.74
    # W, 50 %), PUE us-east1 = GCP default 1.1; 100 GiB-day of HDD at 0.65 Wh per TiB-hour
    assert got["compute:direct"] == pytest.approx(4 * (1.0 + 0.5 * 3.74) * 1.1 / 1000, rel=1e-9)
    assert got["storage:direct"] == pytest.approx(100 / 1024 * 24 * 0.65 * 1.1 / 1000, rel=1e-9)
