"""``ccf-py``: a thin click layer over :mod:`ccf_py.api`.

Each command parses options, calls one API function and renders. Library errors become one
line on stderr and exit code 1; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click
import duckdb

from ccf_py import __version__, api, currency
from ccf_py.db import resolve_path
from ccf_py.errors import CcfError, ConfigError
from ccf_py.intensity import INTENSITIES, KINDS
from ccf_py.model import METHODOLOGIES, REPORT_KEYS, ReportTable
from ccf_py.report.render import FORMATS, notes_text, render_table, render_tags, report_notes
from ccf_py.report.sci_render import SCI_FORMATS

INTENSITY_HELP = ("Grid intensity: 'annual' factors per region, or a loaded series (ccf-py "
                  "intensity load) where it covers the lines' hours: 'hourly' (direct), "
                  "'hourly-lca' (life-cycle) or 'marginal'; the notes say which and for what "
                  "share of the energy. Not with --methodology ccf.")
METHODOLOGY_HELP = ("'default' fixes CCF's known errors (README, 'Methodology'); 'ccf' "
                    "reproduces Cloud Carbon Footprint's numbers, its quirks included, except "
                    "the S3 *ByteHrs unit bug (GB-months read as bytes), which is fixed.")


class Context:
    def __init__(self, db: str | None, debug: bool) -> None:
        self.db = db
        self.debug = debug


def _progress(message: str) -> None:
    click.echo(message, err=True)


def run(ctx: Context, fn, *args, **kwargs):  # noqa: ANN001, ANN201 - generic dispatcher
    """Call ``fn``; turn any failure into one line on stderr (traceback with --debug)."""
    try:
        return fn(*args, **kwargs)
    except CcfError as exc:
        if ctx.debug:
            raise
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:
        raise click.ClickException("interrupted; the database is unchanged") from None
    except Exception as exc:  # unexpected: still one line unless --debug
        if ctx.debug:
            raise
        if "interrupted" in str(exc).lower():  # DuckDB turns Ctrl-C into "Query interrupted"
            raise click.ClickException("interrupted; the database is unchanged") from None
        text = str(exc).strip().splitlines()
        raise click.ClickException(f"{type(exc).__name__}: {text[0] if text else ''} "
                                   "(rerun with --debug for details)") from None


class OneLineErrors(click.Group):
    """Usage mistakes (an unknown option or command, a bad choice or number) in one line, as
    every other error: click's default adds the usage text and a --help hint on two more."""

    def main(self, args=None, prog_name=None, complete_var=None,  # noqa: ANN001, ANN201
             standalone_mode=True, **extra):  # noqa: ANN001, ANN003
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:
            where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
            click.echo(f"Error: {exc.format_message()}{where}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db", type=click.Path(dir_okay=False), default=None,
              help="DuckDB file (default: $CCF_PY_DB or ./ccf.duckdb).")
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
@click.version_option(__version__, prog_name="ccf-py")
@click.pass_context
def main(ctx: click.Context, db: str | None, debug: bool) -> None:
    """Cloud billing -> energy (kWh) and CO2e, with Cloud Carbon Footprint's methodology.

    \b
    Example:
        ccf-py ingest aws-cur ./cur/ s3://my-bucket/cur/report/
        ccf-py report --by service,region --month 2026-10
        ccf-py demo
    """
    ctx.obj = Context(db, debug)


class IngestGroup(click.Group):
    """``ccf-py ingest PATH...`` without a kind runs the ``auto`` command, which detects each
    file's kind from its header; ``ccf-py ingest aws-cur PATH...`` names the kind."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["auto", *args]
        return super().parse_args(ctx, args)


@main.group(cls=IngestGroup)
def ingest() -> None:
    """Load billing data into the database.

    \b
    ccf-py ingest PATH...        detect each file's kind from its header, then load
                                 (the same as: ccf-py ingest auto PATH...)
    ccf-py ingest KIND PATH...   load files of one kind (commands below)

    \b
    Example:
        ccf-py ingest cur/2026-10/ gcp-billing-2026-10.jsonl.gz azure-actual-2026-10.csv
        ccf-py ingest aws-cur s3://billing/cur/myreport/
    """


_SOURCES_HELP = ("SOURCES are files, folders, globs or s3://bucket/prefix URIs. Loading a "
                 "billing period again replaces it; a failed load leaves the database unchanged.")
_endpoint_option = click.option(
    "--endpoint-url", default=None,
    help="S3-compatible endpoint for s3:// sources (or $CCF_PY_S3_ENDPOINT_URL).")


def _load(obj: Context, load):  # noqa: ANN001, ANN202 - load(db) -> result
    """Run ``load`` on the database; a database this command created is removed on failure
    ("the database exactly as it was": there was none)."""
    target = Path(resolve_path(obj.db))
    fresh = not target.exists()

    def do():  # noqa: ANN202
        try:
            with api.open_db(obj.db) as db:
                return load(db)
        except BaseException:
            if fresh:
                for leftover in (target, target.with_name(target.name + ".wal")):
                    leftover.unlink(missing_ok=True)
            raise

    return run(obj, do)


def _loaded_line(res: api.IngestResult, cost: str = "unblended cost") -> str:
    return (f"loaded {res.rows} rows from {res.files} file(s), billing period(s) "
            f"{', '.join(res.billing_periods) or '-'}; replaced {res.replaced_rows} earlier "
            f"rows; {currency.loaded_cost(cost, res.costs, res.cost_total)}")


@ingest.command("aws-cur")
@click.argument("sources", nargs=-1, required=True)
@_endpoint_option
@click.pass_obj
def ingest_aws_cur(obj: Context, sources: tuple[str, ...], endpoint_url: str | None) -> None:
    """Load AWS Cost and Usage Reports (legacy CSV/CSV.gz/Parquet, Athena, CUR 2.0).

    SOURCES are files, folders, globs or s3://bucket/prefix URIs. Loading a billing period
    again replaces it; a failed load leaves the database unchanged.

    \b
    Example:
        ccf-py ingest aws-cur 'cur/**/*.csv.gz'
        ccf-py --db finops.duckdb ingest aws-cur s3://billing/cur/myreport/
    """
    res = _load(obj, lambda db: api.ingest_aws_cur(
        db, list(sources), endpoint_url=endpoint_url, progress=_progress,
        progress_bar=sys.stderr.isatty()))
    click.echo(_loaded_line(res))


@ingest.command("focus")
@click.argument("sources", nargs=-1, required=True)
@_endpoint_option
@click.pass_obj
def ingest_focus(obj: Context, sources: tuple[str, ...], endpoint_url: str | None) -> None:
    """Load FOCUS 1.0-1.3 cost and usage exports of any provider (CSV, CSV.gz, Parquet).

    SOURCES are files, folders, globs or s3://bucket/prefix URIs. Loading a billing period
    again replaces it (per provider and billing account); a failed load leaves the database
    unchanged.

    \b
    Example:
        ccf-py ingest focus exports/focus-2024-09.csv.gz
        ccf-py ingest focus s3://billing/focus/
    """
    res = _load(obj, lambda db: api.ingest_focus(
        db, list(sources), endpoint_url=endpoint_url, progress=_progress,
        progress_bar=sys.stderr.isatty()))
    click.echo(_loaded_line(res, "billed cost"))


@ingest.command("auto")
@click.argument("sources", nargs=-1, required=True)
@_endpoint_option
@click.pass_obj
def ingest_auto(obj: Context, sources: tuple[str, ...], endpoint_url: str | None) -> None:
    """Detect each file's kind from its header (AWS CUR, FOCUS, GCP, Azure) and load it.

    The default when `ingest` is given paths without a kind. Prints each file's kind, checks
    every file before loading any, then loads each kind's files in one transaction.

    \b
    Example:
        ccf-py ingest cur/2026-10/ focus-2026-10.csv.gz
        ccf-py ingest auto s3://billing/exports/
    """
    def detected(name: str, kind: str) -> None:
        click.echo(f"{name}: {kind}")

    results = _load(obj, lambda db: api.ingest_auto(
        db, list(sources), endpoint_url=endpoint_url, progress=_progress, detected=detected,
        progress_bar=sys.stderr.isatty()))
    for kind, res in results:
        click.echo(f"{kind}: {_loaded_line(res, 'billed cost')}")


@ingest.command("gcp-billing")
@click.argument("sources", nargs=-1)
@click.option("--table", default=None, metavar="PROJECT.DATASET.TABLE",
              help="Read the BigQuery billing export table instead of files (needs --month).")
@click.option("--month", default=None, metavar="YYYY-MM",
              help="Invoice month to read from --table.")
@click.option("--endpoint-url", default=None,
              help="Cloud Storage endpoint for gs:// sources (or $CCF_PY_GCS_ENDPOINT_URL).")
@click.pass_obj
def ingest_gcp_billing(obj: Context, sources: tuple[str, ...], table: str | None,
                       month: str | None, endpoint_url: str | None) -> None:
    """Load Google Cloud billing exports (standard or detailed usage cost).

    SOURCES are newline-delimited JSON (bq extract; .json/.jsonl/.ndjson, .gz), CSV,
    Parquet or Avro files, folders, globs or gs://bucket/prefix URIs. With --table and
    --month, the export table is aggregated in BigQuery and only the sums are loaded.
    Loading a month again replaces it; a failed load leaves the database unchanged.

    \b
    Example:
        ccf-py ingest gcp-billing ./billing/*.jsonl.gz gs://my-bucket/billing/
        ccf-py ingest gcp-billing --table my-proj.billing.gcp_billing_export_v1_X --month 2026-06
    """
    if bool(sources) == bool(table):
        raise click.UsageError("give export files (SOURCES) or --table with --month, not both")
    if table and not month:
        raise click.UsageError("--table needs --month YYYY-MM")
    if month and not table:
        raise click.UsageError("--month applies to --table only")

    def call(db: api.Database) -> api.IngestResult:
        if table:
            return api.ingest_gcp_bigquery(db, table, str(month), progress=_progress)
        return api.ingest_gcp_billing(db, list(sources), endpoint_url=endpoint_url,
                                      progress=_progress, progress_bar=sys.stderr.isatty())

    click.echo(_loaded_line(_load(obj, call), "cost"))


@ingest.command("azure-export")
@click.argument("sources", nargs=-1)
@click.option("--connection-string", default=None,
              help="Azure Storage connection string for az:// sources "
                   "(or $CCF_PY_AZURE_STORAGE_CONNECTION_STRING).")
@click.option("--api", "use_api", is_flag=True,
              help="Query the Cost Management API (ActualCost, daily) instead of files.")
@click.option("--scope", default=None, help="With --api: the scope, e.g. "
              "subscriptions/<id> or providers/Microsoft.Billing/billingAccounts/<id>.")
@click.option("--month", default=None, help="With --api: the month to load, YYYY-MM.")
@click.option("--api-endpoint", default=None,
              help="With --api: Cost Management endpoint (or $CCF_PY_AZURE_COST_API_URL).")
@click.pass_obj
def ingest_azure_export(obj: Context, sources: tuple[str, ...], connection_string: str | None,
                        use_api: bool, scope: str | None, month: str | None,
                        api_endpoint: str | None) -> None:
    """Load Azure Cost Management cost exports (actual or amortized; EA or MCA columns;
    CSV, CSV.gz or Parquet).

    SOURCES are files, folders, globs, az://container/prefix or https blob URLs. With --api,
    one month of actual cost is read through the Cost Management query API instead. Loading a
    billing period again replaces it; a failed load leaves the database unchanged.

    \b
    Example:
        ccf-py ingest azure-export ./exports/ 'az://costs/exports/daily/'
        ccf-py ingest azure-export --api --scope subscriptions/<id> --month 2026-10
    """
    if use_api == bool(sources) or (use_api and not (scope and month)):
        raise click.UsageError("give SOURCES, or --api with --scope and --month")

    def call(db: api.Database) -> api.IngestResult:
        bar = sys.stderr.isatty()
        if use_api:
            return api.ingest_azure_cost_query(db, scope or "", month or "",
                                               endpoint=api_endpoint, progress=_progress,
                                               progress_bar=bar)
        return api.ingest_azure_export(db, list(sources), connection_string=connection_string,
                                       progress=_progress, progress_bar=bar)

    click.echo(_loaded_line(_load(obj, call), "cost"))


@main.command()
@click.option("--methodology", type=click.Choice(METHODOLOGIES), default="default",
              show_default=True, help=METHODOLOGY_HELP)
@click.option("--by", "by", default="service", show_default=True,
              help=f"Comma list of: {', '.join(REPORT_KEYS)}, tag:KEY.")
@click.option("--month", default=None, help="Billing period YYYY-MM (default: all).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
              show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Write to this file instead of stdout.")
@click.option("--assumptions", type=click.Path(dir_okay=False), default=None,
              help="TOML file of GPU utilisation per provider, account, service, instance "
                   "type or accelerator (default: 50 %, as CCF).")
@click.option("--gcp-cfe", is_flag=True,
              help="GCP rows at Google's carbon-free-energy adjusted grid factors "
                   "(market-based; CCF's GCP_USE_CARBON_FREE_ENERGY_PERCENTAGE).")
@click.option("--notes", "notes_out", type=click.Path(dir_okay=False), default=None,
              help="Also write the report's notes (confidence, fallbacks, partial months) to "
                   "this text file, one per line: CSV output has no place for them.")
@click.option("--intensity", type=click.Choice(INTENSITIES), default="annual",
              show_default=True, help=INTENSITY_HELP)
@click.pass_obj
def report(obj: Context, methodology: str, by: str, month: str | None, fmt: str,
           out: str | None, gcp_cfe: bool, assumptions: str | None,
           notes_out: str | None, intensity: str) -> None:
    """Cost, energy and CO2e (operational, embodied, total) grouped by KEYS.

    Every format carries the notes a reader needs (how much was extrapolated, fallback
    regions and coefficients, partial months): under the table, in the Markdown and HTML,
    as a "notes" field in JSON; for CSV use --notes FILE (they also go to stderr).

    \b
    Example:
        ccf-py report --by service,usage_class --month 2026-10
        ccf-py report --by tag:team --format csv --out team.csv --notes team-notes.txt
        ccf-py report --by provider,region --format json --month 2026-10
        ccf-py report --by region,day --intensity hourly --month 2026-10
        ccf-py report --by usage_class,estimate_path --month 2026-10
    """
    def do() -> tuple[str, ReportTable]:
        rules = api.load_assumptions(assumptions) if assumptions else None  # before the db
        with api.open_db(obj.db, read_only=True) as db:
            table = api.report(db, methodology=methodology, by=by, month=month,
                               gcp_cfe=gcp_cfe, assumptions=rules, intensity=intensity)
        text = render_table(table, fmt)
        _write(out, text, "--out")
        _write(notes_out, notes_text(table), "--notes")
        return text, table

    text, table = run(obj, do)
    _show(text, out)
    # stderr, so CSV and JSON on stdout stay machine-readable: the confidence line always,
    # every note where the output itself has no place for them
    lines = report_notes(table) if fmt == "csv" else report_notes(table)[:1]
    if not (fmt == "table" and not out):  # the terminal table already ends with them
        click.echo("\n".join(lines), err=True)


def _show(text: str, out: str | None) -> None:
    """The output on stdout, or where --out wrote it (on stderr)."""
    if out:
        click.echo(f"wrote {out}", err=True)
    else:
        click.echo(text, nl=not text.endswith("\n"))


def _write(path: str | None, text: str, option: str) -> None:
    if not path:
        return
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{option} {path}: {exc.strerror or exc}") from None


@main.command()
@click.option("--month", default=None, help="Billing period YYYY-MM (default: all).")
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "json")), default="table",
              show_default=True)
@click.pass_obj
def tags(obj: Context, month: str | None, fmt: str) -> None:
    """List the tag (label) keys in the bills and how much of the cost carries each.

    Per provider and currency: distinct values, lines carrying the key with a value, their
    cost and its share of the provider's gross cost. Use a key as `report --by tag:KEY`
    (AWS cost-allocation tags are stored in snake case: user:CostCenter -> cost_center).

    \b
    Example:
        ccf-py tags --month 2026-10
        ccf-py report --by tag:team --month 2026-10
    """
    def do() -> list[tuple]:
        with api.open_db(obj.db, read_only=True) as db:
            return api.tags(db, month)

    rows = run(obj, do)
    click.echo(render_tags(rows, fmt), nl=False)


@main.command()
@click.option("--month", default=None, help="Billing period YYYY-MM (default: the latest).")
@click.option("--methodology", type=click.Choice(METHODOLOGIES), default="default",
              show_default=True, help=METHODOLOGY_HELP)
@click.option("--format", "fmt", type=click.Choice(("md", "html")), default="md",
              show_default=True, help="Markdown, or one self-contained HTML page with charts.")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Write to this file instead of stdout.")
@click.option("--assumptions", type=click.Path(dir_okay=False), default=None,
              help="TOML file of GPU utilisation rules (see README).")
@click.option("--gcp-cfe", is_flag=True,
              help="GCP rows at Google's carbon-free-energy adjusted grid factors (the SCI "
                   "table stays location-based).")
@click.option("--units", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Functional units per service for the SCI table (as `ccf-py sci --units`).")
@click.option("--intensity", type=click.Choice(INTENSITIES), default="annual",
              show_default=True, help=INTENSITY_HELP)
@click.pass_obj
def monthly(obj: Context, month: str | None, methodology: str, fmt: str, out: str | None,
            assumptions: str | None, gcp_cfe: bool, units: str | None, intensity: str) -> None:
    """The monthly carbon report of your database (the page `demo` writes), in Markdown or
    HTML: headline, per service / region / account / usage class, daily trend, top
    resources, coverage and notes.

    \b
    Example:
        ccf-py monthly --month 2026-10 --format html --out october.html
        ccf-py monthly --units requests.csv --format md > october.md
    """
    from ccf_py.report.monthly import render_html, render_markdown

    def do() -> str:
        rules = api.load_assumptions(assumptions) if assumptions else None
        with api.open_db(obj.db, read_only=True) as db:
            report = api.monthly_report(db, month=month, methodology=methodology,
                                        gcp_cfe=gcp_cfe, assumptions=rules, units=units,
                                        intensity=intensity)
        text = render_html(report) if fmt == "html" else render_markdown(report)
        _write(out, text, "--out")
        return text

    text = run(obj, do)
    _show(text, out)


@main.command()
@click.option("--out-dir", type=click.Path(file_okay=False), default="ccf-demo-report",
              show_default=True, help="Folder for the demo database and reports.")
@click.option("--methodology", type=click.Choice(METHODOLOGIES), default="default",
              show_default=True, help=METHODOLOGY_HELP)
@click.pass_obj
def demo(obj: Context, out_dir: str, methodology: str) -> None:
    """Ingest two bundled months of AWS, Google Cloud and Azure billing into a fresh
    database and write October's report, compared with September.

    Writes OUT_DIR/demo.duckdb, OUT_DIR/report.md and OUT_DIR/report.html.

    \b
    Example:
        ccf-py demo --out-dir demo-report && open demo-report/report.html
        ccf-py --db demo-report/demo.duckdb report --by provider,service --month 2026-10
    """
    from ccf_py.demo import run_demo

    paths = run(obj, run_demo, Path(out_dir), methodology=methodology, progress=_progress)
    for p in paths:
        click.echo(str(p))


@main.command(context_settings={"ignore_unknown_options": True,
                                "allow_interspersed_args": False})
@click.option("--region", default=None, help="Grid region for CO2e (e.g. us-east-1).")
@click.option("--provider", type=click.Choice(("aws", "gcp", "azure")), default="aws",
              show_default=True, help="Whose region names --region uses.")
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="Stored with the "
              "measurement (repeatable).")
@click.option("--interval", type=float, default=0.1, show_default=True, metavar="SECONDS",
              help="Sampling / polling interval.")
@click.option("--resource-id", default=None,
              help="The cloud resource (e.g. instance id) this host is, stored for reports.")
@click.option("--powercap-root", default=None, hidden=True)  # tests: a fake powercap tree
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@click.pass_obj
def measure(obj: Context, region: str | None, provider: str, tags: tuple[str, ...],
            interval: float, resource_id: str | None, powercap_root: str | None,
            command: tuple[str, ...]) -> None:
    """Run COMMAND and measure its GPU (NVML) and CPU (RAPL) energy, then store it.

    Prints each device's kWh and method to stderr, CO2e with --region, and exits with the
    command's exit code (130 after Ctrl-C, with the partial measurement stored).

    \b
    Example:
        ccf-py measure --region us-east-1 --tag run=bert -- python train.py --epochs 3
    """
    parsed = {}
    for tag in tags:
        key, sep, value = tag.partition("=")
        if not sep or not key:
            raise click.UsageError(f"--tag {tag!r}: expected KEY=VALUE")
        parsed[key] = value
    if not interval > 0:
        raise click.UsageError("--interval must be > 0")
    try:
        run, fp = api.measure_command(list(command), region=region, provider=provider,
                                      interval_s=interval, powercap_root=powercap_root)
    except CcfError as exc:  # unknown region (2), command not found (127): nothing ran
        click.echo(f"ccf-py measure: {exc}", err=True)
        sys.exit(getattr(exc, "exit_code", 2))
    from ccf_py.measure.footprint import summary_lines

    for line in summary_lines(run.result, fp, run.command_exit_code):
        click.echo(f"ccf-py measure: {line}", err=True)
    if not run.result.devices:
        click.echo("ccf-py measure: nothing to store (no device measured)", err=True)
        sys.exit(run.exit_code)
    try:
        with api.open_db(obj.db) as db:
            mid = api.record_measurement(
                db, run.result, command=shlex.join(command), exit_code=run.command_exit_code,
                region=region, provider=provider, tags=parsed, resource_id=resource_id)
        click.echo(f"ccf-py measure: stored {len(run.result.devices)} row(s) in "
                   f"{db.path}, measurement {mid}", err=True)
    except (CcfError, duckdb.Error) as exc:
        click.echo(f"ccf-py measure: not stored: {str(exc).strip().splitlines()[0]}", err=True)
        sys.exit(run.exit_code or 1)
    sys.exit(run.exit_code)


@main.command()
@click.option("--units", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="CSV of R per key and month: month, <key columns>, functional_unit, units "
                   "(without it: E, I, O and M, no SCI).")
@click.option("--month", default=None, help="Billing period YYYY-MM (default: the units "
              "file's months, each must be loaded; without a file every loaded month).")
@click.option("--by", "by", default=None, help="service, account, provider, tag:KEY or a "
              "comma list (default: the units file's key columns, else service).")
@click.option("--methodology", type=click.Choice(METHODOLOGIES), default="default",
              show_default=True, help=METHODOLOGY_HELP)
@click.option("--format", "fmt", type=click.Choice(SCI_FORMATS), default="table",
              show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Write to this file instead of stdout.")
@click.option("--assumptions", type=click.Path(dir_okay=False), default=None,
              help="TOML file of GPU utilisation rules (see README).")
@click.pass_obj
def sci(obj: Context, units: str | None, month: str | None, by: str | None, methodology: str,
        fmt: str, out: str | None, assumptions: str | None) -> None:
    """Software Carbon Intensity per service, account or tag: SCI = ((E x I) + M) / R
    (Green Software Foundation SCI 1.1, ISO/IEC 21031:2024).

    E, I (location-based grid intensity, never market-based), O = E x I and M (embodied)
    come from the billing estimates; R comes from --units. A key with emissions but no
    row in the units file gets no SCI (R is never invented) and a note. The boundary and
    notes follow the table (table, md), are fields of the JSON, and go to stderr with CSV.

    \b
    Example:
        ccf-py sci --units requests.csv --month 2026-10
        ccf-py sci --units team-users.csv --by tag:team --format csv --out sci.csv
    \b
    requests.csv:
        month,service,functional_unit,units
        2026-10,AmazonEC2,requests,12500000
        2026-10,AmazonS3,requests,12500000
    """
    from ccf_py.report.sci_render import caveats, render_sci

    def do() -> tuple[str, tuple[str, ...]]:
        rules = api.load_assumptions(assumptions) if assumptions else None
        with api.open_db(obj.db, read_only=True) as db:
            table = api.sci(db, units, month=month, by=by, methodology=methodology,
                            assumptions=rules)
        text = render_sci(table, fmt)
        _write(out, text, "--out")
        return text, caveats(table)

    text, notes = run(obj, do)
    _show(text, out)
    if fmt == "csv":  # CSV on stdout stays machine-readable; its caveats go to stderr
        click.echo("\n".join(notes), err=True)


@main.group()
def compare() -> None:
    """What-if comparisons: the same usage with another storage class, region, instance
    family or start time. Every comparison lists its assumptions and their sources.

    \b
    Example:
        ccf-py compare storage --list
        ccf-py compare region --to best --month 2026-10
    """


def compare_output(fn):  # noqa: ANN001, ANN201 - a click decorator
    """--format, --out and --notes, as `report` has them, for every compare command."""
    from ccf_py.compare.render import FORMATS as COMPARE_FORMATS

    fn = click.option("--notes", "notes_out", type=click.Path(dir_okay=False), default=None,
                      help="Also write the assumptions and notes to this text file.")(fn)
    fn = click.option("--out", type=click.Path(dir_okay=False), default=None,
                      help="Write to this file instead of stdout.")(fn)
    return click.option("--format", "fmt", type=click.Choice(COMPARE_FORMATS),
                        default="table", show_default=True)(fn)


def emit_comparison(obj: Context, build, fmt: str, out: str | None,  # noqa: ANN001
                    notes_out: str | None) -> None:
    """Run ``build()`` (-> Comparison), render it in ``fmt``, write or print it; the
    assumptions and notes also go to stderr for CSV (which has no place for them)."""
    from ccf_py.compare.render import notes_text as comparison_notes
    from ccf_py.compare.render import render_comparison

    def do():  # noqa: ANN202
        comp = build()
        text = render_comparison(comp, fmt)
        _write(out, text, "--out")
        _write(notes_out, comparison_notes(comp), "--notes")
        return comp, text

    comp, text = run(obj, do)
    _show(text, out)
    if fmt == "csv":
        click.echo(comparison_notes(comp), err=True, nl=False)


@main.group("export")
def export_group() -> None:
    """Write the billing data with its carbon estimates for FinOps tools.

    \b
    Example:
        ccf-py export focus --month 2026-10 --out focus-2026-10.parquet
    """


@export_group.command("focus")
@click.option("--month", required=True, metavar="YYYY-MM", help="Billing period to export.")
@click.option("--out", required=True, type=click.Path(),
              help="FILE.parquet or FILE.csv (written only when complete).")
@click.option("--focus-version", type=click.Choice(("1.2", "1.3")), default="1.2",
              show_default=True, help="FOCUS column names: 1.3 adds ServiceProviderName, "
                                      "HostProviderName and the allocation columns.")
@click.option("--methodology", type=click.Choice(METHODOLOGIES), default="default",
              show_default=True, help=METHODOLOGY_HELP)
@click.option("--notes", "notes_out", type=click.Path(dir_okay=False), default=None,
              help="Also write the notes on the carbon columns (confidence, fallbacks, partial "
                   "month) to this text file; they also go to stderr (and, in Parquet, to the "
                   "file's metadata key x_carbon_notes).")
@click.pass_obj
def export_focus(obj: Context, month: str, out: str, focus_version: str,
                 methodology: str, notes_out: str | None) -> None:
    """Every billed line of a month (all providers) as a FOCUS cost-and-usage row plus carbon
    columns: x_EnergyKWh, x_GpuEnergyKWh, x_OperationalCO2eKg, x_EmbodiedCO2eKg,
    x_CarbonIntensityGPerKWh, x_CarbonEstimatePath, x_CarbonMethodology (and the source's
    line id, x_LineItemId, where it has one). Totals equal `ccf-py report --month`'s.

    \b
    Example:
        ccf-py export focus --month 2026-10 --out focus-2026-10.parquet
        ccf-py export focus --month 2026-10 --out focus.csv --focus-version 1.3
    """
    def do():  # noqa: ANN202
        with api.open_db(obj.db, read_only=True) as db:
            res = api.export_focus(db, out, month=month, focus_version=focus_version,
                                   methodology=methodology)
        _write(notes_out, "".join(f"{n}\n" for n in res.notes), "--notes")
        return res

    res = run(obj, do)
    click.echo(f"wrote {res.rows} rows of {res.month} to {res.path} (FOCUS {res.focus_version}, "
               f"methodology {res.methodology})")
    click.echo("\n".join(res.notes), err=True)


@main.command()
@click.option("--month", default=None, metavar="YYYY-MM",
              help="Billing period (default: every loaded month).")
@click.option("--methodology", type=click.Choice(METHODOLOGIES), default="default",
              show_default=True, help=METHODOLOGY_HELP)
@click.pass_obj
def estimate(obj: Context, month: str | None, methodology: str) -> None:
    """Store the per-row estimates in the database's table carbon_estimates (one row per
    billed line and methodology), for BI tools that read the .duckdb file.

    Storing a month again replaces its rows of that methodology (one transaction); loading a
    month again deletes its stored rows, as they describe the old data: run this again then.

    \b
    Example:
        ccf-py estimate --month 2026-10
        ccf-py --db finops.duckdb estimate --methodology ccf
    """
    def do():  # noqa: ANN202
        target = resolve_path(obj.db)
        if target != ":memory:" and not Path(target).exists():
            raise ConfigError(f"{target}: no such database (load billing data first: "
                              f"'ccf-py --db {target} ingest ...')")
        with api.open_db(target) as db:
            return api.store_estimates(db, month=month, methodology=methodology)

    for stored in run(obj, do):
        click.echo(f"carbon_estimates: {stored.rows} rows of {stored.month} "
                   f"(methodology {stored.methodology}), replacing {stored.replaced}")



@compare.command("time")
@click.option("--zone", required=True, help="Grid zone of a loaded series (ccf-py intensity list).")
@click.option("--duration", required=True, metavar="HOURS", help="The job's length, whole hours.")
@click.option("--window", required=True, metavar="HOURS",
              help="Hours from --start within which the job must finish (>= --duration).")
@click.option("--start", default=None, metavar="DATETIME",
              help="The window's first hour, UTC (default: the latest window the series "
                   "covers), e.g. '2026-10-01 18:00'.")
@click.option("--energy-kwh", type=float, default=None, help="The job's energy, in all.")
@click.option("--power-kw", type=float, default=None,
              help="The job's power (default 1 kW, said as an assumption).")
@click.option("--intensity", "kind", type=click.Choice(KINDS), default=None,
              help="Which series of the zone (default: direct, else lca, else marginal).")
@compare_output
@click.pass_obj
def compare_time(obj: Context, zone: str, duration: str, window: str, start: str | None,
                 energy_kwh: float | None, power_kw: float | None, kind: str | None,
                 fmt: str, out: str | None, notes_out: str | None) -> None:
    """When to run a job: start now, start at the best hour of the window, or run only in
    its cleanest hours (Dodge et al. 2022: Flexible Start, Pause and Resume).

    Needs an hourly series of the zone (ccf-py intensity load). Scenarios: now (start at
    --start), flexible_start (the best start in the window), pause_resume (the --duration
    cleanest hours of the window).

    \b
    Example:
        ccf-py intensity load US-MIDA-PJM_2026_hourly.csv
        ccf-py compare time --zone US-MIDA-PJM --duration 6 --window 24 \\
            --start '2026-10-01 18:00' --energy-kwh 37.3
    """
    def build():  # noqa: ANN202
        with api.open_db(obj.db, read_only=True) as db:
            return api.compare_time(db, zone=zone, duration_hours=duration,
                                    window_hours=window, start=start, energy_kwh=energy_kwh,
                                    power_kw=power_kw, intensity=kind)

    emit_comparison(obj, build, fmt, out, notes_out)


@main.group("intensity")
def intensity_group() -> None:
    """Hourly and marginal grid carbon intensity series, for `report --intensity` and
    `compare time`.

    \b
    Example:
        ccf-py intensity load US-MIDA-PJM_2026_hourly.csv IE_2026_hourly.csv
        ccf-py intensity list
    """


@intensity_group.command("load")
@click.argument("files", nargs=-1, required=True)
@click.option("--zone", default=None,
              help="Zone of files that name none (a WattTime CSV); renames a one-zone file.")
@click.option("--unit", default=None, help="Unit of files that say none: g/kWh, kg/MWh, "
              "lbs/MWh (converted: 1 lb/MWh = 0.453592 g/kWh).")
@click.option("--kind", type=click.Choice(KINDS), default=None,
              help="Kind of a plain CSV series (default: marginal).")
@click.pass_obj
def intensity_load(obj: Context, files: tuple[str, ...], zone: str | None, unit: str | None,
                   kind: str | None) -> None:
    """Load hourly grid intensity series into the database.

    FILES (or folders of them): Electricity Maps data portal CSV (hourly or finer: direct and
    life-cycle), WattTime v3 historical JSON (co2_moer: marginal), or CSV with timestamp,
    value, unit and zone columns. Finer points are averaged per UTC hour. Loading hours again
    replaces them (per zone and kind); a bad file leaves the database unchanged.

    \b
    Example:
        ccf-py intensity load US-MIDA-PJM_2026_hourly.csv
        ccf-py intensity load --zone CAISO_NORTH --unit lbs/MWh moer.csv
    """
    res = _load(obj, lambda db: api.load_intensity(db, list(files), zone=zone, unit=unit,
                                                   kind=kind))
    for s in res.series:
        click.echo(f"{s.zone} {s.kind}: {s.hours} hours {s.first_hour:%Y-%m-%d %H:00} to "
                   f"{s.last_hour:%Y-%m-%d %H:00} UTC; replaced {s.replaced} ({s.source})")
    if res.empty_values:
        click.echo(f"{res.empty_values} empty values skipped (those hours stay missing)",
                   err=True)


@intensity_group.command("list")
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "json")), default="table",
              show_default=True)
@click.pass_obj
def intensity_list(obj: Context, fmt: str) -> None:
    """The loaded series: zone, kind, first and last hour, hours, missing hours inside that
    range, mean, min and max g CO2e/kWh, hours marked estimated, source.

    \b
    Example:
        ccf-py intensity list --format csv
    """
    from ccf_py.intensity import render_series

    def do() -> list:
        with api.open_db(obj.db, read_only=True) as db:
            return api.intensity_series(db)

    click.echo(render_series(run(obj, do), fmt), nl=False)

_compare_month = click.option("--month", default=None,
                              help="Billing period YYYY-MM (default: the latest loaded).")
_compare_methodology = click.option("--methodology", type=click.Choice(METHODOLOGIES),
                                    default="default", show_default=True, help=METHODOLOGY_HELP)


@compare.command("region")
@click.option("--to", "to", required=True, metavar="REGION|best",
              help="The region to move the usage to (of the same provider), or 'best': every "
                   "region of the provider, lowest CO2e first.")
@click.option("--service", default=None,
              help="Only this service's usage, as the bill names it (AmazonEC2, Compute "
                   "Engine, Virtual Machines...).")
@click.option("--from-region", default=None, help="Only the usage billed in this region.")
@click.option("--provider", type=click.Choice(("aws", "gcp", "azure")), default=None,
              help="Whose usage (needed with --to best when the month has several).")
@_compare_month
@_compare_methodology
@compare_output
@click.pass_obj
def compare_region(obj: Context, to: str, service: str | None, from_region: str | None,
                   provider: str | None, month: str | None, methodology: str, fmt: str,
                   out: str | None, notes_out: str | None) -> None:
    """The month's usage moved to another region of the same provider.

    Energy follows the target's PUE, operational CO2e its grid factor (the same tables and
    SQL as `report`), embodied CO2e stays. Lines without a single region (global, edge,
    multi-regions) are not movable: left out, and the notes say how much. Cost is unknown in
    regions the usage does not already run in (ccf_py has no regional price list).

    \b
    Example:
        ccf-py compare region --to eu-north-1 --service AmazonEC2 --month 2026-10
        ccf-py compare region --to best --provider gcp --format md --out regions.md
    """
    def build():  # noqa: ANN202
        with api.open_db(obj.db, read_only=True) as db:
            return api.compare_region(db, to=to, service=service, from_region=from_region,
                                      provider=provider, month=month, methodology=methodology)

    emit_comparison(obj, build, fmt, out, notes_out)


@compare.command("instance")
@click.option("--from", "from_", required=True, metavar="FAMILY_OR_TYPE",
              help="The AWS instance family (m5) or type (m5.xlarge) of the usage to move.")
@click.option("--to", "to", required=True, metavar="FAMILY_OR_TYPE",
              help="The family or type to run it on instead (a family: the size with the "
                   "same vCPUs, or accelerators).")
@_compare_month
@_compare_methodology
@compare_output
@click.pass_obj
def compare_instance(obj: Context, from_: str, to: str, month: str | None, methodology: str,
                     fmt: str, out: str | None, notes_out: str | None) -> None:
    """The same vCPU-hours (accelerator-hours for GPU types) on another instance family.

    CPU and accelerator power, memory and embodied emissions of the target come from the
    same coefficient tables and SQL as `report`. It assumes equal work per vCPU-hour, which
    is rarely true (newer CPUs do more per vCPU-hour): its assumptions say so. Cost: the
    target at this bill's own on-demand price for it, else unknown.

    \b
    Example:
        ccf-py compare instance --from m5 --to m6g --month 2026-10
        ccf-py compare instance --from p3.16xlarge --to p4d --format json
    """
    def build():  # noqa: ANN202
        with api.open_db(obj.db, read_only=True) as db:
            return api.compare_instance(db, from_=from_, to=to, month=month,
                                        methodology=methodology)

    emit_comparison(obj, build, fmt, out, notes_out)


@compare.command("storage")
@click.option("--list", "list_classes", is_flag=True,
              help="List the storage class ids and their assumed media, copies and embodied.")
@click.option("--from", "from_class", default=None, metavar="CLASS",
              help="The class the data is in, e.g. s3-standard.")
@click.option("--to", "to_class", default=None, metavar="CLASS",
              help="The class to compare with, e.g. s3-glacier-deep-archive.")
@click.option("--bucket", default=None, metavar="NAME",
              help="The billed --from storage of this bucket (resource id) in the bills.")
@click.option("--usage-type", default=None, metavar="PATTERN",
              help="The billed --from storage whose usage type / SKU / meter contains PATTERN "
                   "(* = anything).")
@click.option("--tb", type=float, default=None, help="A size in TB instead of the bills.")
@click.option("--months", type=float, default=None,
              help="How long the data is kept [default: 12].")
@click.option("--retrievals-gb-per-month", type=float, default=0.0, show_default=True,
              help="GB read back from the data each month.")
@click.option("--region", default=None, help="Region of the grid factor, PUE and prices.")
@click.option("--month", default=None, help="Billing period YYYY-MM of the usage.")
@compare_output
@click.pass_obj
def compare_storage(obj: Context, list_classes: bool, from_class: str | None,
                    to_class: str | None, bucket: str | None, usage_type: str | None,
                    tb: float | None, months: float | None, retrievals_gb_per_month: float,
                    region: str | None, month: str | None, fmt: str, out: str | None,
                    notes_out: str | None) -> None:
    """The same stored data in another storage class: energy, operational and embodied CO2e
    (with the low/high range of the media assumptions), list-price cost with retrieval and
    minimum storage duration charges, and the break-even of the move. Default methodology.

    \b
    Example:
        ccf-py compare storage --list
        ccf-py compare storage --from s3-standard --to s3-glacier-deep-archive --bucket logs
        ccf-py compare storage --from gcs-standard --to gcs-archive --tb 50 \\
            --region us-central1 --months 24 --retrievals-gb-per-month 100 --format md
    """
    kwargs = dict(from_class=from_class, to_class=to_class, bucket=bucket,
                  usage_type=usage_type, tb=tb, months=months,
                  retrievals_gb_per_month=retrievals_gb_per_month, region=region, month=month,
                  list_classes=list_classes)

    def build():  # noqa: ANN202
        if list_classes or tb is not None:  # needs no bills
            return api.compare_storage(None, **kwargs)
        with api.open_db(obj.db, read_only=True) as db:
            return api.compare_storage(db, **kwargs)

    emit_comparison(obj, build, fmt, out, notes_out)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
