"""``ccf-py estimate``: the per-row estimates of a month stored as the table
``carbon_estimates`` of the user's database, so a BI tool pointed at the ``.duckdb`` file sees
them (the SQL models themselves live only in each ccf_py session, as TEMP relations).

One row per billed line and methodology: ``fct_usage_estimates``'s columns (keys, provenance,
physical quantities, energy and CO2e), the line's ``x_line_id``, ``source_file`` and
``load_id`` (how it joins back to ``billed_lines``), and ``month``, ``methodology``,
``estimated_at``, ``ccf_py_version``, ``coefficients_fingerprint``. Storing a month again
replaces that month's rows of the same methodology; loading a month again deletes all its
rows (``ccf_py.ingest.load.forget_estimates``): they described the replaced data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import duckdb

from ccf_py.db import transaction
from ccf_py.errors import ConfigError
from ccf_py.estimate import create_estimates
from ccf_py.ingest.table import ESTIMATES_TABLE, TABLE

# fct_usage_estimates columns not stored: the session's row id (a reload may renumber rows)
# and the cost a ratio was applied to (an intermediate of the from_cost path)
NOT_STORED = ("billed_rowid", "ratio_cost")


@dataclass(frozen=True)
class StoredMonth:
    month: str          # YYYY-MM
    methodology: str
    rows: int           # rows written
    replaced: int       # rows of an earlier `ccf-py estimate` of the same month and methodology


def rows_sql(con: duckdb.DuckDBPyConnection, month: str, period: date,
             methodology: str) -> str:
    """The stored columns of every estimate of ``fct_usage_estimates`` (built for ``period``
    and ``methodology`` by ``create_estimates``), joined to its billed line. ``month`` and
    ``methodology`` are checked values (YYYY-MM of a loaded month, METHODOLOGIES)."""
    has_line_id = con.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_name = ? AND column_name = "
        "'x_line_id' AND table_catalog = current_database()", [TABLE]).fetchone()
    line_id = "b.x_line_id" if has_line_id else "CAST(NULL AS VARCHAR)"  # an older database
    return (f"SELECT '{month}' AS month, '{methodology}' AS methodology, "
            f"e.* EXCLUDE ({', '.join(NOT_STORED)}), {line_id} AS x_line_id, "
            f"b.source_file, b.load_id FROM fct_usage_estimates e "
            f"JOIN {TABLE} b ON b.rowid = e.billed_rowid "
            f"WHERE b.billing_period_start = DATE '{period.isoformat()}'")


def store(con: duckdb.DuckDBPyConnection, months: Sequence[tuple[str, date]],
          methodology: str, *, version: str, fingerprint: str) -> list[StoredMonth]:
    """Compute and store the estimates of ``months`` ((YYYY-MM, first day) pairs) in one
    transaction: all months or none."""
    if con.execute("SELECT readonly FROM duckdb_databases() "
                   "WHERE database_name = current_database()").fetchone()[0]:
        raise ConfigError("storing estimates needs the database opened for writing "
                          "(api.open_db(path), not read_only=True)")
    stamp = (f"TIMESTAMP '{datetime.now(UTC).replace(tzinfo=None).isoformat(sep=' ')}' "
             f"AS estimated_at, {_quote(version)} AS ccf_py_version, "
             f"{_quote(fingerprint)} AS coefficients_fingerprint")
    stored = []
    with transaction(con):
        for month, period in months:
            create_estimates(con, methodology, period)
            select = f"SELECT *, {stamp} FROM ({rows_sql(con, month, period, methodology)})"
            _ensure_table(con, select)
            replaced = con.execute(f"DELETE FROM {ESTIMATES_TABLE} WHERE month = ? "
                                   "AND methodology = ?", [month, methodology]).fetchone()[0]
            rows = con.execute(f"INSERT INTO {ESTIMATES_TABLE} BY NAME {select}").fetchone()[0]
            stored.append(StoredMonth(month, methodology, int(rows), int(replaced)))
    return stored


def _ensure_table(con: duckdb.DuckDBPyConnection, select: str) -> None:
    """Create the table from the query's columns, or add the columns a table written by an
    older ccf_py lacks (estimates gain columns as the models grow)."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {ESTIMATES_TABLE} AS {select} LIMIT 0")
    have = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "AND table_catalog = current_database()", [ESTIMATES_TABLE]).fetchall()}
    for name, typ, *_ in con.execute(f"DESCRIBE {select}").fetchall():
        if name not in have:
            con.execute(f'ALTER TABLE {ESTIMATES_TABLE} ADD COLUMN "{name}" {typ}')


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
