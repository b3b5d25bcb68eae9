"""pandas DataFrames of reports and per-row estimates, and the README's example run as
written against a database built from the legacy CUR sample."""

from __future__ import annotations

import contextlib
import csv
import io
import re
import sys
from pathlib import Path

import pytest

from ccf_py import api

ROOT = Path(__file__).resolve().parent.parent
LEGACY = ROOT / "tests" / "fixtures" / "aws_cur_legacy_sample.csv"
AZURE = ROOT / "tests" / "fixtures" / "azure" / "finopstoolkit_EA_ActualCost_Small.csv"
METRICS = ("cost", "energy_kwh", "gpu_energy_kwh", "co2e_operational_kg", "co2e_embodied_kg",
           "co2e_total_kg")


def _source() -> tuple[int, float]:
    """The CUR's own line count and unblended cost, read with the csv module."""
    with LEGACY.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return len(rows), sum(float(r["lineItem/UnblendedCost"]) for r in rows)


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("frames") / "ccf.duckdb"
    with api.open_db(path) as db:
        api.ingest_aws_cur(db, [str(LEGACY)])
        api.ingest_azure_export(db, [str(AZURE)])
    return path


def test_report_df_is_the_report_with_its_notes(db_path):
    with api.open_db(db_path, read_only=True) as db:
        table = api.report(db, by="service,region", month="2023-11", methodology="ccf")
        df = api.report_df(db, by="service,region", month="2023-11", methodology="ccf")
    assert list(df.columns) == ["service", "region", *METRICS]
    # two runs of one report: DuckDB's parallel sums may differ in the last bit
    got = [tuple(r) for r in df.itertuples(index=False)]
    assert [r[:2] for r in got] == [r[:2] for r in table.rows]
    for a, b in zip(got, table.rows, strict=True):
        assert a[2:] == pytest.approx(b[2:], rel=1e-9, abs=1e-12)
    assert df.attrs["notes"] == list(table.notes)
    assert df.attrs["methodology"] == "ccf" and df.attrs["period"] == "2023-11"
    assert {c["path"] for c in df.attrs["coverage"]} == {c.path for c in table.coverage}
    assert len(df.attrs["coefficients_fingerprint"]) >= 12
    assert round(df["cost"].sum(), 6) == round(_source()[1], 6)


def test_estimates_df_is_one_row_per_billed_line(db_path):
    n, cost = _source()
    with api.open_db(db_path, read_only=True) as db:
        df = api.estimates_df(db, month="2023-11")
        totals = api.report(db, month="2023-11").totals()
        both = api.estimates_df(db, methodology="ccf")
    assert len(df) == n == 1281 and df["cost"].sum() == pytest.approx(cost, rel=1e-12)
    for m in METRICS:
        assert df[m].sum() == pytest.approx(totals[m], rel=1e-9, abs=1e-12), m
    assert df["x_line_id"].notna().all() and set(df["month"]) == {"2023-11"}
    # the confidence line first; the sample CUR (no EC2) leaves 90 % of its usage cost
    # unestimated, so it leads with that
    assert df.attrs["notes"][0].startswith("Only 10% of the usage cost could be estimated")
    assert df.attrs["period"] == "2023-11" and df.attrs["methodology"] == "default"
    # every loaded month: the CUR's lines and the Azure export's 11
    assert sorted(both.groupby("month").size().items()) == [("2023-09", 11), ("2023-11", 1281)]
    assert both.attrs["period"] is None and set(both["methodology"]) == {"ccf"}


def test_without_pandas_the_extra_is_named(db_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # what an environment without it does
    with api.open_db(db_path, read_only=True) as db:
        for call in (lambda: api.report_df(db), lambda: api.estimates_df(db)):
            with pytest.raises(api.ConfigError, match=r"pip install 'ccf-py\[pandas\]'"):
                call()


def test_the_readme_example_runs(db_path, monkeypatch):
    readme = (ROOT / "README.md").read_text()
    blocks = [b for b in re.findall(r"```python\n(.*?)\n```", readme, flags=re.S)
              if "report_df(" in b]
    assert len(blocks) == 1
    monkeypatch.chdir(db_path.parent)  # the example opens ./ccf.duckdb
    out = io.StringIO()
    namespace: dict = {}
    with contextlib.redirect_stdout(out):
        exec(compile(blocks[0], "README.md", "exec"), namespace)
    n, cost = _source()
    assert namespace["month"] == "2023-11"
    assert len(namespace["rows"]) == n
    assert namespace["per_class"]["cost"].sum() == pytest.approx(cost, rel=1e-12)
    top = namespace["by_service"].iloc[0]
    assert top["service"] in out.getvalue()
    assert top["co2e_total_kg"] == namespace["by_service"]["co2e_total_kg"].max()
