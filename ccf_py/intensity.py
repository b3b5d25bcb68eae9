"""Hourly and marginal grid carbon intensity: read series files, store them, list them, and
give the estimate models the intensity of each billed line's hours.

A series is one grid zone's intensity per UTC hour, of one kind:

- ``direct``: average intensity of the electricity consumed, combustion only (Electricity
  Maps' "direct" column; WattTime's ``co2_aoer``);
- ``lca``: the same with life-cycle emissions of the plants (Electricity Maps' "LCA" or
  "Life cycle" column);
- ``marginal``: the emissions rate of the generators that respond to a change in demand
  (WattTime's ``co2_moer``, or any marginal series given as timestamp, value, unit).

Files (the kind is read from the first bytes, never from the name):

- Electricity Maps data portal CSV: ``Datetime (UTC)``, ``Country``, ``Zone Name``,
  ``Zone Id``, ``Carbon Intensity gCO₂eq/kWh (direct)``, ``Carbon Intensity gCO₂eq/kWh (LCA)``,
  ... (the 2024 files spell them ``Zone id``, ``Carbon intensity gCO₂eq/kWh (Life cycle)``;
  both are read). One file gives a ``direct`` and an ``lca`` series.
- WattTime API v3 ``/v3/historical`` JSON (one response, or a list of them as the WattTime
  Python client collects them): ``meta.region``, ``meta.signal_type``, ``meta.units``
  (``lbs_co2_per_mwh``), ``data[].point_time``, ``data[].value``; 5-minute points.
- A plain CSV of ``timestamp`` (or ``point_time``, ``datetime``), ``value``, and optionally
  ``unit`` and ``zone`` (or ``region``); what a file lacks comes from ``--unit``/``--zone``.

Values are stored in g CO2e per kWh: lbs/MWh x 0.453592 (1 lb = 453.592 g, 1 MWh =
1,000 kWh), kg/MWh x 1. Points finer than an hour (WattTime's 5 minutes) are averaged per hour.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from ccf_py.errors import ConfigError, InputError

TABLE = "grid_intensity_series"
DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    zone VARCHAR NOT NULL,          -- Electricity Maps zone id, WattTime region, or as given
    kind VARCHAR NOT NULL,          -- 'direct', 'lca' or 'marginal'
    hour TIMESTAMP NOT NULL,        -- start of the UTC hour
    gco2e_per_kwh DOUBLE NOT NULL,  -- the hour's mean
    points INTEGER NOT NULL,        -- values averaged into it (12 for 5-minute data)
    estimated BOOLEAN,              -- Electricity Maps' "Data Estimated" (NULL: not said)
    source VARCHAR,                 -- who published it, and the unit it came in
    source_file VARCHAR,
    loaded_at TIMESTAMP)
"""

KINDS: tuple[str, ...] = ("direct", "lca", "marginal")
# ccf-py report --intensity: which series a report uses (annual = the coefficient tables only)
INTENSITIES: tuple[str, ...] = ("annual", "hourly", "hourly-lca", "marginal")
KIND_OF: dict[str, str] = {"hourly": "direct", "hourly-lca": "lca", "marginal": "marginal"}
LB_PER_MWH_IN_G_PER_KWH = 0.453592  # 1 lb = 453.592 g (exact); 1 MWh = 1,000 kWh
UNIT_FACTORS: dict[str, float] = {"g/kwh": 1.0, "kg/mwh": 1.0,
                                  "lb/mwh": LB_PER_MWH_IN_G_PER_KWH}
UNIT_HELP = "g/kWh (gCO2eq/kWh), kg/MWh or lbs/MWh"
SUFFIXES = (".csv", ".json", ".csv.gz", ".json.gz")

# SCI (ISO/IEC 21031, spec 1.1, "Region-specific carbon intensity"): "the short run marginal,
# long run marginal, or average emissions grid intensity of that grid shall be used, which
# excludes any market-based measures". Every kind here is location-based, so an SCI score may
# use any of INTENSITIES (and MARGINAL_NOTE says what a marginal one means); market-based
# factors (--gcp-cfe) never, and they do not combine with a series (check_report_intensity).


@dataclass(frozen=True)
class Point:
    """One value of a file, in g CO2e/kWh, at a UTC time (naive)."""

    zone: str
    kind: str
    at: datetime
    gco2e_per_kwh: float
    estimated: bool | None
    line: int               # where it is in its file (CSV line, or JSON point number)


@dataclass
class ParsedFile:
    name: str
    source: str             # publisher and unit, stored with every hour
    points: list[Point] = field(default_factory=list)
    empty_values: int = 0   # cells without a value (the hour stays missing)
    row_word: str = "line"


@dataclass(frozen=True)
class SeriesLoad:
    """What one load did to one (zone, kind): hours written and replaced, and their range."""

    zone: str
    kind: str
    hours: int
    replaced: int
    first_hour: datetime
    last_hour: datetime
    source: str


@dataclass(frozen=True)
class LoadResult:
    files: int
    series: tuple[SeriesLoad, ...]
    empty_values: int


@dataclass(frozen=True)
class SeriesInfo:
    """A loaded series: its range, how many hours it has and lacks in it, and its values."""

    zone: str
    kind: str
    first_hour: datetime
    last_hour: datetime
    hours: int
    missing_hours: int
    mean_gco2e_per_kwh: float
    min_gco2e_per_kwh: float
    max_gco2e_per_kwh: float
    estimated_hours: int
    source: str


SERIES_COLUMNS: tuple[str, ...] = (
    "zone", "kind", "first_hour", "last_hour", "hours", "missing_hours", "mean_gco2e_per_kwh",
    "min_gco2e_per_kwh", "max_gco2e_per_kwh", "estimated_hours", "source")


def render_series(infos: Sequence[SeriesInfo], fmt: str) -> str:
    """``ccf-py intensity list``: a terminal table, CSV or JSON (full precision)."""
    rows = [tuple(f"{v:%Y-%m-%dT%H:00Z}" if isinstance(v, datetime) else v
                  for v in (getattr(s, c) for c in SERIES_COLUMNS)) for s in infos]
    if fmt == "json":
        return json.dumps([dict(zip(SERIES_COLUMNS, r, strict=True)) for r in rows],
                          indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(SERIES_COLUMNS)
        writer.writerows(rows)
        return buf.getvalue()
    if not rows:
        return "No grid intensity series loaded (ccf-py intensity load FILE).\n"
    head = ["zone", "kind", "first hour (UTC)", "last hour", "hours", "missing", "mean g/kWh",
            "min", "max", "estimated", "source"]
    body = [[str(c) if not isinstance(c, float) else f"{c:,.1f}" for c in r] for r in rows]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) if i < 4 or i == 10 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip()
                     for r in [head, *body]) + "\n"


# --- reading files ----------------------------------------------------------------------------

def expand(paths: Sequence[str]) -> list[Path]:
    """Files as given, and the series files (.csv, .json, optionally .gz) of folders."""
    out: list[Path] = []
    for spec in paths:
        p = Path(spec)
        if p.is_dir():
            found = sorted(f for f in p.iterdir()
                           if f.is_file() and f.name.lower().endswith(SUFFIXES))
            if not found:
                raise ConfigError(f"{spec}: no series files (.csv, .json, optionally .gz)")
            out.extend(found)
        elif p.is_file():
            out.append(p)
        else:
            raise ConfigError(f"{spec}: no such file or folder")
    return list(dict.fromkeys(out))


def _text(path: Path) -> str:
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        return raw.decode("utf-8-sig")
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(path.name, f"cannot read: {exc}") from None
    except UnicodeDecodeError:
        raise InputError(path.name, "not UTF-8 text (an intensity series is CSV or JSON)") \
            from None


def parse_file(path: Path, *, zone: str | None = None, unit: str | None = None,
               kind: str | None = None) -> ParsedFile:
    """Read one series file (see the module docstring). ``zone``, ``unit`` and ``kind`` give
    what the file does not say; a file that says otherwise is an error, except ``zone``,
    which renames a one-zone file (a WattTime region stored under its Electricity Maps id)."""
    if kind is not None and kind not in KINDS:
        raise ConfigError(f"--kind {kind!r}: use one of {', '.join(KINDS)}")
    text = _text(path)
    stripped = text.lstrip()
    if not stripped:
        raise InputError(path.name, "empty file")
    if stripped[0] in "[{":
        parsed = _parse_watttime(path.name, stripped, zone, unit, kind)
    else:
        rows = csv.reader(io.StringIO(text))
        header = next(rows, [])
        names = [_norm(h) for h in header]
        if "zone id" in names and any(n.startswith(EM_DIRECT) for n in names):
            if unit is not None or kind is not None:
                raise ConfigError(f"{path.name}: an Electricity Maps file says its unit and "
                                  "kinds itself (no --unit or --kind)")
            parsed = _parse_electricitymaps(path.name, header, rows)
        else:
            parsed = _parse_plain(path.name, header, rows, unit, kind or "marginal")
    parsed.points = _rename(parsed, zone)
    _check_spacing(parsed)
    return parsed


def _norm(name: str) -> str:
    """A header cell compared without case, subscripts or doubled spaces."""
    return re.sub(r"\s+", " ", name.replace("\u2082", "2").strip().lower())


EM_DIRECT = "carbon intensity gco2eq/kwh (direct)"
EM_LCA = ("carbon intensity gco2eq/kwh (lca)", "carbon intensity gco2eq/kwh (life cycle)")


def _parse_electricitymaps(name: str, header: list[str], rows: Iterator[list[str]]
                           ) -> ParsedFile:
    names = [_norm(h) for h in header]
    col = {"time": names.index("datetime (utc)") if "datetime (utc)" in names else None,
           "zone": names.index("zone id"),
           "direct": next(i for i, n in enumerate(names) if n.startswith(EM_DIRECT)),
           "lca": next((i for i, n in enumerate(names) if n.startswith(EM_LCA)), None),
           "estimated": names.index("data estimated") if "data estimated" in names else None}
    if col["time"] is None:
        raise InputError(name, "no 'Datetime (UTC)' column (an Electricity Maps data portal "
                         "file has one)")
    out = ParsedFile(name, "Electricity Maps data portal (gCO2eq/kWh)")
    for line, row in _numbered(rows):
        at = _time(name, line, header[col["time"]], _cell(row, col["time"]))
        zone = _cell(row, col["zone"]).strip()
        if not zone:
            raise InputError(name, "empty zone id", row=line, column=header[col["zone"]])
        estimated = _flag(_cell(row, col["estimated"])) if col["estimated"] is not None else None
        for kind in ("direct", "lca"):
            i = col[kind]
            if i is None:
                continue
            value = _value(name, line, header[i], _cell(row, i), 1.0)
            if value is None:
                out.empty_values += 1
                continue
            out.points.append(Point(zone, kind, at, value, estimated, line))
    return out


def _parse_plain(name: str, header: list[str], rows: Iterator[list[str]], unit: str | None,
                 kind: str) -> ParsedFile:
    names = [_norm(h) for h in header]

    def find(*candidates: str) -> int | None:
        return next((names.index(c) for c in candidates if c in names), None)

    t, v = find("timestamp", "point_time", "datetime", "datetime (utc)", "time"), \
        find("value", "moer", "gco2e_per_kwh", "intensity")
    if t is None or v is None:
        raise InputError(name, "not an intensity series: expected an Electricity Maps data "
                         "portal CSV (Datetime (UTC), Zone Id, Carbon Intensity ...), a WattTime "
                         "JSON response, or a CSV with timestamp and value columns "
                         f"(found: {', '.join(header[:8]) or 'no header'})")
    u, z = find("unit", "units"), find("zone", "region", "zone id")
    if u is None and unit is None:
        raise ConfigError(f"{name}: no unit column; give --unit ({UNIT_HELP})")
    given = _unit_factor(unit, name) if unit is not None else None
    units_seen: set[str] = set()
    out = ParsedFile(name, "")
    for line, row in _numbered(rows):
        at = _time(name, line, header[t], _cell(row, t))
        cell_unit = _cell(row, u).strip() if u is not None else ""
        if cell_unit:
            factor = _unit_factor(cell_unit, name, line, header[u])  # type: ignore[index]
            if unit is not None and factor != given:
                raise InputError(name, f"unit {cell_unit!r} differs from --unit {unit}",
                                 row=line, column=header[u])  # type: ignore[index]
            units_seen.add(cell_unit)
        elif given is not None:
            factor = given
        else:
            raise InputError(name, f"empty unit ({UNIT_HELP})", row=line,
                             column=header[u])  # type: ignore[index]
        zone = _cell(row, z).strip() if z is not None else ""
        value = _value(name, line, header[v], _cell(row, v), factor)
        if value is None:
            out.empty_values += 1
            continue
        out.points.append(Point(zone, kind, at, value, None, line))
    shown = ", ".join(sorted(units_seen)) or str(unit)
    out.source = f"CSV series ({shown}{' -> g/kWh' if shown.lower() != 'g/kwh' else ''})"
    return out


def _parse_watttime(name: str, text: str, zone: str | None, unit: str | None,
                    kind: str | None) -> ParsedFile:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(name, f"not valid JSON ({exc.msg})", row=exc.lineno) from None
    responses = doc if isinstance(doc, list) else [doc]
    out = ParsedFile(name, "", row_word="point")
    n = 0
    signals = set()
    for resp in responses:
        if not isinstance(resp, dict) or not isinstance(resp.get("data"), list) \
                or not isinstance(resp.get("meta"), dict):
            raise InputError(name, "not a WattTime API response (expected 'meta' and 'data')")
        meta = resp["meta"]
        signal = str(meta.get("signal_type") or "")
        found = {"co2_moer": "marginal", "co2_aoer": "direct"}.get(signal)
        if found is None:
            raise InputError(name, f"signal_type {signal!r}: only co2_moer (marginal) and "
                             "co2_aoer (average) are CO2 intensities", column="meta.signal_type")
        if kind is not None and kind != found:
            raise ConfigError(f"{name}: a {signal} series is {found}, not --kind {kind}")
        units = str(meta.get("units") or unit or "")
        if not units:
            raise InputError(name, f"no meta.units; give --unit ({UNIT_HELP})")
        factor = _unit_factor(units, name, column="meta.units")
        region = str(meta.get("region") or "")
        signals.add(f"WattTime {signal} ({units}{' -> g/kWh' if factor != 1 else ''}; CO2 only)")
        for item in resp["data"]:
            n += 1
            if not isinstance(item, dict):
                raise InputError(name, "not an object", row=n, row_word="point")
            at = _time(name, n, "point_time", str(item.get("point_time") or ""), "point")
            raw = item.get("value")
            value = _value(name, n, "value", "" if raw is None else str(raw), factor, "point")
            if value is None:
                out.empty_values += 1
                continue
            out.points.append(Point(region, found, at, value, None, n))
    out.source = "; ".join(sorted(signals))
    return out


def _numbered(rows: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """Data rows with their physical line number (header = line 1); blank lines skipped."""
    reader = rows
    for row in reader:
        line = reader.line_num  # type: ignore[attr-defined]
        if not any(c.strip() for c in row):
            continue
        yield line, row


def _cell(row: list[str], i: int | None) -> str:
    return row[i] if i is not None and i < len(row) else ""


def _flag(text: str) -> bool | None:
    t = text.strip().lower()
    return {"true": True, "false": False, "1": True, "0": False}.get(t)


def _time(name: str, line: int, column: str, text: str, row_word: str = "line") -> datetime:
    t = text.strip()
    try:
        at = datetime.fromisoformat(t[:-1] + "+00:00" if t.endswith(("Z", "z")) else t)
    except ValueError:
        raise InputError(name, f"not a date and time: {t!r} (expected e.g. 2026-10-01 "
                         "13:00:00, UTC, or ISO 8601 with an offset)", row=line, column=column,
                         row_word=row_word) from None
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at


def _value(name: str, line: int, column: str, text: str, factor: float,
           row_word: str = "line") -> float | None:
    t = text.strip()
    if not t:
        return None
    try:
        value = float(t)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InputError(name, f"not a number: {t!r}", row=line, column=column,
                         row_word=row_word)
    if value < 0:
        raise InputError(name, f"a negative intensity: {t}", row=line, column=column,
                         row_word=row_word)
    return value * factor


def _unit_factor(text: str, name: str, line: int | None = None, column: str | None = None
                 ) -> float:
    """g CO2e/kWh per unit of ``text``: lbs_co2_per_mwh, lbs/MWh, gCO2eq/kWh, kg/MWh..."""
    key = _norm(text).replace(" ", "").replace("_per_", "/").replace("lbs", "lb")
    key = re.sub(r"co2(eq|e)?", "", key).replace("_", "")
    if key not in UNIT_FACTORS:
        raise InputError(name, f"unknown unit {text!r} (use {UNIT_HELP})", row=line,
                         column=column)
    return UNIT_FACTORS[key]


def _rename(parsed: ParsedFile, zone: str | None) -> list[Point]:
    """Points with ``zone``: for a file without zones, or renaming a one-zone file."""
    zones = {p.zone for p in parsed.points}
    if zone is None:
        if "" in zones:
            raise ConfigError(f"{parsed.name}: no zone in the file; give --zone (an "
                              "Electricity Maps zone id such as US-MIDA-PJM, or a WattTime "
                              "region such as CAISO_NORTH)")
        return parsed.points
    if len(zones) > 1:
        raise ConfigError(f"{parsed.name}: holds zones {', '.join(sorted(zones))}; --zone "
                          "renames a one-zone file only")
    return [Point(zone, p.kind, p.at, p.gco2e_per_kwh, p.estimated, p.line)
            for p in parsed.points]


def _check_spacing(parsed: ParsedFile) -> None:
    """Every (zone, kind) of a file: two values at most once per time, and an hourly or finer
    series (a daily or monthly portal file would spread one value over its hours)."""
    by_series: dict[tuple[str, str], dict[datetime, Point]] = {}
    for p in parsed.points:
        seen = by_series.setdefault((p.zone, p.kind), {})
        if p.at in seen:
            first = seen[p.at]
            if first.gco2e_per_kwh != p.gco2e_per_kwh:
                raise InputError(parsed.name, f"{p.zone} {p.kind}: a second value for "
                                 f"{p.at:%Y-%m-%d %H:%M} (first on {parsed.row_word} "
                                 f"{first.line})", row=p.line, row_word=parsed.row_word)
            continue  # an exact repeat (WattTime chunks share their end points)
        seen[p.at] = p
    for (zone, kind), seen in by_series.items():
        times = sorted(seen)
        if len(times) < 2:
            raise InputError(parsed.name, f"{zone} {kind}: one value only; an hourly series "
                             "needs at least two hours")
        gap = min(b - a for a, b in zip(times, times[1:], strict=False))
        if gap > timedelta(hours=1):
            raise InputError(parsed.name, f"{zone} {kind}: values are {_span(gap)} apart, "
                             "not hourly (a daily, monthly or yearly file? load the hourly "
                             "one)")


def _span(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    n, word = (hours / 24, "day") if hours >= 24 else (hours, "hour")
    return f"{n:g} {word}{'' if n == 1 else 's'}"


Hourly = dict[tuple[str, str, datetime], tuple[float, int, bool | None]]


def hourly(points: Iterable[Point]) -> Hourly:
    """Mean per (zone, kind, hour) of distinct points, with their count and whether any was
    estimated (None when the file does not say)."""
    acc: dict[tuple[str, str, datetime], list] = {}
    seen: set[tuple[str, str, datetime]] = set()
    for p in points:
        if (p.zone, p.kind, p.at) in seen:
            continue
        seen.add((p.zone, p.kind, p.at))
        key = (p.zone, p.kind, p.at.replace(minute=0, second=0, microsecond=0))
        a = acc.setdefault(key, [0.0, 0, None])
        a[0] += p.gco2e_per_kwh
        a[1] += 1
        if p.estimated is not None:
            a[2] = bool(a[2]) or p.estimated
    return {k: (s / n, n, est) for k, (s, n, est) in acc.items()}


# --- the database -----------------------------------------------------------------------------

def load(con: duckdb.DuckDBPyConnection, paths: Sequence[str], *, zone: str | None = None,
         unit: str | None = None, kind: str | None = None) -> LoadResult:
    """Read every file first (any error leaves the database untouched), then write all their
    hours in one transaction; hours already loaded for the same zone and kind are replaced."""
    files = [parse_file(p, zone=zone, unit=unit, kind=kind) for p in expand(paths)]
    by_series: dict[tuple[str, str], dict[datetime, tuple]] = {}
    owner: dict[tuple[str, str, datetime], str] = {}
    for f in files:
        for (z, k, hour), (value, n, est) in hourly(f.points).items():
            other = owner.setdefault((z, k, hour), f.name)
            if other != f.name:
                raise InputError(f.name, f"{z} {k} {hour:%Y-%m-%d %H:00} is also in {other}; "
                                 "load overlapping files one at a time (the later replaces)")
            by_series.setdefault((z, k), {})[hour] = (value, n, est, f.source, f.name)
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    results = []
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(DDL)
        for (z, k), hours in sorted(by_series.items()):
            keys = sorted(hours)
            replaced = con.execute(
                f"SELECT count(*) FROM {TABLE} WHERE zone = ? AND kind = ? AND hour IN "
                "(SELECT unnest(?::TIMESTAMP[]))", [z, k, keys]).fetchone()[0]
            con.execute(f"DELETE FROM {TABLE} WHERE zone = ? AND kind = ? AND hour IN "
                        "(SELECT unnest(?::TIMESTAMP[]))", [z, k, keys])
            cols = list(zip(*(hours[h] for h in keys), strict=True))
            con.execute(
                f"INSERT INTO {TABLE} SELECT ?, ?, unnest(?::TIMESTAMP[]), unnest(?::DOUBLE[]), "
                "unnest(?::INTEGER[]), unnest(?::BOOLEAN[]), unnest(?::VARCHAR[]), "
                "unnest(?::VARCHAR[]), ?",
                [z, k, keys, list(cols[0]), list(cols[1]), list(cols[2]), list(cols[3]),
                 list(cols[4]), loaded_at])
            results.append(SeriesLoad(z, k, len(keys), int(replaced), keys[0], keys[-1],
                                      "; ".join(sorted(set(cols[3])))))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return LoadResult(len(files), tuple(results), sum(f.empty_values for f in files))


def has_table(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute(
        "SELECT 1 FROM duckdb_tables() WHERE table_name = ? AND database_name = "
        "current_database() AND NOT temporary", [TABLE]).fetchone())


def series_info(con: duckdb.DuckDBPyConnection) -> list[SeriesInfo]:
    """Every loaded (zone, kind), in zone order."""
    if not has_table(con):
        return []
    rows = con.execute(
        f"""SELECT zone, kind, min(hour), max(hour), count(*),
                   CAST(epoch(max(hour) - min(hour)) / 3600 AS BIGINT) + 1 - count(*),
                   avg(gco2e_per_kwh), min(gco2e_per_kwh), max(gco2e_per_kwh),
                   count(*) FILTER (WHERE estimated), string_agg(DISTINCT source, '; ')
            FROM {TABLE} GROUP BY zone, kind
            ORDER BY zone, array_position(['direct', 'lca', 'marginal'], kind)""").fetchall()
    return [SeriesInfo(*r) for r in rows]


def hours_of(con: duckdb.DuckDBPyConnection, zone: str, kind: str, first: datetime,
             last: datetime) -> dict[datetime, float]:
    """The loaded hours of one series from ``first`` to ``last`` (inclusive)."""
    return dict(con.execute(
        f"SELECT hour, gco2e_per_kwh FROM {TABLE} WHERE zone = ? AND kind = ? "
        "AND hour BETWEEN ? AND ? ORDER BY hour", [zone, kind, first, last]).fetchall())


# --- reports: which intensity each billed line gets -------------------------------------------

def check_report_intensity(con: duckdb.DuckDBPyConnection, intensity: str, methodology: str,
                           gcp_cfe: bool) -> None:
    """A report's --intensity: one of INTENSITIES, not with the ccf methodology (CCF has
    annual factors only) nor with market-based factors, and with a series of its kind loaded."""
    if intensity not in INTENSITIES:
        raise ConfigError(f"--intensity {intensity!r}: use one of {', '.join(INTENSITIES)}")
    if intensity == "annual":
        return
    if methodology == "ccf":
        raise ConfigError(f"--intensity {intensity}: the ccf methodology reproduces Cloud "
                          "Carbon Footprint's annual grid factors; use --methodology default")
    if gcp_cfe:
        raise ConfigError(f"--intensity {intensity} with --gcp-cfe: hourly and marginal "
                          "series are location-based, CFE-adjusted factors market-based; "
                          "choose one")
    kind = KIND_OF[intensity]
    if not has_table(con) or not con.execute(
            f"SELECT count(*) FROM {TABLE} WHERE kind = ?", [kind]).fetchone()[0]:
        raise ConfigError(f"--intensity {intensity}: no {kind} series is loaded (load one with "
                          "'ccf-py intensity load FILE'; 'ccf-py intensity list' shows them)")


# The SQL a model gets with annual factors: nothing (the models are as without series).
ANNUAL_EXPRESSIONS: dict[str, str] = {
    "hourly_join": "", "hourly_select": "", "billed_hourly": "",
    "keyed_hourly": "", "line_gco2e": "rf.gco2e_per_kwh", "line_hourly": "", "agg_hourly": "",
}
# Rows estimated from cost have energy in proportion to their cost, others to their amount
# (int_usage_keyed sums both per group): the group's intensity is weighted by that.
_BY_COST = "kc.estimate_path = 'from_cost' AND NOT coalesce(kc.ratio_amount_per_unit > 0, false)"
SERIES_EXPRESSIONS: dict[str, str] = {
    "hourly_join": (
        "LEFT JOIN int_hourly_factors hf ON hf.hf_provider = provider_name "
        "AND hf.hf_region = region_id AND hf.hf_start = charge_period_start "
        "AND hf.hf_end IS NOT DISTINCT FROM charge_period_end"),
    "hourly_select": ", hf.hf_gco2e_per_kwh AS hourly_gco2e",
    "billed_hourly": (
        ", usage_amount * hourly_gco2e AS h_amount_g, "
        "CASE WHEN hourly_gco2e IS NOT NULL THEN usage_amount END AS h_amount, "
        "ratio_cost * hourly_gco2e AS h_cost_g, "
        "CASE WHEN hourly_gco2e IS NOT NULL THEN ratio_cost END AS h_cost"),
    "keyed_hourly": (", sum(h_amount_g) AS h_amount_g, sum(h_amount) AS h_amount, "
                     "sum(h_cost_g) AS h_cost_g, sum(h_cost) AS h_cost"),
    "line_gco2e": (
        f"CASE WHEN {_BY_COST} "
        "THEN ccf_series_gco2e(u.h_cost_g, u.h_cost, u.ratio_cost, rf.gco2e_per_kwh) "
        "ELSE ccf_series_gco2e(u.h_amount_g, u.h_amount, u.usage_amount, rf.gco2e_per_kwh) END"),
    "line_hourly": (
        f", CASE WHEN {_BY_COST} THEN ccf_series_share(u.h_cost, u.ratio_cost) "
        "ELSE ccf_series_share(u.h_amount, u.usage_amount) END AS series_share"),
    "agg_hourly": (", sum(direct_kwh * series_share) AS series_direct_kwh, "
                   "sum(ratio_cost * series_share) AS series_ratio_cost"),
}


def kind_literal(intensity: str) -> str:
    """The series kind of a report's --intensity as a SQL literal (NULL for annual)."""
    if intensity not in INTENSITIES:
        raise ConfigError(f"--intensity {intensity!r}: use one of {', '.join(INTENSITIES)}")
    return f"'{KIND_OF[intensity]}'" if intensity != "annual" else "NULL"


def series_expressions(con: duckdb.DuckDBPyConnection, intensity: str,
                       factors_sql: str) -> dict[str, str]:
    """Build TEMP table ``int_hourly_factors`` from ``factors_sql`` (its model, bound) and
    return the SQL the other models use: ANNUAL_EXPRESSIONS when ``intensity`` is annual or no
    billed window is covered, so that such a report runs exactly the SQL it ran before."""
    con.execute("DROP TABLE IF EXISTS temp.int_hourly_factors")
    if intensity == "annual":
        return dict(ANNUAL_EXPRESSIONS)
    con.execute(f"CREATE TEMP TABLE int_hourly_factors AS {factors_sql}")
    if not con.execute("SELECT count(*) FROM int_hourly_factors").fetchone()[0]:
        return dict(ANNUAL_EXPRESSIONS)
    return dict(SERIES_EXPRESSIONS)


KIND_WORDS = {"direct": "hourly average (direct, combustion only)",
              "lca": "hourly average (life-cycle)",
              "marginal": "hourly marginal"}
ANNUAL_NOTE = ("Grid intensity: annual average factors per region (coefficients/"
               "grid_intensity.csv) for all energy; hourly or marginal series: --intensity.")
MARGINAL_NOTE = ("Marginal intensity is consequential: the emissions of the generators that "
                 "follow a change in demand, i.e. what adding or removing this load changes. "
                 "It is location-based (SCI accepts it), not an attributional inventory figure "
                 "(GHG Protocol scope 2 uses averages); do not add it to average-based totals.")


def intensity_notes(con: duckdb.DuckDBPyConnection, intensity: str,
                    lines: str) -> tuple[str, ...]:
    """Which grid intensity the report used, and for what share of its energy (``lines``: the
    estimated lines model, a name of ccf_py's own)."""
    if intensity == "annual":
        return (ANNUAL_NOTE,)
    kind = KIND_OF[intensity]
    has_series = bool(con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'int_usage_agg' "
        "AND column_name = 'series_direct_kwh'").fetchone()[0])
    # int_usage_agg_energy: int_usage_agg with the ratios joined (ccf_py.estimate.AGG_ENERGY,
    # what rpt_grouped reads); the covered part applies the same ratios to the cost at series
    # intensity (a row's energy is linear in its cost)
    covered_kwh = ("sum(ccf_usage_kwh(estimate_path, series_direct_kwh, kwh_per_cost, "
                   "series_ratio_cost))" if has_series else "0")
    total, covered = con.execute(
        f"SELECT sum(energy_kwh), {covered_kwh} FROM int_usage_agg_energy").fetchone()
    share = float(covered or 0) / float(total) if total else 0.0
    what = KIND_WORDS[kind]
    if not has_series:
        notes = [f"Grid intensity: no loaded {kind} series covers the billed hours of any "
                 "region (coefficients/grid_zones.csv maps regions to zones); all energy at "
                 "annual average factors."]
    else:
        zones = [r[0] for r in con.execute(
            "SELECT hf_zone FROM int_hourly_factors GROUP BY 1 ORDER BY 1").fetchall()]
        rest = [f"{p} {r}" for p, r in con.execute(
            f"""SELECT provider, coalesce(region, '(none)') FROM {lines}
                WHERE series_share < 1 AND (direct_kwh > 0 OR estimate_path = 'from_cost')
                GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 13""").fetchall()]
        more = " and more" if len(rest) > 12 else ""
        notes = [f"Grid intensity: {what} series for {share:.1%} of the energy (zones "
                 f"{', '.join(zones)}; each billed line at the mean of its hours, a daily "
                 "line at its day's mean); the rest at annual average factors"
                 + (f" (regions with some energy at annual factors: no zone in "
                    f"coefficients/grid_zones.csv or hours the series lacks: "
                    f"{', '.join(rest[:12])}{more})." if rest else ".")]
    if kind == "marginal":
        notes.append(MARGINAL_NOTE)
    return tuple(notes)
