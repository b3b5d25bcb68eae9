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
    if table == "top_resources":  # the 15 largest resources, in the same order of CO2e
        assert len(slow.rows) == 15 and all(r[0] for r in slow.rows)
        named = [r for r in fast.rows if r[0]]   # lines without a resource id are none
        assert [r[-1] for r in slow.rows] == pytest.approx([r[-1] for r in named[:15]])
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
    raw = db.con.execute("SELECT count(*), sum(billed_cost) FROM billed_lines").fetchone()
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
    note = f"Not estimated: {unpriced + not_estimated:,} usage rows"
    assert note in monthly.confidence  # said in the headline's confidence line
    assert not any(note in n for n in monthly.notes)  # and not again in the notes
    assert "CCF's methodology gives them no estimate" in monthly.confidence


# --- the grouped report against a GROUP BY over the documented per-row relation ----------

# report key -> its column expression, which fct_usage_estimates has under the same names
PER_ROW_KEYS = {**api.KEY_SQL,
                "tag:team": "coalesce(json_extract_string(tags, '$.team'), '')"}
KEY_SETS = [("service",), ("usage_class", "instance_type"), ("day", "region"),
            ("provider", "currency"),
            ("tag:team", "usage_type"), ("resource_id",), ("account", "month", "usage_class")]


def _per_row(con, by: tuple[str, ...]) -> dict[tuple, tuple]:
    cols = [PER_ROW_KEYS[k] for k in by]
    metrics = ", ".join(f"sum({m})" for m in api.METRIC_COLUMNS)
    rows = con.execute(f"SELECT {''.join(c + ', ' for c in cols)}{metrics} "
                       "FROM fct_usage_estimates GROUP BY ALL").fetchall()
    return {r[:len(by)]: r[len(by):] for r in rows}


def _assert_report_equals_per_row(d: api.Database, methodology: str, by: tuple[str, ...]):
    table = api.report(d, methodology=methodology, by=by)
    # the monthly report estimates every row on its own (ratios included) into
    # fct_usage_estimates; the grouped report's sums must give the same numbers
    api.monthly_report(d, methodology=methodology)
    slow = _per_row(d.con, by)
    fast = {r[:len(by)]: r[len(by):] for r in table.rows}
    assert fast.keys() == slow.keys()
    for key, metrics in slow.items():
        assert fast[key] == pytest.approx(metrics, rel=1e-9, abs=1e-12), key


@pytest.mark.parametrize("methodology", ["default", "ccf"])
@pytest.mark.parametrize("by", KEY_SETS)
def test_grouped_report_equals_a_group_by_over_the_rows(db, methodology, by):
    _assert_report_equals_per_row(db, methodology, by)


def test_sums_equal_rows_when_costs_cancel_and_services_are_missing(tmp_path):
    """Two priced lines of one usage key whose costs cancel still teach the ratio (the flag
    is the line's), and a NULL service is a group like any other."""
    from tests.helpers import write_cur

    def row(**kw):
        base = {"start": "2026-10-01T00:00:00Z", "service": "AmazonEC2", "region": "us-east-1",
                "usage_type": "BoxUsage:m5.large", "unit": "Hrs", "amount": "10",
                "cost": "3.0", "vcpu": "2"}
        return {**base, **kw}

    rows = [row(usage_type="BoxUsage:c5.xlarge", vcpu="4"),
            row(usage_type="BoxUsage:c5.xlarge", vcpu="4", cost="-3.0",
                start="2026-10-02T00:00:00Z"),
            row(amount="5", cost="2"),
            row(usage_type="NatGateway-Hours", vcpu="", cost="1.5"),
            row(service="", usage_type="Mystery-Hours", vcpu="", cost="0.5"),
            row(service="", usage_type="BoxUsage:c5.large", cost="2.0")]
    f = write_cur(tmp_path / "c.csv", rows)
    with api.open_db(tmp_path / "c.duckdb") as d:
        api.ingest_aws_cur(d, [str(f)])
        for methodology in ("default", "ccf"):
            for by in (("service",), ("resource_id", "usage_type"), ()):
                _assert_report_equals_per_row(d, methodology, by)
        api.report(d, by="service")
        basis = d.con.execute("SELECT ratio_basis FROM fct_usage_estimates "
                              "WHERE usage_type = 'Mystery-Hours'").fetchone()[0]
    assert basis == "service_unit"  # learned from the service-less c5.large row
