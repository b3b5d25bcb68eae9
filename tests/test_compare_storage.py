"""``ccf-py compare storage`` (issue 9, part 2): hand calculations from the published rows of
coefficients/storage_classes.csv, storage_prices.csv, pue.csv, grid_intensity.csv and the
networking constant (0.001 kWh per GB), read here with Python's csv module.

A month of a given size is 730 h (8760 / 12); a billing month is its days x 24 h.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ccf_py import api
from ccf_py.compare import SCENARIO_COLUMNS
from ccf_py.errors import ConfigError
from tests.helpers import write_cur

COEF = Path(__file__).parents[1] / "coefficients"
REL = 1e-9
MONTH_H = 730.0


def table(stem: str) -> list[dict[str, str]]:
    with (COEF / f"{stem}.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def cls(class_id: str) -> dict[str, float]:
    r = next(r for r in table("storage_classes") if r["class_id"] == class_id)
    return {k: float(v) for k, v in r.items() if k.startswith(("wh_", "embodied_", "copies",
                                                                "lifespan"))}


def price(class_id: str, region: str) -> dict[str, str]:
    return next(r for r in table("storage_prices")
                if r["class_id"] == class_id and r["region"] == region)


def factors(provider: str, region: str) -> tuple[float, float]:
    pue = {(r["provider"], r["region"]): float(r["pue"]) for r in table("pue")}
    grid = {(r["provider"], r["region"]): float(r["gco2e_per_kwh"])
            for r in table("grid_intensity")}
    return pue.get((provider, region), pue[(provider, "*")]), grid[(provider, region)]


def by_hand(class_id: str, tb: float, months: float, *, provider: str, region: str,
            hours: float = MONTH_H, gb_per_tb: float = 1000, moved: bool,
            retrieval_gb: float = 0.0) -> dict[str, float]:
    """Energy, CO2e and the low/high CO2e of ``class_id`` holding ``tb`` TB for ``months``."""
    c = cls(class_id)
    pue, grid = factors(provider, region)
    tb_h = tb * hours * months
    move_kwh = tb * gb_per_tb * 0.001 * pue if moved else 0.0
    retr_kwh = retrieval_gb * months * 0.001 * pue

    def kwh(wh: float) -> float:
        return tb_h * wh * c["copies"] / 1000 * pue + retr_kwh + move_kwh

    def emb(kg: float) -> float:
        return tb_h * c["copies"] * kg / (c["lifespan_years"] * 8760)

    out = {"energy_kwh": kwh(c["wh_per_tb_hour"]),
           "co2e_embodied_kg": emb(c["embodied_kg_per_tb"])}
    out["co2e_operational_kg"] = out["energy_kwh"] * grid / 1000
    out["co2e_total_kg"] = out["co2e_operational_kg"] + out["co2e_embodied_kg"]
    out["co2e_low_kg"] = (kwh(c["wh_per_tb_hour_low"]) * grid / 1000
                          + emb(c["embodied_kg_per_tb_low"]))
    out["co2e_high_kg"] = (kwh(c["wh_per_tb_hour_high"]) * grid / 1000
                           + emb(c["embodied_kg_per_tb_high"]))
    return out


def check(row: dict, expected: dict[str, float]) -> None:
    for k, v in expected.items():
        assert row[k] == pytest.approx(v, rel=REL), k


# ---- a given size ----------------------------------------------------------------------------
def test_one_tb_month_of_standard_vs_deep_archive_by_hand():
    comp = api.compare_storage(None, from_class="s3-standard", to_class="s3-glacier-deep-archive",
                               tb=1, months=1, region="us-east-1")
    assert comp.columns == SCENARIO_COLUMNS
    std, deep = comp.as_dicts()
    assert (std["scenario"], deep["scenario"]) == ("s3-standard", "s3-glacier-deep-archive")
    check(std, by_hand("s3-standard", 1, 1, provider="aws", region="us-east-1", moved=False))
    check(deep, by_hand("s3-glacier-deep-archive", 1, 1, provider="aws", region="us-east-1",
                        moved=True))
    # S3 Standard: 730 TB-h x 0.65 Wh x 3 copies x PUE 1.135 = 1.6157 kWh
    assert std["energy_kwh"] == pytest.approx(730 * 0.65 * 3 / 1000 * 1.135, rel=REL)
    # costs: 1,000 GB x 0.023; Deep Archive 1,000 x 0.00099 plus the rest of its 180 days
    assert std["cost"] == pytest.approx(1000 * float(price("s3-standard", "us-east-1")
                                                     ["price_per_gb_month"]), rel=REL)
    p = float(price("s3-glacier-deep-archive", "us-east-1")["price_per_gb_month"])
    min_months = 180 / (730 / 24)
    assert deep["cost"] == pytest.approx(1000 * p * min_months, rel=REL)
    # break-even: the 180 days prepaid (0.99 x 5.92) against 23.00 a month of Standard
    even = comp.extra["break_even"]
    assert even["cost_months"] == pytest.approx(1000 * p * min_months / 23.0, rel=REL)
    move_kg = 1000 * 0.001 * 1.135 * 0.379069
    saving = (by_hand("s3-standard", 1, 1, provider="aws", region="us-east-1",
                      moved=False)["co2e_total_kg"]
              - (by_hand("s3-glacier-deep-archive", 1, 1, provider="aws", region="us-east-1",
                         moved=True)["co2e_total_kg"] - move_kg))
    assert even["co2e_months"] == pytest.approx(move_kg / saving, rel=1e-7)
    assert even["co2e_months_best"] < even["co2e_months"] < even["co2e_months_worst"]
    # the low/high range brackets the assumed values
    for r in (std, deep):
        assert r["co2e_low_kg"] < r["co2e_total_kg"] < r["co2e_high_kg"]


def test_retrievals_minimum_duration_and_break_even_by_hand():
    """2 TB for 6 months, 100 GB read back a month: Standard 46.00 a month; Glacier Instant
    Retrieval 8.00 storage + 3.00 retrieval a month, 90 days minimum (2.96 months < 6: no
    charge), so it pays off after 8.00 x 2.96 / (46.00 - 3.00) months."""
    comp = api.compare_storage(None, from_class="s3-standard", to_class="s3-glacier-instant",
                               tb=2, months=6, retrievals_gb_per_month=100, region="us-east-1")
    std, gir = comp.as_dicts()
    assert std["cost"] == pytest.approx(6 * 2000 * 0.023, rel=REL)
    assert gir["cost"] == pytest.approx(6 * (2000 * 0.004 + 100 * 0.03), rel=REL)
    assert comp.extra["cost_parts"]["s3-glacier-instant"]["minimum_duration"] == 0
    assert comp.extra["break_even"]["cost_months"] == pytest.approx(
        8.0 * (90 / (730 / 24)) / (46.0 - 3.0), rel=REL)
    check(gir, by_hand("s3-glacier-instant", 2, 6, provider="aws", region="us-east-1",
                       moved=True, retrieval_gb=100))
    check(std, by_hand("s3-standard", 2, 6, provider="aws", region="us-east-1", moved=False,
                       retrieval_gb=100))


def test_a_move_that_never_pays_off():
    comp = api.compare_storage(None, from_class="s3-glacier-deep-archive",
                               to_class="s3-standard", tb=1, region="us-east-1")
    even = comp.extra["break_even"]
    assert even["cost_months"] is None and even["co2e_months"] is None
    assert any("cost after never; CO2e after never" in n for n in comp.notes)


def test_gcs_prices_per_gib_and_unknown_prices():
    """GCP's TB in the estimates is a TiB (byte-seconds / 2^40) and GCS bills GiB."""
    comp = api.compare_storage(None, from_class="gcs-standard", to_class="gcs-archive", tb=1,
                               months=12, region="us-central1")
    std, arc = comp.as_dicts()
    assert std["cost"] == pytest.approx(1024 * 0.020 * 12, rel=REL)
    # 365 days = 12.0 months of 730 h: nothing left to charge after 12 months
    assert arc["cost"] == pytest.approx(1024 * 0.0012 * 12, rel=REL)
    check(arc, by_hand("gcs-archive", 1, 12, provider="gcp", region="us-central1",
                       gb_per_tb=1024, moved=True))
    # Archive's retrieval fee is not recorded: with retrievals its cost is unknown, not 0
    comp = api.compare_storage(None, from_class="gcs-standard", to_class="gcs-archive", tb=1,
                               retrievals_gb_per_month=10, region="us-central1")
    assert comp.as_dicts()[1]["cost"] is None
    assert any("no retrieval price recorded" in n for n in comp.notes)
    # a region without a price row: unknown, and said
    comp = api.compare_storage(None, from_class="azure-hot", to_class="azure-archive", tb=1,
                               region="westeurope")
    assert [r["cost"] for r in comp.as_dicts()] == [None, None]
    assert any("no list price" in n and "westeurope" in n for n in comp.notes)


def test_assumptions_carry_their_sources():
    comp = api.compare_storage(None, from_class="s3-standard", to_class="s3-glacier-flexible",
                               tb=5, region="us-east-1")
    names = {a.name: a for a in comp.assumptions}
    media = names["s3-glacier-flexible media"]
    assert "COLD-HDD 0.234 Wh/TB-h (low 0.00862, high 0.65) x 3 copies" in media.value
    assert "engineering assumption" in media.source
    assert names["s3-standard price in us-east-1"].source.startswith(
        "coefficients/storage_prices.csv: https://aws.amazon.com/s3/pricing/")
    assert "379.069 g CO2e/kWh" in names["grid and PUE, us-east-1"].value


# ---- the bills ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bills(tmp_path_factory) -> Path:
    """November 2026 (30 days), us-east-1: bucket 'logs' holds 3,000 GB-Mo of S3 Standard
    and 1,000 of Glacier; bucket 'other' 500 GB-Mo of Standard."""
    tmp = tmp_path_factory.mktemp("cmp")
    start = "2026-11-01T00:00:00Z"
    lines = [("TimedStorage-ByteHrs", 3000, 69.0, "logs"),
             ("TimedStorage-GlacierByteHrs", 1000, 3.6, "logs"),
             ("TimedStorage-ByteHrs", 500, 11.5, "other")]
    cur = write_cur(tmp / "cur.csv", [
        {"start": start, "service": "AmazonS3", "usage_type": u, "unit": "GB-Mo",
         "amount": str(a), "cost": str(c), "region": "us-east-1", "resource": r}
        for u, a, c, r in lines])
    path = tmp / "bills.duckdb"
    with api.open_db(path) as db:
        api.ingest_aws_cur(db, [str(cur)])
    return path


def test_a_buckets_billed_storage_by_hand_and_as_the_report_has_it(bills):
    with api.open_db(bills, read_only=True) as db:
        comp = api.compare_storage(db, from_class="s3-standard",
                                   to_class="s3-glacier-deep-archive", bucket="logs", months=1)
        report = api.report(db, by=("resource_id", "usage_type"))
    assert comp.period == "2026-11" and "3 TB of s3-standard in bucket logs" in comp.basis
    std, deep = comp.as_dicts()
    hours = 30 * 24
    check(std, by_hand("s3-standard", 3, 1, provider="aws", region="us-east-1", hours=hours,
                       moved=False))
    check(deep, by_hand("s3-glacier-deep-archive", 3, 1, provider="aws", region="us-east-1",
                        hours=hours, moved=True))
    # the baseline is the report's own line: the formulas are the same macros
    line = next(r for r in report.as_dicts() if r["resource_id"] == "logs"
                and r["usage_type"] == "TimedStorage-ByteHrs")
    for k in ("energy_kwh", "co2e_embodied_kg", "co2e_total_kg"):
        assert std[k] == pytest.approx(line[k], rel=REL), k
    assert comp.extra["usage"] == [{"region": "us-east-1", "tb": pytest.approx(3.0, rel=REL),
                                    "hours_per_month": hours}]


def test_usage_type_patterns_take_only_the_from_class(bills):
    with api.open_db(bills, read_only=True) as db:
        # every *ByteHrs line of both buckets: 3,500 GB-Mo of Standard (Glacier's 1,000 is not
        # s3-standard)
        comp = api.compare_storage(db, from_class="s3-standard", to_class="s3-standard-ia",
                                   usage_type="*ByteHrs", months=1, month="2026-11")
        assert comp.extra["usage"][0]["tb"] == pytest.approx(3.5, rel=REL)
        comp = api.compare_storage(db, from_class="s3-glacier-flexible",
                                   to_class="s3-glacier-deep-archive", usage_type="glacier")
        assert comp.extra["usage"][0]["tb"] == pytest.approx(1.0, rel=REL)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"from_class": "s3-standrd", "to_class": "s3-standard-ia", "tb": 1},
     "--from 's3-standrd': unknown storage class"),
    ({"from_class": "s3-standard", "to_class": "gcs-archive", "tb": 1},
     "compare classes of one provider"),
    ({"from_class": "s3-standard", "to_class": "s3-standard", "tb": 1}, "name two classes"),
    ({"from_class": "s3-standard", "to_class": "s3-standard-ia"}, "give one of --bucket"),
    ({"from_class": "s3-standard", "to_class": "s3-standard-ia", "tb": 1, "region": "mars-1"},
     "--region 'mars-1': not a aws region"),
    ({"from_class": "s3-standard", "to_class": "s3-standard-ia", "tb": 0}, "above 0 TB"),
    ({"to_class": "s3-standard-ia", "tb": 1}, "give --from CLASS and --to CLASS"),
])
def test_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        api.compare_storage(None, **kwargs)


def test_a_bucket_without_lines_of_the_class(bills):
    with api.open_db(bills, read_only=True) as db:
        with pytest.raises(ConfigError, match="--bucket nope: no s3-standard storage lines"):
            api.compare_storage(db, from_class="s3-standard", to_class="s3-standard-ia",
                                bucket="nope")
        with pytest.raises(ConfigError, match=r"no s3-standard-ia storage lines \(its storage "
                                              r"lines are s3-glacier-flexible, s3-standard\)"):
            api.compare_storage(db, from_class="s3-standard-ia", to_class="s3-standard",
                                bucket="logs")


# ---- the command -----------------------------------------------------------------------------
def ccf(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ccf_py.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_list_every_class_resolves_and_has_a_source(tmp_path):
    r = ccf("compare", "storage", "--list", "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    listed = json.loads(r.stdout)["rows"]
    sources = {row["class_id"]: row["source"] for row in table("storage_classes")}
    assert len(listed) >= 40
    with api.open_db(":memory:") as db:
        for row in listed:  # every class resolves, has a source and compares with another
            cid = row["class_id"]
            assert sources[cid].strip(), cid
            partner = next(r["class_id"] for r in listed
                           if r["provider"] == row["provider"] and r["class_id"] != cid)
            comp = api.compare_storage(db, from_class=cid, to_class=partner, tb=1)
            assert [r[0] for r in comp.rows] == [cid, partner]
            assert all(r[4] > 0 for r in comp.rows), cid


def test_the_command_in_every_format_and_its_errors(tmp_path, bills):
    base = ("--db", str(bills), "compare", "storage", "--from", "s3-standard", "--to",
            "s3-glacier-deep-archive")
    r = ccf(*base, "--bucket", "logs", "--format", "csv", "--notes", "n.txt", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(r.stdout.splitlines()))
    assert list(rows[0]) == list(SCENARIO_COLUMNS) and len(rows) == 2
    notes = (tmp_path / "n.txt").read_text()
    assert "s3-glacier-deep-archive media: TAPE" in notes and "Break-even" in notes
    for fmt in ("table", "md"):
        r = ccf(*base, "--bucket", "logs", "--format", fmt, cwd=tmp_path)
        assert r.returncode == 0 and "Assumptions:" in r.stdout and "unknown" not in r.stdout
    r = ccf(*base, "--bucket", "logs", "--format", "json", cwd=tmp_path)
    doc = json.loads(r.stdout)
    assert doc["comparison"] == "storage" and doc["break_even"]["cost_months"] > 0
    for args, message in ((("--bucket", "nope"), "no s3-standard storage lines"),
                          (("--tb", "1", "--region", "nowhere-9"), "--region 'nowhere-9'"),
                          (("--bucket", "logs", "--month", "2025-01"), "--month 2025-01: not "
                                                                       "loaded")):
        r = ccf(*base, *args, cwd=tmp_path)
        assert r.returncode == 1 and "Traceback" not in r.stderr, args
        assert r.stderr.count("\n") == 1 and message in r.stderr, r.stderr
    r = ccf("compare", "storage", "--from", "x", "--to", "s3-standard", "--tb", "1", cwd=tmp_path)
    assert r.returncode == 1 and "unknown storage class" in r.stderr
