"""The guarantees every ingestor keeps, checked on every real sample of every format: each
billed line gets exactly one estimate row in exactly one usage class, and the estimates' cost
per (provider, currency) is the billing table's to the cent — in both methodologies, in the
per-row model and in a grouped report. (Each ingestor's own tests reconcile the billing table
with the file, computed independently with csv/json.)"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from ccf_py import api
from ccf_py.estimate import create_estimates
from ccf_py.model import USAGE_CLASSES

FIX = Path(__file__).parent / "fixtures"
SAMPLES = {
    "aws legacy CSV.gz": ("ingest_aws_cur", ["aws_cur_legacy_sample.csv.gz"]),
    "aws CUR 2.0 Parquet": ("ingest_aws_cur", ["aws_cur2_sample.parquet"]),
    "gcp standard NDJSON": ("ingest_gcp_billing", ["gcp/gcp_input.jsonl"]),
    "gcp detailed flat CSV": ("ingest_gcp_billing",
                              ["gcp/gcp_detailed_export_synth_flat_psofinopsagent.csv"]),
    "gcp standard (PSO)": ("ingest_gcp_billing", ["gcp/gcp_billing_export_v1_rows_psocuds.ndjson"]),
    "azure EA actual": ("ingest_azure_export", ["azure/finopstoolkit_EA_ActualCost_Small.csv"]),
    "azure EA amortized": ("ingest_azure_export",
                           ["azure/finopstoolkit_EA_AmortizedCost_Small.csv"]),
    "focus 1.0 (aws, azure, oci)": ("ingest_focus", ["focus/focus_1.0_sample_subset.csv"]),
}


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_every_billed_line_once_in_one_class_and_cost_to_the_cent(tmp_path, sample):
    loader, files = SAMPLES[sample]
    with api.open_db(tmp_path / "x.duckdb") as db:
        getattr(api, loader)(db, [str(FIX / f) for f in files])
        con = db.con
        billed = {(p, c): Decimal(str(v)) for p, c, v in con.execute(
            "SELECT provider_name, coalesce(billing_currency, ''), sum(billed_cost) "
            "FROM billed_lines GROUP BY ALL").fetchall()}
        n_billed = con.execute("SELECT count(*) FROM billed_lines").fetchone()[0]
        assert n_billed > 5
        for method in ("default", "ccf"):
            create_estimates(con, method, materialize=True)
            n, bad_class, energy_ok = con.execute(
                "SELECT count(*), count(*) FILTER (WHERE usage_class IS NULL OR usage_class "
                f"NOT IN ({', '.join(repr(c) for c in USAGE_CLASSES)})), "
                # negative only where the bill corrects usage (a negative quantity or cost)
                "bool_and((energy_kwh >= 0 AND co2e_total_kg >= 0) OR usage_amount < 0 "
                "OR ratio_cost < 0) FROM fct_usage_estimates"
            ).fetchone()
            assert (n, bad_class, energy_ok) == (n_billed, 0, True), method
            ours = {(p, c): Decimal(str(v)) for p, c, v in con.execute(
                "SELECT provider, coalesce(currency, ''), sum(cost) FROM fct_usage_estimates "
                "GROUP BY ALL").fetchall()}
            assert ours.keys() == billed.keys()
            for k, v in billed.items():
                assert round(ours[k], 2) == round(v, 2), (method, k)
            # the grouped report (int_usage_keyed path) adds up to the per-row model
            rows = api.report(db, methodology=method, by=("provider", "usage_class"))
            per_row = con.execute("SELECT sum(co2e_total_kg) FROM fct_usage_estimates"
                                  ).fetchone()[0]
            assert rows.totals()["co2e_total_kg"] == pytest.approx(per_row, rel=1e-9), method
