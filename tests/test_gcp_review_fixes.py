"""Google Cloud findings of the 2026-12 newcomer review: SKU words in any case (A2), usage in
pricing units (A3), Vertex AI GPU SKUs (A5), regions that run only some services (C6).

Expected numbers are worked out here from the README's formulas and the coefficient CSVs read
with Python's csv module, and the bills' own quantities read with csv / json."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest

from ccf_py import api, coefficients
from ccf_py.classify import GcpClassifier, UsageKey
from ccf_py.estimate import create_estimates

ROOT = Path(__file__).resolve().parents[1]
COEF_DIR = ROOT / "coefficients"
GCP = Path(__file__).parent / "fixtures" / "gcp"
PSOCUDS = GCP / "gcp_billing_export_v1_rows_psocuds.ndjson"
FLAT = GCP / "gcp_detailed_export_synth_flat_psofinopsagent.csv"
FOCUS = GCP / "review_gcp_focus_pricing_units.csv"
ACCELERATORS = GCP / "review_gcp_accelerators.jsonl"
DEMO_GCP = ROOT / "ccf_py" / "demo_files" / "gcp_billing_demo_2026-10.jsonl.gz"

COEF = coefficients.load()
CCF = GcpClassifier(COEF, "ccf")
DEFAULT = GcpClassifier(COEF, "default")


# ------------------------------------------------------------------ independent inputs

def coef_rows(stem: str) -> list[dict[str, str]]:
    with (COEF_DIR / f"{stem}.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def gcp_constant(key: str) -> float:
    return next(float(r["value"]) for r in coef_rows("constants")
                if r["provider"] == "gcp" and r["key"] == key)


def pue(region: str) -> float:
    """GCP's PUE of the region, else GCP's default row '*' (README: PUE per region)."""
    rows = {r["region"]: float(r["pue"]) for r in coef_rows("pue") if r["provider"] == "gcp"}
    return rows.get(region, rows["*"])


def grid(region: str) -> float:
    return next(float(r["gco2e_per_kwh"]) for r in coef_rows("grid_intensity")
                if r["provider"] == "gcp" and r["region"] == region)


def watts_at_half_load(machine_type: str) -> float:
    """W per vCPU at 50 %: mean min and max W over the type's CPU architectures."""
    archs = next(r["cpu_architectures"] for r in coef_rows("instance_types")
                 if r["provider"] == "gcp" and r["instance_type"] == machine_type).split("|")
    cpu = {r["architecture"]: r for r in coef_rows("cpu_power") if r["provider"] == "gcp"}
    lo = sum(float(cpu[a]["min_w_per_vcpu"]) for a in archs) / len(archs)
    hi = sum(float(cpu[a]["max_w_per_vcpu"]) for a in archs) / len(archs)
    return lo + 0.5 * (hi - lo)


def key(sku: str, unit: str = "seconds", service: str = "Compute Engine",
        machine: str | None = None) -> UsageKey:
    return UsageKey(service, sku, unit, "Usage", None, machine, provider="gcp")


def estimates(db_path: Path, files: list[Path], methodology: str = "default",
              ingest=api.ingest_gcp_billing) -> list[dict]:
    """Every estimated billed line of the files (one database, all months)."""
    with api.open_db(db_path) as db:
        ingest(db, [str(f) for f in files])
        create_estimates(db.con, methodology)
        cur = db.con.execute("SELECT * FROM fct_usage_estimates")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


# ------------------------------------------------------------------ A2: words in any case

def test_lower_case_commitment_fee_is_a_fee_like_its_capitalised_spelling():
    """Google's own sample writes 'commitment v1: ram in americas for 3 year'."""
    # CCF has no commitment rule: 'Cpu' and 'cpu' are no word of its compute list (unknown
    # usage), 'CPU' is (compute: a fee counted as vCPU-seconds)
    for sku, ccf_class in (("Commitment v1: Cpu in Americas for 3 Year", "unknown"),
                           ("commitment v1: cpu in americas for 3 year", "unknown"),
                           ("COMMITMENT V1: CPU IN AMERICAS FOR 3 YEAR", "compute")):
        kc = DEFAULT.classify(key(sku))
        assert (kc.usage_class, kc.rule_id, kc.estimate_path) == (
            "non_usage", "commitment_fee", "non_usage"), sku
        assert CCF.classify(key(sku)).usage_class == ccf_class, sku


@pytest.mark.parametrize(("sku", "unit", "service", "default_class", "ccf_class"), [
    # CCF's word lists are case-sensitive ('Core', 'CORE'; 'RAM', 'Ram'; 'Egress', 'egress')
    ("n1 predefined instance core running in americas", "seconds", "Compute Engine",
     "compute", "unknown"),
    ("n1 predefined instance ram running in americas", "byte-seconds", "Compute Engine",
     "memory", "storage"),          # CCF: not a memory word, so byte-seconds are storage
    ("Network Internet EGRESS from Americas to EMEA", "bytes", "Compute Engine",
     "network", "unknown"),
    ("Kubernetes clusters", "seconds", "Kubernetes Engine", "compute", "unknown"),
])
def test_sku_words_match_in_any_case_in_default_as_written_in_ccf(
        sku, unit, service, default_class, ccf_class):
    assert DEFAULT.classify(key(sku, unit, service)).usage_class == default_class
    assert CCF.classify(key(sku, unit, service)).usage_class == ccf_class


def test_regional_disks_are_replicated_whatever_the_case_in_default():
    for sku in ("Regional Storage PD Capacity", "regional storage pd capacity"):
        assert DEFAULT.classify(key(sku, "byte-seconds")).replication_factor == 2, sku
    assert CCF.classify(key("regional storage pd capacity", "byte-seconds")
                        ).replication_factor == 1   # CCF's includes('Regional')


def test_case_of_support_service_and_unsupported_words():
    assert DEFAULT.classify(key("Enhanced Support", service="support")).usage_class \
        == "non_usage"
    fee = DEFAULT.classify(key("Licensing FEE for Windows Server"))
    assert fee.rule_id == "ccf_unsupported:Fee"          # default: CCF's list, any case
    assert CCF.classify(key("Licensing FEE for Windows Server")).rule_id \
        == "seconds_not_compute"                         # CCF: 'FEE' is neither Fee nor fee


def test_googles_sample_commitment_fees_are_not_usage(tmp_path):
    """psocuds: 26 lines 'commitment v1: ram in americas for 3 year' (lower case) and 2
    capitalised ones; all are committed-use fees, none carries energy."""
    lines = [json.loads(t) for t in PSOCUDS.read_text().splitlines() if t.strip()]
    fees = [li for li in lines if li["sku"]["description"].lower().startswith("commitment")]
    assert sum(li["sku"]["description"].startswith("commitment") for li in fees) == 26
    rows = [r for r in estimates(tmp_path / "p.duckdb", [PSOCUDS])
            if r["usage_type"].lower().startswith("commitment")
            and r["line_item_type"] == "Usage"]
    assert len(rows) == len(fees) == 28
    assert {(r["usage_class"], r["estimate_path"]) for r in rows} == {("non_usage",
                                                                        "non_usage")}
    assert sum(r["energy_kwh"] for r in rows) == 0
    assert sum(r["cost"] for r in rows) == pytest.approx(sum(float(li["cost"]) for li in fees))


# ------------------------------------------------------------------ A3: pricing units

def test_unit_conversions_are_the_catalogues_factors():
    rows = {r["unit"]: r for r in coef_rows("unit_conversions") if r["provider"] == "gcp"}
    assert float(rows["hour"]["base_units_per_unit"]) == 3600
    assert float(rows["gibibyte hour"]["base_units_per_unit"]) == 2 ** 30 * 3600
    assert float(rows["gibibyte month"]["base_units_per_unit"]) == 2 ** 30 * 31 * 86400
    assert float(rows["gibibyte"]["base_units_per_unit"]) == 2 ** 30
    assert all(r["source"].strip() for r in rows.values())


def test_psocuds_ram_in_gibibyte_hours_is_memory_estimated_directly(tmp_path):
    """117 'N1 Standard Instance Ram' lines in 'gibibyte hour': memory at 0.000392 kWh per
    GiB-hour (README: memory = GB_hours x 0.000392), PUE and grid of their region."""
    lines = [json.loads(t) for t in PSOCUDS.read_text().splitlines() if t.strip()]
    ram = [li for li in lines if li["usage"]["unit"] == "gibibyte hour"
           and "Ram running" in li["sku"]["description"] and li["cost_type"] == "regular"]
    assert len(ram) == 117
    kwh_per_gib_h = gcp_constant("memory_kwh_per_gb_hour")
    want_kwh, want_kg = 0.0, 0.0
    for li in ram:
        region = li["location"]["region"]
        kwh = float(li["usage"]["amount"]) * kwh_per_gib_h * pue(region)
        want_kwh += kwh
        want_kg += kwh * grid(region) / 1000
    got = [r for r in estimates(tmp_path / "p.duckdb", [PSOCUDS])
           if r["pricing_unit"] == "gibibyte hour" and "Ram running" in r["usage_type"]
           and r["line_item_type"] == "Usage"]
    assert len(got) == 117
    assert {(r["usage_class"], r["estimate_path"]) for r in got} == {("memory", "direct")}
    assert sum(r["energy_kwh"] for r in got) == pytest.approx(want_kwh, rel=1e-9)
    assert sum(r["co2e_operational_kg"] for r in got) == pytest.approx(want_kg, rel=1e-9)
    assert want_kwh > 1   # 6,985 GiB-hours: not a rounding error


def test_psofinopsagent_e2_cores_in_hours_are_compute_estimated_directly(tmp_path):
    """'E2 Instance Core' in 'hour' (vCPU-hours; the lines have no machine_spec label): the
    e2 family's processors at 50 % (README compute formula), PUE and grid of each region."""
    with FLAT.open(newline="", encoding="utf-8") as fh:
        e2 = [r for r in csv.DictReader(fh) if r["sku_description"] == "E2 Instance Core"
              and r["cost_type"] == "regular"]
    assert len(e2) == 9 and {r["usage_unit"] for r in e2} == {"hour"}
    w = watts_at_half_load("e2-standard-2")
    want: dict[str, float] = defaultdict(float)
    for r in e2:
        want[r["location_region"]] += (float(r["usage_amount"]) * w / 1000
                                       * pue(r["location_region"]))
    got: dict[str, float] = defaultdict(float)
    rows = [r for r in estimates(tmp_path / "f.duckdb", [FLAT])
            if r["usage_type"] == "E2 Instance Core" and r["line_item_type"] == "Usage"]
    for r in rows:
        got[r["region"]] += r["energy_kwh"]
    assert {(r["usage_class"], r["estimate_path"], r["rule_id"]) for r in rows} == {
        ("compute", "direct", "compute:vcpu_seconds@hour")}
    assert got.keys() == want.keys()
    for region, kwh in want.items():
        assert got[region] == pytest.approx(kwh, rel=1e-9), region
    assert sum(want.values()) > 30   # 15,323.5 vCPU-hours in asia-east1 alone


def test_sizeless_storage_hours_stay_estimated_from_cost(tmp_path):
    """The synthetic sample bills 'Storage PD SSD' and 'Balanced Persistent Disk' in 'hour':
    disk-hours without a size are no TB-hours, so they are priced from cost, not dropped."""
    rows = [r for r in estimates(tmp_path / "f.duckdb", [FLAT])
            if r["usage_type"] in ("Storage PD SSD", "Balanced Persistent Disk")
            and r["line_item_type"] == "Usage"]
    assert rows and {(r["estimate_path"], r["rule_id"]) for r in rows} == {
        ("from_cost", "seconds_not_compute@hour")}
    assert sum(r["energy_kwh"] for r in rows) > 0


def test_focus_rows_in_pricing_units_are_estimated_from_their_quantities(tmp_path):
    """A FOCUS file of Google Cloud in pricing units: every row direct (before: all but the
    GPU from cost, 300 GiB-months of SSD PD at 4.3 kWh from the A100's kWh per dollar)."""
    with FOCUS.open(newline="", encoding="utf-8") as fh:
        src = {r["ChargeDescription"]: r for r in csv.DictReader(fh)}
    region = {r["RegionId"] for r in src.values()}.pop()
    p = pue(region)
    qty = {k: float(r["ConsumedQuantity"]) for k, r in src.items()}
    w_n2 = watts_at_half_load("n2-standard-2")
    tib_hours = qty["SSD backed PD Capacity"] * 2 ** 30 * 31 * 86400 / 2 ** 40 / 3600
    want = {  # README: compute, memory, storage and network formulas, x PUE
        "N2 Instance Core running in Americas": qty["N2 Instance Core running in Americas"]
        * w_n2 / 1000 * p,
        "N2 Instance Ram running in Americas": qty["N2 Instance Ram running in Americas"]
        * gcp_constant("memory_kwh_per_gb_hour") * p,
        "SSD backed PD Capacity": tib_hours * gcp_constant("ssd_wh_per_tb_hour") / 1000 * p,
        "Network Internet Egress from Americas to EMEA":
        qty["Network Internet Egress from Americas to EMEA"]
        * gcp_constant("network_kwh_per_gb") * p,
    }
    got = {r["usage_type"]: r for r in estimates(tmp_path / "focus.duckdb", [FOCUS],
                                                 ingest=api.ingest_focus)}
    for sku, kwh in want.items():
        assert got[sku]["estimate_path"] == "direct", sku
        assert got[sku]["energy_kwh"] == pytest.approx(kwh, rel=1e-9), sku
    assert got["SSD backed PD Capacity"]["energy_kwh"] == pytest.approx(0.2903, abs=1e-4)
    a100 = got["Nvidia Tesla A100 GPU running in Americas"]
    assert a100["estimate_path"] == "direct" and a100["gpu_hours"] == pytest.approx(19)


def test_ccf_drops_pricing_unit_lines_and_says_why(tmp_path):
    """CCF's query keeps only seconds, byte-seconds, bytes and requests: ccf estimates none
    of these lines, and the note names CCF's query, not a lack of usage to extrapolate from."""
    rows = estimates(tmp_path / "f.duckdb", [FLAT], "ccf")
    usage = [r for r in rows if r["line_item_type"] == "Usage"]
    assert {r["estimate_path"] for r in usage} == {"none"}
    with api.open_db(tmp_path / "f.duckdb", read_only=True) as db:
        table = api.report(db, methodology="ccf", by="currency")
    note = next(n for n in table.notes if "BigQuery query" in n)
    assert f"{len(usage):,} GCP usage lines" in note and "hour (" in note
    assert not any("too little directly estimated usage" in n for n in table.notes)


# ------------------------------------------------------------------ A5: GPU SKU spellings

@pytest.mark.parametrize(("sku", "model"), [
    ("Vertex AI: Training on Nvidia A100 GPU running in Americas", "Nvidia A100 SXM4 40GB"),
    ("Nvidia A100 80GB GPU running in APAC", "Nvidia A100 SXM4 80GB"),
    ("NVIDIA TESLA T4 GPU running in Americas", "Nvidia Tesla T4"),
    ("Vertex AI: Online/Batch Prediction Nvidia Tesla V100 GPU running in EMEA",
     "Nvidia Tesla V100 SXM2 16GB"),
    ("Nvidia Tesla A100 GPU running in APAC", "Nvidia A100 SXM4 40GB"),  # the shared sample
])
def test_gpu_skus_without_tesla_or_in_other_case_find_their_model(sku, model):
    kc = DEFAULT.classify(key(sku, service="Vertex AI"))
    assert (kc.rule_id, kc.accelerator_model) == ("compute:accelerator_sku", model)


def test_vertex_ai_a100_training_line_is_estimated_at_the_a100s_watts(tmp_path):
    line = next(json.loads(t) for t in ACCELERATORS.read_text().splitlines()
                if "Training on Nvidia A100" in t)
    acc = next(r for r in coef_rows("accelerators")
               if r["accelerator_model"] == "Nvidia A100 SXM4 40GB")
    gpu_hours = float(line["usage"]["amount"]) / 3600
    idle, peak = float(acc["idle_w"]), float(acc["max_w"])
    region = line["location"]["region"]
    want_kwh = gpu_hours * (idle + 0.5 * (peak - idle)) / 1000 * pue(region)
    got = next(r for r in estimates(tmp_path / "g.duckdb", [ACCELERATORS])
               if r["usage_type"] == line["sku"]["description"])
    assert got["estimate_path"] == "direct" and got["note"] == ""
    assert got["gpu_energy_kwh"] == pytest.approx(want_kwh, rel=1e-9)
    assert got["energy_kwh"] == pytest.approx(want_kwh, rel=1e-9)
    # no host figure: the GPU's own embodied (150 kg over CCF's 4 years), 24 GPU-hours
    assert got["co2e_embodied_kg"] == pytest.approx(
        float(acc["embodied_kg"]) * gpu_hours / gcp_constant("server_lifespan_hours"))


# ------------------------------------------------------------------ C6: restricted regions

def test_best_never_ranks_a_tpu_only_region_and_says_so(tmp_path):
    restricted = {r["region"]: r["runs_only"] for r in coef_rows("restricted_regions")
                  if r["provider"] == "gcp"}
    assert restricted == {"us-central2": "Cloud TPU v4"}
    with api.open_db(tmp_path / "d.duckdb") as db:
        api.ingest_gcp_billing(db, [str(DEMO_GCP)])
        best = api.compare_region(db, to="best", service="Compute Engine")
        one = api.compare_region(db, to="us-central2", service="Compute Engine")
    assert "us-central2" not in best.extra["ranking"]
    assert "us-central1" in best.extra["ranking"]
    assert any(n.startswith("Not ranked: us-central2 (runs only Cloud TPU v4)")
               and "is not checked" in n for n in best.notes)
    assert any("us-central2 runs only Cloud TPU v4" in n for n in one.notes)
