"""``ccf-py compare instance``: the same vCPU-hours (or accelerator-hours) on another instance
family or type (the "specialised / efficient hardware" lever).

The month's AWS compute lines whose instance type (as the classifier reads it) is of the
``--from`` family or type are rewritten to the target type: usage type and instance type
renamed, vCPUs set to the target's, and the hours scaled so that the estimate's vCPU-hours
(GPU- or accelerator-hours for accelerated families) stay the same. Then the real models
estimate them (:mod:`ccf_py.compare.rerun`): CPU watts, memory, GPUs and embodied emissions
all come from the classifier's reading of the target type (coefficients/instance_types.csv,
cpu_power.csv, accelerators.csv...), never from a second copy of the formulas.

A family is mapped to the target family's size with the same vCPU count (the same
accelerator count for accelerated families), else the nearest, the hours scaled.
Equal work per vCPU-hour is an assumption, and every output says so.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from datetime import date

import duckdb

from ccf_py import coefficients, currency
from ccf_py.classify import Classifier, KeyClass, UsageKey
from ccf_py.compare import rerun
from ccf_py.compare.base import SCENARIO_COLUMNS, Assumption, Comparison
from ccf_py.errors import ConfigError

PROVIDER = "aws"
CHANGED = "changed"


@dataclass(frozen=True)
class Catalog:
    """AWS instance types as the coefficient tables know them."""

    classifier: Classifier

    @property
    def coef(self) -> coefficients.ProviderCoefficients:
        return self.classifier.coef

    def types(self) -> set[str]:
        return set(self.coef.instances) | set(self.coef.instance_accelerators)

    def family(self, itype: str) -> str:
        inst = self.coef.instances.get(itype)
        return inst.family if inst else itype.split(".")[0]

    def members(self, spec: str) -> list[str]:
        """The types ``spec`` names: itself, or every type of the family ``spec``."""
        if spec in self.types():
            return [spec]
        return sorted(t for t in self.types() if self.family(t) == spec)

    def parse(self, option: str, spec: str) -> tuple[str, list[str]]:
        name = spec.strip().lower()
        found = self.members(name)
        if found:
            return name, found
        other = _other_provider(name)
        if other:
            raise ConfigError(f"{option} {spec}: {PROVIDER_NAMES.get(other, other)} "
                              "machine family or type; compare instance supports AWS "
                              "instance types only for now")
        pool = sorted(self.types() | {self.family(t) for t in self.types()})
        near = difflib.get_close_matches(name, pool, n=3)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise ConfigError(f"{option} {spec}: unknown instance family or type (not in "
                          f"coefficients/instance_types.csv or accelerator_instance_types.csv)"
                          f"{hint}")


# how the error names another provider's family ("an Azure ...": the article with the name)
PROVIDER_NAMES = {"gcp": "a Google Cloud", "azure": "an Azure", "oci": "an Oracle Cloud"}


def _other_provider(name: str) -> str | None:
    for p, pc in coefficients.load().providers.items():
        # a type, a family (n2-standard) or a series (GCP's n2)
        if p != PROVIDER and any(name in (t.lower(), i.family.lower(), t.lower().split("-")[0])
                                 for t, i in pc.instances.items()):
            return p
    return None


@dataclass(frozen=True)
class Line:
    """One usage key of the month's bill whose rows move to another type."""

    key: UsageKey
    kc: KeyClass
    lines: int


@dataclass(frozen=True)
class Move:
    line: Line
    target: str
    new_key: UsageKey
    new_kc: KeyClass
    factor: float        # target hours per hour billed

    @property
    def accelerated(self) -> bool:
        return self.line.kc.gpu_hours_per_unit > 0


def _keys(con: duckdb.DuckDBPyConnection, month: date) -> list[tuple[UsageKey, int]]:
    cols = ", ".join(rerun.billed_key("b").values())
    return [(UsageKey(*r[:6], provider=PROVIDER), int(r[6])) for r in con.execute(
        f"SELECT {cols}, count(*) FROM billed_lines b WHERE b.provider_name = ? "
        "AND b.billing_period_start = ? GROUP BY ALL", [PROVIDER, month]).fetchall()]


def _selected(cat: Catalog, keys: list[tuple[UsageKey, int]], members: list[str]
              ) -> list[Line]:
    out = []
    for key, n in keys:
        kc = cat.classifier.classify(key)
        if (kc.usage_class == "compute" and kc.estimate_path in ("direct", "fallback")
                and kc.instance_type in members
                and (kc.vcpu_hours_per_unit > 0 or kc.gpu_hours_per_unit > 0)):
            out.append(Line(key, kc, n))
    return out


def _rename(text: str | None, old: str, new: str) -> str | None:
    """``old`` instance type replaced by ``new`` where it stands as a name (``BoxUsage:``,
    ``db.`` and ``.search`` around it stay)."""
    if text is None:
        return None
    return re.sub(rf"(?<![A-Za-z0-9]){re.escape(old)}(?![A-Za-z0-9])", new, text)


def _bill_vcpus(con: duckdb.DuckDBPyConnection, itype: str) -> float | None:
    """The vCPUs the bill gives a type the coefficient tables do not size (any month)."""
    row = con.execute("SELECT max(x_vcpus) FROM billed_lines WHERE provider_name = ? AND "
                      "(x_instance_type = ? OR ends_with(x_instance_type, ?))",
                      [PROVIDER, itype, "." + itype]).fetchone()
    return float(row[0]) if row and row[0] else None


def _try(cat: Catalog, line: Line, target: str, vcpus: float | None) -> Move | str:
    """``line`` on ``target``, or why the estimate cannot take it there (a sentence about
    ``{t}``, the target)."""
    src = line.kc.instance_type or ""
    new_key = replace(line.key, usage_type=_rename(line.key.usage_type, src, target),
                      instance_type=_rename(line.key.instance_type, src, target), vcpu=vcpus)
    kc = cat.classifier.classify(new_key)
    if kc.estimate_path not in ("direct", "fallback"):
        return ("vCPU count of {t} unknown (not in coefficients/instance_types.csv, and no "
                "line of the bill names it)" if vcpus is None else
                "{t}: no physical model (" + kc.rule_id + ")")
    if kc.instance_type != target:
        return f"its usage type {line.key.usage_type!r} does not name {src}"
    if line.kc.gpu_hours_per_unit > 0:
        if kc.gpu_hours_per_unit <= 0:
            return ("no GPUs or accelerators of {t} in the coefficients, and " + src
                    + " usage is compared by accelerator-hours")
        factor = line.kc.gpu_hours_per_unit / kc.gpu_hours_per_unit
    else:
        if kc.vcpu_hours_per_unit <= 0:
            return "{t} has no vCPU count"
        if kc.gpu_hours_per_unit > 0:
            return "{t} has GPUs or accelerators and " + src + " none: compare like with like"
        factor = line.kc.vcpu_hours_per_unit / kc.vcpu_hours_per_unit
    return Move(line, target, new_key, kc, factor)


def _reasons(tried: dict[str, Move | str]) -> str:
    """The reasons, each with the targets it holds for (three named at most)."""
    by: dict[str, list[str]] = {}
    for t, why in tried.items():
        if isinstance(why, str):
            by.setdefault(why, []).append(t)

    def names(ts: list[str]) -> str:
        return ", ".join(ts[:3]) + (f" and {len(ts) - 3} more" if len(ts) > 3 else "")

    return "; ".join(why.replace("{t}", names(ts)) for why, ts in by.items())


def _size_order(move: Move) -> tuple:
    """Equal vCPUs (accelerators) first, then the nearest; a named size before ``metal``."""
    return (abs(move.factor - 1.0) > 1e-9, abs(move.factor - 1.0),
            move.target.endswith(".metal"), move.target)


def plan(con: duckdb.DuckDBPyConnection, cat: Catalog, lines: list[Line], to_spec: str,
         targets: list[str]) -> list[Move]:
    """Each line on its representative target type; an error when none fits."""
    vcpus = {t: (i.vcpus if (i := cat.coef.instances.get(t)) and i.vcpus
                 else _bill_vcpus(con, t)) for t in targets}
    moves = []
    for line in lines:
        tried = {t: _try(cat, line, t, vcpus[t]) for t in targets}
        options = [m for m in tried.values() if isinstance(m, Move)]
        if not options:
            raise ConfigError(f"--to {to_spec}: cannot take {line.kc.instance_type} usage: "
                              + _reasons(tried))
        moves.append(min(options, key=_size_order))
    return moves


def compare_instance(con: duckdb.DuckDBPyConnection, *, month: date, label: str,
                     from_spec: str, to_spec: str, methodology: str = "default") -> Comparison:
    cat = Catalog(Classifier(coefficients.load(), methodology))
    from_name, members = cat.parse("--from", from_spec)
    to_name, targets = cat.parse("--to", to_spec)
    if set(members) & set(targets):
        raise ConfigError(f"--from {from_spec} and --to {to_spec} name the same instance types")
    lines = _selected(cat, _keys(con, month), members)
    if not lines:
        raise ConfigError(f"--from {from_spec}: no {from_name} usage in {label} "
                          f"({_families_billed(cat, con, month)})")
    moves = plan(con, cat, lines, to_spec, targets)
    con.execute(_KEYS_DDL)
    try:
        con.executemany("INSERT INTO whatif_keys VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [(*_key_values(m.line.key), m.new_key.usage_type,
                          m.new_key.instance_type, m.new_key.vcpu, m.factor) for m in moves])
        base = rerun.estimate(con, methodology, month, PROVIDER, _changed_sql(False))
        new = rerun.estimate(con, methodology, month, PROVIDER, _changed_sql(True))
        cost, unpriced = _target_cost(con, month)
    finally:
        con.execute("DROP TABLE IF EXISTS whatif_keys")
    b, s = base.totals[CHANGED], new.totals[CHANGED]
    accelerated = any(m.accelerated for m in moves)
    # costs in several currencies are never added: both costs unknown, the note says them
    cost = None if unpriced or b.billed_cost is None else cost
    target_row, embodied_note = _target_row(to_name, moves, b, s, cost)
    return Comparison(
        kind="instance", columns=SCENARIO_COLUMNS,
        rows=(_row(f"{from_name} (as billed)", b, b.billed_cost), target_row),
        assumptions=_assumptions(con, cat, moves, b, accelerated, label),
        notes=(*embodied_note, *_notes(moves, unpriced, b, s)),
        methodology=methodology, period=label,
        basis=_basis(b, moves, accelerated),
        extra={"provider": PROVIDER,
               "mapping": [{"from": f, "to": t, "hours_per_hour": k}
                           for f, t, k in sorted({(m.line.kc.instance_type, m.target, m.factor)
                                                  for m in moves})],
               "vcpu_hours": {"as_billed": b.vcpu_hours, "target": s.vcpu_hours},
               "gpu_hours": {"as_billed": b.gpu_hours, "target": s.gpu_hours}})


_KEYS_DDL = ("CREATE OR REPLACE TEMP TABLE whatif_keys (service VARCHAR, usage_type VARCHAR, "
             "pricing_unit VARCHAR, line_item_type VARCHAR, vcpu DOUBLE, instance_type VARCHAR, "
             "new_usage_type VARCHAR, new_instance_type VARCHAR, new_vcpu DOUBLE, "
             "factor DOUBLE)")


def _key_values(key: UsageKey) -> tuple:
    return (key.service, key.usage_type, key.pricing_unit, key.line_item_type, key.vcpu,
            key.instance_type)


def _match(b: str = "b", k: str = "k") -> str:
    """SQL: billed line ``b`` has the usage key of ``whatif_keys`` row ``k``."""
    return " AND ".join(f"{k}.{name} IS NOT DISTINCT FROM {expr}"
                        for name, expr in rerun.billed_key(b).items())


def _changed_sql(rewrite: bool) -> str:
    """The month's lines, those of ``whatif_keys`` marked and (``rewrite``) on the target
    type: renamed, its vCPUs, the hours scaled. Their resource ids go: energy ``ccf-py
    measure`` measured on the old hardware says nothing about the new."""
    on = "k.factor IS NOT NULL"
    changes = [f"CASE WHEN {on} THEN {rerun.mark(CHANGED)} ELSE b.billing_account_id END "
               "AS billing_account_id"]
    if rewrite:
        changes += [f"CASE WHEN {on} THEN k.new_usage_type ELSE b.x_usage_type END "
                    "AS x_usage_type",
                    f"CASE WHEN {on} THEN k.new_instance_type ELSE b.x_instance_type END "
                    "AS x_instance_type",
                    f"CASE WHEN {on} THEN k.new_vcpu ELSE b.x_vcpus END AS x_vcpus",
                    f"CASE WHEN {on} THEN b.consumed_quantity * k.factor "
                    "ELSE b.consumed_quantity END AS consumed_quantity",
                    f"CASE WHEN {on} THEN NULL ELSE b.resource_id END AS resource_id"]
    return (f"SELECT b.* REPLACE ({', '.join(changes)}) FROM $billed b "
            f"LEFT JOIN whatif_keys k ON {_match()}")


def _target_cost(con: duckdb.DuckDBPyConnection, month: date) -> tuple[float, list[str]]:
    """The target hours at the bill's own on-demand price of the target usage type in the
    same service and region (cost / quantity of its 'Usage' lines this month), and the
    usage types it has no price for."""
    total, missing = con.execute(
        f"""WITH prices AS (
               SELECT service_name, x_usage_type, region_id, billing_currency,
                      sum(billed_cost) / sum(consumed_quantity) AS price
               FROM billed_lines
               WHERE provider_name = $p AND billing_period_start = $m
                 AND {rerun.billed_key('billed_lines')['line_item_type']} = 'Usage'
                 AND billed_cost > 0 AND consumed_quantity > 0
               GROUP BY ALL)
           SELECT sum(b.consumed_quantity * k.factor * p.price),
                  list(DISTINCT k.new_usage_type || ' in ' || coalesce(b.region_id, '?')
                       ORDER BY 1) FILTER (WHERE p.price IS NULL AND b.consumed_quantity <> 0)
           FROM billed_lines b JOIN whatif_keys k ON {_match()}
           LEFT JOIN prices p ON p.service_name IS NOT DISTINCT FROM b.service_name
            AND p.x_usage_type = k.new_usage_type
            AND p.region_id IS NOT DISTINCT FROM b.region_id
            AND p.billing_currency IS NOT DISTINCT FROM b.billing_currency
           WHERE b.provider_name = $p AND b.billing_period_start = $m""",
        {"p": PROVIDER, "m": month}).fetchone()
    return float(total or 0), list(missing or [])


def _row(scenario: str, t: rerun.Totals, cost: float | None) -> tuple:
    # the instance coefficients carry no low/high range: the range is the estimate itself
    return (scenario, t.energy_kwh, t.co2e_operational_kg, t.co2e_embodied_kg,
            t.co2e_total_kg, t.co2e_total_kg, t.co2e_total_kg, cost)


def _target_row(name: str, moves: list[Move], b: rerun.Totals, s: rerun.Totals,
                cost: float | None) -> tuple[tuple, tuple[str, ...]]:
    """The target's row. Hosts of newer types have no published embodied figure: counted
    as 0 the move would gain the whole embodied share of the old hardware from missing data.
    So when no target has one, the row assumes the embodied of the hardware it replaces
    (the central figure and co2e_high_kg) and co2e_low_kg counts it as 0."""
    unknown = sorted({m.target for m in moves if not m.new_kc.embodied_te_kg})
    if not unknown or len(unknown) < len({m.target for m in moves}) or not b.co2e_embodied_kg:
        return _row(name, s, cost), ()
    emb = b.co2e_embodied_kg
    op = s.co2e_operational_kg
    note = (f"Embodied emissions of {', '.join(unknown)} are not published: the row assumes "
            f"the embodied of the hardware it replaces ({emb:,.3f} kg CO2e; co2e_high_kg) "
            f"and co2e_low_kg counts them as 0 ({op + s.co2e_embodied_kg:,.3f} kg). Only "
            "the operational difference is a finding.")
    return (name, s.energy_kwh, op, emb, op + emb, op + s.co2e_embodied_kg, op + emb,
            cost), (note,)


def _basis(b: rerun.Totals, moves: list[Move], accelerated: bool) -> str:
    services = sorted({m.line.key.service for m in moves if m.line.key.service})
    hours = (f"{b.gpu_hours:,.1f} GPU/accelerator-hours" if accelerated
             else f"{b.vcpu_hours:,.1f} vCPU-hours")
    return f"{hours} of {b.lines:,} usage lines ({', '.join(services)})"


def _families_billed(cat: Catalog, con: duckdb.DuckDBPyConnection, month: date) -> str:
    fams = sorted({cat.family(kc.instance_type) for key, _ in _keys(con, month)
                   if (kc := cat.classifier.classify(key)).usage_class == "compute"
                   and kc.instance_type and kc.instance_type in cat.types()})
    return f"instance families billed: {', '.join(fams) or 'none'}"


def _assumptions(con: duckdb.DuckDBPyConnection, cat: Catalog, moves: list[Move],
                 b: rerun.Totals, accelerated: bool, label: str) -> tuple[Assumption, ...]:
    unit = "accelerator-hour" if accelerated else "vCPU-hour"
    out = [Assumption(
        "equal work", f"the same work per {unit} on both: the same {unit}s, instance-hours "
        "scaled; rarely true (newer CPUs and accelerators do more per hour, Arm vCPUs are whole "
        "cores where x86 vCPUs are hyperthreads), so fewer hours may do the same work: not "
        "credited here", "ccf_py what-if (no performance data)")]
    pairs = sorted({(m.line.kc.instance_type or "", m.target, m.factor) for m in moves})
    out.append(Assumption("size mapping", "; ".join(
        f"{f} -> {t}" + ("" if abs(k - 1) < 1e-9 else f" x {k:g} hours") for f, t, k in pairs),
        "equal vCPU count (accelerator count for accelerated types), else the nearest size"))
    shown: dict[str, KeyClass] = {}
    for m in moves:
        shown.setdefault(m.line.kc.instance_type or "", m.line.kc)
        shown.setdefault(m.target, m.new_kc)
    for itype, kc in shown.items():
        out.append(Assumption(f"hardware {itype}", _hardware(kc), _sources(con, cat, itype, kc)))
    util, src = con.execute("SELECT value, source FROM coef_constants WHERE provider = ? "
                            "AND key = 'cpu_utilization_pct'", [PROVIDER]).fetchone()
    out += [Assumption("utilisation", f"{util:g} % of CPUs (and GPUs) on both", src),
            Assumption("range", "the instance coefficients carry no low/high: co2e_low_kg = "
                       "co2e_high_kg = co2e_total_kg, except a target whose embodied is "
                       "unpublished (low: counted as 0; high: the replaced hardware's)",
                       "coefficients/instance_types.csv, cpu_power.csv, accelerators.csv"),
            Assumption("cost", "as billed for the usage as billed (with its Savings Plans, "
                       "reservations, Spot); the target's hours at this bill's on-demand price "
                       "of the target usage type in the same service and region, else unknown",
                       f"the bill of {label}")]
    return tuple(out)


def _hardware(kc: KeyClass) -> str:
    parts = [f"{kc.vcpu_hours_per_unit:g} vCPU-hours per hour at "
             f"{kc.cpu_min_w:g}-{kc.cpu_max_w:g} W per vCPU"]
    if kc.gpu_hours_per_unit:
        parts.append(f"{kc.gpu_hours_per_unit:g} x {kc.accelerator_model or 'GPU'} at "
                     f"{kc.gpu_min_w:g}-{kc.gpu_max_w:g} W")
    if kc.memory_gb_hours_per_unit:
        parts.append(f"{kc.memory_gb_hours_per_unit:g} GB of memory beyond the CPU's share")
    if kc.embodied_te_kg:
        parts.append(f"embodied {kc.embodied_te_kg:g} kg per {kc.embodied_totr_vcpus:g}-vCPU "
                     "host" if kc.embodied_totr_vcpus > 1 else
                     f"embodied {kc.embodied_te_kg:g} kg")
    else:
        parts.append("embodied unknown (counted as 0)")
    return "; ".join(parts)


def _sources(con: duckdb.DuckDBPyConnection, cat: Catalog, itype: str, kc: KeyClass) -> str:
    found = [r[0] for r in con.execute(
        "SELECT source FROM coef_instance_types WHERE provider = ? AND instance_type = ? "
        "UNION ALL SELECT source FROM coef_instance_types_extra WHERE provider = ? "
        "AND instance_type = ? AND ? "
        "UNION ALL SELECT source FROM coef_accelerator_instance_types WHERE provider = ? "
        "AND instance_type = ?", [PROVIDER, itype, PROVIDER, itype,
                                  itype in cat.coef.extra_instances, PROVIDER, itype]).fetchall()]
    inst = cat.coef.instances.get(itype)
    archs = [a for a in (inst.cpu_architectures if inst else ()) if a in cat.coef.cpu] or ["*"]
    found += [r[0] for r in con.execute(
        "SELECT DISTINCT source FROM (SELECT * FROM coef_cpu_power UNION ALL "
        "SELECT * FROM coef_cpu_power_extra) WHERE provider = ? AND list_contains(?, "
        "architecture)", [PROVIDER, archs]).fetchall()]
    if kc.accelerator_model:
        found += [r[0] for r in con.execute("SELECT source FROM coef_accelerators WHERE "
                                            "accelerator_model = ?", [kc.accelerator_model]
                                            ).fetchall()]
    return "; ".join(dict.fromkeys(found)) or "coefficients/instance_types.csv"


def _notes(moves: list[Move], unpriced: list[str], b: rerun.Totals, s: rerun.Totals
           ) -> tuple[str, ...]:
    notes = []
    if b.billed_cost is None:
        notes.append(f"The usage as billed is in {currency.several_word(dict(b.costs))}: "
                     f"{currency.format_costs(dict(b.costs))}; costs are never added across "
                     "currencies, so both costs say unknown.")
    if unpriced:
        more = f" and {len(unpriced) - 3} more" if len(unpriced) > 3 else ""
        notes.append(f"Cost unknown: the bill has no on-demand price for {', '.join(unpriced[:3])}"
                     f"{more} this month.")
    fallback = sorted({m.target for m in moves if m.new_kc.estimate_path == "fallback"})
    if fallback:
        notes.append(f"{', '.join(fallback)}: estimated with fallback coefficients (CPU "
                     "architecture unknown: the provider's average watts).")
    if b.gpu_hours and s.gpu_hours and abs(b.vcpu_hours - s.vcpu_hours) > 1e-6:
        notes.append(f"vCPU-hours change with the accelerators ({b.vcpu_hours:,.1f} -> "
                     f"{s.vcpu_hours:,.1f}): the host CPUs come with the instance.")
    notes.append("Only compute lines of the type are moved; storage (EBS), data transfer and "
                 "other lines of the same instances are left as they are, and out of the "
                 "comparison.")
    return tuple(notes)
