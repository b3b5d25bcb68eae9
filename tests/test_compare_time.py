"""ccf-py compare time: now / flexible_start / pause_resume (Dodge et al. 2022) checked against
brute force written here: every start hour of the window for flexible_start, every set of
--duration hours of the window (itertools.combinations) for pause_resume. The hourly values
come from the fixture file, read with csv."""

from __future__ import annotations

import csv
import itertools
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ccf_py import api
from ccf_py.errors import ConfigError

FIX = Path(__file__).parent / "fixtures" / "intensity"
PJM = FIX / "US-MIDA-PJM_2026-10_hourly.csv"
H = timedelta(hours=1)


def pjm(column: int = 4) -> dict[datetime, float]:
    with PJM.open(encoding="utf-8", newline="") as fh:
        return {datetime.strptime(r[0], "%Y-%m-%d %H:%M:%S"): float(r[column])
                for r in list(csv.reader(fh))[1:]}


def z(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%MZ")


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    with api.open_db(tmp_path_factory.mktemp("time") / "t.duckdb") as d:
        api.load_intensity(d, [str(FIX)])
        yield d


CASES = [  # (start hour offset, duration, window)
    (0, 1, 1), (0, 3, 3), (12, 4, 12), (6, 2, 10), (20, 5, 12), (30, 3, 11), (0, 1, 12),
    (9, 6, 9), (15, 1, 8), (36, 4, 12),
]


@pytest.mark.parametrize(("offset", "duration", "window"), CASES)
def test_scenarios_equal_brute_force(db, offset, duration, window):
    values = pjm()
    start = datetime(2026, 10, 1) + offset * H
    hours = [start + i * H for i in range(window)]
    kwh = 7.5  # in all, even over the job's hours
    per_hour = kwh / duration
    comp = api.compare_time(db, zone="US-MIDA-PJM", duration_hours=duration,
                            window_hours=window, start=z(start), energy_kwh=kwh)
    rows = {r["scenario"]: r for r in comp.as_dicts()}
    assert list(rows) == ["now", "flexible_start", "pause_resume"]

    now_kg = per_hour * sum(values[h] for h in hours[:duration]) / 1000
    assert rows["now"]["start"] == z(start) and rows["now"]["end"] == z(start + duration * H)
    assert rows["now"]["co2e_kg"] == pytest.approx(now_kg, rel=1e-12)
    assert rows["now"]["saving_pct"] == 0.0

    # every start whose job ends inside the window
    starts = [(sum(values[h] for h in hours[s:s + duration]), s)
              for s in range(window - duration + 1)]
    best_sum, best = min(starts)
    flex = rows["flexible_start"]
    assert flex["start"] == z(hours[best]) and flex["end"] == z(hours[best] + duration * H)
    assert flex["co2e_kg"] == pytest.approx(per_hour * best_sum / 1000, rel=1e-12)
    assert flex["avg_intensity_gco2e_per_kwh"] == pytest.approx(best_sum / duration)
    assert flex["saving_pct"] == pytest.approx(100 * (now_kg - flex["co2e_kg"]) / now_kg)

    # every set of `duration` hours of the window
    best_set = min(itertools.combinations(range(window), duration),
                   key=lambda c: sum(values[hours[i]] for i in c))
    pr = rows["pause_resume"]
    assert pr["co2e_kg"] == pytest.approx(
        per_hour * sum(values[hours[i]] for i in best_set) / 1000, rel=1e-12)
    assert comp.extra["pause_resume_hours"] == [z(hours[i]) for i in best_set]
    assert pr["start"] == z(hours[best_set[0]]) and pr["end"] == z(hours[best_set[-1]] + H)
    assert pr["hours"] == duration
    assert pr["co2e_kg"] <= flex["co2e_kg"] + 1e-12 <= now_kg + 2e-12


def test_a_window_with_a_real_saving(db):
    # 18:00 on 1 October for 24 h: the evening is dirtier than the night in the fixture
    comp = api.compare_time(db, zone="US-MIDA-PJM", duration_hours=4, window_hours=24,
                            start="2026-10-01 12:00", power_kw=2)
    rows = {r["scenario"]: r for r in comp.as_dicts()}
    assert rows["flexible_start"]["saving_pct"] > 10
    assert comp.extra["energy_kwh"] == 8.0
    assert rows["now"]["co2e_kg"] == pytest.approx(
        2 * sum(pjm()[datetime(2026, 10, 1, 12) + i * H] for i in range(4)) / 1000)


def test_default_start_is_the_latest_window_and_default_energy_1_kw(db):
    comp = api.compare_time(db, zone="US-MIDA-PJM", duration_hours=2, window_hours=6)
    assert comp.extra["window_start"] == "2026-10-02T18:00Z"
    assert comp.extra["window_end"] == "2026-10-03T00:00Z"
    job = next(a for a in comp.assumptions if a.name == "job energy")
    assert "assumed 1 kW" in job.source and comp.extra["energy_kwh"] == 2.0


def test_kinds_lca_and_marginal_use_their_own_series(db):
    lca = api.compare_time(db, zone="US-MIDA-PJM", duration_hours=1, window_hours=1,
                           start="2026-10-01T05:00Z", intensity="lca")
    assert lca.rows[0][4] == pjm(5)[datetime(2026, 10, 1, 5)]
    marginal = api.compare_time(db, zone="CAISO_NORTH", duration_hours=2, window_hours=6,
                                start="2026-10-01T00:00Z")
    assert marginal.extra["intensity"] == "marginal"   # the zone's only series
    assert any(n.startswith("Marginal intensity is consequential") for n in marginal.notes)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"zone": "XX"}, "--zone XX: unknown zone (loaded: CAISO_NORTH, IE, US-MIDA-PJM)"),
    ({"duration_hours": 2.5}, "--duration 2.5: give a whole number of hours"),
    ({"window_hours": "1.5"}, "--window 1.5: give a whole number of hours"),
    ({"duration_hours": 0}, "--duration 0: give a whole number of hours"),
    ({"duration_hours": 5, "window_hours": 4}, "--window 4 is shorter than --duration 5"),
    ({"start": "2026-10-02T22:00Z"},
     "does not cover the window 2026-10-02T22:00Z to 2026-10-03T02:00Z: 2 of 4 hours missing"),
    ({"start": "2026-10-01T10:30Z"}, "not on the hour"),
    ({"energy_kwh": 1, "power_kw": 1}, "not both"),
    ({"zone": "IE", "intensity": "marginal"}, "--zone IE has no marginal series"),
])
def test_errors(db, kwargs, message):
    args = {"zone": "US-MIDA-PJM", "duration_hours": 2, "window_hours": 4,
            "start": "2026-10-01T00:00Z", **kwargs}
    with pytest.raises(ConfigError) as err:
        api.compare_time(db, **args)
    assert message in str(err.value)


def ccf(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ccf_py.cli", *args], cwd=cwd,
                          capture_output=True, text=True, env=dict(os.environ), timeout=120)


def test_cli_formats_and_one_line_errors(tmp_path):
    assert ccf("--db", "c.duckdb", "intensity", "load", str(PJM), cwd=tmp_path).returncode == 0
    base = ["--db", "c.duckdb", "compare", "time", "--zone", "US-MIDA-PJM", "--duration", "3",
            "--window", "8", "--start", "2026-10-01 20:00", "--energy-kwh", "37.3"]
    r = ccf(*base, "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["comparison"] == "time" and doc["zone"] == "US-MIDA-PJM"
    assert [row["scenario"] for row in doc["rows"]] == ["now", "flexible_start", "pause_resume"]
    assert list(doc["rows"][0]) == ["scenario", "start", "end", "hours",
                                    "avg_intensity_gco2e_per_kwh", "co2e_kg", "saving_pct"]
    assert any("Dodge et al. 2022" in a["source"] for a in doc["assumptions"])
    r = ccf(*base, "--format", "csv", "--out", "t.csv", "--notes", "t.txt", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    with (tmp_path / "t.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [float(x["co2e_kg"]) for x in rows] == pytest.approx(
        [row["co2e_kg"] for row in doc["rows"]])
    assert "perfect forecast" in (tmp_path / "t.txt").read_text()
    md = ccf(*base, "--format", "md", cwd=tmp_path)
    assert md.returncode == 0 and "| flexible_start |" in md.stdout
    for args, needle in ((["--duration", "2.5"], "whole number of hours"),
                         (["--zone", "NOPE"], "unknown zone"),
                         (["--window", "2"], "shorter than --duration"),
                         (["--start", "2026-10-02 22:00"], "does not cover the window")):
        bad = list(base)
        flag = args[0]
        bad[bad.index(flag) + 1] = args[1]
        r = ccf(*bad, cwd=tmp_path)
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert r.returncode == 1 and len(lines) == 1 and needle in lines[0], r.stderr
