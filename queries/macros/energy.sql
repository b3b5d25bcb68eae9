-- Every energy and emissions formula of ccf_py lives in this file, once. Models call these
-- macros and never re-type the arithmetic. Units are in the names; sources are CCF's
-- Methodology (cloud-carbon-footprint b7a049c7, core/src/*Estimator.ts) unless said otherwise.
-- The macros give IT-level energy: PUE and replication are applied by the caller, so that a
-- measured value could replace an estimate like for like.

-- Compute (CPU or GPU). CCF ComputeEstimator:
--   average W = min_w + utilisation/100 x (max_w - min_w)   [W per vCPU, or per GPU]
--   kWh       = average W x vCPU-hours / 1000
CREATE OR REPLACE MACRO ccf_compute_kwh(vcpu_hours, min_w, max_w, utilization_pct) AS
    (min_w + utilization_pct / 100.0 * (max_w - min_w)) * vcpu_hours / 1000.0;

-- Memory. CCF MemoryEstimator: kWh = GB-hours x kWh per GB-hour (0.000392).
CREATE OR REPLACE MACRO ccf_memory_kwh(gb_hours, kwh_per_gb_hour) AS
    gb_hours * kwh_per_gb_hour;

-- Storage. CCF StorageEstimator: kWh = TB-hours x Wh per TB-hour / 1000 (SSD 1.2, HDD 0.65).
CREATE OR REPLACE MACRO ccf_storage_kwh(tb_hours, wh_per_tb_hour) AS
    tb_hours * wh_per_tb_hour / 1000.0;

-- GB-months (CUR GB-Mo) to TB-hours: GB / 1000 x 24 x days in the usage month.
-- CCF common/helpers convertGigabyteMonthsToTerabyteHours.
CREATE OR REPLACE MACRO ccf_gb_months_to_tb_hours(gb_months, usage_day) AS
    gb_months / 1000.0 * 24 * dayofmonth(last_day(CAST(usage_day AS DATE)));

-- Networking. CCF NetworkingEstimator: kWh = GB x kWh per GB (0.001).
CREATE OR REPLACE MACRO ccf_network_kwh(gb, kwh_per_gb) AS
    gb * kwh_per_gb;

-- Operational emissions: kg CO2e = facility kWh (PUE included) x g CO2e per kWh / 1000.
CREATE OR REPLACE MACRO ccf_operational_kg(facility_kwh, gco2e_per_kwh) AS
    facility_kwh * gco2e_per_kwh / 1000.0;

-- Grid intensity of usage whose hours are partly covered by an hourly (or marginal) series
-- (ccf-py report --intensity): the series' intensity for the covered part, the annual factor
-- for the rest, weighted by what the energy is proportional to (usage amount; cost for rows
-- estimated from cost). covered_g = sum(weight x hourly g/kWh) over the covered lines,
-- covered_weight = their weight, weight = all lines' weight.
CREATE OR REPLACE MACRO ccf_series_gco2e(covered_g, covered_weight, weight, annual_gco2e) AS
    CASE WHEN weight <> 0 AND covered_weight IS NOT NULL
         THEN (coalesce(covered_g, 0) + annual_gco2e * (weight - covered_weight)) / weight
         ELSE annual_gco2e END;

-- The share (0..1) of such usage's energy at series intensity.
CREATE OR REPLACE MACRO ccf_series_share(covered_weight, weight) AS
    CASE WHEN weight <> 0 THEN least(greatest(coalesce(covered_weight, 0) / weight, 0), 1)
         ELSE 0 END;

-- CCF's "embodied kWh" (quirk Q1): embodied CO2e divided by the grid factor, which CCF adds
-- to its reported kWh. Only used to compare with CCF, never in ccf_py's energy_kwh.
CREATE OR REPLACE MACRO ccf_embodied_as_kwh(embodied_kg, gco2e_per_kwh) AS
    CASE WHEN gco2e_per_kwh > 0 THEN embodied_kg * 1000.0 / gco2e_per_kwh ELSE 0 END;

-- Embodied emissions. SCI (GSF): M = TE x (TiR / EL) x (RR / TotR)
--   TE kg CO2e of the host, TiR hours reserved, EL lifespan hours (35040 = 4 years),
--   RR vCPUs reserved, TotR vCPUs of the host. CCF EmbodiedEmissionsEstimator.ts; the ccf
--   methodology passes CCF's TiR = hours / vCPUs (quirk Q2).
CREATE OR REPLACE MACRO ccf_embodied_kg(te_kg, time_reserved_hours, lifespan_hours,
                                        reserved_vcpus, total_vcpus) AS
    CASE WHEN total_vcpus > 0 AND lifespan_hours > 0
         THEN te_kg * (time_reserved_hours / lifespan_hours) * (reserved_vcpus / total_vcpus)
         ELSE 0 END;

-- Embodied emissions of stored data (default methodology; CCF has none). SCI's M with one TB
-- of media as the unit: TE = embodied kg CO2e per TB of media (coefficients/storage_classes.csv),
-- TiR / EL = TB-hours held / the media's lifespan in hours. The caller multiplies the TB-hours
-- by the copies kept (replication), as for the energy.
CREATE OR REPLACE MACRO storage_embodied_kg(tb_hours, kg_per_tb, lifespan_hours) AS
    CASE WHEN lifespan_hours > 0 THEN tb_hours * kg_per_tb / lifespan_hours ELSE 0 END;

-- Unknown usage. CCF UnknownEstimator: rows without a physical model get
-- kWh = (kWh per unit of cost of directly estimated rows) x their cost; other rows keep the
-- kWh estimated directly. Linear in cost, so it applies to sums of rows as well as to rows.
CREATE OR REPLACE MACRO ccf_usage_kwh(estimate_path, direct_kwh, kwh_per_cost, ratio_cost) AS
    CASE WHEN estimate_path = 'from_cost' THEN coalesce(kwh_per_cost, 0) * ratio_cost
         ELSE direct_kwh END;
