"""Which file names hold billing data, shared by local and S3 expansion.

It lives apart from ``sources`` so that ``s3`` can use the same rules without importing the
module that imports it.
"""

from __future__ import annotations

#: File name endings of billing files. ``.snappy.parquet`` (CUR 2.0 / Data Exports) and
#: ``.gz.parquet`` end in ``.parquet``, so they are covered too. Manifests (``*.json``),
#: Athena/Redshift helper files (``.yml``, ``.sql``) and ``.part`` leftovers are not billing data.
CUR_SUFFIXES: tuple[str, ...] = (".csv", ".csv.gz", ".parquet")

#: Legacy CUR with Athena integration writes a one-column parquet file (READY / UPDATING) under
#: this folder next to the report data. It is not billing data, and reading it as CUR would fail
#: the whole ingest, so folder and prefix expansion skip it.
STATUS_DIR = "cost_and_usage_data_status"

NO_CUR_FILES = "no CUR files (.csv, .csv.gz, .parquet) found"


def is_cur_file_name(name: str) -> bool:
    """True for a base name that looks like a billing file we can read.

    Hidden files (editor swap files, ``.DS_Store``, sync-tool state) are never billing data.
    The match ignores case so ``REPORT.CSV.GZ`` copied from another system still counts.
    """
    return not name.startswith(".") and name.lower().endswith(CUR_SUFFIXES)
