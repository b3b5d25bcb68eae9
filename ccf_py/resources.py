"""Locate the data shipped with the package: coefficient tables and SQL files.

In a wheel they live under ``ccf_py/_data/``; in a source checkout (editable install) they are
the top-level ``coefficients/`` and ``queries/`` folders. Nothing else in the package knows paths.
"""

from importlib import resources
from pathlib import Path


def data_dir(name: str) -> Path:
    """Return the folder holding shipped data ``name`` ("coefficients" or "queries")."""
    packaged = Path(str(resources.files("ccf_py"))) / "_data" / name
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"ccf_py data folder {name!r} not found (looked in {packaged} "
                            f"and {checkout})")


def query_text(relative: str) -> str:
    """Text of ``queries/<relative>`` (e.g. ``"marts/estimates.sql"``)."""
    return (data_dir("queries") / relative).read_text(encoding="utf-8")
