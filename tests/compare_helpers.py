"""Helpers of the what-if comparison tests: coefficient rows, bills loaded and rewritten,
the real per-row estimates of a bill."""

from __future__ import annotations

import csv
import gzip
import json
from datetime import date
from pathlib import Path

from ccf_py import api
from ccf_py.estimate import create_estimates, drop_estimates

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "ccf_py" / "demo_files"
COEF = ROOT / "coefficients"
OCT = date(2026, 10, 1)
METRICS = ("energy_kwh", "co2e_operational_kg", "co2e_embodied_kg", "co2e_total_kg", "cost")


def coef_rows(stem: str) -> list[dict[str, str]]:
    with (COEF / f"{stem}.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load(path: Path, files: list[Path]) -> Path:
    with api.open_db(path) as db:
        api.ingest_auto(db, [str(f) for f in files])
    return path


def rewrite_cur(src: Path, dst: Path, change) -> Path:  # noqa: ANN001 - row -> None
    with gzip.open(src, "rt", newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows, header = list(reader), reader.fieldnames
    for row in rows:
        change(row)
    with gzip.open(dst, "wt", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(rows)
    return dst


def rewrite_gcp(src: Path, dst: Path, change) -> Path:  # noqa: ANN001 - row -> None
    with gzip.open(src, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    for row in rows:
        change(row)
    with gzip.open(dst, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
    return dst


def estimate_sums(path: Path, where: str, methodology: str = "default") -> dict[str, float]:
    """The per-row estimates of ``where``'s usage lines (taxes, credits, fees left out), as
    ``ccf-py report`` computes them."""
    with api.open_db(path, read_only=True) as db:
        create_estimates(db.con, methodology, OCT)
        row = db.con.execute(
            f"SELECT {', '.join(f'coalesce(sum({m}), 0)' for m in METRICS)}, count(*) "
            f"FROM fct_usage_estimates WHERE estimate_path <> 'non_usage' AND ({where})"
        ).fetchone()
        drop_estimates(db.con)
    return {**dict(zip(METRICS, row[:-1], strict=True)), "lines": row[-1]}


def row_dict(comp, i: int) -> dict:  # noqa: ANN001 - a Comparison
    return comp.as_dicts()[i]


