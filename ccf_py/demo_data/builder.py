"""Row builder: accumulates CUR line items for one billing period and writes them as gzip CSV."""

from __future__ import annotations

import base64
import calendar
import csv
import datetime as dt
import gzip
import io
import pathlib
import random
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

from ccf_py.demo_data.catalog import (
    _ENV_OF_ACCOUNT,
    _LEGAL_ENTITY,
    _PRODUCT_NAMES,
    _REGIONS,
    PAYER_ACCOUNT,
)
from ccf_py.demo_data.formatting import _TEN_DP, _fmt, _sku, _ts
from ccf_py.demo_data.header import CUR_HEADER

#: A resource emitter's product: a callable day -> None that appends that day's rows.
_DayEmitter = Callable[[int], None]


class _CurBuilder:
    """Accumulates CUR rows for one billing period."""

    def __init__(self, year: int, month: int, rng: random.Random) -> None:
        self.rng = rng
        self.days = calendar.monthrange(year, month)[1]
        self.first = dt.date(year, month, 1)
        self.next_first = self.first + dt.timedelta(days=self.days)
        self.rows: list[dict[str, str]] = []
        # (account, product code) -> net cost, used for the Tax rows.
        self.cost_by_service: dict[tuple[str, str], Decimal] = {}

    # -- ids -------------------------------------------------------------------------------
    def hex_id(self, prefix: str) -> str:
        return f"{prefix}-0{self.rng.getrandbits(64):016x}"

    def _line_item_id(self) -> str:
        """52 lowercase base32 characters, like real CUR line item ids."""
        return base64.b32encode(self.rng.randbytes(35)).decode().lower()[:52]

    def date(self, day: int) -> dt.date:
        return self.first + dt.timedelta(days=day - 1)

    # -- generic row -------------------------------------------------------------------------
    def add(
        self,
        *,
        day: int | None,
        account: str,
        line_item_type: str,
        product_code: str,
        usage_type: str,
        operation: str,
        region: str | None,
        amount: Decimal,
        rate: Decimal | None,
        unit: str,
        description: str,
        resource_id: str = "",
        az: str = "",
        cost: Decimal | None = None,
        blended_rate: Decimal | None = None,
        blended_cost: Decimal | None = None,
        public_rate: Decimal | None = None,
        term: str = "OnDemand",
        team: str | None = None,
        product: Mapping[str, str] | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> Decimal:
        """Append one line item; ``day=None`` means a row spanning the whole billing period.

        Returns the unblended cost written.
        """
        start = self.first if day is None else self.date(day)
        end = self.next_first if day is None else start + dt.timedelta(days=1)
        if cost is None:
            cost = amount * (rate if rate is not None else Decimal(0))
        cost = cost.quantize(_TEN_DP, rounding=ROUND_HALF_UP)
        row = self._new_row(start)
        row.update(
            {
                "lineItem/UsageAccountId": account,
                "lineItem/LineItemType": line_item_type,
                "lineItem/UsageStartDate": _ts(start),
                "lineItem/UsageEndDate": _ts(end),
                "lineItem/ProductCode": product_code,
                "lineItem/UsageType": usage_type,
                "lineItem/Operation": operation,
                "lineItem/AvailabilityZone": az,
                "lineItem/ResourceId": resource_id,
                "lineItem/UsageAmount": _fmt(amount),
                "lineItem/UnblendedRate": _fmt_or_empty(rate),
                "lineItem/UnblendedCost": _fmt(cost),
                "lineItem/BlendedRate": _fmt_or_empty(
                    rate if blended_rate is None else blended_rate
                ),
                "lineItem/BlendedCost": _fmt(cost if blended_cost is None else blended_cost),
                "lineItem/LineItemDescription": description,
                "product/ProductName": _PRODUCT_NAMES.get(product_code, product_code),
                "pricing/term": term,
                "pricing/unit": unit,
            }
        )
        row.update(_product_columns(product_code, usage_type, operation, region, product))
        row.update(_public_price_columns(line_item_type, amount, rate, cost, public_rate))
        row.update(extra or {})
        if team is not None:
            row["resourceTags/user:team"] = team
            row["resourceTags/user:env"] = _ENV_OF_ACCOUNT[account]
        self.rows.append(row)
        key = (account, product_code)
        if line_item_type not in ("Tax", "Credit", "Refund"):
            self.cost_by_service[key] = self.cost_by_service.get(key, Decimal(0)) + cost
        return cost

    def _new_row(self, start: dt.date) -> dict[str, str]:
        """A fresh line item id plus the columns that depend on the period and day only."""
        return {
            "identity/LineItemId": self._line_item_id(),
            "identity/TimeInterval": f"{_ts(start)}/{_ts(start + dt.timedelta(days=1))}",
            "bill/InvoicingEntity": _LEGAL_ENTITY,
            "bill/BillingEntity": "AWS",
            "bill/BillType": "Anniversary",
            "bill/PayerAccountId": PAYER_ACCOUNT,
            "bill/BillingPeriodStartDate": _ts(self.first),
            "bill/BillingPeriodEndDate": _ts(self.next_first),
            "lineItem/CurrencyCode": "USD",
            "lineItem/LegalEntity": _LEGAL_ENTITY,
            "pricing/currency": "USD",
        }


def _fmt_or_empty(value: Decimal | None) -> str:
    return "" if value is None else _fmt(value)


def _product_columns(
    product_code: str,
    usage_type: str,
    operation: str,
    region: str | None,
    product: Mapping[str, str] | None,
) -> dict[str, str]:
    """product/* columns: usage type, operation and SKU, the region, then ``product`` itself."""
    columns: dict[str, str] = {}
    if usage_type:
        columns["product/usagetype"] = usage_type
        columns["product/operation"] = operation
        columns["product/sku"] = _sku(product_code, usage_type, operation)
    if region is not None:
        columns["product/region"] = region
        columns["product/regionCode"] = region
        columns["product/location"] = _REGIONS[region].location
        columns["product/locationType"] = "AWS Region"
    columns.update({f"product/{key}": value for key, value in (product or {}).items()})
    return columns


def _public_price_columns(
    line_item_type: str,
    amount: Decimal,
    rate: Decimal | None,
    cost: Decimal,
    public_rate: Decimal | None,
) -> dict[str, str]:
    """Public on-demand rate and cost: explicit, or the rate itself for plain Usage rows."""
    if public_rate is not None:
        return {
            "pricing/publicOnDemandRate": _fmt(public_rate),
            "pricing/publicOnDemandCost": _fmt(amount * public_rate),
        }
    if line_item_type == "Usage" and rate is not None:
        return {
            "pricing/publicOnDemandRate": _fmt(rate),
            "pricing/publicOnDemandCost": _fmt(cost),
        }
    return {}


def _write_csv_gz(path: pathlib.Path, rows: Sequence[Mapping[str, str]]) -> None:
    """Write ``rows`` under :data:`CUR_HEADER` as gzip CSV; the bytes depend on the rows only."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(
        buffer, fieldnames=list(CUR_HEADER), restval="", extrasaction="raise", lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    _write_gz(path, buffer.getvalue().encode("utf-8"))


def _write_gz(path: pathlib.Path, data: bytes) -> None:
    """gzip ``data`` with no file name and mtime 0, so the bytes depend on ``data`` only."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        open(path, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz,
    ):
        gz.write(data)
