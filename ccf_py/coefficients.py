"""Coefficient tables: the one accessor for ``coefficients/*.csv``.

Every table has an explicit schema (no type sniffing), a key that must be unique and a
non-empty ``source`` on every row. ``load_tables`` puts them into DuckDB as ``coef_<stem>``;
``load`` returns them as Python lookups for the usage-key classifier. ``fingerprint`` hashes
the bytes so every report can say which coefficients produced it.
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import duckdb

from ccf_py.errors import CoefficientError
from ccf_py.resources import data_dir

# table stem -> (ordered {column: DuckDB type}, key columns)
SCHEMAS: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
    "instance_types": ({
        "provider": "VARCHAR", "instance_type": "VARCHAR", "family": "VARCHAR", "size": "VARCHAR",
        "vcpus": "DOUBLE", "memory_gb": "DOUBLE", "embodied_kg": "DOUBLE",
        "cpu_architectures": "VARCHAR", "gpu_count": "DOUBLE", "gpu_model": "VARCHAR",
        "burstable_baseline_pct": "DOUBLE", "family_largest_vcpus": "DOUBLE",
        "family_largest_memory_gb": "DOUBLE", "source": "VARCHAR"}, ("provider", "instance_type")),
    "aws_redshift_node_types": ({
        "node_type": "VARCHAR", "family": "VARCHAR", "size": "VARCHAR", "vcpus": "DOUBLE",
        "memory_gb": "DOUBLE", "source": "VARCHAR"}, ("node_type",)),
    "cpu_power": ({
        "provider": "VARCHAR", "architecture": "VARCHAR", "min_w_per_vcpu": "DOUBLE",
        "max_w_per_vcpu": "DOUBLE", "memory_gb_per_chip": "DOUBLE", "source": "VARCHAR"},
        ("provider", "architecture")),
    "gpu_power": ({
        "gpu_model": "VARCHAR", "min_w": "DOUBLE", "max_w": "DOUBLE", "source": "VARCHAR"},
        ("gpu_model",)),
    "grid_intensity": ({
        "provider": "VARCHAR", "region": "VARCHAR", "gco2e_per_kwh": "DOUBLE",
        "year": "INTEGER", "source": "VARCHAR"}, ("provider", "region")),
    "grid_intensity_market": ({
        "provider": "VARCHAR", "variant": "VARCHAR", "region": "VARCHAR",
        "gco2e_per_kwh": "DOUBLE", "source": "VARCHAR"}, ("provider", "variant", "region")),
    "pue": ({
        "provider": "VARCHAR", "region": "VARCHAR", "pue": "DOUBLE", "source": "VARCHAR"},
        ("provider", "region")),
    "constants": ({
        "provider": "VARCHAR", "key": "VARCHAR", "value": "DOUBLE", "unit": "VARCHAR",
        "source": "VARCHAR"}, ("provider", "key")),
    "replication_factors": ({
        "provider": "VARCHAR", "service": "VARCHAR", "usage_type_contains": "VARCHAR",
        "priority": "INTEGER", "replication_factor_ccf": "DOUBLE",
        "replication_factor_default": "DOUBLE", "source": "VARCHAR"},
        ("provider", "service", "usage_type_contains")),
    "region_groups": ({
        "provider": "VARCHAR", "region": "VARCHAR", "member_region": "VARCHAR",
        "source": "VARCHAR"}, ("provider", "region", "member_region")),
    "units": ({
        "provider": "VARCHAR", "pricing_unit": "VARCHAR", "consumed_unit": "VARCHAR",
        "source": "VARCHAR"}, ("provider", "pricing_unit")),
    "restricted_regions": ({
        "provider": "VARCHAR", "region": "VARCHAR", "runs_only": "VARCHAR",
        "source": "VARCHAR"}, ("provider", "region")),
    "unit_conversions": ({
        "provider": "VARCHAR", "unit": "VARCHAR", "base_unit": "VARCHAR",
        "base_units_per_unit": "DOUBLE", "source": "VARCHAR"}, ("provider", "unit")),
    "accelerators": ({
        "accelerator_model": "VARCHAR", "vendor": "VARCHAR", "kind": "VARCHAR",
        "idle_w": "DOUBLE", "max_w": "DOUBLE", "memory_gb": "DOUBLE", "embodied_kg": "DOUBLE",
        "basis": "VARCHAR", "source": "VARCHAR"}, ("accelerator_model",)),
    "accelerator_aliases": ({
        "alias": "VARCHAR", "accelerator_model": "VARCHAR", "source": "VARCHAR"}, ("alias",)),
    "accelerator_instance_types": ({
        "provider": "VARCHAR", "instance_type": "VARCHAR", "accelerator_model": "VARCHAR",
        "accelerator_count": "DOUBLE", "source": "VARCHAR"}, ("provider", "instance_type")),
    "accelerator_skus": ({
        "provider": "VARCHAR", "sku_contains": "VARCHAR", "accelerator_model": "VARCHAR",
        "unit_note": "VARCHAR", "source": "VARCHAR"}, ("provider", "sku_contains")),
    "grid_zones": ({
        "provider": "VARCHAR", "region": "VARCHAR", "zone": "VARCHAR",
        "watttime_region": "VARCHAR", "location": "VARCHAR", "source": "VARCHAR"},
        ("provider", "region")),
    "usage_lists": ({
        "provider": "VARCHAR", "list": "VARCHAR", "value": "VARCHAR", "source": "VARCHAR"},
        ("provider", "list", "value")),
    "storage_classes": ({
        "provider": "VARCHAR", "class_id": "VARCHAR", "service": "VARCHAR",
        "usage_contains": "VARCHAR", "medium": "VARCHAR", "wh_per_tb_hour": "DOUBLE",
        "wh_per_tb_hour_low": "DOUBLE", "wh_per_tb_hour_high": "DOUBLE", "copies": "DOUBLE",
        "embodied_kg_per_tb": "DOUBLE", "embodied_kg_per_tb_low": "DOUBLE",
        "embodied_kg_per_tb_high": "DOUBLE", "lifespan_years": "DOUBLE", "description": "VARCHAR",
        "source": "VARCHAR"}, ("provider", "class_id")),
    "storage_prices": ({
        "provider": "VARCHAR", "class_id": "VARCHAR", "region": "VARCHAR",
        "price_per_gb_month": "DOUBLE", "retrieval_per_gb": "DOUBLE", "min_storage_days": "DOUBLE",
        "currency": "VARCHAR", "price_date": "VARCHAR", "source": "VARCHAR"},
        ("class_id", "region")),
}

# Hand-maintained supplements of generated tables (README "instance_types_extra.csv"): the same
# columns, rows for what CCF's tables lack. ``default`` reads them after the generated table;
# ``ccf`` never does, and a supplement row may not repeat a generated key, so CCF parity holds.
SUPPLEMENTS: dict[str, str] = {"instance_types_extra": "instance_types",
                               "cpu_power_extra": "cpu_power"}
for _extra, _base in SUPPLEMENTS.items():
    SCHEMAS[_extra] = SCHEMAS[_base]


def table_path(stem: str) -> Path:
    return data_dir("coefficients") / f"{stem}.csv"


def _rows(stem: str) -> Iterator[tuple[int, dict[str, str]]]:
    columns, _ = SCHEMAS[stem]
    path = table_path(stem)
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != list(columns):
            raise CoefficientError(f"{path}: columns {reader.fieldnames} != expected "
                                   f"{list(columns)}")
        for row in reader:  # line_num counts physical lines, blank ones included
            yield reader.line_num, row


def validate(stem: str) -> list[dict[str, str]]:
    """Read one table, checking types, a non-empty source and unique keys."""
    columns, key = SCHEMAS[stem]
    seen: set[tuple[str, ...]] = set()
    rows = []
    for line, row in _rows(stem):
        where = f"{table_path(stem)}, line {line}"
        if None in row or None in row.values():
            raise CoefficientError(f"{where}: expected {len(columns)} cells")
        if not row["source"].strip():
            raise CoefficientError(f"{where}: empty source")
        k = tuple(row[c] for c in key)
        if k in seen:
            raise CoefficientError(f"{where}: duplicate key {k}")
        seen.add(k)
        for col, typ in columns.items():
            if typ in ("DOUBLE", "INTEGER") and row[col] != "":
                _check_number(row[col], typ, f"{where}, column {col!r}")
        rows.append(row)
    return rows


def _check_number(text: str, typ: str, where: str) -> None:
    try:
        value = float(text)
    except ValueError:
        raise CoefficientError(f"{where}: not a number: {text!r}") from None
    if not math.isfinite(value):
        raise CoefficientError(f"{where}: not a finite number: {text!r}")
    if typ == "INTEGER" and not value.is_integer():
        raise CoefficientError(f"{where}: not an integer: {text!r}")


def supplemented(stem: str) -> tuple[list[dict[str, str]], set[tuple[str, ...]]]:
    """The generated table ``stem`` followed by its supplement's rows, and the supplement's
    keys. A supplement row whose key the generated table has is an error (it would change
    what CCF's own table says)."""
    extra = next(e for e, b in SUPPLEMENTS.items() if b == stem)
    _, key = SCHEMAS[stem]
    base, rows = validate(stem), validate(extra)
    known = {tuple(r[c] for c in key) for r in base}
    for line, row in _rows(extra):
        if (k := tuple(row[c] for c in key)) in known:
            raise CoefficientError(f"{table_path(extra)}, line {line}: {k} is already in "
                                   f"{table_path(stem).name}; a supplement only adds rows")
    return base + rows, {tuple(r[c] for c in key) for r in rows}


def load_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create (or replace) ``coef_<stem>`` tables from the CSVs, with explicit types."""
    for base in SUPPLEMENTS.values():
        supplemented(base)
    for stem, (columns, _) in SCHEMAS.items():
        validate(stem)
        cols = "{" + ", ".join(f"'{c}': '{t}'" for c, t in columns.items()) + "}"
        con.execute(f"CREATE OR REPLACE TEMP TABLE coef_{stem} AS SELECT * FROM "
                    f"read_csv(?, header=true, columns={cols}, auto_detect=false)",
                    [str(table_path(stem))])


def fingerprint() -> str:
    """sha256 over all coefficient files (name + bytes), first 12 hex digits."""
    h = hashlib.sha256()
    for stem in sorted(SCHEMAS):
        h.update(stem.encode())
        h.update(table_path(stem).read_bytes())
    return h.hexdigest()[:12]


def _f(text: str) -> float | None:
    return float(text) if text != "" else None


@dataclass(frozen=True)
class InstanceType:
    instance_type: str
    family: str
    vcpus: float | None
    memory_gb: float | None
    embodied_kg: float | None
    cpu_architectures: tuple[str, ...]
    gpu_count: float | None
    gpu_model: str | None
    burstable_baseline_pct: float | None
    family_largest_vcpus: float | None
    family_largest_memory_gb: float | None


@dataclass(frozen=True)
class Accelerator:
    """One GPU / TPU / accelerator chip as the clouds count it (accelerators.csv)."""

    model: str
    idle_w: float
    max_w: float
    embodied_kg: float | None


HOURS_PER_YEAR = 8760


@dataclass(frozen=True)
class StorageClass:
    """One row of storage_classes.csv: a storage class's media, copies and embodied emissions
    (the default methodology's storage physics; every number an assumption with its source).
    ``copies`` None: the service's replication factor (replication_factors.csv)."""

    provider: str
    class_id: str
    service: str                 # billed service ('*': any, for the per-medium fallback rows)
    patterns: tuple[tuple[str, ...], ...]  # alternatives of lower-case parts, all contained
    medium: str
    wh_per_tb_hour: float
    wh_per_tb_hour_low: float
    wh_per_tb_hour_high: float
    copies: float | None
    embodied_kg_per_tb: float
    embodied_kg_per_tb_low: float
    embodied_kg_per_tb_high: float
    lifespan_years: float
    description: str
    source: str

    @property
    def lifespan_hours(self) -> float:
        return self.lifespan_years * HOURS_PER_YEAR

    @property
    def fallback(self) -> bool:
        """A provider's per-medium row for storage that matches no class."""
        return self.service == "*"

    def score(self, service: str, usage: str) -> int:
        """How specifically the row matches a billed line: the length of its longest matching
        alternative (every ``&`` part contained, case-insensitively); 0 = no match."""
        if self.fallback or service != self.service:
            return 0
        low = usage.lower()
        return max((sum(map(len, parts)) for parts in self.patterns
                    if all(p in low for p in parts)), default=0)


@dataclass(frozen=True)
class StoragePrice:
    """One row of storage_prices.csv: a class's public list price in one region."""

    provider: str
    class_id: str
    region: str
    price_per_gb_month: float
    retrieval_per_gb: float | None   # None: not recorded
    min_storage_days: float
    currency: str
    price_date: str
    source: str


@dataclass(frozen=True)
class ProviderCoefficients:
    """One provider's rows of the tables, as the provider's usage-key classifier reads them."""

    provider: str
    instances: dict[str, InstanceType]                   # instance / machine / VM types
    redshift: dict[str, InstanceType]                    # AWS Redshift node types (ra3.xlplus...)
    cpu: dict[str, tuple[float, float, float | None]]   # arch -> (min W, max W, GB/chip)
    gpu: dict[str, tuple[float, float]]                  # model -> (min W, max W), all providers
    constants: dict[str, float]                          # constants by key
    lists: dict[str, tuple[str, ...]]                    # usage-type / service / unit lists
    replication: tuple[tuple[str, str, int, float, float], ...]
    # accelerators: by model; the provider's instance types -> (model, count); its SKUs
    # billed per accelerator (sku text as sku_words writes it, model), longest text first
    accelerators: dict[str, Accelerator] = field(default_factory=dict)
    instance_accelerators: dict[str, tuple[str, float]] = field(default_factory=dict)
    accelerator_skus: tuple[tuple[str, str], ...] = ()
    accelerator_aliases: dict[str, str] = field(default_factory=dict)
    storage_classes: tuple[StorageClass, ...] = ()
    # keys that come from the supplements (instance_types_extra, cpu_power_extra): CCF does
    # not know them, so the ``ccf`` methodology drops them (generated_only)
    extra_instances: frozenset[str] = frozenset()
    extra_cpu: frozenset[str] = frozenset()
    # unit as billed (lower case) -> (the unit the classifier's rules read, how many of it
    # one billed unit is): GCP 'hour' -> ('seconds', 3600); default only (unit_conversions)
    unit_conversions: dict[str, tuple[str, float]] = field(default_factory=dict)

    def generated_only(self) -> ProviderCoefficients:
        """These coefficients without the supplement rows (what CCF's own tables hold)."""
        if not self.extra_instances and not self.extra_cpu:
            return self
        return replace(
            self, instances={t: i for t, i in self.instances.items()
                             if t not in self.extra_instances},
            cpu={a: w for a, w in self.cpu.items() if a not in self.extra_cpu},
            extra_instances=frozenset(), extra_cpu=frozenset())

    def storage_class(self, service: str, usage: str, medium: str | None) -> StorageClass | None:
        """The class row that matches a billed storage line most specifically, else the
        provider's row for ``medium`` (None when neither exists)."""
        best = max(self.storage_classes, key=lambda c: c.score(service, usage), default=None)
        if best is not None and best.score(service, usage):
            return best
        return next((c for c in self.storage_classes if c.fallback and c.medium == medium), None)

    def accelerator(self, name: str | None) -> Accelerator | None:
        """A model by its name or an alias (CCF's 'Nvidia Tesla V100', GCP's spellings)."""
        if not name:
            return None
        return self.accelerators.get(name) or self.accelerators.get(
            self.accelerator_aliases.get(name, ""))

    def sku_accelerator(self, sku: str) -> Accelerator | None:
        """The accelerator a per-accelerator SKU bills (case-insensitive, the word 'Tesla'
        optional, longest match)."""
        words = sku_words(sku)
        return next((self.accelerators[m] for text, m in self.accelerator_skus
                     if text in words), None)


def sku_words(text: str) -> str:
    """A SKU description as accelerator_skus.csv rows are matched against it: lower case,
    without the word 'Tesla' (NVIDIA retired the brand; Google writes 'Nvidia Tesla A100 GPU'
    for Compute Engine but 'Nvidia A100 80GB GPU' and Vertex AI's 'Training on Nvidia A100
    GPU' elsewhere), single spaces."""
    return " ".join(w for w in text.lower().split() if w != "tesla")


@dataclass(frozen=True)
class Coefficients:
    """Python view of the tables the usage-key classifiers need, one view per provider."""

    providers: dict[str, ProviderCoefficients]

    def for_provider(self, provider: str) -> ProviderCoefficients:
        return self.providers.get(provider) or ProviderCoefficients(
            provider, {}, {}, {}, next(iter(self.providers.values())).gpu, {}, {}, ())


def _instance(r: dict[str, str]) -> InstanceType:
    return InstanceType(
        r["instance_type"], r["family"], _f(r["vcpus"]), _f(r["memory_gb"]),
        _f(r["embodied_kg"]), tuple(a for a in r["cpu_architectures"].split("|") if a),
        _f(r["gpu_count"]), r["gpu_model"] or None, _f(r["burstable_baseline_pct"]),
        _f(r["family_largest_vcpus"]), _f(r["family_largest_memory_gb"]))


@cache
def load() -> Coefficients:
    gpu = {r["gpu_model"]: (float(r["min_w"]), float(r["max_w"])) for r in validate("gpu_power")}
    tables = {stem: validate(stem) for stem in ("constants", "usage_lists",
                                                 "replication_factors",
                                                 "accelerator_instance_types",
                                                 "accelerator_skus",
                                                 "unit_conversions")}
    tables["instance_types"], extra_instances = supplemented("instance_types")
    tables["cpu_power"], extra_cpu = supplemented("cpu_power")
    accelerators = {r["accelerator_model"]: Accelerator(
        r["accelerator_model"], float(r["idle_w"]), float(r["max_w"]), _f(r["embodied_kg"]))
        for r in validate("accelerators")}
    aliases = {r["alias"]: r["accelerator_model"] for r in validate("accelerator_aliases")}
    providers = sorted({r["provider"] for rows in tables.values() for r in rows})
    out = {}
    for p in providers:
        instances = {r["instance_type"]: _instance(r) for r in tables["instance_types"]
                     if r["provider"] == p}
        cpu = {r["architecture"]: (float(r["min_w_per_vcpu"]), float(r["max_w_per_vcpu"]),
                                   _f(r["memory_gb_per_chip"]))
               for r in tables["cpu_power"] if r["provider"] == p}
        constants = {r["key"]: float(r["value"]) for r in tables["constants"]
                     if r["provider"] == p}
        lists: dict[str, list[str]] = {}
        for r in tables["usage_lists"]:
            if r["provider"] == p:
                lists.setdefault(r["list"], []).append(r["value"])
        replication = tuple(
            (r["service"], r["usage_type_contains"], int(r["priority"]),
             float(r["replication_factor_ccf"]), float(r["replication_factor_default"]))
            for r in sorted(tables["replication_factors"],
                            key=lambda r: (r["service"], int(r["priority"])))
            if r["provider"] == p)
        out[p] = ProviderCoefficients(
            p, instances, _redshift_nodes(instances) if p == "aws" else {}, cpu, gpu,
            constants, {k: tuple(v) for k, v in lists.items()}, replication, accelerators,
            {r["instance_type"]: (r["accelerator_model"], float(r["accelerator_count"]))
             for r in tables["accelerator_instance_types"] if r["provider"] == p},
            tuple(sorted(((sku_words(r["sku_contains"]), r["accelerator_model"])
                          for r in tables["accelerator_skus"] if r["provider"] == p),
                         key=lambda t: -len(t[0]))),
            aliases, tuple(c for c in storage_classes() if c.provider == p),
            frozenset(t for q, t in extra_instances if q == p),
            frozenset(a for q, a in extra_cpu if q == p),
            {r["unit"].lower(): (r["base_unit"], float(r["base_units_per_unit"]))
             for r in tables["unit_conversions"] if r["provider"] == p})
    return Coefficients(out)


def _range_checked(row: dict[str, str], line: int, column: str) -> tuple[float, float, float]:
    """(value, low, high) of a column with ``_low`` / ``_high`` siblings; low <= value <= high."""
    value, low, high = (float(row[c]) for c in (column, f"{column}_low", f"{column}_high"))
    if not low <= value <= high:
        raise CoefficientError(f"{table_path('storage_classes')}, line {line}: {column} "
                               f"{value:g} outside its range {low:g}..{high:g}")
    return value, low, high


@cache
def storage_classes() -> tuple[StorageClass, ...]:
    """The storage class rows, in file order, their ranges checked."""
    rows = validate("storage_classes")
    out = []
    for line, r in enumerate(rows, start=2):
        wh = _range_checked(r, line, "wh_per_tb_hour")
        emb = _range_checked(r, line, "embodied_kg_per_tb")
        patterns = tuple(tuple(p.strip().lower() for p in alt.split("&") if p.strip())
                         for alt in r["usage_contains"].split("|") if alt.strip())
        out.append(StorageClass(
            r["provider"], r["class_id"], r["service"], patterns, r["medium"], *wh,
            _f(r["copies"]), *emb, float(r["lifespan_years"]), r["description"], r["source"]))
    return tuple(out)


@cache
def storage_prices() -> tuple[StoragePrice, ...]:
    """The public storage prices, in file order."""
    return tuple(StoragePrice(
        r["provider"], r["class_id"], r["region"], float(r["price_per_gb_month"]),
        _f(r["retrieval_per_gb"]), float(r["min_storage_days"] or 0), r["currency"],
        r["price_date"], r["source"]) for r in validate("storage_prices"))


def _redshift_nodes(instances: dict[str, InstanceType]) -> dict[str, InstanceType]:
    """Redshift node types as instance types. vCPUs and memory from the Redshift table; the
    family's largest node is its last row (CCF reads EC2's table first, whose ra3, dc2 and ds2
    families end in the same node); CPU and embodied data only where EC2's table has the same
    type (CCF's embodied lookup reads EC2's table alone)."""
    rows = validate("aws_redshift_node_types")
    largest = {r["family"]: r for r in rows}  # the last row of each family wins
    nodes = {}
    for r in rows:
        ec2 = instances.get(r["node_type"])
        last = largest[r["family"]]
        nodes[r["node_type"]] = InstanceType(
            r["node_type"], r["family"], _f(r["vcpus"]), _f(r["memory_gb"]),
            ec2.embodied_kg if ec2 else None, ec2.cpu_architectures if ec2 else (),
            None, None, None, _f(last["vcpus"]), _f(last["memory_gb"]))
    return nodes
