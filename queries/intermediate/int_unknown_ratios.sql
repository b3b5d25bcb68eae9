-- int_unknown_ratios: for every (billing period, service, unit) that has rows estimated from
-- cost, the kWh per unit of cost to use (CCF UnknownEstimator), learned from the rows
-- estimated directly in the same billing period.
--   ccf:     the unit's ratio only (CCF's service match never fires, quirk Q8); a unit never
--            seen among known rows gives 0 kWh; CCF's "embodied kWh" counts in (quirk Q1).
--   default: same service and unit, else the unit, else all usage of the period.
WITH known AS (
    SELECT billing_period, service, ratio_unit,
           sum(direct_kwh + CASE WHEN $methodology = 'ccf' THEN ccf_embodied_kwh ELSE 0 END)
               AS kwh,
           sum(ratio_cost) AS cost
    FROM int_usage_agg WHERE estimate_path IN ('direct', 'fallback')
    GROUP BY ALL
),
by_service_unit AS (
    SELECT billing_period, service, ratio_unit, kwh / cost AS kwh_per_cost
    FROM known WHERE cost > 0
),
by_unit AS (
    SELECT billing_period, ratio_unit, sum(kwh) / sum(cost) AS kwh_per_cost
    FROM known GROUP BY ALL HAVING sum(cost) > 0
),
by_period AS (
    SELECT billing_period, sum(kwh) / sum(cost) AS kwh_per_cost
    FROM known GROUP BY ALL HAVING sum(cost) > 0
),
wanted AS (
    SELECT DISTINCT billing_period, service, ratio_unit
    FROM int_usage_agg WHERE estimate_path = 'from_cost'
)
SELECT w.billing_period, w.service, w.ratio_unit,
       CASE WHEN $methodology = 'ccf' THEN coalesce(u.kwh_per_cost, 0)
            ELSE coalesce(s.kwh_per_cost, u.kwh_per_cost, p.kwh_per_cost, 0) END
           AS kwh_per_cost,
       CASE WHEN $methodology = 'ccf' AND u.kwh_per_cost IS NOT NULL THEN 'unit'
            WHEN $methodology = 'ccf' THEN 'no_known_rows'
            WHEN s.kwh_per_cost IS NOT NULL THEN 'service_unit'
            WHEN u.kwh_per_cost IS NOT NULL THEN 'unit'
            WHEN p.kwh_per_cost IS NOT NULL THEN 'all_usage'
            ELSE 'no_known_rows' END AS ratio_basis
FROM wanted w
LEFT JOIN by_service_unit s
  ON s.billing_period = w.billing_period AND s.service IS NOT DISTINCT FROM w.service
 AND s.ratio_unit IS NOT DISTINCT FROM w.ratio_unit
LEFT JOIN by_unit u
  ON u.billing_period = w.billing_period AND u.ratio_unit IS NOT DISTINCT FROM w.ratio_unit
LEFT JOIN by_period p ON p.billing_period = w.billing_period
