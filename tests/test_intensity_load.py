"""ccf-py intensity load / list: the three series formats, units, hourly means, reloads, bad
files, and the region -> zone table. Expected values are read from the fixture files with
csv/json here, and converted with the published factor (1 lb = 453.592 g)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from ccf_py import api
from ccf_py import intensity as series
from ccf_py.errors import ConfigError, InputError
from ccf_py.resources import data_dir

FIX = Path(__file__).parent / "fixtures" / "intensity"
PJM = FIX / "US-MIDA-PJM_2026-10_hourly.csv"
IE = FIX / "IE_2026-10-01_hourly.csv"
MOER_JSON = FIX / "CAISO_NORTH_co2_moer_2026-10-01.json"
MOER_CSV = FIX / "US-MIDA-PJM_marginal_2026-10.csv"
G_PER_LB = 453.592  # grams in a pound (exact, by definition); per MWh -> per kWh: / 1000


def portal_values(path: Path, column: int) -> dict[datetime, float]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    return {datetime.strptime(r[0], "%Y-%m-%d %H:%M:%S"): float(r[column]) for r in rows}


def stored(con: duckdb.DuckDBPyConnection, zone: str, kind: str) -> dict[datetime, float]:
    return dict(con.execute("SELECT hour, gco2e_per_kwh FROM grid_intensity_series "
                            "WHERE zone = ? AND kind = ?", [zone, kind]).fetchall())


def table_rows(path: Path) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = "
                           "'grid_intensity_series'").fetchone()[0]:
            return []
        return con.execute("SELECT * FROM grid_intensity_series ORDER BY ALL").fetchall()
    finally:
        con.close()


@pytest.fixture
def db(tmp_path):
    with api.open_db(tmp_path / "s.duckdb") as d:
        yield d


def test_electricity_maps_portal_file_gives_direct_and_lca_hour_by_hour(db):
    result = api.load_intensity(db, [str(PJM)])
    assert [(s.zone, s.kind, s.hours, s.replaced) for s in result.series] == [
        ("US-MIDA-PJM", "direct", 48, 0), ("US-MIDA-PJM", "lca", 48, 0)]
    assert stored(db.con, "US-MIDA-PJM", "direct") == portal_values(PJM, 4)
    assert stored(db.con, "US-MIDA-PJM", "lca") == portal_values(PJM, 5)
    # the portal's "Data Estimated" column: the file marks its last two hours
    est = db.con.execute("SELECT hour FROM grid_intensity_series WHERE estimated AND kind = "
                         "'direct' ORDER BY 1").fetchall()
    assert [h for (h,) in est] == [datetime(2026, 10, 2, 22), datetime(2026, 10, 2, 23)]


def test_the_2024_portal_header_spelling_is_read_too(db):
    # "Zone id", "Carbon intensity gCO2eq/kWh (Life cycle)": the newer files' names
    api.load_intensity(db, [str(IE)])
    assert stored(db.con, "IE", "direct") == portal_values(IE, 4)
    assert stored(db.con, "IE", "lca") == portal_values(IE, 5)


def test_watttime_json_five_minute_points_become_hourly_means_in_g_per_kwh(db):
    doc = json.loads(MOER_JSON.read_text())
    by_hour = defaultdict(list)
    for p in doc["data"]:
        by_hour[datetime.fromisoformat(p["point_time"]).replace(minute=0, tzinfo=None)].append(
            p["value"])
    assert doc["meta"]["units"] == "lbs_co2_per_mwh" and len(by_hour) == 6
    expected = {h: sum(v) / len(v) * G_PER_LB / 1000 for h, v in by_hour.items()}
    result = api.load_intensity(db, [str(MOER_JSON)])
    assert [(s.zone, s.kind, s.hours) for s in result.series] == [("CAISO_NORTH", "marginal", 6)]
    got = stored(db.con, "CAISO_NORTH", "marginal")
    assert got.keys() == expected.keys()
    for h, v in expected.items():
        assert got[h] == pytest.approx(v, rel=1e-12)
    assert db.con.execute("SELECT DISTINCT points FROM grid_intensity_series").fetchall() == [
        (12,)]


def test_one_pound_per_mwh_is_0_453592_g_per_kwh(tmp_path, db):
    f = tmp_path / "m.csv"
    f.write_text("timestamp,value,unit\n2026-10-01T00:00:00Z,1000,lbs/MWh\n"
                 "2026-10-01T01:00:00Z,250,g/kWh\n2026-10-01T02:00:00Z,300,kg/MWh\n")
    api.load_intensity(db, [str(f)], zone="X")
    got = stored(db.con, "X", "marginal")
    assert list(got.values()) == pytest.approx([453.592, 250.0, 300.0])


def test_plain_marginal_csv_with_units_per_row(db):
    with MOER_CSV.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    expected = {datetime.fromisoformat(r["timestamp"].replace("Z", "")):
                float(r["value"]) * G_PER_LB / 1000 for r in rows}
    api.load_intensity(db, [str(MOER_CSV)])
    got = stored(db.con, "US-MIDA-PJM", "marginal")
    assert got.keys() == expected.keys()
    assert [got[h] for h in sorted(got)] == pytest.approx([expected[h] for h in sorted(got)])


def test_a_csv_without_unit_or_zone_takes_them_from_the_options(tmp_path, db):
    f = tmp_path / "CAISO_NORTH_co2_moer.csv"  # the WattTime client's CSV: point_time,value
    f.write_text("point_time,value\n2026-10-01 00:00:00+00:00,900\n"
                 "2026-10-01 00:30:00+00:00,1100\n2026-10-01 01:00:00+00:00,700\n")
    with pytest.raises(ConfigError, match="no unit column; give --unit"):
        api.load_intensity(db, [str(f)], zone="CAISO_NORTH")
    with pytest.raises(ConfigError, match="no zone in the file; give --zone"):
        api.load_intensity(db, [str(f)], unit="lbs/MWh")
    api.load_intensity(db, [str(f)], zone="CAISO_NORTH", unit="lbs/MWh")
    got = stored(db.con, "CAISO_NORTH", "marginal")
    assert got[datetime(2026, 10, 1, 0)] == pytest.approx(1000 * G_PER_LB / 1000)
    assert got[datetime(2026, 10, 1, 1)] == pytest.approx(700 * G_PER_LB / 1000)


def test_reload_replaces_the_same_hours_and_keeps_the_others(tmp_path, db):
    api.load_intensity(db, [str(PJM)])
    again = api.load_intensity(db, [str(PJM)])
    assert [s.replaced for s in again.series] == [48, 48]
    assert db.con.execute("SELECT count(*) FROM grid_intensity_series").fetchone()[0] == 96
    # a file for the second day and a third one, with other values
    f = tmp_path / "later.csv"
    f.write_text("timestamp,value,unit,zone\n" + "".join(
        f"2026-10-{2 + h // 24:02d}T{h % 24:02d}:00:00Z,{100 + h},g/kWh,US-MIDA-PJM\n"
        for h in range(48)))
    res = api.load_intensity(db, [str(f)], kind="direct")
    assert [(s.kind, s.hours, s.replaced) for s in res.series] == [("direct", 48, 24)]
    got = stored(db.con, "US-MIDA-PJM", "direct")
    first_day = {h: v for h, v in portal_values(PJM, 4).items() if h.day == 1}
    assert {h: got[h] for h in first_day} == first_day          # untouched
    assert got[datetime(2026, 10, 2, 5)] == 105.0 and got[datetime(2026, 10, 3, 23)] == 147.0
    assert len(got) == 72
    assert len(stored(db.con, "US-MIDA-PJM", "lca")) == 48       # another kind: untouched


def test_list_shows_ranges_gaps_and_sources(tmp_path, db):
    f = tmp_path / "gap.csv"
    f.write_text("timestamp,value\n2026-10-01T00:00Z,10\n2026-10-01T01:00Z,20\n"
                 "2026-10-01T05:00Z,60\n")
    api.load_intensity(db, [str(f)], zone="Z", unit="g/kWh", kind="direct")
    api.load_intensity(db, [str(PJM)])
    info = {(s.zone, s.kind): s for s in api.intensity_series(db)}
    z = info[("Z", "direct")]
    assert (z.hours, z.missing_hours, z.mean_gco2e_per_kwh) == (3, 3, pytest.approx(30.0))
    assert (z.first_hour, z.last_hour) == (datetime(2026, 10, 1, 0), datetime(2026, 10, 1, 5))
    pjm = info[("US-MIDA-PJM", "lca")]
    values = portal_values(PJM, 5).values()
    assert pjm.max_gco2e_per_kwh == max(values) and pjm.estimated_hours == 2
    assert "Electricity Maps" in pjm.source
    text = series.render_series(api.intensity_series(db), "csv")
    assert text.splitlines()[0] == ",".join(series.SERIES_COLUMNS)


def _bad(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


HEADER = ("Datetime (UTC),Country,Zone Name,Zone Id,Carbon Intensity gCO\u2082eq/kWh (direct),"
          "Carbon Intensity gCO\u2082eq/kWh (LCA),Data Source,Data Estimated\n")


@pytest.mark.parametrize(("name", "text", "message"), [
    ("abc.csv", HEADER + "2026-10-01 00:00:00,US,PJM,US-MIDA-PJM,400,450,eia,false\n"
     "2026-10-01 01:00:00,US,PJM,US-MIDA-PJM,abc,450,eia,false\n",
     "abc.csv, line 3, column 'Carbon Intensity gCO\u2082eq/kWh (direct)': not a number"),
    ("when.csv", HEADER + "2026-10-01 00:00:00,US,PJM,US-MIDA-PJM,400,450,eia,false\n"
     "yesterday,US,PJM,US-MIDA-PJM,400,450,eia,false\n",
     "when.csv, line 3, column 'Datetime (UTC)': not a date and time"),
    ("neg.csv", "timestamp,value,unit,zone\n2026-10-01T00:00Z,5,g/kWh,A\n"
     "2026-10-01T01:00Z,-5,g/kWh,A\n", "neg.csv, line 3, column 'value': a negative intensity"),
    ("unit.csv", "timestamp,value,unit,zone\n2026-10-01T00:00Z,5,g/kWh,A\n"
     "2026-10-01T01:00Z,5,tons/MWh,A\n", "unit.csv, line 3, column 'unit': unknown unit"),
    ("daily.csv", HEADER + "2026-10-01 00:00:00,US,PJM,US-MIDA-PJM,400,450,eia,false\n"
     "2026-10-02 00:00:00,US,PJM,US-MIDA-PJM,410,460,eia,false\n",
     "values are 1 day apart, not hourly"),
    ("twice.csv", "timestamp,value,unit,zone\n2026-10-01T00:00Z,5,g/kWh,A\n"
     "2026-10-01T01:00Z,6,g/kWh,A\n2026-10-01T00:00Z,7,g/kWh,A\n",
     "twice.csv, line 4: A marginal: a second value for 2026-10-01 00:00 (first on line 2)"),
    ("other.csv", "date,amount\n2026-10-01,5\n", "not an intensity series"),
    ("health.json", json.dumps({"meta": {"signal_type": "health_damage", "region": "X",
                                         "units": "$/MWh"}, "data": []}),
     "column 'meta.signal_type': signal_type 'health_damage'"),
])
def test_a_bad_file_is_one_error_naming_file_line_and_column(tmp_path, db, name, text,
                                                              message):
    with pytest.raises((InputError, ConfigError)) as err:
        api.load_intensity(db, [str(_bad(tmp_path, name, text))])
    assert message in str(err.value)


def test_overlapping_files_in_one_load_are_refused(tmp_path, db):
    f = tmp_path / "copy.csv"
    f.write_text(PJM.read_text(encoding="utf-8").replace(",340.5", ",341.5"), encoding="utf-8")
    with pytest.raises(InputError, match="is also in"):
        api.load_intensity(db, [str(PJM), str(f)])


def ccf(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ccf_py.cli", *args], cwd=cwd,
                          capture_output=True, text=True, env=dict(os.environ), timeout=120)


def test_cli_load_list_and_a_bad_file_that_leaves_the_database_unchanged(tmp_path):
    r = ccf("--db", "i.duckdb", "intensity", "load", str(FIX), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "US-MIDA-PJM direct: 48 hours 2026-10-01 00:00 to 2026-10-02 23:00 UTC" in r.stdout
    assert "CAISO_NORTH marginal: 6 hours" in r.stdout
    before = table_rows(tmp_path / "i.duckdb")
    # a good file and a bad one in one command: nothing of either is written
    bad = _bad(tmp_path, "bad.csv", HEADER + "2026-10-01 00:00:00,US,PJM,US-MIDA-PJM,1,2,e,false\n"
               "2026-10-01 01:00:00,US,PJM,US-MIDA-PJM,1,,e,false\n"
               "2026-10-01 02:00:00,US,PJM,US-MIDA-PJM,x,2,e,false\n")
    good = _bad(tmp_path, "good.csv", "timestamp,value,unit,zone\n2026-10-01T00:00Z,1,g/kWh,IE\n"
                "2026-10-01T01:00Z,2,g/kWh,IE\n")
    r = ccf("--db", "i.duckdb", "intensity", "load", str(good), str(bad), cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines == ["Error: bad.csv, line 4, column 'Carbon Intensity gCO\u2082eq/kWh (direct)'"
                     ": not a number: 'x'"]
    assert table_rows(tmp_path / "i.duckdb") == before
    # a failed first load into a new file leaves no database behind
    r = ccf("--db", "new.duckdb", "intensity", "load", str(bad), cwd=tmp_path)
    assert r.returncode == 1 and not (tmp_path / "new.duckdb").exists()
    r = ccf("--db", "i.duckdb", "intensity", "list", "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    listed = {(d["zone"], d["kind"]): d for d in json.loads(r.stdout)}
    assert set(listed) == {("CAISO_NORTH", "marginal"), ("IE", "direct"), ("IE", "lca"),
                           ("US-MIDA-PJM", "direct"), ("US-MIDA-PJM", "lca"),
                           ("US-MIDA-PJM", "marginal")}
    assert listed[("IE", "direct")]["first_hour"] == "2026-10-01T00:00Z"


# --- coefficients/grid_zones.csv -------------------------------------------------------------

def _zones() -> list[dict[str, str]]:
    with (data_dir("coefficients") / "grid_zones.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_every_mapped_region_has_an_annual_factor_to_fall_back_to():
    with (data_dir("coefficients") / "grid_intensity.csv").open(encoding="utf-8") as fh:
        known = {(r["provider"], r["region"]) for r in csv.DictReader(fh)}
    rows = _zones()
    assert len(rows) > 60
    assert [(r["provider"], r["region"]) for r in rows if (r["provider"], r["region"])
            not in known] == []
    assert all(r["region"] == r["region"].lower() for r in rows)


def test_zone_ids_have_electricity_maps_shape_and_known_regions_their_grid():
    import re

    rows = {(r["provider"], r["region"]): r for r in _zones()}
    assert all(re.fullmatch(r"[A-Z]{2}(-[A-Z0-9]+)*", r["zone"]) for r in rows.values())
    assert all(re.fullmatch(r"[A-Z_]*", r["watttime_region"]) for r in rows.values())
    # hand-checked facts: Northern Virginia is in PJM, Dublin in Ireland's grid, The Dalles and
    # Boardman (Oregon) in BPA's area; Stockholm in Swedish bidding zone SE3
    assert rows[("aws", "us-east-1")]["zone"] == "US-MIDA-PJM"
    assert rows[("gcp", "us-east4")]["zone"] == "US-MIDA-PJM"
    assert rows[("azure", "northeurope")]["zone"] == "IE"
    assert rows[("aws", "us-west-2")]["watttime_region"] == "BPA"
    assert rows[("gcp", "us-west1")]["zone"] == "US-NW-BPAT"
    assert rows[("aws", "eu-north-1")]["zone"] == "SE-SE3"
    # multi-regions have no single grid: never mapped
    assert not {k for k in rows if k[1] in ("us", "eu", "nam4", "asia")}
