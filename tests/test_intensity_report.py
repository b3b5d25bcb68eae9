"""ccf-py report --intensity hourly|hourly-lca|marginal: each billed line's operational CO2e at
the mean intensity of its own hours, where a loaded series covers them, and the annual factor
elsewhere; grouped and per-row reports agree; the notes say which intensity and for what share
of the energy; annual stays the default and runs the SQL it ran before.

Expected numbers: a line's energy (which no intensity changes) comes from the annual report,
one resource per line; its intensity is read here from the fixture files with csv/json."""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ccf_py import api
from ccf_py.errors import ConfigError
from tests.helpers import LEGACY_HEADER, write_cur

FIX = Path(__file__).parent / "fixtures" / "intensity"
G_PER_LB = 453.592
HEADER = [*LEGACY_HEADER, "lineItem/UsageEndDate"]


def _line(resource: str, region: str, usage_type: str, start: datetime, hours: float,
          amount: float, service: str = "AmazonEC2", unit: str = "Hrs",
          cost: float = 0.096) -> dict:
    end = start + timedelta(hours=hours)
    return {"start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "lineItem/UsageEndDate": end.strftime("%Y-%m-%dT%H:%M:%SZ"), "service": service,
            "usage_type": usage_type, "unit": unit, "amount": str(amount),
            "cost": str(cost * amount), "vcpu": "2" if service == "AmazonEC2" else "",
            "region": region, "resource": resource}


D1 = datetime(2026, 10, 1)
# resource id -> (region, window start, window hours); one line each
LINES = {
    "i-00": ("us-east-1", D1, 1),
    "i-05": ("us-east-1", D1 + timedelta(hours=5), 1),
    "i-13": ("us-east-1", D1 + timedelta(hours=13), 1),
    "i-30": ("us-east-1", D1 + timedelta(hours=30), 1),
    "i-half": ("us-east-1", D1 + timedelta(hours=10, minutes=30), 1),   # 10:30 to 11:30
    "i-late": ("us-east-1", datetime(2026, 10, 9), 1),                   # no series there
    "i-ie": ("eu-west-1", D1, 24),                                       # a daily line
    "i-west": ("us-west-1", D1 + timedelta(hours=2), 1),                 # WattTime CAISO_NORTH
    "i-gov": ("us-gov-west-1", D1 + timedelta(hours=2), 1),              # no grid zone
    "glue": ("us-east-1", D1 + timedelta(hours=3), 1),                   # estimated from cost
}
PREFIX = {"us-east-1": "", "eu-west-1": "EUW1-", "us-west-1": "USW1-", "us-gov-west-1": "UGW1-"}


def _cur(path: Path) -> Path:
    rows = []
    for rid, (region, start, hours) in LINES.items():
        if rid == "glue":
            rows.append(_line(rid, region, "USE1-Crawler-DPU-Hour", start, hours, 2.0,
                              service="AWSGlue", unit="DPU-Hour", cost=0.44))
        else:
            amount = 24.0 if hours == 24 else (2.0 if rid == "i-13" else 1.0)
            rows.append(_line(rid, region, f"{PREFIX[region]}BoxUsage:m5.large", start, hours,
                              amount))
    return write_cur(path, rows, HEADER)


def _portal(name: str, column: int) -> dict[datetime, float]:
    with (FIX / name).open(encoding="utf-8", newline="") as fh:
        return {datetime.strptime(r[0], "%Y-%m-%d %H:%M:%S"): float(r[column])
                for r in list(csv.reader(fh))[1:]}


def _pjm_marginal() -> dict[datetime, float]:
    with (FIX / "US-MIDA-PJM_marginal_2026-10.csv").open(encoding="utf-8") as fh:
        return {datetime.fromisoformat(r["timestamp"][:-1]): float(r["value"]) * G_PER_LB / 1000
                for r in csv.DictReader(fh)}


def _caiso_marginal() -> dict[datetime, float]:
    doc = json.loads((FIX / "CAISO_NORTH_co2_moer_2026-10-01.json").read_text())
    sums: dict[datetime, list[float]] = {}
    for p in doc["data"]:
        hour = datetime.fromisoformat(p["point_time"]).replace(minute=0, tzinfo=None)
        sums.setdefault(hour, []).append(p["value"] * G_PER_LB / 1000)
    return {h: sum(v) / len(v) for h, v in sums.items()}


def expected_intensity(kind: str) -> dict[str, float | None]:
    """g/kWh per resource under ``kind``; None: the line keeps its annual factor."""
    pjm = {"direct": _portal("US-MIDA-PJM_2026-10_hourly.csv", 4),
           "lca": _portal("US-MIDA-PJM_2026-10_hourly.csv", 5),
           "marginal": _pjm_marginal()}[kind]
    ie = {"direct": _portal("IE_2026-10-01_hourly.csv", 4),
          "lca": _portal("IE_2026-10-01_hourly.csv", 5), "marginal": {}}[kind]
    caiso = _caiso_marginal() if kind == "marginal" else {}
    out: dict[str, float | None] = {}
    for rid, (region, start, hours) in LINES.items():
        zone = {"us-east-1": pjm, "eu-west-1": ie, "us-west-1": caiso}.get(region, {})
        if rid == "i-half":  # half of 10:00, half of 11:00
            h = start.replace(minute=0)
            out[rid] = (zone[h] + zone[h + timedelta(hours=1)]) / 2 if h in zone else None
        else:
            hs = [start + timedelta(hours=i) for i in range(hours)]
            out[rid] = sum(zone[h] for h in hs) / len(hs) if all(h in zone for h in hs) \
                else None
    return out


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hourly")
    with api.open_db(folder / "h.duckdb") as d:
        api.ingest_aws_cur(d, [str(_cur(folder / "cur.csv"))])
        api.load_intensity(d, [str(FIX)])
        yield d


def _by_resource(table) -> dict[str, dict[str, float]]:
    return {r[0]: dict(zip(table.columns[1:], r[1:], strict=True)) for r in table.rows}


@pytest.fixture(scope="module")
def annual(db):
    return _by_resource(api.report(db, by="resource_id"))


@pytest.mark.parametrize(("intensity", "kind"), [("hourly", "direct"), ("hourly-lca", "lca"),
                                                 ("marginal", "marginal")])
def test_each_line_at_its_hours_intensity(db, annual, intensity, kind):
    got = _by_resource(api.report(db, by="resource_id", intensity=intensity))
    want = expected_intensity(kind)
    assert set(got) == set(LINES)
    for rid, g in want.items():
        a = annual[rid]
        assert got[rid]["energy_kwh"] == pytest.approx(a["energy_kwh"], rel=1e-12)
        assert got[rid]["co2e_embodied_kg"] == pytest.approx(a["co2e_embodied_kg"], rel=1e-12)
        expected = a["co2e_operational_kg"] if g is None else a["energy_kwh"] * g / 1000
        assert got[rid]["co2e_operational_kg"] == pytest.approx(expected, rel=1e-9), rid
    covered = {r for r, g in want.items() if g is not None}
    assert {"i-00", "i-half", "glue"} <= covered and "i-late" not in covered
    assert ("i-west" in covered) == (kind == "marginal")
    assert ("i-ie" in covered) == (kind != "marginal")
    assert annual["glue"]["energy_kwh"] > 0  # the from-cost line really has energy


def test_the_note_says_which_intensity_and_its_share_of_the_energy(db, annual):
    table = api.report(db, by="service", intensity="hourly")
    want = expected_intensity("direct")
    share = (sum(annual[r]["energy_kwh"] for r, g in want.items() if g is not None)
             / sum(a["energy_kwh"] for a in annual.values()))
    note = next(n for n in table.notes if n.startswith("Grid intensity:"))
    assert f"series for {share:.1%} of the energy" in note and "hourly average" in note
    assert "zones IE, US-MIDA-PJM" in note
    # the regions with energy at annual factors: us-east-1 (its 9 October line) and the rest
    assert re.search(r"aws us-east-1, aws us-gov-west-1, aws us-west-1\)\.$", note)
    marginal = api.report(db, by="service", intensity="marginal").notes
    assert any("hourly marginal series" in n for n in marginal)
    assert any(n.startswith("Marginal intensity is consequential") for n in marginal)
    plain = api.report(db, by="service")
    assert [n for n in plain.notes if n.startswith("Grid intensity:")] == [
        "Grid intensity: annual average factors per region (coefficients/grid_intensity.csv) "
        "for all energy; hourly or marginal series: --intensity."]


@pytest.mark.parametrize("intensity", ["hourly", "marginal"])
def test_grouped_sums_keep_the_hours_and_equal_the_per_row_report(db, intensity):
    # int_usage_keyed sums a month of one usage key and region into one group: the lines of
    # us-east-1 at 00, 05, 13 h... are one group; its CO2e must still be each hour's
    per_resource = api.report(db, by="resource_id", intensity=intensity)
    by_service = api.report(db, by="service", intensity=intensity)
    totals = api.report(db, by="", intensity=intensity).totals()
    assert by_service.totals() == pytest.approx(per_resource.totals(), rel=1e-9)
    assert totals == pytest.approx(per_resource.totals(), rel=1e-9)
    if intensity == "marginal":  # the monthly page refuses marginal: the per-row models
        from ccf_py.estimate import create_estimates
        from ccf_py.model import METRIC_COLUMNS, parse_month

        month = api.available_months(db)[-1]
        create_estimates(db.con, "default", parse_month(month), materialize=True,
                         intensity=intensity)
        per_row = dict(zip(METRIC_COLUMNS, db.con.execute(
            "SELECT " + ", ".join(f"sum({m})" for m in METRIC_COLUMNS)
            + " FROM fct_usage_estimates").fetchone(), strict=True))
        assert per_row == pytest.approx(api.report(db, by="", month=month,
                                                   intensity=intensity).totals(), rel=1e-9)
        return
    monthly = api.monthly_report(db, intensity=intensity)   # the per-row path
    assert monthly.totals == pytest.approx(totals, rel=1e-9)
    assert any(n.startswith("Grid intensity:") for n in monthly.notes)
    region = {r[0]: r[1:] for r in api.report(db, by="region", intensity=intensity).rows}
    assert region["us-east-1"] == pytest.approx(
        {r[0]: r[1:] for r in monthly.by_region.rows}["us-east-1"], rel=1e-9)


def test_a_series_covering_no_billed_hour_changes_nothing_and_says_so(tmp_path):
    with api.open_db(tmp_path / "g.duckdb") as d:
        api.ingest_aws_cur(d, [str(_cur(tmp_path / "cur.csv"))])
        f = tmp_path / "gb.csv"
        f.write_text("timestamp,value,unit,zone\n2026-10-01T00:00Z,100,g/kWh,GB\n"
                     "2026-10-01T01:00Z,120,g/kWh,GB\n")
        api.load_intensity(d, [str(f)], kind="direct")
        hourly = api.report(d, by="resource_id", intensity="hourly")
        assert hourly.rows == api.report(d, by="resource_id").rows
        assert any("no loaded direct series covers the billed hours of any region" in n
                   for n in hourly.notes)


def test_refused_with_ccf_methodology_market_factors_or_no_series(db):
    with pytest.raises(ConfigError, match="ccf methodology reproduces"):
        api.report(db, methodology="ccf", intensity="hourly")
    with pytest.raises(ConfigError, match="--gcp-cfe"):
        api.report(db, gcp_cfe=True, intensity="marginal")
    with pytest.raises(ConfigError, match="--intensity 'weekly': use one of"):
        api.report(db, intensity="weekly")


def test_no_series_of_the_kind_is_an_error(tmp_path):
    with api.open_db(tmp_path / "n.duckdb") as d:
        api.ingest_aws_cur(d, [str(_cur(tmp_path / "cur.csv"))])
        with pytest.raises(ConfigError, match="no lca series is loaded"):
            api.report(d, intensity="hourly-lca")


def test_annual_runs_exactly_the_sql_it_ran_before(db):
    """The default report has no join, column or sum for series (the benchmarks' path)."""
    api.report(db, by="service")
    views = dict(db.con.execute("SELECT view_name, sql FROM duckdb_views() WHERE temporary"
                                ).fetchall())
    for name in ("int_billed_rows", "int_usage_keyed_lines"):
        for token in ("int_hourly_factors", "hf_", "h_amount", "series_share",
                      "ccf_series_gco2e"):
            assert token not in views[name], (name, token)
    columns = {r[0] for r in db.con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name IN "
        "('int_usage_keyed', 'int_usage_agg')").fetchall()}
    assert not {c for c in columns if c.startswith(("h_", "series_"))}
    assert not db.con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = "
                              "'int_hourly_factors'").fetchone()[0]
    api.report(db, by="service", intensity="hourly")  # and the series path does build them
    views = dict(db.con.execute("SELECT view_name, sql FROM duckdb_views() WHERE temporary"
                                ).fetchall())
    assert "int_hourly_factors" in views["int_billed_rows"]


def test_gcp_lines_at_the_hour_of_their_usage_start_time(tmp_path):
    """A GCP standard export (hourly usage_start_time / usage_end_time): europe-west1 is zone
    BE; a made-up BE series for all of June gives each line its own hour's value."""
    def value(at: datetime) -> float:  # a different value for every hour of June
        return 100.0 + (at - datetime(2026, 6, 1)) / timedelta(hours=1) * 0.25

    series_file = tmp_path / "be.csv"
    hours = [datetime(2026, 6, 1) + timedelta(hours=i) for i in range(30 * 24)]
    series_file.write_text("timestamp,value,unit,zone\n" + "".join(
        f"{h:%Y-%m-%dT%H:%M}Z,{value(h)},g/kWh,BE\n" for h in hours))
    with api.open_db(tmp_path / "gcp.duckdb") as d:
        api.ingest_gcp_billing(d, [str(Path(__file__).parent / "fixtures" / "gcp" /
                                       "gcp_input.jsonl")])
        api.load_intensity(d, [str(series_file)], kind="direct")

        def lines() -> list[tuple]:
            return d.con.execute(
                "SELECT region, usage_start, energy_kwh, co2e_operational_kg "
                "FROM fct_usage_estimates ORDER BY ALL").fetchall()

        api.monthly_report(d)
        before = lines()
        api.monthly_report(d, intensity="hourly")
        after = lines()
    assert len(after) == len(before) and sum(1 for r in after if r[0] == "europe-west1") >= 10
    assert sum(1 for r, o in zip(after, before, strict=True)
               if r[0] == "europe-west1" and r[3] != pytest.approx(o[3])) >= 10
    for (region, start, kwh, kg), old in zip(after, before, strict=True):
        assert kwh == pytest.approx(old[2], rel=1e-12)
        want = kwh * value(start) / 1000 if region == "europe-west1" else old[3]
        assert kg == pytest.approx(want, rel=1e-9, abs=1e-15), (region, start)
