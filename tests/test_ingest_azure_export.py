"""Ingest of Azure Cost Management exports: EA / MCA columns, actual vs amortized, units,
reconciliation to the cent, bad input, idempotence, and other providers' rows left alone."""

from __future__ import annotations

import csv
import gzip
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ccf_py import api
from ccf_py.errors import InputError, MissingColumnError
from ccf_py.ingest import azure_export
from ccf_py.ingest.files import describe
from ccf_py.ingest.sources import Source

FIX = Path(__file__).parent / "fixtures"
ACTUAL = FIX / "azure" / "finopstoolkit_EA_ActualCost_Small.csv"
AMORTIZED = FIX / "azure" / "finopstoolkit_EA_AmortizedCost_Small.csv"

# MCA cost details spell columns in camelCase (schemas: Cost Management export datasets)
MCA_HEADER = ["billingAccountId", "billingPeriodStartDate", "subscriptionId", "date",
              "meterCategory", "meterName", "unitOfMeasure", "quantity", "costInBillingCurrency",
              "billingCurrency", "resourceLocation", "ResourceId", "additionalInfo", "tags",
              "chargeType", "pricingModel", "paygPrice"]


def _rows(path: Path) -> list[dict[str, str]]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def _cost_by_currency(path: Path, cost: str = "Cost", currency: str = "BillingCurrency",
                      skip=lambda r: False) -> dict[str, Decimal]:
    """The file's own cost total per currency, summed as decimals by Python's csv module."""
    totals: dict[str, Decimal] = {}
    for r in _rows(path):
        if not skip(r):
            totals[r[currency]] = totals.get(r[currency], Decimal(0)) + Decimal(r[cost] or "0")
    return totals


def _table_cost(db: api.Database) -> dict[str, Decimal]:
    rows = db.con.execute("SELECT billing_currency, sum(billed_cost) FROM billed_lines "
                          "WHERE provider_name = 'azure' GROUP BY 1").fetchall()
    return {c: round(Decimal(str(v)), 2) for c, v in rows}


def _cents(totals: dict[str, Decimal]) -> dict[str, Decimal]:
    return {c: round(v, 2) for c, v in totals.items()}


def _snapshot(db: api.Database) -> list[tuple]:
    return db.con.execute("SELECT * EXCLUDE (load_id, tags), CAST(tags AS VARCHAR) "
                          "FROM billed_lines ORDER BY ALL").fetchall()


def _write(path: Path, rows: list[dict], header: list[str] = MCA_HEADER) -> Path:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in header})
    return path


def _mca_row(**kw: str) -> dict[str, str]:
    row = {"billingAccountId": "acct-1", "billingPeriodStartDate": "2023-11-01",
           "subscriptionId": "0f0e0d0c-0b0a-0908-0706-050403020100", "date": "2023-11-02",
           "meterCategory": "Virtual Machines", "meterName": "D2 v3/D2s v3",
           "unitOfMeasure": "1 Hour", "quantity": "24", "costInBillingCurrency": "2.40",
           "billingCurrency": "EUR", "resourceLocation": "westeurope", "chargeType": "Usage",
           "pricingModel": "OnDemand", "paygPrice": "0.1"}
    row.update(kw)
    return row


@pytest.fixture
def db(tmp_path):
    with api.open_db(tmp_path / "t.duckdb") as d:
        yield d


def test_ea_actual_sample_every_row_and_cost_to_the_cent(db):
    res = api.ingest_azure_export(db, [str(ACTUAL)])
    assert res.rows == 11 == len(_rows(ACTUAL))
    assert res.billing_periods == ("2023-09",)
    assert _table_cost(db) == _cents(_cost_by_currency(ACTUAL)) == {"USD": Decimal("8.55")}
    purchase = db.con.execute(
        "SELECT charge_category, x_line_item_type, billed_cost, effective_cost, list_cost, "
        "consumed_quantity, consumed_unit, billing_account_id, region_id FROM billed_lines "
        "WHERE x_line_item_type = 'Purchase'").fetchall()
    # Purchase of a reservation: PayGPrice 0 x Quantity 1; no consumed quantity off Usage
    assert purchase == [("Purchase", "Purchase", 3.25, 3.25, 0.0, None, None, "8611537",
                         "uksouth")]


def test_block_units_become_base_units(db):
    """Quantity counts UnitOfMeasure blocks (Cost = Quantity x EffectivePrice in the sample):
    0.0004 of '10K' are 4 operations; '1 Hour' stays hours."""
    api.ingest_azure_export(db, [str(ACTUAL)])
    rows = dict(((r[0], r[1]), r[2:]) for r in db.con.execute(
        "SELECT x_usage_type, pricing_unit, consumed_quantity, consumed_unit, region_id, "
        "x_instance_type, charge_period_start::VARCHAR FROM billed_lines "
        "WHERE x_usage_type IN ('GRS List and Create Container Operations', 'D2 v3/D2s v3', "
        "'P4 LRS Disk')").fetchall())
    grs = rows[("GRS List and Create Container Operations", "10K")]
    assert grs[0] == pytest.approx(4.0) and grs[1:4] == ("Units", "eastus2", None)
    assert rows[("D2 v3/D2s v3", "1 Hour")] == (24.0, "Hours", "southcentralus",
                                                "Standard_D2s_v3", "2023-09-04 00:00:00")
    disk = rows[("P4 LRS Disk", "1/Month")]
    assert disk[0] == pytest.approx(0.033336) and disk[1] == "Units/Month"


def test_ea_amortized_sample_total_and_shape(db):
    res = api.ingest_azure_export(db, [str(AMORTIZED)])
    assert res.rows == 28
    # Microsoft: the amortized dataset has no purchase records, so every row counts
    assert not [r for r in _rows(AMORTIZED) if r["ChargeType"] == "Purchase"]
    assert _table_cost(db) == _cents(_cost_by_currency(AMORTIZED)) == {"USD": Decimal("16.30")}
    ri = db.con.execute("SELECT billed_cost, effective_cost, x_vcpus, x_instance_type "
                        "FROM billed_lines WHERE x_usage_type = 'D2 v2/DS2 v2'").fetchall()
    assert ri == [(0.493152, 0.493152, 2.0, "Standard_DS2_v2")]  # amortized reservation usage


def test_amortized_export_does_not_count_a_commitment_purchase_twice(db, tmp_path):
    """A reservation purchase row in an amortized file is already spread onto usage: kept as a
    row, at cost 0. The expected total is the file's total without that row."""
    rows = _rows(AMORTIZED)
    purchase = dict(rows[0], ChargeType="Purchase", PricingModel="Reservation", Cost="3.25",
                    Quantity="1", PayGPrice="0", AdditionalInfo="")
    path = _write(tmp_path / "amortized.csv", [*rows, purchase], list(rows[0]))
    res = api.ingest_azure_export(db, [str(path)])
    assert res.rows == 29
    expected = _cost_by_currency(
        path, skip=lambda r: r["ChargeType"] == "Purchase"
        and r["PricingModel"] in ("Reservation", "SavingsPlan"))
    assert _table_cost(db) == _cents(expected) == {"USD": Decimal("16.30")}
    assert db.con.execute("SELECT billed_cost, effective_cost, charge_category FROM billed_lines "
                          "WHERE x_line_item_type = 'Purchase'").fetchall() == [
        (0.0, 0.0, "Purchase")]


def test_shapes_recorded_per_file(tmp_path):
    con = duckdb.connect()
    plans = {}
    for path in (ACTUAL, AMORTIZED):
        src = Source(path.name, path)
        plans[path.name] = azure_export._plan(con, src, describe(con, src, "Azure cost export"), 1)
    assert plans[ACTUAL.name].shape == "Azure actual cost (CSV)"
    assert plans[AMORTIZED.name].shape == "Azure amortized cost (CSV)"


def test_actual_and_amortized_of_one_month_refused_together(db):
    api.ingest_azure_export(db, [str(ACTUAL)])
    before = _snapshot(db)
    with pytest.raises(InputError, match="amortized cost .* actual cost .* same billing "
                                         "account and month"):
        api.ingest_azure_export(db, [str(ACTUAL), str(AMORTIZED)])
    assert _snapshot(db) == before


def test_mca_camel_case_iso_dates_other_currency_csv_gz_and_parquet_agree(tmp_path):
    rows = [
        _mca_row(additionalInfo='{"ServiceType":"Standard_D2s_v3","VCPUs":2}',
                 tags='{"team": "data", "env": "prod"}'),
        _mca_row(meterCategory="Storage", meterName="P10 LRS Disk", unitOfMeasure="1/Month",
                 quantity="0.5", costInBillingCurrency="9.855", resourceLocation="US East",
                 tags='"team": "web"', ResourceId="/subscriptions/x/disks/d1"),
        _mca_row(chargeType="Tax", meterCategory="Tax", meterName="VAT", quantity="0",
                 costInBillingCurrency="2.45", unitOfMeasure="", resourceLocation=""),
        _mca_row(chargeType="Refund", costInBillingCurrency="-1.20", quantity="-12"),
        _mca_row(chargeType="UnusedReservation", pricingModel="Reservation",
                 costInBillingCurrency="0.75", quantity="3"),
        _mca_row(chargeType="RoundingAdjustment", costInBillingCurrency="0.01", quantity="0",
                 unitOfMeasure="", billingCurrency="USD"),
        _mca_row(meterName="Data Stored", unitOfMeasure="100 GB/Month", quantity="0.25",
                 costInBillingCurrency="0.5", resourceLocation="EastUS"),
    ]
    plain = _write(tmp_path / "mca.csv", rows)
    gz = _write(tmp_path / "mca.csv.gz", rows)
    parquet = tmp_path / "mca.parquet"
    duckdb.connect().execute(f"COPY (SELECT * FROM read_csv('{plain}', all_varchar=true)) "
                             f"TO '{parquet}' (FORMAT parquet)")
    results = []
    for path in (plain, gz, parquet):
        with api.open_db(tmp_path / f"{path.name}.duckdb") as db:
            res = api.ingest_azure_export(db, [str(path)])
            assert res.rows == 7
            assert _table_cost(db) == _cents(_cost_by_currency(
                plain, cost="costInBillingCurrency", currency="billingCurrency"))
            results.append(db.con.execute(
                "SELECT x_line_item_type, charge_category, region_id, consumed_quantity, "
                "consumed_unit, list_cost, x_vcpus, x_instance_type, CAST(tags AS VARCHAR), "
                "billing_period_start::VARCHAR, sub_account_id, billing_account_id, "
                "billing_currency, resource_id FROM billed_lines ORDER BY ALL").fetchall())
    assert results[0] == results[1] == results[2]
    by = {(r[0], r[4], r[2]): r for r in results[0]}
    vm = by[("Usage", "Hours", "westeurope")]
    assert vm[1:8] == ("Usage", "westeurope", 24.0, "Hours", pytest.approx(2.4), 2.0,
                       "Standard_D2s_v3")
    assert vm[9:13] == ("2023-11-01", "0f0e0d0c-0b0a-0908-0706-050403020100", "acct-1", "EUR")
    assert '"team":"data"' in vm[8].replace(" ", "")
    disk = by[("Usage", "Units/Month", "eastus")]  # 'US East' -> eastus; tags without braces
    assert disk[3] == 0.5 and disk[8].replace(" ", "") == '{"team":"web"}'
    assert disk[13] == "/subscriptions/x/disks/d1"
    stored = by[("Usage", "GB/Month", "eastus")]  # '100 GB/Month' blocks: 0.25 -> 25 GB-months
    assert stored[3] == pytest.approx(25.0)
    cats = {r[0]: (r[1], r[3], r[8]) for r in results[0] if r[0] != "Usage"}
    assert cats == {"Tax": ("Tax", None, None), "Refund": ("Credit", None, None),
                    "UnusedReservation": ("Usage", None, None),
                    "RoundingAdjustment": ("Adjustment", None, None)}


@pytest.mark.parametrize("spelling", ["US East", "EastUS", "eastus", " east us "])
def test_region_spellings_map_to_the_region_id(tmp_path, db, spelling):
    path = _write(tmp_path / "r.csv", [_mca_row(resourceLocation=spelling)])
    api.ingest_azure_export(db, [str(path)])
    assert db.con.execute("SELECT region_id FROM billed_lines").fetchone()[0] == "eastus"


def test_older_ea_subscription_guid_and_unknown_region(tmp_path, db):
    header = ["SubscriptionId", "SubscriptionGuid", "Date", "MeterCategory", "MeterName",
              "UnitOfMeasure", "Quantity", "Cost", "BillingCurrencyCode", "ResourceLocation",
              "ChargeType", "InstanceName"]
    row = {"SubscriptionId": "12345", "SubscriptionGuid": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
           "Date": "11/30/2023", "MeterCategory": "Storage", "MeterName": "Ops",
           "UnitOfMeasure": "10K", "Quantity": "2", "Cost": "0.2", "BillingCurrencyCode": "GBP",
           "ResourceLocation": "Mars North", "ChargeType": "Usage", "InstanceName": "/r/1"}
    api.ingest_azure_export(db, [str(_write(tmp_path / "old.csv", [row], header))])
    got = db.con.execute(
        "SELECT sub_account_id, billing_account_id, billing_period_start::VARCHAR, region_id, "
        "consumed_quantity, resource_id, billing_currency, list_cost FROM billed_lines"
    ).fetchone()
    assert got == ("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", None, "2023-11-01", "marsnorth",
                   20000.0, "/r/1", "GBP", None)


def test_reload_is_idempotent(db):
    api.ingest_azure_export(db, [str(ACTUAL)])
    first = _snapshot(db)
    res = api.ingest_azure_export(db, [str(ACTUAL)])
    assert res.replaced_rows == 11
    assert _snapshot(db) == first


def test_azure_load_keeps_aws_rows_of_the_same_month(tmp_path, db):
    api.ingest_aws_cur(db, [str(FIX / "aws_cur_legacy_sample.csv")])  # 2023-11
    aws = db.con.execute("SELECT count(*), sum(billed_cost) FROM billed_lines").fetchone()
    path = _write(tmp_path / "nov.csv", [_mca_row(), _mca_row(quantity="1")])
    res = api.ingest_azure_export(db, [str(path)])
    assert res.billing_periods == ("2023-11",) and res.replaced_rows == 0
    api.ingest_azure_export(db, [str(path)])  # a reload replaces only Azure's rows
    assert db.con.execute("SELECT count(*), sum(billed_cost) FROM billed_lines "
                          "WHERE provider_name = 'aws'").fetchone() == aws
    assert db.con.execute("SELECT count(*) FROM billed_lines WHERE provider_name = 'azure'"
                          ).fetchone()[0] == 2


# ------------------------------------------------------------------------------ bad input


def test_truncated_csv_gz_is_refused_and_db_unchanged(tmp_path, db):
    api.ingest_azure_export(db, [str(ACTUAL)])
    before = _snapshot(db)
    data = gzip.compress(AMORTIZED.read_bytes())
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(InputError, match=r"cut\.csv\.gz: truncated"):
        api.ingest_azure_export(db, [str(cut)])
    assert _snapshot(db) == before


def test_missing_required_columns_named(tmp_path, db):
    header = [h for h in MCA_HEADER if h not in ("meterName", "chargeType")]
    path = _write(tmp_path / "wrong.csv", [_mca_row()], header)
    with pytest.raises(MissingColumnError) as err:
        api.ingest_azure_export(db, [str(path)])
    text = str(err.value)
    assert text.startswith(f"{path}: missing required Azure cost export column(s) ")
    assert "MeterName" in text and "ChargeType" in text and "CostInBillingCurrency" in text


def test_non_numeric_quantity_names_file_line_and_column(tmp_path, db):
    path = _write(tmp_path / "q.csv", [_mca_row(), _mca_row(quantity="lots")])
    with pytest.raises(InputError) as err:
        api.ingest_azure_export(db, [str(path)])
    assert err.value.row == 3 and err.value.column == "quantity"
    assert "'lots'" in str(err.value) and str(err.value).startswith(str(path))
    assert db.con.execute("SELECT count(*) FROM billed_lines").fetchone()[0] == 0


@pytest.mark.parametrize("bad", ["2023-13-01", "31/12/2023", "yesterday"])
def test_bad_date_names_file_line_and_column(tmp_path, db, bad):
    path = _write(tmp_path / "d.csv", [_mca_row(), _mca_row(), _mca_row(date=bad)])
    with pytest.raises(InputError) as err:
        api.ingest_azure_export(db, [str(path)])
    assert (err.value.row, err.value.column) == (4, "date")
    assert repr(bad) in str(err.value) and "yyyy-mm-dd" in str(err.value)


def test_us_dates_told_apart_per_file(tmp_path, db):
    """One file MM/DD/YYYY, one ISO: each parsed in its own format; 03/04 is 4 March."""
    us = _write(tmp_path / "us.csv", [_mca_row(date="11/03/2023",
                                               billingPeriodStartDate="11/01/2023")])
    iso = _write(tmp_path / "iso.csv", [_mca_row(date="2023-11-04", quantity="1",
                                                  costInBillingCurrency="0.1")])
    api.ingest_azure_export(db, [str(us), str(iso)])
    got = db.con.execute("SELECT charge_period_start::VARCHAR FROM billed_lines ORDER BY 1"
                         ).fetchall()
    assert got == [("2023-11-03 00:00:00",), ("2023-11-04 00:00:00",)]


def test_folder_of_exports_loads_like_its_files(tmp_path, db):
    folder = tmp_path / "exports" / "ea-actual" / "20230901-20230930"
    folder.mkdir(parents=True)
    shutil.copy(ACTUAL, folder / "part_0_0001.csv")
    res = api.ingest_azure_export(db, [str(tmp_path / "exports")])
    assert res.rows == 11


def test_typed_parquet_export_matches_the_csv(tmp_path, db):
    """A Parquet export with typed columns (TIMESTAMP dates, DECIMAL quantity, BIGINT account)
    loads to the same rows as its CSV."""
    typed = tmp_path / "typed.parquet"
    duckdb.connect().execute(
        "COPY (SELECT * REPLACE (strptime(Date, '%m/%d/%Y') AS Date, "
        "strptime(BillingPeriodStartDate, '%m/%d/%Y')::DATE AS BillingPeriodStartDate, "
        "CAST(Quantity AS DECIMAL(18, 8)) AS Quantity, CAST(Cost AS DOUBLE) AS Cost, "
        f"CAST(BillingAccountId AS BIGINT) AS BillingAccountId) FROM read_csv('{AMORTIZED}', "
        f"all_varchar=true)) TO '{typed}' (FORMAT parquet)")
    api.ingest_azure_export(db, [str(typed)])
    from_parquet = db.con.execute(
        "SELECT * EXCLUDE (source_file, load_id, tags) FROM billed_lines ORDER BY ALL").fetchall()
    with api.open_db(tmp_path / "csv.duckdb") as other:
        api.ingest_azure_export(other, [str(AMORTIZED)])
        from_csv = other.con.execute(
            "SELECT * EXCLUDE (source_file, load_id, tags) FROM billed_lines ORDER BY ALL"
        ).fetchall()
    def norm(rows: list[tuple]) -> list[tuple]:  # DECIMAL(18, 8) vs text: float noise only
        return [tuple(round(v, 9) if isinstance(v, float) else v for v in r) for r in rows]

    assert len(from_parquet) == 28
    assert norm(from_parquet) == norm(from_csv)


def test_whitespace_only_number_cell_is_null(tmp_path, db):
    rows = _rows(ACTUAL)
    rows[1]["PayGPrice"] = "  "
    path = _write(tmp_path / "ws.csv", rows, list(rows[0]))
    res = api.ingest_azure_export(db, [str(path)])
    assert res.rows == 11 and _table_cost(db) == {"USD": Decimal("8.55")}
    assert db.con.execute("SELECT count(*) FROM billed_lines WHERE list_cost IS NULL"
                          ).fetchone()[0] == 1


def test_malformed_tags_name_file_line_and_column(tmp_path, db):
    api.ingest_azure_export(db, [str(AMORTIZED)])
    before = _snapshot(db)
    rows = _rows(ACTUAL)
    rows[3]["Tags"] = '"env": prod'          # line 5: the first bad cell
    rows[6]["Tags"] = '{"team": "data"'      # line 8
    path = _write(tmp_path / "tags.csv", rows, list(rows[0]))
    with pytest.raises(InputError) as err:
        api.ingest_azure_export(db, [str(path)])
    assert (err.value.row, err.value.column) == (5, "Tags")
    text = str(err.value)
    assert text.startswith(f"{path}, line 5, column 'Tags': ")
    assert "'\"env\": prod'" in text and "\n" not in text and "byte" not in text
    assert _snapshot(db) == before
    # the same cells in Parquet: 1-based row, no header
    parquet = tmp_path / "tags.parquet"
    duckdb.connect().execute(f"COPY (SELECT * FROM read_csv('{path}', all_varchar=true)) "
                             f"TO '{parquet}' (FORMAT parquet)")
    with pytest.raises(InputError) as err:
        api.ingest_azure_export(db, [str(parquet)])
    assert str(err.value).startswith(f"{parquet}, row 4, column 'Tags': ")
    assert _snapshot(db) == before


# The date format is told from the first non-blank values; every other value is checked by the
# load itself, so a bad one far past the sample must still be named exactly.
def _many(n: int, **kw: str) -> list[dict[str, str]]:
    return [_mca_row(**kw) for _ in range(n)]


@pytest.mark.parametrize("bad", ["13/01/2023", "2023-11-05", "11/5/23", "tomorrow"])
def test_bad_date_far_past_the_first_rows_named(tmp_path, db, bad):
    rows = _many(1500, date="11/03/2023", billingPeriodStartDate="11/01/2023")
    rows[1300]["date"] = bad                       # line 1302: the first bad value
    rows[1400]["date"] = "2023-11-06"
    path = _write(tmp_path / "late.csv", rows)
    with pytest.raises(InputError) as err:
        api.ingest_azure_export(db, [str(path)])
    assert (err.value.row, err.value.column) == (1302, "date")
    assert repr(bad) in str(err.value) and "(MM/DD/YYYY)" in str(err.value)
    assert db.con.execute("SELECT count(*) FROM billed_lines").fetchone()[0] == 0


def test_bad_period_date_past_the_sample_named_before_an_earlier_bad_number(tmp_path, db):
    """A bad date is reported before a bad number on an earlier line, as when every date was
    checked before the load."""
    rows = _many(1200)
    rows[5]["quantity"] = "lots"                   # line 7
    rows[1100]["billingPeriodStartDate"] = "11/01/2023"  # line 1102
    path = _write(tmp_path / "p.csv", rows)
    with pytest.raises(InputError) as err:
        api.ingest_azure_export(db, [str(path)])
    assert (err.value.row, err.value.column) == (1102, "billingPeriodStartDate")
    assert "'11/01/2023'" in str(err.value) and "(yyyy-mm-dd)" in str(err.value)


def test_majority_format_names_the_odd_value_even_when_the_first_rows_differ(tmp_path, db):
    """1,100 MM/DD/YYYY dates then 1,200 ISO ones: the file's format is its most common one
    (ISO), so the first MM/DD/YYYY value (line 2) is the one named."""
    rows = _many(1100, date="11/03/2023") + _many(1200, date="2023-11-04")
    path = _write(tmp_path / "mixed.csv", rows)
    with pytest.raises(InputError) as err:
        api.ingest_azure_export(db, [str(path)])
    assert (err.value.row, err.value.column) == (2, "date")
    assert "'11/03/2023'" in str(err.value) and "(yyyy-mm-dd)" in str(err.value)


def test_dates_and_subscription_with_spaces_or_times_read_as_before(tmp_path, db):
    """Values off the common bare shape take the general path: spaces around, a time after
    the date (dropped, as Azure's dates are days), a blank; a GUID with spaces is trimmed."""
    guid = "0f0e0d0c-0b0a-0908-0706-050403020100"
    rows = [_mca_row(date="11/03/2023", billingPeriodStartDate="11/01/2023"),
            _mca_row(date=" 11/04/2023 ", billingPeriodStartDate="11/01/2023",
                     subscriptionId=f" {guid} "),
            _mca_row(date="11/05/2023 10:00:00", billingPeriodStartDate=" 11/01/2023"),
            _mca_row(date="1/6/2023", billingPeriodStartDate="", resourceLocation=" US East ")]
    api.ingest_azure_export(db, [str(_write(tmp_path / "s.csv", rows))])
    got = db.con.execute("SELECT charge_period_start::VARCHAR, billing_period_start::VARCHAR, "
                         "sub_account_id, region_id FROM billed_lines ORDER BY 1").fetchall()
    assert got == [("2023-01-06 00:00:00", "2023-01-01", guid, "eastus"),
                   ("2023-11-03 00:00:00", "2023-11-01", guid, "westeurope"),
                   ("2023-11-04 00:00:00", "2023-11-01", guid, "westeurope"),
                   ("2023-11-05 00:00:00", "2023-11-01", guid, "westeurope")]
