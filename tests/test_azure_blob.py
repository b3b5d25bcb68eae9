"""Azure Blob Storage sources against a real Azurite server (tests/conftest.py ``azurite``):
listing, the newest export run per month, az:// and http URLs, connection string from option
or environment, and errors as one line."""

from __future__ import annotations

import csv
import gzip
import time
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from ccf_py import api
from ccf_py.cli import main
from ccf_py.errors import SourceError

FIX = Path(__file__).parent / "fixtures" / "azure"
ACTUAL = FIX / "finopstoolkit_EA_ActualCost_Small.csv"
RUN_OLD = "0b7c3c1e-0000-4000-8000-000000000001"
RUN_NEW = "0b7c3c1e-0000-4000-8000-000000000002"
PREFIX = "exports/daily/ea-actual/20230901-20230930"


def _file_cost(path: Path) -> Decimal:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return sum((Decimal(r["Cost"]) for r in csv.DictReader(fh)), Decimal(0))


@pytest.fixture
def container(azurite, monkeypatch):
    """A fresh container; the environment cannot send the SDK anywhere else."""
    from azure.storage.blob import BlobServiceClient

    for name in ("CCF_PY_AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_CONNECTION_STRING",
                 "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    service = BlobServiceClient.from_connection_string(azurite)
    name = f"costs{time.monotonic_ns()}"
    client = service.create_container(name)
    yield client
    client.delete_container()


def _upload_two_runs(container) -> None:
    """An older run holding only the first 5 rows of the month, then the full newer run."""
    lines = ACTUAL.read_bytes().splitlines(keepends=True)
    container.upload_blob(f"{PREFIX}/{RUN_OLD}/part_0_0001.csv", b"".join(lines[:6]))
    container.upload_blob(f"{PREFIX}/{RUN_OLD}/manifest.json", b"{}")
    time.sleep(1.1)  # Last-Modified has one-second resolution
    container.upload_blob(f"{PREFIX}/{RUN_NEW}/part_0_0001.csv", ACTUAL.read_bytes())
    container.upload_blob(f"{PREFIX}/{RUN_NEW}/manifest.json", b"{}")


def test_az_prefix_loads_newest_run_only(tmp_path, azurite, container):
    _upload_two_runs(container)
    notes: list[str] = []
    with api.open_db(tmp_path / "t.duckdb") as db:
        res = api.ingest_azure_export(db, [f"az://{container.container_name}/exports/daily"],
                                      connection_string=azurite, progress=notes.append)
        sources = db.con.execute("SELECT DISTINCT source_file FROM billed_lines").fetchall()
    assert res.rows == 11
    assert round(Decimal(str(res.cost_total)), 2) == round(_file_cost(ACTUAL), 2)
    assert sources == [(f"az://{container.container_name}/{PREFIX}/{RUN_NEW}/part_0_0001.csv",)]
    assert any("downloading" in n for n in notes)


def test_http_blob_url_with_connection_string_from_environment(tmp_path, azurite, container,
                                                                monkeypatch):
    container.upload_blob("one/ActualCost.csv.gz", gzip.compress(
        ACTUAL.read_bytes()))
    monkeypatch.setenv("CCF_PY_AZURE_STORAGE_CONNECTION_STRING", azurite)
    endpoint = azurite.split("BlobEndpoint=")[1].rstrip(";")
    url = f"{endpoint}/{container.container_name}/one/ActualCost.csv.gz"
    with api.open_db(tmp_path / "t.duckdb") as db:
        res = api.ingest_azure_export(db, [url])
    assert res.rows == 11
    assert round(Decimal(str(res.cost_total)), 2) == round(_file_cost(ACTUAL), 2)


def test_cli_connection_string_option(tmp_path, azurite, container):
    container.upload_blob("x/part_0_0001.csv", ACTUAL.read_bytes())
    out = CliRunner().invoke(main, [
        "--db", str(tmp_path / "c.duckdb"), "ingest", "azure-export",
        f"az://{container.container_name}/x", "--connection-string", azurite])
    assert out.exit_code == 0, out.output
    assert "loaded 11 rows from 1 file(s), billing period(s) 2023-09" in out.output


def test_missing_container_and_empty_prefix_are_one_line_errors(tmp_path, azurite, container):
    container.upload_blob("x/readme.txt", b"not billing data")
    with api.open_db(tmp_path / "t.duckdb") as db:
        with pytest.raises(SourceError, match=r"^az://no-such-container/x: ContainerNotFound"):
            api.ingest_azure_export(db, ["az://no-such-container/x"], connection_string=azurite)
        with pytest.raises(SourceError, match=r"no cost export files"):
            api.ingest_azure_export(db, [f"az://{container.container_name}/x"],
                                    connection_string=azurite)
        with pytest.raises(SourceError, match="needs a storage connection string"):
            api.ingest_azure_export(db, [f"az://{container.container_name}/x"])
