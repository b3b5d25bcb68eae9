"""Costs in different currencies are never added: totals of cost are kept per currency.

Energy and CO2e add up across bills whatever their currency; a cost does not (1 USD + 1 EUR
is no amount of anything, and ccf_py holds no exchange rates). Every output that totals cost
(the report's total row, the coverage, the confidence line, the ingest summary, the monthly
page, what-if comparisons) asks these helpers for the cost per currency and shows one figure
when there is one currency, else one figure per currency.

Rows whose currency is not recorded (ccf_py 0.1 data, a CUR without lineItem/CurrencyCode)
are taken to be in the other rows' currency when there is exactly one (as ``api.report``
says in its notes); beside several they are a currency of their own, the empty code ``''``,
written "no currency".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from ccf_py.model import METRIC_COLUMNS, ReportTable

NO_CURRENCY = ""


def label(code: str | None) -> str:
    """A currency code for people: the code, or "no currency" for rows without one."""
    return code if code else "no currency"


def fold_unknown(amounts: Iterable[tuple[str | None, float]]) -> dict[str, float]:
    """Sum ``(currency, amount)`` pairs per currency, ordered by code. Amounts without a
    currency go to the one known currency when there is exactly one, else to ``''``."""
    out: dict[str, float] = {}
    unknown, seen_unknown = 0.0, False
    for code, amount in amounts:
        if code:
            out[code] = out.get(code, 0.0) + float(amount or 0)
        else:
            unknown += float(amount or 0)
            seen_unknown = True
    if seen_unknown:
        key = next(iter(out)) if len(out) == 1 else NO_CURRENCY
        out[key] = out.get(key, 0.0) + unknown
    return dict(sorted(out.items()))


def unknown_goes_to(codes: Iterable[str | None]) -> str:
    """The currency rows without one are counted in (see :func:`fold_unknown`)."""
    known = {c for c in codes if c}
    return next(iter(known)) if len(known) == 1 else NO_CURRENCY


def format_amount(amount: float) -> str:
    return f"{amount:,.2f}"


def format_costs(costs: Mapping[str, float]) -> str:
    """``EUR 451,968.55; USD 1,255,613.06`` (one currency: the plain amount, as a report
    whose column header names the currency shows it)."""
    if len(costs) == 1:
        return format_amount(next(iter(costs.values())))
    return "; ".join(f"{label(c)} {format_amount(v)}" for c, v in costs.items())


def several_word(costs: Mapping[str, object]) -> str:
    """The word a total's cost cell holds when its rows are in several currencies."""
    return f"{len(costs)} currencies"


def loaded_cost(what: str, costs: Sequence[tuple[str, float]], total: float | None) -> str:
    """The ingest summary's cost: ``billed cost 1,020.00`` in one currency, else
    ``billed cost in 2 currencies (not added): EUR 20.00; USD 1,000.00``."""
    if len(costs) > 1 or total is None:
        return f"{what} in {several_word(dict(costs))} (not added): {format_costs(dict(costs))}"
    return f"{what} {format_amount(total)}"


def costs_by_currency(table: ReportTable) -> dict[str, float]:
    """The table's cost per currency, in code order: its own currency's total, else per value
    of its ``currency`` key, else one total of no known currency (``''``)."""
    col = len(table.keys) + METRIC_COLUMNS.index("cost")
    if table.currency or "currency" not in table.keys:
        return {table.currency: sum(float(r[col] or 0) for r in table.rows)}
    i = table.keys.index("currency")
    out: dict[str, float] = {}
    for r in table.rows:
        out[str(r[i] or "")] = out.get(str(r[i] or ""), 0.0) + float(r[col] or 0)
    return dict(sorted(out.items()))


def without_currency(table: ReportTable | None) -> ReportTable | None:
    """The table summed over its ``currency`` key, for what adds up across currencies
    (energy, CO2e: charts, top movers); its cost is NaN (no number) where the rows were in
    several currencies. A table without the key is returned as it is."""
    if table is None or "currency" not in table.keys:
        return table
    i = table.keys.index("currency")
    several = bool(table.row_currencies())
    keys = table.keys[:i] + table.keys[i + 1:]
    sums: dict[tuple, list[float]] = {}
    for r in table.rows:
        acc = sums.setdefault(tuple(r[:i]) + tuple(r[i + 1:len(table.keys)]),
                              [0.0] * len(METRIC_COLUMNS))
        for j, v in enumerate(r[len(table.keys):]):
            acc[j] += float(v or 0)
    cost = METRIC_COLUMNS.index("cost")
    rows = tuple((*k, *(float("nan") if several and j == cost else v
                        for j, v in enumerate(m))) for k, m in sums.items())
    return replace(table, keys=keys, rows=rows)


def month_costs(now: ReportTable, previous: ReportTable | None
                ) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """The monthly page's totals of ``now`` (a table without keys, or keyed by currency),
    the totals of the month before and its cost per currency. A total holds ``cost`` only
    where it is in one currency, and the month before's only where it is in this month's
    currency: a change of cost is compared per currency, never across currencies."""
    totals = now.totals()
    if now.row_currencies():
        del totals["cost"]
    if previous is None:
        return totals, {}, {}
    before = {k: v for k, v in previous.totals().items() if k != "cost"}
    costs = costs_by_currency(previous)
    if "cost" in totals and now.currency in costs:
        before["cost"] = costs[now.currency]
    return totals, before, costs
