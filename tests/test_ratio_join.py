"""The unknown-usage ratios reach the rows through one join (queries/intermediate/
int_usage_energy.sql), which the per-row fct_usage_estimates, the grouped rpt_grouped and the
--intensity note all read: the two report paths count every path of the coverage alike."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ccf_py import api
from ccf_py.demo import demo_file

ROOT = Path(__file__).resolve().parent.parent


def test_the_ratios_are_joined_to_rows_in_one_place():
    # JOIN int_unknown_ratios, or JOIN (SELECT ... FROM int_unknown_ratios)
    joins = re.compile(r"\bjoin\s+(\(\s*select\b[^)]*?\bfrom\s+)?int_unknown_ratios\b", re.I)
    sources = [*(ROOT / "queries").rglob("*.sql"), *(ROOT / "ccf_py").rglob("*.py")]
    where = sorted(str(p.relative_to(ROOT)) for p in sources
                   if joins.search(p.read_text(encoding="utf-8")))
    assert where == ["queries/intermediate/int_usage_energy.sql"]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    with api.open_db(tmp_path_factory.mktemp("ratio_join") / "d.duckdb") as d:
        api.ingest_aws_cur(d, [str(demo_file())])
        yield d


@pytest.mark.parametrize("methodology", ["default", "ccf"])
def test_grouped_coverage_equals_the_rows_coverage_path(db, methodology):
    """rpt_grouped's estimate_path is the rows' coverage_path (not their estimate_path):
    lines, cost and CO2e per path agree with a GROUP BY over fct_usage_estimates."""
    table = api.report(db, methodology=methodology, by=("service",))
    api.monthly_report(db, methodology=methodology)  # fct_usage_estimates of the same month
    per_row = {p: (n, cost, kg) for p, n, cost, kg in db.con.execute(
        "SELECT coverage_path, count(*), sum(cost), sum(co2e_total_kg) "
        "FROM fct_usage_estimates GROUP BY 1").fetchall()}
    grouped = {c.path: (c.rows, c.cost, c.co2e_total_kg) for c in table.coverage}
    assert grouped.keys() == per_row.keys()
    for path, (n, cost, kg) in per_row.items():
        assert grouped[path][0] == n, path
        assert grouped[path][1:] == pytest.approx((cost, kg), rel=1e-9, abs=1e-12), path
    if methodology == "ccf":  # CCF learns no ratio for units no known row has (Q8)
        assert per_row["not_estimable"][0] > 0


@pytest.mark.parametrize("methodology", ["default", "ccf"])
def test_not_estimable_rows_are_the_rows_without_a_learned_ratio(db, methodology):
    """coverage_path and ratio_basis come from separate expressions of int_unknown_ratios;
    the README's meaning ties them: a from_cost row is not estimable exactly when no level
    gave it a ratio, and then it has no energy."""
    api.monthly_report(db, methodology=methodology)
    rows = db.con.execute(
        "SELECT estimate_path, coverage_path, ratio_basis, count(*), max(energy_kwh) "
        "FROM fct_usage_estimates GROUP BY ALL").fetchall()
    for estimate_path, coverage_path, basis, _, max_kwh in rows:
        unlearned = basis in ("no_known_rows", "base_too_small")
        assert (coverage_path == "not_estimable") == unlearned, (estimate_path, basis)
        assert (basis is not None) == (estimate_path == "from_cost"), (estimate_path, basis)
        if coverage_path != "not_estimable":
            assert coverage_path == estimate_path
        else:
            assert max_kwh == 0
