-- int_billed_rows: the billed lines of the requested billing period (or all) with the cost a
-- kWh-per-cost ratio is learned from or applied to (ratio_cost). A view over billed_lines,
-- and the one place its FOCUS names become the estimation's words (usage_type = the AWS
-- usage type / GCP SKU / Azure meter, account_id = the sub-account, usage_amount = the
-- consumed quantity in the source's own pricing unit).
-- Parameters: $methodology ('default' | 'ccf'), $month (DATE of a billing period, or NULL).
--   ccf:     blended cost, as CCF's query sums it;
--   default: the public on-demand cost (discounts do not change carbon), but usage billed
--            nothing as such (free tier: line type Usage at zero cost) is not priced at list
--            cost: no cost, nothing to extrapolate from or to.
-- priced: the line carries a cost (only those teach a ratio: free-tier kWh would inflate it);
-- a flag of the line, so sums of lines whose costs cancel still count as priced.
-- With --intensity hourly|hourly-lca|marginal ($hourly_join etc., ccf_py.intensity) each line
-- also gets its window's series intensity (int_hourly_factors; NULL where no series covers it)
-- and the amount and cost it weighs with (h_*); with annual factors these expand to nothing.
SELECT *, ratio_cost <> 0 AS priced $billed_hourly
FROM (
    SELECT provider_name AS provider, billing_period_start AS billing_period,
           charge_period_start AS usage_start, billing_account_id AS payer_account_id,
           -- AWS's own line item type where there is one, else FOCUS's charge category
           sub_account_id AS account_id,
           coalesce(x_line_item_type, charge_category) AS line_item_type,
           service_name AS service, x_usage_type AS usage_type, region_id AS region,
           pricing_unit, consumed_quantity AS usage_amount, billed_cost AS unblended_cost,
           x_blended_cost AS blended_cost, list_cost AS public_on_demand_cost,
           x_vcpus AS vcpu, x_instance_type AS instance_type, resource_id, tags,
           billing_currency AS currency,
           CASE WHEN $methodology = 'ccf' THEN coalesce(x_blended_cost, billed_cost)
                WHEN coalesce(x_line_item_type, charge_category) = 'Usage' AND billed_cost = 0
                THEN 0
                ELSE coalesce(list_cost, billed_cost) END AS ratio_cost,
           1 AS lines,
           NULL AS pre_key,
           -- the billed line this row is (DuckDB's row id, valid within one query): the
           -- per-row estimates join back to billed_lines through it (FOCUS export, persisted
           -- estimates); never stored, as a reload may renumber rows
           billed_lines.rowid AS billed_rowid,
           -- the billed window of a resource that ccf-py measure measured (else NULL):
           -- measurements replace its GPU estimate there (int_usage_lines)
           CASE WHEN $measured_resource THEN resource_id END AS m_resource,
           CASE WHEN $measured_resource THEN charge_period_start END AS m_start,
           CASE WHEN $measured_resource THEN $charge_end END AS m_end
           $hourly_select
    FROM billed_lines $hourly_join
    WHERE $month IS NULL OR billing_period_start = $month
)
