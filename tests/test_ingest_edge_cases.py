"""Ingest edge cases found in review: time zones, CUR 2.0 MAPs, tag spellings, reload rules."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ccf_py import api
from ccf_py.errors import CcfError
from tests.helpers import write_cur


def _cur2(path: Path, start_sql: str, payer: str | None = "999999999999") -> Path:
    """A CUR 2.0-shaped Parquet with one m5.large-hour whose instance type, vCPUs and region
    live only in the ``product`` MAP, and a tag in the ``resource_tags`` MAP."""
    payer_sql = f"'{payer}'" if payer else "NULL::VARCHAR"
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT
        '2023-11' AS billing_period, {payer_sql} AS bill_payer_account_id,
        {start_sql} AS line_item_usage_start_date, '111111111111' AS line_item_usage_account_id,
        'Usage' AS line_item_line_item_type, 'AmazonEC2' AS line_item_product_code,
        'BoxUsage' AS line_item_usage_type, 'Hrs' AS pricing_unit,
        10.0 AS line_item_usage_amount, 0.96 AS line_item_unblended_cost,
        MAP {{'region': 'us-east-1', 'vcpu': '2', 'instance_type': 'm5.large'}} AS product,
        MAP {{'user_cost_center': 'cc-42'}} AS resource_tags
      ) TO '{path}' (FORMAT parquet)""")
    con.close()
    return path


def test_cur2_product_and_tag_maps_are_read(tmp_path):
    f = _cur2(tmp_path / "cur2.parquet", "TIMESTAMP '2023-11-05 00:00:00'")
    with api.open_db(tmp_path / "d.duckdb") as db:
        api.ingest_aws_cur(db, [str(f)])
        t = api.report(db, by="instance_type,region,tag:CostCenter")
        row = db.con.execute("SELECT vcpu_hours, estimate_path FROM fct_usage_estimates"
                             ).fetchone()
    assert [r[:3] for r in t.rows] == [("m5.large", "us-east-1", "cc-42")]
    assert row == (20.0, "direct")


def test_parquet_utc_timestamps_keep_their_month_in_any_local_time_zone(tmp_path):
    """Midnight UTC on 1 Nov is still 31 Oct in Los Angeles; the month must stay November."""
    f = _cur2(tmp_path / "tz.parquet", "TIMESTAMPTZ '2023-11-01 00:00:00+00'")
    env = {**os.environ, "TZ": "America/Los_Angeles"}
    cmd = [sys.executable, "-m", "ccf_py.cli", "--db", str(tmp_path / "tz.duckdb")]
    r = subprocess.run(cmd + ["ingest", "aws-cur", str(f)], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    r = subprocess.run(cmd + ["report", "--by", "month,day", "--format", "csv"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.stdout.splitlines()[1].startswith("2023-11,2023-11-01,"), r.stdout


def test_tag_spellings_of_all_dialects_group_together(tmp_path):
    header = ["lineItem/UsageStartDate", "lineItem/LineItemType", "lineItem/ProductCode",
              "lineItem/UsageType", "pricing/unit", "lineItem/UsageAmount",
              "lineItem/UnblendedCost", "product/region", "resourceTags/user:CostCenter",
              "bill/PayerAccountId", "bill/BillingPeriodStartDate"]
    legacy = write_cur(tmp_path / "oct.csv", [{
        "start": "2023-10-05T00:00:00Z", "service": "AmazonEC2", "usage_type":
        "BoxUsage:m5.large", "unit": "Hrs", "amount": "10", "cost": "0.96",
        "region": "us-east-1", "resourceTags/user:CostCenter": "cc-42"}], header)
    cur2 = _cur2(tmp_path / "nov.parquet", "TIMESTAMP '2023-11-05 00:00:00'")
    with api.open_db(tmp_path / "d.duckdb") as db:
        api.ingest_aws_cur(db, [str(legacy), str(cur2)])
        for spelling in ("tag:CostCenter", "tag:cost_center", "tag:user_cost_center",
                         "tag:user:CostCenter"):
            t = api.report(db, by=spelling)
            assert [r[0] for r in t.rows] == ["cc-42"]
            assert t.columns[0] == spelling


def test_null_payer_reload_replaces_instead_of_doubling(tmp_path):
    with api.open_db(tmp_path / "d.duckdb") as db:
        api.ingest_aws_cur(db, [str(_cur2(tmp_path / "a.parquet",
                                          "TIMESTAMP '2023-11-05 00:00:00'"))])
        res = api.ingest_aws_cur(db, [str(_cur2(tmp_path / "b.parquet",
                                                "TIMESTAMP '2023-11-05 00:00:00'", payer=None))])
        assert res.replaced_rows == 1 and "a.parquet" in res.replaced_from
        assert db.con.execute("SELECT count(*) FROM billed_lines").fetchone()[0] == 1


def test_estimates_follow_a_new_ingest_on_the_same_connection(tmp_path):
    row = {"start": "2026-10-01T00:00:00Z", "service": "AmazonEC2",
           "usage_type": "BoxUsage:m5.large", "unit": "Hrs", "amount": "1", "cost": "0.1",
           "vcpu": "2", "region": "us-east-1"}
    with api.open_db(tmp_path / "d.duckdb") as db:
        api.ingest_aws_cur(db, [str(write_cur(tmp_path / "a.csv", [row]))])
        assert len(api.report(db, by="month").rows) == 1
        nov = dict(row, start="2026-11-01T00:00:00Z", usage_type="BoxUsage:c5.large",
                   region="eu-west-1")
        api.ingest_aws_cur(db, [str(write_cur(tmp_path / "b.csv", [nov]))])
        with pytest.raises(duckdb.CatalogException):  # stale relations are gone
            db.con.execute("SELECT * FROM fct_usage_estimates")
        t = api.report(db, by="month,region")
        assert [r[:2] for r in t.rows] == [("2026-10", "us-east-1"), ("2026-11", "eu-west-1")]
        assert all(r[3] > 0 for r in t.rows)


def test_failed_first_ingest_leaves_no_database_file(tmp_path):
    r = subprocess.run([sys.executable, "-m", "ccf_py.cli", "--db", "new.duckdb", "ingest",
                        "aws-cur", "missing/*.csv"], cwd=tmp_path, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 1 and "missing/*.csv" in r.stderr
    assert not (tmp_path / "new.duckdb").exists()


def test_report_out_error_is_one_line(tmp_path):
    f = write_cur(tmp_path / "a.csv", [{"start": "2026-10-01T00:00:00Z", "service": "AmazonS3",
                                        "usage_type": "TimedStorage-ByteHrs", "unit": "GB-Mo",
                                        "amount": "1", "cost": "0.02"}])
    cmd = [sys.executable, "-m", "ccf_py.cli", "--db", "x.duckdb"]
    assert subprocess.run(cmd + ["ingest", "aws-cur", str(f)], cwd=tmp_path,
                          capture_output=True, timeout=60).returncode == 0
    r = subprocess.run(cmd + ["report", "--out", "no/such/dir/r.csv"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert [ln for ln in r.stderr.splitlines() if ln.strip()] == [
        "Error: --out no/such/dir/r.csv: No such file or directory"]


def test_not_a_cur_file(tmp_path):
    junk = tmp_path / "junk.csv"
    junk.write_bytes(os.urandom(2000))
    with api.open_db(tmp_path / "d.duckdb") as db, pytest.raises(CcfError) as err:
        api.ingest_aws_cur(db, [str(junk)])
    assert "junk.csv" in str(err.value) and "\n" not in str(err.value)


def test_quotes_and_odd_characters_in_usage_keys_survive(tmp_path):
    odd = "USE1-Odd'Usage\\Type;--\""
    f = write_cur(tmp_path / "q.csv", [{"start": "2026-10-01T00:00:00Z", "service": "Amazon'Q",
                                        "usage_type": odd, "unit": "Hrs", "amount": "1",
                                        "cost": "0.5", "vcpu": "nan"}])
    with api.open_db(tmp_path / "d.duckdb") as db:
        api.ingest_aws_cur(db, [str(f)])
        t = api.report(db, by="service,usage_type")
    assert [r[:3] for r in t.rows] == [("Amazon'Q", odd, 0.5)]


def test_non_ascii_tag_keys(tmp_path):
    header = ["lineItem/UsageStartDate", "lineItem/LineItemType", "lineItem/ProductCode",
              "lineItem/UsageType", "pricing/unit", "lineItem/UsageAmount",
              "lineItem/UnblendedCost", "resourceTags/user:équipe"]
    f = write_cur(tmp_path / "t.csv", [{"start": "2026-10-01T00:00:00Z", "service": "AmazonS3",
                                        "usage_type": "TimedStorage-ByteHrs", "unit": "GB-Mo",
                                        "amount": "1", "cost": "0.02",
                                        "resourceTags/user:équipe": "données"}], header)
    with api.open_db(tmp_path / "d.duckdb") as db:
        api.ingest_aws_cur(db, [str(f)])
        assert [r[0] for r in api.report(db, by="tag:équipe").rows] == ["données"]


def test_ingest_leaves_the_session_settings_as_they_were(tmp_path):
    f = write_cur(tmp_path / "a.csv", [{"start": "2026-10-01T00:00:00Z", "service": "AmazonS3",
                                        "usage_type": "TimedStorage-ByteHrs", "unit": "GB-Mo",
                                        "amount": "1", "cost": "0.02"}])
    with api.open_db(tmp_path / "d.duckdb") as db:
        before = db.con.execute("SELECT current_setting('preserve_insertion_order'), "
                                "current_setting('disabled_compression_methods')").fetchone()
        api.ingest_aws_cur(db, [str(f)])
        after = db.con.execute("SELECT current_setting('preserve_insertion_order'), "
                               "current_setting('disabled_compression_methods')").fetchone()
    assert after == before


def test_the_same_export_twice_in_one_load_is_refused(tmp_path):
    """x.csv and x.csv.gz of the same report would double-count the month."""
    import gzip
    import shutil

    rows = [{"start": f"2026-10-0{d}T00:00:00Z", "service": "AmazonEC2",
             "usage_type": "BoxUsage:m5.large", "unit": "Hrs", "amount": "24", "cost": "2.304",
             "vcpu": "2"} for d in (1, 2)]
    plain = write_cur(tmp_path / "x.csv", rows)
    with plain.open("rb") as src, gzip.open(tmp_path / "x.csv.gz", "wb") as dst:
        shutil.copyfileobj(src, dst)
    part2 = write_cur(tmp_path / "part2.csv", rows[:1])
    with api.open_db(tmp_path / "d.duckdb") as db:
        with pytest.raises(CcfError, match="x.csv.gz.*same billing rows as .*x.csv"):
            api.ingest_aws_cur(db, [str(tmp_path / "x.csv"), str(tmp_path / "x.csv.gz")])
        assert db.con.execute("SELECT count(*) FROM billed_lines").fetchone()[0] == 0
        # genuine parts of one month (different rows) load together
        assert api.ingest_aws_cur(db, [str(plain), str(part2)]).rows == 3
