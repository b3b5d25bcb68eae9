"""Energy formulas of on-host measurement.

``energy_from_average_power`` is the same formula as the SQL macro ``ccf_compute_kwh`` of
``queries/macros/energy.sql`` with ``min_w = max_w = avg_power_w`` (utilisation then plays no
part) and device-hours in place of vCPU-hours: kWh = W x device-hours / 1000. It is the Python
twin of that macro, kept here so that measurement needs no database; a test checks both give
the same number. The sampling meter reports its integral through it (average power over the
sampled time), and the reproduction of Dodge et al. 2022, Table 2, uses it too.
"""

from __future__ import annotations

from collections.abc import Sequence

JOULES_PER_KWH = 3_600_000.0


def energy_from_average_power(count: float, hours: float, avg_power_w: float) -> float:
    """kWh used by ``count`` devices drawing ``avg_power_w`` W each for ``hours`` hours."""
    return avg_power_w * count * hours / 1000.0


def trapezoid_segment(t0: float, w0: float, t1: float, w1: float) -> float:
    """Joules between two power samples (seconds, watts): the trapezoid rule, whose error for
    a power curve sampled every dt is O(dt^2) against the step rule's O(dt)."""
    return (w0 + w1) / 2.0 * (t1 - t0)


def trapezoid_joules(samples: Sequence[tuple[float, float]]) -> float:
    """Joules under ``(seconds, watts)`` samples in time order (0 for fewer than two)."""
    return sum(trapezoid_segment(*a, *b) for a, b in zip(samples, samples[1:], strict=False))


def joules_to_kwh(joules: float) -> float:
    return joules / JOULES_PER_KWH
