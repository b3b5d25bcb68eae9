"""Monthly and non-usage line items: RI and SP fees, support fee, credit, refund, then tax."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ccf_py.demo_data.builder import _CurBuilder
from ccf_py.demo_data.catalog import (
    _RI_ARN,
    _RI_RATE,
    _SP_ARN,
    _TAX_RATE,
    PROD_ACCOUNT,
    STAGING_ACCOUNT,
)
from ccf_py.demo_data.fleet import _SP_COMMITMENT
from ccf_py.demo_data.formatting import _CENT, _plain


def _commitments_and_adjustments(b: _CurBuilder, ri_count: int, sp_scale: int) -> None:
    """Monthly/non-usage line items: RI and SP fees, support fee, credit, refund, then tax."""
    _ri_fee(b, ri_count)
    _savings_plan_fees(b, sp_scale)
    _support_fee(b)
    _credit_and_refund(b)
    _taxes(b)


def _ri_fee(b: _CurBuilder, ri_count: int) -> None:
    """Reserved instance recurring fee (1yr, no upfront), one row for the month."""
    hours_in_month = Decimal(24 * b.days)
    b.add(
        day=None,
        account=PROD_ACCOUNT,
        line_item_type="RIFee",
        product_code="AmazonEC2",
        usage_type="HeavyUsage:r5.xlarge",
        operation="RunInstances",
        region="us-east-1",
        amount=hours_in_month * ri_count,
        rate=_RI_RATE,
        unit="Hrs",
        term="Reserved",
        description=f"USD {_RI_RATE} hourly fee per Linux/UNIX (Amazon VPC), r5.xlarge instance",
        product={
            "productFamily": "Compute Instance",
            "servicecode": "AmazonEC2",
            "instanceType": "r5.xlarge",
        },
        extra={
            "reservation/ReservationARN": _RI_ARN,
            "reservation/EffectiveCost": "0.0",
        },
    )


def _savings_plan_fees(b: _CurBuilder, sp_scale: int) -> None:
    """Savings Plan recurring fee: one row per day (24 commitment hours), as in real daily CURs."""
    commitment = _SP_COMMITMENT * sp_scale
    for day in range(1, b.days + 1):
        b.add(
            day=day,
            account=PROD_ACCOUNT,
            line_item_type="SavingsPlanRecurringFee",
            product_code="ComputeSavingsPlans",
            usage_type="ComputeSP:1yrNoUpfront",
            operation="",
            region=None,
            amount=Decimal(24),
            rate=commitment,
            unit="Hrs",
            term="",
            description=f"1 year No Upfront Compute Savings Plan, ${_plain(commitment)} hourly "
            "commitment",
            product={"productFamily": "Savings Plan"},
            extra={"savingsPlan/SavingsPlanARN": _SP_ARN},
        )


def _support_fee(b: _CurBuilder) -> None:
    """AWS Support (Business): 10% of the prod account's monthly usage, at least $100."""
    prod_usage = sum(
        (cost for (acct, _), cost in b.cost_by_service.items() if acct == PROD_ACCOUNT),
        Decimal(0),
    )
    support = max(Decimal(100), prod_usage * Decimal("0.10")).quantize(_CENT)
    b.add(
        day=None,
        account=PROD_ACCOUNT,
        line_item_type="Fee",
        product_code="AWSSupportBusiness",
        usage_type="Dollar",
        operation="",
        region=None,
        amount=Decimal(1),
        rate=support,
        unit="Dollar",
        term="",
        description="AWS Support (Business)",
        product={"productFamily": "AWS Support"},
    )


def _credit_and_refund(b: _CurBuilder) -> None:
    """Promotional credit on the 1st, refund on the last day."""
    for day, account, line_item_type, product_code, cost, description in (
        (None, PROD_ACCOUNT, "Credit", "AmazonEC2", "-250.00",
         "AWS Credits - Migration Acceleration Program"),
        (b.days, STAGING_ACCOUNT, "Refund", "AmazonS3", "-37.42",
         "Refund for S3 request overcharge (Case 1234567890)"),
    ):  # fmt: skip
        b.add(
            day=day,
            account=account,
            line_item_type=line_item_type,
            product_code=product_code,
            usage_type="",
            operation="",
            region=None,
            amount=Decimal(0),
            rate=None,
            cost=Decimal(cost),
            unit="",
            term="",
            description=description,
        )


def _taxes(b: _CurBuilder) -> None:
    """Sales tax per account and service, on the 1st, spanning the month."""
    for (account, product_code), net in sorted(b.cost_by_service.items()):
        tax = (net * _TAX_RATE).quantize(_CENT, rounding=ROUND_HALF_UP)
        if tax <= 0:
            continue
        b.add(
            day=None,
            account=account,
            line_item_type="Tax",
            product_code=product_code,
            usage_type="",
            operation="",
            region=None,
            amount=Decimal(1),
            rate=None,
            cost=tax,
            unit="",
            term="",
            description=f"Tax for product code {product_code}",
            extra={"lineItem/TaxType": "USSalesTax"},
        )
