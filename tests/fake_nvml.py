"""A stand-in for nvidia-ml-py's ``pynvml`` (no local NVML exists without an NVIDIA driver).

It simulates N GPUs with the calls ccf_py.measure makes: a total-energy counter in mJ (time
based from the power, or a scripted list of readings), power in mW (constant or scripted),
a counter that is not supported, a counter reset after some seconds, and a GPU lost after K
calls. Errors carry NVML's return codes (nvml.h) in ``.value`` as pynvml's do.

Tests put an instance in ``sys.modules["pynvml"]``; a subprocess gets one through
``tests/fake_pynvml/pynvml.py`` on PYTHONPATH, configured by ``$CCF_FAKE_NVML`` (JSON).
"""

from __future__ import annotations

import json
import time
import types
from collections.abc import Callable
from dataclasses import dataclass, field

NVML_ERROR_DRIVER_NOT_LOADED = 9
NVML_ERROR_LIBRARY_NOT_FOUND = 12
NVML_ERROR_NOT_SUPPORTED = 3
NVML_ERROR_GPU_IS_LOST = 15
_MESSAGES = {3: "Not Supported", 9: "Driver Not Loaded", 12: "NVML Shared Library Not Found",
             15: "GPU is lost", 6: "Not Found"}


class NVMLError(Exception):
    def __init__(self, value: int) -> None:
        self.value = value
        super().__init__(_MESSAGES.get(value, f"NVML error {value}"))


@dataclass
class FakeGpu:
    name: str = "NVIDIA H100 80GB HBM3"
    uuid: str = "GPU-00000000-0000-0000-0000-000000000000"
    power_w: float | list[float] | None = 250.0  # None: power reading not supported
    counter: bool = True                          # False: energy counter not supported
    counter_mj: list[int] | None = None           # scripted readings (last one repeats)
    counter_start_mj: int = 5_000_000             # time-based counter's value at nvmlInit
    reset_after_s: float | None = None            # time-based counter restarts from 0
    lost_after_calls: int | None = None           # calls on this device before GPU_IS_LOST
    calls: int = 0
    counter_reads: list[int] = field(default_factory=list)
    power_reads: list[float] = field(default_factory=list)


class FakeNvml(types.ModuleType):
    NVMLError = NVMLError

    def __init__(self, gpus: list[FakeGpu], *, init_error: int | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__("pynvml")
        self.gpus = gpus
        self.init_error = init_error
        self.clock = clock
        self.t_init = clock()
        self.log: list[str] = []

    @classmethod
    def from_json(cls, text: str) -> FakeNvml:
        cfg = json.loads(text)
        return cls([FakeGpu(**g) for g in cfg.get("gpus", [])], init_error=cfg.get("init_error"))

    def nvmlInit(self) -> None:  # noqa: N802 - pynvml's names
        self.log.append("nvmlInit")
        if self.init_error is not None:
            raise NVMLError(self.init_error)
        self.t_init = self.clock()

    def nvmlShutdown(self) -> None:  # noqa: N802
        self.log.append("nvmlShutdown")

    def nvmlDeviceGetCount(self) -> int:  # noqa: N802
        return len(self.gpus)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:  # noqa: N802
        return index

    def _gpu(self, handle: int) -> FakeGpu:
        gpu = self.gpus[handle]
        gpu.calls += 1
        if gpu.lost_after_calls is not None and gpu.calls > gpu.lost_after_calls:
            raise NVMLError(NVML_ERROR_GPU_IS_LOST)
        return gpu

    def nvmlDeviceGetName(self, handle: int) -> str:  # noqa: N802
        return self.gpus[handle].name

    def nvmlDeviceGetUUID(self, handle: int) -> str:  # noqa: N802
        return self.gpus[handle].uuid

    def nvmlDeviceGetPowerUsage(self, handle: int) -> int:  # noqa: N802
        gpu = self._gpu(handle)
        if gpu.power_w is None:
            raise NVMLError(NVML_ERROR_NOT_SUPPORTED)
        if isinstance(gpu.power_w, list):
            watts = gpu.power_w[min(len(gpu.power_reads), len(gpu.power_w) - 1)]
        else:
            watts = gpu.power_w
        gpu.power_reads.append(watts)
        return int(round(watts * 1000))

    def nvmlDeviceGetTotalEnergyConsumption(self, handle: int) -> int:  # noqa: N802
        gpu = self._gpu(handle)
        if not gpu.counter:
            raise NVMLError(NVML_ERROR_NOT_SUPPORTED)
        if gpu.counter_mj is not None:
            value = gpu.counter_mj[min(len(gpu.counter_reads), len(gpu.counter_mj) - 1)]
        else:
            elapsed = self.clock() - self.t_init
            watts = gpu.power_w if isinstance(gpu.power_w, float | int) else 0.0
            if gpu.reset_after_s is not None and elapsed >= gpu.reset_after_s:
                value = int(watts * (elapsed - gpu.reset_after_s) * 1000)
            else:
                value = gpu.counter_start_mj + int(watts * elapsed * 1000)
        gpu.counter_reads.append(value)
        return value
