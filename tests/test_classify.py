"""Usage-key rules (classify.py) and the unknown-usage ratios, checked by hand."""

from __future__ import annotations

import pytest

from ccf_py import api, coefficients
from ccf_py.classify import Classifier, UsageKey
from tests.helpers import write_cur

COEF = coefficients.load()
CCF = Classifier(COEF, "ccf")
DEFAULT = Classifier(COEF, "default")


def key(usage_type: str, unit: str = "Hrs", service: str = "AmazonEC2",
        line_item_type: str = "Usage", vcpu: float | None = None,
        instance_type: str | None = None) -> UsageKey:
    return UsageKey(service, usage_type, unit, line_item_type, vcpu, instance_type)


def test_instance_type_parsing_follows_ccf():
    assert Classifier.ccf_instance_type("USW2-BoxUsage:t3.medium") == "t3.medium"
    assert Classifier.ccf_instance_type("InstanceUsage:db.r5.large") == "r5.large"
    assert Classifier.ccf_instance_type("NodeUsage:cache.m5.large") == "m5.large"
    assert Classifier.ccf_instance_type("BoxUsage:m5.xl") == "m5.xlarge"


def test_burstable_vcpu_and_embodied_host():
    k = key("USW2-BoxUsage:t3.medium", vcpu=2)
    ccf, dflt = CCF.classify(k), DEFAULT.classify(k)
    assert ccf.vcpu_hours_per_unit == pytest.approx(2 * 20 / 50)
    assert ccf.memory_gb_hours_per_unit == 0 == dflt.memory_gb_hours_per_unit
    assert ccf.embodied_totr_vcpus == 8          # CCF: t3.2xlarge is "the host" (Q11)
    assert dflt.embodied_totr_vcpus == 96
    assert ccf.embodied_time_per_unit == pytest.approx(1 / 2)   # Q2
    assert dflt.embodied_time_per_unit == 1


def test_unknown_instance_type():
    with_vcpu = key("BoxUsage:m7i-flex.large", vcpu=2)  # in neither instance table
    assert DEFAULT.classify(with_vcpu).estimate_path == "fallback"
    assert DEFAULT.classify(with_vcpu).cpu_min_w == 0.74
    assert "m7i-flex.large" in DEFAULT.classify(with_vcpu).note
    # m7i is in instance_types_extra.csv: default knows it (Sapphire Rapids), ccf does not
    m7i = key("BoxUsage:m7i.large", vcpu=2)
    assert DEFAULT.classify(m7i).estimate_path == "direct"
    assert (DEFAULT.classify(m7i).cpu_min_w, DEFAULT.classify(m7i).cpu_max_w) == (0.79, 3.65)
    assert CCF.classify(m7i).estimate_path == "fallback" and CCF.classify(m7i).cpu_min_w == 0.74
    # p5: CCF has neither the type nor the H100; default: 8 H100 SXM at the datasheet's
    # 700 W (accelerators.csv), their embodied since the host's is not published
    h100 = DEFAULT.classify(key("BoxUsage:p5.48xlarge", vcpu=192))
    assert h100.estimate_path == "fallback" and "not estimated" not in h100.note
    assert h100.vcpu_hours_per_unit == 192 and h100.gpu_hours_per_unit == 8
    assert (h100.gpu_min_w, h100.gpu_max_w) == (80.5, 700)
    assert h100.embodied_te_kg == 8 * 150 and "8 Nvidia H100 SXM" in h100.note
    ccf_h100 = CCF.classify(key("BoxUsage:p5.48xlarge", vcpu=192))
    assert ccf_h100.gpu_hours_per_unit == 0 and "not estimated" in ccf_h100.note
    # an accelerated family without accelerator data is said, never silently CPU only
    fpga = DEFAULT.classify(key("BoxUsage:f1.2xlarge", vcpu=8))
    assert fpga.gpu_hours_per_unit == 0 and "not estimated" in fpga.note
    without = key("BoxUsage:zz1.large")
    assert CCF.classify(without).estimate_path == "none"          # CCF: 0 kWh (Q10)
    assert DEFAULT.classify(without).estimate_path == "from_cost"  # never a silent zero


def test_default_prefers_the_cur_instance_type_column():
    k = key("USE1-HeavyUsage:m5.large", instance_type="m5.large", vcpu=2)
    assert DEFAULT.classify(k).instance_type == "m5.large"
    assert DEFAULT.classify(k).cpu_min_w == 0.65


def test_default_falls_back_to_the_usage_type_for_suffixed_instance_types():
    k = key("ESInstance:m5.large", service="AmazonES", vcpu=2, instance_type="m5.large.search")
    assert DEFAULT.classify(k).instance_type == "m5.large"
    unknown = key("BoxUsage:m9z.large", vcpu=2, instance_type="m9z.large")
    assert DEFAULT.classify(unknown).instance_type == "m9z.large"


def test_gpu_instance():
    kc = DEFAULT.classify(key("BoxUsage:p3.2xlarge", vcpu=8))
    assert (kc.gpu_hours_per_unit, kc.gpu_min_w, kc.gpu_max_w) == (1, 35, 300)  # datasheet
    kc = CCF.classify(key("BoxUsage:p3.2xlarge", vcpu=8))
    assert (kc.gpu_hours_per_unit, kc.gpu_min_w, kc.gpu_max_w) == (1, 35, 306)  # Teads


def test_storage_medium_and_units():
    gp3 = DEFAULT.classify(key("EBS:VolumeUsage.gp3", unit="GB-Mo"))
    assert (gp3.usage_class, gp3.storage_wh_per_tb_hour, gp3.replication_factor) == (
        "storage", 1.2, 2)
    glacier = DEFAULT.classify(key("USE1-TimedStorage-GlacierByteHrs", "GB-Mo", "AmazonS3"))
    # default: storage_classes.csv's s3-glacier-flexible row (HDD mostly powered down)
    assert (glacier.storage_wh_per_tb_hour, glacier.replication_factor,
            glacier.storage_class) == (0.234, 3, "s3-glacier-flexible")
    ccf_glacier = CCF.classify(key("TimedStorage-GlacierByteHrs", "GB-Mo", "AmazonS3"))
    assert (ccf_glacier.storage_wh_per_tb_hour, ccf_glacier.replication_factor,
            ccf_glacier.storage_class, ccf_glacier.storage_embodied_kg_per_tb) == (0.65, 6, "", 0)
    odd = key("MysteryStorage", unit="GB-Mo", service="AmazonFoo")
    assert CCF.classify(odd).estimate_path == "none"
    assert DEFAULT.classify(odd).estimate_path == "from_cost"


@pytest.mark.parametrize("lit", ["Tax", "Credit", "Refund", "Fee", "RIFee",
                                 "SavingsPlanNegation", "SavingsPlanRecurringFee", ""])
def test_non_usage_line_items(lit):
    kc = DEFAULT.classify(key("BoxUsage:m5.large", line_item_type=lit))
    assert (kc.usage_class, kc.estimate_path) == ("non_usage", "non_usage")


def test_usage_line_item_types_are_usage():
    for lit in ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage"):
        assert DEFAULT.classify(key("BoxUsage:m5.large", vcpu=2, line_item_type=lit)
                                ).usage_class == "compute"


def test_network_rules():
    assert CCF.classify(key("US-DataTransfer-Out-Bytes", "GB", "AmazonCloudFront")
                        ).estimate_path == "none"
    assert DEFAULT.classify(key("US-DataTransfer-Out-Bytes", "GB", "AmazonCloudFront")
                            ).network_gb_per_unit == 1
    nat = DEFAULT.classify(key("NatGateway-Bytes", "GB"))
    assert (nat.usage_class, nat.estimate_path) == ("unknown", "from_cost")


def test_unknown_ratio_levels_by_hand(tmp_path):
    """default: same service+unit ratio first, then unit, then all usage (per month)."""
    rows = [
        # known: EC2 m5.large 10 h, cost 1.0; known S3 storage 100 GB-Mo, cost 2.0
        {"start": "2026-10-01T00:00:00Z", "service": "AmazonEC2",
         "usage_type": "BoxUsage:m5.large", "unit": "Hrs", "amount": "10", "cost": "1.0",
         "vcpu": "2", "region": "us-east-1", "resource": "known-ec2"},
        {"start": "2026-10-01T00:00:00Z", "service": "AmazonS3",
         "usage_type": "TimedStorage-ByteHrs", "unit": "GB-Mo", "amount": "100", "cost": "2.0",
         "region": "us-east-1", "resource": "known-s3"},
        # unknown: EC2 NAT hours (same service+unit as the m5 row), an EKS cluster (unit Hrs,
        # other service), and requests (a unit no known row has)
        {"start": "2026-10-01T00:00:00Z", "service": "AmazonEC2", "usage_type":
         "NatGateway-Hours", "unit": "Hrs", "amount": "5", "cost": "0.5", "region": "us-east-1",
         "resource": "nat"},
        {"start": "2026-10-01T00:00:00Z", "service": "AmazonEKS", "usage_type":
         "AmazonEKS-Hours:perCluster", "unit": "Hrs", "amount": "5", "cost": "0.3",
         "region": "us-east-1", "resource": "eks"},
        {"start": "2026-10-01T00:00:00Z", "service": "AmazonS3", "usage_type": "Requests-Tier1",
         "unit": "Requests", "amount": "1000", "cost": "0.4", "region": "us-east-1",
         "resource": "req"},
    ]
    f = write_cur(tmp_path / "u.csv", rows)
    with api.open_db(tmp_path / "u.duckdb") as db:
        api.ingest_aws_cur(db, [str(f)])
        api.report(db, methodology="default", by="resource_id")
        got = dict(db.con.execute("SELECT resource_id, energy_kwh FROM fct_usage_estimates"
                                  ).fetchall())
        basis = dict(db.con.execute("SELECT resource_id, ratio_basis FROM fct_usage_estimates"
                                    ).fetchall())
        api.report(db, methodology="ccf", by="resource_id")
        ccf = dict(db.con.execute("SELECT resource_id, energy_kwh FROM fct_usage_estimates"
                                  ).fetchall())
    ec2, s3 = got["known-ec2"], got["known-s3"]
    assert ec2 > 0 and s3 > 0
    assert got["nat"] == pytest.approx(ec2 / 1.0 * 0.5)                 # service + unit
    assert got["eks"] == pytest.approx(ec2 / 1.0 * 0.3)                 # unit (Hrs)
    assert got["req"] == pytest.approx((ec2 + s3) / 3.0 * 0.4)          # all usage
    assert (basis["nat"], basis["eks"], basis["req"]) == ("service_unit", "unit", "all_usage")
    assert ccf["req"] == 0                                             # CCF: unseen unit


def test_aws_focus_unit_spellings_read_as_the_curs():
    """An AWS FOCUS export says 'GB-Months' where the CUR says 'GB-Mo'."""
    for focus, cur in (("GB-Months", "GB-Mo"), ("Lambda-GB-Seconds", "Lambda-GB-Second")):
        for clf in (CCF, DEFAULT):
            ut = "TimedStorage-ByteHrs" if cur == "GB-Mo" else "Lambda-GB-Second"
            service = "AmazonS3" if cur == "GB-Mo" else "AWSLambda"
            a = clf.classify(UsageKey(service, ut, focus, "Usage"))
            b = clf.classify(UsageKey(service, ut, cur, "Usage"))
            assert (a.usage_class, a.estimate_path, a.storage_wh_per_tb_hour,
                    a.vcpu_hours_per_unit) == (b.usage_class, b.estimate_path,
                                               b.storage_wh_per_tb_hour, b.vcpu_hours_per_unit)
            assert a.estimate_path != "from_cost"
