"""A damaged row in the middle of a CSV export (a line with more or fewer fields than the
header, a quote that is never closed, a row cut off and followed by the next one), for every
CSV ingestor: one line naming the file and the line, nothing loaded, the database as it was.

Each damaged file is a sample fixture with one line changed here, so the line number and the
field counts below follow from the change itself (the fixtures hold no value spanning lines:
row n is line n)."""

from __future__ import annotations

import csv
import gzip
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ccf_py import api
from ccf_py.errors import InputError
from ccf_py.ingest import azure_export
from tests.helpers import LEGACY_HEADER, write_cur

FIX = Path(__file__).parent / "fixtures"

# kind -> (a valid CSV export of that kind, its ingest function)
KINDS: dict[str, tuple[Path, Callable]] = {
    "aws": (FIX / "aws_cur_legacy_sample.csv", api.ingest_aws_cur),
    "azure": (FIX / "azure" / "finopstoolkit_EA_AmortizedCost_Small.csv",
              api.ingest_azure_export),
    "focus": (FIX / "focus" / "focus_1.0_sample_subset.csv", api.ingest_focus),
    "gcp": (FIX / "gcp" / "gcp_detailed_export_synth_flat_psofinopsagent.csv",
            api.ingest_gcp_billing),
}

ROW = {"start": "2026-10-01T00:00:00Z", "service": "AmazonEC2",
       "usage_type": "BoxUsage:m5.large", "unit": "Hrs", "amount": "10", "cost": "0.96",
       "vcpu": "2", "region": "us-east-1"}
FIX_HINT = "a damaged row; download the file again, or repair or remove that line"
UNCLOSED = "a quoted value that starts on this line is never closed (unterminated quote)"


def _lines(kind: str) -> list[bytes]:
    return KINDS[kind][0].read_bytes().splitlines(keepends=True)


def _width(kind: str) -> int:
    return len(next(csv.reader([_lines(kind)[0].decode("utf-8-sig")])))


def _end(raw: bytes) -> bytes:
    return raw[len(raw.rstrip(b"\r\n")):]


def _fields(raw: bytes) -> list[str]:
    return next(csv.reader([raw.decode("utf-8")]))


def _row(fields: list[str], end: bytes) -> bytes:
    out = csv.StringIO()
    csv.writer(out, lineterminator="\n").writerow(fields)  # quotes a value holding \n
    return out.getvalue()[:-1].encode() + end


def _cut(raw: bytes, end: bytes) -> tuple[bytes, int]:
    """The line cut two characters into the last field its quote-free start reaches (in
    the first field when a quote comes early), then ``end``: (cut line, its field count)."""
    free = raw[:raw.find(b'"')] if b'"' in raw else raw.rstrip(b"\r\n")
    commas = [i for i, b in enumerate(free) if b == ord(",") and i + 3 <= len(free)]
    cut = commas[-1] + 3 if commas else 5
    return raw[:cut] + end, raw[:cut].count(b",") + 1


def damage(kind: str, how: str, line: int, dest: Path) -> tuple[Path, str]:
    """A copy of the kind's fixture with ``line`` damaged ``how``: (file, expected message
    after 'FILE, line N: ')."""
    lines = _lines(kind)
    raw, width = lines[line - 1], _width(kind)
    if how == "fewer":
        lines[line - 1] = _row(_fields(raw)[:width - 5], _end(raw))
        what = f"has {width - 5} fields, the header has {width}"
    elif how == "more":
        lines[line - 1] = _row([*_fields(raw), "extra"], _end(raw))
        what = f"has {width + 1} fields, the header has {width}"
    elif how == "quote":  # a quote opens the first field and is not closed before a comma
        lines[line - 1] = b'"' + raw
        what = UNCLOSED
    elif how == "cut":  # a download cut a row short, then went on with the next row
        lines[line - 1], fields = _cut(raw, _end(raw))
        what = f"has {fields} fields, the header has {width}"
    else:  # "cut_lf": the same, the cut line ended by a bare \n in a \r\n file
        assert _end(raw) == b"\r\n"
        lines[line - 1], fields = _cut(raw, b"\n")
        what = f"has {fields} fields, the header has {width}"
    dest.write_bytes(b"".join(lines))
    return dest, what


def _snapshot(db: api.Database) -> tuple[list[tuple], int]:
    rows = db.con.execute("SELECT * EXCLUDE (load_id) FROM billed_lines ORDER BY ALL").fetchall()
    return rows, db.con.execute("SELECT count(*) FROM ingest_log").fetchone()[0]


CASES = [(kind, how) for kind in KINDS for how in ("fewer", "more", "quote", "cut")]
CASES += [("focus", "cut_lf"), ("gcp", "cut_lf")]  # the fixtures with \r\n line ends


@pytest.mark.parametrize(("kind", "how"), CASES)
def test_a_damaged_row_names_file_and_line_and_loads_nothing(tmp_path, kind, how):
    good, ingest = KINDS[kind]
    bad, what = damage(kind, how, 6, tmp_path / f"bad-{kind}.csv")
    with api.open_db(tmp_path / "d.duckdb") as db:
        ingest(db, [str(good)])  # the same bill, loaded before: a reload must not touch it
        before = _snapshot(db)
        assert before[0]
        with pytest.raises(InputError) as err:
            ingest(db, [str(bad)])
        assert _snapshot(db) == before
    assert str(err.value) == f"{bad}, line 6: {what}: {FIX_HINT}"


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_damaged_row_far_into_the_file_is_found_too(tmp_path, kind):
    """A damaged row near the end of each fixture."""
    n = len(_lines(kind)) - 2
    bad, what = damage(kind, "fewer", n, tmp_path / f"bad-{kind}.csv")
    with api.open_db(tmp_path / "d.duckdb") as db, pytest.raises(InputError) as err:
        KINDS[kind][1](db, [str(bad)])
    assert str(err.value) == f"{bad}, line {n}: {what}: {FIX_HINT}"


@pytest.mark.parametrize("how", ["fewer", "more"])
def test_a_damaged_row_past_duckdbs_first_buffers_is_named(tmp_path, how):
    """30,000 rows, the damaged one past the 20,480 rows DuckDB's sniffer looked at and read
    by another thread than the first rows: its line is still the one named."""
    rows = [dict(ROW, amount=str(i)) for i in range(30_000)]
    f = write_cur(tmp_path / "big.csv", rows)
    lines = f.read_bytes().splitlines(keepends=True)
    raw = lines[25_000 - 1]
    fields = _fields(raw)
    lines[25_000 - 1] = _row(fields[:-3] if how == "fewer" else [*fields, "x", "y"], _end(raw))
    f.write_bytes(b"".join(lines))
    width = len(LEGACY_HEADER)
    got = width - 3 if how == "fewer" else width + 2
    with api.open_db(tmp_path / "d.duckdb") as db, pytest.raises(InputError) as err:
        api.ingest_aws_cur(db, [str(f)])
    assert str(err.value) == (f"{f}, line 25000: has {got} fields, the header has {width}: "
                              f"{FIX_HINT}")


def test_azure_row_past_the_guessed_sample_is_found_by_the_load(tmp_path, monkeypatch):
    """Azure guesses the export's kind from its first rows; a damaged row after them stops
    the load itself, whose diagnosis names it the same way."""
    monkeypatch.setattr(azure_export, "SAMPLE_ROWS", 4)
    bad, what = damage("azure", "more", 20, tmp_path / "bad.csv")
    with api.open_db(tmp_path / "d.duckdb") as db, pytest.raises(InputError) as err:
        api.ingest_azure_export(db, [str(bad)])
    assert str(err.value) == f"{bad}, line 20: {what}: {FIX_HINT}"


def test_a_damaged_row_in_a_gzip_part_names_its_line(tmp_path):
    plain, what = damage("aws", "fewer", 300, tmp_path / "part.csv")
    gz = tmp_path / "part.csv.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    with api.open_db(tmp_path / "d.duckdb") as db, pytest.raises(InputError) as err:
        api.ingest_aws_cur(db, [str(gz)])
    assert str(err.value) == f"{gz}, line 300: {what}: {FIX_HINT}"


def test_lines_are_counted_in_the_file_when_a_value_spans_lines(tmp_path):
    """DuckDB counts rows; a value holding a line end (legal when quoted) makes the line in
    the file one more than the row: the message names the line an editor shows."""
    lines = _lines("azure")
    fields = _fields(lines[2])
    fields[-1] = "first\nsecond"  # line 3 becomes lines 3-4
    lines[2] = _row(fields, b"\n")
    f = tmp_path / "spans.csv"
    f.write_bytes(b"".join(lines))
    bad, what = damage_file(f, 10, tmp_path / "bad.csv")
    with api.open_db(tmp_path / "d.duckdb") as db, pytest.raises(InputError) as err:
        api.ingest_azure_export(db, [str(bad)])
    assert str(err.value) == f"{bad}, line 11: {what}: {FIX_HINT}"


def damage_file(src: Path, row: int, dest: Path) -> tuple[Path, str]:
    """Row ``row`` (header = 1) of ``src`` with one field less."""
    with src.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    width = len(rows[0])
    rows[row - 1] = rows[row - 1][:-1]
    with dest.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return dest, f"has {width - 1} fields, the header has {width}"


def test_a_row_with_a_different_line_end_is_named(tmp_path):
    """DuckDB reads one kind of line end per file; a row ending in a bare \\n in a \\r\\n
    file stops it without a line number. Every field is there: only the line end is named."""
    lines = _lines("focus")
    lines[7] = lines[7].rstrip(b"\r\n") + b"\n"
    f = tmp_path / "mixed.csv"
    f.write_bytes(b"".join(lines))
    with api.open_db(tmp_path / "d.duckdb") as db, pytest.raises(InputError) as err:
        api.ingest_focus(db, [str(f)])
    assert str(err.value) == (f"{f}, line 8: ends with '\\n' where the header ends with "
                              f"'\\r\\n' (mixed line ends): {FIX_HINT}")


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ccf_py.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("kind", list(KINDS))
def test_cli_says_one_line_exits_1_and_keeps_the_database(tmp_path, kind):
    """``ccf-py ingest`` (kind detected), a good AWS file beside the damaged one: one command
    is all or nothing, and the error is one line."""
    bad, what = damage(kind, "fewer", 6, tmp_path / "bad.csv")
    first = _cli("--db", "x.duckdb", "ingest", str(KINDS["azure"][0]), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    with api.open_db(tmp_path / "x.duckdb") as db:
        before = _snapshot(db)
    r = _cli("--db", "x.duckdb", "ingest", str(KINDS["aws"][0]), str(bad), cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.splitlines()[-1] == f"Error: {bad}, line 6: {what}: {FIX_HINT}"
    assert "Traceback" not in r.stderr and "Error" not in r.stdout
    with api.open_db(tmp_path / "x.duckdb") as db:
        assert _snapshot(db) == before


def test_valid_csv_exports_read_the_same_as_before(tmp_path):
    """Reading the header ourselves and telling DuckDB the dialect changes nothing for a
    valid file: the fixtures' row counts and cost totals, summed here with Python's csv."""
    totals = {"aws": "lineItem/UnblendedCost", "azure": "Cost",
              "focus": "BilledCost", "gcp": "cost"}
    for kind, (path, ingest) in KINDS.items():
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
        want = sum(float(r[totals[kind]] or 0) for r in rows)
        # a GCP row's credits are lines of their own beside it
        rows_of_file = "charge_category <> 'Credit'" if kind == "gcp" else "true"
        with api.open_db(tmp_path / f"{kind}.duckdb") as db:
            ingest(db, [str(path)])
            n, cost = db.con.execute("SELECT count(*), sum(billed_cost) FROM billed_lines "
                                     f"WHERE {rows_of_file}").fetchone()
        assert n == len(rows), kind
        assert cost == pytest.approx(want, abs=1e-6), kind
