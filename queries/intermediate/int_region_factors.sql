-- int_region_factors: PUE and grid intensity for every region of the billed rows ($key_source).
-- Unknown regions (and rows without a region) fall back to the provider's '*' row, and say so.
-- Materialised as a small table so the per-row join knows it is tiny (as a subquery the
-- optimiser guessed it was as big as raw_aws_cur and built its hash table on the wrong side).
SELECT r.region,
       coalesce(p.pue, pd.pue) AS pue,
       coalesce(g.gco2e_per_kwh, gd.gco2e_per_kwh) AS gco2e_per_kwh,
       g.gco2e_per_kwh IS NULL AS fallback_region
FROM (SELECT DISTINCT region FROM $key_source) r
LEFT JOIN coef_pue p ON p.provider = 'aws' AND p.region = r.region
LEFT JOIN coef_pue pd ON pd.provider = 'aws' AND pd.region = '*'
LEFT JOIN coef_grid_intensity g ON g.provider = 'aws' AND g.region = r.region
LEFT JOIN coef_grid_intensity gd ON gd.provider = 'aws' AND gd.region = '*'
