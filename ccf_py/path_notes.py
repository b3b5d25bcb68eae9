"""Notes that say what happened to particular lines, read from each line's coverage path (how
its CO2e was estimated: from its usage quantity, with fallback coefficients, extrapolated from a
cost ratio, or not at all), never from what a methodology is supposed to do.

* :func:`zero_cost_notes`: usage billed at zero cost (free tier, covered by a commitment).
* :func:`ccf_accelerator_names`: with ``--methodology ccf``, the instance types, sizes and SKUs
  whose GPUs or accelerators the ``default`` methodology counts and CCF's tables do not.
* :func:`null_currency_note`: billed rows without a currency, and what a report does with them.
* :func:`covered_sql`: the lines with their coverage path and energy (for other notes).

``lines`` is the name of one of ccf_py's estimated-lines relations (``int_usage_lines`` or
``int_usage_keyed_lines``), never user text.
"""

from __future__ import annotations

import duckdb

from ccf_py import coefficients, estimate
from ccf_py.classify import UsageKey, classify_keys
from ccf_py.report.render import format_metric


def covered_sql(lines: str) -> str:
    """SQL: the rows of ``lines`` with their ``coverage_path`` (whether a line to be estimated
    from cost got a ratio, 'from_cost', or none, 'not_estimable') and ``energy_kwh``: the one
    ratio join of int_usage_energy (``ccf_py.estimate.energy_relation``)."""
    return f"SELECT * FROM {estimate.energy_relation(lines)}"


# usage billed nothing (the free-tier note's lines): a usage line, zero cost, carrying no cost
# a ratio could use, with a quantity
_ZERO_COST = ("line_item_type = 'Usage' AND unblended_cost = 0 AND NOT priced "
              "AND usage_amount <> 0")


def zero_cost_notes(con: duckdb.DuckDBPyConnection, methodology: str,
                    lines: str) -> tuple[str, ...]:
    """One note on usage billed at zero cost: how many such lines were estimated from their
    quantities, extrapolated (only ``ccf``'s per-usage-amount ratios can extrapolate a line
    without cost), or left without an estimate, with their CO2e; and whether their kWh
    teach the kWh-per-cost ratios of other usage (``ccf``: yes, as CCF; ``default``: no)."""
    rows = con.execute(
        f"""SELECT CASE WHEN coverage_path IN ('direct', 'fallback') THEN 'quantity'
                        WHEN coverage_path = 'from_cost' AND energy_kwh <> 0 THEN 'ratio'
                        WHEN coverage_path = 'none' THEN 'none'
                        ELSE 'zero' END AS how,
                   sum(lines), sum(ccf_operational_kg(energy_kwh, gco2e_per_kwh) + embodied_kg),
                   bool_or(coverage_path = 'from_cost' AND ratio_by_amount)
            FROM ({covered_sql(lines)})
            WHERE {_ZERO_COST}
            GROUP BY 1""").fetchall()
    found = {how: (int(n), float(kg or 0), bool(by_amount)) for how, n, kg, by_amount in rows}
    total = sum(n for n, _, _ in found.values())
    if not total:
        return ()
    parts = []
    if "quantity" in found:
        n, kg, _ = found["quantity"]
        parts.append(f"{n:,} estimated from {'its' if n == 1 else 'their'} usage "
                     f"quantit{'y' if n == 1 else 'ies'} ({_kg(kg)} kg CO2e)")
    if "ratio" in found:
        n, kg, by_amount = found["ratio"]
        basis = ("other usage's kWh per unit of usage amount, CCF's method for GCP and Azure"
                 if by_amount else "cost ratios")
        parts.append(f"{n:,} extrapolated ({_kg(kg)} kg CO2e) from {basis}")
    if "zero" in found:
        # their path stays from_cost (as in coverage, --by estimate_path and the export), so
        # they are not called "not estimated" here: the confidence line does not count them
        parts.append(f"{found['zero'][0]:,} extrapolated from cost ratios, which give 0 kg at "
                     "zero cost (no usable usage quantity)")
    if "none" in found:
        parts.append(f"{found['none'][0]:,} not estimated (CCF's methodology gives "
                     f"{'it' if found['none'][0] == 1 else 'them'} no estimate; counted as "
                     "zero)")
    if methodology != "ccf":
        teach = " None teaches a kWh-per-cost ratio or is priced at list cost."
    elif "quantity" in found:
        teach = (" As CCF, the kWh of those estimated from quantities count in the ratios "
                 "(kWh per cost or per usage amount) learned for other usage.")
    else:
        teach = ""
    one = total == 1
    return (f"{total:,} usage line{'' if one else 's'} billed at zero cost (covered by a "
            f"reservation or savings plan, or free tier) add{'s' if one else ''} nothing to "
            f"the cost column: {'; '.join(parts)}.{teach}",)


def _kg(value: float) -> str:
    """As the report's cells: 3 decimals, three significant digits below 0.001 (not 0.000)."""
    return format_metric("co2e_total_kg", value)


def ccf_accelerator_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """``ccf``: the instance types, sizes or SKUs of the estimated lines whose GPUs or
    accelerators the ``default`` methodology counts (accelerators.csv and its instance and SKU
    tables) but ``ccf`` does not (CCF's GPU table ends at the A100; its Azure and GCP methods
    know few GPU sizes and SKUs and no TPU): each with the model ``default`` would count, and
    how ``ccf`` estimated the line instead (its CPU only, or from cost ratios)."""
    # the usage keys of the estimated lines (usage_key_class holds those of the report's
    # month): a few thousand at most, never the lines themselves
    rows = con.execute(
        """SELECT provider, service, usage_type, pricing_unit, line_item_type, vcpu,
                  cur_instance_type, estimate_path
           FROM usage_key_class
           WHERE coalesce(gpu_hours_per_unit, 0) = 0 AND estimate_path <> 'non_usage'"""
    ).fetchall()
    keys = [UsageKey(r[1], r[2], r[3], r[4], r[5], r[6], provider=r[0]) for r in rows]
    how = {k: r[7] for k, r in zip(keys, rows, strict=True)}
    names: dict[str, str] = {}
    for key, kc in classify_keys(keys, coefficients.load(), "default"):
        if kc.gpu_hours_per_unit <= 0:
            continue
        name = kc.instance_type or key.usage_type or key.service or "?"
        model = kc.accelerator_model or "accelerators"
        instead = "from cost ratios" if how[key] == "from_cost" else "CPU only"
        names.setdefault(name, f"{name} ({model}; {instead})")
    return [names[n] for n in sorted(names)]


# why a provider's billed rows can lack a currency
_NO_CURRENCY = {"aws": "a CUR without lineItem/CurrencyCode, or data loaded by ccf_py 0.1",
                "gcp": "GCP export lines whose currency field is empty",
                "azure": "an Azure export without a billing currency column",
                }


def null_currency_note(con: duckdb.DuckDBPyConnection, month: str | None, rows: int,
                       other: str | None) -> str:
    """What a report does with billed rows that have no currency: their cost is added to
    ``other``'s (the one currency of the rest), or kept apart when there are several; a
    kWh-per-cost ratio never crosses currencies, so rows of theirs to be estimated from cost
    learn only from each other (often: no estimate)."""
    providers = [r[0] for r in con.execute(
        "SELECT DISTINCT provider_name FROM billed_lines WHERE billing_currency IS NULL "
        "AND (? IS NULL OR strftime(billing_period_start, '%Y-%m') = ?) ORDER BY 1",
        [month, month]).fetchall()]
    why = "; ".join(_NO_CURRENCY.get(p, f"{p} lines without a currency") for p in providers)
    one = rows == 1
    where = (f"{'its' if one else 'their'} cost is added to the {other} rows' (a '(none)' row "
             "when grouped by currency)" if other else
             f"{'it is' if one else 'they are'} the currency key's empty value, '(none)'")
    return (f"{rows:,} billed row{'' if one else 's'} ha{'s' if one else 've'} no currency "
            f"recorded ({why}): {where}. kWh-per-cost ratios are never learned across "
            f"currencies: if {'it is' if one else 'any is'} to be estimated from cost, only "
            "rows without a currency can give the ratio, else it gets no estimate.")
