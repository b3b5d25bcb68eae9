"""What a reader must know to read a report right, computed from the estimated lines.

Every output carries these notes (the monthly page, ``report`` in every format, SCI, the FOCUS
export): which methodology ran, which regions fell back to a provider average, which usage
was estimated with fallback coefficients, which GPUs and accelerators were not estimated,
what free-tier usage adds, which storage classes' assumptions were used (``ccf``: that
storage classes of one medium share one coefficient), and whether the month is only partly
loaded.

``lines`` arguments name the relation of estimated lines: ``int_usage_lines`` (one row per
billed line, the monthly report) or ``int_usage_keyed_lines`` (the grouped report's sums).
Both are names of ccf_py's own SQL models, never user text.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

import duckdb

from ccf_py import coefficients
from ccf_py.model import MonthSpan
from ccf_py.path_notes import ccf_accelerator_names, covered_sql, zero_cost_notes

CCF_NOTE = ("Methodology 'ccf' reproduces Cloud Carbon Footprint (embodied divided by vCPUs "
            "twice, S3 replication 6) except its S3 *ByteHrs unit bug, which ccf_py fixes. "
            "Energy never includes CCF's 'embodied kWh'.")
DEFAULT_NOTE = ("Methodology 'default': CCF's coefficients with its documented quirks fixed "
                "(embodied kept separate and not divided by vCPUs twice, S3 replication 3, S3 "
                "GB-Mo units, Fargate memory as memory; storage per class: media, copies and "
                "embodied emissions of the media; GCP: processors by machine family, GPU "
                "models from the SKU, embodied once per VM, SSD-backed disks as SSD, "
                "multi-regions at their regions' mean; README, 'Methodology').")
# The methodology notes of a report without AWS usage: only the fixes that concern its
# providers (README's tables per provider)
CCF_NOTE_NO_AWS = ("Methodology 'ccf' reproduces Cloud Carbon Footprint (embodied divided by "
                   "vCPUs twice). Energy never includes CCF's 'embodied kWh'.")
DEFAULT_FIXES = {
    "aws": "AWS: S3 replication 3, S3 GB-Mo units, Fargate memory as memory",
    "gcp": ("GCP: processors by machine family, GPU models from the SKU, embodied once per "
            "VM, SSD-backed disks as SSD, multi-regions at their regions' mean"),
    "azure": ("Azure: unit blocks read (10 Hours = 10 h), GB/Month as a month of storage, "
              "standard (non-Premium) storage as HDD, replication on stored data only"),
}
ACCELERATOR_MARK = "not in the coefficients and not estimated"
COST_MARK = "estimated from cost"
MAX_LISTED = 20


def estimate_notes(con: duckdb.DuckDBPyConnection, methodology: str,
                   lines: str) -> tuple[str, ...]:
    """The methodology, fallback regions, accelerators not estimated, other fallback
    coefficients, free-tier usage and storage media, for the estimated ``lines``."""
    return (*methodology_notes(con, methodology, lines), *fallback_region_notes(con, lines),
            *fallback_notes(con, lines, methodology), *gpu_utilization_notes(con, lines),
            *embodied_unknown_notes(con, lines),
            *zero_cost_notes(con, methodology, lines), *storage_notes(con, lines),
            *ccf_dropped_unit_notes(con, lines))


def methodology_notes(con: duckdb.DuckDBPyConnection, methodology: str,
                      lines: str) -> tuple[str, ...]:
    # the providers of the estimated lines: their usage keys (a small table, not the lines)
    providers = {r[0] for r in con.execute(
        "SELECT DISTINCT provider FROM usage_key_class").fetchall()}
    if methodology != "ccf":
        return (default_note(providers),)
    ccf_note = CCF_NOTE if "aws" in providers or not providers else CCF_NOTE_NO_AWS
    # dual/multi-regions of coef_region_groups: CCF's own row (a sum, for GCP) is used
    groups = con.execute(
        f"SELECT DISTINCT f.provider, f.region FROM {lines} f "
        "JOIN coef_region_groups g ON g.provider = f.provider "
        "AND g.region = lower(f.region) ORDER BY 1, 2").fetchall()
    if not groups:
        return (ccf_note,)
    names = ", ".join(f"{p} {r}" for p, r in groups)
    return (ccf_note, f"As CCF, multi- and dual-regions ({names}) use CCF's own factor for "
                      "the region name (for GCP the SUM of its regions' factors: us 2,805 "
                      "g/kWh); the default methodology uses their mean.")


def default_note(providers: set[str]) -> str:
    """The default methodology's note, naming the fixes that concern ``providers`` (AWS and
    GCP together: :data:`DEFAULT_NOTE`)."""
    aws = ", " + DEFAULT_FIXES["aws"].removeprefix("AWS: ") if "aws" in providers else ""
    more = "".join(f"; {DEFAULT_FIXES[p]}" for p in ("gcp", "azure") if p in providers)
    return ("Methodology 'default': CCF's coefficients with its documented quirks fixed "
            f"(embodied kept separate and not divided by vCPUs twice{aws}; storage per class: "
            f"media, copies and embodied emissions of the media{more}; README, 'Methodology').")


def fallback_region_notes(con: duckdb.DuckDBPyConnection, lines: str) -> tuple[str, ...]:
    rows = con.execute(
        f"""SELECT f.provider, list(DISTINCT f.region), any_value(g.gco2e_per_kwh)
            FROM ({covered_sql(lines)}) f
            LEFT JOIN coef_grid_intensity g ON g.provider = f.provider AND g.region = '*'
            WHERE f.fallback_region AND f.coverage_path IN ('direct', 'fallback', 'from_cost')
            GROUP BY f.provider ORDER BY f.provider""").fetchall()
    notes = []
    for provider, regions, average in rows:
        # AWS bills CloudFront edge locations without a region
        empty = ("rows without a region (e.g. CloudFront edge)" if provider == "aws"
                 else "rows without a region")
        names = ", ".join(str(r) if r else empty for r in sorted(regions, key=str))
        if average is None:  # no factor at all: the energy there has no operational CO2e
            notes.append(f"No grid factor for {provider.upper()} regions ({names}) and no "
                         f"{provider.upper()} average: usage there gets no operational CO2e "
                         "(counted as zero).")
            continue
        notes.append(f"Regions without a grid factor used the {provider.upper()} average "
                     f"({average:.1f} g CO2e/kWh): {names}.")
    return tuple(notes)


def fallback_notes(con: duckdb.DuckDBPyConnection, lines: str,
                   methodology: str = "default") -> tuple[str, ...]:
    """The classifier's notes; GPUs and accelerators left out get a note of their own (their
    energy is missing, not approximated). ``ccf``: also those the default methodology counts
    and CCF's tables lack (:func:`ccf_py.path_notes.ccf_accelerator_names`)."""
    found = [r[0] for r in con.execute(
        f"SELECT DISTINCT note FROM {lines} WHERE note <> '' ORDER BY 1").fetchall()]
    accel = [n for n in found if ACCELERATOR_MARK in n]
    from_cost = [n for n in found if ACCELERATOR_MARK not in n and COST_MARK in n]
    other = [n for n in found if ACCELERATOR_MARK not in n and COST_MARK not in n]
    notes = []
    counted = ccf_accelerator_names(con) if methodology == "ccf" else []
    if counted:
        shown = {c.split(" (", 1)[0] for c in counted}
        names = counted + sorted({n.split(":", 1)[0] for n in accel} - shown)
        notes.append("GPUs and accelerators not counted by methodology 'ccf' (CCF's tables "
                     "lack them; the default methodology estimates them; a VM's CPU, memory "
                     f"and embodied are in): {_listed(names)}.")
    elif accel:
        names = sorted({n.split(":", 1)[0] for n in accel})
        notes.append("GPUs and accelerators not estimated (no power coefficient; their energy "
                     f"is missing, the host's CPU, memory and embodied are in): "
                     f"{_listed(names)}.")
    if other:
        more = f"; and {len(other) - MAX_LISTED} more" if len(other) > MAX_LISTED else ""
        notes.append("Fallback coefficients: " + "; ".join(other[:MAX_LISTED]) + more + ".")
    if from_cost:
        # a line without a usage type (SKU, meter) still is a line estimated from cost
        names = sorted({n.split(":", 1)[0] or "lines without a usage type" for n in from_cost})
        notes.append("Estimated from cost ratios, no usable usage quantity: "
                      + ", ".join(names[:MAX_LISTED]) + ".")
    return tuple(notes)


def _listed(names: list[str]) -> str:
    more = len(names) - MAX_LISTED
    return ", ".join(names[:MAX_LISTED]) + (f" and {more} more" if more > 0 else "")


def gpu_utilization_notes(con: duckdb.DuckDBPyConnection, lines: str) -> tuple[str, ...]:
    """GPU energy rests on an assumed utilisation (no bill says how busy a GPU was): say
    which, wherever GPU hours were estimated without a user's rule."""
    rows = con.execute(
        f"""SELECT l.provider, any_value(c.value), sum(l.gpu_hours)
            FROM {lines} l JOIN coef_constants c
              ON c.provider = l.provider AND c.key = 'cpu_utilization_pct'
            WHERE l.gpu_hours > 0 AND l.gpu_utilization_pct IS NULL
            GROUP BY 1 ORDER BY 1""").fetchall()
    if not rows:
        return ()
    parts = ", ".join(f"{p.upper()} {pct:g}%" for p, pct, _ in rows)
    return (f"GPU and accelerator energy assumes an average utilisation ({parts}: CCF's "
            "figure; no bill records it) between each model's idle and maximum watts; "
            "--assumptions FILE sets it per account, service, instance type or accelerator, "
            "ccf-py measure replaces it with a measurement.",)


def embodied_unknown_notes(con: duckdb.DuckDBPyConnection, lines: str) -> tuple[str, ...]:
    """Instance types whose host has no embodied figure (newer families, some PaaS sizes):
    their embodied CO2e counts as 0, which flatters them against types that have one."""
    rows = con.execute(
        f"""SELECT instance_type, sum(vcpu_hours) FROM {lines}
            WHERE usage_class = 'compute' AND instance_type IS NOT NULL AND vcpu_hours > 0
              AND coalesce(embodied_te_kg, 0) = 0 AND coalesce(embodied_kg, 0) = 0
            GROUP BY 1 ORDER BY 2 DESC, 1""").fetchall()
    if not rows:
        return ()
    names = [r[0] for r in rows]
    more = f" and {len(names) - 12} more" if len(names) > 12 else ""
    return (f"Embodied emissions unknown, counted as 0, for {len(names)} instance type"
            f"{'s' if len(names) != 1 else ''} or size{'s' if len(names) != 1 else ''} "
            "without a published host figure: "
            f"{', '.join(names[:12])}{more}.",)


def storage_notes(con: duckdb.DuckDBPyConnection, lines: str) -> tuple[str, ...]:
    """``default``: the storage classes the estimates used, each with its assumed medium,
    copies and embodied emissions (storage_classes.csv; no provider publishes them).
    ``ccf``: storage is estimated per medium (HDD or SSD watts per TB), so the classes of one
    medium (S3 Standard, Infrequent Access, Glacier...) share one coefficient and moving data
    between them changes no estimate; said when the bills hold several such usage types."""
    used = [r[0] for r in con.execute(
        f"""SELECT storage_class FROM {lines}
            WHERE usage_class = 'storage' AND storage_class <> ''
              AND estimate_path IN ('direct', 'fallback')
            GROUP BY ALL ORDER BY sum(storage_tb_hours) DESC, 1""").fetchall()]
    if used:
        return (storage_class_note(used),)
    rows = con.execute(
        f"""SELECT provider, storage_wh_per_tb_hour, count(DISTINCT usage_type)
            FROM {lines} WHERE usage_class = 'storage' AND storage_wh_per_tb_hour > 0
            GROUP BY ALL ORDER BY 1, 2""").fetchall()
    per: dict[str, list[str]] = {}
    for provider, wh, n in rows:
        per.setdefault(provider, []).append(f"{n} at {wh:g} Wh/TB-h")
    parts = [f"{p.upper()} {', '.join(v)}" for p, v in per.items()
             if sum(n for q, _, n in rows if q == p) > 1]
    if not parts:
        return ()
    return ("Storage is estimated per medium (HDD or SSD), not per storage class; storage "
            f"usage types by coefficient: {'; '.join(parts)}. Moving data between classes "
            "of one medium (e.g. S3 Standard to Glacier) changes no estimate.",)


def storage_class_note(class_ids: list[str]) -> str:
    """One line naming the classes used (most stored first) with their copies, grouped by
    their media's assumptions (value and low-high range)."""
    rows = {c.class_id: c for c in coefficients.storage_classes()}
    groups: dict[tuple, list[str]] = {}
    for cid in class_ids:
        c = rows[cid]
        media = (c.medium, c.wh_per_tb_hour, c.wh_per_tb_hour_low, c.wh_per_tb_hour_high,
                 c.embodied_kg_per_tb, c.embodied_kg_per_tb_low, c.embodied_kg_per_tb_high,
                 c.lifespan_years)
        copies = f" x{c.copies:g}" if c.copies is not None else " (its service's copies)"
        groups.setdefault(media, []).append(cid + copies)
    parts = []
    for (medium, wh, wh_lo, wh_hi, kg, kg_lo, kg_hi, years), names in groups.items():
        # the most stored few: the full list and every source is `ccf-py compare storage --list`
        shown = names[:STORAGE_LISTED] + ([f"{len(names) - STORAGE_LISTED} more"]
                                          if len(names) > STORAGE_LISTED else [])
        parts.append(f"{medium.upper()} {wh:g} Wh/TB-h ({wh_lo:g}-{wh_hi:g}), {kg:g} kg "
                     f"CO2e/TB ({kg_lo:g}-{kg_hi:g}) over {years:g} years: {', '.join(shown)}")
    return ("Storage is estimated per storage class, from assumptions (no provider publishes "
            "the media, copies or embodied emissions of its classes; sources: `ccf-py compare "
            "storage --list`, coefficients/storage_classes.csv). " + ". ".join(parts) + ".")


STORAGE_LISTED = 3


def month_span(con: duckdb.DuckDBPyConnection, month: date) -> MonthSpan:
    """The days of ``month`` that its billed lines cover, clipped to the month: from the first
    charge's day to the last charge's day. Lines whose charge period is the whole month (fees,
    taxes, Route 53 zones in a daily CUR) say nothing about which days are loaded, so the
    last day is the last *start*; only when every line starts on one day (a monthly
    granularity export) does their end tell how far the month goes."""
    has_end = con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'billed_lines' "
        "AND column_name = 'charge_period_end'").fetchone()[0]
    end = "charge_period_end" if has_end else "NULL"
    first, last_start, last_end = con.execute(
        f"SELECT min(charge_period_start), max(charge_period_start), max({end}) "
        "FROM billed_lines WHERE billing_period_start = ? AND charge_period_start IS NOT NULL",
        [month]).fetchone()
    if first is None:
        return MonthSpan(month, None, None)
    month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    last = last_start.date()
    if last == first.date() and isinstance(last_end, datetime) and last_end > last_start:
        # an end at midnight closes the day before it
        last = (last_end - timedelta(microseconds=1)).date()
    return MonthSpan(month, max(first.date(), month), min(last, month_end))


def partial_month_notes(con: duckdb.DuckDBPyConnection, months: list[date]) -> tuple[str, ...]:
    """One note per month whose loaded lines do not cover all its days."""
    spans = [month_span(con, m) for m in months]
    return tuple(s.note() for s in spans if s.partial)


def ccf_dropped_unit_notes(con: duckdb.DuckDBPyConnection, lines: str) -> tuple[str, ...]:
    """``ccf``: GCP lines in units CCF's BigQuery query does not select (rule
    ``ccf_query_drops_unit``) get no estimate; say why (not "too little usage to extrapolate
    from") and which units, so a reader knows ``default`` converts them."""
    rows = con.execute(
        f"""SELECT pricing_unit, sum(lines) FROM {lines}
            WHERE provider = 'gcp' AND starts_with(rule_id, 'ccf_query_drops_unit:')
            GROUP BY 1 ORDER BY 2 DESC, 1""").fetchall()
    if not rows:
        return ()
    n = sum(int(r[1]) for r in rows)
    units = ", ".join(f"{r[0] or '(none)'} ({int(r[1]):,})" for r in rows[:MAX_LISTED])
    return (f"As CCF, {n:,} GCP usage line{'s' if n != 1 else ''} in units CCF's BigQuery query "
            "does not read (it keeps only seconds, byte-seconds, bytes and requests) "
            f"{'are' if n != 1 else 'is'} not estimated: {units}; the default methodology "
            "converts hour and gibibyte units (coefficients/unit_conversions.csv) and "
            "estimates the rest from cost.",)
