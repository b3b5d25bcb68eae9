"""Monitoring emitters: CloudWatch custom metrics.

Each emitter returns a callable day -> None that appends that day's rows.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ccf_py.demo_data.builder import _CurBuilder, _DayEmitter
from ccf_py.demo_data.formatting import _TEN_DP, _usage_type


def _cloudwatch_metrics(b: _CurBuilder, account: str, region: str, metrics: int) -> _DayEmitter:
    amount = (Decimal(metrics) / b.days).quantize(_TEN_DP, rounding=ROUND_HALF_UP)

    def emit(day: int) -> None:
        b.add(
            day=day,
            account=account,
            line_item_type="Usage",
            product_code="AmazonCloudWatch",
            usage_type=_usage_type(region, "CW:MetricMonitorUsage"),
            operation="MetricStorage",
            region=region,
            amount=amount,
            rate=Decimal("0.3"),
            unit="Metrics",
            description="$0.30 per metric-month for the first 10,000 metrics",
            product={"productFamily": "Metric", "servicecode": "AmazonCloudWatch"},
        )

    return emit
