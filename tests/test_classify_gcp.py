"""GCP usage keys that the parity sample does not exercise: CCF's quirks (``ccf``) and the
default's fixes (../shared/docs/ccf-methodology.md §14.1, Q18-Q23), one key at a time."""

from __future__ import annotations

import pytest

from ccf_py import coefficients
from ccf_py.classify import GcpClassifier, UsageKey

COEF = coefficients.load()
CCF = GcpClassifier(COEF, "ccf")
DEFAULT = GcpClassifier(COEF, "default")


def key(sku: str, unit: str = "seconds", machine: str | None = None,
        service: str = "Compute Engine", category: str = "Usage") -> UsageKey:
    return UsageKey(service, sku, unit, category, None, machine, provider="gcp")


def test_n2d_gets_intel_watts_in_ccf_and_amd_in_default():
    """Q18: CCF looks processors up by the SKU's first two letters ('n2' -> Cascade Lake)."""
    k = key("N2D AMD Instance Core running in Americas", machine="n2d-standard-4")
    ccf, dflt = CCF.classify(k), DEFAULT.classify(k)
    assert (ccf.cpu_min_w, ccf.cpu_max_w) == (0.64, 3.97)           # Cascade Lake
    assert (dflt.cpu_min_w, dflt.cpu_max_w) == (0.47, 1.69)         # AMD EPYC 2nd Gen
    # both take embodied from the full family: n2d-standard, 2.3205 t, largest 224 vCPU
    for kc in (ccf, dflt):
        assert kc.embodied_te_kg == pytest.approx(2320.5)
        assert kc.embodied_totr_vcpus == 224 and kc.embodied_rr_vcpus == 4
        assert kc.embodied_time_per_unit == pytest.approx(1 / 4 / 3600)


def test_t2d_is_unknown_to_ccf():
    k = key("T2D AMD Instance Core running in EMEA", machine="t2d-standard-8")
    assert (CCF.classify(k).cpu_min_w, CCF.classify(k).cpu_max_w) == (0.68, 4.11)  # median
    assert (DEFAULT.classify(k).cpu_min_w, DEFAULT.classify(k).cpu_max_w) == (0.45, 2.02)


def test_t4_sku_name_and_unknown_gpus():
    """Q19: GCP's SKU says 'Nvidia Tesla T4', CCF's list 'Nvidia T4': CCF averages six GPUs."""
    t4 = key("Nvidia Tesla T4 GPU running in Americas", machine="n1-standard-4")
    ccf = CCF.classify(t4)
    assert ccf.gpu_min_w == pytest.approx((8 + 35 + 35 + 46 + 9 + 36) / 6)
    assert ccf.gpu_max_w == pytest.approx((71 + 306 + 306 + 407 + 76.5 + 306) / 6)
    dflt = DEFAULT.classify(t4)
    assert (dflt.gpu_min_w, dflt.gpu_max_w) == (8, 70)       # T4 datasheet 70 W
    assert dflt.gpu_hours_per_unit == pytest.approx(1 / 3600)
    # an L4 (CCF: the six-GPU mean) at its own datasheet watts (accelerators.csv)
    l4 = DEFAULT.classify(key("Nvidia L4 GPU running in Americas", machine="g2-standard-4"))
    assert (l4.estimate_path, l4.gpu_min_w, l4.gpu_max_w) == ("direct", 8.3, 72)
    assert l4.embodied_te_kg == 150      # g2's host is not in CCF's table: the GPU's own
    # a GPU without power data: estimated from cost and said, never at an invented mean
    new = DEFAULT.classify(key("Nvidia RTX PRO 6000 GPU running in Americas"))
    assert new.estimate_path == "from_cost" and "no power data" in new.note
    assert CCF.classify(key("Nvidia L4 GPU running in Americas")).gpu_min_w == ccf.gpu_min_w


def test_custom_machine_types_get_their_familys_embodied_in_default():
    """Q21: CCF has no table entry for custom types, so no embodied."""
    k = key("N2 Custom Instance Core running in EMEA", machine="n2-custom-8-32768")
    assert CCF.classify(k).embodied_te_kg == 0
    dflt = DEFAULT.classify(k)
    assert dflt.embodied_te_kg == pytest.approx(1887.9)             # n2-standard
    assert (dflt.embodied_rr_vcpus, dflt.embodied_totr_vcpus) == (8, 128)
    assert dflt.embodied_time_per_unit == pytest.approx(1 / 8 / 3600)


def test_regional_gke_clusters_are_replicated_only_in_ccf():
    """Q22: 3 vCPUs per cluster x replication factor 3 = 9 vCPU-hours per cluster-hour."""
    k = key("Regional Kubernetes Clusters", service="Kubernetes Engine")
    ccf, dflt = CCF.classify(k), DEFAULT.classify(k)
    assert ccf.vcpu_hours_per_unit * 3600 == pytest.approx(3)
    assert (ccf.replication_factor, dflt.replication_factor) == (3, 1)
    composer = CCF.classify(key("Cloud Composer vCPU time in Americas",
                                service="Cloud Composer"))
    assert composer.vcpu_hours_per_unit * 3600 == pytest.approx(14)


def test_ssd_backed_media():
    """Q23: only 'SSD' in the SKU is SSD for CCF."""
    for sku in ("Balanced PD Capacity", "Hyperdisk Balanced Capacity", "Extreme PD Capacity"):
        k = key(sku, unit="byte-seconds")
        assert CCF.classify(k).storage_wh_per_tb_hour == 0.65, sku
        assert DEFAULT.classify(k).storage_wh_per_tb_hour == 1.2, sku
        assert DEFAULT.classify(k).storage_tb_hours_per_unit == pytest.approx(1 / 2**40 / 3600)
    hdd = key("Storage PD Capacity", unit="byte-seconds")
    assert DEFAULT.classify(hdd).storage_wh_per_tb_hour == 0.65


def test_units_ccfs_query_drops_and_non_usage():
    count = key("Cloud Vision Label Detection", unit="count", service="Cloud Vision API")
    assert CCF.classify(count).estimate_path == "none"        # never in CCF's query
    assert DEFAULT.classify(count).estimate_path == "from_cost"
    for category in ("Tax", "Credit", "Adjustment"):
        kc = DEFAULT.classify(key("Tax", unit="", category=category))
        assert (kc.usage_class, kc.estimate_path) == ("non_usage", "non_usage")


def test_ccf_words_match_whole_words_only():
    """CCF's containsAny is a \\b-bounded regex: 'Core' does not match 'Cores'."""
    assert CCF.classify(key("Licensing Fee for Windows")).estimate_path == "none"
    assert CCF.classify(key("Coffee Lake Cores running")).usage_class == "unknown"
    assert CCF.classify(key("E2 Instance Core running in Americas")).usage_class == "compute"


def test_ccf_prices_unknown_gcp_usage_per_amount_default_per_cost():
    nat = key("Networking Cloud NAT Gateway Uptime", service="Networking")
    assert CCF.classify(nat).ratio_amount_per_unit == 1.0
    assert DEFAULT.classify(nat).ratio_amount_per_unit == 0.0
    pod = key("Pod mCPU Requests", service="Kubernetes Engine")   # millicores (÷ 1000)
    assert CCF.classify(pod).ratio_amount_per_unit == pytest.approx(1 / 1000)
    secret = CCF.classify(key("Secret version replica storage", unit="byte-seconds",
                              service="Secret Manager"))
    assert secret.ratio_unit == "Unknown"    # no known row has it: 0 kWh


def test_support_is_a_contract_not_usage_in_default():
    k = key("Enhanced Support", unit="month", service="Support")
    assert DEFAULT.classify(k).usage_class == "non_usage"
    assert CCF.classify(k).estimate_path == "none"          # CCF's query drops 'month'
    k = key("Enhanced Support", unit="seconds", service="Support")
    assert CCF.classify(k).usage_class == "unknown"          # CCF's unknown service


def test_cloud_sql_low_cost_storage_is_hdd_and_n1_custom_types_are_n1():
    sql = "Cloud SQL for MySQL: Zonal - {} storage in Americas"
    for tier, wh in (("Standard", 1.2), ("Low cost", 0.65)):
        k = key(sql.format(tier), unit="byte-seconds", service="Cloud SQL")
        assert DEFAULT.classify(k).storage_wh_per_tb_hour == wh, tier
        assert CCF.classify(k).storage_wh_per_tb_hour == 0.65, tier   # Q23: no "SSD"
    n1 = DEFAULT.classify(key("Custom Instance Core running in Americas",
                              machine="custom-8-32768"))
    assert n1.embodied_te_kg == pytest.approx(1677.1)                  # n1-standard host
    assert (n1.embodied_rr_vcpus, n1.embodied_totr_vcpus) == (8, 96)
    assert (n1.cpu_min_w, n1.cpu_max_w) == (1.0, 4.74)                 # n1 median


def test_tpu_skus_are_accelerator_hours_in_default():
    """Cloud TPU is an unknown service for CCF; default: chip-seconds at the TPU's watts."""
    k = key("TPU v5e chip running in Americas", service="Cloud TPU")
    assert CCF.classify(k).usage_class == "unknown"
    tpu = DEFAULT.classify(k)
    assert (tpu.usage_class, tpu.estimate_path) == ("compute", "direct")
    assert tpu.gpu_hours_per_unit == pytest.approx(1 / 3600)
    assert tpu.gpu_max_w == pytest.approx(137.5) and tpu.embodied_te_kg == 150


def test_committed_use_fees_are_not_usage_in_default():
    k = key("Commitment v1: Nvidia Tesla A100 GPU in Americas for 1 Year")
    assert DEFAULT.classify(k).usage_class == "non_usage"
    cpu = key("Commitment v1: Cpu in Americas for 1 Year")
    assert DEFAULT.classify(cpu).usage_class == "non_usage"
