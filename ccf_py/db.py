"""Open the DuckDB database and prepare a connection (macros, coefficient tables)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from ccf_py import coefficients
from ccf_py.errors import ConfigError
from ccf_py.ingest.aws_cur import RAW_TABLE_DDL
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
        raise ConfigError(f"{target}: no such database (run 'ccf-py ingest aws-cur ...' first)")
    try:
        con = duckdb.connect(target, read_only=read_only)
    except duckdb.Error as exc:
        raise ConfigError(f"{target}: cannot open database: "
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
        con.execute(RAW_TABLE_DDL)
    prepare(con)
    return con


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Macros and coefficient tables live in the session (TEMP), never in the user's file,
    so a newer ccf_py or edited coefficients take effect without migrating databases."""
    text = "\n".join(ln for ln in query_text("macros/energy.sql").splitlines()
                     if not ln.strip().startswith("--"))
    for body in text.split(";"):
        if body.strip():
            con.execute(body.replace("CREATE OR REPLACE MACRO", "CREATE OR REPLACE TEMP MACRO"))
    coefficients.load_tables(con)
