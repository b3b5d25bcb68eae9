-- One invoice month of a Cloud Billing export table (standard or detailed), summed in
-- BigQuery so that only aggregated rows travel (as Cloud Carbon Footprint's BillingExportTable
-- query does, here also per billing account, cost type, currency and invoice month, with list
-- cost and credits, so that costs reconcile to the export).
-- BigQuery Standard SQL. ccf_py fills in the two placeholders in capitals: the table (a checked
-- PROJECT.DATASET.TABLE) and the month ('YYYYMM'); tests run this text on DuckDB via sqlglot.
SELECT
  TIMESTAMP_TRUNC(e.usage_start_time, DAY) AS usage_day,
  e.billing_account_id AS billing_account_id,
  e.project.id AS project_id,
  e.service.description AS service_description,
  e.sku.description AS sku_description,
  e.usage.unit AS usage_unit,
  e.usage.pricing_unit AS pricing_unit,
  IFNULL(e.location.region, e.location.location) AS region,
  machine_spec.value AS machine_spec,
  cores.value AS cores,
  e.cost_type AS cost_type,
  e.currency AS currency,
  e.invoice.month AS invoice_month,
  SUM(e.usage.amount) AS usage_amount,
  SUM(e.usage.amount_in_pricing_units) AS pricing_amount,
  SUM(e.cost) AS cost,
  SUM(e.cost_at_list) AS cost_at_list,
  SUM(IFNULL((SELECT SUM(c.amount) FROM UNNEST(e.credits) AS c), 0)) AS credits
FROM `__TABLE__` AS e
LEFT JOIN UNNEST(e.system_labels) AS machine_spec
  ON machine_spec.key = 'compute.googleapis.com/machine_spec'
LEFT JOIN UNNEST(e.system_labels) AS cores
  ON cores.key = 'compute.googleapis.com/cores'
WHERE e.invoice.month = '__INVOICE_MONTH__'
GROUP BY usage_day, billing_account_id, project_id, service_description, sku_description,
  usage_unit, pricing_unit, region, machine_spec, cores, cost_type, currency, invoice_month
