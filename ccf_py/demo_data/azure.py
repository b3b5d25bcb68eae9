"""Synthetic Azure EA **actual cost** export (Cost Management, 55 columns, UTF-8 BOM, gzip CSV).

:func:`generate_demo_azure` writes one month of daily rows for the made-up enrollment in
:mod:`.azure_catalog`, with the exact column set and order of an EA actual-cost export
(finops-toolkit's ``EA_ActualCost_Small.csv``): ``MM/DD/YYYY`` dates, ``ResourceLocation``
spelled as Azure writes it (``EastUS``, ``westeurope``, ``NorthEurope``), ``UnitOfMeasure`` blocks
(``1 Hour``, ``10 Hours``, ``100 Hours``, ``1/Month``, ``1 GB/Month``, ``10K``...),
``AdditionalInfo`` JSON with ``ServiceType`` and ``VCPUs`` on VM rows, and ``Tags`` in Azure's
brace-less JSON style (``"team": "web","env": "prod"``).

``Cost`` = ``Quantity`` x ``EffectivePrice`` exactly (exports do not round it); on-demand rows have
``EffectivePrice`` = ``UnitPrice`` = ``PayGPrice``. One VM is covered by a reservation: its usage
rows have ``PricingModel`` Reservation and cost 0 (actual cost puts the money on the monthly
``Purchase`` row instead). EA usage details carry no tax rows, so there are none here.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import hashlib
import io
import json
import pathlib
import random
import uuid
from decimal import Decimal

from ccf_py.demo_data import azure_catalog as cat
from ccf_py.demo_data.builder import _write_gz
from ccf_py.demo_data.formatting import _parse_month

_Q6 = Decimal("0.000001")
_Q8 = Decimal("0.00000001")


def _dec(value: Decimal) -> str:
    """Plain decimal without trailing zeros, like the exports: ``24``, ``0.032256``."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _guid(*parts: str) -> str:
    return str(uuid.UUID(bytes=hashlib.sha1("|".join(parts).encode()).digest()[:16]))


def _part_number(*parts: str) -> str:
    digest = hashlib.sha1("|".join(parts).encode()).hexdigest()
    return f"AA{chr(65 + int(digest[0], 16))}-{int(digest[1:9], 16) % 100000:05d}"


def _tags(team: str | None, env: str) -> str:
    if team is None:
        return ""
    return ",".join(f'"{k}": "{v}"' for k, v in (("team", team), ("env", env)))


class _AzureBuilder:
    """Accumulates export rows for one billing month."""

    def __init__(self, year: int, month: int, rng: random.Random) -> None:
        self.rng = rng
        self.days = calendar.monthrange(year, month)[1]
        self.first = dt.date(year, month, 1)
        self.rows: list[dict[str, str]] = []

    def date(self, day: int) -> str:
        return (self.first + dt.timedelta(days=day - 1)).strftime("%m/%d/%Y")

    def base(self, day: int, sub: cat.Subscription) -> dict[str, str]:
        last = self.first + dt.timedelta(days=self.days - 1)
        return {
            "BillingAccountId": cat.BILLING_ACCOUNT_ID,
            "BillingAccountName": cat.BILLING_ACCOUNT_NAME,
            "BillingPeriodStartDate": self.first.strftime("%m/%d/%Y"),
            "BillingPeriodEndDate": last.strftime("%m/%d/%Y"),
            "BillingProfileId": cat.BILLING_ACCOUNT_ID,
            "BillingProfileName": cat.BILLING_ACCOUNT_NAME,
            "AccountOwnerId": cat.ACCOUNT_OWNER,
            "AccountName": cat.ACCOUNT_NAME,
            "SubscriptionId": sub.id,
            "SubscriptionName": sub.name,
            "Date": self.date(day),
            "BillingCurrency": "USD",
            "InvoiceSection": cat.INVOICE_SECTION,
            "CostCenter": sub.cost_center,
            "IsAzureCreditEligible": "True",
            "PublisherType": "Azure",
        }

    def usage(
        self,
        day: int,
        *,
        sub: cat.Subscription,
        region: str,
        meter: cat.Meter,
        quantity: Decimal,
        price: Decimal,
        resource_id: str,
        resource_group: str,
        team: str | None,
        additional_info: str = "",
        service_info2: str = "",
    ) -> dict[str, str]:
        """Append an on-demand usage row; returns it so callers can adjust pricing columns."""
        reg = cat.REGIONS[region]
        row = self.base(day, sub)
        regional = meter.meter_region is None
        row.update(
            {
                "Product": f"{meter.product} - {reg.product_suffix}" if regional else meter.product,
                "PartNumber": _part_number(meter.product, meter.name, region),
                "MeterId": _guid(meter.product, meter.name, region),
                "ServiceFamily": meter.service_family,
                "MeterCategory": meter.category,
                "MeterSubCategory": meter.subcategory,
                "MeterRegion": reg.meter_region if regional else str(meter.meter_region),
                "MeterName": meter.name,
                "Quantity": _dec(quantity),
                "EffectivePrice": _dec(price),
                "Cost": _dec(quantity * price),
                "UnitPrice": _dec(price),
                "ResourceLocation": reg.resource_location,
                "ConsumedService": meter.consumed_service,
                "ResourceId": resource_id,
                "ResourceName": resource_id.rsplit("/", 1)[1],
                "ServiceInfo2": service_info2,
                "AdditionalInfo": additional_info,
                "Tags": _tags(team, sub.env),
                "UnitOfMeasure": meter.unit,
                "ResourceGroup": resource_group,
                "OfferId": sub.offer_id,
                "PublisherName": "Microsoft",
                "PlanName": meter.plan,
                "ChargeType": "Usage",
                "Frequency": "UsageBased",
                "PayGPrice": _dec(price),
                "PricingModel": "OnDemand",
            }
        )
        self.rows.append(row)
        return row


def _arm_id(sub: cat.Subscription, group: str, rtype: str, name: str) -> str:
    return f"/subscriptions/{sub.id}/resourceGroups/{group}/providers/{rtype}/{name}"


def _reservation_columns() -> dict[str, str]:
    size = cat.VM_SIZES["D4s v5"].size
    benefit = f"/providers/Microsoft.Capacity/reservationOrders/{cat.RESERVATION_ORDER_ID}"
    return {
        "ReservationId": cat.RESERVATION_ID,
        "ReservationName": cat.RESERVATION_NAME,
        "ProductOrderId": cat.RESERVATION_ORDER_ID,
        "ProductOrderName": f"Reserved VM Instance, {size}, EU West, 1 Year",
        "Term": "12",
        "PricingModel": "Reservation",
        "benefitId": f"{benefit}/reservations/{cat.RESERVATION_ID}",
        "benefitName": cat.RESERVATION_NAME,
    }


# -- virtual machines and their disks ------------------------------------------------------


def _vm_hours(vm: cat.Vm, weekday: int, rng: random.Random) -> int:
    if vm.schedule == "weekdays":
        return 0 if weekday >= 5 else rng.randint(6, 14)
    return 24 * vm.count


def _vm_rows(b: _AzureBuilder, vm: cat.Vm, day: int) -> None:
    size = cat.VM_SIZES[vm.size]
    hours = _vm_hours(vm, (b.first + dt.timedelta(days=day - 1)).weekday(), b.rng)
    rtype = (
        "Microsoft.Compute/virtualMachineScaleSets"
        if vm.count > 1
        else ("Microsoft.Compute/virtualMachines")
    )
    info: dict[str, object] = {
        "UsageType": "ComputeHR",
        "ImageType": "Canonical",
        "ServiceType": size.size,
        "VCPUs": size.vcpus,
    }
    if vm.reserved:
        info.update(
            {
                "ConsumedQuantity": float(hours),
                "ReservationOrderId": cat.RESERVATION_ORDER_ID,
                "ReservationId": cat.RESERVATION_ID,
            }
        )
    if hours:
        row = b.usage(
            day,
            sub=vm.subscription,
            region=vm.region,
            meter=size.meter,
            quantity=Decimal(hours) / cat.UNIT_HOURS[size.meter.unit],
            price=size.prices[vm.region],
            resource_id=_arm_id(vm.subscription, vm.resource_group, rtype, vm.name),
            resource_group=vm.resource_group,
            team=vm.team,
            additional_info=json.dumps(info, separators=(",", ":")),
            service_info2="Canonical",
        )
        if vm.reserved:  # actual cost: reserved hours cost nothing here, see the Purchase row
            row.update(
                {"EffectivePrice": "0", "Cost": "0", "PayGPrice": "0", **_reservation_columns()}
            )
    _disk_row(b, vm, day)


def _disk_row(b: _AzureBuilder, vm: cat.Vm, day: int) -> None:
    meter, prices = cat.DISK_METERS[vm.disk]
    suffix = hashlib.sha1(vm.name.encode()).hexdigest()[:32]
    # Azure meters disks by the hour: 1/(days x 24) of a month, to 6 decimals, x 24 a day.
    per_day = (Decimal(1) / (b.days * 24)).quantize(_Q6) * 24
    b.usage(
        day,
        sub=vm.subscription,
        region=vm.region,
        meter=meter,
        quantity=per_day,
        price=prices[vm.region],
        resource_id=_arm_id(
            vm.subscription,
            vm.resource_group,
            "Microsoft.Compute/disks",
            f"{vm.name}_OsDisk_1_{suffix}",
        ),
        resource_group=vm.resource_group,
        team=vm.team,
    )


# -- other services and the reservation purchase -------------------------------------------


def _daily_row(b: _AzureBuilder, item: cat.Daily, day: int) -> None:
    if item.per_month:
        quantity = (item.low / b.days).quantize(_Q8)
    elif item.low == item.high:
        quantity = item.low
    else:
        low, high = int(item.low * 10**6), int(item.high * 10**6)
        quantity = Decimal(b.rng.randint(low, high)) / 10**6
    b.usage(
        day,
        sub=item.subscription,
        region=item.region,
        meter=item.meter,
        quantity=quantity,
        price=item.price,
        resource_id=_arm_id(item.subscription, item.resource_group, item.resource_type, item.name),
        resource_group=item.resource_group,
        team=item.team,
        additional_info=item.additional_info,
    )


def _purchase_row(b: _AzureBuilder) -> None:
    size = cat.VM_SIZES["D4s v5"]
    reg = cat.REGIONS["westeurope"]
    order = f"/providers/Microsoft.Capacity/reservationOrders/{cat.RESERVATION_ORDER_ID}"
    row = b.base(cat.RESERVATION_PURCHASE_DAY, cat.PROD)
    price = _dec(cat.RESERVATION_MONTHLY)
    row.update(
        {
            "Product": f"{size.meter.product} - {reg.product_suffix}",
            "PartNumber": _part_number(size.meter.product, size.meter.name, "westeurope"),
            "MeterId": _guid(size.meter.product, size.meter.name, "westeurope"),
            "ServiceFamily": "Compute",
            "MeterCategory": size.meter.category,
            "MeterSubCategory": size.meter.subcategory,
            "MeterRegion": reg.meter_region,
            "MeterName": size.meter.name,
            "Quantity": "1",
            "EffectivePrice": price,
            "Cost": price,
            "UnitPrice": price,
            "ResourceLocation": reg.resource_location,
            "ConsumedService": "Microsoft.Capacity",
            "ResourceId": f"{order}/reservations/",
            "UnitOfMeasure": "1 Hour",
            **_reservation_columns(),
            "ReservationId": cat.RESERVATION_ORDER_ID,  # Purchase rows carry the order id here
            "benefitId": f"{order}/reservations/",
            "ChargeType": "Purchase",
            "Frequency": "Recurring",
            "PayGPrice": "0",
        }
    )
    b.rows.append(row)


def generate_demo_azure(path: pathlib.Path, month: str = "2026-10", seed: int = 42) -> int:
    """Write one deterministic month of an Azure EA actual-cost export (gzip CSV) to ``path``.

    Returns the number of data rows written. The bytes depend only on ``month`` and ``seed``.
    """
    year, mon = _parse_month(month)
    b = _AzureBuilder(year, mon, random.Random(seed))
    for day in range(1, b.days + 1):
        for vm in cat.VMS:
            _vm_rows(b, vm, day)
        for item in cat.DAILY:
            _daily_row(b, item, day)
        if day == cat.RESERVATION_PURCHASE_DAY:
            _purchase_row(b)
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(
        buffer,
        fieldnames=list(cat.EA_ACTUAL_COST_HEADER),
        restval="",
        extrasaction="raise",
        lineterminator="\n",
    )
    writer.writeheader()
    writer.writerows(b.rows)
    _write_gz(path, ("\ufeff" + buffer.getvalue()).encode("utf-8"))
    return len(b.rows)
