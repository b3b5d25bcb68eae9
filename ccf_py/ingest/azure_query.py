"""Fetch one month of actual cost through the Cost Management query API into a local CSV.

``client.query.usage`` (azure-mgmt-costmanagement, extra ``azure``) returns one page; the next
pages are the same POST sent to ``properties.nextLink``, which the SDK does not follow. HTTP 429
(Cost Management's throttling) is waited out as its headers ask — ``Retry-After`` or the
``x-ms-ratelimit-microsoft.costmanagement-*-retry-after`` headers, whichever is longest — at
most :data:`MAX_RETRIES` times a page. The SDK's own retries are off so the wait is ours.

The rows are written to a CSV with export column names (``Date``, ``MeterCategory``,
``CostInBillingCurrency``...) and loaded by ``azure_export`` like an export file: one code
path maps columns. The query's columns are the dimensions of :data:`GROUPING` plus the summed
cost and quantity, one row per day and group. Cost Management documents a limit on grouping
clauses for some scopes; a scope that refuses this grouping is reported as the service says.
"""

from __future__ import annotations

import csv
import os
import re
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from ccf_py.errors import SourceError
from ccf_py.ingest.sources import Source

API_VERSION = "2025-03-01"
ENDPOINT_ENV = "CCF_PY_AZURE_COST_API_URL"
MAX_RETRIES = 5
MAX_WAIT_S = 300.0
DEFAULT_WAIT_S = 10.0
GROUPING = ("SubscriptionId", "ResourceId", "ResourceLocation", "MeterCategory", "Meter",
            "UnitOfMeasure", "ChargeType", "PricingModel")
# query column (lower case) -> export column name
EXPORT_NAMES = {"pretaxcost": "CostInBillingCurrency", "cost": "CostInBillingCurrency",
                "usagequantity": "Quantity", "usagedate": "Date", "currency": "BillingCurrency",
                "meter": "MeterName", "metercategory": "MeterCategory",
                "subscriptionid": "SubscriptionId", "resourceid": "ResourceId",
                "resourcelocation": "ResourceLocation", "unitofmeasure": "UnitOfMeasure",
                "chargetype": "ChargeType", "pricingmodel": "PricingModel"}
_RETRY_HEADERS = ("retry-after", "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after",
                  "x-ms-ratelimit-microsoft.costmanagement-entity-retry-after",
                  "x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after",
                  "x-ms-ratelimit-microsoft.costmanagement-clienttype-retry-after")


def query_body(month: date) -> dict[str, Any]:
    """ActualCost, one calendar month, daily, summed cost and quantity per group."""
    end = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return {
        "type": "ActualCost", "timeframe": "Custom",
        "timePeriod": {"from": f"{month:%Y-%m-%d}T00:00:00Z", "to": f"{end:%Y-%m-%d}T23:59:59Z"},
        "dataset": {
            "granularity": "Daily",
            "aggregation": {"totalCost": {"name": "PreTaxCost", "function": "Sum"},
                            "totalQuantity": {"name": "UsageQuantity", "function": "Sum"}},
            "grouping": [{"type": "Dimension", "name": n} for n in GROUPING]}}


def make_client(endpoint: str | None = None) -> Any:
    """A CostManagementClient; a plain-http ``endpoint`` (a local stand-in) gets no token."""
    try:
        from azure.mgmt.costmanagement import CostManagementClient
    except ImportError:
        raise SourceError("the Cost Management query API needs azure-mgmt-costmanagement "
                          "(pip install 'ccf-py[azure]')") from None
    endpoint = endpoint or os.environ.get(ENDPOINT_ENV) or None
    if endpoint and endpoint.lower().startswith("http://"):
        from azure.core.credentials import AccessToken
        from azure.core.pipeline.policies import SansIOHTTPPolicy

        class _NoToken:  # never asked: the authentication policy below sends no token
            def get_token(self, *_scopes: str, **_kw: Any) -> AccessToken:
                return AccessToken("", 0)

        return CostManagementClient(_NoToken(), base_url=endpoint, retry_total=0,
                                    authentication_policy=SansIOHTTPPolicy())
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError:
        raise SourceError("the Cost Management query API needs azure-identity for "
                          "credentials (pip install 'ccf-py[azure]')") from None
    kwargs = {"base_url": endpoint} if endpoint else {}
    return CostManagementClient(DefaultAzureCredential(), retry_total=0, **kwargs)


def retry_after(headers: Any) -> float:
    """Seconds to wait before retrying a throttled request (bounded by MAX_WAIT_S)."""
    waits = []
    lowered = {str(k).lower(): v for k, v in dict(headers).items()}
    for name in _RETRY_HEADERS:
        value = lowered.get(name)
        if not value:
            continue
        try:
            waits.append(float(value))
        except ValueError:
            try:  # Retry-After may be an HTTP date
                waits.append(parsedate_to_datetime(value).timestamp() - time.time())
            except (TypeError, ValueError):
                continue
    return min(max(max(waits), 0.0), MAX_WAIT_S) if waits else DEFAULT_WAIT_S


def _pages(client: Any, scope: str, body: dict[str, Any],
           sleep: Callable[[float], None], progress: Callable[[str], None] | None
           ) -> Iterator[dict[str, Any]]:
    """The ``properties`` of every page of the query (columns, rows, nextLink)."""
    from azure.core.rest import HttpRequest

    def first() -> dict[str, Any]:
        result = client.query.usage(scope.strip("/"), body)
        return result.as_dict() if result is not None else {}

    def follow(link: str) -> Callable[[], dict[str, Any]]:
        def call() -> dict[str, Any]:
            response = client.send_request(HttpRequest("POST", link, json=body))
            response.raise_for_status()
            return response.json()
        return call

    call: Callable[[], dict[str, Any]] | None = first
    page = 0
    while call is not None:
        page += 1
        data = _with_retries(call, f"{scope} (page {page})", sleep, progress)
        props = data.get("properties", data)
        yield props
        link = props.get("nextLink") or props.get("next_link")
        call = follow(link) if link else None


def _with_retries(call: Callable[[], dict[str, Any]], what: str,
                  sleep: Callable[[float], None],
                  progress: Callable[[str], None] | None) -> dict[str, Any]:
    from azure.core.exceptions import AzureError, HttpResponseError

    for attempt in range(MAX_RETRIES + 1):
        try:
            return call()
        except HttpResponseError as exc:
            if exc.status_code != 429 or attempt == MAX_RETRIES:
                tries = f" after {attempt + 1} tries" if exc.status_code == 429 else ""
                raise SourceError(f"{what}: HTTP {exc.status_code}{tries}: "
                                  f"{_message(exc)}") from None
            wait = retry_after(exc.response.headers if exc.response is not None else {})
            if progress:
                progress(f"{what}: throttled (HTTP 429); retrying in {wait:g} s")
            sleep(wait)
        except AzureError as exc:
            raise SourceError(f"{what}: {_message(exc)}") from None
    raise AssertionError("unreachable")  # pragma: no cover


def _message(exc: Exception) -> str:
    text = " ".join(str(getattr(exc, "message", None) or exc).split())
    return text if len(text) <= 300 else text[:297] + "..."


def fetch_month(scope: str, month: date, workdir: Path, *, endpoint: str | None = None,
                progress: Callable[[str], None] | None = None,
                sleep: Callable[[float], None] = time.sleep) -> Source:
    """Query ``scope`` for ``month`` and write the rows to a CSV in ``workdir``."""
    client = make_client(endpoint)
    body = query_body(month)
    account = re.search(r"billingAccounts/([^/]+)", scope, re.IGNORECASE)
    out = Path(workdir) / f"azure-query-{month:%Y-%m}.csv"
    rows = 0
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        header: list[str] | None = None
        for props in _pages(client, scope, body, sleep, progress):
            names = [c.get("name", "") for c in props.get("columns") or []]
            if header is None:
                header = [EXPORT_NAMES.get(n.lower(), n) for n in names]
                writer.writerow([*header, "BillingPeriodStartDate", "BillingAccountId"])
            elif [EXPORT_NAMES.get(n.lower(), n) for n in names] != header:
                raise SourceError(f"{scope}: the query's pages have different columns")
            lowered = [n.lower() for n in names]
            day = lowered.index("usagedate") if "usagedate" in lowered else None
            for row in props.get("rows") or []:
                cells = ["" if c is None else str(c) for c in row]
                if day is not None and re.fullmatch(r"\d{8}", cells[day]):
                    cells[day] = f"{cells[day][:4]}-{cells[day][4:6]}-{cells[day][6:]}"
                writer.writerow([*cells, f"{month:%Y-%m-%d}",
                                 account.group(1) if account else ""])
                rows += 1
    if header is None:
        raise SourceError(f"{scope}: the query returned no columns")
    if progress:
        progress(f"{scope}: {rows} rows for {month:%Y-%m} from the Cost Management query API")
    return Source(f"{scope} {month:%Y-%m} (Cost Management query)", out)
