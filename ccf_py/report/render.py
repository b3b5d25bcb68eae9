"""Render a :class:`~ccf_py.model.ReportTable` as a terminal table, CSV, JSON, Markdown or HTML.

Pure text: rows in, a string out. CSV and JSON are for machines (full precision, raw column names);
``table``, ``md`` and ``html`` are for people (rounded numbers, a total row, readable headers).
The Markdown and HTML building blocks here (:func:`md_table`, :func:`html_table`,
:func:`html_page`) are reused by :mod:`ccf_py.report.monthly`.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Mapping, Sequence
from html import escape

from ccf_py import currency
from ccf_py.errors import ConfigError
from ccf_py.model import METRIC_COLUMNS, TAG_COLUMNS, CoverageRow, ReportTable
from ccf_py.report import svg

FORMATS: tuple[str, ...] = ("table", "csv", "json", "md", "html")
NO_DATA = "No data: the report has no rows."
TOP_N_CHART = 15

COLUMN_LABELS = {
    "cost": "Cost",
    "energy_kwh": "Energy (kWh)",
    "gpu_energy_kwh": "of which GPU (kWh)",
    "co2e_operational_kg": "Operational CO\u2082e (kg)",
    "co2e_embodied_kg": "Embodied CO\u2082e (kg)",
    "co2e_total_kg": "Total CO\u2082e (kg)",
    "usage_class": "Usage class",
    "usage_type": "Usage type",
    "instance_type": "Instance type",
    "resource_id": "Resource ID",
}

# An extra computed column: (header, cell(metrics) -> text). ``metrics`` maps METRIC_COLUMNS to
# floats, for a data row and for the total row alike.
Extra = tuple[str, Callable[[Mapping[str, float]], str]]


def render_table(table: ReportTable, fmt: str) -> str:
    """Render ``table`` in ``fmt`` (one of :data:`FORMATS`); raise ConfigError for another."""
    renderers: dict[str, Callable[[ReportTable], str]] = {
        "table": render_text, "csv": render_csv, "json": render_json,
        "md": render_markdown, "html": render_html,
    }
    if fmt not in renderers:
        raise ConfigError(f"unknown format {fmt!r}; valid formats: {', '.join(FORMATS)}")
    return renderers[fmt](table)


def confidence_line(coverage: Sequence[CoverageRow], methodology: str = "default") -> str:
    """One line saying how far to trust a report: the shares of its CO2e estimated from usage
    quantities, with fallback coefficients and extrapolated from cost ratios, and the usage
    that could not be estimated at all (it counts as zero), with its share of the usage cost;
    when that share is half or more, the line starts with it ("Only 2% of the usage cost could
    be estimated: ..."), so the shares of what was found cannot read as confidence."""
    total = sum(c.co2e_total_kg for c in coverage)
    share = {p: sum(c.co2e_total_kg for c in coverage if c.path == p) / total if total else 0.0
             for p in ("direct", "fallback", "from_cost")}
    if total:
        line = (f"Of the CO2e, {share['direct']:.1%} is estimated from usage quantities, "
                f"{share['fallback']:.1%} with fallback coefficients and "
                f"{share['from_cost']:.1%} extrapolated from cost ratios")
    else:
        line = "No CO2e could be estimated"
    if share["from_cost"] > 0.5:
        line += " (mostly extrapolated: a rough estimate)"
    missing = [c for c in coverage if c.path in ("none", "not_estimable")]
    if missing:
        rows = sum(c.rows for c in missing)
        why = ("CCF's methodology gives them no estimate" if methodology == "ccf" else
               "too little directly estimated usage to extrapolate from")
        shares = _unestimated_shares(coverage, missing)
        if max(shares.values()) >= MOSTLY_UNESTIMATED:  # the shares above would hide it
            return _mostly_unestimated(line, rows, coverage, missing, shares, why, bool(total))
        line += (f". Not estimated: {rows:,} usage row{'s' if rows != 1 else ''} costing "
                 f"{_missing_cost(coverage, missing)}; "
                 f"{why}); {'they count' if rows != 1 else 'it counts'} as zero")
    return line + "."


def _unestimated_shares(coverage: Sequence[CoverageRow],
                        missing: Sequence[CoverageRow]) -> dict[str, float]:
    """Per currency: the share of the usage cost (absolute) that got no estimate. Shares, not
    amounts, so currencies are never added."""
    out = {}
    for code in sorted({c.currency for c in coverage}):
        usage = sum(abs(c.cost) for c in coverage if c.path != "non_usage"
                    and c.currency == code)
        lost = abs(sum(c.cost for c in missing if c.currency == code))
        out[code] = lost / usage if usage else 0.0
    return out or {"": 0.0}


def _missing_cost(coverage: Sequence[CoverageRow], missing: Sequence[CoverageRow]) -> str:
    """"3.40 (2% of the usage cost" (without the closing parenthesis), per currency when the
    coverage is in several: costs are never added across currencies."""
    shares = _unestimated_shares(coverage, missing)
    cost = currency.fold_unknown((c.currency, c.cost) for c in missing)
    if len(shares) <= 1:
        return f"{currency.format_costs(cost)} ({_percent(next(iter(shares.values())))} of " \
               "the usage cost"
    listed = ", ".join(f"{currency.label(c)} {_percent(v)}" for c, v in shares.items()
                       if c in cost)
    return f"{currency.format_costs(cost)} (of the usage cost in each currency: {listed}"


def _percent(share: float) -> str:
    """A share as a whole percentage that never rounds a part to all or nothing: '<1%' and
    '>99%' at the ends (99.5% is not 100%)."""
    if 0 < share < 0.005:
        return "<1%"
    if 0.995 <= share < 1:
        return ">99%"
    return f"{share:.0%}"


# from this share of the usage cost without an estimate (in any one currency), the confidence
# line starts with it
MOSTLY_UNESTIMATED = 0.5


def _mostly_unestimated(shares_line: str, rows: int, coverage: Sequence[CoverageRow],
                        missing: Sequence[CoverageRow], shares: Mapping[str, float], why: str,
                        found: bool) -> str:
    """The confidence line when most of the usage cost (of one currency at least) got no
    estimate: that first, then how the CO2e that was found was estimated (``shares_line``:
    'Of the CO2e, ...')."""
    cost = currency.fold_unknown((c.currency, c.cost) for c in missing)
    if len(shares) == 1:
        unestimated = next(iter(shares.values()))
        estimated = 1 - unestimated
        head = ("None of the usage cost could be estimated" if estimated <= 0 else
                f"Only {_percent(estimated)} of the usage cost could be estimated")
        lost = f"{currency.format_costs(cost)} ({_percent(unestimated)})"
    else:
        head = ("Most of the usage cost in "
                + ", ".join(currency.label(c) for c, v in shares.items()
                            if v >= MOSTLY_UNESTIMATED) + " could not be estimated")
        lost = _missing_cost(coverage, missing) + ")"
    tail = (shares_line.replace("Of the CO2e, ", "Of the CO2e found, ", 1) if found
            else "No CO2e was found")
    return (f"{head}: {rows:,} usage row{'s' if rows != 1 else ''} costing {lost} got no "
            f"estimate ({why}) and count{'' if rows != 1 else 's'} as zero. {tail}.")


# --- cell formatting -------------------------------------------------------------------------

def metric_label(table: ReportTable, column: str) -> str:
    """A metric's header: the cost with its currency when the table has one."""
    if column == "cost" and table.currency:
        return f"Cost ({table.currency})"
    return column_label(column)


def column_label(column: str) -> str:
    if column in COLUMN_LABELS:
        return COLUMN_LABELS[column]
    if column.startswith("tag:"):
        return f"Tag: {column[4:]}"
    return column.replace("_", " ").capitalize()


def format_metric(column: str, value: float | None) -> str:
    """Cost with 2 decimals, physical quantities with 3; below 0.001 three significant
    digits (0.000959), never scientific notation."""
    if value is None:
        return ""
    v = float(value)
    if column == "cost":
        return f"{v:,.2f}"
    if v == 0 or abs(v) >= 0.001 or not math.isfinite(v):
        return f"{v:,.3f}"
    return svg.fmt_value(v)


def key_text(value: object) -> str:
    """Display text of a key; CSV/JSON keep '' (rows without a region, tag...), people see
    '(none)'."""
    return "(none)" if value is None or value == "" else str(value)


def metrics_of(table: ReportTable, row: Sequence) -> dict[str, float]:
    n = len(table.keys)
    return {m: float(row[n + i] or 0) for i, m in enumerate(METRIC_COLUMNS)}


def row_label(table: ReportTable, row: Sequence) -> str:
    return " / ".join(key_text(v) for v in row[: len(table.keys)]) or "(all)"


def _key_columns(table: ReportTable) -> tuple[str, ...]:
    """Key columns for display; a key-less table gets one blank column to hold 'Total'."""
    return table.keys or ("",)


def _key_cells(table: ReportTable, row: Sequence) -> list[str]:
    return [key_text(v) for v in row[: len(table.keys)]] or [""]


def _display_rows(table: ReportTable, extra: Sequence[Extra] = (),
                  total_label: str = "TOTAL") -> list[list[str]]:
    """Formatted cells: one list per data row, then the :func:`footer_count` total rows: with
    rows in several currencies a total per currency ("TOTAL EUR"), then the total of energy
    and CO2e, whose cost cell says "2 currencies" (costs are never added across them)."""
    out = []
    for row in table.rows:
        m = metrics_of(table, row)
        out.append(_key_cells(table, row)
                   + [format_metric(c, row[len(table.keys) + i])
                      for i, c in enumerate(METRIC_COLUMNS)]
                   + [cell(m) for _, cell in extra])
    pad = [""] * (len(_key_columns(table)) - 1)
    per_currency = table.totals_by_currency()
    for code, sub in _subtotals(table).items():
        out.append([f"{total_label} {currency.label(code)}", *pad]
                   + [format_metric(c, sub[c]) for c in METRIC_COLUMNS]
                   + [cell(sub) for _, cell in extra])
    totals = table.totals()
    out.append([total_label, *pad]
               + [currency.several_word(per_currency) if c == "cost" and per_currency
                  else format_metric(c, totals[c]) for c in METRIC_COLUMNS]
               + [cell(totals) for _, cell in extra])
    return out


def _subtotals(table: ReportTable) -> dict[str, dict[str, float]]:
    """The per-currency total rows: none when each currency is one row (``--by currency``)
    and the rows themselves are the totals."""
    per_currency = table.totals_by_currency()
    if len(table.rows) == len(per_currency):
        return {}
    return per_currency


def footer_count(table: ReportTable) -> int:
    """How many total rows end :func:`_display_rows`: one, plus one per currency when the
    rows are in several (and a currency has more than one row)."""
    return 1 + len(_subtotals(table))


# --- machine formats ---------------------------------------------------------------------------

def _json_value(value: object) -> object:
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    try:
        return _json_value(float(value))  # Decimal and other numbers
    except (TypeError, ValueError):
        return str(value)                 # dates and anything else


def render_json(table: ReportTable) -> str:
    """One JSON object: what the numbers are (methodology, period, ccf_py version, coefficient
    fingerprint), how far to trust them (coverage, confidence, notes), then the rows."""
    from ccf_py import __version__, coefficients

    rows = [{c: _json_value(v) for c, v in zip(table.columns, row, strict=True)}
            for row in table.rows]
    doc = {
        "methodology": table.methodology,
        "period": table.month or "all loaded months",
        "ccf_py_version": __version__,
        "coefficients_fingerprint": coefficients.fingerprint(),
        "keys": list(table.keys),
        "currency": table.currency or None,  # None: several (a key) or unknown
        "confidence": confidence_line(table.coverage, table.methodology),
        "notes": list(table.notes),
        # per estimation path and currency: costs are never added across currencies
        "coverage": [{"estimate_path": c.path, "rows": c.rows, "cost": _json_value(c.cost),
                      "currency": c.currency or None,
                      "co2e_total_kg": _json_value(c.co2e_total_kg)} for c in table.coverage],
        "rows": rows,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int):  # bool included
        return str(value)
    try:
        return repr(float(value))
    except (TypeError, ValueError):
        return str(value)


def render_csv(table: ReportTable) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_csv_value(v) for v in row])
    return buf.getvalue()


def render_tags(rows: Sequence[tuple], fmt: str) -> str:
    """``ccf-py tags`` rows (``api.TAG_COLUMNS``) as a terminal table, CSV or JSON."""
    if fmt == "json":
        return json.dumps([{c: _json_value(v) for c, v in zip(TAG_COLUMNS, r, strict=True)}
                           for r in rows], indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(TAG_COLUMNS)
        writer.writerows([[_csv_value(v) for v in r] for r in rows])
        return buf.getvalue()
    if not rows:
        return "No billed line carries a tag or label.\n"
    header = ["Provider", "Currency", "Tag key", "Values", "Lines", "Cost", "Share of cost"]
    body = [[p, c, k, f"{n:,}", f"{lines:,}", f"{cost:,.2f}",
             f"{share:.1%}" if share is not None else "\u2013"]
            for p, c, k, n, lines, cost, share in rows]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    out = ["  ".join(c.ljust(w) if i < 3 else c.rjust(w)
                     for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip()
           for r in [header, *body]]
    return "\n".join(out) + "\n"


# --- terminal table ----------------------------------------------------------------------------

def render_text(table: ReportTable) -> str:
    """Aligned columns for a terminal: keys left, numbers right, a rule and a TOTAL line, then
    the notes a reader needs (how far to trust the numbers, fallbacks, partial months)."""
    header = list(_key_columns(table)) + [
        f"cost ({table.currency})" if c == "cost" and table.currency else c
        for c in METRIC_COLUMNS]
    nkeys = len(_key_columns(table))
    if not table.rows:
        return "  ".join(header) + "\n" + NO_DATA + "\n"
    body = _display_rows(table)
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if i < nkeys else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    foot = footer_count(table)
    lines = [line(header), rule, *(line(r) for r in body[:-foot]), rule,
             *(line(r) for r in body[-foot:])]
    notes = [f"- {n}" for n in report_notes(table)]
    return "\n".join([*lines, "", "Notes:", *notes]) + "\n"


def notes_text(table: ReportTable) -> str:
    """The notes of a report as plain text, one per line (``report --notes FILE``)."""
    return "".join(f"{n}\n" for n in report_notes(table))


# --- Markdown ----------------------------------------------------------------------------------

def md_escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;")
            .replace(">", "&gt;").replace("\r", " ").replace("\n", " "))


def report_notes(table: ReportTable) -> tuple[str, ...]:
    """What a reader must know beside the numbers: how far to trust them, then the
    report's own notes (currencies, market-based factors, assumptions used)."""
    return (confidence_line(table.coverage, table.methodology), *table.notes)


def render_markdown(table: ReportTable) -> str:
    """A Markdown report: the methodology, the table and its notes (a file saved with
    --out carries its caveats, not only the terminal)."""
    notes = "".join(f"- {md_escape(n)}\n" for n in report_notes(table))
    return (f"Methodology `{table.methodology}`"
            f"{f' · {table.month}' if table.month else ''}\n\n{md_table(table)}\n{notes}")


def md_table(table: ReportTable, extra: Sequence[Extra] = (), total_label: str = "TOTAL") -> str:
    """A GitHub Markdown table: header, one line per row, a bold total line."""
    if not table.rows:
        return f"_{NO_DATA}_\n"
    keys = _key_columns(table)
    header = [column_label(k) for k in keys] + [metric_label(table, c) for c in METRIC_COLUMNS]
    header += [h for h, _ in extra]
    align = ["---"] * len(keys) + ["---:"] * (len(header) - len(keys))
    body = _display_rows(table, extra, total_label)
    foot = footer_count(table)
    body[-foot:] = [[f"**{c}**" if c else "" for c in r] for r in body[-foot:]]
    lines = [header, align, *body]
    return "\n".join("| " + " | ".join(md_escape(c) if c not in ("---", "---:") else c
                                       for c in cells) + " |" for cells in lines) + "\n"


# --- HTML --------------------------------------------------------------------------------------

PAGE_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f6f5; color: #1d2320;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 40px; background: #fff; }
h1 { font-size: 1.8rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 34px 0 10px; padding-bottom: 4px;
  border-bottom: 2px solid #e3e8e5; }
.subtitle { color: #55605a; margin: 0 0 18px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; }
.card { border: 1px solid #dfe5e2; border-radius: 8px; padding: 12px 14px; background: #fafcfb; }
.card .label { color: #55605a; font-size: .85rem; }
.card .value { font-size: 1.45rem; font-weight: 650; font-variant-numeric: tabular-nums; }
.card .unit { color: #55605a; font-size: .85rem; margin-left: 3px; }
.card.main { border-color: #2a7f62; background: #eef7f3; }
.card .delta { color: #55605a; font-size: .8rem; }
.confidence { margin: 14px 0 0; padding: 10px 14px; border-left: 4px solid #2a7f62;
  background: #f3f8f6; }
.confidence.warn { border-color: #b3261e; background: #fdf0ef; font-weight: 600; }
figure { margin: 8px 0 14px; }
figcaption { color: #55605a; font-size: .85rem; }
svg.chart { display: block; max-width: 100%; height: auto;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; margin: 6px 0 10px; }
caption { text-align: left; font-weight: 600; padding: 4px 0; color: #333; }
th, td { padding: 5px 8px; border-bottom: 1px solid #e6eae8; vertical-align: top; }
thead th { background: #eef2f0; text-align: left; font-weight: 600; }
tbody tr:nth-child(even) { background: #f9fbfa; }
tfoot th, tfoot td { font-weight: 700; border-top: 2px solid #b9c4bf; border-bottom: none; }
th[scope=row] { text-align: left; font-weight: 500; }
td.num { white-space: nowrap; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
thead th.num { text-align: right; }
.key { white-space: nowrap; }
.key.wrap { white-space: normal; overflow-wrap: anywhere; min-width: 12em; max-width: 420px; }
.muted, footer { color: #55605a; font-size: .85rem; }
footer { margin-top: 36px; border-top: 1px solid #e3e8e5; padding-top: 10px; }
code { font-size: .9em; background: #f0f2f1; padding: 0 3px; border-radius: 3px; }
details summary { cursor: pointer; color: #2a5d8a; margin: 6px 0; }
@media print { body { background: #fff; } main { padding: 0; } h2 { break-after: avoid; } }
"""


def html_page(title: str, body: str) -> str:
    """A complete, self-contained HTML document (inline CSS, no scripts, no external assets)."""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{escape(title)}</title>\n<style>{PAGE_CSS}</style>\n</head>\n"
            f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n")


def _key_class(text: str) -> str:
    """Short keys (regions, accounts, days) never wrap; long ones (ARNs) may break anywhere."""
    return "key wrap" if len(text) > 32 else "key"


def html_table(table: ReportTable, caption: str = "", extra: Sequence[Extra] = (),
               total_label: str = "Total") -> str:
    """An accessible HTML table (``th scope``), numbers right-aligned, total row in ``tfoot``."""
    if not table.rows:
        return f'<p class="muted">{escape(NO_DATA)}</p>'
    keys = _key_columns(table)
    nkeys = len(keys)
    head = "".join(f'<th scope="col">{escape(column_label(k))}</th>' for k in keys)
    labels = [metric_label(table, c) for c in METRIC_COLUMNS] + [h for h, _ in extra]
    head += "".join(f'<th scope="col" class="num">{escape(h)}</th>' for h in labels)
    body = _display_rows(table, extra, total_label)
    nfoot = footer_count(table)
    rows = []
    for cells in body[:-nfoot]:
        k = [f'<th scope="row" class="{_key_class(cells[0])}">{escape(cells[0])}</th>']
        k += [f'<td class="{_key_class(c)}">{escape(c)}</td>' for c in cells[1:nkeys]]
        rows.append("<tr>" + "".join(k) + "".join(
            f'<td class="num">{escape(c)}</td>' for c in cells[nkeys:]) + "</tr>")
    foot = "".join(f'<tr><th scope="row" colspan="{nkeys}">{escape(total[0])}</th>'
                   + "".join(f'<td class="num">{escape(c)}</td>' for c in total[nkeys:])
                   + "</tr>" for total in body[-nfoot:])
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return (f'<div class="scroll"><table>{cap}<thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody><tfoot>{foot}</tfoot></table></div>')


def co2e_chart(table: ReportTable, title: str, top: int = TOP_N_CHART) -> str:
    """Stacked operational/embodied CO2e bars for the ``top`` rows by total CO2e."""
    ranked = sorted(table.rows, key=lambda r: -metrics_of(table, r)["co2e_total_kg"])[:top]
    ms = [metrics_of(table, r) for r in ranked]
    # label bars with the keys that tell them apart (e.g. the resource ID, not its one service)
    varying = [i for i in range(len(table.keys)) if len({r[i] for r in ranked}) > 1] or [0]
    labels = [" / ".join(key_text(r[i]) for i in varying) if table.keys else "(all)"
              for r in ranked]
    return svg.stacked_bar_chart(
        labels,
        [("Operational", [m["co2e_operational_kg"] for m in ms]),
         ("Embodied", [m["co2e_embodied_kg"] for m in ms])],
        title=title, unit="kg CO\u2082e")


def render_html(table: ReportTable) -> str:
    by = ", ".join(column_label(k) for k in table.keys) or "all usage"
    month = f" \u2014 {table.month}" if table.month else ""
    title = f"Carbon footprint by {by}{month}"
    chart_title = f"CO\u2082e (kg) by {by}, operational vs embodied, top {TOP_N_CHART}"
    body = (f"<h1>{escape(title)}</h1>\n"
            f'<p class="subtitle">Methodology: <code>{escape(table.methodology)}</code> \u00b7 '
            f"{len(table.rows):,} rows \u00b7 generated by ccf_py</p>\n"
            f"<figure>{co2e_chart(table, chart_title)}</figure>\n"
            f"{html_table(table, caption=f'Emissions, energy and cost by {by}')}\n"
            "<ul class=\"notes\">"
            + "".join(f"<li>{escape(n)}</li>" for n in report_notes(table)) + "</ul>")
    return html_page(title, body)
