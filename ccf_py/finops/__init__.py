"""Carbon figures where FinOps tools look: a FOCUS export with carbon columns
(:mod:`~ccf_py.finops.focus_export`), the per-row estimates stored in the database
(:mod:`~ccf_py.finops.persist`) and pandas DataFrames (:mod:`~ccf_py.finops.frames`).

The estimates come from the same SQL models as ``ccf-py report`` (``fct_usage_estimates``, one
row per billed line); this package only selects, joins back to ``billed_lines`` and writes.
"""
