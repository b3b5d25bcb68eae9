"""Real-export shapes: numbers stored as text (Athena-style Parquet), broken downloads, and two
exports of one bill in one command. Each failure must be one line naming the file (and row and
column when known) and leave the database as it was."""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb
import pytest

from ccf_py import api
from ccf_py.errors import InputError
from tests.helpers import LEGACY_HEADER, write_cur

ROW = {"start": "2026-10-01T00:00:00Z", "service": "AmazonEC2",
       "usage_type": "BoxUsage:m5.large", "unit": "Hrs", "amount": "10", "cost": "0.96",
       "vcpu": "2", "region": "us-east-1"}


def _athena(path: Path, vcpus: list[str], amounts: list[str] | None = None,
            payer: str = "999999999999") -> Path:
    """Athena-style Parquet (snake names) whose product columns are VARCHAR, '' for none, as
    Athena and legacy CUR Parquet write them; amounts may be VARCHAR too."""
    amounts = amounts or ["10"] * len(vcpus)
    values = ", ".join(f"({v!r}, {a!r}, {i})" for i, (v, a) in
                       enumerate(zip(vcpus, amounts, strict=True)))
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT
        '{payer}' AS bill_payer_account_id,
        '2026-10-01T00:00:00Z' AS bill_billing_period_start_date,
        TIMESTAMP '2026-10-01 00:00:00' + INTERVAL (i) HOUR AS line_item_usage_start_date,
        'Usage' AS line_item_line_item_type, 'AmazonEC2' AS line_item_product_code,
        'BoxUsage:m5.large' AS line_item_usage_type, 'Hrs' AS pricing_unit,
        amount AS line_item_usage_amount, 0.96 AS line_item_unblended_cost,
        vcpu AS product_vcpu, 'us-east-1' AS product_region, '' AS product_memory,
        '' AS product_gpu, '' AS product_normalization_factor
      FROM (VALUES {values}) v(vcpu, amount, i)) TO '{path}' (FORMAT parquet)""")
    con.close()
    return path


def _snapshot(db: api.Database) -> list[tuple]:
    return db.con.execute("SELECT * EXCLUDE (load_id) FROM billed_lines ORDER BY ALL").fetchall()


def test_empty_and_blank_text_numbers_are_null_in_parquet(tmp_path):
    f = _athena(tmp_path / "athena.parquet", ["2", "", "  ", " 4 "])
    with api.open_db(tmp_path / "d.duckdb") as db:
        api.ingest_aws_cur(db, [str(f)])
        vcpus = [r[0] for r in db.con.execute(
            "SELECT x_vcpus FROM billed_lines ORDER BY charge_period_start").fetchall()]
        # a NULL vCPU falls back to the instance table (m5.large: 2 vCPUs) for every row
        hours = db.con.execute("SELECT sum(consumed_quantity) FROM billed_lines").fetchone()[0]
        api.report(db, by="service")
        vcpu_hours = db.con.execute("SELECT sum(vcpu_hours) FROM fct_usage_estimates"
                                    ).fetchone()[0]
    assert vcpus == [2.0, None, None, 4.0]
    assert hours == 40
    assert vcpu_hours == pytest.approx(10 * (2 + 2 + 2 + 4))


def test_blank_text_numbers_are_null_in_csv_too(tmp_path):
    f = write_cur(tmp_path / "a.csv", [ROW, dict(ROW, vcpu=" "), dict(ROW, vcpu="  8 ")])
    with api.open_db(tmp_path / "d.duckdb") as db:
        api.ingest_aws_cur(db, [str(f)])
        got = sorted(db.con.execute("SELECT x_vcpus FROM billed_lines").fetchall(), key=str)
    assert got == [(2.0,), (8.0,), (None,)]


def test_blank_cell_then_bad_value_in_csv_names_the_bad_line(tmp_path):
    """The blank cell sends the file down the text path; the bad value is still found."""
    f = write_cur(tmp_path / "mixed.csv", [ROW, dict(ROW, vcpu=" "), ROW,
                                           dict(ROW, cost="1.2.3")])
    with api.open_db(tmp_path / "d.duckdb") as db, pytest.raises(InputError) as err:
        api.ingest_aws_cur(db, [str(f)])
    assert str(err.value) == (f"{f}, line 5, column 'lineItem/UnblendedCost': could not "
                              "convert '1.2.3' to a number or date")


def test_empty_text_region_falls_back_to_the_next_region_column(tmp_path):
    """'' is "none" for text columns too: product_region_code '' falls back to product_region."""
    f = tmp_path / "r.parquet"
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT '2026-10' AS billing_period,
        TIMESTAMP '2026-10-01 00:00:00' AS line_item_usage_start_date,
        'Usage' AS line_item_line_item_type, 'AmazonEC2' AS line_item_product_code,
        'BoxUsage:m5.large' AS line_item_usage_type, 'Hrs' AS pricing_unit,
        1.0 AS line_item_usage_amount, 0.1 AS line_item_unblended_cost,
        '' AS product_region_code, 'eu-west-1' AS product_region) TO '{f}' (FORMAT parquet)""")
    con.close()
    with api.open_db(tmp_path / "d.duckdb") as db:
        api.ingest_aws_cur(db, [str(f)])
        assert db.con.execute("SELECT region_id FROM billed_lines").fetchall() == [("eu-west-1",)]


def test_bad_text_number_in_parquet_names_file_row_and_column(tmp_path):
    ok = write_cur(tmp_path / "a_ok.csv", [ROW])
    bad = _athena(tmp_path / "bad.parquet", ["2", "", "twelve", "2"])
    with api.open_db(tmp_path / "d.duckdb") as db:
        api.ingest_aws_cur(db, [str(ok)])
        before = _snapshot(db)
        with pytest.raises(InputError) as err:
            api.ingest_aws_cur(db, [str(bad)])
        assert _snapshot(db) == before
    msg = str(err.value)
    assert msg == ("bad.parquet".join(msg.split("bad.parquet")[:1]) + "bad.parquet, row 3, "
                   "column 'product_vcpu': could not convert 'twelve' to a number or date")


def test_bad_amount_in_varchar_parquet_column_is_found_too(tmp_path):
    bad = _athena(tmp_path / "bad.parquet", ["2", "2"], amounts=["1.5", "1,5"])
    with api.open_db(tmp_path / "d.duckdb") as db, pytest.raises(InputError) as err:
        api.ingest_aws_cur(db, [str(bad)])
    assert str(err.value).endswith(
        "bad.parquet, row 2, column 'line_item_usage_amount': could not convert '1,5' to a "
        "number or date")


def _gz(path: Path, rows: int = 2000) -> Path:
    csv_path = write_cur(path.with_suffix(""), [dict(ROW, amount=str(i)) for i in range(rows)])
    path.write_bytes(gzip.compress(csv_path.read_bytes()))
    csv_path.unlink()
    return path


def test_truncated_csv_gz_says_truncated_in_one_short_line(tmp_path):
    full = _gz(tmp_path / "full.csv.gz")
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    with api.open_db(tmp_path / "d.duckdb") as db:
        with pytest.raises(InputError) as err:
            api.ingest_aws_cur(db, [str(cut)])
        assert db.con.execute("SELECT count(*) FROM billed_lines").fetchone()[0] == 0
    msg = str(err.value)
    assert msg.startswith(f"{cut}: truncated or corrupt download") and "\n" not in msg
    assert len(msg) - len(str(cut)) < 160


def test_corrupt_gzip_bytes_say_corrupt(tmp_path):
    full = _gz(tmp_path / "full.csv.gz")
    data = bytearray(full.read_bytes())
    data[len(data) // 2: len(data) // 2 + 64] = b"\x00" * 64
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(bytes(data))
    with api.open_db(tmp_path / "d.duckdb") as db, pytest.raises(InputError) as err:
        api.ingest_aws_cur(db, [str(broken)])
    assert "truncated or corrupt download" in str(err.value)


def test_plain_csv_cut_mid_row_says_truncated(tmp_path):
    f = write_cur(tmp_path / "cut.csv", [ROW] * 5)
    text = f.read_text()
    f.write_text(text[: text.rstrip("\n").rfind(",us-east-1")])  # stop inside the last row
    with api.open_db(tmp_path / "d.duckdb") as db, pytest.raises(InputError) as err:
        api.ingest_aws_cur(db, [str(f)])
    msg = str(err.value)
    assert msg.startswith(f"{f}: truncated download: the last line stops after ")
    assert "of 14 columns" in msg


def test_truncated_parquet_says_truncated(tmp_path):
    full = _athena(tmp_path / "full.parquet", ["2"] * 50)
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(full.read_bytes()[:-100])
    with api.open_db(tmp_path / "d.duckdb") as db, pytest.raises(InputError) as err:
        api.ingest_aws_cur(db, [str(cut)])
    assert str(err.value).startswith(f"{cut}: truncated or corrupt download: not a complete "
                                     "Parquet file")


def test_two_shapes_of_one_period_are_refused(tmp_path):
    legacy = write_cur(tmp_path / "legacy-00001.csv", [ROW])
    athena = _athena(tmp_path / "cur2-00001.parquet", ["2"])
    with api.open_db(tmp_path / "d.duckdb") as db:
        with pytest.raises(InputError) as err:
            api.ingest_aws_cur(db, [str(legacy), str(athena)])
        assert db.con.execute("SELECT count(*) FROM billed_lines").fetchone()[0] == 0
    msg = str(err.value)
    assert "legacy CUR CSV export" in msg and "Athena-style CUR Parquet" in msg
    assert "2026-10" in msg and "count it twice" in msg


def test_two_shapes_of_different_payers_or_months_load(tmp_path):
    legacy = write_cur(tmp_path / "legacy.csv", [ROW])
    other_payer = _athena(tmp_path / "other.parquet", ["2"], payer="111111111111")
    nov = write_cur(tmp_path / "nov.csv", [dict(ROW, start="2026-11-01T00:00:00Z")])
    with api.open_db(tmp_path / "d.duckdb") as db:
        res = api.ingest_aws_cur(db, [str(legacy), str(other_payer)])
        assert res.rows == 2
        res = api.ingest_aws_cur(db, [str(nov), str(_athena(tmp_path / "x.parquet", ["2"],
                                                            payer="111111111111"))])
        assert res.rows == 2


@pytest.mark.parametrize("percent", [20, 30, 50, 70, 95, 99])
def test_a_gzip_cut_anywhere_is_refused_not_half_loaded(tmp_path, percent):
    """DuckDB's reader stops quietly at the end of a cut stream (a 20 % cut loaded 20 % of the
    rows); every .gz part is read to its end beside the load."""
    full = _gz(tmp_path / "full.csv.gz", rows=3000)
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size * percent // 100])
    with api.open_db(tmp_path / "d.duckdb") as db:
        with pytest.raises(InputError, match="truncated or corrupt download"):
            api.ingest_aws_cur(db, [str(cut)])
        assert db.con.execute("SELECT count(*) FROM billed_lines").fetchone()[0] == 0


def test_a_complete_multi_member_gzip_loads(tmp_path):
    """`cat a.gz b.gz` is a valid gzip file (two members); it is not called truncated."""
    one = write_cur(tmp_path / "one.csv", [ROW, dict(ROW, amount="20")]).read_bytes()
    header, *lines = one.decode().splitlines(keepends=True)
    f = tmp_path / "two.csv.gz"
    f.write_bytes(gzip.compress((header + lines[0]).encode()) + gzip.compress(lines[1].encode()))
    with api.open_db(tmp_path / "d.duckdb") as db:
        assert api.ingest_aws_cur(db, [str(f)]).rows == 2


def test_tab_only_number_cell_is_null(tmp_path):
    f = write_cur(tmp_path / "tab.csv", [ROW, dict(ROW, vcpu="\t")])
    with api.open_db(tmp_path / "d.duckdb") as db:
        api.ingest_aws_cur(db, [str(f)])
        got = sorted(db.con.execute("SELECT x_vcpus FROM billed_lines").fetchall(), key=str)
    assert got == [(2.0,), (None,)]


@pytest.mark.parametrize("blank", [False, True])
def test_a_time_zone_offset_is_honoured_on_both_csv_paths(tmp_path, blank):
    """00:30 at +02:00 on 1 April is 22:30 UTC on 31 March: March's bill. The same whether the
    file is parsed by DuckDB's CSV reader or (after a blank number cell) as text."""
    header = [h for h in LEGACY_HEADER
              if h != "bill/BillingPeriodStartDate"]
    row = dict(ROW, start="2024-04-01T00:30:00+02:00", vcpu=" " if blank else "2")
    f = write_cur(tmp_path / "tz.csv", [row], header)
    with api.open_db(tmp_path / "d.duckdb") as db:
        api.ingest_aws_cur(db, [str(f)])
        got = db.con.execute("SELECT billing_period_start, charge_period_start "
                             "FROM billed_lines").fetchone()
    assert (str(got[0]), str(got[1])) == ("2024-03-01", "2024-03-31 22:30:00")


def test_blank_cells_in_many_parts_reload_as_text_once(tmp_path):
    parts = [write_cur(tmp_path / f"part-{i}.csv", [dict(ROW, cost=str(i + 1), vcpu=" ")])
             for i in range(4)]
    seen: list[str] = []
    with api.open_db(tmp_path / "d.duckdb") as db:
        res = api.ingest_aws_cur(db, [str(p) for p in parts], progress=seen.append)
    assert res.rows == 4
    assert sum("[1/4] loading" in m for m in seen) == 2  # the typed try, then text once
    assert sum("reading the CSV files as text" in m for m in seen) == 1


def test_bad_value_in_a_file_without_final_newline_is_not_called_truncated(tmp_path):
    f = write_cur(tmp_path / "nofinal.csv", [dict(ROW, amount="abc"), ROW])
    f.write_text(f.read_text().rstrip("\r\n"))
    with api.open_db(tmp_path / "d.duckdb") as db, pytest.raises(InputError) as err:
        api.ingest_aws_cur(db, [str(f)])
    assert str(err.value) == (f"{f}, line 2, column 'lineItem/UsageAmount': could not convert "
                              "'abc' to a number or date")


def test_a_row_without_any_date_says_so(tmp_path):
    header = [h for h in LEGACY_HEADER
              if h != "bill/BillingPeriodStartDate"]
    f = write_cur(tmp_path / "nodate.csv", [ROW, dict(ROW, start="")], header)
    with api.open_db(tmp_path / "d.duckdb") as db, pytest.raises(InputError) as err:
        api.ingest_aws_cur(db, [str(f)])
    assert str(err.value) == (f"{f}: a row has neither a billing period nor a charge period "
                              "start date to derive it from")
