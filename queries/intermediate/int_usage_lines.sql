-- int_usage_lines: one row per billed line (or per group of int_usage_keyed) with its directly
-- estimated energy.
-- Inputs: $usage_source (int_billed_rows, or int_usage_keyed for a grouped report),
--         usage_key_class (classify.py, one row per distinct usage key), int_region_factors,
--         coef_constants (coefficients/*.csv).
-- Formulas come from queries/macros/energy.sql only. Rows estimated from cost ratios get 0 here
-- and their energy in fct_usage_estimates.
WITH c AS (  -- each provider's constants
    SELECT provider,
        max(value) FILTER (key = 'cpu_utilization_pct')    AS utilization_pct,
        max(value) FILTER (key = 'memory_kwh_per_gb_hour') AS memory_kwh_per_gb_hour,
        max(value) FILTER (key = 'network_kwh_per_gb')     AS network_kwh_per_gb,
        max(value) FILTER (key = 'server_lifespan_hours')  AS lifespan_hours
    FROM coef_constants GROUP BY provider
),
lines AS (
    SELECT u.provider, u.billing_period, u.usage_start, u.account_id, u.region, u.service, u.usage_type,
           u.line_item_type, u.pricing_unit, u.usage_amount, u.unblended_cost,
           u.resource_id, u.tags, u.currency, u.priced, u.lines, u.pre_key,
           u.m_resource, u.m_start, u.m_end, u.billed_rowid,
           -- what an unknown-usage ratio is per: the cost, or (CCF's GCP and Azure method)
           -- the usage amount
           CASE WHEN kc.ratio_amount_per_unit > 0 THEN u.usage_amount * kc.ratio_amount_per_unit
                ELSE u.ratio_cost END AS ratio_cost,
           kc.ratio_amount_per_unit > 0 AS ratio_by_amount, kc.ratio_amount_with_embodied,
           kc.usage_class, kc.rule_id, kc.estimate_path, kc.instance_type, kc.ratio_unit, kc.note,
           kc.accelerator_model,
           kc.feeds_ratio,
           kc.replication_factor, rf.pue, rf.fallback_region,
           -- the region's annual factor, or (--intensity) its blend with the series'
           -- intensity over the covered share of the line's energy (series_share)
           $line_gco2e AS gco2e_per_kwh $line_hourly,
           u.usage_amount * kc.vcpu_hours_per_unit AS vcpu_hours,
           u.usage_amount * kc.gpu_hours_per_unit AS gpu_hours,
           u.usage_amount * kc.memory_gb_hours_per_unit AS memory_gb_hours,
           CASE WHEN kc.storage_per_gb_month
                THEN ccf_gb_months_to_tb_hours(u.usage_amount * kc.storage_gb_months_per_unit,
                                               u.usage_start)
                ELSE u.usage_amount * kc.storage_tb_hours_per_unit END AS storage_tb_hours,
           u.usage_amount * kc.network_gb_per_unit AS network_gb,
           kc.cpu_min_w, kc.cpu_max_w, kc.gpu_min_w, kc.gpu_max_w, kc.storage_wh_per_tb_hour,
           kc.storage_class, kc.storage_embodied_kg_per_tb, kc.storage_lifespan_hours,
           kc.embodied_te_kg, kc.embodied_time_per_unit * u.usage_amount AS embodied_hours,
           -- a user's assumption for these GPUs (ccf_py.assumptions), else NULL
           $gpu_utilization AS gpu_utilization_pct,
           kc.embodied_rr_vcpus, kc.embodied_totr_vcpus
    FROM $usage_source u
    JOIN usage_key_class kc
      ON  kc.provider = u.provider
      AND kc.service IS NOT DISTINCT FROM u.service
      AND kc.usage_type IS NOT DISTINCT FROM u.usage_type
      AND kc.pricing_unit IS NOT DISTINCT FROM u.pricing_unit
      AND kc.line_item_type IS NOT DISTINCT FROM u.line_item_type
      AND kc.vcpu IS NOT DISTINCT FROM u.vcpu
      AND kc.cur_instance_type IS NOT DISTINCT FROM u.instance_type
    JOIN int_region_factors rf
      ON rf.provider = u.provider AND rf.region IS NOT DISTINCT FROM u.region
),
direct AS (
    SELECT l.*,
           CASE WHEN l.estimate_path IN ('direct', 'fallback') THEN
               ( (ccf_compute_kwh(l.vcpu_hours, l.cpu_min_w, l.cpu_max_w, c.utilization_pct)
                  + ccf_compute_kwh(l.gpu_hours, l.gpu_min_w, l.gpu_max_w,
                                    coalesce(l.gpu_utilization_pct, c.utilization_pct))
                  + ccf_memory_kwh(l.memory_gb_hours, c.memory_kwh_per_gb_hour)
                  + ccf_storage_kwh(l.storage_tb_hours, l.storage_wh_per_tb_hour))
                 * l.replication_factor
                 + ccf_network_kwh(l.network_gb, c.network_kwh_per_gb) ) * l.pue
           ELSE 0 END AS direct_kwh,
           -- the GPUs' and accelerators' part of direct_kwh
           CASE WHEN l.estimate_path IN ('direct', 'fallback') THEN
               ccf_compute_kwh(l.gpu_hours, l.gpu_min_w, l.gpu_max_w,
                               coalesce(l.gpu_utilization_pct, c.utilization_pct))
                 * l.replication_factor * l.pue
           ELSE 0 END AS gpu_estimated_kwh,
           CASE WHEN l.estimate_path IN ('direct', 'fallback') THEN
               ccf_embodied_kg(l.embodied_te_kg, l.embodied_hours, c.lifespan_hours,
                               l.embodied_rr_vcpus, l.embodied_totr_vcpus)
               -- the media of stored data, every copy (default methodology only)
               + storage_embodied_kg(l.storage_tb_hours * l.replication_factor,
                                     l.storage_embodied_kg_per_tb, l.storage_lifespan_hours)
           ELSE 0 END AS embodied_kg
    FROM lines l LEFT JOIN c ON c.provider = l.provider
),
windows AS (  -- each measured billed window: its GPU lines' estimate and billed GPU-hours
    SELECT m_resource, m_start, m_end, sum(gpu_estimated_kwh) AS window_gpu_kwh,
           sum(gpu_hours) AS window_gpu_hours
    FROM direct WHERE m_resource IS NOT NULL AND m_end > m_start AND gpu_estimated_kwh > 0
    GROUP BY ALL
),
measured AS (  -- ccf-py measure's GPU energy (IT, kWh) in each window, and the share of the
               -- billed GPU time it covers: billed GPU-hours / GPUs measured = the hours the
               -- instance ran in the window (0.5 h of an hourly line, 6 h of an Azure day)
    SELECT w.m_resource, w.m_start, w.m_end, w.window_gpu_kwh,
           sum(r.energy_kwh * epoch(least(r.ended_at, w.m_end) - greatest(r.started_at, w.m_start))
               / nullif(epoch(r.ended_at - r.started_at), 0)) AS measured_kwh,
           least(sum(epoch(least(r.ended_at, w.m_end) - greatest(r.started_at, w.m_start)))
                 / least(epoch(w.m_end - w.m_start),
                         w.window_gpu_hours * 3600 / max(r.devices)), 1) AS covered
    FROM windows w
    JOIN gpu_measured_runs r
      ON r.resource_id = w.m_resource AND r.started_at < w.m_end AND r.ended_at > w.m_start
    GROUP BY w.m_resource, w.m_start, w.m_end, w.window_gpu_kwh, w.window_gpu_hours
),
shares AS (
    SELECT d.*,
           -- the covered share of each GPU line's estimate is replaced by what was measured,
           -- split over the window's lines (an hour billed as Usage + DiscountedUsage) by
           -- their estimates (power taken as even over a run)
           CASE WHEN d.gpu_estimated_kwh > 0 THEN coalesce(ms.covered, 0) ELSE 0 END
               AS gpu_measured_share,
           ms.measured_kwh * d.gpu_estimated_kwh / nullif(ms.window_gpu_kwh, 0)
               AS measured_kwh
    FROM direct d
    LEFT JOIN measured ms
      ON ms.m_resource = d.m_resource AND ms.m_start = d.m_start AND ms.m_end = d.m_end
)
SELECT * EXCLUDE (direct_kwh, measured_kwh),
       CASE WHEN gpu_measured_share > 0
            THEN gpu_estimated_kwh * (1 - gpu_measured_share) + measured_kwh * pue
            ELSE gpu_estimated_kwh END AS gpu_kwh,
       CASE WHEN gpu_measured_share > 0
            THEN direct_kwh - gpu_estimated_kwh * gpu_measured_share + measured_kwh * pue
            ELSE direct_kwh END AS direct_kwh
FROM shares
