"""Accelerator coefficient tables: accelerators, accelerator_aliases, accelerator_instance_types,
accelerator_skus (coefficients/README.md has one section per table).

Checks: the tables validate (schema, non-empty source, unique keys); every name they reference
exists; idle < max; the completeness rule (every instance type of coefficients/instance_types.csv
whose family has accelerators has a mapping, so a new GPU size added there without a mapping
fails here); the derivations stated in `basis` recomputed by hand; and spot checks of datasheet
figures and instance compositions typed in here from the vendors' pages (sources in the rows).
"""

from __future__ import annotations

import csv
import re

import pytest

import ccf_py.coefficients as coefficients
from ccf_py.resources import data_dir

COEF_DIR = data_dir("coefficients")
TABLES = ("accelerators", "accelerator_aliases", "accelerator_instance_types", "accelerator_skus")
KINDS = {"gpu", "tpu", "asic", "fpga"}


def rows(stem: str) -> list[dict[str, str]]:
    with (COEF_DIR / f"{stem}.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def models() -> dict[str, dict[str, str]]:
    return {r["accelerator_model"]: r for r in rows("accelerators")}


def mapping() -> dict[tuple[str, str], tuple[str, float]]:
    return {(r["provider"], r["instance_type"]): (r["accelerator_model"],
                                                    float(r["accelerator_count"]))
            for r in rows("accelerator_instance_types")}


def resolve(name: str) -> str | None:
    """A model name or an alias -> the model, else None."""
    if name in models():
        return name
    aliases = {r["alias"]: r["accelerator_model"] for r in rows("accelerator_aliases")}
    return aliases.get(name)


def _no_tesla(text: str) -> str:
    return " ".join(w for w in text.lower().split() if w != "tesla")


def sku_model(provider: str, sku: str) -> str | None:
    """Longest `sku_contains` found in the SKU (case-insensitive, 'Tesla' optional) wins, as
    the README says."""
    hits = [r for r in rows("accelerator_skus") if r["provider"] == provider
            and _no_tesla(r["sku_contains"]) in _no_tesla(sku)]
    return (max(hits, key=lambda r: len(_no_tesla(r["sku_contains"])))["accelerator_model"]
            if hits else None)


# ---------------------------------------------------------------------------------------------
# Schema, sources, references
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stem", TABLES)
def test_table_validates_with_a_source_on_every_row(stem: str) -> None:
    validated = coefficients.validate(stem)
    assert validated == rows(stem)
    assert validated and all(r["source"].strip() for r in validated)


def test_accelerator_columns_are_exactly_the_issue_s() -> None:
    columns, key = coefficients.SCHEMAS["accelerators"]
    assert list(columns) == ["accelerator_model", "vendor", "kind", "idle_w", "max_w",
                             "memory_gb", "embodied_kg", "basis", "source"]
    assert key == ("accelerator_model",)


def test_every_accelerator_row_is_complete_and_plausible() -> None:
    for m, r in models().items():
        assert r["kind"] in KINDS, m
        assert r["vendor"] and r["basis"].strip(), m
        idle, mx = float(r["idle_w"]), float(r["max_w"])
        assert 0 < idle < mx <= 1200, m
        assert 0 < float(r["memory_gb"]) <= 256, m
        assert 0 < float(r["embodied_kg"]) < 1000, m


def test_instance_and_sku_tables_reference_existing_models() -> None:
    known = set(models())
    for stem in ("accelerator_instance_types", "accelerator_skus"):
        missing = {r["accelerator_model"] for r in rows(stem)} - known
        assert not missing, (stem, missing)


def test_alias_targets_exist_and_no_alias_shadows_a_model() -> None:
    known = set(models())
    for r in rows("accelerator_aliases"):
        assert r["accelerator_model"] in known, r["alias"]
        assert r["alias"] not in known, r["alias"]


def test_counts_are_positive_and_fractions_only_on_partitioned_azure_sizes() -> None:
    for (provider, itype), (_, n) in mapping().items():
        assert n > 0, itype
        if not n.is_integer():
            assert provider == "azure" and re.match(r"NV\d+a", itype), itype


# ---------------------------------------------------------------------------------------------
# Completeness: an accelerator family's size without a mapping fails here
# ---------------------------------------------------------------------------------------------

ACCELERATED = {
    "aws": re.compile(r"^(p\d|g\d|gr\d|inf\d|trn\d|dl\d)"),  # every AWS g/gr family has GPUs
    "gcp": re.compile(r"^(a2|a3|a4|g2)-"),
    "azure": re.compile(r"^N[CDVP]"),  # NC, ND, NV GPU series; NP = FPGA (mapped as well)
}


def missing_mappings(catalogue: list[dict[str, str]]) -> list[tuple[str, str]]:
    """Instance types of an accelerator family (by the rule above) that have no mapping."""
    mapped = mapping()
    out = []
    for r in catalogue:
        pattern = ACCELERATED.get(r["provider"])
        name = r["family"] if r["provider"] == "aws" else r["instance_type"]
        if pattern and pattern.match(name) and (r["provider"], r["instance_type"]) not in mapped:
            out.append((r["provider"], r["instance_type"]))
    return out


def test_the_rule_selects_today_s_accelerated_types() -> None:
    """Hand count of the catalogue's accelerator rows, so the rule cannot go vacuous."""
    selected: dict[str, int] = {}
    for r in rows("instance_types"):
        pattern = ACCELERATED.get(r["provider"])
        name = r["family"] if r["provider"] == "aws" else r["instance_type"]
        if pattern and pattern.match(name):
            selected[r["provider"]] = selected.get(r["provider"], 0) + 1
    # aws: p2 3, p3 3, p3dn 1, p4d 1, dl1 1, g2 2, g3 3, g3s 1, g4ad 3, g4dn 7, g5 8, g5g 6,
    # inf1 4; gcp: a2-highgpu 4, a2-megagpu 1; azure: the 39 N* rows (NC, ND, NV, NP)
    assert selected == {"aws": 43, "gcp": 5, "azure": 39}


def test_every_accelerated_instance_type_has_a_mapping() -> None:
    missing = missing_mappings(rows("instance_types"))
    assert not missing, f"add these to accelerator_instance_types.csv: {missing}"


def test_the_completeness_rule_catches_a_new_size() -> None:
    """A GPU size added to instance_types.csv without a mapping is reported; a CPU type is not."""
    added = [{"provider": "aws", "instance_type": "g6.96xlarge", "family": "g6"},
             {"provider": "gcp", "instance_type": "a3-highgpu-16g", "family": "a3-highgpu"},
             {"provider": "azure", "instance_type": "NC8ads H100 v9", "family": "x"},
             {"provider": "aws", "instance_type": "m7g.large", "family": "m7g"},
             {"provider": "gcp", "instance_type": "n2-standard-2", "family": "n2-standard"}]
    assert missing_mappings(rows("instance_types") + added) == [
        ("aws", "g6.96xlarge"), ("gcp", "a3-highgpu-16g"), ("azure", "NC8ads H100 v9")]


def test_gpu_rows_of_instance_types_agree_with_the_mapping() -> None:
    """Where CCF's catalogue names a GPU and a count, the mapping has the same count and a model
    CCF's name resolves to (same model or a board variant of it)."""
    m = mapping()
    for r in rows("instance_types"):
        if not r["gpu_model"]:
            continue
        model, n = m[(r["provider"], r["instance_type"])]
        assert n == float(r["gpu_count"]), r["instance_type"]
        ccf = resolve(r["gpu_model"])
        assert ccf is not None, r["gpu_model"]
        family = re.sub(r" (SXM\d|PCIe).*", "", ccf)
        assert model == ccf or model.startswith(family) or (ccf, model) == (
            "Nvidia Tesla T4", "Nvidia T4G"), (r["instance_type"], ccf, model)


def test_ccf_gpu_names_are_findable() -> None:
    for r in rows("gpu_power"):
        assert resolve(r["gpu_model"]) is not None, r["gpu_model"]
    for name in ("Nvidia Tesla T4", "Nvidia Tesla A100 80GB", "Nvidia H100 80GB", "Nvidia L4",
                 "Nvidia Tesla V100", "Nvidia Tesla A100"):
        assert resolve(name) is not None, name


# ---------------------------------------------------------------------------------------------
# Derivations stated in `basis`, recomputed
# ---------------------------------------------------------------------------------------------

def test_ratio_idle_rows_are_0_115_of_max() -> None:
    ratio_rows = [r for r in models().values() if "idle: 0.115 x max" in r["basis"]]
    assert len(ratio_rows) >= 15
    for r in ratio_rows:
        assert float(r["idle_w"]) == pytest.approx(0.115 * float(r["max_w"]), abs=0.051), r


def test_idle_ratio_is_ccf_a100_idle_over_its_tdp() -> None:
    a100 = {r["gpu_model"]: r for r in rows("gpu_power")}["Nvidia Tesla A100"]
    assert float(a100["min_w"]) / 400 == pytest.approx(0.115)


# model -> CCF's name for it; P40 and the U250 are in CCF's Azure table only (typed here)
CCF_IDLE_NAMES = {
    "Nvidia Tesla K80": "Nvidia Tesla K80", "Nvidia Tesla M60": "Nvidia Tesla M60",
    "Nvidia GRID K520": "Nvidia K520", "Nvidia Tesla T4": "Nvidia T4",
    "Nvidia Tesla P4": "Nvidia Tesla P4", "Nvidia Tesla P100 PCIe 16GB": "Nvidia Tesla P100",
    "Nvidia Tesla V100 SXM2 16GB": "Nvidia Tesla V100", "Nvidia A10G": "Nvidia A10G",
    "Nvidia A100 SXM4 40GB": "Nvidia Tesla A100", "AMD Radeon Pro V520": "AMD Radeon Pro V520",
}


def test_rows_citing_ccf_idle_carry_ccf_s_number() -> None:
    ccf = {r["gpu_model"]: float(r["min_w"]) for r in rows("gpu_power")}
    ccf.update({"Nvidia Tesla P40": 30.0, "Xilinx Alveo U250": 27.0})
    names = CCF_IDLE_NAMES | {"Nvidia Tesla P40": "Nvidia Tesla P40",
                              "Xilinx Alveo U250": "Xilinx Alveo U250"}
    measured = {m for m, r in models().items() if "CCF measured" in r["basis"]}
    halved = {m for m, r in models().items() if "CCF's measured" in r["basis"]}
    assert measured | halved == set(names)
    assert halved == {"Nvidia Tesla K80", "Nvidia Tesla M60", "Nvidia GRID K520"}
    for m in measured | halved:
        share = 2 if m in halved else 1      # dual-GPU boards: CCF's board figure / 2
        assert float(models()[m]["idle_w"]) == ccf[names[m]] / share, m
        assert resolve(names[m]) == m, m
    # A10G: no datasheet, so CCF's max too
    assert float(models()["Nvidia A10G"]["max_w"]) == 153.0


def test_half_board_gpus_are_half_the_board() -> None:
    m = models()
    assert float(m["Nvidia Tesla K80"]["max_w"]) == 300 / 2
    assert float(m["Nvidia Tesla M60"]["max_w"]) == 300 / 2
    assert float(m["Nvidia GRID K520"]["max_w"]) == 225 / 2
    assert float(m["Nvidia Tesla K80"]["embodied_kg"]) == 150 / 2
    # CCF's idle figures are per board too (its max is): half each
    assert float(m["Nvidia Tesla K80"]["idle_w"]) == 35 / 2
    assert float(m["Nvidia GRID K520"]["idle_w"]) == 26 / 2


def test_estimated_asic_and_tpu_power_follows_the_stated_rule() -> None:
    m = models()
    w = {k: float(v["max_w"]) for k, v in m.items()}
    assert w["AWS Trainium"] == pytest.approx(190 * 400 / 312, abs=0.05)
    assert w["AWS Inferentia2"] == w["AWS Trainium"]
    assert w["AWS Trainium2"] == pytest.approx(667 * 700 / 989.4, abs=0.05)
    assert w["AWS Inferentia"] == pytest.approx(64 * 70 / 65, abs=0.05)
    assert w["Google TPU v5e"] == pytest.approx(197 * 192 / 275, abs=0.05)
    assert w["Google TPU v5p"] == pytest.approx(459 * 192 / 275, abs=0.05)
    assert w["Google TPU v6e"] == pytest.approx(918 * 192 / 275 / 1.67, abs=0.05)
    for k in ("AWS Trainium", "AWS Trainium2", "AWS Inferentia", "AWS Inferentia2",
              "Google TPU v5e", "Google TPU v5p", "Google TPU v6e"):
        assert "estimate" in m[k]["basis"], k


def test_every_basis_says_where_idle_max_and_embodied_come_from() -> None:
    for m, r in models().items():
        b = r["basis"]
        assert "idle" in b and "max" in b and "embodied" in b, m


# ---------------------------------------------------------------------------------------------
# Datasheet spot checks (values typed from the vendors' datasheets)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("model", "max_w", "memory_gb"), [
    ("Nvidia H100 SXM", 700, 80), ("Nvidia H100 PCIe", 350, 80), ("Nvidia H100 NVL", 400, 94),
    ("Nvidia H200", 700, 141), ("Nvidia A100 SXM4 40GB", 400, 40),
    ("Nvidia A100 SXM4 80GB", 400, 80), ("Nvidia A100 PCIe 80GB", 300, 80),
    ("Nvidia Tesla T4", 70, 16), ("Nvidia L4", 72, 24), ("Nvidia L40S", 350, 48),
    ("Nvidia A10", 150, 24), ("Nvidia Tesla V100 SXM2 16GB", 300, 16),
    ("Nvidia Tesla V100 PCIe 16GB", 250, 16), ("Nvidia Tesla P100 PCIe 16GB", 250, 16),
    ("Nvidia Tesla P40", 250, 24), ("Nvidia Tesla P4", 75, 8), ("Nvidia B200", 1000, 180),
    ("AMD Instinct MI300X", 750, 192), ("Google TPU v4", 192, 32),
])
def test_datasheet_board_power_and_memory(model: str, max_w: float, memory_gb: float) -> None:
    r = models()[model]
    assert (float(r["max_w"]), float(r["memory_gb"])) == (max_w, memory_gb)


def test_dodge_measured_mean_power_lies_between_idle_and_max() -> None:
    """Dodge et al. 2022 Table 2: BERT pretraining 8 V100 x 36 h = 37.3 kWh (130 W per GPU);
    6B transformer 256 A100 x 192 h = 13,812.4 kWh (281 W per GPU)."""
    m = models()
    for model, kwh, gpus, hours in (("Nvidia Tesla V100 SXM2 16GB", 37.3, 8, 36),
                                    ("Nvidia A100 SXM4 40GB", 13812.4, 256, 192)):
        watts = kwh * 1000 / (gpus * hours)
        assert float(m[model]["idle_w"]) < watts < float(m[model]["max_w"])


# ---------------------------------------------------------------------------------------------
# Instance compositions (from the providers' instance pages)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("provider", "itype", "model", "count"), [
    ("aws", "p4d.24xlarge", "Nvidia A100 SXM4 40GB", 8),
    ("aws", "p4de.24xlarge", "Nvidia A100 SXM4 80GB", 8),
    ("aws", "p5.48xlarge", "Nvidia H100 SXM", 8),
    ("aws", "p5e.48xlarge", "Nvidia H200", 8),
    ("aws", "p3.16xlarge", "Nvidia Tesla V100 SXM2 16GB", 8),
    ("aws", "p3dn.24xlarge", "Nvidia Tesla V100 SXM2 32GB", 8),
    ("aws", "p2.16xlarge", "Nvidia Tesla K80", 16),
    ("aws", "g4dn.metal", "Nvidia Tesla T4", 8),
    ("aws", "g5.48xlarge", "Nvidia A10G", 8),
    ("aws", "g6.xlarge", "Nvidia L4", 1),
    ("aws", "g6e.48xlarge", "Nvidia L40S", 8),
    ("aws", "trn1.32xlarge", "AWS Trainium", 16),
    ("aws", "trn2.48xlarge", "AWS Trainium2", 16),
    ("aws", "inf1.24xlarge", "AWS Inferentia", 16),
    ("aws", "inf2.48xlarge", "AWS Inferentia2", 12),
    ("aws", "inf2.24xlarge", "AWS Inferentia2", 6),
    ("aws", "dl1.24xlarge", "Habana Gaudi", 8),
    ("gcp", "a2-highgpu-8g", "Nvidia A100 SXM4 40GB", 8),
    ("gcp", "a2-megagpu-16g", "Nvidia A100 SXM4 40GB", 16),
    ("gcp", "a2-ultragpu-8g", "Nvidia A100 SXM4 80GB", 8),
    ("gcp", "a3-highgpu-8g", "Nvidia H100 SXM", 8),
    ("gcp", "a3-ultragpu-8g", "Nvidia H200", 8),
    ("gcp", "g2-standard-96", "Nvidia L4", 8),
    ("gcp", "g2-standard-24", "Nvidia L4", 2),
    ("azure", "ND96asr A100 v4", "Nvidia A100 SXM4 40GB", 8),
    ("azure", "ND96amsr A100 v4", "Nvidia A100 SXM4 80GB", 8),
    ("azure", "ND96isr H100 v5", "Nvidia H100 SXM", 8),
    ("azure", "NC6s v3", "Nvidia Tesla V100 PCIe 16GB", 1),
    ("azure", "NC24ads A100 v4", "Nvidia A100 PCIe 80GB", 1),
    ("azure", "NC40ads H100 v5", "Nvidia H100 NVL", 1),
    ("azure", "NV36ads A10 v5", "Nvidia A10", 1),
    ("azure", "NV12ads A10 v5", "Nvidia A10", 1 / 3),
])
def test_instance_composition(provider: str, itype: str, model: str, count: float) -> None:
    got_model, got_count = mapping()[(provider, itype)]
    assert got_model == model
    assert got_count == pytest.approx(count, abs=1e-6)


def test_every_size_of_a_family_uses_one_model() -> None:
    by_family: dict[tuple[str, str], set[str]] = {}
    for (provider, itype), (model, _) in mapping().items():
        if provider == "aws":
            by_family.setdefault((provider, itype.split(".")[0]), set()).add(model)
    assert all(len(v) == 1 for v in by_family.values()), by_family


# ---------------------------------------------------------------------------------------------
# SKU matching
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("sku", "model"), [
    ("Nvidia Tesla T4 GPU running in Americas", "Nvidia Tesla T4"),
    ("Nvidia Tesla A100 GPU running in APAC", "Nvidia A100 SXM4 40GB"),
    ("Nvidia Tesla A100 80GB GPU running in Americas", "Nvidia A100 SXM4 80GB"),
    ("Spot Preemptible Nvidia Tesla A100 80GB GPU running in EMEA", "Nvidia A100 SXM4 80GB"),
    ("Nvidia L4 GPU running in Americas", "Nvidia L4"),
    ("Nvidia H100 80GB GPU running in Americas", "Nvidia H100 SXM"),
    ("Nvidia Tesla V100 GPU running in Americas", "Nvidia Tesla V100 SXM2 16GB"),
    ("Nvidia Tesla P4 GPU running in Americas", "Nvidia Tesla P4"),
    ("Nvidia Tesla P100 GPU running in EMEA", "Nvidia Tesla P100 PCIe 16GB"),
    ("Nvidia Tesla K80 GPU running in Americas", "Nvidia Tesla K80"),
    ("Commitment v1: Nvidia Tesla T4 GPU in Americas for 1 Year", "Nvidia Tesla T4"),
    ("TPU v5e chip running in Americas", "Google TPU v5e"),
    ("Tpu-v5p pod running in Americas", "Google TPU v5p"),
    ("TPU v4 pod running in Americas", "Google TPU v4"),
    # 'Tesla' optional (README): newer and Vertex AI SKUs leave NVIDIA's retired brand out
    ("Nvidia A100 80GB GPU running in APAC", "Nvidia A100 SXM4 80GB"),
    ("Vertex AI: Training on Nvidia A100 GPU running in Americas", "Nvidia A100 SXM4 40GB"),
])
def test_gcp_sku_longest_match(sku: str, model: str) -> None:
    assert sku_model("gcp", sku) == model


def test_non_accelerator_skus_match_nothing() -> None:
    for sku in ("N1 Predefined Instance Core running in Americas", "Storage PD Capacity",
                "A2 Instance Ram running in Americas", "G2 Instance Core running in Americas"):
        assert sku_model("gcp", sku) is None, sku


def test_longest_match_is_needed() -> None:
    """Without 'longest wins' the 80GB SKU would also match the 40GB A100 entry."""
    sku = "Nvidia Tesla A100 80GB GPU running in Americas"
    hits = {r["accelerator_model"] for r in rows("accelerator_skus")
            if r["sku_contains"].lower() in sku.lower()}
    assert hits == {"Nvidia A100 SXM4 40GB", "Nvidia A100 SXM4 80GB"}


def test_nvml_device_names_resolve_for_measure():
    """`ccf-py measure` finds a device's embodied figure by the name NVML reports."""
    from ccf_py.measure.footprint import embodied_te_kg

    coef = coefficients.load().for_provider("aws")
    for nvml, model in (("NVIDIA H100 80GB HBM3", "Nvidia H100 SXM"),
                        ("NVIDIA A100-SXM4-40GB", "Nvidia A100 SXM4 40GB"),
                        ("Tesla V100-SXM2-16GB", "Nvidia Tesla V100 SXM2 16GB"),
                        ("Tesla T4", "Nvidia Tesla T4")):
        assert coef.accelerator(nvml).model == model
        te, where = embodied_te_kg(nvml)
        assert te == float(coef.accelerators[model].embodied_kg) and model in where
