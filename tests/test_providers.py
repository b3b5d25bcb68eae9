"""The billing table is provider-aware: reloads, usage-key classes, coefficients and the
cost-ratio estimates never cross providers; databases of an older ccf_py are upgraded."""

from __future__ import annotations

import duckdb
import pytest

from ccf_py import api
from ccf_py.errors import ConfigError
from tests.helpers import write_cur

ROWS = [  # an m5.large (direct) and a NAT gateway (from cost) in October 2026, no payer column
    {"start": "2026-10-01T00:00:00Z", "service": "AmazonEC2", "usage_type": "BoxUsage:m5.large",
     "unit": "Hrs", "amount": "24", "cost": "2.30", "vcpu": "2", "region": "us-east-1",
     "resource": "i-1"},
    {"start": "2026-10-01T00:00:00Z", "service": "AmazonEC2", "usage_type": "NatGateway-Hours",
     "unit": "Hrs", "amount": "24", "cost": "1.08", "region": "us-east-1", "resource": "nat-1"},
]
HEADER = ["lineItem/UsageStartDate", "lineItem/LineItemType", "lineItem/ProductCode",
          "lineItem/UsageType", "pricing/unit", "lineItem/UsageAmount", "lineItem/UnblendedCost",
          "product/vcpu", "product/region", "lineItem/ResourceId"]


def _other_provider_rows(con: duckdb.DuckDBPyConnection, cost: float) -> None:
    """Rows of a provider ccf_py has no classifier for yet, as a later ingestor would write
    them: same billing period, no billing account, the same service name and unit as AWS's."""
    con.execute("""INSERT INTO billed_lines (provider_name, billing_period_start,
                       charge_period_start, charge_category, x_line_item_type, service_name,
                       x_usage_type, pricing_unit, consumed_quantity, billed_cost, region_id,
                       resource_id, source_file, load_id)
                   VALUES ('other', DATE '2026-10-01', TIMESTAMP '2026-10-01', 'Usage', 'Usage',
                           'AmazonEC2', 'Gateway-Hours', 'Hrs', 24, ?, 'us-east-1', 'gw-1',
                           'other.csv', 999)""", [cost])


def _energy(db: api.Database) -> dict[str, tuple]:
    api.report(db, by="resource_id")
    return {r[0]: r[1:] for r in db.con.execute(
        "SELECT resource_id, provider, energy_kwh, estimate_path, coverage_path, rule_id "
        "FROM fct_usage_estimates").fetchall()}


def test_reload_replaces_only_its_own_provider(tmp_path):
    f = write_cur(tmp_path / "oct.csv", ROWS, HEADER)
    with api.open_db(tmp_path / "d.duckdb") as db:
        api.ingest_aws_cur(db, [str(f)])
        _other_provider_rows(db.con, 5.0)
        res = api.ingest_aws_cur(db, [str(f)])  # a NULL payer matches any AWS payer only
        assert res.replaced_rows == 2
        left = db.con.execute("SELECT provider_name, count(*) FROM billed_lines GROUP BY 1 "
                              "ORDER BY 1").fetchall()
    assert left == [("aws", 2), ("other", 1)]


def test_ratios_and_classes_stay_within_a_provider(tmp_path):
    f = write_cur(tmp_path / "oct.csv", ROWS, HEADER)
    with api.open_db(tmp_path / "d.duckdb") as db:
        api.ingest_aws_cur(db, [str(f)])
        alone = _energy(db)
        _other_provider_rows(db.con, 500.0)  # expensive: it would move a shared ratio
        mixed = _energy(db)
        by_provider = {r[0]: r[1] for r in api.report(db, by="provider").rows}
    for rid in ("i-1", "nat-1"):
        assert mixed[rid] == pytest.approx(alone[rid])
    assert alone["nat-1"][2] == "from_cost" and alone["nat-1"][1] > 0
    # no classifier for 'other': unknown usage, and no directly estimated row of its own to
    # learn a ratio from, so not estimable (never AWS's ratio)
    assert mixed["gw-1"][1:] == (0.0, "from_cost", "not_estimable", "no_classifier:other")
    assert by_provider == pytest.approx({"aws": 3.38, "other": 500.0})


OLD_DDL = """CREATE TABLE raw_aws_cur (
    billing_period DATE NOT NULL, usage_start TIMESTAMP,
    payer_account_id VARCHAR, account_id VARCHAR, line_item_type VARCHAR, service VARCHAR,
    usage_type VARCHAR, region VARCHAR, pricing_unit VARCHAR,
    usage_amount DOUBLE, unblended_cost DOUBLE, blended_cost DOUBLE,
    public_on_demand_cost DOUBLE, vcpu DOUBLE, instance_type VARCHAR, resource_id VARCHAR,
    tags JSON, source_file VARCHAR, load_id BIGINT);
CREATE TABLE ingest_log (
    load_id BIGINT, loaded_at TIMESTAMP, source VARCHAR, files INTEGER, rows BIGINT,
    billing_periods VARCHAR, replaced_rows BIGINT);"""


def test_a_database_of_ccf_py_0_1_is_upgraded(tmp_path):
    """ccf_py 0.1 kept AWS rows in raw_aws_cur (its DDL above, verbatim); opening such a
    database moves them into billed_lines, even for a read-only report, with the same
    numbers as a fresh ingest of the same file."""
    rows = [*ROWS, {**ROWS[0], "type": "Tax", "usage_type": "", "unit": "", "amount": "1",
                    "cost": "0.34", "vcpu": "", "resource": ""},
            {**ROWS[0], "type": "SavingsPlanNegation", "cost": "-2.30"}]
    f = write_cur(tmp_path / "oct.csv", rows, HEADER)
    # 0.1 kept neither the currency, the effective cost nor the charge end: NULL after the
    # upgrade
    compared = ("* EXCLUDE (load_id, source_file, effective_cost, billing_currency, "
                "charge_period_end)")
    with api.open_db(tmp_path / "new.duckdb") as db:
        api.ingest_aws_cur(db, [str(f)])
        fresh = api.report(db, by="service,usage_type")
        new_rows = db.con.execute(f"SELECT {compared} FROM billed_lines ORDER BY ALL").fetchall()
    old = tmp_path / "old.duckdb"
    con = duckdb.connect(str(old))
    con.execute(OLD_DDL)
    con.execute("""INSERT INTO raw_aws_cur BY NAME SELECT billing_period_start AS billing_period,
            charge_period_start AS usage_start, billing_account_id AS payer_account_id,
            sub_account_id AS account_id, x_line_item_type AS line_item_type,
            service_name AS service, x_usage_type AS usage_type, region_id AS region,
            pricing_unit, consumed_quantity AS usage_amount, billed_cost AS unblended_cost,
            x_blended_cost AS blended_cost, list_cost AS public_on_demand_cost, x_vcpus AS vcpu,
            x_instance_type AS instance_type, resource_id, tags, source_file, load_id
        FROM read_csv(?, header=true, columns={'billing_period_start': 'DATE',
            'charge_period_start': 'TIMESTAMP', 'billing_account_id': 'VARCHAR',
            'sub_account_id': 'VARCHAR', 'x_line_item_type': 'VARCHAR',
            'service_name': 'VARCHAR', 'x_usage_type': 'VARCHAR', 'region_id': 'VARCHAR',
            'pricing_unit': 'VARCHAR', 'consumed_quantity': 'DOUBLE', 'billed_cost': 'DOUBLE',
            'x_blended_cost': 'DOUBLE', 'list_cost': 'DOUBLE', 'x_vcpus': 'DOUBLE',
            'x_instance_type': 'VARCHAR', 'resource_id': 'VARCHAR', 'tags': 'JSON',
            'source_file': 'VARCHAR', 'load_id': 'BIGINT'})""", [str(_as_csv(tmp_path))])
    con.close()
    with api.open_db(old, read_only=True) as db:
        upgraded = api.report(db, by="service,usage_type")
        rows = db.con.execute(f"SELECT {compared} FROM billed_lines ORDER BY ALL").fetchall()
        tables = {r[0] for r in db.con.execute("SHOW TABLES").fetchall()}
        unset = db.con.execute("SELECT count(*) FROM billed_lines WHERE effective_cost IS NULL "
                               "AND billing_currency IS NULL").fetchone()[0]
    assert upgraded.rows == fresh.rows
    assert rows == new_rows
    assert {r[5] for r in rows} == {"Usage", "Tax", "Adjustment"}  # charge categories
    assert "raw_aws_cur" not in tables
    assert unset == len(rows) == 4


def _as_csv(tmp_path) -> object:
    """The fresh database's rows in 0.1's columns, written as CSV for the old database."""
    out = tmp_path / "rows.csv"
    con = duckdb.connect(str(tmp_path / "new.duckdb"), read_only=True)
    con.execute(f"COPY (SELECT billing_period_start, charge_period_start, billing_account_id, "
                "sub_account_id, x_line_item_type, service_name, x_usage_type, region_id, "
                "pricing_unit, consumed_quantity, billed_cost, x_blended_cost, list_cost, "
                "x_vcpus, x_instance_type, resource_id, tags, source_file, load_id "
                f"FROM billed_lines) TO '{out}' (HEADER)")
    con.close()
    return out


def test_aws_rows_in_focus_terms(tmp_path):
    """Charge category from the line item type (FOCUS 1.0 values), the unit normalized with
    the source's spelling kept, the currency, and the effective cost of covered usage."""
    header = [*HEADER, "lineItem/CurrencyCode", "savingsPlan/SavingsPlanEffectiveCost",
              "bill/PayerAccountId", "lineItem/UsageAccountId"]
    base = {**ROWS[0], "lineItem/CurrencyCode": "EUR", "payer": "111", "account": "222"}
    rows = [base,
            {**base, "type": "SavingsPlanCoveredUsage",
             "savingsPlan/SavingsPlanEffectiveCost": "1.50", "resource": "i-2"},
            {**base, "type": "Tax", "usage_type": "", "unit": "", "amount": "1", "cost": "0.40",
             "vcpu": "", "resource": ""},
            {**base, "type": "RIFee", "usage_type": "HeavyUsage:m5.large", "cost": "9.0",
             "resource": ""},
            {**base, "type": "SavingsPlanNegation", "cost": "-2.30", "resource": "i-2"},
            {**ROWS[1], "unit": "GB-Mo", "usage_type": "TimedStorage-ByteHrs",
             "service": "AmazonS3", "lineItem/CurrencyCode": "EUR", "payer": "111",
             "account": "222"}]
    f = write_cur(tmp_path / "focus.csv", rows, header)
    with api.open_db(tmp_path / "d.duckdb") as db:
        api.ingest_aws_cur(db, [str(f)])
        got = db.con.execute(
            "SELECT x_line_item_type, charge_category, pricing_unit, consumed_unit, "
            "billing_currency, billed_cost, effective_cost, billing_account_id, sub_account_id, "
            "provider_name FROM billed_lines ORDER BY billed_cost").fetchall()
    # FOCUS 1.0: ConsumedUnit only on usage; EffectiveCost amortized (the negation of
    # covered usage is 0; an RI fee's is its unused part, unknown without those CUR columns)
    assert got == [
        ("SavingsPlanNegation", "Adjustment", "Hrs", None, "EUR", -2.3, 0.0, "111", "222",
         "aws"),
        ("Tax", "Tax", None, None, "EUR", 0.4, 0.4, "111", "222", "aws"),
        ("Usage", "Usage", "GB-Mo", "GB-Months", "EUR", 1.08, 1.08, "111", "222", "aws"),
        ("Usage", "Usage", "Hrs", "Hours", "EUR", 2.3, 2.3, "111", "222", "aws"),
        ("SavingsPlanCoveredUsage", "Usage", "Hrs", "Hours", "EUR", 2.3, 1.5, "111", "222",
         "aws"),
        ("RIFee", "Purchase", "Hrs", None, "EUR", 9.0, None, "111", "222", "aws"),
    ]


def test_costs_in_two_currencies_are_never_added(tmp_path):
    header = [*HEADER, "lineItem/CurrencyCode", "bill/PayerAccountId"]
    usd = write_cur(tmp_path / "usd.csv", [{**r, "lineItem/CurrencyCode": "USD", "payer": "1"}
                                            for r in ROWS], header)
    eur = write_cur(tmp_path / "eur.csv", [{**ROWS[0], "lineItem/CurrencyCode": "EUR",
                                            "payer": "2", "cost": "2.00"}], header)
    with api.open_db(tmp_path / "d.duckdb") as db:
        api.ingest_aws_cur(db, [str(usd), str(eur)])
        table = api.report(db, by="service")
        one = api.report(db, by="currency")
    assert table.keys == ("currency", "service")
    assert sorted((r[0], r[1], round(r[2], 2)) for r in table.rows) == [
        ("EUR", "AmazonEC2", 2.0), ("USD", "AmazonEC2", 3.38)]
    assert table.notes[0] == ("The bills are in 2 currencies (EUR, USD); costs are never "
                              "added across them, so the report is also grouped by currency.")
    assert one.keys == ("currency",)
    assert not any("currenc" in n for n in (*table.notes[1:], *one.notes))


def test_ratios_never_mix_currencies_and_the_monthly_report_keeps_them_apart(tmp_path):
    """A JPY bill's NAT hours must not be priced with the USD bill's kWh per unit of cost."""
    header = [*HEADER, "lineItem/CurrencyCode", "bill/PayerAccountId"]
    usd = write_cur(tmp_path / "usd.csv", [{**r, "lineItem/CurrencyCode": "USD", "payer": "1"}
                                            for r in ROWS], header)
    jpy = write_cur(tmp_path / "jpy.csv", [{**r, "lineItem/CurrencyCode": "JPY", "payer": "2",
                                            "cost": str(float(r["cost"]) * 150),
                                            "resource": r["resource"] + "-jp"}
                                           for r in ROWS], header)
    with api.open_db(tmp_path / "d.duckdb") as db:
        api.ingest_aws_cur(db, [str(usd)])
        alone = _energy(db)
        api.ingest_aws_cur(db, [str(jpy)])
        both = _energy(db)
        monthly = api.monthly_report(db)  # two currencies: a cost per currency, never a sum
    assert {r[0]: round(r[1], 2) for r in monthly.by_currency.rows} == {
        "JPY": round((2.30 + 1.08) * 150, 2), "USD": 3.38}
    assert "cost" not in monthly.totals
    # the same usage at 150 times the price: the same kWh, learned within each currency
    assert both["nat-1"][1] == pytest.approx(alone["nat-1"][1], rel=1e-12)
    assert both["nat-1-jp"][1] == pytest.approx(alone["nat-1"][1], rel=1e-12)


def test_rows_without_a_currency_beside_one_currency_are_said(tmp_path):
    header = [*HEADER, "lineItem/CurrencyCode"]
    old = write_cur(tmp_path / "sep.csv", [{**r, "start": "2026-09-01T00:00:00Z"}
                                           for r in ROWS], HEADER)
    new = write_cur(tmp_path / "oct.csv", [{**r, "lineItem/CurrencyCode": "USD"} for r in ROWS],
                    header)
    with api.open_db(tmp_path / "d.duckdb") as db:
        api.ingest_aws_cur(db, [str(old), str(new)])
        table = api.report(db, by="month")
        october = api.report(db, by="month", month="2026-10")
    assert table.keys == ("month",)
    # (the first note says which months a report over all of them added up)
    assert table.notes[1] == (
        "2 billed rows have no currency recorded (a CUR without lineItem/CurrencyCode, or data "
        "loaded by ccf_py 0.1): their cost is added to the USD rows' (a '(none)' row when "
        "grouped by currency). kWh-per-cost ratios are never learned across currencies: if "
        "any is to be estimated from cost, only rows without a currency can give the ratio, "
        "else it gets no estimate.")
    assert not any("currency" in n for n in (*table.notes[2:], *october.notes))


def test_other_providers_non_usage_charges_are_non_usage(tmp_path):
    with api.open_db(tmp_path / "d.duckdb") as db:
        db.con.execute("""INSERT INTO billed_lines (provider_name, billing_period_start,
                              charge_category, service_name, billed_cost, source_file, load_id)
                          VALUES ('gcp', DATE '2026-10-01', 'Tax', 'Compute Engine', 4.2,
                                  'gcp.csv', 1)""")
        table = api.report(db, by="usage_class")
    assert [r[:2] for r in table.rows] == [("non_usage", 4.2)]
    assert {c.path for c in table.coverage} == {"non_usage"}


def test_rows_in_both_layouts_are_refused_not_merged(tmp_path):
    """An older ccf_py wrote raw_aws_cur after the upgrade: appending it would double count."""
    path = tmp_path / "d.duckdb"
    with api.open_db(path) as db:
        api.ingest_aws_cur(db, [str(write_cur(tmp_path / "oct.csv", ROWS, HEADER))])
    con = duckdb.connect(str(path))
    con.execute(OLD_DDL.split(";")[0])
    con.execute("INSERT INTO raw_aws_cur (billing_period, unblended_cost) "
                "VALUES (DATE '2026-10-01', 2.3)")
    con.close()
    with (pytest.raises(ConfigError, match="both ccf_py 0.1's raw_aws_cur and billed_lines"),
          api.open_db(path)):
        pass
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT count(*) FROM billed_lines").fetchone()[0] == 2
    con.close()
