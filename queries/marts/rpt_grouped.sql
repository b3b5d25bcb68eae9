-- rpt_grouped: the grouped report (ccf-py report --by KEYS) straight from int_usage_agg, so
-- a report reads the billing rows once. Same arithmetic as fct_usage_estimates, applied to
-- sums: energy of rows estimated from cost = ratio x summed cost (linear), CO2e per grid factor.
-- One row per report key, estimation path and currency: the report sums over the paths, and
-- the same rows say how much of its CO2e was estimated which way (api.report's coverage).
WITH priced AS (
    SELECT a.report_key, coalesce(r.coverage_path, a.estimate_path) AS estimate_path,
           a.currency,
           a.lines, a.cost, a.embodied_kg, a.gpu_energy_kwh,
           a.gco2e_per_kwh,
           ccf_usage_kwh(a.estimate_path, a.direct_kwh, r.kwh_per_cost, a.ratio_cost)
               AS energy_kwh
    FROM int_usage_agg a
    LEFT JOIN int_unknown_ratios r
      ON a.estimate_path = 'from_cost' AND r.provider = a.provider
     AND r.currency IS NOT DISTINCT FROM a.currency
     AND r.billing_period = a.billing_period
     AND r.service IS NOT DISTINCT FROM a.service
     AND r.ratio_unit IS NOT DISTINCT FROM a.ratio_unit
)
SELECT report_key,
       estimate_path,  -- from_cost rows whose ratio could not be learned: 'not_estimable'
       currency,       -- costs are summed per currency, never across (api.report's coverage)
       sum(lines) AS lines,
       sum(cost) AS cost,
       sum(energy_kwh) AS energy_kwh,
       sum(gpu_energy_kwh) AS gpu_energy_kwh,
       sum(ccf_operational_kg(energy_kwh, gco2e_per_kwh)) AS co2e_operational_kg,
       sum(embodied_kg) AS co2e_embodied_kg,
       sum(ccf_operational_kg(energy_kwh, gco2e_per_kwh) + embodied_kg) AS co2e_total_kg
FROM priced
GROUP BY ALL
