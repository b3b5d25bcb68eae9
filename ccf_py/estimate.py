"""Per-row estimates: classify the distinct usage keys, then run the estimates SQL model."""

from __future__ import annotations

import math
import re
from dataclasses import fields
from datetime import date

import duckdb

from ccf_py import coefficients
from ccf_py.classify import KEY_CLASS_COLUMNS, KeyClass, UsageKey, classify_keys
from ccf_py.errors import ConfigError
from ccf_py.model import METHODOLOGIES
from ccf_py.resources import query_text

KEY_CLASS_TYPES = {f.name: f.type for f in fields(KeyClass)}
KEY_COLUMNS = ("service", "usage_type", "pricing_unit", "line_item_type", "vcpu",
               "cur_instance_type")


def check_methodology(methodology: str) -> None:
    if methodology not in METHODOLOGIES:
        raise ConfigError(f"--methodology {methodology!r}: use one of "
                          f"{', '.join(METHODOLOGIES)}")


def build_key_classes(con: duckdb.DuckDBPyConnection, methodology: str) -> int:
    """(Re)create TEMP table ``usage_key_class``: one row per distinct usage key."""
    check_methodology(methodology)
    rows = con.execute(
        "SELECT DISTINCT service, usage_type, pricing_unit, line_item_type, vcpu, instance_type "
        "FROM raw_aws_cur").fetchall()
    keys = [UsageKey(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]
    classified = classify_keys(keys, coefficients.load(), methodology)
    con.execute("CREATE OR REPLACE TEMP TABLE usage_key_class ("
                + ", ".join(f"{c} {'DOUBLE' if c == 'vcpu' else 'VARCHAR'}" for c in KEY_COLUMNS)
                + ", " + ", ".join(f"{c} {_type(c)}" for c in KEY_CLASS_COLUMNS) + ")")
    records = [(k.service, k.usage_type, k.pricing_unit, k.line_item_type, k.vcpu,
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


# The SQL models in dependency order, with how each is materialised. The small ones (regions,
# sums per key, ratios) are tables; the per-row models stay views so a report streams over the
# raw table (create_estimates(materialize=True) makes them tables for the monthly report).
MODELS: tuple[tuple[str, str], ...] = (
    ("intermediate/int_region_factors.sql", "table"),
    ("intermediate/int_usage_lines.sql", "view"),
    ("intermediate/int_usage_agg.sql", "table"),
    ("intermediate/int_unknown_ratios.sql", "table"),
    ("marts/fct_usage_estimates.sql", "view"),
    ("marts/rpt_grouped.sql", "view"),
)


def bind(sql: str, params: dict[str, str | date | None],
         expressions: dict[str, str] | None = None) -> str:
    """Inline validated parameters as SQL literals, and trusted SQL expressions.

    DuckDB views cannot hold prepared parameters; the values here are never free user text:
    the methodology is checked against METHODOLOGIES and the month is a ``date``.
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
        elif value in METHODOLOGIES:
            literal = f"'{value}'"
        else:
            raise ConfigError(f"unexpected parameter value for {name}: {value!r}")
        sql = re.sub(rf"\${name}\b", literal, sql)
    return sql


def create_estimates(con: duckdb.DuckDBPyConnection, methodology: str,
                     month: date | None = None, *, report_key: str = "NULL",
                     key_params: dict[str, str] | None = None,
                     materialize: bool = False) -> None:
    """Create the models as TEMP relations.

    ``fct_usage_estimates`` is the per-row result; ``rpt_grouped`` sums it by ``report_key``
    (a SQL STRUCT of the report's keys) in one pass over the rows. ``materialize`` makes the
    per-row model a table (worth it when several reports read it, e.g. the monthly report).
    """
    build_key_classes(con, methodology)
    params = {"methodology": methodology, "month": month}
    for path, kind in MODELS:
        name = path.rsplit("/", 1)[-1].removesuffix(".sql")
        if materialize and name in ("int_usage_lines", "fct_usage_estimates"):
            kind = "table"  # computed once, read by every grouping of the monthly report
        _drop(con, name)
        sql = bind(query_text(path), params, {"report_key": report_key})
        uses = {k: v for k, v in (key_params or {}).items() if f"${k}" in sql}
        con.execute(f"CREATE TEMP {kind.upper()} {name} AS {sql}", uses or None)


def _drop(con: duckdb.DuckDBPyConnection, name: str) -> None:
    kinds = con.execute("SELECT table_type FROM information_schema.tables "
                        "WHERE table_name = ? AND table_catalog = 'temp'", [name]).fetchall()
    for (kind,) in kinds:
        con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} {name}")


def drop_estimates(con: duckdb.DuckDBPyConnection) -> None:
    """Remove the session's model relations (e.g. after an ingest made them stale)."""
    for path, _ in reversed(MODELS):
        _drop(con, path.rsplit("/", 1)[-1].removesuffix(".sql"))
