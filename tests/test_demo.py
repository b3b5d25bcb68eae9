"""`ccf-py demo` end to end, and the example report kept in reports/example/."""

from __future__ import annotations

import csv
import gzip
import re
from decimal import Decimal
from pathlib import Path

import pytest

from ccf_py import api
from ccf_py.demo import demo_file, run_demo

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    paths = run_demo(out)
    return out, paths


def test_demo_writes_database_and_reports(demo_out):
    out, paths = demo_out
    assert [p.name for p in paths] == ["demo.duckdb", "report.md", "report.html"]
    html = (out / "report.html").read_text()
    assert html.count("<svg") >= 3 and "<script" not in html
    assert "October 2026" in html


def test_demo_cost_reconciles_with_the_bundled_file(demo_out):
    out, _ = demo_out
    with gzip.open(demo_file(), "rt", newline="") as fh:
        total = sum((Decimal(r["lineItem/UnblendedCost"] or "0")
                     for r in csv.DictReader(fh)), Decimal(0))
    with api.open_db(out / "demo.duckdb", read_only=True) as db:
        t = api.report(db, by="usage_class", month="2026-10")
    assert round(Decimal(str(t.totals()["cost"])), 2) == round(total, 2)
    md = (out / "report.md").read_text()
    assert f"{round(total, 2):,}" in md


def test_demo_covers_every_usage_class_and_flags_fallbacks(demo_out):
    out, _ = demo_out
    with api.open_db(out / "demo.duckdb", read_only=True) as db:
        classes = {r[0] for r in api.report(db, by="usage_class").rows}
        paths = {r[0] for r in db.con.execute(
            "SELECT DISTINCT estimate_path FROM fct_usage_estimates").fetchall()}
    assert classes == {"compute", "memory", "storage", "network", "unknown", "non_usage"}
    assert paths == {"direct", "fallback", "from_cost", "non_usage"}
    assert "m7i.large" in (out / "report.md").read_text()


def test_example_report_is_current(demo_out):
    """reports/example/ is regenerated with `ccf-py demo --out-dir reports/example`."""
    out, _ = demo_out
    for name in ("report.md", "report.html"):
        kept = (ROOT / "reports" / "example" / name).read_text()
        assert (out / name).read_text() == kept, f"regenerate reports/example/{name}"


def test_markdown_totals_match_the_database(demo_out):
    out, _ = demo_out
    md = (out / "report.md").read_text()
    m = re.search(r"\| Total CO₂e \| ([\d,.]+) kg", md)
    with api.open_db(out / "demo.duckdb", read_only=True) as db:
        total = api.report(db, by=()).totals()["co2e_total_kg"]
    assert float(m.group(1).replace(",", "")) == pytest.approx(total, rel=0.01)
