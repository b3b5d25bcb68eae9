-- int_region_factors: PUE and grid intensity for every (provider, region) of the billed rows
-- ($key_source). Unknown regions (and rows without a region) fall back to the provider's '*'
-- row, and say so.
-- Materialised as a small table so the per-row join knows it is tiny (as a subquery the
-- optimiser guessed it was as big as the billing table and built its hash table on the wrong
-- side).
SELECT r.provider, r.region,
       coalesce(p.pue, pd.pue) AS pue,
       coalesce(g.gco2e_per_kwh, gd.gco2e_per_kwh) AS gco2e_per_kwh,
       g.gco2e_per_kwh IS NULL AS fallback_region
FROM (SELECT DISTINCT provider, region FROM $key_source) r
LEFT JOIN coef_pue p ON p.provider = r.provider AND p.region = r.region
LEFT JOIN coef_pue pd ON pd.provider = r.provider AND pd.region = '*'
LEFT JOIN coef_grid_intensity g ON g.provider = r.provider AND g.region = r.region
LEFT JOIN coef_grid_intensity gd ON gd.provider = r.provider AND gd.region = '*'
