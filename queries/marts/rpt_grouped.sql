-- rpt_grouped: the grouped report (ccf-py report --by KEYS) straight from int_usage_agg, so
-- a report reads the billing rows once. Same arithmetic as fct_usage_estimates, applied to
-- sums: energy of rows estimated from cost = ratio x summed cost (linear; the ratios are
-- joined to the sums in int_usage_agg_energy, the same model that joins them to the lines of
-- fct_usage_estimates), CO2e per grid factor.
-- One row per report key, estimation path and currency: the report sums over the paths, and
-- the same rows say how much of its CO2e was estimated which way (api.report's coverage).
SELECT report_key,
       -- the path a report counts (fct_usage_estimates' coverage_path) under the name its
       -- readers use (api.report, compare.rerun): from_cost rows whose ratio could not be
       -- learned are 'not_estimable'
       coverage_path AS estimate_path,
       currency,       -- costs are summed per currency, never across (api.report's coverage)
       sum(lines) AS lines,
       sum(cost) AS cost,
       sum(energy_kwh) AS energy_kwh,
       sum(gpu_energy_kwh) AS gpu_energy_kwh,
       sum(ccf_operational_kg(energy_kwh, gco2e_per_kwh)) AS co2e_operational_kg,
       sum(embodied_kg) AS co2e_embodied_kg,
       sum(ccf_operational_kg(energy_kwh, gco2e_per_kwh) + embodied_kg) AS co2e_total_kg
FROM int_usage_agg_energy
GROUP BY ALL
