"""Regenerate coefficients/*.csv (AWS, GCP and Azure rows) from CCF's extracted tables.

Run from the repository root with the shared reference folder beside it:

    python coefficients/_build/build_from_ccf.py ../shared/reference/ccf/ccf-app

The CCF tables (Apache-2.0, cloud-carbon-footprint commit b7a049c7) use metric tonnes; this
script converts to the units ccf_py uses everywhere (kg CO2e, g CO2e per kWh) and writes a
``source`` on every row. It is not part of the package and never runs at ccf_py run time.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

OUT = Path(__file__).resolve().parents[1]
SRC_APP = "CCF app b7a049c7"


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write(name: str, columns: list[str], rows: list[dict]) -> None:
    with (OUT / name).open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in columns})
    print(f"wrote {name}: {len(rows)} rows")


def num(text: str) -> str:
    """Normalise a number string (drop float noise from unit conversion)."""
    return repr(float(text)) if text != "" else ""


def instance_types(app: Path) -> None:
    rows = read(app / "aws_instance_types.csv")
    other = read(app / "aws_other_type_tables.csv")
    burst = {r["key"]: r["value"] for r in other
             if r["table"] == "BURSTABLE_INSTANCE_BASELINE_UTILIZATION"}
    procs = {r["key"]: r["value"] for r in other
             if r["table"] == "INSTANCE_TYPE_COMPUTE_PROCESSOR_MAPPING"}
    # CCF's "largest size in the family" is the LAST entry of the family's table, in table order.
    families: OrderedDict[str, list[dict]] = OrderedDict()
    for r in rows:
        if r["table"] in ("EC2_INSTANCE_TYPES", "INSTANCE_FAMILY_TO_INSTANCE_TYPE_MAPPING"):
            families.setdefault(r["family"], []).append(r)
    out = []
    for fam, members in families.items():
        last = members[-1]
        for r in members:
            # CCF's table keys d3.xlarge with a trailing tab; a lookup would never match it
            r = {k: v.strip() for k, v in r.items()}
            raw = [x for x in r["raw"].strip("[]").split(",")]
            vcpus, mem, emb = raw[0], raw[1], raw[2] if len(raw) > 2 else ""
            last_raw = last["raw"].strip("[]").split(",")
            out.append({
                "instance_type": r["instance_type"], "family": fam, "size": r["size"],
                "vcpus": num(vcpus), "memory_gb": num(mem),
                "embodied_kg": repr(round(float(emb) * 1000, 9)) if emb else "",
                "cpu_architectures": procs.get(r["instance_type"], r["cpu_processors"]),
                "gpu_count": r["gpu_count"], "gpu_model": r["gpu_processors"],
                "burstable_baseline_pct": burst.get(r["instance_type"], ""),
                "family_largest_vcpus": num(last_raw[0]),
                "family_largest_memory_gb": num(last_raw[1]),
                "source": f"{SRC_APP} AWSInstanceTypes.ts (Teads embodied; t->kg)",
            })
    for r in out:
        r["provider"] = "aws"
    out += gcp_machine_types(app)
    out += azure_vm_types(app)
    write("instance_types.csv",
          ["provider", "instance_type", "family", "size", "vcpus", "memory_gb", "embodied_kg",
           "cpu_architectures", "gpu_count", "gpu_model", "burstable_baseline_pct",
           "family_largest_vcpus", "family_largest_memory_gb", "source"], out)


def gcp_machine_types(app: Path) -> list[dict]:
    """CCF's GCP machine tables ([vCPUs, embodied t] per machine type, in table order: the
    family's largest is its last row). Processors by the family's prefix before the first
    ``-`` (``n2d-standard-4`` -> n2d -> AMD EPYC 2nd Gen; CCF's own lookup is quirk Q18, kept in
    the classifier). Shared-core types (e2-micro/small/medium, f1-micro, g1-small) have their
    own tables: CCF's largest for them is e2-standard-32 and n1-standard-96."""
    rows = read(app / "gcp_machine_types.csv")
    procs = {r["machine_type"]: r["value"] for r in rows
             if r["table"] == "INSTANCE_TYPE_COMPUTE_PROCESSOR_MAPPING"}
    src = f"{SRC_APP} gcp/src/lib/MachineTypes.ts (embodied from cloud-carbon-coefficients; t->kg)"
    tables = {"MACHINE_FAMILY_TO_MACHINE_TYPE_MAPPING": None,
              "MACHINE_FAMILY_SHARED_CORE_TO_MACHINE_TYPE_MAPPING": None,
              "N1_SHARED_CORE_MACHINE_FAMILY_TO_MACHINE_TYPE_MAPPING": "n1-shared"}
    families: OrderedDict[str, list[dict]] = OrderedDict()
    for r in rows:
        if r["table"] in tables:
            families.setdefault(tables[r["table"]] or r["family"], []).append(r)
    out, seen = [], set()
    for fam, members in families.items():
        largest = json.loads(members[-1]["value"])[0]
        for r in members:
            mtype = r["machine_type"]
            if mtype in seen:  # e2-standard-32 / n1-standard-96 close the shared-core tables
                continue
            seen.add(mtype)
            vcpus, emb = json.loads(r["value"])
            prefix = mtype.split("-")[0]
            archs = json.loads(procs.get(prefix, "[]"))
            gpus = re.search(r"-(\d+)g$", mtype) if prefix == "a2" else None
            out.append({
                "provider": "gcp", "instance_type": mtype,
                "family": prefix if fam == "n1-shared" else fam,
                "size": mtype.split("-", 2)[-1] if mtype.count("-") == 2 else mtype.split("-")[-1],
                "vcpus": num(str(vcpus)), "memory_gb": "",
                "embodied_kg": repr(round(float(emb) * 1000, 9)),
                "cpu_architectures": "|".join(archs), "gpu_count": gpus.group(1) if gpus else "",
                "gpu_model": "Nvidia Tesla A100" if gpus else "",
                "burstable_baseline_pct": "", "family_largest_vcpus": num(str(largest)),
                "family_largest_memory_gb": "", "source": src})
    return out


def redshift_node_types(app: Path) -> None:
    """CCF's REDSHIFT_INSTANCE_TYPES ([vCPUs, memory GB] per node type), in table order."""
    out = [{"node_type": r["instance_type"], "family": r["family"], "size": r["size"],
            "vcpus": num(r["vcpus"]), "memory_gb": num(r["memory_gb"]),
            "source": f"{SRC_APP} AWSInstanceTypes.ts REDSHIFT_INSTANCE_TYPES"}
           for r in read(app / "aws_instance_types.csv")
           if r["table"] == "REDSHIFT_INSTANCE_TYPES"]
    write("aws_redshift_node_types.csv",
          ["node_type", "family", "size", "vcpus", "memory_gb", "source"], out)


def processors(app: Path) -> None:
    cpu, gpu = [], []
    for r in read(app / "processor_coefficients.csv"):
        cloud = r["cloud"]
        src = f"{SRC_APP} {CONSTANTS_FILE[cloud]} (SPECpower / Teads)"
        if r["processor"].startswith(("Nvidia", "AMD Radeon", "Xilinx")):
            if cloud != "aws":  # one GPU table: the other clouds' rows carry the same watts
                continue
            gpu.append({"gpu_model": r["processor"], "min_w": num(r["min_watts"]),
                        "max_w": num(r["max_watts"]), "source": src})
        else:
            cpu.append({"provider": cloud, "architecture": r["processor"],
                        "min_w_per_vcpu": num(r["min_watts"]),
                        "max_w_per_vcpu": num(r["max_watts"]),
                        "memory_gb_per_chip": num(r["memory_gb_per_chip"]), "source": src})
    consts = {(r["cloud"], r["key"]): r["value"] for r in read(app / "cloud_constants.csv")}
    for cloud, stat in (("aws", "AVG"), ("gcp", "MEDIAN"), ("azure", "AVG")):
        cpu.append({"provider": cloud, "architecture": "*",
                    "min_w_per_vcpu": num(consts[cloud, f"MIN_WATTS_{stat}"]),
                    "max_w_per_vcpu": num(consts[cloud, f"MAX_WATTS_{stat}"]),
                    "memory_gb_per_chip": num(consts.get((cloud, "MEMORY_AVG"), "")),
                    "source": f"{SRC_APP} {cloud.upper()} MIN/MAX_WATTS_{stat}"
                              f"{', MEMORY_AVG' if cloud != 'gcp' else ''} (fallback)"})
    write("cpu_power.csv", ["provider", "architecture", "min_w_per_vcpu", "max_w_per_vcpu",
                            "memory_gb_per_chip", "source"], cpu)
    write("gpu_power.csv", ["gpu_model", "min_w", "max_w", "source"], gpu)


def grid(app: Path) -> None:
    out = []
    for r in read(app / "grid_emission_factors.csv"):
        cloud = r["cloud"]
        if not r["variant"].startswith("default"):
            continue  # GCP's carbon-free-energy variant is a market-based adjustment
        region = "*" if r["region"] == "Unknown" else r["region"]
        if cloud == "azure":  # CCF's names ('EastUS') as exports spell them ('eastus')
            region = region.lower()
        g = round(float(r["co2e_metric_ton_per_kwh"]) * 1e6, 9)
        if cloud == "gcp":
            src = ("Google Cloud region grid intensity via CCF GcpFootprintEstimationConstants.ts"
                   if region != "*" else "CCF GCP_EMISSIONS_FACTORS Unknown (mean)")
            year = "2021"
        else:
            us = cloud == "aws" and r["region"].startswith("us-")
            src = ("EPA eGRID2020 NERC region via CCF core" if us else
                   "carbonfootprint.com 2022_03 / EEA / eGRID via CCF" if region != "*" else
                   f"CCF {cloud.upper()}_EMISSIONS_FACTORS Unknown (mean of "
                   f"{'25 of its' if cloud == 'aws' else 'its'} region factors)")
            year = "2020" if us else "2021"
        out.append({"provider": cloud, "region": region, "gco2e_per_kwh": repr(g),
                    "year": year, "source": f"{src} ({SRC_APP})"})
    write("grid_intensity.csv", ["provider", "region", "gco2e_per_kwh", "year", "source"], out)


def market_grid(app: Path) -> None:
    """Market-based adjustments of the grid factors (GCP: Google's carbon-free energy share,
    CCF's GCP_USE_CARBON_FREE_ENERGY_PERCENTAGE=true table), kept apart from grid_intensity:
    SCI forbids market-based reductions, so they are only ever used when asked for."""
    out = []
    for r in read(app / "grid_emission_factors.csv"):
        if r["cloud"] != "gcp" or "=true" not in r["variant"]:
            continue
        out.append({"provider": "gcp", "variant": "gcp_cfe",
                    "region": "*" if r["region"] == "Unknown" else r["region"],
                    "gco2e_per_kwh": repr(round(float(r["co2e_metric_ton_per_kwh"]) * 1e6, 9)),
                    "source": "Google Cloud region grid intensity x (1 - carbon-free energy %) "
                              f"via CCF GcpFootprintEstimationConstants.ts ({SRC_APP})"})
    write("grid_intensity_market.csv",
          ["provider", "variant", "region", "gco2e_per_kwh", "source"], out)


def lists(app: Path) -> None:
    out = []
    for r in read(app / "usage_classification_lists.csv"):
        # lists the classifier never reads stay out (ByteHrs: CCF's 2^40 unit bug is not
        # reproduced; line-item types are a code constant)
        if r["cloud"] != "aws" or r["list"] in ("AWS_QUERY_GROUP_BY", "BYTE_HOURS_USAGE_TYPES",
                                                "LINE_ITEM_TYPES"):
            continue
        value = r["value"].split("=", 1)[1] if r["list"] == "KNOWN_USAGE_UNITS" else r["value"]
        out.append({"provider": "aws", "list": r["list"].lower(), "value": value,
                    "source": f"{SRC_APP} aws/src/lib/CostAndUsageTypes.ts"})
    # CCF's GCP lists are not in the extracted reference tables: transcribed from CCF's source
    src = "CCF packages/gcp/src/lib/BillingExportTypes.ts (b7a049c7; MachineTypes.ts for GPUs)"
    for name, values in GCP_LISTS.items():
        out += [{"provider": "gcp", "list": name, "value": v, "source": src} for v in values]
    out += azure_lists(app)
    write("usage_lists.csv", ["provider", "list", "value", "source"], out)


CONSTANTS_FILE = {"aws": "AWSFootprintEstimationConstants.ts",
                  "gcp": "GcpFootprintEstimationConstants.ts",
                  "azure": "AzureFootprintEstimationConstants.ts"}

GCP_LISTS: dict[str, tuple[str, ...]] = {
    "memory_usage_types": ("RAM", "Ram", "Memory"),
    "unknown_usage_units": ("requests",),
    "unknown_usage_types": (
        "Dedicated Memcache", "BigQuery BI Engine", "AutoML Tables Deployment",
        "Local Disk Time Dataprep", "Shuffle Time", "Snapshots message backlog",
        "Subscriptions message backlog", "Subscriptions retained acknowledged messages",
        "Cloud SQL: Backups", "Publisher Throughput Capacity", "Subscriber Throughput Capacity",
        "Server node", "Backend Instances", "Frontend Instances", "Server Node",
        "Analysis Slots Attribution", "Build time", "Dataprep Unit", "IP address",
        "usage - hour", "D2", "D4", "Policy Charge", "Endpoint Charge", "NAT Gateway",
        "Action Time", "Billing Adjustment", "Filestore Capacity Premium",
        "Filestore Capacity Standard", "Pod mCPU Requests", "Pod Memory Requests",
        "Pod Ephemeral Storage Requests"),
    "unsupported_usage_types": (
        "Fee", "fee", "Billing", "Reattribution", "Cache Fill", "External IP Charge",
        "Static Ip", "Vpn Tunnel", "Service Charge"),
    "unknown_service_types": (
        "Cloud DNS", "Cloud Key Management Service", "Cloud Machine Learning Engine",
        "Cloud Spanner", "Cloud Speech API", "SendGrid", "Support", "Secret Manager",
        "Cloud Build", "Cloud Run", "Cloud Data Fusion", "Cloud Dialogflow API",
        "Cloud Natural Language", "BigQuery Data Transfer Service", "BigQuery Reservation API",
        "Cloud AutoML", "Cloud Test Lab", "Cloud TPU", "Cloud Video Intelligence API",
        "Cloud Vision API", "Container Builder", "Firebase Test Lab",
        "Security Command Center", "Stackdriver"),
    "unit_unknown_services": ("Secret Manager", "Cloud Key Management Service"),
    "compute_usage_types": ("Core", "CORE", "VCPU", "vCPU", "CPU", "CPUs",
                            "Kubernetes Clusters", "GPU"),
    "networking_usage_types": ("Egress", "egress", "data delivery", "network traffic",
                               "Download"),
    "gpu_models": ("Nvidia T4", "Nvidia Tesla K80", "Nvidia Tesla V100", "Nvidia Tesla A100",
                   "Nvidia Tesla P4", "Nvidia Tesla P100"),
    "composer_compute_usage_types": ("Cloud Composer Compute CPUs", "Cloud Composer vCPU",
                                     "Cloud Composer SQL vCPU"),
    "kubernetes_compute_usage_types": ("Kubernetes Clusters",),
    "shared_core_machine_types": ("e2-micro", "e2-small", "e2-medium", "f1-micro", "g1-small"),
}


AZURE_SRC = f"{SRC_APP} azure/src/lib"
# CCF's Azure tables of VirtualMachineTypes.ts, in the order its lookups consult them
AZURE_SERIES = "VIRTUAL_MACHINE_TYPE_SERIES_MAPPING"
AZURE_VCPU_MEMORY = "VIRTUAL_MACHINE_TYPE_VCPU_MEMORY_MAPPING"
AZURE_CONSTRAINED = "VIRTUAL_MACHINE_TYPE_CONSTRAINED_VCPU_CAPABLE_MAPPING"


def azure_vm_types(app: Path) -> list[dict]:
    """CCF's Azure VM sizes, keyed by meter name ('D2s v3').

    * Series sizes ([vCPU, GB, embodied t]): family = the series; CCF's largest size of a
      series is its last row. A size listed in two series (E2 v5 ... E96 v5) belongs to the
      last one (CCF's getSeriesFromInstanceType keeps the last match).
    * vCPU/memory sizes (App Service, SQL vCore, ...): family ``vcpu-memory``, no embodied,
      no largest size (CCF estimates no memory or embodied for them).
    * constrained-vCPU sizes ([vCPU, GB, vCPUs of the full size, embodied t]): family
      ``constrained-vcpu``; their largest is the full size (CCF's embodied), no memory.
    Processors 'Unknown' are left empty (the Azure average applies)."""
    rows = read(app / "azure_vm_types.csv")
    series: OrderedDict[str, list[dict]] = OrderedDict()
    for r in rows:
        if r["table"] == AZURE_SERIES:
            series.setdefault(r["series"], []).append(r)
    chosen: dict[str, dict] = {}
    for name, members in series.items():
        largest = members[-1]
        for r in members:
            chosen.pop(r["vm_type"], None)  # re-insert: the last series wins, in its place
            chosen[r["vm_type"]] = {
                **_azure_row(r, name), "family_largest_vcpus": num(largest["vcpus"]),
                "family_largest_memory_gb": num(largest["memory_gb"]),
                "source": f"{AZURE_SRC}/VirtualMachineTypes.ts {AZURE_SERIES} "
                          "(embodied from cloud-carbon-coefficients; t->kg)"}
    for r in rows:
        if r["table"] == AZURE_VCPU_MEMORY and r["vm_type"] not in chosen:
            chosen[r["vm_type"]] = {**_azure_row(r, "vcpu-memory"),
                                    "source": f"{AZURE_SRC}/VirtualMachineTypes.ts "
                                              f"{AZURE_VCPU_MEMORY}"}
    for r in rows:
        if r["table"] == AZURE_CONSTRAINED and r["vm_type"] not in chosen:
            raw = json.loads(r["raw"])  # [vCPU, GB, vCPUs of the full size, embodied t]
            chosen[r["vm_type"]] = {
                **_azure_row(r, "constrained-vcpu"),
                "embodied_kg": repr(round(float(raw[3]) * 1000, 9)),
                "family_largest_vcpus": num(str(raw[2])),
                "source": f"{AZURE_SRC}/VirtualMachineTypes.ts {AZURE_CONSTRAINED} "
                          "(embodied from cloud-carbon-coefficients; t->kg)"}
    return list(chosen.values())


def _azure_row(r: dict[str, str], family: str) -> dict[str, str]:
    emb = r["embodied_tco2e"]
    archs = "" if r["cpu_processors"] in ("", "Unknown") else r["cpu_processors"]
    return {"provider": "azure", "instance_type": r["vm_type"], "family": family,
            "size": r["vm_type"], "vcpus": num(r["vcpus"]), "memory_gb": num(r["memory_gb"]),
            "embodied_kg": repr(round(float(emb) * 1000, 9)) if emb else "",
            "cpu_architectures": archs, "gpu_count": r["gpu_count"],
            "gpu_model": r["gpu_processors"], "burstable_baseline_pct": "",
            "family_largest_vcpus": "", "family_largest_memory_gb": ""}


# usage_classification_lists.csv (cloud azure) -> usage_lists.csv; unit lists hold NAME=value
AZURE_LIST_NAMES = ("UNKNOWN_SERVICES", "UNKNOWN_USAGE_TYPES", "UNSUPPORTED_USAGE_TYPES",
                    "COMPUTE_USAGE_UNITS", "STORAGE_USAGE_UNITS", "NETWORKING_USAGE_UNITS",
                    "MEMORY_USAGE_UNITS", "STORAGE_USAGE_TYPES", "NETWORKING_USAGE_TYPES",
                    "MEMORY_USAGE_TYPES")


def azure_lists(app: Path) -> list[dict]:
    out = []
    for r in read(app / "usage_classification_lists.csv"):
        if r["cloud"] != "azure" or r["list"] not in AZURE_LIST_NAMES:
            continue
        value = r["value"].split("=", 1)[1] if r["list"].endswith("_UNITS") else r["value"]
        out.append({"provider": "azure", "list": r["list"].lower(), "value": value,
                    "source": f"{AZURE_SRC}/ConsumptionTypes.ts"})
    return out


# azure_size_tables.csv table -> constants.csv key prefix (key = prefix:size, value in GB)
AZURE_SIZE_TABLES = {"CACHE_MEMORY_GB": "redis_cache_gb",
                     "SSD_MANAGED_DISKS_STORAGE_GB": "ssd_managed_disk_gb",
                     "HDD_MANAGED_DISKS_STORAGE_GB": "hdd_managed_disk_gb",
                     "CONTAINER_REGISTRY_STORAGE_GB": "container_registry_gb"}


def azure_constants(app: Path) -> None:
    """CCF's Azure size tables as constants (provider azure, key ``<table>:<size>``), merged
    into the hand-maintained constants.csv: earlier rows with these prefixes are replaced."""
    new = [{"provider": "azure", "key": f"{AZURE_SIZE_TABLES[r['table']]}:{r['key']}",
            "value": num(r["value"]), "unit": "GB",
            "source": f"{AZURE_SRC}/ConsumptionTypes.ts {r['table']}"}
           for r in read(app / "azure_size_tables.csv")]
    prefixes = tuple(f"{p}:" for p in AZURE_SIZE_TABLES.values())
    merge("constants.csv", lambda r: r["provider"] == "azure" and r["key"].startswith(prefixes),
          new)


def merge(name: str, replaced: Callable[[dict[str, str]], bool], new: list[dict]) -> None:
    """Rewrite a hand-maintained table: its rows for which ``replaced`` is true give way to
    ``new`` (appended); every other line is kept byte for byte."""
    path = OUT / name
    with path.open(newline="", encoding="utf-8") as fh:
        lines = fh.read().splitlines(keepends=True)
    columns = next(csv.reader(lines[:1]))
    kept = [line for line in lines[1:]
            if not replaced(dict(zip(columns, next(csv.reader([line])), strict=True)))]
    with path.open("w", newline="", encoding="utf-8") as fh:
        fh.write(lines[0] + "".join(kept))
        w = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        w.writerows({c: r.get(c, "") for c in columns} for r in new)
    print(f"merged {name}: {len(new)} rows replaced or added")


# CCF azure/src/lib/ReplicationFactors.ts: (service, usage type contains, priority, constant).
# Its rule order is the priority; the values come from cloud_constants.csv.
AZURE_REPLICATION = (
    ("Storage", "LRS", 1, "STORAGE_LRS"), ("Storage", "GZRS", 2, "STORAGE_GZRS"),
    ("Storage", "ZRS", 3, "STORAGE_ZRS"), ("Storage", "GRS", 4, "STORAGE_GRS"),
    ("Storage", "Disks", 5, "STORAGE_DISKS"),
    ("Azure Database for MySQL", "", 1, "DATABASE_MYSQL"),
    ("Azure Cosmos DB", "Data Stored", 1, "COSMOS_DB"),
    ("SQL Database", "Data Stored", 1, "SQL_DB"), ("SQL Database", "vCore", 2, "SQL_DB"),
    ("Redis Cache", "", 1, "REDIS_CACHE"))


def azure_replication(app: Path) -> None:
    """Azure rows of replication_factors.csv (merged; other providers' rows kept). ``default``
    uses the same copies: GRS/GZRS keep 3 copies in each of two regions (6), Cosmos DB 4
    replicas per region (Microsoft docs); it applies them to stored data and memory only, so
    compute rules (SQL Database vCores) carry 1 for ``default``."""
    consts = {r["key"]: r["value"] for r in read(app / "cloud_constants.csv")
              if r["cloud"] == "azure"}
    new = []
    for service, contains, prio, name in AZURE_REPLICATION:
        rf = num(consts[f"REPLICATION_FACTORS:{name}"])
        new.append({"provider": "azure", "service": service, "usage_type_contains": contains,
                    "priority": str(prio), "replication_factor_ccf": rf,
                    "replication_factor_default": "1.0" if contains == "vCore" else rf,
                    "source": f"CCF azure ReplicationFactors.ts {name} ({SRC_APP})"})
    merge("replication_factors.csv", lambda r: r["provider"] == "azure", new)


def main() -> None:
    app = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/reference/ccf/ccf-app")
    instance_types(app)
    redshift_node_types(app)
    processors(app)
    grid(app)
    market_grid(app)
    lists(app)
    azure_constants(app)
    azure_replication(app)


if __name__ == "__main__":
    main()
