"""Render a :class:`~ccf_py.model.MonthlyReport` as Markdown or as one self-contained HTML page.

The page is what a FinOps team reads each month: headline totals, where the emissions come from
(service, region, account, usage class), the daily trend, the top resources, how much of the bill
was estimated by which path (coverage), caveats, and a footer identifying the methodology,
ccf_py version and coefficient tables. HTML has inline CSS and inline SVG only: no scripts, no
external assets. Every string that comes from billing data is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape

from ccf_py.model import CoverageRow, MonthlyReport, ReportTable
from ccf_py.report import svg
from ccf_py.report.render import (
    Extra,
    co2e_chart,
    format_metric,
    html_page,
    html_table,
    md_escape,
    md_table,
    metrics_of,
    row_label,
)

CO2E = "CO\u2082e"
DASH = "\u2013"

COVERAGE_PATHS = {
    "direct": "Estimated directly from usage quantities",
    "fallback": "Estimated from usage with a fallback coefficient",
    "from_cost": "Estimated from cost ratios (no usable usage quantity)",
    "not_estimable": "Not estimable: too little directly estimated usage to extrapolate "
                     "from (counted as zero)",
    "none": "No estimate in CCF's methodology (counted as zero)",
    "non_usage": "Non-usage rows (tax, credits, refunds, fees): no emissions",
}

CAVEATS = (
    "All figures are estimates computed from billing data and published coefficients, "
    "not measurements. Operational CO\u2082e depends on the grid carbon intensity assumed "
    "for each region; embodied CO\u2082e amortises hardware manufacturing over its lifetime. "
    "Rows estimated with fallback coefficients or from cost ratios are less certain."
)

HEADLINES = (  # (metric, label, unit)
    ("co2e_total_kg", f"Total {CO2E}", f"kg {CO2E}"),
    ("co2e_operational_kg", f"Operational {CO2E}", f"kg {CO2E}"),
    ("co2e_embodied_kg", f"Embodied {CO2E}", f"kg {CO2E}"),
    ("energy_kwh", "Energy", "kWh"),
    ("gpu_energy_kwh", "of which GPUs and accelerators", "kWh"),
    ("cost", "Cost", ""),
)


# --- shared helpers ----------------------------------------------------------------------------

def month_title(month: str) -> str:
    try:
        return datetime.strptime(month, "%Y-%m").strftime("%B %Y")
    except ValueError:
        return month


def pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole > 0 else DASH


def headline_value(metric: str, value: float) -> str:
    return format_metric("cost", value) if metric == "cost" else svg.fmt_value(value)


def headlines(report: MonthlyReport) -> tuple[tuple[str, str, str], ...]:
    """HEADLINES with the cost in the bills' currency (a monthly report has one)."""
    return tuple((m, label, report.currency if m == "cost" else unit)
                 for m, label, unit in HEADLINES)


def share_extra(report: MonthlyReport) -> Extra:
    grand = float(report.totals.get("co2e_total_kg", 0) or 0)
    return (f"Share of {CO2E}", lambda m: pct(m["co2e_total_kg"], grand))


def _intensity(m: Mapping[str, float]) -> str:
    kwh = m["energy_kwh"]
    return f"{m['co2e_operational_kg'] * 1000 / kwh:,.0f}" if kwh > 0 else DASH


INTENSITY_EXTRA: Extra = (f"Grid intensity (g {CO2E}/kWh)", _intensity)


def sorted_days(table: ReportTable) -> list[tuple]:
    return sorted(table.rows, key=lambda r: row_label(table, r))


def coverage_rows(report: MonthlyReport) -> tuple[list[list[str]], list[str]]:
    """Coverage cells (path, meaning, rows, cost, share of gross cost, CO2e) and a total row."""
    gross = sum(abs(c.cost) for c in report.coverage)
    rows = [[c.path, COVERAGE_PATHS.get(c.path, c.path.replace("_", " ")), f"{c.rows:,}",
             format_metric("cost", c.cost), pct(abs(c.cost), gross),
             format_metric("co2e_total_kg", c.co2e_total_kg)] for c in report.coverage]
    total = ["Total", "", f"{sum(c.rows for c in report.coverage):,}",
             format_metric("cost", sum(c.cost for c in report.coverage)),
             pct(gross, gross), format_metric("co2e_total_kg", _co2e(report.coverage))]
    return rows, total


def _co2e(rows: Sequence[CoverageRow]) -> float:
    return sum(c.co2e_total_kg for c in rows)


COVERAGE_HEADER = ("Estimation path", "What it means", "Rows", "Cost",
                   "Share of cost", f"{CO2E} (kg)")
COVERAGE_NOTE = ("Shares are of gross (absolute) cost, so credits and refunds do not push the "
                 "other shares past 100%.")


def footer_text(report: MonthlyReport) -> str:
    return (f"Methodology: {report.methodology} \u00b7 ccf_py {report.version} \u00b7 "
            f"coefficient fingerprint {report.coefficients_fingerprint} \u00b7 "
            f"report month {report.month}")


# --- Markdown ----------------------------------------------------------------------------------

def _sparkline(values: Sequence[float]) -> str:
    blocks = "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588"
    top = max(values, default=0)
    if top <= 0:
        return ""
    return "".join(blocks[min(7, int(max(v, 0) / top * 7.999))] for v in values)


def render_markdown(report: MonthlyReport) -> str:
    """The monthly report as GitHub Markdown (tables, a daily sparkline, no images)."""
    share = share_extra(report)
    out = [f"# Cloud carbon footprint \u2014 {month_title(report.month)}", "",
           f"Methodology `{report.methodology}` \u00b7 ccf_py {report.version}", "",
           "## Headline", "", "| Metric | Value |", "|---|---:|"]
    for metric, label, unit in headlines(report):
        value = headline_value(metric, float(report.totals.get(metric, 0) or 0))
        out.append(f"| {label} | {value} {unit} |".replace("  |", " |"))
    sections = (("By service", report.by_service, [share]),
                ("By region", report.by_region, [share, INTENSITY_EXTRA]),
                ("By account", report.by_account, [share]),
                ("By usage class", report.by_usage_class, [share]))
    for title, table, extra in sections:
        out += ["", f"## {title}", "", md_table(table, extra).rstrip()]
    days = sorted_days(report.by_day)
    spark = _sparkline([metrics_of(report.by_day, r)["co2e_total_kg"] for r in days])
    out += ["", "## Daily trend", ""]
    if spark:
        out += [f"Daily total {CO2E}: `{spark}`", ""]
    out.append(md_table(ReportTable(report.by_day.keys, tuple(days),
                                    report.by_day.methodology)).rstrip())
    out += ["", "## Top resources", "", md_table(report.top_resources, [share]).rstrip()]
    out += ["", "## Coverage", "", *_md_coverage(report)]
    out += ["", "## Notes", "", f"- {CAVEATS}", *(f"- {md_escape(n)}" for n in report.notes)]
    out += ["", "---", "", f"_{md_escape(footer_text(report))}_", ""]
    return "\n".join(out)


def _md_coverage(report: MonthlyReport) -> list[str]:
    if not report.coverage:
        return ["_No coverage data._"]
    rows, total = coverage_rows(report)
    lines = ["| " + " | ".join(COVERAGE_HEADER) + " |", "|---|---|---:|---:|---:|---:|"]
    lines += ["| " + " | ".join(md_escape(c) for c in r) + " |" for r in rows]
    lines.append("| " + " | ".join(f"**{c}**" if c else "" for c in total) + " |")
    return [*lines, "", COVERAGE_NOTE]


# --- HTML --------------------------------------------------------------------------------------

def _cards(report: MonthlyReport) -> str:
    cards = []
    for i, (metric, label, unit) in enumerate(headlines(report)):
        value = headline_value(metric, float(report.totals.get(metric, 0) or 0))
        cls = "card main" if i == 0 else "card"
        cards.append(f'<div class="{cls}"><div class="label">{escape(label)}</div>'
                     f'<div class="value">{escape(value)}<span class="unit">{escape(unit)}'
                     "</span></div></div>")
    return f'<section class="cards" aria-label="Headline totals">{"".join(cards)}</section>'


def _section(title: str, *parts: str) -> str:
    return f"<section>\n<h2>{escape(title)}</h2>\n" + "\n".join(p for p in parts if p) \
        + "\n</section>"


def _figure(chart: str, caption: str) -> str:
    return f"<figure>{chart}<figcaption>{escape(caption)}</figcaption></figure>"


def _usage_class_chart(table: ReportTable) -> str:
    ranked = sorted(table.rows, key=lambda r: -metrics_of(table, r)["co2e_total_kg"])
    return svg.bar_chart([row_label(table, r) for r in ranked],
                         [metrics_of(table, r)["co2e_total_kg"] for r in ranked],
                         title=f"Total {CO2E} (kg) by usage class", unit=f"kg {CO2E}")


def _daily(report: MonthlyReport) -> str:
    table = report.by_day
    days = sorted_days(table)
    chart = svg.line_chart([row_label(table, r) for r in days],
                           [metrics_of(table, r)["co2e_total_kg"] for r in days],
                           title=f"Daily total {CO2E} (kg)", unit=f"kg {CO2E}")
    sorted_table = ReportTable(table.keys, tuple(days), table.methodology, table.month)
    details = (f"<details><summary>Daily figures ({len(days)} days)</summary>"
               f"{html_table(sorted_table)}</details>")
    return _section("Daily trend", _figure(chart, f"Total {CO2E} per day (kg)."), details)


def _html_coverage(report: MonthlyReport) -> str:
    if not report.coverage:
        return _section("Coverage", '<p class="muted">No coverage data.</p>')
    rows, total = coverage_rows(report)
    num = ' class="num"'
    head = "".join(f'<th scope="col"{num if i > 1 else ""}>{escape(h)}</th>'
                   for i, h in enumerate(COVERAGE_HEADER))

    def cells(r: list[str]) -> str:
        return (f'<th scope="row">{escape(r[0])}</th><td>{escape(r[1])}</td>'
                + "".join(f'<td class="num">{escape(c)}</td>' for c in r[2:]))

    body = "".join(f"<tr>{cells(r)}</tr>" for r in rows)
    table = (f'<div class="scroll"><table><caption>How the bill was estimated</caption>'
             f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
             f"<tfoot><tr>{cells(total)}</tr></tfoot></table></div>")
    return _section("Coverage", table, f'<p class="muted">{escape(COVERAGE_NOTE)}</p>')


def _notes(report: MonthlyReport) -> str:
    items = "".join(f"<li>{escape(n)}</li>" for n in report.notes)
    return _section("Notes", f"<p>{escape(CAVEATS)}</p>",
                    f"<ul>{items}</ul>" if items else "")


def render_html(report: MonthlyReport) -> str:
    """The monthly report as one self-contained HTML page (inline CSS and SVG, no scripts)."""
    share = share_extra(report)
    title = f"Cloud carbon footprint \u2014 {month_title(report.month)}"
    svc_title = f"{CO2E} (kg) by service, operational vs embodied"
    reg_title = f"{CO2E} (kg) by region, operational vs embodied"
    parts = [
        f"<header><h1>{escape(title)}</h1>"
        f'<p class="subtitle">Methodology <code>{escape(report.methodology)}</code> \u00b7 '
        f"ccf_py {escape(report.version)}</p></header>",
        _cards(report),
        _section("By service", _figure(co2e_chart(report.by_service, svc_title),
                                       "Top 15 services by total CO\u2082e."),
                 html_table(report.by_service, "Emissions, energy and cost by service",
                            [share])),
        _section("By region", _figure(co2e_chart(report.by_region, reg_title),
                                      "Top 15 regions by total CO\u2082e."),
                 html_table(report.by_region, "Emissions by region, with the implied grid "
                            "carbon intensity (operational CO\u2082e per kWh)",
                            [share, INTENSITY_EXTRA])),
        _section("By account", html_table(report.by_account, "Emissions by account", [share])),
        _section("By usage class", _figure(_usage_class_chart(report.by_usage_class),
                                           "Non-usage rows (tax, credits) carry no emissions."),
                 html_table(report.by_usage_class, "Emissions by usage class", [share])),
        _daily(report),
        _section("Top resources", html_table(report.top_resources,
                                             "Resources with the largest CO\u2082e", [share])),
        _html_coverage(report),
        _notes(report),
        f"<footer>{escape(footer_text(report))}</footer>",
    ]
    return html_page(title, "\n".join(parts))

