"""The monthly HTML report in a real browser: headless Chromium loads it over local HTTP,
dumps the DOM it built and takes a screenshot, which must not be a blank page."""

from __future__ import annotations

import functools
import os
import shutil
import struct
import subprocess
import threading
import zlib
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ccf_py.model import CoverageRow, MonthlyReport, ReportTable
from ccf_py.report.monthly import render_html

CHROMIUM = "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else shutil.which("chromium")
# Skipped only off CI (a non-root user cannot install it); on CI (CI=true) a missing browser
# is a failure, so the HTML check can never silently stop running.
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="chromium not installed (as root: apt-get install chromium; CI installs it)")

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars")
EVIL = "<script>alert(1)</script>"
SERVICES = ("Amazon Elastic Compute Cloud", "Amazon Simple Storage Service",
            "Amazon Relational Database Service", "AWS Lambda", "Amazon CloudFront",
            "Amazon DynamoDB", "Amazon Elastic Kubernetes Service", EVIL)
REGIONS = (("us-east-1", 379.0), ("eu-west-1", 279.0), ("eu-north-1", 8.8),
           ("ap-southeast-2", 790.0))


def _row(key: tuple, kwh: float, grid: float = 380.0, emb_share: float = 0.3) -> tuple:
    op = kwh * grid / 1000
    emb = op * emb_share
    # cost, energy, its GPU part, operational, embodied, total (METRIC_COLUMNS)
    return (*key, round(kwh * 0.21, 2), kwh, kwh * 0.1, op, emb, op + emb)


def _table(keys: tuple[str, ...], rows: list[tuple]) -> ReportTable:
    return ReportTable(keys=keys, rows=tuple(rows), methodology="default", month="2024-05")


def make_report() -> MonthlyReport:
    services = _table(("service",), [_row((s,), 9000 / (i + 1), emb_share=0.1 + 0.08 * i)
                                     for i, s in enumerate(SERVICES)])
    days = [_row((f"2024-05-{d:02d}",), 700 + 180 * ((d * 7) % 5) + 15 * d) for d in range(1, 32)]
    usage = [("compute", 14000), ("storage", 5200), ("memory", 2100), ("network", 900),
             ("unknown", 300), ("non_usage", 0)]
    return MonthlyReport(
        month="2024-05", methodology="default", version="0.1.0",
        coefficients_fingerprint="9f2c41d7ab03", totals=services.totals(),
        by_service=services,
        by_region=_table(("region",), [_row((r,), 6000 / (i + 1), g)
                                       for i, (r, g) in enumerate(REGIONS)]),
        by_account=_table(("account",), [_row(("111122223333",), 15000),
                                         _row(("444455556666",), 7500)]),
        by_usage_class=_table(("usage_class",), [_row((u,), k) for u, k in usage]),
        by_day=_table(("day",), days),
        top_resources=_table(("resource_id", "service"), [
            _row((f"arn:aws:ec2:us-east-1:111122223333:instance/i-0{i:016x}", SERVICES[0]),
                 900 / (i + 1)) for i in range(10)]),
        coverage=(CoverageRow("direct", 18231, 41250.10, 9120.4),
                  CoverageRow("fallback", 912, 2210.55, 402.7),
                  CoverageRow("from_cost", 311, 1530.00, 211.9),
                  CoverageRow("non_usage", 64, -820.35, 0.0)),
        notes=("3 usage types had no coefficient and were estimated from cost ratios.",
               f"Tag values are printed verbatim, e.g. {EVIL}."),
    )


def expected_table_rows(report: MonthlyReport) -> int:
    tables = (report.by_service, report.by_region, report.by_account, report.by_usage_class,
              report.by_day, report.top_resources)
    return sum(len(t.rows) + 2 for t in tables if t.rows) + len(report.coverage) + 2


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A local HTTP server on a free port serving ``tmp_path/www``; yields (base URL, dir)."""
    www = tmp_path / "www"
    www.mkdir()

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            REQUESTED.append(self.path)
            super().do_GET()

    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(Quiet, directory=str(www)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", www
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


REQUESTED: list[str] = []  # paths the local server was asked for, in order
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"  # kept after the run


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if CHROMIUM is None:  # only reached on CI (CI=true), where the skip above does not apply
        pytest.fail("chromium is not installed; CI must install it (apt-get install chromium)")
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    cmd = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def screenshot(tmp_path: Path, url: str, name: str) -> Path:
    shot = tmp_path / name
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", url)
    assert shot.exists(), f"chromium wrote no screenshot for {url}"
    return shot


def png_top_colours(path: Path, max_rows: int = 400) -> tuple[int, int, set[bytes]]:
    """(width, height, distinct pixel values in the first ``max_rows`` rows) of an 8-bit PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    bpp = 4 if colour == 6 else 3
    raw, stride = zlib.decompress(idat), width * bpp
    prev, colours = bytearray(stride), set()
    for y in range(min(height, max_rows)):
        start = y * (stride + 1)
        ftype, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        _unfilter(ftype, line, prev, bpp)
        colours.update(bytes(line[i:i + bpp]) for i in range(0, stride, bpp * 4))
        prev = line
    return width, height, colours


def _unfilter(ftype: int, line: bytearray, prev: bytearray, bpp: int) -> None:
    for i in range(len(line)):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
        if ftype == 1:
            line[i] = (line[i] + a) & 0xFF
        elif ftype == 2:
            line[i] = (line[i] + b) & 0xFF
        elif ftype == 3:
            line[i] = (line[i] + (a + b) // 2) & 0xFF
        elif ftype == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            line[i] = (line[i] + pred) & 0xFF


def test_monthly_report_renders_in_chromium(site: tuple[str, Path], tmp_path: Path) -> None:
    base, www = site
    report = make_report()
    (www / "report.html").write_text(render_html(report), encoding="utf-8")
    (www / "blank.html").write_text("<!DOCTYPE html><title>blank</title>", encoding="utf-8")

    dom = chromium(tmp_path, "--dump-dom", f"{base}/report.html").stdout
    assert "<h1>Cloud carbon footprint \u2014 May 2024</h1>" in dom
    assert dom.count("<svg") == 4
    assert dom.count('role="img"') == 4
    assert dom.count("<tr>") + dom.count("<tr ") == expected_table_rows(report)
    assert "<script" not in dom.lower()           # the hostile service name stayed text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert "9f2c41d7ab03" in dom

    shot = screenshot(tmp_path, f"{base}/report.html", "shot.png")
    blank = screenshot(tmp_path, f"{base}/blank.html", "blank.png")
    size, blank_size = shot.stat().st_size, blank.stat().st_size
    assert size > 20_000 and size > 3 * blank_size, (size, blank_size)
    width, height, colours = png_top_colours(shot)
    assert (width, height) == (1280, 2000)
    assert len(colours) > 20, f"screenshot looks blank: {len(colours)} colours"
    _, _, blank_colours = png_top_colours(blank)
    assert len(blank_colours) < len(colours)
    if os.environ.get("CCF_PY_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["CCF_PY_SCREENSHOT"])


def console_messages(stderr: str) -> list[str]:
    """Lines Chromium logs for the page's console (``--enable-logging=stderr``)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def test_own_monthly_report_in_chromium(site: tuple[str, Path], tmp_path: Path) -> None:
    """The page `ccf-py monthly` writes for a real database (the bundled demo bills): every
    chart drawn, no console message, nothing fetched but the page itself (self-contained),
    and a screenshot kept in test-artifacts/ for a person to look at."""
    from ccf_py import api
    from ccf_py.demo import run_demo

    base, www = site
    run_demo(tmp_path / "demo")
    with api.open_db(tmp_path / "demo" / "demo.duckdb", read_only=True) as db:
        report = api.monthly_report(db, month="2026-10")
    (www / "report.html").write_text(render_html(report), encoding="utf-8")
    (www / "bad.html").write_text("<!DOCTYPE html><script>console.error('boom')</script>",
                                  encoding="utf-8")
    # the detector itself: a page that logs to the console is seen doing so
    bad = chromium(tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom",
                   f"{base}/bad.html")
    assert any('"boom"' in m for m in console_messages(bad.stderr))

    REQUESTED.clear()
    proc = chromium(tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom",
                    f"{base}/report.html")
    assert console_messages(proc.stderr) == []
    assert [p for p in REQUESTED if p != "/favicon.ico"] == ["/report.html"]
    dom = proc.stdout
    # provider, service and region bars, usage classes, the daily line: each drawn with marks
    charts = dom.split("<svg")[1:]
    assert len(charts) == 5
    days = len(report.by_day.rows)
    assert charts[-1].count("<circle") == days == 31
    for chart in charts[:-1]:
        assert chart.count("<rect") >= 3
    assert "Top movers" in dom and "Change vs" not in dom  # cards say "vs Sep 2026"
    assert "vs Sep 2026" in dom

    shot = screenshot(tmp_path, f"{base}/report.html", "monthly.png")
    width, _, colours = png_top_colours(shot)
    assert width == 1280 and len(colours) > 20
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(shot, ARTIFACTS / "monthly-report.png")
