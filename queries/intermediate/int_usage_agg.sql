-- int_usage_agg: $usage_lines (int_usage_lines, or int_usage_keyed_lines for a grouped report)
-- summed per report key, provider, currency, billing period, service, ratio unit, estimation
-- path, whether it
-- teaches the unknown-usage ratios, and grid factor. Everything downstream is linear in these
-- sums, so a grouped report and the unknown-usage ratios both come from them.
-- $report_key is the STRUCT of the requested --by keys (built in ccf_py.api from fixed
-- expressions; NULL when the per-row model is wanted); tag names arrive as bound parameters.
SELECT $report_key AS report_key, provider, currency, billing_period, service, ratio_unit,
       estimate_path,
       feeds_ratio,
       gco2e_per_kwh,
       sum(lines) AS lines,
       sum(unblended_cost) AS cost,
       sum(direct_kwh) AS direct_kwh,
       sum(gpu_kwh) AS gpu_energy_kwh,
       -- kWh of rows that carry a cost: what a kWh-per-cost ratio may be learned from
       coalesce(sum(direct_kwh) FILTER (WHERE priced), 0) AS priced_direct_kwh,
       sum(embodied_kg) AS embodied_kg,
       -- CCF's "embodied kWh" (quirk Q1) teaches its per-cost ratios (AWS) and, where the
       -- key says so, its per-amount ones (Azure; not GCP)
       coalesce(sum(ccf_embodied_as_kwh(embodied_kg, gco2e_per_kwh))
                FILTER (WHERE NOT ratio_by_amount OR ratio_amount_with_embodied), 0)
           AS ccf_embodied_kwh,
       sum(ratio_cost) AS ratio_cost
       $agg_hourly  -- --intensity: the energy at series intensity (for the report's note)
FROM $usage_lines
GROUP BY ALL
