"""Deterministic demo and benchmark data: synthetic AWS, Google Cloud and Azure bills.

Why this package exists
-----------------------
ccf_py turns cloud bills into energy and CO2e estimates, but real bills cannot be shipped with the
package, put in a README, or handed to a new user who just wants to see a report. This package
makes a bill that *looks and parses like a real one* without containing anyone's data:

* :func:`generate_demo_cur` writes one month of a legacy CUR (``.csv.gz``, daily granularity)
  for a made-up company with two linked accounts. It covers the usage types the CCF methodology
  classifies (EC2 ``BoxUsage`` hours incl. burstable, GPU, Spot and an instance type that CCF's
  tables lack; EBS/S3/RDS storage in ``GB-Mo``; data transfer in ``GB``; Lambda GB-seconds;
  Fargate; EKS/NAT gateway "unknown" rows; CloudWatch ``Metrics``) and the non-usage line items a
  real bill carries (Tax, Credit, Refund, Fee, RIFee, Savings Plan fee/negation, RI- and
  SP-covered usage), with realistic signs, prices, region prefixes and resource ids. Output is
  byte-for-byte reproducible for a given month and seed, so it can be committed and tested.
  Numbers are printed like a real CUR (Java ``Double.toString`` style), so values below 1e-3
  appear in scientific notation (``1.66667E-5``), exactly as in real exports.
* :func:`generate_synthetic_cur_sql` returns a single DuckDB ``COPY`` statement that writes a
  large synthetic CUR (10 million rows in seconds) with the same header, for benchmarks.

* :func:`generate_demo_gcp` (:mod:`.gcp`, :mod:`.gcp_catalog`) writes the same month of a Google
  Cloud Billing standard usage cost export (BigQuery's nested schema as gzip NDJSON, daily lines)
  and :func:`generate_demo_azure` (:mod:`.azure`, :mod:`.azure_catalog`) an Azure EA actual-cost
  export (55 columns, UTF-8 BOM, gzip CSV), so a demo can show a multi-cloud month.

Only the standard library is used, so the generator works anywhere the package is installed.
Run ``python -m ccf_py.demo_data OUT [--provider aws|gcp|azure] [--month YYYY-MM] [--seed N]
[--rows-scale N]`` (``--rows-scale`` is AWS only).

Layout: :mod:`.header` (CUR columns), :mod:`.catalog` (accounts, regions, instance types, prices),
:mod:`.formatting` (CUR number style), :mod:`.builder` (row builder, CSV writer), one module of
resource emitters per service area (:mod:`.ec2`, :mod:`.storage`, :mod:`.network`,
:mod:`.serverless`, :mod:`.databases`, :mod:`.monitoring`), :mod:`.fleet` (the demo company),
:mod:`.commitments` (RI/SP fees, support fee, credit, refund, tax) and the synthetic-CUR SQL
(:mod:`.synthetic`, :mod:`.synthetic_templates`, :mod:`.synthetic_columns`, :mod:`.sql`).
"""

from __future__ import annotations

import argparse
import pathlib
import random
from collections.abc import Sequence

from ccf_py.demo_data.azure import generate_demo_azure
from ccf_py.demo_data.builder import _CurBuilder, _DayEmitter, _write_csv_gz
from ccf_py.demo_data.commitments import _commitments_and_adjustments
from ccf_py.demo_data.fleet import _RI_INSTANCES, _fleet
from ccf_py.demo_data.formatting import _parse_month
from ccf_py.demo_data.gcp import generate_demo_gcp
from ccf_py.demo_data.header import CUR_HEADER, LINE_ITEM_TYPES
from ccf_py.demo_data.synthetic import generate_synthetic_cur_sql

__all__ = [
    "CUR_HEADER",
    "LINE_ITEM_TYPES",
    "generate_demo_azure",
    "generate_demo_cur",
    "generate_demo_gcp",
    "generate_synthetic_cur_sql",
    "main",
]


def generate_demo_cur(
    path: pathlib.Path,
    month: str = "2026-10",
    seed: int = 42,
    *,
    rows_scale: int = 1,
) -> int:
    """Write one deterministic month of a legacy AWS CUR (daily, gzip CSV) to ``path``.

    ``rows_scale`` repeats the demo company's resources that many times (with distinct ids and
    names) for a bigger file. Returns the number of data rows written. The bytes depend only on
    ``month``, ``seed`` and ``rows_scale``.
    """
    if rows_scale < 1:
        raise ValueError("rows_scale must be >= 1")
    year, mon = _parse_month(month)
    builder = _CurBuilder(year, mon, random.Random(seed))
    emitters: list[_DayEmitter] = []
    for copy in range(rows_scale):
        emitters.extend(_fleet(builder, copy))
    for day in range(1, builder.days + 1):
        for emit in emitters:
            emit(day)
    _commitments_and_adjustments(builder, ri_count=_RI_INSTANCES * rows_scale, sp_scale=rows_scale)
    _write_csv_gz(path, builder.rows)
    return len(builder.rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ccf_py.demo_data",
        description="Write a deterministic synthetic one-month bill: a legacy AWS CUR (.csv.gz), "
        "a Google Cloud billing export (.jsonl.gz) or an Azure EA actual-cost export (.csv.gz).",
    )
    parser.add_argument("out", type=pathlib.Path, help="output file, e.g. demo.csv.gz")
    parser.add_argument(
        "--provider", choices=("aws", "gcp", "azure"), default="aws", help="default aws"
    )
    parser.add_argument("--month", default="2026-10", help="billing month YYYY-MM")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--rows-scale",
        type=int,
        default=1,
        help="AWS only: repeat the demo company's resources N times (default 1, ~4.5k rows)",
    )
    args = parser.parse_args(argv)
    if args.rows_scale < 1:
        parser.error("--rows-scale must be >= 1")
    if args.rows_scale != 1 and args.provider != "aws":
        parser.error("--rows-scale applies to --provider aws only")
    try:
        if args.provider == "gcp":
            rows = generate_demo_gcp(args.out, month=args.month, seed=args.seed)
        elif args.provider == "azure":
            rows = generate_demo_azure(args.out, month=args.month, seed=args.seed)
        else:
            rows = generate_demo_cur(
                args.out, month=args.month, seed=args.seed, rows_scale=args.rows_scale
            )
    except ValueError as exc:
        parser.error(str(exc))
    print(rows)
    return 0
