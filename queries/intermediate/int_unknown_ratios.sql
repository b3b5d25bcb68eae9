-- int_unknown_ratios: for every (provider, billing period, service, unit) that has rows
-- estimated from cost, the kWh per unit of cost to use (CCF UnknownEstimator), learned from
-- the rows estimated directly in the same provider's billing period in the same currency
-- (never across providers or currencies: other price lists, other money).
--   ccf:     the unit's ratio only (CCF's service match never fires, quirk Q8); a unit never
--            seen among known rows gives 0 kWh; CCF's "embodied kWh" counts in (quirk Q1).
--   default: same service and unit, else the unit, else all usage of the period; a level is
--            used only when the directly estimated cost it is learned from ("base") is at
--            least ratio_min_base_cost and at least ratio_min_base_share of the cost it is
--            applied to (coefficients/constants.csv); else the next wider level. No level
--            qualifies: 0 kWh, ratio_basis 'base_too_small' (reported as not estimable).
--            Only rows that carry a cost teach a ratio (free-tier kWh would inflate it).
WITH floor AS (  -- each provider's floor
    SELECT provider,
           max(value) FILTER (key = 'ratio_min_base_cost') AS min_cost,
           max(value) FILTER (key = 'ratio_min_base_share') AS min_share
    FROM coef_constants GROUP BY provider
),
known AS (
    SELECT provider, currency, billing_period, service, ratio_unit,
           sum(CASE WHEN $methodology = 'ccf' THEN direct_kwh + ccf_embodied_kwh
                    ELSE priced_direct_kwh END) AS kwh,
           sum(ratio_cost) AS cost
    FROM int_usage_agg WHERE estimate_path IN ('direct', 'fallback') AND feeds_ratio
    GROUP BY ALL
),
wanted AS (
    SELECT provider, currency, billing_period, service, ratio_unit, sum(ratio_cost) AS cost
    FROM int_usage_agg WHERE estimate_path = 'from_cost'
    GROUP BY ALL
),
-- one row per level and group: its ratio, the base it is learned from, the cost it serves.
-- IS NOT DISTINCT FROM: a NULL service or unit is a group like any other.
by_service_unit AS (
    SELECT k.provider, k.currency, k.billing_period, k.service, k.ratio_unit,
           k.kwh / k.cost AS kwh_per_cost, k.cost AS base, w.cost AS applied
    FROM known k JOIN wanted w
      ON k.provider = w.provider AND k.currency IS NOT DISTINCT FROM w.currency
     AND k.billing_period = w.billing_period
     AND k.service IS NOT DISTINCT FROM w.service
     AND k.ratio_unit IS NOT DISTINCT FROM w.ratio_unit
    WHERE k.cost > 0
),
by_unit AS (
    SELECT k.provider, k.currency, k.billing_period, k.ratio_unit,
           k.kwh / k.cost AS kwh_per_cost,
           k.cost AS base, w.cost AS applied
    FROM (SELECT provider, currency, billing_period, ratio_unit, sum(kwh) AS kwh,
                 sum(cost) AS cost
          FROM known GROUP BY ALL) k
    JOIN (SELECT provider, currency, billing_period, ratio_unit, sum(cost) AS cost
          FROM wanted GROUP BY ALL) w
      ON k.provider = w.provider AND k.currency IS NOT DISTINCT FROM w.currency
     AND k.billing_period = w.billing_period
     AND k.ratio_unit IS NOT DISTINCT FROM w.ratio_unit
    WHERE k.cost > 0
),
by_period AS (
    SELECT k.provider, k.currency, k.billing_period, k.kwh / k.cost AS kwh_per_cost,
           k.cost AS base,
           w.cost AS applied
    FROM (SELECT provider, currency, billing_period, sum(kwh) AS kwh, sum(cost) AS cost
          FROM known GROUP BY ALL) k
    JOIN (SELECT provider, currency, billing_period, sum(cost) AS cost FROM wanted GROUP BY ALL) w
      ON k.provider = w.provider AND k.currency IS NOT DISTINCT FROM w.currency
     AND k.billing_period = w.billing_period
    WHERE k.cost > 0
),
levels AS (
    SELECT w.provider, w.currency, w.billing_period, w.service, w.ratio_unit,
           s.kwh_per_cost AS s_ratio, u.kwh_per_cost AS u_ratio, p.kwh_per_cost AS p_ratio,
           s.base >= f.min_cost AND s.base >= f.min_share * s.applied AS s_ok,
           u.base >= f.min_cost AND u.base >= f.min_share * u.applied AS u_ok,
           p.base >= f.min_cost AND p.base >= f.min_share * p.applied AS p_ok
    FROM wanted w
    LEFT JOIN floor f ON f.provider = w.provider
    LEFT JOIN by_service_unit s
      ON s.provider = w.provider AND s.currency IS NOT DISTINCT FROM w.currency
     AND s.billing_period = w.billing_period
     AND s.service IS NOT DISTINCT FROM w.service
     AND s.ratio_unit IS NOT DISTINCT FROM w.ratio_unit
    LEFT JOIN by_unit u
      ON u.provider = w.provider AND u.currency IS NOT DISTINCT FROM w.currency
     AND u.billing_period = w.billing_period
     AND u.ratio_unit IS NOT DISTINCT FROM w.ratio_unit
    LEFT JOIN by_period p
      ON p.provider = w.provider AND p.currency IS NOT DISTINCT FROM w.currency
     AND p.billing_period = w.billing_period
)
SELECT provider, currency, billing_period, service, ratio_unit,
       -- how the report counts these rows: extrapolated, or not estimable (no ratio learned)
       CASE WHEN ($methodology = 'ccf' AND u_ratio IS NULL)
              OR ($methodology <> 'ccf' AND NOT coalesce(s_ok OR u_ok OR p_ok, false))
            THEN 'not_estimable' ELSE 'from_cost' END AS coverage_path,
       CASE WHEN $methodology = 'ccf' THEN coalesce(u_ratio, 0)
            WHEN s_ok THEN s_ratio
            WHEN u_ok THEN u_ratio
            WHEN p_ok THEN p_ratio
            ELSE 0 END AS kwh_per_cost,
       CASE WHEN $methodology = 'ccf' AND u_ratio IS NOT NULL THEN 'unit'
            WHEN $methodology = 'ccf' THEN 'no_known_rows'
            WHEN s_ok THEN 'service_unit'
            WHEN u_ok THEN 'unit'
            WHEN p_ok THEN 'all_usage'
            WHEN p_ratio IS NOT NULL THEN 'base_too_small'
            ELSE 'no_known_rows' END AS ratio_basis
FROM levels
