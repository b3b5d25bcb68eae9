"""A measurement: every GPU and CPU package meter, polled by one background thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ccf_py.errors import ConfigError
from ccf_py.measure.gpu import DeviceEnergy, close_nvml, gpu_meters, open_nvml
from ccf_py.measure.rapl import DEFAULT_POWERCAP_ROOT, rapl_meters

DEFAULT_INTERVAL_S = 0.1


@dataclass(frozen=True)
class MeasurementResult:
    """What one measurement saw. ``devices`` holds GPUs then CPU packages."""

    started_at: datetime          # UTC, naive (stored as TIMESTAMP)
    ended_at: datetime
    duration_s: float
    host: str
    devices: tuple[DeviceEnergy, ...]
    gpu_unavailable: str | None   # why no GPU was measured (None: NVML had GPUs)
    cpu_unavailable: str | None   # why RAPL was not read
    interrupted: bool

    @property
    def gpus(self) -> tuple[DeviceEnergy, ...]:
        return tuple(d for d in self.devices if d.kind == "gpu")

    @property
    def energy_kwh(self) -> float:
        """Sum of the measured devices (unmeasured ones are listed, not counted as 0)."""
        return sum(d.energy_kwh for d in self.devices if d.energy_kwh is not None)


class Session:
    """Start meters, poll them every ``interval_s`` in a daemon thread, stop and report.
    ``clock`` and ``poll_in_thread=False`` let tests drive polls by hand."""

    def __init__(self, interval_s: float = DEFAULT_INTERVAL_S,
                 powercap_root: str | Path = DEFAULT_POWERCAP_ROOT, *,
                 clock: Callable[[], float] = time.monotonic,
                 nvml_opener: Callable[[], tuple[Any, int] | str] = open_nvml,
                 poll_in_thread: bool = True) -> None:
        if not interval_s > 0:
            raise ConfigError(f"sampling interval {interval_s!r}: must be > 0 s")
        self.interval_s = interval_s
        self.powercap_root = Path(powercap_root)
        self.clock = clock
        self.nvml_opener = nvml_opener
        self.poll_in_thread = poll_in_thread
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> Session:
        self.started_at = datetime.now(UTC).replace(tzinfo=None)
        self.nvml, self.gpus, self.gpu_unavailable = gpu_meters(self.interval_s,
                                                                self.nvml_opener)
        self.cpus, self.cpu_unavailable = rapl_meters(self.powercap_root, self.interval_s)
        self.t0 = self.clock()
        for meter in (*self.gpus, *self.cpus):
            meter.start(self.t0)
        if self.poll_in_thread:
            self._thread = threading.Thread(target=self._loop, name="ccf-py-measure",
                                            daemon=True)
            self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.poll()

    def poll(self) -> None:
        with self._lock:
            t = self.clock()
            for meter in (*self.gpus, *self.cpus):
                meter.poll(t)

    def stop(self, *, interrupted: bool = False) -> MeasurementResult:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            t = self.clock()
            devices = tuple(m.finish(t) for m in (*self.gpus, *self.cpus))
        if self.nvml is not None:
            close_nvml(self.nvml)
        if interrupted:  # the run was cut short: no device saw the whole of it
            devices = tuple(_interrupted(d) for d in devices)
        return MeasurementResult(self.started_at, datetime.now(UTC).replace(tzinfo=None),
                                 t - self.t0, socket.gethostname(), devices,
                                 self.gpu_unavailable, self.cpu_unavailable, interrupted)


def _interrupted(d: DeviceEnergy) -> DeviceEnergy:
    return DeviceEnergy(d.kind, d.index, d.model, d.uuid, d.method, d.sample_interval_s,
                        d.energy_kwh, False, f"{d.note}; interrupted: energy until then")
