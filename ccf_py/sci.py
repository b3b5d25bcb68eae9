"""Software Carbon Intensity (SCI) per service, account, provider or tag.

Green Software Foundation SCI 1.1 (ISO/IEC 21031:2024): ``SCI = ((E x I) + M) per R``, with

* ``E`` energy in kWh (PUE included), ``I`` the location-based grid intensity in g CO2e/kWh,
  so ``O = E x I`` is the operational emissions in g CO2e;
* ``M`` the embodied emissions in g CO2e (the SQL macro ``ccf_embodied_kg`` of
  ``queries/macros/energy.sql``: ``TE x (TiR / EL) x (RR / ToR)``);
* ``R`` the functional unit (requests, users, training runs, tokens...), read from a units file.

E, O and M per key and month come from :func:`ccf_py.api.report`; ``I`` is energy-weighted over
the rows of the key (O / E), never a market-based factor (SCI excludes market-based measures, so
``--gcp-cfe`` is never used here). A units file is a small CSV
``month, <key columns>, functional_unit, units``; it is read with the csv module and every bad
row is one :class:`~ccf_py.errors.InputError` naming the file and line.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ccf_py import __version__
from ccf_py.errors import ConfigError, InputError, MissingColumnError
from ccf_py.model import CoverageRow, ReportTable

G_PER_KG = 1000.0
# Keys an SCI can be computed per (``tag:KEY`` besides). ``provider`` tells services of the
# same name apart across clouds.
SCI_KEYS: tuple[str, ...] = ("provider", "account", "service")
FILE_COLUMNS: tuple[str, ...] = ("month", "functional_unit", "units")
SCI_METRICS: tuple[str, ...] = (
    "functional_unit", "units", "energy_kwh", "intensity_gco2e_per_kwh", "operational_gco2e",
    "embodied_gco2e", "sci_gco2e_per_unit",
)
NEEDS_UNITS_NOTE = ("SCI needs a units file giving R (requests, users, jobs...) per key and "
                    "month: ccf-py sci --units FILE (README, 'Software Carbon Intensity "
                    "(SCI)'). Without it, the table gives E, I, O and M only.")
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# A plain decimal number (float() alone would also take 'nan', 'inf' and '1_000')
NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
# Usage classes that carry emissions, in the order the boundary names them.
EMITTING_CLASSES: tuple[str, ...] = ("compute", "memory", "storage", "network", "unknown")
MAX_LISTED = 10


# --- the SCI arithmetic (one place) ------------------------------------------------------------

def operational_g(energy_kwh: float, intensity_gco2e_per_kwh: float) -> float:
    """SCI's O = E x I (g CO2e)."""
    return energy_kwh * intensity_gco2e_per_kwh


def intensity(operational_gco2e: float, energy_kwh: float) -> float | None:
    """The energy-weighted grid intensity of rows summed together: their O over their E
    (None when they used no energy: no intensity to speak of)."""
    return operational_gco2e / energy_kwh if energy_kwh > 0 else None


def sci_value(operational_gco2e: float, embodied_gco2e: float, units: float) -> float:
    """SCI = (O + M) / R in g CO2e per functional unit; R must be a positive number."""
    if not (units > 0 and math.isfinite(units)):
        raise ValueError(f"R must be a positive number, not {units!r}")
    return (operational_gco2e + embodied_gco2e) / units


# --- units file ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class UnitsRow:
    month: str                      # YYYY-MM
    keys: tuple[str, ...]           # values of UnitsFile.keys, in that order
    functional_unit: str            # what R counts ("requests", "users"...)
    units: float                    # R, > 0
    line: int                       # line of the file (the header is line 1)


@dataclass(frozen=True)
class UnitsFile:
    path: str
    keys: tuple[str, ...]           # key columns as written in the header (order kept)
    rows: tuple[UnitsRow, ...]


def _column_name(raw: str) -> str:
    """Header cell -> column name: plain names in lower case, a tag's KEY as written."""
    name = raw.strip()
    if name.lower().startswith("tag:"):
        return "tag:" + name[4:].strip()
    return name.lower()


def _read_header(path: str, header: list[str]) -> tuple[list[str], tuple[str, ...]]:
    names = [_column_name(h) for h in header]
    if len(names) == 1 and ";" in names[0]:
        raise InputError(path, "the header has one column; separate columns with commas, "
                         "not ';'", row=1)
    for i, name in enumerate(names):
        if names.index(name) != i:
            raise InputError(path, f"column {name!r} appears twice in the header", row=1)
        if name not in FILE_COLUMNS and name not in SCI_KEYS and not _is_tag(name):
            raise InputError(path, f"column {header[i].strip()!r} is neither a key "
                             f"({', '.join(SCI_KEYS)}, tag:KEY) nor one of "
                             f"{', '.join(FILE_COLUMNS)}", row=1)
    missing = [c for c in FILE_COLUMNS if c not in names]
    if missing:
        raise MissingColumnError(path, f"missing column(s) {', '.join(missing)} (expected "
                                 "month, <key columns>, functional_unit, units)", row=1)
    keys = tuple(n for n in names if n not in FILE_COLUMNS)
    if not keys:
        raise MissingColumnError(path, "no key column (one or more of "
                                 f"{', '.join(SCI_KEYS)}, tag:KEY)", row=1)
    return names, keys


def _is_tag(name: str) -> bool:
    return name.startswith("tag:") and len(name) > 4


def _parse_units(path: str, text: str, line: int) -> float:
    if not NUMBER_RE.match(text):
        raise InputError(path, f"units {text!r} is not a number (digits, '.' as the decimal "
                         "point, no thousands separator)", row=line, column="units")
    value = float(text)
    if not math.isfinite(value):
        raise InputError(path, f"units {text} is too large", row=line, column="units")
    if value == 0:
        raise InputError(path, "units is 0: R must be positive (SCI divides by it); leave "
                         "out the row of a key that served no functional unit", row=line,
                         column="units")
    if value < 0:
        raise InputError(path, f"units {text} is negative: R counts functional units",
                         row=line, column="units")
    return value


def _parse_row(path: str, names: list[str], keys: tuple[str, ...], cells: list[str],
               line: int) -> UnitsRow:
    if len(cells) != len(names):
        raise InputError(path, f"expected {len(names)} fields, found {len(cells)}", row=line)
    values = {n: c.strip() for n, c in zip(names, cells, strict=True)}
    month = values["month"]
    if not MONTH_RE.match(month):
        raise InputError(path, f"month {month!r}: expected YYYY-MM", row=line, column="month")
    for k in keys:
        if not values[k]:
            raise InputError(path, f"empty {k}", row=line, column=k)
    if not values["functional_unit"]:
        raise InputError(path, "empty functional_unit (say what R counts: requests, "
                         "users...)", row=line, column="functional_unit")
    return UnitsRow(month, tuple(values[k] for k in keys), values["functional_unit"],
                    _parse_units(path, values["units"], line), line)


def read_units(path: str | os.PathLike[str]) -> UnitsFile:
    """Read and check a units file: header, then one row per (month, key values)."""
    label = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # Excel writes a BOM
    except FileNotFoundError:
        raise InputError(label, "no such units file") from None
    except UnicodeDecodeError:
        raise InputError(label, "not UTF-8 text (save the units file as UTF-8 CSV)") from None
    except OSError as exc:
        raise InputError(label, f"cannot read: {exc.strerror or exc}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(label, "empty file (expected a header: month, <key columns>, "
                         "functional_unit, units)") from None
    except csv.Error as exc:
        raise InputError(label, f"not CSV: {exc}", row=1) from None
    names, keys = _read_header(label, header)
    rows: list[UnitsRow] = []
    seen: dict[tuple[str, tuple[str, ...]], int] = {}
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InputError(label, f"not CSV: {exc}", row=reader.line_num) from None
        if not any(c.strip() for c in cells):  # blank line
            continue
        row = _parse_row(label, names, keys, cells, reader.line_num)
        first = seen.setdefault((row.month, row.keys), row.line)
        if first != row.line:
            raise InputError(label, f"duplicate row: {row.month} {_label(row.keys)} is "
                             f"already given on line {first}", row=row.line)
        rows.append(row)
    return UnitsFile(label, keys, tuple(rows))


def _label(values: Sequence[str]) -> str:
    return " / ".join(v if v else "(none)" for v in values)


# --- keys and months -----------------------------------------------------------------------------

def resolve_keys(by: str | Sequence[str] | None, units: UnitsFile | None) -> tuple[str, ...]:
    """The SCI's keys: ``by`` (checked against the units file's key columns), else the file's
    key columns, else ``service``."""
    if not by:
        return units.keys if units else ("service",)
    keys = tuple(k.strip() for k in (by.split(",") if isinstance(by, str) else by))
    for k in keys:
        if not k:
            raise ConfigError("--by: an empty key")
        if k not in SCI_KEYS and not _is_tag(k):
            raise ConfigError(f"--by {k!r}: SCI is per {', '.join(SCI_KEYS)} or tag:KEY")
    if len(set(keys)) != len(keys):
        raise ConfigError("--by: a key is repeated")
    if units is not None and set(keys) != set(units.keys):
        raise ConfigError(f"--by {','.join(keys)} does not match the key columns of "
                          f"{units.path} ({', '.join(units.keys)}); leave out --by to use "
                          "the file's")
    return units.keys if units is not None else keys


def months_to_report(units: UnitsFile | None, month: str | None,
                     loaded: Sequence[str]) -> list[str]:
    """``month`` if given, else the units file's months (each must be loaded; the first row of
    one that is not is the error), else every loaded month."""
    if month is not None:
        return [month]
    if units is None:
        if not loaded:
            raise ConfigError("the database holds no billing data (run 'ccf-py ingest')")
        return list(loaded)
    months: list[str] = []
    for row in units.rows:
        if row.month not in loaded:
            raise InputError(units.path, f"month {row.month} is not loaded (loaded: "
                             f"{', '.join(loaded) or 'none'})", row=row.line, column="month")
        if row.month not in months:
            months.append(row.month)
    if not months:
        raise InputError(units.path, "no rows (one per month and key: month, <key columns>, "
                         "functional_unit, units)")
    return sorted(months)


def detail_keys(keys: tuple[str, ...]) -> tuple[str, ...]:
    """The report keys to ask for: the SCI's keys plus the service (for the boundary, when
    it is not a key) and the usage class (for the boundary's classes)."""
    return (*keys, *(() if "service" in keys else ("service",)), "usage_class")


# --- the table -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SciRow:
    month: str
    keys: tuple[str, ...]
    functional_unit: str | None     # None when the units file gives no R for the row
    units: float | None             # R
    energy_kwh: float               # E
    intensity_gco2e_per_kwh: float | None  # I = O / E (None without energy)
    operational_gco2e: float        # O = E x I
    embodied_gco2e: float           # M
    sci_gco2e_per_unit: float | None  # (O + M) / R; None without R

    def values(self) -> tuple:
        return (self.month, *self.keys, self.functional_unit, self.units, self.energy_kwh,
                self.intensity_gco2e_per_kwh, self.operational_gco2e, self.embodied_gco2e,
                self.sci_gco2e_per_unit)


@dataclass(frozen=True)
class Boundary:
    """SCI's software boundary of the table: what is in, stated with every output."""

    keys: tuple[str, ...]
    months: tuple[str, ...]
    # (usage class, share of the table's CO2e) for the classes with emissions
    usage_classes: tuple[tuple[str, float], ...]
    # key label -> services billed to it (when the service is not a key)
    services: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # key labels with no emissions and no R, left out of the rows
    left_out: tuple[str, ...] = ()

    def text(self) -> str:
        per = ", ".join(self.keys)
        classes = ", ".join(
            f"{c} {s:.1%}{' (extrapolated from cost ratios)' if c == 'unknown' else ''}"
            for c, s in self.usage_classes) or "none with emissions"
        whole = ("every service billed to each key is in" if "service" not in self.keys
                 else "each service whole")
        if self.services:
            whole += f" ({len({s for _, ss in self.services for s in ss})} services)"
        text = (f"Software boundary: all billed usage per {per} in {', '.join(self.months)} "
                f"({whole}; nothing apportioned or left out). Usage classes (share of the "
                f"CO2e): {classes}; "
                "non_usage rows (tax, credits, fees, support) carry no emissions. E includes "
                "the data centre PUE; I is the location-based grid intensity (market-based "
                "instruments such as RECs, PPAs or Google's CFE % are never subtracted); M "
                "is the embodied share of compute with a known instance type. R must count "
                "the functional units of the same months.")
        if self.left_out:
            text += (f" Keys without emissions or R, not shown: "
                     f"{_listed(self.left_out)}.")
        return text

    def as_json(self) -> dict:
        return {
            "keys": list(self.keys), "months": list(self.months),
            "usage_classes": {c: s for c, s in self.usage_classes},
            "usage_classes_without_emissions": ["non_usage"],
            "services_per_key": {k: list(s) for k, s in self.services} or None,
            "keys_left_out": list(self.left_out),
            "grid_factors": "location-based (no market-based instruments)",
            "text": self.text(),
        }


@dataclass(frozen=True)
class SciTable:
    keys: tuple[str, ...]
    rows: tuple[SciRow, ...]
    methodology: str
    months: tuple[str, ...]
    boundary: Boundary
    notes: tuple[str, ...] = ()     # the confidence line first
    units_file: str | None = None
    coverage: tuple[CoverageRow, ...] = ()
    version: str = field(default=__version__)

    @property
    def columns(self) -> tuple[str, ...]:
        return ("month", *self.keys, *SCI_METRICS)

    @property
    def period(self) -> str:
        """One month, or the first and last months as an ISO 8601 interval."""
        if len(self.months) == 1:
            return self.months[0]
        return f"{self.months[0]}/{self.months[-1]}" if self.months else ""

    def as_dicts(self) -> list[dict]:
        return [dict(zip(self.columns, r.values(), strict=True)) for r in self.rows]


@dataclass
class _Sums:
    energy_kwh: float = 0.0
    operational_kg: float = 0.0
    embodied_kg: float = 0.0
    classes: dict[str, float] = field(default_factory=dict)   # usage class -> CO2e kg
    services: set[str] = field(default_factory=set)


def _aggregate(table: ReportTable, keys: tuple[str, ...]) -> dict[tuple[str, ...], _Sums]:
    """Sum a detail report (keys, service, usage class; maybe currency first) per key."""
    at = {k: table.keys.index(k) for k in (*keys, "service", "usage_class")}
    sums: dict[tuple[str, ...], _Sums] = {}
    for rec in table.as_dicts():
        row = tuple(rec[k] for k in table.keys)
        s = sums.setdefault(tuple(str(row[at[k]] or "") for k in keys), _Sums())
        s.energy_kwh += float(rec["energy_kwh"] or 0)
        s.operational_kg += float(rec["co2e_operational_kg"] or 0)
        s.embodied_kg += float(rec["co2e_embodied_kg"] or 0)
        total = float(rec["co2e_total_kg"] or 0)
        cls = str(row[at["usage_class"]])
        s.classes[cls] = s.classes.get(cls, 0.0) + total
        if total or cls != "non_usage":
            s.services.add(str(row[at["service"]] or ""))
    return sums


def _has_emissions(s: _Sums) -> bool:
    return bool(s.energy_kwh or s.operational_kg or s.embodied_kg)


def _check_keys(units: UnitsFile, month: str, sums: Mapping[tuple[str, ...], _Sums]) -> None:
    """Every units row of ``month`` names a key the month's data has."""
    for row in units.rows:
        if row.month != month or row.keys in sums:
            continue
        for i, k in enumerate(units.keys):  # name the first value that matches nothing
            known = sorted({key[i] for key in sums if key[:i] == row.keys[:i]} - {""})
            if row.keys[i] not in known:
                raise InputError(units.path, f"{k} {row.keys[i]!r} has no billed rows in "
                                 f"{month}" + (f" (there: {_listed(known)})" if known else ""),
                                 row=row.line, column=k)
        raise InputError(units.path, f"{_label(row.keys)} has no billed rows in {month}",
                         row=row.line)  # not reached: some value above matches nothing


def _listed(values: Sequence[str]) -> str:
    shown = ", ".join(values[:MAX_LISTED])
    return shown + (f" and {len(values) - MAX_LISTED} more" if len(values) > MAX_LISTED else "")


def _sci_row(month: str, key: tuple[str, ...], s: _Sums, unit: UnitsRow | None) -> SciRow:
    op_g, em_g = s.operational_kg * G_PER_KG, s.embodied_kg * G_PER_KG
    return SciRow(month, key, unit.functional_unit if unit else None,
                  unit.units if unit else None, s.energy_kwh, intensity(op_g, s.energy_kwh),
                  op_g, em_g, sci_value(op_g, em_g, unit.units) if unit else None)


def build(keys: tuple[str, ...], reports: Mapping[str, ReportTable], methodology: str,
          units: UnitsFile | None = None, report_notes: Sequence[str] = (),
          confidence: str = "", coverage: Sequence[CoverageRow] = ()) -> SciTable:
    """The SCI table of ``reports`` (month -> detail report by :func:`detail_keys`)."""
    rows: list[SciRow] = []
    missing: list[str] = []
    left_out: list[str] = []
    classes: dict[str, float] = {}
    services: dict[str, set[str]] = {}
    given = {(r.month, r.keys): r for r in units.rows} if units is not None else {}
    for month, table in reports.items():
        sums = _aggregate(table, keys)
        if units is not None:
            _check_keys(units, month, sums)
        ordered = sorted(sums.items(), key=lambda kv: (-(kv[1].operational_kg
                                                         + kv[1].embodied_kg), kv[0]))
        for key, s in ordered:
            unit = given.get((month, key))
            label = _label(key)
            if unit is None and not _has_emissions(s):
                left_out.append(label if len(reports) == 1 else f"{month} {label}")
                continue
            if unit is None:
                missing.append(label if len(reports) == 1 else f"{month} {label}")
            rows.append(_sci_row(month, key, s, unit))
            for c, kg in s.classes.items():
                classes[c] = classes.get(c, 0.0) + kg
            services.setdefault(label, set()).update(s.services)
    total = sum(v for c, v in classes.items() if c in EMITTING_CLASSES)
    shares = tuple((c, classes[c] / total) for c in EMITTING_CLASSES
                   if total and classes.get(c, 0) > 0)
    boundary = Boundary(keys, tuple(reports), shares,
                        tuple((k, tuple(sorted(v))) for k, v in services.items())
                        if "service" not in keys else (), tuple(left_out))
    notes = _notes(units, missing, rows, confidence, report_notes)
    return SciTable(keys, tuple(rows), methodology, tuple(reports), boundary, notes,
                    units.path if units else None, tuple(coverage))


def _notes(units: UnitsFile | None, missing: list[str], rows: list[SciRow], confidence: str,
           report_notes: Sequence[str]) -> tuple[str, ...]:
    notes = [confidence] if confidence else []
    if units is None:
        notes.append(NEEDS_UNITS_NOTE)
    elif missing:
        notes.append(f"No units (R) in {Path(units.path).name} for {len(missing)} row"
                     f"{'s' if len(missing) != 1 else ''} with emissions, so no SCI for "
                     f"{'them' if len(missing) != 1 else 'it'} (R is never invented): "
                     f"{_listed(missing)}.")
    functional = sorted({r.functional_unit for r in rows if r.functional_unit})
    if len(functional) > 1:
        notes.append(f"The rows count different functional units ({', '.join(functional)}); "
                     "SCI scores of different functional units are not added up (SCI 1.1, "
                     "functional unit conversion).")
    return (*notes, *report_notes)


def merge_coverage(groups: Sequence[Sequence[CoverageRow]]) -> tuple[CoverageRow, ...]:
    """Coverage rows of several months summed per estimation path and currency (costs are
    never added across currencies)."""
    merged: dict[tuple[str, str], list[float]] = {}
    for group in groups:
        for c in group:
            acc = merged.setdefault((c.path, c.currency), [0, 0.0, 0.0])
            acc[0] += c.rows
            acc[1] += c.cost
            acc[2] += c.co2e_total_kg
    return tuple(CoverageRow(p, int(n), cost, kg, code)
                 for (p, code), (n, cost, kg) in merged.items())
