"""What-if comparisons: the same usage with another storage class, region, instance family or
start time (``ccf-py compare ...``). Each comparison is a :class:`Comparison`: scenario rows,
the assumptions behind them (each with its source) and notes; :mod:`ccf_py.compare.render`
writes it as table, CSV, JSON or Markdown."""

from ccf_py.compare.base import SCENARIO_COLUMNS, Assumption, Comparison

__all__ = ["SCENARIO_COLUMNS", "Assumption", "Comparison"]
