"""Notes that must say what happened to the lines, and the FOCUS export read back: checked
against the input files' own numbers (csv / json modules), hand arithmetic, or another path
through the pipeline (a report row, the per-row estimates), never against the note's own code.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

from ccf_py import api
from ccf_py.cli import main
from ccf_py.demo import AZURE_DEMO_FILE, DEMO_FILE, GCP_DEMO_FILE, demo_file
from ccf_py.estimate import create_estimates
from ccf_py.model import CoverageRow
from ccf_py.report.render import confidence_line
from tests.helpers import write_cur

FIX = Path(__file__).parent / "fixtures"
AZ_GPU = FIX / "accelerators" / "az_gpu.csv"
GCP_GPU = FIX / "accelerators" / "gcp_gpu.jsonl"
FOCUS = FIX / "focus" / "focus_1.0_sample_subset.csv"
DEMO_OCTOBER = [demo_file(f) for f in (DEMO_FILE, GCP_DEMO_FILE, AZURE_DEMO_FILE)]
METRICS = ("energy_kwh", "gpu_energy_kwh", "co2e_operational_kg", "co2e_embodied_kg",
           "co2e_total_kg")


def _rows(table) -> dict[tuple, dict]:  # noqa: ANN001 - a ReportTable
    return {tuple(d[k] for k in table.keys): d for d in table.as_dicts()}


def _note(table, start: str) -> str:  # noqa: ANN001
    found = [n for n in table.notes if n.startswith(start)]
    assert len(found) == 1, table.notes
    return found[0]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    with api.open_db(path) as db:
        api.ingest_auto(db, [str(p) for p in DEMO_OCTOBER])
    return path


# ------------------------------------------------ A4 / C5: the FOCUS export read back

def test_an_export_of_an_older_ccf_py_reads_back_the_gcp_sku_from_x_usage_type(demo_db,
                                                                              tmp_path):
    # exports before 2026-12 carried the GCP SKU in x_UsageType and no ChargeDescription:
    # rewrite today's export that way (GCP rows only) and read it back
    out, old_style = tmp_path / "october.csv", tmp_path / "old-style.csv"
    with api.open_db(demo_db, read_only=True) as db:
        api.export_focus(db, out, month="2026-10")
        before = _rows(api.report(db, by="provider", month="2026-10"))
    with out.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header, rows = list(reader.fieldnames or ()), list(reader)
    if "x_UsageType" not in header:
        header.append("x_UsageType")
    gcp = [r for r in rows if r["ProviderName"].lower().startswith("google")]
    assert gcp and all(r["ChargeDescription"] for r in gcp)
    for r in gcp:
        r["x_UsageType"], r["ChargeDescription"] = r["ChargeDescription"], ""
    with old_style.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    with api.open_db(tmp_path / "back.duckdb") as db:
        api.ingest_focus(db, [str(old_style)])
        after = _rows(api.report(db, by="provider"))
    assert after[("gcp",)]["energy_kwh"] == pytest.approx(before[("gcp",)]["energy_kwh"],
                                                          rel=1e-9)

@pytest.mark.parametrize("methodology", ["default", "ccf"])
def test_focus_export_read_back_gives_every_provider_its_estimates(demo_db, tmp_path,
                                                                   methodology):
    out = tmp_path / "october.csv"
    with api.open_db(demo_db, read_only=True) as db:
        api.export_focus(db, out, month="2026-10", methodology=methodology)
        before = api.report(db, by="provider", month="2026-10", methodology=methodology)
    with api.open_db(tmp_path / "back.duckdb") as db:
        api.ingest_focus(db, [str(out)])
        after = api.report(db, by="provider", methodology=methodology)
    old, new = _rows(before), _rows(after)
    assert set(old) == set(new) == {("aws",), ("gcp",), ("azure",)}
    for key, row in old.items():
        assert round(new[key]["cost"], 2) == round(row["cost"], 2), key
        assert row["energy_kwh"] > 0 and row["co2e_total_kg"] > 0, key
        for m in METRICS:
            assert new[key][m] == pytest.approx(row[m], rel=1e-9, abs=1e-12), (key, m)
    # no note lists nothing ("...: ." was one)
    assert not [n for n in after.notes if re.search(r":\s*\.$", n)], after.notes


def test_gcp_pricing_unit_and_quantity_are_the_exports_own(demo_db, tmp_path):
    """C5: GCP prices seconds per hour (usage.pricing_unit); the export says so, with the
    export's own amount_in_pricing_units, summed per pricing unit from the demo file."""
    expected: dict[str, float] = defaultdict(float)
    with gzip.open(demo_file(GCP_DEMO_FILE), "rt") as fh:
        for line in fh:
            li = json.loads(line)
            usage = li.get("usage") or {}
            if li.get("cost_type", "regular") == "regular" and usage.get("pricing_unit"):
                expected[usage["pricing_unit"]] += float(usage["amount_in_pricing_units"])
    out = tmp_path / "october.csv"
    with api.open_db(demo_db, read_only=True) as db:
        api.export_focus(db, out, month="2026-10")
    got: dict[str, float] = defaultdict(float)
    seconds_units = set()
    with out.open(newline="") as fh:
        for r in csv.DictReader(fh):
            if r["ProviderName"] == "Google Cloud" and r["ChargeCategory"] == "Usage":
                got[r["PricingUnit"]] += float(r["PricingQuantity"] or 0)
                if r["ConsumedUnit"] == "Seconds":
                    seconds_units.add(r["PricingUnit"])
                    assert float(r["PricingQuantity"]) == pytest.approx(
                        float(r["ConsumedQuantity"]) / 3600, rel=1e-9)
    assert "seconds" not in got and seconds_units == {"hour"}
    assert set(got) == set(expected)
    for unit, amount in expected.items():
        assert got[unit] == pytest.approx(amount, rel=1e-9), unit


FOCUS_GCP_HEADER = ["BilledCost", "BillingAccountId", "BillingCurrency", "BillingPeriodStart",
                    "ChargeCategory", "ChargeDescription", "ChargePeriodStart",
                    "ConsumedQuantity", "ConsumedUnit", "EffectiveCost", "ListCost",
                    "PricingUnit", "ProviderName", "RegionId", "ServiceName", "SubAccountId"]


def _focus_gcp(path: Path, rows: list[dict]) -> Path:
    base = {"BillingAccountId": "0C4D5E", "BillingCurrency": "USD",
            "BillingPeriodStart": "2026-06-01T00:00:00Z", "ChargeCategory": "Usage",
            "ChargePeriodStart": "2026-06-03T00:00:00Z", "ProviderName": "Google Cloud",
            "RegionId": "us-east1", "ServiceName": "Compute Engine", "SubAccountId": "p1",
            "PricingUnit": "hour"}
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FOCUS_GCP_HEADER)
        w.writeheader()
        for r in rows:
            w.writerow({**base, **r})
    return path


@pytest.mark.parametrize("unit", ["seconds", "Seconds"])
def test_gcp_consumed_unit_in_either_spelling_is_estimated_from_usage(tmp_path, unit):
    """GCP's own spelling (seconds) or FOCUS's unit format (Seconds, as the export writes)."""
    path = _focus_gcp(tmp_path / "f.csv", [{
        "ChargeDescription": "N1 Predefined Instance Core running in Americas",
        "ConsumedQuantity": "14400", "ConsumedUnit": unit, "BilledCost": "0.13",
        "EffectiveCost": "0.13", "ListCost": "0.13"}])
    with api.open_db(tmp_path / "x.duckdb") as db:
        api.ingest_focus(db, [str(path)])
        create_estimates(db.con, "default", materialize=True)
        [(path_, kwh)] = db.con.execute(
            "SELECT coverage_path, energy_kwh FROM fct_usage_estimates").fetchall()
    # 4 vCPU-hours of n1 (median watts 1.0/4.74 W at 50 %), GCP default PUE 1.1
    assert path_ == "direct"
    assert kwh == pytest.approx(4 * (1.0 + 0.5 * 3.74) * 1.1 / 1000, rel=1e-9)


def test_a_line_without_a_usage_type_is_named_as_such(tmp_path):
    """The cost-ratio note never lists nothing ('...quantity: .' was printed): an Azure VM
    line without a meter name, extrapolated from the D2s v3 line's kWh per cost."""
    header = [*FOCUS_GCP_HEADER, "x_SkuMeterName"]
    base = {"BillingAccountId": "1", "BillingCurrency": "USD", "ChargeCategory": "Usage",
            "BillingPeriodStart": "2026-06-01T00:00:00Z", "ProviderName": "Microsoft",
            "ChargePeriodStart": "2026-06-03T00:00:00Z", "RegionId": "eastus",
            "ServiceName": "Virtual Machines", "SubAccountId": "s", "PricingUnit": "1 Hour",
            "ConsumedUnit": "Hours", "ConsumedQuantity": "24"}
    rows = [{"x_SkuMeterName": "D2s v3", "BilledCost": "2.3", "EffectiveCost": "2.3",
             "ListCost": "2.3"},
            {"x_SkuMeterName": "", "BilledCost": "1", "EffectiveCost": "1", "ListCost": "1"}]
    path = tmp_path / "f.csv"
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows({**base, **r} for r in rows)
    with api.open_db(tmp_path / "x.duckdb") as db:
        api.ingest_focus(db, [str(path)])
        table = api.report(db, by="usage_type,estimate_path")
    got = _rows(table)
    assert got[("", "from_cost")]["energy_kwh"] == pytest.approx(
        got[("D2s v3", "direct")]["energy_kwh"] / 2.3, rel=1e-9)
    assert _note(table, "Estimated from cost ratios") == (
        "Estimated from cost ratios, no usable usage quantity: lines without a usage type.")


# ------------------------------------------------ A6: accelerators under --methodology ccf

def _accelerator_note(table) -> dict[str, tuple[str, str]]:  # noqa: ANN001
    note = _note(table, "GPUs and accelerators not counted by methodology 'ccf'")
    listed = note.split("): ", 1)[1].rstrip(".")
    return {m[0]: (m[1], m[2]) for m in re.findall(
        r"(?:^|, )(.+?) \(([^;()]+); (CPU only|from cost ratios)\)", listed)}


@pytest.mark.parametrize("source", [AZ_GPU, GCP_GPU])
def test_ccf_names_every_accelerator_it_does_not_count(tmp_path, source):
    with api.open_db(tmp_path / "x.duckdb") as db:
        api.ingest_auto(db, [str(source)])
        default = api.report(db, by="usage_type,estimate_path")
        ccf = api.report(db, by="usage_type,estimate_path", methodology="ccf")
        assert not [n for n in default.notes if "not counted by methodology" in n]
        listed = _accelerator_note(ccf)
    gpu: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    basis: dict[str, set] = defaultdict(set)
    for name, table in (("default", default), ("ccf", ccf)):
        for d in table.as_dicts():
            gpu[d["usage_type"]][name] += d["gpu_energy_kwh"]
            if name == "ccf":
                basis[d["usage_type"]].add(d["estimate_path"])
    # the lines whose accelerators default counts and ccf does not, from the two reports
    expected = {ut for ut, g in gpu.items() if g["default"] > 0 and g["ccf"] == 0}
    assert expected and set(listed) == expected
    for name, (_, instead) in listed.items():
        assert basis[name] == ({"from_cost"} if instead == "from cost ratios"
                               else basis[name] - {"from_cost"}), name
    if source == AZ_GPU:
        assert listed["NC24ads A100 v4"][0].startswith("Nvidia A100")
        assert listed["ND96isr H100 v5"] == ("Nvidia H100 SXM", "CPU only")
    else:
        assert set(listed) == {"TPU v4 Pod running in Americas", "TPU v5e running in Americas",
                               "Tpu-v5p chip hour"}
        assert {v[1] for v in listed.values()} == {"from cost ratios"}


# ------------------------------------------------ A7: usage billed at zero cost

def test_zero_cost_note_says_what_happened_in_both_methodologies(tmp_path):
    zero = [json.loads(line) for line in GCP_GPU.read_text().splitlines()]
    zero = [li for li in zero if li["cost"] == 0 and not li.get("credits")]
    assert [li["sku"]["description"] for li in zero] == [
        "Cloud Run CPU Allocation Time (tier 1)"]
    with api.open_db(tmp_path / "x.duckdb") as db:
        api.ingest_gcp_billing(db, [str(GCP_GPU)])
        default = api.report(db, by="usage_type,estimate_path")
        ccf = api.report(db, by="usage_type,estimate_path", methodology="ccf")
    run = ("Cloud Run CPU Allocation Time (tier 1)",)
    d_row = next(d for d in default.as_dicts() if d["usage_type"] == run[0])
    c_row = next(d for d in ccf.as_dicts() if d["usage_type"] == run[0])
    # default: a cost ratio times 0 is 0; ccf: CCF's per-usage-amount ratio extrapolates it
    assert d_row["co2e_total_kg"] == 0 and d_row["estimate_path"] == "from_cost"
    assert c_row["co2e_total_kg"] > 1 and c_row["estimate_path"] == "from_cost"
    prefix = ("1 usage line billed at zero cost (covered by a reservation or savings plan, or "
              "free tier) adds nothing to the cost column: ")
    assert _note(default, prefix) == prefix + (
        "1 extrapolated from cost ratios, which give 0 kg at zero cost (no usable usage "
        "quantity). None teaches a kWh-per-cost ratio or is priced at list cost.")
    assert _note(ccf, prefix) == prefix + (
        f"1 extrapolated ({c_row['co2e_total_kg']:,.3f} kg CO2e) from other usage's kWh per "
        "unit of usage amount, CCF's method for GCP and Azure.")
    for table in (default, ccf):
        assert not [n for n in table.notes if "none is extrapolated" in n]


def test_zero_cost_lines_estimated_from_quantities_are_counted_with_their_co2e(tmp_path):
    """A free-tier t3.micro: estimated from its hours; its kg is its report row's."""
    cur = write_cur(tmp_path / "x.csv", [
        {"start": "2026-10-01T00:00:00Z", "service": "AmazonEC2", "region": "us-east-1",
         "usage_type": "BoxUsage:t3.micro", "unit": "Hrs", "amount": "24", "cost": "0",
         "resource": "free"},
        {"start": "2026-10-01T00:00:00Z", "service": "AmazonEC2", "region": "us-east-1",
         "usage_type": "BoxUsage:m5.large", "unit": "Hrs", "amount": "24", "cost": "2.30",
         "vcpu": "2", "resource": "paid"}])
    with api.open_db(tmp_path / "x.duckdb") as db:
        api.ingest_aws_cur(db, [str(cur)])
        for methodology in ("default", "ccf"):
            table = api.report(db, by="resource_id", methodology=methodology)
            kg = _rows(table)[("free",)]["co2e_total_kg"]
            assert kg > 0
            note = _note(table, "1 usage line billed at zero cost")
            assert f"1 estimated from its usage quantity ({kg:,.3f} kg CO2e)." in note
            assert ("As CCF, the kWh of those estimated from quantities count in the ratios"
                    in note) == (methodology == "ccf")


# ------------------------------------------------ B9: the confidence line

def test_confidence_line_leads_with_a_large_unestimated_share():
    rows = (CoverageRow("direct", 5, 2.0, 4.0), CoverageRow("not_estimable", 3, 98.0, 0.0),
            CoverageRow("non_usage", 1, -10.0, 0.0))
    assert confidence_line(rows) == (
        "Only 2% of the usage cost could be estimated: 3 usage rows costing 98.00 (98%) got no "
        "estimate (too little directly estimated usage to extrapolate from) and count as zero. "
        "Of the CO2e found, 100.0% is estimated from usage quantities, 0.0% with fallback "
        "coefficients and 0.0% extrapolated from cost ratios.")
    # 40 % missing: the shares stay first
    rows = (CoverageRow("fallback", 5, 60.0, 1.0), CoverageRow("none", 1, 40.0, 0.0))
    assert confidence_line(rows, "ccf") == (
        "Of the CO2e, 0.0% is estimated from usage quantities, 100.0% with fallback "
        "coefficients and 0.0% extrapolated from cost ratios. Not estimated: 1 usage row "
        "costing 40.00 (40% of the usage cost; CCF's methodology gives them no estimate); it "
        "counts as zero.")
    assert confidence_line((CoverageRow("not_estimable", 1, 7.0, 0.0),)) == (
        "None of the usage cost could be estimated: 1 usage row costing 7.00 (100%) got no "
        "estimate (too little directly estimated usage to extrapolate from) and counts as "
        "zero. No CO2e was found.")



def test_confidence_line_never_rounds_a_part_to_all_and_names_each_currency():
    # 99.5 % of the EUR usage cost unestimated: '>99%', not '100%'; USD 40 %: shares per
    # currency, and the head names only the currency where most is missing
    rows = (CoverageRow("direct", 2, 0.5, 1.0, "EUR"),
            CoverageRow("not_estimable", 3, 99.5, 0.0, "EUR"),
            CoverageRow("direct", 4, 60.0, 2.0, "USD"),
            CoverageRow("not_estimable", 1, 40.0, 0.0, "USD"))
    assert confidence_line(rows) == (
        "Most of the usage cost in EUR could not be estimated: 4 usage rows costing EUR 99.50; "
        "USD 40.00 (of the usage cost in each currency: EUR >99%, USD 40%) got no estimate "
        "(too little directly estimated usage to extrapolate from) and count as zero. Of the "
        "CO2e found, 100.0% is estimated from usage quantities, 0.0% with fallback "
        "coefficients and 0.0% extrapolated from cost ratios.")
    one = (CoverageRow("direct", 1, 0.3, 1.0), CoverageRow("not_estimable", 9, 99.7, 0.0))
    assert confidence_line(one).startswith(
        "Only <1% of the usage cost could be estimated: 9 usage rows costing 99.70 (>99%)")


# ------------------------------------------------ B10: AWS words in other providers' notes

def _focus_rows(path: Path, keep) -> Path:  # noqa: ANN001 - a predicate on a row
    with FOCUS.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = [r for r in reader if keep(r)]
        header = reader.fieldnames
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(rows)
    return path


def test_azure_report_has_azure_words_only(tmp_path):
    azure = _focus_rows(tmp_path / "ms.csv", lambda r: r["ProviderName"] == "Microsoft")
    with azure.open(newline="") as fh:  # the stored table data without a region
        rows = list(csv.DictReader(fh))
    stored = [r for r in rows if r["ChargeDescription"] == "Tables - LRS Data Stored"]
    assert len(stored) == 3
    for r in stored:
        r["RegionId"] = r["RegionName"] = "NULL"
    with azure.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with api.open_db(tmp_path / "x.duckdb") as db:
        api.ingest_focus(db, [str(azure)])
        notes = [*api.report(db, by="service").notes,
                 *api.report(db, by="service", methodology="ccf").notes]
    text = " ".join(notes)
    for word in ("CloudFront", "S3", "Fargate", "GCP:"):
        assert word not in text, word
    assert "Azure: unit blocks read" in text
    assert "Regions without a grid factor used the AZURE average" in text
    assert "rows without a region." in text


def test_oci_rows_without_an_estimate_get_no_grid_average_note(tmp_path):
    oci = sum(1 for r in csv.DictReader(FOCUS.open(newline="")) if r["ProviderName"] == "Oracle")
    assert oci == 4
    with api.open_db(tmp_path / "x.duckdb") as db:
        api.ingest_focus(db, [str(FOCUS)])
        table = api.report(db, by="provider,estimate_path")
    assert {d["estimate_path"] for d in table.as_dicts() if d["provider"] == "oci"} == {
        "not_estimable"}
    assert not [n for n in table.notes if "OCI" in n], table.notes


def test_a_gcp_line_without_currency_is_explained_as_it_is_handled(tmp_path):
    lines = [json.loads(x) for x in GCP_GPU.read_text().splitlines()]
    lines = [li for li in lines if li["currency"] == "USD"]
    nat = {**lines[0], "service": {"id": "x", "description": "Networking"},
           "sku": {"id": "y", "description": "Cloud NAT Data Processing"}, "cost": 1.72,
           "usage": {"amount": 1e9, "unit": "bytes"}, "credits": [], "system_labels": []}
    del nat["currency"]
    path = tmp_path / "nullcur.jsonl"
    path.write_text("\n".join(json.dumps(li) for li in [*lines, nat]) + "\n")
    with api.open_db(tmp_path / "x.duckdb") as db:
        api.ingest_gcp_billing(db, [str(path)])
        table = api.report(db, by="service")
        by_currency = api.report(db, by="currency,estimate_path")
    note = _note(table, "1 billed row has no currency recorded")
    assert "(GCP export lines whose currency field is empty)" in note
    assert "its cost is added to the USD rows'" in note
    for wrong in ("ccf_py 0.1", "CurrencyCode", "taken to be in"):
        assert wrong not in note
    # and what it says happens does: a '(none)' row, not estimated
    assert [(d["currency"], d["estimate_path"]) for d in by_currency.as_dicts()
            if d["currency"] == ""] == [("", "not_estimable")]


def test_storage_comparison_lists_the_providers_own_charges():
    gcp = api.compare_storage(None, from_class="gcs-standard", to_class="gcs-nearline", tb=1)
    aws = api.compare_storage(None, from_class="s3-standard", to_class="s3-standard-ia", tb=1)
    gcp_note = next(n for n in gcp.notes if n.startswith("Not included:"))
    aws_note = next(n for n in aws.notes if n.startswith("Not included:"))
    assert "Intelligent-Tiering" not in gcp_note and "Class A and B" in gcp_note
    assert "Intelligent-Tiering monitoring fees" in aws_note


def test_missing_database_suggests_the_generic_ingest(tmp_path):
    r = CliRunner().invoke(main, ["--db", str(tmp_path / "none.duckdb"), "report"])
    assert r.exit_code == 1
    assert "'ccf-py --db" in r.output and "ingest PATH'" in r.output
    assert "aws-cur" not in r.output


# ------------------------------------------------ B11: --by estimate_path

def test_estimate_path_key_by_hand(tmp_path):
    """One EC2 m5 (from its hours), a NAT gateway (from the EC2 row's kWh per cost), a tax
    line; a month later a NAT gateway alone (nothing to learn a ratio from)."""
    rows = [
        {"start": "2026-10-01T00:00:00Z", "service": "AmazonEC2", "region": "us-east-1",
         "usage_type": "BoxUsage:m5.large", "unit": "Hrs", "amount": "24", "cost": "2.30",
         "vcpu": "2"},
        {"start": "2026-10-01T00:00:00Z", "service": "AmazonEC2", "region": "us-east-1",
         "usage_type": "NatGateway-Hours", "unit": "Hrs", "amount": "24", "cost": "1.08"},
        {"start": "2026-10-01T00:00:00Z", "service": "AmazonEC2", "type": "Tax",
         "cost": "0.34"},
        {"start": "2026-11-01T00:00:00Z", "service": "AmazonEC2", "region": "us-east-1",
         "usage_type": "NatGateway-Hours", "unit": "Hrs", "amount": "24", "cost": "1.08"},
    ]
    cur = write_cur(tmp_path / "x.csv", rows)
    with api.open_db(tmp_path / "x.duckdb") as db:
        api.ingest_aws_cur(db, [str(cur)])
        october = _rows(api.report(db, by="usage_class,estimate_path", month="2026-10"))
        november = _rows(api.report(db, by="estimate_path", month="2026-11"))
        # the grouped path and the per-row estimates agree
        create_estimates(db.con, "default", materialize=True)
        per_row = dict(db.con.execute(
            "SELECT coverage_path, sum(co2e_total_kg) FROM fct_usage_estimates "
            "GROUP BY 1").fetchall())
    assert {k: round(v["cost"], 2) for k, v in october.items()} == {
        ("compute", "direct"): 2.30, ("unknown", "from_cost"): 1.08,
        ("non_usage", "non_usage"): 0.34}
    ec2 = october[("compute", "direct")]
    nat = october[("unknown", "from_cost")]
    assert nat["energy_kwh"] == pytest.approx(ec2["energy_kwh"] / 2.30 * 1.08, rel=1e-9)
    assert set(november) == {("not_estimable",)}
    assert november[("not_estimable",)]["cost"] == pytest.approx(1.08)
    assert november[("not_estimable",)]["co2e_total_kg"] == 0
    assert per_row["direct"] == pytest.approx(ec2["co2e_total_kg"], rel=1e-9)
    assert per_row["from_cost"] == pytest.approx(nat["co2e_total_kg"], rel=1e-9)
    assert per_row["not_estimable"] == 0


def test_estimate_path_from_the_cli(tmp_path):
    db = tmp_path / "x.duckdb"
    runner = CliRunner()
    assert runner.invoke(main, ["--db", str(db), "ingest", str(FOCUS)]).exit_code == 0
    r = runner.invoke(main, ["--db", str(db), "report", "--by", "usage_class,estimate_path",
                             "--format", "csv"])
    assert r.exit_code == 0, r.output
    got = {(d["usage_class"], d["estimate_path"]) for d in csv.DictReader(
        r.stdout.splitlines())}
    assert ("storage", "from_cost") in got and ("compute", "direct") in got
    assert {b for _, b in got} <= {"direct", "fallback", "from_cost",
                                   "not_estimable", "non_usage"}
