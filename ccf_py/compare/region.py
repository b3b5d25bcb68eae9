"""``ccf-py compare region``: the same usage in another region of the same provider.

The usage (the month's usage lines of one provider, optionally of one service and one source
region) is moved by changing the region of its billed lines and estimating again with the
real models (:mod:`ccf_py.compare.rerun`): energy follows the target region's PUE, operational
CO2e its grid factor (coefficients/pue.csv, grid_intensity.csv, through int_region_factors as
every report), embodied CO2e does not change (same hardware). ``best`` does this for every
region of the provider and ranks them.

Lines that have no single region (no region at all, ``global``, a dual- or multi-region such
as GCP's ``us`` or ``nam4``, or a region without a grid factor of its own) are not movable:
they stay out of the comparison, and a note says how much they are.
"""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass, field
from datetime import date
from functools import cache

import duckdb

from ccf_py import currency
from ccf_py.compare import rerun
from ccf_py.compare.base import SCENARIO_COLUMNS, Assumption, Comparison
from ccf_py.errors import ConfigError

BEST = "best"
MOVED, STAYS = "moved", "stays"


@dataclass(frozen=True)
class Factor:
    value: float
    year: int | None
    source: str


@dataclass(frozen=True)
class ProviderRegions:
    """One provider's regions as the coefficient tables know them."""

    provider: str
    grid: dict[str, Factor]          # regions with a grid factor of their own
    pue: dict[str, Factor]           # regions with a PUE of their own; '*' = the default
    groups: frozenset[str]           # dual- and multi-regions (lower case)
    # the names usage can move to, where the grid table also holds other names (Azure's
    # geographies and staging regions); None: every region of the grid table
    deployable: frozenset[str] | None = None
    # regions that run only some services (coefficients/restricted_regions.csv: GCP's
    # us-central2 runs Cloud TPU v4 only) -> what runs there; never ranked by ``best``
    restricted: dict[str, str] = field(default_factory=dict)

    def movable(self, region: str | None) -> bool:
        """Usage billed in ``region`` can move: a single region with its own grid factor."""
        return bool(region) and region in self.grid and region != "*" \
            and region.lower() not in self.groups  # type: ignore[union-attr]

    def candidates(self) -> list[str]:
        """The regions usage can move to."""
        return sorted(r for r in self.grid if self.movable(r)
                      and (self.deployable is None or r in self.deployable))

    def ranked(self) -> list[str]:
        """The regions ``best`` ranks: the candidates that are not restricted."""
        return [r for r in self.candidates() if r not in self.restricted]

    def find(self, name: str) -> str | None:
        """The table's spelling of target region ``name`` (any case), if it is one."""
        return next((r for r in self.candidates() if r.lower() == name.lower()), None)


def provider_regions(con: duckdb.DuckDBPyConnection) -> dict[str, ProviderRegions]:
    grid: dict[str, dict[str, Factor]] = {}
    for p, r, g, y, s in con.execute("SELECT provider, region, gco2e_per_kwh, year, source "
                                     "FROM coef_grid_intensity").fetchall():
        grid.setdefault(p, {})[r] = Factor(float(g), y, s)
    pue: dict[str, dict[str, Factor]] = {}
    for p, r, v, s in con.execute("SELECT provider, region, pue, source FROM coef_pue"
                                  ).fetchall():
        pue.setdefault(p, {})[r] = Factor(float(v), None, s)
    groups: dict[str, set[str]] = {}
    for p, r in con.execute("SELECT DISTINCT provider, lower(region) FROM coef_region_groups"
                            ).fetchall():
        groups.setdefault(p, set()).add(r)
    restricted: dict[str, dict[str, str]] = {}
    for p, r, runs in con.execute("SELECT provider, region, runs_only "
                                  "FROM coef_restricted_regions").fetchall():
        restricted.setdefault(p, {})[r] = runs
    return {p: ProviderRegions(p, g, pue.get(p, {}), frozenset(groups.get(p, ())),
                               azure_region_ids() if p == "azure" else None,
                               restricted.get(p, {}))
            for p, g in grid.items()}


@cache
def azure_region_ids() -> frozenset[str]:
    """The region ids Azure cost exports name (the FinOps toolkit's Regions.csv, which the
    Azure ingest maps locations with): CCF's Azure grid table also holds geographies
    ('europe', 'norway') and staging regions ('eastusstage'), which are no place to move to."""
    from ccf_py.ingest.azure_export import DATA_DIR

    with (DATA_DIR / "finopstoolkit_Regions.csv").open(encoding="utf-8-sig", newline="") as fh:
        return frozenset(r["RegionId"] for r in csv.DictReader(fh))


@dataclass(frozen=True)
class Selection:
    """The month's lines a comparison asked for, per (provider, service, region)."""

    rows: tuple[tuple[str, str | None, str | None, int], ...]   # provider, service, region, n

    def providers(self) -> list[str]:
        return sorted({r[0] for r in self.rows})

    def of(self, provider: str) -> Selection:
        return Selection(tuple(r for r in self.rows if r[0] == provider))

    def regions(self) -> list[str | None]:
        return sorted({r[2] for r in self.rows}, key=lambda r: (r is None, r or ""))

    def services(self) -> list[str]:
        return sorted({r[1] for r in self.rows if r[1]})

    def lines(self) -> int:
        return sum(r[3] for r in self.rows)


def select(con: duckdb.DuckDBPyConnection, month: date, label: str, service: str | None,
           from_region: str | None, provider: str | None) -> Selection:
    """The lines of ``month`` the options name; an option that matches nothing is an error."""
    sel = Selection(tuple(con.execute(
        "SELECT provider_name, service_name, region_id, count(*) FROM billed_lines "
        "WHERE billing_period_start = ? GROUP BY ALL", [month]).fetchall()))
    if provider is not None:
        if provider not in sel.providers():
            raise ConfigError(f"--provider {provider}: no {provider} lines in {label} "
                              f"(providers: {', '.join(sel.providers()) or 'none'})")
        sel = sel.of(provider)
    if service is not None:
        hit = Selection(tuple(r for r in sel.rows if (r[1] or "").lower() == service.lower()))
        if not hit.rows:
            raise ConfigError(f"--service {service!r}: no lines in {label} "
                              f"({_some(sel.services())})")
        sel = hit
    if from_region is not None:
        hit = Selection(tuple(r for r in sel.rows
                              if (r[2] or "").lower() == from_region.lower()))
        if not hit.rows:
            names = [r for r in sel.regions() if r]
            raise ConfigError(f"--from-region {from_region!r}: no such lines in {label} "
                              f"(regions: {', '.join(names) or 'none'})")
        sel = hit
    return sel


def _some(names: list[str], n: int = 8) -> str:
    more = f", ... ({len(names)} in all)" if len(names) > n else ""
    return "services: " + ", ".join(names[:n]) + more


def resolve(to: str, provider: str | None, sel: Selection,
            known: dict[str, ProviderRegions]) -> tuple[str, str | None]:
    """(provider, target region or None for ``best``)."""
    if to.lower() == BEST:
        present = sel.providers()
        if provider is None and len(present) > 1:
            raise ConfigError(f"--to best: the usage is of {', '.join(present)}; a region "
                              "belongs to one provider: choose one with --provider")
        return provider or present[0], None
    owners = {p: r for p, pr in known.items() if (r := pr.find(to)) is not None
              and (provider is None or p == provider)}
    groups = [p for p, pr in known.items() if to.lower() in pr.groups]
    if not owners and groups:
        raise ConfigError(f"--to {to}: a dual- or multi-region of {groups[0]} (data kept in "
                          "several regions), not a region to move usage to")
    named = [p for p, pr in known.items() if any(r.lower() == to.lower() for r in pr.grid)]
    if not owners and named:
        raise ConfigError(f"--to {to}: a name in {named[0]}'s grid table that is no region "
                          "a bill names (a geography or a staging region)")
    if not owners:
        pool = sorted(r for p, pr in known.items() if provider in (None, p)
                      for r in pr.candidates())
        near = difflib.get_close_matches(to.lower(), pool, n=3)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        scope = f" of {provider}" if provider else ""
        raise ConfigError(f"--to {to}: unknown region{scope} (not in "
                          f"coefficients/grid_intensity.csv){hint}")
    if len(owners) > 1:
        raise ConfigError(f"--to {to}: a region of {', '.join(sorted(owners))}; choose one "
                          "with --provider")
    (p, region), = owners.items()
    if p not in sel.providers():
        raise ConfigError(f"--to {region}: a region of {p}, and the usage asked for has no "
                          f"{p} lines (it is of {', '.join(sel.providers())})")
    return p, region


def changed_sql(services: list[str] | None, sources: list[str], fixed: list[str | None],
                to: str | None) -> str:
    """The month's lines with the movable ones (of ``services``, in ``sources``) moved to
    ``to`` (None: as billed) and marked; the asked-for lines that cannot move (regions
    ``fixed``) marked as staying."""
    svc = ("TRUE" if services is None else
           "b.service_name IN (" + ", ".join(rerun.text(s) for s in services) + ")")
    src = ", ".join(rerun.text(r) for r in sources) or "NULL"
    named = [r for r in fixed if r is not None]
    stay = " OR ".join(([f"b.region_id IN ({', '.join(rerun.text(r) for r in named)})"]
                        if named else []) + (["b.region_id IS NULL"] if None in fixed else []))
    moved = f"({svc}) AND b.region_id IN ({src})"
    target = rerun.text(to) if to is not None else "b.region_id"
    return (f"SELECT b.* REPLACE ("
            f"CASE WHEN {moved} THEN {target} ELSE b.region_id END AS region_id, "
            f"CASE WHEN {moved} THEN {rerun.mark(MOVED)} "
            f"WHEN ({svc}) AND ({stay or 'FALSE'}) THEN {rerun.mark(STAYS)} "
            f"ELSE b.billing_account_id END AS billing_account_id) FROM $billed b")


def compare_region(con: duckdb.DuckDBPyConnection, *, month: date, label: str, to: str,
                   service: str | None = None, from_region: str | None = None,
                   provider: str | None = None, methodology: str = "default") -> Comparison:
    known = provider_regions(con)
    if provider is not None and provider not in known:
        raise ConfigError(f"--provider {provider}: no grid factors for it (providers: "
                          f"{', '.join(sorted(known))})")
    sel = select(con, month, label, service, from_region, provider)
    provider, target = resolve(to, provider, sel, known)
    regions = known[provider]
    mine = sel.of(provider)
    sources = [r for r in mine.regions() if regions.movable(r)]
    fixed = [r for r in mine.regions() if not regions.movable(r)]
    if not sources:
        raise ConfigError(f"nothing to move: the {provider} lines asked for in {label} have no "
                          f"single region with a grid factor ({_region_list(fixed)})")
    services = None if service is None else mine.services()
    targets = regions.ranked() if target is None else [target]

    def run(to_region: str | None) -> rerun.Run:
        return rerun.estimate(con, methodology, month, provider,
                              changed_sql(services, sources, fixed, to_region))

    base = run(None)
    moved = base.totals.get(MOVED, rerun.Totals())
    if moved.lines == 0:
        raise ConfigError(f"nothing to move: the {provider} lines asked for in {label} carry "
                          "no usage (only taxes, credits or fees)")
    scenarios = [(r, run(r)) for r in targets]
    if target is None:  # best: lowest total first; equal factors tie (by name), not by the
        # last bits of floating-point sums
        scenarios.sort(key=lambda s: (round(s[1].totals[MOVED].co2e_total_kg, 9), s[0]))
    rows = [_row(_baseline_name(sources), moved, moved.billed_cost)]
    rows += [_row(r, res.totals[MOVED], moved.billed_cost if sources == [r] else None)
             for r, res in scenarios]
    factors = {**base.region_factors, **{r: res.region_factors[r] for r, res in scenarios}}
    return Comparison(
        kind="region", columns=SCENARIO_COLUMNS, rows=tuple(rows),
        assumptions=_assumptions(regions, sources, targets, factors, target is None),
        notes=(*_notes(provider, sel, mine, base, fixed, target is None),
               *_availability_notes(regions, target)),
        methodology=methodology, period=label,
        basis=(f"{moved.lines:,} {provider} usage lines of "
               f"{', '.join(services) if services else 'all services'} in "
               f"{_region_list(sources)}"),
        extra={"provider": provider,
               "ranking": [r for r, _ in scenarios] if target is None else None,
               "regions": [{"region": r, "pue": factors[r][0],
                            "gco2e_per_kwh": factors[r][1]}
                           for r in dict.fromkeys(sources + targets) if r in factors]})


def _baseline_name(sources: list[str]) -> str:
    return f"{sources[0]} (as billed)" if len(sources) == 1 else "as billed"


def _region_list(regions: list[str | None], n: int = 6) -> str:
    names = [r if r is not None else "no region" for r in regions]
    more = f" and {len(names) - n} more" if len(names) > n else ""
    return ", ".join(names[:n]) + more


def _row(scenario: str, t: rerun.Totals, cost: float | None) -> tuple:
    # grid factors and PUEs carry no low/high range: the range is the estimate itself
    return (scenario, t.energy_kwh, t.co2e_operational_kg, t.co2e_embodied_kg,
            t.co2e_total_kg, t.co2e_total_kg, t.co2e_total_kg, cost)


def _assumptions(regions: ProviderRegions, sources: list[str], targets: list[str],
                 factors: dict[str, tuple[float, float, bool]], best: bool
                 ) -> tuple[Assumption, ...]:
    p = regions.provider
    out = [Assumption("same usage", "the same usage amounts (instance-hours, GB-months, GB, "
                      "requests) of the same services and instance types, in another region",
                      "ccf_py what-if")]
    shown = sources + ([] if best else targets)
    for r in dict.fromkeys(shown):
        g = regions.grid[r]
        out.append(Assumption(f"grid intensity {r}", f"{factors[r][1]:g} g CO2e/kWh (annual "
                              f"average{f', {g.year}' if g.year else ''}; location-based)",
                              g.source))
    if best:
        sources_txt = "; ".join(sorted({regions.grid[r].source for r in targets}))
        out.append(Assumption("grid intensity (every region ranked)",
                              f"{p}'s annual location-based factor of each region "
                              f"({len(targets)} regions; JSON: regions)", sources_txt))
    for r in dict.fromkeys(shown):
        own = regions.pue.get(r)
        src = own or regions.pue.get("*")
        value = f"{factors[r][0]:g}" + ("" if own else f" ({p}'s default: no PUE of its own)")
        out.append(Assumption(f"PUE {r}", value, src.source if src else "coefficients/pue.csv"))
    if best:
        own = sorted(r for r in targets if r in regions.pue)
        default = regions.pue.get("*")
        others = "the others" if own else "every region"
        out.append(Assumption(
            "PUE (every region ranked)",
            (f"its own for {', '.join(own)}; " if own else "")
            + (f"{default.value:g} ({p}'s default) for {others}" if default else ""),
            "; ".join(sorted({f.source for f in regions.pue.values()}))))
    out += [Assumption("embodied emissions", "unchanged: the same hardware wherever it runs",
                       "SCI (ISO/IEC 21031): embodied emissions follow the hardware reserved, "
                       "not the grid"),
            Assumption("range", "none: grid factors and PUEs carry no low/high, so "
                       "co2e_low_kg = co2e_high_kg = co2e_total_kg",
                       "coefficients/grid_intensity.csv, coefficients/pue.csv"),
            Assumption("cost", "as billed where the usage already runs; unknown in any other "
                       "region (prices differ by region)", "no regional price list in ccf_py")]
    return tuple(out)


def _notes(provider: str, sel: Selection, mine: Selection, base: rerun.Run,
           fixed: list[str | None], best: bool) -> tuple[str, ...]:
    notes = []
    others = [p for p in sel.providers() if p != provider]
    if others:
        n = sum(sel.of(p).lines() for p in others)
        notes.append(f"Lines of {', '.join(others)} ({n:,}) are left out: a region belongs to "
                     "one provider (compare them with --provider).")
    stays = base.totals.get(STAYS)
    if stays and stays.lines:
        notes.append(f"Not movable, left out: {stays.lines:,} usage lines "
                     f"({stays.co2e_total_kg:,.3f} kg CO2e, cost "
                     f"{currency.format_costs(dict(stays.costs) or {'': 0.0})}) in "
                     f"{_region_list(fixed)}: no single region with a grid factor of its own "
                     "(global or edge services, dual- and multi-regions that keep data in "
                     "several regions).")
    moved = base.totals[MOVED]
    if moved.billed_cost is None:
        notes.append(f"The usage as billed is in {currency.several_word(dict(moved.costs))}: "
                     f"{currency.format_costs(dict(moved.costs))}; costs are never added "
                     "across currencies, so its cost column says unknown.")
    if moved.from_cost_kg:
        notes.append(f"{moved.from_cost_kg:,.3f} kg CO2e of the usage as billed is "
                     "extrapolated from cost (usage without a physical model); each scenario "
                     f"extrapolates it again from the kWh-per-cost ratios of {provider}'s "
                     "directly estimated lines, the moved ones in their new region.")
    if moved.not_estimable_lines:
        notes.append(f"{moved.not_estimable_lines:,} lines are not estimable (no ratio to "
                     "extrapolate from) and count as zero in every scenario.")
    notes.append("Moving usage can add data transfer between regions and change latency and "
                  "prices; the comparison estimates the same usage elsewhere, not that.")
    if best and provider == "azure":
        notes.append("Azure: ranked are the names of its grid table that are region ids of "
                      "the FinOps toolkit's region table (geographies such as 'norway' and "
                      "staging regions left out); a few are still geographies (japan, "
                      "unitedstates) or early-access (EUAP) regions: check that a region is "
                      "one you can deploy to.")
    return tuple(notes)


def _availability_notes(regions: ProviderRegions, target: str | None) -> tuple[str, ...]:
    """What the comparison does not know: whether the usage's services and machine types are
    offered in a target region. Regions known to run only some services are not ranked."""
    src = "coefficients/restricted_regions.csv"
    if target is not None:
        if target in regions.restricted:
            return (f"{target} runs only {regions.restricted[target]} ({src}): other usage "
                    "cannot run there.",)
        return ("Whether each service and machine type of the usage is offered in "
                f"{target} is not checked.",)
    left = [f"{r} (runs only {what})" for r, what in sorted(regions.restricted.items())
            if r in regions.candidates()]
    out = f"Not ranked: {', '.join(left)}, from {src}. " if left else ""
    return (f"{out}Whether each service and machine type of the usage is offered in a "
            "ranked region is not checked.",)
