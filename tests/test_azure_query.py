"""The Cost Management query API path against a local HTTP stand-in on 127.0.0.1 (no emulator
exists; docs: shared emulators.md). The real SDK client talks HTTP to it: paging via nextLink,
HTTP 429 with Retry-After, and the rows loaded through the export mapping."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from ccf_py import api
from ccf_py.cli import main
from ccf_py.errors import SourceError
from ccf_py.ingest import azure_query

SCOPE = "providers/Microsoft.Billing/billingAccounts/8611537"
COLUMNS = [{"name": n, "type": t} for n, t in (
    ("PreTaxCost", "Number"), ("UsageQuantity", "Number"), ("UsageDate", "Number"),
    ("SubscriptionId", "String"), ("ResourceId", "String"), ("ResourceLocation", "String"),
    ("MeterCategory", "String"), ("Meter", "String"), ("UnitOfMeasure", "String"),
    ("ChargeType", "String"), ("PricingModel", "String"), ("Currency", "String"))]
SUB = "1caaa5a3-2b66-438e-8ab4-bce37d518c5d"
PAGE_1 = [[2.64, 24, 20230904, SUB, "/subscriptions/s/vm1", "South Central US",
           "Virtual Machines", "D2 v3/D2s v3", "1 Hour", "Usage", "OnDemand", "USD"],
          [0.00004, 0.0004, 20230904, SUB, "/subscriptions/s/st1", "EastUS2", "Storage",
           "GRS List and Create Container Operations", "10K", "Usage", "OnDemand", "USD"]]
PAGE_2 = [[3.25, 1, 20230921, SUB, "", "uksouth", "Virtual Machines", "B1s", "1 Hour",
           "Purchase", "Reservation", "USD"],
          [1.9584, 24, 20230905, SUB, "/subscriptions/s/db1", "CentralUS",
           "Azure Database for MySQL", "2 vCore", "1 Hour", "Usage", "OnDemand", "USD"]]


class _Stub(ThreadingHTTPServer):
    """Answers POSTs from a script of (status, headers, body); records each request."""

    def __init__(self, script: list[tuple[int, dict[str, str], dict | None]]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = script
        self.requests: list[tuple[float, str, dict]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        server: _Stub = self.server  # type: ignore[assignment]
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        server.requests.append((time.monotonic(), self.path, body))
        status, headers, reply = server.script.pop(0) if server.script else (500, {}, None)
        data = json.dumps(reply or {"error": {"code": "Throttled", "message": "slow down"}})
        self.send_response(status)
        for k, v in {"Content-Type": "application/json", **headers}.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data.encode())

    def log_message(self, *_args: object) -> None:
        pass


def _page(rows: list[list], next_link: str | None) -> dict:
    return {"id": "q", "name": "q", "type": "Microsoft.CostManagement/query",
            "properties": {"nextLink": next_link, "columns": COLUMNS, "rows": rows}}


@pytest.fixture
def stub(monkeypatch) -> Iterator[_Stub]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy",
                 azure_query.ENDPOINT_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    server = _Stub([])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_paging_and_429_retry_after_then_success(tmp_path, stub):
    stub.script += [
        (429, {"Retry-After": "1"}, None),
        (200, {}, _page(PAGE_1, f"{stub.url}/next?$skiptoken=abc")),
        (200, {}, _page(PAGE_2, None)),
    ]
    with api.open_db(tmp_path / "t.duckdb") as db:
        res = api.ingest_azure_cost_query(db, SCOPE, "2023-09", endpoint=stub.url)
        rows = db.con.execute(
            "SELECT x_usage_type, consumed_quantity, region_id, charge_category, "
            "billing_account_id, charge_period_start::VARCHAR FROM billed_lines "
            "ORDER BY x_usage_type").fetchall()
    assert res.rows == 4 and res.billing_periods == ("2023-09",)
    expected = sum(Decimal(str(r[0])) for r in PAGE_1 + PAGE_2)
    assert round(Decimal(str(res.cost_total)), 2) == round(expected, 2) == Decimal("7.85")
    assert rows[0] == ("2 vCore", 24.0, "centralus", "Usage", "8611537", "2023-09-05 00:00:00")
    assert rows[1] == ("B1s", None, "uksouth", "Purchase", "8611537", "2023-09-21 00:00:00")
    assert rows[2][:3] == ("D2 v3/D2s v3", 24.0, "southcentralus")
    assert rows[3][:2] == ("GRS List and Create Container Operations", pytest.approx(4.0))
    (t0, path0, body0), (t1, path1, body1), (_t2, path2, body2) = stub.requests
    assert path0 == path1 == (f"/{SCOPE}/providers/Microsoft.CostManagement/query"
                              f"?api-version={azure_query.API_VERSION}")
    assert 0.95 <= t1 - t0 < 5  # waited the 1 s Retry-After asked for, and not much more
    assert path2 == "/next?$skiptoken=abc" and body2 == body1 == body0
    assert body0["type"] == "ActualCost" and body0["dataset"]["granularity"] == "Daily"
    assert body0["timePeriod"] == {"from": "2023-09-01T00:00:00Z", "to": "2023-09-30T23:59:59Z"}
    grouped = {g["name"] for g in body0["dataset"]["grouping"]}
    assert {"MeterCategory", "Meter", "UnitOfMeasure", "ChargeType", "ResourceLocation"} <= grouped


def test_throttling_is_bounded(tmp_path, stub):
    """Persistent 429: MAX_RETRIES waits of the asked length, then one line. The waits are
    recorded instead of slept (no stand-in can make time pass)."""
    stub.script += [(429, {"Retry-After": "7"}, None)] * (azure_query.MAX_RETRIES + 1)
    waits: list[float] = []
    with pytest.raises(SourceError, match=r"HTTP 429 after 6 tries"):
        azure_query.fetch_month(SCOPE, api.parse_month("2023-09"), tmp_path,  # type: ignore
                                endpoint=stub.url, sleep=waits.append)
    assert waits == [7.0] * azure_query.MAX_RETRIES
    assert len(stub.requests) == azure_query.MAX_RETRIES + 1


def test_retry_after_headers():
    assert azure_query.retry_after({"Retry-After": "3"}) == 3.0
    assert azure_query.retry_after({
        "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after": "20",
        "Retry-After": "3"}) == 20.0
    assert azure_query.retry_after({"Retry-After": "100000"}) == azure_query.MAX_WAIT_S
    assert azure_query.retry_after({}) == azure_query.DEFAULT_WAIT_S


def test_cli_api_mode_and_http_error(tmp_path, stub):
    stub.script += [(200, {}, _page(PAGE_1, None)),
                    (403, {}, {"error": {"code": "AuthorizationFailed", "message": "denied"}})]
    db = str(tmp_path / "c.duckdb")
    out = CliRunner().invoke(main, ["--db", db, "ingest", "azure-export", "--api", "--scope",
                                    SCOPE, "--month", "2023-09", "--api-endpoint", stub.url])
    assert out.exit_code == 0, out.output
    assert "loaded 2 rows from 1 file(s), billing period(s) 2023-09" in out.output
    out = CliRunner().invoke(main, ["--db", db, "ingest", "azure-export", "--api", "--scope",
                                    SCOPE, "--month", "2023-10", "--api-endpoint", stub.url])
    assert out.exit_code == 1 and "HTTP 403" in out.output and "denied" in out.output
    assert "Traceback" not in out.output
    out = CliRunner().invoke(main, ["--db", db, "ingest", "azure-export", "--api"])
    assert out.exit_code == 2 and "--scope and --month" in out.output
