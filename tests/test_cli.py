"""The ccf-py command line, run as a real subprocess (exit codes, stderr, files)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import write_cur

FIX = Path(__file__).parent / "fixtures"


def ccf(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ccf_py.cli", *args], cwd=cwd,
                          capture_output=True, text=True, env={**os.environ, **(env or {})},
                          timeout=120)


@pytest.fixture
def loaded(tmp_path):
    r = ccf("--db", "x.duckdb", "ingest", "aws-cur", str(FIX / "aws_cur_legacy_sample.csv.gz"),
            cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "loaded 1281 rows" in r.stdout
    return tmp_path


def test_help_on_every_command(tmp_path):
    for args in ([], ["ingest"], ["ingest", "aws-cur"], ["report"], ["demo"]):
        r = ccf(*args, "--help", cwd=tmp_path)
        assert r.returncode == 0 and "Usage:" in r.stdout, args


def _commands(group, path=()):  # noqa: ANN001, ANN202 - click objects
    import click

    for name, cmd in group.commands.items():
        yield (*path, name), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*path, name))


def test_every_commands_help_has_an_example_and_says_what_ccf_mode_fixes():
    from click.testing import CliRunner

    from ccf_py.cli import main

    found = list(_commands(main))
    assert len(found) >= 10
    for path, cmd in found:
        r = CliRunner().invoke(main, [*path, "--help"], terminal_width=200)
        assert r.exit_code == 0, path
        assert "Example:" in r.stdout, f"ccf-py {' '.join(path)} --help has no example"
        if any(p.name == "methodology" for p in cmd.params):
            assert "except the S3 *ByteHrs unit bug" in " ".join(r.stdout.split()), path


def test_report_csv_columns_and_totals(loaded):
    r = ccf("--db", "x.duckdb", "report", "--by", "service,region", "--format", "csv",
            cwd=loaded)
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert list(rows[0]) == ["service", "region", "cost", "energy_kwh", "gpu_energy_kwh",
                             "co2e_operational_kg", "co2e_embodied_kg", "co2e_total_kg"]
    for row in rows:
        assert 0 <= float(row["gpu_energy_kwh"]) <= float(row["energy_kwh"])
        total = float(row["co2e_operational_kg"]) + float(row["co2e_embodied_kg"])
        assert float(row["co2e_total_kg"]) == pytest.approx(total)
    assert round(sum(float(x["cost"]) for x in rows), 2) == 1.68


def test_report_json_to_file_and_env_db(loaded):
    r = ccf("report", "--by", "usage_class", "--format", "json", "--out", "o.json",
            "--methodology", "ccf", cwd=loaded, env={"CCF_PY_DB": "x.duckdb"})
    assert r.returncode == 0, r.stderr
    data = json.loads((loaded / "o.json").read_text())
    assert {d["usage_class"] for d in data["rows"]} >= {"storage", "network", "non_usage"}
    assert data["methodology"] == "ccf" and data["notes"][0].startswith("Methodology 'ccf'")


def test_default_db_file_in_cwd(tmp_path):
    f = write_cur(tmp_path / "a.csv", [{"start": "2026-10-01T00:00:00Z", "service": "AmazonEC2",
                                        "usage_type": "BoxUsage:m5.large", "unit": "Hrs",
                                        "amount": "1", "cost": "0.096"}])
    env = {k: v for k, v in os.environ.items() if k != "CCF_PY_DB"}
    r = subprocess.run([sys.executable, "-m", "ccf_py.cli", "ingest", "aws-cur", str(f)],
                       cwd=tmp_path, capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "ccf.duckdb").exists()


@pytest.mark.parametrize("args, needle", [
    (["report", "--by", "colour"], "unknown key"),
    (["report", "--month", "2023/11"], "expected YYYY-MM"),
    (["ingest", "aws-cur", "nope/*.csv"], "nope/*.csv"),
])
def test_errors_are_one_line_without_traceback(loaded, args, needle):
    r = ccf("--db", "x.duckdb", *args, cwd=loaded)
    assert r.returncode != 0
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0], r.stderr
    assert "Traceback" not in r.stderr


def test_bad_file_is_one_line_and_debug_shows_traceback(loaded):
    bad = write_cur(loaded / "bad.csv", [{"start": "2026-10-01T00:00:00Z", "service": "AmazonEC2",
                                         "usage_type": "BoxUsage:m5.large", "unit": "Hrs",
                                         "amount": "1", "cost": "ten"}])
    before = _rows(loaded / "x.duckdb")
    r = ccf("--db", "x.duckdb", "ingest", "aws-cur", str(bad), cwd=loaded)
    assert r.returncode == 1
    err = [ln for ln in r.stderr.splitlines() if ln.startswith("Error")]
    assert len(err) == 1 and "bad.csv, line 2, column 'lineItem/UnblendedCost'" in err[0]
    assert "Traceback" not in r.stderr
    assert _rows(loaded / "x.duckdb") == before
    r3 = ccf("--db", "x.duckdb", "--debug", "ingest", "aws-cur", str(bad), cwd=loaded)
    assert r3.returncode != 0 and "Traceback" in r3.stderr
    assert _rows(loaded / "x.duckdb") == before


def _rows(db: Path) -> list[tuple]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT * FROM billed_lines ORDER BY ALL").fetchall() + \
            con.execute("SELECT * FROM ingest_log ORDER BY ALL").fetchall()
    finally:
        con.close()


def test_tag_grouping(tmp_path):
    header = ["lineItem/UsageStartDate", "lineItem/LineItemType", "lineItem/ProductCode",
              "lineItem/UsageType", "pricing/unit", "lineItem/UsageAmount",
              "lineItem/UnblendedCost", "product/region", "resourceTags/user:team"]
    rows = [{"start": "2026-10-01T00:00:00Z", "service": "AmazonEC2",
             "usage_type": "BoxUsage:m5.large", "unit": "Hrs", "amount": "1", "cost": "0.1",
             "region": "us-east-1", "resourceTags/user:team": t} for t in ("a", "b", "b", "")]
    f = write_cur(tmp_path / "t.csv", rows, header)
    assert ccf("--db", "t.duckdb", "ingest", "aws-cur", str(f), cwd=tmp_path).returncode == 0
    r = ccf("--db", "t.duckdb", "report", "--by", "tag:team", "--format", "json", cwd=tmp_path)
    data = {d["tag:team"]: d for d in json.loads(r.stdout)["rows"]}
    assert set(data) == {"a", "b", ""}
    assert data["b"]["energy_kwh"] == pytest.approx(2 * data["a"]["energy_kwh"])


def _hash(path: Path) -> bytes:
    import hashlib

    return hashlib.sha256(path.read_bytes()).digest()


def test_db_that_is_not_a_ccf_py_database_is_named_and_left_alone(tmp_path):
    import duckdb

    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE t (a INTEGER)")
    con.close()
    sample = FIX / "aws_cur_legacy_sample.csv"
    before = _hash(other)
    r = ccf("--db", str(other), "report", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.strip() == (f"Error: {other}: not a ccf_py database (it has no billed_lines "
                                "table); load billing data with 'ccf-py ingest PATH', or "
                                "give the right --db")
    r = ccf("--db", str(other), "ingest", "aws-cur", str(sample), cwd=tmp_path)
    assert r.returncode == 1 and "a DuckDB database ccf_py did not create (tables: t)" in r.stderr
    assert _hash(other) == before
    r = ccf("--db", str(sample), "report", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.strip().startswith(f"Error: {sample}: not a ccf_py database (not a DuckDB "
                                       "file;")


def test_report_prints_how_the_co2e_was_estimated(loaded):
    r = ccf("--db", "x.duckdb", "report", "--format", "json", cwd=loaded)
    assert r.returncode == 0
    json.loads(r.stdout)  # stdout stays machine-readable
    # the sample CUR has no EC2: 90 % of its usage cost gets no estimate, which comes first
    assert r.stderr.startswith("Only 10% of the usage cost could be estimated: ")
    assert "Of the CO2e found, " in r.stderr and "extrapolated from cost ratios" in r.stderr


def test_a_tag_no_line_carries_is_said(loaded, tmp_path):
    r = ccf("--db", "x.duckdb", "report", "--by", "tag:no_such_tag", cwd=loaded)
    assert r.returncode == 0, r.stderr
    # the terminal table ends with its notes
    notes = r.stdout.split("\nNotes:\n", 1)[1]
    assert "- No billed line carries the tag 'no_such_tag'; tags in the bills: none." in notes
    from ccf_py import api
    from ccf_py.demo import demo_file

    with api.open_db(tmp_path / "tags.duckdb") as db:  # the demo CUR has team/env tags
        api.ingest_aws_cur(db, [str(demo_file())])
        assert not any("No billed line" in n for n in api.report(db, by="tag:team").notes)
        note = next(n for n in api.report(db, by="tag:tema").notes if "No billed line" in n)
        assert "'tema'" in note and "team" in note


def test_monthly_report_of_ones_own_database(tmp_path):
    """`ccf-py monthly`: the page `demo` writes, for any database; the same numbers as the
    demo's own report of the same bills."""
    from ccf_py.demo import demo_file

    db_path = tmp_path / "own.duckdb"  # every bundled bill, September and October
    files = [str(p) for p in sorted(demo_file().parent.glob("*_demo_2026-*.gz"))]
    assert len(files) == 6
    assert ccf("--db", str(db_path), "ingest", *files, cwd=tmp_path).returncode == 0
    units = str(demo_file("demo_units_2026-10.csv"))  # the demo's SCI table has its R
    r = ccf("--db", str(db_path), "monthly", "--month", "2026-10", "--units", units,
            cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    kept = (Path(__file__).resolve().parent.parent / "reports" / "example" / "report.md")
    assert r.stdout == kept.read_text(encoding="utf-8")   # the demo's page, byte for byte
    r = ccf("--db", str(db_path), "monthly", "--format", "html", "--out", "m.html",
            cwd=tmp_path)
    assert r.returncode == 0 and "wrote m.html" in r.stderr
    html = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert html.count("<svg") >= 3 and "October 2026" in html
    r = ccf("--db", str(db_path), "monthly", "--month", "2025-01", cwd=tmp_path)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "2025-01" in r.stderr
