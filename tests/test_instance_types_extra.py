"""The hand-maintained supplements instance_types_extra.csv and cpu_power_extra.csv.

Their rows are checked for sources and consistent fields, the CPU figures are recomputed from
the SPECpower results they cite, and estimates of the new types are checked by hand from the
rows and CCF's published formulas: ``default`` reads the supplements, ``ccf`` never does.
"""

from __future__ import annotations

import csv
import math
import re
import shutil
from pathlib import Path
from statistics import fmean

import duckdb
import pytest

from ccf_py import api, coefficients
from ccf_py.errors import CoefficientError, ConfigError
from tests.compare_helpers import COEF, coef_rows, estimate_sums, load, row_dict
from tests.helpers import LEGACY_HEADER, write_cur

HEADER = [*LEGACY_HEADER, "product/instanceType"]
SPECPOWER = COEF / "_build" / "specpower_2023-05-01_new_architectures.csv"
# architectures the supplement names without a power figure anywhere (README: not sourced)
NO_POWER_ROW = {"AWS Graviton3", "AWS Graviton4", "AMD EPYC 3rd Gen", "Ice Lake"}
# README "accelerator_instance_types.csv", completeness rule: families that carry accelerators
ACCELERATED = re.compile(r"^(p|g|gr|inf|trn|dl)\d")

EXTRA = coef_rows("instance_types_extra")
CPU_EXTRA = coef_rows("cpu_power_extra")


def const(key: str, provider: str = "aws") -> float:
    return next(float(r["value"]) for r in coef_rows("constants")
                if r["provider"] == provider and r["key"] == key)


def num(text: str) -> float:
    return float(text)


# ---- the rows ---------------------------------------------------------------------------------

def test_every_row_has_a_source_naming_the_providers_docs():
    assert len(EXTRA) == 227
    for r in EXTRA:
        docs = ("docs.aws.amazon.com/ec2/latest/instancetypes/" if r["provider"] == "aws"
                else "cloud.google.com/compute/docs/")
        assert docs in r["source"], r["instance_type"]
    assert all(r["source"].strip() for r in CPU_EXTRA)
    assert {r["provider"] for r in EXTRA} == {"aws", "gcp"}
    assert sum(r["provider"] == "aws" for r in EXTRA) == 160


def test_supplements_only_add_keys():
    generated = {(r["provider"], r["instance_type"]) for r in coef_rows("instance_types")}
    assert not generated & {(r["provider"], r["instance_type"]) for r in EXTRA}
    archs = {(r["provider"], r["architecture"]) for r in coef_rows("cpu_power")}
    assert not archs & {(r["provider"], r["architecture"]) for r in CPU_EXTRA}


def test_sizes_are_consistent_within_each_family():
    families: dict[tuple[str, str], list[dict[str, str]]] = {}
    for r in EXTRA:
        families.setdefault((r["provider"], r["family"]), []).append(r)
    for (provider, family), rows in families.items():
        largest_vcpus = {num(r["family_largest_vcpus"]) for r in rows}
        largest_gb = {num(r["family_largest_memory_gb"]) for r in rows}
        assert len(largest_vcpus) == len(largest_gb) == 1, family
        assert max(num(r["vcpus"]) for r in rows) == largest_vcpus.pop(), family
        assert max(num(r["memory_gb"]) for r in rows) == largest_gb.pop(), family
        for r in rows:
            assert num(r["vcpus"]) > 0 and num(r["memory_gb"]) > 0, r["instance_type"]
            assert r["embodied_kg"] == "" and r["burstable_baseline_pct"] == ""
            if provider == "aws":
                assert r["instance_type"] == f"{r['family']}.{r['size']}"
            else:
                assert r["instance_type"] == f"{r['family']}-{r['size']}"
                assert num(r["size"]) == num(r["vcpus"])


def test_memory_per_vcpu_follows_the_families_published_ratio():
    """AWS m/c/r 7th-8th gen: 4 / 2 / 8 GiB per vCPU; GCP standard / highcpu / highmem:
    4 / 2 / 8 GB (h3: 352 GB for 88 vCPUs)."""
    ratio = {"m": 4, "c": 2, "r": 8, "standard": 4, "highcpu": 2, "highmem": 8}
    checked = 0
    for r in EXTRA:
        kind = (r["family"][0] if r["provider"] == "aws" and r["family"][0] in "mcr"
                else r["family"].split("-")[-1] if r["provider"] == "gcp" else None)
        if kind in ratio:
            assert num(r["memory_gb"]) == ratio[kind] * num(r["vcpus"]), r["instance_type"]
            checked += 1
    assert checked == len(EXTRA) - sum(1 for r in EXTRA if ACCELERATED.match(r["family"]))


def test_gpu_columns_agree_with_accelerator_instance_types():
    acc = {(r["provider"], r["instance_type"]): r
           for r in coef_rows("accelerator_instance_types")}
    models = {r["accelerator_model"] for r in coef_rows("accelerators")}
    gpu_rows = 0
    for r in EXTRA:
        a = acc.get((r["provider"], r["instance_type"]))
        if ACCELERATED.match(r["family"]):
            assert a, f"{r['instance_type']}: accelerated family without an accelerator row"
        if a:
            assert num(r["gpu_count"]) == num(a["accelerator_count"]), r["instance_type"]
            assert r["gpu_model"] == a["accelerator_model"] and r["gpu_model"] in models
            gpu_rows += 1
        else:
            assert r["gpu_count"] == r["gpu_model"] == ""
    assert gpu_rows == 28  # p5 2, p5e, p5en, trn1 2, trn1n, trn2, inf2 4, g6 8, g6e 8


def test_every_architecture_has_power_figures_or_is_said_to_have_none():
    power = {(r["provider"], r["architecture"])
             for r in coef_rows("cpu_power") + CPU_EXTRA}
    for r in EXTRA:
        for arch in r["cpu_architectures"].split("|"):
            assert (r["provider"], arch) in power or arch in NO_POWER_ROW, arch


def test_cpu_figures_recompute_from_the_cited_specpower_results():
    """CCF's method (cloud-carbon-coefficients ccfcoef/specpower.py): per architecture, the mean
    over the SPECpower results of idle W / threads, 100 % W / threads and memory / chips."""
    with SPECPOWER.open(newline="", encoding="utf-8") as fh:
        results = list(csv.DictReader(fh))
    by_arch: dict[str, list[dict[str, str]]] = {}
    for r in results:
        by_arch.setdefault(r["architecture"], []).append(r)
    assert {a: len(v) for a, v in by_arch.items()} == {"Sapphire Rapids": 22,
                                                        "AMD EPYC 4th Gen": 17}
    rows = {(r["provider"], r["architecture"]): r for r in CPU_EXTRA}
    for arch, servers in by_arch.items():
        idle = fmean(num(s["avg_watts_active_idle"]) / num(s["total_threads"]) for s in servers)
        full = fmean(num(s["avg_watts_100pct"]) / num(s["total_threads"]) for s in servers)
        gb = fmean(num(s["total_memory_gb"]) / num(s["chips"]) for s in servers)
        for provider in ("aws", "gcp"):
            row = rows[(provider, arch)]
            assert num(row["min_w_per_vcpu"]) == round(idle, 2)
            assert num(row["max_w_per_vcpu"]) == round(full, 2)
        assert num(rows[("aws", arch)]["memory_gb_per_chip"]) == round(gb, 2)
        assert rows[("gcp", arch)]["memory_gb_per_chip"] == ""
    # the assumption row says it is one and copies Sapphire Rapids
    emerald = rows[("aws", "Emerald Rapids")]
    assert "[engineering assumption]" in emerald["source"]
    spr = rows[("aws", "Sapphire Rapids")]
    assert [emerald[c] for c in ("min_w_per_vcpu", "max_w_per_vcpu")] == [
        spr[c] for c in ("min_w_per_vcpu", "max_w_per_vcpu")]


# ---- reading them -----------------------------------------------------------------------------

@pytest.fixture
def tmp_coef(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "coefficients"
    shutil.copytree(COEF, folder, ignore=shutil.ignore_patterns("_build"))
    monkeypatch.setattr(coefficients, "table_path", lambda stem: folder / f"{stem}.csv")
    coefficients.load.cache_clear()
    yield folder
    coefficients.load.cache_clear()


def test_a_supplement_row_repeating_a_generated_type_is_an_error(tmp_coef):
    m5 = next(line for line in (tmp_coef / "instance_types.csv").read_text().splitlines()
              if line.startswith("aws,m5.large,"))
    path = tmp_coef / "instance_types_extra.csv"
    with path.open("a", encoding="utf-8") as fh:
        fh.write(m5 + "\n")
    line = len(path.read_text().splitlines())
    for call in (coefficients.load, lambda: coefficients.load_tables(duckdb.connect())):
        with pytest.raises(CoefficientError) as err:
            call()
        assert f"{path}, line {line}: ('aws', 'm5.large') is already in instance_types.csv" \
            in str(err.value)


def test_a_supplement_cpu_row_repeating_a_generated_one_is_an_error(tmp_coef):
    path = tmp_coef / "cpu_power_extra.csv"
    with path.open("a", encoding="utf-8") as fh:
        fh.write("aws,Skylake,1,2,3,a newer figure\n")
    with pytest.raises(CoefficientError, match=r"line 8: \('aws', 'Skylake'\) is already"):
        coefficients.load()


def test_ccf_methodology_does_not_see_the_supplements():
    aws = coefficients.load().for_provider("aws")
    assert "m7g.xlarge" in aws.instances and "Sapphire Rapids" in aws.cpu
    ccf = aws.generated_only()
    assert "m7g.xlarge" not in ccf.instances and "Sapphire Rapids" not in ccf.cpu
    assert len(ccf.instances) == len(aws.instances) - 160
    assert ccf.instances["m5.large"] == aws.instances["m5.large"]


# ---- estimates by hand ------------------------------------------------------------------------

def ec2(itype: str, hours: float, cost: float, vcpu: int, resource: str) -> dict[str, str]:
    return {"start": "2026-10-01T00:00:00Z", "service": "AmazonEC2",
            "usage_type": f"BoxUsage:{itype}", "unit": "Hrs", "amount": str(hours),
            "cost": str(cost), "vcpu": str(vcpu), "region": "us-east-1",
            "product/instanceType": itype, "resource": resource}


def aws_factors() -> tuple[float, float, float]:
    """(utilisation %, PUE, grid g/kWh of us-east-1)."""
    pue = next(num(r["pue"]) for r in coef_rows("pue")
               if r["provider"] == "aws" and r["region"] == "*")
    grid = next(num(r["gco2e_per_kwh"]) for r in coef_rows("grid_intensity")
                if r["provider"] == "aws" and r["region"] == "us-east-1")
    return const("cpu_utilization_pct"), pue, grid


def fallback_watts() -> tuple[float, float, float]:
    row = next(r for r in coef_rows("cpu_power")
               if r["provider"] == "aws" and r["architecture"] == "*")
    return num(row["min_w_per_vcpu"]), num(row["max_w_per_vcpu"]), num(row["memory_gb_per_chip"])


def m7g_kwh(hours: float, with_memory: bool) -> float:
    """m7g.xlarge from its row: 4 vCPUs of Graviton3, which has no power row, so the AWS
    average watts; extra memory (default): the 64-vCPU host is one chip with 256 GiB against
    the reference 80.69 GB per chip, scaled by 16 / 256 GiB."""
    row = next(r for r in EXTRA if r["instance_type"] == "m7g.xlarge")
    assert (row["vcpus"], row["memory_gb"], row["family_largest_vcpus"],
            row["family_largest_memory_gb"]) == ("4.0", "16.0", "64.0", "256.0")
    util, pue, _ = aws_factors()
    lo, hi, gb_chip = fallback_watts()
    compute = (lo + util / 100 * (hi - lo)) * 4 * hours / 1000
    chips = math.ceil(64 / const("vcpus_per_physical_chip"))
    extra_gb = (256 / chips - gb_chip) * 16 / 256 if with_memory else 0.0
    return (compute + extra_gb * hours * const("memory_kwh_per_gb_hour")) * pue


@pytest.fixture
def bill(tmp_path: Path) -> Path:
    rows = [ec2("m5.xlarge", 100, 19.2, 4, "i-m5"), ec2("m7g.xlarge", 1, 0.1632, 4, "i-m7g"),
            ec2("p4d.24xlarge", 10, 327.7, 96, "i-p4d")]
    return load(tmp_path / "bill.duckdb", [write_cur(tmp_path / "cur.csv", rows, HEADER)])


def test_one_m7g_xlarge_hour_by_hand(bill):
    _, _, grid = aws_factors()
    default = estimate_sums(bill, "instance_type = 'm7g.xlarge'")
    assert default["energy_kwh"] == pytest.approx(m7g_kwh(1, with_memory=True), rel=1e-9)
    assert default["co2e_operational_kg"] == pytest.approx(
        m7g_kwh(1, with_memory=True) * grid / 1000, rel=1e-9)
    assert default["co2e_embodied_kg"] == 0  # no published host figure
    # ccf: CCF does not know m7g (the CUR's 4 vCPUs, average watts, no memory term), as before
    ccf = estimate_sums(bill, "instance_type = 'm7g.xlarge'", "ccf")
    assert ccf["energy_kwh"] == pytest.approx(m7g_kwh(1, with_memory=False), rel=1e-9)
    assert ccf["energy_kwh"] < default["energy_kwh"]


def test_compare_m5_to_m7g_by_hand(bill):
    with api.open_db(bill, read_only=True) as db:
        comp = api.compare_instance(db, from_="m5", to="m7g")
    target = row_dict(comp, 1)
    assert comp.extra["mapping"] == [{"from": "m5.xlarge", "to": "m7g.xlarge",
                                      "hours_per_hour": 1.0}]
    assert target["energy_kwh"] == pytest.approx(m7g_kwh(100, with_memory=True), rel=1e-9)
    assert target["cost"] == pytest.approx(100 * 0.1632)
    hardware = next(a for a in comp.assumptions if a.name == "hardware m7g.xlarge")
    assert "instancetypes/gp.html" in hardware.source
    # m7g's host embodied is unpublished: the row assumes m5's (central and high), and the
    # low end counts it as 0; a note says only the operational difference is a finding
    base = row_dict(comp, 0)
    assert base["co2e_embodied_kg"] > 0
    assert target["co2e_embodied_kg"] == base["co2e_embodied_kg"]
    assert target["co2e_total_kg"] == pytest.approx(
        target["co2e_operational_kg"] + base["co2e_embodied_kg"], rel=1e-12)
    assert target["co2e_low_kg"] == pytest.approx(target["co2e_operational_kg"], rel=1e-12)
    assert target["co2e_high_kg"] == target["co2e_total_kg"]
    assert any("Only the operational difference is a finding" in n for n in comp.notes)
    with (api.open_db(bill, read_only=True) as db,
          pytest.raises(ConfigError, match="--to m7g: unknown")):
        api.compare_instance(db, from_="m5", to="m7g", methodology="ccf")


def test_compare_p4d_to_p5_by_hand(bill):
    """10 hours of p4d.24xlarge (8 A100) -> 10 hours of p5.48xlarge (8 H100 SXM): 192 vCPUs of
    AMD EPYC 3rd Gen (no AWS power row: average watts), the H100's datasheet watts, the extra
    memory of a 2-chip host with 2,048 GiB, and the GPUs' own embodied emissions."""
    with api.open_db(bill, read_only=True) as db:
        comp = api.compare_instance(db, from_="p4d", to="p5")
    assert comp.extra["mapping"] == [{"from": "p4d.24xlarge", "to": "p5.48xlarge",
                                      "hours_per_hour": 1.0}]
    assert comp.extra["gpu_hours"] == {"as_billed": pytest.approx(80),
                                       "target": pytest.approx(80)}
    assert comp.extra["vcpu_hours"]["target"] == pytest.approx(10 * 192)
    util, pue, _ = aws_factors()
    lo, hi, gb_chip = fallback_watts()
    h100 = next(r for r in coef_rows("accelerators")
                if r["accelerator_model"] == "Nvidia H100 SXM")
    idle, peak = num(h100["idle_w"]), num(h100["max_w"])
    cpu = (lo + util / 100 * (hi - lo)) * 1920 / 1000
    gpu = (idle + util / 100 * (peak - idle)) * 80 / 1000
    memory = (2048 / 2 - gb_chip) * 10 * const("memory_kwh_per_gb_hour")
    target = row_dict(comp, 1)
    assert target["energy_kwh"] == pytest.approx((cpu + gpu + memory) * pue, rel=1e-9)
    assert target["co2e_embodied_kg"] == pytest.approx(
        8 * num(h100["embodied_kg"]) * 10 / const("server_lifespan_hours"), rel=1e-9)
