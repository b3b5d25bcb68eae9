"""The monthly report of one's own data: change against the month before, top movers, the
headline ratios, partial months, complete daily series, folded zero rows, human numbers; and
the notes every `report` format carries (issue 8, parts 1 and 2)."""

from __future__ import annotations

import csv
import gzip
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from ccf_py import api
from ccf_py.cli import main
from ccf_py.demo import run_demo
from ccf_py.model import METRIC_COLUMNS, ReportTable
from ccf_py.report.monthly import fold_zero_rows, render_html, render_markdown
from tests.helpers import write_cur

CO2E = "CO\u2082e"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("monthly")
    run_demo(out)
    return out / "demo.duckdb"


@pytest.fixture(scope="module")
def october(demo_db):
    with api.open_db(demo_db, read_only=True) as db:
        return api.monthly_report(db, month="2026-10")


def _totals(db_path: Path, month: str, by: str = "") -> ReportTable:
    with api.open_db(db_path, read_only=True) as db:
        return api.report(db, by=by, month=month)


def test_headline_change_ratios_and_intensity(demo_db, october):
    """Each figure from the grouped report of each month (a separate path through the SQL)."""
    sep, octo = _totals(demo_db, "2026-09").totals(), _totals(demo_db, "2026-10").totals()
    assert october.previous_month == "2026-09"
    md = render_markdown(october)
    for metric, label in (("co2e_total_kg", f"Total {CO2E}"), ("energy_kwh", "Energy"),
                          ("cost", "Cost")):
        change = (octo[metric] - sep[metric]) / sep[metric]
        row = next(line for line in md.splitlines() if line.startswith(f"| {label} |"))
        assert row.endswith(f"| {change:+.1%} |"), row
    per_1000 = octo["co2e_total_kg"] / octo["cost"] * 1000   # kg per 1,000 USD
    grid = octo["co2e_operational_kg"] * 1000 / octo["energy_kwh"]  # g per kWh, all rows
    assert october.kg_per_1000_cost == pytest.approx(per_1000, rel=1e-12)
    assert october.intensity_gco2e_per_kwh == pytest.approx(grid, rel=1e-12)
    assert f"| {CO2E} per 1,000 USD | {per_1000:.3g} kg {CO2E} |" in md
    assert f"| Grid intensity (energy-weighted) | {grid:,.0f} g {CO2E}/kWh |" in md


def test_top_movers_are_the_largest_changes_per_provider_and_service(demo_db, october):
    def kg(month: str) -> dict[tuple, float]:
        t = _totals(demo_db, month, "provider,service")
        return {tuple(r[:2]): r[2 + METRIC_COLUMNS.index("co2e_total_kg")] for r in t.rows}

    before, now = kg("2026-09"), kg("2026-10")
    change = {k: now.get(k, 0) - before.get(k, 0) for k in before.keys() | now.keys()}
    ranked = sorted((k for k in change if change[k]), key=lambda k: -abs(change[k]))
    assert [m.keys for m in october.movers] == ranked[:10]
    for m in october.movers:
        assert m.change_kg == pytest.approx(change[m.keys], rel=1e-9)
    first = october.movers[0]
    assert (f"| {first.keys[0]} | {first.keys[1]} | {first.previous_kg:,.3f} | "
            f"{first.current_kg:,.3f} | {first.change_kg:+,.3f} | "
            f"{first.change_kg / first.previous_kg:+.1%} |") in render_markdown(october)


def test_the_first_month_has_nothing_to_compare_with(demo_db):
    with api.open_db(demo_db, read_only=True) as db:
        september = api.monthly_report(db, month="2026-09")
    assert september.previous_month is None and september.movers == ()
    md = render_markdown(september)
    assert "No earlier month is loaded" in md and "Change vs" not in md


def test_charts_say_top_n_of_m_and_tables_cut_to_the_top_say_subtotal(october):
    html = render_html(october)
    services = len(october.by_service.rows)
    assert services > 15
    assert f"Top 15 of {services} services by total {CO2E} (kg)" in html
    assert october.resource_count > len(october.top_resources.rows) == 15
    md = render_markdown(october)
    assert f"Top 15 of {october.resource_count:,} resources by total {CO2E}." in md
    top = md.split("## Top resources")[1].split("##")[0]
    assert "**Top 15 subtotal**" in top and "**TOTAL**" not in top
    # every bar carries its unit, and the daily chart names both axes
    assert re.search(r'fill="#333">[\d,.]+ kg</text>', html)
    assert "Day (UTC)" in html


def test_no_number_a_person_reads_is_in_scientific_notation(october):
    for text in (render_markdown(october), render_html(october)):
        cells = re.findall(r"(?<![\w.#-])\d[\d,]*\.?\d*e[-+]?\d+", text)
        assert cells == []


def test_rows_zero_everywhere_fold_into_one_other_row():
    zero = (0.0,) * len(METRIC_COLUMNS)
    table = ReportTable(("provider", "service"), (
        ("aws", "AmazonEC2", 5.0, 1.0, 0.0, 0.3, 0.1, 0.4),
        ("aws", "AWSSupportBusiness", 9.0, *zero[1:]),   # cost but no emissions: kept
        ("gcp", "Invoice", *zero), ("aws", "AWSCostExplorer", *zero),
        ("azure", "Marketplace", *zero)), "default")
    folded = fold_zero_rows(table)
    assert [r[:2] for r in folded.rows] == [
        ("aws", "AmazonEC2"), ("aws", "AWSSupportBusiness"),
        (f"other (3 with no cost, energy or {CO2E})", "")]
    assert folded.totals() == table.totals()
    one = ReportTable(("service",), (("x", *zero),), "default")
    assert fold_zero_rows(one) == one   # a single zero row is shown as itself


def _cut_demo_cur(src: Path, dst: Path, keep_day) -> int:  # noqa: ANN001 - a predicate
    """The demo's October CUR keeping only the lines whose usage day passes ``keep_day``."""
    with gzip.open(src, "rt", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [r for r in reader if keep_day(int(r["lineItem/UsageStartDate"][8:10]))]
        header = reader.fieldnames
    with dst.open("w", newline="") as out:
        w = csv.DictWriter(out, fieldnames=header)
        w.writeheader()
        w.writerows(rows)
    return len(rows)


def test_a_partial_month_says_so_and_its_days_are_complete(tmp_path):
    from ccf_py.demo import demo_file

    cur = tmp_path / "first-half.csv"
    # the 1st to the 14th, without the 5th: 14 days spanned, a gap inside
    assert _cut_demo_cur(demo_file(), cur, lambda d: d <= 14 and d != 5) > 0
    with api.open_db(tmp_path / "p.duckdb") as db:
        api.ingest_aws_cur(db, [str(cur)])
        monthly = api.monthly_report(db)
        table = api.report(db, by="service")
    note = ("Partial month 2026-10: 14 of 31 days loaded (2026-10-01 to 2026-10-14); totals "
            "cover those days only.")
    assert note in monthly.notes and note in table.notes
    days = [r[0] for r in monthly.by_day.rows]
    assert days == [f"2026-10-{d:02d}" for d in range(1, 15)]  # in order, the 5th included
    fifth = monthly.by_day.rows[4]
    assert all(v == 0 for v in fifth[1:])
    assert "14 of 31 days loaded (01 Oct to 14 Oct): partial month" in render_markdown(monthly)


def test_the_demo_months_are_complete(october):
    assert october.span.days_loaded == october.span.days_in_month == 31
    assert not any(n.startswith("Partial month") for n in october.notes)
    assert len(october.by_day.rows) == 31


def test_free_tier_and_accelerators_not_estimated_are_noted(tmp_path):
    rows = [
        {"start": "2026-10-01T00:00:00Z", "service": "AmazonEC2", "region": "us-east-1",
         "usage_type": "BoxUsage:t3.micro", "unit": "Hrs", "amount": "24", "cost": "0"},
        {"start": "2026-10-01T00:00:00Z", "service": "AmazonEC2", "region": "us-east-1",
         "usage_type": "BoxUsage:p5.48xlarge", "unit": "Hrs", "amount": "2",
         "cost": "196.64", "vcpu": "192"},
    ]
    cur = write_cur(tmp_path / "x.csv", rows)
    with api.open_db(tmp_path / "x.duckdb") as db:
        api.ingest_aws_cur(db, [str(cur)])
        ccf = api.report(db, methodology="ccf", by="service")
        default = api.report(db, by="service")
    free = [n for n in default.notes if "free tier" in n]
    assert len(free) == 1 and free[0].startswith("1 usage line billed at zero cost (covered "
                                                 "by a reservation or savings plan, or free "
                                                 "tier) adds nothing to the cost column: 1 "
                                                 "estimated from its usage quantity")
    # CCF's GPU table has ten GPUs, not the H100 of a p5: said, with the instance type
    accel = [n for n in ccf.notes if n.startswith("GPUs and accelerators not counted by "
                                                  "methodology 'ccf'")]
    assert accel and "p5.48xlarge (Nvidia H100" in accel[0]
    assert not any(n.startswith("GPUs and accelerators not estimated") for n in default.notes)


def test_empty_key_in_by_is_an_error(tmp_path):
    from click.testing import CliRunner

    cur = write_cur(tmp_path / "x.csv", [{"start": "2026-10-01T00:00:00Z",
                                          "service": "AmazonEC2", "usage_type": "BoxUsage:m5.large",
                                          "unit": "Hrs", "amount": "1", "cost": "0.096"}])
    runner = CliRunner()
    db = str(tmp_path / "x.duckdb")
    assert runner.invoke(main, ["--db", db, "ingest", "aws-cur", str(cur)]).exit_code == 0
    for by in ("service,,region", "service,", ",service"):
        r = runner.invoke(main, ["--db", db, "report", "--by", by])
        assert r.exit_code == 1
        assert r.stderr.strip() == f"Error: --by {by!r}: an empty key (two commas, or a comma " \
            "at an end)"


def test_tags_lists_keys_with_their_cost_coverage(demo_db, tmp_path):
    """Against the bundled October CUR read with csv: lines with a team tag, their cost and
    its share of the gross cost."""
    from click.testing import CliRunner

    from ccf_py.demo import demo_file

    with gzip.open(demo_file(), "rt", newline="") as fh:
        rows = list(csv.DictReader(fh))
    gross = sum(abs(Decimal(r["lineItem/UnblendedCost"] or "0")) for r in rows)
    tagged = [r for r in rows if r["resourceTags/user:team"]]
    cost = sum(Decimal(r["lineItem/UnblendedCost"] or "0") for r in tagged)
    share = sum(abs(Decimal(r["lineItem/UnblendedCost"] or "0")) for r in tagged) / gross
    r = CliRunner().invoke(main, ["--db", str(demo_db), "tags", "--month", "2026-10",
                                  "--format", "json"])
    assert r.exit_code == 0, r.output
    team = next(t for t in json.loads(r.stdout)
                if t["provider"] == "aws" and t["tag_key"] == "team")
    assert team["lines"] == len(tagged)
    assert team["distinct_values"] == len({r["resourceTags/user:team"] for r in tagged})
    assert round(Decimal(str(team["cost"])), 2) == round(cost, 2)
    assert team["cost_share"] == pytest.approx(float(share), rel=1e-9)
    text = CliRunner().invoke(main, ["--db", str(demo_db), "tags", "--month", "2026-10"])
    assert re.search(rf"aws\s+USD\s+team\s+\d+\s+{len(tagged):,}\s+{cost:,.2f}\s+"
                     rf"{float(share):.1%}", text.stdout)


def test_csv_report_writes_its_notes_beside_it(demo_db, tmp_path):
    from click.testing import CliRunner

    out, notes = tmp_path / "r.csv", tmp_path / "notes.txt"
    r = CliRunner().invoke(main, ["--db", str(demo_db), "report", "--month", "2026-10",
                                  "--format", "csv", "--out", str(out), "--notes", str(notes)])
    assert r.exit_code == 0, r.output
    with api.open_db(demo_db, read_only=True) as db:
        table = api.report(db, month="2026-10")
    lines = notes.read_text().splitlines()
    assert lines[0].startswith("Of the CO2e, ") and lines[1:] == list(table.notes)
    assert list(csv.reader(out.open()))[0] == list(table.columns)  # the CSV stays plain


def test_sci_table_of_the_monthly_report(demo_db):
    """SCI per provider and service with the demo's units file: (O + M) / R from the grouped
    report of the month (kg -> g), R from the file read with csv; --gcp-cfe leaves it
    location-based."""
    from ccf_py.demo import UNITS_FILE, demo_file

    with open(demo_file(UNITS_FILE), newline="") as fh:
        units = {(r["provider"], r["service"]): float(r["units"]) for r in csv.DictReader(fh)}
    kg = {tuple(r[:2]): (r[2 + METRIC_COLUMNS.index("co2e_operational_kg")],
                         r[2 + METRIC_COLUMNS.index("co2e_embodied_kg")])
          for r in _totals(demo_db, "2026-10", "provider,service").rows}
    with api.open_db(demo_db, read_only=True) as db:
        monthly = api.monthly_report(db, month="2026-10", units=demo_file(UNITS_FILE))
        cfe = api.monthly_report(db, month="2026-10", units=demo_file(UNITS_FILE),
                                 gcp_cfe=True)
    rows = {r.keys: r for r in monthly.sci.rows}
    for key, r in units.items():
        op, emb = kg[key]
        assert rows[key].sci_gco2e_per_unit == pytest.approx((op + emb) * 1000 / r, rel=1e-9)
    assert sum(r.sci_gco2e_per_unit is not None for r in monthly.sci.rows) == len(units)
    # the same location-based figures (to the last bits of float sums), CFE or not
    for a, b in zip(cfe.sci.rows, monthly.sci.rows, strict=True):
        assert a.keys == b.keys and a.operational_gco2e == pytest.approx(b.operational_gco2e,
                                                                           rel=1e-12)
    assert cfe.totals["co2e_operational_kg"] != monthly.totals["co2e_operational_kg"]
    md = render_markdown(monthly)
    assert "## Software Carbon Intensity (SCI)" in md
    assert "No units (R) in demo_units_2026-10.csv for" in md


def test_instance_types_without_an_embodied_figure_are_noted(tmp_path):
    rows = [{"start": "2026-10-01T00:00:00Z", "service": "AmazonEC2", "region": "us-east-1",
             "usage_type": f"BoxUsage:{t}", "unit": "Hrs", "amount": "10", "cost": "1",
             "vcpu": "2"} for t in ("m7i.large", "m5.large")]
    cur = write_cur(tmp_path / "x.csv", rows)
    with api.open_db(tmp_path / "x.duckdb") as db:
        api.ingest_aws_cur(db, [str(cur)])
        table = api.report(db, by="instance_type")
    embodied = {r[0]: r[1 + METRIC_COLUMNS.index("co2e_embodied_kg")] for r in table.rows}
    assert embodied["m7i.large"] == 0 and embodied["m5.large"] > 0
    note = [n for n in table.notes if n.startswith("Embodied emissions unknown")]
    assert note == ["Embodied emissions unknown, counted as 0, for 1 instance type or size "
                    "without a published host figure: m7i.large."]


def test_usage_mistakes_are_one_line_too(demo_db):
    """click's own errors (unknown option or command, bad choice) in one line, exit 2."""
    import subprocess
    import sys

    for args, wanted in ((["report", "--bye", "service"], "No such option '--bye'"),
                         (["reprot"], "No such command 'reprot'"),
                         (["monthly", "--format", "pdf"], "'pdf' is not one of")):
        r = subprocess.run([sys.executable, "-m", "ccf_py.cli", "--db", str(demo_db), *args],
                           capture_output=True, text=True, timeout=120, check=False)
        assert r.returncode == 2, args
        assert len(r.stderr.strip().splitlines()) == 1 and wanted in r.stderr, r.stderr


def test_report_names_its_currency_and_the_months_it_adds_up(demo_db):
    from click.testing import CliRunner

    r = CliRunner().invoke(main, ["--db", str(demo_db), "report", "--format", "json"])
    doc = json.loads(r.stdout)
    assert doc["currency"] == "USD"
    assert doc["notes"][0] == ("Period: all loaded months, 2026-09 to 2026-10 (2 billing "
                               "periods) added up; --month YYYY-MM for one.")
    one = CliRunner().invoke(main, ["--db", str(demo_db), "report", "--month", "2026-10"])
    assert one.stdout.splitlines()[0].split()[:3] == ["service", "cost", "(USD)"]
    assert "Period: all loaded months" not in one.stdout


def test_the_monthly_report_refuses_marginal_intensity(demo_db):
    from ccf_py.errors import ConfigError

    with api.open_db(demo_db, read_only=True) as db, pytest.raises(
            ConfigError, match="marginal intensity is a consequential figure"):
        api.monthly_report(db, month="2026-10", intensity="marginal")
