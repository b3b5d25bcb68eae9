"""Units as billed -> FOCUS ConsumedUnit (``coefficients/units.csv``)."""

from __future__ import annotations

from ccf_py import coefficients
from ccf_py.ingest.files import qstr


def consumed_unit_sql(provider: str, unit_sql: str) -> str:
    """A SQL CASE turning ``unit_sql`` (the source's unit) into the normalized unit; a unit
    the table does not know is kept as written."""
    rows = [r for r in coefficients.validate("units") if r["provider"] == provider]
    if not rows:
        return unit_sql
    cases = " ".join(f"WHEN {qstr(r['pricing_unit'])} THEN {qstr(r['consumed_unit'])}"
                     for r in rows)
    return f"CASE {unit_sql} {cases} ELSE {unit_sql} END"


def native_unit_sql(provider: str, unit_sql: str) -> str:
    """The inverse of :func:`consumed_unit_sql`: a normalized unit (a FOCUS ConsumedUnit such as
    ``Seconds``) back to ``provider``'s own spelling (``seconds``), the first of the table's
    rows for it; a spelling the table does not know (already the provider's own) is kept."""
    native: dict[str, str] = {}
    for r in coefficients.validate("units"):
        if r["provider"] == provider:
            native.setdefault(r["consumed_unit"], r["pricing_unit"])
    if not native:
        return unit_sql
    cases = " ".join(f"WHEN {qstr(k)} THEN {qstr(v)}" for k, v in native.items())
    return f"CASE {unit_sql} {cases} ELSE {unit_sql} END"
