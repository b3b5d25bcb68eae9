"""Large synthetic CUR in one DuckDB statement (benchmarks).

Everything runs inside DuckDB: per-template values are constant lists indexed by the template
number, so the cost per row is a few hashes and list look-ups.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from ccf_py.demo_data.catalog import (
    _ENV_OF_ACCOUNT,
    _LEGAL_ENTITY,
    _NORMALIZATION_FACTOR,
    _PRODUCT_NAMES,
    _TEAMS,
    PAYER_ACCOUNT,
    PROD_ACCOUNT,
    STAGING_ACCOUNT,
)
from ccf_py.demo_data.formatting import _parse_month, _ts
from ccf_py.demo_data.header import CUR_HEADER
from ccf_py.demo_data.sql import _by_template, _sql_array, _sql_list, _sql_str
from ccf_py.demo_data.synthetic_columns import _Columns, _synthetic_static_columns, _usage_only
from ccf_py.demo_data.synthetic_templates import _synthetic_templates, _Template


def generate_synthetic_cur_sql(
    n_rows: int, path: str, fmt: str = "csv", *, month: str = "2026-10"
) -> str:
    """One DuckDB ``COPY ... TO`` statement writing ``n_rows`` of synthetic legacy CUR.

    Same column names as :data:`CUR_HEADER`; ~40 usage types from the demo catalog cycled by
    ``i % 40``; days 1..30 of ``month``; resource ids spread by a hash (1,000+ distinct, more for
    bigger files); every 100th row is a Tax (positive) or Credit (negative) line item. In CSV
    the timestamps are CUR strings (``2026-10-01T00:00:00Z``); in Parquet they are ``TIMESTAMP``
    values. Everything runs inside DuckDB: per-template values are constant lists indexed by
    the template number, so the cost per row is a few hashes and list look-ups.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError("fmt must be 'csv' or 'parquet'")
    if n_rows < 0:
        raise ValueError("n_rows must be >= 0")
    cal = _synthetic_month(month)
    templates = _synthetic_templates()
    static = _synthetic_static_columns(templates)
    exprs: dict[str, str] = {name: _by_template(values) for name, values in static.items()}
    exprs.update(_time_exprs(cal, fmt))
    exprs.update(_account_exprs())
    exprs.update(_resource_exprs(templates))
    exprs.update(_line_item_exprs(templates, static))
    missing = set(CUR_HEADER) - set(exprs)
    if missing:  # pragma: no cover - guards edits to CUR_HEADER
        raise AssertionError(f"synthetic SQL lacks columns: {sorted(missing)}")
    select_list = ",\n  ".join(f'{exprs[name]} AS "{name}"' for name in CUR_HEADER)
    return _copy_statement(templates, select_list, n_rows, cal.n_days, path, fmt)


@dataclass(frozen=True)
class _SyntheticMonth:
    first: dt.date
    next_first: dt.date
    n_days: int  # usage days: at most 30
    days: tuple[dt.date, ...]  # usage days + last end


def _synthetic_month(month: str) -> _SyntheticMonth:
    year, mon = _parse_month(month)
    first = dt.date(year, mon, 1)
    next_first = first + dt.timedelta(days=calendar.monthrange(year, mon)[1])
    n_days = min(30, (next_first - first).days)
    days = tuple(first + dt.timedelta(days=n) for n in range(n_days + 1))
    return _SyntheticMonth(first, next_first, n_days, days)


def _stamp(day: dt.date, fmt: str) -> str:
    """A CUR timestamp string in CSV, a ``TIMESTAMP`` value in Parquet."""
    return _sql_str(_ts(day)) if fmt == "csv" else f"TIMESTAMP '{day.isoformat()} 00:00:00'"


def _time_exprs(cal: _SyntheticMonth, fmt: str) -> dict[str, str]:
    """Billing period, usage start/end and time interval, by day index ``d``."""
    days, n_days = cal.days, cal.n_days
    month_start, month_end = _stamp(cal.first, fmt), _stamp(cal.next_first, fmt)
    # Index d + 1 for usage rows; non-usage rows span the whole month (start 1, end n_days + 1).
    starts = "[" + ", ".join(_stamp(day, fmt) for day in days[:n_days]) + "]"
    ends = "[" + ", ".join([*(_stamp(day, fmt) for day in days[1:]), month_end]) + "]"
    intervals = _sql_array([f"{_ts(days[n])}/{_ts(days[n + 1])}" for n in range(n_days)])
    return {
        "identity/TimeInterval": f"{intervals}[d + 1]",
        "bill/BillingPeriodStartDate": month_start,
        "bill/BillingPeriodEndDate": month_end,
        "lineItem/UsageStartDate": f"{starts}[d + 1]",
        "lineItem/UsageEndDate": f"{ends}[CASE WHEN nu THEN {n_days + 1} ELSE d + 1 END]",
    }


def _account_exprs() -> dict[str, str]:
    """Bill columns, the account (a third of the resources are staging) and the tags."""
    return {
        "bill/InvoiceId": "CAST(NULL AS VARCHAR)",
        "bill/InvoicingEntity": _sql_str(_LEGAL_ENTITY),
        "bill/BillingEntity": "'AWS'",
        "bill/BillType": "'Anniversary'",
        "bill/PayerAccountId": _sql_str(PAYER_ACCOUNT),
        "lineItem/UsageAccountId": (
            f"CASE WHEN stg THEN '{STAGING_ACCOUNT}' ELSE '{PROD_ACCOUNT}' END"
        ),
        "lineItem/CurrencyCode": "'USD'",
        "lineItem/LegalEntity": _sql_str(_LEGAL_ENTITY),
        "pricing/currency": "'USD'",
        "reservation/EffectiveCost": "CAST(NULL AS DOUBLE)",
        "reservation/ReservationARN": "CAST(NULL AS VARCHAR)",
        "savingsPlan/SavingsPlanARN": "CAST(NULL AS VARCHAR)",
        "savingsPlan/SavingsPlanEffectiveCost": "CAST(NULL AS DOUBLE)",
        "savingsPlan/SavingsPlanRate": "CAST(NULL AS DOUBLE)",
        "resourceTags/user:env": (
            "CASE WHEN tg THEN CASE WHEN stg THEN 'staging' ELSE 'prod' END END"
        ),
        "resourceTags/user:team": f"CASE WHEN tg THEN {_sql_list(_TEAMS)}[1 + r % 4] END",
    }


def _resource_prefix(t: _Template, account: str) -> str | None:
    """Resource ids: a per-template prefix (with the account for ARNs) + a hex or number suffix."""
    reg = t.region
    return {
        "i": "i-0",
        "vol": "vol-0",
        "bucket": f"acme-{_ENV_OF_ACCOUNT[account]}-bucket-",
        "lambda": f"arn:aws:lambda:{reg}:{account}:function:fn-",
        "rds": f"arn:aws:rds:{reg}:{account}:db:db-",
        "nat": f"arn:aws:ec2:{reg}:{account}:natgateway/nat-0",
        "eks": f"arn:aws:eks:{reg}:{account}:cluster/cluster-",
        "ecs": f"arn:aws:ecs:{reg}:{account}:service/cluster/svc-",
        "cf": f"arn:aws:cloudfront::{account}:distribution/E",
    }.get(t.kind)


def _resource_exprs(templates: Sequence[_Template]) -> dict[str, str]:
    """Resource id and availability zone, spread over resource number ``r``."""
    hex_suffix = _sql_array([t.kind in ("i", "vol", "nat", "cf") for t in templates] + [False] * 2)
    prefix_prod = _sql_array(_usage_only(_resource_prefix(t, PROD_ACCOUNT) for t in templates))
    prefix_stg = _sql_array(_usage_only(_resource_prefix(t, STAGING_ACCOUNT) for t in templates))
    az_region = _sql_array(
        _usage_only(t.region if t.kind in ("i", "vol", "rds") else None for t in templates)
    )
    return {
        "lineItem/AvailabilityZone": f"{az_region}[idx] || ['a', 'b', 'c'][1 + r % 3]",
        "lineItem/ResourceId": (
            f"CASE WHEN stg THEN {prefix_stg}[idx] ELSE {prefix_prod}[idx] END || "
            f"CASE WHEN {hex_suffix}[idx] THEN printf('%016x', hash(r, idx)) "
            "ELSE CAST(r AS VARCHAR) END"
        ),
    }


def _line_item_exprs(templates: Sequence[_Template], static: _Columns) -> dict[str, str]:
    """Id, product, amount and cost columns; descriptions of the Tax and Credit rows."""
    k = len(templates)
    norm = _sql_array(
        _usage_only(
            float(_NORMALIZATION_FACTOR[t.instance_type.split(".")[-1]])
            if t.kind == "i" and t.instance_type
            else None
            for t in templates
        )
    )
    product_codes = _sql_array([t.product_code for t in templates])
    product_names = _sql_array(
        [_PRODUCT_NAMES.get(t.product_code, t.product_code) for t in templates]
    )
    return {
        "identity/LineItemId": "printf('%016x%016x%016x', hash(i, 1), hash(i, 2), hash(i, 3))",
        "lineItem/ProductCode": f"{product_codes}[pidx]",
        "lineItem/UsageAmount": "amount",
        "lineItem/NormalizedUsageAmount": f"amount * {norm}[idx]",
        "lineItem/UnblendedCost": "cost",
        "lineItem/BlendedCost": "cost",
        "lineItem/LineItemDescription": (
            f"CASE WHEN NOT nu THEN {_by_template(static['lineItem/LineItemDescription'])} "
            f"WHEN idx = {k + 1} THEN 'Tax for product code ' || {product_codes}[pidx] "
            "ELSE 'AWS Credits - Promotional' END"
        ),
        "product/ProductName": f"{product_names}[pidx]",
        "pricing/publicOnDemandCost": "CASE WHEN NOT nu THEN cost END",
    }


def _copy_statement(
    templates: Sequence[_Template],
    select_list: str,
    n_rows: int,
    n_days: int,
    path: str,
    fmt: str,
) -> str:
    """The ``COPY`` statement: row index ``i`` -> template, day, resource, amount and cost."""
    k = len(templates)
    resources = max(50, n_rows // (k * 30))  # ~one row per resource and day
    lo = _sql_array([t.amount_lo for t in templates] + [1.0, 0.0])
    hi = _sql_array([t.amount_hi for t in templates] + [1.0, 0.0])
    rate = _sql_array(_usage_only(t.rate for t in templates))
    tagged = _sql_array([t.tagged for t in templates] + [False, False])
    options = "FORMAT csv, HEADER" if fmt == "csv" else "FORMAT parquet"
    return f"""COPY (
WITH base AS (
  SELECT
    i,
    i % 100 = 99 AS nu,
    CASE WHEN i % 100 = 99 THEN {k + 1} + CAST((i // 100) % 2 AS INTEGER)
         ELSE 1 + CAST(i % {k} AS INTEGER) END AS idx,
    1 + CAST((i // 100) % {k} AS INTEGER) AS pidx_nu,
    CASE WHEN i % 100 = 99 THEN 0 ELSE CAST(hash(i, 'd') % {n_days} AS INTEGER) END AS d,
    CAST(hash(i, 'r') % {resources} AS BIGINT) AS r,
    CAST(hash(i, 'u') % 1000000 AS DOUBLE) / 1000000.0 AS u
  FROM range({int(n_rows)}) AS t(i)
),
calc AS (
  SELECT *,
    CASE WHEN nu THEN pidx_nu ELSE idx END AS pidx,
    r % 3 = 0 AS stg,
    {tagged}[idx] AND r % 10 <> 0 AS tg,
    round({lo}[idx] + ({hi}[idx] - {lo}[idx]) * u, 6) AS amount
  FROM base
),
costed AS (
  SELECT *,
    CASE
      WHEN NOT nu THEN round(amount * {rate}[idx], 10)
      WHEN idx = {k + 1} THEN round(0.5 + 50.0 * u, 2)
      ELSE -round(5.0 + 100.0 * u, 2)
    END AS cost
  FROM calc
)
SELECT
  {select_list}
FROM costed
) TO {_sql_str(path)} ({options})"""
