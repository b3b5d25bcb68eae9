-- fct_usage_estimates: one row per billed CUR line with energy, operational, embodied and total
-- CO2e. Rows with estimate_path = 'from_cost' get kWh = kWh-per-cost ratio x cost
-- (int_unknown_ratios). Parameters: $methodology.
WITH estimated AS (
    SELECT d.*,
           CASE WHEN d.estimate_path <> 'from_cost' THEN NULL
                -- CCF: the per-unit total ratio only (its service match never fires, Q8);
                -- a unit never seen among known rows gives 0 kWh.
                WHEN $methodology = 'ccf' THEN coalesce(ru.kwh_per_cost, 0)
                ELSE coalesce(rs.kwh_per_cost, ru.kwh_per_cost, ra.kwh_per_cost, 0) END
               AS kwh_per_cost,
           CASE WHEN d.estimate_path <> 'from_cost' THEN NULL
                WHEN $methodology = 'ccf' THEN 'unit'
                WHEN rs.kwh_per_cost IS NOT NULL THEN 'service_unit'
                WHEN ru.kwh_per_cost IS NOT NULL THEN 'unit'
                WHEN ra.kwh_per_cost IS NOT NULL THEN 'all_usage'
                ELSE 'no_known_rows' END AS ratio_basis
    FROM int_usage_lines d
    LEFT JOIN int_unknown_ratios rs
      ON rs.level = 'service_unit' AND rs.billing_period = d.billing_period
     AND rs.service IS NOT DISTINCT FROM d.service
     AND rs.ratio_unit IS NOT DISTINCT FROM d.ratio_unit
    LEFT JOIN int_unknown_ratios ru
      ON ru.level = 'unit' AND ru.billing_period = d.billing_period
     AND ru.ratio_unit IS NOT DISTINCT FROM d.ratio_unit
    LEFT JOIN int_unknown_ratios ra
      ON ra.level = 'all_usage' AND ra.billing_period = d.billing_period
),
final AS (
    SELECT *,
           CASE WHEN estimate_path = 'from_cost' THEN kwh_per_cost * ratio_cost
                ELSE direct_kwh END AS energy_kwh
    FROM estimated
)
SELECT 'aws' AS provider, billing_period, usage_start, account_id, region, service, usage_type,
       line_item_type, pricing_unit, usage_amount, unblended_cost AS cost, resource_id, tags,
       usage_class, rule_id, estimate_path, ratio_basis, instance_type, fallback_region, note,
       vcpu_hours, gpu_hours, memory_gb_hours, storage_tb_hours, network_gb,
       pue, replication_factor, gco2e_per_kwh,
       energy_kwh,
       ccf_operational_kg(energy_kwh, gco2e_per_kwh) AS co2e_operational_kg,
       embodied_kg AS co2e_embodied_kg,
       ccf_operational_kg(energy_kwh, gco2e_per_kwh) + embodied_kg AS co2e_total_kg,
       energy_kwh + ccf_embodied_as_kwh(embodied_kg, gco2e_per_kwh) AS ccf_kwh_incl_embodied
FROM final
