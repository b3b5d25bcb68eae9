"""Per-row estimates: classify the distinct usage keys, then run the estimates SQL model."""

from __future__ import annotations

from datetime import date

import duckdb

from ccf_py import coefficients
from ccf_py.classify import KEY_CLASS_COLUMNS, UsageKey, classify_keys
from ccf_py.errors import ConfigError
from ccf_py.model import METHODOLOGIES
from ccf_py.resources import query_text

KEY_COLUMNS = ("service", "usage_type", "pricing_unit", "line_item_type", "vcpu",
               "cur_instance_type")


def build_key_classes(con: duckdb.DuckDBPyConnection, methodology: str) -> int:
    """(Re)create TEMP table ``usage_key_class``: one row per distinct usage key."""
    if methodology not in METHODOLOGIES:
        raise ConfigError(f"unknown methodology {methodology!r} (use one of "
                          f"{', '.join(METHODOLOGIES)})")
    rows = con.execute(
        "SELECT DISTINCT service, usage_type, pricing_unit, line_item_type, vcpu, instance_type "
        "FROM raw_aws_cur").fetchall()
    keys = [UsageKey(*(r[:4]), r[4], r[5]) for r in rows]
    classified = classify_keys(keys, coefficients.load(), methodology)
    con.execute("CREATE OR REPLACE TEMP TABLE usage_key_class ("
                + ", ".join(f"{c} {'DOUBLE' if c == 'vcpu' else 'VARCHAR'}" for c in KEY_COLUMNS)
                + ", " + ", ".join(f"{c} {_type(c)}" for c in KEY_CLASS_COLUMNS) + ")")
    records = [(k.service, k.usage_type, k.pricing_unit, k.line_item_type, k.vcpu,
                k.instance_type, *(getattr(kc, c) for c in KEY_CLASS_COLUMNS))
               for k, kc in classified]
    if records:
        marks = ", ".join("?" * (len(KEY_COLUMNS) + len(KEY_CLASS_COLUMNS)))
        con.executemany(f"INSERT INTO usage_key_class VALUES ({marks})", records)
    return len(records)


def _type(column: str) -> str:
    if column in ("usage_class", "rule_id", "estimate_path", "instance_type", "ratio_unit",
                  "note"):
        return "VARCHAR"
    if column == "storage_per_gb_month":
        return "BOOLEAN"
    return "DOUBLE"


def estimates_sql() -> str:
    """The estimates model; takes ``$methodology`` and ``$month``."""
    return query_text("marts/usage_estimates.sql")


def create_estimates(con: duckdb.DuckDBPyConnection, methodology: str,
                     month: date | None = None, name: str = "usage_estimates") -> None:
    """Materialise the per-row estimates as TEMP table ``name``."""
    build_key_classes(con, methodology)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {estimates_sql()}",
                {"methodology": methodology, "month": month})
