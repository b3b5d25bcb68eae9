"""Turn what a user types after ``ccf-py ingest aws-cur`` into local files to read.

A user points us at billing data in whatever form they have it: one file, the folder an export
was synced into, a shell-style glob, or the ``s3://`` location AWS delivers the Cost and Usage
Report to. The readers only ever want a list of local files, so this module resolves every spec
up front: it picks billing files out of folders and S3 prefixes, downloads S3 objects into a work
folder, and removes duplicates. Doing this before any reading means a typo in the third argument
fails in seconds, before we have spent minutes on the first two, and every error names exactly
the spec the user typed.

Local paths are expanded here; S3 listing and downloading live in ``ccf_py.ingest.s3`` (which
explains why we use boto3 rather than DuckDB's own S3 support), the choice among legacy CUR
report versions in ``ccf_py.ingest.cur_versions``, and the file name rules in
``ccf_py.ingest.cur_names``.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ccf_py.errors import SourceError
from ccf_py.ingest.cur_names import CUR_SUFFIXES, NO_CUR_FILES, STATUS_DIR, is_cur_file_name
from ccf_py.ingest.cur_versions import (
    MANIFEST_SUFFIX,
    ManifestError,
    Parts,
    current_versions,
    report_keys,
)
from ccf_py.ingest.s3 import (
    S3_SCHEME,
    S3Object,
    download,
    list_s3,
    make_s3_client,
)

__all__ = ["CUR_SUFFIXES", "Source", "expand_sources", "is_cur_file_name"]

_GLOB_MAGIC = re.compile(r"[*?[]")


@dataclass(frozen=True)
class Source:
    """One billing file ready to be read.

    ``name`` is what messages show (the path as the user gave it, or the ``s3://bucket/key``
    URI), because a user recognises their own spelling, not our temp-folder path.
    ``path`` is the local file to open: the file itself, or the downloaded copy of an S3 object.
    """

    name: str
    path: Path


def expand_sources(
    specs: Sequence[str],
    workdir: Path,
    *,
    endpoint_url: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Source]:
    """Resolve ``specs`` into the local billing files they stand for.

    Each spec may be a file (taken as is, whatever its name, because the user chose it), a
    directory (searched recursively for billing files), a glob pattern (``**`` allowed), or an
    ``s3://bucket/key-or-prefix`` URI. S3 objects are downloaded under ``workdir`` at a path that
    mirrors ``bucket/key``, so same-named objects from different prefixes never overwrite each
    other. ``endpoint_url`` (or ``$CCF_PY_S3_ENDPOINT_URL``) points the S3 client at an
    S3-compatible server. ``progress`` receives one message per downloaded object, and a
    warning when a billing period holds several report versions and no manifest says which one
    is current (see ``cur_versions.current_versions``).

    Every spec is checked (and every S3 prefix listed) before the first download, so a bad spec
    fails fast. The result is sorted by name and holds each file once, even when several specs
    cover it (``a.csv`` and ``./a.csv``, or a file and its folder). An empty ``specs`` gives an
    empty list.

    Raises:
        SourceError: a spec matches nothing, yields no billing files, or S3 cannot be listed or
            read. The message is one line that starts with the spec or object URI.
    """
    found: dict[str, Source] = {}
    pending: dict[str, S3Object] = {}
    client: Any = None
    for spec in specs:
        if spec[: len(S3_SCHEME)].lower() == S3_SCHEME:
            if client is None:
                client = make_s3_client(spec, endpoint_url)
            for obj in list_s3(client, spec, progress):
                pending.setdefault(obj.uri, obj)
        else:
            for source in _expand_local(spec, progress):
                found.setdefault(_same_file_key(source.path), source)

    workdir = Path(workdir)
    for uri in sorted(pending):
        found.setdefault(uri, Source(uri, download(client, pending[uri], workdir, progress)))
    return sorted(found.values(), key=lambda source: source.name)


# --------------------------------------------------------------------------- local files


def _expand_local(spec: str, progress: Callable[[str], None] | None) -> list[Source]:
    """Expand one local spec. An existing path wins over glob interpretation, so a file that
    really is named ``report[1].csv`` is read rather than treated as a pattern."""
    path = Path(spec).expanduser()
    if path.is_file():
        return [Source(str(path), path.absolute())]
    if path.is_dir():
        sources = list(_walk_dir(path, spec))
        if not sources:
            raise SourceError(f"{spec}: {NO_CUR_FILES}")
        return _current_local(sources, progress)
    if path.exists():
        # A FIFO or device: the readers open a file more than once (sniff, then read).
        raise SourceError(f"{spec}: not a regular file or directory")
    if _GLOB_MAGIC.search(spec):
        matches = sorted(glob.glob(os.path.expanduser(spec), recursive=True))
        if not matches:
            raise SourceError(f"{spec}: no such file or directory")
        sources = []
        for match in matches:
            match_path = Path(match)
            if match_path.is_dir():
                sources.extend(_walk_dir(match_path, spec))
            elif (
                match_path.is_file()
                and is_cur_file_name(match_path.name)
                and STATUS_DIR not in match_path.parts
            ):
                sources.append(Source(str(match_path), match_path.absolute()))
        if not sources:
            raise SourceError(f"{spec}: {NO_CUR_FILES}")
        return _current_local(sources, progress)
    raise SourceError(f"{spec}: no such file or directory")


def _walk_dir(root: Path, spec: str) -> Iterator[Source]:
    """Yield billing files under ``root``, skipping hidden folders (``.git``, sync-tool state)
    and CUR status folders. An unreadable subfolder is an error, not a silent gap, because
    quietly missing part of a month's bill would understate the footprint."""

    def fail(exc: OSError) -> None:
        raise SourceError(f"{spec}: cannot read {exc.filename}: {exc.strerror or exc}")

    for dirpath, dirnames, filenames in os.walk(root, onerror=fail):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != STATUS_DIR)
        for filename in sorted(filenames):
            if is_cur_file_name(filename):
                file_path = Path(dirpath, filename)
                yield Source(str(file_path), file_path.absolute())


def _current_local(sources: list[Source], progress: Callable[[str], None] | None) -> list[Source]:
    """``current_versions`` for local files: a synced CUR folder keeps the S3 layout, and the
    file modification time stands in for S3's LastModified."""

    by_parts = {Path(source.name).parts: source for source in sources}

    def mtime(parts: Parts) -> float:
        try:
            return by_parts[parts].path.stat().st_mtime
        except OSError:
            return 0.0

    kept = current_versions(list(by_parts), mtime, _local_manifest,
                            lambda period: str(Path(*period)), progress)
    return [source for source in sources if Path(source.name).parts in kept]


def _local_manifest(period: Parts) -> list[str] | None:
    """The ``reportKeys`` of the manifests lying directly in a local period folder."""
    found = sorted(Path(*period).glob("*" + MANIFEST_SUFFIX))
    manifests = [p for p in found if p.is_file() and not p.name.startswith(".")]
    if not manifests:
        return None
    keys: list[str] = []
    for manifest in manifests:
        try:
            data = manifest.read_bytes()
        except OSError as exc:
            raise ManifestError(f"{manifest.name}: {exc.strerror or exc}") from exc
        keys += report_keys(manifest.name, data)
    return keys


def _same_file_key(path: Path) -> str:
    """Identity of a local file for de-duplication: ``a.csv``, ``./a.csv`` and a symlink to it
    must count once, or the same costs would be ingested twice."""
    return str(path.resolve())
