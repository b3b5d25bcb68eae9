"""Column header of the demo CUR (legacy names) and the line item types it contains.

Order follows real exports: identity, bill, lineItem in AWS order, then product/ProductName
followed by the other product/* columns sorted, pricing, reservation, savingsPlan and
resourceTags columns sorted.
"""

from __future__ import annotations

_LINE_ITEM_COLUMNS = [
    "lineItem/UsageAccountId",
    "lineItem/LineItemType",
    "lineItem/UsageStartDate",
    "lineItem/UsageEndDate",
    "lineItem/ProductCode",
    "lineItem/UsageType",
    "lineItem/Operation",
    "lineItem/AvailabilityZone",
    "lineItem/ResourceId",
    "lineItem/UsageAmount",
    "lineItem/NormalizationFactor",
    "lineItem/NormalizedUsageAmount",
    "lineItem/CurrencyCode",
    "lineItem/UnblendedRate",
    "lineItem/UnblendedCost",
    "lineItem/BlendedRate",
    "lineItem/BlendedCost",
    "lineItem/LineItemDescription",
    "lineItem/TaxType",
    "lineItem/LegalEntity",
]
_PRODUCT_COLUMNS = ["product/ProductName"] + sorted(
    "product/" + name
    for name in (
        "fromLocation",
        "instanceFamily",
        "instanceType",
        "location",
        "locationType",
        "memory",
        "operatingSystem",
        "operation",
        "physicalProcessor",
        "productFamily",
        "region",
        "regionCode",
        "servicecode",
        "sku",
        "storageClass",
        "tenancy",
        "toLocation",
        "transferType",
        "usagetype",
        "vcpu",
        "volumeApiName",
        "volumeType",
    )
)
CUR_HEADER: tuple[str, ...] = tuple(
    [
        "identity/LineItemId",
        "identity/TimeInterval",
        "bill/InvoiceId",
        "bill/InvoicingEntity",
        "bill/BillingEntity",
        "bill/BillType",
        "bill/PayerAccountId",
        "bill/BillingPeriodStartDate",
        "bill/BillingPeriodEndDate",
    ]
    + _LINE_ITEM_COLUMNS
    + _PRODUCT_COLUMNS
    + [
        "pricing/currency",
        "pricing/publicOnDemandCost",
        "pricing/publicOnDemandRate",
        "pricing/term",
        "pricing/unit",
        "reservation/EffectiveCost",
        "reservation/ReservationARN",
        "savingsPlan/SavingsPlanARN",
        "savingsPlan/SavingsPlanEffectiveCost",
        "savingsPlan/SavingsPlanRate",
        "resourceTags/user:env",
        "resourceTags/user:team",
    ]
)

#: Every lineItem/LineItemType value the demo file contains.
LINE_ITEM_TYPES: tuple[str, ...] = (
    "Usage",
    "DiscountedUsage",
    "SavingsPlanCoveredUsage",
    "SavingsPlanNegation",
    "SavingsPlanRecurringFee",
    "RIFee",
    "Fee",
    "Tax",
    "Credit",
    "Refund",
)
