"""Per-row estimates: classify the distinct usage keys, then run the estimates SQL model."""

from __future__ import annotations

import math
import re
from dataclasses import fields
from datetime import date

import duckdb

from ccf_py import coefficients
from ccf_py import intensity as series
from ccf_py.assumptions import Assumptions
from ccf_py.classify import KEY_CLASS_COLUMNS, KeyClass, UsageKey, classify_keys
from ccf_py.errors import ConfigError
from ccf_py.model import GRID_VARIANTS, METHODOLOGIES
from ccf_py.resources import query_text

KEY_CLASS_TYPES = {f.name: f.type for f in fields(KeyClass)}
KEY_COLUMNS = ("provider", "service", "usage_type", "pricing_unit", "line_item_type", "vcpu",
               "cur_instance_type")


def check_methodology(methodology: str) -> None:
    if methodology not in METHODOLOGIES:
        raise ConfigError(f"--methodology {methodology!r}: use one of "
                          f"{', '.join(METHODOLOGIES)}")


def build_key_classes(con: duckdb.DuckDBPyConnection, methodology: str,
                      source: str = "int_billed_rows") -> int:
    """(Re)create TEMP table ``usage_key_class``: one row per distinct usage key of
    ``source`` (a relation name chosen by ccf_py, never user text)."""
    check_methodology(methodology)
    rows = con.execute(
        "SELECT DISTINCT provider, service, usage_type, pricing_unit, line_item_type, vcpu, "
        f"instance_type FROM {source}").fetchall()
    keys = [UsageKey(*r[1:], provider=r[0]) for r in rows]
    classified = classify_keys(keys, coefficients.load(), methodology)
    con.execute("CREATE OR REPLACE TEMP TABLE usage_key_class ("
                + ", ".join(f"{c} {'DOUBLE' if c == 'vcpu' else 'VARCHAR'}" for c in KEY_COLUMNS)
                + ", " + ", ".join(f"{c} {_type(c)}" for c in KEY_CLASS_COLUMNS) + ")")
    records = [(k.provider, k.service, k.usage_type, k.pricing_unit, k.line_item_type, k.vcpu,
                k.instance_type, *(getattr(kc, c) for c in KEY_CLASS_COLUMNS))
               for k, kc in classified]
    if records:
        # One INSERT of literals: bound parameters cost ~0.1 ms each in the DuckDB client
        # (thousands per report), executemany ~5 ms per row. Strings are quoted by _literal.
        values = ", ".join("(" + ", ".join(_literal(v) for v in r) + ")" for r in records)
        con.execute(f"INSERT INTO usage_key_class VALUES {values}")
    return len(records)


def _literal(value: object) -> str:
    """SQL literal for a classifier value (str, float, bool or None)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(float(value)) if math.isfinite(value) else f"'{value}'::DOUBLE"
    return "'" + str(value).replace("'", "''") + "'"


def _type(column: str) -> str:
    """DuckDB type of a KeyClass field, from its annotation (one source of truth)."""
    annotation = str(KEY_CLASS_TYPES[column])
    if "bool" in annotation:
        return "BOOLEAN"
    return "VARCHAR" if "str" in annotation else "DOUBLE"


# The SQL models in dependency order, with how each is materialised. The small ones (sums per
# usage key, regions, sums per report key, ratios) are tables; the per-row models stay views,
# computed only when read (create_estimates(materialize=True) makes them tables for the
# monthly report, which reads them several times). int_usage_keyed exists for grouped reports.
MODELS: tuple[tuple[str, str], ...] = (
    ("intermediate/int_hourly_factors.sql", "table"),  # --intensity only (ccf_py.intensity)
    ("intermediate/int_billed_rows.sql", "view"),
    ("intermediate/int_usage_keyed.sql", "table"),
    ("intermediate/int_region_factors.sql", "table"),
    ("intermediate/int_usage_lines.sql", "view"),
    ("intermediate/int_usage_agg.sql", "table"),
    ("intermediate/int_unknown_ratios.sql", "table"),
    ("intermediate/int_usage_energy.sql", "view"),  # also as AGG_ENERGY, over int_usage_agg
    ("marts/fct_usage_estimates.sql", "view"),
    ("marts/rpt_grouped.sql", "view"),
)
# A grouped report estimates int_usage_keyed's sums through the same int_usage_lines SQL,
# under this name; fct_usage_estimates stays one row per billed line either way.
KEYED_LINES = "int_usage_keyed_lines"
# The ratios are joined to rows in one model, int_usage_energy: over int_usage_lines for the
# per-row fct_usage_estimates, and under this name over int_usage_agg for rpt_grouped (and the
# --intensity note), so the two report paths share the join as well as the arithmetic.
AGG_ENERGY = "int_usage_agg_energy"
# ... and, for a grouped report, over int_usage_keyed_lines (the notes that count lines by how
# they were estimated read it: :func:`energy_relation`)
KEYED_ENERGY = "int_usage_keyed_energy"


def energy_relation(lines: str) -> str:
    """The relation holding the rows of ``lines`` (``int_usage_lines`` or, for a grouped
    report, :data:`KEYED_LINES`) with their ratio-joined ``coverage_path`` and ``energy_kwh``:
    the int_usage_energy model over them."""
    return {"int_usage_lines": "int_usage_energy", KEYED_LINES: KEYED_ENERGY}[lines]
HOURLY_FACTORS = "intermediate/int_hourly_factors.sql"


def bind(sql: str, params: dict[str, str | date | None],
         expressions: dict[str, str] | None = None) -> str:
    """Inline validated parameters as SQL literals, and trusted SQL expressions.

    DuckDB views cannot hold prepared parameters; the values here are never free user text:
    the methodology and grid variant are checked against METHODOLOGIES and GRID_VARIANTS,
    the month is a ``date``.
    ``expressions`` are built by ccf_py from fixed column expressions (``api.KEY_SQL``); user
    text inside them (tag names) stays a bound ``$tagN`` parameter.
    """
    for name, expr in (expressions or {}).items():
        sql = re.sub(rf"\${name}\b", lambda _m, e=expr: e, sql)  # type: ignore[misc]
    for name, value in params.items():
        if value is None:
            literal = "NULL"
        elif isinstance(value, date):
            literal = f"DATE '{value.isoformat()}'"
        elif value in METHODOLOGIES or value in GRID_VARIANTS:
            literal = f"'{value}'"
        else:
            raise ConfigError(f"unexpected parameter value for {name}: {value!r}")
        sql = re.sub(rf"\${name}\b", literal, sql)
    return sql


def create_estimates(con: duckdb.DuckDBPyConnection, methodology: str,
                     month: date | None = None, *, report_key: str = "NULL",
                     pre_key: str | None = None, key_params: dict[str, str] | None = None,
                     materialize: bool = False, grid_variant: str = "",
                     assumptions: Assumptions | None = None,
                     intensity: str = "annual") -> None:
    """Create the models as TEMP relations.

    ``fct_usage_estimates`` is the per-row result. ``rpt_grouped`` sums the estimates by
    ``report_key`` (a SQL STRUCT of the report's keys). With ``pre_key`` (a STRUCT of the keys
    that need no classification, which ``report_key`` then reads as ``pre_key.kN``) the billed
    rows are first summed per usage key and those keys (``int_usage_keyed``): one scan of the
    rows, and the estimates run on thousands of sums instead of millions of rows.
    ``materialize`` makes the per-row models tables (worth it when several reports read
    them, e.g. the monthly report). ``assumptions``: a user's GPU utilisation rules
    (:mod:`ccf_py.assumptions`), loaded into ``gpu_assumption_rules``. ``intensity``: 'annual'
    (the grid factor tables), or a loaded hourly / marginal series where it covers a line's
    hours (:mod:`ccf_py.intensity`; checked by ``intensity.check_report_intensity``).
    """
    if grid_variant not in GRID_VARIANTS:
        raise ConfigError(f"grid variant {grid_variant!r}: use one of {GRID_VARIANTS}")
    params = {"methodology": methodology, "month": month, "grid_variant": grid_variant}
    grouped = pre_key is not None
    expressions = {"report_key": report_key, "pre_key": pre_key or "NULL",
                   # regions and usage keys: from the small sums when there are any
                   "key_source": "int_usage_keyed" if grouped else "int_billed_rows",
                   "usage_source": "int_billed_rows",
                   "usage_lines": KEYED_LINES if grouped else "int_usage_lines",
                   "ratio_rows": "int_usage_lines",
                   **_assumption_expressions(con, assumptions),
                   **_measurement_expressions(con)}
    _drop(con, KEYED_ENERGY)
    _drop(con, KEYED_LINES)
    _drop(con, AGG_ENERGY)
    # the window intensities first: whether any line has one decides the other models' SQL
    kind = series.kind_literal(intensity)
    factors = (bind(query_text(HOURLY_FACTORS), params, {"series_kind": kind})
               if intensity != "annual" else "")
    expressions.update(series.series_expressions(con, intensity, factors))
    for path, kind in MODELS:
        name = path.rsplit("/", 1)[-1].removesuffix(".sql")
        if name == "int_hourly_factors":
            continue  # built above (or, with annual factors, not at all)
        if name == "int_usage_keyed" and not grouped:
            _drop(con, name)
            continue
        if name == "int_region_factors":
            build_key_classes(con, methodology, expressions["key_source"])
        if materialize and name in ("int_usage_lines", "fct_usage_estimates"):
            kind = "table"  # computed once, read by every grouping of the monthly report
        sql = query_text(path)
        _create(con, name, kind, bind(sql, params, expressions), key_params)
        if name == "int_usage_lines" and grouped:
            keyed = {**expressions, "usage_source": "int_usage_keyed"}
            _create(con, KEYED_LINES, "view", bind(sql, params, keyed), key_params)
        if name == "int_usage_energy":
            sums = {**expressions, "ratio_rows": "int_usage_agg"}
            _create(con, AGG_ENERGY, "view", bind(sql, params, sums), key_params)
            if grouped:
                keyed = {**expressions, "ratio_rows": KEYED_LINES}
                _create(con, KEYED_ENERGY, "view", bind(sql, params, keyed), key_params)


def _assumption_expressions(con: duckdb.DuckDBPyConnection,
                            assumptions: Assumptions | None) -> dict[str, str]:
    """The SQL a model uses for user assumptions: NULL (the provider's constant applies)
    without rules, so a report without assumptions pays nothing for them; with rules, the
    most specific matching rule of TEMP table ``gpu_assumption_rules`` per row."""
    rules = assumptions.gpu_utilization if assumptions else ()
    uses_account = any(f == "account" for r in rules for f, _ in r.match)
    out = {"gpu_utilization": "CAST(NULL AS DOUBLE)",
           "keyed_account": "account_id" if uses_account else "CAST(NULL AS VARCHAR)"}
    if not rules:
        return out
    con.execute("CREATE OR REPLACE TEMP TABLE gpu_assumption_rules (number INTEGER, "
                "specificity INTEGER, provider VARCHAR, account VARCHAR, service VARCHAR, "
                "instance_type VARCHAR, accelerator VARCHAR, utilization_pct DOUBLE)")
    con.executemany("INSERT INTO gpu_assumption_rules VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(r.number, r.specificity, *(dict(r.match).get(f) for f in (
                        "provider", "account", "service", "instance_type", "accelerator")),
                      r.utilization_pct) for r in rules])
    out["gpu_utilization"] = (
        "CASE WHEN kc.gpu_hours_per_unit > 0 THEN (SELECT a.utilization_pct "
        f"FROM gpu_assumption_rules a WHERE {rule_match('u', 'kc')} "
        "ORDER BY a.specificity DESC, a.number DESC LIMIT 1) END")
    return out


def rule_match(row: str, key: str) -> str:
    """SQL: assumption rule ``a`` applies to a billed line (``row``'s provider, account_id,
    service; ``key``'s instance_type, accelerator_model). Names match whatever their case."""
    return (f"(a.provider IS NULL OR a.provider = {row}.provider) "
            f"AND (a.account IS NULL OR a.account = {row}.account_id) "
            f"AND (a.service IS NULL OR lower(a.service) = lower({row}.service)) "
            f"AND (a.instance_type IS NULL OR lower(a.instance_type) = lower({key}.instance_type)) "
            "AND (a.accelerator IS NULL "
            f"OR list_contains(string_split(a.accelerator, '|'), {key}.accelerator_model))")


def _measurement_expressions(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """TEMP table ``gpu_measured_runs`` (one row per complete ``ccf-py measure`` run with a
    resource id: its window and GPU energy, IT kWh) and the SQL that marks the billed rows of
    measured resources. Without measurements the marks are constant: no cost per row."""
    has = {r[0] for r in con.execute(
        "SELECT table_name || '.' || column_name FROM information_schema.columns "
        "WHERE table_catalog = current_database() AND table_name IN "
        "('measurements', 'billed_lines')").fetchall()}
    charge_end = ("charge_period_end" if "billed_lines.charge_period_end" in has
                  else "CAST(NULL AS TIMESTAMP)")  # a read-only database from before it
    # a run counts when every GPU of it was measured to the end (a lost GPU would leave its
    # share of the window at zero); runs of one resource that overlap in time (two jobs on
    # one host each measure every GPU NVML sees) would count the GPUs twice: neither counts
    runs = ("""WITH r AS (
                   SELECT measurement_id, resource_id, started_at, ended_at,
                          sum(energy_kwh) AS energy_kwh, count(*) AS devices
                   FROM measurements WHERE resource_id IS NOT NULL AND method LIKE 'nvml%'
                   GROUP BY ALL HAVING bool_and(complete AND energy_kwh IS NOT NULL))
               -- a LEFT JOIN, not NOT EXISTS: DuckDB 1.5.6 keeps every row of a correlated
               -- NOT EXISTS that mixes = and < on the same table (seen, minimal case kept in
               -- tests/test_accelerator_estimates.py)
               SELECT cur.measurement_id, cur.resource_id, cur.started_at, cur.ended_at,
                      cur.energy_kwh, cur.devices
               FROM r AS cur LEFT JOIN r AS o
                 ON o.resource_id = cur.resource_id AND o.measurement_id <> cur.measurement_id
                AND o.started_at < cur.ended_at AND o.ended_at > cur.started_at
               GROUP BY ALL HAVING count(o.measurement_id) = 0"""
            if "measurements.resource_id" in has else
            "SELECT CAST(NULL AS VARCHAR) AS measurement_id, CAST(NULL AS VARCHAR) AS "
            "resource_id, CAST(NULL AS TIMESTAMP) AS started_at, CAST(NULL AS TIMESTAMP) AS "
            "ended_at, CAST(NULL AS DOUBLE) AS energy_kwh, CAST(NULL AS BIGINT) AS devices "
            "LIMIT 0")
    con.execute(f"CREATE OR REPLACE TEMP TABLE gpu_measured_runs AS {runs}")
    measured = con.execute("SELECT count(*) FROM gpu_measured_runs").fetchone()[0]
    return {"charge_end": charge_end,
            "measured_resource": ("resource_id IN (SELECT resource_id FROM gpu_measured_runs)"
                                  if measured else "false")}


def _create(con: duckdb.DuckDBPyConnection, name: str, kind: str, sql: str,
            key_params: dict[str, str] | None) -> None:
    _drop(con, name)
    uses = {k: v for k, v in (key_params or {}).items() if f"${k}" in sql}
    con.execute(f"CREATE TEMP {kind.upper()} {name} AS {sql}", uses or None)


def _drop(con: duckdb.DuckDBPyConnection, name: str) -> None:
    kinds = con.execute("SELECT table_type FROM information_schema.tables "
                        "WHERE table_name = ? AND table_catalog = 'temp'", [name]).fetchall()
    for (kind,) in kinds:
        con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} {name}")


def drop_estimates(con: duckdb.DuckDBPyConnection) -> None:
    """Remove the session's model relations (e.g. after an ingest made them stale)."""
    _drop(con, KEYED_ENERGY)
    _drop(con, KEYED_LINES)
    _drop(con, AGG_ENERGY)
    for path, _ in reversed(MODELS):
        _drop(con, path.rsplit("/", 1)[-1].removesuffix(".sql"))
