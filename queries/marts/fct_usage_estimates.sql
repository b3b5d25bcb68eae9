-- fct_usage_estimates: one row per billed CUR line with energy, operational, embodied and total
-- CO2e. Rows with estimate_path = 'from_cost' get kWh = kWh-per-cost ratio x cost
-- (int_unknown_ratios).
WITH final AS (
    SELECT d.*, r.ratio_basis, coalesce(r.coverage_path, d.estimate_path) AS coverage_path,
           ccf_usage_kwh(d.estimate_path, d.direct_kwh, r.kwh_per_cost, d.ratio_cost)
               AS energy_kwh
    FROM int_usage_lines d
    LEFT JOIN int_unknown_ratios r
      ON d.estimate_path = 'from_cost' AND r.provider = d.provider
     AND r.currency IS NOT DISTINCT FROM d.currency
     AND r.billing_period = d.billing_period
     AND r.service IS NOT DISTINCT FROM d.service
     AND r.ratio_unit IS NOT DISTINCT FROM d.ratio_unit
)
SELECT provider, billing_period, usage_start, account_id, region, service, usage_type,
       line_item_type, pricing_unit, usage_amount, unblended_cost AS cost, ratio_cost,
       resource_id, tags, currency,
       usage_class, rule_id, estimate_path, ratio_basis, coverage_path, instance_type,
       fallback_region, note,
       vcpu_hours, gpu_hours, memory_gb_hours, storage_tb_hours, network_gb,
       pue, replication_factor, gco2e_per_kwh, storage_class,
       energy_kwh,
       gpu_kwh AS gpu_energy_kwh,  -- part of energy_kwh; rows estimated from cost: 0
       gpu_measured_share,         -- of the billed window, the share ccf-py measure covered
       ccf_operational_kg(energy_kwh, gco2e_per_kwh) AS co2e_operational_kg,
       embodied_kg AS co2e_embodied_kg,
       ccf_operational_kg(energy_kwh, gco2e_per_kwh) + embodied_kg AS co2e_total_kg,
       energy_kwh + ccf_embodied_as_kwh(embodied_kg, gco2e_per_kwh) AS ccf_kwh_incl_embodied,
       billed_rowid  -- the billed_lines row (int_billed_rows): how estimates join back to it
FROM final
