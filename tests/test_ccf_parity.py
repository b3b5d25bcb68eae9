"""Row-by-row parity with Cloud Carbon Footprint's own outputs.

tests/fixtures/ccf_parity/aws_output.csv was produced by running CCF's npm packages
(@cloud-carbon-footprint/aws 0.15.0, core 0.17.3) over aws_input.csv; see the README there.
The input rows are written as a legacy CUR file and go through the real ingest path.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ccf_py import api
from ccf_py.estimate import create_estimates
from tests.helpers import write_cur

FIX = Path(__file__).parent / "fixtures" / "ccf_parity"
BYTE_HRS_ROWS = {"a18", "a19", "a20", "a30"}  # CCF's S3 unit bug (quirk Q3), fixed by ccf_py


def _ccf_rows() -> dict[str, dict]:
    with (FIX / "aws_output.csv").open() as fh:
        return {r["row_id"]: r for r in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def estimates(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("parity")
    with (FIX / "aws_input.csv").open() as fh:
        rows = [{"start": r["timestamp"] + "T00:00:00Z", "service": r["service"],
                 "usage_type": r["usage_type"], "unit": r["usage_unit"],
                 "amount": r["usage_amount"], "cost": r["cost"], "vcpu": r["vcpus"],
                 "region": r["region"], "resource": r["row_id"]} for r in csv.DictReader(fh)]
    cur = write_cur(tmp / "parity.csv", rows)
    out = {}
    with api.open_db(tmp / "p.duckdb") as db:
        api.ingest_aws_cur(db, [str(cur)])
        for method in ("ccf", "default"):
            create_estimates(db.con, method, materialize=True)
            out[method] = {r[0]: r for r in db.con.execute(
                "SELECT resource_id, ccf_kwh_incl_embodied, co2e_total_kg, energy_kwh, "
                "co2e_embodied_kg, storage_tb_hours, estimate_path FROM fct_usage_estimates"
            ).fetchall()}
    return out


def _close(a: float, b: float, rel: float = 0.005) -> bool:
    return a == pytest.approx(b, rel=rel, abs=1e-15)


def test_every_non_error_row_matches_ccf_within_half_a_percent(estimates):
    ours = estimates["ccf"]
    checked = 0
    for rid, r in _ccf_rows().items():
        if r["ccf_class"].startswith("error") or rid in BYTE_HRS_ROWS:
            continue
        ccf_kwh = float(r["row_kwh"] or 0)
        ccf_kg = float(r["row_co2e_t"] or 0) * 1000
        assert _close(ours[rid][1], ccf_kwh), (rid, ours[rid][1], ccf_kwh)
        assert _close(ours[rid][2], ccf_kg), (rid, ours[rid][2], ccf_kg)
        checked += 1
    assert checked == 33


def test_embodied_matches_ccf_and_is_not_in_energy(estimates):
    for rid, r in _ccf_rows().items():
        if r["embodied_co2e_t"]:
            _, _, _, energy, embodied, _, _ = estimates["ccf"][rid]
            assert _close(embodied, float(r["embodied_co2e_t"]) * 1000), rid
            # energy_kwh never contains CCF's "embodied kWh"
            assert _close(energy + float(r["embodied_kwh_equiv"]), float(r["row_kwh"])), rid


def test_s3_byte_hours_use_gb_months_not_bytes(estimates):
    """CCF divides GB-Mo by 2^40 for *ByteHrs usage types; everything else is unchanged, so
    ours = CCF's value x (GB-Mo -> TB-h) / (bytes -> TB)."""
    for rid in sorted(BYTE_HRS_ROWS):
        r = _ccf_rows()[rid]
        gb_months = float(r["usage_amount"])
        correct_tb_h = gb_months / 1000 * 24 * 31        # January 2024
        ccf_tb_h = gb_months / 2**40
        assert float(r["storage_tb_hours"]) == pytest.approx(ccf_tb_h)
        assert estimates["ccf"][rid][5] == pytest.approx(correct_tb_h)
        expected = float(r["row_kwh"]) * correct_tb_h / ccf_tb_h
        assert estimates["ccf"][rid][1] == pytest.approx(expected, rel=1e-9)


def test_hand_check_m5_large_one_hour(estimates):
    """ccf-methodology.md section 12: m5.large, 1 h, us-east-1."""
    compute = (0.65 + 0.5 * (4.26 - 0.65)) * 2 * 1.135 / 1000
    memory = (384 / 1 - 81.32) * 8 / 384 * 1 * 0.000392 * 1.135
    embodied_kg = 1610.3792 * (1 / 2 / 35040) * (2 / 96)
    _, _, total, energy, embodied, _, _ = estimates["ccf"]["a01"]
    assert energy == pytest.approx(compute + memory, rel=1e-9)
    assert embodied == pytest.approx(embodied_kg, rel=1e-9)
    assert total == pytest.approx((compute + memory) * 0.379069 + embodied_kg, rel=1e-9)
    # default: SCI time reserved is the hours, not hours / vCPU (quirk Q2)
    assert estimates["default"]["a01"][4] == pytest.approx(embodied_kg * 2, rel=1e-9)


def test_default_differs_from_ccf_only_where_documented(estimates):
    ccf, dflt = estimates["ccf"], estimates["default"]
    # S3 replication 3 instead of 6 halves S3 Standard/Glacier storage energy
    assert dflt["a18"][3] == pytest.approx(ccf["a18"][3] / 2, rel=1e-9)
    # Lambda: 1,769 MB per vCPU instead of 1 GB-s = 1 vCPU-s
    assert dflt["a24"][3] == pytest.approx(ccf["a24"][3] / 1.769, rel=1e-9)
    # Fargate memory as memory: 400 GB-h x 0.000392 x PUE
    assert dflt["a33"][3] == pytest.approx(400 * 0.000392 * 1.135, rel=1e-9)
    # EBS gp2 is the same in both
    assert dflt["a15"][3] == pytest.approx(ccf["a15"][3], rel=1e-12)
    # CloudFront egress counts as network in default, 500 GB x 0.001 x PUE
    assert ccf["a23"][3] == 0
    assert dflt["a23"][3] == pytest.approx(500 * 0.001 * 1.135, rel=1e-9)
