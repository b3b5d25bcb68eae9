"""The billing table every ingestor writes: one row per billed line, any provider.

Column names are FOCUS's (FinOps Open Cost and Usage Specification, 1.x) in snake case, so a
FinOps reader recognises them; what FOCUS has no column for starts with ``x_`` (FOCUS's rule
for custom columns). Units are FOCUS's: costs in ``billing_currency``, ``consumed_quantity`` in
``consumed_unit`` (normalized; ``pricing_unit`` keeps the source's own spelling).

| column | FOCUS | AWS CUR source |
|---|---|---|
| provider_name | ProviderName | 'aws' |
| billing_account_id | BillingAccountId | bill/PayerAccountId |
| sub_account_id | SubAccountId | lineItem/UsageAccountId |
| billing_period_start | BillingPeriodStart (date) | bill/BillingPeriodStartDate |
| charge_period_start | ChargePeriodStart | lineItem/UsageStartDate |
| charge_period_end | ChargePeriodEnd | lineItem/UsageEndDate |
| charge_category | ChargeCategory | from lineItem/LineItemType |
| service_name | ServiceName | lineItem/ProductCode |
| x_usage_type | (SKU) | lineItem/UsageType |
| region_id | RegionId | product/regionCode, product/region |
| consumed_quantity | ConsumedQuantity | lineItem/UsageAmount |
| consumed_unit | ConsumedUnit | pricing/unit, normalized (coefficients/units.csv) |
| pricing_unit | PricingUnit | pricing/unit as written |
| billed_cost | BilledCost | lineItem/UnblendedCost |
| effective_cost | EffectiveCost | SP/RI effective cost on covered usage, else unblended |
| list_cost | ListCost | pricing/publicOnDemandCost |
| billing_currency | BillingCurrency | lineItem/CurrencyCode |
| x_line_item_type | – | lineItem/LineItemType |
| x_blended_cost | – | lineItem/BlendedCost |
| x_instance_type | – | product/instanceType |
| x_vcpus | – | product/vcpu |
| resource_id | ResourceId | lineItem/ResourceId |
| tags | Tags (JSON) | resourceTags/* |
| x_line_id | – | identity/LineItemId (the source's own line id; NULL where a source has none) |
| x_pricing_quantity | PricingQuantity | NULL (GCP: usage.amount_in_pricing_units) |
| x_pricing_unit | PricingUnit | NULL (GCP: usage.pricing_unit, e.g. hour) |

``x_pricing_quantity`` / ``x_pricing_unit`` are kept where a source prices usage in another
unit than it measures it (GCP bills seconds at a price per hour; FOCUS files' PricingQuantity
and PricingUnit): the FOCUS export writes them back. Estimates never read them
(``pricing_unit`` is the classifiers' key).
"""

from __future__ import annotations

TABLE = "billed_lines"
# per-row estimates a user stored with ``ccf-py estimate`` (ccf_py.finops.persist); a reload
# of a month deletes that month's rows (ccf_py.ingest.load), as they describe the old data
ESTIMATES_TABLE = "carbon_estimates"

DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    provider_name VARCHAR NOT NULL,
    billing_account_id VARCHAR, sub_account_id VARCHAR,
    billing_period_start DATE NOT NULL, charge_period_start TIMESTAMP,
    charge_period_end TIMESTAMP,
    charge_category VARCHAR, service_name VARCHAR, x_usage_type VARCHAR, region_id VARCHAR,
    consumed_quantity DOUBLE, consumed_unit VARCHAR, pricing_unit VARCHAR,
    billed_cost DOUBLE, effective_cost DOUBLE, list_cost DOUBLE, billing_currency VARCHAR,
    x_line_item_type VARCHAR, x_blended_cost DOUBLE, x_instance_type VARCHAR, x_vcpus DOUBLE,
    resource_id VARCHAR, tags JSON, source_file VARCHAR, load_id BIGINT);
-- added by ccf_py 0.2 (issue 7): billing tables written before it get the column
ALTER TABLE billed_lines ADD COLUMN IF NOT EXISTS charge_period_end TIMESTAMP;
-- added for the FOCUS export (issue 8): the source's line id, so carbon columns join back
ALTER TABLE billed_lines ADD COLUMN IF NOT EXISTS x_line_id VARCHAR;
-- added for the FOCUS export's PricingQuantity / PricingUnit (GCP prices seconds per hour)
ALTER TABLE billed_lines ADD COLUMN IF NOT EXISTS x_pricing_quantity DOUBLE;
ALTER TABLE billed_lines ADD COLUMN IF NOT EXISTS x_pricing_unit VARCHAR;
CREATE TABLE IF NOT EXISTS ingest_log (
    load_id BIGINT, loaded_at TIMESTAMP, source VARCHAR, files INTEGER, rows BIGINT,
    billing_periods VARCHAR, replaced_rows BIGINT);
"""
