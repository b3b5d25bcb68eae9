"""`ccf-py demo` end to end, and the example report kept in reports/example/."""

from __future__ import annotations

import csv
import gzip
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from ccf_py import api
from ccf_py.demo import AZURE_DEMO_FILE, GCP_DEMO_FILE, demo_file, run_demo

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


def _bundled_costs() -> dict[str, Decimal]:
    """Each bundled file's cost, read with csv/json (not ccf_py): AWS unblended cost; GCP
    cost plus credits; Azure Cost (the EA sample's column)."""
    with gzip.open(demo_file(), "rt", newline="") as fh:
        aws = sum((Decimal(r["lineItem/UnblendedCost"] or "0") for r in csv.DictReader(fh)),
                  Decimal(0))
    gcp = Decimal(0)
    with gzip.open(demo_file(GCP_DEMO_FILE), "rt") as fh:
        for line in fh:
            row = json.loads(line, parse_float=Decimal)
            gcp += row["cost"] + sum((c["amount"] for c in row["credits"]), Decimal(0))
    with gzip.open(demo_file(AZURE_DEMO_FILE), "rt", encoding="utf-8-sig", newline="") as fh:
        azure = sum((Decimal(r["Cost"]) for r in csv.DictReader(fh)),
                    Decimal(0))
    return {"aws": aws, "gcp": gcp, "azure": azure}


def test_demo_cost_reconciles_with_the_bundled_files(demo_out):
    out, _ = demo_out
    expected = _bundled_costs()
    with api.open_db(out / "demo.duckdb", read_only=True) as db:
        t = api.report(db, by="provider", month="2026-10")
    ours = {row[0]: Decimal(str(row[1])) for row in t.rows}
    assert set(ours) == set(expected)
    for provider, total in expected.items():
        assert round(ours[provider], 2) == round(total, 2), provider
    md = (out / "report.md").read_text()
    assert f"{round(sum(expected.values()), 2):,}" in md


def test_demo_covers_every_usage_class_and_flags_fallbacks(demo_out):
    out, _ = demo_out
    with api.open_db(out / "demo.duckdb", read_only=True) as db:
        classes = {r[0] for r in api.report(db, by="usage_class").rows}
        paths = {r[0] for r in db.con.execute(
            "SELECT DISTINCT estimate_path FROM fct_usage_estimates").fetchall()}
    assert classes == {"compute", "memory", "storage", "network", "unknown", "non_usage"}
    assert paths == {"direct", "fallback", "from_cost", "non_usage"}
    md = (out / "report.md").read_text()
    assert "Fallback coefficients: " in md and "serverless: AWS average watts" in md
    # m7i.large (not in CCF's tables) is sized by instance_types_extra.csv in default: no
    # longer a fallback (Sapphire Rapids watts)
    assert "m7i.large: CPU architecture unknown" not in md


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
        total = api.report(db, by=(), month="2026-10").totals()["co2e_total_kg"]
    # shown to three significant digits: 886 kg is within 0.5 kg of the total
    assert abs(float(m.group(1).replace(",", "")) - total) <= 0.5


def test_the_headline_cost_names_its_currency(demo_out):
    out, _ = demo_out
    md = (out / "report.md").read_text()
    total = sum(_bundled_costs().values())
    assert f"| Cost | {round(total, 2):,} USD |" in md     # every bundled bill is in USD
