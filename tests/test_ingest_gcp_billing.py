"""Ingest of Google Cloud billing exports: formats, mapping, credits, reconciliation, bad
input, reloads, gs:// and the BigQuery path (local stand-ins, see tests/gcp_stubs.py)."""

from __future__ import annotations

import csv
import gzip
import json
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from ccf_py import api
from ccf_py.cli import main
from ccf_py.errors import InputError, MissingColumnError, SourceError
from ccf_py.ingest import gcp_billing
from tests import gcp_stubs

FIX = Path(__file__).parent / "fixtures"
GCP = FIX / "gcp"
PARITY = GCP / "gcp_input.jsonl"
PSOCUDS = GCP / "gcp_billing_export_v1_rows_psocuds.ndjson"
FLAT = GCP / "gcp_detailed_export_synth_flat_psofinopsagent.csv"
NESTED = GCP / "gcp_detailed_export_synth_nested_psofinopsagent.ndjson"
CENT = Decimal("0.01")


# ----------------------------------------------------------------- independent computations

def _lines(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [json.loads(t, parse_float=Decimal) for t in fh if t.strip()]


def _json_totals(path: Path) -> dict[str, tuple[Decimal, Decimal]]:
    """currency -> (sum of cost, sum of credits), with Python's json and Decimal."""
    out: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in _lines(path):
        out[line["currency"]][0] += Decimal(str(line["cost"]))
        out[line["currency"]][1] += sum((Decimal(str(c["amount"]))
                                         for c in line.get("credits") or []), Decimal(0))
    return {k: (v[0], v[1]) for k, v in out.items()}


def _csv_totals(path: Path) -> dict[str, tuple[Decimal, Decimal]]:
    out: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            credits = json.loads(row["credits"] or "[]", parse_float=Decimal)
            out[row["currency"]][0] += Decimal(row["cost"])
            out[row["currency"]][1] += sum((Decimal(str(c["amount"])) for c in credits),
                                           Decimal(0))
    return {k: (v[0], v[1]) for k, v in out.items()}


def _table_totals(db: api.Database) -> dict[str, Decimal]:
    rows = db.con.execute("SELECT billing_currency, sum(billed_cost) FROM billed_lines "
                          "WHERE provider_name = 'gcp' GROUP BY 1").fetchall()
    return {cur: Decimal(str(total)).quantize(CENT) for cur, total in rows}


def _snapshot(db: api.Database, *, where: str = "true") -> list[tuple]:
    return db.con.execute(f"SELECT * EXCLUDE (load_id, source_file) FROM billed_lines "
                          f"WHERE {where} ORDER BY ALL").fetchall()


@pytest.fixture
def db(tmp_path):
    with api.open_db(tmp_path / "t.duckdb") as d:
        yield d


def _write_lines(path: Path, lines: list[dict]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def _line(**changes) -> dict:
    """A complete export line (detailed export fields), changed as asked."""
    line = {
        "billing_account_id": "01AAAA-BBBBBB-CCCCCC",
        "service": {"id": "6F81-5844-456A", "description": "Compute Engine"},
        "sku": {"id": "2E27-4F75-95CD", "description": "N2 Instance Core running in Americas"},
        "usage_start_time": "2026-05-31 23:00:00 UTC",
        "usage_end_time": "2026-06-01 00:00:00 UTC",
        "project": {"id": "proj-a", "number": "123", "name": "A", "labels": []},
        "labels": [{"key": "team", "value": "web"}, {"key": "env", "value": "prod"}],
        "system_labels": [{"key": "compute.googleapis.com/machine_spec", "value": "n2-standard-8"},
                          {"key": "compute.googleapis.com/cores", "value": "8"},
                          {"key": "compute.googleapis.com/memory", "value": "32768"}],
        "location": {"location": "us-east1", "country": "US", "region": "us-east1",
                     "zone": "us-east1-b"},
        "resource": {"name": "vm-1", "global_name": "//compute.googleapis.com/projects/a/vm-1"},
        "cost": 10.25, "currency": "USD",
        "usage": {"amount": 28800.0, "unit": "seconds", "amount_in_pricing_units": 8.0,
                  "pricing_unit": "hour"},
        "credits": [{"name": "Sustained use", "amount": -1.5, "full_name": "SUD", "id": "x",
                     "type": "SUSTAINED_USAGE_DISCOUNT"},
                    {"name": "Free tier", "amount": -0.25, "full_name": "FT", "id": "y",
                     "type": "FREE_TIER"}],
        "invoice": {"month": "202606"}, "cost_type": "regular", "cost_at_list": 12.0,
    }
    line.update(changes)
    return line


# ----------------------------------------------------------------- reconciliation


def test_parity_export_reconciles_cost_plus_credits_to_the_cent(db):
    cost, credits = _json_totals(PARITY)["USD"]
    assert (cost, credits) == (Decimal("7927.873"), Decimal("-1090.42"))  # README's totals
    res = api.ingest_gcp_billing(db, [str(PARITY)])
    assert _table_totals(db) == {"USD": Decimal("6837.45")}
    assert round(Decimal(str(res.cost_total)), 3) == cost + credits == Decimal("6837.453")
    lines = _lines(PARITY)
    with_credits = sum(1 for li in lines
                       if sum(Decimal(str(c["amount"])) for c in li["credits"]) != 0)
    by_category = dict(db.con.execute("SELECT charge_category, count(*) FROM billed_lines "
                                      "GROUP BY 1").fetchall())
    kinds = Counter(li["cost_type"] for li in lines)
    assert by_category == {"Usage": kinds["regular"], "Tax": kinds["tax"],
                           "Adjustment": kinds["rounding_error"], "Credit": with_credits}
    assert res.rows == len(lines) + with_credits and res.billing_periods == ("2026-06",)
    credit_sum = db.con.execute("SELECT sum(billed_cost) FROM billed_lines "
                                "WHERE charge_category = 'Credit'").fetchone()[0]
    assert round(Decimal(str(credit_sum)), 2) == credits


@pytest.mark.parametrize("path, totals", [(PSOCUDS, _json_totals), (NESTED, _json_totals),
                                          (FLAT, _csv_totals)])
def test_samples_reconcile_per_currency(db, path, totals):
    expected = {cur: (c + k).quantize(CENT) for cur, (c, k) in totals(path).items()}
    api.ingest_gcp_billing(db, [str(path)])
    assert _table_totals(db) == expected
    assert len(expected) == (4 if path != PSOCUDS else 1)  # the synthetic export mixes four


def test_flattened_csv_and_nested_json_give_the_same_table(tmp_path):
    snaps = []
    for path in (FLAT, NESTED):
        with api.open_db(tmp_path / f"{path.suffix}.duckdb") as db:
            api.ingest_gcp_billing(db, [str(path)])
            snaps.append(_snapshot(db))
    assert snaps[0] == snaps[1] and len(snaps[0]) > 500


def test_parquet_gzip_and_dotted_csv_load_like_the_json(tmp_path):
    con = duckdb.connect()
    columns = ", ".join(f"'{k}': '{v}'" for k, v in gcp_billing.JSON_COLUMNS.items())
    parquet = tmp_path / "export.parquet"
    # nested Parquet as BigQuery exports it: records as STRUCTs, repeated records as LISTs,
    # usage_start_time as a TIMESTAMP WITH TIME ZONE
    con.execute(f"COPY (SELECT * REPLACE (CAST(usage_start_time AS TIMESTAMPTZ) AS "
                f"usage_start_time) FROM read_json('{PARITY}', format='newline_delimited', "
                f"columns={{{columns}}})) TO '{parquet}' (FORMAT parquet)")
    gz = tmp_path / "export.json.gz"
    gz.write_bytes(gzip.compress(PARITY.read_bytes()))
    dotted = tmp_path / "export.csv"  # flattened with dots, credits and labels as JSON text
    with FLAT.open(newline="", encoding="utf-8") as fh, dotted.open("w", newline="") as out:
        rows = list(csv.reader(fh))
        rename = {"service_description": "service.description", "usage_amount": "usage.amount",
                  "sku_description": "sku.description", "location_region": "location.region"}
        csv.writer(out).writerows([[rename.get(h, h) for h in rows[0]], *rows[1:]])
    snaps = {}
    for path in (PARITY, parquet, gz, FLAT, dotted):
        with api.open_db(tmp_path / f"{path.name}.duckdb") as db:
            api.ingest_gcp_billing(db, [str(path)])
            snaps[path.name] = _snapshot(db)
    assert snaps["export.parquet"] == snaps["gcp_input.jsonl"] == snaps["export.json.gz"]
    assert snaps["export.csv"] == snaps[FLAT.name]


# ----------------------------------------------------------------- mapping


def test_mapping_of_one_line_and_its_credit_row(db, tmp_path):
    path = _write_lines(tmp_path / "one.jsonl", [_line()])
    api.ingest_gcp_billing(db, [str(path)])
    rows = db.con.execute(
        "SELECT * EXCLUDE (load_id, source_file, tags), tags::VARCHAR FROM billed_lines "
        "ORDER BY charge_category DESC").fetchall()
    cols = [d[0] for d in db.con.description]
    usage, credit = (dict(zip(cols, r, strict=True)) for r in rows)
    from datetime import date, datetime
    assert usage == {
        "provider_name": "gcp", "billing_account_id": "01AAAA-BBBBBB-CCCCCC",
        "sub_account_id": "proj-a",
        "billing_period_start": date(2026, 6, 1),  # invoice month, not the usage month (May)
        "charge_period_start": datetime(2026, 5, 31, 23, 0),
        "charge_period_end": datetime(2026, 6, 1, 0, 0), "charge_category": "Usage",
        "service_name": "Compute Engine", "x_usage_type": "N2 Instance Core running in Americas",
        "region_id": "us-east1", "consumed_quantity": 28800.0, "consumed_unit": "Seconds",
        "pricing_unit": "seconds", "billed_cost": 10.25, "effective_cost": 10.25,
        "list_cost": 12.0, "billing_currency": "USD", "x_line_item_type": None,
        "x_blended_cost": None, "x_instance_type": "n2-standard-8", "x_vcpus": 8.0,
        "resource_id": "//compute.googleapis.com/projects/a/vm-1",
        "x_line_id": None,  # the export has no line id
        # usage.amount_in_pricing_units and usage.pricing_unit: FOCUS's PricingQuantity/Unit
        "x_pricing_quantity": 8.0, "x_pricing_unit": "hour",
        "CAST(tags AS VARCHAR)": '{"team":"web","env":"prod"}'}
    assert credit == {**usage, "charge_category": "Credit", "consumed_quantity": None,
                      "consumed_unit": None, "pricing_unit": None, "billed_cost": -1.75,
                      "effective_cost": -1.75, "list_cost": None, "x_pricing_quantity": None,
                      "x_pricing_unit": None}


def test_cost_types_region_resource_and_period_fallbacks(db, tmp_path):
    lines = [
        _line(cost_type="tax", usage={"amount": 0, "unit": None}, credits=[], labels=[],
              system_labels=[], resource=None, cost=2.0),
        _line(cost_type="adjustment", credits=[], location={"location": "us"},
              resource={"name": "bucket-1", "global_name": None}),
        _line(cost_type="rounding_error", credits=[], invoice=None, cost=0.004,
              usage_start_time="2026-07-02T10:00:00Z"),
        _line(cost_type="something_new", credits=[{"amount": 0}], cost=1.0),
    ]
    api.ingest_gcp_billing(db, [str(_write_lines(tmp_path / "k.jsonl", lines))])
    got = db.con.execute(
        "SELECT charge_category, region_id, resource_id, strftime(billing_period_start, "
        "'%Y-%m'), consumed_quantity, consumed_unit, pricing_unit, tags::VARCHAR, "
        "x_instance_type FROM billed_lines ORDER BY billed_cost").fetchall()
    assert got == [
        ("Adjustment", "us-east1", "//compute.googleapis.com/projects/a/vm-1", "2026-07",
         None, None, "seconds", '{"team":"web","env":"prod"}', "n2-standard-8"),
        ("Adjustment", "us-east1", "//compute.googleapis.com/projects/a/vm-1", "2026-06",
         None, None, "seconds", '{"team":"web","env":"prod"}', "n2-standard-8"),
        ("Tax", "us-east1", None, "2026-06", None, None, None, None, None),
        ("Adjustment", "us", "bucket-1", "2026-06", None, None, "seconds",
         '{"team":"web","env":"prod"}', "n2-standard-8"),
    ]  # ordered by cost 0.004, 1.0, 2.0, 10.25; a zero credit gives no Credit row


def test_avro_is_read_or_refused_plainly(db, tmp_path):
    path = tmp_path / "export.avro"
    path.write_bytes(b"Obj\x01 not really avro")
    with pytest.raises(InputError) as err:
        api.ingest_gcp_billing(db, [str(path)])
    # without DuckDB's avro extension: a clear message; with it: the file is not readable
    assert "export.avro" in str(err.value)
    assert "avro" in str(err.value).lower() and "\n" not in str(err.value)


# ----------------------------------------------------------------- bad input


def _unchanged(db: api.Database, before: list[tuple]) -> None:
    assert _snapshot(db) == before


@pytest.fixture
def loaded(db):
    api.ingest_gcp_billing(db, [str(PARITY)])
    return _snapshot(db)


def test_truncated_gzip_names_the_file_and_leaves_the_db(db, loaded, tmp_path):
    data = gzip.compress(PARITY.read_bytes())
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"cut\.jsonl\.gz: truncated or corrupt download"):
        api.ingest_gcp_billing(db, [str(cut)])
    _unchanged(db, loaded)


def test_broken_json_line_names_file_and_line(db, loaded, tmp_path):
    text = PARITY.read_text().splitlines()
    text[2] = text[2][:60]  # third line cut mid-record
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(text) + "\n")
    with pytest.raises(InputError) as err:
        api.ingest_gcp_billing(db, [str(path)])
    assert str(err.value).startswith("broken.jsonl, line 3: not valid JSON") or \
        str(err.value).startswith(f"{path}, line 3: not valid JSON")
    assert "\n" not in str(err.value)
    _unchanged(db, loaded)


def test_non_numeric_cost_in_json_names_line_and_field(db, tmp_path):
    path = _write_lines(tmp_path / "n.jsonl", [_line(), _line(cost="ten")])
    with pytest.raises(InputError, match=r"n\.jsonl, line 2, column 'cost': could not convert "
                                         r"'ten' to a number"):
        api.ingest_gcp_billing(db, [str(path)])
    assert db.con.execute("SELECT count(*) FROM billed_lines").fetchone()[0] == 0


def test_non_numeric_usage_amount_in_csv_names_row_and_column(db, loaded, tmp_path):
    with FLAT.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows[5][rows[0].index("usage_amount")] = "12,5 GiB"
    path = tmp_path / "bad.csv"
    with path.open("w", newline="") as out:
        csv.writer(out).writerows(rows)
    with pytest.raises(InputError, match=r"bad\.csv, line 6, column 'usage_amount': could not "
                                         r"convert '12,5 GiB'"):
        api.ingest_gcp_billing(db, [str(path)])
    _unchanged(db, loaded)


def test_non_numeric_cost_in_csv_names_row_and_column(db, tmp_path):
    with FLAT.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows[3][rows[0].index("cost")] = "n/a"
    path = tmp_path / "bad.csv"
    with path.open("w", newline="") as out:
        csv.writer(out).writerows(rows)
    with pytest.raises(InputError, match=r"line 4, column 'cost': could not convert 'n/a'"):
        api.ingest_gcp_billing(db, [str(path)])


def test_missing_cost_column_lists_the_expected_names(db, loaded, tmp_path):
    with FLAT.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    i = rows[0].index("cost")
    path = tmp_path / "nocost.csv"
    with path.open("w", newline="") as out:
        csv.writer(out).writerows([r[:i] + r[i + 1:] for r in rows])
    with pytest.raises(MissingColumnError) as err:
        api.ingest_gcp_billing(db, [str(path)])
    text = str(err.value)
    assert text.startswith(f"{path}: missing required billing export field(s) cost (")
    assert "service.description" in text and "usage_start_time" in text
    json_path = _write_lines(tmp_path / "nocost.jsonl",
                             [{k: v for k, v in _line().items() if k != "cost"}])
    with pytest.raises(MissingColumnError, match=r"nocost\.jsonl: missing required billing "
                                                 r"export field\(s\) cost"):
        api.ingest_gcp_billing(db, [str(json_path)])
    _unchanged(db, loaded)


def test_json_array_is_refused_with_the_export_option_to_use(db, tmp_path):
    path = tmp_path / "array.json"
    path.write_text(json.dumps([_line()]))
    with pytest.raises(InputError, match="NEWLINE_DELIMITED_JSON"):
        api.ingest_gcp_billing(db, [str(path)])


# ----------------------------------------------------------------- reloads


def test_reload_is_idempotent(db):
    api.ingest_gcp_billing(db, [str(PARITY)])
    first = _snapshot(db)
    res = api.ingest_gcp_billing(db, [str(PARITY)])
    assert _snapshot(db) == first and res.replaced_rows == len(first)


def test_gcp_load_never_replaces_aws_rows_of_the_same_month(db, tmp_path):
    api.ingest_aws_cur(db, [str(FIX / "aws_cur_legacy_sample.csv")])
    aws = _snapshot(db, where="provider_name = 'aws'")
    assert {r[3].strftime("%Y-%m") for r in aws} == {"2023-11"} and len(aws) == 1281
    path = _write_lines(tmp_path / "nov.jsonl", [_line(invoice={"month": "202311"},
                                                       usage_start_time="2023-11-03 10:00:00 UTC",
                                                       billing_account_id=None)])
    for _ in range(2):  # a NULL billing account matches any account, but only of gcp
        api.ingest_gcp_billing(db, [str(path)])
    assert _snapshot(db, where="provider_name = 'aws'") == aws
    assert db.con.execute("SELECT count(*) FROM billed_lines WHERE provider_name = 'gcp'"
                          ).fetchone()[0] == 2


def test_reload_replaces_only_the_same_billing_account(db, tmp_path):
    a = _write_lines(tmp_path / "a.jsonl", [_line(billing_account_id="A")])
    b = _write_lines(tmp_path / "b.jsonl", [_line(billing_account_id="B", cost=3.0)])
    api.ingest_gcp_billing(db, [str(a)])
    res = api.ingest_gcp_billing(db, [str(b)])
    assert res.replaced_rows == 0
    assert db.con.execute("SELECT count(DISTINCT billing_account_id) FROM billed_lines"
                          ).fetchone()[0] == 2


# ----------------------------------------------------------------- sources and CLI


def test_folder_and_glob_pick_export_files(db, tmp_path):
    folder = tmp_path / "exports"
    (folder / "2026-06").mkdir(parents=True)
    (folder / "2026-06" / "part-0.json.gz").write_bytes(gzip.compress(PARITY.read_bytes()))
    (folder / "README.txt").write_text("not billing")
    res = api.ingest_gcp_billing(db, [str(folder)])
    assert res.files == 1 and _table_totals(db) == {"USD": Decimal("6837.45")}
    with pytest.raises(SourceError, match="no such file"):
        api.ingest_gcp_billing(db, [str(tmp_path / "nothing-*.jsonl")])


def test_cli_loads_and_reports_errors_in_one_line(tmp_path):
    dbp = str(tmp_path / "c.duckdb")
    out = CliRunner().invoke(main, ["--db", dbp, "ingest", "gcp-billing", str(PARITY)])
    assert out.exit_code == 0, out.output
    assert "billing period(s) 2026-06" in out.output and "cost 6,837.45" in out.output
    bad = tmp_path / "x.jsonl"
    bad.write_text('{"cost": 1, "usage_start_time": "2026-06-01 00:00:00 UTC", "service": {}, '
                   '"sku": {}, "currency": "USD"\n')
    out = CliRunner().invoke(main, ["--db", dbp, "ingest", "gcp-billing", str(bad)])
    assert out.exit_code == 1 and "Traceback" not in out.output
    errors = [ln for ln in out.output.splitlines() if not ln.startswith("[1/1] loading")]
    assert len(errors) == 1 and "x.jsonl, line 1" in errors[0]
    out = CliRunner().invoke(main, ["--db", dbp, "ingest", "gcp-billing", "--table", "p.d.t"])
    assert out.exit_code == 2 and "--month" in out.output


# ----------------------------------------------------------------- gs:// (stand-in server)


@pytest.fixture
def no_google_env(monkeypatch):
    for name in ("STORAGE_EMULATOR_HOST", "CCF_PY_GCS_ENDPOINT_URL", "CCF_PY_BIGQUERY_ENDPOINT",
                 "GOOGLE_APPLICATION_CREDENTIALS", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy",
                 "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def test_gs_prefix_lists_all_pages_and_downloads(db, no_google_env, monkeypatch):
    half = PARITY.read_text().splitlines(keepends=True)
    objects = {
        ("billing", "export/2026-06/000000000000.json"): "".join(half[:40]).encode(),
        ("billing", "export/2026-06/000000000001.json.gz"): gzip.compress(
            "".join(half[40:70]).encode()),
        ("billing", "export/2026-06/000000000002.jsonl"): "".join(half[70:]).encode(),
        ("billing", "export/_manifest.txt"): b"not billing",
        ("billing", "export-old/2026-06/000.json"): PARITY.read_bytes(),  # a sibling prefix
    }
    with gcp_stubs.serve(gcp_stubs.gcs_handler(objects, page_size=2)) as (url, log):
        monkeypatch.setenv("CCF_PY_GCS_ENDPOINT_URL", url)
        res = api.ingest_gcp_billing(db, ["gs://billing/export"])
    assert res.files == 3 and _table_totals(db) == {"USD": Decimal("6837.45")}
    pages = [p for m, p in log if p.startswith("/storage/v1/b/billing/o")]
    assert len(pages) == 3 and "pageToken=2" in pages[1]  # 5 objects, 2 a page
    assert sum(p.startswith("/download/") for _, p in log) == 3
    sources = db.con.execute("SELECT DISTINCT source_file FROM billed_lines ORDER BY 1"
                             ).fetchall()
    assert sources[0] == ("gs://billing/export/2026-06/000000000000.json",)


def test_gs_missing_bucket_is_one_line(db, no_google_env, monkeypatch):
    with gcp_stubs.serve(gcp_stubs.gcs_handler({("other", "a.json"): b"{}"})) as (url, _):
        monkeypatch.setenv("STORAGE_EMULATOR_HOST", url)
        with pytest.raises(SourceError, match=r"^gs://billing/x: .*bucket not found"):
            api.ingest_gcp_billing(db, ["gs://billing/x"])


# ----------------------------------------------------------------- BigQuery


def _export_table(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """The export as a BigQuery-shaped nested table my-proj.billing.export in DuckDB."""
    cols = dict(gcp_billing.JSON_COLUMNS, usage_start_time="TIMESTAMPTZ")
    spec = ", ".join(f"'{k}': '{v}'" for k, v in cols.items())
    con.execute("SET TimeZone = 'UTC'")
    con.execute("ATTACH ':memory:' AS \"my-proj\"")
    con.execute("CREATE SCHEMA \"my-proj\".billing")
    con.execute(f"CREATE TABLE \"my-proj\".billing.export AS SELECT * FROM read_json('{path}', "
                f"format='newline_delimited', columns={{{spec}}})")


def _run_on_duckdb(con: duckdb.DuckDBPyConnection, bigquery_sql: str):
    import sqlglot

    sql = sqlglot.transpile(bigquery_sql, read="bigquery", write="duckdb")[0]
    return con.execute(f"SELECT * REPLACE (CAST(usage_day AS TIMESTAMP) AS usage_day) "
                       f"FROM ({sql}) ORDER BY ALL")


def test_bigquery_sql_sums_match_the_raw_export(tmp_path):
    from datetime import date

    from ccf_py.ingest import gcp_bigquery

    con = duckdb.connect()
    _export_table(con, PARITY)
    result = _run_on_duckdb(con, gcp_bigquery.query("my-proj.billing.export", date(2026, 6, 1)))
    names = [d[0] for d in result.description]
    rows = [dict(zip(names, r, strict=True)) for r in result.fetchall()]
    lines = _lines(PARITY)
    cost, credits = _json_totals(PARITY)["USD"]
    assert round(Decimal(str(sum(r["cost"] for r in rows))), 3) == cost
    assert round(Decimal(str(sum(r["credits"] for r in rows))), 2) == credits
    # groups as the query defines them, counted independently
    keys = {(li["usage_start_time"][:10], (li["project"] or {}).get("id"),
             li["sku"]["description"],
             (li["usage"] or {}).get("unit"), li["cost_type"],
             next((x["value"] for x in li["system_labels"]
                   if x["key"] == "compute.googleapis.com/machine_spec"), None))
            for li in lines}
    assert len(rows) == len(keys) < len(lines)
    seconds = sum(Decimal(str(li["usage"]["amount"])) for li in lines
                  if li["usage"].get("unit") == "seconds")
    assert round(Decimal(str(sum(r["usage_amount"] for r in rows
                                 if r["usage_unit"] == "seconds"))), 3) == round(seconds, 3)
    # another invoice month selects nothing
    empty = _run_on_duckdb(con, gcp_bigquery.query("my-proj.billing.export", date(2026, 5, 1)))
    assert empty.fetchall() == []


def test_bigquery_table_name_is_checked():
    from datetime import date

    from ccf_py.errors import ConfigError
    from ccf_py.ingest import gcp_bigquery

    with pytest.raises(ConfigError, match="PROJECT.DATASET.TABLE"):
        gcp_bigquery.query("p.d.t`; DROP TABLE x; --", date(2026, 6, 1))


def test_bigquery_client_path_pages_and_reconciles(db, no_google_env, monkeypatch):
    con = duckdb.connect()
    _export_table(con, NESTED)
    types = {"DOUBLE": "FLOAT", "TIMESTAMP": "TIMESTAMP", "VARCHAR": "STRING"}

    def run_sql(text: str):
        result = _run_on_duckdb(con, text)
        schema = [(d[0], types[str(d[1])]) for d in result.description]
        return schema, result.fetchall()

    with gcp_stubs.serve(gcp_stubs.bigquery_handler(run_sql, page_size=7)) as (url, log):
        monkeypatch.setenv("CCF_PY_BIGQUERY_ENDPOINT", url)
        res = api.ingest_gcp_bigquery(db, "my-proj.billing.export", "2026-04")
    pages = [p for m, p in log if "/queries/" in p and "maxResults=0" not in p]
    assert len(pages) >= 2 and any("pageToken=" in p for p in pages)
    assert res.billing_periods == ("2026-04",)
    # expected: the April invoice lines of the raw file, per currency, cost + credits
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for li in _lines(NESTED):
        if li["invoice"]["month"] == "202604":
            expected[li["currency"]] += Decimal(str(li["cost"])) + sum(
                (Decimal(str(c["amount"])) for c in li["credits"] or []), Decimal(0))
    assert _table_totals(db) == {k: v.quantize(CENT) for k, v in expected.items()}
    source = db.con.execute("SELECT DISTINCT source_file FROM billed_lines").fetchall()
    assert source == [("bigquery:my-proj.billing.export 2026-04",)]
    vcpus = db.con.execute("SELECT count(*) FROM billed_lines WHERE x_vcpus > 0").fetchone()[0]
    assert vcpus > 0  # the cores system label survived the aggregation


# ----------------------------------------------------------------- review findings: bad values


def test_invoice_month_not_yyyymm_names_file_line_and_field(db, loaded, tmp_path):
    """A blank line before the bad one: DuckDB's own line count skips it, the message may not."""
    path = tmp_path / "month.jsonl"
    path.write_text(json.dumps(_line()) + "\n\n" + json.dumps(_line(cost=1.0)) + "\n"
                    + json.dumps(_line(invoice={"month": "2026-10"})) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        api.ingest_gcp_billing(db, [str(path)])
    assert (err.value.row, err.value.column) == (4, "invoice.month")
    assert str(err.value).startswith(f"{path}, line 4, column 'invoice.month': ")
    assert "'2026-10'" in str(err.value) and "YYYYMM" in str(err.value)
    assert "\n" not in str(err.value) and "specifier" not in str(err.value)
    _unchanged(db, loaded)


def test_invoice_month_not_yyyymm_in_csv_names_line_and_column(db, loaded, tmp_path):
    with FLAT.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows[7][rows[0].index("invoice_month")] = "Oct 2026"
    path = tmp_path / "month.csv"
    with path.open("w", newline="") as out:
        csv.writer(out).writerows(rows)
    with pytest.raises(InputError) as err:
        api.ingest_gcp_billing(db, [str(path)])
    assert (err.value.row, err.value.column) == (8, "invoice_month")  # header is line 1
    assert "'Oct 2026'" in str(err.value) and "\n" not in str(err.value)
    _unchanged(db, loaded)


def test_bad_credit_amount_names_its_own_line_and_field(db, loaded, tmp_path):
    bad = [{"name": "SUD", "amount": -1.5}, {"name": "Free tier", "amount": "abc"}]
    path = _write_lines(tmp_path / "credits.jsonl",
                        [_line(), _line(credits=bad), _line(), _line()])
    with pytest.raises(InputError) as err:
        api.ingest_gcp_billing(db, [str(path)])
    assert (err.value.row, err.value.column) == (2, "credits.amount")
    assert str(err.value) == (f"{path}, line 2, column 'credits.amount': could not convert "
                              "'abc' to a number")
    _unchanged(db, loaded)


# ----------------------------------------------------------------- review findings: shapes


def _detailed_copy(path: Path, out: Path, *, skip_first: bool = False) -> Path:
    """``path``'s lines as a detailed export writes them: with a resource (BigQuery's JSON
    leaves a NULL resource out, so ``skip_first`` writes the first line without one)."""
    lines = []
    for i, line in enumerate(_lines(path)):
        if not (skip_first and i == 0):
            line["resource"] = {"name": f"r{i}", "global_name": f"//x/r{i}"}
        lines.append(json.loads(json.dumps(line, default=float)))
    return _write_lines(out, lines)


def test_standard_and_detailed_json_of_one_month_refused_together(db, loaded, tmp_path):
    detailed = _detailed_copy(PARITY, tmp_path / "detailed.jsonl")
    with pytest.raises(InputError) as err:
        api.ingest_gcp_billing(db, [str(PARITY), str(detailed)])
    text = str(err.value)
    assert "standard export" in text and "detailed export" in text
    assert "same billing account and month" in text and "\n" not in text
    _unchanged(db, loaded)
    # each alone loads (and replaces the other's month: one bill)
    api.ingest_gcp_billing(db, [str(detailed)])
    assert db.con.execute("SELECT count(*) FROM billed_lines WHERE resource_id IS NOT NULL"
                          ).fetchone()[0] == len(loaded)


def test_detailed_json_shards_with_a_first_line_lacking_resource_load_together(db, tmp_path):
    lines = _lines(PARITY)
    half = len(lines) // 2
    a = _write_lines(tmp_path / "a.jsonl", [json.loads(json.dumps(x, default=float))
                                            for x in lines[:half]])
    b = _write_lines(tmp_path / "b.jsonl", [json.loads(json.dumps(x, default=float))
                                            for x in lines[half:]])
    shard_a = _detailed_copy(a, tmp_path / "shard_a.jsonl")
    shard_b = _detailed_copy(b, tmp_path / "shard_b.jsonl", skip_first=True)
    assert "resource" not in json.loads(shard_b.read_text().splitlines()[0])
    res = api.ingest_gcp_billing(db, [str(shard_a), str(shard_b)])
    assert res.files == 2 and res.billing_periods == ("2026-06",)
    assert _table_totals(db) == {"USD": Decimal("6837.45")}


# ----------------------------------------------------------------- project labels (review C3)

def test_project_labels_are_tags_and_a_resource_label_wins(db, tmp_path):
    """FOCUS Tags hold the labels a resource inherits from its project; on a clash the line's
    own label wins."""
    line = _line(project={"id": "proj-a", "number": "123", "name": "A",
                          "labels": [{"key": "cost-center", "value": "cc-100"},
                                     {"key": "env", "value": "prod"}]},
                 labels=[{"key": "team", "value": "web"}, {"key": "env", "value": "dev"}])
    bare = _line(project={"id": "proj-b", "labels": [{"key": "cost-center", "value": "cc-200"}]},
                 labels=[], credits=[])
    api.ingest_gcp_billing(db, [str(_write_lines(tmp_path / "p.jsonl", [line, bare]))])
    got = sorted((json.loads(t) for (t,) in db.con.execute(
        "SELECT tags::VARCHAR FROM billed_lines WHERE charge_category = 'Usage'").fetchall()),
        key=len, reverse=True)
    assert got == [{"cost-center": "cc-100", "env": "dev", "team": "web"},
                   {"cost-center": "cc-200"}]


def test_flattened_csv_project_labels_join_the_lines_labels(db):
    """The flattened sample names project.labels 'labels' and the line's labels 'labels_1'
    (BigQuery's rule for a repeated output name): both are tags."""
    with FLAT.open(newline="", encoding="utf-8") as fh:
        want = Counter()
        for r in csv.DictReader(fh):
            own = {x["key"]: x["value"] for x in json.loads(r["labels_1"] or "[]")}
            project = {x["key"]: x["value"] for x in json.loads(r["labels"] or "[]")}
            want[json.dumps({**project, **own}, sort_keys=True)] += 1
    api.ingest_gcp_billing(db, [str(FLAT)])
    got = Counter(json.dumps(json.loads(t), sort_keys=True) for (t,) in db.con.execute(
        "SELECT tags::VARCHAR FROM billed_lines WHERE charge_category <> 'Credit'").fetchall())
    assert got == want
    assert any("team" in k and "cost_center" in k for k in got)
