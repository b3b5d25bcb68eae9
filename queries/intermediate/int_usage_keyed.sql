-- int_usage_keyed: for a grouped report, the billed lines summed per usage key, region, month
-- and the report's keys that need no classification ($pre_key: account, day, tags...). Every
-- estimate is linear in the usage amount and the cost within such a group (GB-months need only
-- the month), so the estimates run on these sums: one scan of the billing rows, and a join
-- of thousands of groups with the usage-key classes instead of one per billed line.
-- Priced and unpriced lines stay apart (only lines with a cost teach a ratio).
-- Hourly or marginal intensity (--intensity) does not split the month: the sums of amount x
-- intensity and cost x intensity ($keyed_hourly) carry it, as energy is linear in them.
SELECT $pre_key AS pre_key, provider, currency, billing_period,
       CAST(date_trunc('month', usage_start) AS TIMESTAMP) AS usage_start,
       service, usage_type, pricing_unit, line_item_type, vcpu, instance_type, region,
       priced,
       sum(lines) AS lines,
       sum(usage_amount) AS usage_amount,
       sum(unblended_cost) AS unblended_cost,
       sum(ratio_cost) AS ratio_cost
       $keyed_hourly,  -- --intensity: sums of amount and cost x series intensity
       $keyed_account AS account_id,  -- kept only when assumptions name accounts
       m_resource, m_start, m_end,    -- measured windows stay apart (NULL for all others)
       CAST(NULL AS BIGINT) AS billed_rowid,  -- a sum is no one billed line
       CAST(NULL AS VARCHAR) AS resource_id,
       CAST(NULL AS JSON) AS tags
FROM int_billed_rows
GROUP BY ALL
