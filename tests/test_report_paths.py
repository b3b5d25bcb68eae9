"""The one-pass grouped report (rpt_grouped) and the per-row model (fct_usage_estimates)
are two routes to the same numbers; the monthly report uses the second."""

from __future__ import annotations

import pytest

from ccf_py import api
from ccf_py.demo import demo_file
from ccf_py.estimate import create_estimates


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    with api.open_db(tmp_path_factory.mktemp("paths") / "d.duckdb") as d:
        api.ingest_aws_cur(d, [str(demo_file())])
        yield d


@pytest.mark.parametrize("methodology", ["default", "ccf"])
@pytest.mark.parametrize("by", [(), ("service",), ("usage_class", "region"),
                                ("tag:team", "account"), ("day",), ("resource_id",),
                                ("provider", "month", "instance_type", "usage_type")])
def test_grouped_report_equals_summed_rows(db, methodology, by):
    fast = api.report(db, methodology=methodology, by=by)
    create_estimates(db.con, methodology, materialize=True)
    slow = api._grouped(db.con, tuple(by), methodology, None)
    assert len(fast.rows) == len(slow.rows) > 0
    got = {r[:len(by)]: r[len(by):] for r in fast.rows}
    for r in slow.rows:
        assert got[r[:len(by)]] == pytest.approx(r[len(by):], rel=1e-9, abs=1e-12)


def test_every_row_is_estimated_exactly_once(db):
    create_estimates(db.con, "default", materialize=True)
    raw = db.con.execute("SELECT count(*), sum(unblended_cost) FROM raw_aws_cur").fetchone()
    fct = db.con.execute("SELECT count(*), sum(cost) FROM fct_usage_estimates").fetchone()
    assert fct[0] == raw[0] and fct[1] == pytest.approx(raw[1])


def test_a_month_that_is_not_loaded_is_an_error(db):
    from ccf_py.errors import ConfigError

    with pytest.raises(ConfigError, match="not loaded"):
        api.report(db, month="2031-01")
    assert api.report(db, month="2026-10").month == "2026-10"


def test_ccf_rows_without_a_ratio_are_flagged_and_noted(db):
    api.report(db, methodology="ccf")
    monthly = api.monthly_report(db, methodology="ccf")
    unpriced, not_estimated = db.con.execute(
        "SELECT count(*) FILTER (estimate_path = 'from_cost' AND ratio_basis = 'no_known_rows'), "
        "count(*) FILTER (estimate_path = 'none') FROM fct_usage_estimates").fetchone()
    assert unpriced > 0  # Requests / Metrics units: CCF has no known rows with those units
    assert db.con.execute("SELECT max(energy_kwh) FROM fct_usage_estimates "
                          "WHERE ratio_basis = 'no_known_rows'").fetchone()[0] == 0
    note = f"{unpriced + not_estimated:,} usage rows"
    assert any("could not be estimated" in n and note in n for n in monthly.notes)
