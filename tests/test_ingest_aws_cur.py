"""Ingest of AWS CUR files: dialects, schema drift, idempotence, atomicity, reconciliation."""

from __future__ import annotations

import csv
import gzip
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ccf_py import api
from ccf_py.errors import InputError, MissingColumnError
from tests.helpers import write_cur

FIX = Path(__file__).parent / "fixtures"


def _file_cost(path: Path) -> Decimal:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="", encoding="utf-8") as fh:
        return sum((Decimal(r["lineItem/UnblendedCost"] or "0") for r in csv.DictReader(fh)),
                   Decimal(0))


def _snapshot(db: api.Database) -> list[tuple]:
    return db.con.execute("SELECT * EXCLUDE (tags) FROM billed_lines ORDER BY ALL").fetchall()


@pytest.fixture
def db(tmp_path):
    with api.open_db(tmp_path / "t.duckdb") as d:
        yield d


def test_real_sample_csv_gz_loads_every_row_and_reconciles_to_the_cent(db):
    src = FIX / "aws_cur_legacy_sample.csv.gz"
    res = api.ingest_aws_cur(db, [str(src)])
    assert res.rows == 1281 and res.billing_periods == ("2023-11",)
    table = api.report(db, by="usage_class")
    # every row lands in exactly one class, so per-class costs add up to the file's total
    assert round(Decimal(str(table.totals()["cost"])), 2) == round(_file_cost(src), 2)
    n = db.con.execute("SELECT count(*) FROM fct_usage_estimates").fetchone()[0]
    assert n == 1281
    classes = {r[0] for r in table.rows}
    assert classes <= {"compute", "memory", "storage", "network", "unknown", "non_usage"}
    tax = db.con.execute("SELECT usage_class, count(*) FROM fct_usage_estimates "
                         "WHERE line_item_type = 'Tax' GROUP BY 1").fetchall()
    assert tax == [("non_usage", 12)]


def test_csv_and_csv_gz_and_cur2_parquet_agree(tmp_path):
    results = {}
    for name in ("aws_cur_legacy_sample.csv", "aws_cur_legacy_sample.csv.gz",
                 "aws_cur2_sample.parquet"):
        with api.open_db(tmp_path / f"{name}.duckdb") as db:
            api.ingest_aws_cur(db, [str(FIX / name)])
            t = api.report(db, by="service,usage_class")
            results[name] = {r[:2]: r[2:] for r in t.rows}
    a, b, c = results.values()
    assert a.keys() == b.keys() == c.keys()
    for k in a:
        assert a[k] == pytest.approx(b[k]) and a[k] == pytest.approx(c[k], rel=1e-9, abs=1e-12)


def test_athena_lower_snake_parquet_loads(tmp_path, db):
    """Legacy CUR delivered as Parquet / Athena table: line_item_usage_type style names."""
    out = tmp_path / "athena.parquet"
    con = duckdb.connect()
    cols = con.execute(f"DESCRIBE SELECT * FROM read_csv('{FIX / 'aws_cur_legacy_sample.csv'}')"
                       ).fetchall()
    from ccf_py.ingest.aws_cur import snake
    sel = ", ".join(f'"{c[0]}" AS "{snake(c[0])}"' for c in cols)
    con.execute(f"COPY (SELECT {sel} FROM read_csv('{FIX / 'aws_cur_legacy_sample.csv'}')) "
                f"TO '{out}' (FORMAT parquet)")
    res = api.ingest_aws_cur(db, [str(out)])
    assert res.rows == 1281
    expected = _file_cost(FIX / "aws_cur_legacy_sample.csv")
    assert round(res.cost_total, 2) == round(float(expected), 2)


def test_reload_is_idempotent_and_restatement_replaces(tmp_path, db):
    rows = [{"start": f"2026-10-0{d}T00:00:00Z", "service": "AmazonEC2",
             "usage_type": "BoxUsage:m5.large", "unit": "Hrs", "amount": "24", "cost": "2.304",
             "vcpu": "2", "region": "us-east-1", "resource": "i-1"} for d in range(1, 4)]
    f = write_cur(tmp_path / "oct.csv", rows)
    api.ingest_aws_cur(db, [str(f)])
    first = api.report(db, by="month").totals()
    res = api.ingest_aws_cur(db, [str(f)])
    assert res.replaced_rows == 3
    assert api.report(db, by="month").totals() == pytest.approx(first)
    # a restated October with one day only replaces all three rows
    restated = write_cur(tmp_path / "oct_v2.csv", rows[:1])
    api.ingest_aws_cur(db, [str(restated)])
    assert db.con.execute("SELECT count(*) FROM billed_lines").fetchone()[0] == 1
    # another month is kept
    nov = write_cur(tmp_path / "nov.csv", [dict(rows[0], start="2026-11-01T00:00:00Z")])
    api.ingest_aws_cur(db, [str(nov)])
    assert [r[0] for r in api.report(db, by="month").rows] == ["2026-10", "2026-11"]


def test_schema_drift_across_months(tmp_path, db):
    """A later month adds resource tags and product/vcpu; an earlier one lacks them."""
    old_header = ["bill/BillingPeriodStartDate", "lineItem/LineItemType",
                  "lineItem/UsageStartDate", "lineItem/ProductCode", "lineItem/UsageType",
                  "pricing/unit", "lineItem/UsageAmount", "lineItem/UnblendedCost"]
    sep = write_cur(tmp_path / "sep.csv", [{
        "start": "2026-09-01T00:00:00Z", "service": "AmazonEC2", "usage_type":
        "BoxUsage:m5.large", "unit": "Hrs", "amount": "10", "cost": "0.96"}], old_header)
    new_header = old_header + ["product/vcpu", "resourceTags/user:team", "product/region"]
    octo = write_cur(tmp_path / "oct.csv", [{
        "start": "2026-10-01T00:00:00Z", "service": "AmazonEC2", "usage_type":
        "BoxUsage:m5.large", "unit": "Hrs", "amount": "10", "cost": "0.96", "vcpu": "2",
        "resourceTags/user:team": "search", "region": "us-east-1"}], new_header)
    res = api.ingest_aws_cur(db, [str(sep), str(octo)])
    assert res.files == 2 and res.billing_periods == ("2026-09", "2026-10")
    t = api.report(db, by="month,tag:team")
    assert [(r[0], r[1]) for r in t.rows] == [("2026-09", ""), ("2026-10", "search")]
    # both months estimated the same m5.large-hours the same way (vCPU from the table in Sep)
    assert t.rows[0][3] == pytest.approx(t.rows[1][3])


def test_bad_value_names_file_row_and_column_and_changes_nothing(tmp_path, db):
    good = write_cur(tmp_path / "good.csv", [{
        "start": "2026-10-01T00:00:00Z", "service": "AmazonS3", "usage_type":
        "TimedStorage-ByteHrs", "unit": "GB-Mo", "amount": "1", "cost": "0.023"}])
    api.ingest_aws_cur(db, [str(good)])
    before = _snapshot(db)
    rows = [{"start": "2026-10-02T00:00:00Z", "service": "AmazonS3",
             "usage_type": "TimedStorage-ByteHrs", "unit": "GB-Mo", "amount": "1",
             "cost": "0.023"}] * 3
    rows.append(dict(rows[0], amount="twelve"))
    bad = write_cur(tmp_path / "bad.csv", rows)
    ok2 = write_cur(tmp_path / "a_ok.csv", rows[:1])
    with pytest.raises(InputError) as err:
        api.ingest_aws_cur(db, [str(ok2), str(bad)])
    msg = str(err.value)
    assert "bad.csv" in msg and "line 5" in msg and "lineItem/UsageAmount" in msg
    assert "\n" not in msg
    assert _snapshot(db) == before  # a_ok.csv was loaded first, then rolled back


def test_missing_required_column(tmp_path, db):
    f = tmp_path / "nocost.csv"
    f.write_text("lineItem/UsageStartDate,lineItem/LineItemType,lineItem/ProductCode,"
                 "lineItem/UsageType,lineItem/UsageAmount\n"
                 "2026-10-01T00:00:00Z,Usage,AmazonEC2,BoxUsage:m5.large,1\n")
    with pytest.raises(MissingColumnError, match="nocost.csv.*line_item_unblended_cost"):
        api.ingest_aws_cur(db, [str(f)])
    assert db.con.execute("SELECT count(*) FROM billed_lines").fetchone()[0] == 0


def test_non_usage_rows_keep_their_cost_and_no_emissions(tmp_path, db):
    kinds = ["Tax", "Credit", "Refund", "Fee", "RIFee", "SavingsPlanRecurringFee",
             "SavingsPlanNegation", "SavingsPlanUpfrontFee", "EdpDiscount", "BundledDiscount"]
    rows = [{"type": k, "start": "2026-10-01T00:00:00Z", "service": "AmazonEC2",
             "usage_type": "", "unit": "", "amount": "1", "cost": str(-1.25 if i % 2 else 3.5)}
            for i, k in enumerate(kinds)]
    rows.append({"start": "2026-10-01T00:00:00Z", "service": "AmazonEC2", "type":
                 "SavingsPlanCoveredUsage", "usage_type": "BoxUsage:m5.large", "unit": "Hrs",
                 "amount": "1", "cost": "0.05", "vcpu": "2", "region": "us-east-1"})
    api.ingest_aws_cur(db, [str(write_cur(tmp_path / "nu.csv", rows))])
    t = {r[0]: r for r in api.report(db, by="usage_class").rows}
    assert set(t) == {"non_usage", "compute"}
    assert t["non_usage"][1] == pytest.approx(5 * 3.5 - 5 * 1.25)
    assert t["non_usage"][2:] == (0, 0, 0, 0, 0)
    assert t["compute"][2] > 0
