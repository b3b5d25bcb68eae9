"""The load transaction every ingestor shares: insert the files' plans into the billing
table, refuse a load that holds one bill twice, replace the earlier rows of the (provider,
billing account, billing period) just loaded, and log it — all or nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import duckdb

from ccf_py import currency
from ccf_py.db import transaction
from ccf_py.errors import InputError
from ccf_py.ingest.files import FilePlan, gzip_problem, input_error, is_gzip
from ccf_py.ingest.table import ESTIMATES_TABLE, TABLE

# Providers whose exports may cover one sub-account (an Azure export or query scoped to one
# subscription under an EA enrollment that bills them all): a reload replaces only the
# sub-accounts it holds. AWS CURs and GCP exports always cover the whole billing account.
SUB_ACCOUNT_SCOPED = ("azure",)

# Connections inside one_transaction(): the first load id of that command, and whether a
# failed statement has already rolled the transaction back
_OUTER: dict[int, dict] = {}


@contextlib.contextmanager
def one_transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Several loads (``ccf-py ingest`` with files of several kinds) as one transaction: all
    or nothing, and a load refuses to replace rows another load of the same command just
    wrote (two exports of one bill)."""
    first = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM ingest_log").fetchone()[0]
    _OUTER[id(con)] = {"first": first, "aborted": False}
    try:
        with transaction(con):
            yield
    finally:
        _OUTER.pop(id(con), None)


def statement_failed(con: duckdb.DuckDBPyConnection) -> None:
    """After a read before the load failed (a first look at a file's rows): inside
    :func:`one_transaction` the failed statement aborted the command's transaction, so it is
    rolled back now (the diagnosis reads the file again) and no later load of it may run."""
    outer = _OUTER.get(id(con))
    if outer is not None:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        outer["aborted"] = True


def in_command_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``con`` is inside :func:`one_transaction`, where a failed load cannot be tried
    again (the failed statement rolled the whole command back)."""
    return id(con) in _OUTER


@dataclass(frozen=True)
class IngestResult:
    load_id: int
    files: int
    rows: int
    replaced_rows: int
    billing_periods: tuple[str, ...]
    # the billed cost loaded; None when it is in several currencies (never added across them)
    cost_total: float | None
    replaced_from: str = ""   # source files of the rows that were replaced
    estimates_removed: int = 0  # rows of carbon_estimates (ccf-py estimate) of those months
    # the billed cost per currency, in code order ('' for rows without a currency beside
    # several others: ccf_py.currency)
    costs: tuple[tuple[str, float], ...] = ()


def load(con: duckdb.DuckDBPyConnection, plans: list[FilePlan], *, provider: str | None,
         load_id: int, label: str, progress: Callable[[str], None] | None = None,
         progress_bar: bool = False) -> IngestResult:
    """Insert every file of one provider, check the load, replace earlier periods: one
    transaction. Every ``.gz`` part is read to its end on a thread beside the load.

    ``provider`` None: the files hold several providers' rows (a FOCUS export); each
    provider's earlier rows are replaced by its own (billing account, period) pairs."""
    con.execute(f"SET enable_progress_bar = {str(progress_bar).lower()}")
    # Measured (tests/benchmarks): FSST string compression analysis is ~15 % of ingest CPU for
    # a ~40 % smaller file, and row order inside the table carries no meaning; both off for
    # this load only (reset below).
    con.execute("SET disabled_compression_methods = 'fsst'")
    con.execute("SET preserve_insertion_order = false")
    outer = _OUTER.get(id(con))
    if outer and outer["aborted"]:  # e.g. a retry after a failed statement: nothing is left
        raise InputError(plans[0].source.name, "the load of this command was rolled back by an "
                         "earlier error; load these files on their own")
    checks = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ccf-py-gzip")
    gzipped = [checks.submit(gzip_problem, p.source) for p in plans if is_gzip(p.source.path)]
    try:
        if not outer:
            con.execute("BEGIN TRANSACTION")
        for i, plan in enumerate(plans, start=1):
            if progress:
                progress(f"[{i}/{len(plans)}] loading {plan.source.name}")
            try:
                con.execute(f"INSERT INTO {TABLE} BY NAME SELECT {plan.select} "
                            f"FROM {plan.reader}")
            except duckdb.Error as exc:
                # the failed statement aborted the transaction; diagnose outside it
                with contextlib.suppress(duckdb.Error):
                    con.execute("ROLLBACK")
                if outer:
                    outer["aborted"] = True
                raise input_error(con, plan, exc) from None
        for check in gzipped:
            if problem := check.result():
                raise problem
        refuse_double_counting(con, load_id, {p.source.name: p.shape for p in plans})
        result = replace_periods(con, load_id, provider, len(plans), label,
                                 same_command_from=outer["first"] if outer else None)
        removed = forget_estimates(con, result.billing_periods)
        if not outer:
            con.execute("COMMIT")
    except BaseException:
        if not outer:  # a failed COMMIT has already rolled back: never hide the real error
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
        raise
    finally:
        checks.shutdown(wait=False, cancel_futures=True)
        for setting in ("disabled_compression_methods", "preserve_insertion_order",
                        "enable_progress_bar"):
            con.execute(f"RESET {setting}")
    if removed and progress:
        progress(f"removed {removed} stored estimate rows of {', '.join(result.billing_periods)} "
                 f"from {ESTIMATES_TABLE}: they describe the data before this load (run "
                 "'ccf-py estimate' again)")
    return replace(result, estimates_removed=removed) if removed else result


def forget_estimates(con: duckdb.DuckDBPyConnection, months: tuple[str, ...]) -> int:
    """Delete the stored per-row estimates (``ccf-py estimate``) of the months just loaded,
    of every provider and methodology, in the load's transaction: they were computed from the
    rows this load replaced or joined (cost ratios are learned over a whole month), and a
    BI tool reading the table must never see them beside the new rows. Returns the count."""
    if not months or not con.execute(
            "SELECT 1 FROM duckdb_tables() WHERE table_name = ? "
            "AND database_name = current_database() AND NOT temporary",
            [ESTIMATES_TABLE]).fetchone():
        return 0
    return con.execute(f"DELETE FROM {ESTIMATES_TABLE} WHERE month IN "
                       f"({', '.join('?' for _ in months)})", list(months)).fetchone()[0]


def refuse_double_counting(con: duckdb.DuckDBPyConnection, load_id: int,
                            shapes: dict[str, str]) -> None:
    """Refuse a load whose files hold the same bill twice:

    * two files with the same periods, row count and cost are the same export given twice
      (``x.csv`` beside ``x.csv.gz``, a copied folder);
    * files of different shapes (legacy CSV parts and CUR 2.0 Parquet parts, say) with a
      billing period of the same billing account are two exports of one bill: parts of one export
      always share a shape.
    """
    # grouped by the few (file, account, period) first: half the CPU of a DISTINCT list of
    # structs built on every row (tests/benchmarks)
    files = con.execute(
        f"""SELECT source_file, list({{'account': account, 'period': period}}), sum(n),
                   round(sum(cost), 6)
            FROM (SELECT source_file, billing_account_id AS account,
                         billing_period_start AS period, count(*) AS n, sum(billed_cost) AS cost
                  FROM {TABLE} WHERE load_id = ? GROUP BY ALL)
            GROUP BY source_file ORDER BY source_file""",
        [load_id]).fetchall()
    files = [(name, sorted(pairs, key=str), n, cost) for name, pairs, n, cost in files]
    for i, (name_a, pairs_a, n_a, cost_a) in enumerate(files):
        for name_b, pairs_b, n_b, cost_b in files[i + 1:]:
            shared = sorted(str(a["period"])[:7] for a in pairs_a for b in pairs_b
                            if a["period"] == b["period"] and _same_account(a, b))
            if shared and shapes[name_a] != shapes[name_b]:
                raise InputError(name_b, f"{_a(shapes[name_b])} export of {shared[0]}, while "
                                 f"{name_a} is {_a(shapes[name_a])} export of the same billing "
                                 "account and month: two exports of one bill would count it "
                                 "twice; load the files of one export")
            if (pairs_a, n_a, cost_a) == (pairs_b, n_b, cost_b):
                raise InputError(name_b, f"same billing rows as {name_a} (same billing accounts, "
                                 "periods, row count and cost): the same export given twice; "
                                 "load one of them")


def _a(noun: str) -> str:
    return ("an " if noun[0].lower() in "aeiou" else "a ") + noun


def _same_account(a: dict, b: dict) -> bool:
    """A NULL billing account (an export may omit it) matches any account."""
    return a["account"] is None or b["account"] is None or a["account"] == b["account"]


def replace_periods(con: duckdb.DuckDBPyConnection, load_id: int, provider: str | None,
                    files: int, label: str, *,
                    same_command_from: int | None = None) -> IngestResult:
    """Delete earlier loads' rows of the (provider, billing account, billing period) triples
    just loaded — for :data:`SUB_ACCOUNT_SCOPED` providers only of the sub-accounts loaded —
    never another provider's or another account's. ``provider`` None: every provider among
    the loaded rows, each with its own pairs. ``same_command_from``: rows of loads from this
    id on were written by the same command; replacing them is refused (one bill twice)."""
    # one scan: per provider, the (billing account, sub-account, period) it loaded (grouped
    # first, as in refuse_double_counting)
    scoped = ", ".join(f"'{p}'" for p in SUB_ACCOUNT_SCOPED)
    loaded = con.execute(
        "SELECT provider_name, sum(n), coalesce(sum(cost), 0), "
        "list({'account': account, 'period': period, 'sub': sub, 'currency': currency, "
        "'cost': cost}) FROM ("
        "SELECT provider_name, billing_account_id AS account, billing_period_start AS period, "
        f"CASE WHEN provider_name IN ({scoped}) THEN sub_account_id END AS sub, "
        "billing_currency AS currency, count(*) AS n, "
        f"sum(billed_cost) AS cost FROM {TABLE} WHERE load_id = ? GROUP BY ALL) "
        "GROUP BY provider_name ORDER BY provider_name", [load_id]).fetchall()
    rows = sum(n for _, n, _, _ in loaded)
    # costs are summed per currency, never across currencies
    costs = currency.fold_unknown((p["currency"], p["cost"]) for *_, pairs in loaded
                                  for p in pairs)
    periods = tuple(sorted({str(p["period"])[:7] for *_, pairs in loaded for p in pairs}))
    replaced, sources = 0, []
    for name, _, _, pairs in loaded:
        if provider is not None and name != provider:
            continue  # a provider module writes only its own name; never replace for another
        n, source = _replace_provider(con, load_id, name, pairs, same_command_from)
        replaced += n
        sources += [source] if source else []
    con.execute("INSERT INTO ingest_log VALUES (?, ?, ?, ?, ?, ?, ?)",
                [load_id, datetime.now(UTC).replace(tzinfo=None), label, files, rows,
                 ",".join(periods), replaced])
    replaced_from = ", ".join(dict.fromkeys(f for s in sources for f in s.split(", ")))
    return IngestResult(load_id, files, rows, replaced, periods,
                        next(iter(costs.values())) if len(costs) == 1 else
                        (0.0 if not costs else None), replaced_from,
                        costs=tuple(costs.items()))


def _replace_provider(con: duckdb.DuckDBPyConnection, load_id: int, provider: str,
                      pairs: list[dict], same_command_from: int | None) -> tuple[int, str]:
    """(rows deleted, their source files) for one provider of the load."""
    earlier = pairs and con.execute(
        f"SELECT 1 FROM {TABLE} WHERE load_id <> ? AND provider_name = ? "
        f"AND billing_period_start IN ({', '.join('?' for _ in pairs)}) LIMIT 1",
        [load_id, provider, *(p["period"] for p in pairs)]).fetchone()
    if not earlier:  # a first load of a month has nothing to replace: skip two scans
        return 0, ""
    con.execute("CREATE OR REPLACE TEMP TABLE _loaded_periods "
                "(account VARCHAR, sub VARCHAR, period DATE)")
    con.executemany("INSERT INTO _loaded_periods VALUES (?, ?, ?)",
                    [(p["account"], p["sub"], p["period"]) for p in pairs])
    # A NULL billing account (a CUR 2.0 export may omit the payer) matches any account of
    # the provider's period: better to replace than to count the month twice. A sub-account
    # (scoped providers) must match exactly: another subscription's export is another bill.
    match = f"""load_id <> $id AND provider_name = $provider AND EXISTS (
               SELECT 1 FROM _loaded_periods n
               WHERE n.period = {TABLE}.billing_period_start
                 AND (n.account IS NULL OR {TABLE}.billing_account_id IS NULL
                      OR n.account = {TABLE}.billing_account_id)
                 AND (n.sub IS NULL OR n.sub IS NOT DISTINCT FROM {TABLE}.sub_account_id))"""
    if same_command_from is not None:
        clash = con.execute(
            f"SELECT any_value(source_file) FROM {TABLE} WHERE {match} AND load_id >= $first",
            {"id": load_id, "provider": provider, "first": same_command_from}).fetchone()[0]
        if clash:
            mine = con.execute(f"SELECT any_value(source_file) FROM {TABLE} WHERE load_id = ?",
                               [load_id]).fetchone()[0]
            raise InputError(mine, f"holds {provider} billing of the same account and month as "
                             f"{clash} (another kind of export of one bill would count it "
                             "twice); load one of them")
    replaced_from = con.execute(
        f"SELECT string_agg(DISTINCT source_file, ', ') FROM {TABLE} WHERE {match}",
        {"id": load_id, "provider": provider}).fetchone()[0] or ""
    replaced = con.execute(f"DELETE FROM {TABLE} WHERE {match}",
                           {"id": load_id, "provider": provider}).fetchone()[0]
    con.execute("DROP TABLE _loaded_periods")
    return replaced, replaced_from
