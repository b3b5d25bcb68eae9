"""Azure usage keys the parity sample does not exercise: CCF's quirks (``ccf``) and the
default's fixes (README, "Methodology": Q5, Q7, Q13 and the rest), one key at a time."""

from __future__ import annotations

import pytest

from ccf_py import coefficients
from ccf_py.classify import AzureClassifier, UsageKey
from ccf_py.classify.azure import read_unit, size_from_service_type

COEF = coefficients.load()
CCF = AzureClassifier(COEF, "ccf")
DEFAULT = AzureClassifier(COEF, "default")


def key(meter: str, unit: str = "1 Hour", service: str = "Virtual Machines",
        charge: str = "Usage", vcpu: float | None = None,
        service_type: str | None = None) -> UsageKey:
    return UsageKey(service, meter, unit, charge, vcpu, service_type, provider="azure")


@pytest.mark.parametrize(("unit", "dimension", "per_unit"), [
    ("1 Hour", "hours", 1), ("10 Hours", "hours", 10), ("100 Hour", "hours", 100),
    ("1000 Hours", "hours", 1000), ("Hours", "hours", 1), ("1 GB/Month", "gb_months", 1),
    ("100 GB/Month", "gb_months", 100), ("1 TB/Month", "gb_months", 1000),
    ("100 /Month", "per_month", 100), ("1/Day", "per_day", 1), ("10 /Day", "per_day", 10),
    ("1 GB", "gb", 1), ("200 GB", "gb", 200), ("1 TB", "gb", 1000),
    ("50000 GB Seconds", "gb_seconds", 50000), ("1000 GB Hours", "gb_hours", 1000),
    ("1 GiB/Hour", "storage_gb_hours", 2 ** 30 / 1e9),
    ("1 GiB Second", "gb_seconds", 2 ** 30 / 1e9),
    ("10K", None, 10000), ("1M", None, 1e6), ("Bananas", None, 1), ("", None, 1)])
def test_units_are_read_by_their_distinct_unit(unit, dimension, per_unit):
    u = read_unit(unit)
    assert (u.dimension, u.per_unit) == (dimension, per_unit)


def test_block_sizes_ignored_in_ccf_applied_in_default():
    """Q5: the export's Quantity counts blocks ('10 Hours'); the billing table's amount is
    Quantity x block, in hours. CCF counted one block as one hour, so per hour of the amount
    ``ccf`` gives 1/10 of the vCPU-hours; ``default`` the hours."""
    for unit, hours in (("1 Hour", 1), ("10 Hours", 10), ("100 Hours", 100)):
        k = key("D2s v3", unit)
        assert CCF.classify(k).vcpu_hours_per_unit == pytest.approx(2 / hours)
        assert DEFAULT.classify(k).vcpu_hours_per_unit == 2
        # embodied: CCF's TiR = hours / vCPUs (Q2); default the hours
        assert CCF.classify(k).embodied_time_per_unit == pytest.approx(1 / 2 / hours)
        assert DEFAULT.classify(k).embodied_time_per_unit == 1
    k = key("Hot LRS Data Stored", "100 GB/Month", service="Storage")
    assert CCF.classify(k).storage_tb_hours_per_unit == pytest.approx(24 / 1000 / 100)
    dflt = DEFAULT.classify(k)
    assert dflt.storage_per_gb_month and dflt.storage_gb_months_per_unit == 1


def test_unreadable_units_never_fail():
    for unit in ("10K", "1M", "Bananas", "", "1 /Hour"):
        kc = DEFAULT.classify(key("Standard Transactions", unit, service="Storage"))
        assert (kc.usage_class, kc.estimate_path) == ("unknown", "from_cost"), unit
        # CCF: a unit in none of its lists is unknown (priced per unit of usage amount)
        ccf = CCF.classify(key("Standard Transactions", unit, service="Storage"))
        # ... per export Quantity, i.e. per block of the amount ('10K': 1/10 000 of it)
        per_block = {"10K": 1e-4, "1M": 1e-6}.get(unit, 1.0)
        assert ccf.estimate_path == "from_cost", unit
        assert ccf.ratio_amount_per_unit == pytest.approx(per_block), unit


def test_s_disk_crashes_ccf_and_is_hdd_in_default():
    """Q7: 'LRS' makes CCF call the S disk SSD, then its P/E regex finds no size."""
    k = key("S10 LRS Disk", "1 /Month", service="Storage")
    assert CCF.classify(k).estimate_path == "none"
    assert CCF.classify(k).rule_id == "ccf_crash:s_disk"
    dflt = DEFAULT.classify(k)
    assert dflt.storage_wh_per_tb_hour == 0.65 and dflt.storage_gb_months_per_unit == 128
    assert dflt.replication_factor == 3
    # an S disk without LRS in its name takes CCF's HDD path: 32 GB for one day
    ccf = CCF.classify(key("S4 Disks", "1 /Month", service="Storage"))
    assert ccf.storage_wh_per_tb_hour == 0.65
    assert ccf.storage_tb_hours_per_unit == pytest.approx(32 * 24 / 1000)
    assert ccf.replication_factor == 3  # 'Disks'


def test_standard_blob_storage_is_hdd_in_default():
    """Q13: CCF's STORAGE_USAGE_TYPES make every LRS/GRS meter SSD."""
    # default: the tier's storage_classes.csv row: online tiers on HDD, Archive (an offline
    # tier) on tape at 0.0845 Wh/TB-h
    for meter, rf, wh in (("Hot LRS Data Stored", 3, 0.65), ("Archive GRS Data Stored", 6, 0.0845),
                          ("Cool RA-GZRS Data Stored", 6, 0.65), ("Hot ZRS Data Stored", 3, 0.65)):
        k = key(meter, "1 GB/Month", service="Storage")
        assert CCF.classify(k).storage_wh_per_tb_hour == 1.2, meter
        assert DEFAULT.classify(k).storage_wh_per_tb_hour == wh, meter
        assert CCF.classify(k).replication_factor == DEFAULT.classify(k).replication_factor == rf
    premium = DEFAULT.classify(key("Premium LRS Data Stored", "1 GB/Month", service="Storage"))
    assert premium.storage_wh_per_tb_hour == 1.2
    cosmos = DEFAULT.classify(key("Data Stored", "1 GB/Month", service="Azure Cosmos DB"))
    assert (cosmos.storage_wh_per_tb_hour, cosmos.replication_factor) == (1.2, 4)
    # DTUs in a storage unit are not stored bytes
    dtu = key("S0 DTUs", "1 GB/Month", service="SQL Database")
    assert CCF.classify(dtu).usage_class == "storage"
    assert DEFAULT.classify(dtu).estimate_path == "from_cost"


def test_provisioned_capacity_per_hour_in_default():
    """Premium SSD v2 bills provisioned GiB per hour: TB-hours directly (CCF: unknown unit)."""
    k = key("Premium LRS Provisioned Capacity", "1 GiB/Hour", service="Storage")
    dflt = DEFAULT.classify(k)
    assert dflt.storage_tb_hours_per_unit == pytest.approx(2 ** 30 / 1e9 / 1000)
    assert dflt.storage_wh_per_tb_hour == 1.2 and dflt.replication_factor == 3
    assert CCF.classify(k).estimate_path == "from_cost"


def test_managed_disks_are_disk_months_in_default():
    k = key("P30 LRS Disk", "1 /Month", service="Storage")
    assert CCF.classify(k).storage_tb_hours_per_unit == pytest.approx(1024 * 24 / 1000)
    dflt = DEFAULT.classify(k)
    assert dflt.storage_per_gb_month and dflt.storage_gb_months_per_unit == 1024
    assert dflt.storage_wh_per_tb_hour == 1.2


def test_unknown_sizes_one_vcpu_in_ccf_export_vcpus_or_cost_in_default():
    """Q13: CCF counts any hourly meter it cannot size as 1 vCPU."""
    k = key("ZZ99 unknown", vcpu=None)
    assert CCF.classify(k).vcpu_hours_per_unit == 1
    assert DEFAULT.classify(k).estimate_path == "from_cost"
    k4 = key("ZZ99 unknown", vcpu=4.0)
    assert CCF.classify(k4).vcpu_hours_per_unit == 1
    assert DEFAULT.classify(k4).vcpu_hours_per_unit == 4
    assert DEFAULT.classify(k4).estimate_path == "fallback"  # Azure average watts
    # the VM size from ServiceType when the meter does not name it
    k = key("D2s v3 Low Priority", service_type="Standard_D2s_v3")
    assert CCF.classify(k).vcpu_hours_per_unit == 1
    dflt = DEFAULT.classify(k)
    assert dflt.instance_type == "D2s v3" and dflt.vcpu_hours_per_unit == 2
    assert dflt.embodied_te_kg == pytest.approx(1482.9) and dflt.embodied_totr_vcpus == 64
    # App Service plans: 'P1 v2 App' is CCF's 'P1 v2' (1 vCPU) without its suffix
    app = key("P1 v2 App", service="Azure App Service")
    assert DEFAULT.classify(app).vcpu_hours_per_unit == 1
    assert DEFAULT.classify(app).rule_id == "compute:vm_size"
    assert CCF.classify(app).rule_id == "compute:one_vcpu"


@pytest.mark.parametrize(("service_type", "size"), [
    ("Standard_D2s_v3", "D2s v3"), ("Standard_NC4as_T4_v3", "NC4as T4 v3"),
    ("Standard_E4-2s_v3", "E4-2s v3"), ("Basic_A1", "A1"), (None, None)])
def test_service_type_to_meter_size(service_type, size):
    assert size_from_service_type(service_type) == size


def test_constrained_vcpu_size_embodied_is_the_full_size():
    k = key("E4-2s v3")
    for clf in (CCF, DEFAULT):
        kc = clf.classify(k)
        assert kc.vcpu_hours_per_unit == 2 and kc.memory_gb_hours_per_unit == 0
        assert kc.embodied_te_kg == pytest.approx(1172.2)
        assert (kc.embodied_rr_vcpus, kc.embodied_totr_vcpus) == (2, 4)


def test_gpu_sizes_add_gpu_hours():
    k = key("NC24s v3", "10 Hours")
    ccf, dflt = CCF.classify(k), DEFAULT.classify(k)
    assert ccf.gpu_hours_per_unit == pytest.approx(4 / 10)    # 4 V100 per block of 10 h
    assert (ccf.gpu_min_w, ccf.gpu_max_w) == (35, 306)
    assert dflt.gpu_hours_per_unit == 4 and dflt.vcpu_hours_per_unit == 24


def test_replication_on_compute_in_ccf_only():
    k = key("vCore", service="SQL Database")
    assert CCF.classify(k).replication_factor == 3
    assert DEFAULT.classify(k).replication_factor == 1
    assert DEFAULT.classify(k).vcpu_hours_per_unit == 1


def test_redis_cache_sizes():
    """CCF: only 'C1 Cache Instance' is memory (exact list); other sizes are 1 vCPU."""
    c1 = key("C1 Cache Instance", service="Redis Cache")
    assert CCF.classify(c1).memory_gb_hours_per_unit == 1
    assert not CCF.classify(c1).feeds_ratio  # CCF never accumulates it
    assert DEFAULT.classify(c1).memory_gb_hours_per_unit == 1
    p2 = key("P2 Cache Instance", service="Redis Cache")
    assert CCF.classify(p2).usage_class == "compute"
    assert CCF.classify(p2).vcpu_hours_per_unit == 1
    dflt = DEFAULT.classify(p2)
    assert (dflt.usage_class, dflt.memory_gb_hours_per_unit, dflt.replication_factor) == (
        "memory", 13, 2)


def test_memory_meters():
    k = key("Standard Execution Time", "1 GB Second", service="Functions")
    for clf in (CCF, DEFAULT):
        assert clf.classify(k).memory_gb_hours_per_unit == pytest.approx(1 / 3600)
    k = key("Memory Duration", "50000 GB Seconds", service="Container Instances")
    # Q5: CCF counts one block of 50 000 GB-s as 1 GB-s
    assert CCF.classify(k).memory_gb_hours_per_unit == pytest.approx(1 / 3600 / 50000)
    assert DEFAULT.classify(k).memory_gb_hours_per_unit == pytest.approx(1 / 3600)


def test_charge_types_other_than_usage_are_not_usage():
    for charge in ("Purchase", "Refund", "UnusedReservation", "UnusedSavingsPlan", "Tax"):
        for clf in (CCF, DEFAULT):
            kc = clf.classify(key("D2s v3", charge=charge))
            assert (kc.usage_class, kc.estimate_path) == ("non_usage", "non_usage"), charge


def test_unsupported_meters():
    lic = key("D2s v3 Windows License", service="Virtual Machines Licenses")
    assert CCF.classify(lic).estimate_path == "none"
    assert DEFAULT.classify(lic).estimate_path == "none"
    assert DEFAULT.classify(lic).rule_id == "licence"
    rules = key("Standard Included LB Rules and Outbound Rules", service="Load Balancer")
    assert CCF.classify(rules).estimate_path == "none"
    assert DEFAULT.classify(rules).estimate_path == "from_cost"


def test_network_egress_only():
    out = key("Standard Data Transfer Out", "1 TB", service="Bandwidth")
    assert CCF.classify(out).network_gb_per_unit == 1000
    assert DEFAULT.classify(out).network_gb_per_unit == 1000
    to_any = key("Data Transfer Out To Any Destination", "1 GB", service="Bandwidth")
    assert CCF.classify(to_any).estimate_path == "none"
    assert DEFAULT.classify(to_any).estimate_path == "from_cost"


def test_ccf_ratio_is_per_amount_with_embodied_on_compute():
    vm = CCF.classify(key("D2s v3"))
    assert vm.ratio_amount_per_unit == 1.0 and vm.ratio_amount_with_embodied
    disk = CCF.classify(key("P10 LRS Disk", "1 /Month", service="Storage"))
    assert disk.ratio_amount_per_unit == 1.0 and not disk.ratio_amount_with_embodied
    assert DEFAULT.classify(key("D2s v3")).ratio_amount_per_unit == 0


def test_charge_type_is_read_whatever_its_case():
    """The Cost Management query API writes 'usage'; exports 'Usage'."""
    for clf in (CCF, DEFAULT):
        lower = clf.classify(key("D2s v3", charge="usage"))
        assert (lower.usage_class, lower.vcpu_hours_per_unit) == (
            "compute", clf.classify(key("D2s v3")).vcpu_hours_per_unit)
        assert clf.classify(key("D2s v3", charge="purchase")).usage_class == "non_usage"


def test_gpu_vm_sizes_use_the_accelerator_tables_in_default():
    """NC6s v3: one V100 (PCIe board, 250 W datasheet) in default; CCF's table: 35/306 W.
    ND96isr H100 v5: not in CCF's table; 8 H100 at 700 W and their embodied in default."""
    nc = key("NC6s v3")
    assert (CCF.classify(nc).gpu_min_w, CCF.classify(nc).gpu_max_w) == (35, 306)
    dflt = DEFAULT.classify(nc)
    assert dflt.gpu_hours_per_unit == 1 and dflt.gpu_max_w == 250
    h100 = DEFAULT.classify(key("ND96isr H100 v5", vcpu=96))
    assert h100.gpu_hours_per_unit == 8 and h100.gpu_max_w == 700
    assert h100.embodied_te_kg == 8 * 150 and "host figure unknown" in h100.note
