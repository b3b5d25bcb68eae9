-- int_billed_rows: the billed lines of the requested billing period (or all) with the cost a
-- kWh-per-cost ratio is learned from or applied to (ratio_cost). A view over raw_aws_cur.
-- Parameters: $methodology ('default' | 'ccf'), $month (DATE of a billing period, or NULL).
--   ccf:     blended cost, as CCF's query sums it;
--   default: the public on-demand cost (discounts do not change carbon), but usage billed
--            nothing as such (free tier: line type Usage at zero cost) is not priced at list
--            cost: no cost, nothing to extrapolate from or to.
-- priced: the line carries a cost (only those teach a ratio: free-tier kWh would inflate it);
-- a flag of the line, so sums of lines whose costs cancel still count as priced.
SELECT *, ratio_cost <> 0 AS priced
FROM (
    SELECT *,
           CASE WHEN $methodology = 'ccf' THEN coalesce(blended_cost, unblended_cost)
                WHEN line_item_type = 'Usage' AND unblended_cost = 0 THEN 0
                ELSE coalesce(public_on_demand_cost, unblended_cost) END AS ratio_cost,
           1 AS lines,
           NULL AS pre_key
    FROM raw_aws_cur
    WHERE $month IS NULL OR billing_period = $month
)
