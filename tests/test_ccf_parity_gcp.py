"""Row-by-row parity with Cloud Carbon Footprint's GCP code, and the default's GCP fixes.

tests/fixtures/ccf_parity/gcp_output.csv holds what CCF's ``packages/gcp`` (built from source
at b7a049c7, see the README there) computes for each row of its own BigQuery query over
gcp_input.jsonl (gcp_input_rows.csv, g01-g40). Those rows are CCF's aggregates, not an export
file, so they are put into the billing table as billed lines of one month (one line per query
row, the row id as resource id) and estimated by the same SQL path as any load. CCF's unknown
rows (g34, g39, g40) depend on the whole batch: the batch is the month's rows.

The rows agree to ~1e-15; the tests assert 1e-9 (a wrong PUE, watt figure or unit would fail).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ccf_py import db as dbmod
from ccf_py.estimate import create_estimates
from ccf_py.ingest.table import DDL

FIX = Path(__file__).parent / "fixtures" / "ccf_parity"
REL = 1e-9
COLUMNS = ("energy_kwh", "co2e_total_kg", "co2e_embodied_kg", "estimate_path", "rule_id",
           "usage_class", "replication_factor", "gco2e_per_kwh", "pue", "vcpu_hours")


def _ccf() -> dict[str, dict[str, str]]:
    with (FIX / "gcp_output.csv").open() as fh:
        return {r["row_id"]: r for r in csv.DictReader(fh)}


def insert_query_rows(con, path: Path) -> int:
    """CCF's query rows (gcp_input_rows.csv) as billed lines of June 2026."""
    con.execute(DDL)
    with path.open() as fh:
        rows = list(csv.DictReader(fh))
    con.executemany(
        "INSERT INTO billed_lines (provider_name, billing_account_id, sub_account_id, "
        "billing_period_start, charge_period_start, charge_category, service_name, "
        "x_usage_type, region_id, consumed_quantity, pricing_unit, billed_cost, "
        "effective_cost, billing_currency, x_instance_type, resource_id, source_file, load_id) "
        "VALUES ('gcp', '0C4D5E-6F7081-92A3B4', ?, DATE '2026-06-01', TIMESTAMP '2026-06-01', "
        "'Usage', ?, ?, ?, ?, ?, ?, ?, 'USD', ?, ?, 'gcp_input_rows.csv', 1)",
        [(r["account_id"], r["service"], r["usage_type"], r["region"] or None,
          float(r["usage_amount"]), r["usage_unit"], float(r["cost"]), float(r["cost"]),
          r["machine_type"] or None, r["row_id"]) for r in rows])
    return len(rows)


@pytest.fixture(scope="module")
def estimates(tmp_path_factory) -> dict[str, dict[str, dict]]:
    """methodology -> row id -> COLUMNS."""
    con = dbmod.connect(str(tmp_path_factory.mktemp("gcp") / "gcp.duckdb"))
    assert insert_query_rows(con, FIX / "gcp_input_rows.csv") == 40
    out: dict[str, dict[str, dict]] = {}
    for method in ("ccf", "default"):
        create_estimates(con, method, materialize=True)
        out[method] = {r[0]: dict(zip(COLUMNS, r[1:], strict=True)) for r in con.execute(
            f"SELECT resource_id, {', '.join(COLUMNS)} FROM fct_usage_estimates").fetchall()}
    con.close()
    return out


def test_every_ccf_row_matches_ccf(estimates):
    ccf_rows = {rid: r for rid, r in _ccf().items() if r["expect_source"] == "ccf"}
    assert len(ccf_rows) == 40
    for rid, r in ccf_rows.items():
        ours = estimates["ccf"][rid]
        assert ours["energy_kwh"] == pytest.approx(float(r["ccf_energy_kwh"]), rel=REL,
                                                   abs=1e-15), rid
        assert ours["co2e_total_kg"] == pytest.approx(float(r["ccf_co2e_total_kg"]), rel=REL,
                                                      abs=1e-15), rid
        assert ours["co2e_embodied_kg"] == pytest.approx(
            float(r["ccf_co2e_embodied_kg"] or 0), rel=REL, abs=1e-15), rid
        assert ours["pue"] == pytest.approx(float(r["ccf_pue"])), rid
        # CCF's grid factor is in t per kWh, ours in g per kWh
        assert ours["gco2e_per_kwh"] == pytest.approx(
            float(r["ccf_emission_factor_t_per_kwh"]) * 1e6, rel=REL), rid


def test_classes_match_ccfs(estimates):
    """CCF's class of each row (its own predicates) is ours."""
    ours_to_ccf = {"compute": ("compute", "compute-gpu"), "memory": ("memory",),
                   "storage": ("storage-ssd", "storage-hdd"), "network": ("networking",),
                   "unknown": ("unknown",)}
    for rid, r in _ccf().items():
        if r["expect_source"] == "ccf":
            assert r["ccf_class"] in ours_to_ccf[estimates["ccf"][rid]["usage_class"]], rid


def test_hand_checks_from_the_parity_readme(estimates):
    ccf = estimates["ccf"]
    # g01: n1-standard-4, 4 320 vCPU-h, n1 median watts 1.0 / 4.74, PUE 1.1, us-east1 434 g
    kwh = (1.0 + 0.5 * 3.74) * 4320 * 1.1 / 1000
    embodied = 1677.1 * (15_552_000 / 4 / 3600 / 35040) * 4 / 96
    assert ccf["g01"]["energy_kwh"] == pytest.approx(kwh, rel=REL)
    assert ccf["g01"]["co2e_embodied_kg"] == pytest.approx(embodied, rel=REL)
    assert ccf["g01"]["co2e_total_kg"] == pytest.approx(kwh * 0.434 + embodied, rel=REL)
    # g19: A100, 600 GPU-h at 46 / 407 W, plus a second embodied charge for the a2 (Q20)
    assert ccf["g19"]["energy_kwh"] == pytest.approx((46 + 0.5 * 361) * 600 * 1.1 / 1000,
                                                     rel=REL)
    assert ccf["g19"]["co2e_embodied_kg"] == pytest.approx(
        5464 * (2_160_000 / 24 / 3600 / 35040) * 24 / 96, rel=REL)
    # g26: 35 000 GiB all month in the `us` multi-region, RF 2, grid = CCF's sum 2 805 g
    tb_h = 35_000 / 1024 * 720
    assert ccf["g26"]["energy_kwh"] == pytest.approx(tb_h * 0.65 * 1.1 * 2 / 1000, rel=REL)
    assert ccf["g26"]["co2e_total_kg"] == pytest.approx(
        ccf["g26"]["energy_kwh"] * 2.805, rel=REL)
    # g34: 45 TiB of BigQuery analysis priced by g27's egress kWh per byte (Q26)
    per_gib = 0.001 * 1.11
    assert ccf["g34"]["energy_kwh"] == pytest.approx(45 * 1024 * per_gib, rel=REL)
    # g35: a zonal GKE cluster, 720 h = 2 160 vCPU-h of e2-medium (GCP median watts)
    assert ccf["g35"]["energy_kwh"] == pytest.approx(2160 * (0.68 + 0.5 * 3.43) * 1.11 / 1000,
                                                     rel=REL)
    assert ccf["g35"]["co2e_embodied_kg"] == pytest.approx(
        1230.3 * (2_592_000 / 2 / 3600 / 35040) * 2 / 32, rel=REL)
    # g39: requests are always unknown and no estimated row has that unit: 0 kWh
    assert ccf["g39"]["energy_kwh"] == 0


def test_default_fixes_ccfs_gcp_quirks(estimates):
    ccf, dflt = estimates["ccf"], estimates["default"]
    # Q20: the A100 line carries GPU energy only; the VM's embodied is on its core line
    # (a2's host figure includes its GPUs); the A100 at its datasheet's 400 W, not 407 W
    assert dflt["g19"]["co2e_embodied_kg"] == 0
    assert dflt["g19"]["energy_kwh"] == pytest.approx((46 + 0.5 * 354) * 600 * 1.1 / 1000,
                                                      rel=REL)
    assert dflt["g17"]["co2e_embodied_kg"] == pytest.approx(ccf["g17"]["co2e_embodied_kg"],
                                                            rel=REL)
    # Q23: Cloud SQL standard storage is SSD: same TB-hours, 1.2 instead of 0.65 Wh/TB-h
    for rid in ("g30", "g33"):
        assert dflt[rid]["energy_kwh"] == pytest.approx(ccf[rid]["energy_kwh"] * 1.2 / 0.65,
                                                        rel=REL), rid
    # Q25: the `us` multi-region at the mean of Google's ten US regions' figures
    # (456+456+434+309+309+60+190+448+365+296)/10 = 332.3 g/kWh, not CCF's sum 2 805
    assert dflt["g26"]["gco2e_per_kwh"] == pytest.approx(332.3, rel=REL)
    # storage classes (storage_classes.csv): a multi-region keeps 4 copies (CCF: 2), and the
    # HDDs' embodied 2.4 kg CO2e per TB over 5 years counts for every copy
    tb_h = 35_000 / 1024 * 720
    assert dflt["g26"]["energy_kwh"] == pytest.approx(ccf["g26"]["energy_kwh"] * 4 / 2, rel=REL)
    embodied = tb_h * 4 * 2.4 / (5 * 8760)
    assert dflt["g26"]["co2e_embodied_kg"] == pytest.approx(embodied, rel=REL)
    assert dflt["g26"]["co2e_total_kg"] == pytest.approx(
        dflt["g26"]["energy_kwh"] * 0.3323 + embodied, rel=REL)
    # GKE cluster-hours reserve 3 vCPUs of a 32-vCPU e2 host (CCF: half the hours, 2 vCPUs)
    assert dflt["g35"]["co2e_embodied_kg"] == pytest.approx(
        1230.3 * (2_592_000 / 3600 / 35040) * 3 / 32, rel=REL)
    # unknown usage is priced from cost, not per byte (CCF: 45 TiB scanned = 45 TiB of egress):
    # no other BigQuery bytes are known, so the month's `bytes` rows teach the ratio: g27's
    # 2.775 kWh for 212.50 USD, applied to g34's 281.25 USD
    assert dflt["g34"]["estimate_path"] == "from_cost"
    assert dflt["g34"]["energy_kwh"] == pytest.approx(2.775 / 212.5 * 281.25, rel=REL)


def test_the_export_itself_through_the_ingest_path_matches_ccf(tmp_path):
    """The same month from the export file (83 lines: hourly usage lines with credits, tax
    and rounding lines) through ``ingest gcp-billing``: every estimate is linear in the usage
    amount and CCF's ratios are sums over the batch, so per (SKU, region) our sums equal the
    sums of CCF's rows; tax, rounding and credit lines add cost and no CO2e."""
    from ccf_py import api

    ccf_rows = [r for r in _ccf().values() if r["expect_source"] == "ccf"]
    expected: dict[tuple[str, str], list[float]] = {}
    for r in ccf_rows:
        sums = expected.setdefault((r["usage_type"], r["region"]), [0.0, 0.0, 0.0])
        sums[0] += float(r["ccf_energy_kwh"])
        sums[1] += float(r["ccf_co2e_total_kg"])
        sums[2] += float(r["ccf_co2e_embodied_kg"] or 0)
    with api.open_db(tmp_path / "gcp.duckdb") as db:
        api.ingest_gcp_billing(db, [str(FIX.parent / "gcp" / "gcp_input.jsonl")])
        create_estimates(db.con, "ccf", materialize=True)
        ours = {(u, r or ""): (e, t, m) for u, r, e, t, m in db.con.execute(
            "SELECT usage_type, region, sum(energy_kwh), sum(co2e_total_kg), "
            "sum(co2e_embodied_kg) FROM fct_usage_estimates WHERE usage_class <> 'non_usage' "
            "GROUP BY ALL").fetchall()}
        non_usage = db.con.execute(
            "SELECT count(*), sum(energy_kwh), sum(co2e_total_kg), round(sum(cost), 2) "
            "FROM fct_usage_estimates WHERE usage_class = 'non_usage'").fetchone()
        total_cost = db.con.execute("SELECT round(sum(cost), 3) FROM fct_usage_estimates"
                                    ).fetchone()[0]
    assert set(ours) == set(expected)
    for k, (kwh, kg, emb) in expected.items():
        assert ours[k][0] == pytest.approx(kwh, rel=REL, abs=1e-12), k
        assert ours[k][1] == pytest.approx(kg, rel=REL, abs=1e-12), k
        assert ours[k][2] == pytest.approx(emb, rel=REL, abs=1e-12), k
    # 3 tax lines, 1 rounding line and the credit rows: cost only
    assert non_usage[0] > 4 and non_usage[1] == 0 and non_usage[2] == 0
    # the parity README's totals: cost 7 927.873, credits -1 090.42
    assert total_cost == pytest.approx(7927.873 - 1090.42, abs=1e-9)


def test_carbon_free_energy_variant_matches_ccfs_cfe_run(tmp_path):
    """CCF's second run (GCP_USE_CARBON_FREE_ENERGY_PERCENTAGE=true): the same energy and
    embodied, CO2e at Google's CFE-adjusted factors (ccf_co2e_total_kg_cfe)."""
    con = dbmod.connect(str(tmp_path / "cfe.duckdb"))
    insert_query_rows(con, FIX / "gcp_input_rows.csv")
    create_estimates(con, "ccf", materialize=True, grid_variant="gcp_cfe")
    ours = {r[0]: r[1:] for r in con.execute(
        "SELECT resource_id, co2e_total_kg, gco2e_per_kwh FROM fct_usage_estimates"
    ).fetchall()}
    for rid, r in _ccf().items():
        if r["expect_source"] != "ccf":
            continue
        assert ours[rid][0] == pytest.approx(float(r["ccf_co2e_total_kg_cfe"]), rel=REL,
                                             abs=1e-15), rid
        assert ours[rid][1] == pytest.approx(
            float(r["ccf_emission_factor_t_per_kwh_cfe"]) * 1e6, rel=REL), rid
    con.close()


def test_cfe_zero_factor_is_zero_in_default_and_the_average_in_ccf(tmp_path):
    """Q28: northamerica-northeast1 is 100 % carbon-free in Google's table (factor 0); CCF's
    `factor || Unknown` turns 0 into the CFE average 215.24 g/kWh."""
    rows = tmp_path / "rows.csv"
    rows.write_text("row_id,cloud,account_id,account_name,service,region,usage_type,usage_unit,"
                    "usage_amount,machine_type,cost,timestamp\n"
                    "m1,gcp,p,p,Compute Engine,northamerica-northeast1,"
                    "N2 Instance Core running in Americas,seconds,3600000,n2-standard-4,10,"
                    "2026-06-01\n")
    con = dbmod.connect(str(tmp_path / "q28.duckdb"))
    insert_query_rows(con, rows)
    factors = {}
    for method in ("ccf", "default"):
        create_estimates(con, method, grid_variant="gcp_cfe")
        factors[method] = con.execute("SELECT gco2e_per_kwh, co2e_operational_kg "
                                      "FROM fct_usage_estimates").fetchone()
    con.close()
    assert factors["default"] == (0.0, 0.0)
    assert factors["ccf"][0] == pytest.approx(215.2373529)
