"""Software Carbon Intensity (``ccf-py sci``, ``api.sci``, ``api.sci_df``).

Expected values are hand calculations from the SCI 1.1 specification (Green Software
Foundation, ISO/IEC 21031:2024; github.com/Green-Software-Foundation/sci, SPEC.md), from the
coefficient CSV files read here with the csv module, or from ``api.report`` totals and the
units the tests write: never from ccf_py.sci's own arithmetic.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ccf_py import api, sci
from ccf_py import db as dbmod
from ccf_py.errors import ConfigError, InputError
from ccf_py.model import ReportTable
from ccf_py.report.sci_render import format_sig
from tests.helpers import LEGACY_HEADER, write_cur

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures"
COEF = ROOT / "coefficients"
HOURS_4_YEARS = 4 * 365 * 24  # SCI spec's example lifespan, 35,040 h


def ccf(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ccf_py.cli", *args], cwd=cwd,
                          capture_output=True, text=True, env=dict(os.environ), timeout=120)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def coef_rows(name: str) -> list[dict]:
    with (COEF / f"{name}.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def two_clouds(tmp_path_factory) -> Path:
    """AWS CUR sample (2023-11) and a GCP standard export (2026-06) in one database."""
    d = tmp_path_factory.mktemp("sci")
    r = ccf("--db", "x.duckdb", "ingest", str(FIX / "aws_cur_legacy_sample.csv.gz"),
            str(FIX / "gcp" / "gcp_input.jsonl"), cwd=d)
    assert r.returncode == 0, r.stderr
    return d


@pytest.fixture(scope="module")
def m5_hours(tmp_path_factory) -> Path:
    """One m5.large hour in us-east-1 in each of two accounts billed in USD and EUR."""
    d = tmp_path_factory.mktemp("sci-m5")
    row = dict(start="2026-10-01T00:00:00Z", service="AmazonEC2",
               usage_type="BoxUsage:m5.large", unit="Hrs", amount="1", vcpu="2",
               region="us-east-1")
    write_cur(d / "cur.csv", [
        {**row, "account": "111111111111", "cost": "0.096", "lineItem/CurrencyCode": "USD"},
        {**row, "account": "222222222222", "cost": "0.090", "lineItem/CurrencyCode": "EUR"},
    ], LEGACY_HEADER + ["lineItem/CurrencyCode"])
    r = ccf("--db", "m5.duckdb", "ingest", "aws-cur", "cur.csv", cwd=d)
    assert r.returncode == 0, r.stderr
    return d


def report_by(db_path: Path, by: tuple[str, ...], month: str, **kw) -> dict[tuple, dict]:
    """api.report rows keyed by their key values (currency summed away, as SCI has no cost)."""
    with api.open_db(db_path, read_only=True) as db:
        table = api.report(db, by=by, month=month, **kw)
    out: dict[tuple, dict] = {}
    for row in table.as_dicts():
        acc = out.setdefault(tuple(row[k] for k in by), {"e": 0.0, "o": 0.0, "m": 0.0})
        acc["e"] += row["energy_kwh"]
        acc["o"] += row["co2e_operational_kg"]
        acc["m"] += row["co2e_embodied_kg"]
    return out


# --- the SCI specification's worked example and hand calculations -------------------------------

def test_spec_embodied_example_with_ccf_py_macro():
    """SCI 1.1, 'Embodied emissions': 1,000 kg over four years, reserved one hour =
    1000 x 1 / (4 x 365 x 24) kg = 28.5388 g, through the SQL macro the estimates use."""
    con = dbmod.connect(":memory:")
    try:
        te_kg, hours, lifespan = 1000.0, 1.0, float(HOURS_4_YEARS)
        whole = con.execute("SELECT ccf_embodied_kg(?, ?, ?, 1, 1) * 1000",
                            [te_kg, hours, lifespan]).fetchone()[0]
        share = con.execute("SELECT ccf_embodied_kg(?, ?, ?, 2, 96) * 1000",
                            [te_kg, hours, lifespan]).fetchone()[0]
    finally:
        con.close()
    assert whole == pytest.approx(28.5388, abs=5e-5)
    assert share == pytest.approx(28.5388 * 2 / 96, abs=5e-6)  # RR / ToR = 2 of 96 vCPUs


def test_lifespan_of_every_provider_is_the_specs_four_years():
    lifespans = [float(r["value"]) for r in coef_rows("constants")
                 if r["key"] == "server_lifespan_hours"]
    assert lifespans and all(v == HOURS_4_YEARS for v in lifespans)


def test_sci_arithmetic_by_hand():
    # E = 2 kWh at I = 400 g/kWh -> O = 800 g; M = 28.5388 g; R = 100 requests
    o = sci.operational_g(2.0, 400.0)
    assert o == 800.0
    assert sci.sci_value(o, 28.5388, 100) == pytest.approx(8.285388)
    assert sci.intensity(1600.0, 4.0) == 400.0
    assert sci.intensity(0.0, 0.0) is None
    for bad in (0, -1, math.nan, math.inf):
        with pytest.raises(ValueError):
            sci.sci_value(1.0, 1.0, bad)


def test_build_weights_intensity_by_energy():
    """Two usage classes of one service: 1 kWh at 100 g/kWh and 3 kWh at 500 g/kWh give
    I = (1 x 100 + 3 x 500) / 4 = 400 g/kWh, not the plain mean 300."""
    cols = ("service", "usage_class")
    rows = (("api", "compute", 1.0, 1.0, 0.0, 0.100, 1000 / HOURS_4_YEARS, 0.0),
            ("api", "storage", 1.0, 3.0, 0.0, 1.500, 0.0, 1.5),
            ("api", "non_usage", -5.0, 0.0, 0.0, 0.0, 0.0, 0.0))
    table = ReportTable(cols, rows, "default", "2026-10")
    units = sci.UnitsFile("u.csv", ("service",),
                          (sci.UnitsRow("2026-10", ("api",), "requests", 100.0, 2),))
    out = sci.build(("service",), {"2026-10": table}, "default", units)
    (row,) = out.rows
    assert row.energy_kwh == 4.0
    assert row.intensity_gco2e_per_kwh == pytest.approx(400.0)
    assert row.operational_gco2e == pytest.approx(1600.0)
    assert row.embodied_gco2e == pytest.approx(28.5388, abs=5e-5)
    assert row.sci_gco2e_per_unit == pytest.approx((1600 + 28.5388) / 100, abs=1e-6)


def test_numbers_for_people_have_significant_digits():
    assert format_sig(0.000959123) == "0.000959"
    assert format_sig(0.15749) == "0.157"
    assert format_sig(55.3739) == "55.4"
    assert format_sig(148829.29) == "148,829"
    assert format_sig(0) == "0"
    assert format_sig(None) == ""


# --- end to end on the fixtures -------------------------------------------------------------------

def test_cli_sci_matches_report_totals_and_written_units(two_clouds):
    d = two_clouds
    units = {("2026-06", "Compute Engine"): 1_250_000.0, ("2026-06", "Cloud Storage"): 40_000.0,
             ("2026-06", "BigQuery"): 3_400.0, ("2023-11", "AmazonS3"): 72_000.0}
    lines = ["month,service,functional_unit,units"]
    lines += [f"{m},{s},requests,{int(r)}" for (m, s), r in units.items()]
    write(d / "units.csv", "\n".join(lines) + "\n")
    r = ccf("--db", "x.duckdb", "sci", "--units", "units.csv", "--format", "csv", cwd=d)
    assert r.returncode == 0, r.stderr
    got = list(csv.DictReader(io.StringIO(r.stdout)))
    assert list(got[0]) == ["month", "service", "functional_unit", "units", "energy_kwh",
                            "intensity_gco2e_per_kwh", "operational_gco2e", "embodied_gco2e",
                            "sci_gco2e_per_unit"]
    assert {row["month"] for row in got} == {"2023-11", "2026-06"}  # no --month: the file's
    for month in ("2023-11", "2026-06"):
        expected = report_by(d / "x.duckdb", ("service",), month)
        shown = {row["service"]: row for row in got if row["month"] == month}
        for (service,), tot in expected.items():
            if not (tot["e"] or tot["o"] or tot["m"]) and (month, service) not in units:
                assert service not in shown  # no emissions, no R: left out (boundary says)
                continue
            row = shown[service]
            assert float(row["energy_kwh"]) == pytest.approx(tot["e"], rel=1e-9)
            assert float(row["operational_gco2e"]) == pytest.approx(tot["o"] * 1000, rel=1e-9)
            assert float(row["embodied_gco2e"]) == pytest.approx(tot["m"] * 1000, rel=1e-9,
                                                                 abs=1e-12)
            if tot["e"]:
                assert float(row["intensity_gco2e_per_kwh"]) == pytest.approx(
                    tot["o"] * 1000 / tot["e"], rel=1e-9)
            r_units = units.get((month, service))
            if r_units is None:
                assert row["units"] == row["sci_gco2e_per_unit"] == row["functional_unit"] == ""
            else:
                assert float(row["units"]) == r_units
                assert float(row["sci_gco2e_per_unit"]) == pytest.approx(
                    (tot["o"] + tot["m"]) * 1000 / r_units, rel=1e-9)
    # the notes go to stderr with CSV: the missing R, by name, and the boundary
    assert "No units (R) in units.csv" in r.stderr and "2026-06 Cloud SQL" in r.stderr
    assert "2026-06 Compute Engine" not in r.stderr.split("No units (R)")[1].split("\n")[0]
    assert "Software boundary" in r.stderr and "location-based" in r.stderr
    assert "Of the CO2e," in r.stderr  # the confidence line


def test_worked_example_one_m5_large_hour(m5_hours):
    """One m5.large hour in us-east-1 per account: I is the region's grid factor and M is
    SCI's TE x TiR/EL x RR/ToR from the coefficient files, by hand; R = 1,000 requests."""
    grid = next(float(r["gco2e_per_kwh"]) for r in coef_rows("grid_intensity")
                if r["provider"] == "aws" and r["region"] == "us-east-1")
    m5 = next(r for r in coef_rows("instance_types")
              if r["provider"] == "aws" and r["instance_type"] == "m5.large")
    life = next(float(r["value"]) for r in coef_rows("constants")
                if r["provider"] == "aws" and r["key"] == "server_lifespan_hours")
    m_g = float(m5["embodied_kg"]) * (1 / life) * (float(m5["vcpus"])
                                                 / float(m5["family_largest_vcpus"])) * 1000
    assert m_g == pytest.approx(1610.3792 / 35040 * 2 / 96 * 1000)  # the file's own numbers
    write(m5_hours / "u.csv", "month,account,functional_unit,units\n"
          "2026-10,111111111111,requests,1000\n2026-10,222222222222,requests,1000\n")
    with api.open_db(m5_hours / "m5.duckdb", read_only=True) as db:
        table = api.sci(db, m5_hours / "u.csv")
    assert table.keys == ("account",)
    energy = report_by(m5_hours / "m5.duckdb", ("account",), "2026-10")
    for row in table.rows:
        e = energy[row.keys]["e"]
        assert row.intensity_gco2e_per_kwh == pytest.approx(grid)
        assert row.embodied_gco2e == pytest.approx(m_g)
        assert row.sci_gco2e_per_unit == pytest.approx((e * grid + m_g) / 1000)


def test_costs_in_two_currencies_are_one_service(m5_hours):
    """report groups by currency when the bills have two; SCI has no cost and sums them."""
    with api.open_db(m5_hours / "m5.duckdb", read_only=True) as db:
        table = api.sci(db)
        by_currency = api.report(db, by=("service",), month="2026-10")
    assert by_currency.keys == ("currency", "service") and len(by_currency.rows) == 2
    (row,) = table.rows
    assert row.keys == ("AmazonEC2",)
    assert row.embodied_gco2e == pytest.approx(
        sum(r["co2e_embodied_kg"] for r in by_currency.as_dicts()) * 1000)
    assert not any("currenc" in n for n in table.notes)


def test_without_units_every_row_has_e_i_o_m_and_one_note(two_clouds):
    with api.open_db(two_clouds / "x.duckdb", read_only=True) as db:
        table = api.sci(db, month="2026-06")
    assert table.months == ("2026-06",) and table.rows
    for row in table.rows:
        assert row.units is None and row.sci_gco2e_per_unit is None
        assert row.functional_unit is None
        assert row.energy_kwh > 0 and row.intensity_gco2e_per_kwh > 0
    assert sum("ccf-py sci --units FILE" in n for n in table.notes) == 1
    assert "Invoice" in table.boundary.left_out  # tax only: no emissions, not a row


def test_month_filters_the_units_file(two_clouds):
    write(two_clouds / "both.csv", "month,service,functional_unit,units\n"
          "2023-11,AmazonS3,requests,10\n2026-06,BigQuery,queries,20\n")
    with api.open_db(two_clouds / "x.duckdb", read_only=True) as db:
        table = api.sci(db, two_clouds / "both.csv", month="2026-06")
    assert {r.month for r in table.rows} == {"2026-06"}
    (bq,) = [r for r in table.rows if r.keys == ("BigQuery",)]
    assert bq.units == 20 and bq.functional_unit == "queries"


def test_tag_key(two_clouds):
    d = two_clouds
    write(d / "apps.csv", "month,tag:app,functional_unit,units\n"
          "2026-06,api,requests,500000\n2026-06,storefront,orders,1200\n")
    r = ccf("--db", "x.duckdb", "sci", "--units", "apps.csv", "--by", "tag:app",
            "--format", "json", cwd=d)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    expected = report_by(d / "x.duckdb", ("tag:app",), "2026-06")
    rows = {row["tag:app"]: row for row in doc["rows"]}
    for app, n in (("api", 500000), ("storefront", 1200)):
        tot = expected[(app,)]
        assert rows[app]["sci_gco2e_per_unit"] == pytest.approx((tot["o"] + tot["m"]) * 1000 / n)
    assert rows[""]["units"] is None and rows[""]["sci_gco2e_per_unit"] is None  # untagged
    assert doc["boundary"]["services_per_key"]["api"]  # which services each app holds
    assert set(doc) >= {"notes", "boundary", "methodology", "period", "ccf_py_version"}
    assert doc["period"] == "2026-06" and doc["methodology"] == "default"


def test_provider_key_tells_clouds_apart(two_clouds):
    d = two_clouds
    write(d / "prov.csv", "month,provider,service,functional_unit,units\n"
          "2026-06,gcp,Compute Engine,requests,1000\n2023-11,aws,AmazonS3,requests,1000\n")
    with api.open_db(d / "x.duckdb", read_only=True) as db:
        table = api.sci(db, d / "prov.csv")
    assert table.keys == ("provider", "service")
    got = {(r.month, *r.keys): r for r in table.rows}
    tot = report_by(d / "x.duckdb", ("provider", "service"), "2026-06")[("gcp", "Compute Engine")]
    assert got[("2026-06", "gcp", "Compute Engine")].sci_gco2e_per_unit == pytest.approx(
        (tot["o"] + tot["m"]) * 1000 / 1000)
    write(d / "wrong.csv", "month,provider,service,functional_unit,units\n"
          "2026-06,gcp,AmazonS3,requests,1000\n")
    with api.open_db(d / "x.duckdb", read_only=True) as db, pytest.raises(InputError) as exc:
        api.sci(db, d / "wrong.csv")
    assert "wrong.csv, line 2, column 'service'" in str(exc.value)


def test_gcp_rows_are_location_based_never_cfe(two_clouds):
    """SCI excludes market-based measures: GCP rows use the location-based grid factors
    (report without --gcp-cfe), which differ from Google's CFE-adjusted ones here."""
    d = two_clouds
    loc = report_by(d / "x.duckdb", ("service",), "2026-06")
    cfe = report_by(d / "x.duckdb", ("service",), "2026-06", gcp_cfe=True)
    with api.open_db(d / "x.duckdb", read_only=True) as db:
        table = api.sci(db, month="2026-06")
    ce = next(r for r in table.rows if r.keys == ("Compute Engine",))
    assert cfe[("Compute Engine",)]["o"] < loc[("Compute Engine",)]["o"]  # the test can fail
    assert ce.operational_gco2e == pytest.approx(loc[("Compute Engine",)]["o"] * 1000)
    assert not any("carbon-free" in n for n in table.notes)


def test_by_is_inferred_or_must_match(two_clouds):
    d = two_clouds
    write(d / "acc.csv", "month,account,functional_unit,units\n"
          "2026-06,orbit-ml-883051,training runs,4\n")
    with api.open_db(d / "x.duckdb", read_only=True) as db:
        assert api.sci(db, d / "acc.csv").keys == ("account",)
        with pytest.raises(ConfigError, match="does not match the key columns"):
            api.sci(db, d / "acc.csv", by="service")
        with pytest.raises(ConfigError, match="SCI is per"):
            api.sci(db, by="region")


def test_units_file_bom_blank_lines_and_header_spacing(two_clouds):
    d = two_clouds
    (d / "bom.csv").write_bytes("\ufeffMonth , Service,functional_unit,Units\r\n\r\n"
                                "2026-06,BigQuery,queries,3400\r\n\r\n".encode())
    with api.open_db(d / "x.duckdb", read_only=True) as db:
        table = api.sci(db, d / "bom.csv")
    (bq,) = [r for r in table.rows if r.keys == ("BigQuery",)]
    assert bq.units == 3400


def test_table_and_markdown_carry_boundary_and_notes(two_clouds):
    d = two_clouds
    write(d / "u1.csv", "month,service,functional_unit,units\n2026-06,Networking,GB,7\n")
    for fmt in ("table", "md"):
        r = ccf("--db", "x.duckdb", "sci", "--units", "u1.csv", "--format", fmt, cwd=d)
        assert r.returncode == 0, r.stderr
        assert "Software boundary" in r.stdout and "No units (R)" in r.stdout
        assert "Of the CO2e," in r.stdout
        assert "e-0" not in r.stdout and "e+0" not in r.stdout  # no 9.59e-04 for people
    r = ccf("--db", "x.duckdb", "sci", "--units", "u1.csv", "--format", "md", "--out",
            "sci.md", cwd=d)
    assert r.returncode == 0 and "wrote sci.md" in r.stderr
    assert "| Networking | GB | 7 |" in (d / "sci.md").read_text()


def test_help_has_an_example(tmp_path):
    r = ccf("sci", "--help", cwd=tmp_path)
    assert r.returncode == 0 and "Example:" in r.stdout and "--units" in r.stdout


# --- bad units files -----------------------------------------------------------------------------

HEAD = "month,service,functional_unit,units\n"


@pytest.mark.parametrize("text, where, needle", [
    (HEAD + "2026-06,Compute Engin,requests,5\n", "line 2, column 'service'", "no billed rows"),
    (HEAD + "2026-06,BigQuery,q,1\n2026-05,BigQuery,q,1\n", "line 3, column 'month'",
     "not loaded"),
    (HEAD + "2026-06,BigQuery,q,-5\n", "line 2, column 'units'", "negative"),
    (HEAD + "2026-06,BigQuery,q,0\n", "line 2, column 'units'", "units is 0"),
    (HEAD + "2026-06,BigQuery,q,lots\n", "line 2, column 'units'", "not a number"),
    (HEAD + "2026-06,BigQuery,q,nan\n", "line 2, column 'units'", "not a number"),
    (HEAD + '2026-06,BigQuery,q,"1,000"\n', "line 2, column 'units'", "not a number"),
    ("month,service,units\n2026-06,BigQuery,5\n", "line 1", "missing column(s) functional_unit"),
    ("month,functional_unit,units\n2026-06,q,5\n", "line 1", "no key column"),
    ("month,region,functional_unit,units\n2026-06,us,q,5\n", "line 1", "'region'"),
    ("month,service,service,functional_unit,units\n", "line 1", "appears twice"),
    ("month;service;functional_unit;units\n2026-06;BigQuery;q;1\n", "line 1", "not ';'"),
    (HEAD + "2026-06,BigQuery,q,1\n2026-06,BigQuery,users,2\n", "line 3",
     "duplicate row: 2026-06 BigQuery is already given on line 2"),
    (HEAD + "2026-06,BigQuery,q,1,9\n", "line 2", "expected 4 fields, found 5"),
    (HEAD + "2026-6,BigQuery,q,1\n", "line 2, column 'month'", "expected YYYY-MM"),
    (HEAD + "2026-06,,q,1\n", "line 2, column 'service'", "empty service"),
    (HEAD + "2026-06,BigQuery,,1\n", "line 2, column 'functional_unit'", "empty"),
    ("", "bad.csv:", "empty file"),
    (HEAD, "bad.csv:", "no rows"),
])
def test_bad_units_file_is_one_line_naming_file_and_row(two_clouds, text, where, needle):
    d = two_clouds
    write(d / "bad.csv", text)
    before = hashlib.sha256((d / "x.duckdb").read_bytes()).hexdigest()
    r = ccf("--db", "x.duckdb", "sci", "--units", "bad.csv", cwd=d)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("Error: bad.csv") and where in lines[0], lines[0]
    assert needle in lines[0]
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert hashlib.sha256((d / "x.duckdb").read_bytes()).hexdigest() == before


def test_missing_units_file_and_by_mismatch_are_one_line(two_clouds):
    r = ccf("--db", "x.duckdb", "sci", "--units", "nope.csv", cwd=two_clouds)
    assert r.returncode == 1 and r.stderr.strip() == "Error: nope.csv: no such units file"
    write(two_clouds / "s.csv", HEAD + "2026-06,BigQuery,q,1\n")
    r = ccf("--db", "x.duckdb", "sci", "--units", "s.csv", "--by", "account", cwd=two_clouds)
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1
    assert "does not match the key columns of s.csv (service)" in r.stderr


def test_unknown_tag_value_names_the_row(two_clouds):
    write(two_clouds / "t.csv", "month,tag:app,functional_unit,units\n"
          "2026-06,api,requests,5\n2026-06,checkout,requests,5\n")
    with api.open_db(two_clouds / "x.duckdb", read_only=True) as db, \
            pytest.raises(InputError) as exc:
        api.sci(db, two_clouds / "t.csv")
    assert f"{two_clouds / 't.csv'}, line 3, column 'tag:app'" in str(exc.value)
    assert "api, storefront" in str(exc.value)  # the values there are


# --- pandas ---------------------------------------------------------------------------------------

def test_sci_df_matches_sci(two_clouds):
    pd = pytest.importorskip("pandas")
    write(two_clouds / "df.csv", HEAD + "2026-06,BigQuery,queries,3400\n")
    with api.open_db(two_clouds / "x.duckdb", read_only=True) as db:
        table = api.sci(db, two_clouds / "df.csv")
        frame = api.sci_df(db, two_clouds / "df.csv")
    assert isinstance(frame, pd.DataFrame)
    assert tuple(frame.columns) == table.columns and len(frame) == len(table.rows)
    by_service = {got["service"]: got for _, got in frame.iterrows()}
    for row in table.rows:
        got = by_service[row.keys[0]]
        # two queries: DuckDB's parallel sums may differ in the last bits
        assert got["operational_gco2e"] == pytest.approx(row.operational_gco2e, rel=1e-12)
        if row.sci_gco2e_per_unit is None:
            assert math.isnan(got["sci_gco2e_per_unit"]) and math.isnan(got["units"])
        else:
            assert got["sci_gco2e_per_unit"] == pytest.approx(row.sci_gco2e_per_unit,
                                                              rel=1e-12)
    assert frame["sci_gco2e_per_unit"].dtype == "float64"
    assert frame.attrs["period"] == "2026-06" and frame.attrs["notes"] == list(table.notes)
    assert "location-based" in frame.attrs["boundary"]["grid_factors"]


def test_sci_df_without_pandas_is_a_config_error(two_clouds, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas -> ImportError
    with api.open_db(two_clouds / "x.duckdb", read_only=True) as db, \
            pytest.raises(ConfigError, match=r"pip install 'ccf-py\[pandas\]'"):
        api.sci_df(db)
