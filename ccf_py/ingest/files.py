"""Reading one billing file, whatever the provider: CSV (plain or gzip) or Parquet.

What every ingestor shares once it has mapped a file's columns to the billing table: the
reader call, one conversion rule for numbers and dates stored as text, and the diagnosis of a
file that failed to load (a broken download, the first value that does not convert, with its
file, row and column). Provider modules (``aws_cur``...) build a :class:`FilePlan` per file;
``load`` inserts the plans.
"""

from __future__ import annotations

import csv
import gzip
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import duckdb

from ccf_py.errors import InputError
from ccf_py.ingest.sources import Source

_gzip: ModuleType
try:  # ISA-L inflates gzip about twice as fast as zlib (see gzip_problem)
    from isal import igzip as _gzip
    from isal import isal_zlib

    _INFLATE_ERRORS: tuple[type[BaseException], ...] = (zlib.error, isal_zlib.error)
except ImportError:  # pragma: no cover - isal is a dependency; a platform without a wheel
    _gzip = gzip
    _INFLATE_ERRORS = (zlib.error,)


def qident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def qstr(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def is_parquet(name: str) -> bool:
    return ".parquet" in name.lower()


def csv_header(path: Path) -> list[str] | None:
    """The header row read directly (a few bytes, where DuckDB's DESCRIBE sniffs thousands of
    rows, ~0.3 s a file). None when DuckDB might name columns differently (another delimiter,
    names equal but for case, blanks): then DuckDB is asked."""
    try:
        opener = gzip.open if is_gzip(path) else open
        with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), None)
    except (OSError, UnicodeDecodeError, csv.Error, EOFError):
        return None
    if not header or len(header) < 2 or any(not h.strip() for h in header):
        return None
    if len({h.lower() for h in header}) != len(header):
        return None
    return header


def describe(con: duckdb.DuckDBPyConnection, src: Source, what: str
             ) -> list[tuple[str, str]]:
    """Column names (and types) of one file as DuckDB will name them. A CSV's columns are all
    text (each ingestor converts them by one rule in SQL) and its header is read directly;
    ``what`` names the kind of file in the error of an unreadable one."""
    parquet = is_parquet(src.path.name)
    if not parquet:
        header = csv_header(src.path)
        if header is not None:
            return [(name, "VARCHAR") for name in header]
    reader = "read_parquet(?)" if parquet else "read_csv(?, header=true, all_varchar=true)"
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {reader}", [str(src.path)]).fetchall()
    except duckdb.Error as exc:
        raise read_failure(con, src, exc, what) from None
    return [(r[0], r[1]) for r in rows]


def read_failure(con: duckdb.DuckDBPyConnection, src: Source, exc: duckdb.Error,
                 what: str) -> InputError:
    """One line for a file that a read before its load (a header, a first look at its rows)
    failed on: a damaged download, a row that does not split into the header's columns, else
    DuckDB's own first line. ``what`` names the kind of file."""
    from ccf_py.ingest.load import statement_failed  # load imports this module

    statement_failed(con)
    line = _CSV_LINE.search(str(exc))
    return (damaged(src, int(line.group(1)) if line else None) or row_problem(src, exc)
            or InputError(src.name, f"not a readable {what}: {first_line(exc)}"))


@dataclass(frozen=True)
class FilePlan:
    """How one file is read: the reader call, the select list, the export's shape, and the
    text columns converted to numbers or timestamps (to name the row when one fails)."""

    source: Source
    reader: str
    select: str
    shape: str
    # text columns converted to another type: (column as the file names it, SQL, type)
    conversions: tuple[tuple[str, str, str], ...]
    # a format's own diagnosis of a failed read (JSON lines, say), tried first; None: none
    diagnose: Callable[[duckdb.Error], InputError | None] | None = None

# trim() cuts spaces only; a cell of tabs or line ends is blank too
_WHITESPACE = "' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)"


def blank_to_null(column_sql: str) -> str:
    return f"nullif(trim({column_sql}, {_WHITESPACE}), '')"


def typed(column_sql: str, source_type: str, typ: str) -> str:
    """One conversion rule for every format: text that is empty or only whitespace is NULL
    (Athena and legacy Parquet type product columns as VARCHAR with '' for none); any other
    text must convert, or the load stops. Timestamps go through TIMESTAMPTZ so an offset in
    the text is honoured (the session is UTC)."""
    if "VARCHAR" not in source_type:
        return f"CAST({column_sql} AS {typ})"
    if typ == "VARCHAR":  # '' is "none" in Parquet as in CSV (coalesce falls through it)
        return f"nullif({column_sql}, '')"
    text = blank_to_null(column_sql)
    if typ == "TIMESTAMP":
        # GCP writes '2026-06-30 04:00:00 UTC': read without the zone, ~30x less CPU than
        # TIMESTAMPTZ's parser (tests/benchmarks: 30 % of a GCP ingest); same instants
        utc = f"trim({column_sql})"
        # text that ends in ' UTC' and starts with no space (every GCP time) is its own trim:
        # it skips the three trims (~0.1 CPU s per 1 M values; tests/benchmarks)
        bare = (f"suffix({column_sql}, ' UTC') AND NOT prefix({column_sql}, ' ') THEN "
                f"CAST(left({column_sql}, length({column_sql}) - 4) AS TIMESTAMP)")
        return (f"CASE WHEN {bare} "
                f"WHEN suffix({utc}, ' UTC') THEN CAST(left({utc}, length({utc}) - 4) "
                f"AS TIMESTAMP) ELSE CAST(CAST({text} AS TIMESTAMPTZ) AS TIMESTAMP) END")
    return f"CAST({text} AS {typ})"


# RFC 4180, as every provider writes its CSV exports. Said, not sniffed: DuckDB's sniffer
# guesses the dialect from the first 20,480 rows, and one damaged row among them (a cut line,
# a stray quote) made it pick another one ('|', no quotes: one column), so a damaged row ended
# as "column not found"; read as RFC 4180, the reader stops at that row and names its line.
_CSV_DIALECT = "header=true, auto_detect=false, delim=',', quote='\"', escape='\"'"


def reader_sql(src: Source, parquet: bool, parsed: dict[str, str] | None = None, *,
            row_number: bool = False) -> str:
    """The reader call of one file. A CSV's columns are named from its first line
    (:func:`csv_header`) and are text but for ``parsed`` (name -> type DuckDB's reader
    parses); a header that DuckDB would name its own way is left to DuckDB's sniffer."""
    path = qstr(str(src.path))
    if parquet:
        return f"read_parquet({path}{', file_row_number=true' if row_number else ''})"
    parsed = parsed or {}
    header = csv_header(src.path)
    if header is None:  # another delimiter, blank or repeated names: as DuckDB names them
        spec = ", ".join(f"{qstr(k)}: {qstr(v)}" for k, v in parsed.items())
        types = f", types={{{spec}}}" if spec else ""
        return f"read_csv({path}, header=true, all_varchar=true{types})"
    spec = ", ".join(f"{qstr(name)}: {qstr(parsed.get(name, 'VARCHAR'))}" for name in header)
    return f"read_csv({path}, {_CSV_DIALECT}, columns={{{spec}}})"

_CSV_LINE = re.compile(r"CSV Error on Line: (\d+)")

_CSV_COLUMN = re.compile(r'converting column "([^"]+)"')

_CSV_VALUE = re.compile(r'Could not convert string "(.*)" to ')


class BlankNumber(Exception):
    """A CSV number cell holds only whitespace: reload that file as text (``ingest``)."""


def input_error(con: duckdb.DuckDBPyConnection, plan: FilePlan,
                 exc: duckdb.Error) -> InputError:
    """One line naming the file (and row and column when they can be found) for a file that
    failed to load: a damaged download first, then the first value that does not convert."""
    src = plan.source
    if plan.diagnose is not None and (found := plan.diagnose(exc)) is not None:
        return found
    text = str(exc)
    line, column, value = (_CSV_LINE.search(text), _CSV_COLUMN.search(text),
                           _CSV_VALUE.search(text))
    broken = damaged(src, int(line.group(1)) if line else None) or row_problem(src, exc)
    if broken:
        return broken
    if "NOT NULL constraint failed" in text and "billing_period" in text:
        return InputError(src.name, "a row has neither a billing period nor a charge period "
                          "start date to derive it from")
    if line and column and value:  # DuckDB's CSV reader names all three
        if not value.group(1).strip():
            raise BlankNumber(src.name)
        return InputError(src.name, _not_convertible(value.group(1)),
                          row=int(line.group(1)), column=column.group(1))
    bad = _first_bad_value(con, plan) if "onver" in text else None
    if bad:
        row, name, cell = bad
        return InputError(src.name, _not_convertible(cell), row=row, column=name,
                          row_word="row" if is_parquet(src.path.name) else "line")
    msg = next((ln.strip() for ln in text.splitlines()
                if "Could not convert" in ln or "Error" in ln), first_line(exc))
    return InputError(src.name, msg, row=int(line.group(1)) if line else None)


def _not_convertible(value: str) -> str:
    return f"could not convert {value!r} to a number or date"


def _first_bad_value(con: duckdb.DuckDBPyConnection, plan: FilePlan
                     ) -> tuple[int, str, str] | None:
    """(line or row, column, value) of the first text value that is neither blank nor
    convertible. A second scan, only after a load failed: the conversion error itself names
    neither row nor column. CSV: the line in the file (the header is line 1; a quoted value
    spanning lines would shift it). Parquet: the 1-based row."""
    if not plan.conversions:
        return None
    parquet = is_parquet(plan.source.path.name)
    check = {"TIMESTAMP": "TIMESTAMPTZ"}
    cases = " ".join(
        f"WHEN {blank_to_null(sql)} IS NOT NULL AND "
        f"TRY_CAST({blank_to_null(sql)} AS {check.get(typ, typ)}) IS NULL THEN {i}"
        for i, (_, sql, typ) in enumerate(plan.conversions))
    values = " ".join(f"WHEN {i} THEN CAST({sql} AS VARCHAR)"
                      for i, (_, sql, _) in enumerate(plan.conversions))
    number = "file_row_number + 1" if parquet else "row_number() OVER () + 1"
    con.execute("SET preserve_insertion_order = true")  # row_number() in file order
    try:
        hit = con.execute(
            f"SELECT n, k, CASE k {values} END FROM ("
            f"SELECT {number} AS n, CASE {cases} END AS k, * "
            f"FROM {reader_sql(plan.source, parquet, row_number=True)}) "
            "WHERE k IS NOT NULL ORDER BY n LIMIT 1").fetchone()
    except duckdb.Error:
        return None
    return (int(hit[0]), plan.conversions[hit[1]][0], str(hit[2])) if hit else None

_TAIL_BYTES = 1 << 16

_GZIP_MAGIC = b"\x1f\x8b"


def is_gzip(path: Path) -> bool:
    with path.open("rb") as raw:
        return raw.read(2) == _GZIP_MAGIC


def gzip_problem(src: Source) -> InputError | None:
    """Read a gzip file to its end: DuckDB's reader stops quietly at the end of a cut stream
    (a download cut at 20 % loaded 20 % of the rows without an error), so every .gz part is
    checked in full, on a thread beside the load (inflating releases the GIL). ISA-L's
    inflate (``isal``) reads the 10 M-row benchmark file's 7 GB in 3.8 s on one core, zlib in
    8-9 s; reading into one reused buffer keeps system time near zero."""
    buffer = bytearray(1 << 20)
    try:
        with _gzip.open(src.path, "rb") as fh:  # several gzip members read as one stream
            while fh.readinto(buffer):
                pass
    except (OSError, EOFError, *_INFLATE_ERRORS) as exc:
        reason = ("stops before the end of its compressed data" if isinstance(exc, EOFError)
                  else f"is not valid gzip data ({first_line(exc)})")
        return InputError(src.name, f"truncated or corrupt download: the file {reason}; "
                          "download it again (gzip -t tests a file)")
    return None


def damaged(src: Source, line: int | None = None) -> InputError | None:
    """A truncated or corrupt download, said plainly (DuckDB reports it as a schema,
    conversion or column-count error). ``line`` is where DuckDB stopped, if it said. Reads the
    file once more, only after a read failed."""
    path = src.path
    if is_gzip(path):
        problem = gzip_problem(src)
        # a complete stream: its text could still end mid-row, but only a failure without a
        # line number is worth decompressing again to look
        if problem or line is not None:
            return problem
        with gzip.open(path, "rb") as fh:
            tail = b""
            while chunk := fh.read(1 << 20):
                tail = (tail + chunk)[-_TAIL_BYTES:]
        return _cut_mid_row(src, tail, line, None)
    with path.open("rb") as raw:
        head = raw.read(4)
        raw.seek(0, 2)
        raw.seek(max(0, raw.tell() - _TAIL_BYTES))
        tail = raw.read()
    if is_parquet(path.name):
        if head != b"PAR1" or not tail.endswith(b"PAR1"):
            return InputError(src.name, "truncated or corrupt download: not a complete "
                              "Parquet file (PAR1 marker missing); download it again")
        return None
    return _cut_mid_row(src, tail, line, path)


def _cut_mid_row(src: Source, tail: bytes, line: int | None,
                 plain: Path | None) -> InputError | None:
    """A CSV that ends without a line end, its last line shorter than its header: cut off.
    When DuckDB named the failing line, only that line being the last one counts (else a bad
    value elsewhere in a file that merely lacks a final newline would be called truncated)."""
    if not tail or tail.endswith(b"\n"):
        return None
    if line is not None and plain is not None and line != _count_lines(plain):
        return None
    header = csv_header(src.path)
    last = tail.splitlines()[-1].decode("utf-8", "replace")
    fields = len(next(csv.reader([last]), []))
    if header and fields < len(header):
        return InputError(src.name, f"truncated download: the last line stops after {fields} "
                          f"of {len(header)} columns without a line end; download it again")
    return None


def _count_lines(path: Path) -> int:
    """Lines of a file that does not end with a line end (the last one counts)."""
    count = 1
    with path.open("rb") as raw:
        while chunk := raw.read(1 << 20):
            count += chunk.count(b"\n")
    return count


# DuckDB's words for a row its CSV reader could not split into the header's columns
_ROW_ERRORS = ("Expected Number of Columns", "unterminated quote",
               "state machine reached an invalid state")

_CSV_FIELDS = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")

_FIX_ROW = "a damaged row; download the file again, or repair or remove that line"


def row_problem(src: Source, exc: duckdb.Error) -> InputError | None:
    """A CSV row with more or fewer fields than the header, or a quote never closed, as one
    line naming the line in the file: DuckDB's reader names the row (the header is row 1)
    but counts a value spanning lines as one, counts no more than one field too many, and
    names no row at all for a line end unlike the others. The file is read once more with
    Python's csv module up to that row (error path only; ~100 MB/s)."""
    text = str(exc)
    if is_parquet(src.path.name) or not any(words in text for words in _ROW_ERRORS):
        return None
    header = csv_header(src.path)
    if header is None:
        return None
    width = len(header)
    at = _CSV_LINE.search(text)
    row = int(at.group(1)) if at else None
    quote = "unterminated quote" in text
    found = _first_bad_row(src.path, width, row)
    if found is not None:
        line, bad_row, what = found
        if quote and bad_row == row and what.startswith("has "):
            what = _UNCLOSED  # Python's reader closes the quote somewhere further on
        return InputError(src.name, f"{what}: {_FIX_ROW}", row=line)
    if row is None:
        return None
    counts = _CSV_FIELDS.search(text)
    if quote or counts is None:
        return InputError(src.name, f"{_UNCLOSED}: {_FIX_ROW}", row=row)
    expected, seen = int(counts.group(1)), int(counts.group(2))
    fields = f"more than {expected}" if seen > expected else str(seen)
    return InputError(src.name, f"has {fields} fields, the header has {expected}: {_FIX_ROW}",
                      row=row)


_UNCLOSED = "a quoted value that starts on this line is never closed (unterminated quote)"

# DuckDB's longest row (its max_line_size): a quote open for longer is never closed
_MAX_ROW_BYTES = 2_097_152


def _first_bad_row(path: Path, width: int, last_row: int | None
                   ) -> tuple[int, int, str] | None:
    """(line in the file where it starts, row number as DuckDB counts it, what is wrong) of
    the first row that does not have ``width`` fields, whose quote is never closed, or whose
    line end differs from the header's (DuckDB reads one kind of line end per file), up to
    row ``last_row``. Rows are told apart by counting quotes per line (an odd count opens or
    closes a value spanning lines) and fields by counting commas outside quotes: a few
    times faster than Python's csv module."""
    opener = gzip.open if is_gzip(path) else open
    try:
        with opener(path, "rb") as fh:
            return _scan_rows(fh, width, last_row)
    except (OSError, EOFError, *_INFLATE_ERRORS):
        return None


def _scan_rows(fh: Iterator[bytes], width: int, last_row: int | None
               ) -> tuple[int, int, str] | None:
    line = row = 0
    start, parts, size, inside, header_end = 1, [], 0, False, b""
    for text in fh:  # split at b"\n" only: a \r\n line keeps both
        line += 1
        parts.append(text)
        size += len(text)
        inside ^= bool(text.count(b'"') & 1)
        if inside:
            if size > _MAX_ROW_BYTES:
                return start, row + 1, _UNCLOSED
            continue
        row += 1
        raw = parts[0] if len(parts) == 1 else b"".join(parts)
        end = raw[len(raw.rstrip(b"\r\n")):]
        if row == 1:
            header_end = end
        elif raw.strip(b"\r\n"):  # DuckDB skips a blank line (and counts it)
            fields = _field_count(raw)
            if fields != width:
                return start, row, f"has {fields} fields, the header has {width}"
            if end and end != header_end:
                return (line, row, f"ends with {end.decode()!r} where the header ends with "
                        f"{header_end.decode()!r} (mixed line ends)")
        if last_row is not None and row >= last_row:
            return None
        start, parts, size = line + 1, [], 0
    return (start, row + 1, _UNCLOSED) if inside else None


def _field_count(raw: bytes) -> int:
    """Fields of one RFC 4180 row: its commas outside quotes, which are those between the
    quotes of even position (a doubled quote inside a value opens and closes nothing)."""
    if b'"' not in raw:
        return raw.count(b",") + 1
    return sum(part.count(b",") for part in raw.split(b'"')[::2]) + 1
