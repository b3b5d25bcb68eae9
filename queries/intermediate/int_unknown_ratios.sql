-- int_unknown_ratios: kWh per unit of cost learned from rows estimated directly
-- (CCF UnknownEstimator), per billing period at three levels: service+unit, unit, all usage.
-- ccf counts CCF's "embodied kWh" in, as CCF does (quirk Q1). A small table: it is
-- materialised so the per-row model can stream.
WITH known AS (
    SELECT billing_period, service, ratio_unit,
           sum(direct_kwh + CASE WHEN $methodology = 'ccf'
                                 THEN ccf_embodied_as_kwh(embodied_kg, gco2e_per_kwh)
                                 ELSE 0 END) AS kwh,
           sum(ratio_cost) AS cost
    FROM int_usage_lines WHERE estimate_path IN ('direct', 'fallback')
    GROUP BY ALL
)
SELECT 'service_unit' AS level, billing_period, service, ratio_unit, kwh / cost AS kwh_per_cost
FROM known WHERE cost > 0
UNION ALL
SELECT 'unit', billing_period, NULL, ratio_unit, sum(kwh) / sum(cost)
FROM known GROUP BY billing_period, ratio_unit HAVING sum(cost) > 0
UNION ALL
SELECT 'all_usage', billing_period, NULL, NULL, sum(kwh) / sum(cost)
FROM known GROUP BY billing_period HAVING sum(cost) > 0
