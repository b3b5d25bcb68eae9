-- int_region_factors: PUE and grid intensity for every (provider, region) of the billed rows
-- ($key_source). Unknown regions (and rows without a region) fall back to the provider's '*'
-- row, and say so.
-- Dual- and multi-regions (GCP 'nam4', 'us', 'eu'...; coef_region_groups):
--   ccf:     the exact region string's own row (CCF's GCP table holds the SUM of the members'
--            factors, quirk Q25; 'eu' or 'US' are not in it and fall back to the average);
--   default: the mean of the member regions' factors and PUEs, matched case-insensitively.
-- $grid_variant ('' = location-based, as SCI requires; 'gcp_cfe' = Google's carbon-free-energy
-- adjusted factors, a market-based figure asked for explicitly): a provider's rows of that
-- variant in coef_grid_intensity_market replace its factors. CCF reads a 0 factor as missing
-- and falls back to the variant's average (quirk Q28); default keeps 0.
-- Materialised as a small table so the per-row join knows it is tiny (as a subquery the
-- optimiser guessed it was as big as the billing table and built its hash table on the wrong
-- side).
WITH regions AS (
    SELECT DISTINCT provider, region FROM $key_source
),
grid AS (  -- one factor per (provider, region): the variant's where it has the provider
    SELECT g.provider, g.region,
           CASE WHEN m.provider IS NULL THEN g.gco2e_per_kwh
                WHEN $methodology = 'ccf' THEN coalesce(nullif(m.gco2e_per_kwh, 0), md.gco2e_per_kwh)
                ELSE coalesce(m.gco2e_per_kwh, md.gco2e_per_kwh) END AS gco2e_per_kwh
    FROM coef_grid_intensity g
    LEFT JOIN (SELECT DISTINCT provider FROM coef_grid_intensity_market
               WHERE variant = $grid_variant) v ON v.provider = g.provider
    LEFT JOIN coef_grid_intensity_market m
      ON m.provider = v.provider AND m.variant = $grid_variant AND m.region = g.region
    LEFT JOIN coef_grid_intensity_market md
      ON md.provider = v.provider AND md.variant = $grid_variant AND md.region = '*'
),
member_factors AS (  -- default only: one row per group, from its members (each with fallbacks)
    SELECT r.provider, r.region,
           avg(coalesce(p.pue, pd.pue)) AS pue, avg(g.gco2e_per_kwh) AS gco2e_per_kwh
    FROM regions r
    JOIN coef_region_groups m ON m.provider = r.provider AND m.region = lower(r.region)
    LEFT JOIN coef_pue p ON p.provider = m.provider AND p.region = m.member_region
    LEFT JOIN coef_pue pd ON pd.provider = m.provider AND pd.region = '*'
    LEFT JOIN grid g ON g.provider = m.provider AND g.region = m.member_region
    WHERE $methodology <> 'ccf'
    GROUP BY ALL
)
SELECT r.provider, r.region,
       coalesce(mf.pue, p.pue, pd.pue) AS pue,
       coalesce(mf.gco2e_per_kwh, g.gco2e_per_kwh, gd.gco2e_per_kwh) AS gco2e_per_kwh,
       mf.gco2e_per_kwh IS NULL AND g.gco2e_per_kwh IS NULL AS fallback_region
FROM regions r
LEFT JOIN member_factors mf ON mf.provider = r.provider AND mf.region IS NOT DISTINCT FROM r.region
LEFT JOIN coef_pue p ON p.provider = r.provider AND p.region = r.region
LEFT JOIN coef_pue pd ON pd.provider = r.provider AND pd.region = '*'
LEFT JOIN grid g ON g.provider = r.provider AND g.region = r.region
LEFT JOIN grid gd ON gd.provider = r.provider AND gd.region = '*'
