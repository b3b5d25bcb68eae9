"""The importable API; the CLI calls only these functions.

    from ccf_py import api
    with api.open_db("ccf.duckdb") as db:
        api.ingest_aws_cur(db, ["s3://bucket/cur/"])
        table = api.report(db, by=("service",), month="2026-10")
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import duckdb

from ccf_py import __version__, coefficients
from ccf_py import db as dbmod
from ccf_py import intensity as series
from ccf_py.assumptions import Assumptions
from ccf_py.assumptions import load as load_assumptions
from ccf_py.compare.base import Comparison
from ccf_py.currency import month_costs, unknown_goes_to, without_currency
from ccf_py.errors import ConfigError, SourceError
from ccf_py.estimate import (
    KEYED_LINES,
    check_methodology,
    create_estimates,
    drop_estimates,
    rule_match,
)
from ccf_py.ingest import aws_cur, azure_export, focus, gcp_billing
from ccf_py.ingest.aws_cur import snake
from ccf_py.ingest.cur_names import NO_CUR_FILES
from ccf_py.ingest.load import IngestResult, one_transaction
from ccf_py.ingest.sources import expand_sources
from ccf_py.ingest.table import DDL
from ccf_py.model import (
    METRIC_COLUMNS,
    REPORT_KEYS,
    CoverageRow,
    MonthlyReport,
    MonthSpan,
    Mover,
    ReportTable,
    parse_month,
)
from ccf_py.notes import estimate_notes, month_span, partial_month_notes
from ccf_py.path_notes import null_currency_note
from ccf_py.report.render import confidence_line

__all__ = ["Database", "IngestResult", "available_months", "compare_instance",
           "compare_region", "compare_storage", "compare_time", "estimates_df",
           "export_focus", "ingest_auto", "ingest_aws_cur", "ingest_azure_cost_query",
           "ingest_azure_export", "ingest_focus", "ingest_gcp_bigquery", "ingest_gcp_billing",
           "intensity_series", "load_intensity", "measure_command", "monthly_report",
           "open_db", "parse_by", "parse_month", "record_measurement", "report", "report_df",
           "sci", "sci_df", "store_estimates", "tags"]

# report key -> SQL expression over fct_usage_estimates (fixed identifiers, never user text)
KEY_SQL = {
    "provider": "provider",
    "account": "coalesce(account_id, '')",
    "region": "coalesce(region, '')",
    "service": "coalesce(service, '')",
    "usage_type": "coalesce(usage_type, '')",
    "usage_class": "usage_class",
    "instance_type": "coalesce(instance_type, '')",
    "month": "strftime(billing_period, '%Y-%m')",
    "day": "coalesce(strftime(usage_start, '%Y-%m-%d'), '')",
    "resource_id": "coalesce(resource_id, '')",
    "currency": "coalesce(currency, '')",
}


# Report keys the classifier decides (the rest are columns of the billed row).
CLASSIFIED_KEYS = frozenset({"usage_class", "instance_type"})


# Report keys known only once the estimate is made (the unknown-usage ratios decide whether a
# line extrapolated from cost got a ratio): per row from fct_usage_estimates.coverage_path, in
# a grouped report from rpt_grouped's estimate_path (one row per key and path), never summed
# into int_usage_keyed first.
ESTIMATE_KEYS = {"estimate_path": "estimate_path"}
KEY_SQL["estimate_path"] = "coverage_path"


@dataclass
class Database:
    """An open ccf_py database (a DuckDB connection with macros and coefficients loaded)."""

    path: str
    con: duckdb.DuckDBPyConnection

    def close(self) -> None:
        self.con.close()


@contextmanager
def open_db(path: str | os.PathLike[str] | None = None, *, read_only: bool = False
            ) -> Iterator[Database]:
    """Open ``path`` (default ``$CCF_PY_DB`` or ``./ccf.duckdb``)."""
    target = dbmod.resolve_path(path)
    con = dbmod.connect(target, read_only=read_only)
    try:
        yield Database(target, con)
    finally:
        con.close()


def ingest_aws_cur(db: Database, specs: Sequence[str], *, endpoint_url: str | None = None,
                   progress: Callable[[str], None] | None = None,
                   progress_bar: bool = False) -> IngestResult:
    """Load CUR files, folders, globs or ``s3://`` prefixes; replaces reloaded periods."""
    with tempfile.TemporaryDirectory(prefix="ccf-py-") as tmp:
        sources = expand_sources(specs, Path(tmp), endpoint_url=endpoint_url,
                                 progress=progress)
        result = aws_cur.ingest(db.con, sources, label=" ".join(specs), progress=progress,
                                progress_bar=progress_bar)
    drop_estimates(db.con)  # they describe the data before this load
    return result


def ingest_gcp_billing(db: Database, specs: Sequence[str], *, endpoint_url: str | None = None,
                       progress: Callable[[str], None] | None = None,
                       progress_bar: bool = False) -> IngestResult:
    """Load Google Cloud billing export files (newline-delimited JSON, CSV, Parquet, Avro),
    folders, globs or ``gs://`` prefixes; replaces reloaded (billing account, month)s."""
    from ccf_py.ingest.gcs import expand_gcp_sources

    with tempfile.TemporaryDirectory(prefix="ccf-py-") as tmp:
        sources = expand_gcp_sources(specs, Path(tmp), endpoint_url=endpoint_url,
                                     progress=progress)
        result = gcp_billing.ingest(db.con, sources, label=" ".join(specs), progress=progress,
                                    progress_bar=progress_bar)
    drop_estimates(db.con)  # they describe the data before this load
    return result


def ingest_focus(db: Database, specs: Sequence[str], *, endpoint_url: str | None = None,
                 progress: Callable[[str], None] | None = None,
                 progress_bar: bool = False) -> IngestResult:
    """Load FOCUS 1.0-1.3 cost and usage files (CSV, CSV.gz, Parquet) of any provider: files,
    folders, globs or ``s3://`` prefixes; replaces reloaded (provider, account, period)s."""
    with tempfile.TemporaryDirectory(prefix="ccf-py-") as tmp:
        sources = expand_sources(specs, Path(tmp), endpoint_url=endpoint_url,
                                 progress=progress)
        result = focus.ingest(db.con, sources, label=" ".join(specs), progress=progress,
                              progress_bar=progress_bar)
    drop_estimates(db.con)  # they describe the data before this load
    return result


def ingest_gcp_bigquery(db: Database, table: str, month: str, *,
                        endpoint_url: str | None = None,
                        progress: Callable[[str], None] | None = None) -> IngestResult:
    """Load one invoice month of a BigQuery billing export table, aggregated in BigQuery
    (queries/ingest/gcp_billing_bigquery.sql); replaces that month of its billing accounts."""
    from ccf_py.ingest import gcp_bigquery

    period = parse_month(month)
    if period is None:
        raise ConfigError("--month is required with --table (YYYY-MM)")
    with tempfile.TemporaryDirectory(prefix="ccf-py-") as tmp:
        source = gcp_bigquery.fetch(table, period, Path(tmp), endpoint_url=endpoint_url,
                                    progress=progress)
        result = gcp_billing.ingest(db.con, [source], label=f"bigquery:{table} {month}",
                                    progress=progress)
    drop_estimates(db.con)
    return result


def ingest_azure_export(db: Database, specs: Sequence[str], *,
                        connection_string: str | None = None,
                        progress: Callable[[str], None] | None = None,
                        progress_bar: bool = False) -> IngestResult:
    """Load Azure Cost Management exports (actual or amortized; CSV, CSV.gz, Parquet) from
    files, folders, globs, ``az://container/prefix`` or https blob URLs."""
    from ccf_py.ingest.azure_blob import expand_export_sources

    with tempfile.TemporaryDirectory(prefix="ccf-py-") as tmp:
        sources = expand_export_sources(specs, Path(tmp), connection_string=connection_string,
                                        progress=progress)
        result = azure_export.ingest(db.con, sources, label=" ".join(specs),
                                     progress=progress, progress_bar=progress_bar)
    drop_estimates(db.con)
    return result


def ingest_azure_cost_query(db: Database, scope: str, month: str, *,
                            endpoint: str | None = None,
                            progress: Callable[[str], None] | None = None,
                            progress_bar: bool = False) -> IngestResult:
    """Load one month of actual cost of ``scope`` through the Cost Management query API."""
    from ccf_py.ingest.azure_query import fetch_month

    first = parse_month(month)
    if first is None:
        raise ConfigError("--month is required with --api (YYYY-MM)")
    with tempfile.TemporaryDirectory(prefix="ccf-py-") as tmp:
        source = fetch_month(scope, first, Path(tmp), endpoint=endpoint, progress=progress)
        result = azure_export.ingest(db.con, [source], label=f"{scope} {month}",
                                     progress=progress, progress_bar=progress_bar)
    drop_estimates(db.con)
    return result
def _expand_any(specs: Sequence[str], workdir: Path, *, endpoint_url: str | None,
                progress: Callable[[str], None] | None) -> list:
    """Files of any kind: ``gs://`` by Google's client, ``az://`` and blob URLs by Azure's,
    ``s3://`` and local CUR-style names (.csv, .csv.gz, .parquet) as for ``aws-cur``, plus the
    newline-delimited JSON of GCP exports found in local folders and globs (CUR manifests,
    which are JSON too, are not billing data)."""
    from ccf_py.ingest.azure_blob import expand_export_sources, is_blob_spec
    from ccf_py.ingest.gcs import GS_SCHEME, expand_gcp_sources

    gs = [s for s in specs if s.lower().startswith(GS_SCHEME)]
    blob = [s for s in specs if is_blob_spec(s)]
    rest = [s for s in specs if s not in gs and s not in blob]
    found = {}
    if gs:
        found.update((src.name, src) for src in expand_gcp_sources(
            gs, workdir, endpoint_url=endpoint_url, progress=progress))
    if blob:
        found.update((src.name, src) for src in expand_export_sources(
            blob, workdir, progress=progress))
    for spec in rest:
        json_files = _local_json_exports(spec, workdir) if "://" not in spec else []
        found.update((src.name, src) for src in json_files)
        try:
            found.update((src.name, src) for src in expand_sources(
                [spec], workdir, endpoint_url=endpoint_url, progress=progress))
        except SourceError as exc:
            if not json_files:  # a folder of JSON exports has no CUR-style files: fine
                raise SourceError(str(exc).replace(NO_CUR_FILES, NO_BILLING_FILES)) from None
    return sorted(found.values(), key=lambda src: src.name)


NO_BILLING_FILES = ("no billing files (.csv, .csv.gz, .parquet; GCP .json, .jsonl, .ndjson, "
                    "optionally .gz) found")


def _local_json_exports(spec: str, workdir: Path) -> list:
    """GCP's newline-delimited JSON exports in a local folder or glob (a file named on its own
    is taken by ``expand_sources`` whatever its name); CUR manifests are JSON, not billing."""
    from ccf_py.ingest.cur_versions import MANIFEST_SUFFIX
    from ccf_py.ingest.gcs import expand_gcp_sources

    if Path(spec).is_file():
        return []
    try:
        sources = expand_gcp_sources([spec], workdir)
    except SourceError:
        return []
    return [src for src in sources if ".json" in src.path.name.lower()
            and not src.path.name.endswith(MANIFEST_SUFFIX)]


def ingest_auto(db: Database, specs: Sequence[str], *, endpoint_url: str | None = None,
                progress: Callable[[str], None] | None = None,
                detected: Callable[[str, str], None] | None = None,
                progress_bar: bool = False) -> list[tuple[str, IngestResult]]:
    """Load billing files of any supported kind: each file's kind is read from its header
    (``ccf_py.ingest.detect``), then the files of one kind are loaded in one ingest call, kinds
    in :data:`~ccf_py.ingest.detect.INGESTORS` order. ``detected(name, kind)`` hears each
    file's kind before anything loads. Every file is detected and every needed ingestor found
    before the first load; all kinds load in one transaction (all or nothing), and two kinds
    of export holding the same bill (a FOCUS and a native export of one account and month)
    are refused rather than added up."""
    from ccf_py.ingest import detect

    with tempfile.TemporaryDirectory(prefix="ccf-py-") as tmp:
        sources = _expand_any(specs, Path(tmp), endpoint_url=endpoint_url, progress=progress)
        groups = detect.group_by_kind(sources, detected)
        ingestors = {kind: detect.ingestor(kind) for kind in groups}
        results = []
        con = db.con
        con.execute(DDL)
        with one_transaction(con):  # all kinds or none
            for kind, group in groups.items():
                results.append((kind, ingestors[kind](
                    con, group, label=" ".join(specs), progress=progress,
                    progress_bar=progress_bar)))
        drop_estimates(con)  # they describe the data before this load
    return results


def _loaded_month(db: Database, month: str | None) -> str | None:
    """``month`` as YYYY-MM after checking it is loaded (None stays None: all months)."""
    if month is None:
        return None
    label = parse_month(month).strftime("%Y-%m")  # type: ignore[union-attr]
    months = available_months(db)
    if label not in months:
        raise ConfigError(f"--month {month}: not loaded (loaded: {', '.join(months) or 'none'})")
    return label


def parse_by(by: str | Sequence[str]) -> tuple[str, ...]:
    """Report keys from ``"service,region"`` (or a sequence); ``""`` means no key (totals).
    An empty key between commas is a typo, not a key: an error."""
    parts = by.split(",") if isinstance(by, str) else list(by)
    keys = tuple(k.strip() for k in parts)
    if keys == ("",):
        return ()
    if "" in keys:
        raise ConfigError(f"--by {','.join(parts)!r}: an empty key (two commas, or a comma at "
                          "an end)")
    for k in keys:
        if k not in REPORT_KEYS and not (k.startswith("tag:") and len(k) > 4):
            raise ConfigError(f"--by {k!r}: unknown key (use {', '.join(REPORT_KEYS)} or "
                              "tag:KEY)")
    if len(set(keys)) != len(keys):
        raise ConfigError("--by: a key is repeated")
    return keys


def _key_sql(keys: tuple[str, ...]) -> tuple[list[str], dict[str, str]]:
    """SQL expressions for report keys (fixed text) and the bound parameters tags need."""
    exprs, params = [], {}
    for i, k in enumerate(keys):
        if k.startswith("tag:"):
            # AWS keys are stored in snake case (ingest.aws_cur.tag_key), GCP labels and Azure
            # tags as written: the key as asked, else its snake form (quoted JSONPath keys)
            params[f"tag{i}"] = "$." + json.dumps(k[4:], ensure_ascii=False)
            params[f"tag{i}s"] = "$." + json.dumps(tag_name(k[4:]), ensure_ascii=False)
            exprs.append(f"coalesce(json_extract_string(tags, $tag{i}), "
                         f"json_extract_string(tags, $tag{i}s), '')")
        else:
            exprs.append(KEY_SQL[k])
    return exprs, params


def tag_name(key: str) -> str:
    """The stored spelling of a tag asked for as ``tag:KEY``: snake case, without the
    ``user:`` / ``user_`` prefix that the CUR dialects put on cost-allocation tags."""
    for prefix in ("user:", "user_"):
        if key.startswith(prefix):
            key = key[len(prefix):]
    return snake(key)


def _order(keys: tuple[str, ...], columns: list[str]) -> str:
    if "day" in keys or "month" in keys:
        return "ORDER BY " + ", ".join(columns)
    return "ORDER BY co2e_total_kg DESC, cost DESC" + "".join(f", {c}" for c in columns)


def _grouped(con: duckdb.DuckDBPyConnection, keys: tuple[str, ...], methodology: str,
             month: str | None, limit: int | None = None, where: str = "") -> ReportTable:
    """Group the (materialised) per-row ``fct_usage_estimates`` by ``keys``."""
    exprs, params = _key_sql(keys)
    cols = [f"k{i}" for i in range(len(keys))]
    select = [f"{e} AS {c}" for e, c in zip(exprs, cols, strict=True)]
    metrics = [f"coalesce(sum({m}), 0) AS {m}" for m in METRIC_COLUMNS]
    group = f"GROUP BY {', '.join(cols)}" if keys else ""
    sql = (f"SELECT {', '.join(select + metrics)} FROM fct_usage_estimates "
           f"{f'WHERE {where} ' if where else ''}{group} "
           f"{_order(keys, cols)}" + (f" LIMIT {int(limit)}" if limit else ""))
    rows = con.execute(sql, params).fetchall()
    return ReportTable(keys, tuple(tuple(r) for r in rows), methodology, month)


def _struct(fields: dict[str, str]) -> str:
    """A SQL STRUCT literal of named expressions (NULL when there are none)."""
    return "{" + ", ".join(f"'{c}': {e}" for c, e in fields.items()) + "}" if fields else "NULL"


def report(db: Database, *, methodology: str = "default", by: str | Sequence[str] = ("service",),
           month: str | None = None, gcp_cfe: bool = False,
           assumptions: Assumptions | str | os.PathLike[str] | None = None,
           intensity: str = "annual") -> ReportTable:
    """Cost, energy and CO2e grouped by ``by`` (see :data:`ccf_py.model.REPORT_KEYS`).

    Runs ``rpt_grouped`` over ``int_usage_keyed``: the billing rows are read once, summed per
    usage key and the keys below, and the estimates run on those sums. ``gcp_cfe``: GCP rows
    use Google's carbon-free-energy adjusted grid factors (market-based; said in the notes).
    ``assumptions``: GPU utilisation rules (:mod:`ccf_py.assumptions`; a file or loaded),
    listed in the notes. ``intensity``: 'annual' (default: the grid factor tables), 'hourly',
    'hourly-lca' or 'marginal': a loaded series (:func:`load_intensity`) where it covers the
    lines' hours; the notes say which and for what share of the energy.
    """
    assumptions = _assumptions(assumptions)
    check_methodology(methodology)
    series.check_report_intensity(db.con, intensity, methodology, gcp_cfe)
    keys = parse_by(by)
    month = _loaded_month(db, month)
    currencies, notes = _currencies(db, month)
    if len(currencies) > 1 and "currency" not in keys:  # never add up two currencies
        keys = ("currency", *keys)
        notes = (f"The bills are in {len(currencies)} currencies ({', '.join(currencies)}); "
                 "costs are never added across them, so the report is also grouped by "
                 "currency.", *notes)
    exprs, params = _key_sql(keys)
    cols = [f"k{i}" for i in range(len(keys))]
    # keys of the billed row are summed over first (pre_key); the classifier's keys after
    pre = {c: e for c, e, k in zip(cols, exprs, keys, strict=True)
           if k not in CLASSIFIED_KEYS and k not in ESTIMATE_KEYS}
    final = {c: f"pre_key.{c}" if c in pre else e
             for c, e, k in zip(cols, exprs, keys, strict=True) if k not in ESTIMATE_KEYS}
    create_estimates(db.con, methodology, parse_month(month), report_key=_struct(final),
                     pre_key=_struct(pre), key_params=params, grid_variant=_variant(gcp_cfe),
                     assumptions=assumptions, intensity=intensity)
    if gcp_cfe:
        notes = (*notes, CFE_NOTE)
    if assumptions:
        notes = (*notes, *assumptions.notes(_matched_rules(db.con, "int_usage_keyed_lines",
                                                           assumptions)))
    select = [f"{ESTIMATE_KEYS[k]} AS {c}" if k in ESTIMATE_KEYS else f"report_key.{c} AS {c}"
              for c, k in zip(cols, keys, strict=True)]
    metrics = [f"coalesce(sum({m}), 0) AS {m}" for m in METRIC_COLUMNS]
    group = f"GROUP BY {', '.join(cols)}" if keys else ""
    rows = db.con.execute(f"SELECT {', '.join(select + metrics)} FROM rpt_grouped {group} "
                          f"{_order(keys, cols)}").fetchall()
    notes = (*notes, *_missing_tag_notes(db, keys, rows),
             *measured_note(db.con, KEYED_LINES),
             *estimate_notes(db.con, methodology, KEYED_LINES),
             *series.intensity_notes(db.con, intensity, KEYED_LINES),
             *partial_month_notes(db.con, _months_of(db, month)))
    paths = db.con.execute(
        "SELECT estimate_path, sum(lines), sum(cost), sum(co2e_total_kg), currency "
        "FROM rpt_grouped GROUP BY 1, 5 ORDER BY 4 DESC, 3 DESC").fetchall()
    if month is None and len(months := available_months(db)) > 1:
        notes = (f"Period: all loaded months, {months[0]} to {months[-1]} ({len(months)} "
                 "billing periods) added up; --month YYYY-MM for one.", *notes)
    return ReportTable(keys, tuple(tuple(r) for r in rows), methodology, month,
                       coverage=_coverage_rows(paths), notes=notes,
                       currency=currencies[0] if len(currencies) == 1 else "")


CFE_NOTE = ("GCP rows use Google's carbon-free-energy adjusted grid factors (grid intensity x "
            "(1 - CFE %)): a market-based figure, not a location-based one; SCI and most "
            "reporting standards need the location-based report (without --gcp-cfe).")


def measured_note(con: duckdb.DuckDBPyConnection, lines: str) -> tuple[str, ...]:
    """Which GPU energy is measured, not estimated, and which measurements found no billed
    GPU line (``lines``: a model name of ccf_py's, never user text)."""
    if not con.execute("SELECT count(*) FROM gpu_measured_runs").fetchone()[0]:
        return ()
    n, kwh, used = con.execute(
        "SELECT sum(lines) FILTER (WHERE gpu_measured_share > 0), "
        "sum(gpu_kwh) FILTER (WHERE gpu_measured_share > 0), "
        f"list(DISTINCT m_resource) FILTER (WHERE gpu_measured_share > 0) FROM {lines}"
    ).fetchone()
    unmatched = [r[0] for r in con.execute(
        "SELECT DISTINCT resource_id FROM gpu_measured_runs ORDER BY 1").fetchall()
        if r[0] not in (used or [])][:5]
    notes = []
    if unmatched:
        notes.append(f"Measurements of {', '.join(unmatched)} match no billed GPU line with a "
                     "known end (check the --resource-id against the bill's resource ids).")
    if n:
        notes.append(f"GPU energy measured with ccf-py measure replaces the estimate over the "
                     f"measured time of {int(n):,} billed lines ({kwh:,.3f} kWh of GPU energy "
                     "there, PUE included; column gpu_measured_share).")
    return tuple(notes)


def tags(db: Database, month: str | None = None) -> list[tuple]:
    """The tag (label) keys in the bills, per provider and currency: how many distinct values,
    how many lines carry the key with a value, their cost and its share of that provider's
    gross cost (absolute, so credits do not push shares past 100%). Columns: TAG_COLUMNS;
    keys as stored (AWS cost-allocation tags in snake case), which is what ``--by tag:KEY``
    takes."""
    month = _loaded_month(db, month)
    return [tuple(r) for r in db.con.execute(
        """WITH m AS (SELECT * FROM billed_lines WHERE ? IS NULL OR billing_period_start = ?),
           gross AS (SELECT provider_name, billing_currency, sum(abs(billed_cost)) AS cost
                     FROM m GROUP BY ALL),
           kv AS (SELECT provider_name, billing_currency, billed_cost, k,
                         tags ->> k AS v
                  FROM (SELECT *, unnest(json_keys(tags)) AS k FROM m WHERE tags IS NOT NULL))
           SELECT kv.provider_name, coalesce(kv.billing_currency, ''), k,
                  count(DISTINCT v), count(*), sum(billed_cost),
                  CASE WHEN g.cost > 0 THEN sum(abs(billed_cost)) / g.cost END
           FROM kv JOIN gross g ON g.provider_name = kv.provider_name
            AND g.billing_currency IS NOT DISTINCT FROM kv.billing_currency
           WHERE coalesce(v, '') <> ''
           GROUP BY kv.provider_name, kv.billing_currency, k, g.cost
           ORDER BY 1, 2, 7 DESC, 3""", [parse_month(month)] * 2).fetchall()]


def _missing_tag_notes(db: Database, keys: tuple[str, ...], rows: list) -> tuple[str, ...]:
    """A ``tag:KEY`` no billed line carries gives one all-'(none)' row; say so, with the tag
    keys the bills do carry (a typo, or a tag not activated for cost allocation)."""
    notes = []
    for i, k in enumerate(keys):
        if k.startswith("tag:") and rows and all(r[i] == "" for r in rows):
            seen = [r[0] for r in db.con.execute(
                "SELECT DISTINCT unnest(json_keys(tags)) AS k FROM billed_lines "
                "WHERE tags IS NOT NULL ORDER BY k LIMIT 12").fetchall()]
            notes.append(f"No billed line carries the tag {k[4:]!r}; tags in the bills: "
                         f"{', '.join(seen) or 'none'}.")
    return tuple(notes)


def _matched_rules(con: duckdb.DuckDBPyConnection, lines: str,
                   assumptions: Assumptions) -> set[int]:
    """Numbers of the rules that apply to at least one GPU line (``lines``: a model name)."""
    if not assumptions.gpu_utilization:
        return set()
    return {r[0] for r in con.execute(
        f"SELECT DISTINCT a.number FROM {lines} l JOIN gpu_assumption_rules a "
        f"ON {rule_match('l', 'l')} WHERE l.gpu_hours > 0").fetchall()}


def _assumptions(value: Assumptions | str | os.PathLike[str] | None) -> Assumptions | None:
    if value is None or isinstance(value, Assumptions):
        return value
    return load_assumptions(value)


def _variant(gcp_cfe: bool) -> str:
    return "gcp_cfe" if gcp_cfe else ""


def _currencies(db: Database, month: str | None) -> tuple[list[str], tuple[str, ...]]:
    """The billing currencies of the month (or of all months), and a note when some rows
    have none recorded (ccf_py 0.1 data, a CUR without lineItem/CurrencyCode): with one
    currency besides, they are taken to be in it; with several, they are a group of their
    own (the currency key's empty value)."""
    found = db.con.execute(
        "SELECT billing_currency, count(*) FROM billed_lines WHERE ? IS NULL "
        "OR billing_period_start = ? GROUP BY 1 ORDER BY 1", [parse_month(month)] * 2
    ).fetchall()
    known = [c for c, _ in found if c is not None]
    unknown = sum(n for c, n in found if c is None)
    if not unknown or not known:
        return known, ()
    if len(known) == 1:
        return known, (null_currency_note(db.con, month, unknown, known[0]),)
    return [*known, "(none)"], (null_currency_note(db.con, month, unknown, None),)


def _coverage_rows(rows: list[tuple]) -> tuple[CoverageRow, ...]:
    """Coverage rows from (path, rows, cost, CO2e, currency) sums in the order given; rows
    without a currency are counted in the other rows' one when there is one
    (:mod:`ccf_py.currency`), so one currency gives one row per path."""
    home = unknown_goes_to(r[4] for r in rows)
    merged: dict[tuple[str, str], list[float]] = {}
    for p, n, c, k, code in rows:
        acc = merged.setdefault((p, code or home), [0, 0.0, 0.0])
        acc[0] += int(n)
        acc[1] += float(c or 0)
        acc[2] += float(k or 0)
    out = [CoverageRow(p, int(n), c, k, code) for (p, code), (n, c, k) in merged.items()]
    if len({c.currency for c in out}) > 1:  # several currencies: each one's paths together
        out.sort(key=lambda c: c.currency)
    return tuple(out)


def coverage(con: duckdb.DuckDBPyConnection) -> tuple[CoverageRow, ...]:
    """Share of rows and cost by estimation path and currency (needs
    ``fct_usage_estimates``)."""
    rows = con.execute(
        """SELECT coverage_path, count(*), sum(cost), sum(co2e_total_kg), currency
           FROM fct_usage_estimates GROUP BY 1, 5 ORDER BY 3 DESC""").fetchall()
    return _coverage_rows(rows)


def _months_of(db: Database, month: str | None) -> list[date]:
    """The billing periods a report covers: ``month``, or every loaded one."""
    labels = [month] if month else available_months(db)
    return [d for d in (parse_month(m) for m in labels) if d is not None]


def available_months(db: Database) -> list[str]:
    return [r[0] for r in db.con.execute(
        "SELECT DISTINCT strftime(billing_period_start, '%Y-%m') FROM billed_lines ORDER BY 1"
    ).fetchall()]


def monthly_report(db: Database, *, month: str | None = None,
                   methodology: str = "default", gcp_cfe: bool = False,
                   assumptions: Assumptions | str | os.PathLike[str] | None = None,
                   units: str | os.PathLike[str] | None = None,
                   intensity: str = "annual") -> MonthlyReport:
    """Everything the monthly report shows, for ``month`` (default: the latest loaded): the
    totals against the loaded month before it, per provider / service / region / account /
    usage class / day, top resources and top movers, SCI per service (R from ``units``, a
    units file as for :func:`sci`; without one, E, I and M only), coverage, and the notes.
    Bills in several currencies: every table is also keyed by currency, ``by_currency`` and
    ``previous_costs`` give the cost per currency and ``totals`` holds none (costs are never
    added across currencies; energy and CO2e are)."""
    check_methodology(methodology)
    if intensity == "marginal":  # an inventory adds up average figures, never marginal ones
        raise ConfigError("--intensity marginal: the monthly report is an inventory (totals, "
                          "change against last month) and marginal intensity is a "
                          "consequential figure that must not be added to average ones; use "
                          "'ccf-py report --intensity marginal' or 'ccf-py compare time'")
    series.check_report_intensity(db.con, intensity, methodology, gcp_cfe)
    months = available_months(db)
    if not months:
        raise ConfigError("the database holds no billing data (run 'ccf-py ingest PATH')")
    month = _loaded_month(db, month) or months[-1]
    currencies, _ = _currencies(db, month)
    # bills in several currencies: every table is also keyed by currency, costs are never
    # added across them (energy and CO2e are)
    cur = ("currency",) if len(currencies) > 1 else ()
    assumptions = _assumptions(assumptions)
    con = db.con
    # several clouds: services, regions and accounts are named per provider ("Storage" is
    # Azure's, "Support" Google's), so the tables say whose they are
    providers = [r[0] for r in con.execute(
        "SELECT DISTINCT provider_name FROM billed_lines WHERE billing_period_start = ? "
        "ORDER BY 1", [parse_month(month)]).fetchall()]
    per = ("provider",) if len(providers) > 1 else ()
    # the month before first: report() builds estimates of its own, replacing the session's
    before = next((m for m in reversed(months) if m < month), None)
    previous = (report(db, methodology=methodology, by=(*per, "service"), month=before,
                       gcp_cfe=gcp_cfe, assumptions=assumptions, intensity=intensity)
                if before else None)
    # SCI is location-based whatever gcp_cfe says (it excludes market-based measures)
    sci_table = sci(db, units, month=month, by=(*per, "service"), methodology=methodology,
                    assumptions=assumptions, intensity=intensity)
    create_estimates(con, methodology, parse_month(month), materialize=True,
                     grid_variant=_variant(gcp_cfe), assumptions=assumptions,
                     intensity=intensity)

    currency = next((c for c in currencies if c != "(none)"), "") if not cur else ""

    def g(*keys: str, limit: int | None = None, where: str = "") -> ReportTable:
        # the page's tables say their cost column's currency ("Cost (USD)")
        return replace(_grouped(con, tuple(keys), methodology, month, limit, where),
                       currency=currency)

    covered = coverage(con)
    span = month_span(con, parse_month(month))  # type: ignore[arg-type]
    notes = (*((span.note(),) if span.partial else ()),
             *estimate_notes(con, methodology, "int_usage_lines"),
             *series.intensity_notes(con, intensity, "int_usage_lines"),
             *measured_note(con, "int_usage_lines"),
             *((CFE_NOTE,) if gcp_cfe else ()),
             *(assumptions.notes(_matched_rules(con, "int_usage_lines", assumptions))
               if assumptions else ()))
    by_service = g(*cur, *per, "service")
    by_currency = g("currency") if cur else None
    totals, previous_totals, previous_costs = month_costs(by_currency or g(), previous)
    services = without_currency(by_service)  # movers compare CO2e, which adds up
    return MonthlyReport(
        month=month, methodology=methodology, version=__version__,
        coefficients_fingerprint=coefficients.fingerprint(), totals=totals,
        currency=currency,
        confidence=confidence_line(covered, methodology),
        by_provider=g(*cur, "provider"), by_service=by_service,
        by_region=g(*cur, *per, "region"), by_account=g(*cur, *per, "account"),
        by_usage_class=g(*cur, "usage_class"),
        by_day=complete_days(g("day", *cur), span,
                             [("" if c == "(none)" else c,) for c in currencies] if cur else ()),
        # billed lines without a resource id (GCP's standard export, taxes) are no resource
        top_resources=g(*cur, *per, "resource_id", "service", limit=TOP_RESOURCES,
                        where="coalesce(resource_id, '') <> ''"), coverage=covered,
        notes=notes, span=span, previous_month=before,
        previous_totals=previous_totals, by_currency=by_currency,
        previous_costs=previous_costs, mover_keys=services.keys,
        movers=top_movers(without_currency(previous), services) if previous else (),
        sci=sci_table,
        resource_count=con.execute(
            "SELECT count(DISTINCT resource_id) FROM fct_usage_estimates "
            "WHERE coalesce(resource_id, '') <> ''").fetchone()[0],
    )


TOP_RESOURCES = 15
TOP_MOVERS = 10


def top_movers(previous: ReportTable, current: ReportTable,
               limit: int = TOP_MOVERS) -> tuple[Mover, ...]:
    """The keys whose total CO2e changed most (either way) from ``previous`` to ``current``
    (same keys); a key missing from one month counts as zero there."""
    n = len(current.keys)
    col = n + METRIC_COLUMNS.index("co2e_total_kg")

    def kg(table: ReportTable) -> dict[tuple, float]:
        return {tuple(r[:n]): float(r[col] or 0) for r in table.rows}

    before, now = kg(previous), kg(current)
    movers = [Mover(tuple(str(v) for v in k), before.get(k, 0.0), now.get(k, 0.0))
              for k in before.keys() | now.keys()]
    movers = [m for m in movers if m.change_kg != 0]
    movers.sort(key=lambda m: (-abs(m.change_kg), m.keys))
    return tuple(movers[:limit])


def complete_days(table: ReportTable, span: MonthSpan,
                  others: Sequence[tuple] = ()) -> ReportTable:
    """The daily table (keys ``day`` then ``others``' keys) with every day from the first to
    the last loaded day, in date order; a day without lines is a row of zeros (a chart of it
    must not skip the day), one per ``others`` key values (e.g. each currency)."""
    rows: dict[str, list[tuple]] = {}
    for r in sorted(table.rows, key=lambda r: tuple(str(v) for v in r[:len(table.keys)])):
        rows.setdefault(r[0], []).append(r)
    if span.first is None or span.last is None:
        return replace(table, rows=tuple(r for d in sorted(rows) for r in rows[d]))
    days = [(span.first + timedelta(days=i)).isoformat() for i in range(span.days_loaded)]
    zero = (0.0,) * len(METRIC_COLUMNS)
    filled = [r for d in days for r in rows.get(d, [(d, *o, *zero) for o in others or [()]])]
    # lines dated outside the span (none expected) are kept, not dropped
    filled += [r for d in sorted(rows) if d not in set(days) for r in rows[d]]
    return replace(table, rows=tuple(filled))


# --- on-host measurement (ccf_py.measure; NVML is imported only when a run starts) ---

def measure_command(argv: Sequence[str], *, region: str | None = None, provider: str = "aws",
                    interval_s: float = 0.1, powercap_root: str | None = None):  # noqa: ANN201
    """Run ``argv`` measuring GPU (NVML) and CPU (RAPL) energy; returns
    ``(measure.command.CommandRun, footprint.Footprint | None)``. An unknown region raises
    ConfigError before the command runs."""
    from ccf_py.measure import command, footprint

    if region is not None:
        footprint.grid_intensity(provider, region)
    run = command.run_command(argv, interval_s=interval_s, powercap_root=powercap_root
                              or command.DEFAULT_POWERCAP_ROOT)
    fp = footprint.footprint(run.result, provider, region) if region is not None else None
    return run, fp


def record_measurement(db: Database, result, **fields) -> str:  # noqa: ANN001, ANN003
    """Store a measurement in the ``measurements`` table (one transaction); fields as
    :func:`ccf_py.measure.store.insert`. Returns the measurement id."""
    from ccf_py.measure import store

    return store.insert(db.con, result, **fields)


# --- Software Carbon Intensity (ccf_py.sci) ---

def sci(db: Database, units: str | os.PathLike[str] | None = None, *, month: str | None = None,
        by: str | Sequence[str] | None = None, methodology: str = "default",
        assumptions: Assumptions | str | os.PathLike[str] | None = None,
        intensity: str = "annual"):  # noqa: ANN201
    """SCI = ((E x I) + M) per R per key and month (:class:`ccf_py.sci.SciTable`).

    ``units``: a CSV ``month, <key columns>, functional_unit, units`` giving R; None gives E,
    I, O and M with no SCI and a note saying a units file is needed. ``by``: ``service``,
    ``account``, ``provider``, ``tag:KEY`` or a comma list of them; None takes the units
    file's key columns (``service`` without a file). ``month``: one month; None: the units
    file's months (each must be loaded), or every loaded month without a file. Grid factors
    are always location-based (SCI excludes market-based measures: no ``gcp_cfe``).
    """
    from ccf_py import sci as scimod

    check_methodology(methodology)
    assumptions = _assumptions(assumptions)
    table_units = scimod.read_units(units) if units is not None else None
    keys = scimod.resolve_keys(by, table_units)
    months = scimod.months_to_report(table_units, _loaded_month(db, month),
                                     available_months(db))
    reports, coverages, months_of = {}, [], {}
    for m in months:
        table = report(db, methodology=methodology, by=scimod.detail_keys(keys), month=m,
                       assumptions=assumptions, intensity=intensity)
        reports[m] = table
        coverages.append(table.coverage)
        # costs play no part in SCI: the report's currency notes do not apply
        drop = set(_currencies(db, m)[1])
        if table.keys[:1] == ("currency",):
            drop.add(table.notes[0])
        for n in table.notes:
            if n not in drop:
                months_of.setdefault(n, []).append(m)
    # a note of some of the months says which
    notes = [n if len(ms) == len(months) else f"{', '.join(ms)}: {n}"
             for n, ms in months_of.items()]
    coverage = scimod.merge_coverage(coverages)
    return scimod.build(keys, reports, methodology, table_units, notes,
                        confidence_line(coverage, methodology), coverage)


def sci_df(db: Database, units: str | os.PathLike[str] | None = None, *,
           month: str | None = None, by: str | Sequence[str] | None = None,
           methodology: str = "default",
           assumptions: Assumptions | str | os.PathLike[str] | None = None):  # noqa: ANN201
    """:func:`sci` as a pandas DataFrame (columns as ``ccf-py sci --format csv``; empty
    units and SCI are NaN); ``DataFrame.attrs`` holds ``notes``, ``boundary``,
    ``methodology``, ``period`` and ``ccf_py_version``. Needs ``pip install 'ccf-py[pandas]'``."""
    try:
        import pandas as pd
    except ImportError:
        raise ConfigError("api.sci_df needs pandas: pip install 'ccf-py[pandas]'") from None
    from ccf_py.sci import SCI_METRICS

    table = sci(db, units, month=month, by=by, methodology=methodology,
                assumptions=assumptions)
    frame = pd.DataFrame(table.as_dicts(), columns=list(table.columns))
    for column in SCI_METRICS[1:]:  # numbers, with NaN where there is no value
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    frame.attrs.update(notes=list(table.notes), boundary=table.boundary.as_json(),
                       methodology=table.methodology, period=table.period,
                       ccf_py_version=table.version)
    return frame


# --- FinOps integration (ccf_py.finops): FOCUS export, stored estimates, DataFrames ---

def export_focus(db: Database, out: str | os.PathLike[str], *, month: str,
                 focus_version: str = "1.2", methodology: str = "default"):  # noqa: ANN201
    """Write every billed line of ``month`` (all providers) to ``out`` (``.parquet`` or
    ``.csv``) as FOCUS ``focus_version`` (1.2 or 1.3) cost-and-usage columns plus carbon
    columns (``x_EnergyKWh``, ``x_OperationalCO2eKg``...; README, "ccf-py export focus").
    Streamed by DuckDB; the file appears only when complete. Returns
    :class:`ccf_py.finops.focus_export.ExportResult`."""
    from ccf_py.finops import focus_export

    check_methodology(methodology)
    focus_export.columns(focus_version)
    focus_export.output_format(out)
    if not month:
        raise ConfigError("--month is required (YYYY-MM)")
    [(label, period)] = _finops_months(db, month)
    if db.path != ":memory:" and Path(out).resolve() == Path(db.path).resolve():
        raise ConfigError(f"--out {out}: that is the database")
    create_estimates(db.con, methodology, period)
    notes = (confidence_line(coverage(db.con), methodology),
             *_per_row_notes(db, methodology, period))
    query = focus_export.select_sql(db.con, period, focus_version, methodology)
    rows = focus_export.write(db.con, query, out, {
        "focus_version": focus_version, "x_ccf_py_version": __version__,
        "x_carbon_methodology": methodology, "x_billing_period": label,
        "x_coefficients_fingerprint": coefficients.fingerprint(),
        "x_carbon_notes": json.dumps(notes, ensure_ascii=False)})
    return focus_export.ExportResult(str(out), rows, label, focus_version, methodology,
                                     notes)


def store_estimates(db: Database, *, month: str | None = None,
                    methodology: str = "default"):  # noqa: ANN201
    """Store the per-row estimates of ``month`` (default: every loaded month) in the table
    ``carbon_estimates`` of the database (``db`` opened for writing), replacing that month's
    rows of the same methodology, in one transaction. A later load of a month deletes its
    stored rows. Returns a list of :class:`ccf_py.finops.persist.StoredMonth`."""
    from ccf_py.finops import persist

    check_methodology(methodology)
    return persist.store(db.con, _finops_months(db, month), methodology, version=__version__,
                         fingerprint=coefficients.fingerprint())


def _per_row_notes(db: Database, methodology: str, period: date) -> tuple[str, ...]:
    """The notes of the per-row estimates of one month (annual grid factors), in the order
    ``report`` gives them."""
    return (*measured_note(db.con, "int_usage_lines"),
            *estimate_notes(db.con, methodology, "int_usage_lines"),
            *series.intensity_notes(db.con, "annual", "int_usage_lines"),
            *partial_month_notes(db.con, [period]))


def estimates_df(db: Database, *, month: str | None = None,
                 methodology: str = "default"):  # noqa: ANN201
    """The per-row estimates of ``month`` (default: every loaded month) as a pandas
    DataFrame: one row per billed line, the columns ``ccf-py estimate`` stores
    (``carbon_estimates``). ``attrs``: ``notes`` (fallbacks and how the CO2e was estimated),
    ``methodology``, ``period``, ``ccf_py_version``, ``coefficients_fingerprint``."""
    from ccf_py.finops import frames, persist

    pd = frames.pandas()
    check_methodology(methodology)
    months = _finops_months(db, month)
    parts, notes = [], []
    for m, period in months:
        create_estimates(db.con, methodology, period)
        parts.append(db.con.execute(persist.rows_sql(db.con, m, period, methodology)).df())
        for note in (confidence_line(coverage(db.con), methodology),
                     *_per_row_notes(db, methodology, period)):
            notes += [note] if note not in notes else []
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    frame.attrs.update(notes=notes, methodology=methodology,
                       period=months[0][0] if len(months) == 1 else None,
                       ccf_py_version=__version__,
                       coefficients_fingerprint=coefficients.fingerprint())
    return frame


def report_df(db: Database, **report_kwargs):  # noqa: ANN003, ANN201
    """:func:`report` as a pandas DataFrame (same keywords): the key columns, then ``cost``,
    ``energy_kwh``, ``gpu_energy_kwh``, ``co2e_operational_kg``, ``co2e_embodied_kg``,
    ``co2e_total_kg``. ``attrs``: ``notes``, ``methodology``, ``period``, ``coverage``,
    ``ccf_py_version``, ``coefficients_fingerprint``."""
    from ccf_py.finops import frames

    frames.pandas()  # before the work: a missing extra is said at once
    return frames.report_frame(report(db, **report_kwargs), {
        "ccf_py_version": __version__,
        "coefficients_fingerprint": coefficients.fingerprint()})


def _finops_months(db: Database, month: str | None) -> list[tuple[str, date]]:
    """(YYYY-MM, first day) of ``month`` after checking it is loaded, or of every loaded
    month."""
    months = [_loaded_month(db, month) or ""] if month else available_months(db)
    if not months:
        raise ConfigError("the database holds no billing data (run 'ccf-py ingest')")
    return [(m, date(int(m[:4]), int(m[5:7]), 1)) for m in months]


# --- hourly and marginal grid intensity (ccf_py.intensity) and ccf-py compare time ---

def load_intensity(db: Database, specs: Sequence[str], *, zone: str | None = None,
                   unit: str | None = None, kind: str | None = None) -> series.LoadResult:
    """Load hourly grid intensity series (Electricity Maps data portal CSV, WattTime v3 JSON,
    or CSV of timestamp, value, unit, zone) in one transaction; hours already loaded for the
    same zone and kind are replaced. ``zone``, ``unit``, ``kind``: for files that do not say
    (``kind`` of a plain CSV: 'marginal' unless given)."""
    result = series.load(db.con, specs, zone=zone, unit=unit, kind=kind)
    drop_estimates(db.con)  # a session's estimates were made without these hours
    return result


def intensity_series(db: Database) -> list[series.SeriesInfo]:
    """The loaded series: zone, kind, first and last hour, hours and gaps, mean/min/max."""
    return series.series_info(db.con)


def compare_time(db: Database, *, zone: str, duration_hours: float | int | str,
                 window_hours: float | int | str, start: str | None = None,
                 energy_kwh: float | None = None, power_kw: float | None = None,
                 intensity: str | None = None):  # noqa: ANN201 - a compare.Comparison
    """``now`` vs ``flexible_start`` vs ``pause_resume`` for a job of whole hours in a window
    of a loaded hourly series (:mod:`ccf_py.compare.time`); ``intensity``: direct, lca or
    marginal (default: the first of these loaded for the zone)."""
    from ccf_py.compare.time import compare_time as build

    return build(db.con, zone=zone, duration_hours=duration_hours, window_hours=window_hours,
                 start=start, energy_kwh=energy_kwh, power_kw=power_kw, kind=intensity)




# --- what-if comparisons (ccf_py.compare; issue 9) ---



def _comparison_month(db: Database, month: str | None) -> tuple[date, str]:
    """The billing period a comparison reads: ``month`` (checked to be loaded), else the
    latest loaded one."""
    months = available_months(db)
    if not months:
        raise ConfigError("the database holds no billing data (run 'ccf-py ingest PATH')")
    label = _loaded_month(db, month) or months[-1]
    return parse_month(label), label  # type: ignore[return-value]


def compare_region(db: Database, *, to: str, service: str | None = None,
                   from_region: str | None = None, provider: str | None = None,
                   month: str | None = None, methodology: str = "default") -> Comparison:
    """The month's usage (of ``service``, in ``from_region``; default all) moved to region
    ``to`` of the same provider, or to each of its regions, ranked (``to="best"``): a
    :class:`~ccf_py.compare.base.Comparison`, the usage as billed first."""
    from ccf_py.compare.region import compare_region as run_comparison

    check_methodology(methodology)
    first, label = _comparison_month(db, month)
    return run_comparison(db.con, month=first, label=label, to=to, service=service,
                          from_region=from_region, provider=provider, methodology=methodology)


def compare_instance(db: Database, *, from_: str, to: str, month: str | None = None,
                     methodology: str = "default") -> Comparison:
    """The month's usage of AWS instance family or type ``from_`` on ``to`` instead, at the
    same vCPU-hours (accelerator-hours for accelerated types): a
    :class:`~ccf_py.compare.base.Comparison`, the usage as billed first."""
    from ccf_py.compare.instance import compare_instance as run_comparison

    check_methodology(methodology)
    first, label = _comparison_month(db, month)
    return run_comparison(db.con, month=first, label=label, from_spec=from_, to_spec=to,
                          methodology=methodology)


# ---- what-if: storage classes (issue 9) ----------------------------------------------------
def compare_storage(db: Database | None, *, from_class: str | None = None,
                    to_class: str | None = None, bucket: str | None = None,
                    usage_type: str | None = None, tb: float | None = None,
                    months: float | None = None, retrievals_gb_per_month: float = 0.0,
                    region: str | None = None, month: str | None = None,
                    list_classes: bool = False):  # noqa: ANN201 - a compare.Comparison
    """The same stored data in storage class ``from_class`` and in ``to_class`` (ids of
    ``coefficients/storage_classes.csv``) for ``months`` months (default 12): energy,
    operational, embodied and low/high CO2e, list-price cost, break-even
    (:mod:`ccf_py.compare.storage`). The data: the billed ``from_class`` storage of ``bucket``
    (a resource id) or of ``usage_type`` (``*`` = anything) in ``month`` (default: the latest
    with such lines) of ``db``, or ``tb`` TB (no database needed). ``list_classes``: the
    class ids and their assumptions instead."""
    from ccf_py.compare import storage as storage_compare

    if list_classes:
        return storage_compare.list_classes()
    if not from_class or not to_class:
        raise ConfigError("give --from CLASS and --to CLASS (ccf-py compare storage --list "
                          "lists the classes)")
    if db is None and (bucket is not None or usage_type is not None):
        raise ConfigError("--bucket and --usage-type read the loaded bills: open a database")
    if db is not None and month and tb is None:
        month = _loaded_month(db, month)
    return storage_compare.compare_storage(
        db.con if db is not None else None, from_class=from_class,
        to_class=to_class, bucket=bucket, usage_type=usage_type, tb=tb, months=months,
        retrievals_gb_per_month=retrievals_gb_per_month, region=region, month=month)
