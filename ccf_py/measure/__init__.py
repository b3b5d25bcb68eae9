"""On-host energy measurement: GPUs through NVML, CPU packages through RAPL.

    from ccf_py.measure import measure, track

    with measure(region="us-east-1", tags={"run": "bert"}) as m:
        train()
    print(m.result.energy_kwh, [(d.index, d.method) for d in m.result.devices])

    @track(region="eu-west-1", db="ccf.duckdb")
    def train(): ...

NVML is imported only when a measurement starts (``pip install 'ccf-py[nvml]'``); without it,
or without a GPU, GPUs are reported as not measured with the reason, never as 0 kWh.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from ccf_py.measure.formulas import energy_from_average_power, trapezoid_joules
from ccf_py.measure.gpu import COUNTER, SAMPLING, UNMEASURED, DeviceEnergy
from ccf_py.measure.rapl import DEFAULT_POWERCAP_ROOT, RAPL
from ccf_py.measure.session import DEFAULT_INTERVAL_S, MeasurementResult, Session

__all__ = ["COUNTER", "RAPL", "SAMPLING", "UNMEASURED", "DeviceEnergy", "Measurement",
           "MeasurementResult", "energy_from_average_power", "measure", "track",
           "trapezoid_joules"]

P = ParamSpec("P")
R = TypeVar("R")


class Measurement:
    """Handle of a running :func:`measure`; ``result`` and ``footprint`` are set at exit."""

    def __init__(self) -> None:
        self.result: MeasurementResult | None = None
        self.footprint: Any = None          # footprint.Footprint when a region was given
        self.measurement_id: str | None = None


@contextmanager
def measure(region: str | None = None, tags: Mapping[str, str] | None = None, *,
            provider: str = "aws", interval_s: float = DEFAULT_INTERVAL_S,
            db: str | None = None, resource_id: str | None = None, label: str | None = None,
            powercap_root: str | Path = DEFAULT_POWERCAP_ROOT) -> Iterator[Measurement]:
    """Measure the block. An unknown ``region`` raises ConfigError before anything starts.
    With ``db``, the result is stored in its ``measurements`` table (``label`` as command);
    a KeyboardInterrupt in the block stores it with ``complete = false``."""
    from ccf_py.measure.footprint import footprint, grid_intensity

    if region is not None:
        grid_intensity(provider, region)
    handle = Measurement()
    session = Session(interval_s, powercap_root).start()
    interrupted = False
    try:
        yield handle
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        handle.result = session.stop(interrupted=interrupted)
        if region is not None:
            handle.footprint = footprint(handle.result, provider, region)
        if db is not None:
            from ccf_py import api

            with api.open_db(db) as database:
                handle.measurement_id = api.record_measurement(
                    database, handle.result, command=label, exit_code=None, region=region,
                    provider=provider, tags=tags, resource_id=resource_id)


def track(region: str | None = None, tags: Mapping[str, str] | None = None,
          **options: Any) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator: measure each call (options as :func:`measure`); the last call's
    :class:`Measurement` is the wrapper's ``last_measurement``."""
    def wrap(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def inner(*args: P.args, **kwargs: P.kwargs) -> R:
            options.setdefault("label", f"python:{fn.__module__}.{fn.__qualname__}")
            with measure(region, tags, **options) as m:
                inner.last_measurement = m  # type: ignore[attr-defined]
                return fn(*args, **kwargs)

        inner.last_measurement = None  # type: ignore[attr-defined]
        return inner

    return wrap
