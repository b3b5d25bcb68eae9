"""Tests for ccf_py.demo_data: deterministic demo CUR and the synthetic-CUR DuckDB statement."""

from __future__ import annotations

import csv
import gzip
import pathlib
import subprocess
import sys
from decimal import Decimal

import duckdb
import pytest

from ccf_py import demo_data
from ccf_py.demo import demo_file as bundled_demo_file
from ccf_py.demo_data import (
    CUR_HEADER,
    LINE_ITEM_TYPES,
    generate_demo_cur,
    generate_synthetic_cur_sql,
)
from ccf_py.demo_data.formatting import _fmt

REQUIRED_COLUMNS = {
    "identity/LineItemId",
    "identity/TimeInterval",
    "bill/PayerAccountId",
    "bill/BillingPeriodStartDate",
    "bill/BillingPeriodEndDate",
    "lineItem/UsageAccountId",
    "lineItem/LineItemType",
    "lineItem/UsageStartDate",
    "lineItem/UsageEndDate",
    "lineItem/ProductCode",
    "lineItem/UsageType",
    "lineItem/Operation",
    "lineItem/AvailabilityZone",
    "lineItem/ResourceId",
    "lineItem/UsageAmount",
    "lineItem/CurrencyCode",
    "lineItem/UnblendedRate",
    "lineItem/UnblendedCost",
    "lineItem/BlendedRate",
    "lineItem/BlendedCost",
    "lineItem/LineItemDescription",
    "product/ProductName",
    "product/instanceType",
    "product/vcpu",
    "product/memory",
    "product/region",
    "product/location",
    "product/productFamily",
    "product/storageClass",
    "product/volumeApiName",
    "pricing/unit",
    "pricing/term",
    "resourceTags/user:team",
    "resourceTags/user:env",
}


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[pathlib.Path, int]:
    path = tmp_path_factory.mktemp("demo") / "cur.csv.gz"
    return path, generate_demo_cur(path, month="2026-10", seed=42)


def _read_rows(path: pathlib.Path) -> list[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")  # timestamps end in Z and are read as TIMESTAMPTZ
    return con


def test_header_and_row_count(demo_file: tuple[pathlib.Path, int]) -> None:
    path, n_rows = demo_file
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert tuple(header) == CUR_HEADER
    assert set(header) >= REQUIRED_COLUMNS
    assert 2_000 <= n_rows <= 6_000
    assert len(_read_rows(path)) == n_rows


def test_generation_is_byte_identical(
    demo_file: tuple[pathlib.Path, int], tmp_path: pathlib.Path
) -> None:
    path, n_rows = demo_file
    again = tmp_path / "again.csv.gz"
    assert generate_demo_cur(again, month="2026-10", seed=42) == n_rows
    assert again.read_bytes() == path.read_bytes()
    other_seed = tmp_path / "other.csv.gz"
    generate_demo_cur(other_seed, month="2026-10", seed=7)
    assert other_seed.read_bytes() != path.read_bytes()


@pytest.fixture(scope="module")
def demo_con(demo_file: tuple[pathlib.Path, int]) -> duckdb.DuckDBPyConnection:
    """The demo file loaded once with DuckDB's read_csv (type sniffing included)."""
    path, _ = demo_file
    con = _con()
    con.execute(f"CREATE TABLE cur AS SELECT * FROM read_csv('{path}')")
    return con


def test_duckdb_reads_line_item_types_and_month(
    demo_file: tuple[pathlib.Path, int], demo_con: duckdb.DuckDBPyConnection
) -> None:
    _, n_rows = demo_file
    assert demo_con.sql("SELECT count(*) FROM cur").fetchone() == (n_rows,)
    types = {
        r[0] for r in demo_con.sql('SELECT DISTINCT "lineItem/LineItemType" FROM cur').fetchall()
    }
    assert set(LINE_ITEM_TYPES) <= types
    months = demo_con.sql(
        """SELECT DISTINCT strftime("lineItem/UsageStartDate", '%Y-%m') FROM cur"""
    ).fetchall()
    assert months == [("2026-10",)]
    days = demo_con.sql(
        """SELECT count(DISTINCT CAST("lineItem/UsageStartDate" AS DATE)) FROM cur"""
    ).fetchone()
    assert days == (31,)


def test_unblended_cost_sum_matches_decimal(
    demo_file: tuple[pathlib.Path, int], demo_con: duckdb.DuckDBPyConnection
) -> None:
    path, _ = demo_file
    expected = sum((Decimal(r["lineItem/UnblendedCost"]) for r in _read_rows(path)), Decimal(0))
    row = demo_con.sql('SELECT sum("lineItem/UnblendedCost") FROM cur').fetchone()
    assert row is not None
    assert round(Decimal(str(row[0])), 2) == round(expected, 2)


def test_demo_content_is_realistic(demo_file: tuple[pathlib.Path, int]) -> None:
    path, _ = demo_file
    rows = _read_rows(path)
    usage_types = {r["lineItem/UsageType"] for r in rows}
    for ut in (
        "BoxUsage:m5.large",
        "EU-BoxUsage:m5.large",
        "EUN1-BoxUsage:m6g.large",
        "USW2-BoxUsage:g5.xlarge",
        "BoxUsage:p3.2xlarge",
        "BoxUsage:m7i.large",
        "BoxUsage:t3.medium",
        "SpotUsage:c5.xlarge",
        "EBS:VolumeUsage.gp3",
        "EBS:VolumeUsage.gp2",
        "EBS:VolumeUsage.st1",
        "EBS:SnapshotUsage",
        "TimedStorage-ByteHrs",
        "TimedStorage-GlacierByteHrs",
        "EU-TimedStorage-GDA-ByteHrs",
        "Requests-Tier1",
        "DataTransfer-Out-Bytes",
        "USE1-EU-AWS-Out-Bytes",
        "DataTransfer-Regional-Bytes",
        "US-DataTransfer-Out-Bytes",
        "Lambda-GB-Second",
        "Request",
        "InstanceUsage:db.m5.large",
        "Multi-AZUsage:db.r5.large",
        "RDS:GP2-Storage",
        "NatGateway-Hours",
        "NatGateway-Bytes",
        "USE1-AmazonEKS-Hours:perCluster",
        "USE1-Fargate-vCPU-Hours:perCPU",
        "USE1-Fargate-GB-Hours",
        "CW:MetricMonitorUsage",
    ):
        assert ut in usage_types, ut

    by_type: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_type.setdefault(r["lineItem/LineItemType"], []).append(r)
    for negative in ("Credit", "Refund", "SavingsPlanNegation"):
        assert all(Decimal(r["lineItem/UnblendedCost"]) < 0 for r in by_type[negative])
    for positive in ("Tax", "Fee", "RIFee", "SavingsPlanRecurringFee"):
        assert all(Decimal(r["lineItem/UnblendedCost"]) > 0 for r in by_type[positive])
    covered = sum(Decimal(r["lineItem/UnblendedCost"]) for r in by_type["SavingsPlanCoveredUsage"])
    negated = sum(Decimal(r["lineItem/UnblendedCost"]) for r in by_type["SavingsPlanNegation"])
    assert covered == -negated

    assert {r["lineItem/UsageAccountId"] for r in rows} == {"111111111111", "222222222222"}
    assert {r["bill/PayerAccountId"] for r in rows} == {"999999999999"}
    assert {r["resourceTags/user:team"] for r in rows} == {
        "",
        "payments",
        "search",
        "data",
        "platform",
    }
    assert {r["resourceTags/user:env"] for r in rows} == {"", "prod", "staging"}
    untagged = sum(1 for r in rows if not r["resourceTags/user:team"]) / len(rows)
    assert 0.05 <= untagged <= 0.2
    assert sum(r["lineItem/BlendedCost"] != r["lineItem/UnblendedCost"] for r in rows) < 100

    m5 = next(r for r in rows if r["lineItem/UsageType"] == "BoxUsage:m5.large")
    assert (m5["lineItem/UnblendedRate"], m5["pricing/unit"]) == ("0.096", "Hrs")
    assert (m5["product/vcpu"], m5["product/memory"]) == ("2", "8 GiB")
    assert m5["lineItem/ResourceId"].startswith("i-0")
    m7i = next(r for r in rows if r["lineItem/UsageType"] == "BoxUsage:m7i.large")
    assert m7i["product/vcpu"] == "2"
    lam = next(r for r in rows if r["lineItem/UsageType"] == "Lambda-GB-Second")
    assert lam["pricing/unit"] == "Lambda-GB-Second"
    assert lam["lineItem/ResourceId"].startswith("arn:aws:lambda:us-east-1:")
    gp3 = next(r for r in rows if r["lineItem/UsageType"] == "EBS:VolumeUsage.gp3")
    assert gp3["pricing/unit"] == "GB-Mo" and gp3["lineItem/ResourceId"].startswith("vol-")
    for r in rows:  # at most 10 decimals, Java-style exponent allowed
        for col in ("lineItem/UnblendedCost", "lineItem/UsageAmount"):
            assert -Decimal(r[col]).as_tuple().exponent <= 10 or "E" in r[col]


def test_other_month_and_scale(demo_file: tuple[pathlib.Path, int], tmp_path: pathlib.Path) -> None:
    path = tmp_path / "feb.csv.gz"
    generate_demo_cur(path, month="2028-02", rows_scale=2)  # leap-year February, fleet x2
    rows = _read_rows(path)
    assert {r["lineItem/UsageStartDate"][:7] for r in rows} == {"2028-02"}
    assert {r["bill/BillingPeriodEndDate"] for r in rows} == {"2028-03-01T00:00:00Z"}
    assert max(r["lineItem/UsageStartDate"] for r in rows) == "2028-02-29T00:00:00Z"
    assert max(r["lineItem/UsageEndDate"] for r in rows) == "2028-03-01T00:00:00Z"
    base = {r["lineItem/ResourceId"] for r in _read_rows(demo_file[0])} - {""}
    scaled = {r["lineItem/ResourceId"] for r in rows} - {""}
    assert len(scaled) == 2 * len(base)
    with pytest.raises(ValueError):
        generate_demo_cur(tmp_path / "bad.csv.gz", month="2026-13")


def test_module_command_regenerates_the_bundled_demo_file(tmp_path: pathlib.Path) -> None:
    """`python -m ccf_py.demo_data OUT` (default month and seed) writes the bundled file
    byte for byte, as ccf_py/demo_files/README.md and ccf_py.demo say."""
    out = tmp_path / bundled_demo_file().name
    done = subprocess.run([sys.executable, "-m", "ccf_py.demo_data", str(out)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == bundled_demo_file().read_bytes()
    assert int(done.stdout) == len(_read_rows(out))


def test_cli(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli.csv.gz"
    assert demo_data.main([str(out), "--month", "2026-11"]) == 0
    printed = capsys.readouterr().out.strip()
    assert int(printed) == len(_read_rows(out))


def test_fmt_matches_cur_number_style() -> None:
    fmt = _fmt
    assert fmt(Decimal(0)) == "0.0"
    assert fmt(Decimal(24)) == "24.0"
    assert fmt(Decimal("0.096")) == "0.096"
    assert fmt(Decimal("0.0000166667")) == "1.66667E-5"
    assert fmt(Decimal("-0.00000002")) == "-2.0E-8"
    assert fmt(Decimal("12345678")) == "1.2345678E7"
    assert fmt(Decimal("0.123456789012")) == "0.123456789"


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_synthetic_sql(tmp_path: pathlib.Path, fmt: str) -> None:
    out = tmp_path / f"synthetic.{fmt}"
    sql = generate_synthetic_cur_sql(10_000, str(out), fmt=fmt)
    assert sql.lstrip().upper().startswith("COPY (")
    con = _con()
    con.execute(sql)
    reader = "read_csv" if fmt == "csv" else "read_parquet"
    con.execute(f"CREATE TABLE synth AS SELECT * FROM {reader}('{out}')")
    rel = "synth"
    columns = [r[0] for r in con.sql(f"DESCRIBE SELECT * FROM {rel}").fetchall()]
    assert set(CUR_HEADER) <= set(columns)
    assert set(columns) >= REQUIRED_COLUMNS
    stats = con.sql(
        f"""SELECT count(*),
                   count(DISTINCT "lineItem/ResourceId"),
                   count(DISTINCT "lineItem/UsageType"),
                   count(DISTINCT CAST("lineItem/UsageStartDate" AS DATE)),
                   count(*) FILTER (WHERE "lineItem/LineItemType" <> 'Usage'),
                   min(strftime("lineItem/UsageStartDate", '%Y-%m')),
                   max(strftime("lineItem/UsageStartDate", '%Y-%m'))
            FROM {rel}"""
    ).fetchone()
    assert stats is not None
    n, resources, usage_types, days, non_usage, first_month, last_month = stats
    assert n == 10_000
    assert resources >= 1_000
    assert usage_types >= 35
    assert days == 30
    assert 50 <= non_usage <= 200
    assert first_month == last_month == "2026-10"
    types = {
        r[0] for r in con.sql(f'SELECT DISTINCT "lineItem/LineItemType" FROM {rel}').fetchall()
    }
    assert types == {"Usage", "Tax", "Credit"}
    signs = con.sql(
        f"""SELECT "lineItem/LineItemType", min("lineItem/UnblendedCost"),
                   max("lineItem/UnblendedCost")
            FROM {rel} WHERE "lineItem/LineItemType" <> 'Usage' GROUP BY 1 ORDER BY 1"""
    ).fetchall()
    (credit, cmin, cmax), (tax, tmin, tmax) = signs
    assert (credit, tax) == ("Credit", "Tax")
    assert cmax < 0 < tmin


def test_synthetic_sql_is_one_statement_and_validates() -> None:
    sql = generate_synthetic_cur_sql(10, "/tmp/x.csv")
    assert sql.count(";") == 0
    assert "FORMAT csv, HEADER" in sql
    with pytest.raises(ValueError):
        generate_synthetic_cur_sql(10, "/tmp/x.json", fmt="json")


def test_synthetic_sql_short_month(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "feb.parquet"
    con = _con()
    con.execute(generate_synthetic_cur_sql(3_000, str(out), fmt="parquet", month="2027-02"))
    row = con.sql(
        f"""SELECT min("lineItem/UsageStartDate"), max("lineItem/UsageStartDate"),
                   max("lineItem/UsageEndDate"),
                   count(DISTINCT CAST("lineItem/UsageStartDate" AS DATE))
            FROM read_parquet('{out}')"""
    ).fetchone()
    assert row is not None
    first, last, end, days = row
    assert (first.isoformat(), last.isoformat()) == ("2027-02-01T00:00:00", "2027-02-28T00:00:00")
    assert end.isoformat() == "2027-03-01T00:00:00"
    assert days == 28


@pytest.mark.parametrize("name, provider", [
    ("aws_cur_demo_2026-09.csv.gz", "aws"),
    ("gcp_billing_demo_2026-09.jsonl.gz", "gcp"),
    ("azure_cost_demo_2026-09.csv.gz", "azure"),
])
def test_bundled_previous_month_files_regenerate_byte_for_byte(
        tmp_path: pathlib.Path, name: str, provider: str) -> None:
    """The September files the demo compares October with: the commands of
    ccf_py/demo_files/README.md (seed 7) write them byte for byte."""
    out = tmp_path / name
    done = subprocess.run([sys.executable, "-m", "ccf_py.demo_data", str(out), "--provider",
                           provider, "--month", "2026-09", "--seed", "7"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == (bundled_demo_file().parent / name).read_bytes()
