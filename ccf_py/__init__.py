"""ccf_py: cloud billing -> energy (kWh), operational and embodied CO2e.

The importable API lives in :mod:`ccf_py.api` (``open_db``, ``ingest_aws_cur``, ``report``,
``monthly_report``); the ``ccf-py`` CLI is a thin layer over it.
"""

__version__ = "0.1.0"
