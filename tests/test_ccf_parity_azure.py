"""Row-by-row parity with Cloud Carbon Footprint's Azure code, and the default's Azure fixes.

tests/fixtures/ccf_parity/azure_output.csv holds what CCF's npm packages
(@cloud-carbon-footprint/azure 1.8.0, core 0.17.3, common 1.15.0) compute for each usage row of
azure_input.csv (z01-z30). The rows are usage lines of CCF's Consumption API, put into the
billing table as billed lines of January 2024 (the row id as resource id) and estimated by the
same SQL path as any load. CCF's unknown rows (z26, z28) depend on the whole batch: the batch
is the month's rows. z14 (``S10 LRS Disk``) makes CCF throw (quirk Q7): no number to compare.

The rows agree to ~1e-15; the tests assert 1e-9 (a wrong PUE, watt figure, memory term or
ratio would fail).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ccf_py import db as dbmod
from ccf_py.estimate import create_estimates
from ccf_py.ingest.azure_export import block_size
from ccf_py.ingest.table import DDL

FIX = Path(__file__).parent / "fixtures" / "ccf_parity"
REL = 1e-9
COLUMNS = ("energy_kwh", "co2e_total_kg", "co2e_embodied_kg", "ccf_kwh_incl_embodied",
           "estimate_path", "rule_id", "usage_class", "replication_factor", "gco2e_per_kwh",
           "pue", "vcpu_hours", "storage_tb_hours", "memory_gb_hours")
CRASH = "z14"  # CCF: "Cannot read properties of null (reading '0')"


def _ccf() -> dict[str, dict[str, str]]:
    with (FIX / "azure_output.csv").open() as fh:
        return {r["row_id"]: r for r in csv.DictReader(fh)}


def insert_usage_rows(con, path: Path, extra: list[dict] | None = None) -> int:
    """The parity rows (and ``extra`` rows of the same columns) as billed Azure lines, as the
    Azure ingestor writes them: CCF's amount is the export's Quantity (blocks of the unit),
    the billing table's consumed quantity is Quantity x block size."""
    con.execute(DDL)
    with path.open() as fh:
        rows = list(csv.DictReader(fh)) + (extra or [])
    con.executemany(
        "INSERT INTO billed_lines (provider_name, billing_account_id, sub_account_id, "
        "billing_period_start, charge_period_start, charge_category, x_line_item_type, "
        "service_name, x_usage_type, region_id, consumed_quantity, pricing_unit, billed_cost, "
        "effective_cost, billing_currency, x_vcpus, x_instance_type, resource_id, "
        "source_file, load_id) "
        "VALUES ('azure', 'sub-0001', 'sub-0001', DATE '2024-01-01', ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, 'USD', ?, ?, ?, 'azure_input.csv', 1)",
        [(r["timestamp"], r.get("charge", "Usage"), r.get("charge", "Usage"), r["service"],
          r["usage_type"], r["region"] or None,
          float(r["usage_amount"]) * block_size(r["usage_unit"]), r["usage_unit"],
          float(r["cost"]), float(r["cost"]), float(r["vcpus"]) if r["vcpus"] else None,
          r["machine_type"] or None, r["row_id"]) for r in rows])
    return len(rows)


def _estimate(tmp: Path, extra: list[dict] | None = None) -> dict[str, dict[str, dict]]:
    con = dbmod.connect(str(tmp / "azure.duckdb"))
    insert_usage_rows(con, FIX / "azure_input.csv", extra)
    out: dict[str, dict[str, dict]] = {}
    for method in ("ccf", "default"):
        create_estimates(con, method, materialize=True)
        out[method] = {r[0]: dict(zip(COLUMNS, r[1:], strict=True)) for r in con.execute(
            f"SELECT resource_id, {', '.join(COLUMNS)} FROM fct_usage_estimates").fetchall()}
    con.close()
    return out


@pytest.fixture(scope="module")
def estimates(tmp_path_factory) -> dict[str, dict[str, dict]]:
    """methodology -> row id -> COLUMNS."""
    return _estimate(tmp_path_factory.mktemp("azure"))


def _num(text: str) -> float:
    return float(text) if text else 0.0


def assert_matches_ccf(ours: dict, r: dict[str, str], rid: str) -> None:
    """One row's estimate against CCF's own output row."""
    # CCF's row kWh includes its "embodied kWh" (embodied / grid factor, quirk Q1)
    energy = _num(r["row_kwh"]) - _num(r["embodied_kwh_equiv"])
    assert ours["energy_kwh"] == pytest.approx(energy, rel=REL, abs=1e-15), rid
    assert ours["ccf_kwh_incl_embodied"] == pytest.approx(_num(r["row_kwh"]), rel=REL,
                                                          abs=1e-15), rid
    assert ours["co2e_total_kg"] == pytest.approx(_num(r["row_co2e_t"]) * 1000, rel=REL,
                                                  abs=1e-15), rid
    assert ours["co2e_embodied_kg"] == pytest.approx(_num(r["embodied_co2e_t"]) * 1000,
                                                     rel=REL, abs=1e-15), rid
    assert ours["pue"] == pytest.approx(float(r["ccf_pue"])), rid
    # CCF's grid factor is in t per kWh, ours in g per kWh
    assert ours["gco2e_per_kwh"] == pytest.approx(
        float(r["ccf_emission_factor_t_per_kwh"]) * 1e6, rel=REL), rid


def test_every_ccf_row_matches_ccf(estimates):
    rows = {rid: r for rid, r in _ccf().items() if rid != CRASH}
    assert len(rows) == 29
    for rid, r in rows.items():
        assert_matches_ccf(estimates["ccf"][rid], r, rid)


def test_parts_match_ccfs(estimates):
    """vCPU-hours, storage TB-hours and replication factors: CCF's own diagnostics."""
    for rid, r in _ccf().items():
        ours = estimates["ccf"][rid]
        if r["ccf_class"].startswith("compute"):
            assert ours["vcpu_hours"] == pytest.approx(float(r["ccf_vcpu_hours"])), rid
        if r["ccf_class"].startswith("storage"):
            assert ours["storage_tb_hours"] == pytest.approx(float(r["storage_tb_hours"])), rid
        if r["ccf_class"] not in ("networking", "unknown", "unsupported", "no-estimate") \
                and rid != CRASH:
            assert ours["replication_factor"] == float(r["ccf_replication_factor"] or 1), rid


def test_classes_match_ccfs(estimates):
    ours_to_ccf = {"compute": ("compute", "compute+gpu"), "memory": ("memory",),
                   "storage": ("storage-ssd", "storage-hdd"), "network": ("networking",),
                   "unknown": ("unknown",)}
    for rid, r in _ccf().items():
        ours = estimates["ccf"][rid]
        if rid == CRASH:
            continue
        if ours["estimate_path"] == "none":  # z21: a storage unit, but neither SSD nor HDD
            assert r["ccf_class"] in ("unsupported", "no-estimate"), rid
        else:
            assert r["ccf_class"] in ours_to_ccf[ours["usage_class"]], rid
    # CCF drops unsupported meters and units it lists but does not handle: no estimate
    for rid in ("z21", "z25", "z27"):
        assert estimates["ccf"][rid]["estimate_path"] == "none", rid
        assert estimates["ccf"][rid]["energy_kwh"] == 0, rid


def test_hand_checks_from_published_formulas(estimates):
    ccf = estimates["ccf"]
    # z03: D4s v5, 24 h x 4 vCPU; Ice Lake has no power data: Azure average 0.74 / 3.54 W
    assert ccf["z03"]["vcpu_hours"] == 96
    compute = (0.74 + 0.5 * (3.54 - 0.74)) * 96 * 1.185 / 1000
    assert compute == pytest.approx(0.2434464, rel=REL)  # methodology doc, section 2.1
    # extra memory: D96s v5 (largest, 384 GB, 1 chip) minus the Azure average 80.47 GB/chip,
    # scaled to 16 GB, 24 h, 0.000392 kWh per GB-h
    memory = (384 - 80.47) * 16 / 384 * 24 * 0.000392 * 1.185
    assert ccf["z03"]["energy_kwh"] == pytest.approx(compute + memory, rel=REL)
    # embodied D4s v5: 1 510.4 kg x (24 h / 4 vCPU) / 35 040 h x 4 / 96 (quirk Q2)
    embodied = 1510.4 * (24 / 4) / 35040 * 4 / 96
    assert ccf["z03"]["co2e_embodied_kg"] == pytest.approx(embodied, rel=REL)
    assert ccf["z03"]["co2e_total_kg"] == pytest.approx(
        (compute + memory) * 0.3284 + embodied, rel=REL)  # westeurope 328.4 g/kWh
    # z13: P10 = 128 GB for one day: 3.072 TB-h x 1.2 Wh x PUE x LRS 3
    assert ccf["z13"]["energy_kwh"] == pytest.approx(128 * 24 / 1000 * 1.2 * 1.185 * 3 / 1000,
                                                     rel=REL)
    # z26: Databricks DBU hours priced per hour of '1 Hour' rows, CCF's embodied kWh included
    ccf_rows = _ccf()
    hourly = [r for r in ccf_rows.values() if r["usage_unit"] == "1 Hour"
              and r["ccf_class"].startswith("compute")]
    per_hour = sum(float(r["row_kwh"]) for r in hourly) / sum(
        float(r["usage_amount"]) for r in hourly)
    assert ccf["z26"]["energy_kwh"] == pytest.approx(10 * per_hour, rel=REL)
    # z28: no known row has the unit '1/Day': 0 kWh (quirk Q8)
    assert ccf["z28"]["energy_kwh"] == 0


def test_s_disk_ccf_crash_is_reported_and_default_is_hdd(estimates):
    assert _ccf()[CRASH]["ccf_class"].startswith("error")
    ccf, default = estimates["ccf"][CRASH], estimates["default"][CRASH]
    assert ccf["estimate_path"] == "none" and ccf["rule_id"] == "ccf_crash:s_disk"
    # default: S10 = 128 GB HDD for one month (January: 31 days), LRS 3
    assert default["usage_class"] == "storage" and default["estimate_path"] == "direct"
    tb_h = 128 / 1000 * 24 * 31
    assert default["storage_tb_hours"] == pytest.approx(tb_h, rel=REL)
    assert default["energy_kwh"] == pytest.approx(tb_h * 0.65 * 1.185 * 3 / 1000, rel=REL)


def test_default_fixes_on_the_parity_rows(estimates):
    dflt, ccf = estimates["default"], estimates["ccf"]
    # z16: 1 000 GB-months of Hot LRS blob in January 2024 (31 days): HDD, LRS 3 (Q13 and
    # GB-months, not one day of GB)
    tb_h = 1000 / 1000 * 24 * 31
    assert dflt["z16"]["storage_tb_hours"] == pytest.approx(tb_h, rel=REL)
    assert dflt["z16"]["energy_kwh"] == pytest.approx(tb_h * 0.65 * 1.185 * 3 / 1000, rel=REL)
    assert ccf["z16"]["storage_tb_hours"] == pytest.approx(24, rel=REL)
    # z02: the same operational energy; embodied in SCI form, TiR = 24 h (Q2): x 2 vCPUs
    assert dflt["z02"]["energy_kwh"] == pytest.approx(ccf["z02"]["energy_kwh"], rel=REL)
    assert dflt["z02"]["co2e_embodied_kg"] == pytest.approx(1482.9 * 24 / 35040 * 2 / 64,
                                                            rel=REL)
    assert ccf["z02"]["co2e_embodied_kg"] == pytest.approx(
        dflt["z02"]["co2e_embodied_kg"] / 2, rel=REL)
    # z23: SQL Database vCores are not replicated in default (CCF: x 3)
    assert dflt["z23"]["energy_kwh"] == pytest.approx(ccf["z23"]["energy_kwh"] / 3, rel=REL)
    # z12 (no size, no vCPUs) and z30 (AKS Uptime SLA): from cost, not 1 vCPU (Q13)
    for rid in ("z12", "z30"):
        assert dflt[rid]["estimate_path"] == "from_cost", rid
        assert ccf[rid]["vcpu_hours"] == 24, rid
    # z27: a licence is not estimated in either; z25 (LB rules) from cost in default
    assert dflt["z27"]["estimate_path"] == "none" and dflt["z27"]["energy_kwh"] == 0
    assert dflt["z25"]["estimate_path"] == "from_cost"
    # z21: executions are no storage: from cost in default, nothing in ccf
    assert dflt["z21"]["estimate_path"] == "from_cost"


def test_block_sizes_in_a_batch(tmp_path):
    """Q5 end to end: '10 Hours' of D2s v3, quantity 2.4 (= 24 h): default counts 24 h."""
    extra = [{"row_id": "x01", "service": "Virtual Machines", "region": "eastus",
              "usage_type": "D2s v3", "usage_unit": "10 Hours", "usage_amount": "2.4",
              "vcpus": "2", "machine_type": "D2s v3", "cost": "2.304",
              "timestamp": "2024-01-15"},
             {"row_id": "x02", "service": "Virtual Machines", "region": "eastus",
              "usage_type": "D2s v3", "usage_unit": "1 Hour", "usage_amount": "1",
              "vcpus": "2", "machine_type": "D2s v3", "cost": "0.096",
              "timestamp": "2024-01-15", "charge": "UnusedReservation"}]
    out = _estimate(tmp_path, extra)
    assert out["default"]["x01"]["vcpu_hours"] == pytest.approx(48)
    assert out["default"]["x01"]["energy_kwh"] == pytest.approx(
        out["default"]["z02"]["energy_kwh"], rel=REL)
    assert out["ccf"]["x01"]["vcpu_hours"] == pytest.approx(4.8)  # CCF: 2.4 "hours"
    for method in ("ccf", "default"):
        assert out[method]["x02"]["usage_class"] == "non_usage"
        assert out[method]["x02"]["energy_kwh"] == 0


# ------------------------------------------------ the parity rows through the real Azure ingest

EA_SAMPLE = FIX.parent / "azure" / "finopstoolkit_EA_ActualCost_Small.csv"
SUBSCRIPTION = "5f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e"
# Q5 by hand: '10 Hours' of D2s v3, Quantity 2.4 = 24 h (Azure prices per block: 0.96 USD per
# 10 hours is z02's 0.096 per hour). CCF reads Quantity as hours.
BLOCK_ROW = {"row_id": "x01", "service": "Virtual Machines", "region": "eastus",
             "usage_type": "D2s v3", "usage_unit": "10 Hours", "usage_amount": "2.4",
             "vcpus": "2", "machine_type": "D2s v3", "cost": "2.304", "timestamp": "2024-01-15"}


def _write_ea_export(path: Path, rows: list[dict[str, str]]) -> Path:
    """The rows as an EA actual-cost export (the toolkit sample's header), as Cost Management
    writes it: MM/DD/YYYY dates, AdditionalInfo JSON, the row id at the end of ResourceId."""
    import json

    with EA_SAMPLE.open(newline="", encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh))
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.DictWriter(fh, fieldnames=header)
        out.writeheader()
        for r in rows:
            year, month, day = r["timestamp"].split("-")
            info = {"ServiceType": r["machine_type"]} if r["machine_type"] else {}
            if r["vcpus"]:
                info["VCPUs"] = int(r["vcpus"])
            line = dict.fromkeys(header, "")
            line.update({
                "BillingAccountId": "8611537", "BillingPeriodStartDate": "01/01/2024",
                "BillingPeriodEndDate": "01/31/2024", "SubscriptionId": SUBSCRIPTION,
                "Date": f"{month}/{day}/{year}", "MeterCategory": r["service"],
                "MeterName": r["usage_type"], "Quantity": r["usage_amount"],
                "UnitOfMeasure": r["usage_unit"], "ResourceLocation": r["region"],
                "ChargeType": "Usage", "PricingModel": "OnDemand", "BillingCurrency": "USD",
                "AdditionalInfo": json.dumps(info) if info else "",
                "ResourceId": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/parity/providers/"
                              f"Microsoft.Compute/virtualMachines/{r['row_id']}"})
            for cost in ("CostInBillingCurrency", "Cost"):
                if cost in header:
                    line[cost] = r["cost"]
            out.writerow(line)
    return path


def test_parity_rows_through_the_ea_export_ingest(tmp_path):
    from ccf_py import api

    with (FIX / "azure_input.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    export = _write_ea_export(tmp_path / "part_0_0001.csv", [*rows, BLOCK_ROW])
    out: dict[str, dict[str, dict]] = {}
    with api.open_db(tmp_path / "ea.duckdb") as db:
        res = api.ingest_azure_export(db, [str(export)])
        assert res.rows == 31 and res.billing_periods == ("2024-01",)
        block = db.con.execute("SELECT consumed_quantity, consumed_unit, pricing_unit, x_vcpus "
                               "FROM billed_lines WHERE resource_id LIKE '%/x01'").fetchall()
        assert block == [(pytest.approx(24.0), "Hours", "10 Hours", 2.0)]
        for method in ("ccf", "default"):
            create_estimates(db.con, method, materialize=True)
            out[method] = {r[0].rsplit("/", 1)[1]: dict(zip(COLUMNS, r[1:], strict=True))
                           for r in db.con.execute(
                               f"SELECT resource_id, {', '.join(COLUMNS)} "
                               "FROM fct_usage_estimates").fetchall()}
    ccf = _ccf()
    assert len(out["ccf"]) == 31
    checked = 0
    for rid, r in ccf.items():
        if rid == CRASH:
            continue
        ours = out["ccf"][rid]
        assert_matches_ccf(ours, r, rid)
        if r["ccf_class"].startswith("compute"):
            assert ours["vcpu_hours"] == pytest.approx(float(r["ccf_vcpu_hours"])), rid
        if r["ccf_class"].startswith("storage"):
            assert ours["storage_tb_hours"] == pytest.approx(float(r["storage_tb_hours"])), rid
        checked += 1
    assert checked == 29

    # x01 by hand. CCF's row: 2.4 "hours" x 2 vCPUs; its operational kWh is hours x vCPUs x
    # (per-vCPU watts, memory) x PUE, so a tenth of z02's 24 h of the same size and region;
    # embodied (quirk Q2): 1 482.9 kg x (2.4 h / 2 vCPUs) / 35 040 h x 2 / 64 vCPUs
    z02 = ccf["z02"]
    x01 = out["ccf"]["x01"]
    assert x01["vcpu_hours"] == pytest.approx(2.4 * 2, rel=REL)
    operational = (float(z02["row_kwh"]) - float(z02["embodied_kwh_equiv"])) * 2.4 / 24
    assert x01["energy_kwh"] == pytest.approx(operational, rel=REL)
    embodied = 1482.9 * (2.4 / 2) / 35040 * 2 / 64
    assert x01["co2e_embodied_kg"] == pytest.approx(embodied, rel=REL)
    assert x01["co2e_total_kg"] == pytest.approx(
        operational * float(z02["ccf_emission_factor_t_per_kwh"]) * 1000 + embodied, rel=REL)
    # the default counts the blocks: 24 hours of a 2-vCPU VM = z02's usage exactly
    dflt = out["default"]
    assert dflt["x01"]["vcpu_hours"] == pytest.approx(24 * 2, rel=REL)
    assert dflt["x01"]["energy_kwh"] == pytest.approx(dflt["z02"]["energy_kwh"], rel=REL)
