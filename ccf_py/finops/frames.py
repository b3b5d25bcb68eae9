"""pandas DataFrames of reports and per-row estimates (``api.report_df``,
``api.estimates_df``). pandas is an optional extra (``pip install 'ccf-py[pandas]'``),
imported only here and only when a DataFrame is asked for."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ccf_py.errors import ConfigError
from ccf_py.model import ReportTable


def pandas() -> Any:  # noqa: ANN401 - the pandas module
    """The pandas module, or a ConfigError saying how to install it."""
    try:
        import pandas as pd
    except ImportError:
        raise ConfigError("pandas is not installed; install the extra: "
                          "pip install 'ccf-py[pandas]'") from None
    return pd


def report_frame(table: ReportTable, provenance: dict[str, str]) -> Any:  # noqa: ANN401
    """``table`` as a DataFrame: its key columns, then the metric columns (units in the
    names); what a reader must know travels in ``attrs``: ``notes``, ``methodology``,
    ``period`` (YYYY-MM, or None for all loaded months), ``coverage`` (CO2e by estimation
    path) and ``provenance``'s entries (version, coefficient fingerprint)."""
    pd = pandas()
    frame = pd.DataFrame([list(r) for r in table.rows], columns=list(table.columns))
    frame.attrs.update(notes=list(table.notes), methodology=table.methodology,
                       period=table.month, coverage=[asdict(c) for c in table.coverage],
                       **provenance)
    return frame
