"""Synthetic GCP and Azure billing exports for run_benchmark.py, and their baseline queries.

Each generator is ONE DuckDB ``COPY (SELECT ... FROM range(n)) TO ...`` statement, so 10 M rows
are written in seconds, as ``ccf_py.demo_data.generate_synthetic_cur_sql`` does for AWS: the
per-SKU / per-meter values are constant lists indexed by the template number ``t``, the rest is
hashes of the row number ``i``.

* GCP: a standard usage cost export as newline-delimited JSON (what ``bq extract`` writes), with
  the nested schema of ``tests/fixtures/ccf_parity/gcp_input.jsonl``: service/sku/project/
  location/usage/invoice records, ``labels``, ``system_labels`` (machine_spec, cores, memory on
  Compute Engine VM lines), ``credits`` (sustained use / committed use / free tier on some lines,
  an empty list on the rest), ``cost_type`` regular with a few tax and adjustment lines.
* Azure: an EA actual cost export CSV with the header of
  ``tests/fixtures/azure/finopstoolkit_EA_ActualCost_Small.csv``: MM/DD/YYYY dates, AdditionalInfo
  JSON (ServiceType, VCPUs... on VM lines), Tags without braces (as EA writes them), reservation
  purchases and reservation-covered usage at zero cost (so the file reads as an actual export).

The baselines read exactly the fields ccf_py's ingest reads, derived from the ingest modules'
own column specs (``gcp_billing.FIELDS`` / ``JSON_COLUMNS``, ``azure_export.COLUMNS``), with the
same declared reader types, and group / aggregate them like the AWS baseline.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
AZURE_SAMPLE = REPO / "tests" / "fixtures" / "azure" / "finopstoolkit_EA_ActualCost_Small.csv"
PROVIDER_FORMATS = {"gcp": ("json", "json.gz"), "azure": ("csv", "csv.gz")}
N_DAYS = 30  # usage days 1..30 of October 2026


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _qi(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _arr(values: list[Any]) -> str:
    """A DuckDB list literal of str / float / int / None."""
    def one(v: Any) -> str:
        if v is None:
            return "NULL"
        if isinstance(v, str):
            return _q(v)
        return repr(v)
    return "[" + ", ".join(one(v) for v in values) + "]"


# --------------------------------------------------------------------------------------- GCP

# (service id, service, sku id, sku, usage.unit, pricing_unit, usage units per pricing unit,
#  price per pricing unit, typical usage amount per line, VM line)
_GIB = 2.0 ** 30
_GCP_SKUS: list[tuple[str, str, str, str, str, str, float, float, float, bool]] = [
    ("6F81-5844-456A", "Compute Engine", "2E27-4F75-95CD",
     "N1 Predefined Instance Core running in Americas", "seconds", "hour", 3600.0, 0.031611,
     3600.0 * 4, True),
    ("6F81-5844-456A", "Compute Engine", "6C71-E844-38BC",
     "N1 Predefined Instance Ram running in Americas", "byte-seconds", "gibibyte hour",
     3600.0 * _GIB, 0.004237, 3600.0 * 15 * _GIB, True),
    ("6F81-5844-456A", "Compute Engine", "CF4E-A0C7-E3BF", "E2 Instance Core running in EMEA",
     "seconds", "hour", 3600.0, 0.024, 3600.0 * 8, True),
    ("6F81-5844-456A", "Compute Engine", "0162-0965-AAF5", "E2 Instance Ram running in EMEA",
     "byte-seconds", "gibibyte hour", 3600.0 * _GIB, 0.0032, 3600.0 * 32 * _GIB, True),
    ("6F81-5844-456A", "Compute Engine", "BB77-5FDA-3F4A", "N2 Instance Core running in Americas",
     "seconds", "hour", 3600.0, 0.031611, 3600.0 * 16, True),
    ("6F81-5844-456A", "Compute Engine", "5B01-D157-A097", "N2 Instance Ram running in Americas",
     "byte-seconds", "gibibyte hour", 3600.0 * _GIB, 0.004237, 3600.0 * 64 * _GIB, True),
    ("6F81-5844-456A", "Compute Engine", "039F-D0DA-4055",
     "Nvidia Tesla T4 GPU running in Americas", "seconds", "hour", 3600.0, 0.35, 3600.0, True),
    ("6F81-5844-456A", "Compute Engine", "D973-5D65-BAB2", "Storage PD Capacity",
     "byte-seconds", "gibibyte month", 3600.0 * 730 * _GIB, 0.04, 3600.0 * 200 * _GIB, False),
    ("6F81-5844-456A", "Compute Engine", "B188-61DD-52E4", "SSD backed PD Capacity",
     "byte-seconds", "gibibyte month", 3600.0 * 730 * _GIB, 0.17, 3600.0 * 100 * _GIB, False),
    ("6F81-5844-456A", "Compute Engine", "992F-8ABD-30B6",
     "Network Internet Egress from Americas to EMEA", "bytes", "gibibyte", _GIB, 0.12,
     5 * _GIB, False),
    ("6F81-5844-456A", "Compute Engine", "DE9E-AFBC-A15A", "Network Inter Zone Egress",
     "bytes", "gibibyte", _GIB, 0.01, 20 * _GIB, False),
    ("95FF-2EF5-5EA1", "Cloud Storage", "E5F0-6A5D-7BAD", "Standard Storage US Multi-region",
     "byte-seconds", "gibibyte month", 3600.0 * 730 * _GIB, 0.026, 3600.0 * 5000 * _GIB, False),
    ("95FF-2EF5-5EA1", "Cloud Storage", "1E7D-CBB0-AF0C", "Multi-Region Standard Class A "
     "Operations", "requests", "count", 1.0, 0.000005, 40000.0, False),
    ("95FF-2EF5-5EA1", "Cloud Storage", "22EB-AAE8-FBCD", "Download Worldwide Destinations "
     "(excluding Asia & Australia)", "bytes", "gibibyte", _GIB, 0.12, 2 * _GIB, False),
    ("24E6-581D-38E5", "BigQuery", "F17B-412E-CB64", "Analysis", "bytes", "tebibyte",
     _GIB * 1024, 6.25, 300 * _GIB, False),
    ("24E6-581D-38E5", "BigQuery", "3BA5-B5A4-5B7B", "Active Logical Storage", "byte-seconds",
     "gibibyte month", 3600.0 * 730 * _GIB, 0.02, 3600.0 * 800 * _GIB, False),
    ("9662-B51E-5089", "Cloud SQL", "AE0C-9B7B-12C9", "Cloud SQL for MySQL: Zonal - vCPU in "
     "Americas", "seconds", "hour", 3600.0, 0.0413, 3600.0 * 2, False),
    ("9662-B51E-5089", "Cloud SQL", "72F9-308E-7D68", "Cloud SQL for MySQL: Zonal - RAM in "
     "Americas", "byte-seconds", "gibibyte hour", 3600.0 * _GIB, 0.007, 3600.0 * 8 * _GIB, False),
    ("CCD8-9BF1-090E", "Kubernetes Engine", "B561-BFBD-1264", "Regional Kubernetes Clusters",
     "seconds", "hour", 3600.0, 0.1, 3600.0, False),
    ("152E-C115-5142", "Cloud Run", "E4F7-6F4A-55B0", "CPU Allocation Time", "seconds",
     "vCPU-second", 1.0, 0.000024, 9000.0, False),
    ("152E-C115-5142", "Cloud Run", "5C27-48B6-B8B1", "Memory Allocation Time", "byte-seconds",
     "gibibyte second", _GIB, 0.0000025, 18000.0 * _GIB, False),
    ("29E7-DA93-CA13", "Cloud Functions", "F001-2B8E-8E6A", "Invocations", "requests",
     "count", 1.0, 0.0000004, 250000.0, False),
    ("5490-F7B7-8DF6", "Cloud Logging", "143F-A1B0-E0BE", "Log Volume", "bytes", "gibibyte",
     _GIB, 0.5, 3 * _GIB, False),
    ("E505-1604-58F8", "Networking", "9C0E-7D6C-7CDB", "Cloud NAT Gateway uptime", "seconds",
     "hour", 3600.0, 0.0014, 3600.0, False),
    ("A1E8-BE35-7EBC", "Cloud Pub/Sub", "8EC9-6A76-2C5A", "Message Delivery Basic", "bytes",
     "tebibyte", _GIB * 1024, 40.0, 50 * _GIB, False),
]
_GCP_REGIONS = [("us-central1", "US"), ("us-east4", "US"), ("us-west1", "US"),
                ("europe-west1", "BE"), ("europe-west2", "GB"), ("europe-west4", "NL"),
                ("asia-east1", "TW"), ("asia-northeast1", "JP")]
_GCP_PROJECTS = [(f"orbit-{name}-{600000 + 37 * k}", f"{600000 + 37 * k}{k:06d}", f"orbit-{name}")
                 for k, name in enumerate(["web", "analytics", "ml", "data", "batch", "payments",
                                           "search", "auth", "mobile", "infra", "sandbox",
                                           "reporting"])]
_MACHINE_SPECS = [("n1-standard-4", 4, 15360), ("e2-standard-8", 8, 32768),
                  ("n2-standard-16", 16, 65536), ("e2-medium", 2, 4096),
                  ("n2-highmem-8", 8, 65536), ("n1-standard-1", 1, 3840)]
_TEAMS = ["analytics", "platform", "web", "ml"]
_ENVS = ["prod", "staging", "dev"]
GCP_BILLING_ACCOUNT = "0C4D5E-6F7081-92A3B4"


def _gcp_inner(n_rows: int) -> str:
    k = len(_GCP_SKUS)
    vm = _arr([s[9] for s in _GCP_SKUS])
    return (f"SELECT i, t, vm, d, h, p, r, ms, cost_type, amount, "
            f"round(amount / {_arr([s[6] for s in _GCP_SKUS])}[t + 1] "
            f"* {_arr([s[7] for s in _GCP_SKUS])}[t + 1], 6) AS list_cost FROM ("
            f"SELECT i, t, ({vm}[t + 1] AND i % 997 <> 500) AS vm, d, h, p, r, ms, "
            "CASE WHEN i % 997 = 500 THEN 'tax' WHEN i % 1999 = 1000 THEN 'adjustment' "
            "ELSE 'regular' END AS cost_type, "
            f"{_arr([s[8] for s in _GCP_SKUS])}[t + 1] * (0.1 + (hash(i, 11) % 1000) / 500.0) "
            "AS amount FROM ("
            f"SELECT i, CAST(i % {k} AS INTEGER) AS t, CAST(hash(i, 1) % {N_DAYS} AS INTEGER) "
            "AS d, CAST(hash(i, 2) % 24 AS INTEGER) AS h, "
            f"CAST(hash(i, 3) % {len(_GCP_PROJECTS)} AS INTEGER) AS p, "
            f"CAST(hash(i, 4) % {len(_GCP_REGIONS)} AS INTEGER) AS r, "
            f"CAST(hash(i, 5) % {len(_MACHINE_SPECS)} AS INTEGER) AS ms "
            f"FROM range({int(n_rows)}) AS g(i)))")


def _gcp_rows(n_rows: int) -> str:
    """The generator's rows before they become JSON: indexes, cost, and the credits list."""
    # tax lines: cost a tenth of a line's list cost, no usage; adjustments: a small negative
    cost = ("CASE cost_type WHEN 'tax' THEN round(list_cost * 0.1, 6) "
            "WHEN 'adjustment' THEN round(-0.05 * list_cost, 6) ELSE list_cost END AS cost")
    credit_t = "STRUCT(name VARCHAR, amount DOUBLE, full_name VARCHAR, id VARCHAR, type VARCHAR)"
    sud = ("{'name': 'Sustained Usage Discount', 'amount': round(-0.2 * cost, 6), "
           "'full_name': 'Sustained Usage Discount', 'id': 'SUD-' || t, "
           "'type': 'SUSTAINED_USAGE_DISCOUNT'}")
    promo = ("{'name': 'Free Trial', 'amount': round(-0.5 * cost, 6), 'full_name': "
             "'Free Trial:4C4E4C4D', 'id': 'free-trial', 'type': 'FREE_TIER'}")
    credits = (f"CASE WHEN vm AND i % 3 = 0 AND i % 50 = 7 THEN [{sud}, {promo}] "
               f"WHEN vm AND i % 3 = 0 THEN [{sud}] WHEN i % 50 = 7 THEN [{promo}] "
               f"ELSE CAST([] AS {credit_t}[]) END")
    return (f"SELECT *, {credits} AS credits FROM (SELECT *, {cost} FROM "
            f"({_gcp_inner(n_rows)}))")


def generate_gcp_sql(n_rows: int, path: str) -> str:
    """One ``COPY`` writing ``n_rows`` lines of a GCP standard usage cost export (NDJSON)."""
    sk = _GCP_SKUS
    kv = "STRUCT(key VARCHAR, value VARCHAR)[]"
    day = "printf('2026-10-%02d %02d:00:00 UTC', d + 1, h)"
    day_end = "printf('2026-10-%02d %02d:00:00 UTC', d + 1 + (h + 1) // 24, (h + 1) % 24)"
    proj = (f"{{'id': {_arr([p[0] for p in _GCP_PROJECTS])}[p + 1], "
            f"'number': {_arr([p[1] for p in _GCP_PROJECTS])}[p + 1], "
            f"'name': {_arr([p[2] for p in _GCP_PROJECTS])}[p + 1], "
            "'labels': [{'key': 'cost-center', 'value': 'cc-' || (2200 + p)}], "
            "'ancestry_numbers': '/318274650913/' || "
            f"{_arr([p[1] for p in _GCP_PROJECTS])}[p + 1] || '/'}}")
    labels = (f"CASE WHEN i % 5 = 4 THEN CAST([] AS {kv}) WHEN i % 5 = 3 THEN "
              f"[{{'key': 'env', 'value': {_arr(_ENVS)}[1 + p % 3]}}] "
              f"ELSE [{{'key': 'env', 'value': {_arr(_ENVS)}[1 + p % 3]}}, "
              f"{{'key': 'team', 'value': {_arr(_TEAMS)}[1 + (i // 5) % 4]}}] END")
    system = (f"CASE WHEN vm THEN [{{'key': 'compute.googleapis.com/machine_spec', 'value': "
              f"{_arr([m[0] for m in _MACHINE_SPECS])}[ms + 1]}}, "
              "{'key': 'compute.googleapis.com/cores', 'value': "
              f"CAST({_arr([m[1] for m in _MACHINE_SPECS])}[ms + 1] AS VARCHAR)}}, "
              "{'key': 'compute.googleapis.com/memory', 'value': "
              f"CAST({_arr([m[2] for m in _MACHINE_SPECS])}[ms + 1] AS VARCHAR)}}] "
              f"ELSE CAST([] AS {kv}) END")
    service_id = f"{_arr([s[0] for s in sk])}[t + 1]"
    select = ",\n  ".join([
        f"{_q(GCP_BILLING_ACCOUNT)} AS billing_account_id",
        "CASE WHEN cost_type = 'tax' THEN {'id': '6F81-5844-TAX0', 'description': 'Invoice'} "
        f"ELSE {{'id': {service_id}, 'description': {_arr([s[1] for s in sk])}[t + 1]}} "
        "END AS service",
        "CASE WHEN cost_type = 'tax' THEN {'id': 'TAX0-0000-0000', 'description': 'Tax'} "
        f"ELSE {{'id': {_arr([s[2] for s in sk])}[t + 1], "
        f"'description': {_arr([s[3] for s in sk])}[t + 1]}} END AS sku",
        f"{day} AS usage_start_time", f"{day_end} AS usage_end_time",
        f"{proj} AS project", f"{labels} AS labels", f"{system} AS system_labels",
        f"{{'location': {_arr([r[0] for r in _GCP_REGIONS])}[r + 1], "
        f"'country': {_arr([r[1] for r in _GCP_REGIONS])}[r + 1], "
        f"'region': {_arr([r[0] for r in _GCP_REGIONS])}[r + 1], "
        f"'zone': {_arr([r[0] for r in _GCP_REGIONS])}[r + 1] || '-' || ['a', 'b', 'c'][1 + i % 3]"
        "} AS location",
        f"CAST([] AS {kv}) AS tags",
        "printf('2026-10-%02d %02d:32:17.%06d UTC', d + 1 + (h + 7) // 24, (h + 7) % 24, "
        "i % 1000000) AS export_time",
        "cost", "'USD' AS currency", "1.0 AS currency_conversion_rate",
        f"{{'amount': amount, 'unit': {_arr([s[4] for s in sk])}[t + 1], "
        f"'amount_in_pricing_units': amount / {_arr([s[6] for s in sk])}[t + 1], "
        f"'pricing_unit': {_arr([s[5] for s in sk])}[t + 1]}} AS usage",
        "credits",
        "{'month': '202610'} AS invoice", "cost_type",
        "CAST(NULL AS VARCHAR) AS adjustment_info",
        "CASE WHEN cost_type = 'regular' THEN list_cost END AS cost_at_list",
        "'GOOGLE' AS transaction_type", "CAST(NULL AS VARCHAR) AS seller_name",
    ])
    return (f"COPY (SELECT\n  {select}\nFROM ({_gcp_rows(n_rows)})) TO {_q(path)} "
            "(FORMAT JSON)")


def gcp_expected_rows(con: Any, n_rows: int) -> int:
    """Lines + credit rows (credits summing to non-zero) ccf_py loads for the generated file,
    counted over the generator's own rows (range(), not the file)."""
    extra = con.execute(
        f"SELECT count(*) FROM ({_gcp_rows(n_rows)}) "
        "WHERE list_sum(list_transform(credits, c -> c.amount)) <> 0").fetchone()[0]
    return n_rows + int(extra)


def gcp_baseline_sql(path: str, *, native_times: bool = False) -> tuple[str, list[str]]:
    """read_json with ccf_py's own declared columns (``JSON_COLUMNS``), over exactly the
    fields its GCP ingest reads (``FIELDS`` paths, credits, labels, system_labels).

    ccf_py declares the timestamps VARCHAR and converts the text with its one rule (via
    TIMESTAMPTZ); the baseline does the same unless ``native_times``, which declares each
    top-level timestamp field with its stored type (TIMESTAMP) so DuckDB's JSON reader parses
    it (the stricter baseline: that is how the AWS baseline treats CSV timestamps)."""
    from ccf_py.ingest.gcp_billing import FIELDS, JSON_COLUMNS

    declared = dict(JSON_COLUMNS)
    native = set()
    if native_times:
        for paths, typ in FIELDS.values():
            if typ == "TIMESTAMP" and declared.get(paths[0]) == "VARCHAR":
                declared[paths[0]] = typ
                native.add(paths[0])
    spec = ", ".join(f"{_q(k)}: {_q(v)}" for k, v in declared.items())
    reader = f"read_json({_q(path)}, format='newline_delimited', columns={{{spec}}})"
    group = {"billing_account_id", "service", "sku", "project_id", "region", "location",
             "usage_unit", "currency", "invoice_month", "cost_type"}
    keys, aggs, read = [], ["count(*) AS n"], []
    for i, (name, (paths, typ)) in enumerate(FIELDS.items()):
        sql = ".".join(_qi(p) for p in paths[0].split("."))
        read.append(paths[0])
        if name in group:
            keys.append(sql)
        elif typ == "DOUBLE":
            aggs.append(f"sum({sql}) AS a{i}")
        elif typ == "TIMESTAMP" and paths[0] in native:
            aggs.append(f"max({sql}) AS a{i}")
        elif typ == "TIMESTAMP":  # declared VARCHAR, as ccf_py declares it; parsed here
            aggs.append(f"max(CAST(CAST({sql} AS TIMESTAMPTZ) AS TIMESTAMP)) AS a{i}")
        else:
            aggs.append(f"sum(length({sql})) AS a{i}")
    aggs += ["sum(list_sum(list_transform(credits, c -> c.amount))) AS credits",
             "sum(len(labels)) AS labels",
             "sum(len(list_filter(system_labels, l -> l.key = "
             "'compute.googleapis.com/machine_spec'))) AS system_labels"]
    read += ["credits", "labels", "system_labels"]
    sql = f"SELECT {', '.join(aggs + keys)} FROM {reader} GROUP BY {', '.join(keys)}"
    return sql, read


# ------------------------------------------------------------------------------------- Azure

# (MeterCategory, MeterSubCategory, MeterName, UnitOfMeasure, unit price, ServiceFamily,
#  ConsumedService, resource provider path, VM size (None: not a VM), vCPUs)
_AZ_METERS: list[tuple[str, str, str, str, float, str, str, str, str | None, int]] = [
    ("Virtual Machines", "Dv3/DSv3 Series", "D2s v3", "1 Hour", 0.096, "Compute",
     "Microsoft.Compute", "Microsoft.Compute/virtualMachines/vm-", "Standard_D2s_v3", 2),
    ("Virtual Machines", "Dv3/DSv3 Series", "D4s v3", "1 Hour", 0.192, "Compute",
     "Microsoft.Compute", "Microsoft.Compute/virtualMachines/vm-", "Standard_D4s_v3", 4),
    ("Virtual Machines", "BS Series", "B2s", "1 Hour", 0.0416, "Compute",
     "Microsoft.Compute", "Microsoft.Compute/virtualMachines/vm-", "Standard_B2s", 2),
    ("Virtual Machines", "Ev4 Series", "E8 v4", "1 Hour", 0.504, "Compute",
     "Microsoft.Compute", "Microsoft.Compute/virtualMachines/vm-", "Standard_E8_v4", 8),
    ("Virtual Machines", "NCasT4 v3 Series", "NC4as T4 v3", "1 Hour", 0.526, "Compute",
     "Microsoft.Compute", "Microsoft.Compute/virtualMachines/gpu-", "Standard_NC4as_T4_v3", 4),
    ("Storage", "Premium SSD Managed Disks", "P10 LRS Disk", "1/Month", 19.71, "Storage",
     "Microsoft.Compute", "Microsoft.Compute/disks/disk-", None, 0),
    ("Storage", "Standard HDD Managed Disks", "S4 LRS Disk", "1/Month", 1.54, "Storage",
     "Microsoft.Compute", "Microsoft.Compute/disks/disk-", None, 0),
    ("Storage", "Tiered Block Blob", "Hot LRS Data Stored", "1 GB/Month", 0.0184, "Storage",
     "Microsoft.Storage", "Microsoft.Storage/storageAccounts/sa", None, 0),
    ("Storage", "Tiered Block Blob", "GRS List and Create Container Operations", "10K", 0.1,
     "Storage", "Microsoft.Storage", "Microsoft.Storage/storageAccounts/sa", None, 0),
    ("Bandwidth", "Rtn Preference: MGN", "Standard Data Transfer Out", "1 GB", 0.087,
     "Networking", "Microsoft.Network", "Microsoft.Network/publicIPAddresses/pip-", None, 0),
    ("Azure App Service", "Premium v3 Plan", "P1 v3 App", "1 Hour", 0.2, "Compute",
     "Microsoft.Web", "Microsoft.Web/serverFarms/plan-", None, 0),
    ("SQL Database", "General Purpose - Compute Gen5", "vCore", "1 Hour", 0.2525, "Databases",
     "Microsoft.Sql", "Microsoft.Sql/servers/sql-", None, 0),
    ("Log Analytics", "", "Pay-as-you-go Data Ingestion", "1 GB", 2.76, "Management and "
     "Governance", "Microsoft.OperationalInsights",
     "Microsoft.OperationalInsights/workspaces/law-", None, 0),
    ("Functions", "", "Standard Execution Time", "100000 GB Seconds", 1.6, "Compute",
     "Microsoft.Web", "Microsoft.Web/sites/func-", None, 0),
    ("Azure Kubernetes Service", "", "Standard Uptime SLA", "10 Hours", 1.0, "Compute",
     "Microsoft.ContainerService", "Microsoft.ContainerService/managedClusters/aks-", None, 0),
]
_AZ_LOCATIONS = [("EastUS", "US East"), ("eastus2", "US East 2"), ("westeurope", "EU West"),
                 ("uksouth", "UK South"), ("northeurope", "EU North"), ("WestUS2", "US West 2"),
                 ("southeastasia", "AP Southeast")]
_AZ_SUBSCRIPTIONS = [
    ("1caaa5a3-2b66-438e-8ab4-bce37d518c5d", "Cost Management Research"),
    ("ed570627-0265-4620-bb42-bae06bcfa914", "Trey Research IT"),
    ("64e355d7-997c-491d-b0c1-8414dccfcf42", "Trey Research Prod"),
    ("9b1e2c44-6f0a-4c1d-8d2e-3a5b7c9d0e1f", "Trey Research Dev"),
    ("2f4a6c8e-0b1d-4e3f-a5b7-c9d1e3f5a7b9", "Trey Research Data"),
]


def azure_header() -> list[str]:
    with AZURE_SAMPLE.open(encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh))


def azure_expected_rows(n_rows: int) -> int:
    return n_rows


def generate_azure_sql(n_rows: int, path: str) -> str:
    """One ``COPY`` writing ``n_rows`` of an EA actual cost export (CSV, the sample's header)."""
    m = _AZ_METERS
    k = len(m)

    def col(j: int) -> str:
        return f"{_arr([x[j] for x in m])}[t + 1]"

    sub = f"{_arr([s[0] for s in _AZ_SUBSCRIPTIONS])}[s + 1]"
    rg = "'rg-' || ['web', 'data', 'ml', 'core'][1 + r % 4]"
    resource_name = f"{_arr([x[7].rsplit('/', 1)[1] for x in m])}[t + 1] || (r % 400)"
    info = (f"CASE WHEN {col(8)} IS NOT NULL THEN '{{\"UsageType\":\"ComputeHR\",'"
            f" || '\"ImageType\":\"Canonical\",\"ServiceType\":\"' || {col(8)} || "
            f"'\",\"VMName\":null,\"VMProperties\":null,\"VCPUs\":' || {col(9)} || "
            "',\"CPUs\":0}' END")
    tags = ("CASE WHEN i % 4 = 3 THEN NULL ELSE '\"env\": \"' || "
            "['prod', 'staging', 'dev'][1 + s % 3] || '\",\"team\": \"' || "
            "['web', 'data', 'ml', 'platform'][1 + r % 4] || '\"' END")
    purchase = "i % 500 = 499"
    covered = f"NOT {purchase} AND {col(8)} IS NOT NULL AND i % 7 = 0"
    values: dict[str, str] = {
        "BillingAccountId": "'8611537'",
        "BillingAccountName": "'Trey Research Demo (DO NOT USE)'",
        "BillingPeriodStartDate": "'10/01/2026'", "BillingPeriodEndDate": "'10/31/2026'",
        "BillingProfileId": "'8611537'", "BillingProfileName": "'Trey Research Demo (DO NOT USE)'",
        "AccountOwnerId": "'acm@testea.onmicrosoft.com'", "AccountName": "'ACM Team'",
        "SubscriptionId": sub,
        "SubscriptionName": f"{_arr([s[1] for s in _AZ_SUBSCRIPTIONS])}[s + 1]",
        "Date": f"printf('10/%02d/2026', CASE WHEN {purchase} THEN 1 ELSE d + 1 END)",
        "Product": f"{col(0)} || ' ' || {col(1)} || ' - ' || {col(2)} || ' - ' || "
                   f"{_arr([x[1] for x in _AZ_LOCATIONS])}[l + 1]",
        "PartNumber": "'AAA-' || (88000 + t)",
        "MeterId": "printf('%08x-ed95-4e11-8b69-%012x', 4096 + t, 65536 * t + l)",
        "ServiceFamily": col(5), "MeterCategory": col(0), "MeterSubCategory": col(1),
        "MeterRegion": f"{_arr([x[1] for x in _AZ_LOCATIONS])}[l + 1]",
        "MeterName": col(2),
        "Quantity": f"CASE WHEN {purchase} THEN 1 ELSE qty END",
        "EffectivePrice": f"CASE WHEN {covered} THEN 0 ELSE {col(4)} END",
        "Cost": f"CASE WHEN {purchase} THEN round({col(4)} * 730, 2) WHEN {covered} THEN 0 "
                f"ELSE round(qty * {col(4)}, 8) END",
        "UnitPrice": col(4),
        "BillingCurrency": "'USD'",
        "ResourceLocation": f"{_arr([x[0] for x in _AZ_LOCATIONS])}[l + 1]",
        "AvailabilityZone": "CASE WHEN t < 5 THEN CAST(1 + r % 3 AS VARCHAR) END",
        "ConsumedService": col(6),
        "ResourceId": f"CASE WHEN {purchase} THEN '/providers/Microsoft.Capacity/"
                      "reservationOrders/49ed0e4d-8e0c-4f1f-af2c-' || printf('%012x', t) || "
                      f"'/reservations/' ELSE '/subscriptions/' || {sub} || '/resourceGroups/' "
                      f"|| {rg} || '/providers/' || {col(7)} || (r % 400) END",
        "ResourceName": resource_name,
        "ServiceInfo1": "NULL", "ServiceInfo2": "NULL",
        "AdditionalInfo": info,
        "Tags": tags,
        "InvoiceSectionId": "'ACM'", "InvoiceSection": "'ACM'", "CostCenter": "'acm9000'",
        "UnitOfMeasure": col(3),
        "ResourceGroup": rg,
        "ReservationId": f"CASE WHEN {purchase} OR {covered} THEN "
                         "'49ed0e4d-8e0c-4f1f-af2c-' || printf('%012x', t) END",
        "ReservationName": f"CASE WHEN {purchase} OR {covered} THEN 'VM_RI_' || {col(2)} END",
        "ProductOrderId": f"CASE WHEN {purchase} OR {covered} THEN "
                          "'49ed0e4d-8e0c-4f1f-af2c-' || printf('%012x', t) END",
        "ProductOrderName": f"CASE WHEN {purchase} OR {covered} THEN 'Reserved VM Instance, ' "
                            f"|| {col(2)} END",
        "OfferId": "'MS-AZR-0017P'", "IsAzureCreditEligible": "'True'",
        "Term": f"CASE WHEN {purchase} THEN '36' END",
        "PublisherName": "'Microsoft'", "PlanName": "NULL",
        "ChargeType": f"CASE WHEN {purchase} THEN 'Purchase' ELSE 'Usage' END",
        "Frequency": f"CASE WHEN {purchase} THEN 'Recurring' ELSE 'UsageBased' END",
        "PublisherType": "'Azure'",
        "PayGPrice": f"CASE WHEN {purchase} THEN 0 ELSE {col(4)} END",
        "PricingModel": f"CASE WHEN {purchase} OR {covered} THEN 'Reservation' "
                        "WHEN t < 4 AND i % 11 = 5 THEN 'Spot' ELSE 'OnDemand' END",
        "CostAllocationRuleName": "NULL", "benefitId": "NULL", "benefitName": "NULL",
    }
    header = azure_header()
    missing = set(header) - set(values)
    if missing:  # pragma: no cover - guards a changed sample header
        raise AssertionError(f"synthetic Azure SQL lacks columns: {sorted(missing)}")
    select = ",\n  ".join(f"{values[name]} AS {_qi(name)}" for name in header)
    # quantity: hours for VMs (up to 24 a day), blocks of the unit for the rest
    inner = (f"SELECT i, t, d, s, l, r, round((1 + hash(i, 11) % 2400) / 100.0, 4) AS qty FROM "
             f"(SELECT i, CAST(i % {k} AS INTEGER) AS t, CAST(hash(i, 1) % {N_DAYS} AS INTEGER) "
             f"AS d, CAST(hash(i, 2) % {len(_AZ_SUBSCRIPTIONS)} AS INTEGER) AS s, "
             f"CAST(hash(i, 3) % {len(_AZ_LOCATIONS)} AS INTEGER) AS l, "
             f"CAST(hash(i, 4) % 100000 AS INTEGER) AS r FROM range({int(n_rows)}) AS g(i))")
    return (f"COPY (SELECT\n  {select}\nFROM ({inner})) TO {_q(path)} "
            "(FORMAT CSV, HEADER true)")


def azure_baseline_sql(path: str, header: list[str]) -> tuple[str, list[str]]:
    """read_csv of exactly the columns ccf_py's Azure ingest reads (``COLUMNS``, first name
    found per role, as it resolves them), each with the type ccf_py stores it as, so DuckDB's own
    CSV conversion parses it (MM/DD/YYYY dates through ``timestampformat``)."""
    from ccf_py.ingest.azure_export import COLUMNS

    by_lower: dict[str, str] = {}
    for name in header:
        by_lower.setdefault(name.strip().lower(), name)
    group = {"charge_type", "pricing_model", "meter_category", "meter_name", "location",
             "unit", "subscription", "account", "currency"}
    types, keys, aggs, read = {}, [], ["count(*) AS n"], []
    for i, (role, (names, typ, _req)) in enumerate(COLUMNS.items()):
        name = next((by_lower[n] for n in names if n in by_lower), None)
        if name is None:
            continue
        read.append(name)
        types[name] = typ
        col = _qi(name)
        if role in group:
            keys.append(col)
        elif typ == "DOUBLE":
            aggs.append(f"sum({col}) AS a{i}")
        elif typ == "TIMESTAMP":
            aggs.append(f"max({col}) AS a{i}")
        else:
            aggs.append(f"sum(length({col})) AS a{i}")
    spec = ", ".join(f"{_q(n)}: {_q(t)}" for n, t in types.items())
    reader = (f"read_csv({_q(path)}, header=true, timestampformat='%m/%d/%Y', "
              f"types={{{spec}}})")
    sql = f"SELECT {', '.join(aggs + keys)} FROM {reader} GROUP BY {', '.join(keys)}"
    return sql, read
