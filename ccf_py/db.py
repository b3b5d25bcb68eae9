"""Open the DuckDB database and prepare a connection (macros, coefficient tables)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb

from ccf_py import coefficients
from ccf_py.errors import ConfigError
from ccf_py.ingest.table import DDL, TABLE
from ccf_py.resources import query_text

DEFAULT_DB = "ccf.duckdb"
ENV_DB = "CCF_PY_DB"
# DuckDB's default (80 % of RAM) lets its buffer pool keep every block an ingest wrote; a fixed
# cap keeps peak memory flat as bills grow (it spills to disk instead). Override with the env.
ENV_MEMORY_LIMIT = "CCF_PY_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "1GB"


def resolve_path(path: str | os.PathLike[str] | None) -> str:
    """``--db`` wins, then ``$CCF_PY_DB``, then ``./ccf.duckdb``."""
    if path:
        return str(path)
    return os.environ.get(ENV_DB) or DEFAULT_DB


def connect(path: str | os.PathLike[str] | None = None, *, read_only: bool = False
            ) -> duckdb.DuckDBPyConnection:
    target = resolve_path(path)
    if target != ":memory:" and read_only and not Path(target).exists():
        raise ConfigError(f"{target}: no such database (load billing data first: "
                          f"'ccf-py --db {target} ingest PATH')")
    _refuse_other_files(target)
    con = _open(target, read_only)
    try:
        _refuse_other_databases(con, target, read_only)
        if _outdated(con):  # written by an older ccf_py: upgrade once, read-write
            if read_only:
                con.close()
                try:
                    con = _open(target, False)
                except ConfigError as exc:
                    raise ConfigError(f"{target}: written by ccf_py 0.1; opening it once with "
                                      f"write access upgrades it ({exc})") from None
            _upgrade(con)
            if read_only:
                con.close()
                con = _open(target, True)
    except (ConfigError, duckdb.Error) as exc:
        con.close()
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"{target}: cannot upgrade a database of an older ccf_py: "
                          f"{str(exc).strip().splitlines()[0]}") from None
    # CUR timestamps are UTC; a local TimeZone would shift TIMESTAMPTZ values (Parquet) into
    # the previous month or day.
    con.execute("SET TimeZone = 'UTC'")
    try:
        con.execute("SET memory_limit = ?",
                    [os.environ.get(ENV_MEMORY_LIMIT) or DEFAULT_MEMORY_LIMIT])
    except duckdb.Error as exc:
        con.close()
        raise ConfigError(f"${ENV_MEMORY_LIMIT}: {str(exc).strip().splitlines()[0]}") from None
    if not read_only:
        con.execute(DDL)
    prepare(con)
    return con


def _open(target: str, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(target, read_only=read_only)
    except duckdb.Error as exc:
        raise ConfigError(f"{target}: cannot open database: "
                          f"{str(exc).strip().splitlines()[0]}") from None


def _outdated(con: duckdb.DuckDBPyConnection) -> bool:
    """A database of ccf_py 0.1 (its AWS-only ``raw_aws_cur``, before the billing table)."""
    return bool(con.execute(
        "SELECT 1 FROM duckdb_tables() WHERE table_name = 'raw_aws_cur' "
        "AND database_name = current_database() AND NOT temporary").fetchone())


# raw_aws_cur (ccf_py 0.1) column -> billing-table column; every row is AWS billing
_OLD_COLUMNS = {
    "billing_period": "billing_period_start", "usage_start": "charge_period_start",
    "payer_account_id": "billing_account_id", "account_id": "sub_account_id",
    "line_item_type": "x_line_item_type", "service": "service_name", "usage_type": "x_usage_type",
    "region": "region_id", "pricing_unit": "pricing_unit", "usage_amount": "consumed_quantity",
    "unblended_cost": "billed_cost", "blended_cost": "x_blended_cost",
    "public_on_demand_cost": "list_cost", "vcpu": "x_vcpus", "instance_type": "x_instance_type",
    "resource_id": "resource_id", "tags": "tags", "source_file": "source_file",
    "load_id": "load_id"}


def _upgrade(con: duckdb.DuckDBPyConnection) -> None:
    """Move the rows of a ccf_py 0.1 database into the billing table, in one transaction.
    The charge category and normalized unit are derived as the AWS ingest derives them; 0.1
    kept no currency and no effective cost, so those stay NULL (a report treats rows without
    a currency as in the month's one currency, and says so)."""
    from ccf_py.ingest import aws_cur, units

    if con.execute(f"SELECT 1 FROM duckdb_tables() WHERE table_name = '{TABLE}' "
                   "AND database_name = current_database()").fetchone() and \
            con.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0]:
        raise ConfigError("this database has billing data in both ccf_py 0.1's raw_aws_cur "
                          "and billed_lines (an older ccf_py wrote to it after it was "
                          "upgraded): load those months again with this version, then run "
                          "DROP TABLE raw_aws_cur in duckdb")
    usage = f"line_item_type IN ({', '.join(repr(t) for t in aws_cur.USAGE_TYPES)})"
    select = ", ".join(f"{old} AS {new}" for old, new in _OLD_COLUMNS.items()
                       if new != "consumed_quantity")
    with transaction(con):
        con.execute(DDL)
        con.execute(
            f"INSERT INTO {TABLE} BY NAME SELECT {select}, 'aws' AS provider_name, "
            f"{aws_cur.charge_category_sql('line_item_type')} AS charge_category, "
            f"CASE WHEN {usage} THEN usage_amount END AS consumed_quantity, "
            f"CASE WHEN {usage} THEN {units.consumed_unit_sql('aws', 'pricing_unit')} END "
            "AS consumed_unit FROM raw_aws_cur")
        con.execute("DROP TABLE raw_aws_cur")


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN ... COMMIT, rolled back on any error (a failed COMMIT has rolled back already:
    the ROLLBACK's own error never hides the real one)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise


# A DuckDB database file carries this at bytes 8-11 (its storage header's magic).
_DUCKDB_MAGIC = b"DUCK"
OWN_TABLES = frozenset({TABLE, "ingest_log", "raw_aws_cur"})  # raw_aws_cur: ccf_py 0.1


def _refuse_other_files(target: str) -> None:
    """A --db that names a CSV, a Parquet file or anything else that is not DuckDB's."""
    path = Path(target)
    if target == ":memory:" or not path.is_file():
        return
    if path.stat().st_size == 0:
        raise ConfigError(f"{target}: an empty file, not a DuckDB database; remove it, or give "
                          "--db a new path")
    with path.open("rb") as fh:
        if fh.read(12)[8:12] != _DUCKDB_MAGIC:
            raise ConfigError(f"{target}: not a ccf_py database (not a DuckDB file; is it a "
                              "billing file? load it with 'ccf-py --db DB ingest FILE')")


def _refuse_other_databases(con: duckdb.DuckDBPyConnection, target: str,
                            read_only: bool) -> None:
    """A DuckDB database that ccf_py did not create: never report from it or write into it."""
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND NOT temporary").fetchall()}
    if read_only and not tables & {TABLE, "raw_aws_cur"}:
        raise ConfigError(f"{target}: not a ccf_py database (it has no {TABLE} table); "
                          "load billing data with 'ccf-py ingest PATH', or give the right --db")
    if tables and not tables & OWN_TABLES:
        shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise ConfigError(f"{target}: a DuckDB database ccf_py did not create (tables: {shown}); "
                          "give --db a new file or a ccf_py database")


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Macros and coefficient tables live in the session (TEMP), never in the user's file,
    so a newer ccf_py or edited coefficients take effect without migrating databases."""
    text = "\n".join(ln for ln in query_text("macros/energy.sql").splitlines()
                     if not ln.strip().startswith("--"))
    for body in text.split(";"):
        if body.strip():
            con.execute(body.replace("CREATE OR REPLACE MACRO", "CREATE OR REPLACE TEMP MACRO"))
    coefficients.load_tables(con)
