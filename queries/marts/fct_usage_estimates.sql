-- fct_usage_estimates: one row per billed line with energy, operational, embodied and total
-- CO2e. Rows with estimate_path = 'from_cost' get kWh = kWh-per-cost ratio x cost: the
-- ratios are joined to the lines in int_usage_energy (shared with the grouped report).
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
FROM int_usage_energy
