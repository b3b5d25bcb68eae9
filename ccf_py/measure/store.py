"""The ``measurements`` table: one row per device per measurement, written in one
transaction after the measured command ends.

A report can later put measured energy in place of the billing estimate of the same
``resource_id`` (e.g. the cloud instance id) over ``started_at``..``ended_at`` (UTC);
``energy_kwh`` is IT energy (PUE not applied, as the estimate macros' kWh) and ``complete``
says whether the device was measured for the whole run.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping

import duckdb

from ccf_py.measure.session import MeasurementResult

TABLE = "measurements"
DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    measurement_id    VARCHAR NOT NULL,
    started_at        TIMESTAMP NOT NULL,   -- UTC
    ended_at          TIMESTAMP NOT NULL,   -- UTC
    host              VARCHAR,
    command           VARCHAR,
    exit_code         INTEGER,              -- 128 + N: ended by signal N; NULL from the API
    device_index      INTEGER NOT NULL,
    device_model      VARCHAR,
    device_uuid       VARCHAR,
    method            VARCHAR NOT NULL,     -- nvml_energy_counter | nvml_power_sampling | rapl
                                            -- | none (not measured: energy_kwh NULL)
    sample_interval_s DOUBLE,
    energy_kwh        DOUBLE,               -- IT energy, PUE not applied
    complete          BOOLEAN NOT NULL,     -- false: device lost or run interrupted
    note              VARCHAR,
    resource_id       VARCHAR,
    region            VARCHAR,
    provider          VARCHAR,
    tags              JSON
)"""


def insert(con: duckdb.DuckDBPyConnection, result: MeasurementResult, *,
           command: str | None, exit_code: int | None, region: str | None, provider: str,
           tags: Mapping[str, str] | None = None, resource_id: str | None = None) -> str:
    """Store ``result`` (every device, GPUs and CPU packages); returns the measurement id."""
    measurement_id = str(uuid.uuid4())
    tag_text = json.dumps(dict(tags or {}), ensure_ascii=False, sort_keys=True)
    rows = [(measurement_id, result.started_at, result.ended_at, result.host, command,
             exit_code, d.index, d.model, d.uuid, d.method, d.sample_interval_s,
             d.energy_kwh, d.complete, d.note, resource_id, region, provider, tag_text)
            for d in result.devices]
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(DDL)
        if rows:
            con.executemany(f"INSERT INTO {TABLE} VALUES "
                            f"({', '.join('?' * len(rows[0]))})", rows)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return measurement_id
