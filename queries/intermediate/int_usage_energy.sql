-- int_usage_energy: every row of $ratio_rows with its energy: the kWh estimated directly, or
-- for rows estimated from cost, the unknown-usage ratio (int_unknown_ratios) x the row's
-- ratio cost. The one place the ratios are joined to rows; ccf_py.estimate builds it twice:
--   int_usage_energy     over int_usage_lines (one row per billed line): fct_usage_estimates
--   int_usage_agg_energy over int_usage_agg (the sums): rpt_grouped and the --intensity note
-- so the per-row and the grouped report cannot apply the ratios differently.
-- A ratio row is per provider, currency, billing period, service and ratio unit (the level it
-- was learned at, and the floor, are int_unknown_ratios' business); IS NOT DISTINCT FROM: a
-- NULL currency, service or unit is a group like any other, as it is there. Every from_cost
-- row finds its ratio row (the ratios are built for the keys of exactly these rows); other
-- rows get none and keep their directly estimated kWh.
SELECT x.*,
       r.kwh_per_cost,
       r.ratio_basis,  -- the level the ratio was learned at (per row only: not in rpt_grouped)
       -- how reports count the row: its estimate_path, but 'not_estimable' for a from_cost row
       -- whose ratio could not be learned (int_unknown_ratios says which)
       coalesce(r.coverage_path, x.estimate_path) AS coverage_path,
       ccf_usage_kwh(x.estimate_path, x.direct_kwh, r.kwh_per_cost, x.ratio_cost) AS energy_kwh
FROM $ratio_rows x
-- only rows estimated from cost take a ratio: said as an equality with a column of the ratio
-- side (for_path), not as a test of x alone in ON, which made DuckDB plan a nested-loop join
-- (2 M rows x 300 ratio keys: 1.3 s against 0.15 s as a hash join; same rows)
LEFT JOIN (SELECT *, 'from_cost' AS for_path FROM int_unknown_ratios) r
  ON r.for_path = x.estimate_path AND r.provider = x.provider
 AND r.currency IS NOT DISTINCT FROM x.currency
 AND r.billing_period = x.billing_period
 AND r.service IS NOT DISTINCT FROM x.service
 AND r.ratio_unit IS NOT DISTINCT FROM x.ratio_unit
