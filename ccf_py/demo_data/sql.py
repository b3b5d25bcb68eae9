"""SQL literals for the synthetic-CUR statement: strings, numbers, lists, per-template lists."""

from __future__ import annotations

from collections.abc import Sequence

#: A per-template column value as written into the DuckDB statement.
_SqlValue = str | float | bool | None


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_list(values: Sequence[str | float | int]) -> str:
    parts = []
    for v in values:
        if isinstance(v, str):
            parts.append(_sql_str(v))
        else:
            parts.append(repr(float(v)))
    return "[" + ", ".join(parts) + "]"


def _sql_value(value: _SqlValue) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _sql_str(value)
    return repr(float(value))


def _sql_array(values: Sequence[_SqlValue]) -> str:
    """A DuckDB list literal, ``NULL`` for ``None``."""
    return "[" + ", ".join(_sql_value(v) for v in values) + "]"


def _by_template(values: Sequence[_SqlValue]) -> str:
    """The value for template ``idx``: a constant when all agree, else a list look-up."""
    if all(v == values[0] for v in values):
        return _sql_value(values[0])
    return f"{_sql_array(values)}[idx]"
