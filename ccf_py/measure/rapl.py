"""Host CPU energy from RAPL through Linux powercap (``/sys/class/powercap``).

Each CPU package is a zone ``intel-rapl:N`` (AMD packages use the same name) whose
``energy_uj`` counts microjoules and wraps to 0 after ``max_energy_range_uj``. Only the
package zones are read: their sub-zones (``intel-rapl:N:M``: core, uncore, dram) are parts of
or beside the package and adding them would count twice or mix scopes. Since Linux 5.10
``energy_uj`` is readable by root only (CVE-2020-8694): then RAPL is skipped with a reason.
"""

from __future__ import annotations

import re
from pathlib import Path

from ccf_py.measure.formulas import joules_to_kwh
from ccf_py.measure.gpu import DeviceEnergy

RAPL = "rapl"
DEFAULT_POWERCAP_ROOT = Path("/sys/class/powercap")
_PACKAGE = re.compile(r"intel-rapl:(\d+)$")


class RaplMeter:
    """Energy of one package zone. Read at every poll so that no more than one wrap can fall
    between two readings (a typical range of 262,143 J wraps after ~20 min at 200 W)."""

    def __init__(self, zone: Path, index: int, interval_s: float) -> None:
        self.zone = zone
        self.index = index
        self.interval_s = interval_s
        name = zone / "name"
        self.model = name.read_text().strip() if name.exists() else zone.name
        self.max_uj = int((zone / "max_energy_range_uj").read_text())
        self.total_uj = 0
        self.wraps = 0
        self.failed_reads = 0
        self.last_uj = self._read()

    def _read(self) -> int:
        return int((self.zone / "energy_uj").read_text())

    def start(self, t: float) -> None:
        self.last_uj = self._read()

    def poll(self, t: float) -> None:
        try:
            now = self._read()
        except (OSError, ValueError):
            self.failed_reads += 1
            return
        if now >= self.last_uj:
            self.total_uj += now - self.last_uj
        else:  # wrapped past max_energy_range_uj back to 0
            self.wraps += 1
            self.total_uj += self.max_uj - self.last_uj + now
        self.last_uj = now

    def finish(self, t: float) -> DeviceEnergy:
        self.poll(t)
        note = f"RAPL package counter delta, read every {self.interval_s:g} s"
        if self.wraps:
            note += f"; counter wrapped {self.wraps} time(s) at max_energy_range_uj"
        if self.failed_reads:
            note += f"; {self.failed_reads} reading(s) failed and were skipped"
        return DeviceEnergy("cpu", self.index, self.model, None, RAPL, self.interval_s,
                            joules_to_kwh(self.total_uj / 1e6), True, note)


def rapl_meters(root: Path, interval_s: float) -> tuple[list[RaplMeter], str | None]:
    """A meter per readable package zone under ``root``, or why none is read."""
    zones = sorted((p for p in root.glob("intel-rapl:*") if _PACKAGE.match(p.name)),
                   key=lambda p: int(_PACKAGE.match(p.name).group(1)))  # type: ignore[union-attr]
    if not zones:
        return [], f"no RAPL package zone under {root}"
    meters, problems = [], []
    for zone in zones:
        try:
            index = int(_PACKAGE.match(zone.name).group(1))  # type: ignore[union-attr]
            meters.append(RaplMeter(zone, index, interval_s))
        except PermissionError:
            problems.append(f"{zone / 'energy_uj'} is not readable (root only since Linux 5.10)")
        except (OSError, ValueError) as exc:
            problems.append(f"{zone}: {exc}")
    return meters, ("; ".join(problems) or None) if not meters else None
