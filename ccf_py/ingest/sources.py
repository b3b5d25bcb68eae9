"""Turn what a user types after ``ccf-py ingest aws-cur`` into local files to read.

A user points us at billing data in whatever form they have it: one file, the folder an export
was synced into, a shell-style glob, or the ``s3://`` location AWS delivers the Cost and Usage
Report to. The readers only ever want a list of local files, so this module resolves every spec
up front: it picks billing files out of folders and S3 prefixes, downloads S3 objects into a work
folder, and removes duplicates. Doing this before any reading means a typo in the third argument
fails in seconds, before we have spent minutes on the first two, and every error names exactly
the spec the user typed.

We download with boto3 instead of letting DuckDB read ``s3://`` itself because boto3 follows the
standard AWS credential chain (profiles, SSO, instance roles) that users already have set up,
whereas DuckDB's httpfs needs its own extension binary and secrets.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias
from urllib.parse import quote, urlsplit

from ccf_py.errors import SourceError

#: File name endings of billing files. ``.snappy.parquet`` (CUR 2.0 / Data Exports) and
#: ``.gz.parquet`` end in ``.parquet``, so they are covered too. Manifests (``*.json``),
#: Athena/Redshift helper files (``.yml``, ``.sql``) and ``.part`` leftovers are not billing data.
CUR_SUFFIXES: tuple[str, ...] = (".csv", ".csv.gz", ".parquet")

#: Legacy CUR with Athena integration writes a one-column parquet file (READY / UPDATING) under
#: this folder next to the report data. It is not billing data, and reading it as CUR would fail
#: the whole ingest, so folder and prefix expansion skip it.
_STATUS_DIR = "cost_and_usage_data_status"

#: Legacy CUR's billing-period folders (``20231101-20231201``). With "create new report version"
#: each refresh of a month lands in its own subfolder of the period (an assembly), and every one
#: is a full copy of the month, so reading them all would count that month several times.
_PERIOD_DIR = re.compile(r"\d{8}-\d{8}")
_MANIFEST_SUFFIX = "-Manifest.json"
_Parts: TypeAlias = tuple[str, ...]

_NO_CUR_FILES = "no CUR files (.csv, .csv.gz, .parquet) found"
_GLOB_MAGIC = re.compile(r"[*?[]")
_S3_SCHEME = "s3://"


@dataclass(frozen=True)
class Source:
    """One billing file ready to be read.

    ``name`` is what messages show (the path as the user gave it, or the ``s3://bucket/key``
    URI), because a user recognises their own spelling, not our temp-folder path.
    ``path`` is the local file to open: the file itself, or the downloaded copy of an S3 object.
    """

    name: str
    path: Path


@dataclass(frozen=True)
class _S3Object:
    """An S3 object chosen for download; kept apart from downloading so listing errors in any
    spec surface before we spend time transferring data for the others."""

    bucket: str
    key: str
    size: int
    modified: float = 0.0  # LastModified (epoch seconds): tells report versions apart by age

    @property
    def uri(self) -> str:
        return f"{_S3_SCHEME}{self.bucket}/{self.key}"


def is_cur_file_name(name: str) -> bool:
    """True for a base name that looks like a billing file we can read.

    Hidden files (editor swap files, ``.DS_Store``, sync-tool state) are never billing data.
    The match ignores case so ``REPORT.CSV.GZ`` copied from another system still counts.
    """
    return not name.startswith(".") and name.lower().endswith(CUR_SUFFIXES)


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
    is current (see ``_current_versions``).

    Every spec is checked (and every S3 prefix listed) before the first download, so a bad spec
    fails fast. The result is sorted by name and holds each file once, even when several specs
    cover it (``a.csv`` and ``./a.csv``, or a file and its folder). An empty ``specs`` gives an
    empty list.

    Raises:
        SourceError: a spec matches nothing, yields no billing files, or S3 cannot be listed or
            read. The message is one line that starts with the spec or object URI.
    """
    found: dict[str, Source] = {}
    pending: dict[str, _S3Object] = {}
    client: Any = None
    for spec in specs:
        if spec[: len(_S3_SCHEME)].lower() == _S3_SCHEME:
            if client is None:
                client = _make_s3_client(spec, endpoint_url)
            for obj in _list_s3(client, spec, progress):
                pending.setdefault(obj.uri, obj)
        else:
            for source in _expand_local(spec, progress):
                found.setdefault(_same_file_key(source.path), source)

    workdir = Path(workdir)
    for uri in sorted(pending):
        found.setdefault(uri, _download(client, pending[uri], workdir, progress))
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
            raise SourceError(f"{spec}: {_NO_CUR_FILES}")
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
                and _STATUS_DIR not in match_path.parts
            ):
                sources.append(Source(str(match_path), match_path.absolute()))
        if not sources:
            raise SourceError(f"{spec}: {_NO_CUR_FILES}")
        return _current_local(sources, progress)
    raise SourceError(f"{spec}: no such file or directory")


def _walk_dir(root: Path, spec: str) -> Iterator[Source]:
    """Yield billing files under ``root``, skipping hidden folders (``.git``, sync-tool state)
    and CUR status folders. An unreadable subfolder is an error, not a silent gap, because
    quietly missing part of a month's bill would understate the footprint."""

    def fail(exc: OSError) -> None:
        raise SourceError(f"{spec}: cannot read {exc.filename}: {exc.strerror or exc}")

    for dirpath, dirnames, filenames in os.walk(root, onerror=fail):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != _STATUS_DIR)
        for filename in sorted(filenames):
            if is_cur_file_name(filename):
                file_path = Path(dirpath, filename)
                yield Source(str(file_path), file_path.absolute())


def _current_local(sources: list[Source], progress: Callable[[str], None] | None) -> list[Source]:
    """``_current_versions`` for local files: a synced CUR folder keeps the S3 layout, and the
    file modification time stands in for S3's LastModified."""

    by_parts = {Path(source.name).parts: source for source in sources}

    def mtime(parts: _Parts) -> float:
        try:
            return by_parts[parts].path.stat().st_mtime
        except OSError:
            return 0.0

    kept = _current_versions(list(by_parts), mtime, _local_manifest,
                             lambda period: str(Path(*period)), progress)
    return [source for source in sources if Path(source.name).parts in kept]


def _local_manifest(period: _Parts) -> list[str] | None:
    """The ``reportKeys`` of the manifests lying directly in a local period folder."""
    found = sorted(Path(*period).glob("*" + _MANIFEST_SUFFIX))
    manifests = [p for p in found if p.is_file() and not p.name.startswith(".")]
    if not manifests:
        return None
    keys: list[str] = []
    for manifest in manifests:
        try:
            data = manifest.read_bytes()
        except OSError as exc:
            raise _ManifestError(f"{manifest.name}: {exc.strerror or exc}") from exc
        keys += _report_keys(manifest.name, data)
    return keys


def _same_file_key(path: Path) -> str:
    """Identity of a local file for de-duplication: ``a.csv``, ``./a.csv`` and a symlink to it
    must count once, or the same costs would be ingested twice."""
    return str(path.resolve())


# --------------------------------------------------------------------------- S3


def _parse_s3_uri(spec: str) -> tuple[str, str]:
    """Split ``s3://bucket/prefix`` into bucket and prefix (possibly empty: the whole bucket)."""
    bucket, _, prefix = spec[len(_S3_SCHEME) :].partition("/")
    if not bucket:
        raise SourceError(f"{spec}: no bucket name in S3 URI (expected s3://bucket/prefix)")
    return bucket, prefix


def _make_s3_client(spec: str, endpoint_url: str | None) -> Any:
    """Create the S3 client lazily so purely local runs never pay for importing boto3.

    Without an explicit endpoint, boto3's own configuration applies (credential chain,
    ``AWS_ENDPOINT_URL_S3`` / ``AWS_ENDPOINT_URL``, profiles), so the tool behaves like the
    AWS CLI the user already uses.
    """
    import boto3
    from botocore.config import Config

    endpoint = endpoint_url or os.environ.get("CCF_PY_S3_ENDPOINT_URL") or None
    # S3-compatible stores (MinIO, Ceph, moto) are reached by host name and rarely resolve
    # virtual-host bucket names, so an explicit endpoint uses path-style addressing. A fresh
    # session avoids boto3's module-level default session caching stale credentials.
    config = Config(s3={"addressing_style": "path"}) if endpoint else None
    try:
        return boto3.session.Session().client("s3", endpoint_url=endpoint, config=config)
    except (ValueError, *_boto_errors()) as exc:  # ValueError: malformed endpoint URL
        raise SourceError(f"{spec}: {_short_reason(exc)}") from exc


def _list_s3(
    client: Any, spec: str, progress: Callable[[str], None] | None
) -> list[_S3Object]:
    """List the billing objects ``spec`` names.

    An exact key yields just that object (like a local file, whatever its name). Otherwise the
    prefix is treated as a folder: ``s3://b/cur/report`` covers ``cur/report/...`` but not
    ``cur/report-test/...``, because silently pulling in a sibling report would double-count
    costs, while a too-short prefix fails loudly with "no CUR files".
    """
    bucket, prefix = _parse_s3_uri(spec)
    objects: list[_S3Object] = []
    try:
        paginator = client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", ()):
                modified = item.get("LastModified")
                objects.append(_S3Object(bucket, item["Key"], int(item.get("Size", 0)),
                                         modified.timestamp() if modified else 0.0))
    except _boto_errors() as exc:
        raise SourceError(f"{spec}: {_short_reason(exc)}") from exc

    if prefix and not prefix.endswith("/"):
        exact = [obj for obj in objects if obj.key == prefix]
        if exact:
            return exact
        objects = [obj for obj in objects if obj.key.startswith(prefix + "/")]
    chosen = [obj for obj in objects if _is_cur_key(obj.key)]
    if not chosen:
        raise SourceError(f"{spec}: {_NO_CUR_FILES}")
    return _current_s3(client, objects, chosen, progress)


def _current_s3(
    client: Any,
    listed: list[_S3Object],
    chosen: list[_S3Object],
    progress: Callable[[str], None] | None,
) -> list[_S3Object]:
    """``_current_versions`` for an S3 listing. A listing that spans several versions of a
    period spans the whole period folder, so its manifest, if any, is among ``listed``."""
    by_parts = {tuple(obj.key.split("/")): obj for obj in chosen}
    bucket = chosen[0].bucket

    def manifest(period: _Parts) -> list[str] | None:
        manifests = [obj for obj in listed if tuple(obj.key.split("/")[:-1]) == period
                     and obj.key.endswith(_MANIFEST_SUFFIX)]
        if not manifests:
            return None
        keys: list[str] = []
        for obj in manifests:  # read into memory: small, and never billing data to keep
            name = obj.key.rsplit("/", 1)[-1]
            try:
                data = client.get_object(Bucket=bucket, Key=obj.key)["Body"].read()
            except _boto_errors() as exc:
                raise _ManifestError(f"{name}: {_short_reason(exc)}") from exc
            keys += _report_keys(name, data)
        return keys

    def label(period: _Parts) -> str:
        return f"{_S3_SCHEME}{bucket}/{'/'.join(period)}"

    kept = _current_versions(list(by_parts), lambda parts: by_parts[parts].modified, manifest,
                             label, progress)
    return [obj for parts, obj in by_parts.items() if parts in kept]


def _is_cur_key(key: str) -> bool:
    """True for keys under a prefix that hold billing data: not folder markers (``.../``),
    manifests (``*-Manifest.json``), status files or anything without a billing suffix."""
    if key.endswith("/"):
        return False
    *folders, base = key.split("/")
    return (
        is_cur_file_name(base)
        and not base.endswith("-Manifest.json")
        and _STATUS_DIR not in folders
    )


# --------------------------------------------------------------------------- report versions


class _ManifestError(Exception):
    """A period manifest exists but cannot be used; the newest version is read instead."""


def _current_versions(
    files: list[_Parts],
    mtime: Callable[[_Parts], float],
    read_manifest: Callable[[_Parts], list[str] | None],
    label: Callable[[_Parts], str],
    progress: Callable[[str], None] | None,
) -> set[_Parts]:
    """The files (as path components) left after dropping superseded legacy CUR versions.

    A period folder with two or more subfolders holding billing files keeps several versions of
    one month. The period manifest names the current one, so we keep exactly the parts it
    lists; without a usable manifest we keep the subfolder with the newest files and warn,
    because that is a guess. A period with one version, or with parts lying directly in it
    ("overwrite" delivery), is left whole: dropping files there would understate the bill.
    """
    periods: dict[_Parts, dict[str, list[_Parts]]] = {}
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


def _period_end(parts: _Parts) -> int:
    """Index just past the deepest period folder among the file's folders; 0 when none."""
    for index in range(len(parts) - 2, -1, -1):
        if _PERIOD_DIR.fullmatch(parts[index]):
            return index + 1
    return 0


def _pick_version(
    period: _Parts,
    versions: dict[str, list[_Parts]],
    mtime: Callable[[_Parts], float],
    read_manifest: Callable[[_Parts], list[str] | None],
    label: Callable[[_Parts], str],
    progress: Callable[[str], None] | None,
) -> set[_Parts]:
    """Choose the files of one period that holds several versions (see ``_current_versions``).
    Manifest keys are full S3 keys; they match by their path below the period folder, which
    is the same for the S3 objects and for a local copy synced from them."""
    try:
        keys = read_manifest(period)
        reason = "no manifest"
    except _ManifestError as exc:
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


def _below_period(key: str, period_name: str) -> _Parts:
    """The part of a manifest key below its period folder (the whole key if none)."""
    parts = key.split("/")
    for index in range(len(parts) - 2, -1, -1):
        if parts[index] == period_name:
            return tuple(parts[index + 1 :])
    return tuple(parts)


def _report_keys(name: str, data: bytes) -> list[str]:
    """The ``reportKeys`` list of a legacy CUR manifest: the parts of the current version."""
    try:
        keys = json.loads(data)["reportKeys"]
    except (ValueError, TypeError, KeyError) as exc:  # bad JSON or UTF-8, not an object
        raise _ManifestError(f"{name}: no reportKeys") from exc
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        raise _ManifestError(f"{name}: reportKeys is not a list of keys")
    return keys


def _download(
    client: Any, obj: _S3Object, workdir: Path, progress: Callable[[str], None] | None
) -> Source:
    """Download one object to ``workdir/<bucket>/<key>``.

    The bytes land in ``<name>.part`` and are renamed only when complete, so an interrupted or
    failed run never leaves a truncated file that a later run (or a user) could take for a
    whole one.
    """
    dest = workdir.joinpath(*_local_parts(obj.bucket, obj.key))
    part = dest.with_name(dest.name + ".part")
    if progress is not None:
        progress(f"downloading {obj.uri} ({_human_size(obj.size)})")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        client.download_file(obj.bucket, obj.key, str(part))
        os.replace(part, dest)
    except _boto_errors() as exc:
        raise SourceError(f"{obj.uri}: {_short_reason(exc)}") from exc
    except OSError as exc:
        raise SourceError(f"{obj.uri}: cannot write {dest}: {exc.strerror or exc}") from exc
    finally:
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
    return Source(obj.uri, dest)


def _local_parts(bucket: str, key: str) -> list[str]:
    """Map ``bucket/key`` to path components that stay inside the work folder.

    S3 keys are arbitrary strings: ``..``, empty segments (``a//b``) or characters that are
    illegal in file names would otherwise escape the folder or fail on some systems. Each
    segment is percent-encoded, which is one-to-one, so two distinct keys never share a file.
    ``=`` stays readable to keep Hive-style ``BILLING_PERIOD=2023-11`` folders intact.
    """
    return [_safe_segment(segment) for segment in (bucket, *key.split("/"))]


def _safe_segment(segment: str) -> str:
    if segment in ("", ".", ".."):
        # quote() never emits a bare "%" or "%2E", so these cannot clash with real segments.
        return segment.replace(".", "%2E") or "%"
    return quote(segment, safe=" !$&'()+,;=@[]{}^`~")


def _human_size(size: int) -> str:
    """Short decimal size for progress lines ("1.2 MB"), matching what S3 consoles show."""
    if size < 1000:
        return f"{size} B"
    value = float(size)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if value < 1000 or unit == "TB":
            break
    return f"{value:.1f} {unit}"


# --------------------------------------------------------------------------- errors


def _boto_errors() -> tuple[type[Exception], ...]:
    """The exception types boto3 raises for S3 trouble, imported lazily (see module doc)."""
    from boto3.exceptions import Boto3Error
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError, Boto3Error)


_CLIENT_ERROR_REASONS = {
    "NoSuchBucket": "bucket does not exist",
    "NoSuchKey": "object does not exist",
    "404": "object does not exist (HTTP 404)",
    "AccessDenied": "access denied",
    "403": "access denied (HTTP 403)",
    "AllAccessDisabled": "access to this bucket has been disabled",
    "InvalidAccessKeyId": "AWS access key id is not valid",
    "SignatureDoesNotMatch": "AWS secret access key does not match the access key id",
    "ExpiredToken": "AWS credentials have expired",
    "InvalidBucketName": "not a valid bucket name",
}


def _short_reason(exc: Exception) -> str:
    """One line a user can act on, instead of botocore's multi-line text or a traceback."""
    from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

    if isinstance(exc, NoCredentialsError):
        reason = (
            "no AWS credentials found (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or run on a machine with an IAM role)"
        )
    elif isinstance(exc, EndpointConnectionError):
        url = urlsplit(str(exc.kwargs.get("endpoint_url", "")))
        where = f"{url.scheme}://{url.netloc}" if url.netloc else "the S3 endpoint"
        reason = f"cannot connect to {where}"
    elif isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "") or "")
        message = str(error.get("Message", "") or "")
        reason = _CLIENT_ERROR_REASONS.get(code, "")
        if not reason:
            reason = f"{code}: {message}" if code and message else code or message
        elif message and code in ("AccessDenied", "403") and message.lower() not in (
            "access denied",
            "forbidden",
        ):
            reason = f"{reason}: {message}"  # AWS may name the missing permission here
    else:
        reason = str(exc)
    reason = " ".join(reason.split()) or type(exc).__name__
    return reason if len(reason) <= 300 else reason[:297] + "..."
