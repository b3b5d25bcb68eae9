"""Costs in different currencies are never added, in any output (review findings A1, B12, C1).

Every expected cost is the file's own, summed per currency with the csv module and Decimal
(to the cent); the outputs must show those per-currency figures and never their sum, while
energy and CO2e keep their totals.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from ccf_py import api
from ccf_py.report.monthly import render_html, render_markdown
from tests.helpers import write_cur

ROOT = Path(__file__).resolve().parent.parent
FIX = Path(__file__).parent / "fixtures"
GCP_FLAT = FIX / "gcp" / "gcp_detailed_export_synth_flat_psofinopsagent.csv"  # 4 currencies
AZ_GPU = FIX / "azure" / "az_gpu.csv"  # USD and EUR lines of one subscription
CENT = Decimal("0.01")
AMOUNT = re.compile(r"\b([A-Z]{3}) (-?[\d,]+\.\d\d)\b")


def ccf(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    r = subprocess.run([sys.executable, "-m", "ccf_py.cli", *args], cwd=cwd,
                       capture_output=True, text=True, env=dict(os.environ), timeout=300)
    assert r.returncode == 0, r.stderr
    return r


def _cents(sums: dict[str, Decimal]) -> dict[str, Decimal]:
    return {k: v.quantize(CENT) for k, v in sorted(sums.items())}


def gcp_costs(path: Path) -> dict[str, Decimal]:
    """cost + credits per currency, as the export's rows say (credits: a JSON list)."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            credits = json.loads(row["credits"] or "[]", parse_float=Decimal)
            out[row["currency"]] += Decimal(row["cost"]) + sum(
                (Decimal(str(c["amount"])) for c in credits), Decimal(0))
    return _cents(out)


def column_costs(path: Path, currency: str, cost: str) -> dict[str, Decimal]:
    """Sum of the ``cost`` column per value of the ``currency`` column (CSV, BOM or not)."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            out[row[currency]] += Decimal(row[cost])
    return _cents(out)


def azure_costs(path: Path) -> dict[str, Decimal]:
    return column_costs(path, "BillingCurrency", "Cost")


def money(value: Decimal) -> str:
    return f"{value:,}"


def md_headers(md: str) -> list[str]:
    """The header lines of a Markdown page's tables (each followed by its alignment line)."""
    lines = md.splitlines()
    return [a for a, b in zip(lines, lines[1:], strict=False)
            if a.startswith("|") and re.match(r"\|\s*:?-{3}", b)]


def _no_sum_anywhere(outputs: list[str], costs: dict[str, Decimal]) -> None:
    """Neither the sum of the currencies' costs nor that of any two of them is shown."""
    codes = sorted(costs)
    sums = {sum(costs.values())} | {costs[a] + costs[b] for a in codes for b in codes if a < b}
    for text in outputs:
        for s in sums:
            assert money(s) not in text, f"a sum across currencies ({money(s)}) is shown"


# --- A1: report, ingest, coverage, confidence line --------------------------------------------

@pytest.fixture(scope="module")
def gcp_dir(tmp_path_factory) -> Path:
    cwd = tmp_path_factory.mktemp("gcp4")
    r = ccf("--db", "g.duckdb", "ingest", str(GCP_FLAT), cwd=cwd)
    (cwd / "ingest.txt").write_text(r.stdout)
    return cwd


def test_ingest_summary_gives_the_cost_per_currency(gcp_dir):
    expected = gcp_costs(GCP_FLAT)
    assert len(expected) == 4
    line = (gcp_dir / "ingest.txt").read_text().splitlines()[-1]
    assert line.endswith("billed cost in 4 currencies (not added): " + "; ".join(
        f"{c} {money(v)}" for c, v in expected.items())), line
    _no_sum_anywhere([line], expected)
    with api.open_db(gcp_dir / "x.duckdb") as db:
        res = api.ingest_gcp_billing(db, [str(GCP_FLAT)])
    assert res.cost_total is None
    assert {c: Decimal(str(v)).quantize(CENT) for c, v in res.costs} == expected


def test_report_totals_per_currency_in_every_format(gcp_dir):
    expected = gcp_costs(GCP_FLAT)
    out = {fmt: ccf("--db", "g.duckdb", "report", "--by", "service", "--format", fmt,
                    cwd=gcp_dir) for fmt in ("table", "md", "html", "json", "csv")}
    table = out["table"].stdout.splitlines()
    for code, cost in expected.items():
        # a total row per currency (the report is grouped by currency and service)
        assert any(re.fullmatch(rf"TOTAL {code}\s+{re.escape(money(cost))}\s.*", ln)
                   for ln in table), code
        assert f"| **TOTAL {code}** |  | **{money(cost)}** |" in out["md"].stdout
        assert (f'<th scope="row" colspan="2">Total {code}</th><td class="num">{money(cost)}'
                f"</td>") in out["html"].stdout
    total = [ln for ln in table if re.match(r"TOTAL\s", ln)][-1]
    assert re.match(r"TOTAL\s+4 currencies\s+[\d,.]+", total), total
    assert "| **TOTAL** |  | **4 currencies** |" in out["md"].stdout
    # CSV and JSON rows: the costs of each currency add up to the file's, to the cent
    rows = list(csv.DictReader(out["csv"].stdout.splitlines()))
    per: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        per[r["currency"]] += Decimal(r["cost"])
    assert _cents(per) == expected
    doc = json.loads(out["json"].stdout)
    assert doc["currency"] is None and doc["keys"] == ["currency", "service"]
    covered: dict[str, Decimal] = defaultdict(Decimal)
    for c in doc["coverage"]:
        covered[c["currency"]] += Decimal(str(c["cost"]))
    assert _cents(covered) == expected
    _no_sum_anywhere([o.stdout + o.stderr for o in out.values()], expected)


def test_not_estimated_costs_are_named_per_currency(gcp_dir):
    """The confidence line's "Not estimated: ... costing" gives one amount per currency,
    each that of the currency's not-estimated coverage rows (JSON), never their sum."""
    doc = json.loads(ccf("--db", "g.duckdb", "report", "--by", "currency", "--format", "json",
                         cwd=gcp_dir).stdout)
    missing: dict[str, Decimal] = defaultdict(Decimal)
    for c in doc["coverage"]:
        if c["estimate_path"] in ("none", "not_estimable"):
            missing[c["currency"]] += Decimal(str(c["cost"]))
    if not missing:
        pytest.skip("every usage row of the sample is estimated")
    costing = doc["confidence"].split("costing ", 1)[1].split(" (", 1)[0]
    shown = {c: Decimal(v.replace(",", "")) for c, v in AMOUNT.findall(costing)}
    assert shown == _cents(missing)
    _no_sum_anywhere([doc["confidence"]], _cents(missing))
    assert "of the usage cost in each currency" in doc["confidence"]


def test_azure_usd_and_eur_are_never_one_total(tmp_path):
    expected = azure_costs(AZ_GPU)
    assert expected == {"EUR": Decimal("20.00"), "USD": Decimal("1000.00")}
    ing = ccf("--db", "a.duckdb", "ingest", "azure-export", str(AZ_GPU), cwd=tmp_path)
    assert ing.stdout.rstrip().endswith(
        "cost in 2 currencies (not added): EUR 20.00; USD 1,000.00"), ing.stdout
    md = ccf("--db", "a.duckdb", "report", "--by", "service", "--format", "md", cwd=tmp_path)
    text = ccf("--db", "a.duckdb", "report", "--by", "currency", cwd=tmp_path)
    assert "| **TOTAL** |  | **2 currencies** |" in md.stdout
    assert re.search(r"^TOTAL\s+2 currencies\s", text.stdout, re.M)
    # energy and CO2e do add up: the total row's are the rows' sums
    rows = json.loads(ccf("--db", "a.duckdb", "report", "--by", "currency", "--format", "json",
                          cwd=tmp_path).stdout)["rows"]
    kg = sum(Decimal(str(r["co2e_total_kg"])) for r in rows)
    assert f"{kg:,.3f}" in re.search(r"^TOTAL.*$", text.stdout, re.M).group(0)
    # compare region: the usage as billed has no single cost; the note gives both
    comp = json.loads(ccf("--db", "a.duckdb", "compare", "region", "--to", "swedencentral",
                          "--format", "json", cwd=tmp_path).stdout)
    assert [r["cost"] for r in comp["rows"]] == [None, None]
    note = next(n for n in comp["notes"] if "currencies" in n)
    assert "EUR 20.00; USD 1,000.00" in note
    _no_sum_anywhere([ing.stdout, md.stdout, md.stderr, text.stdout, json.dumps(comp)],
                     expected)


# --- B12: the monthly report of bills in two currencies ---------------------------------------

CUR_HEADER = ["lineItem/UsageStartDate", "lineItem/LineItemType", "lineItem/ProductCode",
              "lineItem/UsageType", "pricing/unit", "lineItem/UsageAmount",
              "lineItem/UnblendedCost", "product/vcpu", "product/region", "lineItem/ResourceId",
              "lineItem/CurrencyCode", "bill/PayerAccountId", "lineItem/UsageAccountId"]


def _month_rows(month: str, usd_hours: int, eur_s3: str) -> list[dict]:
    """A USD payer (EC2, NAT gateway, S3 in us-east-1) and a EUR payer (EC2, S3 in
    eu-west-1); lines on the 1st and 3rd, none on the 2nd."""
    usd = {"lineItem/CurrencyCode": "USD", "payer": "1", "account": "1"}
    eur = {"lineItem/CurrencyCode": "EUR", "payer": "2", "account": "2"}
    return [
        {**usd, "start": f"{month}-01T00:00:00Z", "service": "AmazonEC2",
         "usage_type": "BoxUsage:m5.large", "unit": "Hrs", "amount": str(usd_hours),
         "cost": f"{Decimal('0.096') * usd_hours:.2f}", "vcpu": "2", "region": "us-east-1",
         "resource": "i-1"},
        {**usd, "start": f"{month}-03T00:00:00Z", "service": "AmazonEC2",
         "usage_type": "NatGateway-Hours", "unit": "Hrs", "amount": "24", "cost": "1.08",
         "region": "us-east-1", "resource": "nat-1"},
        {**usd, "start": f"{month}-03T00:00:00Z", "service": "AmazonS3",
         "usage_type": "TimedStorage-ByteHrs", "unit": "GB-Mo", "amount": "100",
         "cost": "2.30", "region": "us-east-1", "resource": "bucket-us"},
        {**eur, "start": f"{month}-01T00:00:00Z", "service": "AmazonEC2",
         "usage_type": "EU-BoxUsage:m5.large", "unit": "Hrs", "amount": "24", "cost": "2.10",
         "vcpu": "2", "region": "eu-west-1", "resource": "i-2"},
        {**eur, "start": f"{month}-03T00:00:00Z", "service": "AmazonS3",
         "usage_type": "EU-TimedStorage-ByteHrs", "unit": "GB-Mo", "amount": "100",
         "cost": eur_s3, "region": "eu-west-1", "resource": "bucket-eu"},
    ]


def cur_costs(path: Path) -> dict[str, Decimal]:
    return column_costs(path, "lineItem/CurrencyCode", "lineItem/UnblendedCost")


@pytest.fixture(scope="module")
def two_currencies(tmp_path_factory):
    d = tmp_path_factory.mktemp("eurusd")
    sep = write_cur(d / "sep.csv", _month_rows("2026-09", 24, "2.00"), CUR_HEADER)
    octo = write_cur(d / "oct.csv", _month_rows("2026-10", 48, "2.20"), CUR_HEADER)
    with api.open_db(d / "m.duckdb") as db:
        api.ingest_aws_cur(db, [str(sep), str(octo)])
        monthly = api.monthly_report(db, month="2026-10")
        per_currency = api.report(db, by="currency", month="2026-10")
    return monthly, per_currency, cur_costs(sep), cur_costs(octo)


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def test_monthly_headline_gives_each_currency_its_cost_and_change(two_currencies):
    monthly, per_currency, sep, octo = two_currencies
    md = render_markdown(monthly)
    assert set(octo) == {"EUR", "USD"}
    for code in octo:
        change = (octo[code] - sep[code]) / sep[code]
        assert f"| Cost | {money(octo[code])} {code} | {float(change):+.1%} |" in md
    # kg CO2e per 1,000 of each currency: that currency's lines' CO2e over their cost
    rows = {r[0]: r for r in per_currency.rows}  # currency, cost, energy, ..., total kg
    for code in octo:
        shown = re.search(rf"\| CO₂e per 1,000 {code} \| ([\d.,]+) kg CO₂e \|", md).group(1)
        assert _number(shown) == pytest.approx(1000 * rows[code][6] / float(octo[code]),
                                               rel=5e-3)
    # energy and CO2e are totals over both currencies
    kg = re.search(r"\| Total CO₂e \| ([\d.,]+) kg CO₂e \|", md).group(1)
    assert _number(kg) == pytest.approx(sum(r[6] for r in rows.values()), rel=5e-3)
    assert "cost" not in monthly.totals
    _no_sum_anywhere([md, render_html(monthly)], octo)
    _no_sum_anywhere([md, render_html(monthly)], sep)


def test_monthly_tables_keep_costs_apart(two_currencies):
    monthly, _, _, octo = two_currencies
    md = render_markdown(monthly)
    headers = [h for h in md_headers(md) if "| Cost |" in h]
    assert len(headers) >= 7  # service, region, account, usage class, day, resources, coverage
    for h in headers:
        assert "| Currency |" in h, h  # a cost column only beside its currency
    for code, cost in octo.items():
        assert f"| **TOTAL {code}** |  | **{money(cost)}** |" in md  # by service
    # the daily trend: every day, each currency's row; the 2nd had no line (zero)
    for code in octo:
        assert f"| 2026-10-02 | {code} | 0.00 | 0.000 |" in md
    # coverage per estimation path and currency: each currency's rows give its cost
    covered: dict[str, Decimal] = defaultdict(Decimal)
    for c in monthly.coverage:
        covered[c.currency] += Decimal(str(c.cost))
    assert _cents(covered) == octo
    # top movers compare CO2e per service over both currencies (no currency key)
    assert monthly.mover_keys == ("service",)


def test_monthly_html_cards_and_tables_per_currency(two_currencies):
    monthly, _, sep, octo = two_currencies
    html = render_html(monthly)
    for code in octo:
        change = float((octo[code] - sep[code]) / sep[code])
        assert (f'<div class="label">Cost</div><div class="value">{money(octo[code])}'
                f'<span class="unit">{code}</span></div><div class="delta">{change:+.1%} vs '
                "Sep 2026</div>") in html
        assert (f'<th scope="row" colspan="2">Total {code}</th><td class="num">'
                f"{money(octo[code])}</td>") in html
    assert '<td class="num">2 currencies</td>' in html
    # the daily figures' table keeps its currency column
    daily = html.split("<summary>Daily figures", 1)[1].split("</details>", 1)[0]
    assert '<th scope="col">Day</th><th scope="col">Currency</th>' in daily


def test_a_month_in_another_currency_than_the_month_before(tmp_path):
    """CO2e and energy compare with the month before whatever the currency; the cost only
    within one currency."""
    sep = write_cur(tmp_path / "sep.csv", [r for r in _month_rows("2026-09", 24, "2.00")
                                           if r["lineItem/CurrencyCode"] == "EUR"], CUR_HEADER)
    octo = write_cur(tmp_path / "oct.csv", [r for r in _month_rows("2026-10", 24, "2.00")
                                            if r["lineItem/CurrencyCode"] == "USD"], CUR_HEADER)
    with api.open_db(tmp_path / "m.duckdb") as db:
        api.ingest_aws_cur(db, [str(sep), str(octo)])
        md = render_markdown(api.monthly_report(db, month="2026-10"))
    usd = cur_costs(octo)["USD"]
    assert f"| Cost | {money(usd)} USD | \u2013 |" in md
    assert re.search(r"\| Total CO₂e \| [\d.,]+ kg CO₂e \| [+-]\d+\.\d% \|", md)
    assert "| Cost (USD) |" in md  # one currency: the columns name it


# --- C1: every cost column of the bundled example names its currency ------------------------

def test_example_report_cost_columns_name_the_currency():
    md = (ROOT / "reports" / "example" / "report.md").read_text(encoding="utf-8")
    cells = [c.strip() for ln in md_headers(md) for c in ln.split("|")
             if c.strip().startswith("Cost")]
    assert cells and set(cells) == {"Cost (USD)"}, set(cells)
    html = (ROOT / "reports" / "example" / "report.html").read_text(encoding="utf-8")
    heads = re.findall(r'<th scope="col" class="num">(Cost[^<]*)</th>', html)
    assert len(heads) == 8 and set(heads) == {"Cost (USD)"}


def test_rows_zero_everywhere_fold_within_their_currency():
    from ccf_py.model import ReportTable
    from ccf_py.report.monthly import fold_zero_rows

    zero = (0.0,) * 6
    table = ReportTable(("currency", "service"), (
        ("EUR", "EC2", 2.0, 1.0, 0.0, 0.3, 0.1, 0.4), ("EUR", "A", *zero), ("EUR", "B", *zero),
        ("USD", "EC2", 3.0, 1.0, 0.0, 0.3, 0.1, 0.4), ("USD", "C", *zero)), "default")
    folded = fold_zero_rows(table)
    assert [r[:2] for r in folded.rows] == [
        ("EUR", "EC2"), ("USD", "EC2"), ("USD", "C"),
        ("EUR", "other (2 with no cost, energy or CO\u2082e)")]
    # the folded row stays in its currency: still two currencies, each its own cost
    assert folded.row_currencies() == ("EUR", "USD")
    assert {c: t["cost"] for c, t in folded.totals_by_currency().items()} == {
        "EUR": 2.0, "USD": 3.0}
