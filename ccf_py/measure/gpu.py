"""GPU energy through NVML (the ``pynvml`` module of nvidia-ml-py).

``pynvml`` is imported by :func:`open_nvml` only, when a measurement starts: importing ccf_py
or ccf_py.measure never touches NVML. Per device, NVML's total-energy counter
(``nvmlDeviceGetTotalEnergyConsumption``, mJ since the driver loaded, Volta and newer) is read
where the GPU has one; otherwise the board power (``nvmlDeviceGetPowerUsage``, mW) is sampled
and integrated with the trapezoid rule. Both are read at every poll: a counter that goes down
was reset (a 64-bit mJ counter does not wrap in practice), and that one interval is then
integrated from the power read at its two ends.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ccf_py.measure.formulas import (
    energy_from_average_power,
    joules_to_kwh,
    trapezoid_segment,
)

COUNTER = "nvml_energy_counter"
SAMPLING = "nvml_power_sampling"
UNMEASURED = "none"

# nvml.h return codes, compared by value so that any pynvml version (and a test's fake) works
_NOT_SUPPORTED, _NOT_FOUND, _FUNCTION_NOT_FOUND, _GPU_IS_LOST, _GPU_NOT_FOUND = 3, 6, 13, 15, 28
_LOST = {_NOT_FOUND, _GPU_IS_LOST, _GPU_NOT_FOUND}


def _code(exc: BaseException) -> int | None:
    return getattr(exc, "value", None)


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


@dataclass(frozen=True)
class DeviceEnergy:
    """One device's measured energy (GPU or CPU package)."""

    kind: str                        # "gpu" or "cpu"
    index: int
    model: str
    uuid: str | None
    method: str                      # COUNTER, SAMPLING, "rapl" or UNMEASURED
    sample_interval_s: float | None
    energy_kwh: float | None         # None: not measured (never a silent 0)
    complete: bool
    note: str


def open_nvml() -> tuple[Any, int] | str:
    """(pynvml, device count), or why no GPU can be measured."""
    try:
        import pynvml
    except ImportError:
        return "nvidia-ml-py is not installed (pip install 'ccf-py[nvml]')"
    try:
        pynvml.nvmlInit()
    except Exception as exc:  # NVMLError_LibraryNotFound, DriverNotLoaded, ...
        return f"NVML did not start ({_text(str(exc)) or type(exc).__name__})"
    try:
        count = int(pynvml.nvmlDeviceGetCount())
    except Exception as exc:
        close_nvml(pynvml)
        return f"NVML could not count GPUs ({exc})"
    if count == 0:
        close_nvml(pynvml)
        return "NVML found no GPU"
    return pynvml, count


def close_nvml(nvml: Any) -> None:
    with contextlib.suppress(Exception):  # after a lost GPU it may fail: nothing to keep
        nvml.nvmlShutdown()


class GpuMeter:
    """Energy of one GPU between :meth:`start` and :meth:`finish` (times from one clock, s)."""

    def __init__(self, nvml: Any, index: int, interval_s: float) -> None:
        self.nvml = nvml
        self.index = index
        self.interval_s = interval_s
        self.method = UNMEASURED
        self.why_unmeasured = ""
        self.model, self.uuid, self.handle = "unknown", None, None
        try:
            self.handle = nvml.nvmlDeviceGetHandleByIndex(index)
            self.model = _text(nvml.nvmlDeviceGetName(self.handle))
            self.uuid = _text(nvml.nvmlDeviceGetUUID(self.handle))
        except Exception as exc:  # counted by NVML but not openable: reported, not measured
            if not self._is_error(exc):
                raise
            self.why_unmeasured = f"NVML could not open it ({exc})"
        self.has_power = False
        self.counter_mj = 0                       # sum of the counter's non-negative steps
        self.reset_j = 0.0                        # reset intervals, from power samples
        self.sampled_j = 0.0                      # trapezoid integral (sampling method)
        self.resets = 0
        self.unmeasured_s = 0.0                   # reset intervals without power at both ends
        self.samples = 0
        self.failed_reads = 0
        self.first_t: float | None = None
        self.last_counter: tuple[float, int] | None = None
        self.last_power: tuple[float, float] | None = None
        self.lost: tuple[float, str] | None = None  # (time, NVML's words)

    def _is_error(self, exc: BaseException) -> bool:
        return isinstance(exc, self.nvml.NVMLError)

    def start(self, t: float) -> None:
        self.first_t = t
        if self.why_unmeasured:
            return
        counter_error = power_error = ""
        try:
            self.last_counter = (t, int(self.nvml.nvmlDeviceGetTotalEnergyConsumption(
                self.handle)))
            self.method = COUNTER
        except Exception as exc:
            if not self._is_error(exc):
                raise
            if _code(exc) in _LOST:
                self.lost = (t, str(exc))
                return
            counter_error = str(exc)
        try:
            self._add_power(t, self._power_w())
            self.has_power = True
        except Exception as exc:
            if not self._is_error(exc):
                raise
            power_error = str(exc)
        if self.method != COUNTER and self.has_power:
            self.method = SAMPLING
        elif self.method != COUNTER:
            self.why_unmeasured = (f"no energy counter ({counter_error}) and no power "
                                   f"reading ({power_error})")

    def _power_w(self) -> float:
        return float(self.nvml.nvmlDeviceGetPowerUsage(self.handle)) / 1000.0

    def _add_power(self, t: float, watts: float) -> None:
        if self.method != COUNTER and self.last_power is not None:
            self.sampled_j += trapezoid_segment(*self.last_power, t, watts)
        self.last_power = (t, watts)
        self.samples += 1

    def _add_counter(self, t: float, mj: int, watts: float | None) -> None:
        assert self.last_counter is not None
        t0, mj0 = self.last_counter
        if mj >= mj0:
            self.counter_mj += mj - mj0
        else:  # reset (driver reload, GPU reset): this interval from the power at its ends
            self.resets += 1
            if watts is not None and self.last_power is not None:
                self.reset_j += trapezoid_segment(*self.last_power, t, watts)
            else:
                self.unmeasured_s += t - t0
        self.last_counter = (t, mj)

    def poll(self, t: float) -> None:
        if self.lost is not None or self.method == UNMEASURED:
            return
        try:
            watts = self._power_w() if self.has_power else None
            mj = (int(self.nvml.nvmlDeviceGetTotalEnergyConsumption(self.handle))
                  if self.method == COUNTER else None)
        except Exception as exc:
            if not self._is_error(exc):
                raise
            if _code(exc) in _LOST:
                self.lost = (t, str(exc))
            else:
                self.failed_reads += 1
            return
        if mj is not None:
            self._add_counter(t, mj, watts)
        if watts is not None:
            self._add_power(t, watts)

    def finish(self, t: float) -> DeviceEnergy:
        self.poll(t)
        return DeviceEnergy("gpu", self.index, self.model, self.uuid, self.method,
                            self.interval_s, self._kwh(), self._complete(), self._note())

    def _kwh(self) -> float | None:
        if self.method == COUNTER:
            return joules_to_kwh(self.counter_mj / 1000.0 + self.reset_j)
        if self.method == SAMPLING and self.last_power is not None:
            seconds = self.last_power[0] - (self.first_t or 0.0)
            if seconds <= 0:
                return 0.0  # one sample only (lost at once): said in the note, complete=False
            # reported through the average power over the sampled time (same formula as
            # ccf_compute_kwh): kWh = avg W x hours / 1000
            return energy_from_average_power(1, seconds / 3600.0, self.sampled_j / seconds)
        return None

    def _complete(self) -> bool:
        return self.method != UNMEASURED and self.lost is None and self.unmeasured_s == 0

    def _note(self) -> str:
        parts = []
        if self.method == COUNTER:
            parts.append(f"NVML energy counter delta, read every {self.interval_s:g} s")
        elif self.method == SAMPLING:
            parts.append(f"no energy counter on this GPU: power sampled every "
                         f"{self.interval_s:g} s ({self.samples} samples), trapezoid rule")
        else:
            parts.append(self.why_unmeasured or "lost at the start")
        if self.resets:
            parts.append(f"energy counter went down {self.resets} time(s) (reset): those "
                         "interval(s) integrated from power samples")
        if self.unmeasured_s:
            parts.append(f"{self.unmeasured_s:.3g} s after a counter reset not measured "
                         "(no power reading)")
        if self.failed_reads:
            parts.append(f"{self.failed_reads} reading(s) failed and were skipped")
        if self.lost is not None:
            after = self.lost[0] - (self.lost[0] if self.first_t is None else self.first_t)
            parts.append(f"GPU lost {after:.1f} s after the start ({self.lost[1]}): energy "
                         "until its last reading")
        return "; ".join(parts)


def gpu_meters(interval_s: float, opener: Callable[[], tuple[Any, int] | str] = open_nvml
               ) -> tuple[Any, list[GpuMeter], str | None]:
    """(pynvml or None, a meter per GPU, why no GPU is measured or None)."""
    opened = opener()
    if isinstance(opened, str):
        return None, [], opened
    nvml, count = opened
    return nvml, [GpuMeter(nvml, i, interval_s) for i in range(count)], None
