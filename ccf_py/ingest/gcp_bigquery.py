"""Read one invoice month of a Cloud Billing export table in BigQuery, aggregated there.

The query (``queries/ingest/gcp_billing_bigquery.sql``) sums the month's lines per day,
billing account, project, service, SKU, unit, region, machine type, cores, cost type, currency
and invoice month, as Cloud Carbon Footprint's query does, so only those sums travel. Each
result row is written as one export-shaped JSON line to a work file, which
``ccf_py.ingest.gcp_billing`` then loads like any export file (credits become Credit rows).
Labels and resource names are not in the sums: ``tags`` and ``resource_id`` stay NULL.

google-cloud-bigquery (the optional ``gcp`` extra) follows Google's credential chain;
``endpoint_url`` or ``$CCF_PY_BIGQUERY_ENDPOINT`` points it at another endpoint with anonymous
credentials (tests use a local stand-in).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ccf_py.errors import ConfigError, SourceError
from ccf_py.ingest.gcp_billing import CORES, MACHINE_SPEC
from ccf_py.ingest.sources import Source
from ccf_py.resources import query_text

QUERY = "ingest/gcp_billing_bigquery.sql"
ENV_ENDPOINT = "CCF_PY_BIGQUERY_ENDPOINT"
# project (optionally domain-scoped: example.com:proj), dataset, table; no quoting characters
_TABLE = re.compile(r"^((?:[a-z0-9.-]+:)?[a-z][a-z0-9-]{0,61}[a-z0-9])\.([A-Za-z0-9_]{1,1024})"
                    r"\.([A-Za-z0-9_$-]{1,1024})$")


def query(table: str, month: date) -> str:
    """The query text for ``table`` and the invoice month of ``month``."""
    if not _TABLE.match(table):
        raise ConfigError(f"--table {table!r}: expected PROJECT.DATASET.TABLE "
                          "(e.g. my-project.billing.gcp_billing_export_v1_0A1B2C_3D4E5F_6A7B8C)")
    return (query_text(QUERY).replace("__TABLE__", table)
            .replace("__INVOICE_MONTH__", f"{month:%Y%m}"))


def make_client(table: str, endpoint_url: str | None = None) -> Any:
    try:
        from google.cloud import bigquery
    except ImportError:
        raise SourceError(f"bigquery:{table}: needs google-cloud-bigquery "
                          "(pip install 'ccf-py[gcp]')") from None
    project = _TABLE.match(table).group(1)  # type: ignore[union-attr]
    endpoint = endpoint_url or os.environ.get(ENV_ENDPOINT) or None
    try:
        if endpoint:
            from google.api_core.client_options import ClientOptions
            from google.auth.credentials import AnonymousCredentials
            return bigquery.Client(project=project, credentials=AnonymousCredentials(),
                                   client_options=ClientOptions(api_endpoint=endpoint))
        # jobs run in the default project of the credentials, else in the table's project
        return bigquery.Client(project=os.environ.get("GOOGLE_CLOUD_PROJECT") or project)
    except Exception as exc:  # google.auth.exceptions.DefaultCredentialsError and kin
        raise SourceError(f"bigquery:{table}: {_reason(exc)}") from None


def fetch(table: str, month: date, workdir: Path, *, endpoint_url: str | None = None,
          progress: Callable[[str], None] | None = None, page_size: int = 10_000) -> Source:
    """Run the query and write its rows, page by page, to an export-shaped JSON file."""
    sql = query(table, month)
    client = make_client(table, endpoint_url)
    name = f"bigquery:{table} {month:%Y-%m}"
    out = Path(workdir) / "gcp_billing_bigquery.jsonl"
    if progress:
        progress(f"querying {table} for invoice month {month:%Y-%m}")
    rows = 0
    try:
        result = client.query(sql).result(page_size=page_size)
        with out.open("w", encoding="utf-8") as fh:
            for row in result:
                fh.write(json.dumps(export_line(dict(row.items()))) + "\n")
                rows += 1
    except OSError as exc:
        raise SourceError(f"{name}: cannot write {out}: {exc.strerror or exc}") from None
    except Exception as exc:  # google.api_core.exceptions.GoogleAPIError and transport errors
        raise SourceError(f"{name}: {_reason(exc)}") from None
    if rows == 0:
        raise SourceError(f"{name}: no export lines with invoice.month {month:%Y%m}")
    if progress:
        progress(f"{rows} aggregated rows from {table}")
    return Source(name, out)


def export_line(row: dict[str, Any]) -> dict[str, Any]:
    """One query row as a billing export line (the nested shape ``gcp_billing`` reads)."""
    day = row["usage_day"]
    labels = [{"key": k, "value": row[c]} for k, c in ((MACHINE_SPEC, "machine_spec"),
                                                      (CORES, "cores")) if row[c] is not None]
    return {
        "billing_account_id": row["billing_account_id"],
        "service": {"description": row["service_description"]},
        "sku": {"description": row["sku_description"]},
        "usage_start_time": day.isoformat() if isinstance(day, datetime | date) else day,
        "project": {"id": row["project_id"]},
        "system_labels": labels,
        "location": {"region": row["region"]},
        "cost": row["cost"], "cost_at_list": row["cost_at_list"], "currency": row["currency"],
        "usage": {"amount": row["usage_amount"], "unit": row["usage_unit"],
                  "amount_in_pricing_units": row.get("pricing_amount"),
                  "pricing_unit": row.get("pricing_unit")},
        "credits": [{"amount": row["credits"]}] if row["credits"] else [],
        "invoice": {"month": row["invoice_month"]},
        "cost_type": row["cost_type"],
    }


def _reason(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."
