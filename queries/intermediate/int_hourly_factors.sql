-- int_hourly_factors: for a report with --intensity hourly|hourly-lca|marginal, the grid
-- intensity of every billed window (provider, region, charge period start and end) of the
-- month ($month, or all) whose region has a grid zone (coef_grid_zones) and a loaded series of
-- kind $series_kind (grid_intensity_series, ccf-py intensity load) holding every hour the
-- window touches. Built before the other models (ccf_py.intensity.series_expressions); with
-- annual factors it is not built at all.
-- The window's intensity is the series' mean over its hours, each hour weighted by the part of
-- the window it holds (usage taken as even over the window): an hourly CUR or GCP line gets its
-- hour's value, a daily line (Azure, a daily CUR) its day's mean, a line starting at 10:30 the
-- mean of 10:00 and 11:00 weighted by 30 and 30 minutes. A window without an end (or ending
-- where it starts) is its start's hour. Windows missing any hour are left out: their lines keep
-- the annual factor (int_usage_lines blends the two by the covered share).
-- Few rows: distinct windows (about 744 per region and month for hourly data, 31 for daily),
-- so int_billed_rows joins it as it joins the region factors.
WITH windows AS (
    SELECT DISTINCT provider_name AS provider, region_id AS region,
           charge_period_start AS w_start, charge_period_end AS w_end
    FROM billed_lines
    WHERE ($month IS NULL OR billing_period_start = $month)
      AND charge_period_start IS NOT NULL AND region_id IS NOT NULL
),
loaded AS (
    SELECT DISTINCT zone FROM grid_intensity_series WHERE kind = $series_kind
),
zones AS (  -- a region's zone; a marginal series may be loaded under WattTime's region name
    SELECT provider, region,
           CASE WHEN $series_kind = 'marginal' AND watttime_region IN (SELECT zone FROM loaded)
                THEN watttime_region ELSE zone END AS zone
    FROM coef_grid_zones
),
spans AS (
    SELECT w.provider, w.region, w.w_start, w.w_end, z.zone,
           coalesce(w.w_end > w.w_start, false) AS has_span,
           unnest(CASE WHEN w.w_end > w.w_start
                       THEN range(date_trunc('hour', w.w_start), w.w_end, INTERVAL 1 HOUR)
                       ELSE [date_trunc('hour', w.w_start)] END) AS hour
    FROM windows w
    JOIN zones z ON z.provider = w.provider AND z.region = lower(w.region)
    WHERE z.zone IN (SELECT zone FROM loaded)
),
weighted AS (
    SELECT s.*, g.gco2e_per_kwh,
           CASE WHEN s.has_span
                THEN epoch(least(s.hour + INTERVAL 1 HOUR, s.w_end) - greatest(s.hour, s.w_start))
                ELSE 1 END AS weight
    FROM spans s
    LEFT JOIN grid_intensity_series g
      ON g.zone = s.zone AND g.kind = $series_kind AND g.hour = s.hour
)
SELECT provider AS hf_provider, region AS hf_region, w_start AS hf_start, w_end AS hf_end,
       any_value(zone) AS hf_zone,
       sum(gco2e_per_kwh * weight) / sum(weight) AS hf_gco2e_per_kwh
FROM weighted
GROUP BY provider, region, w_start, w_end
HAVING count(gco2e_per_kwh) = count(*) AND sum(weight) > 0
