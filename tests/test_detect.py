"""Kind detection from a file's header (``ccf-py ingest PATH...``)."""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path

import duckdb
import pytest

from ccf_py.errors import ConfigError, InputError
from ccf_py.ingest import detect
from ccf_py.ingest.aws_cur import snake
from ccf_py.ingest.sources import Source

FIX = Path(__file__).parent / "fixtures"
DET = FIX / "detect"
FOCUS_SAMPLE = FIX / "focus" / "focus_1.0_sample_subset.csv"


@pytest.mark.parametrize(("path", "kind"), [
    (FIX / "aws_cur_legacy_sample.csv", "aws-cur"),
    (FIX / "aws_cur_legacy_sample.csv.gz", "aws-cur"),
    (FIX / "aws_cur2_sample.parquet", "aws-cur"),
    (FOCUS_SAMPLE, "focus"),
    (DET / "gcp_standard_head.ndjson", "gcp-billing"),
    (DET / "gcp_detailed_nested_head.ndjson", "gcp-billing"),
    (DET / "gcp_detailed_flat_head.csv", "gcp-billing"),
    (DET / "ccf_parity_gcp_input_head.jsonl", "gcp-billing"),
    # with a UTF-8 BOM
    (DET.parent / "azure" / "finopstoolkit_EA_ActualCost_Small.csv", "azure-export"),
])
def test_sample_files(path: Path, kind: str) -> None:
    assert detect.detect(path) == kind
    assert detect.detect(Source("as typed", path)) == kind


def test_focus_gzip_and_parquet_and_athena_parquet(tmp_path: Path) -> None:
    gz = tmp_path / "f.csv.gz"
    gz.write_bytes(gzip.compress(FOCUS_SAMPLE.read_bytes()))
    focus_parquet = tmp_path / "f.parquet"
    athena = tmp_path / "athena.parquet"
    cur = FIX / "aws_cur_legacy_sample.csv"
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT * FROM read_csv('{FOCUS_SAMPLE}')) TO '{focus_parquet}' "
                    "(FORMAT parquet)")
        cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_csv('{cur}')").fetchall()]
        select = ", ".join(f'"{c}" AS "{snake(c)}"' for c in cols)
        con.execute(f"COPY (SELECT {select} FROM read_csv('{cur}')) TO '{athena}' "
                    "(FORMAT parquet)")
    assert detect.detect(gz) == "focus"
    assert detect.detect(focus_parquet) == "focus"
    assert detect.detect(athena) == "aws-cur"


def _c360_columns() -> list[str]:
    schema = json.loads((DET / "finopstoolkit_actualcost_c360-2025-04.json").read_text())
    return [m["source"]["name"] for m in schema["translator"]["mappings"]]


def test_azure_ea_and_mca_headers(tmp_path: Path) -> None:
    pascal = _c360_columns()
    assert {"Date", "MeterCategory", "Quantity"} <= set(pascal)
    camel = [c[0].lower() + c[1:] for c in pascal]  # MCA exports: date, meterCategory...
    for name, cols in (("ea.csv", pascal), ("mca.csv", camel)):
        path = tmp_path / name
        path.write_text(",".join(cols) + "\n", encoding="utf-8")
        assert detect.detect(path) == "azure-export", name


@pytest.mark.parametrize(("columns", "kind"), [
    (["lineItem/UsageType", "lineItem/UnblendedCost"], "aws-cur"),
    (["line_item_usage_type", "product"], "aws-cur"),
    (["BilledCost", "ChargePeriodStart", "ServiceProviderName"], "focus"),
    (["billedcost", "chargecategory"], "focus"),
    # a FOCUS export with its provider's extras is still FOCUS
    (["BilledCost", "ChargeCategory", "x_UsageType", "MeterCategory", "Quantity", "Date"],
     "focus"),
    (["billing_account_id", "sku.description", "usage_start_time"], "gcp-billing"),
    (["billing_account_id", "sku_description", "usage_start_time"], "gcp-billing"),
    (["billing_account_id", "usage_start_time"], None),  # no SKU
    (["MeterCategory", "Quantity", "Date"], "azure-export"),
    (["meterCategory", "quantity", "date"], "azure-export"),
    (["MeterCategory", "Quantity"], None),  # no date
    (["BilledCost"], None),
])
def test_kind_of_columns(columns: list[str], kind: str | None) -> None:
    assert detect.kind_of_columns(columns) == kind


def test_unknown_header_names_file_and_what_was_expected(tmp_path: Path) -> None:
    path = tmp_path / "regions.csv"
    path.write_text("OriginalValue,RegionId,RegionName\neastus,eastus,East US\n")
    with pytest.raises(InputError) as exc:
        detect.detect(path)
    msg = str(exc.value)
    assert msg.startswith(f"{path}: not a billing export this tool knows (CSV with columns "
                          "OriginalValue, RegionId, RegionName)")
    assert "lineItem/UsageType" in msg and "BilledCost" in msg and "MeterCategory" in msg


def test_contract_commitments_empty_binary_json_and_truncated_parquet(tmp_path: Path) -> None:
    cases = {
        "cc.csv": (b"ContractCommitmentId,ContractCommitmentCost,BillingCurrency\n",
                   "a FOCUS contract commitment dataset"),
        "empty.csv": (b"", "empty file"),
        "blob.csv": (b"\xff\xfe\x00garbage\n", "not text, gzip or Parquet"),
        "focus.jsonl": (b'{"BilledCost": 1, "ChargeCategory": "Usage"}\n',
                        "FOCUS as JSON lines is not read"),
        "broken.jsonl": (b'{"billing_account_id": \n', "first line is not a JSON object"),
        "cut.parquet": ((FIX / "aws_cur2_sample.parquet").read_bytes()[:500],
                        "not a complete Parquet file"),
    }
    for name, (data, needle) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(InputError) as exc:
            detect.detect(path)
        assert str(exc.value).startswith(f"{path}: "), name
        assert needle in str(exc.value), (name, str(exc.value))


def test_group_by_kind_orders_kinds_by_registry_and_reports_each_file() -> None:
    files = [Source("b-focus", FOCUS_SAMPLE), Source("a-cur", FIX / "aws_cur_legacy_sample.csv"),
             Source("c-gcp", DET / "gcp_standard_head.ndjson"),
             Source("d-cur", FIX / "aws_cur2_sample.parquet")]
    heard: list[tuple[str, str]] = []
    groups = detect.group_by_kind(files, lambda name, kind: heard.append((name, kind)))
    assert list(groups) == ["aws-cur", "focus", "gcp-billing"]
    assert [s.name for s in groups["aws-cur"]] == ["a-cur", "d-cur"]
    assert heard == [("b-focus", "focus"), ("a-cur", "aws-cur"), ("c-gcp", "gcp-billing"),
                     ("d-cur", "aws-cur")]


def test_registry_names_each_ingestor() -> None:
    assert detect.INGESTORS == {
        "aws-cur": "ccf_py.ingest.aws_cur:ingest",
        "focus": "ccf_py.ingest.focus:ingest",
        "gcp-billing": "ccf_py.ingest.gcp_billing:ingest",
        "azure-export": "ccf_py.ingest.azure_export:ingest",
    }
    from ccf_py.ingest import aws_cur, focus
    assert detect.ingestor("aws-cur") is aws_cur.ingest
    assert detect.ingestor("focus") is focus.ingest


@pytest.mark.parametrize("kind", ["gcp-billing", "azure-export"])
def test_optional_ingestors_load_lazily_or_say_they_are_missing(kind: str) -> None:
    module = detect.INGESTORS[kind].split(":")[0]
    if importlib.util.find_spec(module) is not None:  # wired in: it must be callable
        assert callable(detect.ingestor(kind))
        return
    with pytest.raises(ConfigError, match=f"no {kind} ingestor"):
        detect.ingestor(kind)
