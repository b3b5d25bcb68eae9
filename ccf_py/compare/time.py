"""``ccf-py compare time``: when to run a job of whole hours inside a window, on a loaded
hourly series (``ccf-py intensity load``).

Three scenarios, as Dodge et al. 2022 ("Measuring the Carbon Intensity of AI in Cloud
Instances", FAccT '22, section 5) compare them:

- ``now``: start at ``--start`` and run ``--duration`` hours straight;
- ``flexible_start``: the start within the window whose ``--duration`` straight hours have the
  lowest total intensity (the earliest such start on a tie);
- ``pause_resume``: the ``--duration`` cleanest hours of the window, in any order and with
  gaps (the earliest hours on a tie), i.e. the job pauses in dirtier hours.

The job draws the same energy in each of its hours, so its CO2e is that energy times the sum
of the chosen hours' intensities; energy and embodied emissions do not depend on when it runs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import duckdb

from ccf_py import intensity as series
from ccf_py.compare.base import Assumption, Comparison
from ccf_py.errors import ConfigError

TIME_COLUMNS: tuple[str, ...] = ("scenario", "start", "end", "hours",
                                 "avg_intensity_gco2e_per_kwh", "co2e_kg", "saving_pct")
HOUR = timedelta(hours=1)
DODGE_2022 = ("Dodge et al. 2022, 'Measuring the Carbon Intensity of AI in Cloud Instances', "
              "FAccT '22 (arXiv:2206.05229): its Flexible Start and Pause and Resume")
DEFAULT_POWER_KW = 1.0


def whole_hours(option: str, value: float | int | str) -> int:
    """``value`` as a positive whole number of hours (``--duration 2.5`` is an error)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{option} {value!r}: not a number of hours") from None
    if not math.isfinite(number) or number <= 0 or not number.is_integer():
        raise ConfigError(f"{option} {value}: give a whole number of hours, at least 1")
    return int(number)


def parse_start(text: str | datetime) -> datetime:
    """A UTC hour: '2026-10-01 13:00', '2026-10-01T13:00:00Z', an offset, or a datetime."""
    if isinstance(text, datetime):
        at = text
    else:
        t = text.strip()
        try:
            at = datetime.fromisoformat(t[:-1] + "+00:00" if t.endswith(("Z", "z")) else t)
        except ValueError:
            raise ConfigError(f"--start {text!r}: expected a date and hour, e.g. "
                              "'2026-10-01 13:00' (UTC) or ISO 8601 with an offset") from None
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    if at != at.replace(minute=0, second=0, microsecond=0):
        raise ConfigError(f"--start {text}: not on the hour (the series is hourly; "
                          f"e.g. {at:%Y-%m-%d %H}:00)")
    return at


def best_start(values: Sequence[float], duration: int) -> int:
    """Index of the start whose ``duration`` straight hours have the lowest sum (earliest on
    a tie)."""
    return min(range(len(values) - duration + 1),
               key=lambda s: (sum(values[s:s + duration]), s))


def cleanest_hours(values: Sequence[float], duration: int) -> list[int]:
    """Indexes of the ``duration`` lowest values (earlier hours first on a tie), in time
    order."""
    return sorted(sorted(range(len(values)), key=lambda i: (values[i], i))[:duration])


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%MZ")


def _series(con: duckdb.DuckDBPyConnection, zone: str, kind: str | None
            ) -> series.SeriesInfo:
    loaded = series.series_info(con)
    if not loaded:
        raise ConfigError("no grid intensity series is loaded (ccf-py intensity load FILE)")
    mine = {s.kind: s for s in loaded if s.zone == zone}
    if not mine:
        zones = sorted({s.zone for s in loaded})
        raise ConfigError(f"--zone {zone}: unknown zone (loaded: {', '.join(zones)})")
    if kind is None:
        kind = next(k for k in series.KINDS if k in mine)
    if kind not in series.KINDS:
        raise ConfigError(f"--intensity {kind!r}: use one of {', '.join(series.KINDS)}")
    if kind not in mine:
        raise ConfigError(f"--zone {zone} has no {kind} series (loaded: "
                          f"{', '.join(k for k in series.KINDS if k in mine)})")
    return mine[kind]


def compare_time(con: duckdb.DuckDBPyConnection, *, zone: str, duration_hours: float | int | str,
                 window_hours: float | int | str, start: str | datetime | None = None,
                 energy_kwh: float | None = None, power_kw: float | None = None,
                 kind: str | None = None) -> Comparison:
    """The three scenarios for a job of ``duration_hours`` that must finish within
    ``window_hours`` of ``start`` (default: the latest window the series covers), using
    ``zone``'s ``kind`` series (default: direct, else lca, else marginal)."""
    duration = whole_hours("--duration", duration_hours)
    window = whole_hours("--window", window_hours)
    if window < duration:
        raise ConfigError(f"--window {window} is shorter than --duration {duration}: the job "
                          "must fit in the window")
    if energy_kwh is not None and power_kw is not None:
        raise ConfigError("give --energy-kwh or --power-kw, not both")
    for name, value in (("--energy-kwh", energy_kwh), ("--power-kw", power_kw)):
        if value is not None and not (math.isfinite(value) and value > 0):
            raise ConfigError(f"{name} {value}: must be more than 0")
    info = _series(con, zone, kind)
    first = parse_start(start) if start is not None else info.last_hour - (window - 1) * HOUR
    last = first + (window - 1) * HOUR
    hours = series.hours_of(con, zone, info.kind, first, last)
    wanted = [first + i * HOUR for i in range(window)]
    missing = [h for h in wanted if h not in hours]
    if missing:
        raise ConfigError(
            f"the {zone} {info.kind} series does not cover the window {_stamp(first)} to "
            f"{_stamp(last + HOUR)}: {len(missing)} of {window} hours missing (first "
            f"{_stamp(missing[0])}); it has {_stamp(info.last_hour)} as its last hour and "
            f"{_stamp(info.first_hour)} as its first")
    values = [hours[h] for h in wanted]
    per_hour = energy_kwh / duration if energy_kwh is not None else (power_kw or DEFAULT_POWER_KW)

    def row(name: str, chosen: list[int], base: float | None) -> tuple:
        kg = per_hour * sum(values[i] for i in chosen) / 1000.0
        saving = 0.0 if base is None else (100.0 * (base - kg) / base if base > 0 else None)
        return (name, _stamp(wanted[chosen[0]]), _stamp(wanted[chosen[-1]] + HOUR), len(chosen),
                sum(values[i] for i in chosen) / len(chosen), kg, saving)

    now = row("now", list(range(duration)), None)
    s = best_start(values, duration)
    paused = cleanest_hours(values, duration)
    rows = (now, row("flexible_start", list(range(s, s + duration)), now[5]),
            row("pause_resume", paused, now[5]))
    return Comparison(
        kind="time", columns=TIME_COLUMNS, rows=rows, methodology=None,
        assumptions=_assumptions(info, per_hour, duration, energy_kwh, power_kw),
        notes=_notes(info, paused, wanted),
        basis=(f"a {duration} h job within {window} h from {_stamp(first)}, {zone} "
               f"{info.kind} intensity, {per_hour * duration:g} kWh"),
        extra={"zone": zone, "intensity": info.kind, "window_start": _stamp(first),
               "window_end": _stamp(last + HOUR), "energy_kwh": per_hour * duration,
               "pause_resume_hours": [_stamp(wanted[i]) for i in paused]})


def _assumptions(info: series.SeriesInfo, per_hour: float, duration: int,
                 energy_kwh: float | None, power_kw: float | None) -> tuple[Assumption, ...]:
    given = ("--energy-kwh" if energy_kwh is not None else "--power-kw" if power_kw is not None
             else f"assumed {DEFAULT_POWER_KW:g} kW: no --energy-kwh or --power-kw given")
    return (
        Assumption("job energy", f"{per_hour:g} kWh in each of its {duration} hours "
                   f"({per_hour * duration:g} kWh; the same whenever it runs)", given),
        Assumption("grid intensity", f"{info.zone} {info.kind}, hourly, loaded "
                   f"{_stamp(info.first_hour)} to {_stamp(info.last_hour + HOUR)}",
                   info.source),
        Assumption("knowing the hours ahead", "the window's recorded intensities stand in for a "
                   "perfect forecast (a scheduler acting on a forecast saves less)", DODGE_2022),
        Assumption("pausing", "the job stops and resumes at hour boundaries with no overhead "
                   "and no extra energy", DODGE_2022),
    )


def _notes(info: series.SeriesInfo, paused: list[int], wanted: list[datetime]
           ) -> tuple[str, ...]:
    stretches = 1 + sum(1 for a, b in zip(paused, paused[1:], strict=False) if b != a + 1)
    notes = ["Times are UTC hours; saving_pct is against 'now'. Only operational CO2e changes "
             "with the start time: energy and embodied emissions are the same in every "
             "scenario.",
             f"pause_resume runs in {stretches} stretch{'es' if stretches != 1 else ''}: "
             + ", ".join(_stamp(wanted[i]) for i in paused[:24])
             + (" ..." if len(paused) > 24 else "") + "."]
    if info.kind == "marginal":
        notes.append(series.MARGINAL_NOTE)
    return tuple(notes)
