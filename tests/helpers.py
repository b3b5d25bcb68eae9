"""Small builders shared by tests: write legacy CUR CSV files from dict rows."""

from __future__ import annotations

import csv
from pathlib import Path

LEGACY_HEADER = [
    "bill/PayerAccountId", "bill/BillingPeriodStartDate", "lineItem/UsageAccountId",
    "lineItem/LineItemType", "lineItem/UsageStartDate", "lineItem/ProductCode",
    "lineItem/UsageType", "pricing/unit", "lineItem/UsageAmount", "lineItem/UnblendedCost",
    "lineItem/BlendedCost", "product/vcpu", "product/region", "lineItem/ResourceId",
]


def write_cur(path: Path, rows: list[dict], header: list[str] | None = None) -> Path:
    """Write a legacy CUR CSV. Row dicts use the short names below; missing ones are blank."""
    header = header or LEGACY_HEADER
    short = {
        "payer": "bill/PayerAccountId", "period": "bill/BillingPeriodStartDate",
        "account": "lineItem/UsageAccountId", "type": "lineItem/LineItemType",
        "start": "lineItem/UsageStartDate", "service": "lineItem/ProductCode",
        "usage_type": "lineItem/UsageType", "unit": "pricing/unit",
        "amount": "lineItem/UsageAmount", "cost": "lineItem/UnblendedCost",
        "blended": "lineItem/BlendedCost", "vcpu": "product/vcpu", "region": "product/region",
        "resource": "lineItem/ResourceId",
    }
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        for r in rows:
            out = {short.get(k, k): v for k, v in r.items()}
            out.setdefault("bill/PayerAccountId", "999999999999")
            out.setdefault("lineItem/LineItemType", "Usage")
            if "bill/BillingPeriodStartDate" not in out and "lineItem/UsageStartDate" in out:
                month = out["lineItem/UsageStartDate"][:8]
                out["bill/BillingPeriodStartDate"] = month + "01T00:00:00Z"
            if "lineItem/BlendedCost" in header:
                out.setdefault("lineItem/BlendedCost", out.get("lineItem/UnblendedCost", ""))
            w.writerow({k: out.get(k, "") for k in header})
    return path
