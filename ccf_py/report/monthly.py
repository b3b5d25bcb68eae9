"""Render a :class:`~ccf_py.model.MonthlyReport` as Markdown or as one self-contained HTML page.

The page is what a FinOps team reads each month: headline totals, where the emissions come from
(service, region, account, usage class), the daily trend, the top resources, how much of the bill
was estimated by which path (coverage), caveats, and a footer identifying the methodology,
ccf_py version and coefficient tables. HTML has inline CSS and inline SVG only: no scripts, no
external assets. Every string that comes from billing data is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from html import escape

from ccf_py import currency
from ccf_py.model import METRIC_COLUMNS, CoverageRow, MonthlyReport, ReportTable
from ccf_py.report import svg
from ccf_py.report.render import (
    TOP_N_CHART,
    Extra,
    co2e_chart,
    column_label,
    format_metric,
    html_page,
    html_table,
    key_text,
    md_escape,
    md_table,
    metrics_of,
    row_label,
)
from ccf_py.report.sci_render import caveats, sci_html_table, sci_md_table

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
# metrics whose change against the month before the headline shows
CHANGED = ("co2e_total_kg", "energy_kwh", "cost")
MOSTLY_EXTRAPOLATED = 0.5  # share of CO2e from cost ratios above which the page warns


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


def headlines(report: MonthlyReport) -> tuple[tuple[str, str, str, str, str], ...]:
    """(metric, label, value, unit, change) per headline figure: the totals, the cost in the
    bills' currency, kg CO2e per 1,000 of that currency and the energy-weighted grid
    intensity; ``change`` is against the loaded month before (blank without one). Bills in
    several currencies give a cost and a kg CO2e per 1,000 per currency."""
    if report.by_currency is not None:
        return _headlines_per_currency(report, report.by_currency)
    rows = []
    for m, label, unit in HEADLINES:
        value = float(report.totals.get(m, 0) or 0)
        rows.append((m, label, headline_value(m, value),
                     report.currency if m == "cost" else unit, change_text(report, m)))
    per_cost, grid = report.kg_per_1000_cost, report.intensity_gco2e_per_kwh
    cur = report.currency or "of cost"
    rows.append(("kg_per_1000_cost", f"{CO2E} per 1,000 {cur}",
                 svg.fmt_value(per_cost) if per_cost is not None else DASH, f"kg {CO2E}", ""))
    rows.append(("intensity", "Grid intensity (energy-weighted)",
                 svg.fmt_value(grid) if grid is not None else DASH, f"g {CO2E}/kWh", ""))
    return tuple(rows)


def _headlines_per_currency(report: MonthlyReport, by_currency: ReportTable
                            ) -> tuple[tuple[str, str, str, str, str], ...]:
    """The headline of bills in several currencies: energy and CO2e totals, then one cost
    and one kg CO2e per 1,000 per currency (costs are never added across currencies)."""
    per = {str(r[0] or ""): metrics_of(by_currency, r) for r in by_currency.rows}
    rows = []
    for m, label, unit in HEADLINES:
        if m != "cost":
            value = float(report.totals.get(m, 0) or 0)
            rows.append((m, label, headline_value(m, value), unit, change_text(report, m)))
            continue
        for code in sorted(per):
            before = report.previous_costs.get(code) if report.previous_month else None
            rows.append(("cost", label, headline_value("cost", per[code]["cost"]),
                         currency.label(code), _change(before, per[code]["cost"])))
    for code in sorted(per):
        cost, kg = per[code]["cost"], per[code]["co2e_total_kg"]
        rows.append(("kg_per_1000_cost", f"{CO2E} per 1,000 {currency.label(code)}",
                     svg.fmt_value(1000 * kg / cost) if cost > 0 else DASH, f"kg {CO2E}", ""))
    grid = report.intensity_gco2e_per_kwh
    rows.append(("intensity", "Grid intensity (energy-weighted)",
                 svg.fmt_value(grid) if grid is not None else DASH, f"g {CO2E}/kWh", ""))
    return tuple(rows)


def change_text(report: MonthlyReport, metric: str) -> str:
    """"+4.6%" for a metric of CHANGED, when a month before is loaded (against it); blank
    for a cost the month before has none of in this currency."""
    if metric not in CHANGED or not report.previous_month:
        return ""
    if metric not in report.previous_totals:
        return ""
    return _change(float(report.previous_totals.get(metric, 0) or 0),
                   float(report.totals.get(metric, 0) or 0))


def _change(before: float | None, now: float) -> str:
    """"+4.6%", "new", "unchanged"; blank where there is nothing to compare with."""
    if before is None:
        return ""
    if before == 0:
        return "new" if now else "unchanged"
    return f"{(now - before) / abs(before):+.1%}"


def short_month(month: str) -> str:
    try:
        return datetime.strptime(month, "%Y-%m").strftime("%b %Y")
    except ValueError:
        return month


def period_text(report: MonthlyReport) -> str:
    """"31 of 31 days loaded" (and "partial month" when it is)."""
    span = report.span
    if span is None:
        return ""
    if span.first is None:
        return "days loaded unknown (no charge periods recorded)"
    text = f"{span.days_loaded} of {span.days_in_month} days loaded"
    return text + f" ({span.first:%d %b} to {span.last:%d %b}): partial month" \
        if span.partial else text


def extrapolated_share(report: MonthlyReport) -> float:
    total = sum(c.co2e_total_kg for c in report.coverage)
    part = sum(c.co2e_total_kg for c in report.coverage if c.path == "from_cost")
    return part / total if total else 0.0


def confidence_text(report: MonthlyReport) -> str:
    line = report.confidence
    if extrapolated_share(report) > MOSTLY_EXTRAPOLATED:
        return "Caution: most of this footprint is extrapolated from cost, not estimated " \
               "from usage. " + line
    return line


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
    """Coverage cells (path, meaning, rows, cost, share of gross cost, CO2e) and a total row.
    Bills in several currencies: a currency cell after the meaning, shares of each
    currency's gross cost, and a total row of rows and CO2e only (costs are never added
    across currencies)."""
    codes = sorted({c.currency for c in report.coverage})
    several = len(codes) > 1
    gross = {code: sum(abs(c.cost) for c in report.coverage if c.currency == code)
             for code in codes}
    rows = [[c.path, COVERAGE_PATHS.get(c.path, c.path.replace("_", " ")),
             *([currency.label(c.currency)] if several else []), f"{c.rows:,}",
             format_metric("cost", c.cost), pct(abs(c.cost), gross[c.currency]),
             format_metric("co2e_total_kg", c.co2e_total_kg)] for c in report.coverage]
    if several:
        return rows, ["Total", "", "", f"{sum(c.rows for c in report.coverage):,}",
                      currency.several_word(gross), "",
                      format_metric("co2e_total_kg", _co2e(report.coverage))]
    whole = sum(gross.values())
    total = ["Total", "", f"{sum(c.rows for c in report.coverage):,}",
             format_metric("cost", sum(c.cost for c in report.coverage)),
             pct(whole, whole), format_metric("co2e_total_kg", _co2e(report.coverage))]
    return rows, total


def coverage_header(report: MonthlyReport) -> tuple[str, ...]:
    """The coverage table's header: the cost column names its currency, or a currency
    column comes before it when the bills are in several."""
    codes = sorted({c.currency for c in report.coverage})
    if len(codes) > 1:
        return (*COVERAGE_HEADER[:2], "Currency", *COVERAGE_HEADER[2:])
    cost = f"Cost ({codes[0]})" if codes and codes[0] else "Cost"
    return tuple(cost if h == "Cost" else h for h in COVERAGE_HEADER)


def _co2e(rows: Sequence[CoverageRow]) -> float:
    return sum(c.co2e_total_kg for c in rows)


COVERAGE_HEADER = ("Estimation path", "What it means", "Rows", "Cost",
                   "Share of cost", f"{CO2E} (kg)")
COVERAGE_NOTE = ("Shares are of gross (absolute) cost, so credits and refunds do not push the "
                 "other shares past 100%.")


def fold_zero_rows(table: ReportTable) -> ReportTable:
    """Rows with no cost, energy or CO2e at all folded into one "other" row at the end (they
    say nothing one by one); one per currency in a table keyed by currency (the row keeps
    its currency, the label goes in the next key)."""
    n = len(table.keys)
    ci = table.keys.index("currency") if "currency" in table.keys and n > 1 else None
    groups: dict[object, list[tuple]] = {}
    for r in table.rows:
        if not any(float(v or 0) for v in r[n:]):
            groups.setdefault(r[ci] if ci is not None else None, []).append(r)
    folded = {code: rs for code, rs in groups.items() if len(rs) >= 2}
    if not folded:
        return table
    gone = {id(r) for rs in folded.values() for r in rs}
    kept = tuple(r for r in table.rows if id(r) not in gone)
    at = 0 if ci is None else (1 if ci == 0 else 0)  # the label's key column
    others = []
    for code, rs in folded.items():
        keys = [""] * n
        keys[at] = f"other ({len(rs)} with no cost, energy or {CO2E})"
        if ci is not None:
            keys[ci] = code
        others.append((*keys, *([0.0] * len(METRIC_COLUMNS))))
    return replace(table, rows=(*kept, *others))


def top_caption(table: ReportTable, noun: str, top: int = TOP_N_CHART) -> str:
    """"Top 15 of 29 services by total CO2e (kg)", or "All 7 services ..." when all fit."""
    n = len(table.rows)
    lead = f"Top {top} of {n}" if n > top else f"All {n}"
    return f"{lead} {noun} by total {CO2E} (kg), operational and embodied."


def subtotal_label(shown: int, total: int) -> str:
    """The footer of a table cut to its top rows: a subtotal of them, not the total."""
    return f"Top {shown} subtotal" if total > shown else "Total"


MOVERS_HEADER = ("Previous month (kg)", "This month (kg)", "Change (kg)", "Change")


def mover_rows(report: MonthlyReport) -> list[list[str]]:
    """Key cells, then CO2e of the month before, this month, change and change in %."""
    out = []
    for m in report.movers:
        pct_text = (f"{m.change_kg / m.previous_kg:+.1%}" if m.previous_kg else "new")
        if not m.current_kg:
            pct_text = "gone"
        out.append([*(key_text(k) for k in m.keys), format_metric("co2e_total_kg",
                                                                   m.previous_kg),
                    format_metric("co2e_total_kg", m.current_kg),
                    f"{m.change_kg:+,.3f}", pct_text])
    return out


def movers_intro(report: MonthlyReport) -> str:
    if not report.previous_month:
        return "No earlier month is loaded, so there is nothing to compare with."
    return (f"The {len(report.movers)} largest changes in total {CO2E} from "
            f"{month_title(report.previous_month)} to {month_title(report.month)}, either way.")


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


def _md_rows(header: Sequence[str], rows: Sequence[Sequence[str]], right_from: int) -> list[str]:
    align = ["---"] * right_from + ["---:"] * (len(header) - right_from)
    return ["| " + " | ".join(md_escape(c) if c not in ("---", "---:") else c for c in r)
            + " |" for r in (header, align, *rows)]


def render_markdown(report: MonthlyReport) -> str:
    """The monthly report as GitHub Markdown (tables, a daily sparkline, no images)."""
    share = share_extra(report)
    period = period_text(report)
    out = [f"# Cloud carbon footprint \u2014 {month_title(report.month)}", "",
           f"Methodology `{report.methodology}` \u00b7 ccf_py {report.version}"
           + (f" \u00b7 {period}" if period else ""), "",
           "## Headline", ""]
    if report.confidence:
        out += [f"> **{md_escape(confidence_text(report))}**", ""]
    when = f"Change vs {short_month(report.previous_month)}" if report.previous_month else ""
    out += ["| Metric | Value |" + (f" {when} |" if when else ""),
            "|---|---:|" + ("---:|" if when else "")]
    for _, label, value, unit, change in headlines(report):
        cells = [label, f"{value} {unit}".strip()] + ([change or DASH] if when else [])
        out.append("| " + " | ".join(md_escape(c) for c in cells) + " |")
    for title, table, extra in _tables(report, share):
        out += ["", f"## {title}", "", md_table(fold_zero_rows(table), extra).rstrip()]
    daily = _per_day(report.by_day)
    days = sorted_days(daily)
    spark = _sparkline([metrics_of(daily, r)["co2e_total_kg"] for r in days])
    out += ["", "## Daily trend", ""]
    if spark:
        out += [f"Daily total {CO2E} (kg), {days and row_label(daily, days[0])} to "
                f"{days and row_label(daily, days[-1])}: `{spark}`", ""]
    out.append(md_table(replace(report.by_day,
                                rows=tuple(sorted_days(report.by_day)))).rstrip())
    top = report.top_resources
    out += ["", "## Top resources", "", _resources_caption(report), "",
            md_table(top, [share], subtotal_label(len(top.rows),
                                                   report.resource_count)).rstrip()]
    out += ["", "## Top movers", "", movers_intro(report)]
    if report.movers:
        header = [column_label(k) for k in report.mover_keys] + list(MOVERS_HEADER)
        out += ["", *_md_rows(header, mover_rows(report), len(report.mover_keys))]
    if report.sci is not None:
        out += ["", "## Software Carbon Intensity (SCI)", "", SCI_INTRO, "",
                sci_md_table(report.sci).rstrip(), "", *(f"- {md_escape(n)}"
                                                        for n in sci_caveats(report))]
    out += ["", "## Coverage", "", *_md_coverage(report)]
    out += ["", "## Notes", "", f"- {CAVEATS}", *(f"- {md_escape(n)}" for n in report.notes)]
    out += ["", "---", "", f"_{md_escape(footer_text(report))}_", ""]
    return "\n".join(out)


def _tables(report: MonthlyReport, share: Extra) -> list[tuple[str, ReportTable, list[Extra]]]:
    tables = []
    providers = currency.without_currency(report.by_provider)  # several: keyed by currency
    if providers is not None and len(providers.rows) > 1:
        tables.append(("By provider", report.by_provider, [share, INTENSITY_EXTRA]))
    return [*tables, ("By service", report.by_service, [share]),
            ("By region", report.by_region, [share, INTENSITY_EXTRA]),
            ("By account", report.by_account, [share]),
            ("By usage class", report.by_usage_class, [share])]


def _resources_caption(report: MonthlyReport) -> str:
    shown, total = len(report.top_resources.rows), report.resource_count
    if not total:
        return "No billed line names a resource."
    lead = f"Top {shown} of {total:,}" if total > shown else f"All {total:,}"
    covered = any(metrics_of(report.top_resources, r)["cost"] == 0
                  and metrics_of(report.top_resources, r)["co2e_total_kg"] > 0
                  for r in report.top_resources.rows)
    why = (" Cost is the billed cost: a resource whose usage a reservation or savings plan "
           "covers shows 0.00 here (its cost is on the commitment's fee lines), free tier "
           "too; its emissions count in full." if covered else "")
    return f"{lead} resources by total {CO2E}.{why}"


def _md_coverage(report: MonthlyReport) -> list[str]:
    if not report.coverage:
        return ["_No coverage data._"]
    rows, total = coverage_rows(report)
    header = coverage_header(report)
    lines = ["| " + " | ".join(header) + " |",
             "|---|---|" + ("---|" if len(header) > len(COVERAGE_HEADER) else "")
             + "---:|---:|---:|---:|"]
    lines += ["| " + " | ".join(md_escape(c) for c in r) + " |" for r in rows]
    lines.append("| " + " | ".join(f"**{c}**" if c else "" for c in total) + " |")
    return [*lines, "", COVERAGE_NOTE]


# --- HTML --------------------------------------------------------------------------------------

def _cards(report: MonthlyReport) -> str:
    cards = []
    for i, (_, label, value, unit, change) in enumerate(headlines(report)):
        cls = "card main" if i == 0 else "card"
        when = short_month(report.previous_month or "")
        delta = f'<div class="delta">{escape(change)} vs {escape(when)}</div>' if change else ""
        cards.append(f'<div class="{cls}"><div class="label">{escape(label)}</div>'
                     f'<div class="value">{escape(value)}<span class="unit">{escape(unit)}'
                     f"</span></div>{delta}</div>")
    return f'<section class="cards" aria-label="Headline totals">{"".join(cards)}</section>'


def _confidence(report: MonthlyReport) -> str:
    if not report.confidence:
        return ""
    warn = extrapolated_share(report) > MOSTLY_EXTRAPOLATED
    return (f'<p class="confidence{" warn" if warn else ""}" role="note">'
            f"{escape(confidence_text(report))}</p>")


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


def _per_day(table: ReportTable) -> ReportTable:
    """The daily table summed over its currencies (CO2e adds up; the chart has one point a
    day); as it is when the bills are in one currency."""
    return currency.without_currency(table)  # type: ignore[return-value]


def _daily(report: MonthlyReport) -> str:
    table = _per_day(report.by_day)
    days = sorted_days(table)
    chart = svg.line_chart([row_label(table, r) for r in days],
                           [metrics_of(table, r)["co2e_total_kg"] for r in days],
                           title=f"Daily total {CO2E} (kg)", unit=f"kg {CO2E}",
                           x_label="Day (UTC)")
    # the page's table says its cost column's currency (a currency key with several)
    sorted_table = replace(report.by_day, rows=tuple(sorted_days(report.by_day)))
    details = (f"<details><summary>Daily figures ({len(days)} days)</summary>"
               f"{html_table(sorted_table)}</details>")
    period = period_text(report)
    caption = f"Total {CO2E} per day (kg), every day in date order" \
        + (f"; {period}." if period else ".")
    return _section("Daily trend", _figure(chart, caption), details)


def _movers(report: MonthlyReport) -> str:
    intro = f'<p class="muted">{escape(movers_intro(report))}</p>'
    if not report.movers:
        return _section("Top movers", intro)
    nkeys = len(report.mover_keys)
    header = [column_label(k) for k in report.mover_keys] + list(MOVERS_HEADER)
    num = ' class="num"'
    head = "".join(f'<th scope="col"{num if i >= nkeys else ""}>{escape(h)}</th>'
                   for i, h in enumerate(header))
    body = "".join(
        "<tr>" + f'<th scope="row">{escape(r[0])}</th>'
        + "".join(f"<td>{escape(c)}</td>" for c in r[1:nkeys])
        + "".join(f'<td class="num">{escape(c)}</td>' for c in r[nkeys:]) + "</tr>"
        for r in mover_rows(report))
    table = (f'<div class="scroll"><table><caption>Largest changes in total {CO2E}</caption>'
             f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")
    return _section("Top movers", intro, table)


SCI_INTRO = ("SCI = ((E \u00d7 I) + M) per R (Green Software Foundation SCI 1.1, ISO/IEC "
             "21031:2024), per service: E energy, I the location-based grid intensity, M "
             "embodied, R the functional units of a units file (ccf-py monthly --units FILE).")


def sci_caveats(report: MonthlyReport) -> list[str]:
    """The SCI table's boundary and its own notes (missing R...), without the notes the page
    already shows."""
    shown = {*report.notes, report.confidence}
    return [n for n in caveats(report.sci) if n not in shown]  # type: ignore[arg-type]


def _sci(report: MonthlyReport) -> str:
    if report.sci is None:
        return ""
    items = "".join(f"<li>{escape(n)}</li>" for n in sci_caveats(report))
    return _section("Software Carbon Intensity (SCI)", f"<p>{escape(SCI_INTRO)}</p>",
                    sci_html_table(report.sci, "SCI per service"),
                    f'<ul class="muted">{items}</ul>')


def _html_coverage(report: MonthlyReport) -> str:
    if not report.coverage:
        return _section("Coverage", '<p class="muted">No coverage data.</p>')
    rows, total = coverage_rows(report)
    num = ' class="num"'
    header = coverage_header(report)
    text = 2 + len(header) - len(COVERAGE_HEADER)  # path, meaning (and currency): text
    head = "".join(f'<th scope="col"{num if i >= text else ""}>{escape(h)}</th>'
                   for i, h in enumerate(header))

    def cells(r: list[str]) -> str:
        return (f'<th scope="row">{escape(r[0])}</th>'
                + "".join(f"<td>{escape(c)}</td>" for c in r[1:text])
                + "".join(f'<td class="num">{escape(c)}</td>' for c in r[text:]))

    body = "".join(f"<tr>{cells(r)}</tr>" for r in rows)
    table = (f'<div class="scroll"><table><caption>How the bill was estimated</caption>'
             f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
             f"<tfoot><tr>{cells(total)}</tr></tfoot></table></div>")
    return _section("Coverage", table, f'<p class="muted">{escape(COVERAGE_NOTE)}</p>')


def _notes(report: MonthlyReport) -> str:
    items = "".join(f"<li>{escape(n)}</li>" for n in report.notes)
    return _section("Notes", f"<p>{escape(CAVEATS)}</p>",
                    f"<ul>{items}</ul>" if items else "")


def _grouped_section(title: str, table: ReportTable, extra: list[Extra], noun: str,
                     chart: bool) -> str:
    folded = fold_zero_rows(table)
    figure = ""
    # charts show CO2e, which adds up across currencies: one bar per key, not per currency
    drawn: ReportTable = currency.without_currency(table)  # type: ignore[assignment]
    if chart:
        chart_title = f"{CO2E} (kg) by {noun.rstrip('s')}, operational vs embodied"
        figure = _figure(co2e_chart(drawn, chart_title), top_caption(drawn, noun))
    if title == "By usage class":
        figure = _figure(_usage_class_chart(drawn),
                         f"Total {CO2E} (kg) of each usage class; non-usage rows (tax, "
                         "credits) carry no emissions.")
    caption = f"Emissions, energy and cost {title.lower()}"
    return _section(title, figure, html_table(folded, caption, extra))


def render_html(report: MonthlyReport) -> str:
    """The monthly report as one self-contained HTML page (inline CSS and SVG, no scripts)."""
    share = share_extra(report)
    title = f"Cloud carbon footprint \u2014 {month_title(report.month)}"
    period = period_text(report)
    charted = {"By service": "services", "By region": "regions", "By provider": "providers"}
    top = report.top_resources
    parts = [
        f"<header><h1>{escape(title)}</h1>"
        f'<p class="subtitle">Methodology <code>{escape(report.methodology)}</code> \u00b7 '
        f"ccf_py {escape(report.version)}"
        + (f" \u00b7 {escape(period)}" if period else "") + "</p></header>",
        _cards(report),
        _confidence(report),
        *(_grouped_section(t, table, extra, charted.get(t, t[3:]), t in charted)
          for t, table, extra in _tables(report, share)),
        _daily(report),
        _section("Top resources", html_table(top, _resources_caption(report), [share],
                                             subtotal_label(len(top.rows),
                                                            report.resource_count))),
        _movers(report),
        _sci(report),
        _html_coverage(report),
        _notes(report),
        f"<footer>{escape(footer_text(report))}</footer>",
    ]
    return html_page(title, "\n".join(p for p in parts if p))
