"""Pick the current report version of each legacy CUR billing period.

Legacy CUR's billing-period folders (``20231101-20231201``) can hold several versions of one
month: with "create new report version" each refresh of a month lands in its own subfolder of the
period (an assembly), and every one is a full copy of the month, so reading them all would count
that month several times. The rules here work on path components alone, so the same choice is
made for an S3 listing and for a local folder synced from it; callers supply how to read a
period's manifest and how old a file is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TypeAlias

#: Legacy CUR's billing-period folder names (``20231101-20231201``).
_PERIOD_DIR = re.compile(r"\d{8}-\d{8}")
MANIFEST_SUFFIX = "-Manifest.json"
Parts: TypeAlias = tuple[str, ...]


class ManifestError(Exception):
    """A period manifest exists but cannot be used; the newest version is read instead."""


def current_versions(
    files: list[Parts],
    mtime: Callable[[Parts], float],
    read_manifest: Callable[[Parts], list[str] | None],
    label: Callable[[Parts], str],
    progress: Callable[[str], None] | None,
) -> set[Parts]:
    """The files (as path components) left after dropping superseded legacy CUR versions.

    A period folder with two or more subfolders holding billing files keeps several versions of
    one month. The period manifest names the current one, so we keep exactly the parts it
    lists; without a usable manifest we keep the subfolder with the newest files and warn,
    because that is a guess. A period with one version, or with parts lying directly in it
    ("overwrite" delivery), is left whole: dropping files there would understate the bill.
    """
    periods: dict[Parts, dict[str, list[Parts]]] = {}
    for parts in files:
        cut = _period_end(parts)
        if cut:
            version = parts[cut] if len(parts) - cut > 1 else ""  # "": directly in the period
            periods.setdefault(parts[:cut], {}).setdefault(version, []).append(parts)
    kept = set(files)
    for period, versions in periods.items():
        if sum(1 for name in versions if name) > 1:
            kept -= {parts for group in versions.values() for parts in group}
            kept |= _pick_version(period, versions, mtime, read_manifest, label, progress)
    return kept


def _period_end(parts: Parts) -> int:
    """Index just past the deepest period folder among the file's folders; 0 when none."""
    for index in range(len(parts) - 2, -1, -1):
        if _PERIOD_DIR.fullmatch(parts[index]):
            return index + 1
    return 0


def _pick_version(
    period: Parts,
    versions: dict[str, list[Parts]],
    mtime: Callable[[Parts], float],
    read_manifest: Callable[[Parts], list[str] | None],
    label: Callable[[Parts], str],
    progress: Callable[[str], None] | None,
) -> set[Parts]:
    """Choose the files of one period that holds several versions (see ``current_versions``).
    Manifest keys are full S3 keys; they match by their path below the period folder, which
    is the same for the S3 objects and for a local copy synced from them."""
    try:
        keys = read_manifest(period)
        reason = "no manifest"
    except ManifestError as exc:
        keys, reason = None, f"an unusable manifest ({exc})"
    if keys is not None:
        listed = {_below_period(key, period[-1]) for key in keys}
        chosen = {p for group in versions.values() for p in group if p[len(period):] in listed}
        if chosen:
            return chosen
        reason = "a manifest that lists none of their files"
    names = [name for name in versions if name]
    newest = max(names, key=lambda name: (max(map(mtime, versions[name])), name))
    if progress is not None:
        progress(f"warning: {label(period)} holds {len(names)} report versions and {reason}; "
                 f"reading only the newest, {newest}")
    return set(versions.get("", []) + versions[newest])


def _below_period(key: str, period_name: str) -> Parts:
    """The part of a manifest key below its period folder (the whole key if none)."""
    parts = key.split("/")
    for index in range(len(parts) - 2, -1, -1):
        if parts[index] == period_name:
            return tuple(parts[index + 1 :])
    return tuple(parts)


def report_keys(name: str, data: bytes) -> list[str]:
    """The ``reportKeys`` list of a legacy CUR manifest: the parts of the current version."""
    try:
        keys = json.loads(data)["reportKeys"]
    except (ValueError, TypeError, KeyError) as exc:  # bad JSON or UTF-8, not an object
        raise ManifestError(f"{name}: no reportKeys") from exc
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        raise ManifestError(f"{name}: reportKeys is not a list of keys")
    return keys
