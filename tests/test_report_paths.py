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


@pytest.fixture(scope="module")
def monthly(db):
    """The monthly report (built from the per-row fct_usage_estimates), per methodology."""
    return {m: api.monthly_report(db, methodology=m) for m in ("default", "ccf")}


def _assert_same_rows(fast, slow, n_keys):
    assert len(slow.rows) > 0
    got = {r[:n_keys]: r[n_keys:] for r in fast.rows}
    for r in slow.rows:
        assert got[r[:n_keys]] == pytest.approx(r[n_keys:], rel=1e-9, abs=1e-12), r


# monthly report table -> the report keys it is grouped by
MONTHLY_TABLES = {"by_service": ("service",), "by_region": ("region",),
                  "by_account": ("account",), "by_usage_class": ("usage_class",),
                  "by_day": ("day",), "top_resources": ("resource_id", "service")}


@pytest.mark.parametrize("methodology", ["default", "ccf"])
@pytest.mark.parametrize("table", sorted(MONTHLY_TABLES))
def test_grouped_report_equals_the_monthly_tables(db, monthly, methodology, table):
    by = MONTHLY_TABLES[table]
    fast = api.report(db, methodology=methodology, by=by)
    slow = getattr(monthly[methodology], table)
    assert slow.keys == fast.keys == by
    _assert_same_rows(fast, slow, len(by))
    if table == "top_resources":  # the 15 largest, in the same order of CO2e
        assert len(slow.rows) == 15
        assert [r[-1] for r in slow.rows] == pytest.approx([r[-1] for r in fast.rows[:15]])
    else:
        assert len(fast.rows) == len(slow.rows)


@pytest.mark.parametrize("methodology", ["default", "ccf"])
@pytest.mark.parametrize(("by", "table"), [
    ((), None), (("resource_id",), None),
    (("provider", "month", "instance_type", "usage_type"), None),
    (("usage_class", "region"), "by_region"), (("tag:team", "account"), "by_account"),
])
def test_grouped_report_rolls_up_to_the_monthly_tables(db, monthly, methodology, by, table):
    """Keys the monthly report has no table for: summed over all but one key (or all keys),
    the grouped report gives the monthly report's table (or its totals)."""
    fast = api.report(db, methodology=methodology, by=by)
    n = len(by)
    assert len(fast.rows) > 0
    if table is None:
        totals = fast.totals()
        assert totals == pytest.approx(monthly[methodology].totals, rel=1e-9, abs=1e-12)
        assert totals["co2e_total_kg"] > 0
        return
    keep = by.index(MONTHLY_TABLES[table][0])
    rolled: dict[tuple, list[float]] = {}
    for r in fast.rows:
        acc = rolled.setdefault((r[keep],), [0.0] * (len(r) - n))
        for i, v in enumerate(r[n:]):
            acc[i] += v or 0.0
    slow = getattr(monthly[methodology], table)
    assert len(rolled) == len(slow.rows)
    for r in slow.rows:
        assert rolled[r[:1]] == pytest.approx(r[1:], rel=1e-9, abs=1e-12), r


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
