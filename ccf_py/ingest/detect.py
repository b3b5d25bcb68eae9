"""Which kind of billing export a file is, from its header alone.

``ccf-py ingest PATH...`` (no kind) reads only the first line of a CSV (plain or gzip), the
schema of a Parquet file, or the first line of a JSON-lines file, and picks the ingestor from
the column names each provider's exports use:

* ``aws-cur``: legacy CUR ``lineItem/UsageType``, Athena / CUR 2.0 ``line_item_usage_type``
* ``focus``: ``BilledCost`` with ``ChargeCategory`` or ``ChargePeriodStart`` (FOCUS 1.0-1.3)
* ``gcp-billing``: ``billing_account_id`` + a SKU (``sku``, ``sku.description``,
  ``sku_description``) + ``usage_start_time`` (BigQuery export, nested or flattened)
* ``azure-export``: a meter category (``MeterCategory`` EA, ``meterCategory`` MCA) + a
  quantity + a date (``Date``, ``date``, ``UsageDateTime``...)

FOCUS is tried first: a FOCUS export carries its provider's own columns as ``x_`` extras but
is still FOCUS. Each kind's ingestor is named in :data:`INGESTORS` and imported only when used.
"""

from __future__ import annotations

import csv
import gzip
import importlib
import io
import json
import os
import shlex
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb

from ccf_py.errors import ConfigError, InputError
from ccf_py.ingest.sources import Source

__all__ = ["INGESTORS", "detect", "group_by_kind", "ingestor", "kind_of_columns"]

#: kind -> "module:function"; every function has ``aws_cur.ingest``'s signature. The order is
#: the order kinds load in when one command holds several.
INGESTORS: dict[str, str] = {
    "aws-cur": "ccf_py.ingest.aws_cur:ingest",
    "focus": "ccf_py.ingest.focus:ingest",
    "gcp-billing": "ccf_py.ingest.gcp_billing:ingest",
    "azure-export": "ccf_py.ingest.azure_export:ingest",
}

EXPECTED = ("expected the header of an AWS CUR (lineItem/UsageType or line_item_usage_type), "
            "a FOCUS cost and usage export (BilledCost, ChargeCategory, ChargePeriodStart), a "
            "GCP billing export (billing_account_id, sku, usage_start_time) or an Azure cost "
            "export (MeterCategory, Quantity, Date)")

_HEAD_BYTES = 1 << 20  # a header line longer than this is not a billing export's


def kind_of_columns(columns: Iterable[str]) -> str | None:
    """The export kind a set of column names says, or None. Names match without regard to
    case; nested JSON keys come as ``parent.child``."""
    names = {c.strip().lower() for c in columns}
    if "billedcost" in names and names & {"chargecategory", "chargeperiodstart"}:
        return "focus"
    if names & {"lineitem/usagetype", "line_item_usage_type", "lineitem/unblendedcost",
                "line_item_unblended_cost"}:
        return "aws-cur"
    if ("billing_account_id" in names and "usage_start_time" in names
            and names & {"sku", "sku.description", "sku_description", "sku.id", "sku_id"}):
        return "gcp-billing"
    if ("metercategory" in names and names & {"quantity", "usagequantity"}
            and names & {"date", "usagedate", "usagedatetime"}):
        return "azure-export"
    return None


def detect(source: Source | str | Path) -> str:
    """The kind of one billing file (a key of :data:`INGESTORS`), read from its header.

    Raises:
        InputError: the file is not a billing export of a known kind (or another FOCUS dataset,
            or FOCUS as JSON lines); the message names the file and what was expected.
    """
    src = source if isinstance(source, Source) else Source(str(source), Path(source))
    columns, form = _header(src)
    names = {c.lower() for c in columns}
    kind = kind_of_columns(columns)
    if kind == "focus" and form == "JSON":
        raise InputError(src.name, "FOCUS as JSON lines is not read; export FOCUS as CSV or "
                         "Parquet")
    if kind:
        return kind
    if any(n.startswith("contractcommitment") for n in names):
        raise InputError(src.name, "a FOCUS contract commitment dataset, not cost and usage "
                         "data; " + EXPECTED)
    shown = ", ".join(list(columns)[:8]) + (", ..." if len(columns) > 8 else "")
    raise InputError(src.name, f"not a billing export this tool knows ({form} with columns "
                     f"{shown or 'none'}); {EXPECTED}")


def group_by_kind(sources: Sequence[Source],
                  detected: Callable[[str, str], None] | None = None
                  ) -> dict[str, list[Source]]:
    """Sources by kind, kinds in :data:`INGESTORS` order, files in their given order; every
    file is detected (and reported to ``detected``) before this returns.

    Raises:
        InputError: a file is not a billing export of a known kind; among several files the
            message adds that nothing was loaded and how to name the billing files alone.
    """
    found: dict[str, list[Source]] = {}
    unknown: list[tuple[Source, InputError]] = []
    for src in sources:
        try:
            kind = detect(src)
        except InputError as exc:
            if len(sources) == 1:
                raise
            unknown.append((src, exc))
            continue
        if detected:
            detected(src.name, kind)
        found.setdefault(kind, []).append(src)
    if unknown:
        raise _not_all_billing(unknown, [src for group in found.values() for src in group])
    return {kind: found[kind] for kind in INGESTORS if kind in found}


def _not_all_billing(unknown: list[tuple[Source, InputError]], known: list[Source]
                     ) -> InputError:
    """Several files (a folder, a glob) of which some are not billing exports of a known kind:
    nothing loads (skipping a billing file whose header is damaged would lose its costs
    quietly), and the one line says how to load the others."""
    src, exc = unknown[0]
    reason = str(exc).removeprefix(f"{src.name}: ")
    expected = f"; {EXPECTED}"
    core, tail = ((reason[:-len(expected)], expected) if reason.endswith(expected)
                  else (reason, ""))
    others = [u.name for u, _ in unknown[1:]]
    more = (f" (nor is {', '.join(others[:3])}{', ...' if len(others) > 3 else ''})"
            if others else "")
    return InputError(src.name, f"{core}{more}, so nothing was loaded; if it is not billing "
                      f"data, {_load_without([u for u, _ in unknown], known)}{tail}")


def _load_without(unknown: list[Source], known: list[Source]) -> str:
    """How to name the billing files alone: a glob of their common ending in their one
    folder when it leaves every unknown file out, else in words."""
    names = [Path(src.name) for src in known]
    ending = os.path.commonprefix([n.name[::-1] for n in names])[::-1] if names else ""
    ending = ending[ending.find("."):] if "." in ending else ""
    folders = {n.parent for n in names}
    local = not any("://" in src.name for src in known)  # an s3:// prefix takes no glob
    if (local and ending and len(folders) == 1
            and not any(u.name.endswith(ending) for u in unknown)):
        pattern = str(folders.pop() / f"*{ending}")
        return f"name the billing files without it, e.g. ccf-py ingest {shlex.quote(pattern)}"
    return "name the billing files without it (one by one, or a glob that leaves it out)"


def ingestor(kind: str) -> Callable[..., Any]:
    """The ingest function of ``kind``, imported now (GCP and Azure ingestors are optional)."""
    module_name, _, function = INGESTORS[kind].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise ConfigError(f"{kind} files were found but this installation has no {kind} "
                          f"ingestor ({module_name}); nothing was loaded") from None
    return getattr(module, function)  # type: ignore[no-any-return]


def _header(src: Source) -> tuple[list[str], str]:
    """(column names, form) of a file: Parquet schema, first JSON line, or CSV header."""
    try:
        with src.path.open("rb") as raw:
            magic = raw.read(4)
    except OSError as exc:
        raise InputError(src.name, f"cannot read: {exc.strerror or exc}") from None
    if magic == b"PAR1":
        return _parquet_columns(src), "Parquet"
    head = _first_line(src, gzipped=magic[:2] == b"\x1f\x8b")
    if head.lstrip().startswith("{"):
        try:
            row = json.loads(head)
        except json.JSONDecodeError as exc:
            raise InputError(src.name, f"first line is not a JSON object ({exc.msg}); "
                             + EXPECTED) from None
        return _json_keys(row), "JSON"
    try:
        header = next(csv.reader(io.StringIO(head)), [])
    except csv.Error as exc:
        raise InputError(src.name, f"not a CSV header ({exc}); {EXPECTED}") from None
    return [h.strip() for h in header], "CSV"


def _first_line(src: Source, *, gzipped: bool) -> str:
    """The first line of the (decompressed) text, without a byte-order mark."""
    try:
        with gzip.open(src.path, "rb") if gzipped else src.path.open("rb") as fh:
            data = fh.readline(_HEAD_BYTES)
    except (OSError, EOFError) as exc:
        raise InputError(src.name, f"cannot read the first line ({exc}); download it "
                         "again") from None
    if not data.strip():
        raise InputError(src.name, f"empty file; {EXPECTED}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(src.name, f"not text, gzip or Parquet; {EXPECTED}") from None


def _parquet_columns(src: Source) -> list[str]:
    """Top-level column names from the Parquet footer (no row is read)."""
    try:
        with duckdb.connect() as con:
            rows = con.execute("DESCRIBE SELECT * FROM read_parquet(?)",
                               [str(src.path)]).fetchall()
    except duckdb.Error as exc:
        raise InputError(src.name, "not a complete Parquet file "
                         f"({str(exc).strip().splitlines()[0]}); download it again") from None
    return [r[0] for r in rows]


def _json_keys(row: object) -> list[str]:
    """Top-level keys of a JSON object and ``parent.child`` for nested objects."""
    if not isinstance(row, dict):
        return []
    keys = list(row)
    keys += [f"{k}.{child}" for k, v in row.items() if isinstance(v, dict) for child in v]
    return keys
