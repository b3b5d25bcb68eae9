"""``ccf-py demo``: a fresh database from a bundled multi-cloud month, and its report.

The bundled files (``ccf_py/demo_files/``: an AWS legacy CUR, a Google Cloud billing export as
newline-delimited JSON and an Azure EA actual-cost export, for September and October 2026) are
synthetic but shaped like real exports; :mod:`ccf_py.demo_data` regenerates them byte for byte.
The report is October's, compared with September (change and top movers).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path

from ccf_py import api
from ccf_py.report.monthly import render_html, render_markdown

DEMO_FILE = "aws_cur_demo_2026-10.csv.gz"
GCP_DEMO_FILE = "gcp_billing_demo_2026-10.jsonl.gz"
AZURE_DEMO_FILE = "azure_cost_demo_2026-10.csv.gz"
# made-up functional units (R) of a few services, so the report's SCI table shows scores
UNITS_FILE = "demo_units_2026-10.csv"
# the month before, so the report has something to compare with (generated with seed 7)
PREVIOUS_MONTH_FILES = ("aws_cur_demo_2026-09.csv.gz", "gcp_billing_demo_2026-09.jsonl.gz",
                        "azure_cost_demo_2026-09.csv.gz")


def demo_file(name: str = DEMO_FILE) -> Path:
    return Path(str(resources.files("ccf_py"))) / "demo_files" / name


def run_demo(out_dir: Path, *, methodology: str = "default",
             progress: Callable[[str], None] | None = None) -> list[Path]:
    """Write ``demo.duckdb``, ``report.md`` and ``report.html`` under ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    db_path = out_dir / "demo.duckdb"
    for stale in (db_path, out_dir / "demo.duckdb.wal"):
        stale.unlink(missing_ok=True)
    with api.open_db(db_path) as db:
        aws, gcp, azure = PREVIOUS_MONTH_FILES
        api.ingest_aws_cur(db, [str(demo_file(aws)), str(demo_file())], progress=progress)
        api.ingest_gcp_billing(db, [str(demo_file(gcp)), str(demo_file(GCP_DEMO_FILE))],
                               progress=progress)
        api.ingest_azure_export(db, [str(demo_file(azure)), str(demo_file(AZURE_DEMO_FILE))],
                                progress=progress)
        monthly = api.monthly_report(db, month="2026-10", methodology=methodology,
                                     units=demo_file(UNITS_FILE))
    md, html = out_dir / "report.md", out_dir / "report.html"
    md.write_text(render_markdown(monthly), encoding="utf-8")
    html.write_text(render_html(monthly), encoding="utf-8")
    return [db_path, md, html]
