"""Actual vs amortized told from an Azure export's first rows (``SAMPLE_ROWS``), not from a
scan of the whole file before the load: a row past the sample that shows the other kind must
still give the kind a scan of every row gives (Microsoft's rule, see azure_export's
docstring), and a bad file the same error as when every row was scanned first.

The sample is made a few rows long here so that small files have rows past it."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from ccf_py import api
from ccf_py.errors import InputError
from ccf_py.ingest import azure_export

HEADER = ["billingAccountId", "billingPeriodStartDate", "subscriptionId", "date",
          "meterCategory", "meterName", "unitOfMeasure", "quantity", "costInBillingCurrency",
          "billingCurrency", "resourceLocation", "ResourceId", "additionalInfo", "tags",
          "chargeType", "pricingModel", "paygPrice"]


def _row(**kw: str) -> dict[str, str]:
    row = {"billingAccountId": "acct-1", "billingPeriodStartDate": "2023-11-01",
           "subscriptionId": "0f0e0d0c-0b0a-0908-0706-050403020100", "date": "2023-11-02",
           "meterCategory": "Virtual Machines", "meterName": "D2 v3/D2s v3",
           "unitOfMeasure": "1 Hour", "quantity": "24", "costInBillingCurrency": "2.40",
           "billingCurrency": "EUR", "resourceLocation": "westeurope", "chargeType": "Usage",
           "pricingModel": "OnDemand", "paygPrice": "0.1", "tags": '"env": "prod"'}
    row.update(kw)
    return row


# a reservation purchase: only an actual export has it
PURCHASE = {"chargeType": "Purchase", "pricingModel": "Reservation", "meterName": "D2 v3",
            "costInBillingCurrency": "100.00", "quantity": "1", "paygPrice": "0"}
# reservation-covered usage with the amortized cost on it: only an amortized export has it
AMORTIZED_USAGE = {"pricingModel": "Reservation", "costInBillingCurrency": "0.50"}


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=HEADER)
        w.writeheader()
        w.writerows(rows)
    return path


def _file_cost(path: Path, *, skip_commitment_purchases: bool) -> Decimal:
    """The file's cost summed by Python's csv module, without the commitment purchases when
    the file is amortized (their cost is already spread onto the usage)."""
    total = Decimal(0)
    with path.open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if skip_commitment_purchases and r["chargeType"] == "Purchase" \
                    and r["pricingModel"] in ("Reservation", "SavingsPlan"):
                continue
            total += Decimal(r["costInBillingCurrency"])
    return total


def _table_cost(db: api.Database) -> Decimal:
    return round(Decimal(str(db.con.execute(
        "SELECT sum(billed_cost) FROM billed_lines").fetchone()[0])), 2)


def _purchase_cost(db: api.Database) -> list[tuple[float, float]]:
    return db.con.execute("SELECT billed_cost, effective_cost FROM billed_lines "
                          "WHERE x_line_item_type = 'Purchase'").fetchall()


@pytest.fixture
def db(tmp_path):
    with api.open_db(tmp_path / "t.duckdb") as d:
        yield d


@pytest.fixture(autouse=True)
def small_sample(monkeypatch):
    monkeypatch.setattr(azure_export, "SAMPLE_ROWS", 10)


def _load(db: api.Database, *paths: Path) -> list[str]:
    said: list[str] = []
    api.ingest_azure_export(db, [str(p) for p in paths], progress=said.append)
    return said


def test_amortized_row_past_the_sample_makes_the_file_amortized(tmp_path, db):
    """The first rows hold a reservation purchase (actual), row 25 reservation usage with a
    cost (amortized only): the file is amortized, so the purchase counts 0."""
    rows = [_row() for _ in range(30)]
    rows[1] = _row(**PURCHASE)
    rows[24] = _row(**AMORTIZED_USAGE)
    path = _write(tmp_path / "export.csv", rows)
    said = _load(db, path)
    assert any("a row past the first 10 shows the other kind" in s for s in said)
    assert _purchase_cost(db) == [(0.0, 0.0)]
    expected = _file_cost(path, skip_commitment_purchases=True)
    assert _table_cost(db) == expected == Decimal("67.70")  # 28 x 2.40 + 0.50
    assert db.con.execute("SELECT count(*) FROM billed_lines").fetchone()[0] == 30


def test_the_kind_past_the_sample_is_the_kind_two_exports_are_refused_by(tmp_path, db):
    """An amortized file (by a row past the sample) and an actual one of the same month are
    one bill twice: refused, naming the kinds."""
    rows = [_row() for _ in range(30)]
    rows[24] = _row(**AMORTIZED_USAGE)
    amortized = _write(tmp_path / "a.csv", rows)
    actual = _write(tmp_path / "b.csv", [_row(**PURCHASE), *[_row() for _ in range(29)]])
    with pytest.raises(InputError, match=r"b\.csv: an Azure actual cost \(CSV\) export of "
                                         r"2023-11, while .*a\.csv is an Azure amortized"):
        _load(db, amortized, actual)
    assert db.con.execute("SELECT count(*) FROM billed_lines").fetchone()[0] == 0


def test_name_says_amortized_but_an_actual_row_past_the_sample_decides(tmp_path, db):
    """No commitment row in the first rows: the name would make it amortized; a reservation
    purchase on row 25 (only in actual exports) makes it actual, the purchase counted."""
    rows = [_row() for _ in range(30)]
    rows[24] = _row(**PURCHASE)
    path = _write(tmp_path / "export-amortized.csv", rows)
    said = _load(db, path)
    assert any("loading again" in s for s in said)
    assert _purchase_cost(db) == [(100.0, 100.0)]
    assert _table_cost(db) == _file_cost(path, skip_commitment_purchases=False) \
        == Decimal("169.60")  # 29 x 2.40 + 100


def test_amortized_rows_in_the_sample_decide_at_once(tmp_path, db):
    """An amortized row among the first rows decides (it wins over any actual row), so the
    file loads once, and a commitment purchase further on counts 0."""
    rows = [_row() for _ in range(30)]
    rows[2] = _row(chargeType="UnusedReservation", pricingModel="Reservation",
                   costInBillingCurrency="1.25")
    rows[24] = _row(**PURCHASE)
    path = _write(tmp_path / "export.csv", rows)
    said = _load(db, path)
    assert not any("loading again" in s for s in said)
    assert _purchase_cost(db) == [(0.0, 0.0)]
    assert _table_cost(db) == _file_cost(path, skip_commitment_purchases=True) \
        == Decimal("68.45")  # 28 x 2.40 + 1.25


def test_several_kind_command_scans_instead_of_guessing(tmp_path, db):
    """``ccf-py ingest`` of several kinds is one transaction that a failed load would end:
    an uncertain guess is replaced by a scan, so the late amortized row still decides."""
    rows = [_row() for _ in range(30)]
    rows[1] = _row(**PURCHASE)
    rows[24] = _row(**AMORTIZED_USAGE)
    path = _write(tmp_path / "export.csv", rows)
    said: list[str] = []
    api.ingest_auto(db, [str(path)], progress=said.append)
    assert not any("loading again" in s for s in said)
    assert _purchase_cost(db) == [(0.0, 0.0)]


@pytest.mark.parametrize("sample", [10, 1_000_000])
def test_bad_cells_past_the_sample_named_as_with_a_scan(tmp_path, db, monkeypatch, sample):
    """The same line, column and words whether the sample holds the bad row or not."""
    monkeypatch.setattr(azure_export, "SAMPLE_ROWS", sample)
    rows = [_row(date="11/03/2023", billingPeriodStartDate="11/01/2023") for _ in range(40)]
    rows[20]["quantity"] = "lots"                                  # line 22
    path = _write(tmp_path / "q.csv", rows)
    with pytest.raises(InputError) as err:
        _load(db, path)
    assert (err.value.row, err.value.column) == (22, "quantity") and "'lots'" in str(err.value)
    rows[20]["quantity"] = "24"
    rows[30]["date"] = "2023-11-05"                                # line 32
    rows[35]["tags"] = '"env": prod'
    path = _write(tmp_path / "d.csv", rows)
    with pytest.raises(InputError) as err:
        _load(db, path)
    assert (err.value.row, err.value.column) == (32, "date")
    assert "'2023-11-05' is not a date in this file's format (MM/DD/YYYY)" in str(err.value)
    rows[30]["date"] = "11/05/2023"
    path = _write(tmp_path / "t.csv", rows)                        # the Tags cell, line 37
    with pytest.raises(InputError) as err:
        _load(db, path)
    assert (err.value.row, err.value.column) == (37, "tags")
    assert "is not a JSON object of tags" in str(err.value)
    assert db.con.execute("SELECT count(*) FROM billed_lines").fetchone()[0] == 0


def test_undecodable_text_past_the_sample_is_refused_as_with_a_scan(tmp_path, db):
    """A date cell that is not UTF-8 on line 26 stopped the scan before the load with 'not a
    readable Azure cost export'; without the scan the failed load says the same."""
    rows = [_row() for _ in range(30)]
    path = _write(tmp_path / "bytes.csv", rows)
    lines = path.read_bytes().split(b"\r\n")
    lines[25] = lines[25].replace(b"2023-11-02", b"2023-11-\xff2", 1)
    path.write_bytes(b"\r\n".join(lines))
    with pytest.raises(InputError) as err:
        _load(db, path)
    assert str(err.value).startswith(f"{path}: not a readable Azure cost export: ")
    assert db.con.execute("SELECT count(*) FROM billed_lines").fetchone()[0] == 0
