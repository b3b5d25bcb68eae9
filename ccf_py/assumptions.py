"""Assumptions a user sets instead of ccf_py's defaults: GPU utilisation per provider, account,
service, instance type or accelerator model (``--assumptions FILE``, ``api.report(assumptions=)``).

Billing data says how long an accelerator was rented, not how hard it worked; CCF and ccf_py
assume 50 % (``cpu_utilization_pct`` in coefficients/constants.csv). A team that knows its
training fleet runs near 90 % says so in a small TOML file::

    [[gpu_utilization]]
    instance_type = "p5.48xlarge"      # any of: provider, account, service, instance_type,
    utilization_pct = 85               #         accelerator (model or alias)

    [[gpu_utilization]]
    account = "111111111111"
    utilization_pct = 30

A row takes the rule that names the most of its fields (instance type and accelerator count
before service, service before account, account before provider); among equals the later rule
in the file. Every report made with assumptions lists the rules it used.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from ccf_py import coefficients
from ccf_py.errors import ConfigError

PROVIDERS = ("aws", "azure", "gcp")
MATCH_FIELDS = ("provider", "account", "service", "instance_type", "accelerator")
# how much a field narrows a rule down: instance type / accelerator > service > account > provider
SPECIFICITY = {"provider": 1, "account": 2, "service": 4, "instance_type": 8, "accelerator": 8}


@dataclass(frozen=True)
class GpuRule:
    number: int                    # 1-based position in the file
    match: tuple[tuple[str, str], ...]
    utilization_pct: float

    @property
    def specificity(self) -> int:
        return sum(SPECIFICITY[f] for f, _ in self.match)

    def describe(self) -> str:
        where = ", ".join(f"{f}={v}" for f, v in self.match) or "all usage"
        return f"GPU utilisation {self.utilization_pct:g} % for {where}"


@dataclass(frozen=True)
class Assumptions:
    source: str
    gpu_utilization: tuple[GpuRule, ...] = ()

    def notes(self, matched: set[int] | None = None) -> tuple[str, ...]:
        """The rules, those that ``matched`` a GPU line apart from those that matched none
        (a misspelt service or instance type changes nothing and must not look used)."""
        if not self.gpu_utilization:
            return ()
        used = [r for r in self.gpu_utilization if matched is None or r.number in matched]
        unused = [r for r in self.gpu_utilization if r not in used]
        notes = []
        if used:
            rules = "; ".join(f"rule {r.number}: {r.describe()}" for r in used)
            notes.append(f"Assumptions from {self.source} replace the 50 % GPU utilisation: "
                         f"{rules}.")
        if unused:
            rules = "; ".join(f"rule {r.number} ({r.describe()})" for r in unused)
            notes.append(f"Assumptions from {self.source} that match no GPU usage here: "
                         f"{rules}.")
        return tuple(notes)


def load(path: str | Path) -> Assumptions:
    """Read and check an assumptions file; every problem is one line naming the file and
    the rule."""
    name = str(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read the assumptions file ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: not valid TOML ({exc})") from None
    unknown = set(data) - {"gpu_utilization"}
    if unknown:
        raise ConfigError(f"{name}: unknown section(s) {', '.join(sorted(unknown))} "
                          "(known: [[gpu_utilization]])")
    entries = data.get("gpu_utilization", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{name}: gpu_utilization must be a list of [[gpu_utilization]] "
                          "tables")
    return Assumptions(name, tuple(_rule(name, i, e) for i, e in enumerate(entries, 1)))


def _rule(name: str, number: int, entry: object) -> GpuRule:
    where = f"{name}, gpu_utilization rule {number}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a table of fields")
    extra = set(entry) - set(MATCH_FIELDS) - {"utilization_pct"}
    if extra:
        raise ConfigError(f"{where}: unknown field(s) {', '.join(sorted(extra))} (use "
                          f"{', '.join(MATCH_FIELDS)}, utilization_pct)")
    pct = entry.get("utilization_pct")
    if isinstance(pct, bool) or not isinstance(pct, int | float):
        raise ConfigError(f"{where}: utilization_pct must be a number of percent")
    if not 0 <= pct <= 100:
        raise ConfigError(f"{where}: utilization_pct {pct} is outside 0..100")
    if 0 < pct < 1:  # 0.85 is almost surely 85 %, not 0.85 %
        raise ConfigError(f"{where}: utilization_pct {pct} looks like a fraction; write "
                          f"percent ({pct * 100:g} for {pct * 100:g} %)")
    match = []
    for field in MATCH_FIELDS:
        if field in entry:
            value = entry[field]
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{where}: {field} must be a non-empty text")
            match.append((field, _canonical(where, field, value.strip())))
    return GpuRule(number, tuple(match), float(pct))


def _canonical(where: str, field: str, value: str) -> str:
    """Accelerator names resolve to models, whatever the case: a model or alias, else every
    model whose name contains the text ('V100' is every V100 board), joined with '|'. An
    unknown one is an error, never a rule that silently matches nothing."""
    if field == "provider":
        value = value.lower()
        if value not in PROVIDERS:
            raise ConfigError(f"{where}: provider {value!r}: use one of {', '.join(PROVIDERS)}")
    if field != "accelerator":
        return value
    coef = coefficients.load().for_provider("aws")
    low = value.lower()
    exact = {m for m in coef.accelerators if m.lower() == low} | {
        m for a, m in coef.accelerator_aliases.items() if a.lower() == low}
    models = exact or {m for m in coef.accelerators if low in m.lower()}
    if not models:
        raise ConfigError(f"{where}: unknown accelerator {value!r} (not a model or alias in "
                          "coefficients/accelerators.csv, accelerator_aliases.csv, nor part "
                          "of a model's name)")
    return "|".join(sorted(models))
