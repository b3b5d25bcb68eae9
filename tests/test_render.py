"""Rendering of report tables and monthly reports: rows in, text out (no database involved)."""

from __future__ import annotations

import csv
import html
import io
import json
import math
import re
from dataclasses import replace

import pytest

from ccf_py.errors import ConfigError
from ccf_py.model import METRIC_COLUMNS, CoverageRow, MonthlyReport, ReportTable
from ccf_py.report import svg
from ccf_py.report.monthly import render_html as monthly_html
from ccf_py.report.monthly import render_markdown
from ccf_py.report.render import FORMATS, confidence_line, render_table

EVIL = "<script>alert(1)</script>"

# keys, then cost, energy_kwh, gpu_energy_kwh, operational, embodied, total (METRIC_COLUMNS)
ROWS = (
    ("Amazon EC2", "us-east-1", 1234.5678901234, 5678.123456789, 1234.000000001,
     2100.987654321, 310.123456789, 2411.111111110),
    ("Amazon S3", "eu-west-1", 99.1, 12.3456789, 0.0, 3.00000001, 0.5, 3.50000001),
    (EVIL, None, 0.01, 1e-7, 0.0, 2.5e-8, 0.0, 2.5e-8),
    ("Tax | VAT", "global", -5.25, 0.0, 0.0, 0.0, 0.0, 0.0),
)
TABLE = ReportTable(keys=("service", "region"), rows=ROWS, methodology="default",
                    month="2024-05")
EMPTY = ReportTable(keys=("service",), rows=(), methodology="default")


def _table(keys: tuple[str, ...], rows: list[tuple]) -> ReportTable:
    return ReportTable(keys=keys, rows=tuple(rows), methodology="default", month="2024-05")


def _metrics(n: int, scale: float) -> tuple[float, ...]:
    op, emb = scale * (n + 1), scale * (n + 1) * 0.25
    energy = scale * 9.7 * (n + 1)
    return (scale * 3.1 * (n + 1), energy, energy * 0.2, op, emb, op + emb)


def make_report() -> MonthlyReport:
    services = [f"Service {i}" for i in range(5)] + [EVIL]
    days = [f"2024-05-{d:02d}" for d in range(1, 11)]
    by_service = _table(("service",), [(s, *_metrics(i, 100)) for i, s in enumerate(services)])
    return MonthlyReport(
        month="2024-05", methodology="default", version="0.1.0",
        coefficients_fingerprint="abc123def456",
        totals=by_service.totals(),
        by_service=by_service,
        by_region=_table(("region",), [("us-east-1", *_metrics(3, 10)),
                                       ("eu-north-1", *_metrics(1, 10))]),
        by_account=_table(("account",), [("111122223333", *_metrics(2, 10))]),
        by_usage_class=_table(("usage_class",), [("compute", *_metrics(4, 10)),
                                                 ("storage", *_metrics(0, 10)),
                                                 ("non_usage", -3.0, 0.0, 0.0, 0.0, 0.0, 0.0)]),
        by_day=_table(("day",), [(d, *_metrics(i % 4, 2)) for i, d in enumerate(days)]),
        top_resources=_table(("resource_id", "service"),
                             [(f"i-{i:08x}", "Amazon EC2", *_metrics(i, 1)) for i in range(3)]),
        coverage=(CoverageRow("direct", 120, 900.0, 500.0),
                  CoverageRow("fallback", 10, 50.0, 20.0),
                  CoverageRow("from_cost", 5, 40.0, 10.0),
                  CoverageRow("non_usage", 3, -10.0, 0.0)),
        notes=(f"Tag values such as {EVIL} come from the billing file.",),
    )


def test_unknown_format_lists_valid_formats():
    with pytest.raises(ConfigError) as exc:
        render_table(TABLE, "xlsx")
    for fmt in FORMATS:
        assert fmt in str(exc.value)


def test_csv_round_trips_full_precision():
    text = render_table(TABLE, "csv")
    reader = csv.DictReader(io.StringIO(text))
    assert tuple(reader.fieldnames or ()) == TABLE.columns
    got = list(reader)
    assert len(got) == len(ROWS)
    for row, src in zip(got, ROWS, strict=True):
        assert row["service"] == src[0]
        assert row["region"] == ("" if src[1] is None else src[1])
        for i, col in enumerate(METRIC_COLUMNS):
            assert float(row[col]) == src[2 + i]  # exact: no rounding


def test_json_loads_to_same_values_in_column_order():
    doc = json.loads(render_table(TABLE, "json"))
    data = doc["rows"]
    assert data == TABLE.as_dicts()
    assert all(list(obj) == list(TABLE.columns) for obj in data)
    assert json.loads(render_table(EMPTY, "json"))["rows"] == []


def test_json_carries_what_the_numbers_are_and_how_far_to_trust_them():
    from ccf_py import __version__, coefficients

    table = replace(TABLE, notes=("Partial month 2024-05: 14 of 31 days loaded.",),
                    coverage=(CoverageRow("direct", 3, 10.0, 2.0),
                              CoverageRow("from_cost", 1, 5.0, 6.0)))
    doc = json.loads(render_table(table, "json"))
    assert doc["methodology"] == table.methodology
    assert doc["period"] == (table.month or "all loaded months")
    assert doc["ccf_py_version"] == __version__
    assert doc["coefficients_fingerprint"] == coefficients.fingerprint()
    assert doc["notes"] == ["Partial month 2024-05: 14 of 31 days loaded."]
    # 6 of the 8 kg came from cost ratios: 75.0%, and the line says it is mostly extrapolated
    assert "75.0% extrapolated from cost ratios (mostly extrapolated" in doc["confidence"]
    assert doc["coverage"][1] == {"estimate_path": "from_cost", "rows": 1, "cost": 5.0,
                                  "currency": None, "co2e_total_kg": 6.0}


def test_terminal_table_ends_with_the_notes():
    table = replace(TABLE, notes=("Regions without a grid factor used the AWS average.",))
    text = render_table(table, "table")
    tail = text.split("\nNotes:\n", 1)[1]
    assert tail.splitlines() == [f"- {confidence_line(table.coverage)}",
                                 "- Regions without a grid factor used the AWS average."]


def test_markdown_rows_header_and_total():
    text = render_table(TABLE, "md")
    lines = [ln for ln in text.splitlines() if ln.startswith("|")]
    assert len(lines) == len(ROWS) + 3  # header, alignment, rows, total
    assert "TOTAL" in lines[-1]
    assert "Tax \\| VAT" in text and EVIL not in text
    assert "&lt;script&gt;" in text
    total_cost = TABLE.totals()["cost"]
    assert f"{total_cost:,.2f}" in lines[-1]


def _parse(num: str) -> float:
    return float(num.replace(",", ""))


def test_text_table_total_row_equals_sum():
    lines = render_table(TABLE, "table").splitlines()
    assert lines[0].split()[:3] == ["service", "region", "cost"]
    total = next(line for line in lines if line.startswith("TOTAL")).split()
    totals = TABLE.totals()
    for value, col in zip(total[1:], METRIC_COLUMNS, strict=True):
        assert math.isclose(_parse(value), totals[col], abs_tol=0.006)
    assert totals["cost"] == pytest.approx(sum(r[2] for r in ROWS))
    # columns are aligned: every line of the body has the same width as its rule
    assert len(lines[1]) >= max(len(ln) for ln in lines[2:-2])


@pytest.mark.parametrize("fmt", ["table", "md", "html"])
def test_empty_table_says_no_data(fmt):
    assert "no data" in render_table(EMPTY, fmt).lower()


def test_empty_table_csv_is_header_only():
    assert render_table(EMPTY, "csv").splitlines() == [",".join(EMPTY.columns)]


def test_html_table_escapes_and_is_self_contained():
    page = render_table(TABLE, "html")
    assert EVIL not in page and html.escape(EVIL) in page
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert page.count("<svg") == 1 and 'role="img"' in page
    assert page.count('<th scope="row"') == len(ROWS) + 1


def test_monthly_html_structure_and_escaping():
    report = make_report()
    page = monthly_html(report)
    assert "<title>" in page and "<h1>" in page and "May 2024" in page
    assert "<script" not in page.lower() and html.escape(EVIL) in page
    assert page.count("<svg") == 4
    assert len(re.findall(r'<svg [^>]*role="img"[^>]*><title>[^<]+</title>', page)) == 4
    assert "abc123def456" in page and "0.1.0" in page
    for path in ("direct", "fallback", "from_cost", "non_usage"):
        assert f'<th scope="row">{path}</th>' in page
    total = report.totals["co2e_total_kg"]
    assert svg.fmt_value(total) in page
    assert f'{report.totals["cost"]:,.2f}' in page  # thousands separators


def test_monthly_markdown_sections():
    report = make_report()
    text = render_markdown(report)
    for heading in ("By service", "By region", "By account", "By usage class", "Daily trend",
                    "Top resources", "Coverage", "Notes"):
        assert f"## {heading}" in text
    assert EVIL not in text
    assert "abc123def456" in text
    assert re.search(r"\| direct \| .* \| 120 \|", text)


def test_monthly_report_with_no_rows_renders():
    empty = _table(("service",), [])
    report = MonthlyReport("2024-02", "ccf", "0.1.0", "ffff", {}, empty, empty, empty, empty,
                           empty, empty, ())
    page = monthly_html(report)
    assert page.count("<svg") == 4 and "No data" in page
    assert "no data" in render_markdown(report).lower()


def test_svg_ticks_cover_max():
    for vmax in (0.0034, 1, 7.3, 99, 1234.5, 5e6):
        ticks = svg.nice_ticks(vmax)
        assert ticks[0] == 0 and ticks[-1] >= vmax and 2 <= len(ticks) <= 7


def test_saved_markdown_and_html_carry_the_reports_notes():
    """A report saved with --out says what the terminal says on stderr: the confidence
    line and the report's notes (market-based factors, assumptions, currencies)."""
    import dataclasses

    noted = dataclasses.replace(TABLE, notes=("GCP rows use Google's CFE factors.",),
                                coverage=(CoverageRow("direct", 3, 10.0, 6.0),
                                          CoverageRow("from_cost", 1, 2.0, 2.0)))
    md = render_table(noted, "md")
    assert md.startswith("Methodology `default`")
    assert "- GCP rows use Google's CFE factors." in md
    assert "- Of the CO2e, 75.0% is estimated from usage quantities" in md
    html = render_table(noted, "html")
    assert "<li>GCP rows use Google&#x27;s CFE factors.</li>" in html
    assert "25.0% extrapolated from cost ratios" in html
