"""Render a :class:`~ccf_py.compare.base.Comparison` as a terminal table, CSV, JSON or
Markdown. CSV and JSON keep full precision; table and Markdown are for people. Every format
carries the assumptions (CSV: ``--notes FILE`` / stderr, as ``report`` does)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from ccf_py.compare.base import Comparison
from ccf_py.errors import ConfigError
from ccf_py.report.render import _csv_value, _json_value, md_escape
from ccf_py.report.svg import fmt_value

FORMATS: tuple[str, ...] = ("table", "csv", "json", "md")


def render_comparison(comp: Comparison, fmt: str) -> str:
    renderers = {"table": render_text, "csv": render_csv, "json": render_json,
                 "md": render_markdown}
    if fmt not in renderers:
        raise ConfigError(f"unknown format {fmt!r}; valid formats: {', '.join(FORMATS)}")
    return renderers[fmt](comp)


def cell(column: str, value: object) -> str:
    """A value for people: costs with 2 decimals, percentages with 1, other numbers with
    three significant digits (never scientific notation), text as is."""
    if value is None:
        return "unknown" if column == "cost" or column.endswith("_cost") else "\u2013"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):  # a count (hours, ...)
        return f"{value:,}"
    if column == "cost" or column.endswith("_cost"):
        return f"{value:,.2f}"
    if column.endswith("_pct"):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return fmt_value(float(value))


def assumption_lines(comp: Comparison) -> list[str]:
    return [f"{a.name}: {a.value} (source: {a.source})" for a in comp.assumptions]


def _header(comp: Comparison) -> str:
    period = f" \u00b7 usage of {comp.period}" if comp.period else ""
    basis = f" \u00b7 {comp.basis}" if comp.basis else ""
    method = f" \u00b7 methodology {comp.methodology}" if comp.methodology else ""
    return f"What-if: {comp.kind}{method}{period}{basis}"


def render_text(comp: Comparison) -> str:
    body = [[cell(c, v) for c, v in zip(comp.columns, r, strict=True)] for r in comp.rows]
    head = list(comp.columns)
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]

    # text columns (the scenario, names, descriptions) left, numbers right
    text = [i == 0 or all(isinstance(r[i], str) or r[i] is None for r in comp.rows)
            for i in range(len(head))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if text[i] else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    out = [_header(comp), "", line(head), "  ".join("-" * w for w in widths),
           *(line(r) for r in body)]
    if comp.assumptions:
        out += ["", "Assumptions:", *(f"- {a}" for a in assumption_lines(comp))]
    if comp.notes:
        out += ["", "Notes:", *(f"- {n}" for n in comp.notes)]
    return "\n".join(out) + "\n"


def render_csv(comp: Comparison) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(comp.columns)
    for row in comp.rows:
        writer.writerow([_csv_value(v) for v in row])
    return buf.getvalue()


def render_json(comp: Comparison) -> str:
    from ccf_py import __version__

    doc = {"comparison": comp.kind, "methodology": comp.methodology, "period": comp.period,
           "basis": comp.basis, "ccf_py_version": __version__,
           "assumptions": [{"name": a.name, "value": a.value, "source": a.source}
                           for a in comp.assumptions],
           "notes": list(comp.notes),
           **{k: _json_value(v) if not isinstance(v, list | dict) else v
              for k, v in comp.extra.items()},
           "rows": [{c: _json_value(v) for c, v in zip(comp.columns, r, strict=True)}
                    for r in comp.rows]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def render_markdown(comp: Comparison) -> str:
    head = "| " + " | ".join(comp.columns) + " |"
    align = "|" + "|".join("---" if i == 0 else "---:" for i in range(len(comp.columns))) + "|"
    rows = ["| " + " | ".join(md_escape(cell(c, v)) for c, v in zip(comp.columns, r,
                                                                     strict=True)) + " |"
            for r in comp.rows]
    out = [f"**{md_escape(_header(comp))}**", "", head, align, *rows]
    if comp.assumptions:
        out += ["", "Assumptions:", "", *(f"- {md_escape(a)}" for a in assumption_lines(comp))]
    if comp.notes:
        out += ["", "Notes:", "", *(f"- {md_escape(n)}" for n in comp.notes)]
    return "\n".join(out) + "\n"


def notes_text(comp: Comparison) -> str:
    """Assumptions, then notes, one per line (for ``--notes FILE`` beside a CSV)."""
    return "".join(f"{line}\n" for line in (*assumption_lines(comp), *comp.notes))
