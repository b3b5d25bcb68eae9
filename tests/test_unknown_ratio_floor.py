"""The default methodology's cost-ratio estimator: the floor on the base a ratio is learned from,
free-tier rows, and the confidence line every report prints (hand calculations)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ccf_py import api, coefficients
from ccf_py.cli import main
from tests.helpers import LEGACY_HEADER, write_cur

HEADER = [*LEGACY_HEADER, "pricing/publicOnDemandCost"]
FLOOR_COST = coefficients.load().for_provider("aws").constants["ratio_min_base_cost"]     # 1.0
FLOOR_SHARE = coefficients.load().for_provider("aws").constants["ratio_min_base_share"]   # 0.1


def _row(month: str, rid: str, service: str, usage_type: str, unit: str, amount: float,
         cost: float, public: float | None = None, vcpu: str = "") -> dict:
    return {"start": f"{month}-01T00:00:00Z", "service": service, "usage_type": usage_type,
            "unit": unit, "amount": str(amount), "cost": str(cost), "vcpu": vcpu,
            "region": "us-east-1", "resource": rid,
            "pricing/publicOnDemandCost": str(cost if public is None else public)}


def _ec2(month: str, rid: str, hours: float, cost: float, public: float | None = None) -> dict:
    return _row(month, rid, "AmazonEC2", "BoxUsage:m5.large", "Hrs", hours, cost, public, "2")


def _nat(month: str, cost: float) -> dict:
    return _row(month, f"nat-{month}", "AmazonEC2", "NatGateway-Hours", "Hrs", 24, cost)


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("floor")
    rows = [
        # Oct: EC2's own base (0.50) is under the 1.00 floor, so are the Hrs unit's; the
        # month's (0.50 + 5.00) qualifies: NAT uses the all-usage ratio
        _ec2("2026-10", "ec2-oct", 10, 0.5),
        _row("2026-10", "s3-oct", "AmazonS3", "TimedStorage-ByteHrs", "GB-Mo", 200, 5.0),
        _nat("2026-10", 2.0),
        # Nov: 0.50 of direct usage would set 10.00 of NAT: no level qualifies
        _ec2("2026-11", "ec2-nov", 10, 0.5),
        _nat("2026-11", 10.0),
        # Dec: 2.00 clears the 1.00 floor but is under 10 % of the 30.00 it would extrapolate
        _ec2("2026-12", "ec2-dec", 20, 2.0),
        _nat("2026-12", 30.0),
        # Jan: a free-tier m5 (billed 0, list 0.96) and free-tier CloudWatch dashboards
        # (billed 0, list 3.00): neither is priced at list cost
        _ec2("2027-01", "ec2-jan", 20, 2.0),
        _ec2("2027-01", "free-ec2-jan", 10, 0.0, public=0.96),
        _row("2027-01", "free-cw-jan", "AmazonCloudWatch", "DashboardsUsageHour-Basic", "Hrs",
             720, 0.0, public=3.0),
        _nat("2027-01", 1.0),
    ]
    f = write_cur(tmp / "floor.csv", rows, HEADER)
    path = tmp / "floor.duckdb"
    with api.open_db(path) as db:
        api.ingest_aws_cur(db, [str(f)])
    return path


@pytest.fixture(scope="module")
def rows(db_path) -> dict[str, tuple]:
    with api.open_db(db_path, read_only=True) as db:
        api.report(db, by="resource_id")
        return {r[0]: r[1:] for r in db.con.execute(
            "SELECT resource_id, energy_kwh, ratio_basis, ratio_cost FROM fct_usage_estimates"
        ).fetchall()}


def test_the_floor_is_what_the_readme_says():
    assert (FLOOR_COST, FLOOR_SHARE) == (1.0, 0.1)


def test_small_service_base_falls_back_to_all_usage(rows):
    ec2, s3 = rows["ec2-oct"][0], rows["s3-oct"][0]
    assert rows["nat-2026-10"][1] == "all_usage"
    assert rows["nat-2026-10"][0] == pytest.approx((ec2 + s3) / (0.5 + 5.0) * 2.0, rel=1e-12)


def test_no_level_over_the_floor_is_not_estimable(rows):
    assert rows["nat-2026-11"][:2] == (0.0, "base_too_small")
    # 2.00 of base for 30.00 of cost: 6.7 % < 10 %
    assert rows["nat-2026-12"][:2] == (0.0, "base_too_small")


def test_free_tier_rows_are_not_priced_at_list_cost(rows):
    assert rows["free-cw-jan"][2] == 0 and rows["free-cw-jan"][0] == 0
    assert rows["free-ec2-jan"][2] == 0 and rows["free-ec2-jan"][0] > 0  # its kWh still count
    # the ratio is learned from the paid m5 alone (its 2.00): NAT = its kWh / 2.00 x 1.00
    assert rows["nat-2027-01"][1] == "service_unit"
    assert rows["nat-2027-01"][0] == pytest.approx(rows["ec2-jan"][0] / 2.0 * 1.0, rel=1e-12)


def test_report_coverage_and_confidence_line(db_path):
    with api.open_db(db_path, read_only=True) as db:
        table = api.report(db, by="month", month="2026-11")
    paths = {c.path: c for c in table.coverage}
    assert set(paths) == {"direct", "not_estimable"}
    assert paths["not_estimable"].rows == 1 and paths["not_estimable"].cost == 10.0
    result = CliRunner().invoke(main, ["--db", str(db_path), "report", "--by", "month",
                                       "--month", "2026-11", "--format", "csv"])
    assert result.exit_code == 0, result.output
    # 10.00 of NAT in a month of 10.50 of usage: 95 % not estimated, so the line leads with
    # that (the 100 % from usage quantities is of the CO2e that could be found)
    assert result.stderr.splitlines()[0] == (
        "Only 5% of the usage cost could be estimated: 1 usage row costing 10.00 (95%) got "
        "no estimate (too little directly estimated usage to extrapolate from) and counts as "
        "zero. Of the CO2e found, 100.0% is estimated from usage quantities, 0.0% with "
        "fallback coefficients and 0.0% extrapolated from cost ratios.")
    assert "Not estimated" not in result.stdout
    # CSV has no place for notes: they all follow on stderr (one day of November is loaded)
    assert "Partial month 2026-11: 1 of 30 days loaded (2026-11-01 to 2026-11-01); totals " \
        "cover those days only." in result.stderr.splitlines()


def test_mostly_extrapolated_says_so(tmp_path):
    f = write_cur(tmp_path / "x.csv", [_ec2("2026-10", "ec2", 10, 5.0), _nat("2026-10", 40.0)],
                  HEADER)
    db = tmp_path / "x.duckdb"
    runner = CliRunner()
    assert runner.invoke(main, ["--db", str(db), "ingest", "aws-cur", str(f)]).exit_code == 0
    result = runner.invoke(main, ["--db", str(db), "report"])
    # 5.00 of m5.large hours (energy e, embodied m) extrapolated to 40.00 of NAT: 8 e;
    # by hand (ccf-methodology.md section 12, default embodied = hours, not hours / vCPU)
    e = ((0.65 + 0.5 * (4.26 - 0.65)) * 2 * 10 / 1000
         + (384 - 81.32) * 8 / 384 * 10 * 0.000392) * 1.135
    m = 1610.3792 * (10 / 35040) * (2 / 96)
    g = 0.379069  # kg per kWh, us-east-1
    share = 8 * e * g / (9 * e * g + m)
    assert f"{share:.1%} extrapolated from cost ratios (mostly extrapolated: a rough " \
        "estimate)." in result.stdout  # the terminal table's notes
    assert share > 0.8
