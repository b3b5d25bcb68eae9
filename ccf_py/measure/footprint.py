"""CO2e of a measurement: operational (grid intensity x PUE x kWh) and the GPUs' embodied
share for the duration (SCI's M = TE x duration / lifespan, one device each).

Coefficients come from ``coefficients/*.csv`` through :mod:`ccf_py.coefficients`. The GPUs'
embodied TE is read from the ``accelerators`` table (columns ``accelerator_model`` and
``embodied_kg``) and its alias table when :data:`ccf_py.coefficients.SCHEMAS` has them. FALLBACK
until that table lands: no table, no figure -- the embodied share is reported as unknown,
never as 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ccf_py import coefficients
from ccf_py.errors import ConfigError
from ccf_py.measure.session import MeasurementResult

PROVIDERS = ("aws", "gcp", "azure")
ACCELERATORS = "accelerators"


def grid_intensity(provider: str, region: str) -> float:
    """g CO2e per kWh of ``region``; a region the table lacks is a ConfigError naming it."""
    for row in coefficients.validate("grid_intensity"):
        if row["provider"] == provider and row["region"] == region:
            return float(row["gco2e_per_kwh"])
    raise ConfigError(f"--region {region}: unknown region for provider {provider} (no row in "
                      f"{coefficients.table_path('grid_intensity').name}); nothing was run")


def pue(provider: str, region: str) -> float | None:
    rows = {r["region"]: float(r["pue"]) for r in coefficients.validate("pue")
            if r["provider"] == provider}
    return rows.get(region, rows.get("*"))


def lifespan_hours(provider: str) -> float | None:
    for row in coefficients.validate("constants"):
        if row["provider"] == provider and row["key"] == "server_lifespan_hours":
            return float(row["value"])
    return None


def _norm(name: str) -> str:
    """'NVIDIA Tesla V100-SXM2-16GB' and 'Nvidia V100 SXM2 16GB' alike."""
    text = re.sub(r"\b(nvidia|tesla|amd|instinct)\b", " ", name.lower())
    return re.sub(r"[^a-z0-9]", "", text)


def embodied_te_kg(model: str) -> tuple[float | None, str]:
    """(TE kg CO2e of one device, where it came from) or (None, why it is unknown)."""
    if ACCELERATORS not in coefficients.SCHEMAS:
        return None, "unknown (no accelerators coefficient table yet)"
    rows = coefficients.validate(ACCELERATORS)
    by_model = {_norm(r["accelerator_model"]): r for r in rows}
    wanted = _norm(model)
    for stem in sorted(s for s in coefficients.SCHEMAS if s.startswith("accelerator_alias")):
        for alias in coefficients.validate(stem):
            names = [v for k, v in alias.items() if "alias" in k or k == "nvml_name"]
            if any(_norm(n) == wanted for n in names) and alias.get("accelerator_model"):
                wanted = _norm(alias["accelerator_model"])
                break
    row = by_model.get(wanted)
    if row is None or not row.get("embodied_kg"):
        return None, f"unknown (no embodied figure for {model!r} in accelerators.csv)"
    return float(row["embodied_kg"]), f"{row['accelerator_model']}, accelerators.csv"


@dataclass(frozen=True)
class Footprint:
    provider: str
    region: str
    gco2e_per_kwh: float
    pue: float | None
    operational_kg: float
    embodied_kg: float | None            # None when any GPU's TE is unknown
    embodied_notes: tuple[tuple[int, str], ...]  # (GPU index, its share or why unknown)


def footprint(result: MeasurementResult, provider: str, region: str) -> Footprint:
    intensity = grid_intensity(provider, region)
    factor = pue(provider, region)
    operational = result.energy_kwh * (factor or 1.0) * intensity / 1000.0
    life = lifespan_hours(provider)
    total: float | None = 0.0
    notes = []
    for gpu in result.gpus:
        te, where = embodied_te_kg(gpu.model)
        if te is None or not life:
            total = None
            why = where if te is None else "unknown (no lifespan)"
            notes.append((gpu.index, why))
            continue
        share = te * (result.duration_s / 3600.0) / life  # SCI M, one device
        total = None if total is None else total + share
        notes.append((gpu.index, f"{share:.6g} kg ({te:g} kg x duration / {life:g} h; "
                                  f"{where})"))
    return Footprint(provider, region, intensity, factor, operational, total, tuple(notes))


def summary_lines(result: MeasurementResult, fp: Footprint | None,
                  exit_code: int | None = None) -> list[str]:
    """Plain lines for stderr: each device's energy and method, then CO2e."""
    head = f"measured {result.duration_s:.1f} s"
    if exit_code is not None:
        head += f"; command exit code {exit_code}"
    if result.interrupted:
        head += "; interrupted (partial measurement)"
    lines = [head]
    if result.gpu_unavailable:
        lines.append(f"no GPU energy measured: {result.gpu_unavailable}")
    for d in result.devices:
        kwh = "not measured" if d.energy_kwh is None else f"{d.energy_kwh:.6g} kWh"
        lines.append(f"  {d.kind} {d.index} {d.model}: {kwh} [{d.method}] {d.note}")
    if result.cpu_unavailable:
        lines.append(f"  cpu: not measured ({result.cpu_unavailable})")
    if not any(d.energy_kwh is not None for d in result.devices):
        lines.append("energy: nothing measured (no GPU and no CPU package was readable)")
        return lines
    lines.append(f"energy {result.energy_kwh:.6g} kWh (IT, PUE not applied)")
    if fp is None:
        lines.append("CO2e: give --region to convert (no region given)")
        return lines
    lines.append(f"operational {fp.operational_kg:.6g} kg CO2e ({fp.provider} {fp.region}: "
                 f"{fp.gco2e_per_kwh:g} g/kWh x PUE {fp.pue if fp.pue else 'unknown (1)'})")
    if not result.gpus:
        lines.append("embodied: no GPU measured (the host's embodied share is not included)")
        return lines
    embodied = "unknown" if fp.embodied_kg is None else f"{fp.embodied_kg:.6g} kg CO2e"
    by_text: dict[str, list[str]] = {}
    for index, text in fp.embodied_notes:
        by_text.setdefault(text, []).append(str(index))
    lines.append(f"embodied (GPUs' share for the duration) {embodied}" + "".join(
        f"; gpu {', '.join(ix)}: {text}" for text, ix in by_text.items()))
    return lines
