"""``ccf-py ingest FOLDER`` where the folder holds a file that is no billing export (the demo
folder's business-units CSV): nothing loads (a billing file with a damaged header must not be
skipped quietly), and the one line names the file and says how to load the billing files."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ccf_py import api
from ccf_py.errors import InputError
from ccf_py.ingest.detect import EXPECTED

DEMO = Path(__file__).parent.parent / "ccf_py" / "demo_files"
UNITS = "demo_units_2026-10.csv"
UNITS_COLUMNS = "month, provider, service, functional_unit, units"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ccf_py.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def bills(tmp_path: Path) -> Path:
    """A copy of the demo folder: six billing files and the units CSV."""
    folder = tmp_path / "bills"
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns("README.md"))
    return folder


def test_demo_folder_names_the_other_file_and_the_glob_that_loads_the_bills(bills, tmp_path):
    r = _cli("--db", "x.duckdb", "ingest", "bills/", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.splitlines() == [
        f"Error: bills/{UNITS}: not a billing export this tool knows (CSV with columns "
        f"{UNITS_COLUMNS}), so nothing was loaded; if it is not billing data, name the "
        f"billing files without it, e.g. ccf-py ingest 'bills/*.gz'; {EXPECTED}"]
    assert not (tmp_path / "x.duckdb").exists()
    # the suggested command loads every billing file of the folder
    ok = _cli("--db", "x.duckdb", "ingest", "bills/*.gz", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    with api.open_db(tmp_path / "x.duckdb") as db:
        files = db.con.execute("SELECT count(DISTINCT source_file) FROM billed_lines"
                               ).fetchone()[0]
    assert files == len(list(bills.glob("*.gz"))) == 6


def test_every_other_file_is_named(bills):
    (bills / "notes.csv").write_text("a,b\n1,2\n")
    with api.open_db(":memory:") as db, pytest.raises(InputError) as err:
        api.ingest_auto(db, [str(bills)])
    msg = str(err.value)
    assert msg.startswith(f"{bills / UNITS}: not a billing export this tool knows (CSV with "
                          f"columns {UNITS_COLUMNS}) (nor is {bills / 'notes.csv'}), so "
                          "nothing was loaded; ")
    assert f"e.g. ccf-py ingest '{bills}/*.gz';" in msg


def test_no_glob_is_suggested_that_would_take_the_other_file_too(bills):
    """The billing files' common ending is '.gz'; a gzipped units file ends so too."""
    units = bills / UNITS
    (bills / f"{UNITS}.gz").write_bytes(gzip.compress(units.read_bytes()))
    units.unlink()
    with api.open_db(":memory:") as db, pytest.raises(InputError) as err:
        api.ingest_auto(db, [str(bills)])
    assert ("if it is not billing data, name the billing files without it (one by one, or a "
            "glob that leaves it out); expected") in str(err.value)


def test_billing_files_in_several_folders_get_no_glob(bills):
    (bills / "gcp").mkdir()
    for f in bills.glob("gcp_*"):
        f.rename(bills / "gcp" / f.name)
    with api.open_db(":memory:") as db, pytest.raises(InputError) as err:
        api.ingest_auto(db, [str(bills)])
    assert "(one by one, or a glob that leaves it out)" in str(err.value)


def test_a_damaged_header_among_billing_files_is_not_skipped(bills):
    """A billing file whose header lost its first line is still named, not left out."""
    aws = bills / "aws_cur_demo_2026-10.csv.gz"
    text = gzip.decompress(aws.read_bytes()).split(b"\n", 1)[1]  # header line gone
    aws.write_bytes(gzip.compress(text))
    (bills / UNITS).unlink()
    with api.open_db(":memory:") as db, pytest.raises(InputError) as err:
        api.ingest_auto(db, [str(bills)])
    msg = str(err.value)
    assert msg.startswith(f"{aws}: not a billing export this tool knows (CSV with columns ")
    assert ", so nothing was loaded; if it is not billing data, name the billing files" in msg


def test_one_file_alone_keeps_the_plain_message(bills):
    with api.open_db(":memory:") as db, pytest.raises(InputError) as err:
        api.ingest_auto(db, [str(bills / UNITS)])
    assert str(err.value) == (f"{bills / UNITS}: not a billing export this tool knows (CSV "
                              f"with columns {UNITS_COLUMNS}); {EXPECTED}")
