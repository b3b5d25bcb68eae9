"""ccf-py compare instance: the same vCPU-hours (accelerator-hours) on another family.

Checked against hand calculations from the coefficient rows, against bills ingested with
the instance type rewritten (the real estimate of the target), and for its errors.
"""

from __future__ import annotations

import csv
import gzip
import math
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ccf_py import api
from ccf_py.cli import main
from tests.compare_helpers import (
    DEMO,
    METRICS,
    coef_rows,
    estimate_sums,
    load,
    rewrite_cur,
    row_dict,
)
from tests.helpers import LEGACY_HEADER, write_cur

HEADER = [*LEGACY_HEADER, "product/instanceType"]


def hand(itype: str, hours: float, region: str = "us-east-1") -> dict[str, float]:
    """``hours`` of AWS type ``itype`` (one CPU architecture, no GPU) from the coefficient rows
    and CCF's published formulas (README, 'Methodology': compute, extra memory, SCI
    embodied)."""
    inst = next(r for r in coef_rows("instance_types")
                if r["provider"] == "aws" and r["instance_type"] == itype)
    cpu = next(r for r in coef_rows("cpu_power")
               if r["provider"] == "aws" and r["architecture"] == inst["cpu_architectures"])
    const = {r["key"]: float(r["value"]) for r in coef_rows("constants")
             if r["provider"] == "aws"}
    pue = next(float(r["pue"]) for r in coef_rows("pue")
               if r["provider"] == "aws" and r["region"] == "*")
    grid = next(float(r["gco2e_per_kwh"]) for r in coef_rows("grid_intensity")
                if r["provider"] == "aws" and r["region"] == region)
    vcpus, host = float(inst["vcpus"]), float(inst["family_largest_vcpus"])
    lo, hi = float(cpu["min_w_per_vcpu"]), float(cpu["max_w_per_vcpu"])
    compute = (lo + const["cpu_utilization_pct"] / 100 * (hi - lo)) * vcpus * hours / 1000
    largest_gb = float(inst["family_largest_memory_gb"])
    chips = math.ceil(host / const["vcpus_per_physical_chip"])
    extra_gb = max(largest_gb / chips - float(cpu["memory_gb_per_chip"]), 0) \
        * float(inst["memory_gb"]) / largest_gb
    energy = (compute + extra_gb * hours * const["memory_kwh_per_gb_hour"]) * pue
    embodied = float(inst["embodied_kg"]) * hours / const["server_lifespan_hours"] * vcpus / host
    return {"energy_kwh": energy, "co2e_operational_kg": energy * grid / 1000,
            "co2e_embodied_kg": embodied, "co2e_total_kg": energy * grid / 1000 + embodied}


def ec2(itype: str, hours: float, cost: float, vcpu: int, **extra: str) -> dict[str, str]:
    return {"start": "2026-10-01T00:00:00Z", "service": "AmazonEC2",
            "usage_type": f"BoxUsage:{itype}", "unit": "Hrs", "amount": str(hours),
            "cost": str(cost), "vcpu": str(vcpu), "region": "us-east-1",
            "product/instanceType": itype, **extra}


@pytest.fixture
def small_db(tmp_path) -> Path:
    rows = [ec2("m5.xlarge", 100, 19.2, 4, resource="i-m5"),
            # the bill's own on-demand price of m6g.xlarge: 1.54 / 10 h
            ec2("m6g.xlarge", 10, 1.54, 4, resource="i-m6g"),
            ec2("p3.2xlarge", 10, 30.6, 8, resource="i-p3")]
    return load(tmp_path / "small.duckdb", [write_cur(tmp_path / "cur.csv", rows, HEADER)])


def test_m5_to_m6g_by_hand(small_db):
    with api.open_db(small_db, read_only=True) as db:
        comp = api.compare_instance(db, from_="m5", to="m6g")
    base, target = row_dict(comp, 0), row_dict(comp, 1)
    assert [base["scenario"], target["scenario"]] == ["m5 (as billed)", "m6g"]
    for row, itype in ((base, "m5.xlarge"), (target, "m6g.xlarge")):
        for m, v in hand(itype, 100).items():
            assert row[m] == pytest.approx(v, rel=1e-9), (itype, m)
    assert base["cost"] == pytest.approx(19.2)
    assert target["cost"] == pytest.approx(100 * 1.54 / 10)  # the bill's own price per hour
    assert comp.extra["vcpu_hours"] == {"as_billed": pytest.approx(400),
                                        "target": pytest.approx(400)}
    assert comp.extra["mapping"] == [{"from": "m5.xlarge", "to": "m6g.xlarge",
                                      "hours_per_hour": 1.0}]
    assert target["co2e_low_kg"] == target["co2e_high_kg"] == target["co2e_total_kg"]
    work = next(a for a in comp.assumptions if a.name == "equal work")
    assert "vCPU-hour" in work.value and "rarely true" in work.value


def test_a_type_with_half_the_vcpus_runs_twice_the_hours(small_db):
    with api.open_db(small_db, read_only=True) as db:
        comp = api.compare_instance(db, from_="m5.xlarge", to="m6g.large")
    target = row_dict(comp, 1)
    for m, v in hand("m6g.large", 200).items():
        assert target[m] == pytest.approx(v, rel=1e-9), m
    assert comp.extra["mapping"][0]["hours_per_hour"] == pytest.approx(2.0)
    assert comp.extra["vcpu_hours"]["target"] == pytest.approx(400)
    assert target["cost"] is None  # no m6g.large line in the bill
    assert any("no on-demand price for BoxUsage:m6g.large in us-east-1" in n
               for n in comp.notes)
    assert any("m5.xlarge -> m6g.large x 2 hours" in a.value for a in comp.assumptions)


def test_accelerators_compare_by_accelerator_hours(small_db, tmp_path):
    """p3.2xlarge (1 V100) -> p4d (8 A100 per instance): 10 GPU-hours are 1.25 hours of
    p4d.24xlarge, estimated as a bill with that line would be."""
    with api.open_db(small_db, read_only=True) as db:
        comp = api.compare_instance(db, from_="p3", to="p4d")
    inst = {r["instance_type"]: r for r in coef_rows("accelerator_instance_types")
            if r["provider"] == "aws"}
    count = float(inst["p4d.24xlarge"]["accelerator_count"])
    assert float(inst["p3.2xlarge"]["accelerator_count"]) == 1 and count == 8
    assert comp.extra["gpu_hours"] == {"as_billed": pytest.approx(10),
                                       "target": pytest.approx(10)}
    p4d = load(tmp_path / "p4d.duckdb", [write_cur(tmp_path / "p4d.csv", [
        ec2("p4d.24xlarge", 10 / count, 0, 96)], HEADER)])
    real = estimate_sums(p4d, "TRUE")
    for m in METRICS[:4]:
        assert row_dict(comp, 1)[m] == pytest.approx(real[m], rel=1e-9), m
    assert any("accelerator-hour" in a.value for a in comp.assumptions)


def test_a_size_the_target_family_lacks_maps_to_the_nearest(tmp_path):
    """m5.24xlarge (96 vCPUs) -> m6g, whose largest sizes have 64: m6g.16xlarge (before
    m6g.metal, also 64) for 1.5 times the hours."""
    vcpus = {r["instance_type"]: float(r["vcpus"]) for r in coef_rows("instance_types")
             if r["provider"] == "aws" and r["family"] == "m6g"}
    assert max(vcpus.values()) == vcpus["m6g.16xlarge"] == vcpus["m6g.metal"] == 64
    db = load(tmp_path / "big.duckdb", [write_cur(tmp_path / "cur.csv", [
        ec2("m5.24xlarge", 10, 46.08, 96)], HEADER)])
    with api.open_db(db, read_only=True) as con:
        comp = api.compare_instance(con, from_="m5", to="m6g")
    assert comp.extra["mapping"] == [{"from": "m5.24xlarge", "to": "m6g.16xlarge",
                                      "hours_per_hour": pytest.approx(1.5)}]
    for m, v in hand("m6g.16xlarge", 15).items():
        assert row_dict(comp, 1)[m] == pytest.approx(v, rel=1e-9), m


@pytest.mark.parametrize("methodology", ["default", "ccf"])
def test_demo_m5_to_r6g_equals_the_bill_ingested_with_the_type_rewritten(tmp_path,
                                                                         methodology):
    """The demo's m5 lines (EC2 and RDS, on demand, Savings Plans, two regions) renamed to
    r6g, the same size (r6g is in no demo line)."""
    demo = load(tmp_path / "demo.duckdb", [DEMO / "aws_cur_demo_2026-10.csv.gz"])
    usage = ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage")

    def rename(row: dict) -> None:
        itype = row["product/instanceType"]
        if row["lineItem/LineItemType"] in usage and re.fullmatch(r"(db\.)?m5\.\w+", itype):
            new = itype.replace("m5.", "r6g.")
            row["product/instanceType"] = new
            row["lineItem/UsageType"] = row["lineItem/UsageType"].replace(itype, new)

    moved = load(tmp_path / "moved.duckdb", [rewrite_cur(
        DEMO / "aws_cur_demo_2026-10.csv.gz", tmp_path / "cur.csv.gz", rename)])
    assert estimate_sums(demo, "instance_type LIKE 'r6g.%'", methodology)["lines"] == 0
    before = estimate_sums(demo, "instance_type LIKE 'm5.%'", methodology)
    after = estimate_sums(moved, "instance_type LIKE 'r6g.%'", methodology)
    assert before["lines"] == after["lines"] > 100
    with api.open_db(demo, read_only=True) as db:
        comp = api.compare_instance(db, from_="m5", to="r6g", methodology=methodology)
    base, target = row_dict(comp, 0), row_dict(comp, 1)
    for m in METRICS[:4]:
        assert base[m] == pytest.approx(before[m], rel=1e-9), m
        assert target[m] == pytest.approx(after[m], rel=1e-9), m
    assert base["cost"] == pytest.approx(before["cost"], rel=1e-9)
    assert sorted(x["to"] for x in comp.extra["mapping"]) == ["r6g.large", "r6g.xlarge"]


def cli(db: Path, *args: str):  # noqa: ANN201 - a click Result
    return CliRunner().invoke(main, ["--db", str(db), "compare", "instance", *args])


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "m9", "--to", "m6g"], "--from m9: unknown instance family or type"),
    (["--from", "m5", "--to", "m6q"], "--to m6q: unknown instance family or type (not in "
     "coefficients/instance_types.csv or accelerator_instance_types.csv); did you mean"),
    (["--from", "n2", "--to", "m6g"], "--from n2: a Google Cloud machine family or type; "
     "compare instance supports AWS instance types only for now"),
    (["--from", "m5", "--to", "D2s v3"], "--to D2s v3: an Azure machine family or type; "
     "compare instance supports AWS instance types only for now"),
    (["--from", "c5", "--to", "m6g"], "--from c5: no c5 usage in 2026-10 (instance families "
     "billed: m5, m6g, p3)"),
    (["--from", "m5", "--to", "m5.xlarge"], "name the same instance types"),
    (["--from", "p3", "--to", "p6-b200"], "--to p6-b200: cannot take p3.2xlarge usage: vCPU "
     "count of p6-b200.48xlarge unknown"),
    (["--from", "m5", "--to", "p4d"], "p4d.24xlarge has GPUs or accelerators and m5.xlarge "
     "none: compare like with like"),
    (["--from", "p3", "--to", "m6g"], "no GPUs or accelerators of m6g."),
    (["--from", "m5", "--to", "m6g", "--month", "2026-09"], "--month 2026-09: not loaded"),
])
def test_errors_are_one_line(small_db, args, message):
    r = cli(small_db, *args)
    assert r.exit_code == 1
    assert message in r.output, r.output
    assert len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output


def test_cli_markdown_says_its_assumptions(small_db, tmp_path):
    out = tmp_path / "i.md"
    r = cli(small_db, "--from", "m5", "--to", "m6g", "--format", "md", "--out", str(out))
    assert r.exit_code == 0, r.output
    text = out.read_text()
    assert "| m5 (as billed) |" in text and "| m6g |" in text
    assert "equal work" in text and "hardware m6g.xlarge" in text
    with api.open_db(small_db, read_only=True) as db:  # nothing left behind
        assert db.con.execute("SELECT count(*) FROM information_schema.tables "
                              "WHERE table_catalog = 'temp' AND table_name IN "
                              "('billed_lines', 'whatif_keys')").fetchone()[0] == 0


def test_gzip_helper_roundtrip(tmp_path):
    """The demo CUR rewrite keeps every column and row (the equality tests rely on it)."""
    src = DEMO / "aws_cur_demo_2026-10.csv.gz"
    dst = rewrite_cur(src, tmp_path / "same.csv.gz", lambda row: None)
    with gzip.open(src, "rt", newline="") as a, gzip.open(dst, "rt", newline="") as b:
        assert list(csv.reader(a)) == list(csv.reader(b))
