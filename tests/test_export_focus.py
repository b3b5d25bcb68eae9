"""``ccf-py export focus``: every billed line once, as FOCUS columns plus carbon columns; the
files are read back with pyarrow and the csv module, never through ccf_py, and checked
against the source files' own rows and ids and against ``api.report``."""

from __future__ import annotations

import csv
import gzip
import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from ccf_py import api
from ccf_py.demo import AZURE_DEMO_FILE, DEMO_FILE, GCP_DEMO_FILE, demo_file
from ccf_py.finops import focus_export

FIX = Path(__file__).parent / "fixtures"
LEGACY = FIX / "aws_cur_legacy_sample.csv"
GCP_FLAT = FIX / "gcp" / "gcp_detailed_export_synth_flat_psofinopsagent.csv"
AZURE = FIX / "azure" / "finopstoolkit_EA_ActualCost_Small.csv"
FOCUS = FIX / "focus" / "focus_1.0_sample_subset.csv"
DEMO = {"aws": demo_file(DEMO_FILE), "gcp": demo_file(GCP_DEMO_FILE),
        "azure": demo_file(AZURE_DEMO_FILE)}
SOURCES = [LEGACY, GCP_FLAT, AZURE, FOCUS, *DEMO.values()]
# FOCUS's spelling of the providers (FOCUS_Spec appendix, origination of cost data)
PROVIDER = {"aws": "AWS", "gcp": "Google Cloud", "azure": "Microsoft", "oci": "Oracle"}
CARBON = ("x_EnergyKWh", "x_GpuEnergyKWh", "x_OperationalCO2eKg", "x_EmbodiedCO2eKg")
# FOCUS 1.2 mandatory columns (FinOps Foundation focus_validator, rules/model-1.2.json:
# the column rules whose ids end in -M)
MANDATORY_12 = {
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency",
    "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeClass",
    "ChargeDescription", "ChargePeriodEnd", "ChargePeriodStart", "ContractedCost",
    "EffectiveCost", "InvoiceIssuerName", "ListCost", "PricingCategory", "PricingQuantity",
    "PricingUnit", "ProviderName", "PublisherName", "ServiceCategory", "ServiceName"}
NEW_IN_13 = {"AllocatedMethodDetails", "AllocatedMethodId", "AllocatedResourceId",
             "AllocatedResourceName", "AllocatedTags", "ContractApplied", "HostProviderName",
             "ServiceProviderName"}


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "x.duckdb"
    with api.open_db(path) as db:
        api.ingest_auto(db, [str(s) for s in SOURCES])
    return path


@pytest.fixture(scope="module")
def months(db_path):
    with api.open_db(db_path, read_only=True) as db:
        return api.available_months(db)


def export(db_path: Path, out: Path, month: str, **kw) -> list[dict]:
    with api.open_db(db_path, read_only=True) as db:
        res = api.export_focus(db, out, month=month, **kw)
    rows = read(out)
    assert res.rows == len(rows)
    return rows


def read(path: Path) -> list[dict]:
    """The exported rows, read without ccf_py: pyarrow for Parquet, csv for CSV (numbers of
    the FOCUS Decimal and carbon columns parsed as floats, empty cells as None)."""
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pylist()
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    numeric = {"BilledCost", "EffectiveCost", "ListCost", "ConsumedQuantity", *CARBON,
               "x_CarbonIntensityGPerKWh"}
    return [{k: (float(v) if k in numeric and v else (v or None)) for k, v in r.items()}
            for r in rows]


def _sum(rows: list[dict], col: str) -> float:
    return sum(r[col] or 0.0 for r in rows)


def test_every_month_reconciles_with_the_report(db_path, months, tmp_path):
    """Per month and methodology: one exported row per billed line; cost per provider and
    currency to the cent; energy and CO2e equal to ``report``'s (1e-9 relative)."""
    assert months == ["2023-09", "2023-11", "2024-09", "2026-03", "2026-04", "2026-05",
                      "2026-10"]
    for methodology in ("default", "ccf"):
        for month in months:
            rows = export(db_path, tmp_path / f"{month}-{methodology}.parquet", month,
                          methodology=methodology)
            with api.open_db(db_path, read_only=True) as db:
                lines = db.con.execute(
                    "SELECT count(*) FROM billed_lines WHERE strftime(billing_period_start, "
                    "'%Y-%m') = ?", [month]).fetchone()[0]
                table = api.report(db, by=("provider", "currency"), month=month,
                                   methodology=methodology)
            assert len(rows) == lines > 0
            cost = defaultdict(float)
            for r in rows:
                cost[(r["ProviderName"], r["BillingCurrency"])] += r["BilledCost"]
            expected = {(PROVIDER.get(p, p), c): v for p, c, v, *_ in table.rows}
            assert cost.keys() == expected.keys()
            for key, value in expected.items():
                assert abs(cost[key] - value) < 0.005, (month, key)
            totals = table.totals()
            for col, metric in zip(CARBON, ("energy_kwh", "gpu_energy_kwh",
                                            "co2e_operational_kg", "co2e_embodied_kg"),
                                   strict=True):
                assert _sum(rows, col) == pytest.approx(totals[metric], rel=1e-9, abs=1e-12)
            co2e = _sum(rows, "x_OperationalCO2eKg") + _sum(rows, "x_EmbodiedCO2eKg")
            assert co2e == pytest.approx(totals["co2e_total_kg"], rel=1e-9, abs=1e-12)
            assert {r["x_CarbonMethodology"] for r in rows} == {methodology}


def _source_lines() -> dict[str, tuple[int, float]]:
    """Each source file's own line count and cost, read with csv / json: a GCP line whose
    credits sum to non-zero is billed as two lines (the usage and its credits)."""
    out = {}

    def rows(path: Path) -> list[dict]:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
            if ".jsonl" in path.name:
                return [json.loads(line) for line in fh]
            return list(csv.DictReader(fh))

    def credits(r: dict) -> float:
        value = r.get("credits") or []
        return sum(c["amount"] for c in (json.loads(value) if isinstance(value, str)
                                         else value))

    for path, cost in ((LEGACY, "lineItem/UnblendedCost"), (DEMO["aws"], "lineItem/UnblendedCost"),
                       (AZURE, "Cost"), (DEMO["azure"], "Cost"), (FOCUS, "BilledCost")):
        got = rows(path)
        out[str(path)] = (len(got), sum(float(r[cost]) for r in got))
    for path in (GCP_FLAT, DEMO["gcp"]):
        got = rows(path)
        out[str(path)] = (len(got) + sum(1 for r in got if credits(r) != 0),
                          sum(float(r["cost"]) + credits(r) for r in got))
    return out


def test_each_source_line_is_exported_exactly_once(db_path, months, tmp_path):
    """Over all months, the rows of each source file are as many as the file's own lines and
    cost what the file says (so no line is missing, repeated or in two months)."""
    rows = [r for m in months for r in export(db_path, tmp_path / f"{m}.csv", m)]
    per_file = defaultdict(lambda: [0, 0.0])
    for r in rows:
        per_file[r["x_SourceFile"]][0] += 1
        per_file[r["x_SourceFile"]][1] += r["BilledCost"]
    expected = _source_lines()
    assert per_file.keys() == expected.keys()
    for name, (n, cost) in expected.items():
        assert per_file[name][0] == n, name
        assert per_file[name][1] == pytest.approx(cost, rel=1e-9, abs=1e-6), name


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def test_aws_line_ids_join_back_to_the_cur(db_path, tmp_path):
    """x_LineItemId is the CUR's identity/LineItemId: with the usage start, each exported row
    names exactly one CUR line, whose cost it carries."""
    with LEGACY.open(newline="", encoding="utf-8") as fh:
        cur = {(r["identity/LineItemId"], _utc(r["lineItem/UsageStartDate"])):
               float(r["lineItem/UnblendedCost"]) for r in csv.DictReader(fh)}
    assert len(cur) == 1281  # the pair is unique in this CUR
    rows = [r for r in export(db_path, tmp_path / "nov.parquet", "2023-11")]
    got = Counter((r["x_LineItemId"], r["ChargePeriodStart"]) for r in rows)
    assert set(got.values()) == {1}
    assert got.keys() == cur.keys()
    for r in rows:
        assert r["BilledCost"] == pytest.approx(cur[(r["x_LineItemId"], r["ChargePeriodStart"])])
    # the other providers' exports carry no line id (none exists in their files)
    others = export(db_path, tmp_path / "oct.parquet", "2026-10")
    assert {r["x_LineItemId"] is None for r in others if r["ProviderName"] != "AWS"} == {True}
    assert all(r["x_LineItemId"] for r in others if r["ProviderName"] == "AWS")


def test_cur_2_0_line_ids(tmp_path):
    path = FIX / "aws_cur2_sample.parquet"
    source = Counter(pq.read_table(path, columns=["identity_line_item_id"])
                     .column(0).to_pylist())
    with api.open_db(tmp_path / "c.duckdb") as db:
        api.ingest_aws_cur(db, [str(path)])
    rows = export(tmp_path / "c.duckdb", tmp_path / "c.csv", "2023-11")
    assert Counter(r["x_LineItemId"] for r in rows) == source
    assert len(source) == 388 and sum(source.values()) == 1281


def test_columns_of_focus_1_2_and_1_3(db_path, tmp_path):
    rows12 = export(db_path, tmp_path / "a.parquet", "2024-09")
    rows13 = export(db_path, tmp_path / "b.parquet", "2024-09", focus_version="1.3")
    cols12 = pq.read_schema(tmp_path / "a.parquet").names
    cols13 = pq.read_schema(tmp_path / "b.parquet").names
    focus12 = [c for c in cols12 if not c.startswith("x_")]
    # FOCUS columns come first, custom (x_) columns after (FOCUS column handling)
    assert cols12[:len(focus12)] == focus12 and len(focus12) == 57
    assert set(focus12) >= MANDATORY_12
    assert set(cols13) - set(cols12) == NEW_IN_13
    assert {"ProviderName", "PublisherName"} <= set(cols13)  # deprecated in 1.3, still required
    assert {"x_EnergyKWh", "x_GpuEnergyKWh", "x_OperationalCO2eKg", "x_EmbodiedCO2eKg",
            "x_CarbonIntensityGPerKWh", "x_CarbonEstimatePath", "x_CarbonMethodology",
            "x_LineItemId"} <= set(cols12)
    # Microsoft's FOCUS 1.2 export (finops-toolkit schema): every FOCUS column it has is
    # here, with a matching type
    ms = json.loads((FIX / "focus" / "finopstoolkit_focuscost_1.2.json").read_text())
    types = {m["source"]["name"]: m["source"]["type"] for m in ms["translator"]["mappings"]}
    schema = pq.read_schema(tmp_path / "a.parquet")
    kinds = {"Decimal": "double", "String": "string", "DateTimeOffset": "timestamp[us, tz=UTC]"}
    for name, typ in types.items():
        if not name.startswith("x_"):
            got = schema.field(name).type  # JSON columns: strings marked as JSON
            assert str(getattr(got, "storage_type", got)) == kinds[typ], name
    # 2024-09 holds AWS, Microsoft and Oracle rows of the FOCUS sample
    assert {r["ProviderName"] for r in rows12} == {"AWS", "Microsoft", "Oracle"}
    assert [r["ServiceProviderName"] for r in rows13] == [r["ProviderName"] for r in rows13]
    for r in rows13:
        assert all(r[c] is None for c in NEW_IN_13 - {"ServiceProviderName"})
        assert r["BillingPeriodStart"] == datetime(2024, 9, 1, tzinfo=UTC)
        assert r["BillingPeriodEnd"] == datetime(2024, 10, 1, tzinfo=UTC)


def test_csv_is_the_same_rows_with_iso_utc_times(db_path, tmp_path):
    parquet = export(db_path, tmp_path / "a.parquet", "2023-09")
    text = (tmp_path / "a.csv")
    rows = export(db_path, text, "2023-09")
    assert len(rows) == len(parquet) == 11
    with text.open(newline="") as fh:
        raw = list(csv.DictReader(fh))
    for r in raw:
        for col in ("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart"):
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r[col]), r[col]
    as_csv = sorted((r["BilledCost"], r["ChargePeriodStart"], r["ResourceId"] or "",
                     r["x_EnergyKWh"]) for r in rows)
    as_pq = sorted((r["BilledCost"], r["ChargePeriodStart"].strftime("%Y-%m-%dT%H:%M:%SZ"),
                    r["ResourceId"] or "", r["x_EnergyKWh"]) for r in parquet)
    assert [r[:3] for r in as_csv] == [r[:3] for r in as_pq]
    # two exports: ratios learned from parallel sums may differ in the last bit
    assert [r[3] for r in as_csv] == pytest.approx([r[3] for r in as_pq], rel=1e-12)
    tags = [json.loads(r["Tags"]) for r in raw if r["Tags"]]
    assert tags and all(isinstance(t, dict) for t in tags)


def test_the_export_loads_back_as_focus(db_path, tmp_path):
    """A FOCUS 1.3 export read by ccf_py's own FOCUS ingest: same lines, costs and accounts."""
    rows = export(db_path, tmp_path / "f.csv", "2023-11", focus_version="1.3")
    with api.open_db(tmp_path / "again.duckdb") as db:
        res = api.ingest_focus(db, [str(tmp_path / "f.csv")])
        back = db.con.execute("SELECT provider_name, billing_account_id, count(*), "
                              "sum(billed_cost) FROM billed_lines GROUP BY ALL").fetchall()
    assert res.rows == len(rows) == 1281
    assert [(p, a, n) for p, a, n, _ in back] == [("aws", "123412340534", 1281)]
    assert back[0][3] == pytest.approx(_sum(rows, "BilledCost"), rel=1e-12)


def test_parquet_carries_the_provenance(db_path, tmp_path):
    export(db_path, tmp_path / "a.parquet", "2023-11", methodology="ccf")
    meta = pq.read_metadata(tmp_path / "a.parquet").metadata
    assert meta[b"focus_version"] == b"1.2"
    assert meta[b"x_carbon_methodology"] == b"ccf"
    assert meta[b"x_billing_period"] == b"2023-11"


def ccf(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ccf_py.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("out, month, needle", [
    ("ok.parquet", "2025-01", "--month 2025-01: not loaded"),
    ("ok.xlsx", "2023-11", "unknown file type"),
    ("no/such/dir/ok.csv", "2023-11", "No such file or directory"),
    ("adir.csv", "2023-11", "is a directory"),
    ("afile/ok.csv", "2023-11", "Not a directory"),  # a folder that cannot be written in
    ("ok.csv", "2023/11", "expected YYYY-MM"),
])
def test_bad_input_is_one_line_and_leaves_no_file(db_path, tmp_path, out, month, needle):
    (tmp_path / "adir.csv").mkdir()
    (tmp_path / "afile").write_text("")
    before = sorted(os.listdir(tmp_path))
    r = ccf("--db", str(db_path), "export", "focus", "--month", month, "--out", out,
            cwd=tmp_path)
    assert r.returncode == 1
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0], r.stderr
    assert "Traceback" not in r.stderr
    assert sorted(os.listdir(tmp_path)) == before


def test_unwritable_folder(db_path, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as root: permissions do not stop writes")
        r = ccf("--db", str(db_path), "export", "focus", "--month", "2023-11", "--out",
                str(locked / "f.parquet"), cwd=tmp_path)
        assert r.returncode == 1 and "Permission denied" in r.stderr
        assert not os.listdir(locked)
    finally:
        locked.chmod(0o700)


def test_a_failed_copy_leaves_neither_file_nor_temporary(tmp_path):
    con = duckdb.connect()
    out = tmp_path / "f.parquet"
    with pytest.raises(duckdb.Error, match="boom"):
        focus_export.write(con, "SELECT error('boom') AS x FROM range(3)", out, {})
    assert not os.listdir(tmp_path)


def test_the_database_itself_is_refused(tmp_path):
    path = tmp_path / "bills.parquet"  # a DuckDB file, whatever its name
    with api.open_db(path) as db:
        api.ingest_aws_cur(db, [str(LEGACY)])
        size = path.stat().st_size
        with pytest.raises(api.ConfigError, match="that is the database"):
            api.export_focus(db, path, month="2023-11")
    assert path.stat().st_size >= size and path.read_bytes()[8:12] == b"DUCK"


def test_cli_writes_and_says_so(db_path, tmp_path):
    r = ccf("--db", str(db_path), "export", "focus", "--month", "2023-11", "--out",
            "n.csv", "--focus-version", "1.3", "--methodology", "ccf", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ("wrote 1281 rows of 2023-11 to n.csv (FOCUS 1.3, methodology "
                                "ccf)")
    assert [p.name for p in tmp_path.iterdir()] == ["n.csv"]


def test_a_database_from_before_the_line_id_exports_read_only(tmp_path):
    """A database written before x_line_id existed opens read-only unchanged; its export has
    the column, empty."""
    path = tmp_path / "old.duckdb"
    with api.open_db(path) as db:
        api.ingest_aws_cur(db, [str(LEGACY)])
    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE billed_lines DROP COLUMN x_line_id")
    con.close()
    rows = export(path, tmp_path / "o.parquet", "2023-11")
    assert len(rows) == 1281 and {r["x_LineItemId"] for r in rows} == {None}
    con = duckdb.connect(str(path), read_only=True)
    cols = {r[0] for r in con.execute("DESCRIBE billed_lines").fetchall()}
    con.close()
    assert "x_line_id" not in cols


@pytest.mark.parametrize("args", [["export"], ["export", "focus"], ["estimate"]])
def test_help_has_an_example(tmp_path, args):
    r = ccf(*args, "--help", cwd=tmp_path)
    assert r.returncode == 0 and "Example:" in r.stdout
    assert "ccf-py " + " ".join(args) in r.stdout.split("Example:")[1]


def test_the_export_carries_the_reports_notes(tmp_path):
    """The notes on the carbon columns go with the file: --notes FILE, stderr, and the
    Parquet metadata; they are the notes `report` gives for the month (same confidence line,
    same fallbacks), since both describe the same estimates."""
    import json as _json

    import pyarrow.parquet as pq
    from click.testing import CliRunner

    from ccf_py import api as ccf_api
    from ccf_py.cli import main
    from ccf_py.demo import run_demo

    run_demo(tmp_path / "demo")
    db = str(tmp_path / "demo" / "demo.duckdb")
    out, notes = tmp_path / "f.parquet", tmp_path / "notes.txt"
    r = CliRunner().invoke(main, ["--db", db, "export", "focus", "--month", "2026-10",
                                  "--out", str(out), "--notes", str(notes)])
    assert r.exit_code == 0, r.output
    lines = notes.read_text().splitlines()
    with ccf_api.open_db(db, read_only=True) as con:
        table = ccf_api.report(con, month="2026-10")
    assert lines[0].startswith("Of the CO2e, ")
    # the same confidence (to the rounding shown) and the same notes as the report's
    assert lines[0] == r.stderr.splitlines()[0]
    assert set(lines[1:]) == set(table.notes)
    meta = pq.read_schema(out).metadata
    assert _json.loads(meta[b"x_carbon_notes"]) == lines
