"""Regenerate coefficients/*.csv (AWS part) from CCF's extracted tables.

Run from the repository root with the shared reference folder beside it:

    python coefficients/_build/build_from_ccf.py ../shared/reference/ccf/ccf-app

The CCF tables (Apache-2.0, cloud-carbon-footprint commit b7a049c7) use metric tonnes; this
script converts to the units ccf_py uses everywhere (kg CO2e, g CO2e per kWh) and writes a
``source`` on every row. It is not part of the package and never runs at ccf_py run time.
"""

from __future__ import annotations

import csv
import sys
from collections import OrderedDict
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
    write("aws_instance_types.csv",
          ["instance_type", "family", "size", "vcpus", "memory_gb", "embodied_kg",
           "cpu_architectures", "gpu_count", "gpu_model", "burstable_baseline_pct",
           "family_largest_vcpus", "family_largest_memory_gb", "source"], out)


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
        if r["cloud"] != "aws":
            continue
        src = f"{SRC_APP} AWSFootprintEstimationConstants.ts (SPECpower / Teads)"
        if r["processor"].startswith(("Nvidia", "AMD Radeon", "Xilinx")):
            gpu.append({"gpu_model": r["processor"], "min_w": num(r["min_watts"]),
                        "max_w": num(r["max_watts"]), "source": src})
        else:
            cpu.append({"provider": "aws", "architecture": r["processor"],
                        "min_w_per_vcpu": num(r["min_watts"]),
                        "max_w_per_vcpu": num(r["max_watts"]),
                        "memory_gb_per_chip": num(r["memory_gb_per_chip"]), "source": src})
    consts = {r["key"]: r["value"] for r in read(app / "cloud_constants.csv")
              if r["cloud"] == "aws"}
    cpu.append({"provider": "aws", "architecture": "*",
                "min_w_per_vcpu": num(consts["MIN_WATTS_AVG"]),
                "max_w_per_vcpu": num(consts["MAX_WATTS_AVG"]),
                "memory_gb_per_chip": num(consts["MEMORY_AVG"]),
                "source": f"{SRC_APP} AWS MIN/MAX_WATTS_AVG, MEMORY_AVG (fallback)"})
    write("cpu_power.csv", ["provider", "architecture", "min_w_per_vcpu", "max_w_per_vcpu",
                            "memory_gb_per_chip", "source"], cpu)
    write("gpu_power.csv", ["gpu_model", "min_w", "max_w", "source"], gpu)


def grid(app: Path) -> None:
    out = []
    for r in read(app / "grid_emission_factors.csv"):
        if r["cloud"] != "aws" or r["variant"] != "default":
            continue
        region = "*" if r["region"] == "Unknown" else r["region"]
        g = round(float(r["co2e_metric_ton_per_kwh"]) * 1e6, 9)
        us = r["region"].startswith("us-")
        src = ("EPA eGRID2020 NERC region via CCF core" if us else
               "carbonfootprint.com 2022_03 / EEA via CCF" if region != "*" else
               "CCF AWS_EMISSIONS_FACTORS Unknown (mean of 25 of its region factors)")
        out.append({"provider": "aws", "region": region, "gco2e_per_kwh": repr(g),
                    "year": "2020" if us else "2021", "source": f"{src} ({SRC_APP})"})
    write("grid_intensity.csv", ["provider", "region", "gco2e_per_kwh", "year", "source"], out)


def lists(app: Path) -> None:
    out = []
    for r in read(app / "usage_classification_lists.csv"):
        # lists the classifier never reads stay out (ByteHrs: CCF's 2^40 unit bug is not
        # reproduced; line-item types are a code constant)
        if r["cloud"] != "aws" or r["list"] in ("AWS_QUERY_GROUP_BY", "BYTE_HOURS_USAGE_TYPES",
                                                "LINE_ITEM_TYPES"):
            continue
        value = r["value"].split("=", 1)[1] if r["list"] == "KNOWN_USAGE_UNITS" else r["value"]
        out.append({"list": r["list"].lower(), "value": value,
                    "source": f"{SRC_APP} aws/src/lib/CostAndUsageTypes.ts"})
    write("aws_usage_lists.csv", ["list", "value", "source"], out)


def main() -> None:
    app = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/reference/ccf/ccf-app")
    instance_types(app)
    redshift_node_types(app)
    processors(app)
    grid(app)
    lists(app)


if __name__ == "__main__":
    main()
