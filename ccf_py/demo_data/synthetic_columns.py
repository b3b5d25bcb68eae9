"""Per-template column values of the synthetic CUR: every column fixed by the usage type.

Each list holds one value per usage template followed by the two non-usage templates (Tax,
Credit).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ccf_py.demo_data.catalog import _INSTANCE_TYPES, _NORMALIZATION_FACTOR, _REGIONS
from ccf_py.demo_data.formatting import _sku
from ccf_py.demo_data.sql import _SqlValue
from ccf_py.demo_data.synthetic_templates import _Template

_Columns = dict[str, list[_SqlValue]]


def _usage_only(values: Iterable[_SqlValue]) -> list[_SqlValue]:
    """Per-template values followed by NULL for the non-usage templates (Tax, Credit)."""
    return [*values, None, None]


def _synthetic_static_columns(templates: Sequence[_Template]) -> _Columns:
    """Per-template values of every column that depends on the template only.

    The last two entries are the non-usage templates (Tax, Credit).
    """
    return {
        **_line_item_columns(templates),
        **_location_columns(templates),
        **_product_columns(templates),
    }


def _line_item_columns(templates: Sequence[_Template]) -> _Columns:
    """Line item type, usage type, operation, rates, description, tax type and pricing."""
    n_usage = len(templates)
    usage_types = _usage_only(t.usage_type for t in templates)
    operations = _usage_only(t.operation for t in templates)
    rates = _usage_only(t.rate for t in templates)
    return {
        "lineItem/LineItemType": ["Usage"] * n_usage + ["Tax", "Credit"],
        "lineItem/UsageType": usage_types,
        "lineItem/Operation": operations,
        "product/usagetype": usage_types,
        "product/operation": operations,
        "lineItem/UnblendedRate": rates,
        "lineItem/BlendedRate": rates,
        "pricing/publicOnDemandRate": rates,
        "lineItem/NormalizationFactor": _usage_only(
            _NORMALIZATION_FACTOR.get(t.instance_type.split(".")[-1])
            if t.kind == "i" and t.instance_type
            else None
            for t in templates
        ),
        "lineItem/LineItemDescription": _usage_only(
            f"${t.rate:g} per {t.unit} - {t.usage_type}" for t in templates
        ),
        "lineItem/TaxType": [None] * n_usage + ["USSalesTax", None],
        "pricing/term": ["OnDemand"] * n_usage + [None, None],
        "pricing/unit": _usage_only(t.unit for t in templates),
    }


def _location_columns(templates: Sequence[_Template]) -> _Columns:
    """Region and location columns; data transfer templates go from the region to the internet."""
    locations = [_REGIONS[t.region].location if t.region else None for t in templates]
    data_transfer = [t.family == "Data Transfer" for t in templates]
    pairs = zip(locations, data_transfer, strict=True)
    regions = _usage_only(t.region or None for t in templates)
    return {
        "product/region": regions,
        "product/regionCode": regions,
        "product/location": _usage_only(locations),
        "product/locationType": _usage_only("AWS Region" if t.region else None for t in templates),
        "product/fromLocation": _usage_only(loc if is_dt else None for loc, is_dt in pairs),
        "product/toLocation": _usage_only("External" if is_dt else None for is_dt in data_transfer),
        "product/transferType": _usage_only(
            "AWS Outbound" if is_dt else None for is_dt in data_transfer
        ),
    }


def _product_columns(templates: Sequence[_Template]) -> _Columns:
    """Product family, service code, SKU, instance type details and storage class."""
    specs = [_INSTANCE_TYPES.get(t.instance_type) for t in templates]
    is_ec2 = [t.kind == "i" and t.family == "Compute Instance" for t in templates]
    return {
        "product/productFamily": _usage_only(t.family for t in templates),
        "product/servicecode": _usage_only(t.product_code for t in templates),
        "product/sku": _usage_only(
            _sku(t.product_code, t.usage_type, t.operation) for t in templates
        ),
        "product/instanceType": _usage_only(t.instance_type or None for t in templates),
        "product/instanceFamily": _usage_only(s.family if s else None for s in specs),
        "product/vcpu": _usage_only(str(s.vcpu) if s else None for s in specs),
        "product/memory": _usage_only(f"{s.memory_gib} GiB" if s else None for s in specs),
        "product/physicalProcessor": _usage_only(s.processor if s else None for s in specs),
        "product/operatingSystem": _usage_only("Linux" if e else None for e in is_ec2),
        "product/tenancy": _usage_only("Shared" if e else None for e in is_ec2),
        "product/storageClass": _usage_only(t.storage_class or None for t in templates),
        "product/volumeApiName": _usage_only(t.volume_api or None for t in templates),
        "product/volumeType": [None] * (len(templates) + 2),
    }
