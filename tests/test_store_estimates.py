"""``ccf-py estimate``: per-row estimates stored in ``carbon_estimates``, read back the way a
BI tool would (a plain DuckDB connection), and what a reload does to them."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from ccf_py import api
from tests.helpers import write_cur

FIX = Path(__file__).parent / "fixtures"
LEGACY = FIX / "aws_cur_legacy_sample.csv"
AZURE = FIX / "azure" / "finopstoolkit_EA_ActualCost_Small.csv"
METRICS = ("cost", "energy_kwh", "gpu_energy_kwh", "co2e_operational_kg", "co2e_embodied_kg",
           "co2e_total_kg")


def ccf(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ccf_py.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def db_path(tmp_path):
    path = tmp_path / "x.duckdb"
    with api.open_db(path) as db:
        api.ingest_aws_cur(db, [str(LEGACY)])
        api.ingest_azure_export(db, [str(AZURE)])
    return path


def stored(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Read the database as a BI tool would: DuckDB alone, no ccf_py session."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_stored_estimates_equal_the_report_and_name_their_cur_lines(db_path):
    r = ccf("--db", str(db_path), "estimate", cwd=db_path.parent)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "carbon_estimates: 11 rows of 2023-09 (methodology default), replacing 0",
        "carbon_estimates: 1281 rows of 2023-11 (methodology default), replacing 0"]
    r = ccf("--db", str(db_path), "estimate", "--month", "2023-11", "--methodology", "ccf",
            cwd=db_path.parent)
    assert r.returncode == 0, r.stderr
    for month, methodology in (("2023-09", "default"), ("2023-11", "default"),
                               ("2023-11", "ccf")):
        got = stored(db_path, f"SELECT count(*), {', '.join(f'sum({m})' for m in METRICS)} "
                     "FROM carbon_estimates WHERE month = ? AND methodology = ?",
                     [month, methodology])[0]
        with api.open_db(db_path, read_only=True) as db:
            totals = api.report(db, month=month, methodology=methodology).totals()
        assert got[0] == {"2023-09": 11, "2023-11": 1281}[month]
        assert got[1:] == pytest.approx([totals[m] for m in METRICS], rel=1e-9, abs=1e-12)
    with LEGACY.open(newline="", encoding="utf-8") as fh:
        ids = Counter(r["identity/LineItemId"] for r in csv.DictReader(fh))
    got = Counter(i for (i,) in stored(db_path, "SELECT x_line_id FROM carbon_estimates "
                                       "WHERE month = '2023-11' AND methodology = 'ccf'"))
    assert got == ids
    assert stored(db_path, "SELECT DISTINCT x_line_id FROM carbon_estimates "
                  "WHERE month = '2023-09'") == [(None,)]  # Azure exports have no line id


def test_storing_again_replaces_that_month_and_methodology_only(db_path):
    with api.open_db(db_path) as db:
        api.store_estimates(db)
        api.store_estimates(db, month="2023-11", methodology="ccf")
        again = api.store_estimates(db, month="2023-11")
    assert [(s.month, s.methodology, s.rows, s.replaced) for s in again] == [
        ("2023-11", "default", 1281, 1281)]
    assert stored(db_path, "SELECT month, methodology, count(*) FROM carbon_estimates "
                  "GROUP BY ALL ORDER BY ALL") == [
        ("2023-09", "default", 11), ("2023-11", "ccf", 1281), ("2023-11", "default", 1281)]


def test_a_reload_deletes_the_months_stored_estimates(db_path):
    with api.open_db(db_path) as db:
        api.store_estimates(db)
        api.store_estimates(db, methodology="ccf")
    r = ccf("--db", str(db_path), "ingest", "aws-cur", str(LEGACY), cwd=db_path.parent)
    assert r.returncode == 0, r.stderr
    assert ("removed 2562 stored estimate rows of 2023-11 from carbon_estimates" in r.stderr)
    # the other month keeps both methodologies' rows: its bills did not change
    assert stored(db_path, "SELECT month, methodology, count(*) FROM carbon_estimates "
                  "GROUP BY ALL ORDER BY ALL") == [("2023-09", "ccf", 11),
                                                   ("2023-09", "default", 11)]
    with api.open_db(db_path) as db:
        res = api.ingest_azure_export(db, [str(AZURE)])
    assert res.estimates_removed == 22
    assert stored(db_path, "SELECT count(*) FROM carbon_estimates") == [(0,)]


def test_a_failed_reload_keeps_them(db_path, tmp_path):
    with api.open_db(db_path) as db:
        api.store_estimates(db)
    bad = write_cur(tmp_path / "bad.csv", [
        {"start": "2023-11-02T00:00:00Z", "service": "AmazonEC2", "payer": "123412340534",
         "usage_type": "BoxUsage:m5.large", "unit": "Hrs", "amount": "1", "cost": "ten"}])
    r = ccf("--db", str(db_path), "ingest", "aws-cur", str(bad), cwd=tmp_path)
    assert r.returncode == 1
    assert stored(db_path, "SELECT month, count(*) FROM carbon_estimates GROUP BY 1 "
                  "ORDER BY 1") == [("2023-09", 11), ("2023-11", 1281)]


@pytest.mark.parametrize("args, needle", [
    (["estimate", "--month", "2025-01"], "--month 2025-01: not loaded"),
    (["estimate", "--month", "Nov"], "expected YYYY-MM"),
])
def test_bad_month_is_one_line_and_the_database_unchanged(db_path, args, needle):
    r = ccf("--db", str(db_path), *args, cwd=db_path.parent)
    assert r.returncode == 1
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in r.stderr
    assert stored(db_path, "SELECT count(*) FROM duckdb_tables() "
                  "WHERE table_name = 'carbon_estimates'") == [(0,)]


def test_no_database_is_not_created(tmp_path):
    r = ccf("--db", "none.duckdb", "estimate", cwd=tmp_path)
    assert r.returncode == 1 and "none.duckdb: no such database" in r.stderr
    assert not list(tmp_path.iterdir())


def test_a_read_only_database_is_refused(db_path):
    with api.open_db(db_path, read_only=True) as db, pytest.raises(
            api.ConfigError, match="opened for writing"):
        api.store_estimates(db)


def test_a_table_of_an_older_version_gains_new_columns(db_path):
    with api.open_db(db_path) as db:
        api.store_estimates(db, month="2023-09")
        db.con.execute("ALTER TABLE carbon_estimates DROP COLUMN gpu_energy_kwh")
        api.store_estimates(db, month="2023-11")
    rows = stored(db_path, "SELECT month, count(gpu_energy_kwh), count(*) FROM carbon_estimates "
                  "GROUP BY 1 ORDER BY 1")
    assert rows == [("2023-09", 0, 11), ("2023-11", 1281, 1281)]
