"""List and download the billing objects an ``s3://`` spec names.

We download with boto3 instead of letting DuckDB read ``s3://`` itself because boto3 follows the
standard AWS credential chain (profiles, SSO, instance roles) that users already have set up,
whereas DuckDB's httpfs needs its own extension binary and secrets. boto3 is imported inside the
functions that need it, so purely local runs never pay for importing it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from ccf_py.errors import SourceError
from ccf_py.ingest.cur_names import NO_CUR_FILES, STATUS_DIR, is_cur_file_name
from ccf_py.ingest.cur_versions import (
    MANIFEST_SUFFIX,
    ManifestError,
    Parts,
    current_versions,
    report_keys,
)
from ccf_py.ingest.download import download_via_part

S3_SCHEME = "s3://"


@dataclass(frozen=True)
class S3Object:
    """An S3 object chosen for download; kept apart from downloading so listing errors in any
    spec surface before we spend time transferring data for the others."""

    bucket: str
    key: str
    size: int
    modified: float = 0.0  # LastModified (epoch seconds): tells report versions apart by age

    @property
    def uri(self) -> str:
        return f"{S3_SCHEME}{self.bucket}/{self.key}"


def _parse_s3_uri(spec: str) -> tuple[str, str]:
    """Split ``s3://bucket/prefix`` into bucket and prefix (possibly empty: the whole bucket)."""
    bucket, _, prefix = spec[len(S3_SCHEME) :].partition("/")
    if not bucket:
        raise SourceError(f"{spec}: no bucket name in S3 URI (expected s3://bucket/prefix)")
    return bucket, prefix


def make_s3_client(spec: str, endpoint_url: str | None) -> Any:
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


def list_s3(
    client: Any, spec: str, progress: Callable[[str], None] | None
) -> list[S3Object]:
    """List the billing objects ``spec`` names.

    An exact key yields just that object (like a local file, whatever its name). Otherwise the
    prefix is treated as a folder: ``s3://b/cur/report`` covers ``cur/report/...`` but not
    ``cur/report-test/...``, because silently pulling in a sibling report would double-count
    costs, while a too-short prefix fails loudly with "no CUR files".
    """
    bucket, prefix = _parse_s3_uri(spec)
    objects: list[S3Object] = []
    try:
        paginator = client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", ()):
                modified = item.get("LastModified")
                objects.append(S3Object(bucket, item["Key"], int(item.get("Size", 0)),
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
        raise SourceError(f"{spec}: {NO_CUR_FILES}")
    return _current_s3(client, objects, chosen, progress)


def _current_s3(
    client: Any,
    listed: list[S3Object],
    chosen: list[S3Object],
    progress: Callable[[str], None] | None,
) -> list[S3Object]:
    """``current_versions`` for an S3 listing. A listing that spans several versions of a
    period spans the whole period folder, so its manifest, if any, is among ``listed``."""
    by_parts = {tuple(obj.key.split("/")): obj for obj in chosen}
    bucket = chosen[0].bucket

    def manifest(period: Parts) -> list[str] | None:
        manifests = [obj for obj in listed if tuple(obj.key.split("/")[:-1]) == period
                     and obj.key.endswith(MANIFEST_SUFFIX)]
        if not manifests:
            return None
        keys: list[str] = []
        for obj in manifests:  # read into memory: small, and never billing data to keep
            name = obj.key.rsplit("/", 1)[-1]
            try:
                data = client.get_object(Bucket=bucket, Key=obj.key)["Body"].read()
            except _boto_errors() as exc:
                raise ManifestError(f"{name}: {_short_reason(exc)}") from exc
            keys += report_keys(name, data)
        return keys

    def label(period: Parts) -> str:
        return f"{S3_SCHEME}{bucket}/{'/'.join(period)}"

    kept = current_versions(list(by_parts), lambda parts: by_parts[parts].modified, manifest,
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
        and not base.endswith(MANIFEST_SUFFIX)
        and STATUS_DIR not in folders
    )


# --------------------------------------------------------------------------- downloading


def download(
    client: Any, obj: S3Object, workdir: Path, progress: Callable[[str], None] | None
) -> Path:
    """Download one object to ``workdir/<bucket>/<key>`` and return that path.

    The bytes land in ``<name>.part`` and are renamed only when complete, so an interrupted or
    failed run never leaves a truncated file that a later run (or a user) could take for a
    whole one.
    """
    dest = workdir.joinpath(*_local_parts(obj.bucket, obj.key))
    if progress is not None:
        progress(f"downloading {obj.uri} ({_human_size(obj.size)})")
    return download_via_part(
        obj.uri, dest, lambda part: client.download_file(obj.bucket, obj.key, str(part)),
        _boto_errors(), _short_reason)


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
