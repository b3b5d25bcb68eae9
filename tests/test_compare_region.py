"""ccf-py compare region: the same usage in another region of the same provider.

The comparison re-runs the real estimate on a changed copy of the bill; these tests check it
against (1) a copy of the bill ingested with the region rewritten (the demo bills, which
have lines estimated from cost ratios and lines without a region), (2) a hand calculation
from the coefficient rows, and (3) a brute-force ranking over the provider's regions.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from ccf_py import api
from ccf_py.cli import main
from ccf_py.errors import ConfigError
from tests.compare_helpers import (
    DEMO,
    METRICS,
    coef_rows,
    estimate_sums,
    load,
    rewrite_cur,
    rewrite_gcp,
    row_dict,
)
from tests.helpers import write_cur


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    return load(tmp_path_factory.mktemp("demo") / "demo.duckdb",
                sorted(DEMO.glob("*_demo_2026-10.*")))


# ---- (1) the same numbers as a bill ingested with the region rewritten -------------------

@pytest.mark.parametrize("methodology", ["default", "ccf"])
def test_aws_move_equals_the_bill_ingested_with_the_region_rewritten(demo_db, tmp_path,
                                                                     methodology):
    # ca-central-1 is in no demo line: in the rewritten bill its lines are the moved ones
    before = estimate_sums(demo_db, "provider = 'aws' AND region = 'us-east-1'", methodology)
    assert estimate_sums(demo_db, "region = 'ca-central-1'")["lines"] == 0
    # the move must exercise lines extrapolated from cost ratios, whose ratio moves too
    assert estimate_sums(demo_db, "provider = 'aws' AND region = 'us-east-1' AND "
                         "estimate_path = 'from_cost'")["co2e_total_kg"] > 0

    def move(row: dict) -> None:
        if row["product/regionCode"] == "us-east-1":
            row["product/regionCode"] = row["product/region"] = "ca-central-1"

    moved_db = load(tmp_path / "moved.duckdb",
                    [rewrite_cur(DEMO / "aws_cur_demo_2026-10.csv.gz", tmp_path / "cur.csv.gz",
                                 move)])
    after = estimate_sums(moved_db, "provider = 'aws' AND region = 'ca-central-1'", methodology)
    with api.open_db(demo_db, read_only=True) as db:
        comp = api.compare_region(db, to="ca-central-1", from_region="us-east-1",
                                  methodology=methodology)
    base, target = row_dict(comp, 0), row_dict(comp, 1)
    assert [r["scenario"] for r in comp.as_dicts()] == ["us-east-1 (as billed)", "ca-central-1"]
    for m in METRICS[:4]:
        assert base[m] == pytest.approx(before[m], rel=1e-9), m
        assert target[m] == pytest.approx(after[m], rel=1e-9), m
    assert base["cost"] == pytest.approx(before["cost"], rel=1e-9)
    assert target["cost"] is None  # no regional price list
    assert target["co2e_operational_kg"] != pytest.approx(base["co2e_operational_kg"])
    assert target["co2e_low_kg"] == target["co2e_high_kg"] == target["co2e_total_kg"]
    assert comp.period == "2026-10" and comp.methodology == methodology


def test_gcp_move_of_one_service_follows_the_target_pue(demo_db, tmp_path):
    """GCP has per-region PUEs: energy changes with the region, and only the service's
    lines move."""
    def move(row: dict) -> None:
        loc = row.get("location") or {}
        if row["service"]["description"] == "Compute Engine" and loc.get("region") == \
                "us-central1":
            loc["region"] = loc["location"] = "europe-west1"

    moved_db = load(tmp_path / "moved.duckdb", [rewrite_gcp(
        DEMO / "gcp_billing_demo_2026-10.jsonl.gz", tmp_path / "gcp.jsonl.gz", move)])
    where = "provider = 'gcp' AND service = 'Compute Engine' AND region = '{}'"
    before = estimate_sums(demo_db, where.format("us-central1"))
    assert estimate_sums(demo_db, "region = 'europe-west1'")["lines"] == 0
    after = estimate_sums(moved_db, where.format("europe-west1"))
    with api.open_db(demo_db, read_only=True) as db:
        comp = api.compare_region(db, to="europe-west1", service="compute engine",
                                  from_region="us-central1")
    base, target = row_dict(comp, 0), row_dict(comp, 1)
    for m in METRICS[:4]:
        assert base[m] == pytest.approx(before[m], rel=1e-9), m
        assert target[m] == pytest.approx(after[m], rel=1e-9), m
    pue = {(r["provider"], r["region"]): float(r["pue"]) for r in coef_rows("pue")}
    # directly estimated energy scales with PUE: 1.09 / 1.11 (the few lines extrapolated
    # from cost follow the ratio of the whole month's GCP lines)
    assert target["energy_kwh"] / base["energy_kwh"] == pytest.approx(
        pue["gcp", "europe-west1"] / pue["gcp", "us-central1"], rel=2e-3)
    assert target["co2e_embodied_kg"] == pytest.approx(base["co2e_embodied_kg"], rel=1e-12)
    assert comp.extra["provider"] == "gcp"


# ---- (2) a hand calculation from the coefficient rows ----------------------------------

def _by(rows: list[dict[str, str]], *keys: str) -> dict:
    return {tuple(r[k] for k in keys): r for r in rows}


def hand_m6g_xlarge(hours: float, grid: float) -> dict[str, float]:
    """m6g.xlarge for ``hours`` in an AWS region of ``grid`` g/kWh, from the coefficient
    rows and CCF's published formulas (README, 'Methodology')."""
    inst = _by(coef_rows("instance_types"), "provider", "instance_type")["aws", "m6g.xlarge"]
    cpu = _by(coef_rows("cpu_power"), "provider", "architecture")["aws", inst[
        "cpu_architectures"]]
    const = {r["key"]: float(r["value"]) for r in coef_rows("constants")
             if r["provider"] == "aws"}
    pue = _by(coef_rows("pue"), "provider", "region")["aws", "*"]
    vcpus, largest_vcpus = float(inst["vcpus"]), float(inst["family_largest_vcpus"])
    lo, hi = float(cpu["min_w_per_vcpu"]), float(cpu["max_w_per_vcpu"])
    watts = lo + const["cpu_utilization_pct"] / 100 * (hi - lo)
    compute_kwh = watts * vcpus * hours / 1000
    chips = math.ceil(largest_vcpus / const["vcpus_per_physical_chip"])
    extra_gb = (float(inst["family_largest_memory_gb"]) / chips
                - float(cpu["memory_gb_per_chip"])) * float(inst["memory_gb"]) \
        / float(inst["family_largest_memory_gb"])
    memory_kwh = max(extra_gb, 0) * hours * const["memory_kwh_per_gb_hour"]
    energy = (compute_kwh + memory_kwh) * float(pue["pue"])
    embodied = float(inst["embodied_kg"]) * hours / const["server_lifespan_hours"] \
        * vcpus / largest_vcpus
    op = energy * grid / 1000
    return {"energy_kwh": energy, "co2e_operational_kg": op, "co2e_embodied_kg": embodied,
            "co2e_total_kg": op + embodied}


@pytest.fixture
def small_db(tmp_path) -> Path:
    rows = [
        {"start": "2026-10-01T00:00:00Z", "service": "AmazonEC2",
         "usage_type": "BoxUsage:m6g.xlarge", "unit": "Hrs", "amount": "100", "cost": "15.4",
         "vcpu": "4", "region": "us-east-1", "resource": "i-1"},
        # no region: CloudFront's edge; not movable
        {"start": "2026-10-01T00:00:00Z", "service": "AmazonCloudFront",
         "usage_type": "US-DataTransfer-Out-Bytes", "unit": "GB", "amount": "50", "cost": "4",
         "region": ""},
        {"start": "2026-10-01T00:00:00Z", "service": "AmazonEC2", "type": "Tax",
         "usage_type": "", "unit": "", "amount": "", "cost": "1.5", "region": "us-east-1"},
    ]
    return load(tmp_path / "small.duckdb", [write_cur(tmp_path / "cur.csv", rows)])


def test_one_instance_moved_by_hand(small_db):
    grid = {(r["provider"], r["region"]): float(r["gco2e_per_kwh"])
            for r in coef_rows("grid_intensity")}
    with api.open_db(small_db, read_only=True) as db:
        comp = api.compare_region(db, to="eu-north-1", service="AmazonEC2")
    base, target = row_dict(comp, 0), row_dict(comp, 1)
    for row, region in ((base, "us-east-1"), (target, "eu-north-1")):
        for m, v in hand_m6g_xlarge(100, grid["aws", region]).items():
            assert row[m] == pytest.approx(v, rel=1e-9), (region, m)
    assert base["cost"] == pytest.approx(15.4)  # the tax line is no usage to move
    assert target["cost"] is None
    assert any("eu-north-1" in a.name and "8.8 g CO2e/kWh" in a.value for a in comp.assumptions)
    assert any(a.name == "cost" and "unknown" in a.value for a in comp.assumptions)


def test_lines_without_a_region_are_not_moved_and_said(small_db):
    with api.open_db(small_db, read_only=True) as db:
        comp = api.compare_region(db, to="eu-north-1")
    base = row_dict(comp, 0)
    cf = estimate_sums(small_db, "service = 'AmazonCloudFront'")
    ec2 = estimate_sums(small_db, "service = 'AmazonEC2'")
    assert cf["co2e_total_kg"] > 0 and cf["lines"] == 1
    assert base["co2e_total_kg"] == pytest.approx(ec2["co2e_total_kg"], rel=1e-9)
    note = next(n for n in comp.notes if n.startswith("Not movable"))
    assert "1 usage lines" in note and "no region" in note
    assert f"{cf['co2e_total_kg']:,.3f} kg" in note


def test_cost_is_known_where_the_usage_already_runs(small_db):
    with api.open_db(small_db, read_only=True) as db:
        comp = api.compare_region(db, to="us-east-1", service="AmazonEC2")
    base, same = row_dict(comp, 0), row_dict(comp, 1)
    assert same["cost"] == pytest.approx(15.4)
    for m in METRICS[:4]:
        assert same[m] == pytest.approx(base[m], rel=1e-12)


# ---- (3) best: a brute-force ranking over the provider's regions --------------------------

@pytest.fixture(scope="module")
def gcp_day_db(tmp_path_factory) -> Path:
    """One day of the demo's GCP bill (every region kind: single, multi-region, global)."""
    tmp = tmp_path_factory.mktemp("gcpday")
    src = DEMO / "gcp_billing_demo_2026-10.jsonl.gz"
    with gzip.open(src, "rt", encoding="utf-8") as fh:
        rows = [r for line in fh if line.strip()
                if (r := json.loads(line))["usage_start_time"].startswith("2026-10-01")]
    dst = tmp / "day.jsonl.gz"
    with gzip.open(dst, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
    return load(tmp / "day.duckdb", [dst])


def test_best_ranks_every_region_as_a_brute_force_over_them_does(gcp_day_db):
    groups = {r["region"] for r in coef_rows("region_groups") if r["provider"] == "gcp"}
    # regions that run only some services (us-central2: Cloud TPU v4) are not ranked
    restricted = {r["region"] for r in coef_rows("restricted_regions")
                  if r["provider"] == "gcp"}
    regions = sorted(r["region"] for r in coef_rows("grid_intensity")
                     if r["provider"] == "gcp" and r["region"] != "*" and r["region"] not in
                     groups | restricted)
    assert len(regions) > 30
    with api.open_db(gcp_day_db, read_only=True) as db:
        best = api.compare_region(db, to="best")
        one_by_one = {r: row_dict(api.compare_region(db, to=r), 1) for r in regions}
    ranked = [r["scenario"] for r in best.as_dicts()[1:]]
    assert sorted(ranked) == regions
    totals = [one_by_one[r]["co2e_total_kg"] for r in ranked]
    # ascending (regions with equal factors tie, to the last bits of a float sum)
    assert all(a <= b * (1 + 1e-12) for a, b in zip(totals, totals[1:], strict=False))
    assert one_by_one[ranked[0]]["co2e_total_kg"] == pytest.approx(
        min(one_by_one[r]["co2e_total_kg"] for r in regions), rel=1e-12)
    for r in best.as_dicts()[1:]:
        for m in METRICS[:4]:
            assert r[m] == pytest.approx(one_by_one[r["scenario"]][m], rel=1e-9)
    assert best.extra["ranking"] == ranked
    # PUE and grid both matter: energy differs between regions
    assert len({round(one_by_one[r]["energy_kwh"], 9) for r in regions}) > 1


def test_multi_regions_and_global_stay_and_are_said(gcp_day_db):
    with api.open_db(gcp_day_db, read_only=True) as db:
        comp = api.compare_region(db, to="europe-north1")
        stays = estimate_sums(gcp_day_db, "region IN ('us', 'global')")
        moved = estimate_sums(gcp_day_db, "region IN ('us-central1', 'europe-west4', "
                              "'asia-northeast1')")
        in_bill = {r[0] for r in db.con.execute(
            "SELECT DISTINCT coalesce(region_id, '') FROM billed_lines").fetchall()}
    assert in_bill == {"us-central1", "europe-west4", "asia-northeast1", "us", "global"}
    assert row_dict(comp, 0)["co2e_total_kg"] == pytest.approx(moved["co2e_total_kg"],
                                                               rel=1e-9)
    note = next(n for n in comp.notes if n.startswith("Not movable"))
    assert f"{stays['lines']:,} usage lines" in note
    assert "in global, us:" in note


# ---- errors, several providers, the database left as it was -----------------------------

def cli(db: Path, *args: str):  # noqa: ANN201 - a click Result
    return CliRunner().invoke(main, ["--db", str(db), "compare", "region", *args])


@pytest.mark.parametrize(("args", "message"), [
    (["--to", "us-esat-1"], "--to us-esat-1: unknown region (not in "
     "coefficients/grid_intensity.csv); did you mean"),
    (["--to", "us"], "a dual- or multi-region of gcp"),
    (["--to", "norway"], "a name in azure's grid table that is no region a bill names"),
    (["--to", "best"], "--to best: the usage is of aws, azure, gcp"),
    (["--to", "eu-north-1", "--month", "2026-01"], "--month 2026-01: not loaded"),
    (["--to", "eu-north-1", "--month", "October"], "expected YYYY-MM"),
    (["--to", "eu-north-1", "--service", "Nope"], "--service 'Nope': no lines in 2026-10"),
    (["--to", "eu-north-1", "--from-region", "mars-1"], "--from-region 'mars-1': no such lines"),
    (["--to", "eu-north-1", "--service", "Compute Engine"],
     "a region of aws, and the usage asked for has no aws lines (it is of gcp)"),
    (["--to", "best", "--provider", "gcp", "--service", "Support"], "nothing to move"),
])
def test_errors_are_one_line(demo_db, args, message):
    r = cli(demo_db, *args)
    assert r.exit_code == 1
    assert message in r.output, r.output
    assert len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output


def test_an_empty_database_is_an_error(tmp_path):
    with api.open_db(tmp_path / "empty.duckdb"):
        pass
    r = cli(tmp_path / "empty.duckdb", "--to", "best")
    assert r.exit_code == 1 and "holds no billing data" in r.output


def test_database_and_session_unchanged(demo_db):
    with api.open_db(demo_db, read_only=True) as db:
        count = db.con.execute("SELECT count(*), sum(billed_cost) FROM billed_lines").fetchone()
        before = api.report(db, by="provider").totals()
        with pytest.raises(ConfigError):
            api.compare_region(db, to="eu-north-1", service="Nope")
        api.compare_region(db, to="eu-north-1")
        # no shadow left behind: the real table again, and reports as before
        assert db.con.execute("SELECT count(*) FROM information_schema.tables WHERE "
                              "table_catalog = 'temp' AND table_name = 'billed_lines'"
                              ).fetchone()[0] == 0
        assert db.con.execute("SELECT count(*), sum(billed_cost) FROM billed_lines"
                              ).fetchone() == count
        after = api.report(db, by="provider").totals()
        assert after == pytest.approx(before, rel=1e-12)


def test_azure_best_leaves_out_geographies_and_staging_regions(demo_db):
    from ccf_py.compare.region import provider_regions

    grid = {r["region"] for r in coef_rows("grid_intensity") if r["provider"] == "azure"}
    assert {"norway", "uk", "eastusstage", "swedencentral"} <= grid
    with api.open_db(demo_db, read_only=True) as db:
        azure = provider_regions(db.con)["azure"].candidates()
    assert "swedencentral" in azure and "norwayeast" in azure
    assert not {"norway", "uk", "eastusstage", "westus2stage", "*"} & set(azure)


def test_cli_json_and_csv(demo_db, tmp_path):
    r = cli(demo_db, "--to", "swedencentral", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert [row["scenario"] for row in doc["rows"]] == ["as billed", "swedencentral"]
    assert doc["comparison"] == "region" and doc["provider"] == "azure"
    assert doc["rows"][1]["cost"] is None and doc["rows"][0]["cost"] > 0
    assert {a["name"] for a in doc["assumptions"]} >= {"range", "cost", "embodied emissions",
                                                       "grid intensity swedencentral"}
    out = tmp_path / "r.csv"
    r = cli(demo_db, "--to", "eu-north-1", "--format", "csv", "--out", str(out),
            "--notes", str(tmp_path / "notes.txt"))
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert list(rows[0]) == ["scenario", "energy_kwh", "co2e_operational_kg",
                             "co2e_embodied_kg", "co2e_total_kg", "co2e_low_kg",
                             "co2e_high_kg", "cost"]
    assert [x["scenario"] for x in rows] == ["as billed", "eu-north-1"]
    assert rows[1]["cost"] == "" and float(rows[0]["cost"]) > 0
    assert "grid intensity eu-north-1" in (tmp_path / "notes.txt").read_text()
