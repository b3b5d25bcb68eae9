"""``ccf-py demo``: a fresh database from the bundled month of AWS billing, and its report.

The bundled file (``ccf_py/demo_files/aws_cur_demo_2026-10.csv.gz``) is synthetic but shaped
like a real legacy CUR; :mod:`ccf_py.demo_data` regenerates it byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path

from ccf_py import api
from ccf_py.report.monthly import render_html, render_markdown

DEMO_FILE = "aws_cur_demo_2026-10.csv.gz"


def demo_file() -> Path:
    return Path(str(resources.files("ccf_py"))) / "demo_files" / DEMO_FILE


def run_demo(out_dir: Path, *, methodology: str = "default",
             progress: Callable[[str], None] | None = None) -> list[Path]:
    """Write ``demo.duckdb``, ``report.md`` and ``report.html`` under ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    db_path = out_dir / "demo.duckdb"
    for stale in (db_path, out_dir / "demo.duckdb.wal"):
        stale.unlink(missing_ok=True)
    with api.open_db(db_path) as db:
        api.ingest_aws_cur(db, [str(demo_file())], progress=progress)
        monthly = api.monthly_report(db, methodology=methodology)
    md, html = out_dir / "report.md", out_dir / "report.html"
    md.write_text(render_markdown(monthly), encoding="utf-8")
    html.write_text(render_html(monthly), encoding="utf-8")
    return [db_path, md, html]
