"""Render a :class:`~ccf_py.sci.SciTable` as a terminal table, CSV, JSON or Markdown (and an
HTML table for a page).

CSV and JSON are for machines: full precision, raw column names, empty / null where there is
no R or no SCI. ``table`` and ``md`` are for people: numbers with three significant digits
(never ``9.59e-04``), readable headers, and the boundary and notes under the table. There is
no total row: SCI scores of different keys and functional units are not added up.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Sequence
from html import escape

from ccf_py.errors import ConfigError
from ccf_py.report.render import _csv_value, _json_value, column_label, key_text, md_escape
from ccf_py.sci import SCI_METRICS, SciRow, SciTable

SCI_FORMATS: tuple[str, ...] = ("table", "csv", "json", "md")
NUM = ' class="num"'
NO_ROWS = "No data: no key has emissions or units in the period."

SCI_LABELS = {
    "month": "Month",
    "functional_unit": "Functional unit",
    "units": "R (units)",
    "energy_kwh": "E (kWh)",
    "intensity_gco2e_per_kwh": "I (g CO\u2082e/kWh)",
    "operational_gco2e": "O = E\u00d7I (g CO\u2082e)",
    "embodied_gco2e": "M (g CO\u2082e)",
    "sci_gco2e_per_unit": "SCI (g CO\u2082e per unit)",
}


def render_sci(table: SciTable, fmt: str) -> str:
    """Render ``table`` in ``fmt`` (one of :data:`SCI_FORMATS`); raise ConfigError otherwise."""
    renderers: dict[str, Callable[[SciTable], str]] = {
        "table": render_text, "csv": render_csv, "json": render_json, "md": render_markdown,
    }
    if fmt not in renderers:
        raise ConfigError(f"unknown format {fmt!r}; valid formats: {', '.join(SCI_FORMATS)}")
    return renderers[fmt](table)


# --- numbers for people --------------------------------------------------------------------------

def format_sig(value: float | None, digits: int = 3) -> str:
    """At least ``digits`` significant digits, thousands separated, never in scientific
    notation (0.000959, 12.3, 148,829); '' for no value."""
    if value is None:
        return ""
    v = float(value)
    if not math.isfinite(v):
        return str(v)
    if v == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(v))))
    return f"{v:,.{decimals}f}"


def format_units(value: float | None) -> str:
    """R as counted: whole numbers without decimals, fractions as given."""
    if value is None:
        return ""
    v = float(value)
    return f"{v:,.0f}" if v.is_integer() and abs(v) < 1e15 else format_sig(v, 6)


def _cells(row: SciRow) -> list[str]:
    return [row.month, *(key_text(k) for k in row.keys), row.functional_unit or "",
            format_units(row.units), format_sig(row.energy_kwh),
            format_sig(row.intensity_gco2e_per_kwh), format_sig(row.operational_gco2e),
            format_sig(row.embodied_gco2e), format_sig(row.sci_gco2e_per_unit)]


def _label(column: str) -> str:
    return SCI_LABELS.get(column) or column_label(column)


def caveats(table: SciTable) -> tuple[str, ...]:
    """The boundary, then the notes: what travels with every output of the table."""
    return (table.boundary.text(), *table.notes)


# --- machine formats -----------------------------------------------------------------------------

def render_csv(table: SciTable) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_csv_value(v) for v in row.values()])
    return buf.getvalue()


def render_json(table: SciTable) -> str:
    doc = {
        "ccf_py_version": table.version,
        "methodology": table.methodology,
        "period": table.period,
        "months": list(table.months),
        "keys": list(table.keys),
        "units_file": table.units_file,
        "formula": "SCI = ((E x I) + M) / R (Green Software Foundation SCI 1.1, "
                   "ISO/IEC 21031:2024)",
        "boundary": table.boundary.as_json(),
        "notes": list(table.notes),
        "rows": [{c: _json_value(v) for c, v in zip(table.columns, row.values(), strict=True)}
                 for row in table.rows],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


# --- terminal ------------------------------------------------------------------------------------

def render_text(table: SciTable) -> str:
    """Aligned columns (keys left, numbers right), then the boundary and notes."""
    header = list(table.columns)
    nleft = 2 + len(table.keys)  # month, keys, functional unit
    body = [_cells(r) for r in table.rows]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if i < nleft else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    lines = [line(header), rule, *(line(r) for r in body)] if body else [
        "  ".join(header), NO_ROWS]
    head = (f"SCI = ((E x I) + M) / R per {', '.join(table.keys)} · methodology "
            f"{table.methodology} · {table.period}")
    return "\n".join([head, "", *lines, "", *(f"- {c}" for c in caveats(table))]) + "\n"


# --- Markdown and HTML ---------------------------------------------------------------------------

def sci_md_table(table: SciTable) -> str:
    """A GitHub Markdown table of the rows (no total: scores are not added up)."""
    if not table.rows:
        return f"_{NO_ROWS}_\n"
    header = [_label(c) for c in table.columns]
    align = ["---"] * (2 + len(table.keys)) + ["---:"] * len(SCI_METRICS[1:])
    lines = ["| " + " | ".join(md_escape(h) for h in header) + " |",
             "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(md_escape(c) for c in _cells(r)) + " |" for r in table.rows]
    return "\n".join(lines) + "\n"


def render_markdown(table: SciTable) -> str:
    source = f" · units `{md_escape(table.units_file)}`" if table.units_file else ""
    notes = "".join(f"- {md_escape(n)}\n" for n in table.notes)
    return (f"Software Carbon Intensity (GSF SCI 1.1): SCI = ((E × I) + M) / R · methodology "
            f"`{table.methodology}` · {table.period}{source}\n\n{sci_md_table(table)}\n"
            f"{md_escape(table.boundary.text())}\n\n{notes}")


def sci_html_table(table: SciTable, caption: str = "") -> str:
    """An HTML table of the rows for a page (the CSS of :func:`ccf_py.report.render.html_page`)."""
    if not table.rows:
        return f'<p class="muted">{escape(NO_ROWS)}</p>'
    nleft = 2 + len(table.keys)
    head = "".join(f'<th scope="col"{NUM if i >= nleft else ""}>{escape(_label(c))}</th>'
                   for i, c in enumerate(table.columns))
    rows = []
    for r in table.rows:
        cells = _cells(r)
        rows.append(f'<tr><th scope="row" class="key">{escape(cells[0])}</th>'
                    + "".join(f'<td class="key">{escape(c)}</td>' for c in cells[1:nleft])
                    + "".join(f'<td class="num">{escape(c)}</td>' for c in cells[nleft:])
                    + "</tr>")
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return (f'<div class="scroll"><table>{cap}<thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')
