"""The billing table is provider-aware: reloads, usage-key classes, coefficients and the
cost-ratio estimates never cross providers; databases of an older ccf_py are upgraded."""

from __future__ import annotations

import duckdb
import pytest

from ccf_py import api
from tests.helpers import write_cur

ROWS = [  # an m5.large (direct) and a NAT gateway (from cost) in October 2026, no payer column
    {"start": "2026-10-01T00:00:00Z", "service": "AmazonEC2", "usage_type": "BoxUsage:m5.large",
     "unit": "Hrs", "amount": "24", "cost": "2.30", "vcpu": "2", "region": "us-east-1",
     "resource": "i-1"},
    {"start": "2026-10-01T00:00:00Z", "service": "AmazonEC2", "usage_type": "NatGateway-Hours",
     "unit": "Hrs", "amount": "24", "cost": "1.08", "region": "us-east-1", "resource": "nat-1"},
]
HEADER = ["lineItem/UsageStartDate", "lineItem/LineItemType", "lineItem/ProductCode",
          "lineItem/UsageType", "pricing/unit", "lineItem/UsageAmount", "lineItem/UnblendedCost",
          "product/vcpu", "product/region", "lineItem/ResourceId"]


def _other_provider_rows(con: duckdb.DuckDBPyConnection, cost: float) -> None:
    """Rows of a provider ccf_py has no classifier for yet, as a later ingestor would write
    them: same billing period, no payer, the same service name and unit as the AWS rows."""
    con.execute("""INSERT INTO raw_aws_cur (provider, billing_period, usage_start, line_item_type,
                       service, usage_type, pricing_unit, usage_amount, unblended_cost, region,
                       resource_id, source_file, load_id)
                   VALUES ('other', DATE '2026-10-01', TIMESTAMP '2026-10-01', 'Usage',
                           'AmazonEC2', 'Gateway-Hours', 'Hrs', 24, ?, 'us-east-1', 'gw-1',
                           'other.csv', 999)""", [cost])


def _energy(db: api.Database) -> dict[str, tuple]:
    api.report(db, by="resource_id")
    return {r[0]: r[1:] for r in db.con.execute(
        "SELECT resource_id, provider, energy_kwh, estimate_path, coverage_path, rule_id "
        "FROM fct_usage_estimates").fetchall()}


def test_reload_replaces_only_its_own_provider(tmp_path):
    f = write_cur(tmp_path / "oct.csv", ROWS, HEADER)
    with api.open_db(tmp_path / "d.duckdb") as db:
        api.ingest_aws_cur(db, [str(f)])
        _other_provider_rows(db.con, 5.0)
        res = api.ingest_aws_cur(db, [str(f)])  # a NULL payer matches any AWS payer only
        assert res.replaced_rows == 2
        left = db.con.execute("SELECT provider, count(*) FROM raw_aws_cur GROUP BY 1 "
                              "ORDER BY 1").fetchall()
    assert left == [("aws", 2), ("other", 1)]


def test_ratios_and_classes_stay_within_a_provider(tmp_path):
    f = write_cur(tmp_path / "oct.csv", ROWS, HEADER)
    with api.open_db(tmp_path / "d.duckdb") as db:
        api.ingest_aws_cur(db, [str(f)])
        alone = _energy(db)
        _other_provider_rows(db.con, 500.0)  # expensive: it would move a shared ratio
        mixed = _energy(db)
        by_provider = {r[0]: r[1] for r in api.report(db, by="provider").rows}
    for rid in ("i-1", "nat-1"):
        assert mixed[rid] == pytest.approx(alone[rid])
    assert alone["nat-1"][2] == "from_cost" and alone["nat-1"][1] > 0
    # no classifier for 'other': unknown usage, and no directly estimated row of its own to
    # learn a ratio from, so not estimable (never AWS's ratio)
    assert mixed["gw-1"][1:] == (0.0, "from_cost", "not_estimable", "no_classifier:other")
    assert by_provider == pytest.approx({"aws": 3.38, "other": 500.0})


def test_a_database_of_an_older_ccf_py_is_upgraded(tmp_path):
    path = tmp_path / "old.duckdb"
    f = write_cur(tmp_path / "oct.csv", ROWS, HEADER)
    with api.open_db(path) as db:
        api.ingest_aws_cur(db, [str(f)])
    con = duckdb.connect(str(path))  # as written before the provider column existed
    con.execute("ALTER TABLE raw_aws_cur DROP COLUMN provider")
    con.close()
    with api.open_db(path, read_only=True) as db:  # even a read-only report upgrades it
        table = api.report(db, by="provider")
    assert [r[:2] for r in table.rows] == [("aws", pytest.approx(3.38))]
